"""Ingestion against a real Chroma on disk with a fake embedder."""

from dataclasses import replace

import pytest

from index.types import Article

STORY = Article(
    title="Harbour reopens",
    text="The harbour reopened on Monday after repairs. Fishing boats returned at dawn.\n\n"
    "Officials said the work cost two million dollars. More repairs are planned.",
    source="Sample Post",
    published_at="2025-02-03",
)


@pytest.fixture
def ingestor(container):
    return container.ingestor


def chunk_ids(store, article_id):
    return store.chunks.get(where={"article_id": article_id}, include=[])["ids"]


def test_add_then_same_again_is_unchanged(ingestor):
    first = ingestor.add(STORY, "story.txt")
    assert first.status == "added" and first.chunks >= 1
    again = ingestor.add(STORY, "story.txt")
    assert again.status == "unchanged"
    assert len(chunk_ids(ingestor.store, STORY.id)) == first.chunks
    assert ingestor.store.count_articles() == 1


def test_id_is_stable_for_the_same_text():
    respaced = replace(STORY, text=STORY.text.replace(" ", "  ").upper())
    assert respaced.id == STORY.id
    assert replace(STORY, text="Other text.").id != STORY.id


def test_same_text_from_another_input_is_not_duplicated(ingestor):
    ingestor.add(replace(STORY, article_id="feed-42"))
    twin = ingestor.add(replace(STORY, title="Copy of the harbour story"))
    assert twin.status == "unchanged" and "feed-42" in twin.reason
    assert ingestor.store.count_articles() == 1


def test_changed_version_replaces_its_chunks(ingestor):
    v1 = replace(STORY, article_id="harbour-1")
    ingestor.add(v1)
    old = set(chunk_ids(ingestor.store, "harbour-1"))
    v2 = replace(v1, text="Completely new text about the harbour. It closed again on Friday.")
    out = ingestor.add(v2)
    assert out.status == "updated"
    new = set(chunk_ids(ingestor.store, "harbour-1"))
    assert new and not (new & old)
    docs = ingestor.store.chunks.get(where={"article_id": "harbour-1"})["documents"]
    assert all("repairs" not in d for d in docs)


def test_metadata_change_is_an_update(ingestor):
    ingestor.add(STORY)
    out = ingestor.add(replace(STORY, source="Other Outlet"))
    assert out.status == "updated"
    assert ingestor.store.get_article(STORY.id).source == "Other Outlet"


def test_remove_deletes_every_chunk(ingestor):
    ingestor.add(STORY)
    assert ingestor.store.remove(STORY.id) is True
    assert chunk_ids(ingestor.store, STORY.id) == []
    assert ingestor.store.get_article(STORY.id) is None
    assert ingestor.store.remove(STORY.id) is False


def test_chunk_metadata_carries_offsets(ingestor):
    ingestor.add(STORY)
    got = ingestor.store.chunks.get(
        where={"article_id": STORY.id}, include=["metadatas", "documents"]
    )
    for meta, doc in zip(got["metadatas"], got["documents"]):
        assert STORY.text[meta["start"] : meta["end"]] == doc
        assert meta["title"] == STORY.title and meta["published_at"] == "2025-02-03"


def test_search_finds_the_matching_chunk(ingestor):
    ingestor.add(STORY)
    vector = ingestor.embedder.embed_one("how much did the work cost")
    hits = ingestor.store.search(vector, 2)
    assert "two million dollars" in hits[0].text
    assert hits[0].score >= hits[-1].score


def test_many_articles_are_written_in_batches_in_input_order(container):
    ingestor = container.ingestor
    ingestor.batch_chunks = 3
    writes = []
    original = container.store.write_articles
    container.store.write_articles = lambda batch, *a, **k: (
        writes.append(len(batch)),
        original(batch, *a, **k),
    )[1]
    articles = [
        replace(STORY, title=f"Story {i}", text=f"Harbour story number {i}. " * 3) for i in range(7)
    ]
    items = [(a, f"in-{i}") for i, a in enumerate(articles)]
    items.insert(3, (None, "broken.json", "not JSON"))
    items.append((articles[0], "again"))  # the same article twice in one input
    outcomes = list(ingestor.add_many(items))
    assert [o.origin for o in outcomes] == [o for _, o, *_ in items]
    assert [o.status for o in outcomes].count("added") == 7
    assert outcomes[3].status == "failed" and outcomes[3].reason == "not JSON"
    assert outcomes[-1].status == "unchanged"
    assert len(writes) < 7 and sum(writes) == 7  # batched, each article written once
    assert container.store.count_articles() == 7


def test_a_failed_store_write_fails_its_batch_and_keeps_what_was_indexed(container):
    from index.errors import StoreError

    ingestor = container.ingestor
    assert ingestor.add(STORY).status == "added"

    def broken(*args, **kwargs):
        raise StoreError("disk full")

    container.store.write_articles = broken
    changed = replace(STORY, text=STORY.text + " A late update.")
    out = ingestor.add(changed)
    assert out.status == "failed" and "disk full" in out.reason
    assert container.store.get_article(STORY.id).content_hash == STORY.content_hash
    assert chunk_ids(container.store, STORY.id)
