"""Text embedders: a small base class with one abstract method, and the packaged MiniLM."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import cached_property

import numpy as np


class Embedder(ABC):
    """Turns texts into unit-length vectors. Subclasses implement `embed_batch` only."""

    dimension: int
    batch_size: int = 64

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


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model loaded from a local folder (never from a hub), on first
    use: commands that only read or refuse their inputs never pay for torch."""

    def __init__(self, model_path: str, batch_size: int, threads: int | None = None) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.threads = threads

    @cached_property
    def model(self):
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        return SentenceTransformer(self.model_path, device="cpu", local_files_only=True)

    @cached_property
    def dimension(self) -> int:  # type: ignore[override]
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
