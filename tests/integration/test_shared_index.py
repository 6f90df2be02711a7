"""Newsdesk on real servers: the index on `chroma run`, the model on llama.cpp's server.
The CLI's add / ask / list / remove round trip, and two `newsdesk serve` processes sharing
one Chroma server and one model server: what one adds, the other cites, without a restart."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import ExitStack

import pytest
from gradio_client import Client

from tests.conftest import SEED
from tests.feeds import FeedSite
from tests.integration.conftest import MODEL_ALIAS
from tests.integration.test_app_api import assistant_text
from ui.servers import free_port, running

TRAM = (
    "The Dunmore tram line will open to passengers on 12 March, the city transport office "
    "said on Tuesday. The new line links the harbour with the university in 14 minutes, and "
    "trams will run every six minutes at peak times. Single tickets cost 2 euros."
)


@pytest.fixture(scope="module")
def shared_env(real_env, chroma_server, model_server, tmp_path_factory) -> dict[str, str]:
    host, port = chroma_server
    return {
        **real_env,
        "NEWSDESK_DATA_DIR": str(tmp_path_factory.mktemp("unused-data-dir")),
        "NEWSDESK_CHROMA_HOST": host,
        "NEWSDESK_CHROMA_PORT": str(port),
        "NEWSDESK_LLM_URL": model_server,
        "NEWSDESK_LLM_MODEL": MODEL_ALIAS,
        # the watched feed is served on loopback; replicas look for due sources every second
        "NEWSDESK_FETCH_PRIVATE": "1",
        "NEWSDESK_WATCH_POLL": "1",
    }


def newsdesk(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_cli_round_trip_on_a_chroma_server(shared_env):
    added = newsdesk(shared_env, "add", str(SEED))
    assert added.returncode == 0, added.stderr
    listed = newsdesk(shared_env, "list")
    (line,) = [row for row in listed.stdout.splitlines() if "Trump" in row]
    article_id = line.split()[0]
    asked = newsdesk(shared_env, "ask", "--json", "Where will Trump meet Xi Jinping?")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and "Busan" in answer["answer"]
    assert {c["article_id"] for c in answer["citations"]} == {article_id}
    removed = newsdesk(shared_env, "remove", article_id)
    assert removed.returncode == 0, removed.stderr
    assert article_id not in newsdesk(shared_env, "list").stdout
    after = json.loads(newsdesk(shared_env, "ask", "--json", "Where will Trump meet Xi?").stdout)
    assert after["refused"] and after["citations"] == []


@pytest.fixture(scope="module")
def two_apps(shared_env, tmp_path_factory):
    """Two app servers on the shared index and model. The second ranks by keyword alone, so
    it can only find a new article through a keyword index that saw the first one's write."""
    logs = tmp_path_factory.mktemp("two-apps")
    envs = [shared_env, {**shared_env, "NEWSDESK_RETRIEVAL_MODE": "bm25"}]
    with ExitStack() as servers:
        urls = []
        for n, env in enumerate(envs):
            port = free_port()
            cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port)]
            url = f"http://127.0.0.1:{port}/"
            servers.enter_context(running(cmd, url + "config", env=env, log=logs / f"{n}.log"))
            urls.append(url)
        yield urls


def test_what_one_app_adds_the_other_cites(two_apps):
    writer, reader = (Client(url, verbose=False) for url in two_apps)
    question = "When will the Dunmore tram line open?"
    history, _ = reader.predict(question, [], api_name="/chat")
    assert "12 March" not in assistant_text(history)  # not indexed yet
    line = writer.predict("Dunmore trams", TRAM, "City Desk", "2025-02-04", "", api_name="/add")
    assert line.startswith("added"), line
    article_id = line.split()[1]
    history, sources = reader.predict(question, [], api_name="/chat")
    assert "12 March" in assistant_text(history) and "Dunmore trams" in sources
    deleted = writer.predict(article_id, True, api_name="/delete")
    assert deleted == "deleted 1"
    history, sources = reader.predict(question, [], api_name="/chat")
    assert "12 March" not in assistant_text(history) and "Dunmore trams" not in sources


def test_two_replicas_check_a_watched_feed_and_index_each_item_once(two_apps, shared_env):
    import chromadb

    from index.sources import SourceStore

    host, port = shared_env["NEWSDESK_CHROMA_HOST"], int(shared_env["NEWSDESK_CHROMA_PORT"])
    watched = SourceStore(chromadb.HttpClient(host=host, port=port))
    site = FeedSite()

    def items() -> int:
        found = watched.list()
        return found[0].items if found else 0

    def wait_for(n: int) -> None:
        deadline = time.monotonic() + 120
        while items() < n and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(3)  # both replicas have looked again since

    try:
        added = newsdesk(
            shared_env, "watch", "add", f"{site.base}/feed", "--every", "1m", "--later"
        )
        assert added.returncode == 0, added.stderr
        source_id = added.stdout.split("(")[-1].strip().rstrip(")")
        wait_for(2)  # both replicas find it due; one claims the check
        assert items() == 2
        assert sorted(site.pages()) == ["/story/1", "/story/2"]
        assert [path for path, _ in site.requests].count("/feed") == 1
        site.items = [1, 2, 3]
        assert newsdesk(shared_env, "watch", "resume", source_id).returncode == 0  # due now
        wait_for(3)
        assert sorted(site.pages()) == ["/story/1", "/story/2", "/story/3"]
        listed = json.loads(newsdesk(shared_env, "list", "--json").stdout)
        titles = sorted(a["title"] for a in listed if a["title"].startswith("Plan "))
        assert titles == ["Plan 1", "Plan 2", "Plan 3"]  # each indexed once
    finally:
        newsdesk(shared_env, "watch", "remove", f"{site.base}/feed")
        listed = json.loads(newsdesk(shared_env, "list", "--json").stdout)
        plans = [a["id"] for a in listed if a["title"].startswith("Plan ")]
        if plans:
            newsdesk(shared_env, "remove", *plans)
        site.server.shutdown()


def test_an_index_on_a_chroma_server_made_with_a_narrower_search_is_searched_wide(chroma_server):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from index.store import HNSW, ChromaStore

    host, port = chroma_server
    settings = ChromaSettings(anonymized_telemetry=False)
    client = chromadb.HttpClient(host, port, settings=settings)
    for name in ("narrow_chunks", "narrow_articles"):
        client.create_collection(name, configuration={"hnsw": {**HNSW, "ef_search": 100}})
    ChromaStore(client, prefix="narrow")
    got = chromadb.HttpClient(host, port, settings=settings).get_collection("narrow_chunks")
    assert got.configuration_json["hnsw"]["ef_search"] == HNSW["ef_search"] > 100
