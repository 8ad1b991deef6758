"""Hostile shared links in headless Chromium: no script runs, the text shows literally.

Each app that accepts a scenario link (Margin Lab, Cross vs Isolated, the index page, Monte
Carlo) is opened with a link whose scenario carries script payloads in its title,
description, symbol and a path key. The payload ``<img src=x onerror=window.__pwned=1>`` runs
as soon as it is parsed as HTML (the image ``x`` fails to load and its ``onerror`` fires), so
after the page has drawn:

- ``window.__pwned`` must still be undefined, and no ``img[src=x]`` may exist;
- the payload must appear as text (the visitor sees ``<img src=x ...>`` written out).

To know the wait was long enough without sleeping, the test then inserts the same kind of
payload itself (a positive control): once *its* ``onerror`` has fired, an image the app had
put on the page earlier would have fired too.

Each page needs a fresh kernel: voila's preheated one for each notebook (one per app), so
these four pages are opened first in a session of their own (``pytest tests/ui/
test_hostile_links.py``) or right after the other apps in a full run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pages import RENDER_TIMEOUT_MS, ConsoleErrors, voila_url, wait_for_widgets
from playwright.sync_api import Browser, BrowserContext, expect

from margin_widgets.core import PathSpec
from margin_widgets.core.scenario import PRESETS, Scenario

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=window.__pwned=1>"
SCRIPT = "<script>window.__pwned=2</script>"
SYMBOL = "BTC" + IMG            # bybit_linear has a default tier table: any symbol is valid
TITLE = f"Title {IMG} $x$"
DESCRIPTION = f"Description {SCRIPT} {IMG} costs $5 and $6"
EXPECT_MS = 60_000

# app -> what shows that it has drawn, and whether it shows the scenario's description
APPS = {
    "margin_lab": ".mw-price-figure path.line",
    "cross_vs_isolated": ".mw-price-figure path.line",
    "index": ".mw-cross-vs-isolated .mw-price-figure path.line",
    "monte_carlo": ".mw-mc-bands-figure path.line",
}


def hostile_scenario() -> Scenario:
    base = PRESETS["one_long"]
    return base.replace(
        venue="bybit_linear", title=TITLE, description=DESCRIPTION,
        positions=(base.positions[0].with_(symbol=SYMBOL),),
        paths={SYMBOL: base.paths["BTCUSDT"],
               "ETH" + SCRIPT: PathSpec("constant", {"price": 3_000})},
    )


@pytest.fixture(scope="module")
def context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    ctx = browser.new_context(**browser_context_args)
    yield ctx
    ctx.close()


@pytest.mark.parametrize("app", list(APPS))
def test_hostile_link_runs_no_script_and_shows_the_text(
    app: str, voila_server: str, context: BrowserContext, screenshot_dir: Path
) -> None:
    page = context.new_page()
    errors = ConsoleErrors.attach(page)
    try:
        url = voila_url(voila_server, f"{app}.ipynb") + "?" + hostile_scenario().to_query()
        page.goto(url, wait_until="commit", timeout=RENDER_TIMEOUT_MS)
        wait_for_widgets(page, ".mw-root")
        page.locator(APPS[app]).first.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
        notice = page.locator(".mw-query-message")
        expect(notice).to_contain_text(f"Opened the shared scenario “{TITLE}”",
                                       timeout=EXPECT_MS)
        body = page.locator("#rendered_cells")
        # the description, written out (Monte Carlo and the pickers show it)
        expect(body).to_contain_text(DESCRIPTION, timeout=EXPECT_MS)
        if app != "monte_carlo":  # the numbers panel names the position by its symbol
            expect(body).to_contain_text(f"#1 {SYMBOL} long", timeout=EXPECT_MS)
        else:
            expect(body).to_contain_text(f"{SYMBOL} long 1 @", timeout=EXPECT_MS)
        screenshot = screenshot_dir / f"voila-{app}-hostile-link.png"
        page.screenshot(path=screenshot)
        errors.assert_clean()

        # positive control: the same payload, inserted raw, does run here...
        page.evaluate("document.body.insertAdjacentHTML('beforeend', "
                      "'<img src=x-control onerror=\"window.__control = 1\">')")
        page.wait_for_function("window.__control === 1", timeout=EXPECT_MS)
        # ...and by then the app's payloads would have run too: they did not
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("img[src='x']").count() == 0
        assert page.evaluate(
            "[...document.scripts].filter(s => s.text.includes('__pwned')).length") == 0
    finally:
        page.close()
