"""Keyword search (BM25) over every stored chunk, kept in memory and rebuilt when the store
changes. Dense search finds paraphrases; BM25 finds the names and numbers news questions use."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer

from .language import STOPWORDS
from .store import ChromaStore

_TOKEN = re.compile(r"(?u)\b\w\w+\b|\b\d\b")


class LexicalIndex:
    """BM25 (Lucene variant) over title + passage text of each chunk, with English stemming."""

    def __init__(self, store: ChromaStore, k1: float = 1.2, b: float = 0.75) -> None:
        self.store = store
        self.k1 = k1
        self.b = b
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._ids: list[str] = []
        self._bm25: bm25s.BM25 | None = None

    def tokens(self, text: str) -> list[str]:
        words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]
        return self._stemmer.stemWords(words)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Chunk ids with BM25 scores, best first; only chunks sharing a query term."""
        bm25, ids = self._current()
        query_tokens = [t for t in self.tokens(query) if t in bm25.vocab_dict]
        if not ids or not query_tokens:
            return []
        scores = bm25.get_scores(query_tokens)
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def _current(self) -> tuple[bm25s.BM25, list[str]]:
        with self._lock:
            revision = self.store.revision()
            if self._bm25 is None or revision != self._revision:
                self._ids, self._bm25 = self._build()
                self._revision = revision
            return self._bm25, self._ids

    def _build(self) -> tuple[list[str], bm25s.BM25]:
        ids: list[str] = []
        corpus: list[list[str]] = []
        for page_ids, texts, metas in self.store.iter_chunks():
            ids += page_ids
            corpus += [self.tokens(f"{m.get('title', '')}\n{t}") for t, m in zip(texts, metas)]
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        if corpus:
            bm25.index(_with_placeholder(corpus), show_progress=False)
        else:
            bm25.vocab_dict = {}
        return ids, bm25


def _with_placeholder(corpus: Sequence[list[str]]) -> list[list[str]]:
    """bm25s rejects an empty document; a chunk of stopwords only gets a token no query has."""
    return [doc or ["\x00"] for doc in corpus]
