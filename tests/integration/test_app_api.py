"""The chat app's named API endpoints, through gradio_client, against a real server."""

import pytest
from gradio_client import Client


@pytest.fixture(scope="module")
def server(server_url):
    return Client(server_url, verbose=False)


def assistant_text(history) -> str:
    content = history[-1]["content"]
    return content if isinstance(content, str) else " ".join(p["text"] for p in content)


def test_chat_streams_and_ends_with_a_cited_answer(server):
    job = server.submit(
        "How many homes will the Kestrel Bay wind farm power?", [], api_name="/chat"
    )
    outputs = list(job)
    history, sources = job.result()
    assert len(outputs) > 2  # partial answers came before the final one
    assert "90,000" in assistant_text(history)
    assert 'href="#nd-mark-' in assistant_text(history)
    assert "<mark>" in sources and "90,000 homes" in sources
    assert "As of 12 September 2025:" in assistant_text(history)  # "will": dated


def test_added_article_is_answered_then_deleted(server):
    added = server.predict(
        "Lake ferry returns",
        "The old lake ferry on Lake Orm returned to "
        "service on Sunday after a three-year break, carrying 200 passengers.",
        "Sample Lake News",
        "2025-11-01",
        "",
        api_name="/add",
    )
    assert added.startswith("added")
    article_id = added.split()[1]
    history, sources = server.predict(
        "How many passengers did the Lake Orm ferry carry?", [], api_name="/chat"
    )
    assert "200" in assistant_text(history) and "Lake ferry returns" in sources
    assert server.predict(article_id, True, api_name="/delete").startswith("deleted 1")
    history, sources = server.predict(
        "How many passengers did the Lake Orm ferry carry?", [], api_name="/chat"
    )
    assert "Lake ferry returns" not in sources


def test_script_in_an_article_is_shown_as_text(server):
    text = (
        "The Harbour Museum reopened its east wing on Saturday after two years of repairs. "
        "<script>alert(1)</script> The east wing shows <img src=x onerror=alert(2)> old "
        "ship models and maps of the harbour."
    )
    server.predict("Museum reopens wing", text, "Sample Arts", "2025-10-01", "", api_name="/add")
    history, sources = server.predict(
        "Which wing did the Harbour Museum reopen?", [], api_name="/chat"
    )
    answer = assistant_text(history)
    assert "nd-answer" in answer and "east wing" in answer  # answered, so sources are shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sources  # the markup, as text
    assert "<script>" not in sources and "<img" not in sources
    assert "<script>" not in answer


def test_follow_up_question_is_rewritten_within_the_session(server_url):
    client = Client(server_url, verbose=False)  # one client: one browser session
    client.predict("How many homes will the Kestrel Bay wind farm power?", [], api_name="/chat")
    history, sources = client.predict("When will it be complete?", [], api_name="/chat")
    text = assistant_text(history)
    assert "Searched for:" in text and "wind farm" in text.split("Searched for:")[1].lower()
    assert "2028" in text and "Kestrel Bay" in sources
