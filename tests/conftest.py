"""Shared fixtures: fakes for unit tests, real parts for integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import ScriptedLLM, WordHashEmbedder
from ui.container import Container
from ui.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "000_8853eea4d0e1ab7b.txt"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load({"data_dir": tmp_path / "data"}, env={})


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture
def container(settings: Settings, llm: ScriptedLLM) -> Container:
    return Container(settings, embedder=WordHashEmbedder(), llm=llm)
