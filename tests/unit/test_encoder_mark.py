"""An index remembers which encoder made its vectors; opened by another, it is re-embedded
before anything reads or writes it, never mixed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from index.errors import StoreError
from index.store import LEGACY_ENCODER
from index.types import Article
from tests.fakes import WordHashEmbedder
from ui.container import Container


class ShiftedEmbedder(WordHashEmbedder):
    """Another encoder: the same words land in other dimensions."""

    identity: str = "shifted"

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return np.roll(super().embed_batch(texts), 7, axis=1)


ARTICLES = [
    Article(title="Harbour ferry", text="The harbour ferry resumed service on Monday. " * 3),
    Article(title="City budget", text="The council approved the city budget for next year. " * 3),
]


def _filled(settings, embedder) -> Container:
    container = Container(settings, embedder=embedder)
    list(container.ingestor.add_many([(a, a.title) for a in ARTICLES]))
    return container


def _vectors(container: Container) -> np.ndarray:
    got = container.store.chunks.get(include=["embeddings"])
    return np.asarray(got["embeddings"])


def test_the_index_is_marked_with_the_encoder_that_wrote_it(settings):
    container = _filled(settings, WordHashEmbedder(identity="words"))
    assert container.store.encoder_mark() == "words"
    container.store.encoder = ""  # a store opened without an encoder keeps the mark
    container.store.remove(ARTICLES[0].id)
    assert container.store.encoder_mark() == "words"


def test_an_unmarked_index_with_chunks_is_the_legacy_encoders_and_an_empty_one_any(settings):
    container = Container(settings, embedder=WordHashEmbedder(identity="words"))
    assert container.store.encoder_mark() == ""
    container.store.encoder = ""
    list(container.ingestor.add_many([(ARTICLES[0], "x")]))
    assert container.store.encoder_mark() == LEGACY_ENCODER


def test_another_encoder_re_embeds_the_whole_index_and_marks_it(settings):
    _filled(settings, WordHashEmbedder(identity="words"))
    lines: list[str] = []
    shifted = ShiftedEmbedder()
    container = Container(settings, embedder=shifted, notice=lines.append)
    vectors = _vectors(container)
    assert any("Re-embedding the index" in line and "words" in line for line in lines)
    assert container.store.encoder_mark() == "shifted"
    got = container.store.chunks.get(include=["embeddings", "metadatas"])
    texts = [
        f"{m['title']}\n{d}"
        for m, d in zip(got["metadatas"], container.store.chunks.get()["documents"], strict=True)
    ]
    assert np.allclose(vectors, shifted.embed(texts), atol=1e-6)
    assert container.store.count_articles() == 2  # nothing lost, nothing duplicated
    assert container.store.count_chunks() == len(vectors)
    # and the same encoder again costs nothing
    again: list[str] = []
    assert Container(settings, embedder=ShiftedEmbedder(), notice=again.append).store
    assert not any("Re-embedding" in line for line in again)


def test_an_interrupted_re_embedding_keeps_the_old_mark_and_runs_again(settings, monkeypatch):
    _filled(settings, WordHashEmbedder(identity="words"))

    class Failing(ShiftedEmbedder):
        def embed_batch(self, texts):
            raise StoreError("the encoder fell over")

    with pytest.raises(StoreError, match="re-embedding failed for 2 of 2"):
        assert Container(settings, embedder=Failing(), notice=lambda line: None).store
    lines: list[str] = []
    assert (
        Container(settings, embedder=WordHashEmbedder(identity="words")).store.encoder_mark()
        == "words"
    )
    container = Container(settings, embedder=ShiftedEmbedder(), notice=lines.append)
    assert container.store.encoder_mark() == "shifted"
    assert any("Re-embedded 2 articles" in line for line in lines)


def test_re_embedding_inside_a_write_this_container_holds_does_not_wait_for_itself(settings):
    _filled(settings, WordHashEmbedder(identity="words"))
    container = Container(
        settings.model_copy(update={"lock_wait": 0.0}),
        embedder=ShiftedEmbedder(),
        notice=lambda line: None,
    )
    with container.write_lock("newsdesk eval"):
        assert container.store.encoder_mark() == "shifted"
