"""`newsdesk serve` stopped at once, while its model is still loading, ends cleanly: native
code that is still loading may not be cut off by the interpreter's exit (it crashed with a
segmentation fault). The shared server's teardown checks a stop once it is ready."""

import signal
import subprocess
import sys
import time

from ui.servers import free_port, wait_for


def test_a_stop_while_the_model_loads_ends_cleanly(real_env, tmp_path):
    port = free_port()
    env = {**real_env, "NEWSDESK_DATA_DIR": str(tmp_path / "data")}
    log = tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/", proc, time.monotonic() + 300)
        proc.send_signal(signal.SIGTERM)  # the page is up; the model is still loading
        status = proc.wait(timeout=120)
    finally:
        proc.kill()
    output = log.read_text(errors="replace")
    assert status in (0, 1), (status, output[-2000:])  # 1: stopped before it was serving
    assert "Traceback" not in output, output[-2000:]
