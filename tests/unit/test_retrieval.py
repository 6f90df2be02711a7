"""Hybrid retrieval on real Chroma with a word-hash embedder: keyword search, fusion, dates."""

from dataclasses import replace

import pytest

from index.lexical import LexicalIndex
from index.types import Article
from qa.retrieval import Retriever
from ui.settings import Settings

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


def _retriever(container, make_container, **changes):
    """The retriever the app would build with these settings, on the same index."""
    settings = Settings.load({**container.settings.model_dump(), **changes}, env={})
    return make_container(settings).retriever


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
    passages = container.retriever.passages("Who won the city marathon?", 3)
    assert [p.n for p in passages] == [1, 2, 3]
    assert {p.article_id for p in passages} == {OLD.id, NEW.id, LATER.id}
    assert all(-1.0 <= p.score <= 1.0 for p in passages)


def test_as_of_date_prefers_recent_articles_and_penalises_later_ones(container, store):
    retriever = container.retriever  # the defaults: halves every 90 days, later ones weigh 0.5
    first = retriever.passages("Who won the city marathon?", 4, as_of="2024-04-05")
    # a year after the as-of date weighs 0.5; five years before it, 0.5 ** (1830 / 90)
    marathons = [p.article_id for p in first if p.article_id != OTHER.id]
    assert marathons == [NEW.id, LATER.id, OLD.id]
    older = retriever.passages("Who won the city marathon?", 3, as_of="2019-04-03")
    assert older[0].article_id == OLD.id


def test_keyword_modes_need_a_keyword_index(container):
    options = container.retriever.options
    with pytest.raises(ValueError):
        Retriever(container.store, container.embedder, None, top_k=4, options=options)
    with pytest.raises(ValueError):
        replace(options, mode="fuzzy")


def test_dense_mode_works_alone(container, store, make_container):
    retriever = _retriever(container, make_container, retrieval_mode="dense")
    assert retriever.lexical is None
    assert retriever.passages("ferries harbour storm", 1)[0].article_id == OTHER.id


def test_grace_days_after_the_as_of_date_count_as_current(container, store, make_container):
    strict = _retriever(container, make_container, future_grace_days=0, future_penalty=0.01)
    graced = _retriever(container, make_container, future_grace_days=5, future_penalty=0.01)
    question = "Who won the city marathon in heavy rain?"
    assert strict.passages(question, 1, as_of="2025-04-02")[0].article_id != LATER.id
    assert graced.passages(question, 1, as_of="2025-04-02")[0].article_id == LATER.id


def test_a_period_named_in_the_question_counts_its_articles_in_full(container, store):
    # asked in 2025 about 2019: recency alone weighs the 2019 article 0.5 ** (2201 / 90)
    recent = container.retriever.passages("Who won the city marathon?", 4, as_of="2025-04-10")
    assert [p.article_id for p in recent].index(OLD.id) == 3
    named = container.retriever.passages(
        "Who won the city marathon in April 2019?", 4, as_of="2025-04-10"
    )
    assert [p.article_id for p in named].index(OLD.id) < 2


def test_news_that_all_predates_the_as_of_date_is_not_all_discounted(container, store):
    # asked long after every article: recency counts back from the newest one, so the
    # undated harbour story does not outrank the marathon reports
    far = container.retriever.passages("Who won the city marathon?", 4, as_of="2031-01-01")
    assert far[0].article_id == LATER.id
    assert [p.article_id for p in far].index(OTHER.id) > 0


def test_recency_does_not_lift_unrelated_news_over_an_older_report_of_the_story(
    container, make_container
):
    # asked as of today over an archive: the old reports of the escape are the answer; a
    # recent story that shares a word with the question is not, however new
    story = Article(
        title="Zoo",
        text="Five lions escaped from their enclosure at the city zoo on Wednesday.",
        published_at="2022-11-02",
    )
    follow = Article(
        title="Zoo review",
        text="Keepers said the lions escaped from the city zoo enclosure through a gap.",
        published_at="2022-11-04",
    )
    recent = Article(
        title="Market",
        text="The city market opens early on Saturdays this summer.",
        published_at="2025-06-01",
    )
    for article in (story, follow, recent):
        container.ingestor.add(article)
    question = "How many lions escaped from the city zoo?"
    banded = container.retriever.passages(question, 3, as_of="2026-12-07")
    assert {p.article_id for p in banded[:2]} == {story.id, follow.id}
    # without the band, recency alone ranks: weight 0.5 ** (942 / 90) for the escape
    unbanded = _retriever(container, make_container, relevance_band=2.0)
    assert unbanded.passages(question, 3, as_of="2026-12-07")[0].article_id == recent.id


def _client(path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(str(path), settings=ChromaSettings(anonymized_telemetry=False))


def test_an_index_made_with_a_narrower_search_is_searched_as_wide_as_a_new_one(tmp_path):
    from index.store import HNSW, ChromaStore

    narrow = {**HNSW, "ef_search": 100}
    for name in ("newsdesk_chunks", "newsdesk_articles"):
        _client(tmp_path).create_collection(name, configuration={"hnsw": narrow})
    ChromaStore(_client(tmp_path))
    # kept with the index: a later process finds the wide search without changing it
    reopened = _client(tmp_path).get_collection("newsdesk_chunks")
    assert reopened.configuration_json["hnsw"]["ef_search"] == HNSW["ef_search"] > 100


def test_an_index_that_refuses_the_wider_search_still_opens(tmp_path, monkeypatch):
    import chromadb

    from index.store import ChromaStore

    def refuse(self, **changes):
        raise PermissionError("read-only token")

    monkeypatch.setattr(chromadb.api.models.Collection.Collection, "modify", refuse)
    client = _client(tmp_path)
    for name in ("newsdesk_chunks", "newsdesk_articles"):
        client.create_collection(name, configuration={"hnsw": {"ef_search": 100}})
    store = ChromaStore(client)
    assert store.chunks.configuration_json["hnsw"]["ef_search"] == 100
