"""LlamaIndex `Document`s (from any LlamaHub reader) as articles, through the same record
path as JSON input: the same field checks, limits, ids and deduplication."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import ReadError
from .base import ReadResult, url_id
from .records import article_from_record

# metadata names LlamaHub readers use for the fields an article has
_ALIASES = {
    "title": ("title", "headline", "file_name"),
    "source": ("source", "outlet", "publisher", "site_name", "author"),
    "published_at": ("published_at", "publish_date", "published", "date", "pubDate"),
    "url": ("url", "source_url", "link", "URL"),
}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def read_documents(documents: Iterable[Any]) -> Iterator[ReadResult]:
    """One result per document. The article id is the document's own id when its reader
    chose one; a random id (LlamaIndex's default, a UUID) is replaced by Newsdesk's own
    (from the URL, else from the text), so inserting the same story twice updates it."""
    for number, document in enumerate(documents, start=1):
        doc_id = str(getattr(document, "id_", "") or "")
        origin = f"document {doc_id or number}"
        try:
            record = _record(document, doc_id)
            yield ReadResult(origin, article=article_from_record(record, origin))
        except ReadError as exc:
            yield ReadResult(origin, error=exc.reason)


def _record(document: Any, doc_id: str) -> dict[str, Any]:
    text = getattr(document, "text", None)
    metadata = dict(getattr(document, "metadata", None) or {})
    record: dict[str, Any] = {"text": text}
    for field, names in _ALIASES.items():
        found = next((metadata.pop(n) for n in names if metadata.get(n) not in (None, "")), None)
        if found is not None:
            record[field] = found
    if doc_id and not _UUID.match(doc_id):
        record["id"] = doc_id
    elif record.get("url"):
        record["id"] = url_id(str(record["url"]))
    # other scalar metadata is kept with the article, as JSON input's extra fields are
    record.update({k: v for k, v in metadata.items() if k not in record})
    return record
