"""Follow-up questions ("And what about Japan?") rewritten into standalone questions before
retrieval, using the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from llama_index.core.llms import LLM

from index.language import QUESTION_WORD, STOPWORDS, stems

from .citations import MARKER
from .errors import QuestionError
from .llm import chat, count_tokens, reply
from .memo import Memo, normalised
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


_WHAT_ABOUT = re.compile(r"^(?:and |but |so )?(?:what|how) about\b", re.IGNORECASE)
_WORD = re.compile(r"[\w'’-]+")


_POINTS_BACK = re.compile(
    r"\b(?:he|she|it|they|them|him|his|her|hers|its|their|theirs|this|that|these|those)\b",
    re.IGNORECASE,
)


def rewrite_problem(follow_up: str, rewritten: str, context: str = "") -> str:
    """Why a rewrite cannot stand in for the follow-up ("" when it can): it must add to the
    follow-up, be a question, keep the follow-up's question word ("what about …" borrows the
    earlier one), its names and numbers, and the other words it asks about ("day" in "And on
    what day?"); and where the follow-up points back ("he", "it"), name what it points to
    with a word of the conversation (`context`: the last turn's question and answer)."""
    if not rewritten:
        return "empty"
    if " ".join(rewritten.lower().split()) == " ".join(follow_up.lower().split()):
        return "unchanged"  # the follow-up needs context and the model added none
    if not rewritten.rstrip().endswith("?"):
        return "not a question"
    if not _WHAT_ABOUT.match(follow_up.strip()):
        asked = QUESTION_WORD.search(follow_up)
        if asked and not re.search(rf"\b{asked.group(1)}\b", rewritten, re.IGNORECASE):
            return f"lost the question word {asked.group(1).lower()!r}"
    if missing := _names(follow_up) - _names(rewritten):
        return f"lost {', '.join(sorted(missing))}"
    if missing := _content(follow_up) - _content(rewritten):
        return f"lost {', '.join(sorted(missing))}"
    if context and _POINTS_BACK.search(follow_up):
        if not (_content(rewritten) - _content(follow_up)) & _content(context):
            return "lost the subject"  # "he" left as it was, or replaced by a stranger
    return ""


def _content(text: str) -> set[str]:
    """Stems of the words a question asks about: not stopwords, cues or question words."""
    words = [w.lower() for w in _WORD.findall(text)]
    kept = [w for w in words if w not in STOPWORDS and not _CUES.fullmatch(w)]
    return stems(kept)


class QuestionRewriter:
    """Turns a follow-up into a standalone question with the model; keeps the last turns.
    The turns come from the client (a browser session, or an API caller), so each is
    shortened, and nothing over `max_question_chars` reaches the model or the search."""

    def __init__(
        self,
        llm: LLM,
        prompts: Prompts,
        *,
        max_turns: int,
        max_tokens: int,
        max_question_chars: int,
        memo: Memo[str] | None = None,
        settings_key: str = "",
    ) -> None:
        self.llm = llm
        self.prompts = prompts
        self.max_turns = max_turns
        self.max_tokens = max_tokens
        self.max_chars = max_question_chars
        # rewrites already made, by follow-up and the turns it follows (not by the index:
        # a rewrite reads only the conversation)
        self.memo: Memo[str] = memo if memo is not None else Memo(0)
        self.settings_key = settings_key

    def rewrite(self, question: str, turns: Sequence[Sequence[Any]]) -> str:
        """The standalone question; the question itself when no rewrite is needed or usable.
        Raises QuestionError for a question too long to ask."""
        QuestionError.check_length(question, self.max_chars)
        if not turns or not needs_context(question):
            return question
        recent = [
            (_short(str(turn[0]), self.max_chars), _short(str(turn[1])))
            for turn in list(turns)[-self.max_turns :]
            if len(turn) >= 2
        ]
        if not recent:
            return question
        key = (normalised(question), tuple(recent), self.settings_key)
        if (kept := self.memo.get(key)) is not None:
            return kept
        rewritten = self._rewrite(question, recent)
        self.memo.put(key, rewritten)
        return rewritten

    def _rewrite(self, question: str, recent: list[tuple[str, str]]) -> str:
        user = self.prompts.render("condense.j2", question=question, turns=recent)
        # the answer's system prompt goes first, so the model's cached prefix stays valid
        messages = chat(("system", self.prompts.render("system.j2")), ("user", user))
        earlier, last = recent[-1][0], " ".join(recent[-1])
        if count_tokens(self.llm, messages) + self.max_tokens > self.llm.metadata.context_window:
            return self._both(question, earlier)
        rewritten = _clean(reply(self.llm, messages, max_tokens=self.max_tokens, stop=["\n"]))
        if rewrite_problem(question, rewritten, last):
            # the model answered, or dropped what the follow-up asks: search with both questions
            return self._both(question, earlier)
        return rewritten

    def _both(self, question: str, earlier: str) -> str:
        """The follow-up and the question before it, within the question cap (the follow-up
        alone when there is no room for a few words of the other)."""
        room = self.max_chars - len(f'{question} (follow-up to: "")')
        if room < 20:
            return question
        return f'{question} (follow-up to: "{_short(earlier, room)}")'


def earlier_passages(question: str, turns: Sequence[Sequence[Any]]) -> list[str]:
    """Chunk ids the previous answer cited, for a follow-up: they compete in its ranking
    (turns are (question, answer) or (question, answer, cited chunk ids))."""
    if not turns or not needs_context(question) or len(turns[-1]) < 3:
        return []
    return [str(chunk_id) for chunk_id in turns[-1][2]]


def _names(text: str) -> set[str]:
    """Capitalised words after the first word, and numbers: what a rewrite must keep."""
    words = re.findall(r"[\w'’-]+", text)
    return {w.lower() for w in words[1:] if w[0].isupper() or w[0].isdigit()}


def _short(answer: str, limit: int = 300) -> str:
    """At most `limit` characters, cut at a word, without citation markers."""
    text = " ".join(MARKER.sub("", answer).split())
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rsplit(" ", 1)[0] + "…" if limit > 0 else ""


_LABEL = re.compile(r"^(?:standalone question|(?:rewritten )?question|rewritten)\s*:\s*", re.I)


def _clean(reply: str) -> str:
    text = reply.strip().strip('"“”').strip()
    text = _LABEL.sub("", text)
    if not text or len(text) > 300:
        return ""
    return text
