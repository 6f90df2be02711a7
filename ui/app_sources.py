"""The Sources tab and the server's background checks of watched sources."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from index.errors import IndexingError
from index.watch import CheckReport

from .app_watched import refresh_after
from .gradio_lean import gradio as gr

if TYPE_CHECKING:
    from .app import ChatService

log = logging.getLogger("newsdesk.watch")
HEADERS = ["id", "address", "every", "state", "last check", "last new", "last error", "next"]


class Sources:
    """What the Sources tab calls; writes need the write key, as every other write does."""

    def __init__(self, service: ChatService) -> None:
        self.service = service
        self.container = service.container

    def rows(self) -> list[list]:
        out = []
        for s in self.container.sources.list():
            r = s.row()
            state = "paused" if r["paused"] else ("failing" if r["failures"] else "active")
            out.append(
                [
                    r["id"],
                    r["url"],
                    r["every"],
                    f"{state}, {r['items']} items",
                    r["last_check"] or "never",
                    r["last_new"] or "never",
                    r["last_error"],
                    r["next_check"] or "-",
                ]
            )
        return out

    def add(
        self,
        url: str,
        every: str = "",
        key: str = "",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> str:
        """Watches an address and checks it at once."""
        if denied := self.service._denied(key, request):
            return denied
        try:
            with self.service.write_lock:
                source = self.container.watcher.add((url or "").strip(), every or None)
                report = self.container.watcher.check(source)
        except IndexingError as exc:
            return f"failed     {url or 'address'}: {exc}"
        self._count(report)
        refresh_after(self.service, report.added)
        return f"watching  {source.url} every {source.row()['every']}\n{report.line()}"

    def act(
        self,
        ids: str,
        action: str,
        key: str = "",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> str:
        """pause, resume or remove the sources named (ids or addresses, space separated)."""
        if denied := self.service._denied(key, request):
            return denied
        lines = []
        watcher = self.container.watcher
        with self.service.write_lock:
            for key_ in (ids or "").split():
                try:
                    if action == "remove":
                        watcher.remove(key_)
                    else:
                        watcher.pause(key_, action == "pause")
                    lines.append(f"{action:<9} {key_}")
                except IndexingError as exc:
                    lines.append(f"failed     {exc}")
        return "\n".join(lines) or "no source named"

    def pause(self, ids: str, key: str = "", request: gr.Request = None) -> str:  # type: ignore[assignment]
        return self.act(ids, "pause", key, request)

    def resume(self, ids: str, key: str = "", request: gr.Request = None) -> str:  # type: ignore[assignment]
        return self.act(ids, "resume", key, request)

    def remove(self, ids: str, key: str = "", request: gr.Request = None) -> str:  # type: ignore[assignment]
        return self.act(ids, "remove", key, request)

    def check_now(self, key: str = "", request: gr.Request = None) -> str:  # type: ignore[assignment]
        """Checks every unpaused source now."""
        if denied := self.service._denied(key, request):
            return denied
        with self.service.write_lock:
            reports = list(self.container.watcher.run_due(force=True))
        for report in reports:
            self._count(report)
        refresh_after(self.service, sum(r.added for r in reports))
        return "\n".join(r.line() for r in reports) or "no source to check"

    def _count(self, report: CheckReport) -> None:
        if self.service.metrics:
            self.service.metrics.checked(report)


def sources_tab(sources: Sources, key: gr.Textbox) -> list:
    """The watch list, adding an address, pausing, resuming and removing; returns the write
    events (the status line follows them)."""
    table = gr.Dataframe(headers=HEADERS, value=sources.rows(), interactive=False)
    with gr.Row():
        address = gr.Textbox(
            label="Watch a web address (RSS/Atom feed or page)", placeholder="https://…", scale=4
        )
        every = gr.Textbox(label="Every", placeholder="30m", max_length=20, scale=1)
        watch = gr.Button("Watch", variant="primary", scale=1)
    with gr.Row():
        ids = gr.Textbox(label="Source ids (space separated; click a row to add it)", scale=4)
        pause = gr.Button("Pause", scale=1)
        resume = gr.Button("Resume", scale=1)
        remove = gr.Button("Remove", variant="stop", scale=1)
        check = gr.Button("Check all now", scale=1)
    outcome = gr.Textbox(label="Result", lines=3, interactive=False)
    table.select(_pick, ids, ids, api_visibility="private")
    queue: dict[str, Any] = {"concurrency_id": "write", "concurrency_limit": 1}
    events = [
        watch.click(sources.add, [address, every, key], outcome, api_name="watch", **queue),
        check.click(sources.check_now, [key], outcome, api_name="check_sources", **queue),
    ]
    for button, act in ((pause, sources.pause), (resume, sources.resume), (remove, sources.remove)):
        events.append(button.click(act, [ids, key], outcome, api_visibility="private", **queue))
    for event in events:
        event.then(sources.rows, None, table, api_visibility="private")
    return events


def _pick(ids: str, event: gr.SelectData) -> str:
    row = event.row_value or []
    picked = str(row[0]) if row else ""
    current = (ids or "").split()
    return " ".join(current + [picked] if picked and picked not in current else current)


def watch_in_background(service: ChatService, stop: threading.Event) -> threading.Thread:
    """Checks the due sources every NEWSDESK_WATCH_POLL seconds while the server runs; a
    failure is logged and the loop goes on. Once `stop` is set it ends after the source it
    is checking (the others wait for the next start, still due)."""
    container = service.container
    sources = Sources(service)

    def loop() -> None:
        while not stop.wait(container.settings.watch_poll):
            try:
                with service.write_lock:
                    reports = list(container.watcher.run_due(stop=stop))
            except Exception as exc:  # the server stays up; the next round tries again
                log.warning("watch: the round of checks failed: %s", exc)
                continue
            for report in reports:
                sources._count(report)
                log.info("watch: %s", report.line())
            if not stop.is_set():
                refresh_after(service, sum(r.added for r in reports))

    thread = threading.Thread(target=loop, name="watch", daemon=True)
    thread.start()
    return thread


__all__ = ["Sources", "sources_tab", "watch_in_background"]
