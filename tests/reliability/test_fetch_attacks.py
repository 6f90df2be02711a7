"""The fetch path tried as a hostile web server would: a status line or headers trickled a
byte at a time, a feed whose item pages are slow, raw UTF-8 and malformed addresses in a feed
and in a redirect, names that resolve inside, and IPv6 forms that embed an internal IPv4
address. Loopback servers only."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from index.web import _public
from ui.container import Container
from ui.settings import Settings

ARTICLE = (
    "<html><head><title>Tram line extended</title></head><body><article><h1>Tram line "
    "extended</h1><p>"
    + "The city's tram line number 4 now runs to the airport, the transport authority said. " * 6
    + "</p></article></body></html>"
).encode()


def web(**settings):
    return Container(Settings.load({"fetch_private": True, **settings}, env={})).web


def _trickle(wfile, data: bytes, every: float) -> None:
    for i in range(len(data)):
        try:
            wfile.write(data[i : i + 1])
            wfile.flush()
        except OSError:
            return
        time.sleep(every)


@pytest.fixture(scope="module")
def hostile():
    feeds: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/status-trickle":  # the status line, a byte every 0.5 s
                _trickle(self.wfile, b"HTTP/1.0 200 OK\r\n" * 10, 0.5)
            elif self.path == "/header-trickle":  # a status line, then an endless header
                self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
                _trickle(self.wfile, b"a" * 200, 0.5)
            elif self.path == "/utf8-redirect":  # a Location with raw UTF-8 bytes
                self.wfile.write("HTTP/1.0 302 Found\r\nLocation: /café\r\n\r\n".encode())
            elif self.path in ("/page", "/caf%C3%A9"):
                self._send(ARTICLE)
            elif self.path.startswith("/slow-page?"):
                time.sleep(1.5)
                self._send(ARTICLE)
            elif self.path in feeds:
                self._send(feeds[self.path], "application/rss+xml")
            else:
                self.send_error(404)

        def _send(self, body: bytes, kind: str = "text/html") -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def feed(links: list[str]) -> bytes:
        items = "".join(
            f"<item><title>Item {n}</title><link>{link}</link></item>"
            for n, link in enumerate(links, start=1)
        )
        return f"<rss version='2.0'><channel><title>Wire</title>{items}</channel></rss>".encode()

    feeds["/mixed-feed"] = feed(
        [
            f"{base}/page",
            f"{base}/café",  # raw UTF-8 in the path
            "http://127.0.0.1:99999/x",  # a port out of range
            "http://[::1/x",  # an unclosed IPv6 bracket
            f"{base}/utf8-redirect",
            "http://exa mple.org/x",
        ]
    )
    feeds["/slow-feed"] = feed([f"{base}/slow-page?n={n}" for n in range(8)])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base
    server.shutdown()


@pytest.mark.parametrize("path", ["/status-trickle", "/header-trickle"])
def test_a_trickled_status_line_or_header_is_cut_at_the_deadline(hostile, path):
    t0 = time.monotonic()
    (result,) = web(fetch_timeout=2).read(hostile + path)
    took = time.monotonic() - t0
    assert result.article is None and "no complete answer within 2 s" in result.error
    assert took < 3.5, took  # main waited for the whole trickle (8 s and more)


def test_a_feed_read_ends_within_its_own_deadline(hostile):
    t0 = time.monotonic()
    results = list(web(fetch_timeout=5, fetch_read_timeout=4).read(hostile + "/slow-feed"))
    took = time.monotonic() - t0
    assert took < 6.5, took  # 8 pages of 1.5 s each would take 12 s
    failed = [r.error for r in results if r.error]
    assert failed and all("time budget of 4 s for one address" in e for e in failed)
    assert any(r.article for r in results)  # the pages fetched in time still land


def test_a_bad_address_in_a_feed_fails_alone(hostile):
    results = list(web().read(hostile + "/mixed-feed"))
    assert len(results) == 6
    ok = [r.article for r in results if r.article]
    assert [a.title for a in ok] == ["Item 1", "Item 2", "Item 5"]  # page, café, redirect
    assert all("runs to the airport" in a.text for a in ok)  # each from its fetched page
    bad = {r.origin.split(" item ")[1][:1]: r.error for r in results if r.error}
    assert set(bad) == {"3", "4", "6"}
    assert "not a valid web address: Port out of range" in bad["3"]
    assert "not a valid web address" in bad["4"]
    for reason in bad.values():
        assert "\n" not in reason and reason.startswith("the item has no text (its page:")


def test_raw_utf8_in_an_address_is_percent_encoded(hostile):
    (result,) = web().read(hostile + "/café")
    assert result.article and result.article.title == "Tram line extended"
    (redirected,) = web().read(hostile + "/utf8-redirect")
    assert redirected.article and redirected.article.title == "Tram line extended"


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::ffff:10.1.2.3",  # IPv4-mapped
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    ],
)
def test_ipv6_forms_that_embed_an_internal_ipv4_address_are_not_public(address):
    assert not _public(address)


def test_public_addresses_stay_public():
    for address in ("8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"):
        assert _public(address), address


def _resolving(monkeypatch, names: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in names[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def test_the_refusal_does_not_say_what_a_name_resolves_to(hostile, monkeypatch):
    _resolving(monkeypatch, {"intranet.example": ["10.20.30.40"]})
    (result,) = web(fetch_private=False).read("http://intranet.example/x")
    assert "refused: intranet.example resolves to a local or private address" in result.error
    assert "10.20.30.40" not in result.error


def test_every_resolved_address_is_tried(hostile, monkeypatch):
    port = hostile.rsplit(":", 1)[1]
    _resolving(monkeypatch, {"news.example": ["127.0.0.3", "127.0.0.1"]})  # first: nothing
    (result,) = web().read(f"http://news.example:{port}/page")
    assert result.article and result.article.title == "Tram line extended", result.error
