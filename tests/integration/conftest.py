"""Real parts: the packaged MiniLM, Chroma on disk and the packaged Qwen GGUF."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import SEED
from ui.container import Container
from ui.settings import Settings


def pytest_collection_modifyitems(items):
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def real_env(tmp_path_factory) -> dict[str, str]:
    """Environment for a fresh data dir that shares the user's assembled model cache."""
    default = Settings.load()
    data_dir = tmp_path_factory.mktemp("newsdesk-data")
    return {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir),
            "NEWSDESK_MODEL_CACHE": str(default.model_cache_dir)}  # fmt: skip


@pytest.fixture(scope="session")
def real(real_env) -> Container:
    container = Container(Settings.load(env=real_env))
    container.ingestor.add(*_seed())
    return container


def _seed():
    from index.readers import read_file

    (result,) = read_file(SEED, 10**7)
    assert result.article is not None, result.error
    return result.article, str(SEED)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(real_env, tmp_path_factory):
    """`newsdesk serve` on a free port with the sample articles, shared by the app tests."""
    port = _free_port()
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path_factory.mktemp("app-data"))}
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--samples-if-empty"]
    log = tmp_path_factory.mktemp("server-log") / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while True:
        try:
            urllib.request.urlopen(url + "config", timeout=5).read()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError(f"server did not start:\n{log.read_text()}") from None
            time.sleep(1)
    yield url
    proc.terminate()
    proc.wait(timeout=30)
