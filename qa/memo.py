"""Results that are not computed twice: answers and follow-up rewrites, kept by what decides
them. A key holds everything the result depends on (the question as normalised, the day,
the index's revision, the settings), so nothing is ever invalidated by hand: a write or a
new day makes new keys, and the old ones age out of a bounded LRU."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")

_SPACE = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s?.!。？！]+$")


def normalised(question: str) -> str:
    """The question as a key: NFKC, case folded, spaces collapsed, no trailing ?/./!.
    ("Who won the race?" and " who won the  race" are one question.)"""
    text = unicodedata.normalize("NFKC", question).casefold()
    return _TRAILING.sub("", _SPACE.sub(" ", text).strip())


def fingerprint(values: Any) -> str:
    """A short stable digest of settings (anything JSON can write)."""
    encoded = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


class Memo(Generic[V]):
    """A thread-safe LRU of at most `size` results (0: keeps nothing)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
