"""Fit the refusal model on an eval run's records, by k-fold cross-validation.

An eval run made with every reply written (`newsdesk eval --set refusal_line=0 --json F`)
keeps, per question, what the decision reads: the passages, the model's P(yes) and its reply.
Here each record is replayed through the answerer's own `judge` under a candidate model, so
the figures are those the product would give. Per fold, the weights and the line are fitted
on the other folds and measured on this one."""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index import language

from .answering import UNDER_THE_LINE, AnswerPolicy, Attempt, judge
from .citations import enforce_citations
from .eval_metrics import answer_matches, choice_correct, citation_precision
from .trust import CLIP, FEATURES, PRIORS, RefusalModel, signals_after
from .types import Answer, Passage


@dataclass(frozen=True)
class Case:
    """One eval record, ready to replay."""

    record: Mapping[str, Any]
    signals: dict[str, float]  # every feature, from the record's passages and reply
    answerable: bool

    @property
    def id(self) -> str:
        return str(self.record["id"])


def _passages(record: Mapping[str, Any]) -> list[Passage]:
    return [
        Passage(
            int(p["n"]),
            str(p.get("chunk_id", "")),
            str(p["article_id"]),
            str(p.get("title", "")),
            str(p.get("source", "")),
            str(p.get("published_at", "")),
            str(p.get("url", "")),
            str(p["text"]),
            0,
            0,
            float(p["score"]),
        )
        for p in record.get("passages") or []
    ]


def _attempt(record: Mapping[str, Any]) -> Attempt:
    attempt = Attempt(str(record["question"]), str(record.get("question_date") or ""))
    attempt.passages = _passages(record)
    signals = record.get("signals") or {}
    attempt.signals = {k: float(signals[k]) for k in ("top_similarity", "similarity_gap", "p_yes")}
    return attempt


def cases(records: Sequence[Mapping[str, Any]], min_support: float) -> list[Case]:
    """The records that hold a written reply (the ones a refusal model can be fitted on)."""
    out = []
    for r in records:
        signals = r.get("signals") or {}
        if "reply" not in r or not r.get("passages") or "p_yes" not in signals:
            continue
        attempt = _attempt(r)
        checked = enforce_citations(r["reply"], attempt.passages, min_support, r["question"])
        out.append(
            Case(r, {**attempt.signals, **signals_after(r["question"], checked)}, r["answerable"])
        )
    return out


def fit_weights(
    cases_: Sequence[Case], l2: float = 1.0
) -> tuple[dict[str, float], dict[str, float], dict[str, float], float]:
    """Logistic regression (Newton's method, L2 penalty) of answerable on the standardised
    signals: weights, means, scales and bias."""
    x = np.array([[c.signals[f] for f in FEATURES] for c in cases_], dtype=np.float64)
    y = np.array([float(c.answerable) for c in cases_])
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-6] = 1.0  # a signal that never varies here
    z = np.hstack([np.ones((len(x), 1)), np.clip((x - means) / scales, -CLIP, CLIP)])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(100):
        p = 1 / (1 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z.T * (p * (1 - p))) @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    weights = {f: round(float(v), 6) for f, v in zip(FEATURES, w[1:], strict=True)}
    for f, varies in zip(FEATURES, x.std(axis=0) >= 1e-6, strict=True):
        if not varies:  # the records never show this signal: its prior weight
            weights[f] = PRIORS.get(f, 0.0)
    return (
        weights,
        {f: round(float(v), 6) for f, v in zip(FEATURES, means, strict=True)},
        {f: round(float(v), 6) for f, v in zip(FEATURES, scales, strict=True)},
        round(float(w[0]), 6),
    )


def replay(case: Case, policy: AnswerPolicy) -> dict[str, Any]:
    """The record as the product would answer it under `policy`: refused, correct, ..."""
    r = case.record
    answer = judge(_attempt(r), r["reply"], policy)
    golds = r.get("golds") or []
    cited = {c.n: c.passage for c in answer.citations}
    return {
        "id": case.id,
        "answerable": case.answerable,
        "refused": answer.refused,
        "partial": answer.refused and bool(answer.citations),
        "correct": case.answerable and not answer.refused and answer_matches(answer.answer, golds),
        "correct_choice": case.answerable
        and not answer.refused
        and choice_correct(answer.answer, r.get("choices") or [], golds),
        "verdicts": [] if answer.refused else citation_precision(answer.answer, cited, golds),
        "score": answer.signals.get("score"),
        # the score's log-odds where the score decided (not a rule of the reply's text)
        "z": policy.refusal.logit(case.signals) if _by_score(answer) else None,
        "margin": answer.signals.get("margin"),
        "answer": answer.answer,
    }


def _by_score(answer: Answer) -> bool:
    """Whether the line decided: not for a refusal of another reason, a yes/no question
    (`settle` decides it) or an answer a rule gave (a choice the passages state: no margin)."""
    if answer.refused:
        return answer.refusal_reason.startswith(UNDER_THE_LINE)
    return not language.yes_no_question(answer.question) and "margin" in answer.signals


def figures(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | int | None]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    verdicts = [v for r in rows for v in r["verdicts"]]

    def mean(values: Sequence[float]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    near = [r for r in rows if r["margin"] is not None and abs(r["margin"]) < 1]
    return {
        "n": len(rows),
        "accuracy": mean([float(r["correct"]) for r in answerable]),
        "accuracy_choice": mean([float(r["correct_choice"]) for r in answerable]),
        "refusal_rate": mean([float(r["refused"]) for r in unanswerable]),
        "false_refusal_rate": mean([float(r["refused"]) for r in answerable]),
        "citation_precision": mean([float(v) for v in verdicts]),
        "partial_answers": sum(r["partial"] for r in rows),
        "within_noise": len(near),  # decisions P(yes)'s CPU-to-CPU noise could flip
    }


def at_line(row: Mapping[str, Any], model: RefusalModel) -> dict[str, Any]:
    """A replayed row (made with the line at 0) as it is with the model's line."""
    if row["z"] is None:
        return dict(row)  # refused whatever the line
    out = {**row, "margin": round(model.margin(row["z"]), 2)}
    if row["refused"] or row["score"] >= model.line:
        return out
    return {**out, "refused": True, "correct": False, "correct_choice": False, "verdicts": []}


def choose_line(model: RefusalModel, cases_: Sequence[Case], policy: AnswerPolicy) -> float:
    """The line with the lowest balanced error (unanswerable questions answered plus
    answerable ones refused, each as a rate), in the middle of the widest stretch of equally
    good lines (in log-odds): as far as it can be from the questions on either side."""
    rows = [replay(c, _with(policy, model.with_line(0.0))) for c in cases_]
    scores = sorted({round(r["score"], 6) for r in rows if r["score"] is not None})
    edges = [0.0, *scores, 1.0]
    stretches = [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]

    def error(line: float) -> float:
        f = figures([at_line(r, model.with_line(line)) for r in rows])
        return round((1 - (f["refusal_rate"] or 0)) + (f["false_refusal_rate"] or 0), 9)

    errors = [error((a + b) / 2) for a, b in stretches]
    best = min(errors)
    runs: list[list[tuple[float, float]]] = []
    run: list[tuple[float, float]] = []
    for e, stretch in zip(errors, stretches, strict=True):
        if e == best:
            run.append(stretch)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    widest = max(runs, key=lambda r: _logit_width(r[0][0], r[-1][1]))
    return round(_logit_mid(widest[0][0], widest[-1][1]), 6)


def _logit_width(a: float, b: float) -> float:
    return _lg(b) - _lg(a)


def _logit_mid(a: float, b: float) -> float:
    mid = (_lg(a) + _lg(b)) / 2
    return 1 / (1 + np.exp(-mid))


def _lg(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _with(policy: AnswerPolicy, model: RefusalModel) -> AnswerPolicy:
    return AnswerPolicy(model, policy.min_support, policy.max_tokens, policy.max_question_chars)


def fold_of(case_id: str, k: int) -> int:
    """A stable fold for a question (by a hash of its id): the same on every run."""
    return int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % k


def fit(cases_: Sequence[Case], policy: AnswerPolicy, about: Mapping[str, Any], l2: float = 1.0):
    weights, means, scales, bias = fit_weights(cases_, l2)
    model = RefusalModel(weights, means, scales, bias, 0.5, dict(about))
    return model.with_line(choose_line(model, cases_, policy))


def cross_validate(
    cases_: Sequence[Case], policy: AnswerPolicy, k: int = 5, l2: float = 1.0
) -> dict[str, Any]:
    """Per fold: fitted on the other folds, figures on this one; then the mean of the folds,
    the figures of all out-of-fold decisions together, and the model fitted on everything
    (with its in-sample figures, an upper bound)."""
    folds = []
    pooled = []
    for i in range(k):
        train = [c for c in cases_ if fold_of(c.id, k) != i]
        test = [c for c in cases_ if fold_of(c.id, k) == i]
        model = fit(train, policy, {}, l2)
        rows = [at_line(replay(c, _with(policy, model.with_line(0.0))), model) for c in test]
        pooled.extend(rows)
        folds.append(
            {"fold": i, "line": model.line, "weights": dict(model.weights), **figures(rows)}
        )
    keys = [k_ for k_ in figures([]) if k_ != "n"]
    mean = {
        key: round(statistics.fmean(f[key] for f in folds if f[key] is not None), 4)
        for key in keys
        if any(f[key] is not None for f in folds)
    }
    return {"folds": folds, "mean": mean, "out_of_fold": figures(pooled), "rows": pooled}


def fit_budget(
    records: Sequence[Mapping[str, Any]], k: int = 5, tolerance: float = 0.01
) -> dict[str, Any]:
    """The evidence budget by k-fold, from a retrieval-only eval run's records (each holds,
    per candidate budget, whether the gold answer is in what the model would read). Per
    fold, the smallest budget whose answer-in-context on the other folds is within
    `tolerance` of whole passages' (budget 0), measured on this fold; then the budget chosen
    on every question, which is the one to ship."""
    rows = [r for r in records if r.get("answerable") and r.get("evidence")]
    if not rows:
        raise ValueError("no answerable record measures the evidence budgets")
    budgets = sorted(int(b) for b in rows[0]["evidence"] if int(b) > 0)

    def rate(subset: Sequence[Mapping[str, Any]], budget: int) -> float:
        return statistics.fmean(float(r["evidence"][str(budget)]["in_context"]) for r in subset)

    def size(subset: Sequence[Mapping[str, Any]], budget: int) -> float:
        return statistics.median(r["evidence"][str(budget)]["tokens"] for r in subset)

    def choose(subset: Sequence[Mapping[str, Any]]) -> int:
        whole = rate(subset, 0)
        return next((b for b in budgets if rate(subset, b) >= whole - tolerance), 0)

    folds = []
    pooled: list[tuple[Mapping[str, Any], int]] = []
    for i in range(k):
        train = [r for r in rows if fold_of(str(r["id"]), k) != i]
        test = [r for r in rows if fold_of(str(r["id"]), k) == i]
        budget = choose(train)
        pooled.extend((r, budget) for r in test)
        folds.append(
            {
                "fold": i,
                "n": len(test),
                "budget": budget,
                "in_context": round(rate(test, budget), 4),
                "whole": round(rate(test, 0), 4),
            }
        )
    oof = statistics.fmean(float(r["evidence"][str(b)]["in_context"]) for r, b in pooled)
    chosen = choose(rows)
    return {
        "folds": folds,
        "out_of_fold": {"in_context": round(oof, 4), "whole": round(rate(rows, 0), 4)},
        "budget": chosen,
        "by_budget": {
            b: {"in_context": round(rate(rows, b), 4), "median_tokens": size(rows, b)}
            for b in [0, *budgets]
        },
    }
