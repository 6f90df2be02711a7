"""`newsdesk eval`: index an evaluation corpus, ask its questions, print and save the figures."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from index.ingest import AddOutcome
from index.readers import expand_paths
from qa.eval_metrics import summarise, summarise_followups
from qa.eval_run import Evaluation, load_followups, load_questions

from .container import Container
from .render import say
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
    type=click.Path(exists=True, path_type=Path),
    required=True,
    multiple=True,
    help="Articles: files or folders, as `newsdesk add` reads them; repeatable.",
)
@click.option(
    "--questions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Questions (JSONL: question, answers, evidence_article_ids, "
    "type, evidence_label, question_date).",
)
@click.option(
    "--followups",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Two-turn conversations (JSONL: first, followup, answers, expect, question_date): "
    "rewrite success and follow-up accuracy.",
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
@click.pass_context
def eval_(ctx, articles, questions, followups, limit, retrieval_only, json_out, overrides):
    """Measure retrieval, answers, citations and cost on a question set.

    Indexes the articles into a fresh temporary index unless --data-dir is given (an index
    that already holds them is reused; unchanged articles cost nothing)."""
    state = ctx.find_root().obj
    base: Settings = state["settings"]
    if not questions and not followups:
        raise click.UsageError("give --questions, --followups or both")
    if followups and retrieval_only:
        raise click.UsageError("--followups needs the model (not --retrieval-only)")
    qs = load_questions(questions, limit) if questions else []
    conversations = load_followups(followups) if followups else []
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        values: dict[str, Any] = {**base.model_dump(exclude_unset=True), **overrides}
        if not base.given("data_dir"):  # neither --data-dir nor NEWSDESK_DATA_DIR
            values["data_dir"] = Path(tmp)
        settings = Settings.load(values, env={})
        factory = state.get("factory") or Container
        container = factory(settings)
        with container.write_lock("newsdesk eval", lambda m: say(m, err=True)):
            _index(container, articles)
        answerer = None if retrieval_only else container.answerer
        rewriter = None if retrieval_only else container.rewriter
        evaluation = Evaluation(container.retriever, answerer, rewriter, container.evidence)
        records = _run(evaluation, qs, answered=not retrieval_only) if qs else []
        talks = [evaluation.conversation(c) for c in conversations]
    summary = summarise(records, answered=not retrieval_only) if records else {}
    summary["settings"] = {k: v for k, v in overrides.items()}
    if records:
        _print(summary)
    if talks:
        summary["followups"] = summarise_followups(talks)
        items = ", ".join(f"{k} {_fmt(v)}" for k, v in summary["followups"].items())
        say(f"{'follow-ups':<12}{items}")
    if json_out:
        out = {**summary, "per_question": records, "per_followup": talks}
        json_out.write_text(json.dumps(out, ensure_ascii=False, indent=2))
        say(f"wrote {json_out}")


def _index(container: Container, articles: tuple[Path, ...]) -> None:
    before = container.store.count_articles()
    counts: dict[str, int] = {}
    failed = []
    files = [(p, missing) for p, missing in expand_paths(list(articles))]
    lines = 0
    for path, missing in files:
        if not missing and path.suffix.lower() == ".jsonl":
            with path.open("rb") as fh:
                lines += sum(1 for line in fh if line.strip())
        else:
            lines += 1
    label = f"Indexing {', '.join(p.name for p in articles)}"
    with click.progressbar(length=lines, label=label, file=sys.stderr) as bar:
        for path, missing in files:
            outcomes = (
                [AddOutcome("failed", str(path), reason=missing)]
                if missing
                else container.ingestor.add_file(path, max_bytes=10**10)
            )
            for out in outcomes:
                counts[out.status] = counts.get(out.status, 0) + 1
                if out.status == "failed":
                    failed.append(f"{out.origin}: {out.reason}")
                bar.update(1)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    say(f"index: {summary} (had {before}; now {container.store.count_chunks()} chunks)")
    for line in failed[:5]:
        say(f"  failed {line}", err=True)


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
                say(f"questions {len(records)}/{len(questions)}: {running(None)}", err=True)
    return records


LOG_EVERY = 10


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _print(summary: dict) -> None:
    r = summary["retrieval"]
    say(f"\nquestions: {summary['n_questions']}")
    say(
        f"{'retrieval':<22}{'n':>5}{'hit@1':>8}{'hit@5':>8}{'hit@10':>8}{'all@5':>8}"
        f"{'mrr@10':>8}{'in ctx':>8}"
    )
    for name, row in [("all", r)] + [(k, v) for k, v in r["by_label"].items()]:
        say(
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
        say(f"{section:<12}{items}")


@click.command("fit-refusal")
@click.argument("records", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the fitted model here (the packaged one is qa/refusal_model.json).",
)
@click.option("--folds", type=click.IntRange(2, 50), default=5, show_default=True)
@click.option(
    "--l2", type=click.FloatRange(0), default=1.0, show_default=True, help="Weight penalty."
)
@click.option(
    "--rows",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Per-question out-of-fold decisions (JSON).",
)
@click.pass_context
def fit_refusal(ctx, records, out, folds, l2, rows):
    """Fit the refusal model on an eval run's records, by k-fold cross-validation.

    RECORDS: the --json of `newsdesk eval --set refusal_line=0` (every reply written), its
    questions' and its follow-ups' records alike.
    Prints each fold (fitted on the others, measured on it), their mean and all out-of-fold
    decisions together; then fits on every record and writes the model with --out."""
    from qa.fitting import cases, cross_validate, fit

    state = ctx.find_root().obj
    settings: Settings = state["settings"]
    try:
        data = json.loads(records.read_text(encoding="utf-8"))
        # follow-ups' answers are fitted on too: a conversation is how the chat asks
        per_question = data["per_question"] + (data.get("per_followup") or [])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise click.ClickException(f"{records}: not the JSON of `newsdesk eval` ({exc})") from None
    policy = Container(settings).answer_policy
    usable = cases(per_question, settings.min_support)
    if len(usable) < folds * 4:
        raise click.ClickException(
            f"{records}: {len(usable)} of {len(per_question)} records hold a written reply; "
            "run `newsdesk eval --set refusal_line=0 --json F` to write every reply"
        )
    result = cross_validate(usable, policy, folds, l2)
    columns = [
        "accuracy",
        "accuracy_choice",
        "refusal_rate",
        "false_refusal_rate",
        "citation_precision",
        "partial_answers",
        "within_noise",
    ]
    say(f"{len(usable)} questions, {folds} folds (fitted on the others, measured on each)")
    say(f"{'fold':<14}{'n':>4}{'line':>7}" + "".join(f"{c[:11]:>12}" for c in columns))
    for f in result["folds"]:
        say(
            f"{f['fold']:<14}{f['n']:>4}{f['line']:>7.3f}"
            + "".join(f"{_fmt(f[c]):>12}" for c in columns)
        )
    for name, row in (("mean of folds", result["mean"]), ("out of fold", result["out_of_fold"])):
        say(
            f"{name:<14}{row.get('n', ''):>4}{'':>7}"
            + "".join(f"{_fmt(row.get(c)):>12}" for c in columns)
        )
    about = {
        "command": f"newsdesk fit-refusal {records.name} --folds {folds} --l2 {l2}",
        "records": records.name,
        "questions": len(usable),
        "folds": result["folds"],
        "mean_of_folds": result["mean"],
        "out_of_fold": result["out_of_fold"],
    }
    model = fit(usable, policy, about, l2)
    say(
        f"fitted on all {len(usable)}: line {model.line:.3f}, weights "
        + ", ".join(f"{k} {v:+.2f}" for k, v in model.weights.items())
    )
    if rows:
        rows.write_text(json.dumps(result["rows"], ensure_ascii=False, indent=1))
    if out:
        out.write_text(json.dumps(model.to_json(), indent=2) + "\n")
        say(f"wrote {out}")


@click.command("fit-evidence")
@click.argument("records", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--folds", type=click.IntRange(2, 50), default=5, show_default=True)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 1),
    default=0.01,
    show_default=True,
    help="Answer-in-context a budget may lose against whole passages (issue 20's bar).",
)
def fit_evidence(records, folds, tolerance):
    """Choose the evidence budget (NEWSDESK_EVIDENCE_TOKENS) by k-fold cross-validation.

    RECORDS: the --json of `newsdesk eval --retrieval-only`. Per fold, the smallest budget
    whose answer-in-context on the other folds is within --tolerance of whole passages',
    measured on this fold; then the budget chosen on every question."""
    from qa.fitting import fit_budget

    try:
        data = json.loads(records.read_text(encoding="utf-8"))
        result = fit_budget(data["per_question"], folds, tolerance)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise click.ClickException(
            f"{records}: not the JSON of `newsdesk eval --retrieval-only` ({exc})"
        ) from None
    except ValueError as exc:
        raise click.ClickException(f"{records}: {exc}") from None
    say(f"{'budget':>8}{'in ctx':>9}{'median tokens':>15}")
    for budget, row in result["by_budget"].items():
        name = str(budget) if budget else "whole"
        say(f"{name:>8}{row['in_context']:>9.3f}{row['median_tokens']:>15.0f}")
    say(f"\n{folds} folds (chosen on the others, measured on each), tolerance {tolerance}")
    say(f"{'fold':>6}{'n':>5}{'budget':>8}{'in ctx':>9}{'whole':>9}")
    for f in result["folds"]:
        say(f"{f['fold']:>6}{f['n']:>5}{f['budget']:>8}{f['in_context']:>9.3f}{f['whole']:>9.3f}")
    oof = result["out_of_fold"]
    say(f"{'out of fold':>19}{oof['in_context']:>9.3f}{oof['whole']:>9.3f}")
    say(f"chosen on all questions: NEWSDESK_EVIDENCE_TOKENS={result['budget']}")
