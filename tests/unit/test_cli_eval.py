"""`newsdesk eval` end to end with fakes: indexing, scoring, JSON shape and the table."""

import json

import pytest

from tests.fakes import ScriptedLLM, WordHashEmbedder
from ui.cli import run_with
from ui.container import Container

ARTICLES = [
    {"id": "a1", "title": "River bridge opens", "source": "Sample", "published_at": "2025-05-10",
     "text": "The new river bridge opened on Saturday in Lowtown. It cost 40 million euros."},
    {"id": "a2", "title": "Harbour ferries", "source": "Sample", "published_at": "2025-05-11",
     "text": "Ferries resumed service at the harbour after the storm on Monday."},
]  # fmt: skip
QUESTIONS = [
    {"id": "q1", "question": "How much did the river bridge cost?", "answers": ["40 million euros"],
     "evidence_article_ids": ["a1"], "type": "factoid", "evidence_label": "quiz_link",
     "question_date": "2025-05-12", "choices": ["SECRET-CHOICE"], "quiz_explanation": "SECRET"},
    {"id": "q2", "question": "When did the ferries resume at the harbour?", "answers": ["Monday"],
     "evidence_article_ids": ["a2"], "type": "factoid", "evidence_label": "answer_match"},
    {"id": "q3", "question": "Who won the chess olympiad?", "answers": [],
     "evidence_article_ids": [], "type": "unanswerable", "evidence_label": "none_in_corpus",
     "original_answer": "SECRET-ANSWER"},
]  # fmt: skip


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "articles.jsonl"
    a.write_text("\n".join(json.dumps(r) for r in ARTICLES))
    q = tmp_path / "questions.jsonl"
    q.write_text("\n".join(json.dumps(r) for r in QUESTIONS))
    return a, q


def _run(tmp_path, files, llm, *extra):
    def factory(settings):
        return Container(settings, embedder=WordHashEmbedder(), llm=llm)

    a, q = files
    out = tmp_path / "out.json"
    args = ["eval", "--articles", str(a), "--questions", str(q), "--json", str(out), *extra]
    result = run_with(factory, args)
    assert result.exit_code == 0, result.output
    return result, json.loads(out.read_text())


def test_retrieval_only_reports_ranks_and_null_answer_metrics(tmp_path, files):
    llm = ScriptedLLM()
    result, data = _run(tmp_path, files, llm, "--retrieval-only")
    assert data["n_questions"] == 3
    assert data["retrieval"]["any_hit@1"] == 1.0 and data["retrieval"]["mrr@10"] == 1.0
    assert set(data["retrieval"]["by_label"]) == {"quiz_link", "answer_match"}
    assert data["answers"]["accuracy"] is None and data["cost"]["latency_ms_p50"] is None
    assert llm.prompts == [] and llm.checks == []
    assert "hit@1" in result.output


def test_full_run_scores_answers_refusals_and_citations(tmp_path, files):
    llm = ScriptedLLM(
        ["The bridge cost 40 million euros [1].", "The ferries resumed on Friday [1]."]
    )
    _, data = _run(tmp_path, files, llm)
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


def test_settings_can_be_overridden_per_run(tmp_path, files):
    _, data = _run(tmp_path, files, ScriptedLLM(), "--retrieval-only", "--set", "top_k=1",
                   "--set", "retrieval_mode=dense")  # fmt: skip
    assert data["settings"] == {"top_k": "1", "retrieval_mode": "dense"}


def test_unknown_setting_is_a_usage_error(tmp_path, files):
    a, q = files
    args = ["eval", "--articles", str(a), "--questions", str(q), "--set", "nope=1"]
    result = run_with(lambda s: Container(s, embedder=WordHashEmbedder()), args)
    assert result.exit_code == 2 and "nope=1" in result.output


def test_broken_question_file_is_reported(tmp_path, files):
    a, _ = files
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok?"}\n{not json\n')
    result = run_with(lambda s: Container(s, embedder=WordHashEmbedder()),
                      ["eval", "--articles", str(a), "--questions", str(bad)])  # fmt: skip
    assert result.exit_code == 1 and "bad.jsonl line 2" in result.output
