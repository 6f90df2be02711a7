"""The OpenAI chat API, driven by the official `openai` SDK against the app's routes (fakes
behind them; the real server is in tests/reliability/test_server_attacks.py)."""

import openai
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from ui.access import Access
from ui.openai_api import ChatCompletions, OpenAIRoutes, parse_chat

BRIDGE = "The river bridge opened on Saturday. It cost 40 million euros, the council said."


@pytest.fixture
def sdk(container):
    container.ingestor.add(
        __import__("index.readers", fromlist=["article_from_record"]).article_from_record(
            {
                "title": "River bridge opens",
                "text": BRIDGE,
                "source": "Sample Times",
                "published_at": "2025-05-10",
            },
            "test",
        )
    )
    routes = Middleware(
        OpenAIRoutes, completions=ChatCompletions(container), access=Access({}, "k3y")
    )
    http = TestClient(Starlette(middleware=[routes]), raise_server_exceptions=False)
    return lambda key="k3y": openai.OpenAI(
        base_url="http://testserver/v1", api_key=key, http_client=http, max_retries=0
    )


def test_a_plain_and_a_streamed_answer_through_the_openai_sdk(sdk, llm):
    client = sdk()
    assert [m.id for m in client.models.list()] == ["newsdesk"]
    llm.replies = ["It cost 40 million euros [1]."]
    done = client.chat.completions.create(
        model="newsdesk",
        messages=[{"role": "user", "content": "How much did the river bridge cost?"}],
    )
    text = done.choices[0].message.content
    assert text.startswith("It cost 40 million euros [1].")
    assert "Sources:\n[1] River bridge opens (Sample Times, 2025-05-10)" in text
    ext = done.model_extra["newsdesk"]
    assert ext["refused"] is False and ext["citations"][0]["title"] == "River bridge opens"
    assert BRIDGE[:30] in ext["citations"][0]["passage"]
    llm.replies = ["It cost 40 million euros [1]."]
    stream = client.chat.completions.create(
        model="newsdesk",
        messages=[{"role": "user", "content": "How much did the river bridge cost?"}],
        stream=True,
    )
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == text
    assert chunks[-1].model_extra["newsdesk"]["citations"][0]["n"] == 1


def test_refusals_are_replies_and_errors_are_the_sdks_errors(sdk, llm):
    client = sdk()
    llm.yes = 0.05  # nothing relevant: a refusal, as a normal reply
    refused = client.chat.completions.create(
        model="newsdesk", messages=[{"role": "user", "content": "Who painted the harbour mural?"}]
    )
    assert refused.model_extra["newsdesk"]["refused"] is True
    assert "don't say" in refused.choices[0].message.content
    with pytest.raises(openai.AuthenticationError):
        sdk("guess").chat.completions.create(
            model="newsdesk", messages=[{"role": "user", "content": "Hi?"}]
        )
    with pytest.raises(openai.BadRequestError, match="at most 2,000"):
        client.chat.completions.create(
            model="newsdesk", messages=[{"role": "user", "content": "x" * 5000}]
        )
    with pytest.raises(openai.BadRequestError, match="non-empty user message"):
        client.chat.completions.create(
            model="newsdesk", messages=[{"role": "user", "content": " "}]
        )
    with pytest.raises(openai.BadRequestError, match="not a date"):
        client.chat.completions.create(
            model="newsdesk",
            messages=[{"role": "user", "content": "When?"}],
            extra_body={"as_of": "soon"},
        )


def test_the_conversation_and_the_date_come_from_the_messages():
    body = {
        "messages": [
            {"role": "system", "content": "Today is 2025-05-12."},
            {"role": "user", "content": "Where will the ministers meet?"},
            {"role": "assistant", "content": "In Oslo [1]."},
            {"role": "user", "content": [{"type": "text", "text": "And when?"}]},
        ]
    }
    question, turns, as_of = parse_chat(body)
    assert question == "And when?" and turns == [("Where will the ministers meet?", "In Oslo [1].")]
    assert as_of == "2025-05-12"


def test_an_answer_about_a_time_says_the_date_it_reports():
    from qa.types import Answer
    from ui.openai_api import reply_text

    answer = Answer("When?", "On Thursday [1].", False, [], {}, 0, 0, reported="2025-10-25")
    assert reply_text(answer).splitlines()[1] == (
        "(as of 25 October 2025, the date of the newest article cited)"
    )
