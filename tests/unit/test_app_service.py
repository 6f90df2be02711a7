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
    ((question, answer, cited, record),) = turns
    assert record["answer"] == answer
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


def _ops_client(service, access):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.testclient import TestClient

    from ui.ops import OpsRoutes, health

    ops = Middleware(
        OpsRoutes,
        metrics=service.metrics,
        check=lambda: health(service.container),
        access=access,
    )
    return TestClient(Starlette(middleware=[ops]), raise_server_exceptions=False)


def test_metrics_count_questions_refusals_and_adds_and_health_names_the_problem(
    container, llm, monkeypatch
):
    from ui.access import Access
    from ui.app import ChatService
    from ui.ops import Metrics

    metrics = Metrics(container)
    service = ChatService(container, Access({}, "k3y"), metrics)
    assert service.add_text(
        "Bridge", "The bridge opened on Saturday. It cost 40 million.", "", "", "", "k3y"
    ).startswith("added")
    service.add_text("", "", "", "", "", "k3y")  # failed: no text
    llm.replies = ["It cost 40 million [1]."]
    list(service.chat("How much did the bridge cost?", []))
    list(service.chat("Who painted the harbour mural?", []))  # nothing relevant: refused
    list(service.chat("x" * 5000, []))  # too long: an error
    client = _ops_client(service, Access({}, "k3y"))
    assert client.get("/metrics").status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": "Bearer k3y"}).text
    assert 'newsdesk_questions_total{outcome="answered"} 1.0' in scraped
    assert 'newsdesk_questions_total{outcome="error"} 1.0' in scraped
    assert 'newsdesk_ingested_articles_total{status="added"} 1.0' in scraped
    assert 'newsdesk_ingested_articles_total{status="failed"} 1.0' in scraped
    assert "newsdesk_refusals_total{reason=" in scraped
    assert (
        "newsdesk_index_articles 1.0" in scraped and "newsdesk_answer_seconds_count 2.0" in scraped
    )
    container.answerer  # noqa: B018  (the in-process model: ready once loaded)
    assert client.get("/healthz").json() == {"ok": True, "index": "ok", "model": "ok"}

    def down():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(container.store, "count_articles", down)
    sick = client.get("/healthz")
    assert sick.status_code == 503 and sick.json()["index"] == "unreachable: connection refused"


def test_json_logs_are_one_line_per_question_and_add(container, llm, caplog):
    import json as jsonlib
    import logging

    from ui.app import ChatService
    from ui.ops import Metrics

    service = ChatService(container, None, Metrics(container, json_logs=True))
    logger = logging.getLogger("newsdesk")
    logger.addHandler(caplog.handler)
    try:
        service.add_text("Bridge", "The bridge opened on Saturday. It cost 40 million.", "", "", "")
        llm.replies = ["It cost 40 million [1]."]
        list(service.chat("How much did the bridge cost?", []))
    finally:
        logger.removeHandler(caplog.handler)
    events = [jsonlib.loads(r.getMessage()) for r in caplog.records if r.name == "newsdesk"]
    assert [e["event"] for e in events] == ["add", "question"]
    assert events[0]["status"] == "added" and events[1]["outcome"] in ("answered", "refused")


def test_the_conversation_downloads_as_markdown_with_its_sources(container, llm):
    from pathlib import Path

    from ui.app import ChatService

    service = ChatService(container)
    assert service.export([]) is None  # nothing to download before the first answer
    service.add_text(
        "Bridge", "The bridge opened on Saturday. It cost 40 million.", "Times", "2025-05-10", ""
    )
    llm.replies = ["It cost 40 million [1].", "It opened on Saturday [1]."]
    *_, (_, _, turns) = service.chat("How much did the bridge cost?", [])
    *_, (_, _, turns) = service.chat("When did the bridge open?", [], turns)
    text = Path(service.export(turns)).read_text()
    assert text.startswith("# Newsdesk conversation")
    assert text.count("**Sources**") == 2 and "[1] Bridge (Times, 2025-05-10)" in text
    assert "It cost 40 million [1]." in text and "It opened on Saturday [1]." in text


def test_conversation_downloads_do_not_pile_up(tmp_path, monkeypatch):
    import gc
    import tempfile

    from ui.app import Exports

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    exports = Exports(keep=2)
    paths = [exports.write("newsdesk-conversation.md", f"turn {i}") for i in range(4)]
    assert [p.name for p in paths] == ["newsdesk-conversation.md"] * 4  # as downloaded
    assert [p.exists() for p in paths] == [False, False, True, True]  # the newest kept
    assert paths[3].read_text() == "turn 3"
    del exports
    gc.collect()
    assert list(tmp_path.iterdir()) == []  # and none once the service is gone


def test_warm_up_builds_what_the_first_question_needs_and_a_failure_only_logs(
    container, caplog, monkeypatch
):
    from ui.app import warm_up

    container.ingestor.add(FERRY)
    assert "answerer" not in container.__dict__
    warm_up(container)
    assert "answerer" in container.__dict__ and "retriever" in container.__dict__

    def broken(*args, **kwargs):
        raise RuntimeError("the index is gone")

    monkeypatch.setattr(container.answerer.retriever, "passages", broken)
    warm_up(container)  # does not raise: the first question will say what is wrong
    assert "warm-up failed: the index is gone" in caplog.text


def test_the_page_is_built_without_the_model(container):
    """The status line counts watched questions; that must not load the model, which the
    server loads on another thread while the page comes up."""
    from ui.app import build_app

    container.ingestor.add(FERRY)
    service = ChatService(container)
    assert service.status_line().startswith("1 articles indexed")
    build_app(service)
    assert "llm" not in container.__dict__ and "answerer" not in container.__dict__


def test_warm_up_reads_the_shared_start_of_every_prompt_into_the_model(container, llm):
    primed = []
    llm.__dict__["prime"] = primed.append  # what the in-process model keeps in its cache
    container.answerer.warm_up()
    (messages,) = primed
    question = container.prompts.messages("check", "When do ferries run?", [])
    assert messages[0] == question[0] and messages[0].role.value == "system"
    assert question[1].content.startswith(messages[1].content.split("Question:")[0])


def test_a_question_to_an_empty_library_says_to_add_articles(container, llm):
    from index.types import Article
    from ui.app import ChatService
    from ui.render import EMPTY_LIBRARY

    *_, (history, _, _) = ChatService(container).chat("Who won the match?", [])
    assert "nd-refusal" in history[-1]["content"] and EMPTY_LIBRARY in history[-1]["content"]
    container.ingestor.add(Article(title="Bridge", text="The new bridge opened on Saturday."))
    *_, (history, _, _) = ChatService(container).chat("Who won the match?", [])
    assert EMPTY_LIBRARY not in history[-1]["content"]
