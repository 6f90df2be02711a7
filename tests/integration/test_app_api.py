"""The chat app's named API endpoints, through gradio_client, against a real server."""

import socket
import subprocess
import sys
import time

import pytest
from gradio_client import Client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(real_env, tmp_path_factory):
    port = free_port()
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path_factory.mktemp("app-data"))}
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--samples-if-empty"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            client = Client(url, verbose=False)
            break
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode()) from None
            time.sleep(1)
    else:
        proc.kill()
        raise RuntimeError("server did not start in 180 s")
    yield client
    proc.terminate()
    proc.wait(timeout=30)


def assistant_text(history) -> str:
    content = history[-1]["content"]
    return content if isinstance(content, str) else " ".join(p["text"] for p in content)


def test_chat_streams_and_ends_with_a_cited_answer(server):
    job = server.submit("How many homes will the Kestrel Bay wind farm power?", [],
                        api_name="/chat")  # fmt: skip
    outputs = list(job)
    history, sources = job.result()
    assert len(outputs) > 2  # partial answers came before the final one
    assert "90,000" in assistant_text(history)
    assert 'href="#nd-source-1"' in assistant_text(history)
    assert "<mark>" in sources and "90,000 homes" in sources


def test_added_article_is_answered_then_deleted(server):
    added = server.predict("Lake ferry returns", "The old lake ferry on Lake Orm returned to "
                           "service on Sunday after a three-year break, carrying 200 passengers.",
                           "Sample Lake News", "2025-11-01", "", api_name="/add")  # fmt: skip
    assert added.startswith("added")
    article_id = added.split("(")[1].split(",")[0]
    history, sources = server.predict("How many passengers did the Lake Orm ferry carry?", [],
                                      api_name="/chat")  # fmt: skip
    assert "200" in assistant_text(history) and "Lake ferry returns" in sources
    assert server.predict(article_id, True, api_name="/delete").startswith("deleted 1")
    history, sources = server.predict("How many passengers did the Lake Orm ferry carry?", [],
                                      api_name="/chat")  # fmt: skip
    assert "Lake ferry returns" not in sources


def test_script_in_an_article_is_shown_as_text(server):
    text = "The museum <script>alert(1)</script> reopened its <img src=x onerror=alert(2)> wing."
    server.predict("Museum reopens wing", text, "Sample Arts", "2025-10-01", "", api_name="/add")
    history, sources = server.predict("Which wing did the museum reopen?", [], api_name="/chat")
    assert "<script>" not in sources and "<img" not in sources
    assert "<script>" not in assistant_text(history)
