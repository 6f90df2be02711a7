from index.chunking import Chunker, sentence_spans

TEXT = (
    "The U.S. President left on Friday. He will visit three countries.\n\n"
    "Mr. Smith said talks were likely. Nothing is certain yet! Will it work? Time will tell.\n\n"
    "A final paragraph closes the story."
)


def test_sentences_respect_abbreviations_and_paragraphs():
    sentences = [TEXT[s:e] for s, e, _ in sentence_spans(TEXT)]
    assert sentences[0] == "The U.S. President left on Friday."
    assert sentences[2] == "Mr. Smith said talks were likely."
    assert "A final paragraph closes the story." in sentences
    starts = [para for _, _, para in sentence_spans(TEXT)]
    assert starts == [True, False, True, False, False, False, True]


def test_chunk_offsets_point_into_the_article():
    chunks = Chunker(max_chars=80, overlap_chars=40).chunk("a1", TEXT)
    assert len(chunks) > 2
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert TEXT[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 80
        assert chunk.text[-1] in ".!?"  # ends on a sentence boundary


def test_chunks_overlap_and_cover_everything():
    chunks = Chunker(max_chars=80, overlap_chars=40).chunk("a1", TEXT)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    for s, e, _ in sentence_spans(TEXT):
        assert set(range(s, e)) <= covered
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:]))


def test_no_overlap_when_disabled():
    chunks = Chunker(max_chars=80, overlap_chars=0).chunk("a1", TEXT)
    assert all(b.start >= a.end for a, b in zip(chunks, chunks[1:]))


def test_long_sentence_is_cut_at_words():
    text = "word " * 100 + "end."
    chunks = Chunker(max_chars=60, overlap_chars=0).chunk("a1", text)
    assert all(len(c.text) <= 60 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_short_text_is_one_chunk(container):
    chunks = container.chunker.chunk("a1", "Only one sentence here.")
    assert [(c.start, c.end) for c in chunks] == [(0, 23)]
