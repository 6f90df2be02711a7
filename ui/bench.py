"""`newsdesk bench` measurements: each of ours side by side with the raw part it wraps, in one
process, so that the ratios hold on a noisy machine. Figures, never assertions."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import LeanMinHash

from index.embedding import Embedder
from index.ingest import embedding_text
from index.stories import NUM_PERM, SCHEME, SEED, StoryIndex, encode, shingles, signature
from index.types import Article, Chunk
from qa.eval_metrics import percentile as pct
from qa.llm import LlamaCppLLM
from qa.types import AnswerEvent, Delta

from .container import Container
from .servers import free_port, llama_cpp_server, running, wait_for
from .settings import Settings

Echo = Callable[[str], None]
ENCODERS = ("torch", "onnx", "onnx-int8")  # the encoder setting's values
QUERY_PROBES = (
    "Who won the presidential election?",
    "How many people were killed in the earthquake in Turkey and Syria?",
    "Which company announced it would cut 10,000 jobs this week?",
)


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


class Bench:
    """Runs the measurements on shared real parts (one embedder, one model)."""

    def __init__(self, settings: Settings, base: Container, echo: Echo) -> None:
        self.settings = settings
        self.base = base  # holds the shared embedder and model
        self.echo = echo
        self._dirs: list[tempfile.TemporaryDirectory] = []

    def fresh(self, **changes: Any) -> Container:
        """A container on an empty temporary index, sharing the loaded embedder and model."""
        tmp = tempfile.TemporaryDirectory(prefix="newsdesk-bench-")
        self._dirs.append(tmp)
        values = {
            **self.settings.model_dump(exclude_unset=True),
            "data_dir": Path(tmp.name),
            **changes,
        }
        return Container(
            Settings.load(values, env={}), embedder=self.base.embedder, llm=self.base.llm
        )

    def close(self) -> None:
        for tmp in self._dirs:
            tmp.cleanup()

    # -- ingestion ------------------------------------------------------------------------
    def ingest(self, articles: list[Article]) -> tuple[dict[str, Any], Container]:
        """Our ingestion (chunk, embed, write) next to each encoder alone on the same texts:
        torch's sentence-transformers (what every release before ONNX ran) and ONNX Runtime
        in full and int8 precision; and one question's embedding time with each."""
        chunker = self.base.chunker
        texts = [embedding_text(a, c.text) for a in articles for c in chunker.chunk(a.id, a.text)]
        encoders: dict[str, dict[str, float]] = {}
        for kind in ENCODERS:
            embedder = self.base.encoder(kind)
            embedder.embed(texts[:64])  # warm up (and export the ONNX file when missing)
            t0 = time.perf_counter()
            embedder.embed(texts)
            seconds = time.perf_counter() - t0
            query = [_query_ms(embedder, q) for q in QUERY_PROBES]
            encoders[kind] = {
                "chunks_per_s": round(len(texts) / seconds, 1),
                "query_ms": round(statistics.median(query), 2),
            }
            self.echo(
                f"encoder {kind}: {len(texts) / seconds:.1f} chunks/s, "
                f"query {encoders[kind]['query_ms']} ms"
            )
        container = self.fresh()
        t0 = time.perf_counter()
        outcomes = list(container.ingestor.add_many([(a, a.title) for a in articles]))
        ours_s = time.perf_counter() - t0
        failed = [o for o in outcomes if o.status == "failed"]
        chunks = container.store.count_chunks()
        raw = encoders["torch"]["chunks_per_s"]
        self.echo(
            f"ingest: {len(articles)} articles, {chunks} chunks in {ours_s:.1f} s with "
            f"{self.settings.encoder} ({len(failed)} failed)"
        )
        result = {
            "articles": len(articles),
            "chunks": chunks,
            "seconds": round(ours_s, 2),
            "encoder": self.settings.encoder,
            "articles_per_s": round(len(articles) / ours_s, 2),
            "chunks_per_s": round(chunks / ours_s, 1),
            "raw_chunks_per_s": raw,  # torch's encoder alone
            "ratio": round((chunks / ours_s) / raw, 3),
            "query_ms": encoders[self.settings.encoder]["query_ms"],
            "raw_query_ms": encoders["torch"]["query_ms"],
            "encoders": encoders,
        }
        return result, container

    # -- stories --------------------------------------------------------------------------
    def stories(self, articles: list[Article], sizes: dict[str, int]) -> dict[str, Any]:
        """What grouping costs per article: its signature (shingles and MinHash), and placing
        it (LSH lookup, exact check of candidates) in a story index already holding N
        articles (synthetic: groups of 5 near-duplicate signatures), next to the same
        article placed in an empty index."""
        texts = {a.id: a.text for a in articles}
        t0 = time.perf_counter()
        for a in articles:
            signature(shingles(a.text))
        sign_ms = _ms(t0) / len(articles)
        result: dict[str, Any] = {"articles": len(articles), "signature_ms": round(sign_ms, 3)}
        for name, n in {"empty": 0, **sizes}.items():
            index = StoryIndex(texts.get)
            t0 = time.perf_counter()
            index.load(_synthetic_signatures(n))
            load_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            for a in articles:
                index.place(a.id, a.title, a.url, a.source, a.text)
                index.added(a.id)
            result[name] = {
                "indexed": n,
                "place_ms": round(_ms(t0) / len(articles), 3),
                "load_s": round(load_s, 2),
            }
            self.echo(f"stories: placing into {n:,} articles: {result[name]['place_ms']} ms each")
        return result

    # -- retrieval at scale ---------------------------------------------------------------
    def retrieval(self, n_chunks: int, questions: list[str], repeats: int) -> dict[str, Any]:
        container = self.fresh()
        t0 = time.perf_counter()
        _fill_synthetic(container, n_chunks)
        self.echo(
            f"retrieval: {n_chunks} synthetic chunks stored in {time.perf_counter() - t0:.0f} s"
        )
        retriever = container.retriever
        for q in questions[:3]:
            retriever.passages(q)  # warm up: keyword index built, caches filled
        ours, raw = [], []
        vectors = {q: self.base.embedder.embed_one(q) for q in questions}
        for _ in range(repeats):
            for q in questions:
                t0 = time.perf_counter()
                retriever.passages(q)
                ours.append(_ms(t0))
                t0 = time.perf_counter()
                container.store.chunks.query(
                    query_embeddings=vectors[q][None, :], n_results=self.settings.top_k
                )
                raw.append(_ms(t0))
        return {
            "chunks": container.store.count_chunks(),
            "p50_ms": pct(ours, 0.5),
            "p95_ms": pct(ours, 0.95),
            "raw_p50_ms": pct(raw, 0.5),
            "raw_p95_ms": pct(raw, 0.95),
        }

    # -- answering ------------------------------------------------------------------------
    def answer(self, container: Container, questions: list[tuple[str, str]]) -> dict[str, Any]:
        """TTFT and generation speed of our answerer against a raw llama.cpp call with the
        identical answer prompt. Both start from an empty model cache. Our answerer is set to
        always generate (the refusal line at 0), so both sides produce an answer."""
        answerer = container.answerer
        answerer.policy = replace(answerer.policy, refusal=answerer.policy.refusal.with_line(0))
        llm = real_llm(container)
        rows = []
        for question, as_of in questions:
            passages = answerer.retriever.passages(question, as_of=as_of)
            read = answerer.evidence.select(question, passages)
            messages = answerer.prompts.messages("answer", question, read, as_of)
            llm.llama.reset()
            raw = _timed_stream(_raw_stream(llm, messages, answerer.policy.max_tokens))
            llm.llama.reset()
            ours = _timed_stream(_texts(answerer.stream(question, as_of=as_of)))
            rows.append((raw, ours, llm.count_tokens(messages)))
            self.echo(
                f"answer: ttft ours {ours['ttft_ms']:.0f} ms, raw {raw['ttft_ms']:.0f} ms "
                f"({rows[-1][2]} prompt tokens): {question[:60]}"
            )
        # a second question right after a first one: only its new tokens are read
        llm.llama.reset()
        answerer.memo.clear()  # computed, not served from the answers kept above
        _timed_stream(_texts(answerer.stream(questions[0][0], as_of=questions[0][1])))
        second = _timed_stream(_texts(answerer.stream(questions[1][0], as_of=questions[1][1])))
        # the same question again, as another reader might ask it: the kept answer
        t0 = time.perf_counter()
        answerer.ask(f"  {questions[1][0].lower()} ", as_of=questions[1][1])
        repeat_ms = _ms(t0)
        # the same questions with the passages whole (main's prompt): what the evidence saves
        whole = self._whole_passages(answerer, questions, llm)
        med = statistics.median
        ttft = med(r[1]["ttft_ms"] for r in rows)
        raw_ttft = med(r[0]["ttft_ms"] for r in rows)
        return {
            "questions": len(rows),
            "ttft_ms": round(ttft, 1),
            "raw_ttft_ms": round(raw_ttft, 1),
            "ttft_ratio": round(ttft / raw_ttft, 3),
            "second_question_ttft_ms": round(second["ttft_ms"], 1),
            "repeat_question_ms": round(repeat_ms, 2),
            "gen_tok_s": round(med(r[1]["tok_s"] for r in rows), 2),
            "raw_gen_tok_s": round(med(r[0]["tok_s"] for r in rows), 2),
            "prompt_tokens": int(med(r[2] for r in rows)),
            "answer_ms": round(med(r[1]["total_ms"] for r in rows), 1),
            "whole_answer_ms": round(med(w["total_ms"] for w, _ in whole), 1),
            "whole_prompt_tokens": int(med(n for _, n in whole)),
        }

    def _whole_passages(self, answerer, questions, llm) -> list[tuple[dict[str, float], int]]:
        evidence = answerer.evidence
        answerer.evidence = evidence.with_budget(0)
        answerer.memo.clear()
        try:
            out = []
            for question, as_of in questions:
                passages = answerer.retriever.passages(question, as_of=as_of)
                messages = answerer.prompts.messages("answer", question, passages, as_of)
                llm.llama.reset()
                timed = _timed_stream(_texts(answerer.stream(question, as_of=as_of)))
                out.append((timed, llm.count_tokens(messages)))
            return out
        finally:
            answerer.evidence = evidence
            answerer.memo.clear()

    # -- many users -----------------------------------------------------------------------
    def concurrency(self, questions: list[str], clients: int) -> dict[str, Any]:
        """`clients` simultaneous /chat requests (the questions in turn) against `newsdesk
        serve` with (a) the in-process model and (b) llama.cpp's OpenAI-compatible server:
        latency from submit to the final answer, and errors."""
        rows = {}
        rows["in_process"] = self._chat_load(questions, clients, {})
        port = free_port()
        cmd = llama_cpp_server(
            self.base.model_path(),
            port,
            alias="bench",
            n_ctx=self.settings.n_ctx,
            threads=self.settings.threads or os.cpu_count() or 1,
        )
        tmp = tempfile.TemporaryDirectory(prefix="newsdesk-bench-llm-")
        self._dirs.append(tmp)
        url = f"http://127.0.0.1:{port}/v1"
        log = Path(tmp.name) / "llama-cpp-server.log"
        with running(cmd, url + "/models", env=dict(os.environ), log=log):
            server_env = {"NEWSDESK_LLM_URL": url, "NEWSDESK_LLM_MODEL": "bench"}
            rows["llama_cpp_server"] = self._chat_load(questions, clients, server_env)
        return rows

    def _chat_load(self, questions: list[str], clients: int, env: dict[str, str]):
        from gradio_client import Client

        tmp = tempfile.TemporaryDirectory(prefix="newsdesk-bench-load-")
        self._dirs.append(tmp)
        port = free_port()
        cmd = [sys.executable, "-m", "ui.cli", "--data-dir", tmp.name, "serve"]
        cmd += ["--port", str(port), "--samples-if-empty"]
        url = f"http://127.0.0.1:{port}/"
        with running(cmd, url + "config", env={**os.environ, **env}, log=Path(tmp.name) / "log"):
            Client(url, verbose=False).predict(questions[0], [], api_name="/chat")  # warm
            users = [Client(url, verbose=False) for _ in range(clients)]
            t0 = time.perf_counter()
            jobs = [
                user.submit(questions[i % len(questions)], [], api_name="/chat")
                for i, user in enumerate(users)
            ]
            done: dict[int, float] = {}
            errors = 0
            while len(done) < len(jobs) and time.perf_counter() - t0 < 1800:
                for i, job in enumerate(jobs):
                    if i not in done and job.done():
                        done[i] = time.perf_counter() - t0
                        try:
                            history, _ = job.result()
                            text = str(history[-1]["content"])
                            errors += not ("nd-answer" in text or "nd-refusal" in text)
                        except Exception:  # a failed request counts; its reason is in the log
                            errors += 1
                time.sleep(0.05)
        seconds = sorted(done.values()) or [0.0]
        errors += len(jobs) - len(done)
        where = "model server" if env else "in-process model"
        self.echo(
            f"concurrency ({where}): {clients} clients, p50 {pct(seconds, 0.5)} s, "
            f"max {max(seconds):.2f} s, {errors} errors"
        )
        return {
            "clients": clients,
            "p50_s": pct(seconds, 0.5),
            "p95_s": pct(seconds, 0.95),
            "max_s": round(max(seconds), 2),
            "errors": errors,
        }

    # -- the server -----------------------------------------------------------------------
    def server(self, question: str, tree: Path | None = None) -> dict[str, Any]:
        """Start `newsdesk serve --samples-if-empty` on an empty index (the model file ready)
        and time it to the first page, then to the first question answered (whatever the
        server still loads, the question waits for); then the same question again, served
        from the answer cache where there is one; peak RSS. `tree`: another checkout (main's)
        run instead of this one, on the same machine and in the same run."""
        from gradio_client import Client

        tmp = tempfile.TemporaryDirectory(prefix="newsdesk-bench-serve-")
        self._dirs.append(tmp)
        port = free_port()
        cmd = [sys.executable, "-m", "ui.cli", "--data-dir", tmp.name, "serve"]
        cmd += ["--port", str(port), "--samples-if-empty"]
        env = dict(os.environ)
        if tree is not None:
            env["PYTHONPATH"] = str(tree)
        if self.settings.model:
            env["NEWSDESK_MODEL"] = str(self.settings.model)
        url = f"http://127.0.0.1:{port}/"
        log = Path(tmp.name) / "serve.log"
        t0 = time.perf_counter()
        with running(cmd, url + "config", env=env, log=log, cwd=tree) as proc:
            ready_s = time.perf_counter() - t0
            answerable_s = _answerable(url + "healthz", t0, ready_s, proc)
            client = Client(url, verbose=False)
            t1 = time.perf_counter()
            client.predict(question, [], api_name="/chat")
            first_ms, first_s = _ms(t1), time.perf_counter() - t0
            t1 = time.perf_counter()
            client.predict(question, [], api_name="/chat")
            warm_ms = _ms(t1)
            rss_mb = _peak_rss_mb(proc.pid)
        return {
            "ready_s": round(ready_s, 2),
            "answerable_s": round(answerable_s, 2),
            "first_answer_s": round(first_s, 2),
            "first_question_ms": round(first_ms, 1),
            "warm_latency_ms": round(warm_ms, 1),
            "rss_mb": rss_mb,
        }


def _answerable(
    healthz: str, t0: float, ready_s: float, proc: subprocess.Popen | None, timeout: float = 300
) -> float:
    """Seconds from the start until the server is ready to answer: its page served and
    /healthz ok (the model loaded). A checkout without /healthz (main's, which loads its model
    before it serves the page) is ready to answer with its first page."""
    if wait_for(healthz, proc, time.monotonic() + timeout, absent_ok=True):
        return time.perf_counter() - t0
    return ready_s


def _query_ms(embedder: Embedder, question: str, repeats: int = 5) -> float:
    embedder.embed_one(question)
    t0 = time.perf_counter()
    for _ in range(repeats):
        embedder.embed_one(question)
    return _ms(t0) / repeats


def _raw_stream(llm: LlamaCppLLM, messages, max_tokens: int) -> Iterator[str]:
    """llama-cpp-python alone on the same tokens: no LlamaIndex, no Newsdesk."""
    chunks = llm.llama.create_completion(
        llm._tokens(messages),
        max_tokens=max_tokens,
        temperature=0.0,
        top_k=1,
        stop=["<|im_end|>"],
        stream=True,
    )
    for chunk in chunks:
        if piece := chunk["choices"][0]["text"]:
            yield piece


def real_llm(container: Container) -> LlamaCppLLM:
    llm = container.llm
    if not isinstance(llm, LlamaCppLLM):
        raise TypeError(f"bench needs the in-process llama.cpp model, not {llm!r}")
    return llm


def _texts(events: Iterator[AnswerEvent]) -> Iterator[str]:
    """The answer text pieces of an answer stream (the final checked answer is not timed)."""
    return (event.text for event in events if isinstance(event, Delta))


def _timed_stream(pieces_of_text: Iterator[str]) -> dict[str, float]:
    t0 = time.perf_counter()
    first = None
    pieces = 0
    for _ in pieces_of_text:
        pieces += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    first = first or end
    gen_s = end - first
    return {
        "ttft_ms": (first - t0) * 1000,
        "total_ms": (end - t0) * 1000,  # to the end of the stream: the checks included
        "tok_s": (pieces - 1) / gen_s if pieces > 1 and gen_s > 0 else 0.0,
    }


def _synthetic_signatures(n: int, copies: int = 5, changed: float = 0.2):
    """(id, record) pairs of n articles in groups of `copies` near-duplicates: each copy of a
    random signature with a fifth of its values changed (a Jaccard estimate of about 0.8)."""

    rng = np.random.default_rng(7)
    for g in range(0, n, copies):
        base = rng.integers(0, 2**32 - 1, NUM_PERM, dtype=np.uint64)
        for k in range(min(copies, n - g)):
            values = base.copy()
            spots = rng.random(NUM_PERM) < changed
            values[spots] = rng.integers(0, 2**32 - 1, int(spots.sum()), dtype=np.uint64)
            sig = LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)
            yield f"s{g + k}", {"minhash": encode(sig), "story": f"s{g}", "title": f"t{g + k}"}


def _fill_synthetic(container: Container, n_chunks: int, per_article: int = 10) -> None:
    """Synthetic chunks with random unit vectors: enough for index-size latency figures."""
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(20000)]
    vecs = np.random.default_rng(7).standard_normal((n_chunks, container.embedder.dimension))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    batch, row = [], 0
    for a in range(n_chunks // per_article):
        parts = [" ".join(rng.choices(words, k=90)) + "." for _ in range(per_article)]
        text = "\n\n".join(parts)
        article = Article(
            title=f"Synthetic {a}", text=text, article_id=f"syn-{a}", published_at="2024-01-01"
        )
        chunks, start = [], 0
        for i, part in enumerate(parts):
            chunks.append(Chunk(article.id, i, part, start, start + len(part)))
            start += len(part) + 2
        batch.append((article, chunks))
        if len(batch) == 500:
            container.store.write_articles(batch, vecs[row : row + 500 * per_article], replacing=())
            row += 500 * per_article
            batch = []
    if batch:
        container.store.write_articles(
            batch, vecs[row : row + len(batch) * per_article], replacing=()
        )


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
