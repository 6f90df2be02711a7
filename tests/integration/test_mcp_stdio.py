"""`newsdesk mcp` as an agent app runs it: a subprocess over stdio, driven by the official
MCP SDK's client, with the real embedder, index and model behind it."""

import json
import sys
from pathlib import Path

import anyio
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

ROOT = Path(__file__).resolve().parents[2]


def test_an_agent_lists_the_tools_and_gets_a_cited_answer(real, real_env):
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ui.cli", "mcp"], env=real_env, cwd=str(ROOT)
    )

    async def go():
        async with Client(params, read_timeout_seconds=600) as client:
            tools = sorted(t.name for t in (await client.list_tools()).tools)
            found = await client.call_tool("search_news", {"query": "Trump Xi meeting", "k": 2})
            asked = await client.call_tool("ask", {"question": "Where will Trump meet Xi Jinping?"})
            return tools, found, asked

    tools, found, asked = anyio.run(go)
    assert tools == ["ask", "search_news", "timeline"]  # no add_article without the write key

    def data(result):
        return result.structured_content or json.loads(result.content[0].text)

    assert data(found)["passages"] and not asked.is_error
    answer = data(asked)
    assert "Busan" in answer["answer"] and not answer["refused"]
    assert answer["citations"] and all(c["article_id"] for c in answer["citations"])


def test_streamable_http_serves_the_same_tools(real, real_env, tmp_path):
    """`newsdesk mcp --http` on a loopback port, reached by the SDK's client by URL."""
    import socket
    import subprocess
    import time

    from ui.servers import free_port

    port = free_port()
    cmd = [sys.executable, "-m", "ui.cli", "mcp", "--http", "--port", str(port)]
    log = (tmp_path / "mcp-http.log").open("wb")
    proc = subprocess.Popen(cmd, env=real_env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT)

    async def go():
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            tools = sorted(t.name for t in (await client.list_tools()).tools)
            found = await client.call_tool("search_news", {"query": "Busan", "k": 1})
            return tools, found

    try:
        deadline = time.monotonic() + 300
        while True:  # until the port takes connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "mcp-http.log"
                ).read_text()[-2000:]
                time.sleep(0.3)
        tools, found = anyio.run(go)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert tools == ["ask", "search_news", "timeline"]
    passages = (found.structured_content or json.loads(found.content[0].text))["passages"]
    assert passages and "Busan" in passages[0]["text"]
