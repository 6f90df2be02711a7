"""Web pages: main text, title, date, outlet and author extracted by trafilatura."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import ReadError
from ..types import Article
from .base import (
    ReadResult,
    Source,
    decode_bytes,
    normalise_date,
    register,
    title_from_text,
    url_id,
)

_HTML_START = re.compile(rb"\s*(?:<!doctype\s+html|<html\b|<head\b|<body\b)", re.I)


def looks_like_html(data: bytes) -> bool:
    return bool(_HTML_START.match(data[:1024]))


@register("html", (".html", ".htm"), sniff=looks_like_html)
def read_html(data: bytes, source: Source) -> Iterator[ReadResult]:
    """The one article of a page; a fetched page gets an id from its address."""
    html = decode_bytes(data, source.origin)
    yield ReadResult(source.origin, article=read_html_article(html, source.origin, source.url))


def read_html_article(html: str, origin: str, url: str = "") -> Article:
    """Main text and metadata of a web page, extracted with trafilatura."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True)
    if doc is None:
        raise ReadError(origin, "no article text could be extracted from this HTML")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (data.get("text") or "").strip()
    if not text:
        raise ReadError(origin, "no article text could be extracted from this HTML")
    extra = {"author": data["author"]} if data.get("author") else {}
    try:
        published = normalise_date(data.get("date"), origin)
    except ReadError:
        published = ""
    return Article(
        title=(data.get("title") or "").strip() or title_from_text(text),
        text=text,
        source=(data.get("sitename") or "").strip(),
        published_at=published,
        url=url or (data.get("url") or ""),
        article_id=url_id(url) if url else "",
        extra=extra,
    )
