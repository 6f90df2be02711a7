"""`newsdesk bench`: speed figures for ingestion, retrieval, answering, the server and a plain
LlamaIndex peer, each next to the raw part it builds on."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import click

from index.readers import read_file
from index.types import Article

from .container import Container
from .samples import EXAMPLE_QUESTIONS, sample_files

DEV = Path("../shared/eval/realtimeqa")
SECTIONS = ("ingest", "stories", "retrieval", "answer", "server", "concurrency", "peer")


def _load(corpus: Path | None, questions: Path | None, n_articles: int, n_questions: int):
    """Articles and (question, as-of date) pairs: the dev set when present, else the samples.
    The evidence articles of the chosen questions are always part of the corpus."""
    corpus = corpus or (DEV / "articles.jsonl" if (DEV / "articles.jsonl").is_file() else None)
    if corpus is None:
        articles = [r.article for f in sample_files() for r in read_file(f, 10**7) if r.article]
        return articles, [(q, "") for q in EXAMPLE_QUESTIONS][:n_questions]
    articles = [r.article for r in read_file(corpus, 10**10) if r.article]
    questions = questions or corpus.with_name("questions.jsonl")
    chosen: list[tuple[str, str]] = []
    wanted: list[str] = []
    if questions.is_file():
        for line in questions.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("type") != "unanswerable" and len(chosen) < n_questions:
                chosen.append((row["question"], (row.get("question_date") or "")[:10]))
                wanted += row.get("evidence_article_ids") or []
    by_id = {a.id: a for a in articles}
    first = [by_id[i] for i in dict.fromkeys(wanted) if i in by_id]
    rest = [a for a in articles if a.id not in set(wanted)]
    random.Random(3).shuffle(rest)
    picked: list[Article] = (first + rest)[:n_articles]
    if not chosen:
        chosen = [(f"What happened with {a.title}?", a.published_at) for a in picked[:n_questions]]
    return picked, chosen


@click.command("bench")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the figures here as JSON.",
)
@click.option("--quick", is_flag=True, help="Small sizes (minutes); no 100k index, no peer.")
@click.option(
    "--corpus",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Articles (JSONL); default: the dev set if present, else samples.",
)
@click.option(
    "--questions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Questions (JSONL) for the answer figures.",
)
@click.option(
    "--only",
    type=click.Choice(SECTIONS),
    multiple=True,
    help="Run only these sections (repeat the option); default: all.",
)
@click.option(
    "--clients",
    type=click.IntRange(1, 200),
    help="Simultaneous chat clients in the concurrency section (default 20; --quick: 4, "
    "asking 2 distinct questions).",
)
@click.option(
    "--against",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Another checkout (e.g. main's, in a scratch folder): its server is timed too, "
    "in this run, next to this one's.",
)
@click.pass_context
def bench(ctx, json_out: Path | None, quick: bool, corpus, questions, only, clients, against):
    """Measure speed next to the raw parts and a plain LlamaIndex pipeline."""
    from .bench import Bench, real_llm  # here: its imports (datasketch, scipy) slow every command

    state = ctx.find_root().obj
    factory = state.get("factory") or Container
    base = factory(state["settings"])
    articles, qs = _load(corpus, questions, 15 if quick else 300, 2 if quick else 5)
    runner = Bench(state["settings"], base, lambda line: click.echo(line, err=True))
    wanted = set(only or SECTIONS) - ({"peer"} if quick else set())
    results: dict[str, Any] = {"quick": quick, **dict.fromkeys(SECTIONS)}
    try:
        if wanted & {"ingest", "answer"}:
            results["ingest"], indexed = runner.ingest(articles)
        if "stories" in wanted:
            sizes = {"1k": 1_000, "10k": 10_000} if quick else {"1k": 1_000, "100k": 100_000}
            results["stories"] = runner.stories(articles, sizes)
        if "retrieval" in wanted:
            sizes = {"10k": 10_000} if quick else {"10k": 10_000, "100k": 100_000}
            texts = [q for q, _ in qs] + list(EXAMPLE_QUESTIONS)
            results["retrieval"] = {"10k": None, "100k": None}
            for name, n in sizes.items():
                results["retrieval"][name] = runner.retrieval(n, texts, repeats=3 if quick else 5)
        if "answer" in wanted:
            results["answer"] = runner.answer(indexed, qs)
        if "server" in wanted:
            results["server"] = runner.server(EXAMPLE_QUESTIONS[0])  # it indexes the samples
            if against:  # after ours, which pays for any file not yet in the page cache
                theirs = runner.server(EXAMPLE_QUESTIONS[0], tree=against.resolve())
                results["server_against"] = {"tree": str(against), **theirs}
        if "concurrency" in wanted:
            n_clients = clients or (4 if quick else 20)
            distinct = EXAMPLE_QUESTIONS[:2] if quick else EXAMPLE_QUESTIONS
            results["concurrency"] = runner.concurrency(list(distinct), n_clients)
        if "peer" in wanted:
            from .bench_peer import run_peer

            results["peer"] = run_peer(articles, [q for q, _ in qs], base.embedder, real_llm(base))
    finally:
        runner.close()
    _print(results)
    if json_out:
        json_out.write_text(json.dumps(results, indent=2))
        click.echo(f"wrote {json_out}")


def _row(name: str, ours: Any, raw: Any, ratio: Any = None, unit: str = "") -> str:
    def f(v: Any) -> str:
        return "-" if v is None else (f"{v:,.1f}" if isinstance(v, float) else f"{v:,}")

    ratio_text = "-" if ratio is None else f"{ratio:.2f}"
    return f"  {name:<30}{f(ours):>12}{f(raw):>12}{ratio_text:>8}  {unit}"


def _print(r: dict[str, Any]) -> None:
    click.echo(f"\n  {'measure':<30}{'ours':>12}{'raw':>12}{'ratio':>8}")
    if i := r["ingest"]:
        torch = i["encoders"]["torch"]
        for kind, row in i["encoders"].items():
            ratio = row["chunks_per_s"] / torch["chunks_per_s"]
            click.echo(
                _row(f"encoder {kind} chunks/s", row["chunks_per_s"], torch["chunks_per_s"], ratio)
            )
        for kind, row in i["encoders"].items():
            click.echo(
                _row(f"query embedding {kind}", row["query_ms"], torch["query_ms"], unit="ms")
            )
        ingest = f"ingest chunks/s ({i['encoder']})"
        click.echo(_row(ingest, i["chunks_per_s"], i["raw_chunks_per_s"], i["ratio"]))
        click.echo("    raw: torch's encoder alone, what every release before ONNX embedded with")
    if st := r["stories"]:
        click.echo(_row("story signature per article", st["signature_ms"], None, unit="ms"))
        for row in st.values():
            if isinstance(row, dict):
                name = f"story placing, {row['indexed']:,} indexed"
                ratio = (
                    row["place_ms"] / st["empty"]["place_ms"] if st["empty"]["place_ms"] else None
                )
                click.echo(_row(name, row["place_ms"], st["empty"]["place_ms"], ratio, unit="ms"))
    for size, row in (r["retrieval"] or {}).items():
        if row:
            click.echo(_row(f"retrieval {size} p50", row["p50_ms"], row["raw_p50_ms"], unit="ms"))
            click.echo(_row(f"retrieval {size} p95", row["p95_ms"], row["raw_p95_ms"], unit="ms"))
    if a := r["answer"]:
        ttft = (a["ttft_ms"], a["raw_ttft_ms"], a["ttft_ratio"])
        click.echo(_row("time to first token", *ttft, unit="ms"))
        overhead = round(a["ttft_ms"] - a["raw_ttft_ms"], 1)
        click.echo(_row("overhead per query (to TTFT)", overhead, None, unit="ms"))
        click.echo(_row("second question TTFT", a["second_question_ttft_ms"], None, unit="ms"))
        click.echo(_row("repeat question answer", a["repeat_question_ms"], None, unit="ms"))
        click.echo(_row("generation tok/s", a["gen_tok_s"], a["raw_gen_tok_s"]))
        click.echo(_row("prompt tokens", a["prompt_tokens"], None))
        whole = a["whole_answer_ms"]
        click.echo(_row("answer, whole passages", whole, None, unit="ms (main's prompt)"))
        ratio = a["answer_ms"] / whole if whole else None
        click.echo(_row("answer, evidence", a["answer_ms"], whole, ratio, unit="ms"))
        click.echo(_row("prompt tokens, whole passages", a["whole_prompt_tokens"], None))
    if s := r["server"]:
        t = r.get("server_against") or {}

        def vs(name: str, key: str, unit: str) -> None:
            theirs = t.get(key)
            ratio = s[key] / theirs if theirs else None
            click.echo(_row(name, s[key], theirs, ratio, unit=unit))

        vs("server ready (first page)", "ready_s", "s")
        vs("server ready to answer", "answerable_s", "s (page and model)")
        vs("server first answer", "first_answer_s", "s (from start)")
        vs("server first question", "first_question_ms", "ms")
        vs("server same question again", "warm_latency_ms", "ms")
        vs("server peak RSS", "rss_mb", "MB")
        if t:
            click.echo(f"    raw: {t['tree']}, timed in this run")
    if c := r["concurrency"]:
        click.echo(
            f"\n  {'concurrency (/chat)':<30}{'clients':>8}{'p50 s':>8}{'p95 s':>8}"
            f"{'max s':>8}{'errors':>8}"
        )
        for name, row in c.items():
            click.echo(
                f"  {name:<30}{row['clients']:>8}{row['p50_s']:>8}{row['p95_s']:>8}"
                f"{row['max_s']:>8}{row['errors']:>8}"
            )
    p = r.get("peer")
    if p and i and a:
        click.echo(f"\n  {'peer (LlamaIndex default)':<30}{'ours':>12}{'peer':>12}")
        click.echo(_row("ingest s", i["seconds"], p["ingest_s"]))
        click.echo(_row("time to first token", a["ttft_ms"], p["ttft_ms"], unit="ms"))
        click.echo(_row("prompt tokens", a["prompt_tokens"], p["prompt_tokens"]))
