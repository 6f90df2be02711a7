"""`newsdesk eval --retrieval-only` on the shared RealTime QA dev set with the real embedder."""

import json
import subprocess
import sys

import pytest

from tests.conftest import SHARED

DEV = SHARED / "eval" / "realtimeqa"


@pytest.mark.skipif(not (DEV / "questions.jsonl").is_file(), reason="dev set not present")
def test_retrieval_only_eval_on_twenty_questions(real_env, tmp_path):
    out = tmp_path / "eval.json"
    cmd = [sys.executable, "-m", "ui.cli", "eval", "--articles", str(DEV / "articles.jsonl"),
           "--questions", str(DEV / "questions.jsonl"), "--retrieval-only", "--limit", "20",
           "--json", str(out)]  # fmt: skip
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path / "unused")}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["n_questions"] == 20 and len(data["per_question"]) == 20
    r = data["retrieval"]
    for key in ("any_hit@1", "any_hit@5", "any_hit@10", "all_hit@5", "mrr@10"):
        assert 0.0 <= r[key] <= 1.0, key
    assert r["any_hit@1"] <= r["any_hit@5"] <= r["any_hit@10"]
    assert r["all_hit@5"] <= r["any_hit@5"]
    assert set(r["by_label"]) <= {"quiz_link", "answer_match", "quiz_link+answer_match"}
    assert data["answers"] == {"accuracy": None, "refusal_rate": None, "false_refusal_rate": None}
    assert data["citations"] == {"precision": None, "coverage": None}
    assert all(v is None for v in data["cost"].values())
    assert not (tmp_path / "unused").exists()  # a fresh temporary index, not the user's
    for record in data["per_question"]:
        assert len(record["ranked_article_ids"]) <= 10
    assert "hit@1" in done.stdout
