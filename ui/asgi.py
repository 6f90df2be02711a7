"""What the app's ASGI guards and routes (access, operations, the OpenAI API) share: a
request's headers, and a whole response in one call."""

from __future__ import annotations

import json
from typing import Any

PLAIN = b"text/plain; charset=utf-8"


def headers(scope: dict) -> dict[bytes, str]:
    """The request's headers by lower-case name (the last of repeated ones)."""
    return {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def respond(send: Any, status: int, body: bytes, kind: bytes = PLAIN) -> None:
    start = {"type": "http.response.start", "status": status, "headers": [(b"content-type", kind)]}
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def plain(send: Any, status: int, text: str) -> None:
    await respond(send, status, (text + "\n").encode())


async def json_response(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await respond(send, status, body, b"application/json")
