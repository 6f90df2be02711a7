"""Text embedders: LlamaIndex embeddings with one abstract method, and the packaged MiniLM."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import Field


class Embedder(BaseEmbedding):
    """Turns texts into unit-length vectors. Subclasses implement `embed_batch` only. A
    LlamaIndex embedding too, so a LlamaIndex index over Newsdesk's chunks uses the very
    same vectors; Newsdesk itself calls `embed` (arrays, no per-call events)."""

    batch_size: int = 64

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        return int(self.embed_batch(["dimension"]).shape[1])

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = [
            self.embed_batch(texts[i : i + self.batch_size])
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.vstack(rows).astype(np.float32, copy=False)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    # -- LlamaIndex's interface -------------------------------------------------------------
    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed_one(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed_one(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model loaded from a local folder (never from a hub), on first
    use: commands that only read or refuse their inputs never pay for torch."""

    model_path: str = Field(description="folder of the sentence-transformers model")
    threads: int | None = Field(default=None, description="torch threads (None: torch's own)")

    def __init__(self, model_path: str, batch_size: int, threads: int | None = None) -> None:
        fields: dict[str, Any] = {
            "model_path": model_path,
            "batch_size": batch_size,
            "threads": threads,
            "model_name": "all-MiniLM-L6-v2",
            "embed_batch_size": batch_size,
        }
        super().__init__(**fields)

    @classmethod
    def class_name(cls) -> str:
        return "newsdesk_sentence_transformer"

    @cached_property
    def model(self):
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        return SentenceTransformer(self.model_path, device="cpu", local_files_only=True)

    @cached_property
    def dimension(self) -> int:
        dimension = self.model.get_embedding_dimension()
        if not dimension:
            raise ValueError(f"{self.model_path} does not say its embedding size")
        return int(dimension)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One encoder call for all texts: it sorts them by length, so batches pad little."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.embed_batch(texts).astype(np.float32, copy=False)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
