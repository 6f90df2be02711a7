"""The `newsdesk` command line. Errors of the inner parts become messages here."""

from __future__ import annotations

import errno
import json
import logging
import signal
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from index.errors import IndexingError, ReadError
from index.ingest import AddOutcome, Overrides
from index.readers import expand_paths, normalise_date
from index.store import Health
from index.stories import groups
from index.web import is_url
from qa.dates import as_of_date, long_date
from qa.errors import QAError
from qa.types import Answer, Delta, Done

from .access import Access
from .cli_bench import bench
from .cli_eval import eval_, fit_evidence, fit_refusal
from .cli_watch import watch, watch_question
from .container import Container
from .offline import go_offline
from .render import say
from .settings import Settings, SettingsError

ContainerFactory = Callable[[Settings], Container]


def _container(ctx: click.Context) -> Container:
    state = ctx.find_root().obj
    if "container" not in state:
        factory: ContainerFactory = state.get("factory") or Container
        state["container"] = factory(state["settings"])
    return state["container"]


class _Group(click.Group):
    """Turns the inner parts' errors into one-line messages with exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (IndexingError, QAError, SettingsError) as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    help="Index folder (env NEWSDESK_DATA_DIR; default ~/.local/share/newsdesk).",
)
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    help="Use this GGUF model file instead of the packaged one (env NEWSDESK_MODEL).",
)
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, model: Path | None) -> None:
    """Newsdesk: ask questions about your news articles, answered with citations, offline."""
    ctx.ensure_object(dict)
    try:
        ctx.obj["settings"] = Settings.load({"data_dir": data_dir, "model": model})
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


def _check_date(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_date(value, "--date")
    except ReadError as exc:
        raise click.BadParameter(exc.reason) from None


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--source", help="Outlet name for every article added.")
@click.option("--date", callback=_check_date, help="Publication date (YYYY-MM-DD) for all.")
@click.option("--url", help="Address of the article (for a single article).")
@click.pass_context
def add(ctx, inputs: tuple[str, ...], source: str | None, date: str | None, url: str | None):
    """Add articles from files, folders, web pages or RSS/Atom feeds.

    INPUTS are files (.txt .md .html .json .jsonl .rss .atom .xml), folders (read
    recursively) or http(s) addresses of an article page or a feed."""
    container = _container(ctx)
    overrides = Overrides(source or "", date or "", url or "")
    targets: list[tuple[str, str | None]] = []
    for item in inputs:
        if is_url(item):
            targets.append((item, None))
        else:
            targets += [(str(p), missing) for p, missing in expand_paths([Path(item)])]
    counts: Counter[str] = Counter()
    chunks = 0
    started = time.perf_counter()
    show_bar = len(targets) >= 10 and sys.stderr.isatty()
    lock = container.write_lock("newsdesk add", _tell)
    bar_ = click.progressbar(targets, label="Adding", file=sys.stderr, hidden=not show_bar)
    with lock, bar_ as bar:
        for target, missing in bar:
            outcomes: Iterable[AddOutcome]
            if missing:
                outcomes = [AddOutcome("failed", target, reason=missing)]
            elif is_url(target):
                outcomes = container.ingestor.add_results(container.web.read(target), overrides)
            else:
                outcomes = container.ingestor.add_file(Path(target), overrides)
            for out in outcomes:
                counts[out.status] += 1
                if out.status in ("added", "updated"):
                    chunks += out.chunks
                say(out.line())
    shown = ("added", "updated", "unchanged", "refused", "failed")
    summary = ", ".join(f"{counts[s]} {s}" for s in shown if counts[s] or s != "refused")
    took = time.perf_counter() - started
    rate = f", {chunks / took:.1f} chunks/s" if chunks and took > 0 else ""
    say(f"{summary} in {took:.1f} s ({chunks} chunks embedded{rate})")
    if counts["failed"]:
        ctx.exit(1)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_(ctx, as_json: bool):
    """List the indexed articles, newest first."""
    articles = _container(ctx).store.list_articles()
    grouped = {a.article_id: story for story, ms in groups(articles).items() for a in ms}
    if as_json:
        rows = [
            {
                "id": a.article_id,
                "title": a.title,
                "source": a.source,
                "published_at": a.published_at,
                "url": a.url,
                "chunks": a.chunks,
                "story": grouped.get(a.article_id, ""),
                "kept_out": a.kept_out,
            }
            for a in articles
        ]
        say(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for a in articles:
        notes = [f"story {grouped[a.article_id]}"] if a.article_id in grouped else []
        notes += [f"kept out: {a.kept_out}"] if a.kept_out else []
        note = f"  ({'; '.join(notes)})" if notes else ""
        say(f"{a.article_id}  {a.published_at or '----------'}  {a.source or '-'}  {a.title}{note}")
    say(f"{len(articles)} articles, {len(set(grouped.values()))} stories of several")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def stories(ctx, as_json: bool):
    """List the stories: articles that carry near-identical text (wire copies, versions)."""
    found = groups(_container(ctx).store.list_articles())
    if as_json:
        rows = {
            story: [
                {
                    "id": a.article_id,
                    "title": a.title,
                    "source": a.source,
                    "published_at": a.published_at,
                    "url": a.url,
                }
                for a in members
            ]
            for story, members in found.items()
        }
        say(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for story, members in found.items():
        say(f"story {story}: {len(members)} articles")
        for a in members:
            day = a.published_at or "----------"
            say(f"    {day}  {a.source or '-'}  {a.title}  {a.article_id}")
    say(f"{len(found)} stories of several articles")


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_context
def remove(ctx, ids: tuple[str, ...]):
    """Remove articles (and all their passages) by id."""
    container = _container(ctx)
    missing = 0
    with container.write_lock("newsdesk remove", _tell):
        for article_id in ids:
            if container.store.remove(article_id):
                say(f"removed    {article_id}")
            else:
                missing += 1
                say(f"not found  {article_id}", err=True)
    if missing:
        ctx.exit(1)


@cli.command()
@click.option(
    "--repair",
    is_flag=True,
    help="Clear what a crashed writer left and re-index articles that lost passages.",
)
@click.pass_context
def check(ctx, repair: bool):
    """Check the index: passages no reader can see, articles missing passages."""
    container = _container(ctx)
    health = container.store.check()
    say(_health_line(health))
    if health.ok:
        return
    if not repair:
        say("run `newsdesk check --repair` to fix it", err=True)
        ctx.exit(1)
    with container.write_lock("newsdesk check --repair", _tell):
        health = container.store.check()  # again, now that no one else writes
        cleared = container.store.clear_invisible(health)
        outcomes = list(container.ingestor.reindex(health.incomplete))
    for out in outcomes:
        say(out.line())
    after = container.store.check()
    say(
        f"repaired: {cleared} invisible passages cleared, {len(outcomes)} articles "
        f"re-indexed; now {_health_line(after)}"
    )
    if not after.ok:
        ctx.exit(1)


def _tell(message: str) -> None:
    say(message, err=True)


def _health_line(h: Health) -> str:
    problems = [
        f"{sum(h.orphans.values())} passages of {len(h.orphans)} unlisted articles"
        if h.orphans
        else "",
        f"{sum(h.stale.values())} passages of old versions" if h.stale else "",
        f"{len(h.incomplete)} articles missing passages" if h.incomplete else "",
    ]
    found = "; ".join(p for p in problems if p) or "ok"
    return f"{h.articles} articles, {h.chunks} passages: {found}"


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (--format json).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "json"]),
    default="text",
    help="text (default), md (Markdown with its sources, to keep) or json.",
)
@click.option("--top-k", type=click.IntRange(1, 20), help="Passages given to the model.")
@click.option(
    "--as-of",
    callback=_check_date,
    help="Answer as of this date (YYYY-MM-DD; default today, as the chat does).",
)
@click.pass_context
def ask(ctx, question: str, as_json: bool, fmt: str, top_k: int | None, as_of: str | None):
    """Ask a question; the answer cites the passages it comes from."""
    if not question.strip():
        raise click.BadParameter("the question is empty", param_hint="QUESTION")
    container = _container(ctx)
    answerer = container.answerer
    fmt = "json" if as_json else fmt
    # asked today unless told otherwise, as in the chat and the API: newer articles weigh
    # more ("Who is the manager of the Angels?" is not answered from a 2022 story alone)
    as_of = as_of_date(as_of)
    if fmt != "text":
        answer = answerer.ask(question, top_k=top_k, as_of=as_of)
        record = answer.to_json()
        text = (
            answer.to_markdown()
            if fmt == "md"
            else json.dumps(record, ensure_ascii=False, indent=2)
        )
        say(text.rstrip("\n"))
        return
    for event in answerer.stream(question, top_k=top_k, as_of=as_of):
        match event:
            case Delta():  # the draft is never printed: only the checked answer is
                pass
            case Done(answer):
                _print_answer(answer)
                if not answer.passages and container.store.count_articles() == 0:
                    say("(no article is indexed yet: add some with `newsdesk add FILE|FOLDER|URL`)")


@cli.command()
@click.argument("question", required=False)
@click.option("--story", help="A story's id (as `newsdesk stories` lists them) instead.")
@click.option(
    "--as-of", callback=_check_date, help="Rank for this date (YYYY-MM-DD; default today)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "json"]),
    default="text",
    help="text (default), md or json.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (--format json).")
@click.pass_context
def timeline(ctx, question: str | None, story: str | None, as_of, fmt: str, as_json: bool):
    """The dated articles on a question (or one story), oldest first, each with the
    sentence that matters."""
    if bool(question) == bool(story):
        raise click.UsageError("give a question, or --story ID (one of them)")
    timelines = _container(ctx).timelines
    found = (
        timelines.for_story(story)
        if story
        else timelines.for_question(question or "", as_of_date(as_of))
    )
    fmt = "json" if as_json else fmt
    if fmt == "json":
        say(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
        return
    if fmt == "md":
        say(found.to_markdown().rstrip("\n"))
        return
    if not (found.events or found.undated):
        say("The articles say nothing about it.")
    for e in [*found.events, *found.undated]:
        say(e.line())
        if e.url:
            say(f"    {e.url}")
        if e.also_in:
            say("    also in: " + "; ".join(o.source or o.title for o in e.also_in))


def _print_answer(answer: Answer) -> None:
    say(answer.answer)
    if answer.reported:
        say(f"(as of {long_date(answer.reported)}, the date of the newest article cited)")
    for sentence in answer.unsupported:
        say(f"(no passage supports: {sentence})", fg="yellow")
    if answer.citations:
        say("\nSources:")
    for c in answer.citations:
        meta = ", ".join(x for x in (c.source, c.published_at) if x)
        say(f"[{c.n}] {c.title}" + (f" ({meta})" if meta else ""))
        if c.url:
            say(f"    {c.url}")
        if c.also_in:
            say(f"    {c.also_line()}")
        passage = " ".join(c.passage.split())
        say(f"    “{passage[:400]}{'…' if len(passage) > 400 else ''}”")


@cli.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default 7860).")
@click.option(
    "--samples-if-empty",
    is_flag=True,
    help="Index the bundled samples first when the index is empty.",
)
@click.pass_context
def serve(ctx, host: str | None, port: int | None, samples_if_empty: bool):
    """Serve the chat app in the browser."""
    container = _container(ctx)
    s = container.settings
    Access.from_settings(s).check_server(host or s.host, s.allow_open)  # before any work
    _check_address(host or s.host, port or s.port)
    # the model and the encoder load (native code, the other core) while Gradio imports; not
    # a daemon: a stop while they load waits for them (seconds), as the process may not end
    # under native code that is still running (a segmentation fault at exit)
    threading.Thread(target=_load_models, args=(container,), name="load").start()
    from .app import serve as serve_app
    from .samples import index_samples

    with container.write_lock("newsdesk serve"):  # held while it runs
        if samples_if_empty and container.store.count_articles() == 0:
            for out in index_samples(container.ingestor):
                say(out.line())
        say(f"Newsdesk on http://{host or s.host}:{port or s.port}")
        # a service manager's stop (SIGTERM: systemd, `docker stop`) is a Ctrl-C: the server
        # closes, the write lock is let go and the process's temporary files are removed
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        serve_app(container, host or s.host, port or s.port)


def _check_address(host: str, port: int) -> None:
    """One line, before any work, when the address cannot be served on: another server
    holds the port, or the host is no address of this machine."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            hint = "another server holds the port: choose another with --port"
        else:
            hint = "not an address of this machine: choose another with --host"
        raise click.ClickException(
            f"cannot serve on {host}:{port}: {exc.strerror or exc} ({hint})"
        ) from None


def _load_models(container: Container) -> None:
    try:
        container.load_models()
    except Exception as exc:  # the first question reports it; the log says it now
        logging.getLogger("newsdesk").warning("loading the models failed: %s", exc)


@cli.command("mcp")
@click.option("--http", "over_http", is_flag=True, help="Streamable HTTP instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="With --http: address.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--write-key",
    default="",
    help="NEWSDESK_WRITE_TOKEN's value: adds the add_article tool (without it there is none).",
)
@click.pass_context
def mcp(ctx, over_http: bool, host: str, port: int, write_key: str):
    """Serve Newsdesk to agent apps over the Model Context Protocol (stdio by default)."""
    from .access import is_loopback
    from .mcp_server import build_server

    container = _container(ctx)
    s = container.settings
    access = Access.from_settings(s)
    may_write = bool(write_key and access.write_token and access.may_write(write_key, None))
    if write_key and not may_write:
        raise click.UsageError("--write-key does not match NEWSDESK_WRITE_TOKEN")
    if over_http and not is_loopback(host) and not s.allow_open:
        raise click.UsageError(
            f"refusing to serve MCP on {host}: its tools need no login; "
            "NEWSDESK_ALLOW_OPEN=1 to serve it there anyway"
        )
    if over_http:
        _check_address(host, port)
    server = build_server(container, may_write)
    if over_http:
        server.run("streamable-http", host=host, port=port)
    else:
        server.run()  # stdio: nothing else may write to stdout


@cli.command("prepare-model")
@click.pass_context
def prepare_model(ctx):
    """Assemble and verify the packaged model, and export the encoder (done on first use
    otherwise)."""
    container = _container(ctx)
    say(str(container.model_path()))
    if encoder := container.embedder.prepare():
        say(encoder)


@cli.command("settings")
@click.pass_context
def settings_(ctx):
    """Show every setting: its variable, its value now, and what it does."""
    for variable, description, value in ctx.find_root().obj["settings"].describe():
        say(f"{variable}={'' if value is None else value}\n    {description}")


cli.add_command(eval_)
cli.add_command(fit_refusal)
cli.add_command(fit_evidence)
cli.add_command(bench)
cli.add_command(watch)
cli.add_command(watch_question)


def main() -> None:
    go_offline()  # before any library that reads these variables is imported
    cli(obj={})


if __name__ == "__main__":
    main()
