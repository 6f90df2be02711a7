from pathlib import Path

import pytest

from ui.settings import Settings, SettingsError


def test_env_then_overrides():
    env = {"NEWSDESK_DATA_DIR": "/tmp/x", "NEWSDESK_TOP_K": "6"}
    s = Settings.load({"top_k": 3}, env=env)
    assert s.data_dir == Path("/tmp/x") and s.top_k == 3
    assert Settings.load(env=env).top_k == 6


def test_model_cache_defaults_under_data_dir():
    s = Settings.load({"data_dir": "/d"}, env={})
    assert s.model_cache_dir == Path("/d/models")
    assert Settings.load(env={"NEWSDESK_MODEL_CACHE": "/c"}).model_cache_dir == Path("/c")


def test_bad_value_is_named():
    with pytest.raises(SettingsError, match="top_k"):
        Settings.load(env={"NEWSDESK_TOP_K": "many"})


def test_every_setting_is_described():
    assert all(f.description for f in Settings.model_fields.values())
