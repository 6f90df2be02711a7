"""Prompt templates from the `prompts` package, rendered with Jinja StrictUndefined."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import jinja2
from llama_index.core.base.llms.types import ChatMessage

from index.language import yes_no_question

from .llm import chat
from .types import Passage


class _PackageLoader(jinja2.BaseLoader):
    """Loads templates through importlib.resources, so they work from any install."""

    def __init__(self, package: str) -> None:
        self.package = package

    def get_source(self, environment, template):
        try:
            source = resources.files(self.package).joinpath(template).read_text("utf-8")
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        return source, None, lambda: True


@dataclass(frozen=True)
class Shown:
    """A passage as the prompt shows it: without the text an earlier passage of the same
    article already shows (the chunks' overlap)."""

    n: int
    text: str


@dataclass(frozen=True)
class Article:
    """The passages of one article, under one header, in the article's order."""

    title: str
    source: str
    published_at: str
    passages: list[Shown]


def articles(passages: Sequence[Passage]) -> list[Article]:
    """The passages grouped by article, articles in the order of their best passage. The
    header is said once per article and overlapping chunks are not repeated: the same
    evidence in fewer tokens."""
    groups: dict[str, list[Passage]] = {}
    for p in passages:
        groups.setdefault(p.article_id or f"#{p.n}", []).append(p)
    out = []
    for group in groups.values():
        group.sort(key=lambda p: (p.start, p.n))
        shown = [Shown(group[0].n, group[0].text)]
        shown += [Shown(p.n, _unrepeated(prev, p)) for prev, p in zip(group, group[1:])]
        first = group[0]
        out.append(Article(first.title, first.source, first.published_at, shown))
    return out


def _unrepeated(prev: Passage, p: Passage) -> str:
    """`p`'s text after what `prev` (the article's passage before it) already shows; all of
    it unless the offsets and the text agree that they overlap."""
    overlap = prev.end - p.start
    if not (0 < overlap < len(p.text) and p.start >= prev.start and p.end > prev.end):
        return p.text
    if p.text[:overlap] != prev.text[-overlap:]:
        return p.text
    rest = p.text[overlap:].lstrip()
    return f"… {rest}" if rest else p.text


class Prompts:
    """Builds the chat messages for each step; every step shares the same system prompt and
    passage block, so the model's prefix cache serves the second step."""

    def __init__(self, package: str = "prompts") -> None:
        self.env = jinja2.Environment(
            loader=_PackageLoader(package),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=False,
            autoescape=False,
        )

    def render(self, name: str, **values) -> str:
        if "passages" in values:
            values["articles"] = articles(values["passages"])
        if "question" in values:
            values.setdefault("yes_no", yes_no_question(values["question"]))
        return self.env.get_template(name).render(**values).strip()

    def messages(
        self, step: str, question: str, passages: Sequence[Passage], today: str = ""
    ) -> list[ChatMessage]:
        user = self.render(f"{step}.j2", question=question, passages=passages, today=today)
        return chat(("system", self.render("system.j2")), ("user", user))
