"""Kernel lifecycle as a visitor causes it: closing a tab ends its kernel, a lost page is culled.

The server is voila with the repo's ``voila.json`` (so the XSRF-cookie identity provider and
preheating are the served ones) on a folder holding only ``margin_lab.ipynb`` (one preheated
kernel instead of six). Only the culling times are shortened on the command line, so that a
test can wait for them: ``test_served_config_culls_within_two_minutes`` checks the served
values themselves.

Which kernel is whose: every voila page carries its kernel's id in ``#jupyter-config-data``;
``/api/kernels/<id>`` answers 200 while that kernel lives and 404 once it is shut down, and
the kernel's process (``ipykernel_launcher -f .../kernel-<id>.json``) is a child of the server.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pages import RENDER_TIMEOUT_MS, voila_url, wait_for_widgets
from playwright.sync_api import BrowserContext, Page
from servers import REPO_ROOT, VOILA_CONFIG_FILE, ServerProcess, descendants, start_voila

pytestmark = pytest.mark.browser

CULL_IDLE_S = 15
CULL_INTERVAL_S = 3
SHUTDOWN_WITHIN_S = 15.0  # beacon -> kernel gone (no culling involved: see the server log)
CULL_WITHIN_S = CULL_IDLE_S + CULL_INTERVAL_S + 30.0  # slack for a busy 2-core machine


@pytest.fixture(scope="module")
def lifecycle_voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("voila-lifecycle")
    root = workdir / "apps"
    root.mkdir()
    shutil.copy(REPO_ROOT / "voila_apps" / "margin_lab.ipynb", root)
    server = start_voila(root, workdir, extra_args=[
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
    ])
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def open_lab(context: BrowserContext, lifecycle_voila: ServerProcess) -> Callable[[], Page]:
    def _open() -> Page:
        page = context.new_page()
        page.goto(voila_url(lifecycle_voila.url, "margin_lab.ipynb"), wait_until="commit",
                  timeout=RENDER_TIMEOUT_MS)
        wait_for_widgets(page, ".mw-price-figure")
        return page

    return _open


def kernel_id(page: Page) -> str:
    kid = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    assert re.fullmatch(r"[0-9a-f-]{36}", kid), kid
    return str(kid)


def kernel_status(page: Page, server: ServerProcess, kid: str) -> int:
    """HTTP status of ``GET /api/kernels/<kid>``: 200 alive, 404 shut down."""
    return page.request.get(f"{server.url}api/kernels/{kid}").status


def kernel_pids(server: ServerProcess, kid: str) -> set[int]:
    """Processes under the server whose command line names this kernel's connection file."""
    found = set()
    for pid in descendants(server.popen.pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"kernel-{kid}".encode() in cmdline:
            found.add(pid)
    return found


def wait_gone(page: Page, server: ServerProcess, kid: str, within: float) -> float:
    """Seconds until the kernel is unknown to the server and its process has ended."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        if kernel_status(page, server, kid) == 404 and not kernel_pids(server, kid):
            return time.monotonic() - start
        time.sleep(0.25)
    raise AssertionError(
        f"kernel {kid} still there after {within:.0f} s "
        f"(GET /api/kernels: {kernel_status(page, server, kid)}, "
        f"processes: {kernel_pids(server, kid)})\n{server.log_tail(3000)}")


def test_served_config_culls_within_two_minutes() -> None:
    """A kernel whose page is gone (no beacon reached us) is culled within 2 minutes."""
    config = json.loads(VOILA_CONFIG_FILE.read_text())
    mkm = config["MappingKernelManager"]
    # culled at the first check after cull_idle_timeout of idleness with no connection
    assert mkm["cull_idle_timeout"] + mkm["cull_interval"] <= 120
    assert mkm["cull_connected"] is False  # an open page (connected) is never culled
    assert config["Voila"]["identity_provider_class"].endswith("PageXsrfIdentityProvider")


def test_closing_the_tab_shuts_its_kernel_down_and_xsrf_still_holds(
    open_lab: Callable[[], Page], lifecycle_voila: ServerProcess, context: BrowserContext
) -> None:
    page = open_lab()
    kid = kernel_id(page)
    server = lifecycle_voila
    assert kernel_status(page, server, kid) == 200
    assert kernel_pids(server, kid), "the kernel process should be found under the server"
    cookies = {c["name"]: c["value"] for c in context.cookies(server.url)}
    assert cookies.get("_xsrf"), f"the app page must set the _xsrf cookie: {cookies}"

    # the shutdown stays XSRF-protected: no token, a wrong token, or another site's origin
    # (with the right token) are all refused, and the kernel lives on
    shutdown = f"{server.url}voila/api/shutdown/{kid}"
    origin = server.url.rstrip("/")
    refused = {
        "no token": page.request.post(shutdown, headers={"Origin": origin}).status,
        "wrong token": page.request.post(shutdown, headers={"Origin": origin},
                                         multipart={"_xsrf": "2|00|11|0"}).status,
        "other origin": page.request.post(shutdown, headers={"Origin": "http://evil.example"},
                                          multipart={"_xsrf": cookies["_xsrf"]}).status,
    }
    assert all(status in (403, 404) for status in refused.values()), refused
    assert kernel_status(page, server, kid) == 200

    # a visitor closes the tab: voila's beforeunload beacon now carries a valid token
    before = len(server.log_tail(10**7))
    page.close(run_before_unload=True)
    waited = wait_gone(context.new_page(), server, kid, SHUTDOWN_WITHIN_S)
    log = server.log_tail(10**7)[before:]
    assert f"Kernel shutdown: {kid}" in log, log
    assert "Culling" not in log and "403 POST" not in log, log  # the beacon did it
    print(f"kernel gone {waited:.1f} s after the tab closed")


def test_a_kernel_whose_page_is_gone_is_culled_and_an_open_page_keeps_its_kernel(
    open_lab: Callable[[], Page], lifecycle_voila: ServerProcess, context: BrowserContext
) -> None:
    server = lifecycle_voila
    stays = open_lab()
    kept = kernel_id(stays)
    lost = open_lab()
    gone = kernel_id(lost)
    # the page vanishes without a word (a crash, a lost network): closed without running
    # beforeunload, so no beacon is sent and only culling can end its kernel
    lost.close(run_before_unload=False)
    waited = wait_gone(stays, server, gone, CULL_WITHIN_S)
    log = server.log_tail(200_000)
    assert re.search(rf"Culling '\w+' kernel '\w+' \({gone}\) with 0 connections", log), log[-3000:]
    assert not re.search(rf"POST /voila/api/shutdown/{gone}", log)
    # the open page's kernel was idle at least as long, but it is connected: never culled
    assert kernel_status(stays, server, kept) == 200
    assert kernel_pids(server, kept)
    print(f"lost page's kernel culled {waited:.1f} s after the page closed")
