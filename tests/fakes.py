"""Fakes registered through the same constructor paths as the real parts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence

import numpy as np

from index.embedding import Embedder
from qa.llm import LLM, Messages


class WordHashEmbedder(Embedder):
    """Deterministic bag-of-words vectors: texts sharing words are similar."""

    dimension = 256

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


class ScriptedLLM(LLM):
    """Replies from a queue; records every prompt it was given."""

    def __init__(
        self, replies: Sequence[str] = (), yes: float = 0.9, context_window: int = 4096
    ) -> None:
        self.context_window = context_window
        self.replies = list(replies)
        self.yes = yes
        self.prompts: list[list[dict[str, str]]] = []
        self.checks: list[list[dict[str, str]]] = []

    def stream(
        self, messages: Messages, *, max_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        self.prompts.append(list(messages))
        reply = self.replies.pop(0) if self.replies else "The articles don't say."
        yield from re.findall(r"\S+\s*", reply)

    def yes_probability(self, messages: Messages) -> float:
        self.checks.append(list(messages))
        return self.yes
