"""The OpenAI chat API in front of the app: `GET /v1/models` and `POST /v1/chat/completions`
(plain, or streamed as server-sent events), on the app's port and behind its credentials (a
bearer key: the write key, or a user's `name:password`).

The last user message is the question and the earlier user/assistant turns are the
conversation, answered by the same follow-up chat engine as everywhere else (the rewrite,
the checks, the refusals). An `as_of` field, or a YYYY-MM-DD date in a system message, is
the date the question is asked on. The reply is the checked answer with its `[n]` markers
and a "Sources" list as text; the `newsdesk` field holds the same as data (citations with
article id, title, outlet, date, URL, passage and offsets; `refused`; the question searched
for). A stream carries only the checked answer: nothing is sent before the checks end."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import asdict
from typing import Any

from qa.dates import long_date
from qa.engines import FollowUpChatEngine
from qa.errors import QAError, QuestionError
from qa.types import Answer

from . import asgi
from .access import Access
from .container import Container
from .ops import Metrics

MODEL_ID = "newsdesk"
MAX_BODY = 1_000_000  # bytes of one request: a conversation, not an upload
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


class RequestProblem(Exception):
    """A request that cannot be answered: an HTTP status and the message for the client."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


def _text(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def parse_chat(body: Any) -> tuple[str, list[tuple[str, str]], str]:
    """(question, earlier (question, answer) turns, as_of) from a chat completions body."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise RequestProblem(400, "expected a JSON object with a 'messages' list")
    messages = [m for m in body["messages"] if isinstance(m, dict)]
    system = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    talk = [(m.get("role"), _text(m.get("content")).strip()) for m in messages]
    talk = [(role, text) for role, text in talk if role in ("user", "assistant")]
    if not talk or talk[-1][0] != "user" or not talk[-1][1]:
        raise RequestProblem(400, "the last message must be a non-empty user message")
    question = talk[-1][1]
    turns: list[tuple[str, str]] = []
    for (role, text), (next_role, reply) in zip(talk[:-1], talk[1:-1] + [("", "")], strict=False):
        if role == "user" and next_role == "assistant":
            turns.append((text, reply))
    as_of = body.get("as_of") or ""
    if not as_of and (m := _DATE.search(system)):
        as_of = m.group(1)
    if not isinstance(as_of, str):
        raise RequestProblem(400, "'as_of' must be a date (YYYY-MM-DD)")
    return question, turns, as_of


def reply_text(answer: Answer) -> str:
    """The answer as a plain client shows it: the text, then its sources."""
    lines = [answer.answer]
    if answer.reported:
        lines.append(f"(as of {long_date(answer.reported)}, the date of the newest article cited)")
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            meta = ", ".join(x for x in (c.source, c.published_at) if x)
            lines.append(
                f"[{c.n}] {c.title}"
                + (f" ({meta})" if meta else "")
                + (f" {c.url}" if c.url else "")
            )
            if c.also_in:
                lines.append(f"    {c.also_line()}")
    return "\n".join(lines)


def extension(answer: Answer, searched: str) -> dict[str, Any]:
    return {
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "question": searched,
        "reported": answer.reported,
        "citations": [asdict(c) for c in answer.citations],
    }


class ChatCompletions:
    """Answers chat completions with the app's own engine."""

    def __init__(self, container: Container, metrics: Metrics | None = None) -> None:
        self.container = container
        self.metrics = metrics

    def answer(self, question: str, turns: list[tuple[str, str]], as_of: str) -> tuple[Answer, str]:
        from llama_index.core.llms import ChatMessage, MessageRole

        from qa.dates import as_of_date

        day = as_of_date(as_of)  # QAError for a bad date
        engine = FollowUpChatEngine(self.container.answerer, self.container.rewriter, day)
        history = [
            ChatMessage(role=role, content=text)
            for q, a in turns
            for role, text in ((MessageRole.USER, q), (MessageRole.ASSISTANT, a))
        ]
        try:
            response = engine.chat(question, history)
        except QAError as exc:
            if self.metrics:
                self.metrics.failed(exc)
            raise
        metadata = response.metadata or {}
        answer: Answer = metadata["answer"]
        if self.metrics:
            self.metrics.answered(answer)
        return answer, str(metadata["question"])


class OpenAIRoutes:
    """ASGI middleware serving the OpenAI chat API before Gradio sees the request."""

    def __init__(self, app: Any, completions: ChatCompletions, access: Access) -> None:
        self.app = app
        self.completions = completions
        self.access = access

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "").rstrip("/")
        if scope["type"] != "http" or path not in ("/v1/models", "/v1/chat/completions"):
            return await self.app(scope, receive, send)
        try:
            headers = asgi.headers(scope)
            if not self._allowed(headers.get(b"authorization", "")):
                raise RequestProblem(
                    401,
                    "a valid API key is needed (the write key, or name:password)",
                    "authentication_error",
                )
            if path == "/v1/models":
                listing = {
                    "object": "list",
                    "data": [
                        {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "newsdesk"}
                    ],
                }
                return await asgi.json_response(send, 200, listing)
            if scope.get("method") != "POST":
                raise RequestProblem(405, "use POST")
            body = await _body(receive)
            question, turns, as_of = parse_chat(body)
            stream = bool(body.get("stream"))
            import anyio

            answer, searched = await anyio.to_thread.run_sync(
                self.completions.answer, question, turns, as_of
            )
        except RequestProblem as exc:
            return await asgi.json_response(send, exc.status, _error(str(exc), exc.kind))
        except QuestionError as exc:
            return await asgi.json_response(send, 400, _error(str(exc), "invalid_request_error"))
        except QAError as exc:  # the model or the index failed
            return await asgi.json_response(send, 503, _error(str(exc), "server_error"))
        created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
        text, ext = reply_text(answer), extension(answer, searched)
        usage = {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens,
        }
        if not stream:
            return await asgi.json_response(
                send,
                200,
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": MODEL_ID,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                    "newsdesk": ext,
                },
            )
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-cache"),
                ],
            }
        )

        def chunk(delta: dict, finish: str | None = None, **more: Any) -> bytes:
            data = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **more,
            }
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()

        # the checked answer only, sentence by sentence: nothing unchecked is ever sent
        parts = [chunk({"role": "assistant", "content": ""})]
        parts += [chunk({"content": piece}) for piece in re.findall(r"[^\n]*\n?", text) if piece]
        parts += [chunk({}, "stop", usage=usage, newsdesk=ext), b"data: [DONE]\n\n"]
        for part in parts:
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def _allowed(self, authorization: str) -> bool:
        if self.access.open:
            return True
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return False
        key = key.strip()
        if self.access.write_token and self.access.may_write(key, None):
            return True
        name, sep, password = key.partition(":")
        return bool(sep and self.access.users) and self.access.login(name, password)


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


async def _body(receive: Any) -> Any:
    data = b""
    while True:
        message = await receive()
        data += message.get("body", b"")
        if len(data) > MAX_BODY:
            raise RequestProblem(413, f"the request is over {MAX_BODY // 1000} kB")
        if not message.get("more_body"):
            break
    try:
        return json.loads(data or b"null")
    except (ValueError, RecursionError):
        raise RequestProblem(400, "the body is not valid JSON") from None
