"""`newsdesk watch`: sources read again on a schedule (feeds and pages), kept with the index."""

from __future__ import annotations

import json
import time

import click

from index.watch import CheckReport

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
    container = _container(ctx)
    with container.write_lock("newsdesk watch pause", _tell):
        source = container.watcher.pause(key, True)
    say(f"paused    {source.url}")


@watch.command("resume")
@click.argument("key")
@click.pass_context
def resume(ctx, key: str):
    """Resume a paused source (checked at the next run)."""
    container = _container(ctx)
    with container.write_lock("newsdesk watch resume", _tell):
        source = container.watcher.pause(key, False)
    say(f"resumed   {source.url}")


@watch.command("run")
@click.option("--once", is_flag=True, help="Check the due sources once and exit (for cron).")
@click.option("--all", "every_source", is_flag=True, help="Check every source, due or not.")
@click.pass_context
def run(ctx, once: bool, every_source: bool):
    """Check the due sources: once, or on and on (every NEWSDESK_WATCH_POLL seconds) until
    interrupted. Exits 1 when a check failed (with --once)."""
    container = _container(ctx)
    failed = 0
    with container.write_lock("newsdesk watch run", _tell):
        while True:
            for report in container.watcher.run_due(force=every_source):
                failed += report.status == "failed"
                _print(report)
            if once:
                break
            time.sleep(container.settings.watch_poll)
    if failed:
        ctx.exit(1)


def _print(report: CheckReport) -> None:
    for outcome in report.outcomes:
        say(outcome.line())
    say(report.line())


__all__ = ["watch"]
