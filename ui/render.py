"""HTML for answers and sources, and lines for the terminal. Every piece of article or model
text is escaped here."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import click

from qa.citations import MARKER, cited_sentences, supporting_spans
from qa.dates import long_date
from qa.timeline import Timeline
from qa.types import Answer, Citation

CONTEXT_CHARS = 240

# HTML's and Markdown's active characters as numeric references: the chat renders Markdown,
# and model text such as ![x](https://…) must show as text, never load an image or a link.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'\\`*_[]()!|~#"})


def inert(text: str) -> str:
    """Model or article text made safe to put in a Markdown-rendering chat: shown as is."""
    return text.translate(_INERT)


# What a terminal acts on: escape sequences (CSI, OSC with its string, and the rest), other
# C0 and C1 controls (tab and newline kept), and the bidirectional overrides that make text
# read differently from what it is.
_TERMINAL_ACTIVE = re.compile(
    r"\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)?"  # OSC …  BEL or ST
    r"|\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]?"  # CSI
    r"|\x1b[@-_]?"  # other escapes
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def terminal_safe(text: str) -> str:
    """Article or model text made safe to print: nothing in it acts on the terminal."""
    return _TERMINAL_ACTIVE.sub("", text)


def say(message: Any = "", err: bool = False, **style: Any) -> None:
    """`click.echo` (or `secho` with a style) of text made terminal-safe: the command line
    prints everything through this."""
    text = terminal_safe(str(message))
    if style:
        click.secho(text, err=err, **style)
    else:
        click.echo(text, err=err)


def answer_html(answer: Answer) -> str:
    """The answer with its [n] markers as links to the sources below; every other character
    of the model's text is inert."""
    if answer.refused and not answer.citations:
        return f'<div class="nd-refusal">{inert(answer.answer)}</div>'
    if answer.refused:  # what the articles do report, cited, though not the answer
        return f'<div class="nd-refusal nd-partial">{marked_up(answer.answer)}</div>'
    dated = f"As of {long_date(answer.reported)}: " if answer.reported else ""
    return f'<div class="nd-answer">{inert(dated)}{marked_up(answer.answer)}</div>'


def marked_up(text: str) -> str:
    """Text with its [n] markers as links; the rest inert."""
    out, at = [], 0
    for m in MARKER.finditer(text):
        out.append(inert(text[at : m.start()]))
        ns = re.split(r"[,;]\s*", m.group(1))
        out.append(" " + "".join(f'<a class="nd-marker" href="#nd-mark-{n}">[{n}]</a>' for n in ns))
        at = m.end()
    out.append(inert(text[at:]))
    return "".join(out)


def draft_html(text: str) -> str:
    """The reply as the model writes it, under a label that says it is an unchecked draft
    (struck through, greyed): the checked answer replaces it. Inert text only."""
    return (
        '<div class="nd-draft"><div class="nd-draft-label">Draft, being checked: not the '
        "answer; sentences no passage supports will be removed</div>"
        f'<div class="nd-streaming"><s>{inert(text)}</s></div></div>'
    )


def error_html(message: str) -> str:
    return f'<div class="nd-error">{inert(message)}</div>'


EMPTY_LIBRARY = "No article is indexed yet: add some in the Add articles tab."


def empty_library_html() -> str:
    return f'<div class="nd-meta">{EMPTY_LIBRARY}</div>'


def rewrite_html(standalone: str) -> str:
    """The standalone question a follow-up was rewritten into, in small print."""
    return f'<div class="nd-rewrite">Searched for: {inert(standalone)}</div>'


def _passage_html(passage: str, spans: Sequence[tuple[int, int]], anchor: str = "") -> str:
    """The passage on a light background, the sentences that support the answer marked."""
    out, at = [], 0
    for start, end in spans:
        out.append(html.escape(passage[at:start]))
        out.append(f"<mark>{html.escape(passage[start:end])}</mark>")
        at = end
    out.append(html.escape(passage[at:]))
    ident = f' id="{anchor}"' if anchor else ""
    return f'<span class="nd-cited"{ident}>{"".join(out)}</span>'


def passage_in_context(
    article_text: str, c: Citation, spans: Sequence[tuple[int, int]] = ()
) -> str:
    """The cited passage (supporting sentences marked) inside a little of the article."""
    passage = _passage_html(c.passage, spans)
    if article_text[c.start : c.end] != c.passage:
        return passage
    before = article_text[max(0, c.start - CONTEXT_CHARS) : c.start]
    after = article_text[c.end : c.end + CONTEXT_CHARS]
    lead = "…" if c.start > CONTEXT_CHARS else ""
    tail = "…" if c.end + CONTEXT_CHARS < len(article_text) else ""
    return f"{lead}{html.escape(before)}{passage}{html.escape(after)}{tail}"


def sources_html(answer: Answer, article_texts: dict[str, str]) -> str:
    if not answer.citations:
        return ""
    claims = cited_sentences(answer.answer)
    items = []
    for c in answer.citations:
        meta = " · ".join(html.escape(x) for x in (c.source, c.published_at) if x)
        title = html.escape(c.title or c.article_id)
        if c.url.startswith(("http://", "https://")):
            href = html.escape(c.url, quote=True)
            title = f'<a href="{href}" target="_blank" rel="noopener">{title}</a>'
        spans = supporting_spans([s for s, ns in claims if c.n in ns], c.passage)
        text = article_texts.get(c.article_id, "")
        context = passage_in_context(text, c, spans)
        also = html.escape(c.also_line())
        also = f'<p class="nd-also">{also}</p>' if also else ""
        items.append(
            f'<details class="nd-source" id="nd-source-{c.n}" open><summary>[{c.n}] {title}'
            f'<span class="nd-meta"> {meta}</span></summary>{also}'
            f'<p class="nd-passage">{context}</p>'
            f"{full_article_html(text, c, spans)}</details>"
        )
    return '<div class="nd-sources"><h4>Sources</h4>' + "".join(items) + "</div>"


def timeline_html(timeline: Timeline) -> str:
    """A timeline as a list, oldest first; undated articles after it, apart."""
    if not (timeline.events or timeline.undated):
        return '<p class="nd-refusal">The articles say nothing about it.</p>'

    def item(e) -> str:
        when = html.escape(long_date(e.published_at) if e.published_at else "undated")
        title = html.escape(e.title or e.article_id)
        if e.url.startswith(("http://", "https://")):
            href = html.escape(e.url, quote=True)
            title = f'<a href="{href}" target="_blank" rel="noopener">{title}</a>'
        outlet = f'<span class="nd-meta"> {html.escape(e.source)}</span>' if e.source else ""
        also = "; ".join(o.source or o.title for o in e.also_in)
        also = f'<span class="nd-also"> also in: {html.escape(also)}</span>' if also else ""
        sentence = html.escape(" ".join(e.sentence.split()))
        return f"<li><b>{when}</b> · {title}{outlet}{also}<br>{sentence}</li>"

    parts = ['<div class="nd-timeline"><ol>', *map(item, timeline.events), "</ol>"]
    if timeline.undated:
        parts += ["<h5>Undated</h5><ul>", *map(item, timeline.undated), "</ul>"]
    return "".join([*parts, "</div>"])


def full_article_html(text: str, c: Citation, spans: Sequence[tuple[int, int]] = ()) -> str:
    """The whole article, folded, with the cited passage shown; a click on the passage's
    marker in the answer (a link to the passage) unfolds it and scrolls there."""
    if text[c.start : c.end] != c.passage:
        return ""
    passage = _passage_html(c.passage, spans, anchor=f"nd-mark-{c.n}")
    body = f"{html.escape(text[: c.start])}{passage}{html.escape(text[c.end :])}"
    return (
        f'<details class="nd-full"><summary>Full article</summary>'
        f'<div class="nd-article">{body}</div></details>'
    )


CSS = """
.nd-refusal { border-left: 4px solid #b45309; background: #fff7ed; padding: .6em .8em;
  color: #7c2d12; font-style: italic; }
.nd-answer { line-height: 1.5; }
.nd-marker { font-size: .8em; vertical-align: super; text-decoration: none; }
.nd-source { margin: .4em 0; }
.nd-meta { color: #6b7280; font-size: .85em; }
.nd-also { color: #6b7280; font-size: .85em; margin: .2em 0; }
.nd-timeline li { margin: .4em 0; }
.nd-passage { white-space: pre-wrap; font-size: .92em; }
.nd-cited { background: #fef9c3; }
.nd-passage mark, .nd-article mark { background: #fcd34d; font-weight: 600; }
.nd-article { white-space: pre-wrap; max-height: 28em; overflow-y: auto; font-size: .92em; }
.nd-full > summary { cursor: pointer; color: #1d4ed8; font-size: .9em; }
.nd-error { border-left: 4px solid #b91c1c; background: #fef2f2; padding: .6em .8em;
  color: #7f1d1d; }
.nd-rewrite { color: #6b7280; font-size: .8em; margin-bottom: .3em; }
"""
