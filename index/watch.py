"""Checking watched sources: a conditional fetch of each due source, its new or changed items
read and indexed, the outcome kept with the source (and its back-off when it fails)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .errors import IndexingError, ReadError
from .ingest import AddOutcome, Ingestor
from .readers import url_id
from .sources import SourceError, SourceStore, WatchedSource, due, parse_every
from .web import Validators, WebReader, wire_address

log = logging.getLogger("newsdesk.watch")
CLAIMS_KEPT_S = 7 * 86400  # claims of older checks are dropped


@dataclass(frozen=True)
class WatchPolicy:
    """The schedule's bounds (from the settings)."""

    every_s: int  # default interval
    min_every_s: int  # shortest interval a source may ask for
    max_backoff_s: int  # longest wait after failures
    lease_s: float  # a claimed check not finished in this long may be taken by another


@dataclass(frozen=True)
class CheckReport:
    """What one check of one source did."""

    url: str
    status: str  # "new", "unchanged", "not-modified", "failed"
    added: int = 0  # new or changed items indexed
    skipped: int = 0  # items read before, not fetched again
    failed: int = 0  # items that could not be read or indexed
    fetches: int = 0
    reason: str = ""
    outcomes: tuple[AddOutcome, ...] = ()

    def line(self) -> str:
        if self.status == "failed":
            return f"failed     {self.url}: {self.reason}"
        counts = f"{self.added} new or changed, {self.failed} failed, {self.fetches} requests"
        return f"{self.status:<10} {self.url} ({counts})"


class Watcher:
    """Checks the watched sources that are due. `holder` names this process in claims (two
    replicas on one Chroma server never both check a source at the same scheduled time)."""

    def __init__(
        self,
        sources: SourceStore,
        web: WebReader,
        ingestor: Ingestor,
        policy: WatchPolicy,
        *,
        holder: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sources = sources
        self.web = web
        self.ingestor = ingestor
        self.policy = policy
        self.holder = holder or uuid.uuid4().hex
        self.clock = clock

    # -- the watch list ---------------------------------------------------------------------
    def add(self, url: str, every: str | int | None = None) -> WatchedSource:
        """Watches an address (checked at once, then every `every`); an address already
        watched gets the new interval."""
        url = url.strip()
        try:
            wire_address(url, url)
        except ReadError as exc:
            raise SourceError(f"{url}: {exc.reason}") from None
        seconds = self.policy.every_s if every in (None, "") else parse_every(every)
        if not self.policy.min_every_s <= seconds <= 30 * 86400:
            raise SourceError(
                f"an interval of {seconds} s is out of range "
                f"({self.policy.min_every_s} s to 30 days)"
            )
        known = self.sources.get(url)
        source = (
            replace(known, every_s=seconds)
            if known
            else WatchedSource(url, seconds, next_check=self.clock())
        )
        self.sources.put(source)
        return source

    def pause(self, key: str, paused: bool = True) -> WatchedSource:
        source = self._known(key)
        # resumed: checked at once
        changed = replace(source, paused=paused, next_check=source.next_check if paused else 0.0)
        self.sources.put(changed)
        return changed

    def remove(self, key: str) -> None:
        if not self.sources.remove(key):
            raise SourceError(f"{key}: not a watched source")

    def _known(self, key: str) -> WatchedSource:
        found = self.sources.get(key)
        if found is None:
            raise SourceError(f"{key}: not a watched source")
        return found

    # -- checks -----------------------------------------------------------------------------
    def run_due(
        self, force: bool = False, stop: threading.Event | None = None
    ) -> Iterator[CheckReport]:
        """Checks every due source this process claims (`force`: every unpaused source, due
        or not), one after another; once `stop` is set, no further one (the rest stay due)."""
        now = self.clock()
        listed = self.sources.list()
        chosen = [s for s in listed if not s.paused] if force else list(due(listed, now))
        for source in chosen:
            if stop is not None and stop.is_set():
                break
            if not self.sources.claim(source, self.holder, self.policy.lease_s, now):
                log.info("watch: %s is being checked by another replica", source.url)
                continue
            yield self.check(source)
        if chosen:
            self.sources.clear_claims(now - CLAIMS_KEPT_S)

    def check(self, source: WatchedSource) -> CheckReport:
        """One check: fetch what changed, index its new or changed items, keep the outcome."""
        started = self.clock()
        asked: dict[str, str] = {}  # every item the feed lists now: link -> fingerprint

        def seen(link: str, fingerprint: str) -> bool:
            asked[link] = fingerprint
            return source.seen.get(link) == fingerprint

        known = Validators(source.etag, source.last_modified)
        try:
            changed = self.web.read_changed(source.url, known, seen)
            if changed.not_modified:
                report = CheckReport(source.url, "not-modified", fetches=changed.fetches)
            else:
                unreadable = [r for r in changed.results if r.article is None]
                if len(unreadable) == len(changed.results) and unreadable and not asked:
                    raise ReadError(source.url, unreadable[0].error or "unreadable")
                outcomes = tuple(self.ingestor.add_results(changed.results))
                report = _report(source.url, outcomes, len(asked), changed.fetches)
        except (ReadError, IndexingError) as exc:
            return self._failed(source, started, getattr(exc, "reason", str(exc)))
        # items that failed are not remembered: the next check tries them again
        failed = {o.article_id for o in report.outcomes if o.status == "failed"} - {""}
        failed_at = " ".join(o.origin for o in report.outcomes if o.status == "failed")
        kept = {k: v for k, v in asked.items() if url_id(k) not in failed and k not in failed_at}
        updated = replace(
            source,
            next_check=started + source.every_s,
            last_check=started,
            last_new=started if report.added else source.last_new,
            last_error="",
            failures=0,
            etag=changed.validators.etag or source.etag,
            last_modified=changed.validators.last_modified or source.last_modified,
            items=source.items + report.added,
            seen=kept if not changed.not_modified else source.seen,
        )
        self.sources.put(updated)
        log.info("watch: %s", report.line())
        return report

    def _failed(self, source: WatchedSource, started: float, reason: str) -> CheckReport:
        """Backs off: the interval doubled for each failure in a row, up to the bound."""
        failures = source.failures + 1
        wait = min(source.every_s * 2 ** (failures - 1), self.policy.max_backoff_s)
        wait = max(wait, source.every_s)
        self.sources.put(
            replace(
                source,
                next_check=started + wait,
                last_check=started,
                last_error=reason,
                failures=failures,
            )
        )
        log.warning(
            "watch: %s failed (%d in a row, next in %d s): %s", source.url, failures, wait, reason
        )
        return CheckReport(source.url, "failed", reason=reason)


def _report(url: str, outcomes: tuple[AddOutcome, ...], listed: int, fetches: int) -> CheckReport:
    added = sum(o.status in ("added", "updated") for o in outcomes)
    failed = sum(o.status == "failed" for o in outcomes)
    status = "new" if added else "unchanged"
    skipped = max(listed - len(outcomes), 0)
    return CheckReport(url, status, added, skipped, failed, fetches, outcomes=outcomes)


__all__ = ["CheckReport", "WatchPolicy", "Watcher"]
