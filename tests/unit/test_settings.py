from pathlib import Path

import pytest

from ui.settings import Settings, SettingsError


def test_env_then_overrides():
    env = {"NEWSDESK_DATA_DIR": "/tmp/x", "NEWSDESK_TOP_K": "6"}
    s = Settings.load({"top_k": 3}, env=env)
    assert s.data_dir == Path("/tmp/x") and s.top_k == 3
    assert Settings.load(env=env).top_k == 6


def test_model_cache_is_shared_by_every_data_dir(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/cache")
    assert Settings.load({"data_dir": "/d"}, env={}).model_cache == Path("/cache/newsdesk/models")
    assert Settings.load({"data_dir": "/e"}, env={}).model_cache == Path("/cache/newsdesk/models")
    assert Settings.load(env={"NEWSDESK_MODEL_CACHE": "/c"}).model_cache == Path("/c")


@pytest.mark.parametrize(
    "name, value",
    [
        ("chunk_chars", "10"),
        ("fetch_timeout", "0"),
        ("top_k", "0"),
        ("refusal_line", "1.5"),
        ("port", "70000"),
        ("chat_format", "llama9"),
        ("max_file_mb", "-1"),
    ],
)
def test_out_of_range_values_are_named(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.load(env={f"NEWSDESK_{name.upper()}": value})


def test_overlap_must_be_below_chunk_size():
    with pytest.raises(SettingsError, match="chunk_overlap"):
        Settings.load({"chunk_chars": 100, "chunk_overlap": 100}, env={})


def test_set_values_are_known_from_defaults():
    s = Settings.load({"top_k": 3}, env={"NEWSDESK_DATA_DIR": "/d"})
    assert s.given("top_k") and s.given("data_dir") and not s.given("refusal_line")


def test_bad_value_is_named():
    with pytest.raises(SettingsError, match="top_k"):
        Settings.load(env={"NEWSDESK_TOP_K": "many"})


def test_every_setting_is_described():
    assert all(f.description for f in Settings.model_fields.values())
