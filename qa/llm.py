"""Language models: a small base class with one abstract method, and llama.cpp."""

from __future__ import annotations

import math
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

from .errors import ModelError

Messages = Sequence[dict[str, str]]


class LLM(ABC):
    """Chat model. Subclasses implement `stream` and set `context_window` (prompt and reply
    together, in tokens); the rest has working defaults."""

    context_window: int

    @abstractmethod
    def stream(
        self, messages: Messages, *, max_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Greedy continuation of the chat, piece by piece."""

    def complete(self, messages: Messages, *, max_tokens: int, stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, stop=stop))

    def yes_probability(self, messages: Messages) -> float:
        """P(yes) / (P(yes) + P(no)) for a yes/no question; from the reply text by default."""
        reply = self.complete(messages, max_tokens=2).strip().lower()
        return 1.0 if reply.startswith("yes") else 0.0

    def count_tokens(self, messages: Messages) -> int:
        """Prompt size in tokens; an estimate unless the backend knows its tokenizer."""
        return sum(len(m["content"]) for m in messages) // 4 + 4 * len(messages)


class LlamaCppLLM(LLM):
    """A GGUF model run in-process by llama-cpp-python. The KV cache keeps the longest
    common prefix between calls, so a shared system prompt and passages are read once."""

    def __init__(
        self,
        model_path: str,
        *,
        n_ctx: int,
        n_threads: int,
        chat_format: str,
        seed: int = 0,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError("llama-cpp-python is not installed") from exc
        try:
            self.llama = Llama(
                model_path=model_path,
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load model {model_path}: {exc}") from exc
        self.context_window = n_ctx
        self._lock = threading.Lock()  # one prompt at a time in the model's context
        self.render, self.stops = self._formatter(chat_format)
        self._yes = self._first_tokens(("yes", "Yes", " yes", " Yes", "YES"))
        self._no = self._first_tokens(("no", "No", " no", " No", "NO"))

    def _formatter(self, chat_format: str):
        """ChatML by default; "auto" uses the chat template stored in the GGUF file."""
        if chat_format == "chatml":
            return render_chatml, ["<|im_end|>"]
        if chat_format != "auto":
            raise ModelError(f"unknown chat format {chat_format!r} (use chatml or auto)")
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        meta = self.llama.metadata
        template = meta.get("tokenizer.chat_template")
        if not template:
            raise ModelError("the model file has no chat template; use chat format chatml")
        vocab = self.llama._model
        formatter = Jinja2ChatFormatter(
            template,
            eos_token=vocab.token_get_text(self.llama.token_eos()),
            bos_token=vocab.token_get_text(self.llama.token_bos()),
        )
        return (lambda messages: formatter(messages=list(messages)).prompt), []

    def _first_tokens(self, words: Sequence[str]) -> set[int]:
        return {self.llama.tokenize(w.encode(), add_bos=False, special=False)[0] for w in words}

    def _tokens(self, messages: Messages) -> list[int]:
        """The prompt's tokens. Only the chat template may produce special tokens: each
        message's content (article text, questions) is tokenised as plain text, so a
        passage holding "<|im_start|>system" cannot speak as the system."""
        marks = [f"\ue000{uuid.uuid4().hex}\ue001" for _ in messages]
        framed = [{**m, "content": mark} for m, mark in zip(messages, marks, strict=True)]
        prompt = self.render(framed)
        tokens: list[int] = []
        for message, mark in zip(messages, marks, strict=True):
            frame, sep, prompt = prompt.partition(mark)
            if not sep:
                raise ModelError("the chat template dropped a message")
            tokens += self._tokenize(frame, special=True, bos=not tokens)
            tokens += self._tokenize(message["content"], special=False, bos=False)
        return tokens + self._tokenize(prompt, special=True, bos=False)

    def _tokenize(self, text: str, *, special: bool, bos: bool) -> list[int]:
        if not text and not bos:
            return []
        return self.llama.tokenize(text.encode("utf-8"), add_bos=bos, special=special)

    def count_tokens(self, messages: Messages) -> int:
        return len(self._tokens(messages))

    def stream(
        self, messages: Messages, *, max_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Holds the model only while it generates: the lock is let go when the reply is
        done, when generation fails, and when the reader closes the stream (a cancel, a
        disconnect, or a dropped stream, which CPython closes at once). Generation stays in
        the reader's thread: a worker thread handing over each token cost a quarter of the
        generation speed on two cores (ggml's threads lose their core to it)."""
        tokens = self._tokens(messages)
        with self._lock:
            try:
                chunks: Iterator[Any] = self.llama.create_completion(  # type: ignore[assignment]
                    tokens,
                    max_tokens=max_tokens,
                    temperature=0.0,
                    top_k=1,
                    stop=[*stop, *self.stops],
                    stream=True,
                )
                for chunk in chunks:
                    if piece := chunk["choices"][0]["text"]:
                        yield piece
            except RuntimeError as exc:
                raise ModelError(f"generation failed: {exc}") from exc

    def yes_probability(self, messages: Messages) -> float:
        """Evaluate the prompt once (reusing the cached prefix) and compare the next-token
        weights of the yes and no tokens."""
        tokens = self._tokens(messages)
        with self._lock:
            return self._yes_probability(tokens)

    def _yes_probability(self, tokens: list[int]) -> float:
        import numpy as np

        llama = self.llama
        cached = llama.input_ids[: llama.n_tokens].tolist()
        common = 0
        for a, b in zip(cached, tokens[:-1], strict=False):
            if a != b:
                break
            common += 1
        llama.n_tokens = common
        try:
            llama.eval(tokens[common:])
        except RuntimeError as exc:
            raise ModelError(f"evaluation failed: {exc}") from exc
        logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
        logits = logits.astype(np.float64)
        top = logits.max()
        yes = sum(math.exp(logits[i] - top) for i in self._yes)
        no = sum(math.exp(logits[i] - top) for i in self._no)
        return yes / (yes + no) if yes + no > 0 else 0.5


def render_chatml(messages: Messages) -> str:
    body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return body + "<|im_start|>assistant\n"
