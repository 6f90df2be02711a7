"""Start a server process on a free loopback port and wait until it answers; used by
`newsdesk bench` and by the integration tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
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


def wait_for(
    url: str, proc: subprocess.Popen | None, deadline: float, *, absent_ok: bool = False
) -> bool:
    """Ask `url` every 50 ms until it answers: True when it does; False when it answers 404
    and `absent_ok` (the server has no such page). ServerDidNotStart as soon as `proc` has
    exited, TimeoutError once `deadline` (of `time.monotonic`) has passed."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (a loopback server of ours)
                return True
        except urllib.error.HTTPError as exc:
            if absent_ok and exc.code == 404:
                return False
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise ServerDidNotStart(f"{url}: the server exited (status {proc.returncode})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer ok in time")
        time.sleep(0.05)


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
        try:
            wait_for(ready_url, proc, time.monotonic() + timeout)
        except (ServerDidNotStart, TimeoutError):
            tail = log.read_text(errors="replace")[-3000:]
            raise ServerDidNotStart(f"{' '.join(cmd)} did not start:\n{tail}") from None
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
