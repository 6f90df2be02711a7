"""Timelines: what the articles report about a question (or one story), one line per article,
oldest first, each with the sentence that matters and where it was published.

A timeline is read from the index, not written by the model: every line is an article's own
sentence, so there is nothing to check and nothing to refuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from index import language
from index.store import ChromaStore
from index.stories import groups

from .dates import long_date
from .errors import QuestionError
from .evidence import Similarity, best_sentences
from .retrieval import Retriever
from .types import Outlet, Passage

# an article is on the timeline when its best sentence scores at least this share of the best
# article's: the retrieval's depth brings in articles that only share a word or two
RELEVANT_SHARE = 0.5


@dataclass(frozen=True)
class Event:
    """One article on a timeline."""

    published_at: str  # YYYY-MM-DD, "" when undated
    title: str
    source: str
    url: str
    article_id: str
    sentence: str  # the article's sentence that matters
    also_in: tuple[Outlet, ...] = ()  # other articles that carry the same passage

    def line(self) -> str:
        when = long_date(self.published_at) if self.published_at else "undated"
        outlet = f" ({self.source})" if self.source else ""
        return f"{when}: {self.title}{outlet}. {' '.join(self.sentence.split())}"


@dataclass(frozen=True)
class Timeline:
    """Dated articles oldest first; undated ones after them, apart (they cannot be placed)."""

    about: str  # the question, or "story <id>"
    events: list[Event]
    undated: list[Event] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "about": self.about,
            "events": [asdict(e) for e in self.events],
            "undated": [asdict(e) for e in self.undated],
        }

    def to_markdown(self) -> str:
        lines = [f"## Timeline: {' '.join(self.about.split())}", ""]
        if not (self.events or self.undated):
            return "\n".join([*lines, "The articles say nothing about it."]) + "\n"
        for e in [*self.events, *self.undated]:
            link = f" <{e.url}>" if e.url else ""
            also = "; ".join(o.source or o.title for o in e.also_in)
            lines.append(f"- {e.line()}{link}" + (f" (also in: {also})" if also else ""))
        return "\n".join(lines) + "\n"


class Timelines:
    """Builds timelines from the index: for a question, the articles retrieval finds (up to
    `depth`) that bear on it; for a story, every article grouped in it."""

    def __init__(
        self,
        retriever: Retriever,
        store: ChromaStore,
        similarity: Similarity | None,
        *,
        depth: int,
        max_question_chars: int,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self.similarity = similarity
        self.depth = depth
        self.max_question_chars = max_question_chars

    def for_question(self, question: str, as_of: str = "") -> Timeline:
        if not question.strip():
            raise QuestionError("the question is empty")
        QuestionError.check_length(question, self.max_question_chars)
        passages = self.retriever.passages(question, top_k=self.depth, as_of=as_of)
        best: dict[str, tuple[Passage, str, float]] = {}  # article id -> its best sentence
        for p, (sentence, score) in zip(
            passages, best_sentences(question, passages, self.similarity), strict=True
        ):
            if sentence and (p.article_id not in best or score > best[p.article_id][2]):
                best[p.article_id] = (p, sentence, score)
        top = max((score for *_, score in best.values()), default=0.0)
        kept = [
            Event(p.published_at, p.title, p.source, p.url, p.article_id, sentence, p.also_in)
            for p, sentence, score in best.values()
            if top > 0 and score >= RELEVANT_SHARE * top
        ]
        return _ordered(question, kept)

    def for_story(self, story: str) -> Timeline:
        """Every article of one story (as `newsdesk stories` lists them), each with its
        first sentence."""
        members = groups(self.store.list_articles()).get(story, [])
        events = []
        for a in members:
            stored = self.store.get_article(a.article_id, with_text=True)
            lead = language.sentences(stored.text)[:1] if stored else []
            events.append(
                Event(a.published_at, a.title, a.source, a.url, a.article_id, "".join(lead))
            )
        return _ordered(f"story {story}", events)


def _ordered(about: str, events: Sequence[Event]) -> Timeline:
    dated = sorted((e for e in events if e.published_at), key=lambda e: (e.published_at, e.title))
    return Timeline(about, dated, [e for e in events if not e.published_at])


__all__ = ["Event", "Timeline", "Timelines"]
