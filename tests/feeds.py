"""A loopback feed server whose items the test sets, logging every request (watched sources)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEM = """<item><title>{title}</title><link>{base}/story/{n}</link>
<pubDate>{when}</pubDate><description>Short teaser.</description></item>"""
PAGE = """<html><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>{body}</p>
<p>Work starts next month and should take about a year, the council's spokesperson said.</p>
</article></body></html>"""


def plan(n: int) -> tuple[str, str]:
    """Item n's page: its title and first paragraph."""
    return f"Plan {n}", (
        f"Plan {n}: the harbour council met on day {n} and agreed the plan after a long debate "
        f"about the cost of the works, which the council put at {n} million euros in its report."
    )


class FeedSite:
    """A feed whose items are set by the test; every request is logged."""

    def __init__(self, pages=plan, items=(1, 2), when=None) -> None:
        self.page = pages
        self.when = when or (lambda n: f"Tue, 0{n} Mar 2025 09:00:00 GMT")  # item n's date
        self.items: list[int] = list(items)
        self.failing = False
        self.requests: list[tuple[str, str]] = []  # (path, If-None-Match)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requests.append((self.path, self.headers.get("If-None-Match", "")))
                if self.path == "/feed":
                    if site.failing:
                        self.send_response(503)
                        self.end_headers()
                        return
                    etag = '"v-' + "-".join(map(str, site.items)) + '"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    self._send(200, "application/rss+xml", site.feed(), etag)
                elif self.path.startswith("/story/"):
                    n = int(self.path.rsplit("/", 1)[1])
                    title, body = site.page(n)
                    self._send(200, "text/html", PAGE.format(title=title, body=body))
                else:
                    self._send(404, "text/plain", "not found")

            def _send(self, status, kind, body, etag=""):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def feed(self) -> str:
        items = "".join(
            ITEM.format(title=self.page(n)[0], base=self.base, n=n, when=self.when(n))
            for n in self.items
        )
        channel = f"<channel><title>Harbour Post</title>{items}</channel>"
        return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'

    def pages(self) -> list[str]:
        return [p for p, _ in self.requests if p.startswith("/story/")]
