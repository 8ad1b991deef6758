"""Kernel lifecycle as a visitor meets it: closing a tab ends its kernel, a lost page is culled,
edits live in the URL (a reload restores them), and a lost kernel or server gets a banner.

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
import os
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pages import RENDER_TIMEOUT_MS, ConsoleErrors, voila_url, wait_for_widgets
from playwright.sync_api import BrowserContext, Locator, Page, expect
from servers import REPO_ROOT, VOILA_CONFIG_FILE, ServerProcess, descendants, start_voila

from margin_widgets.core.scenario import Scenario
from margin_widgets.widgets.lab import default_lab_scenario
from margin_widgets.widgets.session import SessionKeeper

pytestmark = pytest.mark.browser

CULL_IDLE_S = 15
CULL_INTERVAL_S = 3
SHUTDOWN_WITHIN_S = 15.0  # beacon -> kernel gone (no culling involved: see the server log)
CULL_WITHIN_S = CULL_IDLE_S + CULL_INTERVAL_S + 30.0  # slack for a busy 2-core machine
EXPECT_MS = 30_000  # an update that needs the kernel, on a busy 2-core machine
# the heartbeat notices a lost kernel after lost_after_ms (+ one ping period); slack as above
BANNER_WITHIN_MS = (SessionKeeper.lost_after_ms.default_value
                    + 4 * SessionKeeper.ping_ms.default_value + 20_000)
ERRORS: dict[Page, ConsoleErrors] = {}  # console errors of each page opened by open_lab


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
        ERRORS[page] = ConsoleErrors.attach(page)
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


# --- the scenario in the URL, the banner when the kernel is gone ---------------------------------


def leverage_readout(page: Page) -> Locator:
    return page.locator(".mw-position-row").first.locator(".widget-readout")


def edit_the_lab(page: Page) -> float:
    """Raise the first position's leverage and switch every position to cross; return it."""
    readout = leverage_readout(page)
    before = readout.inner_text()
    handle = page.locator(".mw-position-row").first.locator(".noUi-handle")
    handle.focus()
    page.keyboard.press("ArrowRight")
    expect(readout).not_to_have_text(before, timeout=EXPECT_MS)
    page.locator(".mw-mode-toggle button", has_text="Cross").click()
    expect(page.locator(".mw-mode-toggle button.mod-active")).to_have_text("Cross")
    return float(readout.inner_text())


def url_scenario(page: Page) -> Scenario | None:
    return Scenario.from_query(urlsplit(page.url).query)


def wait_url_scenario(page: Page, check: Callable[[Scenario], bool]) -> Scenario:
    """Wait until the page's URL holds a scenario that passes ``check``."""
    deadline = time.monotonic() + EXPECT_MS / 1000
    while True:
        found = url_scenario(page)
        if found is not None and check(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"the URL does not hold the edited scenario: {page.url}")
        page.wait_for_timeout(200)


def is_edited(leverage: float) -> Callable[[Scenario], bool]:
    return lambda s: (s.positions[0].leverage == leverage
                      and all(p.mode == "cross" for p in s.positions))


def test_edits_live_in_the_url_and_a_reload_restores_them(
    open_lab: Callable[[], Page], screenshot_dir: Path
) -> None:
    page = open_lab()
    assert "scenario=" not in page.url  # opening the app leaves the address alone
    default = default_lab_scenario()
    leverage = edit_the_lab(page)
    assert leverage != default.positions[0].leverage
    kept = wait_url_scenario(page, is_edited(leverage))
    # everything else is the scenario the visitor started from
    assert kept.wallet_balance == default.wallet_balance
    assert kept.paths == default.paths
    assert [p.symbol for p in kept.positions] == [p.symbol for p in default.positions]
    url = page.url

    page.reload(wait_until="commit", timeout=RENDER_TIMEOUT_MS)
    wait_for_widgets(page, ".mw-price-figure")
    assert page.url == url
    expect(leverage_readout(page)).to_have_text(f"{leverage:.1f}", timeout=EXPECT_MS)
    expect(page.locator(".mw-mode-toggle button.mod-active")).to_have_text("Cross")
    expect(page.locator("#mw-session-banner")).to_be_hidden()
    page.screenshot(path=screenshot_dir / "voila-margin_lab-reloaded-from-url.png")
    ERRORS[page].assert_clean()
    page.close(run_before_unload=True)


def test_a_killed_kernel_shows_a_banner_whose_reload_restores_the_scenario(
    open_lab: Callable[[], Page], lifecycle_voila: ServerProcess, screenshot_dir: Path
) -> None:
    page = open_lab()
    leverage = edit_the_lab(page)
    wait_url_scenario(page, is_edited(leverage))
    kid = kernel_id(page)
    pids = kernel_pids(lifecycle_voila, kid)
    assert pids
    banner = page.locator("#mw-session-banner")
    expect(banner).to_be_hidden()
    start = time.monotonic()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    expect(banner).to_be_visible(timeout=BANNER_WITHIN_MS)
    print(f"banner shown {time.monotonic() - start:.1f} s after the kernel was killed")
    expect(banner).to_contain_text("lost its connection")
    expect(banner).to_contain_text("Your scenario is kept in the address")
    reload = banner.locator("button.mw-session-reload")
    expect(reload).to_have_text("Reload")
    page.screenshot(path=screenshot_dir / "voila-margin_lab-kernel-lost-banner.png")

    reload.click()
    wait_for_widgets(page, ".mw-price-figure")
    expect(leverage_readout(page)).to_have_text(f"{leverage:.1f}", timeout=EXPECT_MS)
    expect(page.locator(".mw-mode-toggle button.mod-active")).to_have_text("Cross")
    expect(banner).to_be_hidden()
    assert kernel_id(page) != kid
    page.close(run_before_unload=True)


def test_a_stopped_server_shows_the_banner(
    open_lab: Callable[[], Page], lifecycle_voila: ServerProcess
) -> None:
    """Last test of the module: it stops the module's server."""
    page = open_lab()
    banner = page.locator("#mw-session-banner")
    expect(banner).to_be_hidden()
    lifecycle_voila.stop()
    expect(banner).to_be_visible(timeout=BANNER_WITHIN_MS)
    expect(banner).to_contain_text("Reload")
    page.close()
