"""Text embedders: LlamaIndex embeddings with one abstract method, and the packaged MiniLM."""

from __future__ import annotations

import json
import os
from abc import abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import Field

from .errors import EncoderError


class Embedder(BaseEmbedding):
    """Turns texts into unit-length vectors. Subclasses implement `embed_batch` only. A
    LlamaIndex embedding too, so a LlamaIndex index over Newsdesk's chunks uses the very
    same vectors; Newsdesk itself calls `embed` (arrays, no per-call events)."""

    batch_size: int = 64
    # what the stored vectors were made by: an index keeps it, and a different one means
    # its vectors cannot be compared with this embedder's (re-embed, never mix)
    identity: str = "unnamed"

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        return int(self.embed_batch(["dimension"]).shape[1])

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    def prepare(self) -> str:
        """Makes what first use would make (an export, a download from a local folder):
        returns where it lies, or "" when there is nothing to prepare."""
        return ""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = [
            self.embed_batch(texts[i : i + self.batch_size])
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.vstack(rows).astype(np.float32, copy=False)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    # -- LlamaIndex's interface -------------------------------------------------------------
    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed_one(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed_one(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()


MINILM = "all-MiniLM-L6-v2"


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model loaded from a local folder (never from a hub), on first
    use: commands that only read or refuse their inputs never pay for torch."""

    model_path: str = Field(description="folder of the sentence-transformers model")
    threads: int | None = Field(default=None, description="torch threads (None: torch's own)")

    def __init__(self, model_path: str, batch_size: int, threads: int | None = None) -> None:
        fields: dict[str, Any] = {
            "model_path": model_path,
            "batch_size": batch_size,
            "threads": threads,
            "model_name": MINILM,
            "embed_batch_size": batch_size,
            "identity": f"{MINILM} f32",
        }
        super().__init__(**fields)

    @classmethod
    def class_name(cls) -> str:
        return "newsdesk_sentence_transformer"

    @cached_property
    def model(self):
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        return SentenceTransformer(self.model_path, device="cpu", local_files_only=True)

    @cached_property
    def dimension(self) -> int:
        dimension = self.model.get_embedding_dimension()
        if not dimension:
            raise ValueError(f"{self.model_path} does not say its embedding size")
        return int(dimension)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One encoder call for all texts: it sorts them by length, so batches pad little."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.embed_batch(texts).astype(np.float32, copy=False)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


class OnnxEmbedder(Embedder):
    """The same sentence-transformers model run by ONNX Runtime: its transformer exported
    from the packaged weights (never downloaded) on first use, then mean pooling and unit
    length as the model's own modules do. No torch at run time: a query costs milliseconds
    and a process that only answers never imports torch. `int8` quantises the weights
    (dynamic, per channel): faster, and its vectors differ slightly, so an index made with
    it has its own identity."""

    model_path: str = Field(description="folder of the sentence-transformers model")
    cache: str = Field(description="folder the exported ONNX files are kept in")
    int8: bool = Field(default=True, description="int8 weights (dynamic quantisation)")
    threads: int | None = Field(default=None, description="ONNX Runtime threads")

    def __init__(
        self,
        model_path: str,
        cache: str,
        batch_size: int,
        int8: bool = True,
        threads: int | None = None,
    ) -> None:
        fields: dict[str, Any] = {
            "model_path": model_path,
            "cache": cache,
            "batch_size": batch_size,
            "int8": int8,
            "threads": threads,
            "model_name": MINILM,
            "embed_batch_size": batch_size,
            # f32 ONNX and torch give the same vectors (cosine > 0.99999): one identity
            "identity": f"{MINILM} {'int8' if int8 else 'f32'}",
        }
        super().__init__(**fields)

    @classmethod
    def class_name(cls) -> str:
        return "newsdesk_onnx"

    @cached_property
    def _config(self) -> dict[str, Any]:
        root = Path(self.model_path)
        pooling = json.loads((root / "1_Pooling" / "config.json").read_text())
        modules = json.loads((root / "modules.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(k)
            for k in pooling
            if k.startswith("pooling_mode_") and "mean_tokens" not in k
        ):
            raise EncoderError(f"{self.model_path}: only mean pooling is supported")
        normalize = any(m["type"].endswith(".Normalize") for m in modules)
        bert = json.loads((root / "sentence_bert_config.json").read_text())
        return {
            "dimension": int(pooling["word_embedding_dimension"]),
            "max_seq_length": int(bert.get("max_seq_length", 256)),
            "normalize": normalize,
        }

    @cached_property
    def dimension(self) -> int:
        return int(self._config["dimension"])

    def prepare(self) -> str:
        return str(self.onnx_file())

    def onnx_file(self) -> Path:
        """The exported model, made when missing (a few seconds, once per weights)."""
        return ensure_onnx(Path(self.model_path), Path(self.cache), self.int8)

    @property
    def _cores(self) -> int:
        return self.threads or os.cpu_count() or 1

    @cached_property
    def _session(self):
        """For one text (a question): every core works on it."""
        return self._new_session(self._cores)

    @cached_property
    def _one_core_session(self):
        """For many texts: one core each, texts in parallel; the ops of one short text are
        too small to split well. On 2 cores, alternating in one process: 51-57 chunks/s
        against 47-54 with both cores on each text. Sessions may run from several threads."""
        return self._new_session(1)

    def _new_session(self, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return ort.InferenceSession(
            str(self.onnx_file()), options, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(Path(self.model_path) / "tokenizer.json"))
        tokenizer.enable_truncation(self._config["max_seq_length"])
        tokenizer.no_padding()
        return tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One encoder run per text. int8 quantises activations with one scale per run, so
        in a batch a text's vector would depend on its batchmates (cosine 0.97-0.99 to its
        own); alone it is the same wherever it is embedded. And without padding it is faster
        on CPU: 58 chunks/s alone against 47 in batches of 32 (int8; f32 38 against 30)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if len(texts) == 1 or self._cores == 1:
            for row, text in enumerate(texts):
                (encoded,) = self._tokenizer.encode_batch([text])
                out[row] = self._run(self._session, encoded)
            return out
        with ThreadPoolExecutor(self._cores) as pool:
            for start in range(0, len(texts), self.batch_size):
                part = self._tokenizer.encode_batch(list(texts[start : start + self.batch_size]))
                runs = pool.map(lambda e: self._run(self._one_core_session, e), part)
                out[start : start + len(part)] = np.vstack(list(runs))
        return out

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)

    def _run(self, session: Any, encoded: Any) -> np.ndarray:
        ids = np.array([encoded.ids], dtype=np.int64)
        feeds = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.array([encoded.type_ids], dtype=np.int64),
        }
        (hidden,) = session.run(None, feeds)
        vector = hidden[0].mean(axis=0)  # mean pooling: every token is real, none padding
        if self._config["normalize"]:
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return vector


# probes the export is checked on: the exported model must give torch's vectors for them
_PROBES = [
    "Who won the election?",
    "The central bank raised interest rates by half a point on Wednesday, its third rise.",
    "Officials said an interim deal could involve partial tariff relief and soybean purchases.",
]


def ensure_onnx(model_path: Path, cache: Path, int8: bool) -> Path:
    """The model's transformer as an ONNX file in `cache`, exported from its own weights
    when missing: named by the weights' size and time, so new weights export again. Written
    to a temporary name and renamed, so a crash leaves no half file; checked against
    torch on probe sentences before it is kept."""
    weights = model_path / "model.safetensors"
    if not weights.is_file():
        raise EncoderError(f"{model_path}: no model.safetensors to export")
    stat = weights.stat()
    stem = f"minilm-{stat.st_size}-{stat.st_mtime_ns}"
    final = cache / f"{stem}{'.int8' if int8 else ''}.onnx"
    if final.is_file():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    plain = cache / f"{stem}.onnx"
    if not plain.is_file():
        _export(model_path, plain)
    if int8:
        _quantize(plain, final)
    return final


def _export(model_path: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
    # eager attention exports the pattern ONNX Runtime's BERT optimizer fuses into one
    # Attention op (SDPA's export it does not recognise): 1.15x faster here
    model = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    ).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = tokenizer(_PROBES, padding=True, return_tensors="pt")
    partial = target.with_name(target.name + f".{os.getpid()}.part")
    try:
        # torch's own output first: exporting leaves the traced model in another state
        with torch.no_grad():
            expected = model(**{n: sample[n] for n in names}).last_hidden_state.numpy()
        torch.onnx.export(
            Hidden(model),
            tuple(sample[n] for n in names),
            str(partial),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
        _fuse(partial, model.config.num_attention_heads, model.config.hidden_size)
        _check(partial, {n: sample[n].numpy() for n in names}, expected)
        os.replace(partial, target)
    except Exception as exc:
        raise EncoderError(f"cannot export {model_path} to ONNX: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)


def _fuse(path: Path, heads: int, hidden: int) -> None:
    """ONNX Runtime's transformer optimizer, in place: attention, layer norms and GELU each
    become one fused op."""
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(path), model_type="bert", num_heads=heads, hidden_size=hidden
    )
    fused.save_model_to_file(str(path))


def _check(path: Path, inputs: dict[str, np.ndarray], expected: np.ndarray) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, inputs)
    # padded positions hold whatever attention left there: compare what pooling reads
    real = inputs["attention_mask"].astype(bool)
    worst = float(np.abs(got[real] - expected[real]).max())
    if worst > 1e-3:
        raise EncoderError(f"exported model differs from torch's (max difference {worst:.4f})")


def _quantize(source: Path, target: Path) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_name(target.name + f".{os.getpid()}.part")
    try:
        quantize_dynamic(
            str(source),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": TensorProto.FLOAT},
        )
        os.replace(partial, target)
    except Exception as exc:
        raise EncoderError(f"cannot quantise {source.name}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
