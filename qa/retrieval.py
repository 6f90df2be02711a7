"""Find the passages that may answer a question."""

from __future__ import annotations

from index.embedding import Embedder
from index.models import SearchHit
from index.store import ChromaStore

from .models import Passage


class Retriever:
    """Dense search over the chunk collection; near-identical passages are dropped."""

    def __init__(self, store: ChromaStore, embedder: Embedder, top_k: int = 4) -> None:
        self.store = store
        self.embedder = embedder
        self.top_k = top_k

    def retrieve(self, question: str, top_k: int | None = None) -> list[Passage]:
        k = top_k or self.top_k
        hits = self.store.search(self.embedder.embed_one(question), k * 2)
        return [_passage(n, hit) for n, hit in enumerate(_distinct(hits)[:k], start=1)]


def _distinct(hits: list[SearchHit]) -> list[SearchHit]:
    seen: set[str] = set()
    kept = []
    for hit in hits:
        key = " ".join(hit.text.lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(hit)
    return kept


def _passage(n: int, hit: SearchHit) -> Passage:
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
        score=hit.score,
    )
