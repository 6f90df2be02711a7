"""Small frozen data types passed between ingestion steps."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any


def normalise_text(text: str) -> str:
    """Text reduced to what identifies an article: NFC, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    """One news article as read from an input, before chunking."""

    title: str
    text: str
    source: str = ""
    published_at: str = ""  # YYYY-MM-DD or ""
    url: str = ""
    article_id: str = ""  # stable id; derived from the text when the input gives none
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.article_id or "a-" + text_hash(self.text)[:16]

    @property
    def content_hash(self) -> str:
        """Changes when anything a reader sees changes: text or the metadata shown with it."""
        parts = [self.title, self.text, self.source, self.published_at, self.url]
        parts += [f"{k}={self.extra[k]}" for k in sorted(self.extra)]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A passage of an article with its character offsets in the article text."""

    article_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class StoredArticle:
    """An article as the index knows it."""

    article_id: str
    title: str
    source: str
    published_at: str
    url: str
    chunks: int
    content_hash: str
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    story: str = ""  # the first article of its story (near-duplicates); its own id when alone
    kept_out: str = ""  # why it is kept out of retrieval ("" when it is not)

    def article(self) -> Article:
        """The article as it was added (`text` must have been read)."""
        return Article(
            self.title,
            self.text,
            self.source,
            self.published_at,
            self.url,
            self.article_id,
            dict(self.extra),
        )


@dataclass(frozen=True)
class SearchHit:
    """A chunk returned by a search, with its article's metadata and a similarity score."""

    chunk_id: str
    article_id: str
    chunk_index: int
    text: str
    start: int
    end: int
    title: str
    source: str
    published_at: str
    url: str
    score: float
