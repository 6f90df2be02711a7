"""The one home of the checks' English: sentences, modality, polarity and question shape."""

import pytest

from index import language
from index.language import (
    asked_slot,
    asks_outcome,
    holds_slot,
    negated,
    plain_claim,
    plan_beyond,
    plan_only,
    sentences,
    verdict,
    years_meant,
    yes_no_question,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Warner Bros. Discovery has shelved a film. It was due in May.",
            ["Warner Bros. Discovery has shelved a film.", "It was due in May."],
        ),
        (
            "The U.S. Senate voted on Tuesday. Mr. Smith said no.",
            ["The U.S. Senate voted on Tuesday.", "Mr. Smith said no."],
        ),
        (
            "J. R. R. Tolkien wrote it. Gov. Hochul signed it.",
            ["J. R. R. Tolkien wrote it.", "Gov. Hochul signed it."],
        ),
        ("N.A.T.O. Allies met. They agreed.", ["N.A.T.O. Allies met.", "They agreed."]),
        ("Prices rose 3.5 percent. Sales fell.", ["Prices rose 3.5 percent.", "Sales fell."]),
    ],
)
def test_sentences_do_not_end_at_abbreviations(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Trump is expected to meet Xi in Busan on Thursday.",
        "Officials say an interim deal could involve partial tariff relief.",
        "A deal was possible, officials said.",
        "The company plans to seek approval by the end of the year.",
        "Deliveries may start in late 2023.",
        "If approved, the vaccine will be the first against RSV.",
        "The summit is to be held in Busan.",
        # an outcome word inside a condition reports nothing
        "Trump warned he could raise tariffs to 155% if no deal is reached, a likely blow.",
        "Officials would not say whether the two sides had agreed on soybeans.",
        "Tariffs could rise unless a truce is signed by Friday.",
        "Both Holmes and Balwani face up to 20 years in prison.",  # the most, not the sentence
        "An auction house has guaranteed to pay the fan who caught the ball $2 million.",
        "A collector offered to buy the ball for $3 million.",
    ],
)
def test_plans_and_possibilities_are_plans(sentence):
    assert plan_only(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Lula won the runoff and will take office in January.",
        "The two leaders met in Busan and agreed to a truce.",
        "In May the council approved the budget.",  # May is a month here
        "The summit took place on Friday.",
        "Argentina faced France in the final and won on penalties.",
        "If anything, the talks ended sooner than expected.",  # the condition is not the verb's
    ],
)
def test_outcomes_are_not_plans(sentence):
    assert not plan_only(sentence)


def test_a_plan_the_question_asks_about_is_its_answer():
    sentence = "Trump threatened to impose tariffs as high as 155%."
    assert not plan_beyond(sentence, "Did Trump threaten tariffs of 155%?")
    assert plan_beyond(sentence, "Did Trump impose tariffs of 155%?")


def test_polarity():
    assert negated("Trump and Xi did not reach a deal.")
    assert negated("The White House ruled out a meeting.")
    assert negated("They didn't agree.")
    assert not negated("Trump and Xi reached a deal.")


def test_a_claim_that_drops_its_clauses_negation_turns_its_polarity():
    told = (
        "The council has ruled out a vote on the harbour plan, though the mayor left the door "
        "open to talks."
    )
    assert language.turns_polarity("The council said it would vote on the harbour plan.", told)
    assert not language.turns_polarity("The council ruled out a vote on the harbour plan.", told)
    assert not language.turns_polarity("The mayor left the door open to talks.", told)
    assert language.turns_polarity(
        "Shares of Orbit Records rose 5% on Monday.", "Shares of Orbit Records fell 5% on Monday."
    )
    # what may be, told as what will be or is
    summit = "The trip begins at the summit, where he may oversee the signing of a ceasefire."
    assert language.turns_polarity("He will oversee the signing of a ceasefire.", summit)
    assert not language.turns_polarity("He may oversee the signing of a ceasefire.", summit)
    assert not language.turns_polarity(  # "made possible" tells that the act passed
        "The act was passed in 2021.", "The bailout was made possible by the act, passed in 2021."
    )
    assert not language.turns_polarity(  # "May" the month
        "The council approved the budget in May.", "In May the council approved the budget."
    )
    # "without parole" negates a noun, not what the clause tells
    assert not language.turns_polarity(
        "The governor commuted the sentences of 17 inmates.",
        "The governor is commuting the sentences of 17 inmates to life without parole.",
    )


@pytest.mark.parametrize(
    "question, slot",
    [
        ("Did Trump and Xi reach a trade deal in Busan?", "yes/no"),
        ("Is Takaichi Japan's prime minister?", "yes/no"),
        ("Did they reach a deal or not?", "yes/no"),
        ("Did 100 or more workers strike?", "yes/no"),
        ("Did Trump meet Xi in Busan or Seoul?", "choice"),
        ("How many people were arrested?", "number"),
        ("How long is Trump's Asia trip?", "duration"),
        ("What percentage of voters backed the plan?", "number"),
        ("In what year did Musk buy Twitter?", "year"),
        ("When will Trump meet Xi?", "time"),
        ("Who is Japan's new prime minister?", "name"),
        ("Which retailer is closing all its stores?", ""),
        ("What did the White House say about meeting Kim?", ""),
    ],
)
def test_asked_slot(question, slot):
    assert asked_slot(question) == slot


def test_yes_no_questions_are_not_wh_questions():
    assert yes_no_question("Did the talks end in a deal?")
    assert not yes_no_question("Where did the talks take place?")
    assert not yes_no_question("What did they agree?")
    assert yes_no_question("Won't Trump meet Xi in Busan?")


def test_a_negated_auxiliary_opening_a_question_does_not_negate_its_claim():
    assert plain_claim("Didn't the Astros win the World Series?") == (
        "Did the Astros win the World Series?"
    )
    assert plain_claim("But wasn’t Takaichi elected?") == "But was Takaichi elected?"
    assert plain_claim("Won't Trump meet Xi?") == "Will Trump meet Xi?"
    assert plain_claim("can't they vote?") == "can they vote?"
    assert plain_claim("Did the talks not resume?") == "Did the talks not resume?"
    assert negated(plain_claim("Didn't they fail to agree?"))


def test_whether_it_happened_asks_for_an_outcome():
    assert asks_outcome("Did Trump and Xi reach a trade deal in Busan?")
    assert asks_outcome("Has the launch happened?")
    assert asks_outcome("What was the outcome of the Busan meeting?")
    assert not asks_outcome("Is Takaichi Japan's prime minister?")
    assert not asks_outcome("Where will Trump meet Xi Jinping?")


def test_a_possibility_the_question_quotes_asks_for_no_outcome():
    assert not asks_outcome("Whose owner began a process that could result in a sale?")
    assert not asks_outcome("Which club said the vote might well decide its future?")
    assert asks_outcome("What resulted from the talks, which could have gone either way?")
    assert asks_outcome("Which club won the vote that could decide its future?")


def test_verdict_and_slots():
    assert verdict("Yes, they did [1].") == "yes"
    assert verdict("No. Argentina won [2].") == "no"
    assert verdict("Nobody knows.") == ""
    assert holds_slot("number", "forty") and holds_slot("number", "1,000")
    assert not holds_slot("number", "retailer announced closing")
    assert holds_slot("time", "on Thursday") and not holds_slot("time", "in Busan")
    assert holds_slot("name", "Sanae Takaichi") and not holds_slot("name", "the new leader")
    assert holds_slot("year", "in June 2020") and holds_slot("year", "1784")
    assert not holds_slot("year", "on July 15") and not holds_slot("year", "earlier this year")
    assert holds_slot("duration", "five day visit") and holds_slot("duration", "a few weeks")
    assert holds_slot("duration", "since May") and holds_slot("duration", "3 km")
    assert not holds_slot("duration", "begins Sunday with 550 billion in investments")


def test_patterns_stay_linear_on_hostile_text():
    import time

    for size in (2_000, 16_000):
        text = "will " * size + "did not " * size + ". " * size + "could result " * size
        text += "who is " * size + "a few " * size + "faces up " * size
        t0 = time.perf_counter()
        plan_only(text), negated(text), sentences(text), language.words(text)
        asks_outcome(text), years_meant(text, "2025-01-01"), holds_slot("duration", text)
        language.PRESENT.search(text), language.number_word(text)
        if size == 2_000:
            small = time.perf_counter() - t0
        else:
            assert time.perf_counter() - t0 < max(0.5, small * 40)


def test_irregular_past_forms_share_their_verbs_stem():
    from index.language import stems

    assert stems(["won"]) == stems(["win"]) == stems(["wins"])
    assert stems(["met", "held", "sold"]) == stems(["meet", "hold", "sell"])
    assert stems(["founded"]) != stems(["found"])  # "found" is "find"; "founded" is not


@pytest.mark.parametrize(
    "question, offered, given",
    [
        ("Did lions or gorillas escape from a Sydney zoo?", ("lions", "gorillas"), "escape"),
        ("Did Rite Aid or Walgreens file for bankruptcy?", ("Rite Aid", "Walgreens"), "file"),
        ("Did New York City or Chicago agree to pay?", ("New York City", "Chicago"), "agree"),
        ("Was it worth $360 million or $410 million?", ("$360 million", "$410 million"), "worth"),
        ("Did he resign or was he fired?", ("resign", "fired"), "was he"),
        ("Is it red, or blue?", ("red", "blue"), "Is it"),
        ("Did Trump threaten tariffs of 100% or 155%?", ("100%", "155%"), "tariffs of"),
        (
            "Is Sanae Takaichi or Shigeru Ishiba Japan's leader?",
            ("Sanae Takaichi", "Shigeru Ishiba"),
            "Japan's",
        ),
        (
            "Did the Astros beat the Phillies or the New York Yankees?",
            ("Phillies", "New York Yankees"),
            "Astros",
        ),
        (
            "Will it cost $550 billion or $750 billion, officials say?",
            ("$550 billion", "$750 billion"),
            "officials",
        ),
    ],
)
def test_a_choice_question_offers_two_alternatives(question, offered, given):
    from index.language import choices, frame

    assert choices(question) == offered
    assert not yes_no_question(question) and asked_slot(question) == "choice"
    assert given in frame(question)
    assert not any(x in frame(question) for x in offered)


def test_no_choice_without_alternatives():
    from index.language import choices, frame

    for q in ("Did they reach a deal or not?", "Is the claim true or false?", "Who won, A or B?"):
        assert choices(q) is None
    assert frame("Did Trump meet Xi?") == "Did Trump meet Xi?"


def test_a_choice_is_named_by_a_word_the_other_lacks():
    from index.language import names_choice

    question = "Was she known as a country music singer or a rock singer?"
    assert names_choice(question, "She was known as a country music singer.")
    assert not names_choice(question, "She was known as a singer.")
    assert names_choice("Did lions or gorillas escape?", "Five lions escaped.")


def test_an_outcome_told_before_a_plan_is_told():
    from index.language import told_before_plan

    said = "Rite Aid filed for bankruptcy Sunday and plans to close an untold number of stores."
    assert told_before_plan("Rite Aid filed for bankruptcy.", said)
    assert not told_before_plan("Rite Aid closed stores.", said)
    officials = "Officials say an interim deal could involve partial tariff relief."
    assert not told_before_plan("An interim deal involved partial tariff relief.", officials)


def test_a_text_opposes_the_question_with_the_opposite_word_in_its_place():
    asked = language.content_stems("Did Harris test positive?")
    assert language.opposes(language.content_stems("Harris tested negative."), asked)
    # the word itself beside its opposite, or no pair at all, is no opposition
    both = language.content_stems("Harris tested negative; Biden tested positive.")
    assert not language.opposes(both, asked)
    assert not language.opposes(language.content_stems("Harris was tested."), asked)
    won = language.content_stems("Did Argentina win the final?")
    assert language.opposes(language.content_stems("Argentina lost the final."), won)


def test_a_year_told_relative_to_the_articles_date_is_that_year():
    text = "Musk became involved earlier this year; last year he sold shares. Next year, more."
    assert years_meant(text, "2022-10-27") == {"2021", "2022", "2023"}
    assert years_meant(text, "") == set()  # undated: no year is meant
    assert years_meant("It took a year.", "2022-10-27") == set()
