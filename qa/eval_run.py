"""Run an evaluation set through retrieval (and the answerer) and keep a record per question.

Only the question and its date reach the system. The scoring fields (answers, evidence, the
quiz's `choices`) are used by the scorer alone; `quiz_explanation` and `original_answer` are
not read."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .answering import Answerer
from .errors import QAError
from .eval_metrics import (
    answer_matches,
    choice_correct,
    citation_precision,
    nearest_choice,
    retrieval_scores,
)
from .retrieval import Retriever
from .types import Passage


class EvalSetError(QAError):
    """The evaluation files cannot be read."""


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


def load_questions(path: Path, limit: int | None = None) -> list[EvalQuestion]:
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"{path}: cannot read questions: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=str(row.get("id") or f"line-{number}"),
                    question=str(row["question"]),
                    answers=tuple(row.get("answers") or ()),
                    evidence_article_ids=tuple(row.get("evidence_article_ids") or ()),
                    answerable=row.get("type") != "unanswerable",
                    evidence_label=row.get("evidence_label") or "",
                    question_date=(row.get("question_date") or "")[:10],
                    choices=tuple(str(c) for c in row.get("choices") or ()),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvalSetError(f"{path} line {number}: not a question record ({exc})") from exc
        if limit and len(questions) >= limit:
            break
    if not questions:
        raise EvalSetError(f"{path}: no questions")
    return questions


RANK_DEPTH = 10  # articles ranked per question for hit@k and MRR


class Evaluation:
    """Asks each question; `answerer=None` measures retrieval only."""

    def __init__(self, retriever: Retriever, answerer: Answerer | None) -> None:
        self.retriever = retriever
        self.answerer = answerer

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
            # the passages the answerer would read: the same call it makes
            read = self.retriever.passages(q.question, as_of=q.question_date)
            record["answer_in_context"] = _in_context(q, read)
            return record
        t0 = time.perf_counter()
        answer = self.answerer.ask(q.question, as_of=q.question_date)
        latency = (time.perf_counter() - t0) * 1000
        cited = {c.n: c.passage for c in answer.citations}
        record.update(
            answer_in_context=_in_context(q, answer.passages),
            answer=answer.answer,
            refused=answer.refused,
            refusal_reason=answer.refusal_reason,
            golds=list(q.answers),
            correct=q.answerable
            and not answer.refused
            and answer_matches(answer.answer, q.answers),
            choice=None if answer.refused else nearest_choice(answer.answer, q.choices),
            correct_choice=q.answerable
            and not answer.refused
            and choice_correct(answer.answer, q.choices, q.answers),
            citation_verdicts=[]
            if answer.refused
            else citation_precision(answer.answer, cited, q.answers),
            cited_article_ids=[c.article_id for c in answer.citations],
            passage_article_ids=[p.article_id for p in answer.passages],
            signals=answer.signals,
            latency_ms=round(latency, 1),
            prompt_tokens=answer.prompt_tokens,
            completion_tokens=answer.completion_tokens,
        )
        return record


def _in_context(q: EvalQuestion, passages: Sequence[Passage]) -> bool:
    """Whether a gold answer is in the passages the model read (or would read)."""
    return q.answerable and any(answer_matches(p.text, q.answers) for p in passages)
