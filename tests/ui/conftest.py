"""Fixtures for the browser tier (voila apps and JupyterLab driven by a real Chromium).

Fixtures (see each docstring):

- ``browser_type_launch_args`` / ``browser_context_args``: pytest-playwright overrides, an
  installed Chromium in headless mode, viewport 1280x800.
- ``voila_server`` (session) -> ``str`` base URL such as ``"http://127.0.0.1:41234/"``,
  serving ``voila_apps/`` (or ``$MARGIN_WIDGETS_VOILA_ROOT``) with the repo's voila.json.
- ``jupyterlab_server`` (session) -> ``str`` base URL of JupyterLab on a temporary copy of
  ``notebooks/`` (or ``$MARGIN_WIDGETS_LAB_ROOT``).
- ``open_app`` -> callable ``(notebook: str) -> Page`` rendering one app in voila.
- ``console_errors`` -> ``ConsoleErrors`` attached to ``page`` (``.real``, ``.assert_clean()``).
- ``screenshot_dir`` (session) -> ``Path`` of ``artifacts/screenshots/``.

Helpers to import in test modules: ``from pages import wait_for_widgets, ...`` and
``from servers import ...`` (this folder is put on ``sys.path`` below, because the
suite runs with ``--import-mode=importlib``).
Every test in this folder is marked ``browser``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

from pages import RENDER_TIMEOUT_MS, ConsoleErrors, voila_url, wait_for_widgets  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page  # noqa: E402
from servers import (  # noqa: E402
    REPO_ROOT,
    ServerProcess,
    locate_chromium,
    start_jupyterlab,
    start_voila,
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
NO_CHROMIUM = (
    "no Chromium found: install Debian's chromium (apt-get install -y chromium) "
    "or set MARGIN_WIDGETS_CHROMIUM"
)

# servers started in this session, for printing their logs when a test fails
_SERVERS: dict[str, ServerProcess] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        fixtures = getattr(item, "fixturenames", ())
        for name, server in _SERVERS.items():
            if name in fixtures:  # fixturenames includes indirect requests
                report.sections.append((f"{name} log ({server.log_path})", server.log_tail()))
    return report


def find_chromium() -> str:
    """Path of the Chromium to drive; fail or skip (see module doc) when there is none."""
    try:
        found = locate_chromium()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    if found is None:
        if os.environ.get("MARGIN_WIDGETS_REQUIRE_BROWSER") == "1":
            pytest.fail(NO_CHROMIUM + " (MARGIN_WIDGETS_REQUIRE_BROWSER=1)")
        pytest.skip(NO_CHROMIUM)
    return found


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Launch the installed Chromium headless; keep its config/cache out of ``$HOME``."""
    home = tmp_path_factory.mktemp("chromium-home")
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_CACHE_HOME"] = str(home / "cache")
    return {
        **browser_type_launch_args,
        "executable_path": find_chromium(),
        "headless": True,
        "args": CHROMIUM_ARGS,
        "env": env,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT}


def _root_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    root = Path(value).resolve() if value else default
    if not root.is_dir():
        pytest.fail(f"{variable}: {root} is not a directory")
    return root


@pytest.fixture(scope="session")
def voila_root() -> Path:
    """Directory voila serves: ``$MARGIN_WIDGETS_VOILA_ROOT`` or the repo's ``voila_apps/``."""
    return _root_from_env("MARGIN_WIDGETS_VOILA_ROOT", REPO_ROOT / "voila_apps")


@pytest.fixture(scope="session")
def voila_server(voila_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>/``) of a voila serving ``voila_root``.

    Uses the repo's ``voila.json``; its log is attached to failing tests' reports.
    Render one notebook at ``voila_url(voila_server, "name.ipynb")``.
    """
    server = start_voila(voila_root, tmp_path_factory.mktemp("voila"))
    _SERVERS["voila_server"] = server
    try:
        yield server.url
    finally:
        _SERVERS.pop("voila_server", None)
        server.stop()


@pytest.fixture(scope="session")
def jupyterlab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a JupyterLab whose root is a temporary copy of ``notebooks/``.

    ``$MARGIN_WIDGETS_LAB_ROOT`` replaces ``notebooks/``. Working on a copy means a test
    may run and save notebooks without touching the repo.
    """
    source = _root_from_env("MARGIN_WIDGETS_LAB_ROOT", REPO_ROOT / "notebooks")
    workdir = tmp_path_factory.mktemp("jupyterlab")
    root = workdir / "root"
    shutil.copytree(
        source, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    server = start_jupyterlab(root, workdir)
    _SERVERS["jupyterlab_server"] = server
    try:
        yield server.url
    finally:
        _SERVERS.pop("jupyterlab_server", None)
        server.stop()


@pytest.fixture
def console_errors(page: Page) -> ConsoleErrors:
    """Console errors and page errors of ``page`` from now on; see ``pages.ConsoleErrors``."""
    return ConsoleErrors.attach(page)


@pytest.fixture
def open_app(page: Page, voila_server: str, console_errors: ConsoleErrors) -> Callable[..., Page]:
    """``open_app("name.ipynb", selector=".jupyter-widgets")`` renders an app, returns page.

    Waits until voila has executed the notebook and ``selector`` is visible. Console
    errors are collected from before navigation (request ``console_errors`` too to check).
    """

    def _open(notebook: str, selector: str = ".jupyter-widgets") -> Page:
        # the page streams while the kernel runs the cells: do not wait for "load" here
        page.goto(voila_url(voila_server, notebook), wait_until="commit", timeout=RENDER_TIMEOUT_MS)
        wait_for_widgets(page, selector)
        return page

    return _open


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """``artifacts/screenshots/`` of the repo (created, git-ignored): save PNGs there."""
    path = REPO_ROOT / "artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def app_context(
    browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[BrowserContext]:
    """One browser context for a module's app pages (test_apps.py, test_long_path_lab.py)."""
    context = browser.new_context(**browser_context_args)
    yield context
    context.close()
