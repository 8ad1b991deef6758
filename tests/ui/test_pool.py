"""A class-sized pool of preheated kernels fills one kernel at a time.

Voila on its own starts every kernel of a pool at once, so with a pool of 30 on two cores
the first one is ready only when the last one is (``margin_widgets/kernel_pool.py``). The
served ``voila.json`` names :class:`~margin_widgets.kernel_pool.PacedKernelManager`; this
test serves the index app with ``--PacedKernelManager.index_pool=3`` (what
``margin-widgets serve --pool 3`` passes) and reads the server log: three preheats, and each
one is done (its notebook has run) before the next one starts.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from servers import REPO_ROOT, VOILA_CONFIG_FILE, start_voila

pytestmark = pytest.mark.browser

POOL = 3
FILL_WITHIN_S = 400.0  # three index kernels one after another, on a busy 2-core machine
EVENT = re.compile(r"margin_widgets pool: preheat (start|done) ([0-9a-f-]{36})")


def test_served_config_uses_the_paced_manager() -> None:
    config = json.loads(Path(VOILA_CONFIG_FILE).read_text())
    assert (config["VoilaConfiguration"]["multi_kernel_manager_class"]
            == "margin_widgets.kernel_pool.PacedKernelManager")


def test_pool_fills_one_kernel_at_a_time(tmp_path: Path) -> None:
    root = tmp_path / "apps"
    root.mkdir()
    shutil.copy(REPO_ROOT / "voila_apps" / "index.ipynb", root)
    server = start_voila(root, tmp_path, extra_args=[
        f"--PacedKernelManager.index_pool={POOL}"])
    try:
        deadline = time.monotonic() + FILL_WITHIN_S
        events: list[tuple[str, str]] = []
        while time.monotonic() < deadline:
            events = EVENT.findall(server.log_path.read_text(errors="replace"))
            if sum(1 for kind, _ in events if kind == "done") >= POOL:
                break
            assert server.alive(), server.log_tail()
            time.sleep(1.0)
    finally:
        server.stop()
    starts = [kid for kind, kid in events if kind == "start"]
    assert len(starts) == POOL, (events, server.log_tail())
    assert len(set(starts)) == POOL
    # paced: start a, done a, start b, done b, ... never two preheats running at once
    expected = [(kind, kid) for kid in starts for kind in ("start", "done")]
    assert events == expected, events


def test_each_visitor_in_turn_gets_the_page_at_once(tmp_path: Path) -> None:
    """Visitors one after another on an idle server: the page starts to arrive within a few
    seconds for each. When a pool kernel taken while still starting kept its preheat slot,
    the third and every later visitor waited ~18 s for the first byte."""
    root = tmp_path / "apps"
    root.mkdir()
    shutil.copy(REPO_ROOT / "voila_apps" / "index.ipynb", root)
    server = start_voila(root, tmp_path)
    waits = []
    try:
        deadline = time.monotonic() + FILL_WITHIN_S  # the first preheat is done
        while "preheat done" not in server.log_path.read_text(errors="replace"):
            assert time.monotonic() < deadline and server.alive(), server.log_tail()
            time.sleep(0.5)
        for _ in range(4):
            opener = urllib.request.build_opener(  # a new visitor: own cookies
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            t0 = time.monotonic()
            with opener.open(server.url + "voila/render/index.ipynb", timeout=120) as page:
                page.read(1)
                waits.append(time.monotonic() - t0)
                page.read()
            time.sleep(1.0)
    finally:
        server.stop()
    assert max(waits) < 8.0, (waits, server.log_tail())
