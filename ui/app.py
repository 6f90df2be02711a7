"""The Gradio chat app: pure composition around the services the container builds."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import weakref
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import Any

from starlette.middleware import Middleware

from index.errors import ReadError
from index.ingest import AddOutcome, Overrides
from index.readers import article_from_record, normalise_date
from index.stories import groups
from index.web import is_url
from qa.dates import as_of_date
from qa.errors import QAError
from qa.followup import earlier_passages
from qa.types import Answer, Delta, Done, conversation_markdown

from .access import KEY_COOKIE_JS, Access, HostGuard, UploadGuard
from .app_sources import Sources, sources_tab, watch_in_background
from .app_watched import CSS as WATCHED_CSS
from .app_watched import Watched, watched_tab
from .container import Container
from .gradio_lean import gradio as gr
from .openai_api import ChatCompletions, OpenAIRoutes
from .ops import Metrics, OpsRoutes, health
from .render import (
    CSS,
    answer_html,
    draft_html,
    empty_library_html,
    error_html,
    inert,
    rewrite_html,
    sources_html,
    timeline_html,
)
from .samples import EXAMPLE_QUESTIONS

PROGRESS = gr.Progress()
# Questions wait for the model in Gradio's queue, which shows each its place: one at a time
# for the in-process model, LLM_PARALLEL at a time for a model server (which batches them);
# writes have their own line, so an add does not wait behind every question.
MODEL_QUEUE = "model"
WRITE_QUEUE: dict[str, Any] = {
    "concurrency_id": "write",
    "concurrency_limit": 1,
}  # a Progress default is how Gradio knows to report progress


class Exports:
    """Conversation downloads, each in a folder of its own (the file keeps the name the
    reader downloads) inside one folder of this process. Gradio copies a download into its
    own cache when the event ends, so only the newest `keep` are kept, and the rest go at
    exit: a server that answers all day does not fill the disk with them."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._root: Path | None = None
        self._written: deque[Path] = deque()

    def write(self, name: str, text: str) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="newsdesk-export-"))
                weakref.finalize(self, shutil.rmtree, self._root, True)
            folder = Path(tempfile.mkdtemp(dir=self._root))
            path = folder / name
            path.write_text(text, encoding="utf-8")
            self._written.append(folder)
            while len(self._written) > self.keep:
                shutil.rmtree(self._written.popleft(), ignore_errors=True)
            return path


class ChatService:
    """What the UI calls: questions, additions and the library, one model use at a time."""

    def __init__(
        self, container: Container, access: Access | None = None, metrics: Metrics | None = None
    ) -> None:
        self.container = container
        self.access = access or Access.from_settings(container.settings)
        self.metrics = metrics
        # one write at a time in this process; the model guards itself, and Gradio's queue
        # (the "model" group) limits the questions answered at once, showing each its place
        self.write_lock = threading.Lock()
        self.exports = Exports()

    def _denied(self, key: str, request: gr.Request | None) -> str:
        """ "" when this caller may write; else the line to show."""
        username = getattr(request, "username", None) if request is not None else None
        if self.access.may_write(key, username):
            return ""
        return AddOutcome("failed", "write", reason="a valid write key is needed").line()

    def status_line(self) -> str:
        articles = self.container.store.list_articles()
        newest = max((a.published_at for a in articles if a.published_at), default="")
        line = f"{len(articles)} articles indexed"
        line += f" · newest from {newest}" if newest else ""
        return line + Watched(self).count_line()

    def chat(self, message: str, history: list[dict], turns: list | None = None, as_of: str = ""):
        """Streams (history, sources, turns). `turns` holds this browser session's
        (standalone question, answer) pairs, used to rewrite follow-up questions; `as_of`
        (YYYY-MM-DD, blank for today) is the date the question is asked on."""
        message = (message or "").strip()
        turns = list(turns or [])
        if not message:
            yield history, "", turns
            return
        history = [
            *history,
            {"role": "user", "content": inert(message)},
            {"role": "assistant", "content": ""},
        ]
        try:
            day = as_of_date(as_of)
            yield from self._answer(message, history, turns, day)
        except QAError as exc:  # a bad date, a question too long, a model failure: one line
            if self.metrics:
                self.metrics.failed(exc)
            history[-1] = {"role": "assistant", "content": error_html(str(exc))}
            yield history, "", turns

    def _answer(self, message: str, history: list[dict], turns: list, as_of: str):
        standalone = self.container.rewriter.rewrite(message, turns)
        note = rewrite_html(standalone) if standalone != message else ""
        also = earlier_passages(message, turns)
        streamed = ""
        for event in self.container.answerer.stream(standalone, also=also, as_of=as_of):
            match event:
                case Delta(text):  # a marked draft, struck through, until the check is done
                    streamed += text
                    content = note + draft_html(streamed)
                    history[-1] = {"role": "assistant", "content": content}
                    yield history, "", turns
                case Done(answer):
                    if self.metrics:
                        self.metrics.answered(answer)
                    content = note + answer_html(answer)
                    if not answer.passages and self.container.store.count_articles() == 0:
                        content += empty_library_html()
                    history[-1] = {"role": "assistant", "content": content}
                    turns.append((*answer.turn(standalone), answer.to_json()))
                    yield history, sources_html(answer, self._texts(answer)), turns

    def timeline(self, question: str, as_of: str = "") -> str:
        """The Timeline tab: the dated articles on a question, oldest first."""
        try:
            found = self.container.timelines.for_question(
                (question or "").strip(), as_of_date(as_of)
            )
        except QAError as exc:
            return error_html(str(exc))
        return timeline_html(found)

    def export(self, turns: list | None) -> str | None:
        """This conversation's answers with their sources, as a Markdown file to download
        (None before the first answer)."""
        records = [t[3] for t in turns or [] if len(t) >= 4 and isinstance(t[3], dict)]
        if not records:
            return None
        text = conversation_markdown(records, "Newsdesk conversation")
        return str(self.exports.write("newsdesk-conversation.md", text))

    def _texts(self, answer: Answer) -> dict[str, str]:
        texts = {}
        for c in answer.citations:
            stored = self.container.store.get_article(c.article_id, with_text=True)
            texts[c.article_id] = stored.text if stored else ""
        return texts

    def add_text(
        self,
        title: str,
        text: str,
        source: str,
        date: str,
        url: str,
        key: str = "",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> str:
        if denied := self._denied(key, request):
            return denied
        form = {"title": title, "text": text, "source": source, "published_at": date, "url": url}
        try:
            article = article_from_record(form, "pasted article")
        except ReadError as exc:
            return self._counted(AddOutcome("failed", "pasted article", reason=exc.reason)).line()
        with self.write_lock:
            return self._counted(self.container.ingestor.add(article, "pasted article")).line()

    def add_files(
        self,
        paths: list[str] | None,
        source: str = "",
        date: str = "",
        key: str = "",
        request: gr.Request = None,  # type: ignore[assignment]
        progress=PROGRESS,
    ) -> str:
        if denied := self._denied(key, request):
            _remove_uploads(paths)
            return denied
        if not paths:
            return "no files chosen"
        try:
            overrides = Overrides(source or "", normalise_date(date, "date"))
        except ReadError as exc:
            return AddOutcome("failed", "date", reason=exc.reason).line()
        lines: list[str] = []
        with self.write_lock:
            for i, path in enumerate(paths):
                progress((i, len(paths)), desc=f"Adding {Path(path).name}")
                for out in self.container.ingestor.add_file(Path(path), overrides):
                    # the upload's temporary path is the server's business: name the file
                    out = replace(out, origin=out.origin.replace(str(path), Path(path).name))
                    lines.append(self._counted(out).line())
                    progress((i, len(paths)), desc=f"{len(lines)} articles done")
        _remove_uploads(paths)
        return "\n".join(lines)

    def add_url(
        self,
        url: str,
        source: str = "",
        date: str = "",
        key: str = "",
        request: gr.Request = None,  # type: ignore[assignment]
        progress=PROGRESS,
    ) -> str:
        if denied := self._denied(key, request):
            return denied
        url = (url or "").strip()
        if not is_url(url):
            reason = "enter a web address starting with http:// or https://"
            return self._counted(AddOutcome("failed", url or "address", reason=reason)).line()
        try:
            overrides = Overrides(source or "", normalise_date(date, "date"))
        except ReadError as exc:
            return AddOutcome("failed", "date", reason=exc.reason).line()
        progress(0.1, desc="Fetching")
        results = list(self.container.web.read(url))  # fetch outside the lock
        progress(0.5, desc=f"Embedding {len(results)} article(s)")
        with self.write_lock:
            outcomes = self.container.ingestor.add_results(results, overrides)
            lines = [self._counted(out, fetched=True).line() for out in outcomes]
        return "\n".join(lines)

    def _counted(self, outcome: AddOutcome, fetched: bool = False) -> AddOutcome:
        if self.metrics:
            self.metrics.added(outcome, fetched)
        return outcome

    def library(self, query: str = "") -> list[list]:
        q = (query or "").lower().strip()
        articles = self.container.store.list_articles()
        grouped = {a.article_id: story for story, ms in groups(articles).items() for a in ms}
        rows = [
            [a.article_id, a.title, a.source, a.published_at, a.chunks]
            + [grouped.get(a.article_id, ""), a.kept_out]
            for a in articles
        ]
        return [r for r in rows if not q or q in f"{r[1]} {r[2]} {r[0]} {r[5]}".lower()]

    @staticmethod
    def pick(ids: str, event: gr.SelectData) -> str:
        """A click on a library row adds that article's id to the ids to delete."""
        row = event.row_value or []
        picked = str(row[0]) if row else ""
        current = (ids or "").split()
        return " ".join(current + [picked] if picked and picked not in current else current)

    def delete(
        self,
        ids: str,
        confirmed: bool,
        key: str = "",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> str:
        if denied := self._denied(key, request):
            return denied
        wanted = [i.strip() for i in (ids or "").replace(",", " ").split() if i.strip()]
        if not wanted:
            return "enter the ids of the articles to delete"
        if not confirmed:
            return "tick the confirmation box to delete " + ", ".join(wanted)
        with self.write_lock:
            done = [i for i in wanted if self.container.store.remove(i)]
        missing = sorted(set(wanted) - set(done))
        return f"deleted {len(done)}" + (f"; not found: {', '.join(missing)}" if missing else "")


def _remove_uploads(paths: list[str] | None) -> None:
    """Uploaded files are read once; Gradio's temporary copies go right after."""
    from gradio.utils import get_upload_folder

    uploads = Path(get_upload_folder()).resolve()
    for path in paths or []:
        if Path(path).resolve().is_relative_to(uploads):
            Path(path).unlink(missing_ok=True)


def build_app(service: ChatService) -> gr.Blocks:
    # uploads and other temporary files older than an hour are removed every hour
    with gr.Blocks(title="Newsdesk", delete_cache=(3600, 3600)) as app:
        gr.Markdown("## Newsdesk\nAsk about your news articles; every answer cites its sources.")
        status = gr.Markdown(service.status_line())
        with gr.Tab("Chat"):
            starred = _chat_tab(service)
        with gr.Tab("Add articles"):
            writes = _add_tab(service)
        with gr.Tab("Timeline"):
            _timeline_tab(service)
        with gr.Tab("Library"):
            search, table, deleted = _library_tab(service)
        with gr.Tab("Sources"):
            watched = sources_tab(Sources(service), _write_key(service))
        with gr.Tab("Watched"):
            shown = watched_tab(Watched(service), _write_key(service))
        starred.then(Watched(service).shown, None, shown, api_visibility="private")
        starred.then(service.status_line, None, status, api_visibility="private")
        for event in (*writes, deleted, *watched):
            event.then(service.status_line, None, status, api_visibility="private")
        app.load(service.status_line, None, status, api_visibility="private")
        app.load(service.library, search, table, api_visibility="private")
    return app


def _chat_tab(service: ChatService):
    """The conversation; returns the star's event (the Watched tab follows it)."""
    chatbot = gr.Chatbot(
        height=420,
        label="Conversation",
        render_markdown=True,
        elem_id="nd-chat",
        sanitize_html=True,
        feedback_options=None,
    )
    with gr.Row():
        question = gr.Textbox(
            placeholder="Ask a question about the articles…", label="Question", scale=4
        )
        as_of = gr.Textbox(
            value="",
            placeholder="today",
            label="As of (YYYY-MM-DD)",
            info="The news up to this date; blank: today.",
            max_length=40,
            scale=1,
            elem_id="nd-as-of",
        )
    with gr.Row():
        send = gr.Button("Ask", variant="primary")
        stop = gr.Button("Stop")
    gr.Examples(EXAMPLE_QUESTIONS, inputs=question, label="Example questions")
    sources = gr.HTML(elem_id="nd-sources")
    turns = gr.State([])
    io = ([question, chatbot, turns, as_of], [chatbot, sources, turns])
    queue: dict[str, Any] = {
        "concurrency_id": MODEL_QUEUE,
        "concurrency_limit": service.container.parallel_questions,
    }
    asked = send.click(service.chat, *io, api_name="chat", **queue)
    submitted = question.submit(service.chat, *io, api_visibility="private", **queue)
    with gr.Row():
        clear = gr.Button("New conversation", size="sm")
        download = gr.DownloadButton("Download conversation (Markdown)", size="sm")
        star = gr.Button("☆ Watch this question", size="sm", elem_id="nd-star")
    starred_note = gr.Markdown(elem_id="nd-starred")
    for event in (asked, submitted):
        event.then(lambda: "", None, question, api_visibility="private")
        event.then(service.export, turns, download, api_visibility="private")
    clear.click(
        lambda: ([], "", [], None),
        None,
        [chatbot, sources, turns, download],
        api_visibility="private",
    )
    stop.click(None, cancels=[asked, submitted])
    return star.click(
        Watched(service).star,
        turns,
        starred_note,
        api_name="watch_question",
        concurrency_id="write",
    )


def _timeline_tab(service: ChatService) -> None:
    """A question's dated articles, oldest first, each with the sentence that matters."""
    with gr.Row():
        question = gr.Textbox(
            label="Story or question", placeholder="e.g. the dock strike talks", scale=4
        )
        as_of = gr.Textbox(label="As of (YYYY-MM-DD)", placeholder="today", max_length=40)
    show = gr.Button("Show timeline", variant="primary")
    found = gr.HTML(elem_id="nd-timeline")
    show.click(service.timeline, [question, as_of], found, api_name="timeline")
    question.submit(service.timeline, [question, as_of], found, api_visibility="private")


def _write_key(service: ChatService) -> gr.Textbox:
    """The write key field, shown when the operator set a write token."""
    return gr.Textbox(
        "",  # an initial value makes the key optional for API clients when none is set
        label="Write key",
        type="password",
        visible=bool(service.access.write_token),
        placeholder="needed to add or delete",
        elem_classes=["nd-write-key"],  # the page keeps it in a cookie for its uploads
    )


def _add_tab(service: ChatService) -> list:
    """The three ways to add articles; returns their events (the status line follows them)."""
    key = _write_key(service)
    limits = service.container.settings
    with gr.Row():
        title = gr.Textbox(label="Title", max_length=limits.max_title_chars)
        outlet = gr.Textbox(label="Outlet", max_length=limits.max_outlet_chars)
        date = gr.Textbox(label="Date (YYYY-MM-DD)", max_length=40)
        url = gr.Textbox(label="URL", max_length=limits.max_url_chars)
    text = gr.Textbox(label="Article text", lines=8, max_length=limits.max_file_bytes)
    add_btn = gr.Button("Add pasted article", variant="primary")
    files = gr.File(
        label="Or upload files (.txt .md .html .json .jsonl .rss .atom)",
        file_count="multiple",
        type="filepath",
    )
    upload_btn = gr.Button("Add uploaded files")
    with gr.Row():
        address = gr.Textbox(
            label="Or a web address: an article page or an RSS/Atom feed",
            placeholder="https://…",
            scale=4,
            max_length=limits.max_url_chars,
        )
        fetch_btn = gr.Button("Fetch and add", scale=1)
    result = gr.Textbox(label="Result", lines=4, interactive=False)
    return [
        add_btn.click(
            service.add_text,
            [title, text, outlet, date, url, key],
            result,
            api_name="add",
            **WRITE_QUEUE,
        ),
        upload_btn.click(
            service.add_files,
            [files, outlet, date, key],
            result,
            api_name="add_files",
            **WRITE_QUEUE,
        ),
        fetch_btn.click(
            service.add_url, [address, outlet, date, key], result, api_name="add_url", **WRITE_QUEUE
        ),
    ]


def _library_tab(service: ChatService):
    """Every article, a filter, and delete with a confirmation tick."""
    search = gr.Textbox(label="Filter")
    table = gr.Dataframe(
        headers=["id", "title", "outlet", "date", "chunks", "story", "kept out"],
        value=service.library(),
        interactive=False,
    )
    ids = gr.Textbox(label="Ids to delete (space separated; click a row to add it)")
    sure = gr.Checkbox(label="Yes, delete these articles")
    key = _write_key(service)
    delete = gr.Button("Delete", variant="stop")
    outcome = gr.Markdown()
    search.change(service.library, search, table, api_visibility="private")
    table.select(service.pick, ids, ids, api_visibility="private")
    deleted = delete.click(
        service.delete, [ids, sure, key], outcome, api_name="delete", **WRITE_QUEUE
    )
    deleted.then(service.library, search, table, api_visibility="private")
    return search, table, deleted


class FairQueue:
    """Admission to Gradio's queue, which counts every waiting event together (so one
    client could fill it and leave adds with "queue is full"): a browser session (or API
    client session) may have `per_session` questions (or writes) waiting, an address or a
    logged-in user `per_address` (people behind one proxy share an address; one client can
    make many sessions), and the last `for_writes` places are kept for adds and deletes. Installed
    over the queue's `push`, where Gradio admits an event."""

    def __init__(self, queue: Any, per_session: int, per_address: int, for_writes: int) -> None:
        self.queue = queue
        self.per_session = per_session
        self.per_address = per_address
        self.for_writes = for_writes
        self._push = queue.push
        queue.push = self.push

    async def push(self, body: Any, request: Any, username: str | None):
        from gradio import route_utils

        try:
            fn = route_utils.get_fn(self.queue.blocks, None, body)
        except Exception:  # Gradio's own push gives the reason
            return await self._push(body=body, request=request, username=username)
        if problem := self.problem(fn.concurrency_id, body.session_hash, request, username):
            return False, problem, "queue_full"
        return await self._push(body=body, request=request, username=username)

    def problem(self, group: str, session: str | None, request: Any, username: str | None):
        """Why this event may not wait now ("" when it may)."""
        waiting = [e for q in self.queue.event_queue_per_concurrency_id.values() for e in q.queue]
        alike = [e for e in waiting if e.concurrency_id == group]  # questions, or writes
        if session and sum(e.session_hash == session for e in alike) >= self.per_session:
            return f"this session has {self.per_session} requests waiting; wait for one"
        client = _client(request, username)
        if sum(_client(e.request, e.username) == client for e in alike) >= self.per_address:
            return f"{self.per_address} requests from your address are waiting; wait for one"
        size = self.queue.max_size
        if group != WRITE_QUEUE["concurrency_id"] and size is not None:
            if len(waiting) >= size - self.for_writes:
                return f"the queue is full ({len(waiting)} waiting); try again soon"
        return ""


def _client(request: Any, username: str | None) -> str:
    if username:
        return f"user:{username}"
    client = getattr(request, "client", None)
    return f"address:{client.host}" if client else "address:?"


def warm_up(container: Container) -> None:
    """Builds what the first question needs, so that it does not wait for it."""
    try:
        container.answerer.warm_up()
    except Exception as exc:  # the first question reports it; the log says it now
        logging.getLogger("newsdesk").warning("warm-up failed: %s", exc)


def serve(container: Container, host: str, port: int) -> None:
    """Serve the app; refuses an open server on an address others can reach."""
    from gradio.utils import get_upload_folder

    s = container.settings
    access = Access.from_settings(s)
    access.check_server(host, s.allow_open)
    metrics = Metrics(container, json_logs=s.log_format == "json")
    service = ChatService(container, access, metrics)
    # the model, the encoder and the keyword index load while the page comes up; a
    # question asked before they are ready waits for them (each part is built once)
    # (not a daemon: a stop waits for it, see `newsdesk serve`)
    threading.Thread(target=warm_up, args=(container,), name="warm-up").start()
    stop_watching = threading.Event()
    watching = watch_in_background(service, stop_watching) if s.watch_background else None
    app = build_app(service)
    uploads = Middleware(
        UploadGuard,
        access=access,
        folder=Path(get_upload_folder()),
        max_files=s.max_upload_files,
        max_bytes=s.max_upload_files * (s.max_file_bytes + 65536),
        quota_bytes=int(s.upload_quota_mb * 1e6),
    )
    hosts = Middleware(HostGuard, names=[host, *s.allowed_hosts.split(",")])
    ops = Middleware(OpsRoutes, metrics=metrics, check=lambda: health(container), access=access)
    completions = ChatCompletions(container, metrics)
    openai_api = Middleware(OpenAIRoutes, completions=completions, access=access)
    app.queue(default_concurrency_limit=4, max_size=s.queue_size)
    FairQueue(app._queue, s.queue_per_session, s.queue_per_address, s.queue_for_writes)
    metrics.queue_waiting = lambda: len(app._queue)
    try:
        app.launch(
            server_name=host,
            server_port=port,
            share=False,  # never a public tunnel, whatever GRADIO_SHARE says
            app_kwargs={"middleware": [hosts, ops, openai_api, uploads]},
            show_error=False,  # exceptions stay in the server log; the page says "Error"
            css=CSS + WATCHED_CSS,
            js=KEY_COOKIE_JS,
            auth=access.login if access.users else None,
            max_file_size=s.max_file_bytes,
        )
    finally:
        stop_watching.set()
        if watching is not None:
            _wait_for(watching, s.fetch_read_timeout)


def _wait_for(watching: threading.Thread, timeout: float) -> None:
    """A source being checked is finished (its fetches are bounded by `timeout`), so that the
    process does not end under it (a fetch, an embedding, the model)."""
    watching.join(1.0)
    if watching.is_alive():
        logging.getLogger("newsdesk").info(
            "stopping: waiting for the source being checked (%.0f s at most)", timeout
        )
        watching.join(timeout)
