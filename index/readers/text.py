"""Plain text and Markdown: the first line is the title; Markdown may carry front matter."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import ReadError
from ..types import Article
from .base import ReadResult, Source, decode_bytes, normalise_date, register


@register("text", (".txt",))
def read_text(data: bytes, source: Source) -> Iterator[ReadResult]:
    text = decode_bytes(data, source.origin)
    yield ReadResult(source.origin, article=read_text_article(text, source.origin, False))


@register("markdown", (".md", ".markdown"))
def read_markdown(data: bytes, source: Source) -> Iterator[ReadResult]:
    text = decode_bytes(data, source.origin)
    yield ReadResult(source.origin, article=read_text_article(text, source.origin, True))


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple `key: value` front matter between --- lines, as Markdown tools write it. Found
    by scanning lines once (a pattern over many blank lines backtracked quadratically)."""
    first, newline, rest = text.partition("\n")
    if not newline or first.rstrip() != "---":
        return {}, text
    fields: dict[str, str] = {}
    at = len(first) + 1
    while at < len(text):
        end = text.find("\n", at)
        if end < 0:  # no closing line: not front matter
            return {}, text
        line = text[at:end]
        at = end + 1
        if line.rstrip() == "---":
            return fields, text[at:]
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return {}, text


def read_text_article(text: str, origin: str, markdown: bool) -> Article:
    """First non-empty line is the title; the rest is the text. Markdown may carry front matter."""
    meta, text = _front_matter(text) if markdown else ({}, text)
    lines = text.strip().splitlines()
    title = meta.get("title", "")
    if not title:
        if not lines:
            raise ReadError(origin, "the file has no text")
        title = lines.pop(0).strip()
        if markdown:
            title = title.lstrip("#").strip()
    body = "\n".join(lines).strip()
    if not body:
        raise ReadError(origin, "the article has a title but no text")
    return Article(
        title=title,
        text=body,
        source=meta.get("source", ""),
        published_at=normalise_date(meta.get("published_at") or meta.get("date"), origin),
        url=meta.get("url", ""),
        article_id=meta.get("id", ""),
    )
