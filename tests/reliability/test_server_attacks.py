"""A real `newsdesk serve` on a loopback port, tried as an attacker and a crowd would:
writes without the key, fetches of internal addresses, an oversize upload, a page built to
make pattern matching backtrack, and 20 people asking at once while someone adds."""

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from ui.servers import free_port, running

pytestmark = pytest.mark.integration
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
KEY = "test-write-key"


@pytest.fixture(scope="module")
def attacker():
    """A loopback site that records what is asked of it."""
    asked: list[str] = []
    article = (
        "<html><body><article><h1>Ferry timetable</h1><p>"
        + "The ferry leaves the harbour every hour from six in the morning. " * 20
        + "</p></article></body></html>"
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            asked.append(self.path)
            body = (b"<!---->" * 5000 + article.encode()) if self.path == "/redos" else b"secret"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()


@pytest.fixture(scope="module")
def served(real_env, tmp_path_factory):
    data = tmp_path_factory.mktemp("attack-data")
    env = {
        **real_env,
        "NEWSDESK_DATA_DIR": str(data),
        "NEWSDESK_WRITE_TOKEN": KEY,
        "NEWSDESK_MAX_FILE_MB": "1",
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--samples-if-empty"]
    log = tmp_path_factory.mktemp("attack-log") / "serve.log"
    with running(cmd, url + "config", env=env, log=log, timeout=300):
        yield url, env


def listed(env) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return [a["title"] for a in json.loads(done.stdout)]


def test_writes_without_the_key_are_refused(served):
    url, env = served
    client = Client(url, verbose=False)
    before = listed(env)
    line = client.predict(
        "Intruder", "Text from someone without the key.", "", "", "", "", api_name="/add"
    )
    assert line.startswith("failed") and "write key" in line
    assert "write key" in client.predict(before and "x", True, "wrong", api_name="/delete")
    assert listed(env) == before
    added = client.predict(
        "Keyed story", "The keyed story is about the night ferry.", "", "", "", KEY, api_name="/add"
    )
    assert added.startswith("added")


def test_a_request_for_a_foreign_host_name_is_refused(served):
    """DNS rebinding: a page on attacker.example, its name pointed at 127.0.0.1, reaches
    the server with `Host: attacker.example`. Main ran the write."""
    import urllib.error
    import urllib.request

    url, _ = served
    for path, data in (("config", None), ("gradio_api/call/add", b'{"data": []}')):
        request = urllib.request.Request(
            url + path, data=data, headers={"Host": "attacker.example"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400, path
    with urllib.request.urlopen(url + "config", timeout=30) as own:  # the server's own name
        assert own.status == 200


def test_internal_addresses_are_never_fetched(served, attacker):
    url, _ = served
    site, asked = attacker
    client = Client(url, verbose=False)
    for target in (
        f"{site}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://10.0.0.1/",
    ):
        line = client.predict(target, "", "", KEY, api_name="/add_url")
        assert "local or private address" in line, line
    assert asked == []  # nothing reached the loopback site


def test_oversize_upload_is_refused_before_it_is_read(served, tmp_path):
    url, env = served
    big = tmp_path / "big.txt"
    big.write_text("Big story\n" + "All work and no play. " * 100_000)  # 2.2 MB > 1 MB
    before = listed(env)
    with pytest.raises(Exception, match="(?i)file|size|large|limit"):
        Client(url, verbose=False, headers={"X-Newsdesk-Key": KEY}).predict(
            [handle_file(str(big))], "", "", KEY, api_name="/add_files"
        )
    assert listed(env) == before


def test_an_upload_without_the_key_is_refused_before_it_is_stored(served, tmp_path):
    """Gradio's upload route stored files for anyone (main: 200); it now needs the key,
    and a request may carry a bounded number of files."""
    import httpx

    url, env = served
    files = [("files", (f"s{i}.txt", b"Story\nText of the story.", "text/plain")) for i in range(3)]
    refused = httpx.post(url + "gradio_api/upload", files=files, timeout=30)
    assert refused.status_code == 401 and "write key" in refused.text
    keyed = httpx.post(
        url + "gradio_api/upload", files=files, headers={"X-Newsdesk-Key": KEY}, timeout=30
    )
    assert keyed.status_code == 200 and len(keyed.json()) == 3
    many = [("files", (f"m{i}.txt", b"x", "text/plain")) for i in range(200)]
    with pytest.raises(httpx.HTTPError):  # the request ends at the 21st file
        response = httpx.post(
            url + "gradio_api/upload", files=many, headers={"X-Newsdesk-Key": KEY}, timeout=30
        )
        response.raise_for_status()
    line = Client(url, verbose=False, headers={"X-Newsdesk-Key": KEY}).predict(
        [handle_file(str(_story(tmp_path)))], "", "", KEY, api_name="/add_files"
    )
    assert line.startswith("added"), line


def _story(tmp_path):
    path = tmp_path / "harbour.txt"
    path.write_text("Harbour reopens\nThe harbour reopened on Monday after the storm.")
    return path


def test_a_page_built_to_backtrack_is_read_quickly(real_env, attacker, tmp_path):
    site, _ = attacker
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path / "d"), "NEWSDESK_FETCH_PRIVATE": "1"}
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "add", f"{site}/redos"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "Ferry timetable" in done.stdout
    assert time.monotonic() - t0 < 120  # the embedder's load included; it never hangs


def test_twenty_people_asking_at_once_all_get_answers_and_an_add_lands(served):
    url, _ = served
    clients = [Client(url, verbose=False) for _ in range(20)]
    jobs = [
        c.submit("How many homes will the Kestrel Bay wind farm power?", [], api_name="/chat")
        for c in clients
    ]
    time.sleep(1)
    added = Client(url, verbose=False).submit(
        "Crowd story",
        "The crowd story is about a busy ferry on Sunday.",
        "",
        "",
        "",
        KEY,
        api_name="/add",
    )
    places = set()
    waiting_when_added = None  # questions not yet answered when the add landed
    t0 = time.monotonic()
    finished: dict[int, float] = {}
    while not all(j.done() for j in jobs) and time.monotonic() < t0 + 900:
        places |= {j.status().rank for j in jobs if j.status().rank is not None}
        finished |= {
            i: time.monotonic() - t0 for i, j in enumerate(jobs) if j.done() and i not in finished
        }
        if waiting_when_added is None and added.done():
            waiting_when_added = sum(not j.done() for j in jobs)
        time.sleep(0.5)
    seconds = sorted(finished.values())
    ARTIFACTS.mkdir(exist_ok=True)  # figures for the record, not asserted
    (ARTIFACTS / "concurrency.json").write_text(
        json.dumps(
            {
                "clients": 20,
                "first_s": seconds[:1],
                "median_s": seconds[len(seconds) // 2 :][:1],
                "last_s": seconds[-1:],
                "max_place_in_line": max(places, default=None),
                "questions_waiting_when_the_add_landed": waiting_when_added,
            }
        )
    )
    assert added.result(timeout=60).startswith("added")
    assert waiting_when_added and waiting_when_added >= 10  # it did not queue behind them
    assert max(places, default=0) >= 5  # people waiting were told their place in line
    answers = [_text(j.result(timeout=60)[0][-1]["content"]) for j in jobs]
    assert all("nd-answer" in a or "nd-refusal" in a for a in answers)
    assert sum("90,000" in a for a in answers) >= 18  # greedy decoding: the same answer


def test_one_client_flooding_the_queue_cannot_starve_others_or_block_adds(served):
    """Main: one client could fill all 64 places, and adds got "queue is full". Now one
    session may have 4 questions waiting and one address 32, and adds keep their places."""
    import uuid

    import httpx

    url, _ = served
    config = httpx.get(url + "config", timeout=30).json()
    chat_fn = next(i for i, d in enumerate(config["dependencies"]) if d.get("api_name") == "chat")

    def join(session: str, question: str = "") -> int:  # an empty question costs nothing
        body = {"data": [question, [], [], ""], "fn_index": chat_fn, "session_hash": session}
        return httpx.post(url + "gradio_api/queue/join", json=body, timeout=30).status_code

    # holds the model while the flood waits: a question no other test asks this server
    # (one asked before is a kept answer, served at once)
    busy = Client(url, verbose=False).submit(
        "When will the Kestrel Bay wind farm be complete?", [], api_name="/chat"
    )
    time.sleep(1)
    one_session = [join("flood-session") for _ in range(10)]
    many_sessions = [join(uuid.uuid4().hex) for _ in range(40)]
    added = Client(url, verbose=False).predict(
        "Flood story",
        "The flood story is about a crowded quay on Sunday.",
        "",
        "",
        "",
        KEY,
        api_name="/add",
    )
    still_busy = not busy.done()
    assert one_session.count(200) <= 4 and one_session.count(503) >= 6, one_session
    assert many_sessions.count(503) >= 8, many_sessions  # the address's cap (32 in all)
    assert added.startswith("added"), added
    assert still_busy  # all of it happened while the model was answering
    busy.result(timeout=600)


def _text(content) -> str:
    """A chat message's text: Gradio gives a string or a list of parts."""
    return content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)


def test_health_and_metrics_of_the_running_server(served):
    """After the questions and adds above: /healthz says ok for the index and the model,
    and /metrics (with the write key) counts them in Prometheus' format."""
    import httpx

    url, _ = served
    healthy = httpx.get(url + "healthz", timeout=30)
    assert healthy.status_code == 200 and healthy.json() == {
        "ok": True,
        "index": "ok",
        "model": "ok",
    }
    assert httpx.get(url + "metrics", timeout=30).status_code == 401
    scraped = httpx.get(url + "metrics", headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert 'newsdesk_questions_total{outcome="answered"}' in text
    assert 'newsdesk_ingested_articles_total{status="added"}' in text
    assert "newsdesk_answer_seconds_bucket" in text and "newsdesk_queue_waiting" in text


def test_the_openai_sdk_gets_checked_answers_with_citations(served):
    """The official `openai` SDK against the running server's /v1 (the real model behind
    it): a plain and a streamed answer with their citations, and a wrong key refused."""
    import openai

    url, _ = served
    client = openai.OpenAI(base_url=url + "v1", api_key=KEY, max_retries=0, timeout=600)
    asked = [{"role": "user", "content": "How many homes will the Kestrel Bay wind farm power?"}]
    plain = client.chat.completions.create(model="newsdesk", messages=asked)
    text = plain.choices[0].message.content
    ext = plain.model_extra["newsdesk"]
    assert "90,000" in text and "Sources:" in text and not ext["refused"]
    assert all("90,000" in c["passage"] or "Kestrel" in c["title"] for c in ext["citations"])
    chunks = list(client.chat.completions.create(model="newsdesk", messages=asked, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == text
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=url + "v1", api_key="guess", max_retries=0).models.list()
