"""Whether a checked reply answers what was asked, beyond its words being in a passage:
a reply that only restates the question, one that lacks the asked-for slot (a number for
"how many", a time for "when", a name for "who"), and a yes or no that the evidence does not
carry (a claim restated after "Yes", a "No" that adds no fact and stands on no negation, an
outcome read from an article that only announces it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index import language

from .citations import CheckedAnswer, content_words, key_terms, missing_terms, text_terms
from .types import Passage

# Words a reply may add to a restated question without saying anything new.
_FILLER = frozenset(
    "yes no not answer question passage passages article articles report reported according "
    "announced announce stated state mentioned mention indicate indicated".split()
)
NOT_AN_ANSWER = "the reply does not answer the question"


@dataclass(frozen=True)
class Claim:
    """A yes/no question's claim as the evidence bears on it. A window is one passage
    sentence, or two adjacent ones."""

    verdict: str  # "yes" or "no": the reply's first word, else its polarity
    evidence: list[tuple[int, str]]  # (passage number, window) that bear most on the question
    states: bool  # a window holds the claim: all its names and numbers, most of its words
    negated: bool  # that window is negated where the question is not (or the reverse)
    contrast: bool  # a window holds the claim's event with another name or number instead
    plan: bool  # the question asks whether something happened; the evidence only plans it
    fact: bool  # the reply adds a name, number or date of its own (the check held it)
    basis: tuple[int, str] = (0, "")  # the window that states or contradicts the claim


def added_words(question: str, checked: CheckedAnswer) -> set[str]:
    """Content words and names of the reply that the question does not have."""
    asked = content_words(question)
    said: set[str] = set()
    for sentence in checked.sentences:
        said |= content_words(sentence)
    return {w for w in said - asked if w not in _FILLER}


def not_an_answer(question: str, checked: CheckedAnswer) -> str:
    """Why the reply does not answer the question ("" when it may): it adds no word to the
    question, or not the asked-for slot. Yes/no questions are judged by `claim` instead."""
    slot = language.asked_slot(question)
    if slot == "yes/no" or not checked.sentences:
        return ""
    added = added_words(question, checked)
    if not added:
        return f"{NOT_AN_ANSWER}: it only restates it"
    added_text = " ".join(_added_tokens(question, checked))
    if not language.holds_slot(slot, added_text):
        return f"{NOT_AN_ANSWER}: it gives no {slot}"
    if _elsewhere(question, checked):
        return f"{NOT_AN_ANSWER}: it answers another question"
    return ""


OFF_TOPIC_WORDS = 4  # a reply this long that shares no word with what is asked is elsewhere


def _elsewhere(question: str, checked: CheckedAnswer) -> bool:
    """A reply of some length that shares none of the words the question asks about beyond
    its names ("What share of its wind farms was destroyed?" answered with refugees)."""
    asked = language.content_stems(question) - language.stems(key_terms(question))
    said = set().union(*(language.content_stems(x) for x in checked.sentences))
    said -= language.stems(key_terms(question))
    return len(asked) >= 2 and len(said) >= OFF_TOPIC_WORDS and not asked & said


def _added_tokens(question: str, checked: CheckedAnswer) -> list[str]:
    """The reply's words (in their own case) that the question does not hold."""
    asked = {w.lower() for w in language.WORD.findall(question)}
    out = []
    for sentence in checked.sentences:
        out += [w for w in language.WORD.findall(sentence) if w.lower() not in asked]
    return out


_CLAIM_WORDS = re.compile(r"^\W*(?:yes|no)\b[\s,.;:!-]*", re.IGNORECASE)
STATES_SHARE = 0.75  # of the claim's content words a window must hold to state it
EVENT_SHARE = 0.6  # of its other words, for a window with another name to contradict it


def claim(question: str, checked: CheckedAnswer, passages: Sequence[Passage]) -> Claim:
    """How the evidence bears on a yes/no question and the reply's verdict."""
    # a reply without "yes" or "no" says yes unless it is negated ("Argentina won the final")
    verdict = language.verdict(checked.text) or (
        "no" if any(language.negated(x) for x in checked.sentences) else "yes"
    )
    names = key_terms(question)
    asked = text_terms(question)
    claim_stems = language.content_stems(question)
    name_stems = language.stems(names)
    scored = []
    for p in passages:
        for window in _windows(p.text):
            held = claim_stems & language.content_stems(window)
            scored.append((len(held) / len(claim_stems) if claim_stems else 0.0, p.n, window))
    scored.sort(key=lambda t: -t[0])
    top = [(n, w) for share, n, w in scored[:3] if share > 0]
    states = negated = contrast = False
    basis = (0, "")
    q_negated = language.negated(question)
    event = claim_stems - name_stems
    for share, n, window in scored[:5]:
        missing = missing_terms(names, [text_terms(window)])
        if not missing and share >= STATES_SHARE:
            states, negated, basis = True, language.negated(window) != q_negated, (n, window)
            break
        if missing and event and not contrast:
            other = key_terms(window, mid_sentence=True) - asked
            event_share = len(event & language.content_stems(window)) / len(event)
            if other and event_share >= EVENT_SHARE:
                contrast, basis = True, (n, window)
    plan = language.asks_outcome(question) and bool(top)
    plan = plan and all(language.plan_beyond(w, question) for _, w in top[:2])
    fact = any(
        key_terms(_CLAIM_WORDS.sub("", sentence), mid_sentence=True) - asked
        for sentence in checked.sentences
    )
    return Claim(verdict, top, states, negated, contrast, plan, fact, basis)


def _windows(text: str) -> list[str]:
    """A passage's sentences, and each two adjacent ones."""
    parts = [s.strip() for s in language.sentences(text)]
    return parts + [f"{a} {b}" for a, b in zip(parts, parts[1:])]


# The verifier's P(yes) line: a yes needs it above, a no below. Decisions are recorded with
# their distance from it in units of the CPU-to-CPU noise (0.02).
VERIFY_LINE = 0.5


def claim_problem(c: Claim, p_yes: float | None) -> str:
    """Why the reply's yes or no cannot be given ("" when it can): the reply, the passage
    sentences and the verifier (`p_yes`: P(the evidence says yes); None before it is asked)
    must agree."""
    if c.plan:
        return "plan"
    if c.verdict == "yes":
        if not c.states or c.negated:
            return "no passage sentence states the claim"
        if p_yes is not None and p_yes < VERIFY_LINE:
            return f"the evidence does not confirm it (p={p_yes:.2f})"
        return ""
    # a no stands on a negation of the claim, a sentence that says otherwise, or a fact of
    # the reply's own that the passages hold ("No, Argentina won the final")
    if not ((c.states and c.negated) or c.contrast or c.fact):
        return "no passage sentence contradicts the claim"
    if p_yes is not None and p_yes >= VERIFY_LINE:
        return f"the evidence does not contradict it (p={p_yes:.2f})"
    return ""


__all__ = ["Claim", "NOT_AN_ANSWER", "added_words", "claim", "claim_problem", "not_an_answer"]
