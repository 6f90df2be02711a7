"""Articles from the web: a page address (main text extracted) or an RSS/Atom feed address.

Every fetch is bounded: one deadline for the whole answer (connect, status line, headers,
body and every redirect, enforced at each read, so a server that trickles a byte at a time is
cut there), one deadline for a whole read (a feed and every page it links to), a byte limit
and a request budget. Addresses inside the machine or its network (loopback, private,
link-local, multicast, reserved, and IPv6 forms that embed such an IPv4 address) are refused
at every hop: the host is resolved once, every resolved address is checked, and the
connection goes to a checked address, so DNS cannot change between the check and the
connect. An address that cannot be parsed or sent is one reason for that address."""

from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

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
    read_timeout: float  # seconds for one whole read (a feed and every page it links to)
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

    def read_changed(
        self, url: str, known: Validators, seen: Callable[[str, str], bool] | None = None
    ) -> Changed:
        """What changed at an address since it was last read: a conditional request (the
        validators the server gave last time), so an unchanged feed costs one small request
        and no item; a changed feed's items that `seen(link, fingerprint)` already holds are
        neither fetched nor read. ReadError when the address itself cannot be read."""
        budget = _Budget(self.limits)
        status, data, validators = self._fetch_response(url, budget, known.headers())
        if status == 304:
            return Changed([], True, known, budget.fetches)

        def page(link: str) -> Article:
            return read_html_article(decode_bytes(self._fetch(link, budget), link), link, link)

        source = Source(url, url, page_reader=page, seen=seen)
        results = list(read_data(data, source, default="html"))
        return Changed(results, False, validators, budget.fetches)

    def _fetch(self, url: str, budget: _Budget) -> bytes:
        return self._fetch_response(url, budget)[1]

    def _fetch_response(
        self, url: str, budget: _Budget, conditional: dict[str, str] | None = None
    ) -> tuple[int, bytes, Validators]:
        """(status, body, the response's validators); 304 (and no body) only when
        `conditional` headers were sent and the server says nothing changed."""
        deadline = budget.deadline_for_fetch(url)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            budget.spend_fetch(url)
            response, conn = self._request(current, deadline, url, conditional)
            try:
                if response.status in _REDIRECTS and response.getheader("Location"):
                    current = urljoin(current, _header_text(response.getheader("Location", "")))
                    continue
                validators = Validators(
                    _header_text(response.getheader("ETag", ""))[:200],
                    _header_text(response.getheader("Last-Modified", ""))[:100],
                )
                if response.status == 304 and conditional:
                    return 304, b"", validators
                if response.status >= 400:
                    raise ReadError(
                        url, f"the server answered HTTP {response.status} {response.reason}"
                    )
                return response.status, self._body(response, deadline, budget, url), validators
            finally:
                conn.close()
        raise ReadError(url, f"more than {MAX_REDIRECTS} redirects")

    def _request(
        self,
        url: str,
        deadline: _Deadline,
        origin: str,
        conditional: dict[str, str] | None = None,
    ):
        target = wire_address(url, origin)
        addresses = self._vetted_addresses(target.host, target.port, origin)
        timeout = deadline.left()
        conn: http.client.HTTPConnection
        if target.scheme == "https":
            conn = _PinnedHTTPS(target.host, target.port, addresses, timeout=timeout)
        else:
            conn = _PinnedHTTP(target.host, target.port, addresses, timeout=timeout)
        conn.response_class = functools.partial(_DeadlineResponse, deadline=deadline)  # type: ignore[assignment]
        try:
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
            conn.request("GET", target.path, headers={**headers, **(conditional or {})})
            return conn.getresponse(), conn
        except TimeoutError:
            conn.close()
            raise ReadError(origin, deadline.expired_reason()) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            conn.close()
            raise ReadError(origin, f"cannot fetch it: {exc}") from None

    def _vetted_addresses(self, host: str, port: int, origin: str) -> list[str]:
        """Every address the name resolves to, each checked; the reason never names an
        address the user did not give (it would tell what a name resolves to inside)."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise ReadError(
                origin, f"cannot fetch it: the name {host!r} does not resolve ({exc})"
            ) from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.limits.allow_private and not all(map(_public, addresses)):
            verb = "is" if _is_ip(host) else "resolves to"
            raise ReadError(
                origin,
                f"refused: {host} {verb} a local or private address; set "
                "NEWSDESK_FETCH_PRIVATE=1 to allow intranet addresses",
            )
        return addresses

    def _body(self, response, deadline: _Deadline, budget: _Budget, origin: str) -> bytes:
        limit = self.limits.max_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                block = response.read1(65536)
            except TimeoutError:
                raise ReadError(origin, deadline.expired_reason()) from None
            except (OSError, http.client.HTTPException) as exc:
                raise ReadError(origin, f"cannot fetch it: {exc}") from None
            if not block:
                return b"".join(chunks)
            size += len(block)
            if size > limit:
                raise ReadError(origin, f"the page is over the {limit / 1e6:g} MB limit")
            budget.spend_bytes(len(block), origin)
            chunks.append(block)


@dataclass(frozen=True)
class Validators:
    """What a server said identifies the version it sent (ETag, Last-Modified)."""

    etag: str = ""
    last_modified: str = ""

    def headers(self) -> dict[str, str]:
        """The conditional request's headers (none when the server gave no validator)."""
        found = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {k: v for k, v in found.items() if v and v.isprintable() and v.isascii()}


@dataclass(frozen=True)
class Changed:
    """What a conditional read found: the results, or that nothing changed (304)."""

    results: list[ReadResult]
    not_modified: bool
    validators: Validators
    fetches: int  # requests it made


@dataclass(frozen=True)
class WireAddress:
    scheme: str
    host: str  # ASCII: an IDNA name or an IP literal
    port: int
    path: str  # percent-encoded path and query


# what stays as it is in a path or query: RFC 3986's unreserved and sub-delimiters, and '%'
_SAFE = "/%:@!$&'()*+,;=-._~?"


def wire_address(url: str, origin: str) -> WireAddress:
    """An address as it is sent: the host IDNA-encoded, the path and query percent-encoded
    (raw UTF-8 from a feed or a redirect included), the port in range; ReadError naming
    `origin` when it cannot be."""
    where = "" if url == origin else f" (redirected to {url})"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = parts.hostname or ""
    except ValueError as exc:  # an unclosed IPv6 bracket, a port out of range or not a number
        raise ReadError(origin, f"not a valid web address{where}: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ReadError(origin, f"not a web address{where} (expected http:// or https://)")
    if not _is_ip(host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ReadError(origin, f"not a valid host name{where}: {host!r}") from None
    path = quote(parts.path or "/", safe=_SAFE)
    query = quote(parts.query, safe=_SAFE)
    return WireAddress(
        parts.scheme,
        host,
        port or (443 if parts.scheme == "https" else 80),
        urlunsplit(("", "", path, query, "")),
    )


def _header_text(value: str) -> str:
    """A header as its sender meant it: http.client reads header bytes as Latin-1, and a
    server that sends raw UTF-8 (a Location with 'é') means UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


# IPv6 ranges that carry an IPv4 address in their last 32 bits: NAT64 (well-known and
# local-use prefixes) and the deprecated IPv4-compatible form
_EMBEDS_IPV4 = [ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")]


def _public(address: str) -> bool:
    """A global unicast address; an IPv6 address that embeds an IPv4 one (mapped, 6to4,
    Teredo, NAT64, IPv4-compatible) is judged by that IPv4 address too."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if any(ip in net for net in _EMBEDS_IPV4):
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if not all(_public(str(v4)) for v4 in embedded if v4 is not None):
            return False
    return ip.is_global and not ip.is_multicast


class _Deadline:
    """When a fetch must be done: its own limit, or the read's if that comes first."""

    def __init__(self, at: float, seconds: float, read_at: float, read_seconds: float) -> None:
        self.at = min(at, read_at)
        self.reason = (
            f"no complete answer within {seconds:g} s"
            if at <= read_at
            else f"over the time budget of {read_seconds:g} s for one address"
        )

    def left(self) -> float:
        return self.at - time.monotonic()

    def expired_reason(self) -> str:
        return self.reason


class _DeadlineReader(io.RawIOBase):
    """A socket read through a deadline: every receive may wait only for the time left, and
    none starts after it, so the status line, the headers and the body all end by then."""

    def __init__(self, sock: socket.socket, deadline: _Deadline, holder: io.IOBase) -> None:
        self.sock = sock
        self.deadline = deadline
        self.holder = holder  # the socket's own file: the socket stays open while it does

    def close(self) -> None:
        self.holder.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self.deadline.left()
        if left <= 0:
            raise TimeoutError(self.deadline.expired_reason())
        self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args, deadline: _Deadline, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        # http.client's own reader would wait a full timeout for every byte
        self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, self.fp), 65536)


class _Budget:
    """What one read may still fetch: requests, bytes and time, shared by a feed and its
    items."""

    def __init__(self, limits: FetchLimits) -> None:
        self.limits = limits
        self.fetches = 0
        self.bytes = 0
        self.ends = time.monotonic() + limits.read_timeout

    def deadline_for_fetch(self, origin: str) -> _Deadline:
        now = time.monotonic()
        if now >= self.ends:
            reason = f"over the time budget of {self.limits.read_timeout:g} s for one address"
            raise ReadError(origin, reason)
        limits = self.limits
        return _Deadline(now + limits.timeout, limits.timeout, self.ends, limits.read_timeout)

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


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first checked address that answers."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the addresses that were checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.addresses = addresses

    def connect(self) -> None:
        sock = _connect(self.addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
