"""Typed settings, the one home of every default: each field has a description and a range;
values come from NEWSDESK_* variables and flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator


def _xdg(variable: str, fallback: str) -> Path:
    base = os.environ.get(variable) or Path.home() / fallback
    return Path(base) / "newsdesk"


def default_data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def default_model_cache() -> Path:
    """The assembled model is a cache shared by every data dir (and rebuilt when missing)."""
    return _xdg("XDG_CACHE_HOME", ".cache") / "models"


class Settings(BaseModel):
    """Everything a user can set. Environment: NEWSDESK_<FIELD NAME IN CAPITALS>."""

    model_config = {"extra": "forbid"}

    data_dir: Path = Field(default_factory=default_data_dir, description="Folder of the index.")
    model: Path | None = Field(
        None, description="A GGUF file to use instead of the packaged model."
    )
    model_cache: Path = Field(
        default_factory=default_model_cache,
        description="Folder for the assembled packaged model (default ~/.cache/newsdesk/models).",
    )
    chat_format: Literal["chatml", "auto"] = Field(
        "chatml", description="Prompt format of the model: chatml, or auto (from the GGUF file)."
    )
    n_ctx: int = Field(
        4096,
        ge=512,
        le=131072,
        description="Context window, in tokens (with LLM_URL: the server's, per request).",
    )
    llm_url: str | None = Field(
        None,
        description="An OpenAI-compatible model server (its /v1 address, e.g. "
        "http://127.0.0.1:8080/v1) to use instead of the in-process model.",
    )
    llm_model: str = Field(
        "qwen2.5-coder-1.5b-instruct",
        min_length=1,
        description="With LLM_URL: the model name the server knows.",
    )
    llm_api_key: SecretStr | None = Field(None, description="With LLM_URL: the server's key.")
    llm_timeout: float = Field(
        120.0, gt=0, le=3600, description="With LLM_URL: seconds one model request may take."
    )
    llm_retries: int = Field(
        1, ge=0, le=10, description="With LLM_URL: retries of a failed model request."
    )
    llm_parallel: int = Field(
        8,
        ge=1,
        le=256,
        description="With LLM_URL: questions the chat server answers at once (the in-process "
        "model answers one at a time).",
    )
    threads: int | None = Field(
        None, ge=1, description="CPU threads for the model, prompt and generation (default: all)."
    )
    embed_threads: int | None = Field(None, ge=1, description="CPU threads for the embedder.")
    encoder: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8",
        description="How the packaged MiniLM embeds: onnx-int8 (ONNX Runtime, int8 weights: "
        "the fastest), onnx (ONNX Runtime, full precision) or torch (sentence-transformers). "
        "An index embedded by another is re-embedded when opened (onnx and torch give the "
        "same vectors).",
    )
    embed_batch_size: int = Field(64, ge=1, le=4096, description="Chunks per encoder batch.")
    ingest_batch: int = Field(
        512, ge=1, description="Chunks embedded and written together when adding many articles."
    )
    chroma_host: str | None = Field(None, description="Use a Chroma server instead of DATA_DIR.")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Port of the Chroma server.")
    stale_grace_s: float = Field(
        600.0,
        ge=0,
        le=86_400,
        description="With CHROMA_HOST: an article's chunks of another version are dropped "
        "after a write only when older than this (another writer's may be on their way).",
    )
    lock_wait: float = Field(
        300.0,
        ge=0,
        description="Seconds a writing command waits for another one writing to the same "
        "data dir (a running server is never waited for).",
    )
    chunk_chars: int = Field(700, ge=50, le=20000, description="Largest passage, in characters.")
    chunk_overlap: int = Field(
        150, ge=0, description="Characters of trailing sentences repeated (< chunk_chars)."
    )
    top_k: int = Field(4, ge=1, le=20, description="Passages given to the model per question.")
    evidence_tokens: int = Field(
        350,
        ge=0,
        le=100_000,
        description="Tokens (4 characters each) of passage text the model reads: the "
        "sentences that carry the answer and their neighbours, chosen by `newsdesk "
        "fit-evidence` (0: the passages whole).",
    )
    timeline_articles: int = Field(
        12,
        ge=1,
        le=50,
        description="Articles a timeline (`newsdesk timeline`, the Timeline tab) looks through "
        "for a question; it lists those that bear on it, oldest first.",
    )
    retrieval_mode: Literal["dense", "bm25", "hybrid"] = Field(
        "hybrid", description="dense, bm25, or hybrid (both fused by reciprocal rank)."
    )
    candidates: int = Field(40, ge=1, le=1000, description="Hits from each search before fusion.")
    rrf_k: int = Field(60, ge=0, description="Reciprocal-rank fusion constant.")
    dense_weight: float = Field(
        0.7, ge=0, le=10, description="Weight of the dense ranking in the fusion (keyword: 1)."
    )
    recency_days: float = Field(
        90.0,
        ge=0,
        description="With an as-of date, an article's weight halves every this many days "
        'before it (0: off); articles of a period the question names ("last week", "in '
        'March") keep their full weight.',
    )
    future_penalty: float = Field(
        0.5, ge=0, le=1, description="With an as-of date, weight of articles dated after it."
    )
    future_grace_days: int = Field(
        3, ge=0, description="Articles this many days after the as-of date still count as current."
    )
    relevance_band: float = Field(
        0.2,
        ge=0,
        le=2,
        description="With an as-of date, when the best-weighted passage of those whose "
        "similarity to the question is within this of the best one's is older than "
        "RECENCY_DAYS before the newest, those of its time come first, however recent the "
        "less similar ones are.",
    )
    refusal_model: Path | None = Field(
        None,
        description="A refusal model written by `newsdesk fit-refusal` (default: the packaged "
        "one, fitted on the development questions).",
    )
    refusal_line: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Answer when the refusal model's score is at least this (default: the "
        "model's own line; 0 writes every reply, as `fit-refusal` needs).",
    )
    min_support: float = Field(
        0.5, ge=0, le=1, description="Share of a sentence's words its cited passage must hold."
    )
    max_answer_tokens: int = Field(160, ge=1, le=4096, description="Longest answer, in tokens.")
    max_question_chars: int = Field(
        2000, ge=10, le=100_000, description="Longest question, in characters."
    )
    answer_cache: int = Field(
        512,
        ge=0,
        le=100_000,
        description="Answers and follow-up rewrites kept, so that a question asked again "
        "on the same day of the same index is answered at once (0: none). Any write to "
        "the index and a new day make new answers.",
    )
    followup_turns: int = Field(
        3, ge=1, le=20, description="Earlier turns shown to the model to rewrite a follow-up."
    )
    rewrite_max_tokens: int = Field(
        48, ge=8, le=512, description="Longest rewritten follow-up question, in tokens."
    )
    max_title_chars: int = Field(
        300, ge=20, le=10_000, description="Longer titles are shortened to this many characters."
    )
    max_outlet_chars: int = Field(
        120, ge=10, le=10_000, description="Longer outlet names are shortened to this."
    )
    max_url_chars: int = Field(
        2048, ge=100, le=100_000, description="Articles with a longer URL are refused."
    )
    max_id_chars: int = Field(
        200, ge=20, le=10_000, description="Articles with a longer id are refused."
    )
    max_file_mb: float = Field(
        20.0, gt=0, description="Largest input file or page accepted, in MB."
    )
    fetch_timeout: float = Field(
        20.0, gt=0, le=600, description="Seconds one whole fetch of a page or feed may take."
    )
    max_upload_files: int = Field(
        20, ge=1, le=1000, description="Files one upload to the chat server may carry."
    )
    upload_quota_mb: float = Field(
        500.0,
        gt=0,
        description="MB of uploads the chat server holds waiting to be added; more are turned "
        "away until those are added or removed.",
    )
    fetch_read_timeout: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="Seconds one added address may take in all (a feed and its item pages).",
    )
    fetch_budget_mb: float = Field(
        50.0, gt=0, description="MB one added address may fetch (a feed and its item pages)."
    )
    fetch_max_requests: int = Field(
        30, ge=1, le=1000, description="Requests one added address may make (feed items count)."
    )
    fetch_private: bool = Field(
        False,
        description="Also fetch addresses on this machine or its private network (intranet "
        "use); refused by default.",
    )
    watch_every: str = Field(
        "30m",
        pattern=r"^\s*\d+(\.\d+)?\s*(s|sec|m|min|h|d)?\s*$",
        description="How often a watched source is checked, unless it was given its own "
        "interval (30m, 2h, 1d; a bare number is minutes).",
    )
    watch_min_every: int = Field(
        60, ge=1, description="Shortest interval, in seconds, a watched source may have."
    )
    watch_max_backoff: int = Field(
        6 * 3600,
        ge=1,
        description="Longest wait, in seconds, after a watched source failed (each failure "
        "in a row doubles its interval up to this).",
    )
    watch_poll: float = Field(
        30.0,
        gt=0,
        description="Seconds between `newsdesk serve`'s (and `watch run`'s) looks for due "
        "sources (0 < …; the checks themselves follow each source's interval).",
    )
    watch_background: bool = Field(
        True,
        description="`newsdesk serve` checks the watched sources in the background (off: "
        "only `newsdesk watch run` does).",
    )
    watch_lease: float = Field(
        600.0,
        gt=0,
        description="Seconds a replica's claim on a check holds: a check not finished by "
        "then (its replica died) may be taken by another.",
    )
    host: str = Field("127.0.0.1", description="Address the chat server listens on.")
    allowed_hosts: str = Field(
        "",
        max_length=2000,
        description="Host names the chat server answers to besides localhost and IP addresses, "
        "comma separated (its public name behind a reverse proxy; * for any). Other names "
        "are refused, so a web page cannot reach a local server through DNS rebinding.",
    )
    users: SecretStr | None = Field(
        None,
        description="name:password pairs, comma separated: the chat then needs a login, and "
        "logged-in users may write.",
    )
    write_token: SecretStr | None = Field(
        None,
        description="A key that adding and deleting need (the page's write key field, or the "
        "last parameter of /add, /add_files, /add_url and /delete).",
    )
    allow_open: bool = Field(
        False,
        description="Serve on a non-loopback address without users or a write token (anyone "
        "who reaches it may add and delete).",
    )
    port: int = Field(7860, ge=1, le=65535, description="Port the chat server listens on.")
    queue_size: int = Field(
        64,
        ge=1,
        le=10_000,
        description="Requests the chat server holds waiting; more are turned away.",
    )

    log_format: Literal["text", "json"] = Field(
        "text",
        description="json: the chat server also logs one JSON line per question and per "
        "article added (outcome, reason, citations, time).",
    )
    queue_per_session: int = Field(
        4, ge=1, le=10_000, description="Requests one browser or API session may have waiting."
    )
    queue_per_address: int = Field(
        32,
        ge=1,
        le=10_000,
        description="Requests one address (or logged-in user) may have waiting, all its "
        "sessions together.",
    )
    queue_for_writes: int = Field(
        8,
        ge=0,
        le=10_000,
        description="Places of the queue kept for adds and deletes (< QUEUE_SIZE).",
    )

    @model_validator(mode="after")
    def _writes_fit_the_queue(self) -> Settings:
        if self.queue_for_writes >= self.queue_size:
            raise ValueError("queue_for_writes must be smaller than queue_size")
        return self

    @model_validator(mode="after")
    def _overlap_below_chunk(self) -> Settings:
        if self.chunk_overlap >= self.chunk_chars:
            raise ValueError("chunk_overlap must be smaller than chunk_chars")
        return self

    @model_validator(mode="after")
    def _llm_url_is_http(self) -> Settings:
        if self.llm_url and not self.llm_url.startswith(("http://", "https://")):
            raise ValueError("llm_url must be an http:// or https:// address")
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1e6)

    def given(self, name: str) -> bool:
        """Whether a value was set (by a variable or a flag) rather than defaulted."""
        return name in self.model_fields_set

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> Settings:
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
            problems = "; ".join(map(_problem, exc.errors()))
            raise SettingsError(f"invalid settings: {problems}") from None

    def describe(self) -> list[tuple[str, str, Any]]:
        """(variable, description, value) for every setting, for help and docs."""
        return [
            (f"NEWSDESK_{name.upper()}", field.description or "", getattr(self, name))
            for name, field in type(self).model_fields.items()
        ]


def _problem(error: Any) -> str:
    where = ".".join(map(str, error["loc"])) or "settings"
    return f"{where}: {error['msg']}"


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""
