"""Shared fixtures: fakes for unit tests, real parts for integration tests. Components are
built the way the app builds them: from settings, through the container."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.fakes import TEST_REFUSAL_MODEL, ScriptedLLM, WordHashEmbedder
from ui.cli import cli
from ui.container import Container
from ui.offline import go_offline
from ui.settings import Settings

go_offline()

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "000_8853eea4d0e1ab7b.txt"


@pytest.fixture
def refusal_model(tmp_path: Path) -> Path:
    path = tmp_path / "refusal.json"
    path.write_text(json.dumps(TEST_REFUSAL_MODEL))
    return path


@pytest.fixture
def settings(tmp_path: Path, refusal_model: Path) -> Settings:
    return Settings.load({"data_dir": tmp_path / "data", "refusal_model": refusal_model}, env={})


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture
def make_container(llm: ScriptedLLM) -> Callable[[Settings], Container]:
    """A container from settings, with the fakes in place of the two models."""

    def make(settings: Settings) -> Container:
        return Container(settings, embedder=WordHashEmbedder(), llm=llm)

    return make


@pytest.fixture
def container(settings: Settings, make_container) -> Container:
    return make_container(settings)


@pytest.fixture
def run_cli(make_container, refusal_model, monkeypatch) -> Callable[..., Result]:
    """`newsdesk ARGS…` in process, at its boundary: exit code and output. The command builds
    its container from its own settings (flags, NEWSDESK_* variables), with the fakes."""
    monkeypatch.setenv("NEWSDESK_REFUSAL_MODEL", str(refusal_model))

    def run(*args: str, **runner_options) -> Result:
        runner = CliRunner(**runner_options)
        return runner.invoke(cli, list(args), obj={"factory": make_container})

    return run


@pytest.fixture(scope="session")
def real_env(tmp_path_factory) -> dict[str, str]:
    """Environment for the real parts on a fresh data dir (the assembled model is shared)."""
    data_dir = tmp_path_factory.mktemp("newsdesk-data")
    return {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir)}
