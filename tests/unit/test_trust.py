"""The refusal decision: one score from several signals, its margin, partial answers, and
fitting it by k-fold cross-validation."""

import json

import pytest

from index.language import asks_outcome
from qa.errors import RefusalModelError
from qa.fitting import cases, cross_validate, fit, fold_of
from qa.trust import FEATURES, RefusalModel, plan_only
from tests.fakes import TEST_REFUSAL_MODEL

MODEL = RefusalModel.from_json(TEST_REFUSAL_MODEL)
GOOD = {
    "top_similarity": 0.5,
    "similarity_gap": 0.1,
    "p_yes": 0.9,
    "key_grounded": 1.0,
    "supported": 1.0,
    "plan_only": 0.0,
    "asked_grounded": 1.0,
}


def test_the_score_combines_the_signals():
    good = MODEL.decide(GOOD)
    assert good.answer and good.score > 0.99
    doubtful = MODEL.decide({**GOOD, "p_yes": 0.3})
    assert not doubtful.answer
    # a strong passage and a grounded reply make up for a lukewarm check
    assert MODEL.decide({**GOOD, "p_yes": 0.55}).answer
    assert not MODEL.decide({**GOOD, "p_yes": 0.55, "top_similarity": 0.1}).answer


def test_the_margin_is_in_units_of_the_checks_noise():
    # at the line, 0.02 more P(yes) is one unit of margin
    at_line = {**GOOD, "p_yes": 0.6, "top_similarity": 0.3, "key_grounded": 0.5}
    at_line.update(supported=0.5, asked_grounded=0.5)
    assert MODEL.decide(at_line).margin == pytest.approx(0.0)
    assert MODEL.decide({**at_line, "p_yes": 0.62}).margin == pytest.approx(1.0)
    assert MODEL.decide({**at_line, "p_yes": 0.5}).margin == pytest.approx(-5.0)


def test_hopeless_means_no_reply_could_reach_the_line():
    assert MODEL.hopeless({"top_similarity": 0.5, "similarity_gap": 0.1, "p_yes": 0.05})
    assert not MODEL.hopeless({"top_similarity": 0.5, "similarity_gap": 0.1, "p_yes": 0.55})
    assert not MODEL.hopeless({"top_similarity": 0.5, "similarity_gap": 0.1})  # P(yes) unknown


def test_the_packaged_model_loads_and_says_how_it_was_fitted():
    model = RefusalModel.load()
    assert set(model.weights) == set(FEATURES) and 0 < model.line < 1
    assert "command" in model.about and model.about["out_of_fold"]["n"] >= 200


def test_a_bad_model_file_is_one_clear_error(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{not json")
    with pytest.raises(RefusalModelError, match="m.json"):
        RefusalModel.load(path)
    path.write_text(json.dumps({**TEST_REFUSAL_MODEL, "features": ["p_yes"]}))
    with pytest.raises(RefusalModelError, match="refit it"):
        RefusalModel.load(path)


def test_outcome_questions_answered_with_plans():
    assert asks_outcome("What was the outcome of the Busan meeting?")
    assert asks_outcome("How did the talks end?")
    assert not asks_outcome("Where will Trump meet Xi Jinping?")
    plan = ["The meeting was intended to manage disputes between the two countries."]
    assert plan_only("What was the outcome of the Busan meeting?", plan)
    done = ["The two leaders agreed to cut tariffs."]
    assert not plan_only("What was the outcome of the Busan meeting?", done)
    assert not plan_only("Where will they meet?", plan)
    # a plan retold as an outcome: the passage sentence it stands on is a plan
    assert plan_only("What was the outcome of the Busan meeting?", done, plan)
    assert not plan_only("What was the outcome of the Busan meeting?", done, done)
    # a passage sentence that reports the outcome is not a plan for what else it says will come
    won = ["Lula won the runoff and will take office in January."]
    assert not plan_only("Who won the Brazilian election?", ["Lula won the election."], won)
    # the outcome is told before the sentence turns to a plan
    filed = ["Rite Aid filed for bankruptcy Sunday and plans to close an untold number of stores."]
    asked = "Did Rite Aid or Walgreens file for bankruptcy?"
    assert not plan_only(asked, ["Rite Aid filed for bankruptcy."], filed)
    assert plan_only(asked, ["Rite Aid closed an untold number of stores."], filed)
    # a question that asks of the plan itself is answered by it
    said = ["Pfizer will seek approval for its RSV vaccine by the end of the year."]
    asked = "Did Moderna or Pfizer say it will soon seek approval for an RSV vaccine?"
    assert not plan_only(asked, ["Pfizer said it will soon seek approval."], said)
    assert plan_only("Did Pfizer win approval for its RSV vaccine?", ["Pfizer won it."], said)


def test_what_a_past_event_was_is_asked_of_its_outcome():
    """ "Who did Trump meet in Kuala Lumpur?" asks what happened, like "Did Trump meet …?":
    passages that only plan the meeting give a plan, not who he met."""
    asked = "Who did Trump meet in Kuala Lumpur?"
    assert asks_outcome(asked) and asks_outcome("When did Trump meet Xi?")
    assert asks_outcome("The talks ran late. Where did the leaders meet?")
    trip = ["He will then travel to Tokyo to meet Japan's new prime minister, Sanae Takaichi."]
    assert plan_only(asked, ["Trump met Sanae Takaichi in Kuala Lumpur."], trip)
    # a reply that keeps its passage's modal reports the event faithfully
    robot = ["Tesla revealed a prototype of a humanoid robot that it says could be a product."]
    debut = "Which new product did Tesla debut at an event this week?"
    assert not plan_only(debut, robot, robot)
    # asked what they agreed, a reply that keeps the passage's "could" is still only the plan
    deal = ["Officials say an interim deal could involve partial tariff relief."]
    assert plan_only("What did Trump and Xi agree in Busan?", deal, deal)
    # what was said is what happened, whatever it says of the future; and a reason is no event
    assert not asks_outcome("What did the White House say about the meeting?")
    assert not asks_outcome("Which ambitious goal did he announce?")
    assert not asks_outcome("Why did Trump go to Asia?")
    # the answer's own words told before the sentence turns to the future, the question's
    # words wherever they are
    runoff = [
        "With Warnock's defeat of Republican challenger Herschel Walker, Democrats will "
        "control 51 seats."
    ]
    whom = "Whom did Raphael Warnock defeat in Georgia's Senate runoff?"
    said = ["Raphael Warnock defeated Republican challenger Herschel Walker in Georgia's runoff."]
    assert not plan_only(whom, said, runoff)
    # a promise to pay is no sale; a question about the offer itself is answered by it
    paid = ["Memory Lane has guaranteed to pay the person who catches the ball $2 million."]
    assert plan_only("How much did the ball sell for?", ["The ball sold for $2 million."], paid)
    offer = ["Toyota is offering to buy back the SUVs from customers."]
    asked = "Did Toyota offer to buy back its SUVs?"
    assert not plan_only(asked, ["Toyota offered to buy back the SUVs."], offer)


def _record(i: int, answerable: bool) -> dict:
    """An eval record as `newsdesk eval` writes it: answerable ones have a confident check
    and a near passage; unanswerable ones a doubtful check and a weaker passage."""
    text = f"The harbour festival number {i} returns on Saturday with sailing races."
    return {
        "id": f"q{i}",
        "question": f"When does harbour festival {i} return?",
        "question_date": "2025-05-01",
        "answerable": answerable,
        "golds": ["Saturday"] if answerable else [],
        "choices": [],
        "reply": f"Festival {i} returns on Saturday [1].",  # only the signals tell them apart
        "passages": [
            {
                "n": 1,
                "article_id": f"a{i}",
                "published_at": "2025-04-30",
                "score": 0.6,
                "text": text,
            },
            {
                "n": 2,
                "article_id": "b",
                "published_at": "2025-04-01",
                "score": 0.3,
                "text": "Ferries run hourly.",
            },
        ],
        "signals": {
            "top_similarity": 0.6 if answerable else 0.35,
            "similarity_gap": 0.3,
            "p_yes": 0.8 + (i % 10) / 100 if answerable else 0.2 + (i % 10) / 100,
        },
    }


def test_k_fold_fits_on_the_other_folds_and_reports_each(container):
    records = [_record(i, answerable=i % 5 != 0) for i in range(60)]
    usable = cases(records, 0.5)
    assert len(usable) == 60
    policy = container.answer_policy
    result = cross_validate(usable, policy, k=3)
    assert [f["fold"] for f in result["folds"]] == [0, 1, 2]
    assert sum(f["n"] for f in result["folds"]) == 60 == result["out_of_fold"]["n"]
    assert result["out_of_fold"]["refusal_rate"] == 1.0
    assert result["out_of_fold"]["false_refusal_rate"] == 0.0
    assert result["out_of_fold"]["accuracy"] == 1.0
    model = fit(usable, policy, {"command": "test"})
    assert model.weights["p_yes"] > 0
    # the line sits in the middle of the gap between the two groups' scores
    scores = {c.answerable: [] for c in usable}
    for c in usable:
        scores[c.answerable].append(model.decide(c.signals).score)
    assert max(scores[False]) < model.line < min(scores[True])
    assert all(fold_of(c.id, 3) == fold_of(c.id, 3) for c in usable)


def test_a_signal_counts_at_most_three_deviations_from_what_the_fitting_saw():
    far = MODEL.logit({**GOOD, "top_similarity": 0.3 + 0.1 * 50})
    edge = MODEL.logit({**GOOD, "top_similarity": 0.3 + 0.1 * 3})
    assert far == pytest.approx(edge)


def test_a_rule_decision_is_not_moved_by_the_line(container):
    from dataclasses import replace

    from qa.fitting import at_line, replay

    line_0 = replace(container.answer_policy, refusal=MODEL.with_line(0.0))
    strict = MODEL.with_line(0.9999)  # over every score of these (0.9997)

    def replayed(question, reply):
        record = {**_record(1, True), "question": question, "reply": reply}
        record["signals"] = {"top_similarity": 0.0, "similarity_gap": 0.0, "p_yes": 0.8}
        (case,) = cases([record], 0.5)
        return at_line(replay(case, line_0), strict)

    # the line decides an open question
    assert replayed("When does harbour festival 1 return?", "It returns on Saturday [1].")[
        "refused"
    ]
    # a choice the passage states, and a yes/no question, are decided by the passages' words
    choice = replayed(
        "Does harbour festival 1 return on Saturday or on Sunday?",
        "Festival 1 returns on Saturday [1].",
    )
    assert not choice["refused"] and choice["margin"] is None
    yes = replayed(
        "Does harbour festival 1 return on Saturday?",
        "Yes, festival 1 returns on Saturday [1].",
    )
    assert not yes["refused"], yes
