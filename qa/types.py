"""Data types of an answer: retrieved passages, citations and the answer itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Outlet:
    """Another article that carries a passage (a wire copy, another version of the story)."""

    article_id: str
    title: str
    source: str
    published_at: str
    url: str


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as numbered in the prompt."""

    n: int
    chunk_id: str
    article_id: str
    title: str
    source: str
    published_at: str
    url: str
    text: str
    start: int
    end: int
    score: float
    also_in: tuple[Outlet, ...] = ()  # other articles with the same passage, near enough


@dataclass(frozen=True)
class Citation:
    """A passage the answer cites; `start`/`end` are offsets of the passage in the article."""

    n: int
    article_id: str
    title: str
    source: str
    published_at: str
    url: str
    passage: str
    start: int
    end: int
    also_in: tuple[Outlet, ...] = ()  # other articles that carry the passage

    @classmethod
    def of(cls, p: Passage) -> Citation:
        return cls(
            p.n,
            p.article_id,
            p.title,
            p.source,
            p.published_at,
            p.url,
            p.text,
            p.start,
            p.end,
            p.also_in,
        )

    def also_line(self) -> str:
        """ "also in: Outlet (date), …" for people; "" when no other article carries it."""
        if not self.also_in:
            return ""
        named = [
            ", ".join(x for x in (o.source or o.title, o.published_at) if x) for o in self.also_in
        ]
        return "also in: " + "; ".join(named)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    timings: dict[str, float]
    prompt_tokens: int
    completion_tokens: int
    unsupported: list[str] = field(default_factory=list)  # sentences no passage supports
    refusal_reason: str = ""
    passages: list[Passage] = field(default_factory=list)  # everything retrieved
    read: list[Passage] = field(default_factory=list)  # what the model read of them
    signals: dict[str, float] = field(default_factory=dict)  # evidence the decision used
    reply: str = ""  # the model's reply as written, before the checks
    reported: str = ""  # for a question about a time: the date of the newest cited article

    @property
    def cited_passages(self) -> list[Passage]:
        """The passages the answer cites, in their retrieved order (none for a refusal)."""
        cited = {c.n for c in self.citations}
        return [p for p in self.passages if p.n in cited]

    def turn(self, question: str) -> tuple[str, str, list[str]]:
        """What a conversation keeps of this answer: the question searched for, the answer
        and the chunk ids it cites (a follow-up's retrieval reuses them)."""
        return (question, self.answer, [p.chunk_id for p in self.cited_passages])

    def to_markdown(self) -> str:
        return answer_markdown(self.to_json())

    def to_json(self) -> dict[str, Any]:
        """The command-line JSON contract."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [asdict(c) for c in self.citations],
            "timings": self.timings,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "unsupported_sentences": self.unsupported,
            "refusal_reason": self.refusal_reason,
            "signals": self.signals,
            "reported": self.reported,
        }


def answer_markdown(record: dict[str, Any]) -> str:
    """An answer (its `to_json` record) as Markdown to take away: the question, the answer
    with its markers, and each source with its outlet, date, address and passage."""
    lines = [f"## {_one_line(record['question'])}", "", record["answer"].strip()]
    if record.get("reported"):
        lines += ["", f"*As of {record['reported']}, the date of the newest article cited.*"]
    if record.get("citations"):
        lines += ["", "**Sources**", ""]
    for c in record.get("citations", []):
        meta = ", ".join(x for x in (c.get("source"), c.get("published_at")) if x)
        lines.append(f"[{c['n']}] {_one_line(c['title'])}" + (f" ({meta})" if meta else ""))
        if c.get("url"):
            lines.append(f"    <{c['url']}>")
        for o in c.get("also_in") or ():
            seen = ", ".join(x for x in (o.get("source"), o.get("published_at")) if x)
            where = f" <{o['url']}>" if o.get("url") else ""
            lines.append(
                f"    also in: {_one_line(o['title'])}" + (f" ({seen})" if seen else "") + where
            )
        lines.append(f"    > {_one_line(c['passage'])}")
    return "\n".join(lines) + "\n"


def conversation_markdown(records: list[dict[str, Any]], title: str = "Newsdesk") -> str:
    """Several answers, in the order asked, as one Markdown file."""
    return f"# {title}\n\n" + "\n".join(answer_markdown(r) for r in records)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Delta:
    """A piece of the answer as the model writes it (before the checks)."""

    text: str


@dataclass(frozen=True)
class Done:
    """The checked answer; the last event of a stream."""

    answer: Answer


AnswerEvent = Delta | Done
