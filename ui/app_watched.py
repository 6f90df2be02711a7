"""Watched questions in the app: the star in the chat, the Watched tab (what is new since the
reader asked, next to the earlier answer), and their count in the status line."""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

from index.errors import IndexingError
from qa.dates import long_date
from qa.errors import QAError
from qa.watched import WatchedQuestion

from .gradio_lean import gradio as gr

if TYPE_CHECKING:
    from .app import ChatService

log = logging.getLogger("newsdesk.watch")


class Watched:
    """What the star and the Watched tab call."""

    def __init__(self, service: ChatService) -> None:
        self.service = service
        self.container = service.container

    def star(self, turns: list | None) -> str:
        """Watches the conversation's last question (as it was searched for)."""
        if not turns:
            return "Ask a question first; the star watches the last one."
        question = str(turns[-1][0])
        try:
            with self.service.write_lock:
                watched = self.container.watched_questions.watch(question)
        except (QAError, IndexingError) as exc:
            return f"Cannot watch it: {exc}"
        return (
            f"★ Watching “{watched.question}”. The Watched tab shows what is new after a refresh."
        )

    def shown(self) -> str:
        """Every watched question: what is new first, then the latest answer, each dated."""
        found = self.container.watched_questions.questions()
        if not found:
            return "<p>No watched questions yet: ask in the chat, then press ☆ Watch.</p>"
        return '<div class="nd-watched">' + "".join(map(watched_html, found)) + "</div>"

    def check_now(self, key: str = "", request: gr.Request = None) -> str:  # type: ignore[assignment]
        """Answers again the watched questions whose retrieval changed."""
        if denied := self.service._denied(key, request):
            return denied
        with self.service.write_lock:
            changed = self.container.watched_questions.refresh()
        return (
            self.shown() if changed else "<p>No news for the watched questions.</p>" + self.shown()
        )

    def mark_read(self) -> str:
        for w in self.container.watched_questions.questions():
            if w.unread:
                self.container.watched_questions.mark_read(w.id)
        return self.shown()

    def remove(self, ids: str, key: str = "", request: gr.Request = None) -> str:  # type: ignore[assignment]
        if denied := self.service._denied(key, request):
            return denied
        for key_ in (ids or "").split():
            self.container.watched_questions.remove(key_)
        return self.shown()

    def count_line(self) -> str:
        n = self.container.watched_questions.with_news()
        return f" · ★ {n} watched question{'s' if n != 1 else ''} with news" if n else ""


def watched_html(w: WatchedQuestion) -> str:
    last = w.answers[-1]
    head = (
        f'<details class="nd-watch" open><summary><b>{html.escape(w.question)}</b>'
        f'<span class="nd-meta"> {html.escape(w.id)} · {len(w.answers)} answers</span></summary>'
    )
    news = w.news() if w.unread else None
    body = ""
    if news:
        cited = "; ".join(_cite(c) for c in news["new_citations"]) or "none new"
        body += (
            f'<p class="nd-news">{html.escape(news["line"])}<br>'
            f'<span class="nd-meta">new sources: {cited}</span></p>'
            f'<p class="nd-earlier">Earlier ({html.escape(long_date(news["since"]))}): '
            f"{html.escape(news['earlier'])}</p>"
        )
    else:
        body += f"<p>{html.escape(long_date(last.day))}: {html.escape(last.answer)}</p>"
    history = "".join(
        f"<li>{html.escape(long_date(k.day))}: {html.escape(k.answer)}</li>"
        for k in reversed(w.answers[:-1])
    )
    if history:
        body += f"<details><summary>History</summary><ul>{history}</ul></details>"
    return head + body + "</details>"


def _cite(c: dict[str, Any]) -> str:
    title = html.escape(c.get("title") or c.get("article_id", ""))
    url = c.get("url") or ""
    if url.startswith(("http://", "https://")):
        title = (
            f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">{title}</a>'
        )
    meta = ", ".join(html.escape(x) for x in (c.get("source"), c.get("published_at")) if x)
    return title + (f" ({meta})" if meta else "")


def watched_tab(watched: Watched, key: gr.Textbox) -> gr.HTML:
    """The watched questions; returns the HTML the star and the checks refresh."""
    shown = gr.HTML(watched.shown(), elem_id="nd-watched")
    with gr.Row():
        show = gr.Button("Refresh", scale=1)
        check = gr.Button("Check for news now", scale=1)
        read = gr.Button("Mark all read", scale=1)
    with gr.Row():
        ids = gr.Textbox(label="Question ids to stop watching (space separated)", scale=4)
        remove = gr.Button("Stop watching", variant="stop", scale=1)
    show.click(watched.shown, None, shown, api_name="watched")
    check.click(watched.check_now, [key], shown, api_name="check_watched", concurrency_id="write")
    read.click(watched.mark_read, None, shown, api_visibility="private")
    remove.click(
        watched.remove, [ids, key], shown, api_visibility="private", concurrency_id="write"
    )
    return shown


def refresh_after(service: ChatService, added: int) -> None:
    """After a refresh indexed news: the watched questions it changes are answered again."""
    if not added:
        return
    try:
        with service.write_lock:
            changed = service.container.watched_questions.refresh()
    except (QAError, IndexingError) as exc:
        log.warning("watched questions: could not answer again: %s", exc)
        return
    if changed:
        log.info("watched questions with news: %d", len(changed))


CSS = """
.nd-news { border-left: 4px solid #15803d; background: #f0fdf4; padding: .4em .7em; }
.nd-earlier { color: #6b7280; font-size: .9em; }
"""

__all__ = ["CSS", "Watched", "refresh_after", "watched_tab"]
