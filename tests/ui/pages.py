"""Page-level helpers for the browser tests: waiting, console errors, JupyterLab.

All waits are explicit Playwright waits with a timeout; nothing sleeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from playwright.sync_api import ConsoleMessage, Error, Page, expect

# Rendering a notebook runs its kernel first; on a busy 2-core machine that can take a while.
RENDER_TIMEOUT_MS = 90_000
LAB_TIMEOUT_MS = 90_000

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

# Known, harmless console noise (TESTING.md). Each entry: (pattern, why it is harmless).
HARMLESS_CONSOLE = (
    (re.compile(r"Unsatisfied version"), "voila's bundled front end, shared-module warning"),
    (re.compile(r"running over TCP without encryption"), "local kernel connection notice"),
)


@dataclass
class ConsoleErrors:
    """Collect console errors and uncaught page errors of one page.

    ``all`` keeps everything seen; ``real`` drops only the noise listed in TESTING.md:
    resources on outside hosts that cannot be resolved offline (voila's stock lab template
    links a font stylesheet from a CDN; the kit's own template does not: see
    test_no_third_party.py), "Unsatisfied version" and "running over TCP without encryption".
    """

    all: list[str] = field(default_factory=list)
    real: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Page) -> ConsoleErrors:
        collector = cls()
        page.on("console", collector._on_console)
        page.on("pageerror", collector._on_pageerror)
        return collector

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type not in ("error", "assert"):
            return
        url = str((msg.location or {}).get("url") or "")
        text = f"console.{msg.type}: {msg.text}" + (f"  [{url}]" if url else "")
        self._record(text, msg.text, url)

    def _on_pageerror(self, error: Error) -> None:
        text = f"pageerror: {error.name}: {error.message}"
        if error.stack:
            text += "\n" + error.stack
        self._record(text, error.message, "")

    def _record(self, text: str, message: str, url: str) -> None:
        self.all.append(text)
        if not is_harmless(message, url):
            self.real.append(text)

    def assert_clean(self) -> None:
        """Fail with every real error listed."""
        assert not self.real, "browser console errors:\n" + "\n".join(self.real)


def is_harmless(message: str, url: str = "") -> bool:
    """True for the console noise TESTING.md lists as harmless."""
    if "ERR_NAME_NOT_RESOLVED" in message or "ERR_INTERNET_DISCONNECTED" in message:
        # an outside host (CDN fonts) that this offline machine cannot resolve;
        # a failing local resource is still reported
        host = urlsplit(url).hostname or ""
        return bool(url) and host not in LOCAL_HOSTS
    return any(pattern.search(message) for pattern, _why in HARMLESS_CONSOLE)


def voila_url(base_url: str, notebook: str) -> str:
    """URL of one notebook served by a voila that serves a directory."""
    return f"{base_url}voila/render/{quote(notebook)}"


def wait_for_widgets(
    page: Page, selector: str = ".jupyter-widgets", timeout: float = RENDER_TIMEOUT_MS
) -> None:
    """Wait until voila has executed the notebook and its widgets are on screen.

    Voila shows ``#loading`` (spinner and "Running ...") until every cell ran, then
    removes it and reveals ``#rendered_cells``; widget views carry ``.jupyter-widgets``.
    Pass ``selector`` (e.g. the CSS class of the main figure) to wait for something
    more specific.
    """
    page.locator("#loading").wait_for(state="detached", timeout=timeout)
    expect(page.locator("#rendered_cells")).to_be_visible(timeout=timeout)
    page.locator(selector).first.wait_for(state="visible", timeout=timeout)


def cell_errors(page: Page) -> list[str]:
    """Text of error outputs shown on the page (voila replaces tracebacks by a notice)."""
    outputs = page.locator(
        '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error'
    )
    texts = [outputs.nth(i).inner_text() for i in range(outputs.count())]
    body = page.locator("#rendered_cells")
    if body.count() and "There was an error when executing cell" in body.inner_text():
        texts.append("voila: There was an error when executing cell")
    return texts


# --- JupyterLab -----------------------------------------------------------------------


def open_in_lab(page: Page, base_url: str, notebook: str, timeout: float = LAB_TIMEOUT_MS) -> None:
    """Open ``notebook`` (path relative to the lab root); wait for its cells and kernel."""
    page.goto(f"{base_url}lab/tree/{quote(notebook)}", timeout=timeout)
    panel = page.locator(".jp-NotebookPanel:visible")
    expect(panel.locator(".jp-Cell").first).to_be_visible(timeout=timeout)
    wait_for_lab_kernel_idle(page, timeout=timeout)


# "Python 3 (ipykernel) | Idle" in the status bar. The toolbar's execution indicator says
# "idle" for a moment before any kernel exists, so it cannot be trusted on its own.
_KERNEL_IDLE = re.compile(r"^(?!No Kernel).+ \| Idle$")


def wait_for_lab_kernel_idle(page: Page, timeout: float = LAB_TIMEOUT_MS) -> None:
    """Wait until the current notebook has a started kernel and that kernel is idle."""
    status = page.locator(".jp-StatusBar-TextItem", has_text=_KERNEL_IDLE)
    expect(status.first).to_be_visible(timeout=timeout)
    indicator = page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator")
    expect(indicator.first).to_have_attribute("data-status", "idle", timeout=timeout)


def lab_menu(page: Page, menu: str, item: str) -> None:
    """Click ``menu`` in the menu bar, then its entry ``item`` (exact labels)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    entry = page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$"))
    entry.first.click()


def run_all_cells(page: Page, timeout: float = LAB_TIMEOUT_MS) -> None:
    """Clear all outputs, Run > Run All Cells, wait until every code cell has run.

    Clearing first makes the wait exact: a saved notebook already shows ``[1]:`` prompts
    and a fresh kernel would print the same numbers again.
    """
    prompts = page.locator(".jp-NotebookPanel:visible .jp-CodeCell .jp-InputPrompt")
    numbered = prompts.filter(has_text=re.compile(r"\[\d+\]"))
    expect(prompts.first).to_be_visible(timeout=timeout)
    code_cells = prompts.count()
    lab_menu(page, "Edit", "Clear Outputs of All Cells")
    expect(numbered).to_have_count(0, timeout=timeout)
    lab_menu(page, "Run", "Run All Cells")
    expect(numbered).to_have_count(code_cells, timeout=timeout)
    wait_for_lab_kernel_idle(page, timeout=timeout)
