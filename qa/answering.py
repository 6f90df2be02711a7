"""Answer a question from retrieved passages, with citations and refusal enforced in code."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from .citations import CheckedAnswer, enforce_citations
from .llm import LLM
from .models import Answer, Citation, Passage
from .prompting import Prompts
from .retrieval import Retriever

# The model's own ways of saying the passages lack the answer.
_NOT_FOUND = re.compile(
    r"\b(?:not found|(?:do|does|did)(?: not|n['’]t) (?:say|mention|contain|provide|specify|state"
    r"|include|indicate|give)|(?:is|are) not (?:mentioned|stated|specified|provided|given|known)"
    r"|no (?:information|mention|details)|cannot (?:be )?(?:determine|answer|find)|unknown)\b",
    re.IGNORECASE,
)


def refusal_text(question: str) -> str:
    return f'The indexed articles don\'t say. Nothing in them answers "{question.strip()}".'


@dataclass(frozen=True)
class AnswerPolicy:
    """Thresholds that decide when to answer; tuned by measurement (`newsdesk eval`)."""

    min_relevance: float = 0.2  # best passage similarity under this: refuse without the model
    min_yes: float = 0.6  # the model's P(yes) that the passages hold the answer
    min_support: float = 0.5  # share of a sentence's content words a cited passage must hold
    max_tokens: int = 160


class Answerer:
    """Retrieve, check that the passages hold an answer, generate, then enforce citations."""

    def __init__(
        self, retriever: Retriever, llm: LLM, prompts: Prompts, policy: AnswerPolicy | None = None
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.prompts = prompts
        self.policy = policy or AnswerPolicy()

    def ask(self, question: str, *, top_k: int | None = None, as_of: str = "") -> Answer:
        for event in self.stream(question, top_k=top_k, as_of=as_of):
            if isinstance(event, Answer):
                return event
        raise AssertionError("stream ended without an answer")  # pragma: no cover

    def stream(
        self, question: str, *, top_k: int | None = None, as_of: str = ""
    ) -> Iterator[str | Answer]:
        """Yields answer text as it is generated, then the checked `Answer`."""
        t0 = time.perf_counter()
        passages = self.retriever.retrieve(question, top_k, as_of)
        timer = _Timer(t0, retrieve_ms=_ms(t0))
        signals = timer.signals
        top = max((p.score for p in passages), default=0.0)
        signals["top_similarity"] = round(top, 4)
        if not passages or top < self.policy.min_relevance:
            yield self._refused(question, passages, timer, 0, 0, "no relevant passage")
            return
        check = self.prompts.messages("check", question, passages, as_of)
        prompt_tokens = self.llm.count_tokens(check)
        p_yes = self.llm.yes_probability(check)
        signals["p_yes"] = round(p_yes, 4)
        timer.mark("check_ms")
        if p_yes < self.policy.min_yes:
            reason = f"the model judged the passages do not answer (p={p_yes:.2f})"
            yield self._refused(question, passages, timer, prompt_tokens, 1, reason)
            return
        messages = self.prompts.messages("answer", question, passages, as_of)
        prompt_tokens = self.llm.count_tokens(messages)
        pieces: list[str] = []
        for piece in self.llm.stream(messages, max_tokens=self.policy.max_tokens):
            timer.first_token()
            pieces.append(piece)
            yield piece
        yield self._finish(question, "".join(pieces), passages, timer, prompt_tokens, len(pieces))

    def _finish(self, question, raw, passages, timer, prompt_tokens, completion_tokens) -> Answer:
        checked = enforce_citations(raw, passages, self.policy.min_support)
        reason = _refusal_reason(checked)
        if reason:
            return self._refused(
                question, passages, timer, prompt_tokens, completion_tokens, reason
            )
        by_n = {p.n: p for p in passages}
        return Answer(
            question=question,
            answer=checked.text,
            refused=False,
            citations=[Citation.of(by_n[n]) for n in sorted(checked.cited)],
            timings=timer.done(),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            unsupported=checked.unsupported,
            passages=list(passages),
            signals=timer.signals,
        )

    def _refused(self, question, passages, timer, prompt_tokens, completion_tokens, reason):
        timer.first_token()
        return Answer(
            question=question,
            answer=refusal_text(question),
            refused=True,
            citations=[],
            timings=timer.done(),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            refusal_reason=reason,
            passages=list(passages),
            signals=timer.signals,
        )


def _refusal_reason(checked: CheckedAnswer) -> str:
    """Why a generated reply must not be shown as an answer; "" when it may."""
    if not checked.sentences:
        return "the model gave no answer"
    if any(_NOT_FOUND.search(s) for s in checked.sentences):
        return "the model said the passages do not answer"
    if len(checked.unsupported) == len(checked.sentences):
        return "no sentence of the reply is supported by a passage"
    return ""


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


class _Timer:
    def __init__(self, t0: float, **marks: float) -> None:
        self.t0 = t0
        self.marks = dict(marks)
        self.signals: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = _ms(self.t0)

    def first_token(self) -> None:
        self.marks.setdefault("first_token_ms", _ms(self.t0))

    def done(self) -> dict[str, float]:
        return {**self.marks, "total_ms": _ms(self.t0)}


__all__ = ["Answerer", "AnswerPolicy", "Passage", "refusal_text"]
