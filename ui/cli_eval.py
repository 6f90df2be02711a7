"""`newsdesk eval`: index an evaluation corpus, ask its questions, print and save the figures."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from qa.eval_metrics import refusal_sweep, summarise
from qa.eval_run import Evaluation, load_questions

from .container import Container
from .settings import Settings


def _setting(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or name not in Settings.model_fields:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE with a setting name")
        out[name] = value
    return out


@click.command("eval")
@click.option(
    "--articles",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Articles (JSONL, as `newsdesk add` reads it).",
)
@click.option(
    "--questions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Questions (JSONL: question, answers, evidence_article_ids, "
    "type, evidence_label, question_date).",
)
@click.option("--limit", type=click.IntRange(1), help="Only the first N questions.")
@click.option("--retrieval-only", is_flag=True, help="Measure retrieval; do not load the model.")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the summary and per-question records here.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    callback=_setting,
    metavar="NAME=VALUE",
    help="Override a setting for this run (e.g. --set top_k=3); repeatable.",
)
@click.option(
    "--sweep",
    is_flag=True,
    help="Also show accuracy and refusals for a range of "
    "min_yes thresholds (with --set min_yes=0 it covers the whole range).",
)
@click.pass_context
def eval_(ctx, articles, questions, limit, retrieval_only, json_out, overrides, sweep):
    """Measure retrieval, answers, citations and cost on a question set.

    Indexes the articles into a fresh temporary index unless --data-dir is given (an index
    that already holds them is reused; unchanged articles cost nothing)."""
    state = ctx.find_root().obj
    base: Settings = state["settings"]
    qs = load_questions(questions, limit)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        values: dict[str, Any] = {**base.model_dump(exclude_unset=True), **overrides}
        if not base.given("data_dir"):  # neither --data-dir nor NEWSDESK_DATA_DIR
            values["data_dir"] = Path(tmp)
        settings = Settings.load(values, env={})
        factory = state.get("factory") or Container
        container = factory(settings)
        with container.write_lock("newsdesk eval", lambda m: click.echo(m, err=True)):
            _index(container, articles)
        answerer = None if retrieval_only else container.answerer
        evaluation = Evaluation(container.retriever, answerer)
        records = _run(evaluation, qs, answered=not retrieval_only)
    summary = summarise(records, answered=not retrieval_only)
    summary["settings"] = {k: v for k, v in overrides.items()}
    _print(summary)
    if sweep and not retrieval_only:
        summary["sweep"] = refusal_sweep(records, [i / 20 for i in range(0, 20)])
        click.echo(f"{'min_yes':>9}{'accuracy':>10}{'refusal':>10}{'false ref':>11}")
        for row in summary["sweep"]:
            click.echo(
                f"{row['min_yes']:>9.2f}"
                + "".join(
                    f"{_fmt(row[k]):>10}"
                    for k in ("accuracy", "refusal_rate", "false_refusal_rate")
                )
            )
    if json_out:
        json_out.write_text(
            json.dumps({**summary, "per_question": records}, ensure_ascii=False, indent=2)
        )
        click.echo(f"wrote {json_out}")


def _index(container: Container, articles: Path) -> None:
    before = container.store.count_articles()
    counts: dict[str, int] = {}
    failed = []
    with articles.open("rb") as fh:
        lines = sum(1 for line in fh if line.strip())
    with click.progressbar(length=lines, label=f"Indexing {articles.name}", file=sys.stderr) as bar:
        for out in container.ingestor.add_file(articles, max_bytes=10**10):
            counts[out.status] = counts.get(out.status, 0) + 1
            if out.status == "failed":
                failed.append(f"{out.origin}: {out.reason}")
            bar.update(1)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    click.echo(f"index: {summary} (had {before}; now {container.store.count_chunks()} chunks)")
    for line in failed[:5]:
        click.echo(f"  failed {line}", err=True)


def _run(evaluation: Evaluation, questions, answered: bool) -> list[dict]:
    records: list[dict] = []

    def running(_) -> str:
        if not records:
            return ""
        if answered:
            rows = [r for r in records if r["answerable"]]
            ok = sum(r["correct"] for r in rows)
            return f"accuracy {ok}/{len(rows)}"
        rows = [r for r in records if r["evidence_article_ids"]]
        return f"hit@5 {sum(r['retrieval']['any_hit@5'] for r in rows)}/{len(rows)}"

    logged = not sys.stderr.isatty()  # a log gets a line every LOG_EVERY questions instead
    with click.progressbar(
        questions, label="Questions", file=sys.stderr, item_show_func=running, hidden=logged
    ) as bar:
        for q in bar:
            records.append(evaluation.one(q))
            if logged and (len(records) % LOG_EVERY == 0 or len(records) == len(questions)):
                click.echo(f"questions {len(records)}/{len(questions)}: {running(None)}", err=True)
    return records


LOG_EVERY = 10


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _print(summary: dict) -> None:
    r = summary["retrieval"]
    click.echo(f"\nquestions: {summary['n_questions']}")
    click.echo(
        f"{'retrieval':<22}{'n':>5}{'hit@1':>8}{'hit@5':>8}{'hit@10':>8}{'all@5':>8}"
        f"{'mrr@10':>8}{'in ctx':>8}"
    )
    for name, row in [("all", r)] + [(k, v) for k, v in r["by_label"].items()]:
        click.echo(
            f"  {name:<20}{row['n']:>5}"
            + "".join(
                f"{_fmt(row[k]):>8}"
                for k in (
                    "any_hit@1",
                    "any_hit@5",
                    "any_hit@10",
                    "all_hit@5",
                    "mrr@10",
                    "answer_in_context",
                )
            )
        )
    for section in ("answers", "citations", "cost"):
        items = ", ".join(f"{k} {_fmt(v)}" for k, v in summary[section].items())
        click.echo(f"{section:<12}{items}")
