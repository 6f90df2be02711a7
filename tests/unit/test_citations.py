from qa.citations import enforce_citations, support
from qa.types import Passage


def passage(n, text):
    return Passage(n, f"c{n}", f"a{n}", "T", "S", "2025-01-01", "", text, 0, len(text), 0.5)


PASSAGES = [
    passage(1, "The summit will take place in Busan on Thursday."),
    passage(2, "Tariffs could rise to 155% from November 1."),
]


def test_valid_markers_are_kept():
    checked = enforce_citations("The summit is in Busan [1].", PASSAGES)
    assert checked.text == "The summit is in Busan [1]."
    assert checked.cited == [1] and checked.unsupported == []


def test_markers_naming_no_passage_are_removed_and_repaired():
    checked = enforce_citations("Tariffs could rise to 155% from November 1 [7].", PASSAGES)
    assert "[7]" not in checked.text
    assert checked.text.endswith("[2].")
    assert checked.cited == [2]


def test_unmarked_sentence_gets_best_passage():
    checked = enforce_citations(
        "The summit is in Busan on Thursday. Tariffs may hit 155%.", PASSAGES
    )
    assert checked.text == "The summit is in Busan on Thursday [1]. Tariffs may hit 155% [2]."
    assert checked.cited == [1, 2]


def test_wrong_marker_is_moved_to_the_supporting_passage():
    checked = enforce_citations("The summit is in Busan on Thursday [2].", PASSAGES)
    assert checked.cited == [1]


def test_unsupported_sentence_is_flagged():
    checked = enforce_citations(
        "The summit is in Busan [1]. Markets fell sharply in Tokyo.", PASSAGES
    )
    assert checked.unsupported == ["Markets fell sharply in Tokyo."]
    assert checked.cited == [1]


def test_marker_after_the_full_stop_stays_with_its_sentence():
    checked = enforce_citations(
        "Tariffs could rise to 155%. [2] The summit is in Busan. [1]", PASSAGES
    )
    assert checked.text == "Tariffs could rise to 155% [2]. The summit is in Busan [1]."


def test_sentences_about_the_passages_are_dropped():
    checked = enforce_citations(
        "The summit is in Busan [1]. This is supported by passage [1].", PASSAGES
    )
    assert checked.sentences == ["The summit is in Busan."]


def test_abbreviation_at_the_end_keeps_its_dots():
    p = [passage(1, "Investment in the U.S. will grow.")]
    checked = enforce_citations("Investment will grow in the U.S.", p)
    assert checked.text == "Investment will grow in the U.S. [1]"


def test_support_counts_content_words():
    assert support("Busan on Thursday", PASSAGES[0].text) == 1.0
    assert support("Paris on Monday", PASSAGES[0].text) == 0.0


def test_markers_after_the_full_stop_and_echoed_headers_are_tidied():
    from qa.citations import enforce_citations

    text = "The heat wave swept the UK, Spain and France this week."
    passages = [Passage(n, f"c{n}", "a", "t", "", "", "", text, 0, len(text), 0.5) for n in (1, 2)]
    moved = enforce_citations("The heat wave swept France this week. [1], [2]", passages)
    assert moved.text == "The heat wave swept France this week [1][2]."
    echoed = enforce_citations(
        'Passage (CNN, 2022-07-18, "Heat"): the heat wave swept Spain [2].', passages
    )
    assert echoed.text == "The heat wave swept Spain [2]."
    assert enforce_citations("Passage [1] [2]", passages).sentences == []
