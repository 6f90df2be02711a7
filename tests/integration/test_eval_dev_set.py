"""`newsdesk eval --retrieval-only` on the shared RealTime QA dev set with the real embedder.
Retrieval is deterministic, so it is gated: a change that loses more than a few questions
against main's level fails here."""

import json
import subprocess
import sys

import pytest

from tests.conftest import SHARED

DEV = SHARED / "eval" / "realtimeqa"

# main's level on the 210 answerable dev questions (2026-12-02, this kind of machine: the
# int8 ONNX encoder; in context: the 350-token evidence the model reads), and how far below
# it a change may land: about three to five questions, more than CPUs differ by. Since
# sign-up pages are refused as not articles (25 of the dev articles), two questions whose
# labelled evidence is such a page (found by its title; the answer is not in it) are no
# longer hits: hit@1 0.919 -> 0.909, hit@5 0.986 -> 0.976; the answer in context is unchanged.
# The evidence budget 400 -> 350 (best sentences wherever they are): in context 0.895 -> 0.890.
MAIN = {"any_hit@1": 0.909, "any_hit@5": 0.976, "mrr@10": 0.941, "answer_in_context": 0.890}
MARGIN = {"any_hit@1": 0.025, "any_hit@5": 0.015, "mrr@10": 0.02, "answer_in_context": 0.025}


@pytest.mark.skipif(not (DEV / "questions.jsonl").is_file(), reason="dev set not present")
def test_retrieval_on_the_dev_set_holds_mains_level(real_env, tmp_path):
    out = tmp_path / "eval.json"
    cmd = [
        sys.executable,
        "-m",
        "ui.cli",
        "eval",
        "--articles",
        str(DEV / "articles.jsonl"),
        "--questions",
        str(DEV / "questions.jsonl"),
        "--retrieval-only",
        "--json",
        str(out),
    ]
    env = {k: v for k, v in real_env.items() if k != "NEWSDESK_DATA_DIR"}  # a fresh index
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=2400)
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["n_questions"] == 250 and len(data["per_question"]) == 250
    r = data["retrieval"]
    assert r["n"] == 210
    for key, level in MAIN.items():
        assert r[key] >= level - MARGIN[key], f"{key} {r[key]} is below main's {level}"
    assert r["any_hit@1"] <= r["any_hit@5"] <= r["any_hit@10"]
    assert data["answers"] == {"accuracy": None, "refusal_rate": None, "false_refusal_rate": None}
    assert "hit@1" in done.stdout
    assert "25 refused" in done.stdout  # the outlet's newsletter sign-up pages
