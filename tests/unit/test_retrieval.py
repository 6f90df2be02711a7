"""Hybrid retrieval on real Chroma with a word-hash embedder: keyword search, fusion, dates."""

from dataclasses import replace

import pytest

from index.lexical import LexicalIndex
from index.models import Article
from qa.retrieval import RetrievalOptions, Retriever

OLD = Article(
    title="City marathon",
    text="The city marathon was won by Ana Silva in a record time.",
    published_at="2019-04-01",
)
NEW = Article(
    title="City marathon",
    text="The city marathon was won by Jo Park after a sprint finish.",
    published_at="2024-04-02",
)
LATER = Article(
    title="City marathon",
    text="The city marathon was won by Li Wei in heavy rain.",
    published_at="2025-04-06",
)
OTHER = Article(title="Harbour", text="Ferries resume service at the harbour after the storm.")


@pytest.fixture
def store(container):
    for article in (OLD, NEW, LATER, OTHER):
        container.ingestor.add(article)
    return container.store


def _retriever(container, **options):
    return Retriever(
        container.store,
        container.embedder,
        LexicalIndex(container.store),
        options=RetrievalOptions(**options),
    )


def test_keyword_index_finds_stemmed_terms(store):
    hits = LexicalIndex(store).search("ferry services", 5)
    assert hits and hits[0][0].startswith(OTHER.id)


def test_keyword_index_follows_changes_made_through_the_store(container, store):
    lexical = LexicalIndex(store)
    assert lexical.search("ferries", 5)
    store.remove(OTHER.id)
    assert lexical.search("ferries", 5) == []
    container.ingestor.add(replace(OTHER, text="Ferries stop for the winter."))
    assert lexical.search("winter ferries", 5)


def test_hybrid_ranks_and_numbers_passages(container, store):
    passages = _retriever(container).retrieve("Who won the city marathon?", 3)
    assert [p.n for p in passages] == [1, 2, 3]
    assert {p.article_id for p in passages} == {OLD.id, NEW.id, LATER.id}
    assert all(-1.0 <= p.score <= 1.0 for p in passages)


def test_as_of_date_prefers_recent_articles_and_penalises_later_ones(container, store):
    retriever = _retriever(container, recency_days=90, future_penalty=0.1)
    first = retriever.retrieve("Who won the city marathon?", 3, as_of="2024-04-05")
    assert first[0].article_id == NEW.id
    assert first[-1].article_id == LATER.id  # after the as-of date
    older = retriever.retrieve("Who won the city marathon?", 3, as_of="2019-04-03")
    assert older[0].article_id == OLD.id


def test_keyword_modes_need_a_keyword_index(container):
    with pytest.raises(ValueError):
        Retriever(container.store, container.embedder, None, options=RetrievalOptions())
    with pytest.raises(ValueError):
        RetrievalOptions(mode="fuzzy")


def test_dense_mode_works_alone(container, store):
    retriever = Retriever(
        container.store, container.embedder, None, options=RetrievalOptions(mode="dense")
    )
    assert retriever.retrieve("ferries harbour storm", 1)[0].article_id == OTHER.id


def test_sentence_window_rerank_moves_the_passage_with_the_matching_sentence_up(container):
    from index.models import SearchHit
    from qa.retrieval import _Candidate, sentence_windows

    assert sentence_windows("One. Two. Three.") == ["One. Two.", "Two. Three."]
    assert sentence_windows("Only one.") == ["Only one."]

    def candidate(chunk_id, text, score):
        hit = SearchHit(chunk_id, chunk_id, 0, text, 0, len(text), "", "", "", "", 0.0)
        return _Candidate(hit, 0.0, score)

    first = candidate("a", "The harbour handled more ships this year than last year.", 0.02)
    second = candidate("b", "Cranes were repaired. Storage grew. The tide was high. "
                       "Ferry tickets now cost nine euros.", 0.01)  # fmt: skip
    retriever = _retriever(container, rerank_depth=5, rerank_weight=3.0)
    vector = container.embedder.embed_one("How much do ferry tickets cost?")
    reranked = retriever._rerank(vector, [first, second], 5)
    assert [c.hit.chunk_id for c in reranked] == ["b", "a"]
    assert [c.hit.chunk_id for c in retriever._rerank(vector, [first, second], 1)] == ["a", "b"]
