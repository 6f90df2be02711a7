"""What every reader shares: the result type, the format registry, decoding, dates, titles."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any

from ..errors import ReadError
from ..types import Article

# Fetches the page a feed item links to when the feed carries only a teaser.
PageReader = Callable[[str], Article]


@dataclass(frozen=True)
class ReadResult:
    """One article read from an input, or the reason it could not be read."""

    origin: str  # the file (and line), or the address, it came from, for messages
    article: Article | None = None
    error: str | None = None


@dataclass(frozen=True)
class Source:
    """Where the bytes being read came from."""

    origin: str  # for messages
    url: str = ""  # the address, when the bytes were fetched
    page_reader: PageReader | None = None  # for feeds whose items are only teasers
    # a watched feed: (item link, fingerprint) -> already read; such items are skipped
    seen: Callable[[str, str], bool] | None = None


ReadFn = Callable[[bytes, Source], Iterator[ReadResult]]


@dataclass(frozen=True)
class Format:
    """A registered input format: the suffixes it owns and, optionally, how to recognise its
    bytes when there is no suffix (a fetched address)."""

    name: str
    suffixes: tuple[str, ...]
    read: ReadFn
    sniff: Callable[[bytes], bool] | None = None


FORMATS: dict[str, Format] = {}


def register(
    name: str, suffixes: tuple[str, ...], sniff: Callable[[bytes], bool] | None = None
) -> Callable[[ReadFn], ReadFn]:
    """Decorator: make a reader module's `read(data, source)` the reader of `suffixes`."""

    def add(read: ReadFn) -> ReadFn:
        FORMATS[name] = Format(name, suffixes, read, sniff)
        return read

    return add


# a page's or feed's own declaration of its encoding, in its first bytes (bounded patterns)
_DECLARED = re.compile(
    rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})["']"""
    rb"""|<meta[^>]{0,300}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""",
    re.IGNORECASE,
)
# legacy encodings a page or feed may declare and be decoded with; others (UTF-7 and the like)
# stay refused. Latin-1 and ASCII are read as windows-1252, as browsers read them.
_LEGACY = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    **{f"cp{n}": f"cp{n}" for n in range(1250, 1259)},
    **{f"iso8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)},
    **{n: n for n in ("koi8-r", "koi8-u", "mac-roman", "shift_jis", "euc_jp", "gb2312")},
    **{n: n for n in ("gbk", "gb18030", "big5", "euc_kr", "cp932", "cp949", "cp950")},
}


def declared_encoding(data: bytes) -> str:
    """The legacy encoding the bytes declare for themselves (XML declaration or HTML meta),
    as a codec name; "" when none, or not one that is decoded."""
    m = _DECLARED.search(data[:2048])
    if not m:
        return ""
    try:
        name = codecs.lookup((m[1] or m[2]).decode("ascii")).name
    except LookupError:
        return ""
    return _LEGACY.get(name, "")


def decode_bytes(data: bytes, origin: str) -> str:
    """Strict UTF-8 (a BOM allowed; UTF-16 with a BOM too), or the legacy encoding a page or
    feed declares for itself; a clear error for anything else, and for a file of blanks
    only (Unicode's, such as U+001C or U+3000, too)."""
    text = _decoded(data, origin)
    if not text.strip():
        raise ReadError(origin, "the file is empty")
    return text


def _decoded(data: bytes, origin: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _utf16(data, "utf-16", origin)
    if b"\x00" in data[:8192]:
        head = data[:8192]
        # UTF-16 without a byte-order mark: ASCII text has a zero in every other byte
        if head[1::2].count(0) > 0.9 * len(head[1::2]):
            return _utf16(data, "utf-16-le", origin)
        if head[0::2].count(0) > 0.9 * len(head[0::2]):
            return _utf16(data, "utf-16-be", origin)
        raise ReadError(origin, "this looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if legacy := declared_encoding(data):
            return data.decode(legacy, errors="replace")
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(
            origin,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); "
            "save the file as UTF-8 and add it again",
        ) from None


def _utf16(data: bytes, encoding: str, origin: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise ReadError(origin, "this looks like a binary file, not text") from None
    if "\x00" in text:
        raise ReadError(origin, "this looks like a binary file, not text")
    return text


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(value: Any) -> date | None:
    """The date of an ISO date or timestamp, or of an RFC 822 date (as RSS writes it)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    m = _ISO_DATE.match(text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None


def normalise_date(value: Any, origin: str) -> str:
    """YYYY-MM-DD from a date-like value; "" when absent; ReadError when it is not a date."""
    if value in (None, ""):
        return ""
    parsed = parse_date(value)
    if parsed is None:
        raise ReadError(
            origin, f"published_at {str(value).strip()!r} is not a date (expected YYYY-MM-DD)"
        )
    return parsed.isoformat()


def title_from_text(text: str, limit: int = 80) -> str:
    """The first line of the text, shortened: the title of an article that came without one."""
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first[:limit] + ("…" if len(first) > limit else "")


def url_id(url: str) -> str:
    """A stable id for an article known by its address, so that re-adding it updates it."""
    return "u-" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]
