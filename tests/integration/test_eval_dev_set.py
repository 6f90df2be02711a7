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
# Recency no longer buries relevance (`relevance_band`): hit@1 0.909 -> 0.914, hit@5 0.976 ->
# 0.981, MRR 0.941 -> 0.946, in context unchanged.
MAIN = {"any_hit@1": 0.914, "any_hit@5": 0.981, "mrr@10": 0.946, "answer_in_context": 0.890}
MARGIN = {"any_hit@1": 0.025, "any_hit@5": 0.015, "mrr@10": 0.02, "answer_in_context": 0.025}
# The same questions asked as of a day long after every article, as the chat asks them (as of
# today) over an archive: recency alone put this year's unrelated news first (hit@1 0.100,
# hit@5 0.419, in context 0.348); relevance first gives 0.643 / 0.805 / 0.695. Without a date
# the questions get 0.781 / 0.986 / 0.838: "this week" names no week that far on.
TODAY = {"any_hit@1": 0.643, "any_hit@5": 0.805, "answer_in_context": 0.695}


def _eval(real_env, tmp_path, questions, out):
    cmd = [
        sys.executable,
        "-m",
        "ui.cli",
        "eval",
        "--articles",
        str(DEV / "articles.jsonl"),
        "--questions",
        str(questions),
        "--retrieval-only",
        "--json",
        str(out),
    ]
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path / "index")}  # fresh, then reused
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=2400)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.mark.skipif(not (DEV / "questions.jsonl").is_file(), reason="dev set not present")
def test_retrieval_on_the_dev_set_holds_mains_level(real_env, tmp_path):
    out = tmp_path / "eval.json"
    done = _eval(real_env, tmp_path, DEV / "questions.jsonl", out)
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

    # asked as of today: an old report of the story still comes before this year's news
    today = tmp_path / "today.jsonl"
    rows = [json.loads(line) for line in (DEV / "questions.jsonl").read_text().splitlines()]
    today.write_text("".join(json.dumps({**r, "question_date": "2026-12-07"}) + "\n" for r in rows))
    _eval(real_env, tmp_path, today, tmp_path / "today.json")
    r = json.loads((tmp_path / "today.json").read_text())["retrieval"]
    for key, level in TODAY.items():
        assert r[key] >= level - MARGIN[key], f"as of today: {key} {r[key]} is below {level}"
