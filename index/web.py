"""Articles from the web: a page address (main text extracted) or an RSS/Atom feed address."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlparse

from .errors import ReadError
from .readers import ReadResult, Source, decode_bytes, read_data
from .readers.html import read_html_article
from .types import Article

USER_AGENT = "Newsdesk/0.1 (+local news question answering)"


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


class WebReader:
    """Fetches pages and feeds with a time limit and a size limit."""

    def __init__(self, max_bytes: int, timeout: float) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout

    def fetch(self, url: str) -> bytes:
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
            raise ReadError(url, "not a web address (expected http:// or https://)")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = response.read(self.max_bytes + 1)
        except urllib.error.HTTPError as exc:
            raise ReadError(url, f"the server answered HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise ReadError(url, f"cannot fetch it: {exc.reason}") from None
        except TimeoutError:
            raise ReadError(url, f"no answer within {self.timeout:.0f} s") from None
        except OSError as exc:
            raise ReadError(url, f"cannot fetch it: {exc}") from None
        if len(data) > self.max_bytes:
            raise ReadError(url, f"the page is over the {self.max_bytes / 1e6:.0f} MB limit")
        return data

    def page(self, url: str) -> Article:
        """The article of one page (what a feed item's link is replaced by)."""
        return read_html_article(decode_bytes(self.fetch(url), url), url, url)

    def read(self, url: str) -> Iterator[ReadResult]:
        """The articles at an address: every item of a feed, or the one article of a page."""
        try:
            data = self.fetch(url)
        except ReadError as exc:
            yield ReadResult(url, error=exc.reason)
            return
        yield from read_data(data, Source(url, url, page_reader=self.page), default="html")
