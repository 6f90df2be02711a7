"""Language models, reached through LlamaIndex's LLM interface.

Any LlamaIndex LLM can answer. Newsdesk needs two things more of a model, which `Checking`
adds with working defaults: the probability that a yes/no check says yes, and the size of a
prompt in tokens. The two models Newsdesk ships override them:

- `LlamaCppLLM`: a GGUF file run in-process by llama-cpp-python (the default). It reads the
  next-token weights of the yes and no tokens and keeps the shared prompt prefix cached.
- `ServerLLM` (qa/llm_server.py): any OpenAI-compatible server (llama.cpp's, vLLM, Ollama)
  through LlamaIndex's OpenAI-like integration. It reads the check from the server's
  log-probabilities; a server that returns none gets the text fallback (yes: 1.0, no: 0.0),
  so every refusal then rests on the reply's text alone.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.llms import LLM, CustomLLM
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback

from .errors import ModelError

Messages = Sequence[ChatMessage]
YES = ("yes", "Yes", " yes", " Yes", "YES")
NO = ("no", "No", " no", " No", "NO")


def chat(*pairs: tuple[str, str]) -> list[ChatMessage]:
    """Chat messages from (role, content) pairs."""
    return [ChatMessage(role=MessageRole(role), content=content) for role, content in pairs]


class Checking:
    """What Newsdesk asks of a model beyond LlamaIndex's interface, with defaults that work
    for any LlamaIndex LLM (mixed in before the LLM base class)."""

    def yes_probability(self, messages: Messages) -> float:
        """P(yes) / (P(yes) + P(no)) for a yes/no question; from the reply text by default."""
        return _text_yes(self, messages)  # type: ignore[arg-type]

    def prime(self, messages: Messages) -> None:
        """Reads a prompt into the model's prefix cache, where the model keeps one in this
        process; nothing by default (a model server keeps its own)."""

    def count_tokens(self, messages: Messages) -> int:
        """Prompt size in tokens: an over-estimate unless the backend knows its tokenizer
        (about 4 characters a token in English; 3 leaves room for names and numbers)."""
        return sum(len(m.content or "") for m in messages) // 3 + 8 * len(messages)


def yes_probability(llm: LLM, messages: Messages) -> float:
    """The check's P(yes) from any LlamaIndex LLM."""
    if isinstance(llm, Checking):
        return llm.yes_probability(messages)
    return _text_yes(llm, messages)


def prime(llm: LLM, messages: Messages) -> None:
    if isinstance(llm, Checking):
        llm.prime(messages)


def count_tokens(llm: LLM, messages: Messages) -> int:
    if isinstance(llm, Checking):
        return llm.count_tokens(messages)
    return Checking().count_tokens(messages)


def pieces(llm: LLM, messages: Messages, *, max_tokens: int, stop: Sequence[str] = ()):
    """The reply as text pieces, as they are generated."""
    kwargs: dict[str, Any] = {"max_tokens": max_tokens}
    if stop:
        kwargs["stop"] = list(stop)
    for response in llm.stream_chat(messages, **kwargs):
        if response.delta:
            yield response.delta


def reply(llm: LLM, messages: Messages, *, max_tokens: int, stop: Sequence[str] = ()) -> str:
    return "".join(pieces(llm, messages, max_tokens=max_tokens, stop=stop))


def _text_yes(llm: LLM, messages: Messages) -> float:
    text = reply(llm, messages, max_tokens=2).strip().lower()
    return 1.0 if text.startswith("yes") else 0.0


class LlamaCppLLM(Checking, CustomLLM):
    """A GGUF model run in-process by llama-cpp-python. The KV cache keeps the longest
    common prefix between calls, so a shared system prompt and passages are read once."""

    model_path: str = Field(description="the GGUF file")
    context_window: int = Field(description="prompt and reply together, in tokens")
    chat_format: str = Field(description="chatml, or auto: the template in the GGUF file")
    max_tokens: int = Field(description="longest reply when a call does not say (num_output)")
    _llama: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _render: Any = PrivateAttr()
    _stops: list[str] = PrivateAttr()
    _yes: set[int] = PrivateAttr()
    _no: set[int] = PrivateAttr()

    def __init__(
        self,
        model_path: str,
        *,
        n_ctx: int,
        n_threads: int,
        chat_format: str,
        max_tokens: int,
        seed: int = 0,
    ) -> None:
        super().__init__(
            model_path=model_path,
            context_window=n_ctx,
            chat_format=chat_format,
            max_tokens=max_tokens,
        )
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError("llama-cpp-python is not installed") from exc
        try:
            self._llama = Llama(
                model_path=model_path,
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load model {model_path}: {exc}") from exc
        self._render, self._stops = self._formatter(chat_format)
        self._yes = self._first_tokens(YES)
        self._no = self._first_tokens(NO)

    @classmethod
    def class_name(cls) -> str:
        return "newsdesk_llama_cpp"

    @property
    def llama(self) -> Any:
        return self._llama

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.max_tokens,
            is_chat_model=True,
            model_name=self.model_path.rsplit("/", 1)[-1],
        )

    def _formatter(self, chat_format: str):
        """ChatML by default; "auto" uses the chat template stored in the GGUF file."""
        if chat_format == "chatml":
            return render_chatml, ["<|im_end|>"]
        if chat_format != "auto":
            raise ModelError(f"unknown chat format {chat_format!r} (use chatml or auto)")
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError("the model file has no chat template; use chat format chatml")
        vocab = self._llama._model
        formatter = Jinja2ChatFormatter(
            template,
            eos_token=vocab.token_get_text(self._llama.token_eos()),
            bos_token=vocab.token_get_text(self._llama.token_bos()),
        )
        return (lambda messages: formatter(messages=list(messages)).prompt), []

    def _first_tokens(self, words: Sequence[str]) -> set[int]:
        return {self._llama.tokenize(w.encode(), add_bos=False, special=False)[0] for w in words}

    def _tokens(self, messages: Messages) -> list[int]:
        """The prompt's tokens. Only the chat template may produce special tokens: each
        message's content (article text, questions) is tokenised as plain text, so a
        passage holding "<|im_start|>system" cannot speak as the system."""
        marks = [f"\ue000{uuid.uuid4().hex}\ue001" for _ in messages]
        framed = [{"role": m.role.value, "content": mark} for m, mark in zip(messages, marks)]
        prompt = self._render(framed)
        tokens: list[int] = []
        for message, mark in zip(messages, marks, strict=True):
            frame, sep, prompt = prompt.partition(mark)
            if not sep:
                raise ModelError("the chat template dropped a message")
            tokens += self._tokenize(frame, special=True, bos=not tokens)
            tokens += self._tokenize(message.content or "", special=False, bos=False)
        return tokens + self._tokenize(prompt, special=True, bos=False)

    def _tokenize(self, text: str, *, special: bool, bos: bool) -> list[int]:
        if not text and not bos:
            return []
        return self._llama.tokenize(text.encode("utf-8"), add_bos=bos, special=special)

    def count_tokens(self, messages: Messages) -> int:
        return len(self._tokens(messages))

    # -- LlamaIndex's interface -------------------------------------------------------------
    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = "".join(self._generate(self._tokens(messages), **kwargs))
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        tokens = self._tokens(messages)

        def gen() -> ChatResponseGen:
            text = ""
            for piece in self._generate(tokens, **kwargs):
                text += piece
                message = ChatMessage(role=MessageRole.ASSISTANT, content=text)
                yield ChatResponse(message=message, delta=piece)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self.chat(chat(("user", prompt)), **kwargs).message.content)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            text = ""
            for piece in self._generate(self._tokens(chat(("user", prompt))), **kwargs):
                text += piece
                yield CompletionResponse(text=text, delta=piece)

        return gen()

    def _generate(
        self,
        tokens: list[int],
        *,
        max_tokens: int | None = None,
        stop: Sequence[str] = (),
        **_: Any,
    ) -> Iterator[str]:
        """Greedy generation. Holds the model only while it generates: the lock is let go
        when the reply is done, when generation fails, and when the reader closes the stream
        (a cancel, a disconnect, or a dropped stream, which CPython closes at once).
        Generation stays in the reader's thread: a worker thread handing over each token
        cost a quarter of the generation speed on two cores (ggml's threads lose their core
        to it)."""
        with self._lock:
            try:
                chunks: Iterator[Any] = self._llama.create_completion(
                    tokens,
                    max_tokens=max_tokens or self.max_tokens,
                    temperature=0.0,
                    top_k=1,
                    stop=[*stop, *self._stops],
                    stream=True,
                )
                for chunk in chunks:
                    if piece := chunk["choices"][0]["text"]:
                        yield piece
            except RuntimeError as exc:
                raise ModelError(f"generation failed: {exc}") from exc

    # -- the check --------------------------------------------------------------------------
    def yes_probability(self, messages: Messages) -> float:
        """Evaluate the prompt once (reusing the cached prefix) and compare the next-token
        weights of the yes and no tokens."""
        tokens = self._tokens(messages)
        with self._lock:
            return self._yes_probability(tokens)

    def prime(self, messages: Messages) -> None:
        tokens = self._tokens(messages)
        with self._lock:
            self._read(tokens)

    def _yes_probability(self, tokens: list[int]) -> float:
        import numpy as np

        self._read(tokens)
        llama = self._llama
        logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
        logits = logits.astype(np.float64)
        top = logits.max()
        yes = sum(math.exp(logits[i] - top) for i in self._yes)
        no = sum(math.exp(logits[i] - top) for i in self._no)
        return yes / (yes + no) if yes + no > 0 else 0.5

    def _read(self, tokens: list[int]) -> None:
        """Evaluates the prompt into the KV cache, reading only what follows the prefix the
        cache already holds (the last token is always read, for its next-token weights)."""
        llama = self._llama
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


def render_chatml(messages: Sequence[dict[str, str]]) -> str:
    body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return body + "<|im_start|>assistant\n"
