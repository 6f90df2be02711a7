"""Watched sources against a loopback feed server that changes between checks: conditional
requests, only new items fetched, back-off on failure, claims between replicas."""

import json
import threading

import pytest

from index.sources import SourceError, parse_every
from tests.feeds import FeedSite
from ui.settings import Settings


@pytest.fixture
def site():
    s = FeedSite()
    yield s
    s.server.shutdown()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def watched(settings, make_container):
    values = {
        "data_dir": settings.data_dir,
        "refusal_model": settings.refusal_model,
        "fetch_private": True,
        "watch_min_every": 1,
        "watch_max_backoff": 3600,
    }
    container = make_container(Settings.load(values, env={}))
    clock = Clock()
    container.watcher.clock = clock
    return container, clock


def test_intervals_are_read_in_words():
    assert [parse_every(x) for x in ("30m", "2h", "90s", "1d", "15")] == [
        1800,
        7200,
        90,
        86400,
        900,
    ]
    with pytest.raises(SourceError, match="not an interval"):
        parse_every("soon")


def test_new_items_are_indexed_once_and_an_unchanged_feed_costs_one_request(site, watched):
    container, clock = watched
    source = container.watcher.add(f"{site.base}/feed", "10m")
    (first,) = container.watcher.run_due()
    assert (first.status, first.added) == ("new", 2)
    assert sorted(site.pages()) == ["/story/1", "/story/2"]
    assert container.store.count_articles() == 2

    assert list(container.watcher.run_due()) == []  # not due yet: nothing fetched
    clock.now += 600
    site.requests.clear()
    (second,) = container.watcher.run_due()
    assert second.status == "not-modified" and second.added == 0
    assert site.requests == [("/feed", '"v-1-2"')]  # one conditional request, answered 304

    site.items = [1, 2, 3]
    clock.now += 600
    site.requests.clear()
    (third,) = container.watcher.run_due()
    assert (third.status, third.added) == ("new", 1)
    assert site.pages() == ["/story/3"]  # the items read before are not fetched again
    assert container.store.count_articles() == 3
    row = container.sources.get(source.id).row()
    assert row["items"] == 3 and row["last_error"] == "" and row["every"] == "10m"


def test_a_failing_feed_backs_off_and_shows_its_error(site, watched):
    container, clock = watched
    container.watcher.add(f"{site.base}/feed", "60s")
    site.failing = True
    waits = []
    for _ in range(4):
        (report,) = container.watcher.run_due(force=True)
        assert report.status == "failed" and "HTTP 503" in report.reason
        (source,) = container.sources.list()
        waits.append(source.next_check - clock.now)
    assert waits == [60, 120, 240, 480]  # doubled each time, from the interval
    assert source.failures == 4 and "503" in source.row()["last_error"]
    site.failing = False
    clock.now = source.next_check
    (report,) = container.watcher.run_due()
    assert report.status == "new"
    (source,) = container.sources.list()
    assert source.failures == 0 and source.last_error == ""


def test_the_back_off_is_bounded(site, watched):
    container, clock = watched
    container.watcher.add(f"{site.base}/feed", "30m")
    site.failing = True
    for _ in range(6):
        container.watcher.run_due(force=True).__next__()
    (source,) = container.sources.list()
    assert source.next_check - clock.now == 3600  # watch_max_backoff


def test_a_paused_source_is_not_checked_and_a_removed_one_is_gone(site, watched):
    container, _ = watched
    source = container.watcher.add(f"{site.base}/feed")
    container.watcher.pause(source.id)
    assert list(container.watcher.run_due()) == [] and site.requests == []
    container.watcher.pause(source.url, False)
    assert len(list(container.watcher.run_due())) == 1
    container.watcher.remove(source.id)
    assert container.sources.list() == []
    with pytest.raises(SourceError, match="not a watched source"):
        container.watcher.remove(source.id)


def test_bad_addresses_and_intervals_are_refused_in_one_line(watched):
    container, _ = watched
    with pytest.raises(SourceError, match="not a web address"):
        container.watcher.add("ftp://example.org/feed")
    with pytest.raises(SourceError, match="out of range"):
        container.watcher.add("https://example.org/feed", "90d")


def test_two_replicas_check_a_due_source_once(site, watched, settings, make_container):
    container, clock = watched
    other = make_container(container.settings)
    other.watcher.clock = clock
    other.watcher.holder = "replica-2"
    container.watcher.add(f"{site.base}/feed")
    reports = list(container.watcher.run_due()) + list(other.watcher.run_due())
    assert len(reports) == 1  # the second replica's claim was not taken
    assert sorted(site.pages()) == ["/story/1", "/story/2"]


def test_a_claim_left_by_a_dead_replica_is_taken_after_its_lease(site, watched):
    container, clock = watched
    source = container.watcher.add(f"{site.base}/feed")
    assert container.sources.claim(source, "dead-replica", 600, clock.now)
    assert list(container.watcher.run_due()) == []  # held by the dead replica
    clock.now += 601
    assert len(list(container.watcher.run_due())) == 1


def test_the_command_line_watches_lists_and_runs(site, tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("NEWSDESK_FETCH_PRIVATE", "1")

    def cli(*args):
        return run_cli("--data-dir", str(tmp_path / "d"), *args)

    added = cli("watch", "add", f"{site.base}/feed", "--every", "2h")
    assert added.exit_code == 0, added.output
    assert (
        "watching" in added.output and "new" in added.output and "2 new or changed" in added.output
    )
    (row,) = json.loads(cli("watch", "list", "--json").output)
    assert row["every"] == "2h" and row["items"] == 2 and row["last_check"]
    ran = cli("watch", "run", "--once", "--all")
    assert ran.exit_code == 0 and "not-modified" in ran.output
    assert cli("watch", "add", "ftp://x/feed").exit_code == 1
    assert cli("watch", "remove", row["id"]).exit_code == 0
    assert "0 watched sources" in cli("watch", "list").output


class _Tripwire(list):
    """A site's request log that calls `trip` on each request."""

    def __init__(self, trip) -> None:
        super().__init__()
        self.trip = trip

    def append(self, item) -> None:
        super().append(item)
        self.trip()


def test_watch_run_ends_after_the_source_being_checked_on_sigterm(
    site, tmp_path, run_cli, monkeypatch
):
    import signal

    monkeypatch.setenv("NEWSDESK_FETCH_PRIVATE", "1")
    other = FeedSite(items=(3,))
    try:

        def cli(*args):
            return run_cli("--data-dir", str(tmp_path / "d"), *args)

        for each in (site, other):
            assert cli("watch", "add", f"{each.base}/feed").exit_code == 0
        handlers = {}
        installed = signal.signal

        def capture(signum, handler):  # the handler `watch run` installs, called below
            if signum != signal.SIGTERM:
                return installed(signum, handler)
            handlers[signum] = handler
            return signal.SIG_DFL

        monkeypatch.setattr(signal, "signal", capture)

        def sigterm():  # systemd stops the service while a source is being checked
            handlers[signal.SIGTERM](signal.SIGTERM, None)

        site.requests, other.requests = _Tripwire(sigterm), _Tripwire(sigterm)
        ran = cli("watch", "run", "--once", "--all")
        assert ran.exit_code == 0, ran.output
        # the source being checked was finished; the other waits for the next run
        assert len(site.requests) + len(other.requests) == 1
    finally:
        other.server.shutdown()


def test_the_sources_tab_watches_checks_pauses_and_asks_for_the_write_key(site, watched):
    from ui.app import ChatService, build_app
    from ui.app_sources import Sources
    from ui.ops import Metrics

    container, clock = watched
    metrics = Metrics(container)
    sources = Sources(ChatService(container, metrics=metrics))
    added = sources.add(f"{site.base}/feed", "15m")
    assert added.startswith("watching") and "2 new or changed" in added
    (row,) = sources.rows()
    assert row[1] == f"{site.base}/feed" and row[2] == "15m" and row[3] == "active, 2 items"
    assert sources.pause(row[0]).startswith("pause") and sources.rows()[0][3].startswith("paused")
    assert sources.check_now() == "no source to check"
    assert sources.resume(row[0]).startswith("resume")
    assert "not-modified" in sources.check_now()
    scraped = metrics.scrape().decode()
    assert 'newsdesk_watch_checks_total{status="new"} 1.0' in scraped
    assert 'newsdesk_watch_checks_total{status="not-modified"} 1.0' in scraped
    assert "newsdesk_watch_requests_total 4.0" in scraped  # the feed, its 2 items, the feed
    assert 'newsdesk_ingested_articles_total{status="added"} 2.0' in scraped
    assert "newsdesk_watched_sources 1.0" in scraped
    assert "not a watched source" in sources.remove("w-000000000000")
    assert "not a web address" in sources.add("ftp://example.org/feed")
    build_app(ChatService(container))  # the tab is part of the app

    values = {**container.settings.model_dump(exclude_unset=True), "write_token": "k"}
    locked = type(container)(Settings.load(values, env={}), embedder=container.embedder)
    guarded = Sources(ChatService(locked))
    assert "write key" in guarded.add(f"{site.base}/feed") and "write key" in guarded.check_now()
    assert "write key" in guarded.remove(row[0])
    assert len(sources.rows()) == 1  # nothing was removed without the key


def test_the_server_checks_due_sources_in_the_background(site, watched):
    import time

    from ui.app import ChatService
    from ui.app_sources import watch_in_background

    first, _ = watched
    first.watcher.add(f"{site.base}/feed", "10m")
    values = {**first.settings.model_dump(exclude_unset=True), "watch_poll": 0.05}
    container = type(first)(Settings.load(values, env={}), embedder=first.embedder)
    stop = threading.Event()
    watch_in_background(ChatService(container), stop)
    deadline = time.monotonic() + 20
    while container.sources.list()[0].items < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    assert container.store.count_articles() == 2
    assert container.sources.list()[0].items == 2


def test_a_stop_ends_the_background_checks_after_the_source_being_checked(
    site, watched, monkeypatch
):
    from ui.app import ChatService
    from ui.app_sources import watch_in_background

    other = FeedSite(items=(3,))
    try:
        first, _ = watched
        first.watcher.add(f"{site.base}/feed", "10m")
        first.watcher.add(f"{other.base}/feed", "10m")
        values = {**first.settings.model_dump(exclude_unset=True), "watch_poll": 0.05}
        container = type(first)(Settings.load(values, env={}), embedder=first.embedder)
        stop = threading.Event()
        checked = []
        check = container.watcher.check

        def stopped_during(source):
            checked.append(source.url)
            stop.set()  # the server is stopped while this source is checked
            return check(source)

        monkeypatch.setattr(container.watcher, "check", stopped_during)
        thread = watch_in_background(ChatService(container), stop)
        thread.join(20)
        assert not thread.is_alive()
        assert len(checked) == 1  # that one finished; the other waits for the next start
        items = {s.url: s.items for s in container.sources.list()}
        assert items[checked[0]] > 0 and sorted(items.values())[0] == 0
    finally:
        other.server.shutdown()
