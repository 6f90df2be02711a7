"""RSS 2.0 and Atom feeds: one article per item, with its title, link, date and outlet."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime

from .errors import ReadError
from .models import Article
from .readers import ReadResult, normalise_date

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
FEED_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)

# Fetches the page an item links to when the feed carries only a teaser.
PageReader = Callable[[str], Article]


def looks_like_feed(data: bytes) -> bool:
    return bool(FEED_START.match(data[:2048]))


def read_feed(
    data: bytes,
    origin: str,
    page_reader: PageReader | None = None,
    min_chars: int = 300,
    max_items: int = 100,
) -> Iterator[ReadResult]:
    """Articles of a feed. An item whose own text is shorter than `min_chars` is replaced by
    its linked page when a `page_reader` is given (a failed fetch keeps the feed text)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        yield ReadResult(origin, error=f"not a valid RSS/Atom feed: {exc}")
        return
    if root.tag == f"{ATOM}feed":
        outlet = _text(root.find(f"{ATOM}title"))
        items = [_atom_item(e) for e in root.iter(f"{ATOM}entry")]
    else:
        channel = root.find("channel")
        outlet = _text(channel.find("title")) if channel is not None else ""
        items = [_rss_item(e) for e in root.iter("item")]
    if not items:
        yield ReadResult(origin, error="the feed has no items")
        return
    for n, (title, link, when, body) in enumerate(items[:max_items], start=1):
        where = f"{origin} item {n}" + (f" ({link})" if link else "")
        try:
            yield ReadResult(where, article=_article(title, link, when, body, outlet, where,
                                                     page_reader, min_chars))  # fmt: skip
        except ReadError as exc:
            yield ReadResult(where, error=exc.reason)


def _article(title, link, when, body, outlet, where, page_reader, min_chars) -> Article:
    text = html_to_text(body)
    if len(text) < min_chars and link and page_reader is not None:
        try:
            page = page_reader(link)
            text = page.text if len(page.text) > len(text) else text
        except ReadError:
            pass
    if not text:
        raise ReadError(where, "the item has no text")
    return Article(
        title=title or text.splitlines()[0][:80],
        text=text,
        source=outlet,
        published_at=_date(when, where),
        url=link,
        article_id=url_id(link) if link else "",
    )


def url_id(url: str) -> str:
    """A stable id for an article known by its address, so that re-adding it updates it."""
    return "u-" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]


def html_to_text(fragment: str) -> str:
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        return fragment.strip()
    import lxml.html

    try:
        root = lxml.html.fromstring(f"<div>{fragment}</div>")
    except Exception:  # lxml raises several kinds for broken markup
        return re.sub(r"<[^>]+>", " ", fragment).strip()
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for block in root.xpath("//p|//br|//div|//li|//h1|//h2|//h3"):
        block.tail = "\n\n" + (block.tail or "")
    lines = [" ".join(line.split()) for line in root.text_content().split("\n\n")]
    return "\n\n".join(line for line in lines if line)


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _rss_item(item) -> tuple[str, str, str, str]:
    body = _text(item.find(CONTENT)) or _text(item.find("description"))
    return _text(item.find("title")), _text(item.find("link")), _text(item.find("pubDate")), body


def _atom_item(entry) -> tuple[str, str, str, str]:
    link = ""
    for el in entry.findall(f"{ATOM}link"):
        if el.get("rel", "alternate") == "alternate" and el.get("href"):
            link = el.get("href", "")
            break
    when = _text(entry.find(f"{ATOM}published")) or _text(entry.find(f"{ATOM}updated"))
    body = _text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary"))
    return _text(entry.find(f"{ATOM}title")), link, when, body


def _date(value: str, where: str) -> str:
    if not value:
        return ""
    try:
        return normalise_date(value, where)
    except ReadError:
        pass
    try:
        return parsedate_to_datetime(value).date().isoformat()  # RFC 822, as RSS writes it
    except (TypeError, ValueError):
        return ""
