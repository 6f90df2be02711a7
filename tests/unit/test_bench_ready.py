"""The bench's "ready to answer": the first moment /healthz says ok, after the page."""

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ui.bench import _answerable
from ui.servers import ServerDidNotStart


def _serve(statuses: list[int]):
    """A server whose /healthz answers each status in turn (the last one from then on)."""
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            asked.append(self.path)
            status = statuses[min(len(asked), len(statuses)) - 1]
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/healthz", asked


def test_ready_to_answer_waits_through_loading_until_healthz_is_ok():
    server, url, asked = _serve([503, 503, 200])
    try:
        t0 = time.perf_counter()
        seconds = _answerable(url, t0, ready_s=0.01, proc=None)
    finally:
        server.shutdown()
    assert len(asked) == 3 and 0.1 <= seconds < 5  # two waits of 0.05 s between the tries


def test_a_server_without_healthz_is_ready_to_answer_with_its_page():
    server, url, asked = _serve([404])
    try:
        assert _answerable(url, time.perf_counter(), ready_s=7.5, proc=None) == 7.5
    finally:
        server.shutdown()
    assert len(asked) == 1


def test_a_server_that_never_gets_ready_is_reported():
    server, url, _ = _serve([503])
    try:
        with pytest.raises(TimeoutError, match="did not answer ok in time"):
            _answerable(url, time.perf_counter(), ready_s=0.0, proc=None, timeout=0.3)
    finally:
        server.shutdown()


def test_a_server_that_exits_while_loading_is_reported_at_once():
    server, url, _ = _serve([503])
    exited = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    exited.wait()
    try:
        t0 = time.perf_counter()
        with pytest.raises(ServerDidNotStart, match="exited \\(status 3\\)"):
            _answerable(url, t0, ready_s=0.0, proc=exited, timeout=60)
    finally:
        server.shutdown()
    assert time.perf_counter() - t0 < 5  # not the 60 s timeout
