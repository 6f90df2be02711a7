"""Add articles to the index: skip what is already there, replace what changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .chunking import Chunker
from .embedding import Embedder
from .errors import IndexingError
from .models import Article
from .readers import read_file
from .store import ChromaStore


@dataclass(frozen=True)
class AddOutcome:
    """What happened to one input: added, updated, unchanged or failed (with the reason)."""

    status: str
    origin: str
    article_id: str = ""
    title: str = ""
    chunks: int = 0
    reason: str = ""


@dataclass(frozen=True)
class Overrides:
    """Metadata given on the command line that applies to every article of one `add`."""

    source: str = ""
    published_at: str = ""
    url: str = ""

    def apply(self, article: Article) -> Article:
        changes = {k: v for k, v in vars(self).items() if v}
        return replace(article, **changes) if changes else article


def embedding_text(article: Article, passage: str) -> str:
    """The title travels with every passage so that a passage is found by its topic too."""
    return f"{article.title}\n{passage}" if article.title else passage


class Ingestor:
    """Chunks, embeds and stores articles; an article already stored unchanged costs nothing."""

    def __init__(self, store: ChromaStore, embedder: Embedder, chunker: Chunker) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker

    def add(self, article: Article, origin: str = "") -> AddOutcome:
        origin = origin or article.title
        try:
            existing = self.store.get_article(article.id)
            if existing and existing.content_hash == article.content_hash:
                return AddOutcome("unchanged", origin, article.id, article.title, existing.chunks)
            if not existing and not article.article_id:
                twin = self.store.find_by_text(article.text)
                if twin:
                    return AddOutcome(
                        "unchanged",
                        origin,
                        twin,
                        article.title,
                        reason=f"same text as article {twin}",
                    )
            chunks = self.chunker.chunk(article.id, article.text)
            if not chunks:
                return AddOutcome("failed", origin, article.id, article.title, reason="no text")
            vectors = self.embedder.embed([embedding_text(article, c.text) for c in chunks])
            self.store.write_article(article, chunks, vectors)
        except IndexingError as exc:
            return AddOutcome("failed", origin, article.id, article.title, reason=str(exc))
        status = "updated" if existing else "added"
        return AddOutcome(status, origin, article.id, article.title, len(chunks))

    def add_file(
        self, path: Path, overrides: Overrides | None = None, max_bytes: int = 20_000_000
    ) -> Iterator[AddOutcome]:
        """Every article of one file; one that cannot be read fails alone."""
        for result in read_file(path, max_bytes):
            if result.article is None:
                yield AddOutcome("failed", result.origin, reason=result.error or "unreadable")
            else:
                article = overrides.apply(result.article) if overrides else result.article
                yield self.add(article, result.origin)
