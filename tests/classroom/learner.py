"""What a learner does in the classroom, in a Playwright page (tests and benchmark share it)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

DRAWN = re.compile(r"^M[\d.\-]+,[\d.\-]+L")  # a bqplot line with real path data
LESSON_5 = "lessons/05_cross_vs_isolated.ipynb"
APP = "lessons/apps/cross_vs_isolated.ipynb"
CHART = ".mw-cross-vs-isolated .mw-price-figure path.line"


def log_in(page: Page, hub_url: str, name: str, password: str, timeout_ms: float) -> float:
    """Sign in on the hub's page; wait until the learner's server has opened JupyterLab.

    Returns the seconds from the click on *Sign in* to the learner's own server answering
    (the hub starts it, then redirects there).
    """
    page.goto(f"{hub_url}hub/login", timeout=timeout_ms)
    page.fill("#username_input", name, timeout=timeout_ms)
    page.fill("#password_input", password, timeout=timeout_ms)
    t0 = time.perf_counter()
    page.click("#login_submit", timeout=timeout_ms)
    page.wait_for_url(re.compile(rf"/user/{re.escape(name)}/lab"), timeout=timeout_ms,
                      wait_until="commit")
    return time.perf_counter() - t0


def voila_url(hub_url: str, name: str, notebook: str) -> str:
    """``/user/<name>/voila/render/<notebook>``: Voila as the learner's server extension."""
    return f"{hub_url}user/{name}/voila/render/{notebook}"


def open_rendered(page: Page, url: str, timeout_ms: float) -> float:
    """Open a Voila page; wait for the Cross vs Isolated chart to be drawn. Seconds taken."""
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    wait_for_chart(page, timeout_ms)
    return time.perf_counter() - t0


# true once any line of the chart has real path data (some lines, such as a liquidation
# line on a path without one, stay empty)
_DRAWN_JS = """(sel) => Array.from(document.querySelectorAll(sel)).some(
    el => /^M[\\d.\\-]+,[\\d.\\-]+L/.test(el.getAttribute('d') || ''))"""


def wait_for_chart(page: Page, timeout_ms: float) -> None:
    """Wait until the Cross vs Isolated chart has drawn a line."""
    page.wait_for_function(_DRAWN_JS, arg=CHART, polling=250, timeout=timeout_ms)


def answer_first_exercise(page: Page, answer: float, unit: str, timeout_ms: float) -> None:
    """Type the engine's answer into the first exercise, check it, see "Correct"."""
    # the first exercise with a number box (multiple-choice questions come first in lesson 5)
    box = page.locator(".mw-exercise").filter(
        has=page.locator(".mw-answer input[type='text']")).first
    box.scroll_into_view_if_needed(timeout=timeout_ms)
    field = box.locator(".mw-answer input")
    field.fill(repr(round(answer, 6)))
    field.press("Enter")
    box.locator("button.mw-check").click()
    expect(box.locator(".mw-feedback")).to_contain_text("Correct", timeout=timeout_ms)
