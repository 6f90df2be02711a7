"""Who may write (add, upload, fetch, delete) and who may read, as the operator set it, and
which host names the server answers to.

Credentials are compared in constant time and never logged or shown."""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from . import asgi
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


class LoginThrottle:
    """Back-off for failed logins. After `free` failures for a name (or `free_all` for all
    names together: trying one password on many names), attempts wait 2^k seconds from the
    last failure (k failures over the free ones, at most `longest`); an attempt in that time
    is refused without looking at the password. A success clears the name. At most
    `names` names are remembered (the oldest are forgotten), so made-up names cannot fill
    memory."""

    def __init__(
        self,
        free: int = 5,
        free_all: int = 100,
        longest: float = 300.0,
        names: int = 10_000,
        clock=time.monotonic,
    ) -> None:
        self.free = free
        self.free_all = free_all
        self.longest = longest
        self.names = names
        self.clock = clock
        self._failed: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._all = (0, 0.0)
        self._lock = threading.Lock()

    def wait(self, name: str) -> float:
        """Seconds before `name` may try again (0: now)."""
        with self._lock:
            count, last = self._failed.get(name, (0, 0.0))
            own = self._delay(count - self.free, last)
            return max(own, self._delay(self._all[0] - self.free_all, self._all[1]))

    def _delay(self, over: int, last: float) -> float:
        if over <= 0:
            return 0.0
        return max(0.0, last + min(self.longest, 2.0 ** min(over, 30)) - self.clock())

    def failed(self, name: str) -> None:
        with self._lock:
            now = self.clock()
            count, _ = self._failed.pop(name, (0, 0.0))
            self._failed[name] = (count + 1, now)
            while len(self._failed) > self.names:
                self._failed.popitem(last=False)
            self._all = (self._all[0] + 1, now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failed.pop(name, None)


@dataclass(frozen=True)
class Access:
    """`users` log in to the whole app (reading too); `write_token` lets API clients and the
    page's write key field write. With neither, anyone who reaches the port may write, which
    `for_server` allows on loopback only, unless the operator says so."""

    users: dict[str, str] = field(default_factory=dict, repr=False)
    write_token: str = field(default="", repr=False)
    throttle: LoginThrottle = field(default_factory=LoginThrottle, repr=False, compare=False)

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
        """Gradio's auth function: the whole app needs a login when users are set. Failed
        attempts back off (`LoginThrottle`), so passwords cannot be guessed at speed."""
        if self.throttle.wait(name) > 0:
            return False
        expected = self.users.get(name)
        # compare against something even for an unknown name, so timing says nothing
        ok = _same(password, expected or "\0" * 32) and expected is not None
        if ok:
            self.throttle.succeeded(name)
        else:
            self.throttle.failed(name)
        return ok

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
        headers = asgi.headers(scope)
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
        await asgi.plain(send, 403 if "write" in problem else 400, problem)


UPLOAD_PATH = "/gradio_api/upload"
KEY_HEADER = b"x-newsdesk-key"  # API clients: Client(url, headers={"X-Newsdesk-Key": key})
KEY_COOKIE = "newsdesk_key"  # the page: set from the write key field as it is typed
# the page sets the cookie from the write key fields (their class), for its uploads
KEY_COOKIE_JS = f"""() => {{
  document.addEventListener("input", (event) => {{
    if (!event.target.closest(".nd-write-key")) return;
    const key = encodeURIComponent(event.target.value || "");
    document.cookie = "{KEY_COOKIE}=" + key + "; path=/; SameSite=Strict";
  }});
}}"""


def upload_folder_bytes(folder: Path) -> int:
    """What the uploads waiting in `folder` take on disk."""
    total = 0
    for path in folder.rglob("*") if folder.is_dir() else ():
        try:
            total += path.stat().st_size if path.is_file() else 0
        except OSError:  # removed while counted
            pass
    return total


class UploadGuard:
    """ASGI middleware for Gradio's upload route, which stores files before any handler
    runs: with a write key set (and no logins, which Gradio's route already demands), an
    upload needs the key (the X-Newsdesk-Key header, or the cookie the page sets from its
    write key field); a request declares its size and may carry at most `max_bytes` and
    `max_files` files; and the uploads waiting on disk stay under `quota_bytes`."""

    def __init__(
        self,
        app: Any,
        access: Access,
        folder: Path,
        max_files: int,
        max_bytes: int,
        quota_bytes: int,
    ) -> None:
        self.app = app
        self.access = access
        self.folder = folder
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.quota_bytes = quota_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope.get("path", "").rstrip("/").endswith(UPLOAD_PATH):
            return await self.app(scope, receive, send)
        headers = asgi.headers(scope)
        status, problem = self._problem(headers)
        if problem:
            return await asgi.plain(send, status, problem)
        await self.app(scope, self._counting(receive), send)

    def _problem(self, headers: dict[bytes, str]) -> tuple[int, str]:
        if self.access.write_token and not self.access.users:
            key = headers.get(KEY_HEADER) or _cookie(headers.get(b"cookie", ""), KEY_COOKIE)
            if not self.access.may_write(key, None):
                return 401, "uploading needs the write key"
        declared = headers.get(b"content-length", "")
        if not declared.isdigit():
            return 411, "an upload must declare its length"
        size = int(declared)
        if size > self.max_bytes:
            return 413, f"an upload may be at most {self.max_bytes / 1e6:g} MB"
        if upload_folder_bytes(self.folder) + size > self.quota_bytes:
            return 507, "the server holds too many uploads; try again in a while"
        return 0, ""

    def _counting(self, receive: Any) -> Any:
        """`receive` that ends the request as a disconnect once it carries more files
        than allowed (each part that is a file names it: `; filename=`)."""
        seen, tail = 0, b""

        async def counted() -> dict:
            nonlocal seen, tail
            message = await receive()
            if message["type"] == "http.request":
                body = tail + message.get("body", b"")
                body = body.lower()
                seen += body.count(b"; filename=") - tail.count(b"; filename=")
                tail = body[-16:]
                if seen > self.max_files:
                    return {"type": "http.disconnect"}
            return message

        return counted


def _cookie(header: str, name: str) -> str:
    for pair in header.split(";"):
        key, _, value = pair.strip().partition("=")
        if key == name:
            return unquote(value)
    return ""
