"""Answers and rewrites are not computed twice: a repeat is served at once, and any write,
a new day, other settings or another policy make a new answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

import qa.answering
from index.types import Article
from qa.memo import Memo, normalised
from ui.container import Container

BRIDGE = Article(
    title="River bridge opens",
    text="The new river bridge opened on Saturday in Lowtown. It cost 40 million euros.",
    published_at="2025-05-10",
)
FERRY = Article(title="Ferry returns", text="The harbour ferry resumed service on Monday.")
QUESTION = "How much did the river bridge cost?"


@pytest.fixture
def answerer(container):
    container.ingestor.add(BRIDGE)
    return container.answerer


def test_a_question_asked_again_is_served_without_the_model(answerer, llm):
    llm.replies = ["The bridge cost 40 million euros [1].", "It cost 50 million euros [1]."]
    first = answerer.ask(QUESTION)
    calls = len(llm.prompts) + len(llm.checks)
    again = answerer.ask("  how much did the river  bridge cost ")
    assert len(llm.prompts) + len(llm.checks) == calls  # no model call at all
    assert again.answer == first.answer and again.citations == first.citations
    assert again.question == "  how much did the river  bridge cost "
    assert again.timings["cached"] == 1.0 and "first_token_ms" not in again.timings


def test_a_kept_refusal_quotes_the_question_as_asked_this_time(answerer, llm):
    llm.yes = 0.01
    answerer.ask("Who won the chess olympiad?")
    again = answerer.ask("who won the chess olympiad")
    assert again.refused and '"who won the chess olympiad"' in again.answer


def test_a_write_to_the_index_makes_a_new_answer(container, answerer, llm):
    llm.replies = ["The bridge cost 40 million euros [1].", "The bridge cost 40 million euros [1]."]
    answerer.ask(QUESTION)
    container.ingestor.add(FERRY)
    again = answerer.ask(QUESTION)
    assert "cached" not in again.timings and len(llm.prompts) == 2


def test_a_new_day_makes_a_new_answer_but_a_dated_question_keeps_its_own(
    answerer, llm, monkeypatch
):
    llm.replies = ["The bridge cost 40 million euros [1]."] * 3
    answerer.ask(QUESTION)
    answerer.ask(QUESTION, as_of="2025-06-01")

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date(2999, 1, 1)

    monkeypatch.setattr(qa.answering, "date", Tomorrow)
    assert "cached" not in answerer.ask(QUESTION).timings
    assert answerer.ask(QUESTION, as_of="2025-06-01").timings.get("cached") == 1.0


def test_another_policy_or_other_settings_decide_anew(container, answerer, llm, settings):
    llm.replies = ["The bridge cost 40 million euros [1]."] * 3
    answerer.ask(QUESTION)
    answerer.policy = replace(answerer.policy, min_support=0.1)
    assert "cached" not in answerer.ask(QUESTION).timings
    other = Container(settings.model_copy(update={"top_k": 2}), embedder=container.embedder)
    assert other.settings_key != container.settings_key


def test_no_cache_when_the_setting_is_zero(settings, make_container, llm):
    container = make_container(settings.model_copy(update={"answer_cache": 0}))
    container.ingestor.add(BRIDGE)
    llm.replies = ["The bridge cost 40 million euros [1]."] * 2
    container.answerer.ask(QUESTION)
    assert "cached" not in container.answerer.ask(QUESTION).timings


def test_a_follow_up_is_rewritten_once_for_the_same_conversation(container, llm):
    turns = [("Where will the finance ministers meet?", "They will meet in Oslo on Monday [1].")]
    llm.replies = ["Rewritten: When will the finance ministers meet in Oslo?", "unused"]
    first = container.rewriter.rewrite("When is that?", turns)
    assert container.rewriter.rewrite("when is that", turns) == first
    assert len(llm.prompts) == 1
    other = [("Where will the trade ministers meet?", "In Rome [1].")]
    llm.replies = ["Rewritten: When will the trade ministers meet in Rome?"]
    assert container.rewriter.rewrite("When is that?", other) != first


def test_the_memo_is_bounded_and_keeps_the_recently_used():
    memo: Memo[int] = Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1
    memo.put("c", 3)  # "b" was used least recently
    assert memo.get("b") is None and memo.get("a") == 1 and memo.get("c") == 3
    assert len(memo) == 2
    assert normalised(" Who  WON the race?? ") == normalised("who won the race")
