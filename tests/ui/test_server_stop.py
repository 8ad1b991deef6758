"""Stopping ``margin-widgets serve``: one SIGINT (Ctrl+C) or SIGTERM ends it within seconds,
shuts its kernels down and leaves no traceback in its log (issue 13, "Server stop prints
tracebacks").

The server is the one a user starts (``python -m margin_widgets.cli serve``, preheated
kernels and all). A browser opens the lab, whose page takes the preheated kernel (running
its notebook), so the pool starts a new kernel: the signal arrives as soon as that kernel's
process exists, while it is still importing. That is the moment that printed tracebacks
(``KeyboardInterrupt`` in the starting kernel, interrupted by jupyter_client's shutdown).
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from pages import RENDER_TIMEOUT_MS, voila_url
from playwright.sync_api import Page
from servers import _alive, descendants, start_serve

pytestmark = pytest.mark.browser

STOP_WITHIN_S = 20.0  # measured 4-8 s on a busy 2-core machine; SIGKILL comes after 5 s
KERNELS_GONE_WITHIN_S = 10.0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_one_signal_stops_the_server_and_its_kernels_without_a_traceback(
    page: Page, tmp_path: Path, signum: signal.Signals
) -> None:
    server = start_serve(tmp_path)
    try:
        pooled = descendants(server.popen.pid)  # the preheated kernels (index, lab)
        page.goto(voila_url(server.url, "margin_lab.ipynb"), wait_until="commit",
                  timeout=RENDER_TIMEOUT_MS)
        # the page takes the lab's preheated kernel; the pool starts a new one a second
        # later: stop the server while that one is still importing
        deadline = time.monotonic() + RENDER_TIMEOUT_MS / 1000
        while not (descendants(server.popen.pid) - pooled):
            assert time.monotonic() < deadline, "the pool did not start a kernel\n" + (
                server.log_tail())
            time.sleep(0.05)
        kernels = descendants(server.popen.pid)

        started = time.monotonic()
        server.popen.send_signal(signum)  # once
        try:
            code = server.popen.wait(timeout=STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOP_WITHIN_S:.0f} s after one {signum.name}\n"
                        f"{server.log_tail()}")
        took = time.monotonic() - started

        deadline = time.monotonic() + KERNELS_GONE_WITHIN_S
        while any(_alive(pid) for pid in kernels) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = sorted(pid for pid in kernels if _alive(pid))
    finally:
        server.stop()  # reaps whatever is left (nothing, when the test passes)

    log = server.log_path.read_text(errors="replace")
    assert code == 0, f"exit code {code} after {signum.name}\n{log[-4000:]}"
    assert not left, f"kernel processes {left} outlived the server\n{log[-4000:]}"
    assert "Traceback" not in log, log[-8000:]
    assert "KeyboardInterrupt" not in log, log[-8000:]
    assert log.count("Kernel shutdown:") >= 1, log[-4000:]
    print(f"{signum.name}: stopped in {took:.1f} s")
