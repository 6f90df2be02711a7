"""Answer a question from retrieved passages, with citations and refusal enforced in code."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.llms import LLM

from .citations import CheckedAnswer, enforce_citations
from .errors import QuestionError
from .llm import count_tokens, pieces, yes_probability
from .prompting import Prompts
from .retrieval import Retriever
from .types import Answer, AnswerEvent, Citation, Delta, Done, Passage

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
    """Thresholds that decide when to answer (values come from the settings)."""

    min_relevance: float  # best passage similarity under this: refuse without the model
    min_yes: float  # the model's P(yes) that the passages hold the answer
    min_support: float  # share of a sentence's content words a cited passage must hold
    max_tokens: int  # longest answer
    max_question_chars: int  # longer questions are refused with a message


class Answerer:
    """Retrieve, check that the passages hold an answer, generate, then enforce citations."""

    def __init__(self, retriever: Retriever, llm: LLM, prompts: Prompts, policy: AnswerPolicy):
        self.retriever = retriever
        self.llm = llm
        self.prompts = prompts
        self.policy = policy

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
        if len(question) > self.policy.max_question_chars:
            raise QuestionError(
                f"the question is {len(question):,} characters long; "
                f"at most {self.policy.max_question_chars:,} can be asked"
            )
        attempt = _Attempt(question)
        attempt.passages = self.retriever.passages(question, top_k, as_of, also)
        attempt.mark("retrieve_ms")
        top = max((p.score for p in attempt.passages), default=0.0)
        attempt.signals["top_similarity"] = round(top, 4)
        if not attempt.passages or top < self.policy.min_relevance:
            yield Done(attempt.refused("no relevant passage"))
            return
        (check, check_tokens), (messages, answer_tokens) = self._fitting(attempt, as_of)
        attempt.prompt_tokens = check_tokens
        p_yes = yes_probability(self.llm, check)
        attempt.signals["p_yes"] = round(p_yes, 4)
        attempt.completion_tokens = 1
        attempt.mark("check_ms")
        if p_yes < self.policy.min_yes:
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
        yield Done(self._checked(attempt, "".join(text)))

    def _fitting(self, attempt: _Attempt, as_of: str) -> list[tuple[list[ChatMessage], int]]:
        """The check's and the answer's prompts with their sizes. The lowest-ranked passages
        are left out while a prompt and the answer would not fit the model's context."""
        window = self.llm.metadata.context_window
        budget = window - self.policy.max_tokens
        while True:
            prompts = []
            for step in ("check", "answer"):
                messages = self.prompts.messages(step, attempt.question, attempt.passages, as_of)
                prompts.append((messages, count_tokens(self.llm, messages)))
            if max(tokens for _, tokens in prompts) <= budget:
                return prompts
            if len(attempt.passages) <= 1:
                raise QuestionError(
                    "the question and its passages do not fit the model's "
                    f"context of {window} tokens"
                )
            attempt.passages = attempt.passages[:-1]

    def _checked(self, attempt: _Attempt, raw: str) -> Answer:
        checked = enforce_citations(raw, attempt.passages, self.policy.min_support)
        reason = _refusal_reason(checked)
        if reason:
            return attempt.refused(reason)
        by_n = {p.n: p for p in attempt.passages}
        citations = [Citation.of(by_n[n]) for n in sorted(checked.cited)]
        return attempt.answer(checked.text, citations, checked.unsupported)


def _refusal_reason(checked: CheckedAnswer) -> str:
    """Why a generated reply must not be shown as an answer; "" when it may."""
    if not checked.sentences:
        return "the model gave no answer"
    if any(_NOT_FOUND.search(s) for s in checked.sentences):
        return "the model said the passages do not answer"
    if len(checked.unsupported) == len(checked.sentences):
        return "no sentence of the reply is supported by a passage"
    return ""


@dataclass
class _Attempt:
    """What one question has gathered so far: passages, timings, evidence and token counts."""

    question: str
    passages: list[Passage] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)
    signals: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
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
            signals=self.signals,
        )

    def refused(self, reason: str) -> Answer:
        return self.answer(refusal_text(self.question), [], [], reason)


__all__ = ["Answerer", "AnswerPolicy", "Passage", "refusal_text"]
