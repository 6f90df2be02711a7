"""What a start imports: the server's page and the CLI do not wait for libraries they do not
use (the MCP SDK under Gradio, datasketch's scipy)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ui.gradio_lean import hidden

ROOT = Path(__file__).resolve().parents[2]

# one fresh interpreter, what it holds after each step
STEPS = """
import json, sys
def held(*names):
    print(json.dumps({n: n in sys.modules for n in names}))
import ui.cli
held("datasketch", "gradio", "mcp")
import ui.app
held("datasketch", "gradio", "mcp")
import mcp.server
from index.stories import shingles, signature
signature(shingles("a b c d e f"))
held("datasketch", "mcp.server")
"""


def test_a_hidden_module_cannot_be_imported_inside_the_block_and_can_after():
    name = "newsdesk_test_absent_json"
    sys.modules.pop(name, None)
    with hidden(name), pytest.raises(ImportError):
        __import__(name)
    assert name not in sys.modules  # nothing left behind that would block it later
    with hidden("json"):  # already imported: left alone
        assert __import__("json") is json


def test_the_cli_and_the_app_import_neither_datasketch_nor_the_mcp_sdk_until_used():
    out = subprocess.run(
        [sys.executable, "-c", STEPS], cwd=ROOT, capture_output=True, text=True, check=True
    )
    cli, app, used = (json.loads(line) for line in out.stdout.strip().splitlines()[-3:])
    assert cli == {"datasketch": False, "gradio": False, "mcp": False}
    assert app == {"datasketch": False, "gradio": True, "mcp": False}
    assert used == {"datasketch": True, "mcp.server": True}  # both still import when wanted
