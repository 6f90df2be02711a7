"""Real parts: the packaged MiniLM, Chroma on disk and the packaged Qwen GGUF."""

from __future__ import annotations

import os

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
