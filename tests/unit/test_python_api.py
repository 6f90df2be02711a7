"""`ui.api.Newsdesk` with the fakes: LlamaIndex Documents in, LlamaIndex types out."""

from __future__ import annotations

import pytest
from llama_index.core import Document
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.chat_engine.types import BaseChatEngine

from tests.fakes import ScriptedLLM, WordHashEmbedder
from ui.api import Newsdesk

FERRY = (
    "The Lake Orm ferry returned on 3 May after repairs. Tickets cost 4 euros, the operator said."
)
BRIDGE = "The Selby river bridge reopened on Monday. Buses use it again from Tuesday."


@pytest.fixture
def nd(tmp_path, monkeypatch):
    for name in ("NEWSDESK_DATA_DIR", "NEWSDESK_LLM_URL", "NEWSDESK_CHROMA_HOST"):
        monkeypatch.delenv(name, raising=False)
    return Newsdesk(tmp_path / "data", llm=ScriptedLLM(), embed_model=WordHashEmbedder())


def test_documents_are_articles_with_ids_from_their_reader_or_newsdesk(nd):
    docs = [
        Document(text=FERRY, metadata={"title": "Ferry back", "url": "https://e.org/ferry"}),
        Document(text=BRIDGE, id_="selby/bridge.txt", metadata={"date": "2025-03-03"}),
        Document(text="  "),
    ]
    outcomes = nd.insert(docs)
    assert [o.status for o in outcomes] == ["added", "added", "failed"]
    assert outcomes[0].article_id.startswith("u-")  # a random UUID id: Newsdesk's, from the URL
    assert outcomes[1].article_id == "selby/bridge.txt"  # the reader's own id
    assert "no 'text'" in outcomes[2].reason
    stored = nd.container.store.get_article("selby/bridge.txt")
    assert stored.published_at == "2025-03-03" and stored.title  # a title from the text
    again = nd.insert([Document(text=FERRY, metadata={"url": "https://e.org/ferry"})])
    assert again[0].article_id == outcomes[0].article_id  # the same story updates, not adds
    assert nd.container.store.count_articles() == 2


def test_engines_are_llamaindex_engines_with_the_checked_answer(nd):
    nd.insert([Document(text=FERRY, metadata={"title": "Ferry back"})])
    nd.insert([Document(text=BRIDGE, metadata={"title": "Bridge"})])
    assert isinstance(nd.retriever, BaseRetriever)
    nodes = nd.retriever.retrieve("When did the Lake Orm ferry return?")
    assert "ferry" in nodes[0].node.get_content().lower() and nodes[0].score > 0
    engine = nd.query_engine(as_of="2025-05-10")
    assert isinstance(engine, BaseQueryEngine)
    nd.llm.replies = ["The Lake Orm ferry returned on 3 May [1]."]
    r = engine.query("When did the Lake Orm ferry return?")
    assert "3 May" in r.response and r.metadata["refused"] is False
    assert [n.node.ref_doc_id for n in r.source_nodes] == [nodes[0].node.ref_doc_id]
    assert "total_ms" in r.metadata["timings"]
    chat = nd.chat_engine()
    assert isinstance(chat, BaseChatEngine)
    nd.llm.yes = 0.1
    refused = chat.chat("When did the Lake Orm ferry return?")
    assert refused.metadata["refused"] and refused.source_nodes == []
    assert len(chat.chat_history) == 2


def test_an_answer_and_a_conversation_export_with_their_sources(nd):
    nd.insert([Document(text=FERRY, metadata={"title": "Ferry back", "source": "Lake Post"})])
    nd.llm.replies = ["The Lake Orm ferry returned on 3 May [1]."]
    r = nd.query_engine(as_of="2025-05-10").query("When did the Lake Orm ferry return?")
    md = r.metadata["answer"].to_markdown()
    assert "The Lake Orm ferry returned on 3 May [1]." in md and "[1] Ferry back (Lake Post" in md
    chat = nd.chat_engine(as_of="2025-05-10")
    nd.llm.replies = ["The Lake Orm ferry returned on 3 May [1]."]
    chat.chat("When did the Lake Orm ferry return?")
    exported = chat.to_markdown()
    assert exported.startswith("# Newsdesk\n\n## When did the Lake Orm ferry return?")
    assert "**Sources**" in exported
