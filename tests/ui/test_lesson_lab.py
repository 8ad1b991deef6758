"""Lesson 5 as a learner meets it in JupyterLab: run to the end, charts drawn, no errors,
no button text cut.

JupyterLab works on a temporary copy of ``notebooks/`` (``jupyterlab_server``), so running
and saving the lesson leaves the repository untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pages import LAB_TIMEOUT_MS, ConsoleErrors, cell_errors, open_in_lab, run_all_cells
from playwright.sync_api import Page, expect

from margin_widgets.lessons import L5_SCENARIO, LESSONS

pytestmark = pytest.mark.browser

LESSON = "05_cross_vs_isolated.ipynb"
DRAWN = re.compile(r"^M[\d.\-]+,[\d.\-]+L")  # a bqplot line with real path data


def test_lesson_5_runs_to_the_end_in_jupyterlab(
    page: Page, jupyterlab_server: str, console_errors: ConsoleErrors, screenshot_dir: Path
) -> None:
    open_in_lab(page, jupyterlab_server, LESSON)
    run_all_cells(page)

    panel = page.locator(".jp-NotebookPanel:visible")
    outputs = panel.locator(".jp-OutputArea-output")
    dashboard = outputs.locator(".mw-cross-vs-isolated")
    expect(dashboard).to_be_visible(timeout=LAB_TIMEOUT_MS)
    dashboard.scroll_into_view_if_needed()
    for mode in ("cross", "isolated"):
        mark = dashboard.locator(f".mw-{mode}-column .mw-price-figure path.line").first
        expect(mark).to_be_visible(timeout=LAB_TIMEOUT_MS)
        expect(mark).to_have_attribute("d", DRAWN)
    both = L5_SCENARIO.compare()
    step = int(both["isolated"].liquidated_at[0])
    expect(dashboard.locator(".mw-compare-summary")).to_contain_text(
        f"Isolated: the BTCUSDT long liquidated at step {step:,}")
    # every exercise of the lesson is there, ready to answer
    expect(outputs.locator(".mw-exercise")).to_have_count(len(LESSONS[5].exercises))

    # no button text is cut ("shock −20 %" was ellipsised in JupyterLab's font): read every
    # visible button of the outputs in one pass (the widgets may redraw between calls)
    cut = outputs.first.evaluate(
        "() => [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output "
        "button')].filter(b => b.offsetParent && b.scrollWidth > b.clientWidth)"
        ".map(b => `${b.innerText} (${b.scrollWidth} > ${b.clientWidth} px)`)")
    assert cut == [], f"cut button text at {page.viewport_size}: {cut}"
    shock = dashboard.locator("button", has_text="shock −20 %")
    expect(shock).to_be_visible()

    assert cell_errors(page) == []
    expect(panel.locator(".jp-OutputArea-output.jp-mod-error")).to_have_count(0)
    expect(panel.locator('[data-mime-type="application/vnd.jupyter.stderr"]')).to_have_count(0)
    console_errors.assert_clean()

    page.screenshot(path=screenshot_dir / "lab-05_cross_vs_isolated.png")
    # the whole dashboard at once: a window tall enough for it, scrolled to its top
    size = page.viewport_size
    assert size is not None
    try:
        page.set_viewport_size({"width": size["width"], "height": 2_600})
        dashboard.evaluate("el => el.scrollIntoView({block: 'start'})")
        expect(dashboard).to_be_in_viewport()
        page.screenshot(path=screenshot_dir / "lab-05_cross_vs_isolated-dashboard.png")
    finally:
        page.set_viewport_size(size)
