"""Add articles to the index: skip what is already there, replace what changed."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .chunking import Chunker
from .embedding import Embedder
from .errors import IndexingError
from .readers import ReadResult, read_file
from .store import ChromaStore
from .stories import Placement, StoryIndex
from .types import Article, Chunk, text_hash

# How long before the story index's last read a record may have been written and still not
# be visible then (a write under way): the next sync reads records from that far back.
SYNC_SLACK_S = 600.0


@dataclass(frozen=True)
class AddOutcome:
    """What happened to one input: added, updated, unchanged, refused (not an article) or
    failed (with the reason)."""

    status: str
    origin: str
    article_id: str = ""
    title: str = ""
    chunks: int = 0
    reason: str = ""

    def line(self) -> str:
        """One line for people: what happened, to which article, and why."""
        if self.status in ("failed", "refused"):
            return f"{self.status:<10} {self.origin}: {self.reason}"
        note = f" ({self.reason})" if self.reason else f" ({self.chunks} chunks)"
        return f"{self.status:<10} {self.article_id}  {self.title}{note}"


@dataclass(frozen=True)
class Overrides:
    """Metadata given on the command line that applies to every article of one `add`."""

    source: str = ""
    published_at: str = ""
    url: str = ""

    def apply(self, article: Article) -> Article:
        changes = {k: v for k, v in vars(self).items() if v}
        return replace(article, **changes) if changes else article


@dataclass(frozen=True)
class FieldLimits:
    """Caps on what every article may carry, whatever it came from. A title or outlet over
    its cap is shortened (it is copied into every passage and prompt); an id or address over
    its cap fails the article (shortening would change what it names)."""

    title_chars: int
    source_chars: int
    url_chars: int
    id_chars: int
    text_chars: int

    def apply(self, article: Article) -> Article:
        for name, value, cap in (
            ("id", article.article_id, self.id_chars),
            ("url", article.url, self.url_chars),
            ("text", article.text, self.text_chars),
        ):
            if len(value) > cap:
                raise IndexingError(
                    f"the {name} is {len(value):,} characters long; at most {cap:,} are accepted"
                )
        title, source = (
            _shorten(article.title, self.title_chars),
            _shorten(article.source, self.source_chars),
        )
        if (title, source) == (article.title, article.source):
            return article
        return replace(article, title=title, source=source)


def _shorten(value: str, cap: int) -> str:
    value = " ".join(value.split()) if len(value) > cap else value
    return value if len(value) <= cap else value[: cap - 1].rstrip() + "…"


def embedding_text(article: Article, passage: str) -> str:
    """The title travels with every passage so that a passage is found by its topic too."""
    return f"{article.title}\n{passage}" if article.title else passage


@dataclass
class _Pending:
    article: Article
    origin: str
    existed: bool
    chunks: list[Chunk]
    placement: Placement


class Ingestor:
    """Chunks, embeds and stores articles; an article already stored unchanged costs nothing.

    Articles are embedded and written in batches of about `batch_chunks` chunks, so a large
    corpus costs one encoder call and one store write per batch, not per article."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        chunker: Chunker,
        *,
        batch_chunks: int,
        max_file_bytes: int,
        limits: FieldLimits,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.batch_chunks = batch_chunks
        self.max_file_bytes = max_file_bytes
        self.limits = limits
        self.stories = StoryIndex(self._stored_text)
        # the store's revision the story index was last in step with, and when it was read
        self._stories_at: str | None = None
        self._stories_read = 0.0

    def _stored_text(self, article_id: str) -> str:
        stored = self.store.get_article(article_id, with_text=True)
        return stored.text if stored else ""

    def _sync_stories(self) -> None:
        """Brings the story index in step with the records when another writer (or none yet)
        has changed the index since this one last saw it: every record the first time or
        after articles were removed, else only those written since the last read (less a
        slack for writes under way then), so a shared index of 100k articles is not read
        again for each add."""
        revision = self.store.revision()
        if revision == self._stories_at:
            return
        started = time.time()
        if self._stories_at is None or self.store.count_articles() < len(self.stories):
            self.stories.load(self.store.story_records())
        else:
            self.stories.update(self.store.story_records(since=self._stories_read - SYNC_SLACK_S))
        self._stories_at, self._stories_read = revision, started

    def add(self, article: Article, origin: str = "") -> AddOutcome:
        (outcome,) = self.add_many([(article, origin)])
        return outcome

    def add_file(
        self, path: Path, overrides: Overrides | None = None, max_bytes: int | None = None
    ) -> Iterator[AddOutcome]:
        """Every article of one file; one that cannot be read fails alone. Files over
        `max_bytes` (default: the ingestor's limit) are refused."""
        limit = self.max_file_bytes if max_bytes is None else max_bytes
        yield from self.add_results(read_file(path, limit), overrides)

    def add_results(
        self, results: Iterable[ReadResult], overrides: Overrides | None = None
    ) -> Iterator[AddOutcome]:
        """Articles from any reader (files, web pages, feeds); unreadable ones fail alone."""
        yield from self.add_many(self._items(results, overrides))

    @staticmethod
    def _items(results: Iterable[ReadResult], overrides: Overrides | None):
        for result in results:
            if result.article is None:
                yield None, result.origin, result.error or "unreadable"
            else:
                article = overrides.apply(result.article) if overrides else result.article
                yield article, result.origin, ""

    def reindex(self, article_ids: Iterable[str]) -> Iterator[AddOutcome]:
        """Chunk, embed and write again articles from the text their records keep (what
        `check --repair` does for an article that lost chunks)."""
        items: list[tuple] = []
        for article_id in article_ids:
            stored = self.store.get_article(article_id, with_text=True)
            if stored is None:
                items.append((None, article_id, "not in the index"))
            else:
                items.append((stored.article(), article_id))
        yield from self.add_many(items, force=True)

    def add_many(self, items: Iterable[tuple], force: bool = False) -> Iterator[AddOutcome]:
        """Outcomes in input order. Items are (article, origin) or (None, origin, error)."""
        pending: list[_Pending] = []
        waiting: list[AddOutcome | _Pending] = []  # outcomes held back to keep input order
        ids: set[str] = set()
        texts: set[str] = set()
        self._sync_stories()
        for item in items:
            article, origin = item[0], item[1] or (item[0].title if item[0] else "")
            if article is None:
                waiting.append(AddOutcome("failed", origin, reason=item[2]))
            else:
                result = self._prepare(article, origin, ids, texts, force)
                waiting.append(result)
                if isinstance(result, _Pending):
                    pending.append(result)
            if sum(len(p.chunks) for p in pending) >= self.batch_chunks:
                yield from self._flush(pending, waiting)
                pending, waiting = [], []
        yield from self._flush(pending, waiting)

    def _prepare(self, article: Article, origin: str, ids: set, texts: set, force: bool = False):
        try:
            article = self.limits.apply(article)
            existing = self.store.get_article(article.id)
            if existing and existing.content_hash == article.content_hash and not force:
                return AddOutcome("unchanged", origin, article.id, article.title, existing.chunks)
            key = text_hash(article.text)
            if article.id in ids or (not article.article_id and key in texts):
                return AddOutcome(
                    "unchanged", origin, article.id, article.title, reason="repeated in this input"
                )
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
        except IndexingError as exc:
            return AddOutcome("failed", origin, article.id, article.title, reason=str(exc))
        if not chunks:
            return AddOutcome("failed", origin, article.id, article.title, reason="no text")
        a = article
        # what is already indexed is re-embedded as it is, never refused
        placement = self.stories.place(a.id, a.title, a.url, a.source, a.text, judge=not force)
        if placement.refused:
            if placement.keep_out:
                try:
                    self.store.keep_out(placement.keep_out, placement.refused)
                except IndexingError as exc:
                    return AddOutcome("failed", origin, a.id, a.title, reason=str(exc))
                self.stories.kept_out(placement.keep_out)
            return AddOutcome("refused", origin, a.id, a.title, reason=placement.refused)
        ids.add(article.id)
        texts.add(key)
        return _Pending(article, origin, existing is not None, chunks, placement)

    def _flush(self, pending: list[_Pending], waiting: list) -> Iterator[AddOutcome]:
        failure = ""
        if pending:
            texts = [embedding_text(p.article, c.text) for p in pending for c in p.chunks]
            try:
                vectors = self.embedder.embed(texts)
                self.store.write_articles(
                    [(p.article, p.chunks) for p in pending],
                    np.asarray(vectors),
                    replacing={p.article.id for p in pending if p.existed},
                    stories={
                        p.article.id: (p.placement.story, p.placement.signature) for p in pending
                    },
                )
            except IndexingError as exc:
                failure = str(exc)
            for p in pending:
                a = p.article
                if failure:
                    self.stories.forget(a.id)
                else:
                    self.stories.added(a.id)
            self._stories_at = self.store.revision()  # in step: it holds this write
        for item in waiting:
            if not isinstance(item, _Pending):
                yield item
                continue
            a = item.article
            if failure:
                yield AddOutcome("failed", item.origin, a.id, a.title, reason=failure)
            else:
                status = "updated" if item.existed else "added"
                yield AddOutcome(status, item.origin, a.id, a.title, len(item.chunks))
