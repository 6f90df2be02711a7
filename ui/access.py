"""Who may write (add, upload, fetch, delete) and who may read, as the operator set it.

Credentials are compared in constant time and never logged or shown."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass, field

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
