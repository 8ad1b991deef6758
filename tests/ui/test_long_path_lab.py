"""The Margin Lab on a long path in a browser (issue 8, "Long paths").

A shared link opens a 200,000-step scenario: the lab runs the thinned engine. The numbers
shown at step 0 and at steps reached with the arrow keys (steps the thinned run did not keep)
are a FULL ``simulate``'s at those steps, the scrubber spans the whole path, and nothing
errs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from five_positions import five_positions
from pages import voila_url
from playwright.sync_api import BrowserContext, expect
from test_apps import (
    DRAWN,
    EXPECT_MS,
    lab_numbers,
    open_rendered,
    press_on_slider,
    screenshot,
    value_cell,
)

from margin_widgets.charts import style
from margin_widgets.core.simulation import simulate

pytestmark = pytest.mark.browser

STEPS = 200_000


def test_long_path_lab_numbers_are_the_full_runs(
    voila_server: str, app_context: BrowserContext, screenshot_dir: Path
) -> None:
    # the widget tests' long scenario (tests/widgets/test_long_path_widgets.py)
    scen = five_positions(STEPS, wallet=20_000, low=50_500, transfer=True).replace(
        title="Long path")
    full = simulate(scen.account(), scen.mark_paths(), **scen.sim_kwargs())
    url = voila_url(voila_server, "margin_lab.ipynb") + "?" + scen.to_query()
    app = open_rendered(app_context, url, DRAWN["margin_lab"])
    page = app.page
    cur = full.account.currency

    def money(v: Any) -> str:
        return style.fmt_money(v, cur)

    try:
        panel = lab_numbers(page)
        slider = page.locator(".mw-time-slider")
        readout = slider.locator(".widget-readout")
        for t in (0, 1, 2, 3):
            if t:
                press_on_slider(page, slider, "ArrowRight")
                expect(readout).to_have_text(str(t), timeout=EXPECT_MS)
            expect(panel.locator(".mw-section").first).to_have_text(
                f"At step {t:,} of {STEPS - 1:,}", timeout=EXPECT_MS)
            expect(value_cell(panel, "Wallet balance")).to_have_text(
                money(full.wallet_balance[t]))
            expect(value_cell(panel, "Equity")).to_have_text(money(full.equity[t]))
            expect(value_cell(panel, "Unrealized PnL")).to_have_text(
                money(np.sum(full.unrealized_pnl[:, t])))
            expect(value_cell(panel, "Margin ratio (cross pool)")).to_have_text(
                style.fmt_pct(full.margin_ratio[t]))
        screenshot(page, screenshot_dir / "voila-margin_lab-long-path.png", full=False)
        app.assert_clean()
    finally:
        page.close()
