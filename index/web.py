"""Articles from the web: a page address (main text extracted) or an RSS/Atom feed address.

Every fetch is bounded (one deadline for the whole answer, a byte limit, a budget per feed)
and refuses addresses inside the machine or its network (loopback, private, link-local,
multicast, reserved) at every hop: the host is resolved once, the resolved address is
checked, and the connection goes to that address, so DNS cannot change between the check
and the connect."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .errors import ReadError
from .readers import ReadResult, Source, decode_bytes, read_data
from .readers.html import read_html_article
from .types import Article

USER_AGENT = "Newsdesk/0.1 (+local news question answering)"
MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class FetchLimits:
    """Bounds of one `WebReader.read` (a page, or a feed and the pages its items link to)."""

    max_bytes: int  # one page or feed
    timeout: float  # seconds for one whole fetch, redirects and a slow trickle included
    budget_bytes: int  # everything one read fetches
    max_fetches: int  # requests one read makes (a feed's item pages count)
    allow_private: bool  # fetch loopback and private addresses (intranet use, tests)


class WebReader:
    """Fetches pages and feeds within `FetchLimits`."""

    def __init__(self, limits: FetchLimits) -> None:
        self.limits = limits

    def read(self, url: str) -> Iterator[ReadResult]:
        """The articles at an address: every item of a feed, or the one article of a page."""
        budget = _Budget(self.limits)
        try:
            data = self._fetch(url, budget)
        except ReadError as exc:
            yield ReadResult(url, error=exc.reason)
            return

        def page(link: str) -> Article:
            return read_html_article(decode_bytes(self._fetch(link, budget), link), link, link)

        yield from read_data(data, Source(url, url, page_reader=page), default="html")

    def _fetch(self, url: str, budget: _Budget) -> bytes:
        deadline = time.monotonic() + self.limits.timeout
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            budget.spend_fetch(url)
            response, conn = self._request(current, deadline, url)
            try:
                if response.status in _REDIRECTS and response.getheader("Location"):
                    current = urljoin(current, response.getheader("Location", ""))
                    continue
                if response.status >= 400:
                    raise ReadError(
                        url, f"the server answered HTTP {response.status} {response.reason}"
                    )
                return self._body(response, deadline, budget, url)
            finally:
                conn.close()
        raise ReadError(url, f"more than {MAX_REDIRECTS} redirects")

    def _request(self, url: str, deadline: float, origin: str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            where = "" if url == origin else f" (redirected to {url})"
            raise ReadError(origin, f"not a web address{where} (expected http:// or https://)")
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self._vetted_address(host, port, origin)
        timeout = max(0.1, deadline - time.monotonic())
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = _PinnedHTTPS(host, port, address, timeout=timeout)
        else:
            conn = _PinnedHTTP(host, port, address, timeout=timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(
                "GET", path, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
            )
            return conn.getresponse(), conn
        except TimeoutError:
            conn.close()
            raise ReadError(origin, f"no answer within {self.limits.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise ReadError(origin, f"cannot fetch it: {exc}") from None

    def _vetted_address(self, host: str, port: int, origin: str) -> str:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise ReadError(
                origin, f"cannot fetch it: the name {host!r} does not resolve ({exc})"
            ) from None
        addresses = [str(info[4][0]) for info in infos]
        if not self.limits.allow_private:
            for address in addresses:
                if not _public(address):
                    raise ReadError(
                        origin,
                        f"refused: {host} is a local or private address "
                        f"({address}); set NEWSDESK_FETCH_PRIVATE=1 to allow "
                        "intranet addresses",
                    )
        return addresses[0]

    def _body(self, response, deadline: float, budget: _Budget, origin: str) -> bytes:
        limit = self.limits.max_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise ReadError(origin, f"no complete answer within {self.limits.timeout:g} s")
            try:
                block = response.read1(65536)
            except TimeoutError:
                raise ReadError(
                    origin, f"no complete answer within {self.limits.timeout:g} s"
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                raise ReadError(origin, f"cannot fetch it: {exc}") from None
            if not block:
                return b"".join(chunks)
            size += len(block)
            if size > limit:
                raise ReadError(origin, f"the page is over the {limit / 1e6:g} MB limit")
            budget.spend_bytes(len(block), origin)
            chunks.append(block)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _Budget:
    """What one read may still fetch: requests and bytes, shared by a feed and its items."""

    def __init__(self, limits: FetchLimits) -> None:
        self.limits = limits
        self.fetches = 0
        self.bytes = 0

    def spend_fetch(self, origin: str) -> None:
        self.fetches += 1
        if self.fetches > self.limits.max_fetches:
            raise ReadError(
                origin, f"over the budget of {self.limits.max_fetches} requests for one address"
            )

    def spend_bytes(self, n: int, origin: str) -> None:
        self.bytes += n
        if self.bytes > self.limits.budget_bytes:
            raise ReadError(
                origin, f"over the budget of {self.limits.budget_bytes / 1e6:g} MB for one address"
            )


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
