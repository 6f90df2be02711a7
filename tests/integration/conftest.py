"""Real parts: the packaged MiniLM, Chroma on disk and the packaged Qwen GGUF."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import SEED
from ui.container import Container
from ui.servers import free_port, llama_cpp_server, running
from ui.settings import Settings


def pytest_collection_modifyitems(items):
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def real(real_env) -> Container:
    container = Container(Settings.load(env=real_env))
    container.ingestor.add(*_seed())
    return container


def _seed():
    from index.readers import read_file

    (result,) = read_file(SEED, 10**7)
    assert result.article is not None, result.error
    # the seed's README dates the article 2025-10-24/25; a .txt file carries no date, so it
    # is given as `newsdesk add --date` would give it
    return replace(result.article, published_at="2025-10-25"), str(SEED)


@pytest.fixture(scope="session")
def server_url(real_env, tmp_path_factory):
    """`newsdesk serve` on a free port with the sample articles, shared by the app tests."""
    port = free_port()
    env = {
        **real_env,
        "NEWSDESK_DATA_DIR": str(tmp_path_factory.mktemp("app-data")),
        # the browser test's watched feed is served on loopback
        "NEWSDESK_FETCH_PRIVATE": "1",
        "NEWSDESK_WATCH_POLL": "1",
    }
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--samples-if-empty"]
    log = tmp_path_factory.mktemp("server-log") / "serve.log"
    url = f"http://127.0.0.1:{port}/"
    with running(cmd, url + "config", env=env, log=log, timeout=300) as proc:
        yield url
    # a service manager's stop (SIGTERM) closes it: no death by the signal, no crash
    assert proc.returncode == 0, f"serve ended with status {proc.returncode}: see {log}"


MODEL_ALIAS = "newsdesk-test"


@pytest.fixture(scope="session")
def model_server(real, tmp_path_factory) -> str:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python[server]) with the packaged GGUF,
    on a free loopback port; its /v1 address."""
    port = free_port()
    s = real.settings
    threads = s.threads or os.cpu_count() or 1
    cmd = llama_cpp_server(
        real.model_path(), port, alias=MODEL_ALIAS, n_ctx=s.n_ctx, threads=threads
    )
    log = tmp_path_factory.mktemp("model-server") / "llama-cpp-server.log"
    url = f"http://127.0.0.1:{port}/v1"
    with running(cmd, url + "/models", env=os.environ, log=log, timeout=300):
        yield url


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> tuple[str, int]:
    """`chroma run` (Chroma's own server) on a free loopback port: (host, port)."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = str(Path(sys.executable).with_name("chroma"))
    cmd = [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path_factory.mktemp("chroma-log") / "chroma.log"
    ready = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    with running(cmd, ready, env=os.environ, log=log, timeout=120):
        yield "127.0.0.1", port
