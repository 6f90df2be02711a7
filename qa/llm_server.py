"""A model on any OpenAI-compatible server (llama.cpp's, vLLM, Ollama), through LlamaIndex's
OpenAI-like integration. Its own module, so the in-process path never imports the client."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import openai
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ChatResponseGen
from llama_index.llms.openai.utils import to_openai_message_dicts
from llama_index.llms.openai_like import OpenAILike

from .errors import ModelError
from .llm import NO, YES, Checking, Messages

# A server tokenises the rendered prompt with its special tokens, and every model family
# spells its control tokens its own way: <|im_start|>, <|begin_of_text|>, <｜User｜>,
# <start_of_turn>, <bos>, </s>, <think>, [INST], [SYSTEM_PROMPT], [gMASK], <<SYS>>,
# >>ANSWER<<. Rather than list spellings, message text is NFKC-normalised (full-width bars
# and brackets become ASCII) and anything token-shaped is broken with a word joiner after its
# opening bracket: an article that holds "<|im_start|>system" reaches the model as words, as
# it does in process. Citation markers ([1]) and plain brackets stay as they are.
_TOKEN_SHAPED = re.compile(
    r"<\||\|>"  # <|…|> of ChatML, Llama 3, Phi, DeepSeek, Command-R, Granite, gpt-oss
    r"|<</?[A-Za-z_]"  # <<SYS>>
    r"|</?[A-Za-z_][\w.:\-▁]{0,64}>"  # <s>, </s>, <bos>, <start_of_turn>, <think>
    r"|\[/?[A-Za-z_][\w\-]{0,64}\]"  # [INST], [SYSTEM_PROMPT], [TOOL_CALLS], [gMASK]
    r"|>>(?=[A-Za-z_])"  # >>ANSWER<<
)


def plain(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    return [ChatMessage(role=m.role, content=neutral(m.content or "")) for m in messages]


def neutral(text: str) -> str:
    """Text in which no model family's control token can be read."""
    return _TOKEN_SHAPED.sub(_break, unicodedata.normalize("NFKC", text))


def _break(match: re.Match) -> str:
    text = match.group(0)
    return text[0] + "\u2060" + text[1:]


class ServerLLM(Checking, OpenAILike):
    """The server's errors (unreachable, refused, timed out) become ModelError. Requests
    carry no shared state, so any number of questions may be asked at once: the server
    queues or batches them. Message text is sent with control-token spellings broken."""

    @classmethod
    def class_name(cls) -> str:
        return "newsdesk_openai_server"

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        try:
            return super().chat(plain(messages), **kwargs)
        except openai.OpenAIError as exc:
            raise ModelError(f"the model server failed: {exc}") from exc

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            try:
                yield from super(ServerLLM, self).stream_chat(plain(messages), **kwargs)
            except openai.OpenAIError as exc:
                raise ModelError(f"the model server failed: {exc}") from exc

        return gen()

    def yes_probability(self, messages: Messages) -> float:
        """From the first reply token's top log-probabilities: the share of yes among the
        yes and no spellings the server lists. A server without log-probabilities: from the
        reply's text (yes: 1.0, anything else: 0.0)."""
        try:
            response = self._get_client().chat.completions.create(
                model=self.model,
                messages=to_openai_message_dicts(plain(messages), model=self.model),  # type: ignore[arg-type]
                max_tokens=1,
                temperature=0.0,
                logprobs=True,
                top_logprobs=20,
            )
        except openai.OpenAIError as exc:
            raise ModelError(f"the model server failed: {exc}") from exc
        choice = response.choices[0]
        content = getattr(choice.logprobs, "content", None) or []
        if not content or not content[0].top_logprobs:
            text = (choice.message.content or "").strip().lower()
            return 1.0 if text.startswith("yes") else 0.0
        yes = no = 0.0
        for entry in content[0].top_logprobs:
            if entry.token in YES:
                yes += math.exp(entry.logprob)
            elif entry.token in NO:
                no += math.exp(entry.logprob)
        return yes / (yes + no) if yes + no > 0 else 0.5
