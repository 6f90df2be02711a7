"""Find the passages that may answer a question: dense and keyword search fused by reciprocal
rank, weighted by how near each article's date is to the question's as-of date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import (
    NodeRelationship,
    NodeWithScore,
    QueryBundle,
    RelatedNodeInfo,
    TextNode,
)

from index.embedding import Embedder
from index.lexical import LexicalIndex
from index.readers import parse_date
from index.store import ChromaStore
from index.stories import same_story, shingles
from index.types import SearchHit

from .dates import Period, period_of
from .types import Outlet, Passage

MODES = ("dense", "bm25", "hybrid")


@dataclass(frozen=True)
class RetrievalOptions:
    """How passages are found (values come from the settings); every switch is kept so that
    `newsdesk eval` can compare."""

    mode: str  # dense, bm25 or hybrid (both, fused by reciprocal rank)
    candidates: int  # hits taken from each search before fusion
    rrf_k: int  # reciprocal-rank constant: 1 / (rrf_k + rank)
    dense_weight: float  # weight of the dense ranking in the fusion (keyword: 1)
    recency_days: float  # with an as-of date: weight halves every this many days back (0: off)
    future_penalty: float  # with an as-of date: weight of articles dated after it
    future_grace_days: int  # articles this close after the as-of date count as current
    # with an as-of date: where recency would bury the story, the passages this close in
    # similarity to the best one, of the story's time, rank before the less similar
    relevance_band: float

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"retrieval mode must be one of {', '.join(MODES)}")


@dataclass(frozen=True)
class _Candidate:
    hit: SearchHit
    similarity: float  # cosine similarity of passage and question
    score: float  # fused ranking score


class Retriever(BaseRetriever):
    """Ranks chunks for a question; near-identical passages are dropped. A LlamaIndex
    retriever: `retrieve(question)` gives nodes, ranked for the retriever's `as_of` date
    (`at(date)` makes one for another date); Newsdesk calls `passages`."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        lexical: LexicalIndex | None,
        *,
        top_k: int,
        options: RetrievalOptions,
        as_of: str = "",
    ) -> None:
        super().__init__()
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.top_k = top_k
        self.options = options
        self.as_of = as_of  # no default date: "" ranks without one
        if options.mode != "dense" and lexical is None:
            raise ValueError(f"retrieval mode {options.mode!r} needs a keyword index")

    def at(self, as_of: str) -> Retriever:
        """The same retriever, ranking for another as-of date (YYYY-MM-DD, "" for none)."""
        return Retriever(
            self.store,
            self.embedder,
            self.lexical,
            top_k=self.top_k,
            options=self.options,
            as_of=as_of,
        )

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [as_node(p) for p in self.passages(query_bundle.query_str, as_of=self.as_of)]

    def passages(
        self,
        question: str,
        top_k: int | None = None,
        as_of: str = "",
        also: Sequence[str] = (),
    ) -> list[Passage]:
        """The best `top_k` (default: the configured number) passages, numbered from 1.
        `also`: chunk ids that compete as a third ranked list (a follow-up's earlier
        citations)."""
        depth = top_k or self.top_k
        o = self.options
        vector = self.embedder.embed_one(question)
        n = max(o.candidates, depth * 2)
        dense = self.store.search(vector, n) if o.mode != "bm25" else []
        keyword = self.lexical.search(question, n) if o.mode != "dense" and self.lexical else []
        candidates = self._fuse(vector, dense, keyword, also)
        when = parse_date(as_of)
        if when:
            period = period_of(question, when)
            dates = [parse_date(c.hit.published_at) for c in candidates]
            latest = _latest(dates, when)
            last = when + timedelta(o.future_grace_days)  # later ones are after the date
            candidates = [
                self._dated(c, d, last, latest, period)
                for c, d in zip(candidates, dates, strict=True)
            ]
            candidates = _banded(candidates, dates, last, latest, o.relevance_band, o.recency_days)
        candidates.sort(key=lambda c: -c.score)
        kept = _distinct(candidates)
        return [_passage(i, c, also) for i, (c, also) in enumerate(kept[:depth], start=1)]

    def _fuse(
        self,
        vector: np.ndarray,
        dense: list[SearchHit],
        keyword: list[tuple[str, float]],
        also: Sequence[str] = (),
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
        for rank, chunk_id in enumerate(also):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
        missing = [cid for cid in scores if cid not in hits]
        for hit, vec in self.store.get_chunks(missing):
            hits[hit.chunk_id] = hit
            sims[hit.chunk_id] = float(vec @ vector)
        return [_Candidate(hits[c], sims[c], s) for c, s in scores.items() if c in hits]

    def _dated(
        self,
        c: _Candidate,
        published: date | None,
        last: date,
        latest: date,
        period: Period | None,
    ) -> _Candidate:
        """The candidate weighed by its date: recency counts back from the latest candidate
        up to the as-of date (news that all predates the date is not all discounted, which
        would let an undated article outrank it), ones after `last` (the as-of date and its
        grace days) are penalised."""
        if published is None:
            return c
        o = self.options
        days_back = (latest - published).days
        weight = 1.0
        if published > last:
            weight = o.future_penalty
        elif period is not None and _within(published, period, o.future_grace_days):
            weight = 1.0  # the question names its time: articles of that time count in full
        elif o.recency_days > 0 and days_back > 0:
            weight = 0.5 ** (days_back / o.recency_days)
        return _Candidate(c.hit, c.similarity, c.score * weight)


def _banded(
    candidates: list[_Candidate],
    dates: Sequence[date | None],
    last: date,
    newest: date,
    band: float,
    era_days: float,
) -> list[_Candidate]:
    """The candidates, with those that answer like the best one put first when recency
    would bury them: within `band` of the best similarity to the question, not dated after
    `last`, and dated within `era_days` of the best-weighted of them (the lead), when the
    lead is older than the `newest` candidate by more than `era_days`. An old report of the
    story asked about is not outranked by this year's unrelated news. A current story is
    left to recency, and the rest keep their order: below the story, a recent passage on
    another matter makes a better neighbour than an older report of a like story, which
    the model may take for this one."""
    if not candidates:
        return candidates
    floor = max(c.similarity for c in candidates) - band
    banded = [
        (c, d)
        for c, d in zip(candidates, dates, strict=True)
        if c.similarity >= floor and (d is None or d <= last)
    ]
    if not banded:
        return candidates
    _, led = max(banded, key=lambda t: t[0].score)  # the lead's date
    if led is None or (newest - led).days <= era_days:
        return candidates  # the story is current: recency already ranks it
    era = {id(c) for c, d in banded if d is not None and abs((d - led).days) <= era_days}
    top = max(c.score for c in candidates)
    return [replace(c, score=c.score + top) if id(c) in era else c for c in candidates]


def _latest(dates: Sequence[date | None], as_of: date) -> date:
    """The newest of the candidates' dates not after the as-of date (the as-of date if none)."""
    return max((d for d in dates if d is not None and d <= as_of), default=as_of)


def _within(published: date, period: Period, grace_days: int) -> bool:
    """Published in the period, or reporting on it within a few days after."""
    return period.start <= published <= period.end + timedelta(grace_days)


def _distinct(candidates: list[_Candidate]) -> list[tuple[_Candidate, tuple[Outlet, ...]]]:
    """The candidates, best first, less those that repeat a better one's passage (the same
    paragraph from another outlet, or another version of the article): the slots go to
    different evidence, and each kept passage names the other articles that carry it."""
    kept: list[tuple[_Candidate, set[str], list[Outlet]]] = []
    for c in candidates:
        mine = shingles(c.hit.text)
        twin = next((k for k in kept if mine == k[1] or same_story(mine, k[1])), None)
        if twin is None:
            kept.append((c, mine, []))
            continue
        first, _, also = twin
        h = c.hit
        if h.article_id != first.hit.article_id and all(o.article_id != h.article_id for o in also):
            also.append(Outlet(h.article_id, h.title, h.source, h.published_at, h.url))
    return [(c, tuple(also)) for c, _, also in kept]


def as_node(passage: Passage) -> NodeWithScore:
    """A passage as a LlamaIndex node, scored by its similarity to the question."""
    node = TextNode(
        id_=passage.chunk_id,
        text=passage.text,
        metadata={
            "title": passage.title,
            "source": passage.source,
            "published_at": passage.published_at,
            "url": passage.url,
            "article_id": passage.article_id,
            "passage": passage.n,
        },
        start_char_idx=passage.start,
        end_char_idx=passage.end,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=passage.article_id)},
        excluded_llm_metadata_keys=["article_id", "passage"],
        excluded_embed_metadata_keys=["article_id", "passage"],
    )
    return NodeWithScore(node=node, score=passage.score)


def _passage(n: int, c: _Candidate, also: tuple[Outlet, ...] = ()) -> Passage:
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
        also_in=also,
    )
