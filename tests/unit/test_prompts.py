from importlib import resources

import jinja2
import pytest

from qa.prompting import Prompts, articles
from qa.types import Passage

P = Passage(1, "c", "a", "Title", "Outlet", "2025-01-02", "", "Body text.", 0, 10, 0.9)


@pytest.mark.parametrize(
    "name", sorted(f.name for f in resources.files("prompts").iterdir() if f.name.endswith(".j2"))
)
def test_every_template_renders(name):
    text = Prompts().render(
        name,
        question="Q?",
        passages=[P],
        today="2025-01-03",
        turns=[("Q0?", "A0.")],
    )
    assert text.strip()


def test_passages_are_numbered_under_their_article():
    text = Prompts().render("answer.j2", question="Q?", passages=[P], today="")
    assert 'Article (Outlet, 2025-01-02): "Title"\n\nPassage [1]: Body text.' in text
    assert "Today's date" not in text


ARTICLE = "The mayor opened the bridge. Buses use it from Monday. Tolls start in May."


def _chunk(n: int, article_id: str, start: int, end: int) -> Passage:
    text = ARTICLE[start:end]
    return Passage(n, f"{article_id}-{start}", article_id, "T", "O", "", "", text, start, end, 0.5)


def test_an_article_header_is_said_once_and_overlapping_chunks_are_not_repeated():
    first, second = _chunk(2, "a", 0, 54), _chunk(1, "a", 29, len(ARTICLE))  # share a sentence
    other = Passage(3, "c", "b", "Other", "O", "", "", "Elsewhere.", 0, 10, 0.4)
    blocks = articles([second, other, first])
    assert [b.title for b in blocks] == ["T", "Other"]  # in the order of their best passage
    assert [(s.n, s.text) for s in blocks[0].passages] == [
        (2, "The mayor opened the bridge. Buses use it from Monday."),
        (1, "… Tolls start in May."),  # the shared sentence is shown once, under [2]
    ]
    text = Prompts().render("check.j2", question="Q?", passages=[second, other, first], today="")
    assert text.count("Buses use it") == 1 and text.count('"T"') == 1


def test_a_chunk_whose_offsets_do_not_match_its_text_is_shown_whole():
    first = _chunk(1, "a", 0, 54)
    moved = Passage(2, "x", "a", "T", "O", "", "", "Different words here.", 29, 50, 0.4)
    assert articles([first, moved])[0].passages[1].text == "Different words here."


def test_missing_variable_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        Prompts().render("answer.j2", question="Q?")
