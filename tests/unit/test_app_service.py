"""The chat app's service layer with fakes: chat turns, follow-ups, library picking."""

import gradio as gr

from index.types import Article
from ui.app import ChatService

FERRY = Article(
    title="Lake ferry returns",
    text="The Lake Orm ferry returned to service on Sunday, carrying 200 passengers.",
    source="Sample",
    published_at="2025-11-01",
)


def test_chat_streams_then_keeps_the_turn_for_follow_ups(container, llm):
    container.ingestor.add(FERRY)
    llm.replies = [
        "The ferry carried 200 passengers [1].",
        "When did the Lake Orm ferry return?",  # the rewrite
        "It returned on Sunday [1].",
    ]
    service = ChatService(container)
    events = list(service.chat("How many passengers did the Lake Orm ferry carry?", [], []))
    history, sources, turns = events[-1]
    assert "200" in history[-1]["content"] and "Lake ferry returns" in sources
    ((question, answer, cited),) = turns
    assert question == "How many passengers did the Lake Orm ferry carry?"
    assert answer == "The ferry carried 200 passengers [1]."
    assert len(cited) == 1 and cited[0].startswith(FERRY.id)  # the cited chunk
    *_, (history, sources, turns) = service.chat("When did it return?", history, turns)
    assert "Searched for: When did the Lake Orm ferry return?" in history[-1]["content"]
    assert len(turns) == 2 and len(history) == 4


def test_empty_question_changes_nothing(container):
    (event,) = ChatService(container).chat("  ", [], [])
    assert event == ([], "", [])


def test_clicking_a_library_row_picks_its_id(container):
    event = gr.SelectData(None, {"index": [0, 1], "value": "x", "row_value": ["a-1", "T"]})
    assert ChatService.pick("", event) == "a-1"
    assert ChatService.pick("a-0", event) == "a-0 a-1"
    assert ChatService.pick("a-1", event) == "a-1"


def test_library_filter_and_confirmed_delete(container):
    container.ingestor.add(FERRY)
    service = ChatService(container)
    assert [row[1] for row in service.library("ferry")] == ["Lake ferry returns"]
    assert service.library("nothing like it") == []
    article_id = service.library()[0][0]
    assert service.delete(article_id, False).startswith("tick the confirmation box")
    assert service.delete(article_id, True) == "deleted 1"
    assert service.library() == []


def test_the_as_of_date_reaches_the_answer_and_a_bad_one_is_one_line(container, llm):
    container.ingestor.add(FERRY)
    llm.replies = ["The ferry carried 200 passengers [1]."]
    service = ChatService(container)
    question = "How many passengers did the Lake Orm ferry carry?"
    *_, (history, _, _) = service.chat(question, [], [], "2025-11-03")
    assert "Today's date: 2025-11-03" in llm.prompts[-1][1]["content"]
    *_, (history, sources, turns) = service.chat(question, [], [], "last Tuesday")
    assert "as-of date &#39;last Tuesday&#39;: not a date" in history[-1]["content"]
    assert sources == "" and turns == []


def test_a_blank_as_of_date_is_today(container, llm):
    from datetime import date

    container.ingestor.add(FERRY)
    llm.replies = ["The ferry carried 200 passengers [1]."]
    list(ChatService(container).chat("How many passengers did the ferry carry?", [], [], ""))
    assert f"Today's date: {date.today().isoformat()}" in llm.checks[-1][1]["content"]
