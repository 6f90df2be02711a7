"""Kill a real `newsdesk add` (SIGKILL) at several points of a bulk add and of a bulk
update: after each kill a reader sees every listed article once, in one version, and nothing
of an unlisted one; `check --repair` and re-adding then heal everything."""

import json
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.integration

N = 40
INSPECT = """
import json, os
from ui.container import Container
from ui.settings import Settings
store = Container(Settings.load()).store
versions = {a.article_id: a.content_hash[:12] for a in store.list_articles()}
seen = {}
for _, _, metas in store.iter_chunks():
    for m in metas:
        seen.setdefault(m["article_id"], set()).add(m["version"])
print(json.dumps({"listed": versions, "visible": {k: sorted(v) for k, v in seen.items()},
                  "ok": store.check().ok}))
"""


def articles(version: int) -> str:
    rows = []
    for i in range(N):
        body = " ".join(
            f"Harbour story {i} sentence {j} of version {version} about ferries." for j in range(25)
        )
        rows.append({"id": f"k{i}", "title": f"Story {i}", "text": body})
    return "\n".join(json.dumps(r) for r in rows) + "\n"


def newsdesk(env, *args, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def inspect(env) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", INSPECT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def kill_after(env, path, lines: int, delay: float) -> None:
    """Start `newsdesk add PATH`, SIGKILL it `delay` s after its `lines`-th outcome line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "add", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        seen = 0
        for line in proc.stdout:
            if line.startswith(("added", "updated", "unchanged")):
                seen += 1
            if seen >= lines:
                time.sleep(delay)
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)


def assert_readers_see_one_listed_version(state: dict) -> None:
    listed, visible = state["listed"], state["visible"]
    assert set(visible) <= set(listed), "passages of an article that is not listed"
    for article_id, versions in visible.items():
        assert versions == [listed[article_id]], f"{article_id}: versions {versions} visible"


def test_kill_mid_add_and_mid_update_then_repair(real_env, tmp_path):
    env = {
        **real_env,
        "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONUNBUFFERED": "1",
        "NEWSDESK_INGEST_BATCH": "3",
    }
    first, second = tmp_path / "v1.jsonl", tmp_path / "v2.jsonl"
    first.write_text(articles(1))
    second.write_text(articles(2))
    kills = 0
    for path in (first, second):
        for lines, delay in ((1, 0.0), (4, 0.05), (9, 0.15), (15, 0.3)):
            kill_after(env, path, lines, delay)
            kills += 1
            assert_readers_see_one_listed_version(inspect(env))
    assert kills == 8
    repaired = newsdesk(env, "check", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert newsdesk(env, "check").stdout.rstrip().endswith("ok")
    done = newsdesk(env, "add", str(second))
    assert done.returncode == 0, done.stdout[-2000:]
    state = inspect(env)
    assert state["ok"] and len(state["listed"]) == N
    assert_readers_see_one_listed_version(state)
    assert set(state["visible"]) == set(state["listed"])  # and every article is whole again
