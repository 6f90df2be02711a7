"""Watched questions: a reader's question answered again when news changes what it retrieves,
with every answer kept and dated, so the reader sees what is new since they asked.

The list lives in a Chroma collection beside the index (on disk, or on the Chroma server,
where every replica sees it), one record per question with its answers as JSON."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from index.errors import StoreError
from index.store import open_collections

from .answering import Answerer
from .dates import long_date
from .errors import QuestionError
from .memo import normalised
from .types import Answer

log = logging.getLogger("newsdesk.watch")
_PLACE = [[1.0]]  # Chroma keeps a vector with every record; these need none
MAX_ANSWERS = 50  # answers kept per question (the oldest go first)
MAX_QUESTIONS = 1000  # questions one index may watch


@dataclass(frozen=True)
class Kept:
    """One answer to a watched question, as the reader saw it."""

    day: str  # YYYY-MM-DD it was answered
    answer: str
    refused: bool
    citations: list[dict[str, Any]]  # n, article_id, title, source, published_at, url
    retrieved: list[str]  # article ids the question retrieved then

    @classmethod
    def of(cls, answer: Answer, day: str) -> Kept:
        cited = [
            {
                k: getattr(c, k)
                for k in ("n", "article_id", "title", "source", "published_at", "url")
            }
            for c in answer.citations
        ]
        retrieved = list(dict.fromkeys(p.article_id for p in answer.passages))
        return cls(day, answer.answer, answer.refused, cited, retrieved)


@dataclass(frozen=True)
class WatchedQuestion:
    question: str
    answers: list[Kept] = field(default_factory=list)  # oldest first
    unread: bool = False  # a new answer the reader has not seen

    @property
    def id(self) -> str:
        return question_id(self.question)

    def news(self) -> dict[str, Any] | None:
        """What is new since the reader's previous answer: the new answer and the citations
        of articles the previous one did not cite; None before a second answer."""
        if len(self.answers) < 2:
            return None
        before, now = self.answers[-2], self.answers[-1]
        cited_before = {c["article_id"] for c in before.citations}
        fresh = [c for c in now.citations if c["article_id"] not in cited_before]
        return {
            "since": before.day,
            "line": f"New since {long_date(before.day)}: {now.answer}",
            "answer": now.answer,
            "new_citations": fresh,
            "earlier": before.answer,
        }


def question_id(question: str) -> str:
    return "q-" + hashlib.sha256(normalised(question).encode("utf-8")).hexdigest()[:16]


class WatchedQuestions:
    """The watch list of questions, answered by the answerer `answerer()` returns (called
    when a question is first answered, so that listing and counting never load the model),
    kept in `client` (Chroma)."""

    def __init__(
        self,
        client: Any,
        answerer: Callable[[], Answerer],
        *,
        prefix: str = "newsdesk",
        today: Callable[[], str] = lambda: date.today().isoformat(),
    ) -> None:
        self._answerer = answerer
        self.today = today
        (self.records,) = open_collections(
            client, "the watched questions", f"{prefix}_watched_questions"
        )

    @property
    def answerer(self) -> Answerer:
        return self._answerer()

    def questions(self) -> list[WatchedQuestion]:
        got = self.records.get(include=["documents"])
        found = [_loaded(doc) for doc in got["documents"]]
        return sorted(found, key=lambda w: (not w.unread, w.question.casefold()))

    def get(self, key: str) -> WatchedQuestion | None:
        ids = [key] if key.startswith("q-") else [question_id(key)]
        got = self.records.get(ids=ids, include=["documents"])
        return _loaded(got["documents"][0]) if got["ids"] else None

    def watch(self, question: str) -> WatchedQuestion:
        """Watches a question (answered now, unless it is watched already)."""
        question = " ".join((question or "").split())
        if not question:
            raise QuestionError("the question is empty")
        if known := self.get(question):
            return known
        if self.records.count() >= MAX_QUESTIONS:
            raise QuestionError(f"at most {MAX_QUESTIONS} questions can be watched")
        day = self.today()
        answer = self.answerer.ask(question, as_of=day)
        watched = WatchedQuestion(question, [Kept.of(answer, day)])
        self._put(watched)
        return watched

    def remove(self, key: str) -> bool:
        found = self.get(key)
        if found is None:
            return False
        self.records.delete(ids=[found.id])
        return True

    def mark_read(self, key: str) -> None:
        found = self.get(key)
        if found is not None and found.unread:
            self._put(WatchedQuestion(found.question, found.answers, unread=False))

    def with_news(self) -> int:
        """How many watched questions have a new answer the reader has not seen."""
        return sum(w.unread for w in self.questions())

    def refresh(self) -> list[WatchedQuestion]:
        """Answers again every watched question whose retrieval now finds an article its last
        answer did not have (news that changes what it retrieves); returns those with news:
        an answer that says something else. Costs only retrieval when nothing changed."""
        changed = []
        day = self.today()
        for watched in self.questions():
            last = watched.answers[-1]
            found = self.answerer.retriever.passages(watched.question, as_of=day)
            now = {p.article_id for p in found}
            if not now - set(last.retrieved):
                continue
            answer = self.answerer.ask(watched.question, as_of=day)
            kept = Kept.of(answer, day)
            if not _news(kept, last):
                # the same answer, or none: the last one stands; what it retrieves is noted
                noted = Kept(**{**asdict(last), "retrieved": kept.retrieved})
                answers = [*watched.answers[:-1], noted]
                self._put(WatchedQuestion(watched.question, answers, watched.unread))
                continue
            again = WatchedQuestion(watched.question, [*watched.answers, kept][-MAX_ANSWERS:], True)
            self._put(again)
            changed.append(again)
            log.info("watched question answered again: %s", watched.question)
        return changed

    def _put(self, watched: WatchedQuestion) -> None:
        doc = json.dumps(
            {
                "question": watched.question,
                "unread": watched.unread,
                "answers": [asdict(k) for k in watched.answers],
            },
            ensure_ascii=False,
        )
        try:
            self.records.upsert(
                ids=[watched.id],
                embeddings=_PLACE,
                documents=[doc],
                metadatas=[{"unread": watched.unread}],
            )
        except Exception as exc:
            raise StoreError(f"cannot save the watched question: {exc}") from exc


def _news(now: Kept, last: Kept) -> bool:
    """A new answer is news when it says something else than the last one did; a refusal
    ("the articles don't say") is not: what the reader was told still stands."""
    if now.refused:
        return False
    return last.refused or _said(now.answer) != _said(last.answer)


def _said(answer: str) -> str:
    """An answer's words, without its citation markers."""
    return normalised(re.sub(r"\[\d+\]", " ", answer))


def _loaded(doc: str) -> WatchedQuestion:
    data = json.loads(doc)
    answers = [Kept(**k) for k in data.get("answers", [])]
    return WatchedQuestion(data["question"], answers, bool(data.get("unread")))


__all__ = ["Kept", "WatchedQuestion", "WatchedQuestions", "question_id"]
