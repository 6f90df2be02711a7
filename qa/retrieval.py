"""Find the passages that may answer a question: dense and keyword search fused by reciprocal
rank, weighted by how near each article's date is to the question's as-of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from index.chunking import sentence_spans
from index.embedding import Embedder
from index.lexical import LexicalIndex
from index.models import SearchHit
from index.store import ChromaStore

from .models import Passage

MODES = ("dense", "bm25", "hybrid")


@dataclass(frozen=True)
class RetrievalOptions:
    """How passages are found; every switch is kept so that `newsdesk eval` can compare."""

    mode: str = "hybrid"  # dense, bm25 or hybrid (both, fused by reciprocal rank)
    candidates: int = 40  # hits taken from each search before fusion
    rrf_k: int = 60  # reciprocal-rank constant: 1 / (rrf_k + rank)
    dense_weight: float = 1.0  # weight of the dense ranking in the fusion (keyword: 1)
    recency_days: float = 0.0  # with an as-of date: weight halves every this many days back
    future_penalty: float = 0.5  # with an as-of date: weight of articles dated after it
    future_grace_days: int = 3  # articles this close after the as-of date count as current
    rerank_depth: int = 0  # rerank this many of the best by their best sentence window (0: off)
    rerank_weight: float = 1.0  # weight of the sentence-window ranking against the fused one

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"retrieval mode must be one of {', '.join(MODES)}")


@dataclass(frozen=True)
class _Candidate:
    hit: SearchHit
    similarity: float  # cosine similarity of passage and question
    score: float  # fused ranking score


class Retriever:
    """Ranks chunks for a question; near-identical passages are dropped."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        lexical: LexicalIndex | None = None,
        top_k: int = 4,
        options: RetrievalOptions | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.top_k = top_k
        self.options = options or RetrievalOptions()
        if self.options.mode != "dense" and lexical is None:
            raise ValueError(f"retrieval mode {self.options.mode!r} needs a keyword index")

    def retrieve(self, question: str, top_k: int | None = None, as_of: str = "") -> list[Passage]:
        """The best `top_k` passages, numbered from 1."""
        return self.rank(question, top_k or self.top_k, as_of)

    def rank(self, question: str, depth: int, as_of: str = "") -> list[Passage]:
        o = self.options
        vector = self.embedder.embed_one(question)
        n = max(o.candidates, depth * 2)
        dense = self.store.search(vector, n) if o.mode != "bm25" else []
        keyword = self.lexical.search(question, n) if o.mode != "dense" and self.lexical else []
        candidates = self._fuse(vector, dense, keyword)
        when = _parse(as_of)
        if when:
            candidates = [self._dated(c, when) for c in candidates]
        candidates.sort(key=lambda c: -c.score)
        kept = _distinct(candidates)
        if o.rerank_depth > 0:
            kept = self._rerank(vector, kept, o.rerank_depth)
        return [_passage(i, c) for i, c in enumerate(kept[:depth], start=1)]

    def _rerank(self, vector: np.ndarray, ranked: list[_Candidate], depth: int) -> list[_Candidate]:
        """The embedder on sentence windows: a passage whose best two-sentence window is close
        to the question moves up (fused by reciprocal rank with the current order)."""
        head, tail = ranked[:depth], ranked[depth:]
        windows, owner = [], []
        for i, c in enumerate(head):
            for w in sentence_windows(c.hit.text):
                windows.append(w)
                owner.append(i)
        if not windows:
            return ranked
        sims = self.embedder.embed(windows) @ vector
        best = np.full(len(head), -1.0)
        for i, sim in zip(owner, sims, strict=True):
            best[i] = max(best[i], float(sim))
        k, w = self.options.rrf_k, self.options.rerank_weight
        by_window = {i: r for r, i in enumerate(np.argsort(-best, kind="stable"))}
        fused = sorted(
            range(len(head)), key=lambda i: -(1 / (k + i + 1) + w / (k + by_window[i] + 1))
        )
        return [head[i] for i in fused] + tail

    def _fuse(
        self, vector: np.ndarray, dense: list[SearchHit], keyword: list[tuple[str, float]]
    ) -> list[_Candidate]:
        k = self.options.rrf_k
        scores: dict[str, float] = {}
        hits: dict[str, SearchHit] = {}
        sims: dict[str, float] = {}
        for rank, hit in enumerate(dense):
            scores[hit.chunk_id] = self.options.dense_weight / (k + rank + 1)
            hits[hit.chunk_id] = hit
            sims[hit.chunk_id] = hit.score
        for rank, (chunk_id, _) in enumerate(keyword):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
        missing = [cid for cid in scores if cid not in hits]
        for hit, vec in self.store.get_chunks(missing):
            hits[hit.chunk_id] = hit
            sims[hit.chunk_id] = float(vec @ vector)
        return [_Candidate(hits[c], sims[c], s) for c, s in scores.items() if c in hits]

    def _dated(self, c: _Candidate, as_of: date) -> _Candidate:
        published = _parse(c.hit.published_at)
        if published is None:
            return c
        o = self.options
        days_back = (as_of - published).days
        weight = 1.0
        if days_back < -o.future_grace_days:
            weight = o.future_penalty
        elif o.recency_days > 0 and days_back > 0:
            weight = 0.5 ** (days_back / o.recency_days)
        return _Candidate(c.hit, c.similarity, c.score * weight)


def sentence_windows(text: str, size: int = 2) -> list[str]:
    """Overlapping windows of `size` sentences (the whole text when it is shorter)."""
    spans = sentence_spans(text)
    if len(spans) <= size:
        return [text] if text.strip() else []
    return [text[spans[i][0] : spans[i + size - 1][1]] for i in range(len(spans) - size + 1)]


def _parse(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _distinct(candidates: list[_Candidate]) -> list[_Candidate]:
    seen: set[str] = set()
    kept = []
    for c in candidates:
        key = " ".join(c.hit.text.lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(c)
    return kept


def _passage(n: int, c: _Candidate) -> Passage:
    hit = c.hit
    return Passage(
        n=n,
        chunk_id=hit.chunk_id,
        article_id=hit.article_id,
        title=hit.title,
        source=hit.source,
        published_at=hit.published_at,
        url=hit.url,
        text=hit.text,
        start=hit.start,
        end=hit.end,
        score=c.similarity,
    )
