"""Split article text into overlapping passages that end on sentence and paragraph boundaries."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .types import Chunk

# Possessive quantifiers and the look-behind (a match starts only at the first mark of a run)
# keep this linear in the text's length, whatever the punctuation.
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s++[\"'“‘(\[]?[A-Z0-9])")
_PARAGRAPH = re.compile(r"\n\s*\n")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr st jr sr prof gov sen rep gen lt col sgt capt no vs etc inc co corp ltd mt ft
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.m p.m d.c""".split()
)


_WORD_BEFORE = re.compile(r"([\w.]+)$")
_LOOKBACK = 40  # longer than any abbreviation: the search never rereads the whole text


def _is_abbreviation(text: str, dot: int) -> bool:
    word = _WORD_BEFORE.search(text, max(0, dot - _LOOKBACK), dot)
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def sentence_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, starts_paragraph) for each sentence; a paragraph break always ends one."""
    spans: list[tuple[int, int, bool]] = []
    para_start = 0
    breaks = [m.start() for m in _PARAGRAPH.finditer(text)] + [len(text)]
    for para_end in breaks:
        first = True
        cursor = para_start
        for m in _SENTENCE_END.finditer(text, para_start, para_end):
            if m.group(0).startswith(".") and _is_abbreviation(text, m.start()):
                continue
            span = _trimmed(text, cursor, m.end())
            if span:
                spans.append((*span, first))
                first = False
            cursor = m.end()
        span = _trimmed(text, cursor, para_end)
        if span:
            spans.append((*span, first))
        para_start = para_end
    return spans


def _split_long(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries."""
    while end - start > max_chars:
        cut = text.rfind(" ", start, start + max_chars)
        if cut <= start:
            cut = start + max_chars
        yield start, cut
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield start, end


class Chunker:
    """Packs whole sentences into passages of at most `max_chars`, repeating up to
    `overlap_chars` of trailing sentences at the start of the next passage."""

    def __init__(self, max_chars: int, overlap_chars: int) -> None:
        if max_chars < 50:
            raise ValueError("max_chars must be at least 50")
        if not 0 <= overlap_chars < max_chars:
            raise ValueError("overlap_chars must be between 0 and max_chars")
        self.max_chars = max_chars
        self.overlap_chars = overlap_chars

    def _units(self, text: str) -> list[tuple[int, int, bool]]:
        units = []
        for start, end, para in sentence_spans(text):
            for i, (s, e) in enumerate(_split_long(text, start, end, self.max_chars)):
                units.append((s, e, para and i == 0))
        return units

    def chunk(self, article_id: str, text: str) -> list[Chunk]:
        units = self._units(text)
        chunks: list[Chunk] = []
        current: list[tuple[int, int, bool]] = []
        for unit in units:
            if current and self._should_close(current, unit):
                chunks.append(self._make(article_id, len(chunks), text, current))
                current = self._overlap(current, unit)
            current.append(unit)
        if current and not (chunks and current[-1][1] <= chunks[-1].end):
            chunks.append(self._make(article_id, len(chunks), text, current))
        return chunks

    def _should_close(self, current, unit) -> bool:
        if unit[1] - current[0][0] > self.max_chars:
            return True
        # A new paragraph is a natural place to end a passage that is already well filled.
        return unit[2] and current[-1][1] - current[0][0] >= 0.6 * self.max_chars

    def _overlap(self, previous: list[tuple[int, int, bool]], nxt: tuple[int, int, bool]):
        kept: list[tuple[int, int, bool]] = []
        for unit in reversed(previous):
            if previous[-1][1] - unit[0] > self.overlap_chars:
                break
            if nxt[1] - unit[0] > self.max_chars:
                break
            kept.insert(0, unit)
        return kept

    @staticmethod
    def _make(article_id: str, index: int, text: str, units) -> Chunk:
        start, end = units[0][0], units[-1][1]
        return Chunk(article_id=article_id, index=index, text=text[start:end], start=start, end=end)
