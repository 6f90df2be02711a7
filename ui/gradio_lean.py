"""Gradio, imported without the MCP SDK.

Gradio's own MCP server (`launch(mcp_server=True)`, which Newsdesk never uses: `newsdesk mcp`
is its MCP server) imports the MCP SDK, where installed, when Gradio is imported: 0.4-0.7 s
of every server start on two cores, before the first page. Gradio guards that import for
installs without the SDK, so it is hidden while Gradio imports and visible again after."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """Imports of these top-level modules raise ImportError inside the block; a module
    already imported is left alone."""
    hide = [name for name in names if name not in sys.modules]
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not found"
    try:
        yield
    finally:
        for name in hide:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


with hidden("mcp"):
    import gradio

__all__ = ["gradio", "hidden"]
