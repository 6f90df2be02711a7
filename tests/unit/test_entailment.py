"""A reply that restates the question, lacks the asked-for slot, or says yes or no without
evidence that carries it, is not given as an answer."""

from dataclasses import replace

from qa.citations import enforce_citations
from qa.entailment import NO_LINE, YES_LINE, claim, not_an_answer, settle
from qa.types import Passage


def _p(n, text, date="2025-10-25"):
    return Passage(n, f"c{n}", f"a{n}", "T", "Wire", date, "", text, 0, len(text), 0.6)


RETAIL = [_p(1, "The retailer Joann said it is closing all its stores after its bankruptcy.")]
TALKS = [
    _p(
        1,
        "Trump is expected to meet Xi in Busan on Thursday. Officials say an interim deal "
        "could involve partial tariff relief.",
    )
]
CUP = [_p(1, "Argentina beat France on penalties to win the World Cup final in Qatar.")]


def _checked(reply, passages, question):
    return enforce_citations(reply, passages, 0.5, question)


def test_a_reply_that_restates_the_question_is_not_an_answer():
    q = "Which retailer is closing all its stores?"
    bad = _checked("The retailer announced it is closing all its stores [1].", RETAIL, q)
    assert "restates" in not_an_answer(q, bad)
    good = _checked("Joann is closing all its stores [1].", RETAIL, q)
    assert not_an_answer(q, good) == ""
    # nor does a modifier that names nothing
    menu = [_p(1, "KFC rolled out a new menu item, chicken nuggets, to attract young diners.")]
    item = "Which menu item did KFC roll out?"
    assert "restates" in not_an_answer(
        item, _checked("KFC rolled out a new menu item [1].", menu, item)
    )
    assert not_an_answer(item, _checked("KFC rolled out chicken nuggets [1].", menu, item)) == ""
    # another form of the question's own words adds nothing either
    chains = [_p(1, "Rite Aid filed for bankruptcy, as Walgreens and CVS close stores.")]
    why = "Why did Walgreens file for bankruptcy?"
    assert "restates" in not_an_answer(
        why, _checked("Walgreens filed for bankruptcy [1].", chains, why)
    )
    when = "When did Rite Aid file for bankruptcy?"
    filed = _checked("Rite Aid filed as Walgreens and CVS close stores [1].", chains, when)
    assert "gives no time" in not_an_answer(when, filed)


def test_how_long_is_answered_by_a_length_not_any_number():
    trip = [
        _p(
            1,
            "The five-day visit to Malaysia, Japan and South Korea begins Sunday. Takaichi is "
            "expected to reaffirm $550 billion in planned investments.",
        )
    ]
    q = "How long is Trump's Asia trip?"
    other = _checked(
        "The trip begins Sunday [1]. Takaichi is expected to reaffirm $550 billion in planned "
        "investments [1].",
        trip,
        q,
    )
    assert "gives no duration" in not_an_answer(q, other)
    assert not_an_answer(q, _checked("The visit lasts five days [1].", trip, q)) == ""


def test_a_choice_is_answered_by_the_alternative_the_passages_report():
    zoo = [_p(1, "Five lions managed a short escape from their enclosure at Taronga Zoo.")]
    q = "Did lions or gorillas escape from their enclosure?"
    good = _checked("Lions escaped from their enclosure [1].", zoo, q)
    assert not_an_answer(q, good) == "" and good.cited == [1] and not good.unsupported
    # a no to one alternative says nothing of which: the reply has not answered
    no = _checked("No, gorillas did not escape from their enclosure [1].", zoo, q)
    assert "which of the alternatives" in not_an_answer(q, no)
    # the alternative a reply names is its claim, not the question's given: it must be held
    other = _checked("Gorillas escaped from their enclosure [1].", zoo, q)
    assert other.unsupported == ["Gorillas escaped from their enclosure."]
    # and is not given beside the supported one
    both = _checked("Lions escaped from their enclosure [1]. Gorillas escaped too.", zoo, q)
    assert both.unsupported == ["Gorillas escaped too."]
    assert both.given() == ("Lions escaped from their enclosure [1].", [1])
    cup = "Did Argentina face France or Morocco in the final?"
    assert _checked("Argentina faced Morocco in the final [1].", CUP, cup).removed
    france = _checked("Argentina faced France in the final [1].", CUP, cup)
    assert not france.removed
    # the alternative not chosen is no name of the question the passages should hold
    assert france.asked_terms == france.asked_in_cited == 1  # Argentina


def test_the_alternative_a_reply_names_is_told_with_the_question_in_a_passage():
    from qa.entailment import unstated_choice

    bill = [
        _p(1, "New Zealand passed a landmark anti-smoking bill. Canada's tax rose in May."),
    ]
    q = "Did Canada or New Zealand pass a landmark anti-smoking bill this week?"
    wrong = _checked("Canada passed a landmark anti-smoking bill this week [1].", bill, q)
    assert not wrong.removed and not wrong.unsupported  # its words are all in the passage
    assert "tells the alternative" in unstated_choice(q, wrong, bill)
    right = _checked("New Zealand passed a landmark anti-smoking bill [1].", bill, q)
    assert unstated_choice(q, right, bill) == ""
    assert unstated_choice("Which country passed it?", right, bill) == ""


def test_a_choice_is_settled_by_words_only_where_one_alternative_is_stated():
    from qa.entailment import stated_choice

    pm = [_p(1, "He will travel to Tokyo to meet Japan's new prime minister, Sanae Takaichi.")]
    q = "Is Sanae Takaichi or Shigeru Ishiba Japan's new prime minister?"
    said = _checked("Sanae Takaichi is Japan's new prime minister [1].", pm, q)
    # the sentence's "will" is the trip's: the question asks who is, not what came of it
    assert stated_choice(q, said, pm)
    # a reply that names no alternative, or says one is not, makes no choice
    assert not stated_choice(q, _checked("Japan has a new prime minister [1].", pm, q), pm)
    # a passage that states the other alternative too leaves the choice open
    both = [*pm, _p(2, "Shigeru Ishiba is Japan's new prime minister, his office said.")]
    assert not stated_choice(q, _checked(said.text, both, q), both)
    # a negated sentence, or one that only plans the outcome asked, states nothing
    cup = "Did Argentina or France win the final in Qatar?"
    won = "Argentina won the final in Qatar [1]."

    def settled(text):
        passages = [_p(1, text)]
        return stated_choice(cup, _checked(won, passages, cup), passages)

    assert not settled("Argentina did not win the final against France in Qatar.")
    assert not settled("Argentina hopes to win the final against France in Qatar on Sunday.")
    assert settled("Argentina won the final in Qatar on Sunday.")
    # words cannot tell who beat whom: a sentence naming both leaves it to the line
    assert not settled("Argentina won the final against France in Qatar on Sunday.")


def test_the_alternative_told_with_the_opposite_of_the_question_is_not_the_answer():
    from qa.entailment import unstated_choice

    covid = [
        _p(
            1,
            "Vice President Kamala Harris tested negative on Thursday. Biden tested positive. "
            "An aide also tested positive earlier this week.",
        )
    ]
    q = "Did Kamala Harris or Joe Biden test positive for Covid-19 this week?"
    # every word of it is in the passage, and Harris stands with "tested"
    wrong = _checked("Kamala Harris tested positive for Covid-19 this week [1].", covid, q)
    assert "tells the alternative" in unstated_choice(q, wrong, covid)
    right = _checked("Joe Biden tested positive for Covid-19 this week [1].", covid, q)
    assert unstated_choice(q, right, covid) == "" and not_an_answer(q, right) == ""
    # a reply that tells the other alternative's opposite has not said which
    other = _checked("Kamala Harris tested negative on Thursday [1].", covid, q)
    assert "which of the alternatives" in not_an_answer(q, other)


def test_a_reply_without_the_asked_for_number_is_not_an_answer():
    passages = [_p(1, "Police arrested about 1,000 people during the protests in Tehran.")]
    q = "How many people were arrested during the protests?"
    bad = _checked("Police arrested people during the protests in Tehran [1].", passages, q)
    assert "no number" in not_an_answer(q, bad)
    good = _checked("About 1,000 people were arrested [1].", passages, q)
    assert not_an_answer(q, good) == ""


def test_yes_to_a_plan_is_a_plan():
    q = "Did Trump and Xi reach a trade deal in Busan?"
    c = claim(q, _checked("Yes, Trump and Xi reached a trade deal in Busan [1].", TALKS, q), TALKS)
    assert c.plan and settle(c, 0.99).problem == "plan"
    c = claim(q, _checked("No, Trump and Xi did not reach a trade deal [1].", TALKS, q), TALKS)
    assert settle(c, 0.01).problem == "plan"


def test_a_no_stands_on_the_event_told_of_another_thing_but_not_on_a_missing_outcome():
    zoo = [_p(1, "Five lions managed a short escape from their enclosure at Sydney's zoo.")]
    q = "Did gorillas escape from their enclosure at a Sydney zoo?"
    c = claim(q, _checked("No, gorillas did not escape from their enclosure [1].", zoo, q), zoo)
    assert c.contrast and c.basis == (1, zoo[0].text)
    assert settle(c, 0.06).problem == ""
    assert settle(c, 0.6).problem  # the model does not doubt it: no answer
    # the lawsuit's outcome is missing, not another thing: the articles leave it open
    suit = [_p(1, "Actor Gina Carano on Tuesday sued Disney over her lawsuit and her firing.")]
    q = "Did Gina Carano win her lawsuit against Disney?"
    c = claim(q, _checked("No, Gina Carano did not win her lawsuit [1].", suit, q), suit)
    assert not c.contrast and settle(c, 0.06).problem


def test_a_no_stands_on_half_the_event_told_of_another_name_unless_that_half_is_the_outcome():
    """A claim of two event words ("related", "poet") is contradicted by a sentence that
    tells one of them with another name in the claim's name's place; not when the word it
    lacks is the outcome asked about, nor when the sentence only says what is needed."""
    kin = [_p(1, "Dana Reyes and the celebrated poet Emily Dickinson are distant cousins.")]
    q = "Is Dana Reyes related to the poet Walt Whitman?"
    c = claim(q, _checked("No, Dana Reyes is not related to Walt Whitman [1].", kin, q), kin)
    assert c.contrast and settle(c, 0.2).problem == ""
    suit = [_p(1, "Lena Park filed a lawsuit against Orbit Records in Ohio on Monday.")]
    q = "Did Dana Reyes win her lawsuit against Orbit Records?"
    c = claim(q, _checked("No, Dana Reyes did not win her lawsuit [1].", suit, q), suit)
    assert not c.contrast and settle(c, 0.2).problem
    cup = [_p(1, "Here are three things the Riverside Owls need to win the Coastal Cup.")]
    q = "Did the Harbor Hawks win the Coastal Cup after the sale?"
    c = claim(q, _checked("No, the Harbor Hawks did not win the Coastal Cup [1].", cup, q), cup)
    assert not c.contrast and settle(c, 0.2).problem


def test_a_surname_alone_still_names_the_claims_person():
    """ "Reyes" is Dana Reyes: a sentence about her predecessor's losing seasons does not tell
    the claim's event of another name."""
    club = [
        _p(
            1,
            "Reyes replaced Lena Park, who was not re-signed after two losing seasons with the "
            "Harbor Hawks. The Harbor Hawks are mired in nine straight non-playoff seasons.",
        )
    ]
    q = "Did the Harbor Hawks make the playoffs in Dana Reyes's first season?"
    c = claim(q, _checked("No, the Harbor Hawks did not make the playoffs [1].", club, q), club)
    assert not c.contrast and settle(c, 0.2).problem


def test_a_no_to_an_outcome_does_not_stand_on_a_condition_with_other_names():
    """The seed article's threat ("if no deal is reached") holds the claim's event with other
    names; it is a condition, not a report that the deal failed."""
    passages = [
        _p(
            1,
            "Washington and Beijing have exchanged escalating trade restrictions. Trump has "
            "warned he could raise tariffs on Chinese imports to 155% if no deal is reached, "
            "a move likely to trigger retaliation from Beijing.",
        ),
        *[replace(p, n=2) for p in TALKS],
    ]
    q = "Did Trump and Xi reach a trade deal in Busan?"
    reply = "No, Trump and Xi did not reach a trade deal in Busan [1]."
    c = claim(q, _checked(reply, passages, q), passages)
    assert settle(c, 0.45).problem  # a plan, or no sentence that contradicts it
    assert settle(c, 0.05).problem


def test_yes_needs_a_sentence_that_states_the_claim_and_a_confident_check():
    q = "Did Argentina win the World Cup final?"
    c = claim(q, _checked("Yes, Argentina won the World Cup final [1].", CUP, q), CUP)
    assert c.states and not c.negated and c.basis == (1, CUP[0].text)
    assert settle(c, 0.97).problem == "" and settle(c, 0.97).margin > 0
    doubt = settle(c, YES_LINE - 0.1)
    assert "doubts" in doubt.problem and doubt.margin < 0
    q = "Did Argentina win the Euro final?"  # a name no sentence holds with the rest
    c = claim(q, _checked("Yes, Argentina won the final [1].", CUP, q), CUP)
    assert not c.states and "states" in settle(c, 0.99).problem


def test_a_question_that_opens_with_a_negated_auxiliary_asks_the_plain_claim():
    # "Didn't Argentina win …?" expects a yes: the sentence that says it won states it
    q = "Didn't Argentina win the World Cup final?"
    c = claim(q, _checked("Yes, Argentina won the World Cup final [1].", CUP, q), CUP)
    assert c.states and not c.negated and settle(c, 0.97).problem == ""
    # a negation inside the question is still the claim's own
    q = "Did Argentina not win the World Cup final?"
    c = claim(q, _checked("Yes, Argentina won the World Cup final [1].", CUP, q), CUP)
    assert settle(c, 0.97).problem != ""


def test_no_needs_a_fact_of_its_own_a_contradicting_sentence_or_a_negation():
    q = "Did France win the World Cup final?"
    bare = claim(q, _checked("No, France did not win the World Cup final [1].", CUP, q), CUP)
    assert settle(bare, 0.05).problem == "no passage sentence contradicts the claim"
    # the words of the claim are all there (France lost): only the model's check sees roles
    yes = claim(q, _checked("Yes, France won the World Cup final [1].", CUP, q), CUP)
    assert "doubts" in settle(yes, 0.2).problem
    fact = claim(q, _checked("No, Argentina won the World Cup final [1].", CUP, q), CUP)
    assert fact.fact and settle(fact, 0.05).problem == ""
    assert "does not doubt" in settle(fact, NO_LINE + 0.2).problem


def test_no_stands_on_a_negation_of_the_whole_claim():
    passages = [_p(1, "The White House ruled out a meeting of Trump and Kim on this trip.")]
    q = "Will Trump have a meeting with Kim on this trip?"
    c = claim(q, _checked("No, there is no meeting planned [1].", passages, q), passages)
    assert c.states and c.negated and settle(c, 0.1).problem == ""


def test_no_stands_on_the_claim_told_with_the_opposite_of_its_word():
    passages = [_p(1, "Argentina lost the World Cup final to France on Sunday.")]
    q = "Did Argentina win the World Cup final?"
    no = claim(
        q, _checked("No, Argentina did not win the World Cup final [1].", passages, q), passages
    )
    assert no.states and no.negated and no.basis == (1, passages[0].text)
    assert settle(no, 0.1).problem == ""
    yes = claim(q, _checked("Yes, Argentina won the World Cup final [1].", passages, q), passages)
    assert settle(yes, 0.95).problem == "no passage sentence states the claim"
    # the word beside its opposite, or the opposite negated, is no opposite
    for text in (
        "Argentina lost the semifinal in 2018 and won the World Cup final on Sunday.",
        "Argentina did not lose the World Cup final on Sunday.",
    ):
        held = [_p(1, text)]
        c = claim(q, _checked("No, Argentina did not win the World Cup final [1].", held, q), held)
        assert not c.negated and settle(c, 0.1).problem != ""


def test_a_sentence_with_another_name_contradicts_the_claim():
    passages = [_p(1, "New York has agreed to pay $26 million to two men wrongly convicted.")]
    q = "Did Chicago agree to pay $26 million to two men wrongly convicted?"
    c = claim(q, _checked("No, Chicago did not agree to pay them [1].", passages, q), passages)
    assert c.contrast and not c.fact and settle(c, 0.1).problem == ""
    assert c.basis == (1, passages[0].text)


def test_a_reply_without_yes_or_no_says_what_its_polarity_says():
    q = "Did Argentina win the World Cup final?"
    c = claim(q, _checked("Argentina won the World Cup final [1].", CUP, q), CUP)
    assert c.verdict == "yes" and settle(c, 0.95).problem == ""
    c = claim(q, _checked("Argentina did not lose the final [1].", CUP, q), CUP)
    assert c.verdict == "no"


def test_a_bare_fact_beside_a_negated_claim_is_no_evidence_against_it():
    """An article that reports a suit being filed, not its outcome: "No, she did not win"
    plus a true fact about the filing is not a no the passages back."""
    passages = [_p(1, "The singer Mara Velt filed a lawsuit against Orbit Records in Ohio.")]
    q = "Did Mara Velt win her lawsuit against Orbit Records?"
    reply = "No, Mara Velt did not win her lawsuit [1]. The lawsuit was filed in Ohio [1]."
    c = claim(q, _checked(reply, passages, q), passages)
    assert not c.fact and not c.contrast
    assert settle(c, 0.2).problem == "no passage sentence contradicts the claim"


def test_a_negation_beside_a_sentence_that_affirms_the_claim_negates_nothing():
    passages = [
        _p(
            1,
            "Customers won't have to worry about the bankruptcy filing at Veltro Pharmacy. "
            "Veltro Pharmacy filed for bankruptcy in New Jersey on Sunday.",
        )
    ]
    q = "Did Veltro Pharmacy file for bankruptcy?"
    c = claim(q, _checked("Yes, Veltro Pharmacy filed for bankruptcy [1].", passages, q), passages)
    assert c.states and not c.negated and "filed for bankruptcy in New Jersey" in c.basis[1]
    assert settle(c, 0.97).problem == ""


def test_an_outcome_one_sentence_reports_is_no_plan_because_another_weighs_it():
    passages = [
        _p(
            1,
            "Tariffs on steel and aluminum imports may go up higher, Trump said. "
            "Trump's 25% tariffs on steel and aluminum imports took effect on Wednesday.",
        )
    ]
    q = "Did Trump impose tariffs on steel and aluminum imports?"
    c = claim(
        q, _checked("Yes, Trump imposed tariffs on steel imports [1].", passages, q), passages
    )
    assert c.states and not c.plan and settle(c, 0.95).problem == ""


def test_a_sentence_without_the_claims_event_does_not_state_it():
    """Its names and its object are there ("the FDA", "the vaccine"), its event is not."""
    passages = [_p(1, "In March, the FDA designated Pfizer's RSV vaccine a breakthrough therapy.")]
    q = "Did the FDA approve Pfizer's RSV vaccine?"
    c = claim(q, _checked("Yes, the FDA approved Pfizer's RSV vaccine [1].", passages, q), passages)
    assert not c.states and "states" in settle(c, 0.95).problem


def test_a_name_from_the_next_sentence_does_not_join_the_claim():
    passages = [
        _p(
            1,
            "Veltro Pharmacy filed for bankruptcy on Sunday. It has struggled to keep up with "
            "bigger chains like Corvan and Medley.",
        )
    ]
    q = "Did Medley file for bankruptcy?"
    c = claim(q, _checked("Yes, Medley filed for bankruptcy [1].", passages, q), passages)
    assert not c.states and c.contrast
    assert c.basis == (1, "Veltro Pharmacy filed for bankruptcy on Sunday.")


def test_a_contrast_that_reports_what_happened_comes_before_one_that_plans():
    passages = [
        _p(1, "Hollis Brand would announce his resignation as party leader next week."),
        _p(2, "Hollis Brand resigned as party leader on Thursday."),
    ]
    q = "Did Mara Kell announce her resignation as party leader?"
    reply = "No, Mara Kell did not announce her resignation [2]."
    c = claim(q, _checked(reply, passages, q), passages)
    assert c.contrast and not c.plan and c.basis[0] == 2
    assert settle(c, 0.1).problem == ""


def test_a_lone_letter_of_a_name_is_not_a_term_to_find():
    passages = [
        _p(1, "New York agreed to pay $26 million to two men convicted of killing Malcolm X.")
    ]
    q = "Did New York agree to pay $26 million to two men convicted of Malcolm X's murder?"
    reply = "Yes, New York agreed to pay $26 million [1]."
    c = claim(q, _checked(reply, passages, q), passages)
    assert c.states and settle(c, 0.95).problem == ""


def test_a_reply_that_gives_one_clause_s_deed_to_the_other_clause_s_name_is_not_an_answer():
    from qa.entailment import misattributed

    q = "What did the Port Authority say about the bridge?"
    told = [
        _p(
            1,
            "The Port Authority has ruled out closing the bridge, though Mayor Okafor "
            "left the door open, saying the city would decide in spring.",
        )
    ]
    wrong = _checked("The Port Authority said it left the door open [1].", told, q)
    assert "another name" in misattributed(wrong)
    for right in (
        "The Port Authority has ruled out closing the bridge [1].",
        "Mayor Okafor left the door open to closing the bridge [1].",  # a name as object
        "The Port Authority ruled out closing it, though Mayor Okafor left the door open [1].",
    ):
        assert misattributed(_checked(right, told, q)) == "", right
    # a passage sentence of one actor says nothing of who did what
    one = [_p(1, "The Port Authority left the door open to closing the bridge.")]
    assert misattributed(_checked("The Port Authority left the door open [1].", one, q)) == ""
