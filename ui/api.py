"""Newsdesk from Python, as LlamaIndex parts:

    from ui.api import Newsdesk
    nd = Newsdesk(data_dir="…")            # the same settings as the CLI (NEWSDESK_* variables)
    nd.retriever                           # a BaseRetriever: hybrid, date-aware
    r = nd.query_engine(as_of=None).query("Where will Trump meet Xi Jinping?")
    r.response, r.source_nodes, r.metadata["refused"], r.metadata["timings"]
    nd.chat_engine().chat("…")             # a BaseChatEngine with follow-up rewriting
    nd.insert(documents)                   # LlamaIndex Documents, the same ingestion path
    nd.timeline("…").to_markdown()          # dated articles on a question, oldest first

Built by the same composition root as the CLI and the app, so every part is the one they use.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from llama_index.core.llms import LLM

from index.embedding import Embedder
from index.ingest import AddOutcome
from index.readers.documents import read_documents
from qa.engines import AnswerQueryEngine, FollowUpChatEngine
from qa.retrieval import Retriever
from qa.timeline import Timeline

from .container import Container
from .offline import go_offline
from .settings import Settings


class Newsdesk:
    """One Newsdesk library. Settings: NEWSDESK_* variables, then keyword arguments (any
    setting's name, e.g. `llm_url=`, `top_k=`). `llm` (any LlamaIndex LLM) or `embed_model`
    (a Newsdesk embedder, itself a LlamaIndex embedding) replace the models."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        llm: LLM | None = None,
        embed_model: Embedder | None = None,
        **settings: Any,
    ) -> None:
        go_offline()
        self.settings = Settings.load({"data_dir": data_dir, **settings})
        self.container = Container(self.settings, embedder=embed_model, llm=llm)

    @property
    def retriever(self) -> Retriever:
        return self.container.retriever

    @property
    def llm(self) -> LLM:
        return self.container.llm

    @property
    def embed_model(self) -> Embedder:
        return self.container.embedder

    @property
    def vector_store(self):
        """The chunks as LlamaIndex's own `ChromaVectorStore` (read them, or build on them)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.container.store.chunks)

    def query_engine(self, as_of: str | None = None) -> AnswerQueryEngine:
        """Answers ranked for `as_of` (YYYY-MM-DD; None: no date)."""
        return AnswerQueryEngine(self.container.answerer, as_of or "")

    def chat_engine(self, as_of: str | None = None) -> FollowUpChatEngine:
        return FollowUpChatEngine(self.container.answerer, self.container.rewriter, as_of or "")

    def insert(self, documents: Iterable[Any]) -> list[AddOutcome]:
        """Adds LlamaIndex Documents as articles (title, source, date and URL from their
        metadata); one outcome each, as `newsdesk add` prints them. Holds the write lock."""
        with self.container.write_lock("insert"):
            return list(self.container.ingestor.add_results(read_documents(documents)))

    def delete(self, article_id: str) -> bool:
        with self.container.write_lock("delete"):
            return self.container.store.remove(article_id)

    def timeline(
        self, question: str | None = None, *, story: str | None = None, as_of: str | None = None
    ) -> Timeline:
        """The dated articles that bear on `question` (or every article of `story`), oldest
        first, each with the sentence that matters."""
        if story:
            return self.container.timelines.for_story(story)
        if not question:
            raise ValueError("a timeline needs a question or a story")
        return self.container.timelines.for_question(question, as_of or "")
