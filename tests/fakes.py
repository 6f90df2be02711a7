"""Fakes registered through the same constructor paths as the real parts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    LLMMetadata,
)
from llama_index.core.llms import CustomLLM

from index.embedding import Embedder
from qa.llm import Checking, Messages
from qa.trust import FEATURES


class WordHashEmbedder(Embedder):
    """Deterministic bag-of-words vectors: texts sharing words are similar."""

    dimension: ClassVar[int] = 256  # type: ignore[misc]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


class ScriptedLLM(Checking, CustomLLM):
    """Replies from a queue; records every prompt it was given (as role/content dicts)."""

    context_window: int = 4096
    replies: list[str] = []
    yes: float = 0.9
    prompts: list[list[dict[str, str]]] = []
    checks: list[list[dict[str, str]]] = []

    def __init__(
        self, replies: Sequence[str] = (), yes: float = 0.9, context_window: int = 4096
    ) -> None:
        super().__init__(replies=list(replies), yes=yes, context_window=context_window)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=self.context_window, is_chat_model=True)

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        self.prompts.append(_dicts(messages))
        reply = self.replies.pop(0) if self.replies else "The articles don't say."

        def gen() -> ChatResponseGen:
            text = ""
            for piece in re.findall(r"\S+\s*", reply):
                text += piece
                yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=piece)

        return gen()

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        *_, last = [ChatResponse(message=ChatMessage(content=""))] + list(
            self.stream_chat(messages, **kwargs)
        )
        return last

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self.chat([ChatMessage(content=prompt)]).message.content)

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
        raise NotImplementedError

    def yes_probability(self, messages: Messages) -> float:
        self.checks.append(_dicts(messages))
        return self.yes


def _dicts(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    return [{"role": m.role.value, "content": m.content or ""} for m in messages]


# A refusal model for unit tests, so that they do not depend on the fitted weights: an
# answer needs the model's yes above all, then a near passage and a grounded reply.
TEST_REFUSAL_MODEL = {
    "features": list(FEATURES),
    "weights": {
        "top_similarity": 1.0,
        "similarity_gap": 0.0,
        "p_yes": 4.0,
        "key_grounded": 1.0,
        "supported": 1.0,
        "plan_only": -1.0,
        "asked_grounded": 1.0,
    },
    "means": {
        "top_similarity": 0.3,
        "similarity_gap": 0.0,
        "p_yes": 0.6,
        "key_grounded": 0.5,
        "supported": 0.5,
        "plan_only": 0.0,
        "asked_grounded": 0.5,
    },
    "scales": {
        "top_similarity": 0.1,
        "similarity_gap": 1.0,
        "p_yes": 0.1,
        "key_grounded": 0.5,
        "supported": 0.5,
        "plan_only": 1.0,
        "asked_grounded": 0.5,
    },
    "bias": 0.0,
    "line": 0.5,
    "about": {"for": "unit tests"},
}
