"""The peer in `newsdesk bench`: a default LlamaIndex pipeline (VectorStoreIndex over
ChromaVectorStore, default SentenceSplitter, top-2, compact answers) on the same embedder and
the same model, through minimal wrappers."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from index.embedding import Embedder
from index.types import Article
from qa.llm import LlamaCppLLM, chat


def run_peer(
    articles: Sequence[Article], questions: Sequence[str], embedder: Embedder, llm: LlamaCppLLM
) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.base.response.schema import StreamingResponse
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    embed_model = embedder  # a LlamaIndex embedding already
    prompt_sizes = _PromptSizes(llm)
    with tempfile.TemporaryDirectory(prefix="newsdesk-peer-") as tmp:
        client = chromadb.PersistentClient(tmp, settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.get_or_create_collection("peer", embedding_function=None)
        storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(collection))
        docs = [Document(text=a.text, metadata={"title": a.title}) for a in articles]
        t0 = time.perf_counter()
        index = VectorStoreIndex.from_documents(
            docs,
            storage_context=storage,
            embed_model=embed_model,
            transformations=[SentenceSplitter()],
        )
        ingest_s = time.perf_counter() - t0
        chunks = collection.count()
        engine = index.as_query_engine(llm=llm, streaming=True, embed_model=embed_model)
        ttfts, tokens = [], []
        for question in questions:
            llm.llama.reset()
            t0 = time.perf_counter()
            response = engine.query(question)
            assert isinstance(response, StreamingResponse)  # streaming=True above
            first = None
            for _ in response.response_gen:
                first = first or time.perf_counter()
            ttfts.append(((first or time.perf_counter()) - t0) * 1000)
            tokens.append(prompt_sizes.sizes[-1])
    prompt_sizes.close()
    return {
        "ingest_s": round(ingest_s, 2),
        "chunks": chunks,
        "ttft_ms": round(statistics.median(ttfts), 1),
        "prompt_tokens": int(statistics.median(tokens)),
    }


class _PromptSizes:
    """Counts the tokens of each prompt the peer sends to the model, from LlamaIndex's own
    instrumentation events (the model is ours, unchanged)."""

    def __init__(self, llm: LlamaCppLLM) -> None:
        from llama_index.core.instrumentation import get_dispatcher
        from llama_index.core.instrumentation.event_handlers import BaseEventHandler
        from llama_index.core.instrumentation.events.llm import (
            LLMChatStartEvent,
            LLMCompletionStartEvent,
        )

        sizes: list[int] = []
        self.sizes = sizes

        class Handler(BaseEventHandler):
            def handle(self, event, **kwargs) -> None:
                if isinstance(event, LLMChatStartEvent):
                    sizes.append(llm.count_tokens(event.messages))
                elif isinstance(event, LLMCompletionStartEvent):
                    sizes.append(llm.count_tokens(chat(("user", event.prompt))))

        self.handler = Handler()
        self.dispatcher = get_dispatcher()
        self.dispatcher.add_event_handler(self.handler)

    def close(self) -> None:
        self.dispatcher.event_handlers.remove(self.handler)
