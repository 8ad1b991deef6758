"""The browser tier itself: Chromium starts and renders a page, no server needed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from pages import ConsoleErrors, is_harmless
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HTML = """<!doctype html><html><head><meta charset="utf-8"><title>infra</title></head>
<body><button id="b" onclick="this.textContent = 'clicked'">click me</button>
<svg width="120" height="60"><path class="line" d="M0,50 L120,10" stroke="black"/></svg>
</body></html>"""


def test_chromium_renders_data_page(
    page: Page, console_errors: ConsoleErrors, screenshot_dir: Path
) -> None:
    page.goto("data:text/html;charset=utf-8," + quote(HTML))
    assert page.viewport_size == {"width": 1280, "height": 800}
    expect(page.locator("path.line")).to_have_attribute("d", "M0,50 L120,10")
    page.locator("#b").click()
    expect(page.locator("#b")).to_have_text("clicked")
    png = page.screenshot(path=screenshot_dir / "infra-data-page.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    console_errors.assert_clean()


def test_console_errors_are_collected(page: Page, console_errors: ConsoleErrors) -> None:
    with page.expect_console_message(lambda msg: "real problem" in msg.text):
        page.goto("data:text/html,<script>console.error('real problem')</script>")
    with page.expect_event("pageerror"):
        page.evaluate("() => { setTimeout(() => { throw new Error('boom'); }, 0); }")
    assert any("real problem" in e for e in console_errors.real)
    assert any("boom" in e for e in console_errors.real)
    with pytest.raises(AssertionError, match="boom"):
        console_errors.assert_clean()


def test_known_noise_is_filtered() -> None:
    cdn = "https://fonts.googleapis.com/css?family=Roboto"
    assert is_harmless("Failed to load resource: net::ERR_NAME_NOT_RESOLVED", cdn)
    assert not is_harmless(
        "Failed to load resource: net::ERR_NAME_NOT_RESOLVED", "http://127.0.0.1:8866/x.js"
    )
    assert is_harmless("Unsatisfied version 2.0.0 from @jupyter-widgets/base of shared module")
    assert is_harmless("Kernel is running over TCP without encryption")
    assert not is_harmless("Uncaught TypeError: cannot read properties of undefined")
