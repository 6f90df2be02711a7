"""Read articles from files and fetched bytes. Each format is one module of this package that
registers its reader (`base.register`); the reader is chosen by suffix, or by sniffing the
bytes when there is none."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

from ..errors import ReadError
from .base import (
    FORMATS,
    Format,
    PageReader,
    ReadResult,
    Source,
    decode_bytes,
    normalise_date,
    parse_date,
    title_from_text,
    url_id,
)

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

from .records import article_from_record  # noqa: E402  (after the formats are registered)


def supported_suffixes() -> tuple[str, ...]:
    return tuple(s for f in FORMATS.values() for s in f.suffixes)


def format_for(suffix: str, data: bytes, default: str = "") -> Format:
    """The format owning `suffix`; without one, the first whose sniff recognises the bytes,
    else `default`."""
    suffix = suffix.lower()
    for fmt in FORMATS.values():
        if suffix and suffix in fmt.suffixes:
            return fmt
    if not suffix:
        for fmt in FORMATS.values():
            if fmt.sniff is not None and fmt.sniff(data):
                return fmt
        if default:
            return FORMATS[default]
    raise _unsupported(suffix)


def _unsupported(suffix: str) -> ReadError:
    supported = ", ".join(supported_suffixes())
    return ReadError("", f"unsupported file type {suffix or '(none)'}; supported: {supported}")


def read_data(
    data: bytes, source: Source, suffix: str = "", default: str = ""
) -> Iterator[ReadResult]:
    """Every article in some bytes; an input that cannot be read gives one failed result."""
    try:
        fmt = format_for(suffix, data, default)
        yield from fmt.read(data, source)
    except ReadError as exc:
        yield ReadResult(source.origin, error=exc.reason)


def read_file(path: Path, max_bytes: int) -> Iterator[ReadResult]:
    """Every article in one file; a bad JSON line fails alone and the others are still read."""
    origin = str(path)
    try:
        if path.suffix.lower() not in supported_suffixes():
            raise _unsupported(path.suffix.lower())
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(
                origin, f"the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit"
            )
        data = path.read_bytes()
    except ReadError as exc:
        yield ReadResult(origin, error=exc.reason)
        return
    except OSError as exc:
        yield ReadResult(origin, error=exc.strerror or str(exc))
        return
    yield from read_data(data, Source(origin), suffix=path.suffix)


def expand_paths(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Files to read: each given file, and the supported files inside each folder (recursive).
    Yields (path, error) where error names a path that does not exist."""
    suffixes = supported_suffixes()
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and child.suffix.lower() in suffixes:
                    yield child, None
        elif path.exists():
            yield path, None
        else:
            yield path, "no such file or folder"


__all__ = [
    "FORMATS",
    "PageReader",
    "ReadResult",
    "Source",
    "article_from_record",
    "decode_bytes",
    "expand_paths",
    "format_for",
    "normalise_date",
    "parse_date",
    "read_data",
    "read_file",
    "supported_suffixes",
    "title_from_text",
    "url_id",
]
