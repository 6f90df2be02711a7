"""The Gradio chat app: pure composition around the services the container builds."""

from __future__ import annotations

import html
import threading
from pathlib import Path

import gradio as gr

from index.ingest import Overrides
from index.models import Article
from index.readers import ReadError, normalise_date
from index.web import is_url
from qa.models import Answer

from .container import Container
from .render import CSS, answer_html, rewrite_html, sources_html
from .samples import EXAMPLE_QUESTIONS

PROGRESS = gr.Progress()  # a Progress default is how Gradio knows to report progress


class ChatService:
    """What the UI calls: questions, additions and the library, one model use at a time."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.lock = threading.Lock()

    def status_line(self) -> str:
        articles = self.container.store.list_articles()
        newest = max((a.published_at for a in articles if a.published_at), default="")
        line = f"{len(articles)} articles indexed"
        return line + (f" · newest from {newest}" if newest else "")

    def chat(self, message: str, history: list[dict], turns: list | None = None):
        """Streams (history, sources, turns). `turns` holds this browser session's
        (standalone question, answer) pairs, used to rewrite follow-up questions."""
        message = (message or "").strip()
        turns = list(turns or [])
        if not message:
            yield history, "", turns
            return
        history = [*history, {"role": "user", "content": message},
                   {"role": "assistant", "content": ""}]  # fmt: skip
        with self.lock:
            standalone = self.container.rewriter.rewrite(message, turns)
            note = rewrite_html(standalone) if standalone != message else ""
            streamed = ""
            for event in self.container.answerer.stream(standalone):
                if isinstance(event, Answer):
                    history[-1] = {"role": "assistant", "content": note + answer_html(event)}
                    turns.append((standalone, event.answer))
                    yield history, sources_html(event, self._texts(event)), turns
                    return
                streamed += event
                history[-1] = {"role": "assistant", "content": note + html.escape(streamed)}
                yield history, "", turns

    def _texts(self, answer: Answer) -> dict[str, str]:
        texts = {}
        for c in answer.citations:
            stored = self.container.store.get_article(c.article_id, with_text=True)
            texts[c.article_id] = stored.text if stored else ""
        return texts

    def add_text(self, title: str, text: str, source: str, date: str, url: str) -> str:
        try:
            published = normalise_date(date, "date")
        except ReadError as exc:
            return f"failed: {exc.reason}"
        if not (text or "").strip():
            return "failed: the article text is empty"
        article = Article(title=(title or "").strip() or text.strip().splitlines()[0][:80],
                          text=text.strip(), source=source or "", published_at=published,
                          url=url or "")  # fmt: skip
        with self.lock:
            out = self.container.ingestor.add(article, "pasted article")
        return _outcome(out)

    def add_files(
        self, paths: list[str] | None, source: str = "", date: str = "", progress=PROGRESS
    ) -> str:
        if not paths:
            return "no files chosen"
        try:
            overrides = Overrides(source or "", normalise_date(date, "date"))
        except ReadError as exc:
            return f"failed: {exc.reason}"
        limit = int(self.container.settings.max_file_mb * 1e6)
        lines: list[str] = []
        with self.lock:
            for i, path in enumerate(paths):
                progress((i, len(paths)), desc=f"Adding {Path(path).name}")
                for out in self.container.ingestor.add_file(Path(path), overrides, limit):
                    lines.append(_outcome(out))
                    progress((i, len(paths)), desc=f"{len(lines)} articles done")
        return "\n".join(lines)

    def add_url(self, url: str, source: str = "", date: str = "", progress=PROGRESS) -> str:
        url = (url or "").strip()
        if not is_url(url):
            return "failed: enter a web address starting with http:// or https://"
        try:
            overrides = Overrides(source or "", normalise_date(date, "date"))
        except ReadError as exc:
            return f"failed: {exc.reason}"
        progress(0.1, desc="Fetching")
        results = list(self.container.web.read(url))  # fetch outside the lock
        progress(0.5, desc=f"Embedding {len(results)} article(s)")
        with self.lock:
            outcomes = self.container.ingestor.add_results(results, overrides)
            lines = [_outcome(out) for out in outcomes]
        return "\n".join(lines)

    def library(self, query: str = "") -> list[list]:
        q = (query or "").lower().strip()
        return [
            [a.article_id, a.title, a.source, a.published_at, a.chunks]
            for a in self.container.store.list_articles()
            if not q or q in f"{a.title} {a.source} {a.article_id}".lower()
        ]

    @staticmethod
    def pick(ids: str, event: gr.SelectData) -> str:
        """A click on a library row adds that article's id to the ids to delete."""
        row = event.row_value or []
        picked = str(row[0]) if row else ""
        current = (ids or "").split()
        return " ".join(current + [picked] if picked and picked not in current else current)

    def delete(self, ids: str, confirmed: bool) -> str:
        wanted = [i.strip() for i in (ids or "").replace(",", " ").split() if i.strip()]
        if not wanted:
            return "enter the ids of the articles to delete"
        if not confirmed:
            return "tick the confirmation box to delete " + ", ".join(wanted)
        with self.lock:
            done = [i for i in wanted if self.container.store.remove(i)]
        missing = sorted(set(wanted) - set(done))
        return f"deleted {len(done)}" + (f"; not found: {', '.join(missing)}" if missing else "")


def _outcome(out) -> str:
    if out.status == "failed":
        return f"failed: {out.origin}: {out.reason}"
    return f"{out.status}: {out.title} ({out.article_id}, {out.chunks} chunks)"


def build_app(service: ChatService) -> gr.Blocks:
    with gr.Blocks(title="Newsdesk") as app:
        gr.Markdown("## Newsdesk\nAsk about your news articles; every answer cites its sources.")
        status = gr.Markdown(service.status_line())
        with gr.Tab("Chat"):
            chatbot = gr.Chatbot(height=420, label="Conversation", render_markdown=True,
                                 elem_id="nd-chat",
                                 sanitize_html=True, feedback_options=None)  # fmt: skip
            question = gr.Textbox(
                placeholder="Ask a question about the articles…", label="Question"
            )
            with gr.Row():
                send = gr.Button("Ask", variant="primary")
                stop = gr.Button("Stop")
            gr.Examples(EXAMPLE_QUESTIONS, inputs=question, label="Example questions")
            sources = gr.HTML(elem_id="nd-sources")
            turns = gr.State([])
            asked = send.click(service.chat, [question, chatbot, turns],
                               [chatbot, sources, turns], api_name="chat")  # fmt: skip
            submitted = question.submit(service.chat, [question, chatbot, turns],
                                        [chatbot, sources, turns], api_name=False)  # fmt: skip
            for event in (asked, submitted):
                event.then(lambda: "", None, question, api_name=False)
            clear = gr.Button("New conversation", size="sm")
            clear.click(lambda: ([], "", []), None, [chatbot, sources, turns], api_name=False)
            stop.click(None, cancels=[asked, submitted])
        with gr.Tab("Add articles"):
            with gr.Row():
                title = gr.Textbox(label="Title")
                outlet = gr.Textbox(label="Outlet")
                date = gr.Textbox(label="Date (YYYY-MM-DD)")
                url = gr.Textbox(label="URL")
            text = gr.Textbox(label="Article text", lines=8)
            add_btn = gr.Button("Add pasted article", variant="primary")
            files = gr.File(label="Or upload files (.txt .md .html .json .jsonl .rss .atom)",
                            file_count="multiple", type="filepath")  # fmt: skip
            upload_btn = gr.Button("Add uploaded files")
            with gr.Row():
                address = gr.Textbox(label="Or a web address: an article page or an RSS/Atom feed",
                                     placeholder="https://…", scale=4)  # fmt: skip
                fetch_btn = gr.Button("Fetch and add", scale=1)
            result = gr.Textbox(label="Result", lines=4, interactive=False)
            add_btn.click(
                service.add_text, [title, text, outlet, date, url], result, api_name="add"
            )
            upload_btn.click(service.add_files, [files, outlet, date], result, api_name="add_files")
            fetch_btn.click(service.add_url, [address, outlet, date], result, api_name="add_url")
        with gr.Tab("Library"):
            search = gr.Textbox(label="Filter")
            table = gr.Dataframe(headers=["id", "title", "outlet", "date", "chunks"],
                                 value=service.library(), interactive=False)  # fmt: skip
            ids = gr.Textbox(label="Ids to delete (space separated; click a row to add it)")
            sure = gr.Checkbox(label="Yes, delete these articles")
            delete = gr.Button("Delete", variant="stop")
            deleted = gr.Markdown()
            search.change(service.library, search, table, api_name=False)
            table.select(service.pick, ids, ids, api_name=False)
            delete.click(service.delete, [ids, sure], deleted, api_name="delete").then(
                service.library, search, table, api_name=False
            )
        for event in (add_btn.click, upload_btn.click, fetch_btn.click, delete.click):
            event(service.status_line, None, status, api_name=False)
        app.load(service.status_line, None, status, api_name=False)
        app.load(service.library, search, table, api_name=False)
    return app


def serve(container: Container, host: str, port: int) -> None:
    service = ChatService(container)
    container.answerer  # load the model before the first question  # noqa: B018
    build_app(service).queue(default_concurrency_limit=1).launch(
        server_name=host, server_port=port, show_error=True, css=CSS
    )
