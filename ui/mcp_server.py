"""Newsdesk as a Model Context Protocol server, on the official Python SDK (`mcp`): tools
`search_news` (passages with their sources), `ask` (the checked answer with its citations),
`timeline` (the dated articles on a question or a story, oldest first) and, only when
started with the write credential, `add_article` (a web address or a text).
The same container as the CLI and the app builds every part: one code path for answering.
Run over stdio (`newsdesk mcp`), or streamable HTTP (`newsdesk mcp --http`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from index.errors import IndexingError, ReadError
from index.readers import article_from_record
from index.web import is_url
from qa.dates import as_of_date
from qa.errors import QAError

from .container import Container

INSTRUCTIONS = (
    "Newsdesk answers questions from the news articles it holds. `ask` gives a short answer in "
    "which every claim cites a passage ([n] markers, with the sources), or says plainly that "
    "the articles don't say; `search_news` gives the passages themselves; `timeline` the dated "
    "articles on a question or a story, oldest first. Pass `as_of` (YYYY-MM-DD) to ask as "
    "of a date (default: today; newer articles weigh more)."
)


def build_server(container: Container, may_write: bool) -> MCPServer:
    server = MCPServer(name="newsdesk", instructions=INSTRUCTIONS)

    @server.tool()
    def search_news(query: str, as_of: str = "", k: int = 4) -> dict[str, Any]:
        """Passages of the news articles that match a query, best first, each with its
        article's title, outlet, date and address."""
        day = _day(as_of)
        k = max(1, min(int(k), 20))
        passages = container.retriever.passages(query, k, day)
        return {
            "passages": [
                {
                    "n": p.n,
                    "article_id": p.article_id,
                    "title": p.title,
                    "source": p.source,
                    "published_at": p.published_at,
                    "url": p.url,
                    "text": p.text,
                    "score": round(float(p.score), 4),
                }
                for p in passages
            ]
        }

    @server.tool()
    def ask(question: str, as_of: str = "") -> dict[str, Any]:
        """A checked answer to a question about the news articles: every claim cites its
        passage ([n]); `refused` is true when the articles don't say."""
        try:
            answer = container.answerer.ask(question, as_of=_day(as_of))
        except QAError as exc:
            raise ToolError(str(exc)) from None
        return {
            "answer": answer.answer,
            "refused": answer.refused,
            "refusal_reason": answer.refusal_reason,
            "reported": answer.reported,
            "citations": [asdict(c) for c in answer.citations],
        }

    @server.tool()
    def timeline(question: str = "", story: str = "", as_of: str = "") -> dict[str, Any]:
        """The dated articles on a question (or every article of one story, by its id), oldest
        first, each with the sentence that matters and its address; undated ones apart."""
        if bool(question) == bool(story):
            raise ToolError("give a question or a story id (one of them)")
        timelines = container.timelines
        try:
            found = (
                timelines.for_story(story)
                if story
                else timelines.for_question(question, _day(as_of))
            )
        except QAError as exc:
            raise ToolError(str(exc)) from None
        return found.to_json()

    if may_write:

        @server.tool()
        def add_article(
            url: str = "", text: str = "", title: str = "", source: str = "", date: str = ""
        ) -> dict[str, Any]:
            """Add an article: a web address (an article page or an RSS/Atom feed), or a
            text with its title, outlet and date (YYYY-MM-DD). One line per article."""
            if bool(url) == bool(text):
                raise ToolError("give either a url or a text")
            try:
                return {"lines": _add(url, text, title, source, date)}
            except IndexingError as exc:  # the index is busy or cannot be written
                raise ToolError(str(exc)) from None

        def _add(url: str, text: str, title: str, source: str, date: str) -> list[str]:
            if url:
                if not is_url(url):
                    raise ToolError("the url must start with http:// or https://")
                results = list(container.web.read(url))  # fetched outside the lock
                with container.write_lock("mcp add_article"):
                    outcomes = list(container.ingestor.add_results(results))
            else:
                record = {"title": title, "text": text, "source": source, "published_at": date}
                try:
                    article = article_from_record(record, "text")
                except ReadError as exc:
                    raise ToolError(exc.reason) from None
                with container.write_lock("mcp add_article"):
                    outcomes = [container.ingestor.add(article, "text")]
            return [o.line() for o in outcomes]

    return server


def _day(as_of: str) -> str:
    """The date a question is asked on: `as_of`, or today, as in the chat."""
    try:
        return as_of_date(as_of)
    except QAError as exc:
        raise ToolError(str(exc)) from None
