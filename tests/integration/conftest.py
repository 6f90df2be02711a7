"""Real parts: the packaged MiniLM, Chroma on disk and the packaged Qwen GGUF."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import SEED
from ui.container import Container
from ui.servers import free_port, running
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
    return result.article, str(SEED)


@pytest.fixture(scope="session")
def server_url(real_env, tmp_path_factory):
    """`newsdesk serve` on a free port with the sample articles, shared by the app tests."""
    port = free_port()
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path_factory.mktemp("app-data"))}
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--samples-if-empty"]
    log = tmp_path_factory.mktemp("server-log") / "serve.log"
    url = f"http://127.0.0.1:{port}/"
    with running(cmd, url + "config", env=env, log=log, timeout=300):
        yield url
