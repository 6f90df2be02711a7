"""Run an evaluation set through retrieval (and the answerer) and keep a record per question.

Only the question and its date reach the system. The scoring fields (answers, evidence, the
quiz's `choices`) are used by the scorer alone; `quiz_explanation` and `original_answer` are
not read."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .answering import Answerer
from .engines import FollowUpChatEngine
from .errors import QAError
from .eval_metrics import (
    answer_matches,
    choice_correct,
    citation_precision,
    nearest_choice,
    retrieval_scores,
)
from .evidence import BUDGETS, EvidenceSelector, tokens
from .followup import QuestionRewriter
from .retrieval import Retriever
from .types import Answer, Passage


class EvalSetError(QAError):
    """The evaluation files cannot be read."""


T = TypeVar("T")


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    evidence_article_ids: tuple[str, ...]
    answerable: bool
    evidence_label: str = ""
    question_date: str = ""
    choices: tuple[str, ...] = ()  # the quiz's options: for the scorer only, never a prompt


def _records(path: Path, kind: str, make: Callable[[int, dict], T], limit: int | None = None):
    """One `make(line number, row)` per JSON line of the file; EvalSetError names the file,
    the line and the problem."""
    out: list[T] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"{path}: cannot read {kind}s: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(make(number, json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise EvalSetError(f"{path} line {number}: not a {kind} record ({exc})") from exc
        if limit and len(out) >= limit:
            break
    if not out:
        raise EvalSetError(f"{path}: no {kind}s")
    return out


def load_questions(path: Path, limit: int | None = None) -> list[EvalQuestion]:
    def make(number: int, row: dict) -> EvalQuestion:
        return EvalQuestion(
            id=str(row.get("id") or f"line-{number}"),
            question=str(row["question"]),
            answers=tuple(row.get("answers") or ()),
            evidence_article_ids=tuple(row.get("evidence_article_ids") or ()),
            answerable=row.get("type") != "unanswerable",
            evidence_label=row.get("evidence_label") or "",
            question_date=(row.get("question_date") or "")[:10],
            choices=tuple(str(c) for c in row.get("choices") or ()),
        )

    return _records(path, "question", make, limit)


@dataclass(frozen=True)
class FollowUp:
    """A two-turn conversation: the follow-up depends on the first question."""

    id: str
    first: str
    followup: str
    answers: tuple[str, ...]
    expect: tuple[str, ...]  # words the searched question must hold ("a|b": either)
    question_date: str = ""


def load_followups(path: Path) -> list[FollowUp]:
    def make(number: int, row: dict) -> FollowUp:
        return FollowUp(
            id=str(row.get("id") or f"line-{number}"),
            first=str(row["first"]),
            followup=str(row["followup"]),
            answers=tuple(str(a) for a in row["answers"]),
            expect=tuple(str(e) for e in row.get("expect") or ()),
            question_date=str(row.get("question_date") or "")[:10],
        )

    return _records(path, "follow-up", make)


def holds_expected(searched: str, expect: Sequence[str]) -> bool:
    """The searched question names what the follow-up points back to: for each expected
    item, one of its alternatives ("BlueGale|wind farm")."""
    text = searched.lower()
    return all(any(alt.lower() in text for alt in item.split("|")) for item in expect)


RANK_DEPTH = 10  # articles ranked per question for hit@k and MRR


class Evaluation:
    """Asks each question; `answerer=None` measures retrieval only."""

    def __init__(
        self,
        retriever: Retriever,
        answerer: Answerer | None,
        rewriter: QuestionRewriter | None = None,
        evidence: EvidenceSelector | None = None,
    ) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.rewriter = rewriter
        self.evidence = evidence or EvidenceSelector(0)  # what the answerer would read

    def conversation(self, case: FollowUp) -> dict[str, Any]:
        """The two turns through the chat engine (the app's rewriting and ranking). The
        follow-up's record holds what a question's does (signals, reply, passages), so that
        the refusal model is fitted on follow-ups too."""
        assert self.answerer is not None and self.rewriter is not None
        engine = FollowUpChatEngine(self.answerer, self.rewriter, as_of=case.question_date)
        engine.chat(case.first)
        t0 = time.perf_counter()
        reply = engine.chat(case.followup)
        latency = (time.perf_counter() - t0) * 1000
        searched = str((reply.metadata or {})["question"])
        how = "as asked" if searched == case.followup else "rewritten"
        if searched.startswith(f"{case.followup} (follow-up to:"):
            how = "fallback"
        record: dict[str, Any] = {
            "id": case.id,
            "first": case.first,
            "followup": case.followup,
            "searched": searched,
            "how": how,
            "rewrite_ok": holds_expected(searched, case.expect),
            "question": searched,
            "question_date": case.question_date,
            "answerable": True,
        }
        record.update(_answered(engine.answers[-1], case.answers, (), True, latency))
        return record

    def one(self, q: EvalQuestion) -> dict[str, Any]:
        ranked = self.retriever.passages(q.question, RANK_DEPTH * 3, q.question_date)
        article_ids = list(dict.fromkeys(p.article_id for p in ranked))[:RANK_DEPTH]
        record: dict[str, Any] = {
            "id": q.id,
            "question": q.question,
            "question_date": q.question_date,
            "answerable": q.answerable,
            "evidence_label": q.evidence_label,
            "evidence_article_ids": list(q.evidence_article_ids),
            "ranked_article_ids": article_ids,
            "retrieval": retrieval_scores(article_ids, q.evidence_article_ids),
        }
        if self.answerer is None:
            # the passages the answerer would retrieve (the same call it makes) and read
            passages = self.retriever.passages(q.question, as_of=q.question_date)
            # and, for `newsdesk fit-evidence`, what each candidate budget would show
            shown = self.evidence.select_each(
                q.question, passages, (self.evidence.budget, *BUDGETS)
            )
            record["answer_in_context"] = _in_context(q, shown[self.evidence.budget])
            record["answer_in_passages"] = _in_context(q, passages)
            record["evidence"] = {str(b): _shown(q, shown[b]) for b in BUDGETS}
            return record
        t0 = time.perf_counter()
        answer = self.answerer.ask(q.question, as_of=q.question_date)
        latency = (time.perf_counter() - t0) * 1000
        record.update(_answered(answer, q.answers, q.choices, q.answerable, latency))
        # refused before the model read anything: what it would have read
        read = answer.read or self.evidence.select(q.question, answer.passages)
        record["answer_in_context"] = _in_context(q, read)
        record["answer_in_passages"] = _in_context(q, answer.passages)
        return record


def _answered(
    answer: Answer,
    golds: Sequence[str],
    choices: Sequence[str],
    answerable: bool,
    latency_ms: float,
) -> dict[str, Any]:
    """What a record keeps of an answer: the scores, and what `fit-refusal` replays."""
    cited = {c.n: c.passage for c in answer.citations}
    given = answerable and not answer.refused
    return {
        "answer": answer.answer,
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "golds": list(golds),
        "correct": given and answer_matches(answer.answer, golds),
        "choice": None if answer.refused else nearest_choice(answer.answer, choices),
        "correct_choice": given and choice_correct(answer.answer, choices, golds),
        "citation_verdicts": []
        if answer.refused
        else citation_precision(answer.answer, cited, golds),
        "cited_article_ids": [c.article_id for c in answer.citations],
        "passage_article_ids": [p.article_id for p in answer.passages],
        "signals": answer.signals,
        "reply": answer.reply,
        "choices": list(choices),
        "passages": [
            {k: getattr(p, k) for k in ("n", "article_id", "published_at", "score", "text")}
            for p in answer.passages
        ],
        "latency_ms": round(latency_ms, 1),
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
    }


def _shown(q: EvalQuestion, read: Sequence[Passage]) -> dict[str, Any]:
    """Whether a gold answer is in what a budget shows, and the size of that."""
    return {"in_context": _in_context(q, read), "tokens": sum(tokens(p.text) for p in read)}


def _in_context(q: EvalQuestion, passages: Sequence[Passage]) -> bool:
    """Whether a gold answer is in the passages the model read (or would read)."""
    return q.answerable and any(answer_matches(p.text, q.answers) for p in passages)
