"""Scoring of `newsdesk eval` on small hand-made cases."""

import pytest

from qa.eval_metrics import (
    answer_matches,
    citation_precision,
    normalise,
    retrieval_scores,
    summarise,
)


@pytest.mark.parametrize(
    ("text", "gold"),
    [
        ("The final was played by Argentina and France [1].", "Argentina and France"),
        ("France and Argentina met in the final [2].", "Argentina and France"),
        ("Prices rose twenty-one percent [1].", "21%"),
        ("The fine was $20,000 [1].", "$20000"),
        ("It was the Pope.", "pope"),
        ("Heat waves swept Europe [1].", "Heat waves"),
        ("Domino's has pulled out of Italy [1].", "Domino’s"),
        ("People report UFO sightings [2].", "UFOs"),
        ("The monarch butterfly is now endangered [1].", "Monarch butterflies"),
    ],
)
def test_answers_that_match(text, gold):
    assert answer_matches(text, [gold])


@pytest.mark.parametrize(
    ("text", "gold"),
    [
        ("Argentina and Morocco met in the semifinal [1].", "Argentina and France"),
        ("Prices rose 12 percent [1].", "21%"),
        ("The articles don't say.", "Busan"),
        ("", "anything"),
    ],
)
def test_answers_that_do_not_match(text, gold):
    assert not answer_matches(text, [gold])


def test_normalise_unifies_case_articles_and_number_words():
    assert normalise("The Twenty-One Pilots") == ["21", "pilot"]


def test_retrieval_hit_and_miss():
    hit = retrieval_scores(["x", "gold", "y"], ["gold"])
    assert hit["any_hit@1"] is False and hit["any_hit@5"] is True
    assert hit["rr@10"] == pytest.approx(0.5)
    assert hit["all_hit@5"] is True
    miss = retrieval_scores(["x", "y"], ["gold"])
    assert not miss["any_hit@10"] and miss["rr@10"] == 0.0
    partial = retrieval_scores(["g1", "x"], ["g1", "g2"])
    assert partial["any_hit@1"] and not partial["all_hit@5"]


def test_citation_precision_judges_each_citation():
    passages = {
        1: "Argentina beat France on penalties in the World Cup final on Sunday.",
        2: "Morocco's coach praised the fans after the semifinal defeat.",
    }
    good = citation_precision(
        "Argentina and France played the final [1].", passages, ["Argentina and France"]
    )
    assert good == [True]
    wrong = citation_precision(
        "Argentina and France played the final [2].", passages, ["Argentina and France"]
    )
    assert wrong == [False]
    both = citation_precision(
        "Argentina and France played the final [1][2].", passages, ["Argentina and France"]
    )
    assert both == [True, False]
    # without a gold answer a citation counts when the passage supports the sentence
    assert citation_precision("Morocco's coach praised the fans [2].", passages, []) == [True]


def _record(answerable, correct, refused, verdicts, latency=1000.0, label="quiz_link"):
    return {
        "answerable": answerable,
        "evidence_article_ids": ["a"] if answerable else [],
        "evidence_label": label if answerable else "none_in_corpus",
        "retrieval": retrieval_scores(["a"] if answerable else ["b"], ["a"] if answerable else []),
        "answer_in_context": answerable,
        "correct": correct,
        "refused": refused,
        "citation_verdicts": verdicts,
        "latency_ms": latency,
        "prompt_tokens": 700,
        "completion_tokens": 30,
    }


def test_summary_counts_accuracy_refusals_and_citations():
    records = [
        _record(True, True, False, [True]),
        _record(True, False, False, [False]),  # wrong answer with a wrong citation
        _record(True, False, True, []),  # false refusal
        _record(False, False, True, []),  # correct refusal
        _record(False, False, False, [True]),  # answered an unanswerable question
    ]
    s = summarise(records, answered=True)
    assert s["n_questions"] == 5
    assert s["answers"]["accuracy"] == pytest.approx(1 / 3, abs=1e-3)
    assert s["answers"]["false_refusal_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert s["answers"]["refusal_rate"] == pytest.approx(0.5)
    assert s["citations"]["precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["citations"]["coverage"] == pytest.approx(1.0)
    assert s["retrieval"]["any_hit@1"] == pytest.approx(1.0)
    assert s["retrieval"]["by_label"]["quiz_link"]["n"] == 3
    assert s["cost"]["latency_ms_p50"] == 1000.0


def test_retrieval_only_summary_leaves_answer_metrics_null():
    s = summarise([_record(True, False, False, [])], answered=False)
    assert s["answers"] == {"accuracy": None, "refusal_rate": None, "false_refusal_rate": None}
    assert s["citations"]["precision"] is None and s["cost"]["latency_ms_p50"] is None


def test_an_equivalent_answer_maps_to_its_quiz_option():
    from qa.eval_metrics import choice_correct, nearest_choice

    choices = ["Argentina and France", "USA and Croatia", "Argentina and Morocco"]
    gold = ["Argentina and France"]
    assert nearest_choice("Argentina beat France on penalties [1].", choices) == gold[0]
    assert choice_correct("Argentina beat France on penalties [1].", choices, gold)
    # an answer naming only what two options share maps to neither
    assert nearest_choice("Argentina played in the final [1].", choices) is None
    assert not choice_correct("Argentina played in the final [1].", choices, gold)
    # a wrong option is wrong, and no choices leaves string matching alone
    assert not choice_correct("Morocco and Argentina met [2].", choices, gold)
    assert choice_correct("Argentina and France [1].", [], gold)
    assert not choice_correct("Heat waves [1].", [], gold)


def test_the_nearest_option_is_the_one_the_answer_shares_most_of():
    from qa.eval_metrics import nearest_choice

    choices = ["The Federal Reserve Bank of New York", "The Bank of England", "The ECB"]
    assert nearest_choice("The New York Fed raised rates.", choices) == choices[0]  # 2 of 5
    assert nearest_choice("The Bank of England did.", choices) == "The Bank of England"
    assert nearest_choice("Rates rose in Tokyo.", choices) is None  # shares no word
    people = ["President Joe Biden", "Vice President Kamala Harris"]
    assert nearest_choice("Biden tested positive [1].", people) == people[0]
