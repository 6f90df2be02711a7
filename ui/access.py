"""Who may write (add, upload, fetch, delete) and who may read, as the operator set it, and
which host names the server answers to.

Credentials are compared in constant time and never logged or shown."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .settings import Settings, SettingsError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True)
class Access:
    """`users` log in to the whole app (reading too); `write_token` lets API clients and the
    page's write key field write. With neither, anyone who reaches the port may write, which
    `for_server` allows on loopback only, unless the operator says so."""

    users: dict[str, str] = field(default_factory=dict, repr=False)
    write_token: str = field(default="", repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Access:
        users: dict[str, str] = {}
        raw = settings.users.get_secret_value() if settings.users else ""
        for pair in filter(None, (p.strip() for p in raw.split(","))):
            name, sep, password = pair.partition(":")
            if not sep or not name or not password:
                raise SettingsError(
                    "invalid settings: users: expected name:password pairs separated by commas"
                )
            users[name] = password
        token = settings.write_token.get_secret_value() if settings.write_token else ""
        return cls(users, token)

    @property
    def open(self) -> bool:
        return not self.users and not self.write_token

    def check_server(self, host: str, allow_open: bool) -> None:
        """Refuses an open server on an address others can reach, unless allowed."""
        if self.open and not is_loopback(host) and not allow_open:
            raise SettingsError(
                f"refusing to serve on {host} without credentials: anyone who reaches it could "
                "add and delete articles. Set NEWSDESK_WRITE_TOKEN or NEWSDESK_USERS, or "
                "NEWSDESK_ALLOW_OPEN=1 to serve it open anyway"
            )

    def login(self, name: str, password: str) -> bool:
        """Gradio's auth function: the whole app needs a login when users are set."""
        expected = self.users.get(name)
        # compare against something even for an unknown name, so timing says nothing
        return _same(password, expected or "\0" * 32) and expected is not None

    def may_write(self, key: str, username: str | None) -> bool:
        if self.open:
            return True
        if username is not None and username in self.users:
            return True
        return bool(self.write_token) and _same(key or "", self.write_token)


def host_name(header: str) -> str:
    """The name in a Host header or an Origin, without port, scheme or trailing dot."""
    value = header.strip().lower()
    value = value.split("://", 1)[1] if "://" in value else value
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else ""
    name, _, port = value.rpartition(":")
    return (name if name and port.isdigit() else value).rstrip(".")


class HostGuard:
    """ASGI middleware, before Gradio sees a request: the Host must be one of this server's
    names (localhost, any IP address, or a name the operator allowed), and a write from a
    browser (a POST with an Origin) must come from a page of such a name.

    A page on attacker.example whose name the attacker points at 127.0.0.1 (DNS rebinding)
    sends `Host: attacker.example`; a page of another site sends its own Origin. A browser
    sends an IP address as the Host only when the user typed it, so IP addresses stay
    allowed, as servers bound to 0.0.0.0 are reached that way."""

    def __init__(self, app: Any, names: Iterable[str]) -> None:
        self.app = app
        self.names = {host_name(n) for n in names if n.strip()} | {"localhost"}
        self.any = "*" in self.names

    def allowed(self, name: str) -> bool:
        if self.any or name in self.names:
            return True
        try:
            ipaddress.ip_address(name.split("%")[0])
        except ValueError:
            return False
        return True

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        problem = ""
        if not self.allowed(host_name(headers.get(b"host", ""))):
            problem = "this server does not answer to that host name (NEWSDESK_ALLOWED_HOSTS)"
        elif scope.get("method", "GET") not in ("GET", "HEAD", "OPTIONS") and (
            (origin := headers.get(b"origin")) and not self.allowed(host_name(origin))
        ):
            problem = "a write from a page of another site is refused"
        if not problem:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        body = (problem + "\n").encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403 if "write" in problem else 400,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": body})
