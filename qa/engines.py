"""Newsdesk's answering as LlamaIndex engines: a query engine and a chat engine over the same
Answerer (retrieval, the yes/no check, citations enforced in code) and QuestionRewriter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Generator
from typing import Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import Response
from llama_index.core.chat_engine.types import (
    AgentChatResponse,
    BaseChatEngine,
    StreamingAgentChatResponse,
)
from llama_index.core.schema import NodeWithScore, QueryBundle

from .answering import Answerer
from .followup import QuestionRewriter, earlier_passages
from .retrieval import as_node
from .types import Answer, conversation_markdown


def cited_nodes(answer: Answer) -> list[NodeWithScore]:
    """Exactly the passages the answer cites, as nodes (none for a refusal)."""
    return [as_node(p) for p in answer.cited_passages]


def answer_metadata(answer: Answer) -> dict[str, Any]:
    return {
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "timings": answer.timings,
        "citations": [c.n for c in answer.citations],
        "unsupported_sentences": answer.unsupported,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "signals": answer.signals,
        "passages_read": len(answer.passages),
        "answer": answer,  # the whole answer: .to_json(), .to_markdown() to take it away
    }


class AnswerQueryEngine(BaseQueryEngine):
    """`query(question)` gives the checked answer: `response` is its text (or the refusal),
    `source_nodes` exactly the cited passages, `metadata` whether it refused, why, timings."""

    def __init__(self, answerer: Answerer, as_of: str = "") -> None:
        super().__init__(callback_manager=None)
        self.answerer = answerer
        self.as_of = as_of

    def _query(self, query_bundle: QueryBundle) -> Response:
        answer = self.answerer.ask(query_bundle.query_str, as_of=self.as_of)
        return Response(
            response=answer.answer,
            source_nodes=cited_nodes(answer),
            metadata=answer_metadata(answer),
        )

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return await asyncio.to_thread(self._query, query_bundle)

    def _get_prompt_modules(self) -> dict[str, Any]:
        return {}


class FollowUpChatEngine(BaseChatEngine):
    """A conversation: each follow-up is rewritten into a standalone question with the
    turns so far (the app's rewriting), then answered like a query. The metadata say which
    question was searched for. `stream_chat` delivers the checked answer: citations are
    enforced before any of it is given out. `answers` keeps each turn's checked answer."""

    def __init__(self, answerer: Answerer, rewriter: QuestionRewriter, as_of: str = "") -> None:
        self.answerer = answerer
        self.rewriter = rewriter
        self.as_of = as_of
        self._turns: list[tuple] = []  # (standalone question, answer, cited chunk ids)
        self._history: list[ChatMessage] = []
        self.answers: list[Answer] = []

    @property
    def chat_history(self) -> list[ChatMessage]:
        return list(self._history)

    def to_markdown(self, title: str = "Newsdesk") -> str:
        """The conversation so far, every answer with its sources, as one Markdown file."""
        return conversation_markdown([a.to_json() for a in self.answers], title)

    def reset(self) -> None:
        self._turns.clear()
        self._history.clear()
        self.answers.clear()

    def chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> AgentChatResponse:
        if chat_history is not None:
            self._adopt(chat_history)
        standalone = self.rewriter.rewrite(message, self._turns)
        also = earlier_passages(message, self._turns)
        answer = self.answerer.ask(standalone, as_of=self.as_of, also=also)
        self._turns.append(answer.turn(standalone))
        self.answers.append(answer)
        self._history += [
            ChatMessage(role=MessageRole.USER, content=message),
            ChatMessage(role=MessageRole.ASSISTANT, content=answer.answer),
        ]
        metadata = {**answer_metadata(answer), "question": standalone}
        return AgentChatResponse(
            response=answer.answer, source_nodes=cited_nodes(answer), metadata=metadata
        )

    def _adopt(self, history: list[ChatMessage]) -> None:
        """A history given by the caller replaces ours (user/assistant pairs in order)."""
        self._history = list(history)
        users = [m.content or "" for m in history if m.role == MessageRole.USER]
        replies = [m.content or "" for m in history if m.role == MessageRole.ASSISTANT]
        self._turns = list(zip(users, replies, strict=False))

    def stream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        done = self.chat(message, chat_history)

        def gen() -> Generator[ChatResponse, None, None]:
            reply = ChatMessage(role=MessageRole.ASSISTANT, content=done.response)
            yield ChatResponse(message=reply, delta=done.response)

        return StreamingAgentChatResponse(
            chat_stream=gen(), source_nodes=done.source_nodes, is_writing_to_memory=False
        )

    async def achat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> AgentChatResponse:
        return await asyncio.to_thread(self.chat, message, chat_history)

    async def astream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        done = await self.achat(message, chat_history)

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            reply = ChatMessage(role=MessageRole.ASSISTANT, content=done.response)
            yield ChatResponse(message=reply, delta=done.response)

        return StreamingAgentChatResponse(
            achat_stream=gen(), source_nodes=done.source_nodes, is_writing_to_memory=False
        )
