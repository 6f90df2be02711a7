"""Start a server process on a free loopback port and wait until it answers; used by
`newsdesk bench` and by the integration tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerDidNotStart(RuntimeError):
    """The process exited, or did not answer in time; the message ends with its output."""


@contextmanager
def running(
    cmd: Sequence[str],
    ready_url: str,
    *,
    env: Mapping[str, str],
    log: Path,
    timeout: float = 300,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen]:
    """Run `cmd` (output to `log`) until `ready_url` answers; stop it on leaving."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(cmd), env=dict(env), stdout=out, stderr=subprocess.STDOUT, cwd=cwd
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(ready_url, timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-3000:]
                    raise ServerDidNotStart(f"{' '.join(cmd)} did not start:\n{tail}") from None
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def llama_cpp_server(model: Path, port: int, *, alias: str, n_ctx: int, threads: int) -> list[str]:
    """The command that serves a GGUF file with llama.cpp's OpenAI-compatible server
    (llama-cpp-python[server]) on a loopback port. Its RAM cache keeps the evaluated state of
    recent prompts: questions asked together interleave their check and answer requests, and
    without it each request would read its whole prompt again."""
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(threads), "--n_threads_batch", str(threads),
        "--cache", "true", "--cache_size", str(2 << 30),
    ]  # fmt: skip
