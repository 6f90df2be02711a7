"""A writer that dies at any step leaves the index consistent for readers, and re-adding or
`check --repair` heals it. The death is simulated inside real Chroma (the real kill of a
`newsdesk add` process is in tests/reliability)."""

from dataclasses import replace

import pytest

from index.types import Article

STORY = Article(
    title="Harbour ferry",
    text="The harbour ferry resumed service on Monday after the storm. Tickets cost 3 euros.",
    source="Sample",
    published_at="2025-04-01",
    article_id="ferry-1",
)
UPDATED = replace(STORY, text=STORY.text + " A second boat joins in May, the company said.")


class Crash(BaseException):
    """Stands for the process being killed: not an Exception, so nothing catches it."""


def die_on(monkeypatch, collection, method: str) -> None:
    def crash(*args, **kwargs):
        raise Crash(method)

    monkeypatch.setattr(collection, method, crash)


def seen(container, question="When did the harbour ferry resume service?"):
    """Article ids and texts a reader gets: dense + keyword search, and the library."""
    passages = container.retriever.passages(question, 10)
    keyword = container.retriever.lexical.search(question, 10)
    return {p.article_id for p in passages}, [p.text for p in passages], keyword


def listed(container):
    return [a.article_id for a in container.store.list_articles()]


def test_killed_before_the_record_leaves_nothing_visible(container, monkeypatch):
    with monkeypatch.context() as m:
        die_on(m, container.store.articles, "upsert")
        with pytest.raises(Crash):
            container.ingestor.add(STORY)
    ids, _, keyword = seen(container)
    assert ids == set() and keyword == [] and listed(container) == []
    health = container.store.check()
    assert health.orphans == {STORY.id: 1} and not health.ok
    assert container.store.remove(STORY.id)  # remove takes whatever is stored
    assert container.store.check().ok and container.store.count_chunks() == 0


def test_killed_mid_update_shows_the_old_version_and_re_adding_heals(container, monkeypatch):
    container.ingestor.add(STORY)
    with monkeypatch.context() as m:
        die_on(m, container.store.articles, "upsert")
        with pytest.raises(Crash):
            container.ingestor.add(UPDATED)
    ids, texts, _ = seen(container)
    assert ids == {STORY.id} and texts == [STORY.text]  # one version, the listed one
    assert container.store.check().stale == {STORY.id: 1}
    assert container.ingestor.add(UPDATED).status == "updated"  # not "unchanged"
    ids, texts, _ = seen(container)
    assert texts == [UPDATED.text] and container.store.check().ok


def test_killed_after_the_switch_shows_the_new_version_and_repair_clears(container, monkeypatch):
    container.ingestor.add(STORY)
    seen(container)  # the keyword index is built on the old version
    with monkeypatch.context() as m:
        die_on(m, container.store.chunks, "delete")
        with pytest.raises(Crash):
            container.ingestor.add(UPDATED)
    _, texts, _ = seen(container)
    assert texts == [UPDATED.text]
    # the keyword index saw the switch too: it finds words only the new version has
    (hit,) = container.retriever.lexical.search("second boat joins in May", 10)
    assert hit[0].startswith(f"{STORY.id}:{UPDATED.content_hash[:12]}:")
    health = container.store.check()
    assert health.stale == {STORY.id: 1}
    assert container.store.clear_invisible(health) == 1 and container.store.check().ok


def test_killed_mid_remove_is_unlisted_and_invisible(container, monkeypatch):
    container.ingestor.add(STORY)
    with monkeypatch.context() as m:
        die_on(m, container.store.chunks, "delete")
        with pytest.raises(Crash):
            container.store.remove(STORY.id)
    ids, _, keyword = seen(container)
    assert ids == set() and keyword == [] and listed(container) == []
    assert container.store.remove(STORY.id) and container.store.check().ok


def test_check_repair_from_the_command_line(run_cli, tmp_path, make_container, settings):
    data = str(settings.data_dir)
    container = make_container(settings)
    container.ingestor.add(STORY)
    container.store.articles.delete(ids=[STORY.id])  # as a crash mid-remove leaves it
    found = run_cli("--data-dir", data, "check")
    assert found.exit_code == 1 and "1 passages of 1 unlisted articles" in found.output
    fixed = run_cli("--data-dir", data, "check", "--repair")
    assert fixed.exit_code == 0, fixed.output
    assert "repaired: 1 invisible passages cleared" in fixed.output
    assert run_cli("--data-dir", data, "check").output.startswith("0 articles, 0 passages: ok")


def test_repair_re_indexes_an_article_that_lost_passages(container):
    container.ingestor.add(STORY)
    container.store.chunks.delete(where={"article_id": STORY.id})
    health = container.store.check()
    assert health.incomplete == [STORY.id]
    (out,) = container.ingestor.reindex(health.incomplete)
    assert out.status == "updated" and container.store.check().ok
    assert seen(container)[0] == {STORY.id}


OTHER = replace(STORY, text=STORY.text + " Fares rise to 4 euros in June, the company said.")


def test_two_writers_of_one_article_on_a_shared_store_keep_the_last_ones_chunks(
    container, monkeypatch
):
    """On a Chroma server two writers may update one article at once. Writer B has written
    its chunks and not yet its record when writer A finishes: A must not take B's chunks
    for leftovers (main deleted every other version), so B's switch shows B's text."""
    store = container.store
    store.stale_grace = 600  # a shared server's setting
    container.ingestor.add(STORY)
    with monkeypatch.context() as m:  # B: chunks written, then it waits (here: stops)
        die_on(m, store.articles, "upsert")
        with pytest.raises(Crash):
            container.ingestor.add(OTHER)
    pending = store.chunks.get(where={"version": OTHER.content_hash[:12]})["ids"]
    assert pending
    assert container.ingestor.add(UPDATED).status == "updated"  # A's whole write
    assert store.chunks.get(ids=pending)["ids"] == pending  # B's chunks are still there
    assert not store.chunks.get(where={"version": STORY.content_hash[:12]})["ids"]  # A's old
    assert container.ingestor.add(OTHER).status == "updated"  # B's switch (its retry)
    _, texts, _ = seen(container)
    assert texts == [OTHER.text]
    store.stale_grace = 0  # one writer again: every other version is a leftover
    assert container.ingestor.add(UPDATED).status == "updated" and store.check().ok
