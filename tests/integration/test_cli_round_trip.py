"""The installed `newsdesk` command with the real parts: add, ask, remove, re-add."""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEED

# the console script pip installed next to this Python (what `make run` and users call)
NEWSDESK = Path(sys.executable).with_name("newsdesk")


def newsdesk(env, *args):
    assert NEWSDESK.is_file(), f"{NEWSDESK} is not installed (make install)"
    return subprocess.run(
        [str(NEWSDESK), *args], env=env, capture_output=True, text=True, timeout=600
    )


def test_add_ask_remove_readd(real_env, tmp_path):
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path / "data")}
    added = newsdesk(env, "add", str(SEED), "--source", "Reuters")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added")
    assert newsdesk(env, "add", str(SEED), "--source", "Reuters").stdout.startswith("unchanged")

    asked = newsdesk(env, "ask", "Where will Trump meet Xi Jinping?", "--json")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert not data["refused"] and "Busan" in data["answer"]
    assert any("Busan" in c["passage"] for c in data["citations"])
    article_id = data["citations"][0]["article_id"]

    assert newsdesk(env, "remove", article_id).returncode == 0
    listed = json.loads(newsdesk(env, "list", "--json").stdout)
    assert listed == []
    after = json.loads(newsdesk(env, "ask", "Where will Trump meet Xi Jinping?", "--json").stdout)
    assert after["refused"] and after["citations"] == []

    readded = newsdesk(env, "add", str(SEED))
    assert readded.stdout.startswith("added") and article_id in readded.stdout


def test_bad_inputs_through_the_real_command(real_env, tmp_path):
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path / "data")}
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    lines = tmp_path / "mixed.jsonl"
    lines.write_text(
        '{"id": "ok", "title": "Fine", "text": "A fine story about ports."}\n{broken\n'
    )
    result = newsdesk(env, "add", str(empty), str(lines), str(tmp_path / "nope.txt"))
    assert result.returncode == 1
    assert f"{empty}: the file is empty" in result.stdout
    assert "mixed.jsonl line 2: invalid JSON" in result.stdout
    assert "nope.txt: no such file or folder" in result.stdout
    assert [a["id"] for a in json.loads(newsdesk(env, "list", "--json").stdout)] == ["ok"]
