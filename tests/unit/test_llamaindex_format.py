"""A Newsdesk index is a LlamaIndex vector store: a plain LlamaIndex script reads its chunks
as nodes (article id, offsets, metadata), deletes an article by document, and an index of
the first release is upgraded on open, in place. Real Chroma, the fake embedder."""

from __future__ import annotations

import pytest
from llama_index.core import VectorStoreIndex
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.types import Article

BRIDGE = Article(
    title="River bridge reopens",
    text="The river bridge in Selby reopened on Monday after repairs. "
    "Buses use it again from Tuesday, the council said. " * 12,
    source="Selby Post",
    published_at="2025-03-03",
    url="https://example.org/bridge",
    article_id="bridge-1",
)
FERRY = Article(
    title="Harbour ferry resumes",
    text="The harbour ferry resumed service on Monday after the storm. Tickets cost 3 euros.",
    source="Coast News",
    published_at="2025-04-01",
    article_id="ferry-1",
)


def llama_index_over(container) -> VectorStoreIndex:
    """What a LlamaIndex user writes: Chroma's collection, LlamaIndex's classes."""
    collection = container.store.client.get_collection("newsdesk_chunks")
    vector_store = ChromaVectorStore(chroma_collection=collection)
    return VectorStoreIndex.from_vector_store(vector_store, embed_model=container.embedder)


def test_llamaindex_reads_chunks_as_nodes_of_their_article(container):
    container.ingestor.add(BRIDGE)
    container.ingestor.add(FERRY)
    hits = llama_index_over(container).as_retriever(similarity_top_k=20).retrieve("river bridge")
    assert {h.node.ref_doc_id for h in hits} == {"bridge-1", "ferry-1"}
    stored = container.store.count_chunks()
    assert len(hits) == stored > 2  # the bridge article is several chunks
    for hit in hits:
        node = hit.node
        article = BRIDGE if node.ref_doc_id == "bridge-1" else FERRY
        assert article.text[node.start_char_idx : node.end_char_idx] == node.get_content()
        assert node.metadata["title"] == article.title
        assert node.metadata["source"] == article.source
        assert node.metadata["published_at"] == article.published_at
        assert node.metadata["url"] == article.url
        # what LlamaIndex's LLM sees of the node: the reader-facing fields, not ours
        shown = node.get_content(metadata_mode="llm")
        assert article.title in shown and "version" not in shown


def test_llamaindex_delete_ref_doc_removes_an_article(container):
    container.ingestor.add(BRIDGE)
    container.ingestor.add(FERRY)
    index = llama_index_over(container)
    index.delete_ref_doc("bridge-1")
    hits = index.as_retriever(similarity_top_k=20).retrieve("river bridge")
    assert {h.node.ref_doc_id for h in hits} == {"ferry-1"}
    health = container.store.check()  # our record is still there: check names it
    assert health.incomplete == ["bridge-1"]


def downgrade_to_first_release(store) -> None:
    """Rewrites the chunks as the first release wrote them: Newsdesk's flat fields only."""
    got = store.chunks.get(include=["metadatas", "documents", "embeddings"])
    keep = ("article_id", "version", "chunk_index", "start", "end", "title", "source")
    old = [{k: m[k] for k in (*keep, "published_at", "url")} for m in got["metadatas"]]
    store.chunks.delete(ids=got["ids"])
    store.chunks.add(
        ids=got["ids"], documents=got["documents"], embeddings=got["embeddings"], metadatas=old
    )
    store.chunks.modify(metadata={"revision": "first-release"})


def test_an_index_of_the_first_release_is_upgraded_on_open(settings, make_container):
    first = make_container(settings)
    first.ingestor.add(BRIDGE)
    first.ingestor.add(FERRY)
    downgrade_to_first_release(first.store)
    chunks = first.store.count_chunks()
    assert first.store.outdated() == chunks
    with pytest.raises(ValueError):  # LlamaIndex cannot read it as nodes yet...
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        metadata_dict_to_node(first.store.chunks.get(limit=1)["metadatas"][0])

    notices: list[str] = []
    reopened = type(first)(settings, embedder=first.embedder, llm=first._llm, notice=notices.append)
    assert reopened.store.outdated() == 0
    assert f"({chunks:,} passages, no re-embedding)" in notices[0]
    hits = llama_index_over(reopened).as_retriever(similarity_top_k=20).retrieve("bridge")
    assert {h.node.ref_doc_id for h in hits} == {"bridge-1", "ferry-1"}
    assert reopened.store.check().ok
    passages = reopened.retriever.passages("When did the river bridge reopen?")
    assert passages[0].article_id == "bridge-1"  # Newsdesk reads it as before

    notices.clear()
    type(first)(settings, embedder=first.embedder, notice=notices.append).store  # noqa: B018
    assert notices == []  # current: nothing to do
