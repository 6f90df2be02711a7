"""Watched sources: feeds and pages read again on a schedule, kept with the index.

The watch list is a Chroma collection beside the chunks, so it lives where the index lives:
on disk, or in the Chroma server, where every replica of `newsdesk serve` sees the same list.
Replicas share the work through claims in the same store: a check of one source at one
scheduled time is done by the replica whose claim Chroma took first (Chroma's `add` keeps an
existing record and ignores a second add of its id), so each item is fetched and indexed
once, without a coordinating server of our own."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import IndexingError, StoreError
from .store import open_collections

_PLACE = [[1.0]]  # Chroma keeps a vector with every record; these records need none
MAX_SEEN = 500  # items remembered per source (a feed lists at most a few hundred)
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, None: 60}


class SourceError(IndexingError):
    """A source that cannot be watched as given (its address or interval)."""


def parse_every(text: str | int | float) -> int:
    """ "30m", "2h", "90s", "1d" (a bare number is minutes) as seconds."""
    if isinstance(text, int | float):
        return int(text)
    match = _SPAN.match(text or "")
    if not match:
        raise SourceError(f"{text!r} is not an interval (e.g. 30m, 2h, 1d)")
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * _UNIT[unit])


def source_id(url: str) -> str:
    return "w-" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:12]


def _now_iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds") if at else ""


@dataclass(frozen=True)
class WatchedSource:
    """One watched address and what its checks found."""

    url: str
    every_s: int
    paused: bool = False
    next_check: float = 0.0  # epoch seconds
    last_check: float = 0.0
    last_new: float = 0.0  # when a check last indexed a new or changed item
    last_error: str = ""
    failures: int = 0  # checks failed in a row (the back-off's exponent)
    etag: str = ""
    last_modified: str = ""
    items: int = 0  # items indexed from it, all checks together
    seen: dict[str, str] = field(default_factory=dict)  # item link -> fingerprint

    @property
    def id(self) -> str:
        return source_id(self.url)

    def row(self) -> dict[str, Any]:
        """For people: what `watch list` and the Sources tab show."""
        return {
            "id": self.id,
            "url": self.url,
            "every": _span(self.every_s),
            "paused": self.paused,
            "last_check": _now_iso(self.last_check),
            "last_new": _now_iso(self.last_new),
            "last_error": self.last_error,
            "failures": self.failures,
            "next_check": "" if self.paused else _now_iso(self.next_check),
            "items": self.items,
        }


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class SourceStore:
    """The watch list and its claims, in the index's Chroma client."""

    def __init__(self, client: Any, prefix: str = "newsdesk") -> None:
        self.sources, self.claims = open_collections(
            client, "the watch list", f"{prefix}_sources", f"{prefix}_watch_claims"
        )

    def list(self) -> list[WatchedSource]:
        got = self.sources.get(include=["metadatas"])
        found = [_source(m) for m in got["metadatas"]]
        return sorted(found, key=lambda s: s.url)

    def count(self) -> int:
        return self.sources.count()

    def get(self, key: str) -> WatchedSource | None:
        """A source by its id or its address."""
        ids = [key] if key.startswith("w-") else [source_id(key)]
        got = self.sources.get(ids=ids, include=["metadatas"])
        return _source(got["metadatas"][0]) if got["ids"] else None

    def put(self, source: WatchedSource) -> None:
        try:
            self.sources.upsert(ids=[source.id], embeddings=_PLACE, metadatas=[_meta(source)])
        except Exception as exc:
            raise StoreError(f"cannot save the source {source.url}: {exc}") from exc

    def remove(self, key: str) -> bool:
        found = self.get(key)
        if found is None:
            return False
        self.sources.delete(ids=[found.id])
        return True

    def claim(self, source: WatchedSource, holder: str, lease_s: float, now: float) -> bool:
        """Whether this holder does the source's check that is due now. The claim is named
        by the source, its scheduled time and the lease period since then: the first
        replica's `add` is kept and the others' ignored, so one replica wins; when a check is
        overdue by a whole lease (its replica died), a new claim can be taken."""
        late = int(max(0.0, now - source.next_check) // max(lease_s, 1.0))
        name = f"{source.id}:{source.next_check:.3f}:{late}"
        try:
            self.claims.add(
                ids=[name], embeddings=_PLACE, metadatas=[{"holder": holder, "at": now}]
            )
            got = self.claims.get(ids=[name], include=["metadatas"])
        except Exception as exc:
            raise StoreError(f"cannot claim the check of {source.url}: {exc}") from exc
        return bool(got["ids"]) and got["metadatas"][0].get("holder") == holder

    def clear_claims(self, older_than: float) -> None:
        """Claims of checks long done are dropped (they are a few bytes each)."""
        self.claims.delete(where={"at": {"$lt": older_than}})


def _meta(source: WatchedSource) -> dict[str, Any]:
    data = asdict(source)
    seen = dict(list(source.seen.items())[-MAX_SEEN:])
    data["seen"] = json.dumps(seen, ensure_ascii=False)
    return data


def _source(meta: dict[str, Any]) -> WatchedSource:
    data = dict(meta or {})
    try:
        seen = json.loads(data.get("seen") or "{}")
    except ValueError:
        seen = {}
    return WatchedSource(
        url=str(data.get("url", "")),
        every_s=int(data.get("every_s", 1800)),
        paused=bool(data.get("paused", False)),
        next_check=float(data.get("next_check", 0.0)),
        last_check=float(data.get("last_check", 0.0)),
        last_new=float(data.get("last_new", 0.0)),
        last_error=str(data.get("last_error", "")),
        failures=int(data.get("failures", 0)),
        etag=str(data.get("etag", "")),
        last_modified=str(data.get("last_modified", "")),
        items=int(data.get("items", 0)),
        seen=seen if isinstance(seen, dict) else {},
    )


def due(sources: list[WatchedSource], now: float) -> Iterator[WatchedSource]:
    """The unpaused sources whose next check has come, the most overdue first."""
    ready = [s for s in sources if not s.paused and s.next_check <= now]
    yield from sorted(ready, key=lambda s: s.next_check)


__all__ = [
    "SourceError",
    "SourceStore",
    "WatchedSource",
    "due",
    "parse_every",
    "source_id",
]
