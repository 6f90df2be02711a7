"""Our own evaluation sets in tests/data are well formed: a mislabelled question measures the
product wrongly without any error."""

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import SHARED

DATA = Path(__file__).resolve().parents[1] / "data"
QUESTION_SETS = sorted(p for p in DATA.glob("*.jsonl") if not p.name.startswith("followups"))
ARTICLES = SHARED / "eval" / "realtimeqa" / "articles.jsonl"


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("path", QUESTION_SETS, ids=lambda p: p.name)
def test_question_sets_are_labelled_consistently(path):
    records = _records(path)
    assert records and len({r["id"] for r in records}) == len(records), "ids repeat"
    known = (
        {json.loads(line)["id"] for line in ARTICLES.read_text(encoding="utf-8").splitlines()}
        if ARTICLES.exists()
        else None
    )
    for r in records:
        date.fromisoformat(r["question_date"])
        assert r["question"].strip(), r["id"]
        if r["type"] == "unanswerable":  # a false premise names the article that corrects it
            assert r["answers"] == [], r["id"]
        else:
            assert r["answers"] and r["evidence_article_ids"], r["id"]
        if r["type"] == "yes/no":
            assert r["answers"] in (["Yes"], ["No"]), r["id"]
            kind = {"Yes": "true claim", "No": "false claim"}[r["answers"][0]]
            assert r["evidence_label"].startswith(kind), r["id"]
        if known is not None:
            assert set(r["evidence_article_ids"]) <= known, r["id"]


def test_follow_up_sets_name_both_turns():
    for path in DATA.glob("followups*.jsonl"):
        records = _records(path)
        assert len({r["id"] for r in records}) == len(records), path.name
        for r in records:
            assert r["first"].strip() and r["followup"].strip() and r["answers"], r["id"]
            date.fromisoformat(r["question_date"])
