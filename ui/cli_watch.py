"""`newsdesk watch`: sources read again on a schedule (feeds and pages), kept with the index."""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import asdict

import click

from index.watch import CheckReport
from qa.dates import long_date

from .container import Container
from .render import say


def _container(ctx: click.Context) -> Container:
    state = ctx.find_root().obj
    if "container" not in state:
        factory = state.get("factory") or Container
        state["container"] = factory(state["settings"])
    return state["container"]


def _tell(message: str) -> None:
    say(message, err=True)


@click.group("watch")
def watch() -> None:
    """Watched sources: RSS/Atom feeds or pages checked again every interval; only new or
    changed items are fetched and indexed (`newsdesk serve` checks them in the background;
    `watch run --once` from cron does the same)."""


@watch.command("add")
@click.argument("url")
@click.option("--every", help="Interval: 30m, 2h, 1d (default: NEWSDESK_WATCH_EVERY).")
@click.option("--later", is_flag=True, help="Do not check it now; wait for the schedule.")
@click.pass_context
def add(ctx, url: str, every: str | None, later: bool):
    """Watch an address (an RSS/Atom feed or a page); it is checked at once."""
    container = _container(ctx)
    with container.write_lock("newsdesk watch add", _tell):
        source = container.watcher.add(url, every)
        say(f"watching  {source.url} every {source.row()['every']} ({source.id})")
        if not later:
            _print(container.watcher.check(source))


@watch.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_(ctx, as_json: bool):
    """The watched sources: each one's last check, last new item, last error, next check."""
    rows = [s.row() for s in _container(ctx).sources.list()]
    if as_json:
        say(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        state = "paused" if r["paused"] else f"next {r['next_check'] or 'now'}"
        say(f"{r['id']}  {r['url']}  every {r['every']}  {state}")
        say(
            f"    last check {r['last_check'] or 'never'}, last new {r['last_new'] or 'never'}, "
            f"{r['items']} items indexed"
        )
        if r["last_error"]:
            say(f"    last error ({r['failures']} in a row): {r['last_error']}", fg="yellow")
    say(f"{len(rows)} watched sources")


@watch.command("remove")
@click.argument("key")
@click.pass_context
def remove(ctx, key: str):
    """Stop watching a source (by its id or address); what it added stays indexed."""
    container = _container(ctx)
    with container.write_lock("newsdesk watch remove", _tell):
        container.watcher.remove(key)
    say(f"removed   {key}")


@watch.command("pause")
@click.argument("key")
@click.pass_context
def pause(ctx, key: str):
    """Pause a source's checks."""
    _pause(ctx, key, True)


@watch.command("resume")
@click.argument("key")
@click.pass_context
def resume(ctx, key: str):
    """Resume a paused source (checked at the next run)."""
    _pause(ctx, key, False)


def _pause(ctx, key: str, paused: bool) -> None:
    verb = "pause" if paused else "resume"
    container = _container(ctx)
    with container.write_lock(f"newsdesk watch {verb}", _tell):
        source = container.watcher.pause(key, paused)
    say(f"{verb + 'd':<9} {source.url}")


@watch.command("run")
@click.option("--once", is_flag=True, help="Check the due sources once and exit (for cron).")
@click.option("--all", "every_source", is_flag=True, help="Check every source, due or not.")
@click.pass_context
def run(ctx, once: bool, every_source: bool):
    """Check the due sources: once, or on and on (every NEWSDESK_WATCH_POLL seconds) until
    interrupted. Exits 1 when a check failed (with --once). A service manager's stop
    (SIGTERM) ends it after the source being checked; the others stay due."""
    container = _container(ctx)
    failed = 0
    stop = threading.Event()
    with container.write_lock("newsdesk watch run", _tell):
        # taken with the lock: a run still waiting for it has nothing to finish
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while True:
                added = 0
                for report in container.watcher.run_due(force=every_source, stop=stop):
                    failed += report.status == "failed"
                    added += report.added
                    _print(report)
                if added and not stop.is_set():  # news: the watched questions it changes
                    for watched in container.watched_questions.refresh():
                        news = watched.news()
                        say(f"news      {news['line'] if news else watched.question}")
                if once or stop.wait(container.settings.watch_poll):
                    break
        finally:
            signal.signal(signal.SIGTERM, previous)
    if failed:
        ctx.exit(1)


@click.command("watch-question")
@click.argument("question", required=False)
@click.option("--list", "listing", is_flag=True, help="The watched questions and their news.")
@click.option("--history", metavar="ID", help="Every answer one question got, dated.")
@click.option("--remove", metavar="ID", help="Stop watching a question.")
@click.option("--refresh", is_flag=True, help="Answer again those whose retrieval changed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def watch_question(ctx, question, listing, history, remove, refresh, as_json):
    """Watch a question: after a refresh adds articles that change what it retrieves, it is
    answered again, and the reader sees what is new since they asked."""
    container = _container(ctx)
    store = container.watched_questions
    if sum(map(bool, (question, listing, history, remove, refresh))) != 1:
        raise click.UsageError("give a question, or one of --list, --history, --remove, --refresh")
    if question or remove or refresh:
        with container.write_lock("newsdesk watch-question", _tell):
            if remove:
                if not store.remove(remove):
                    raise click.BadParameter(f"{remove}: not a watched question")
                say(f"removed   {remove}")
                return
            found = [store.watch(question)] if question else store.refresh()
    elif history:
        one = store.get(history)
        if one is None:
            raise click.BadParameter(f"{history}: not a watched question")
        found = [one]
    else:
        found = store.questions()
    if as_json:
        say(json.dumps([_record(w) for w in found], ensure_ascii=False, indent=2))
        return
    for w in found:
        say(f"{w.id}  {w.question}  ({len(w.answers)} answers)")
        if history:
            for kept in w.answers:
                say(f"    {long_date(kept.day)}: {kept.answer}")
            continue
        news = w.news() if w.unread else None
        say(
            f"    {news['line']}"
            if news
            else f"    {long_date(w.answers[-1].day)}: {w.answers[-1].answer}"
        )
    if listing or refresh:
        say(f"{len(found)} watched questions" + (" with news" if refresh else ""))


def _record(w) -> dict:
    return {
        "id": w.id,
        "question": w.question,
        "unread": w.unread,
        "news": w.news() if w.unread else None,
        "answers": [asdict(k) for k in w.answers],
    }


def _print(report: CheckReport) -> None:
    for outcome in report.outcomes:
        say(outcome.line())
    say(report.line())


__all__ = ["watch", "watch_question"]
