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
from qa.llm import LlamaCppLLM


def run_peer(
    articles: Sequence[Article], questions: Sequence[str], embedder: Embedder, llm: LlamaCppLLM
) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.base.response.schema import StreamingResponse
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    embed_model = _embedding(embedder)
    peer_llm = _llm(llm)
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
        engine = index.as_query_engine(llm=peer_llm, streaming=True, embed_model=embed_model)
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
            tokens.append(peer_llm.last_prompt_tokens)
    return {
        "ingest_s": round(ingest_s, 2),
        "chunks": chunks,
        "ttft_ms": round(statistics.median(ttfts), 1),
        "prompt_tokens": int(statistics.median(tokens)),
    }


def _embedding(embedder: Embedder):
    from llama_index.core.embeddings import BaseEmbedding

    class Wrapped(BaseEmbedding):
        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed_one(text).tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()

        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed_one(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return Wrapped(model_name="local-minilm", embed_batch_size=64)


def _llm(llm: LlamaCppLLM):
    from llama_index.core.llms import (
        CompletionResponse,
        CompletionResponseGen,
        CustomLLM,
        LLMMetadata,
    )

    class Wrapped(CustomLLM):
        last_prompt_tokens: int = 0

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=4096, num_output=256, model_name="local-gguf")

        def complete(self, prompt: str, formatted: bool = False, **kw) -> CompletionResponse:
            text = ""
            for response in self.stream_complete(prompt, formatted, **kw):
                text = response.text
            return CompletionResponse(text=text)

        def stream_complete(
            self, prompt: str, formatted: bool = False, **kw
        ) -> CompletionResponseGen:
            messages = [{"role": "user", "content": prompt}]
            self.last_prompt_tokens = llm.count_tokens(messages)
            text = ""
            for piece in llm.stream(messages, max_tokens=256):
                text += piece
                yield CompletionResponse(text=text, delta=piece)

    return Wrapped()
