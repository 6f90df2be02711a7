"""JSON (one article object) and JSON Lines (one per line) with the fields
id, title, source, published_at, url, text; other scalar fields are kept as metadata."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..errors import ReadError
from ..types import Article
from .base import ReadResult, Source, decode_bytes, normalise_date, register, title_from_text

_KNOWN_FIELDS = {"id", "title", "source", "published_at", "url", "text"}
_TOO_DEEP = "the JSON is nested too deeply to be an article"
# other fields are kept as metadata within these bounds; the rest are dropped
MAX_EXTRA_FIELDS = 20
MAX_EXTRA_NAME = 64
MAX_EXTRA_CHARS = 500


@register("json", (".json",))
def read_json(data: bytes, source: Source) -> Iterator[ReadResult]:
    text = decode_bytes(data, source.origin)
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(source.origin, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise ReadError(source.origin, _TOO_DEEP) from None
    yield ReadResult(source.origin, article=article_from_record(record, source.origin))


@register("jsonl", (".jsonl",))
def read_jsonl(data: bytes, source: Source) -> Iterator[ReadResult]:
    """One article per line; a bad line fails alone and the others are still read."""
    text = decode_bytes(data, source.origin)
    # only \n ends a record: str.splitlines would also split at U+2028 inside a string
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{source.origin} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadResult(where, error=f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield ReadResult(where, error=_TOO_DEEP)
            continue
        try:
            yield ReadResult(where, article=article_from_record(record, where))
        except ReadError as exc:
            yield ReadResult(where, error=exc.reason)


def article_from_record(record: Any, origin: str) -> Article:
    """An article from a JSON object (or a form) with fields id, title, source, published_at,
    url, text."""
    if not isinstance(record, dict):
        raise ReadError(origin, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ReadError(origin, "the article has no 'text' field, or it is empty")
    for name in ("id", "title", "source", "published_at", "url"):
        if not _scalar(record.get(name)) and record.get(name) is not None:
            kind = type(record[name]).__name__
            raise ReadError(origin, f"'{name}' must be a string or a number, not a JSON {kind}")
    extra = _extra(record)
    return Article(
        title=str(record.get("title") or "").strip() or title_from_text(text),
        text=text.strip(),
        source=str(record.get("source") or "").strip(),
        published_at=normalise_date(record.get("published_at"), origin),
        url=str(record.get("url") or "").strip(),
        article_id=str(record.get("id") or "").strip(),
        extra=extra,
    )


def _extra(record: dict[str, Any]) -> dict[str, Any]:
    """The record's other scalar fields, at most MAX_EXTRA_FIELDS of them, names and text
    shortened: a record's metadata is read by every library listing."""
    extra: dict[str, Any] = {}
    for key, value in record.items():
        if len(extra) >= MAX_EXTRA_FIELDS:
            break
        if key in _KNOWN_FIELDS or not _scalar(value) or len(key) > MAX_EXTRA_NAME:
            continue
        extra[key] = value[:MAX_EXTRA_CHARS] if isinstance(value, str) else value
    return extra


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)
