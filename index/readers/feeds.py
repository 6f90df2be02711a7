"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: one article per item, with its title, link, date
and outlet. A feed that declares XML entities (which can expand a small feed into a huge text) is
refused: feeds have no need of them."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import ReadError
from ..types import Article
from .base import (
    ReadResult,
    Source,
    decode_bytes,
    parse_date,
    register,
    title_from_text,
    url_id,
)

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)\b")
TEASER_CHARS = 300  # an item's own text shorter than this is replaced by its linked page
MAX_ITEMS = 100


def looks_like_feed(data: bytes) -> bool:
    """The first element (after an XML declaration and comments) is a feed's root.
    Comments are skipped with find, not a pattern, so no input makes this slow."""
    head, at = data[:2048], 0
    while True:
        at = _skip_space(head, at)
        if head.startswith(b"<?xml", at):
            at = head.find(b">", at)
        elif head.startswith(b"<!--", at):
            at = head.find(b"-->", at)
            at = at + 2 if at >= 0 else -1
        else:
            return bool(_ROOT.match(head, at))
        if at < 0:
            return False
        at += 1


def _skip_space(data: bytes, at: int) -> int:
    while at < len(data) and data[at : at + 1].isspace():
        at += 1
    return at


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str
    when: str
    body: str


@register("feed", (".rss", ".atom", ".xml"), sniff=looks_like_feed)
def read_feed(data: bytes, source: Source) -> Iterator[ReadResult]:
    """Articles of a feed. An item whose own text is a teaser is replaced by its linked page
    when the source can fetch pages (a failed fetch keeps the feed text)."""
    text = decode_bytes(data, source.origin)  # the same checks for empty, binary, encoding
    if _ENTITY.search(data):
        yield ReadResult(source.origin, error="refused: the feed declares XML entities")
        return
    try:  # parsed from the decoded text, whatever encoding the feed declares
        parser = ET.XMLParser(encoding="utf-8")
        parser.feed(text.encode("utf-8"))
        root = parser.close()
    except ET.ParseError as exc:
        yield ReadResult(source.origin, error=f"not a valid RSS/Atom feed: {exc}")
        return
    if root.tag == f"{ATOM}feed":
        outlet = _text(root.find(f"{ATOM}title"))
        items = [_atom_item(e) for e in root.iter(f"{ATOM}entry")]
    elif root.find(f"{RSS1}channel") is not None or root.find(f"{RSS1}item") is not None:
        outlet = _text(root.find(f"{RSS1}channel/{RSS1}title"))
        items = [_rss1_item(e) for e in root.iter(f"{RSS1}item")]
    else:
        channel = root.find("channel")
        outlet = _text(channel.find("title")) if channel is not None else ""
        items = [_rss_item(e) for e in root.iter("item")]
    if not items:
        yield ReadResult(source.origin, error="the feed has no items")
        return
    for n, item in enumerate(items[:MAX_ITEMS], start=1):
        where = f"{source.origin} item {n}" + (f" ({item.link})" if item.link else "")
        if source.seen is not None and source.seen(item.link or where, fingerprint(item)):
            continue  # a watched feed's item read before, unchanged: not fetched again
        try:
            yield ReadResult(where, article=_article(item, outlet, where, source))
        except ReadError as exc:
            yield ReadResult(where, error=exc.reason)


def fingerprint(item: FeedItem) -> str:
    """Changes when the feed changes what it says of an item (title, date or text)."""
    parts = "\x1f".join((item.title, item.link, item.when, item.body))
    return hashlib.sha256(parts.encode("utf-8")).hexdigest()[:16]


def _article(item: FeedItem, outlet: str, where: str, source: Source) -> Article:
    text = html_to_text(item.body)
    page_error = ""
    if len(text) < TEASER_CHARS and item.link and source.page_reader is not None:
        try:
            page = source.page_reader(item.link)
            text = page.text if len(page.text) > len(text) else text
        except ReadError as exc:  # the feed's own text stays
            page_error = f" (its page: {exc.reason})"
    if not text:
        raise ReadError(where, "the item has no text" + page_error)
    published = parse_date(item.when)
    return Article(
        title=item.title or title_from_text(text),
        text=text,
        source=outlet,
        published_at=published.isoformat() if published else "",
        url=item.link,
        article_id=url_id(item.link) if item.link else "",
    )


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


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _rss_item(item: ET.Element) -> FeedItem:
    body = _text(item.find(CONTENT)) or _text(item.find("description"))
    return FeedItem(
        _text(item.find("title")), _text(item.find("link")), _text(item.find("pubDate")), body
    )


def _rss1_item(item: ET.Element) -> FeedItem:
    body = _text(item.find(CONTENT)) or _text(item.find(f"{RSS1}description"))
    link = _text(item.find(f"{RSS1}link")) or item.get(
        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", ""
    )
    return FeedItem(_text(item.find(f"{RSS1}title")), link, _text(item.find(DC_DATE)), body)


def _atom_item(entry: ET.Element) -> FeedItem:
    link = ""
    for el in entry.findall(f"{ATOM}link"):
        if el.get("rel", "alternate") == "alternate" and el.get("href"):
            link = el.get("href", "")
            break
    when = _text(entry.find(f"{ATOM}published")) or _text(entry.find(f"{ATOM}updated"))
    body = _text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary"))
    return FeedItem(_text(entry.find(f"{ATOM}title")), link, when, body)
