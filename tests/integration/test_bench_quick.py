"""`newsdesk bench --quick` keeps working: the JSON has every figure (speed is not asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_writes_every_figure(real_env, tmp_path):
    out = tmp_path / "bench.json"
    cmd = [sys.executable, "-m", "ui.cli", "bench", "--quick", "--json", str(out)]
    cmd += ["--against", str(ROOT)]  # this checkout as the other: the option's whole path
    cmd += ["--clients", "2"]  # the option's path; the figures are the full run's business
    done = subprocess.run(cmd, env=real_env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(out.read_text())
    assert set(data["ingest"]) >= {"chunks_per_s", "raw_chunks_per_s", "ratio"}
    assert data["ingest"]["chunks_per_s"] > 0 and data["ingest"]["raw_chunks_per_s"] > 0
    stories = data["stories"]  # grouping cost per article, empty index and two sizes
    assert stories["signature_ms"] > 0
    assert [stories[k]["indexed"] for k in ("empty", "1k", "10k")] == [0, 1_000, 10_000]
    assert all(stories[k]["place_ms"] > 0 for k in ("empty", "1k", "10k"))
    ten_k = data["retrieval"]["10k"]
    assert set(ten_k) >= {"p50_ms", "p95_ms", "raw_p50_ms", "raw_p95_ms"}
    assert ten_k["chunks"] == 10_000 and 0 < ten_k["p50_ms"] <= ten_k["p95_ms"]
    assert data["retrieval"]["100k"] is None and data["peer"] is None
    answer = data["answer"]
    assert set(answer) >= {
        "ttft_ms",
        "raw_ttft_ms",
        "ttft_ratio",
        "second_question_ttft_ms",
        "gen_tok_s",
        "raw_gen_tok_s",
        "prompt_tokens",
        "answer_ms",
        "whole_answer_ms",
        "whole_prompt_tokens",
    }
    assert answer["ttft_ms"] > 0 and answer["raw_ttft_ms"] > 0 and answer["prompt_tokens"] > 0
    assert answer["answer_ms"] > 0 and answer["whole_answer_ms"] > 0
    # the quick corpus's passages are short: the evidence is at most the whole passages
    assert answer["prompt_tokens"] <= answer["whole_prompt_tokens"]
    for server in (data["server"], data["server_against"]):
        assert 0 < server["ready_s"] < server["first_answer_s"]
        assert server["first_question_ms"] > 0 and server["warm_latency_ms"] > 0
        assert server["rss_mb"] > 100
    assert data["server_against"]["tree"] == str(ROOT)
    assert "server first answer" in done.stdout
    for backend in ("in_process", "llama_cpp_server"):  # 2 simultaneous /chat clients each
        row = data["concurrency"][backend]
        assert row["clients"] == 2 and row["errors"] == 0
        assert 0 < row["p50_s"] <= row["p95_s"] <= row["max_s"]
    assert "story placing, 10,000 indexed" in done.stdout
    assert "time to first token" in done.stdout and "llama_cpp_server" in done.stdout
