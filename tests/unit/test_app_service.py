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


def _queue(max_size=10):
    from types import SimpleNamespace

    groups = {"model": SimpleNamespace(queue=[]), "write": SimpleNamespace(queue=[])}

    async def push(body, request, username):
        return True, "id", "success"

    return SimpleNamespace(event_queue_per_concurrency_id=groups, max_size=max_size, push=push)


def _waiting(queue, group, session, host, username=None):
    from types import SimpleNamespace

    request = SimpleNamespace(client=SimpleNamespace(host=host))
    event = SimpleNamespace(
        session_hash=session, request=request, username=username, concurrency_id=group
    )
    queue.event_queue_per_concurrency_id[group].queue.append(event)


def test_one_client_cannot_fill_the_queue_and_writes_keep_their_places():
    from types import SimpleNamespace

    from ui.app import FairQueue

    queue = _queue(max_size=10)
    fair = FairQueue(queue, per_session=2, per_address=4, for_writes=3)
    here = SimpleNamespace(client=SimpleNamespace(host="10.0.0.1"))
    there = SimpleNamespace(client=SimpleNamespace(host="10.0.0.2"))
    for _ in range(2):
        _waiting(queue, "model", "s1", "10.0.0.1")
    assert "this session has 2" in fair.problem("model", "s1", here, None)
    assert fair.problem("model", "s2", here, None) == ""  # another tab of the same address
    assert fair.problem("write", "s1", here, None) == ""  # its questions do not hold its adds
    for _ in range(2):
        _waiting(queue, "model", "s2", "10.0.0.1")
    assert "from your address" in fair.problem("model", "s3", here, None)  # a new session
    assert fair.problem("model", "v", here, "ann") == ""  # a logged-in user is counted alone
    for n in range(3):
        _waiting(queue, "model", f"t{n}", "10.0.0.2")
    assert "the queue is full (7 waiting)" in fair.problem("model", "u", there, None)
    assert fair.problem("write", "u", there, None) == ""  # an add still gets its place
