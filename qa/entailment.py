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

from .citations import (
    CheckedAnswer,
    content_words,
    full_names,
    key_terms,
    missing_terms,
    text_terms,
)
from .types import Passage

# Words a reply may add to a restated question without saying anything new: the telling,
# and modifiers that name nothing ("KFC rolled out a new menu item" for "Which menu item
# did KFC roll out?").
_FILLER = frozenset(
    "yes no not answer question passage passages article articles report reported according "
    "announced announce stated state mentioned mention indicate indicated "
    "new newly recent recently latest current currently certain particular specific "
    "various".split()
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
    """Content words and names of the reply that the question does not have, in any form
    ("filed" adds nothing to "Why did Walgreens file for bankruptcy?")."""
    asked = content_words(question)
    asked_stems = language.stems(language.words(question))
    said: set[str] = set()
    for sentence in checked.sentences:
        said |= content_words(sentence)
    return {w for w in said - asked if w not in _FILLER and not _asked(w, asked_stems)}


def _asked(word: str, asked_stems: set[str]) -> bool:
    """Whether a word is one of the question's (`asked_stems`), in any form."""
    return language.stems([word]) <= asked_stems


def not_an_answer(question: str, checked: CheckedAnswer) -> str:
    """Why the reply does not answer the question ("" when it may): it adds no word to the
    question, or not the asked-for slot. Yes/no questions are judged by `claim` instead."""
    slot = language.asked_slot(question)
    if slot == "yes/no" or not checked.sentences:
        return ""
    if slot == "choice":
        # which alternative, told as what happened ("Lions escaped", not "No, gorillas did
        # not escape"); or another name of the reply's own ("Neither: tigers escaped")
        named = key_terms(question)
        given = language.content_stems(language.frame(question))
        if any(
            language.names_choice(question, s) or key_terms(s) - named
            for s in checked.sentences
            if not language.negated(s) and not language.opposes(language.content_stems(s), given)
        ):
            return ""
        return f"{NOT_AN_ANSWER}: it does not say which of the alternatives"
    added = added_words(question, checked)
    if not added:
        return f"{NOT_AN_ANSWER}: it only restates it"
    added_text = " ".join(_added_tokens(question, checked))
    if not language.holds_slot(slot, added_text):
        return f"{NOT_AN_ANSWER}: it gives no {slot}"
    return ""


def misattributed(checked: CheckedAnswer) -> str:
    """Why a reply sentence gives one actor's deed to another ("" when none does): its
    passage sentence tells two actors in two clauses ("The White House has ruled out a
    meeting …, though Trump left the door open"), and the reply puts the name of one clause
    before the deed of the other ("The White House said it left the door open")."""
    for sentence, (_, told) in zip(checked.sentences, checked.evidence, strict=True):
        if _misattributed(sentence, told):
            return f"{NOT_AN_ANSWER}: it gives a passage's words to another name than theirs"
    return ""


def _misattributed(sentence: str, told: str) -> bool:
    parts = language.clauses(told) if told else []
    if len(parts) < 2:
        return False
    names = key_terms(sentence)
    named = language.stems(names)
    deed = language.content_stems(sentence) - named
    held = [language.content_stems(p) for p in parts]
    shares = [len(deed & h) for h in held]
    best = max(range(len(parts)), key=shares.__getitem__)
    if not shares[best]:
        return False
    terms = [key_terms(p, mid_sentence=True) for p in parts]
    theirs = terms.pop(best)  # the deed's clause; `terms` keeps the others
    if not {n for n in theirs - names if n.isalpha()}:
        return False  # the deed's clause names no one the reply leaves out
    # the reply's subject: its names before the first word of the deed
    lead = []
    for word in language.WORD.findall(sentence):
        stem = language.stems([word])
        if stem & held[best] and not stem <= named:
            break
        lead.append(word)
    subject = {n for n in key_terms(" ".join(lead)) if n.isalpha()} - theirs
    return any(n in other for n in subject for other in terms)


def unstated_choice(question: str, checked: CheckedAnswer, passages: Sequence[Passage]) -> str:
    """Why the alternative a reply names does not answer a question that offers a choice
    ("" when it may): no passage sentence, nor two adjacent ones, holds it together with
    any other word of the question ("Canada passed a landmark anti-smoking bill" cited to a
    passage that names Canada only apart from the bill)."""
    framed = language.content_stems(language.frame(question))
    given = framed - language.TIME_STEMS
    alternatives = [  # the alternative's own words: not the question's "this week"
        language.content_stems(asked) - framed
        for s in checked.sentences
        if not language.negated(s) and (asked := language.chosen(question, s))
    ]
    if not alternatives:
        return ""
    for p in passages:
        parts = [language.content_stems(s) for s in language.sentences(p.text)]
        for i, held in enumerate(parts):
            # the alternative's sentence with a word of the question, in it or in the
            # sentence after it; neither telling the opposite of the question ("Harris …
            # tested negative" for "Did Harris or Biden test positive?")
            if not any(alt & held for alt in alternatives) or language.opposes(held, given):
                continue
            after = parts[i + 1] if i + 1 < len(parts) else set()
            if given & held or (given & after and not language.opposes(after, given)):
                return ""
    return f"{NOT_AN_ANSWER}: no passage sentence tells the alternative it names"


def stated_choice(question: str, checked: CheckedAnswer, passages: Sequence[Passage]) -> bool:
    """Whether the passages' words settle a choice the way the reply makes it: a passage
    sentence states the claim with the alternative the reply names (the yes/no question
    asked of it would be answered yes: its names, most of its words, told as what is, not
    negated, not only planned) and none states it with the other alternative. Then the
    choice needs no score: a library of one article scores a question low on a name it
    lacks ("Is Sanae Takaichi or Shigeru Ishiba Japan's new prime minister?")."""
    asked = language.asked_of(question)
    picked = {language.chosen(question, s) for s in checked.sentences if not language.negated(s)}
    mine = picked.pop() if len(picked) == 1 else None
    if not asked or mine is None:
        return False
    other = asked[1] if mine == asked[0] else asked[0]
    return _states(mine, checked, passages) and not _states(other, checked, passages)


def _states(question: str, checked: CheckedAnswer, passages: Sequence[Passage]) -> bool:
    """Whether a passage window states a yes/no question's claim as what is: not negated,
    nor only planned where the question asks what came of it."""
    found = claim(question, checked, passages)
    window = found.basis[1]
    return found.states and not (found.negated or found.plan or language.negated(window))


def _added_tokens(question: str, checked: CheckedAnswer) -> list[str]:
    """The reply's words (in their own case) that the question does not hold."""
    asked_stems = language.stems(language.words(question))
    out = []
    for sentence in checked.sentences:
        out += [w for w in language.WORD.findall(sentence) if not _asked(w, asked_stems)]
    return out


_CLAIM_WORDS = re.compile(r"^\W*(?:yes|no)\b[\s,.;:!-]*", re.IGNORECASE)
STATES_SHARE = 0.75  # of the claim's content words a window must hold to state it
# Of the claim's event (its words that are not names): a window that states the claim holds
# this share of them too, and so does one that tells the event with another name instead.
EVENT_SHARE = 0.6
CONTRAST_SHARE = 0.5  # of all the claim's words, for a window with another name
# A window with another name may hold as little as this share of the event, when the words
# it lacks are not the outcome asked about ("Reyes and the poet Emily Dickinson are distant
# cousins" for "Is Reyes related to the poet Walt Whitman?"; not "Park filed a lawsuit" for
# "Did Reyes win her lawsuit?", whose outcome the articles leave open)
HALF_EVENT = 0.5


def claim(question: str, checked: CheckedAnswer, passages: Sequence[Passage]) -> Claim:
    """How the evidence bears on a yes/no question and the reply's verdict."""
    # a reply without "yes" or "no" says yes unless it is negated ("Argentina won the final")
    question = language.plain_claim(question)  # "Didn't X win?" asks whether X won
    verdict = language.verdict(checked.text) or (
        "no" if any(language.negated(x) for x in checked.sentences) else "yes"
    )
    names = key_terms(question)
    surnames = {first: last for first, last in full_names(question)}
    asked = text_terms(question)
    claim_stems = language.content_stems(question) - language.TIME_STEMS
    event = claim_stems - language.stems(names)
    scored = []
    for p in passages:
        for window in _windows(p.text, event):
            window_stems = language.content_stems(window)
            share = _share(claim_stems, window_stems)
            # an article's year is a name it holds ("the 2022 World Series" in a 2022 story)
            terms = text_terms(window) | {p.published_at[:4]}
            scored.append((share, p.n, window, terms, window_stems))
    scored.sort(key=lambda t: -t[0])
    top = [(n, w) for share, n, w, _, _ in scored[:3] if share > 0]
    # every window that holds the claim: its names and most of its other words (the
    # event: "the FDA designated Pfizer's RSV vaccine" does not state that it approved it)
    stating = [
        (share, n, w, window_stems)
        for share, n, w, terms, window_stems in scored
        if _holds(claim_stems, event, names, window_stems, terms)
    ]
    q_negated = language.negated(question)
    # a window negates the claim only where it holds the whole claim; the claim is negated
    # when no window that holds it affirms it ("won't have to worry about the bankruptcy
    # filing" beside "The company filed for bankruptcy" negates nothing)
    affirming = [
        (n, w) for share, n, w, _ in stating if share < 1.0 or language.negated(w) == q_negated
    ]
    # where none holds it, one that holds it with the opposite of its word in the word's place
    # negates it ("Argentina lost the final" for "Did Argentina win the final?")
    plain = not stating and not q_negated  # no window holds the claim; a plain question
    opposing = [
        (n, w)
        for _, n, w, terms, window_stems in (scored if plain else [])
        if language.opposes(window_stems, claim_stems)
        and not language.negated(w)
        and _holds(claim_stems, event, names, language.as_asked(window_stems, claim_stems), terms)
    ]
    states = bool(stating or opposing)
    negated = states and not affirming
    # the windows the claim stands on
    stated = affirming or [(n, w) for _, n, w, _ in stating] or opposing
    # where no window holds the whole claim, one that holds all but a common word of it, told
    # as what happened, tells the event of another thing ("Five lions managed a short escape"
    # for "Did gorillas escape?"); a missing outcome ("Carano sued Disney" for "Did Carano
    # win her lawsuit?") is a result the articles leave open, not another thing
    substituted = [
        (n, w)
        for share, n, w, window_stems in stating
        if share < 1.0
        and not language.plan_only(w)
        and language.negated(w) == q_negated
        and not (claim_stems - window_stems) & language.OUTCOME_STEMS
    ]
    if any(share == 1.0 for share, *_ in stating):
        substituted = []
    # windows that tell the claim's frame with another filler: most of it, a name of the
    # claim missing and another in its place; one that reports it happened comes first
    contrasting = [
        (n, window)
        for share, n, window, terms, window_stems in scored[:5]
        if event
        and not states
        and share >= CONTRAST_SHARE
        and _replaced(names, surnames, terms)
        and _of_another(window, window_stems, asked, event)
    ]
    outcome = language.asks_outcome(question)
    if outcome:
        # what another name only plans or risks ("if no deal is reached") says nothing of
        # whether the claim's outcome came about
        contrasting = [c for c in contrasting if not language.plan_beyond(c[1], question)]
    else:
        contrasting.sort(key=lambda c: language.plan_beyond(c[1], question))
    contrast = bool(contrasting)
    plan = False
    if outcome and not contrast:
        # an outcome asked of windows that all only plan it; a window that tells the claim
        # happened, or tells it of another name, is no plan
        planned = [w for _, w in stated] if states else [w for _, w in top[:2]]
        plan = bool(planned) and all(language.plan_beyond(w, question) for w in planned)
    if verdict == "no" and substituted and not contrasting:
        contrasting, contrast = substituted, True
        stated = []  # the no stands on the window of the other thing
    basis = (stated or contrasting or [(0, "")])[0]
    # the reply's own contradiction: a sentence of it (checked against the passages like any
    # other) about the same event with a name the question does not hold ("No, Argentina
    # won the final"); a bare fact beside the claim is no evidence against it
    fact = any(_contradicts(_CLAIM_WORDS.sub("", s), asked, event) for s in checked.sentences)
    return Claim(verdict, top, states, negated, contrast, plan, fact, basis)


def _holds(
    claim_stems: set[str], event: set[str], names: set[str], held: set[str], terms: set[str]
) -> bool:
    """Whether a window (`held`: its content stems, `terms`: its names) holds the claim: its
    names, most of its words and most of its event."""
    return (
        _share(claim_stems, held) >= STATES_SHARE
        and _share(event or claim_stems, held) >= EVENT_SHARE
        and not missing_terms(names, [terms])
    )


def _replaced(names: set[str], surnames: dict[str, str], terms: set[str]) -> set[str]:
    """The claim's names a window (`terms`: its names) lacks, but not a first name whose
    surname it holds: "Reyes replaced Lena Park" still tells of Dana Reyes."""
    missing = missing_terms(names, [terms])
    return {n for n in missing if not (n in surnames and surnames[n] not in missing)}


def _share(wanted: set[str], held: set[str]) -> float:
    return len(wanted & held) / len(wanted) if wanted else 0.0


def _of_another(text: str, stems: set[str], asked: set[str], event: set[str]) -> bool:
    """Whether a text (`stems`: its content stems) tells the claim's event with another
    name: most of the event's words (or half, not lacking its outcome) and a name the
    question lacks."""
    share = _share(event, stems)
    if share < EVENT_SHARE and (share < HALF_EVENT or (event - stems) & language.OUTCOME_STEMS):
        return False
    return bool(key_terms(text, mid_sentence=True) - asked)


def _contradicts(sentence: str, asked: set[str], event: set[str]) -> bool:
    """Whether a reply's sentence tells the claim's event with another name, without a
    negation (a "did not" restates the claim)."""
    if language.negated(sentence):
        return False
    return _of_another(sentence, language.content_stems(sentence), asked, event)


def _windows(text: str, event: set[str]) -> list[str]:
    """A passage's sentences, and each two adjacent ones whose second tells some of the
    claim's event: a name may come from the sentence before ("Rite Aid … The company filed
    for bankruptcy"), not from the one after ("Rite Aid filed … chains like Walgreens")."""
    parts = [s.strip() for s in language.sentences(text)]
    pairs = [
        f"{a} {b}"
        for a, b in zip(parts, parts[1:])
        if not event or event & language.content_stems(b)
    ]
    return parts + pairs


# For a yes/no question the model's check ("do the passages contain the answer?") reads as
# P(the claim is true): false claims score low, true ones high (our 71-question set: true
# 0.66-0.98, most above 0.9; false mostly under 0.35; outcomes only announced spread over
# 0.2-0.9, which is why a yes also needs a sentence that states the claim). A yes needs it
# at YES_LINE or above, a no at NO_LINE or below; between, the passages do not settle it.
YES_LINE = 0.8
NO_LINE = 0.5
P_NOISE = 0.02  # how far P(yes) moves between CPUs of one kind


@dataclass(frozen=True)
class Settled:
    """A yes/no question's decision: the problem ("" when the reply stands; "plan" for a
    partial answer) and its distance from the line in units of P(yes)'s noise (None for
    the plan, which the passages' words decide whatever P(yes) is)."""

    problem: str
    margin: float | None


def settle(c: Claim, p_yes: float) -> Settled:
    """The reply's yes or no stands when the reply, the passage sentences and the model's
    P(yes) agree; an outcome asked of an article that only plans it is a partial answer."""
    if c.plan:
        return Settled("plan", None)
    if c.verdict == "yes":
        margin = (p_yes - YES_LINE) / P_NOISE
        if not c.states or c.negated:
            return Settled("no passage sentence states the claim", min(margin, -1.0))
        if margin < 0:
            return Settled(f"the model doubts the claim (p={p_yes:.2f})", margin)
        return Settled("", margin)
    margin = (NO_LINE - p_yes) / P_NOISE
    # a no stands on a negation of the whole claim, a sentence that says otherwise, or a
    # fact of the reply's own that the passages hold ("No, Argentina won the final")
    if not ((c.states and c.negated) or c.contrast or c.fact):
        return Settled("no passage sentence contradicts the claim", min(margin, -1.0))
    if margin < 0:
        return Settled(f"the model does not doubt the claim (p={p_yes:.2f})", margin)
    return Settled("", margin)


__all__ = [
    "Claim",
    "NOT_AN_ANSWER",
    "Settled",
    "added_words",
    "claim",
    "misattributed",
    "not_an_answer",
    "settle",
    "stated_choice",
    "unstated_choice",
]
