import pytest

from qa.evidence import GAP, EvidenceSelector, tokens
from qa.fitting import fit_budget
from qa.prompting import Prompts
from qa.types import Passage

FERRY = (
    "The harbour board met on Tuesday. Members discussed the weather at length. "
    "The new ferry to Gull Island will carry 240 passengers. It was built in Rotterdam. "
    "Tickets go on sale next week. The board thanked the staff."
)
OTHER = (
    "A bakery in the old town opened a second shop. Its owner, Mara Venn, said bread prices "
    "would stay the same. The shop opens at seven."
)


def passage(n, text, article="a", start=0):
    return Passage(n, f"c{n}", article, "T", "O", "", "", text, start, start + len(text), 0.5)


def test_budget_zero_shows_the_passages_whole():
    ps = [passage(1, FERRY), passage(2, OTHER, "b")]
    assert EvidenceSelector(0).select("How many passengers will the ferry carry?", ps) == ps


def test_the_answer_sentence_is_kept_and_the_rest_trimmed_to_the_budget():
    ps = [passage(1, FERRY), passage(2, OTHER, "b")]
    shown = EvidenceSelector(20).select("How many passengers will the Gull Island ferry carry?", ps)
    text = shown[0].text
    assert "240 passengers" in text
    assert "weather" not in text and "thanked" not in text
    assert sum(tokens(p.text) for p in shown) <= 20 + len(shown)
    # numbers and articles are kept: citations and headers are unchanged
    assert [p.n for p in shown] == [1, 2][: len(shown)]
    assert shown[0].article_id == "a" and shown[0].chunk_id == "c1"


def test_the_budget_goes_to_the_best_sentences_whichever_passage_holds_them():
    ps = [passage(1, FERRY), passage(2, "Another ferry, to Seal Rock, carries cars.", "b")]
    question = "Where was the Gull Island ferry built, and how many passengers will it carry?"
    shown = EvidenceSelector(27).select(question, ps)
    # both answer sentences fit, not the other passage's, which answers neither
    assert [p.n for p in shown] == [1]
    assert "240 passengers" in shown[0].text and "Rotterdam" in shown[0].text


def test_a_lower_passage_is_read_when_its_sentence_is_among_the_best():
    ps = [passage(1, FERRY), passage(2, OTHER, "b")]
    shown = EvidenceSelector(60).select("What did Mara Venn say about the ferry?", ps)
    assert [p.n for p in shown] == [1, 2]
    assert "Mara Venn" in shown[1].text


def test_sentences_that_are_not_neighbours_are_marked_as_a_gap():
    ps = [passage(1, FERRY)]
    shown = EvidenceSelector(40).select("Where was the ferry built and when do tickets sell?", ps)
    text = shown[0].text
    assert "Rotterdam" in text and "Tickets" in text
    assert GAP not in text.split("Rotterdam.")[1][:2]  # next to each other: no gap between
    assert "weather" not in text


def test_a_gap_is_marked():
    ps = [passage(1, FERRY)]
    question = "When did the harbour board meet, and who thanked staff?"
    shown = EvidenceSelector(35).select(question, ps)
    assert GAP in shown[0].text


def test_a_sentence_an_earlier_chunk_of_the_article_shows_is_not_shown_again():
    first = FERRY[:150]
    cut = FERRY.index("The new ferry")
    second = FERRY[cut:]
    ps = [passage(1, first), passage(2, second, start=cut)]
    shown = EvidenceSelector(200).select("How many passengers will the ferry carry?", ps)
    joined = " ".join(p.text for p in shown)
    assert joined.count("240 passengers") == 1


def test_abbreviations_do_not_split_a_sentence():
    text = "Warner Bros. Discovery shelved the film. The U.S. studio gave no reason. Rain fell."
    shown = EvidenceSelector(12).select("Which company shelved the film?", [passage(1, text)])
    assert shown[0].text.startswith("Warner Bros. Discovery shelved the film.")


def test_the_prompt_shows_the_selected_evidence_under_the_article_header():
    ps = [passage(1, FERRY)]
    shown = EvidenceSelector(30).select("How many passengers will the ferry carry?", ps)
    text = Prompts().render("answer.j2", question="Q?", passages=shown, today="")
    assert 'Article (O): "T"' in text and "Passage [1]: " in text
    assert "240 passengers" in text and "thanked" not in text


def test_a_negative_budget_is_refused():
    with pytest.raises(ValueError, match="budget"):
        EvidenceSelector(-1)


def _record(i, by_budget):
    return {
        "id": f"q{i}",
        "answerable": True,
        "evidence": {
            str(b): {"in_context": ok, "tokens": 50 + b // 2} for b, ok in by_budget.items()
        },
    }


def test_the_budget_is_the_smallest_within_the_tolerance_of_whole_passages():
    # every answer is found from 150 up; at 100, one in ten is lost
    records = [_record(i, {0: True, 100: i % 10 != 0, 150: True, 200: True}) for i in range(200)]
    result = fit_budget(records, k=5, tolerance=0.005)
    assert result["budget"] == 150
    assert all(f["budget"] == 150 for f in result["folds"])
    assert result["out_of_fold"] == {"in_context": 1.0, "whole": 1.0}
    # with room for a loss of one in ten, the smaller budget is chosen
    assert fit_budget(records, k=5, tolerance=0.12)["budget"] == 100


def test_no_budget_that_holds_gives_whole_passages():
    records = [_record(i, {0: True, 100: i % 2 == 0}) for i in range(40)]
    assert fit_budget(records, k=4)["budget"] == 0


def test_a_run_without_budgets_is_an_error():
    with pytest.raises(ValueError, match="evidence budgets"):
        fit_budget([{"id": "q", "answerable": True}])


def test_the_embedders_similarity_finds_an_answer_in_other_words():
    ps = [passage(1, FERRY)]
    question = "Where does the vessel come from?"  # no content word of the answer sentence

    def similarity(q, sentences):
        assert q == question
        return [0.9 if "Rotterdam" in s else 0.1 for s in sentences]

    words_only = EvidenceSelector(15).select(question, ps)
    assert "Rotterdam" not in words_only[0].text
    with_meaning = EvidenceSelector(15, similarity).select(question, ps)
    assert with_meaning[0].text == "It was built in Rotterdam."
    assert EvidenceSelector(15, similarity).with_budget(0).select(question, ps) == ps


def test_several_budgets_score_the_sentences_once():
    calls = []

    def similarity(question, sentences):
        calls.append(len(sentences))
        return [0.5] * len(sentences)

    ps = [passage(1, FERRY), passage(2, OTHER, "b")]
    selector = EvidenceSelector(30, similarity)
    question = "How many passengers will the Gull Island ferry carry?"
    each = selector.select_each(question, ps, (0, 30, 60))
    assert len(calls) == 1  # one encoder call for every budget
    assert each[0] == ps
    assert each[30] == selector.select(question, ps)
    assert each[60] == selector.with_budget(60).select(question, ps)
