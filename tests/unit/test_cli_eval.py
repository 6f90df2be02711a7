"""`newsdesk eval` end to end with fakes: indexing, scoring, JSON shape and the table."""

import json

import pytest

ARTICLES = [
    {
        "id": "a1",
        "title": "River bridge opens",
        "source": "Sample",
        "published_at": "2025-05-10",
        "text": "The new river bridge opened on Saturday in Lowtown. It cost 40 million euros.",
    },
    {
        "id": "a2",
        "title": "Harbour ferries",
        "source": "Sample",
        "published_at": "2025-05-11",
        "text": "Ferries resumed service at the harbour after the storm on Monday.",
    },
]
QUESTIONS = [
    {
        "id": "q1",
        "question": "How much did the river bridge cost?",
        "answers": ["40 million euros"],
        "evidence_article_ids": ["a1"],
        "type": "factoid",
        "evidence_label": "quiz_link",
        "question_date": "2025-05-12",
        "choices": ["SECRET-CHOICE"],
        "quiz_explanation": "SECRET",
    },
    {
        "id": "q2",
        "question": "When did the ferries resume at the harbour?",
        "answers": ["Monday"],
        "evidence_article_ids": ["a2"],
        "type": "factoid",
        "evidence_label": "answer_match",
    },
    {
        "id": "q3",
        "question": "Who won the chess olympiad?",
        "answers": [],
        "evidence_article_ids": [],
        "type": "unanswerable",
        "evidence_label": "none_in_corpus",
        "original_answer": "SECRET-ANSWER",
    },
]


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "articles.jsonl"
    a.write_text("\n".join(json.dumps(r) for r in ARTICLES))
    q = tmp_path / "questions.jsonl"
    q.write_text("\n".join(json.dumps(r) for r in QUESTIONS))
    return a, q


@pytest.fixture
def evaluate(tmp_path, files, run_cli):
    """`newsdesk eval` on the two articles and three questions; returns (result, JSON)."""

    def run(*extra):
        a, q = files
        out = tmp_path / "out.json"
        result = run_cli(
            "eval", "--articles", str(a), "--questions", str(q), "--json", str(out), *extra
        )
        assert result.exit_code == 0, result.output
        return result, json.loads(out.read_text())

    return run


def test_retrieval_only_reports_ranks_and_null_answer_metrics(evaluate, llm):
    result, data = evaluate("--retrieval-only")
    assert data["n_questions"] == 3
    assert data["retrieval"]["any_hit@1"] == 1.0 and data["retrieval"]["mrr@10"] == 1.0
    assert set(data["retrieval"]["by_label"]) == {"quiz_link", "answer_match"}
    assert data["answers"]["accuracy"] is None and data["cost"]["latency_ms_p50"] is None
    assert llm.prompts == [] and llm.checks == []
    assert "hit@1" in result.output


def test_full_run_scores_answers_refusals_and_citations(evaluate, llm):
    llm.replies = ["The bridge cost 40 million euros [1].", "They resumed after the storm [1]."]
    _, data = evaluate()
    by_id = {r["id"]: r for r in data["per_question"]}
    assert by_id["q1"]["correct"] and by_id["q1"]["citation_verdicts"] == [True]
    assert not by_id["q2"]["correct"] and not by_id["q2"]["refused"]
    assert by_id["q3"]["refused"]
    assert data["answers"]["accuracy"] == 0.5
    assert data["answers"]["refusal_rate"] == 1.0
    assert data["answers"]["false_refusal_rate"] == 0.0
    assert data["cost"]["prompt_tokens_median"] > 0
    # scoring-only fields never reach the model
    prompts = json.dumps(llm.prompts + llm.checks)
    assert "SECRET" not in prompts
    # the question date reaches the model as "today"
    assert "2025-05-12" in json.dumps(llm.checks[0])


def test_settings_overridden_per_run_take_effect(evaluate, llm):
    llm.yes = 0.5
    _, data = evaluate("--set", "top_k=1", "--set", "refusal_line=0.9999")
    assert data["settings"] == {"top_k": "1", "refusal_line": "0.9999"}
    records = data["per_question"]
    assert all(r["refused"] for r in records)  # the model's 0.5 cannot reach that line
    assert llm.prompts == []  # refused before answering
    assert all(len(r["passage_article_ids"]) <= 1 for r in records)  # one passage read
    assert llm.checks and all("Passage [2]" not in json.dumps(c) for c in llm.checks)
    _, default = evaluate()
    assert any(len(r["passage_article_ids"]) == 2 for r in default["per_question"])


def test_out_of_range_setting_is_one_line(evaluate, run_cli, files):
    a, q = files
    result = run_cli("eval", "--articles", str(a), "--questions", str(q), "--set", "chunk_chars=10")
    assert result.exit_code == 1
    assert "chunk_chars" in result.output and "Traceback" not in result.output


def test_unknown_setting_is_a_usage_error(run_cli, files):
    a, q = files
    result = run_cli("eval", "--articles", str(a), "--questions", str(q), "--set", "nope=1")
    assert result.exit_code == 2 and "nope=1" in result.output


def test_broken_question_file_is_reported(run_cli, files, tmp_path):
    a, _ = files
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok?"}\n{not json\n')
    result = run_cli("eval", "--articles", str(a), "--questions", str(bad))
    assert result.exit_code == 1 and "bad.jsonl line 2" in result.output


def test_followups_report_rewrite_success_and_accuracy(tmp_path, files, run_cli, llm):
    a, _ = files
    talks = tmp_path / "followups.jsonl"
    rows = [
        {
            "id": "f1",
            "first": "How much did the river bridge cost?",
            "followup": "When did it open?",
            "answers": ["Saturday"],
            "expect": ["bridge"],
            "question_date": "2025-05-12",
        }
    ]
    talks.write_text("\n".join(json.dumps(r) for r in rows))
    llm.replies = [
        "The bridge cost 40 million euros [1].",
        "When did the river bridge open?",  # the rewrite
        "The bridge opened on Saturday [1].",
    ]
    out = tmp_path / "out.json"
    result = run_cli("eval", "--articles", str(a), "--followups", str(talks), "--json", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["followups"]["rewrite_success"] == 1.0 and data["followups"]["accuracy"] == 1.0
    (talk,) = data["per_followup"]
    assert talk["searched"] == "When did the river bridge open?" and talk["how"] == "rewritten"
    assert "follow-ups" in result.output


def test_eval_needs_questions_or_followups(files, run_cli):
    a, _ = files
    result = run_cli("eval", "--articles", str(a))
    assert result.exit_code == 2 and "--questions, --followups or both" in result.output


def test_fit_refusal_cross_validates_and_writes_a_model(tmp_path, run_cli):
    from qa.trust import RefusalModel
    from tests.unit.test_trust import _record

    records = tmp_path / "run.json"
    rows = [_record(i, answerable=i % 4 != 0) for i in range(40)]
    records.write_text(json.dumps({"per_question": rows}))
    model = tmp_path / "model.json"
    result = run_cli("fit-refusal", str(records), "--folds", "4", "--out", str(model))
    assert result.exit_code == 0, result.output
    assert "out of fold" in result.output and "mean of folds" in result.output
    fitted = RefusalModel.load(model)
    assert fitted.about["questions"] == 40 and len(fitted.about["folds"]) == 4
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"per_question": [{"id": "x"}]}))
    result = run_cli("fit-refusal", str(bad))
    assert result.exit_code == 1 and "refusal_line=0" in result.output
