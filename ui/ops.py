"""What an operator watches: `/healthz` (the index reachable, the model ready, with the
reason when not), `/metrics` in Prometheus' text format through its official client, and,
with NEWSDESK_LOG_FORMAT=json, one JSON log line per question and per article added."""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from index.ingest import AddOutcome
from index.watch import CheckReport
from qa.types import Answer

from . import asgi
from .access import Access
from .container import Container

SECONDS = (0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256)
MAX_LABELS = 30  # distinct refusal reasons and fetch error kinds kept apart; then "other"
log = logging.getLogger("newsdesk")


def _kind(reason: str) -> str:
    """A bounded label from a free-text reason: its words before any detail."""
    head = reason.split(":", 1)[0].split("(", 1)[0].strip().lower()
    return " ".join(head.split()[:6]) or "unknown"


def fetch_error_kind(reason: str) -> str:
    """What kind of failure a fetch's reason names."""
    text = reason.lower()
    for kind, words in (
        ("timeout", ("no complete answer", "no answer within", "time budget")),
        ("refused_address", ("local or private address", "not a web address")),
        ("bad_address", ("not a valid",)),
        ("http_status", ("the server answered http",)),
        ("too_large", ("over the", "limit")),
        ("network", ("cannot fetch it", "does not resolve")),
    ):
        if any(w in text for w in words):
            return kind
    return "not_an_article"


class Metrics:
    """The app's counters, histograms and gauges, in their own registry."""

    def __init__(self, container: Container, json_logs: bool = False) -> None:
        self.registry = CollectorRegistry()
        self.queue_waiting: Callable[[], int] = lambda: 0  # set once the queue exists
        r = self.registry
        self.questions = Counter(
            "newsdesk_questions", "Questions asked, by outcome", ["outcome"], registry=r
        )
        self.refusals = Counter(
            "newsdesk_refusals", "Refused questions, by reason", ["reason"], registry=r
        )
        self.answer_seconds = Histogram(
            "newsdesk_answer_seconds", "Time to the checked answer", buckets=SECONDS, registry=r
        )
        self.first_token_seconds = Histogram(
            "newsdesk_first_token_seconds",
            "Time to the model's first token",
            buckets=SECONDS,
            registry=r,
        )
        self.ingested = Counter(
            "newsdesk_ingested_articles", "Articles added, by outcome", ["status"], registry=r
        )
        self.fetch_errors = Counter(
            "newsdesk_fetch_errors",
            "Failed fetches of web addresses, by kind",
            ["kind"],
            registry=r,
        )
        self.watch_checks = Counter(
            "newsdesk_watch_checks",
            "Checks of watched sources, by result (new, unchanged, not-modified, failed)",
            ["status"],
            registry=r,
        )
        self.watch_requests = Counter(
            "newsdesk_watch_requests", "Requests made by checks of watched sources", registry=r
        )
        store = container.store
        gauges = (
            ("newsdesk_queue_waiting", "Requests waiting in the queue", self._waiting),
            ("newsdesk_index_articles", "Articles in the index", store.count_articles),
            ("newsdesk_index_chunks", "Passages in the index", store.count_chunks),
            # the watch list opens at the first scrape, not here
            (
                "newsdesk_watched_sources",
                "Sources on the watch list",
                lambda: container.sources.count(),
            ),
        )
        for name, doc, read in gauges:
            Gauge(name, doc, registry=r).set_function(read)
        self.json_logs = json_logs
        if json_logs and not log.handlers:  # one line per record on stderr, nothing added
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False
        self._labels: dict[str, set[str]] = {"reason": set(), "kind": set()}

    def _waiting(self) -> int:
        return self.queue_waiting()

    def _bounded(self, family: str, value: str) -> str:
        seen = self._labels[family]
        if value not in seen and len(seen) >= MAX_LABELS:
            return "other"
        seen.add(value)
        return value

    def answered(self, answer: Answer) -> None:
        outcome = "refused" if answer.refused else "answered"
        self.questions.labels(outcome).inc()
        if answer.refused:
            self.refusals.labels(self._bounded("reason", _kind(answer.refusal_reason))).inc()
        timings = answer.timings or {}
        if "total_ms" in timings:
            self.answer_seconds.observe(timings["total_ms"] / 1000)
        if "first_token_ms" in timings:
            self.first_token_seconds.observe(timings["first_token_ms"] / 1000)
        self._log(
            "question",
            outcome=outcome,
            reason=answer.refusal_reason,
            citations=len(answer.citations),
            total_ms=timings.get("total_ms"),
        )

    def failed(self, error: Exception) -> None:
        self.questions.labels("error").inc()
        self._log("question", outcome="error", reason=str(error))

    def added(self, outcome: AddOutcome, fetched: bool = False) -> None:
        self.ingested.labels(outcome.status).inc()
        if fetched and outcome.status == "failed":
            kind = self._bounded("kind", fetch_error_kind(outcome.reason or ""))
            self.fetch_errors.labels(kind).inc()
        self._log("add", status=outcome.status, reason=outcome.reason or "")

    def checked(self, report: CheckReport) -> None:
        """One check of a watched source, and each item it indexed or failed to."""
        self.watch_checks.labels(report.status).inc()
        self.watch_requests.inc(report.fetches)
        for outcome in report.outcomes:
            self.added(outcome, fetched=True)
        self._log(
            "watch",
            url=report.url,
            status=report.status,
            added=report.added,
            failed=report.failed,
            requests=report.fetches,
            reason=report.reason,
        )

    def _log(self, event: str, **fields: Any) -> None:
        if self.json_logs:
            record = {"time": round(time.time(), 3), "event": event, **fields}
            log.info(json.dumps(record, ensure_ascii=False, default=str))

    def scrape(self) -> bytes:
        return generate_latest(self.registry)


def health(container: Container, timeout: float = 3.0) -> dict[str, str]:
    """ "ok", or the reason, for the index and for the model."""
    checks: dict[str, str] = {}
    try:
        container.store.count_articles()
        checks["index"] = "ok"
    except Exception as exc:  # a Chroma server down, a broken data dir: the reason is shown
        checks["index"] = f"unreachable: {exc}"
    s = container.settings
    if s.llm_url:
        try:
            request = urllib.request.Request(s.llm_url.rstrip("/") + "/models")
            if s.llm_api_key:
                key = s.llm_api_key.get_secret_value()
                request.add_header("Authorization", f"Bearer {key}")
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                checks["model"] = "ok" if response.status == 200 else f"HTTP {response.status}"
        except Exception as exc:  # unreachable, refused, timed out
            checks["model"] = f"the model server does not answer: {exc}"
    else:
        checks["model"] = "ok" if "answerer" in vars(container) else "loading"
    return checks


class OpsRoutes:
    """ASGI middleware serving GET /healthz (open; 200 when every check is ok, else 503)
    and GET /metrics (open only when the app is; else `Authorization: Bearer <write key>`,
    or a user's name and password as basic auth)."""

    def __init__(
        self, app: Any, metrics: Metrics, check: Callable[[], dict[str, str]], access: Access
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.check = check
        self.access = access

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "").rstrip("/")
        if scope["type"] != "http" or scope.get("method") != "GET":
            return await self.app(scope, receive, send)
        if path == "/healthz":
            import anyio

            checks = await anyio.to_thread.run_sync(self.check)
            ok = all(v == "ok" for v in checks.values())
            body = json.dumps({"ok": ok, **checks}).encode()
            return await asgi.respond(send, 200 if ok else 503, body, b"application/json")
        if path == "/metrics":
            headers = asgi.headers(scope)
            if not self._may_scrape(headers.get(b"authorization", "")):
                body = b"metrics need the write key (Bearer) or a user's login (Basic)\n"
                return await asgi.respond(send, 401, body)
            import anyio

            body = await anyio.to_thread.run_sync(self.metrics.scrape)
            return await asgi.respond(send, 200, body, CONTENT_TYPE_LATEST.encode())
        return await self.app(scope, receive, send)

    def _may_scrape(self, authorization: str) -> bool:
        if self.access.open:
            return True
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and self.access.write_token:
            return self.access.may_write(value.strip(), None)
        if scheme.lower() == "basic" and self.access.users:
            try:
                name, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except ValueError:
                return False
            return self.access.login(name, password)
        return False
