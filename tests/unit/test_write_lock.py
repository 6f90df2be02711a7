"""One writer at a time per data dir, across processes: a running server is never waited
for; another writing command is, with a message."""

import subprocess
import sys
import textwrap
import time

import pytest

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from index.lock import WriteLock
    with WriteLock(Path(sys.argv[1]), sys.argv[2]):
        print("held", flush=True)
        time.sleep(float(sys.argv[3]))
    """
)


@pytest.fixture
def holder(tmp_path):
    procs = []

    def hold(data_dir, name, seconds):
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(data_dir), name, str(seconds)],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout.readline().strip() == "held"
        procs.append(proc)
        return proc

    yield hold
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Ferry news\nThe ferry resumed service on Monday.")
    return path


def test_add_refuses_while_a_server_holds_the_index(run_cli, holder, tmp_path, article):
    data = tmp_path / "data"
    holder(data, "newsdesk serve", 30)
    result = run_cli("--data-dir", str(data), "add", str(article))
    assert result.exit_code == 1
    assert "is in use by newsdesk serve (pid" in result.output
    assert "Traceback" not in result.output


def test_add_waits_for_another_writer_then_writes(run_cli, holder, tmp_path, article):
    data = tmp_path / "data"
    holder(data, "newsdesk add", 1.5)
    t0 = time.monotonic()
    result = run_cli("--data-dir", str(data), "add", str(article))
    assert result.exit_code == 0, result.output
    assert "waiting for newsdesk add (pid" in result.output and "1 added" in result.output
    assert time.monotonic() - t0 >= 1.0  # it did wait for the other writer


def test_a_writer_that_never_lets_go_is_not_waited_for_forever(
    run_cli, holder, tmp_path, article, monkeypatch
):
    data = tmp_path / "data"
    holder(data, "newsdesk add", 30)
    monkeypatch.setenv("NEWSDESK_LOCK_WAIT", "0.5")
    result = run_cli("--data-dir", str(data), "remove", "x")
    assert result.exit_code == 1 and "is being written by newsdesk add" in result.output
