"""Typed settings: every field has a description; values come from NEWSDESK_* and flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "newsdesk"


class Settings(BaseModel):
    """Everything a user can set. Environment: NEWSDESK_<FIELD NAME IN CAPITALS>."""

    data_dir: Path = Field(default_factory=default_data_dir, description="Folder of the index.")
    model: Path | None = Field(
        None, description="A GGUF file to use instead of the packaged model."
    )
    model_cache: Path | None = Field(
        None, description="Folder for the assembled packaged model (default: DATA_DIR/models)."
    )
    chat_format: str = Field(
        "chatml", description="Prompt format of the model: chatml, or auto (from the GGUF file)."
    )
    n_ctx: int = Field(4096, description="Context window of the model, in tokens.")
    threads: int | None = Field(
        None, description="CPU threads for the model, prompt and generation (default: all)."
    )
    embed_threads: int | None = Field(None, description="CPU threads for the embedder.")
    embed_batch_size: int = Field(64, description="Chunks embedded per batch.")
    chroma_host: str | None = Field(None, description="Use a Chroma server instead of DATA_DIR.")
    chroma_port: int = Field(8000, description="Port of the Chroma server.")
    chunk_chars: int = Field(700, description="Largest passage, in characters.")
    chunk_overlap: int = Field(150, description="Characters of trailing sentences repeated.")
    top_k: int = Field(4, description="Passages given to the model per question.")
    retrieval_mode: Literal["dense", "bm25", "hybrid"] = Field(
        "hybrid", description="dense, bm25, or hybrid (both fused by reciprocal rank)."
    )
    candidates: int = Field(40, description="Hits taken from each search before fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank fusion constant.")
    dense_weight: float = Field(0.7, description="Weight of the dense ranking in the fusion.")
    recency_days: float = Field(
        90.0,
        description="With an as-of date, an article's weight halves every this many days "
        "before it (0: off).",
    )
    rerank_depth: int = Field(
        0,
        description="Rerank this many fused passages by their best two-sentence window "
        "(embedder; 0: off).",
    )
    future_penalty: float = Field(
        0.5, description="With an as-of date, weight of articles dated after it."
    )
    min_relevance: float = Field(0.2, description="Refuse when no passage is this similar.")
    min_yes: float = Field(0.6, description="Refuse when the model's P(passages answer) is lower.")
    min_support: float = Field(0.5, description="Word overlap a cited passage must have.")
    max_answer_tokens: int = Field(160, description="Longest answer, in tokens.")
    max_file_mb: float = Field(20.0, description="Largest input file or page accepted, in MB.")
    fetch_timeout: float = Field(20.0, description="Seconds to wait for a web page or feed.")
    host: str = Field("127.0.0.1", description="Address the chat server listens on.")
    port: int = Field(7860, description="Port the chat server listens on.")

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or self.data_dir / "models"

    @classmethod
    def load(cls, overrides: dict[str, Any] | None = None, env: dict[str, str] | None = None):
        """Defaults, then NEWSDESK_* variables, then explicit overrides (CLI flags)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = env.get(f"NEWSDESK_{name.upper()}")
            if raw not in (None, ""):
                values[name] = raw
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise SettingsError(f"invalid settings: {problems}") from None


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""
