"""Assemble a GGUF model from its packaged byte parts, verified by size and SHA-256."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelFileError

_BLOCK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelSpec:
    """Where the parts are and what the joined file must be."""

    filename: str
    size: int
    sha256: str
    parts: Callable[[], Sequence[str | Path]]  # called only when the file must be built


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


class ModelFile:
    """The cached model file: checked on every use, rebuilt from the parts when wrong."""

    def __init__(self, spec: ModelSpec, cache_dir: Path) -> None:
        self.spec = spec
        self.path = Path(cache_dir) / spec.filename
        self._stamp = self.path.with_suffix(self.path.suffix + ".verified")

    def is_valid(self) -> bool:
        """Size always; the SHA-256 again unless a stamp says this very file was verified."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return False
        if st.st_size != self.spec.size:
            return False
        stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": self.spec.sha256}
        try:
            if json.loads(self._stamp.read_text()) == stamp:
                return True
        except (OSError, ValueError):
            pass
        if _sha256(self.path) != self.spec.sha256:
            return False
        self._stamp.write_text(json.dumps(stamp))
        return True

    def ensure(self, progress: Callable[[int, int], None] | None = None) -> Path:
        """The path of a verified model file, building it first when needed."""
        if self.is_valid():
            return self.path
        self._build(progress)
        if not self.is_valid():
            raise ModelFileError(f"{self.path} failed verification after rebuilding")
        return self.path

    def _build(self, progress: Callable[[int, int], None] | None) -> None:
        parts = [Path(p) for p in self.spec.parts()]
        missing = [str(p) for p in parts if not p.is_file()]
        if missing:
            raise ModelFileError(f"model parts are missing: {', '.join(missing[:3])}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        digest, done = hashlib.sha256(), 0
        try:
            with tmp.open("wb") as out:
                for part in parts:
                    with part.open("rb") as fh:
                        while block := fh.read(_BLOCK):
                            out.write(block)
                            digest.update(block)
                            done += len(block)
                            if progress:
                                progress(done, self.spec.size)
                out.flush()
                os.fsync(out.fileno())
            if done != self.spec.size or digest.hexdigest() != self.spec.sha256:
                raise ModelFileError(
                    f"joined parts give {done} bytes with SHA-256 {digest.hexdigest()[:12]}…, "
                    f"expected {self.spec.size} bytes with {self.spec.sha256[:12]}…"
                )
            self._stamp.unlink(missing_ok=True)
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
