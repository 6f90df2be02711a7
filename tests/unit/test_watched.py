"""Watched questions: answered again when news changes what they retrieve, every answer kept."""

import json

import pytest

from index.types import Article

STRIKE = (
    "Dock workers at the port of Varna walked out on Thursday. The dock workers union called "
    "the strike after wage talks with the port authority broke down."
)
DEAL = (
    "The dock workers union and the port authority agreed a wage deal on Tuesday, ending the "
    "dock strike at Varna after five weeks. Ships began to unload on Wednesday."
)
QUESTION = "What is happening with the dock strike at Varna?"


@pytest.fixture
def desk(container, llm):
    container.ingestor.add(Article("Dock strike begins", STRIKE, "Port News", "2025-02-20"))
    days = iter(["2025-02-21", "2025-03-26", "2025-03-27", "2025-03-28"])
    container.watched_questions.today = lambda: next(days)
    llm.replies = ["Dock workers at Varna are on strike over wages [1]."]
    return container


def test_news_that_changes_what_a_question_retrieves_answers_it_again(desk, llm):
    watched = desk.watched_questions.watch(QUESTION)
    assert [k.day for k in watched.answers] == ["2025-02-21"]
    assert not watched.unread and watched.news() is None
    desk.ingestor.add(Article("Deal ends strike", DEAL, "Harbour Post", "2025-03-25"))
    llm.replies = ["A wage deal ended the dock strike at Varna on Tuesday [1]."]
    (again,) = desk.watched_questions.refresh()
    assert again.unread and [k.day for k in again.answers] == ["2025-02-21", "2025-03-26"]
    news = again.news()
    assert news["line"] == (
        "New since 21 February 2025: A wage deal ended the dock strike at Varna on Tuesday [1]."
    )
    assert [c["title"] for c in news["new_citations"]] == ["Deal ends strike"]
    assert news["earlier"].startswith("Dock workers at Varna are on strike")
    assert desk.watched_questions.with_news() == 1
    desk.watched_questions.mark_read(again.id)
    assert desk.watched_questions.with_news() == 0
    assert len(desk.watched_questions.get(QUESTION).answers) == 2  # the history is kept


def test_nothing_new_asks_the_model_nothing(desk, llm):
    desk.watched_questions.watch(QUESTION)
    asked = len(llm.prompts) + len(llm.checks)
    assert desk.watched_questions.refresh() == []  # no article it had not retrieved
    assert len(llm.prompts) + len(llm.checks) == asked


def test_an_unrelated_article_or_a_refusal_is_not_news(desk, llm):
    desk.watched_questions.watch(QUESTION)
    desk.ingestor.add(Article("Bakery", "A bakery opened on Mill Lane on Friday.", "Crier"))
    llm.replies = ["The articles don't say."]
    assert desk.watched_questions.refresh() == []
    watched = desk.watched_questions.get(QUESTION)
    assert watched.answers[-1].answer.startswith("Dock workers at Varna are on strike")
    assert desk.watched_questions.with_news() == 0


def test_the_same_answer_again_is_not_news(desk, llm):
    desk.watched_questions.watch(QUESTION)
    desk.ingestor.add(Article("Deal ends strike", DEAL, "Harbour Post", "2025-03-25"))
    llm.replies = ["Dock workers at Varna are on strike over wages [2]."]  # other marker
    assert desk.watched_questions.refresh() == []
    assert desk.watched_questions.with_news() == 0


def test_watching_twice_keeps_one_and_remove_stops_it(desk):
    first = desk.watched_questions.watch(QUESTION)
    again = desk.watched_questions.watch("  what is happening with the dock strike at varna ")
    assert again.id == first.id and len(desk.watched_questions.questions()) == 1
    assert desk.watched_questions.remove(first.id)
    assert desk.watched_questions.questions() == []


def test_the_command_line_watches_and_shows_the_history(tmp_path, run_cli, llm):
    def cli(*args):
        return run_cli("--data-dir", str(tmp_path / "d"), *args)

    (tmp_path / "strike.txt").write_text(f"Dock strike begins\n{STRIKE}")
    cli("add", str(tmp_path / "strike.txt"), "--date", "2025-02-20")
    llm.replies = ["Dock workers at Varna are on strike over wages [1]."]
    watched = cli("watch-question", QUESTION)
    assert watched.exit_code == 0, watched.output
    assert "on strike over wages" in watched.output
    (row,) = json.loads(cli("watch-question", "--list", "--json").output)
    assert row["question"] == QUESTION and len(row["answers"]) == 1
    (tmp_path / "deal.txt").write_text(f"Deal ends strike\n{DEAL}")
    cli("add", str(tmp_path / "deal.txt"), "--date", "2025-03-25")
    llm.replies = ["A wage deal ended the dock strike at Varna [1]."]
    refreshed = cli("watch-question", "--refresh")
    assert "New since" in refreshed.output and "wage deal ended" in refreshed.output
    history = cli("watch-question", "--history", row["id"]).output
    assert history.index("on strike over wages") < history.index("wage deal ended")
    assert cli("watch-question").exit_code == 2


def test_the_star_watches_the_last_question_and_the_tab_shows_the_news(desk, llm):
    from ui.app import ChatService
    from ui.app_watched import Watched

    service = ChatService(desk)
    watched = Watched(service)
    assert "Ask a question first" in watched.star([])
    assert "Watching" in watched.star([(QUESTION, "…", [])])
    desk.ingestor.add(Article("Deal ends strike", DEAL, "Harbour Post", "2025-03-25"))
    llm.replies = ["A wage deal ended the dock strike at Varna on Tuesday [1]."]
    shown = watched.check_now()
    assert "New since 21 February 2025" in shown and "Deal ends strike" in shown
    assert "1 watched question with news" in service.status_line()
    assert "New since" not in watched.mark_read()
    assert "with news" not in service.status_line()
