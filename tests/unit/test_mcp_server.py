"""The MCP server's tools through the official SDK's own client, in process (fakes behind
them; the real `newsdesk mcp` over stdio is in tests/integration)."""

import json

import anyio
import pytest
from mcp.client.client import Client

from index.readers import article_from_record
from ui.mcp_server import build_server

BRIDGE = "The river bridge opened on Saturday. It cost 40 million euros, the council said."


@pytest.fixture
def indexed(container):
    record = {
        "title": "River bridge opens",
        "text": BRIDGE,
        "source": "Sample Times",
        "published_at": "2025-05-10",
    }
    container.ingestor.add(article_from_record(record, "test"))
    return container


def _call(server, name=None, arguments=None):
    async def go():
        async with Client(server) as client:
            tools = [t.name for t in (await client.list_tools()).tools]
            if name is None:
                return tools
            result = await client.call_tool(name, arguments or {})
            return result

    return anyio.run(go)


def _data(result):
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def test_tools_answer_with_citations_and_adding_needs_the_credential(indexed, llm):
    reader = build_server(indexed, may_write=False)
    assert sorted(_call(reader)) == ["ask", "search_news", "timeline"]
    found = _data(_call(reader, "search_news", {"query": "river bridge cost", "k": 2}))
    assert found["passages"][0]["title"] == "River bridge opens"
    llm.replies = ["It cost 40 million euros [1]."]
    asked = _data(_call(reader, "ask", {"question": "How much did the river bridge cost?"}))
    assert asked["answer"] == "It cost 40 million euros [1]." and asked["refused"] is False
    assert asked["citations"][0]["source"] == "Sample Times"
    bad = _call(reader, "ask", {"question": "When?", "as_of": "soon"})
    assert bad.is_error and "not a date" in bad.content[0].text
    line = _data(_call(reader, "timeline", {"question": "What happened to the river bridge?"}))
    (event,) = line["events"]
    assert event["published_at"].startswith("2025-05-10") and "opened" in event["sentence"]
    assert _call(reader, "timeline", {}).is_error
    writer = build_server(indexed, may_write=True)
    assert sorted(_call(writer)) == ["add_article", "ask", "search_news", "timeline"]
    added = _data(
        _call(
            writer, "add_article", {"text": "The ferry returned on Monday.", "title": "Ferry back"}
        )
    )
    assert added["lines"][0].startswith("added")
    assert indexed.store.count_articles() == 2
