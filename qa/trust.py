"""Whether to give an answer: evidence from retrieval, the model's check and the checked reply,
combined by a small logistic model into one score with a margin; and what to say instead.

The weights are data (`refusal_model.json`, fitted by `newsdesk fit-refusal` on an eval run's
records with k-fold cross-validation). The score is computed in plain Python floats, so the
same evidence gives the same decision on any machine; what may differ between CPUs is the
model's P(yes), by a few hundredths, and `Decision.margin` says how far a decision is from
flipping in those units."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from index import language

from .citations import CheckedAnswer
from .errors import RefusalModelError
from .types import Passage

# Signals of the retrieval, of the model's check, and read from the checked reply.
FEATURES = (
    "top_similarity",
    "similarity_gap",
    "p_yes",
    "key_grounded",
    "supported",
    "plan_only",
    "asked_grounded",
)
P_YES_NOISE = 0.02  # how far P(yes) moves between CPUs of one kind
CLIP = 3.0  # standard deviations a signal may count from its mean
# A reply is left unwritten only when even the best one would score this many noise units
# under the line; nearer, it is written and the decision reads it too.
SHORTCUT_MARGIN = 3.0
# The weight of a signal the fitting records never show (log-odds per unit): an outcome
# asked for and only a plan reported is a refusal, whatever else the evidence says.
PRIORS = {"plan_only": -5.0}


def plan_only(
    question: str, sentences: Sequence[str], evidence: Sequence[str] | None = None
) -> bool:
    """The question asks what came of something (or whether it happened) and every sentence
    of the reply only says what was planned, expected or possible, or stands on a passage
    sentence that only does ("The meeting was intended to …" retold as "They agreed to …";
    not "Rite Aid filed for bankruptcy and plans to close stores" for "Rite Aid filed"). A
    plan the question itself asks of is no plan only ("Did Pfizer say it will seek …?")."""
    evidence = evidence or [""] * len(sentences)
    # a wh-question's reply repeats the question's words, which the passage may tell apart
    asked = "" if language.yes_no_question(question) else question
    # asked what a past event was ("Which product did Tesla debut?"), a reply that keeps its
    # passage's modal ("a prototype that it says could be a future product") reports it
    # faithfully; the plan is one retold as done ("Trump met Takaichi" for "will meet")
    itself = language.asks_outcome_itself(question)
    return (
        bool(sentences)
        and (itself or language.asks_past_event(question))
        and all(
            (itself and language.plan_beyond(s, question))
            or (
                language.plan_beyond(e, question)
                and (itself or not language.is_modal(s))
                and not language.told_before_plan(s, e, asked)
            )
            for s, e in zip(sentences, evidence, strict=True)
        )
    )


def signals_found(passages: Sequence[Passage]) -> dict[str, float]:
    """The retrieval's evidence: the best passage's similarity and its lead on the next."""
    sims = sorted((p.score for p in passages), reverse=True)
    gap = sims[0] - sims[1] if len(sims) > 1 else (sims[0] if sims else 0.0)
    return {"top_similarity": sims[0] if sims else 0.0, "similarity_gap": gap}


def signals_after(question: str, checked: CheckedAnswer) -> dict[str, float]:
    n = len(checked.sentences) + len(checked.removed)
    supported = len(checked.sentences) - len(checked.unsupported)
    return {
        "key_grounded": checked.key_in_cited / checked.key_terms if checked.key_terms else 1.0,
        "supported": supported / n if n else 0.0,
        "plan_only": float(
            plan_only(question, checked.sentences, [said for _, said in checked.evidence])
        ),
        "asked_grounded": (
            checked.asked_in_cited / checked.asked_terms if checked.asked_terms else 1.0
        ),
    }


@dataclass(frozen=True)
class Decision:
    answer: bool
    score: float  # P(the question is answered from the passages), by the model
    margin: float  # distance from the line, in units of P(yes)'s CPU-to-CPU noise


@dataclass(frozen=True)
class RefusalModel:
    """score = sigmoid(bias + sum(weight * (signal - mean) / scale)); answer when the score
    is at least `line`."""

    weights: Mapping[str, float]
    means: Mapping[str, float]
    scales: Mapping[str, float]
    bias: float
    line: float
    about: Mapping[str, Any]  # how it was fitted: command, data, folds, figures

    def logit(self, signals: Mapping[str, float]) -> float:
        """Log-odds of an answer. Each signal counts at most `CLIP` standard deviations from
        its mean in the fitting records: the model says nothing of values it never saw (a
        library of three articles has a far larger similarity gap than any dev question)."""
        total = self.bias
        for name in FEATURES:
            z = (signals[name] - self.means[name]) / self.scales[name]
            total += self.weights[name] * max(-CLIP, min(CLIP, z))
        return total

    def decide(self, signals: Mapping[str, float]) -> Decision:
        z = self.logit(signals)
        return Decision(z >= _logit(self.line), _sigmoid(z), self.margin(z))

    def margin(self, z: float) -> float:
        """How far log-odds `z` is from the line, in units of the change that P(yes)'s
        CPU-to-CPU noise makes."""
        per_noise = abs(self.weights["p_yes"]) / self.scales["p_yes"] * P_YES_NOISE
        return (z - _logit(self.line)) / per_noise if per_noise else math.inf

    def best(self, known: Mapping[str, float]) -> Decision:
        """The decision for the best values (0 to 1) of the signals not yet known."""
        best = dict(known)
        for name in FEATURES:
            if name not in best:
                best[name] = 1.0 if self.weights[name] > 0 else 0.0
        return self.decide(best)

    def hopeless(self, known: Mapping[str, float]) -> bool:
        """No answer can come of it: the score stays far under the line (`SHORTCUT_MARGIN`)
        for every value of the signals not yet known, so the model need not be asked. Near
        the line the reply is written, so that a small change in P(yes) changes no
        decision."""
        return self.best(known).margin < -SHORTCUT_MARGIN

    def with_line(self, line: float) -> RefusalModel:
        return RefusalModel(self.weights, self.means, self.scales, self.bias, line, self.about)

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "weights": dict(self.weights),
            "means": dict(self.means),
            "scales": dict(self.scales),
            "bias": self.bias,
            "line": self.line,
            "about": dict(self.about),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RefusalModel:
        if sorted(data.get("features", [])) != sorted(FEATURES):
            raise RefusalModelError(
                f"it was fitted on signals {data.get('features')}; this release reads "
                f"{list(FEATURES)} (refit it with `newsdesk fit-refusal`)"
            )
        try:
            return cls(
                {k: float(data["weights"][k]) for k in FEATURES},
                {k: float(data["means"][k]) for k in FEATURES},
                {k: float(data["scales"][k]) or 1.0 for k in FEATURES},
                float(data["bias"]),
                float(data["line"]),
                dict(data.get("about") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RefusalModelError(f"not a refusal model ({exc})") from exc

    @classmethod
    def load(cls, path: Path | None = None) -> RefusalModel:
        """The model in `path`, or the packaged one."""
        try:
            if path is None:
                text = resources.files("qa").joinpath("refusal_model.json").read_text()
            else:
                text = Path(path).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RefusalModelError(f"{path or 'the packaged refusal model'}: {exc}") from exc
        if not isinstance(data, dict):
            raise RefusalModelError(f"{path}: not a refusal model")
        return cls.from_json(data)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
