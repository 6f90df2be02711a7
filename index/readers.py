"""Read articles from files: plain text, Markdown, HTML, JSON, JSON Lines and feeds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ReadError
from .models import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".rss",
                      ".atom", ".xml")  # fmt: skip
FEED_SUFFIXES = (".rss", ".atom", ".xml")
_KNOWN_FIELDS = {"id", "title", "source", "published_at", "url", "text"}


@dataclass(frozen=True)
class ReadResult:
    """One article read from an input, or the reason it could not be read."""

    origin: str  # the file (and line) it came from, for messages
    article: Article | None = None
    error: str | None = None


def decode_bytes(data: bytes, origin: str) -> str:
    """Strict UTF-8 (a BOM allowed; UTF-16 with a BOM too); a clear error for anything else."""
    if not data.strip():
        raise ReadError(origin, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise ReadError(origin, "this looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(
            origin,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); "
            "save the file as UTF-8 and add it again",
        ) from None


def normalise_date(value: Any, origin: str) -> str:
    """YYYY-MM-DD from a date-like value (ISO dates and timestamps); "" when absent."""
    if value in (None, ""):
        return ""
    text = str(value).strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            pass
    raise ReadError(origin, f"published_at {text!r} is not a date (expected YYYY-MM-DD)")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple `key: value` front matter between --- lines, as Markdown tools write it."""
    m = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.S)
    if not m:
        return {}, text
    fields = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[m.end() :]


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


def article_from_record(record: Any, origin: str) -> Article:
    """An article from a JSON object with fields id, title, source, published_at, url, text."""
    if not isinstance(record, dict):
        raise ReadError(origin, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ReadError(origin, "the article has no 'text' field, or it is empty")
    extra = {k: v for k, v in record.items() if k not in _KNOWN_FIELDS and _scalar(v)}
    return Article(
        title=str(record.get("title") or "").strip() or _title_from_text(text),
        text=text.strip(),
        source=str(record.get("source") or "").strip(),
        published_at=normalise_date(record.get("published_at"), origin),
        url=str(record.get("url") or "").strip(),
        article_id=str(record.get("id") or "").strip(),
        extra=extra,
    )


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _title_from_text(text: str) -> str:
    first = text.strip().splitlines()[0]
    return first[:80] + ("…" if len(first) > 80 else "")


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
        title=(data.get("title") or "").strip() or _title_from_text(text),
        text=text,
        source=(data.get("sitename") or "").strip(),
        published_at=published,
        url=url or (data.get("url") or ""),
        extra=extra,
    )


def read_file(path: Path, max_bytes: int) -> Iterator[ReadResult]:
    """Every article in one file; a bad JSON line fails alone and the others are still read."""
    origin = str(path)
    try:
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise ReadError(
                origin,
                f"unsupported file type {suffix or '(none)'}; "
                f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
            )
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(
                origin, f"the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit"
            )
        data = path.read_bytes()
        if suffix in FEED_SUFFIXES:
            from .feeds import read_feed

            decode_bytes(data, origin)  # the same checks for empty, binary and encoding
            yield from read_feed(data, origin)
            return
        text = decode_bytes(data, origin)
        if suffix == ".jsonl":
            yield from _read_jsonl(text, origin)
            return
        yield ReadResult(origin, article=_read_single(text, suffix, origin))
    except ReadError as exc:
        yield ReadResult(origin, error=exc.reason)
    except OSError as exc:
        yield ReadResult(origin, error=exc.strerror or str(exc))


def _read_single(text: str, suffix: str, origin: str) -> Article:
    if suffix in (".html", ".htm"):
        return read_html_article(text, origin)
    if suffix == ".json":
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReadError(origin, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
        return article_from_record(record, origin)
    return read_text_article(text, origin, markdown=suffix in (".md", ".markdown"))


def _read_jsonl(text: str, origin: str) -> Iterator[ReadResult]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadResult(where, error=f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        try:
            yield ReadResult(where, article=article_from_record(record, where))
        except ReadError as exc:
            yield ReadResult(where, error=exc.reason)


def expand_paths(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Files to read: each given file, and the supported files inside each folder (recursive).
    Yields (path, error) where error names a path that does not exist."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield child, None
        elif path.exists():
            yield path, None
        else:
            yield path, "no such file or folder"
