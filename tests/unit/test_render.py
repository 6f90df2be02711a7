from qa.types import Answer, Citation
from ui.render import answer_html, passage_in_context, sources_html

TEXT = "Intro. The <b>museum</b> reopened <script>alert(1)</script> today. Outro."
START = TEXT.index("The <b>")
END = TEXT.index(" Outro")
CITE = Citation(
    1,
    "a1",
    "Museum <i>news</i>",
    "Outlet",
    "2025-01-01",
    "javascript:alert(1)",
    TEXT[START:END],
    START,
    END,
)


def answer(text, refused=False, citations=(CITE,)):
    return Answer("q", text, refused, list(citations), {}, 0, 0)


def test_answer_markers_become_links_and_text_is_escaped():
    out = answer_html(answer("It <script>x</script> reopened [1]."))
    assert '<a class="nd-marker" href="#nd-mark-1">[1]</a>' in out
    assert "<script>" not in out and "&#60;script&#62;" in out


def test_refusal_has_its_own_style():
    assert 'class="nd-refusal"' in answer_html(answer("The indexed articles don't say.", True, ()))


def test_sources_escape_article_text_and_skip_unsafe_links():
    out = sources_html(answer("x [1]"), {"a1": TEXT})
    assert "<script>" not in out and "<b>" not in out and "<i>" not in out
    assert "javascript:" not in out
    assert "<mark>The &lt;b&gt;museum" in out  # the supporting sentence is marked


def test_passage_is_highlighted_in_its_context():
    out = passage_in_context(TEXT, CITE, [(0, 10)])
    assert out.startswith('Intro. <span class="nd-cited"><mark>The &lt;b&gt;')
    assert out.endswith("</span> Outro.")


def test_the_sentence_that_supports_the_answer_is_marked_inside_the_passage():
    passage = "Crowds gathered early. The ferry carried 200 passengers on Sunday. Rain fell later."
    c = Citation(1, "a1", "Ferry", "", "", "", passage, 0, len(passage))
    out = sources_html(
        answer("The ferry carried 200 passengers [1].", citations=(c,)), {"a1": passage}
    )
    assert "<mark>The ferry carried 200 passengers on Sunday.</mark>" in out
    assert "<mark>Crowds" not in out and "<mark>Rain" not in out


def test_sources_hold_the_full_article_with_the_passage_marked_for_the_marker_link():
    out = sources_html(answer("x [1]"), {"a1": TEXT})
    assert '<details class="nd-full">' in out
    assert '<span class="nd-cited" id="nd-mark-1"><mark>The &lt;b&gt;museum' in out
    assert "Intro." in out and "Outro." in out


def test_no_full_article_when_the_passage_no_longer_matches_the_text():
    out = sources_html(answer("x [1]"), {"a1": "A different version of the article."})
    assert "nd-full" not in out and "<mark>The &lt;b&gt;museum" in out


def test_markdown_in_model_text_stays_text():
    from ui.render import draft_html, inert

    evil = "See ![x](http://127.0.0.1:9/leak?d=1) and [click](javascript:alert(1)) **now**"
    for out in (answer_html(answer(evil + " [1].")), draft_html(evil), inert(evil)):
        assert "![" not in out and "](" not in out and "**" not in out
        assert "&#33;&#91;x&#93;&#40;http" in out  # shown as typed, never an image or a link
    assert '<a class="nd-marker" href="#nd-mark-1">[1]</a>' in answer_html(answer(evil + " [1]."))


def test_a_draft_is_marked_as_unchecked():
    from ui.render import draft_html

    out = draft_html("Warner Bros [1]. Discovery shelved it")
    assert "Draft, being checked: not the answer" in out and "<s>" in out
