"""Citations enforced in code: drop markers that name no passage, attach the best supporting
passage to sentences without one, and flag sentences that no passage supports."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from index.language import (
    CLAIM_STOPWORDS,
    NUMBER_WORDS,
    TITLES,
    WORD,
    frame,
    number_word,
    sentence_spans,
    sentences,
    turns_polarity,
    years_meant,
    yes_no_question,
)

from .types import Passage

MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# markers after a sentence's stop, and after a quote or bracket that closes there ('… "a
# rebound." [1]')
_TRAILING_MARKERS = re.compile(r"([.!?][\"'”’)]*)((?:\s*[,;]?\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)")
# The prompt's passage header echoed back ("Passage [2] (CNN, 2022-07-18, "Title"): …").
_HEADER_ECHO = re.compile(r"^passages?\s*(?:\[\d+\]\s*)*(?:\([^)]*\)\s*)?:?\s*", re.I)
_LEADING_MARKERS = re.compile(f"(?:{MARKER.pattern})+")  # a run of markers, as MARKER reads one
_ENDS_WITH_ABBREVIATION = re.compile(r"(?:\b\w\.){2,}$")


def content_words(text: str) -> set[str]:
    words = set()
    for w in WORD.findall(text.lower()):
        w = re.sub(r"['’]s$", "", w.strip("'’")).replace(",", "")  # Brazil's: brazil
        if w and w not in CLAIM_STOPWORDS and (len(w) > 1 or w.isdigit()):
            words.add(w[:-1] if len(w) > 3 and w.endswith("s") else w)
    return words


def support(sentence: str, passage: str, question: str = "", years: Collection[str] = ()) -> float:
    """Share of the sentence's content words that the passage contains (0 to 1), counting
    the `years` it tells relative to its date. Words the sentence repeats from the question
    are not counted, unless it adds nothing else: what a passage must hold is what the
    sentence claims beyond the question."""
    words = content_words(MARKER.sub(" ", sentence))
    added = words - content_words(question)
    words = added or words
    if not words:
        return 1.0
    return len(words & (content_words(passage) | set(years))) / len(words)


# Sentences about the passages rather than the news ("This is supported by passage [2].").
_META = re.compile(
    r"^(?:this|that|it|the answer)\b.{0,40}\b(?:supported|stated|mentioned|found|given)\b.{0,20}"
    r"\bpassages?\b",
    re.IGNORECASE,
)
# A passage named in words is a citation ("… sports from Passage [1]." cites [1]).
_PASSAGE_REF = re.compile(
    r"\s*\b(?:(?:from|in|on|see|according to)\s+)?(?:the\s+)?passages?\s*(?=\[\d)", re.I
)
# What a sentence that named its passage opens with once the name is taken out.
_REPORTED = re.compile(
    r"(?:states?|reports?|says?|mentions?|notes?|shows?|indicates?|explains?|adds?)\s+"
    r"(?:that\s+)?",
    re.IGNORECASE,
)
# What is left of a sentence about the prompt once its citations are taken out ("The passage
# is from Passage [2].").
_ABOUT_PROMPT = frozenset(
    "the a this that it is was are were from in on by see source passage passages information "
    "answer found stated mentioned given supported".split()
)


_KEY = re.compile(r"[A-Za-z][\w'’.&-]*[\w]|\d[\d,.]*\d%?|\d%?")
_NOT_NAMES = {"I", "Passage", "Passages"}  # "… from Passage [1]" names no news


def _norm_key(word: str) -> str:
    word = word.lower().replace("’", "'")
    word = re.sub(r"'s?$", "", word).replace(".", "")
    return word.replace(",", "").rstrip("%") if word[:1].isdigit() else word


def key_terms(sentence: str, *, mid_sentence: bool = False) -> set[str]:
    """What a claim stands on: names (capitalised words after a sentence's first word, the
    first word when the next is capitalised too, as in "Anna Richardson led …", and
    acronyms), numbers and dates (months and weekdays are names), lowercased and without
    possessives or dots ("U.S." is "us"). `mid_sentence`: the text continues a sentence
    (what follows "No,"), so its first word is read like any other."""
    terms = set()
    words = [m.group(0).rstrip(".") for m in _KEY.finditer(MARKER.sub(" ", sentence))]
    for i, word in enumerate(words):
        leads_name = mid_sentence or (i == 0 and len(words) > 1 and words[1][0].isupper())
        for part in word.split("-") if not word[0].isdigit() else [word]:
            if not part:
                continue
            capital = i > 0 or leads_name or part.isupper()
            name = part[0].isupper() and capital and part not in _NOT_NAMES
            if part[0].isdigit() or (name and part.lower() not in CLAIM_STOPWORDS):
                terms.add(_norm_key(part))
    # a lone letter ("Malcolm X's", an initial) is no word `text_terms` reads
    return {t for t in terms if len(t) > 1 or t.isdigit()}


# every pair of adjacent capitalised words, overlapping ("President Joe Biden": both pairs)
_NAME_PAIR = re.compile(r"\b(?=([A-Z][a-z][\w'’-]*)\s+([A-Z][a-z][\w'’-]*)\b)")


def full_names(
    sentence: str, question: str = "", common: Collection[str] = ()
) -> list[tuple[str, str]]:
    """Pairs of capitalised words that stand together as one name ("Sanae Takaichi"), titles
    and the question's own phrases left out: a claim that names a person by a full name must
    find that name whole in a passage, not its first and last names in different places.
    Not a name: a possessive and what it owns ("Domino's Pizza", "Mexico's Baja"), nor a
    sentence's first word that `common` (words seen in lower case) holds ("Many Americans")."""
    out = []
    text = MARKER.sub(" ", sentence)
    lead = len(text) - len(text.lstrip(" \"'“‘("))
    asked = _lowered(question)
    for m in _NAME_PAIR.finditer(text):
        first, last = m.group(1), m.group(2)
        if first.endswith(("'s", "’s", "'", "’")):
            continue
        if m.start() == lead and first.lower() in common:
            continue
        pair = (_norm_key(first), _norm_key(last))
        if set(pair) & (TITLES | CLAIM_STOPWORDS) or _name_in(pair, asked):
            continue
        out.append(pair)
    return out


def _name_in(pair: tuple[str, str], lowered: str) -> bool:
    """The name stands whole in the text (`_lowered`), perhaps with a middle initial
    ("Donald J. Trump") or in another transliteration of its ending ("Zelensky")."""
    first, last = (re.escape(_lowered(w)) for w in pair)
    return bool(re.search(rf"\b{first}\s+(?:[a-z]\.\s+)?{last}", lowered))


# One ending written three ways in names taken from Cyrillic ("Zelenskyy", "Zelenskiy",
# "Zelensky"; "Navalnyy", "Navalny"): compared as one.
_TRANSLITERATED_ENDING = re.compile(r"(?<=\w)(?:yy|iy)\b")


def _lowered(text: str) -> str:
    return _TRANSLITERATED_ENDING.sub("y", text.lower().replace("’", "'"))


def text_terms(text: str) -> set[str]:
    """Every word of a passage or question in key-term form, with number words as digits:
    what a key term is looked up in."""
    words = {_norm_key(w) for w in _KEY.findall(text)}
    for w in list(words):
        words.update(w.split("-"))
        if w in NUMBER_WORDS:
            words.add(NUMBER_WORDS[w])
        if count := number_word(w):
            words.add(count)
    return words


def _holds(terms: set[str], term: str) -> bool:
    """The passage's words hold the term, or a longer form of it ("Ukrainian" for
    "Ukraine" is not; "Americans" for "America" is)."""
    if term in terms:
        return True
    if len(term) < 6 or term[0].isdigit():
        return False
    stem = term[: len(term) - 2]
    return any(t.startswith(stem) for t in terms)


# a place or name set off by commas after another ("in Staffordshire, England."): what a
# model adds from its own knowledge to qualify a name the passage gives
_APPOSITIVE = re.compile(r",\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}(?=\s*(?:,|[.!?]?\s*$))")


def _unqualified(sentence: str, terms: dict[int, set[str]], asked: set[str]) -> str:
    """The sentence without the qualifiers that name what no passage holds, when that leaves
    every other name it claims held ("The attack occurred in San Francisco, California." ->
    "… in San Francisco."); "" when it does not."""
    held = terms.values()
    trimmed = sentence
    for m in reversed(list(_APPOSITIVE.finditer(sentence))):
        if missing_terms(key_terms(m.group(0), mid_sentence=True), held):
            trimmed = trimmed[: m.start()] + trimmed[m.end() :]
    if trimmed == sentence or missing_terms(claimed_terms(trimmed, asked), held):
        return ""
    return trimmed


def claimed_terms(sentence: str, asked: set[str]) -> set[str]:
    """The sentence's key terms and counts that the question (its `text_terms`) does not
    already name."""
    return {t for t in key_terms(sentence) | counts(sentence) if not _holds(asked, t)}


def counts(sentence: str) -> set[str]:
    """The counts a sentence writes as words, as digits ("four weeks": "4"): a reply's count
    must be in its passage however either writes it."""
    words = [m.group(0) for m in _KEY.finditer(MARKER.sub(" ", sentence))]
    found = (
        number_word(w, words[i + 1] if i + 1 < len(words) else "") for i, w in enumerate(words)
    )
    return {n for n in found if n}


def missing_terms(claimed: set[str], passages: Iterable[set[str]]) -> set[str]:
    """The claimed terms that none of the passages (their `text_terms`) holds."""
    held = list(passages)
    return {t for t in claimed if not any(_holds(x, t) for x in held)}


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    cited: list[int]  # passage numbers, in order of first citation
    unsupported: list[str]
    sentences: list[str]  # without markers
    removed: list[str] = field(default_factory=list)  # naming what no passage holds
    key_terms: int = 0  # names, numbers and dates in the reply
    key_in_cited: int = 0  # of them, those the passages the model cited hold
    asked_terms: int = 0  # names, numbers and dates in the question
    asked_in_cited: int = 0  # of them, those the passages the answer cites hold
    # per sentence: the passage and the sentence of it that supports the sentence most
    evidence: list[tuple[int, str]] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)  # the sentences with their markers
    turned: list[str] = field(default_factory=list)  # telling the opposite of their passage

    def righted(self) -> str:
        """The reply with each sentence that tells the opposite of its passage (`turned`)
        replaced by the passage's own sentence, cited: what the passage says, in its words."""
        said = [
            with_markers(told, [n]) if bare in self.turned else marked
            for bare, marked, (n, told) in zip(self.sentences, self.marked, self.evidence)
        ]
        return " ".join(dict.fromkeys(said))

    def given(self) -> tuple[str, list[int]]:
        """The text and citations to give: without the sentences no passage supports (still
        listed in `unsupported`) while another sentence is supported. A claim is given with
        the passage it came from, or not at all."""
        if not self.unsupported or len(self.unsupported) >= len(self.sentences):
            return self.text, self.cited
        kept = [
            m for m, s in zip(self.marked, self.sentences, strict=True) if s not in self.unsupported
        ]
        held = {n for m in kept for n in _markers(m)}
        return " ".join(kept), [n for n in self.cited if n in held]


def _markers(sentence: str) -> list[int]:
    return [int(n) for m in MARKER.finditer(sentence) for n in re.split(r"[,;]\s*", m.group(1))]


# an initialism the model spaced out ("the U. S. official") where its passage has it whole
_SPACED_INITIALS = re.compile(r"\b(?:[A-Z]\. ){1,3}[A-Z]\.")


def _as_passages_write(reply: str, passages: Sequence[Passage]) -> str:
    """The reply with each spaced-out initialism written as a passage writes it ("U. S." as
    "U.S."); one no passage writes whole stays as it is (a person's initials)."""

    def whole(m: re.Match[str]) -> str:
        joined = m.group(0).replace(" ", "")
        return joined if any(joined in p.text for p in passages) else m.group(0)

    return _SPACED_INITIALS.sub(whole, reply)


def enforce_citations(
    answer: str, passages: Sequence[Passage], min_support: float = 0.5, question: str = ""
) -> CheckedAnswer:
    """Each sentence cites passages that hold at least `min_support` of its content words and
    every name, number and date in it (a passage that does replaces the model's choice); a
    sentence naming what no passage holds is removed."""
    answer = _as_passages_write(answer.strip(), passages)
    if not _LEADING_MARKERS.match(answer):
        # markers after a stop close the sentence before them; in a reply that opens with
        # a marker ("[1] Moviegoers fainted. [2] …"), they open the sentence after them
        answer = _TRAILING_MARKERS.sub(_markers_before_stop, answer)
    sentences: list[str] = []
    bare_sentences: list[str] = []
    cited: list[int] = []
    unsupported: list[str] = []
    removed: list[str] = []
    turned: list[str] = []
    n_key = n_key_cited = 0
    by_n = {p.n: p.text for p in passages}
    named = {n: text_terms(text) for n, text in by_n.items()}
    spans = {n: _spans(text) for n, text in by_n.items()}
    # the passages that tell a year relative to their date; only theirs depend on the claim
    relative = {p.n: p.published_at for p in passages if years_meant(p.text, p.published_at)}
    lowered = [_lowered(text) for text in by_n.values()]  # where full names are looked up
    common = {w for text in by_n.values() for w in WORD.findall(text) if w.islower()}
    # what the question takes as given: a choice it offers is what the reply must show
    premise = frame(question)
    asked = text_terms(premise)
    yes_no = yes_no_question(question)
    evidence: list[tuple[int, str]] = []
    for start, end, _ in sentence_spans(answer):
        raw = answer[start:end]
        said = raw.strip()
        if _HEADER_ECHO.match(said):
            said = _HEADER_ECHO.sub("", said).strip(" ,;")
            said = said[:1].upper() + said[1:]
        bare = MARKER.sub("", _PASSAGE_REF.sub(" ", said)).strip()
        if bare[:1].islower() and (lead := _REPORTED.match(bare)):
            # "The passage [3] reports that Boris Johnson resigned": what it reports
            bare = bare[lead.end() :]
            bare = bare[:1].upper() + bare[1:]
        words = {w.lower() for w in WORD.findall(bare)}
        if not words or _META.match(bare) or words <= _ABOUT_PROMPT:
            continue
        # a passage holds the names it names, and the years that the sentence of it that
        # tells this claim tells relative to the article's date ("Late last year, Jeffries
        # sued …" in a story of 2024 holds 2023 for that, not the 2024 of "earlier this
        # year" elsewhere in it)
        years = {
            n: _years_told(bare, by_n[n], spans[n], relative[n], premise)
            if n in relative
            else set()
            for n in by_n
        }
        terms = {n: named[n] | years[n] for n in by_n}
        claimed = claimed_terms(bare, asked)
        missing = missing_terms(claimed, terms.values())
        if missing and (trimmed := _unqualified(bare, terms, asked)):
            # every name the trimmed sentence claims is held (`_unqualified` checked it)
            bare, claimed, missing = trimmed, claimed_terms(trimmed, asked), set()
        scores = {n: support(bare, text, premise, years[n]) for n, text in by_n.items()}
        marked = [n for n in dict.fromkeys(_markers(raw)) if n in scores]
        n_key += len(claimed)
        n_key_cited += len(claimed) - len(missing_terms(claimed, (terms[n] for n in marked)))
        names = full_names(bare, premise, common)
        if missing or any(not any(_name_in(pair, text) for text in lowered) for pair in names):
            removed.append(bare)
            continue
        ns = [n for n in marked if scores[n] >= min_support]
        if not ns:
            best = max(scores, key=scores.__getitem__, default=None)
            ns = [best] if best is not None and scores[best] >= min_support else marked
        ns = _holding(claimed, ns, scores, terms)
        ns = _corroborating(bare, claimed, ns, scores, by_n, terms)
        told = _best_sentence(bare, ns, by_n, spans, premise)
        # a yes/no reply's "did not" is judged against the passages by the yes/no check
        if not yes_no and told[1] and turns_polarity(bare, told[1]):
            turned.append(bare)
        if not any(scores[n] >= min_support for n in ns):
            unsupported.append(bare)
        sentences.append(with_markers(bare, ns))
        bare_sentences.append(bare)
        evidence.append(told)
        cited.extend(n for n in ns if n not in cited)
    given = key_terms(premise)  # a choice's alternatives are not all to be found
    n_asked_cited = len(given) - len(missing_terms(given, (named[n] for n in cited)))
    return CheckedAnswer(
        " ".join(sentences),
        cited,
        unsupported,
        bare_sentences,
        removed,
        n_key,
        n_key_cited,
        len(given),
        n_asked_cited,
        evidence,
        sentences,
        turned,
    )


def evidence_text(checked: CheckedAnswer) -> str:
    """The passages' own sentences the reply stands on, each cited: what the articles say,
    in their words."""
    said = dict.fromkeys((n, text) for n, text in checked.evidence if text)
    return " ".join(with_markers(text, [n]) for n, text in said)


def _best_sentence(
    claim: str,
    ns: Sequence[int],
    by_n: dict[int, str],
    spans: dict[int, list[tuple[int, int]]],
    question: str,
) -> tuple[int, str]:
    """The cited passage's sentence that holds most of the claim's words: (passage, text)."""
    best = (-1.0, 0, "")
    for n in ns:
        score, start, end = _best_span(claim, by_n[n], spans[n], question)
        if score > best[0]:
            best = (score, n, by_n[n][start:end].strip())
    return best[1], best[2]


def _years_told(
    claim: str, passage: str, spans: Sequence[tuple[int, int]], published_at: str, question: str
) -> set[str]:
    """The years that the passage's sentence telling the claim (the one holding most of its
    words) tells relative to the article's date."""
    _, start, end = _best_span(claim, passage, spans, question)
    return years_meant(passage[start:end], published_at)


def _spans(text: str) -> list[tuple[int, int]]:
    return [(start, end) for start, end, _ in sentence_spans(text)]


def _best_span(
    claim: str, passage: str, spans: Sequence[tuple[int, int]], question: str = ""
) -> tuple[float, int, int]:
    """Of the passage's sentences (`spans`), the one that holds most of the claim's content
    words: (support, start, end); support -1 when there is none."""
    scored = ((support(claim, passage[s:e], question), s, e) for s, e in spans)
    return max(scored, key=lambda t: t[0], default=(-1.0, 0, 0))


def _holding(
    claimed: set[str], ns: list[int], scores: dict[int, float], terms: dict[int, set[str]]
) -> list[int]:
    """The passages to cite so that every claimed term of the sentence is in one of them:
    the chosen ones if they hold all; else the best-supporting passage that does; else the
    chosen ones and the best-supporting others that add missing terms."""

    def missing(chosen: Sequence[int]) -> set[str]:
        return missing_terms(claimed, (terms[n] for n in chosen))

    if not missing(ns):
        return ns
    ranked = sorted(terms, key=lambda n: -scores[n])
    for n in ranked:
        if not missing([n]):
            return [n]
    out = list(ns)
    for n in ranked:
        if not missing(out):
            break
        if n not in out and len(missing([*out, n])) < len(missing(out)):
            out.append(n)
    return out


def _corroborating(
    sentence: str,
    claimed: set[str],
    ns: list[int],
    scores: dict[int, float],
    by_n: dict[int, str],
    terms: dict[int, set[str]],
) -> list[int]:
    """Of the passages a sentence cites, those that stand behind it: the best-supporting
    one, any that supports it as well, and any that holds a word or name of it the others
    do not. A passage that only echoes part of what a better one holds is not cited."""
    if len(ns) < 2:
        return ns
    words = content_words(sentence)
    ranked = sorted(ns, key=lambda n: -scores[n])
    kept = [ranked[0]]
    covered = words & content_words(by_n[ranked[0]])
    for n in ranked[1:]:
        adds = (words & content_words(by_n[n])) - covered
        names = missing_terms(claimed, (terms[k] for k in kept)) - missing_terms(
            claimed, [terms[n]]
        )
        if scores[n] >= scores[ranked[0]] or adds or names:
            kept.append(n)
            covered |= adds
    return [n for n in ns if n in kept]


def _markers_before_stop(m: re.Match) -> str:
    """ "… France. [1], [2]" becomes "… France [1][2].", and '… "a rebound." [1]' becomes
    '… "a rebound [1]."', so the markers stay with the sentence."""
    return " " + "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(2))) + m.group(1)


def with_markers(sentence: str, ns: Sequence[int]) -> str:
    if not ns:
        return sentence
    tail = "".join(f"[{n}]" for n in ns)
    if sentence[-1:] in ".!?" and not _ENDS_WITH_ABBREVIATION.search(sentence):
        return f"{sentence[:-1]} {tail}{sentence[-1]}"
    return f"{sentence} {tail}"


def cited_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Each sentence of an answer with the passage numbers it cites, split as the citation
    check splits a reply: an abbreviation's dot ends no sentence ("Warner Bros. Discovery",
    "the U.S. Senate"), and markers after a sentence's stop belong to it."""
    out: list[tuple[str, list[int]]] = []
    for part in sentences(answer):
        if out and (lead := _LEADING_MARKERS.match(part)):
            # '… "rebound" cases." [1] The first lady …': the markers end the quote's sentence
            said = f"{out[-1][0]} {lead.group(0).strip()}"
            out[-1] = (said, _markers(said))
            part = part[lead.end() :].strip()
        if part:
            out.append((part, _markers(part)))
    return out


def supporting_spans(claims: Sequence[str], passage: str) -> list[tuple[int, int]]:
    """For each claim, the sentence of the passage that holds most of its content words, as
    (start, end) offsets in the passage; sentences sharing too little are left out."""
    spans: list[tuple[int, int]] = []
    sentences = _spans(passage)
    for claim in claims:
        score, start, end = _best_span(claim, passage, sentences)
        if score >= 0.3 and (start, end) not in spans:
            spans.append((start, end))
    return sorted(spans)
