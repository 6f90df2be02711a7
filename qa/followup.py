"""Follow-up questions ("And what about Japan?") rewritten into standalone questions before
retrieval, using the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Sequence

from llama_index.core.llms import LLM

from .citations import MARKER
from .llm import chat, reply
from .prompting import Prompts

# Words that point back into the conversation: a question with one of them (or a very short
# question) is rewritten; any other question is searched as it stands, at no model cost.
_CUES = re.compile(
    r"^(?:and|but|so|also|what about|how about|and what|why|then)\b|\b(?:he|she|it|they|them|"
    r"him|his|her|hers|its|their|theirs|that|this|those|these|there|then|the same|else|other)\b",
    re.IGNORECASE,
)


def needs_context(question: str) -> bool:
    return bool(_CUES.search(question.strip())) or len(question.split()) <= 3


class QuestionRewriter:
    """Turns a follow-up into a standalone question with the model; keeps the last turns."""

    def __init__(self, llm: LLM, prompts: Prompts, *, max_turns: int, max_tokens: int) -> None:
        self.llm = llm
        self.prompts = prompts
        self.max_turns = max_turns
        self.max_tokens = max_tokens

    def rewrite(self, question: str, turns: Sequence[tuple[str, str]]) -> str:
        """The standalone question; the question itself when no rewrite is needed or usable."""
        if not turns or not needs_context(question):
            return question
        recent = [(q, _short(a)) for q, a in list(turns)[-self.max_turns :]]
        user = self.prompts.render("condense.j2", question=question, turns=recent)
        # the answer's system prompt goes first, so the model's cached prefix stays valid
        messages = chat(("system", self.prompts.render("system.j2")), ("user", user))
        rewritten = _clean(reply(self.llm, messages, max_tokens=self.max_tokens, stop=["\n"]))
        if not rewritten or _names(question) - _names(rewritten):
            # the model dropped what the follow-up asks about: keep both questions instead
            return f'{question} (follow-up to: "{turns[-1][0]}")'
        return rewritten


def _names(text: str) -> set[str]:
    """Capitalised words after the first word, and numbers: what a rewrite must keep."""
    words = re.findall(r"[\w'’-]+", text)
    return {w.lower() for w in words[1:] if w[0].isupper() or w[0].isdigit()}


def _short(answer: str, limit: int = 300) -> str:
    text = " ".join(MARKER.sub("", answer).split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


_LABEL = re.compile(r"^(?:standalone question|(?:rewritten )?question|rewritten)\s*:\s*", re.I)


def _clean(reply: str) -> str:
    text = reply.strip().strip('"“”').strip()
    text = _LABEL.sub("", text)
    if not text or len(text) > 300:
        return ""
    return text
