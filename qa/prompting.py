"""Prompt templates from the `prompts` package, rendered with Jinja StrictUndefined."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import jinja2
from llama_index.core.base.llms.types import ChatMessage

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
        return self.env.get_template(name).render(**values).strip()

    def messages(
        self, step: str, question: str, passages: Sequence[Passage], today: str = ""
    ) -> list[ChatMessage]:
        user = self.render(f"{step}.j2", question=question, passages=passages, today=today)
        return chat(("system", self.render("system.j2")), ("user", user))
