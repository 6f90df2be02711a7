"""One writer at a time for an on-disk index: an advisory lock file in the data dir.

Chroma's on-disk client is not safe across processes, so a process that writes takes the
lock; `newsdesk serve` holds it for as long as it runs (its in-memory index would not see
another process's writes). A Chroma server serialises writers itself and needs no lock."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .errors import IndexingError


class IndexBusy(IndexingError):
    """Another process holds the index for writing."""


class WriteLock:
    """`with WriteLock(dir, "newsdesk add", wait_s, on_wait):` holds the lock."""

    def __init__(
        self,
        data_dir: Path,
        holder: str,
        wait_s: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(data_dir) / "write.lock"
        self.holder = holder
        self.wait_s = wait_s
        self.on_wait = on_wait
        self._file: IO[str] | None = None

    def holder_now(self) -> str:
        try:
            return self.path.read_text().strip() or "another process"
        except OSError:
            return "another process"

    def acquire(self) -> WriteLock:
        """Takes the lock, waiting up to `wait_s` seconds (telling `on_wait` once who holds
        it); IndexBusy when it is still held, or held by a server, which never lets go."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        deadline = time.monotonic() + self.wait_s
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self.holder_now()
                if "serve" in holder or time.monotonic() >= deadline:
                    handle.close()
                    raise IndexBusy(_busy_message(self.path.parent, holder)) from None
                if self.on_wait and not told:
                    self.on_wait(f"waiting for {holder} to finish writing to {self.path.parent}…")
                    told = True
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{self.holder} (pid {os.getpid()})\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> WriteLock:
        if self._file is None:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _busy_message(data_dir: Path, holder: str) -> str:
    if "serve" in holder:
        return (
            f"the index in {data_dir} is in use by {holder}: add and delete through its "
            "page or API, stop it first, or share the index through a Chroma server "
            "(NEWSDESK_CHROMA_HOST)"
        )
    return f"the index in {data_dir} is being written by {holder}; try again when it is done"
