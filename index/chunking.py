"""Split article text into overlapping passages that end on sentence and paragraph boundaries."""

from __future__ import annotations

from collections.abc import Iterator

from .language import sentence_spans
from .types import Chunk


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
