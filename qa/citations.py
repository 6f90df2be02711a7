"""Citations enforced in code: drop markers that name no passage, attach the best supporting
passage to sentences without one, and flag sentences that no passage supports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.chunking import sentence_spans
from index.words import CLAIM_STOPWORDS

from .types import Passage

MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_TRAILING_MARKERS = re.compile(r"([.!?])((?:\s*[,;]?\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)")
# The prompt's passage header echoed back ("Passage [2] (CNN, 2022-07-18, "Title"): …").
_HEADER_ECHO = re.compile(r"^passages?\s*(?:\[\d+\]\s*)*(?:\([^)]*\)\s*)?:?\s*", re.I)
_ENDS_WITH_ABBREVIATION = re.compile(r"(?:\b\w\.){2,}$")
_WORD = re.compile(r"[\w$%£€]+(?:[.,'’]\w+)*", re.UNICODE)


def content_words(text: str) -> set[str]:
    words = set()
    for w in _WORD.findall(text.lower()):
        w = w.strip("'’").replace(",", "")
        if w and w not in CLAIM_STOPWORDS and (len(w) > 1 or w.isdigit()):
            words.add(w[:-1] if len(w) > 3 and w.endswith("s") else w)
    return words


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words that the passage contains (0 to 1)."""
    words = content_words(MARKER.sub(" ", sentence))
    if not words:
        return 1.0
    return len(words & content_words(passage)) / len(words)


# Sentences about the passages rather than the news ("This is supported by passage [2].").
_META = re.compile(
    r"^(?:this|that|it|the answer)\b.{0,40}\b(?:supported|stated|mentioned|found|given)\b.{0,20}"
    r"\bpassages?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    cited: list[int]  # passage numbers, in order of first citation
    unsupported: list[str]
    sentences: list[str]  # without markers


def _markers(sentence: str) -> list[int]:
    return [int(n) for m in MARKER.finditer(sentence) for n in re.split(r"[,;]\s*", m.group(1))]


def enforce_citations(
    answer: str, passages: Sequence[Passage], min_support: float = 0.5
) -> CheckedAnswer:
    answer = _TRAILING_MARKERS.sub(_markers_before_stop, answer.strip())
    sentences: list[str] = []
    bare_sentences: list[str] = []
    cited: list[int] = []
    unsupported: list[str] = []
    for start, end, _ in sentence_spans(answer):
        raw = answer[start:end]
        bare = MARKER.sub("", raw).strip()
        if _HEADER_ECHO.match(bare):
            bare = _HEADER_ECHO.sub("", bare).strip(" ,;")
            bare = bare[:1].upper() + bare[1:]
        if not bare or _META.match(bare) or not _WORD.search(bare):
            continue
        scores = {p.n: support(bare, p.text) for p in passages}
        marked = [n for n in dict.fromkeys(_markers(raw)) if n in scores]
        ns = [n for n in marked if scores[n] >= min_support]
        if not ns:
            best = max(scores, key=scores.__getitem__, default=None)
            ns = [best] if best is not None and scores[best] >= min_support else marked
        if not any(scores[n] >= min_support for n in ns):
            unsupported.append(bare)
        sentences.append(_with_markers(bare, ns))
        bare_sentences.append(bare)
        cited.extend(n for n in ns if n not in cited)
    return CheckedAnswer(" ".join(sentences), cited, unsupported, bare_sentences)


def _markers_before_stop(m: re.Match) -> str:
    """ "… France. [1], [2]" becomes "… France [1][2].", so the markers stay with the sentence."""
    return " " + "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(2))) + m.group(1)


def _with_markers(sentence: str, ns: Sequence[int]) -> str:
    if not ns:
        return sentence
    tail = "".join(f"[{n}]" for n in ns)
    if sentence[-1:] in ".!?" and not _ENDS_WITH_ABBREVIATION.search(sentence):
        return f"{sentence[:-1]} {tail}{sentence[-1]}"
    return f"{sentence} {tail}"


def cited_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Each sentence of an answer with the passage numbers it cites."""
    out = []
    for part in re.split(r"(?<=[.!?\]])\s+(?=[A-Z0-9\"'“])", answer.strip()):
        numbers = [int(n) for m in MARKER.findall(part) for n in re.findall(r"\d+", m)]
        if part.strip():
            out.append((part.strip(), numbers))
    return out


def supporting_spans(claims: Sequence[str], passage: str) -> list[tuple[int, int]]:
    """For each claim, the sentence of the passage that holds most of its content words, as
    (start, end) offsets in the passage; sentences sharing too little are left out."""
    spans = []
    sentences = [(s, e) for s, e, _ in sentence_spans(passage)]
    for claim in claims:
        scored = [(support(claim, passage[s:e]), (s, e)) for s, e in sentences]
        if scored:
            score, span = max(scored, key=lambda pair: pair[0])
            if score >= 0.3 and span not in spans:
                spans.append(span)
    return sorted(spans)
