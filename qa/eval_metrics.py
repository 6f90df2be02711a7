"""Scoring for `newsdesk eval`: answer matching, retrieval ranks, citation precision and the
summary table. Pure functions over plain records, so each is unit-tested on hand-made cases."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from index.language import NUMBER_WORDS, STOPWORDS, verdict

from .citations import MARKER, cited_sentences, support

_NUMBER_WORDS = NUMBER_WORDS | {"percent": "%"}
_ARTICLES = {"a", "an", "the"}
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,\s](?=\d{3}\b)")


def normalise(text: str) -> list[str]:
    """Tokens for matching: case, accents, punctuation, articles and number words removed or
    unified ("Twenty-one %" and "21 percent" both give ["21", "%"]).
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = _DIGIT_GROUPS.sub("", text)
    text = re.sub(r"['\u2019`]", "", text)  # Domino's = Domino’s = Dominos
    text = text.replace("%", " % ").replace("-", " ")
    tokens = re.findall(r"\d+(?:\.\d+)?|[a-z]+|%", text)
    out: list[str] = []
    for tok in tokens:
        if tok in _ARTICLES:
            continue
        tok = _NUMBER_WORDS.get(tok, tok)
        if len(tok) > 4 and tok.endswith("ies"):
            tok = tok[:-3] + "y"  # butterflies = butterfly
        elif len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]  # UFO sightings = UFOs; eggs = egg
        if out and tok.isdigit() and out[-1].isdigit() and len(tok) == 1 and out[-1].endswith("0"):
            out[-1] = str(int(out[-1]) + int(tok))  # "twenty one" -> 21
            continue
        out.append(tok)
    return out


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return n > 0 and any(list(haystack[i : i + n]) == list(needle) for i in range(len(haystack)))


def answer_matches(text: str, golds: Iterable[str]) -> bool:
    """A gold answer occurs in the text as a phrase, or (for answers of two or more words) all
    its words occur in the text in any order ("France and Argentina" for "Argentina and France").
    """
    got = normalise(MARKER.sub(" ", text))
    got_set = set(got)
    for gold in golds:
        want = normalise(gold)
        if want in (["yes"], ["no"]):  # a yes/no question: the reply's verdict, not a word
            if verdict(text) == want[0]:
                return True
            continue
        if _contains(got, want):
            return True
        content = [w for w in want if w not in STOPWORDS]
        if len(content) >= 2 and set(content) <= got_set:
            return True
    return False


def nearest_choice(text: str, choices: Sequence[str]) -> str | None:
    """The quiz option an answer names, for crediting equivalent answers ("Argentina beat
    France" for "Argentina and France", "Biden" for "President Joe Biden"): the option whose
    content words the answer holds the largest share of, when it holds any and no other
    option ties it."""
    got = set(normalise(MARKER.sub(" ", text)))
    scored = []
    for choice in choices:
        words = [w for w in normalise(choice) if w not in STOPWORDS] or normalise(choice)
        if words:
            scored.append((sum(w in got for w in words) / len(words), choice))
    scored.sort(key=lambda pair: -pair[0])
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def choice_correct(text: str, choices: Sequence[str], golds: Sequence[str]) -> bool:
    """Correct by string match, or the answer maps to the option that is a gold answer."""
    if answer_matches(text, golds):
        return True
    choice = nearest_choice(text, choices)
    return choice is not None and answer_matches(choice, golds)


def article_ranks(ranked_article_ids: Sequence[str], evidence: Iterable[str]) -> list[int]:
    """1-based ranks at which evidence articles appear (absent ones are left out)."""
    position: dict[str, int] = {}
    for i, article_id in enumerate(ranked_article_ids, start=1):
        position.setdefault(article_id, i)
    return sorted(position[e] for e in set(evidence) if e in position)


def retrieval_scores(ranked_article_ids: Sequence[str], evidence: Sequence[str]) -> dict:
    ranks = article_ranks(ranked_article_ids, evidence)
    first = ranks[0] if ranks else None
    wanted = len(set(evidence))
    return {
        "any_hit@1": first is not None and first <= 1,
        "any_hit@5": first is not None and first <= 5,
        "any_hit@10": first is not None and first <= 10,
        "all_hit@5": wanted > 0 and sum(r <= 5 for r in ranks) == wanted,
        "rr@10": 1.0 / first if first is not None and first <= 10 else 0.0,
    }


def citation_precision(
    answer: str, passages: dict[int, str], golds: Sequence[str], strong: float = 0.7
) -> list[bool]:
    """One verdict per citation: the cited passage holds a gold answer, or holds at least
    `strong` of the content words of the sentence that cites it."""
    verdicts = []
    for sentence, numbers in cited_sentences(answer):
        for n in numbers:
            text = passages.get(n, "")
            good = bool(text) and (
                (bool(golds) and answer_matches(text, golds)) or support(sentence, text) >= strong
            )
            verdicts.append(good)
    return verdicts


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q from 0 to 1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)


def summarise(records: Sequence[dict[str, Any]], answered: bool) -> dict[str, Any]:
    """The JSON summary of `newsdesk eval` from per-question records."""
    with_evidence = [r for r in records if r.get("evidence_article_ids")]

    def retrieval(rows: Sequence[dict]) -> dict[str, float | None]:
        keys = ["any_hit@1", "any_hit@5", "any_hit@10", "all_hit@5"]
        out = {k: _mean([float(r["retrieval"][k]) for r in rows]) for k in keys}
        out["mrr@10"] = _mean([r["retrieval"]["rr@10"] for r in rows])
        out["answer_in_context"] = _mean([float(r.get("answer_in_context", 0)) for r in rows])
        out["n"] = len(rows)
        return out

    labels = sorted({r.get("evidence_label") or "" for r in with_evidence} - {""})
    by_label = {
        label: retrieval([r for r in with_evidence if r.get("evidence_label") == label])
        for label in labels
    }
    summary: dict[str, Any] = {
        "n_questions": len(records),
        "retrieval": {**retrieval(with_evidence), "by_label": by_label},
        "answers": {"accuracy": None, "refusal_rate": None, "false_refusal_rate": None},
        "citations": {"precision": None, "coverage": None},
        "cost": {
            "latency_ms_p50": None,
            "latency_ms_p95": None,
            "prompt_tokens_median": None,
            "completion_tokens_median": None,
        },
    }
    if not answered:
        return summary
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    summary["answers"] = {
        "accuracy": _mean([float(r["correct"]) for r in answerable]),
        "accuracy_choice": _mean(
            [float(r.get("correct_choice", r["correct"])) for r in answerable]
        ),
        "refusal_rate": _mean([float(r["refused"]) for r in unanswerable]),
        "false_refusal_rate": _mean([float(r["refused"]) for r in answerable]),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
    }
    given = [r for r in records if not r["refused"]]
    verdicts = [v for r in given for v in r["citation_verdicts"]]
    summary["citations"] = {
        "precision": _mean([float(v) for v in verdicts]),
        "coverage": _mean([float(bool(r["citation_verdicts"])) for r in given]),
    }
    latency = [r["latency_ms"] for r in records]
    summary["cost"] = {
        "latency_ms_p50": percentile(latency, 0.5),
        "latency_ms_p95": percentile(latency, 0.95),
        "prompt_tokens_median": statistics.median([r["prompt_tokens"] for r in records]),
        "completion_tokens_median": statistics.median([r["completion_tokens"] for r in records]),
    }
    return summary


def summarise_followups(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Rewrite success (the searched question names what the follow-up points back to),
    accuracy and refusals of the follow-up answers, and how each was searched."""
    if not records:
        return {}
    how: dict[str, int] = {}
    for r in records:
        how[r["how"]] = how.get(r["how"], 0) + 1
    return {
        "n": len(records),
        "rewrite_success": _mean([float(r["rewrite_ok"]) for r in records]),
        "accuracy": _mean([float(r["correct"]) for r in records]),
        "refused": _mean([float(r["refused"]) for r in records]),
        "citation_precision": _mean(
            [float(v) for r in records for v in r.get("citation_verdicts") or []]
        ),
        "searched": how,
    }
