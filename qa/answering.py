"""Answer a question from retrieved passages, with citations and refusal enforced in code."""

from __future__ import annotations

import re
import time
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.llms import LLM

from index import language

from .citations import CheckedAnswer, enforce_citations, evidence_text, with_markers
from .dates import long_date, time_sensitive
from .entailment import (
    NO_LINE,
    NOT_AN_ANSWER,
    claim,
    misattributed,
    not_an_answer,
    settle,
    stated_choice,
    unstated_choice,
)
from .errors import QuestionError
from .evidence import EvidenceSelector
from .llm import count_tokens, pieces, prime, reply, yes_probability
from .memo import Memo, normalised
from .prompting import Prompts
from .retrieval import Retriever
from .trust import RefusalModel, signals_after, signals_found
from .types import Answer, AnswerEvent, Citation, Delta, Done, Passage

# The model's own ways of saying the passages lack the answer.
_NOT_FOUND = re.compile(
    r"\b(?:not found|(?:do|does|did)(?: not|n['’]t) (?:say|mention|contain|provide|specify|state"
    r"|include|indicate|give)|(?:is|are) not (?:mentioned|stated|specified|provided|given|known)"
    r"|no (?:information|mention|details)|cannot (?:be )?(?:determine|answer|find)|unknown)\b",
    re.IGNORECASE,
)


UNDER_THE_LINE = "the evidence is under the line"
PLAN_NOT_OUTCOME = "the articles report a plan, not its outcome"


def refusal_text(question: str) -> str:
    return f'The indexed articles don\'t say. Nothing in them answers "{question.strip()}".'


@dataclass(frozen=True)
class AnswerPolicy:
    """How answers are decided (values come from the settings)."""

    refusal: RefusalModel  # weighs the evidence: answer or refuse
    min_support: float  # share of a sentence's content words a cited passage must hold
    max_tokens: int  # longest answer
    max_question_chars: int  # longer questions are refused with a message


class Answerer:
    """Retrieve, check that the passages hold an answer, generate, enforce citations, then
    decide from all the evidence whether the reply is given."""

    def __init__(
        self,
        retriever: Retriever,
        llm: LLM,
        prompts: Prompts,
        policy: AnswerPolicy,
        *,
        memo: Memo[Answer] | None = None,
        settings_key: str = "",
        evidence: EvidenceSelector | None = None,
    ):
        self.retriever = retriever
        # what the model reads of the passages (default: all of them)
        self.evidence = evidence or EvidenceSelector(0)
        self.llm = llm
        self.prompts = prompts
        # answers already given, kept by what decides them (`settings_key`: the settings)
        self.memo: Memo[Answer] = memo if memo is not None else Memo(0)
        self.settings_key = settings_key
        self.policy = policy

    @property
    def policy(self) -> AnswerPolicy:
        return self._policy

    @policy.setter
    def policy(self, policy: AnswerPolicy) -> None:
        """A new policy (eval's and bench's refusal line) decides anew: kept answers go."""
        self._policy = policy
        self.memo.clear()

    def warm_up(self) -> None:
        """Builds retrieval's indexes and reads the prompts' shared start (the system prompt)
        into the model's cache, so that the first question costs what any other does."""
        self.retriever.passages("warm up")
        prime(self.llm, self.prompts.messages("check", "", []))

    def ask(
        self,
        question: str,
        *,
        top_k: int | None = None,
        as_of: str = "",
        also: Sequence[str] = (),
    ) -> Answer:
        for event in self.stream(question, top_k=top_k, as_of=as_of, also=also):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("stream ended without an answer")  # pragma: no cover

    def stream(
        self,
        question: str,
        *,
        top_k: int | None = None,
        as_of: str = "",
        also: Sequence[str] = (),
    ) -> Iterator[AnswerEvent]:
        """`Delta`s of the answer text as it is generated, then `Done` with the checked answer.
        `also`: chunk ids that compete in the ranking (a follow-up's earlier citations).
        Raises QuestionError for a question too long to ask."""
        QuestionError.check_length(question, self.policy.max_question_chars)
        t0 = time.perf_counter()
        key = self._key(question, top_k, as_of, also)
        if (kept := self.memo.get(key)) is not None:
            elapsed = round((time.perf_counter() - t0) * 1000, 1)
            yield Done(_asked_again(kept, question, elapsed))
            return
        for event in self._stream(question, top_k, as_of, also):
            if isinstance(event, Done):
                self.memo.put(key, event.answer)
            yield event

    def _key(self, question: str, top_k: int | None, as_of: str, also: Sequence[str]) -> Hashable:
        """Everything an answer depends on: the question, its date (or, undated, today's:
        "latest" changes with the day), what competes in the ranking, the index as it is
        now and the settings."""
        day = as_of or date.today().isoformat()
        revision = self.retriever.store.revision() if self.memo.size else ""
        return (normalised(question), day, top_k, tuple(also), revision, self.settings_key)

    def _stream(
        self, question: str, top_k: int | None, as_of: str, also: Sequence[str]
    ) -> Iterator[AnswerEvent]:
        attempt = Attempt(question, as_of)
        attempt.passages = self.retriever.passages(question, top_k, as_of, also)
        attempt.mark("retrieve_ms")
        attempt.signals = signals_found(attempt.passages)
        if not attempt.passages:
            yield Done(attempt.refused("no passage to read"))
            return
        # a yes/no question's check reads as the claim's truth, not the passages' relevance:
        # its reply is always written, and judged by `settle`
        yes_no = language.yes_no_question(question)
        if not yes_no and self.policy.refusal.hopeless(attempt.signals):
            attempt.note_best(self.policy.refusal)
            yield Done(attempt.refused("no relevant passage"))
            return
        attempt.shown = self.evidence.select(question, attempt.passages)  # what the model reads
        (check, check_tokens), (messages, answer_tokens) = self._fitting(attempt, as_of)
        attempt.prompt_tokens = check_tokens
        p_yes = yes_probability(self.llm, check)
        attempt.signals["p_yes"] = p_yes
        attempt.completion_tokens = 1
        attempt.mark("check_ms")
        if not yes_no and self.policy.refusal.hopeless(attempt.signals):
            attempt.note_best(self.policy.refusal)
            reason = f"the model judged the passages do not answer (p={p_yes:.2f})"
            yield Done(attempt.refused(reason))
            return
        attempt.prompt_tokens = answer_tokens
        text: list[str] = []
        for piece in pieces(self.llm, messages, max_tokens=self.policy.max_tokens):
            attempt.first_token()
            text.append(piece)
            yield Delta(piece)
        attempt.completion_tokens = len(text)
        yield Done(self._checked(attempt, "".join(text), as_of))

    def _checked(self, attempt: Attempt, text: str, as_of: str) -> Answer:
        """The judged answer; a reply that does not answer the question gets one focused
        retry."""
        answer = judge(attempt, text, self.policy)
        if not answer.refusal_reason.startswith(NOT_AN_ANSWER):
            return answer
        messages = self.prompts.messages("retry", attempt.question, attempt.shown, as_of)
        retried = reply(self.llm, messages, max_tokens=self.policy.max_tokens)
        attempt.signals["retried"] = 1.0
        attempt.mark("retry_ms")
        return judge(attempt, retried, self.policy)

    def _fitting(self, attempt: Attempt, as_of: str) -> list[tuple[list[ChatMessage], int]]:
        """The check's and the answer's prompts with their sizes. The lowest-ranked passages
        are left out while a prompt and the answer would not fit the model's context."""
        window = self.llm.metadata.context_window
        budget = window - self.policy.max_tokens
        while True:
            prompts = []
            for step in ("check", "answer"):
                messages = self.prompts.messages(step, attempt.question, attempt.shown, as_of)
                prompts.append((messages, count_tokens(self.llm, messages)))
            if max(tokens for _, tokens in prompts) <= budget:
                return prompts
            if len(attempt.shown) <= 1:
                raise QuestionError(
                    "the question and its passages do not fit the model's "
                    f"context of {window} tokens"
                )
            last = attempt.shown[-1].n
            attempt.shown = attempt.shown[:-1]
            attempt.passages = [p for p in attempt.passages if p.n < last]


def _asked_again(kept: Answer, question: str, elapsed_ms: float) -> Answer:
    """A kept answer for a question asked again, maybe written differently: it names the
    question as asked this time, and its timings say it was not computed."""
    text = refusal_text(question) if kept.answer == refusal_text(kept.question) else kept.answer
    timings = {"total_ms": elapsed_ms, "cached": 1.0}
    return replace(kept, question=question, answer=text, timings=timings)


def judge(attempt: Attempt, reply: str, policy: AnswerPolicy) -> Answer:
    """The answer given for a reply: its citations checked, then answered, refused, or
    refused with what the articles do report (a plan, when the outcome was asked)."""
    attempt.reply = reply
    checked = enforce_citations(reply, attempt.passages, policy.min_support, attempt.question)
    if checked.turned:
        # the model misread its passage ("said it would meet" for "has ruled out a
        # meeting"): what the passage says, in its own words
        checked = enforce_citations(
            checked.righted(), attempt.passages, policy.min_support, attempt.question
        )
    attempt.signals.update(signals_after(attempt.question, checked))
    decision = policy.refusal.decide(attempt.signals)
    attempt.signals.update(score=round(decision.score, 4), margin=round(decision.margin, 2))
    yes_no = language.yes_no_question(attempt.question)
    # a yes or no is judged against the passage sentences by `settle`, not by the words of
    # the reply ("won" for the passage's "victory")
    reason = _refusal_reason(checked, need_support=not yes_no)
    if reason:
        return attempt.refused(reason)
    if yes_no:
        return _yes_no(attempt, checked)
    by_n = {p.n: p for p in attempt.passages}
    citations = [Citation.of(by_n[n]) for n in sorted(checked.cited)]
    problem = (
        not_an_answer(attempt.question, checked)
        or unstated_choice(attempt.question, checked, attempt.passages)
        or misattributed(checked)
    )
    if problem:
        return attempt.refused(problem)
    if attempt.signals["plan_only"]:
        # the passages' words decide, whatever the score: its margin is not the decision's
        attempt.signals.pop("margin", None)
        # in the articles' words: a reply may retell a plan as what happened
        known = evidence_text(checked)
        cited = {n for n, said in checked.evidence if said} if known else set(checked.cited)
        return attempt.partial(
            known or checked.text,
            [c for c in citations if c.n in cited],
            PLAN_NOT_OUTCOME,
        )
    if attempt.signals["p_yes"] >= NO_LINE and stated_choice(
        attempt.question, checked, attempt.passages
    ):
        # the passages' words settle the choice, not the line, where the model's check does
        # not doubt it (a sentence's words can name an alternative as what another did):
        # the score's margin is not the decision's
        attempt.signals.pop("margin", None)
    elif not decision.answer:
        return attempt.refused(f"{UNDER_THE_LINE} (score {decision.score:.2f})")
    text, kept = checked.given()
    return attempt.answer(text, [c for c in citations if c.n in kept], checked.unsupported)


def _yes_no(attempt: Attempt, checked: CheckedAnswer) -> Answer:
    """A yes/no question's answer: given when the reply, the passages and the model's check
    agree (`settle`), with the decision's margin, as "Yes." or "No." and the passage
    sentence that shows it, in its own words (or the reply's own fact, for a no that gives
    one); the plan when the articles only plan the outcome asked about; else a refusal."""
    found = claim(attempt.question, checked, attempt.passages)
    settled = settle(found, attempt.signals["p_yes"])
    if settled.margin is None:  # a rule decided, not the line: the score's margin is not it
        attempt.signals.pop("margin", None)
    else:
        attempt.signals.update(margin=round(settled.margin, 2))
    by_n = {p.n: p for p in attempt.passages}
    if settled.problem == "plan":
        planned: list[tuple[int, str]] = []
        for n, w in [*(e for e in found.evidence[:2] if language.plan_only(e[1])), found.basis]:
            if w and not any(w in x or x in w for _, x in planned):  # windows overlap
                planned.append((n, w))
        known = " ".join(with_markers(w, [n]) for n, w in planned[:2])
        cited = [Citation.of(by_n[n]) for n in dict.fromkeys(n for n, _ in planned)]
        return attempt.partial(known, cited, PLAN_NOT_OUTCOME)
    if settled.problem:
        return attempt.refused(settled.problem)
    if found.verdict == "no" and found.fact:
        cited = [Citation.of(by_n[n]) for n in sorted(checked.cited)]
        return attempt.answer(checked.text, cited, checked.unsupported)
    n, window = found.basis
    verdict = found.verdict.capitalize()
    return attempt.answer(f"{verdict}. {with_markers(window, [n])}", [Citation.of(by_n[n])], [])


def partial_text(known: str, citations: Sequence[Citation]) -> str:
    """What the articles do report, dated, when they hold only the plan the question asks
    the outcome of."""
    newest = _newest(citations)
    lead = f"As of {long_date(newest)}, the articles" if newest else "The articles"
    return (
        f"{lead} report only what was planned or expected: {known} They don't report the outcome."
    )


def _refusal_reason(checked: CheckedAnswer, need_support: bool = True) -> str:
    """Why a reply cannot be given whatever the evidence says; "" when it may."""
    if checked.removed and not checked.sentences:
        return "the reply names what no passage holds"
    if not checked.sentences:
        return "the model gave no answer"
    if any(_NOT_FOUND.search(s) for s in checked.sentences):
        return "the model said the passages do not answer"
    if need_support and len(checked.unsupported) == len(checked.sentences):
        return "no sentence of the reply is supported by a passage"
    return ""


@dataclass
class Attempt:
    """What one question has gathered so far: passages, timings, evidence and token counts."""

    question: str
    as_of: str = ""
    passages: list[Passage] = field(default_factory=list)
    shown: list[Passage] = field(default_factory=list)  # what the model reads of them
    marks: dict[str, float] = field(default_factory=dict)
    signals: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reply: str = ""
    t0: float = field(default_factory=time.perf_counter)

    def _ms(self) -> float:
        return round((time.perf_counter() - self.t0) * 1000, 1)

    def mark(self, name: str) -> None:
        self.marks[name] = self._ms()

    def first_token(self) -> None:
        self.marks.setdefault("first_token_ms", self._ms())

    def answer(
        self, text: str, citations: list[Citation], unsupported: list[str], reason: str = ""
    ) -> Answer:
        self.first_token()
        return Answer(
            question=self.question,
            answer=text,
            refused=bool(reason),
            citations=citations,
            timings={**self.marks, "total_ms": self._ms()},
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            unsupported=unsupported,
            refusal_reason=reason,
            passages=list(self.passages),
            read=list(self.shown),
            signals=self.signals,
            reply=self.reply,
            reported=_reported(self.question, self.as_of, citations),
        )

    def refused(self, reason: str) -> Answer:
        return self.answer(refusal_text(self.question), [], [], reason)

    def note_best(self, model: RefusalModel) -> None:
        """For a refusal before the reply: the score the best possible reply would get."""
        best = model.best(self.signals)
        self.signals.update(score=round(best.score, 4), margin=round(best.margin, 2))

    def partial(self, known: str, citations: list[Citation], reason: str) -> Answer:
        """A refusal that says what the articles do report, citing it."""
        return self.answer(partial_text(known, citations), citations, [], reason)


def _reported(question: str, as_of: str, citations: Sequence[Citation]) -> str:
    """For a question about a time ("last week", "latest", "will"), the date of the newest
    article the answer cites; else ""."""
    if not citations or not time_sensitive(question, as_of):
        return ""
    return _newest(citations)


def _newest(citations: Sequence[Citation]) -> str:
    """The date (YYYY-MM-DD) of the newest cited article; "" when none is dated."""
    return max((c.published_at[:10] for c in citations if c.published_at), default="")


__all__ = ["PLAN_NOT_OUTCOME", "Answerer", "AnswerPolicy", "Passage", "judge", "refusal_text"]
