"""Web pages and RSS/Atom feeds, served by a local HTTP server (no outside network)."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from index.readers import Source, url_id
from index.readers.feeds import looks_like_feed, read_feed
from index.web import WebReader
from ui.container import Container
from ui.settings import Settings


def web(**settings) -> WebReader:
    """The app's web reader with these settings; the tests' server is on loopback."""
    values = {"fetch_private": True, **settings}
    return Container(Settings.load(values, env={})).web


WEB = web()

PAGE = """<html><head><title>Tram line extended to the airport</title>
<meta property="og:site_name" content="Sample Metro News">
<meta name="date" content="2025-03-04"></head><body><nav>Home | World</nav>
<article><h1>Tram line extended to the airport</h1>
<p>The city's tram line number 4 now runs to the airport, after two years of work on the
new tracks and three new stations along the ring road.</p>
<p>Trams will run every eight minutes from five in the morning until midnight, the transport
authority said on Tuesday, and a single ticket costs two euros.</p></article>
<footer>Contact us</footer></body></html>"""

RSS = """<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Sample Metro News</title>
<item><title>Bridge repairs finish early</title><link>{base}/bridge</link>
<pubDate>Tue, 04 Mar 2025 09:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>Repairs on the north bridge finished two weeks early.</p>
<p>The bridge reopens to cars on Friday, the city said, and cyclists get a new lane.</p>
<p>The work cost 3 million euros, less than the 3.5 million planned.</p><script>x()</script>]]>
</content:encoded></item>
<item><title>Tram line extended</title><link>{base}/page</link>
<pubDate>Wed, 05 Mar 2025 10:00:00 GMT</pubDate><description>Short teaser.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Sample Atom Wire</title>
<entry><title>Harbour ferry returns</title><link href="https://example.org/ferry"/>
<updated>2025-04-01T08:00:00Z</updated>
<summary>The harbour ferry returned to service on Monday after a winter break.</summary></entry>
</feed>"""


@pytest.fixture(scope="module")
def site():
    routes = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/trickle":  # headers, then a byte every 0.3 s for a minute
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(200):
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(0.3)
                return
            status, kind, body = routes.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            header = "Location" if status in (301, 302) else "Content-Type"
            self.send_header(header, kind)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    routes.update(
        {
            "/page": (200, "text/html", PAGE.encode()),
            "/feed": (200, "application/rss+xml", RSS.format(base=base).encode()),
            "/broken-feed": (
                200,
                "application/rss+xml",
                b"<?xml version='1.0'?><rss><channel><item>",
            ),
            "/binary": (200, "application/octet-stream", b"\x00\x01\x02" * 100),
            "/big": (200, "text/html", b"<p>x</p>" * 200_000),
            "/to-private": (302, f"http://127.0.0.2:{server.server_address[1]}/page", b""),
            "/to-file": (302, "file:///etc/passwd", b""),
            "/loop": (302, "/loop", b""),
        }
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base
    server.shutdown()


def test_page_is_fetched_and_its_main_text_extracted(site):
    (result,) = WEB.read(f"{site}/page")
    a = result.article
    assert a is not None, result.error
    assert "every eight minutes" in a.text and "Contact us" not in a.text
    assert a.url == f"{site}/page" and a.article_id == url_id(f"{site}/page")


def test_feed_items_become_articles_and_teasers_are_fetched(site):
    results = list(WEB.read(f"{site}/feed"))
    assert [r.error for r in results] == [None, None]
    bridge, tram = (r.article for r in results)
    assert bridge.title == "Bridge repairs finish early" and bridge.source == "Sample Metro News"
    assert bridge.published_at == "2025-03-04" and "x()" not in bridge.text
    assert "reopens to cars on Friday" in bridge.text
    assert "every eight minutes" in tram.text  # the teaser was replaced by the linked page


def test_atom_feed_from_bytes():
    (result,) = read_feed(ATOM.encode(), Source("wire.atom"))
    a = result.article
    assert a.title == "Harbour ferry returns" and a.published_at == "2025-04-01"
    assert a.source == "Sample Atom Wire" and a.url == "https://example.org/ferry"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP 404"),
        ("/broken-feed", "not a valid RSS/Atom feed"),
        ("/binary", "binary"),
        ("/big", "over the 1 MB limit"),
    ],
)
def test_bad_addresses_fail_with_a_reason_naming_them(site, path, reason):
    results = list(web(max_file_mb=1).read(f"{site}{path}"))
    assert len(results) == 1 and results[0].article is None
    assert reason in results[0].error and results[0].origin.startswith(f"{site}{path}")


def test_unreachable_and_non_web_addresses():
    (down,) = web(fetch_timeout=2).read("http://127.0.0.1:9/nothing")
    assert "cannot fetch it" in down.error
    (ftp,) = WEB.read("ftp://example.org/x")
    assert "not a web address" in ftp.error


def test_cli_adds_a_feed_and_re_adding_it_changes_nothing(site, tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("NEWSDESK_FETCH_PRIVATE", "1")
    args = ["--data-dir", str(tmp_path / "d"), "add", f"{site}/feed"]
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    assert "2 added" in first.output
    again = run_cli(*args)
    assert "2 unchanged" in again.output


def test_feed_file_is_read_like_a_feed_address(tmp_path):
    from index.readers import read_file

    path = tmp_path / "wire.atom"
    path.write_text(ATOM)
    (result,) = read_file(path, 10**6)
    assert result.article.title == "Harbour ferry returns"


def test_app_adds_a_page_by_address(site, settings, make_container):
    from ui.app import ChatService

    values = {"data_dir": settings.data_dir, "fetch_private": True}
    service = ChatService(make_container(Settings.load(values, env={})))
    assert "www.example.org: enter a web address" in service.add_url("www.example.org")
    added = service.add_url(f"{site}/page", "Metro", "2025-03-04")
    assert added.startswith("added") and "Tram line" in added
    missing = service.add_url(f"{site}/missing")
    assert missing.startswith(f"failed     {site}/missing: the server")


def test_feed_sniffing_is_quick_on_many_leading_comments():
    import time

    page = b"<!---->" * 200 + b"<html><body>not a feed</body></html>"
    t0 = time.perf_counter()
    assert not looks_like_feed(page)
    assert time.perf_counter() - t0 < 2  # terminates: a backtracking pattern took minutes
    assert looks_like_feed(b'<?xml version="1.0"?>\n<!-- a -->\n<rss version="2.0">')
    assert looks_like_feed(b"<!-- unclosed") is False


def test_loopback_and_private_addresses_are_refused_by_default(site):
    strict = web(fetch_private=False)
    for url in (
        f"{site}/page",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9/x",
        "http://0.0.0.0:9/x",
        "http://localhost:9/x",
    ):
        (result,) = strict.read(url)
        assert result.article is None and "local or private address" in result.error, url


def test_every_redirect_hop_is_checked(site, monkeypatch):
    import index.web

    # 127.0.0.1 counts as public here, so the test server is reached; 127.0.0.2 does not
    monkeypatch.setattr(index.web, "_public", lambda address: address == "127.0.0.1")
    strict = web(fetch_private=False)
    (hop,) = strict.read(f"{site}/to-private")
    assert "refused: 127.0.0.2 is a local or private address" in hop.error
    (scheme,) = strict.read(f"{site}/to-file")
    assert "not a web address (redirected to file:///etc/passwd)" in scheme.error
    (loop,) = strict.read(f"{site}/loop")
    assert "more than 5 redirects" in loop.error or "budget" in loop.error


def test_connection_goes_to_the_checked_address(site, monkeypatch):
    real = socket.getaddrinfo
    asked = []

    def resolve(host, *args, **kwargs):  # a name that resolves to the test server once
        asked.append(host)
        return real("127.0.0.1" if host == "news.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    port = site.rsplit(":", 1)[1]
    (result,) = WEB.read(f"http://news.example:{port}/page")
    assert result.article and "Tram line" in result.article.title
    assert asked == ["news.example", "127.0.0.1"]  # the name once; then the checked address


def test_a_slow_trickle_is_cut_at_the_deadline(site):
    t0 = time.monotonic()
    (result,) = web(fetch_timeout=2).read(f"{site}/trickle")
    assert "no complete answer within 2 s" in result.error
    assert time.monotonic() - t0 < 10  # the server would trickle for a minute


def test_a_feed_fetches_within_its_budget(site):
    results = list(web(fetch_max_requests=1).read(f"{site}/feed"))
    tram = [r.article for r in results if r.article and "Tram" in r.article.title][0]
    assert tram.text == "Short teaser."  # its page was not fetched: one request allowed
