"""Property-based fuzzing of what reads untrusted input: the readers, the chunker and the
citation checker. Each example must end quickly, without an exception, within its bounds."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunking import Chunker, sentence_spans
from index.readers import FORMATS, Source, read_data
from qa.citations import enforce_citations
from qa.types import Passage
from tests.reliability import best_of

FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = sorted({s for f in FORMATS.values() for s in f.suffixes} - {".html", ".htm"})
TEXTISH = st.text(alphabet=st.characters(codec="utf-8"), max_size=3000)
PUNCTUATED = st.text(alphabet=st.sampled_from(list("Ab1 .!?…\"'“”()[]\n\u2028 -")), max_size=5000)


@FUZZ
@given(
    data=st.one_of(st.binary(max_size=4000), TEXTISH.map(lambda t: t.encode())),
    suffix=st.sampled_from(SUFFIXES),
)
def test_readers_answer_every_input_with_articles_or_one_reason(data, suffix):
    results = list(read_data(data, Source("fuzz" + suffix), suffix=suffix))
    assert results
    for r in results:
        assert (r.article is None) != (r.error is None)
        if r.article:
            assert r.article.text.strip() and r.article.title is not None
        else:
            assert r.error and "\n" not in r.error and "Traceback" not in r.error


@FUZZ
@given(text=st.one_of(TEXTISH, PUNCTUATED), size=st.integers(50, 900), overlap=st.integers(0, 49))
def test_chunks_are_bounded_ordered_and_point_into_the_text(text, size, overlap):
    chunks = Chunker(size, overlap).chunk("a", text)
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text) and text[c.start : c.end] == c.text
        assert len(c.text) <= size
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    if text.strip():
        assert chunks  # no text is lost as "nothing"
    spans = sentence_spans(text)
    assert all(0 <= s < e <= len(text) for s, e, _ in spans)


def _passages(texts):
    return [
        Passage(n, f"c{n}", "a", "T", "", "", "", t, 0, len(t), 0.5)
        for n, t in enumerate(texts, start=1)
    ]


@FUZZ
@given(
    answer=st.one_of(TEXTISH, PUNCTUATED, st.text(alphabet="[]0123456789,; .ab", max_size=500)),
    texts=st.lists(TEXTISH, max_size=5),
)
def test_citation_check_never_invents_a_passage(answer, texts):
    passages = _passages(texts)
    checked = enforce_citations(answer, passages)
    assert set(checked.cited) <= {p.n for p in passages}
    assert set(checked.unsupported) <= set(checked.sentences)


def _prose(n: int) -> str:
    sentence = "The council said on Monday that the harbour bridge opens in March. "
    return (sentence * (n // len(sentence) + 1))[:n]


def test_chunking_grows_linearly_with_the_article():
    chunker = Chunker(700, 150)
    for make in (_prose, lambda n: "word " * (n // 5), lambda n: "A. " * (n // 3)):
        small, large = make(1_000_000), make(2_000_000)
        one = best_of(3, lambda: chunker.chunk("a", small))  # noqa: B023
        two = best_of(3, lambda: chunker.chunk("a", large))  # noqa: B023
        assert two < 3 * one + 0.05, (one, two)  # quadratic growth would be 4x


def test_a_five_megabyte_article_is_chunked_in_bounded_time():
    chunker = Chunker(700, 150)
    for text in (_prose(5_000_000), "x" * 5_000_000, "word " * 1_000_000):
        t0 = time.perf_counter()
        chunks = chunker.chunk("a", text)
        assert chunks and time.perf_counter() - t0 < 10  # seconds, not minutes: no blow-up
