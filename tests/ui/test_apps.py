"""The standalone voila apps and the lessons, as a visitor meets them in headless Chromium.

Every expected number is computed here, in the test process, with the engine
(``margin_widgets.core``) and formatted with ``margin_widgets.charts.style``: the page must
show what the engine says for the state the test put it in.

Speed: the session's ``voila_server`` preheats one kernel per app; each app page is opened
ONCE per module (``apps`` fixture) and reused by the tests of that app, in file order. The
lessons get a second voila (no preheating: each lesson page is rendered once) on
``notebooks/``.

Order matters for one more reason: with ``voila.json`` (``preheat_kernel`` and
``VoilaExecutor.timeout`` 120 s) a preheated app kernel waits in ``get_query_string()`` for
its visitor, and after 120 s without one that cell times out and the page shows "Cell
execution timed out" (a defect of the served configuration, reported separately). So every
app page is opened first, and the two pages that need voila's refilled margin_lab kernel (a
shared link, a broken link) soon after, well within that window.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from pages import RENDER_TIMEOUT_MS, ConsoleErrors, cell_errors, voila_url, wait_for_widgets
from playwright.sync_api import BrowserContext, Locator, Page, expect
from servers import REPO_ROOT, ServerProcess, start_voila

from margin_widgets.charts import style
from margin_widgets.charts.figures import CURSOR, LIQ_FAMILY
from margin_widgets.core import Account, Position, compare_modes, simulate, venues
from margin_widgets.core.scenario import PRESETS, Scenario
from margin_widgets.core.simulation import SimulationResult
from margin_widgets.lessons import LESSONS, ChoiceSpec, ExerciseSpec

pytestmark = pytest.mark.browser

APPS = ("index", "margin_lab", "cross_vs_isolated", "liquidation_calculator", "monte_carlo",
        "venue_compare")
# what shows that an app has drawn (venue_compare has no chart: its table is the content)
DRAWN = {
    "index": ".mw-cross-vs-isolated .mw-price-figure path.line",
    "margin_lab": ".mw-price-figure path.line",
    "cross_vs_isolated": ".mw-price-figure path.line",
    "liquidation_calculator": ".mw-calculator-figure path.line",
    "monte_carlo": ".mw-mc-bands-figure path.line",
    "venue_compare": ".mw-venue-table table",
}
# text that must never reach a visitor
ERROR_TEXT = re.compile(
    r"Traceback|Error:|Exception|There was an error when executing cell|could not start|"
    r"Something went wrong|is not available here")
EXPECT_MS = 30_000  # an update that needs the kernel, on a busy 2-core machine
MAX_SCREENSHOT_HEIGHT = 9_000

LAB_PRESET = "winner_and_loser_isolated"  # what the Margin Lab opens with
COMPARE_PRESET = "winner_and_loser"  # what Cross vs Isolated (and the index page) open with
USDT = "USDT"


# --- engine side: the numbers the pages must show --------------------------------------------


def rgb(hex_color: str) -> str:
    """``#D7191C`` -> ``rgb(215, 25, 28)`` (how Chromium writes an SVG ``style`` colour)."""
    h = hex_color.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


def lab_scenario(mode: str, **position0: Any) -> Scenario:
    """The lab's preset with every position in ``mode``, as its Mode toggle makes it.

    A position that becomes (or stays) isolated without a margin of its own holds its
    initial margin; ``position0`` changes the first position too.
    """
    base = PRESETS[LAB_PRESET]
    positions = [p.with_(mode=mode, isolated_margin=None) for p in base.positions]
    if position0:
        positions[0] = positions[0].with_(**position0)
    return base.replace(positions=tuple(positions))


def run(scenario: Scenario) -> SimulationResult:
    return simulate(scenario.account(), scenario.mark_paths(), **scenario.sim_kwargs())


@cache
def lab_result(mode: str) -> SimulationResult:
    """The Margin Lab's preset run with every position cross, or every one isolated."""
    return run(lab_scenario(mode))


@cache
def compare_result(mode: str) -> SimulationResult:
    """The Cross vs Isolated screen's two runs (``compare_modes``)."""
    s = PRESETS[COMPARE_PRESET]
    return compare_modes(s.account(), s.mark_paths(), **s.sim_kwargs())[mode]


def money(v: Any) -> str:
    return style.fmt_money(v, USDT)


def price(v: Any, venue: str = "binance_usdm") -> str:
    return style.fmt_price(v, venues[venue].price_decimals, USDT)


# --- page side ---------------------------------------------------------------------------------


@dataclass
class AppPage:
    """One rendered page and the console errors seen on it since before navigation."""

    page: Page
    errors: ConsoleErrors
    name: str

    def assert_clean(self) -> None:
        self.errors.assert_clean()
        assert_no_error_text(self.page)


def open_rendered(context: BrowserContext, url: str, selector: str) -> AppPage:
    page = context.new_page()
    errors = ConsoleErrors.attach(page)
    # the page streams while the kernel runs the cells: do not wait for "load"
    page.goto(url, wait_until="commit", timeout=RENDER_TIMEOUT_MS)
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    wait_rendered(page, selector, name)
    return AppPage(page, errors, name)


def wait_rendered(page: Page, selector: str, name: str) -> None:
    """Wait for the dashboard and ``selector``; on failure say what the page shows."""
    try:
        wait_for_widgets(page, ".mw-root")
        # attached, not visible: a horizontal bqplot line has no height
        page.locator(selector).first.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    except Exception as exc:
        shot = REPO_ROOT / "artifacts" / "screenshots" / f"FAILED-{Path(name).stem}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shot)
        body = page.locator("body").inner_text()[-1500:]
        raise AssertionError(f"{name} did not render ({exc}); screenshot {shot}; "
                             f"the page says:\n{body}") from exc


def assert_no_error_text(page: Page) -> None:
    """No error output, no voila error notice, no widget error box with text."""
    assert cell_errors(page) == []
    text = page.locator("#rendered_cells").inner_text()
    found = ERROR_TEXT.search(text)
    assert found is None, f"error text on the page: {text[max(0, found.start() - 200):][:600]}"
    for box in page.locator(".mw-error-box").all():
        assert box.inner_text().strip() == "", f"error box shows: {box.inner_text()}"


def settle(page: Page) -> None:
    """Wait for two animation frames (layout and paint after a resize)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def screenshot(page: Page, path: Path, *, full: bool = True) -> Path:
    """A PNG of the whole rendered notebook at the page's width (or of the viewport).

    Voila's lab template scrolls inside ``#rendered_cells``, so a plain ``full_page``
    screenshot would stop at the viewport: the viewport is made as tall as the content for
    the shot, then restored.
    """
    size = page.viewport_size
    assert size is not None
    if not full:
        page.screenshot(path=path)
        return path
    height = page.evaluate(
        """() => { const el = document.querySelector('#rendered_cells');
                   if (!el) return document.documentElement.scrollHeight;
                   return Math.ceil(el.getBoundingClientRect().top + el.scrollHeight) + 8; }""")
    height = int(min(max(size["height"], height), MAX_SCREENSHOT_HEIGHT))
    try:
        if height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": height})
            page.wait_for_function(
                """() => { const el = document.querySelector('#rendered_cells');
                           return !el || el.scrollHeight <= el.clientHeight + 2; }""",
                timeout=10_000)
            settle(page)
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(size)
        settle(page)
    return path


def value_cell(panel: Locator, label: str, nth: int = 0) -> Locator:
    """The value cell of the ``nth`` row whose label starts with ``label``."""
    label_td = panel.page.locator("td", has_text=re.compile(rf"^\s*{re.escape(label)}"))
    return panel.locator("tr").filter(has=label_td).nth(nth).locator("td.mw-v")


def line(figure: Locator, color: str) -> Locator:
    """The bqplot ``path.line`` drawn in ``color`` (hex, or a theme ``var(...)``)."""
    css = color if color.startswith("var(") else rgb(color)
    return figure.locator(f'path.line[style*="stroke: {css}"]')


def d_of(locator: Locator) -> str:
    d = locator.get_attribute("d")
    assert d, "the line has no path data"
    return d


def press_on_slider(page: Page, slider: Locator, key: str) -> None:
    handle = slider.locator(".noUi-handle")
    handle.focus()
    page.keyboard.press(key)


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps(app_context: BrowserContext, voila_server: str) -> Iterator[Callable[[str], AppPage]]:
    """``apps("margin_lab")`` -> the app's page, rendered once per module and reused.

    ``app_context`` comes first so that Chromium starts before voila: its start-up would
    otherwise compete with the six preheating kernels (see the report on
    ``VoilaExecutor.iopub_timeout``: a starved preheat can lose an app's output).
    """
    opened: dict[str, AppPage] = {}

    def get(name: str) -> AppPage:
        if name not in opened:
            opened[name] = open_rendered(
                app_context, voila_url(voila_server, f"{name}.ipynb"), DRAWN[name])
        return opened[name]

    yield get
    for app in opened.values():
        app.page.close()


@pytest.fixture(scope="module")
def lab(apps: Callable[[str], AppPage]) -> AppPage:
    return apps("margin_lab")


# --- every app renders ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", APPS)
def test_app_renders_cleanly(
    name: str, apps: Callable[[str], AppPage], screenshot_dir: Path
) -> None:
    app = apps(name)
    page = app.page
    drawn = page.locator(DRAWN[name]).first
    expect(drawn).to_be_attached()  # (a horizontal line has no height: never "visible")
    expect(page.locator(".mw-figure, .mw-venue-table").first).to_be_visible()
    if name != "venue_compare":
        # a bqplot line with real path data (not an empty or NaN path)
        expect(drawn).to_have_attribute("d", re.compile(r"^M[\d.\-]+,[\d.\-]+L"))
        # axes with tick labels (bqplot draws them in the figure's background svg)
        ticks = page.locator(".mw-figure").first.locator("g.axis .tick text")
        expect(ticks.first).to_be_visible()
    expect(page.locator(".mw-root").first).to_be_visible()
    app.assert_clean()
    screenshot(page, screenshot_dir / f"voila-{name}.png")
    screenshot(page, screenshot_dir / f"voila-{name}-first-screen.png", full=False)


# --- shared links ----------------------------------------------------------------------------
# Each needs a fresh kernel: voila's pool refill of margin_lab.ipynb. They run right after the
# first renders, while every preheated kernel is young (see the module docstring).


def test_shared_link_restores_its_scenario(
    voila_server: str, app_context: BrowserContext, screenshot_dir: Path
) -> None:
    # every position cross, another wallet: nothing like the lab's default
    shared = PRESETS[COMPARE_PRESET].replace(wallet_balance=12_345.0, title="Shared in a test")
    res = run(shared)
    url = voila_url(voila_server, "margin_lab.ipynb") + "?" + shared.to_query()
    app = open_rendered(app_context, url, DRAWN["margin_lab"])
    page = app.page
    try:
        expect(page.locator(".mw-query-message")).to_contain_text(
            "Opened the shared scenario “Shared in a test”")
        expect(page.locator(".mw-account-controls input").nth(0)).to_have_value("12345")
        expect(page.locator(".mw-mode-toggle button.mod-active")).to_have_text("Cross")
        expect_lab_numbers(page, res, 0)
        assert money(res.wallet_balance[0]).startswith("12,3")
        screenshot(page, screenshot_dir / "voila-margin_lab-shared-link.png", full=False)
        app.assert_clean()
    finally:
        page.close()


# --- Margin Lab ---------------------------------------------------------------------------------


def lab_figure(page: Page) -> Locator:
    return page.locator(".mw-margin-lab .mw-price-figure")


def lab_numbers(page: Page) -> Locator:
    return page.locator(".mw-margin-lab .mw-numbers")


def expect_lab_numbers(page: Page, res: SimulationResult, t: int) -> None:
    """The numbers panel shows ``res`` at step ``t``."""
    panel = lab_numbers(page)
    expect(panel.locator(".mw-section").first).to_have_text(
        f"At step {t:,} of {res.steps - 1:,}", timeout=EXPECT_MS)
    expect(value_cell(panel, "Wallet balance")).to_have_text(money(res.wallet_balance[t]))
    expect(value_cell(panel, "Equity")).to_have_text(money(res.equity[t]))
    expect(value_cell(panel, "Unrealized PnL")).to_have_text(
        money(np.sum(res.unrealized_pnl[:, t])))
    expect(value_cell(panel, "Liquidation price", 0)).to_have_text(
        price(res.liquidation_price[0, t]))
    expect(value_cell(panel, "Liquidation price", 1)).to_have_text(
        price(res.liquidation_price[1, t]))


def test_margin_lab_first_screen_shows_a_liquidation(lab: AppPage) -> None:
    page = lab.page
    res = lab_result("isolated")
    k = int(res.liquidated_at[0])
    assert k >= 0, "the default lab scenario should liquidate the BTC long"
    figure = lab_figure(page)
    # the red cross of the liquidation event, and the numbers of step 0
    expect(figure.locator(f'path.dot[style*="fill: {rgb(style.LIQUIDATION)}"]')).to_have_count(1)
    expect(page.locator(".mw-mode-toggle button.mod-active")).to_have_text("Isolated")
    expect(page.locator(".mw-scenario-caption")).to_contain_text(
        PRESETS[LAB_PRESET].description)
    expect_lab_numbers(page, res, 0)
    expect(lab_numbers(page)).to_contain_text(f"liquidated at step {k:,}")


def test_margin_lab_time_slider_moves_cursor_and_numbers(lab: AppPage) -> None:
    page = lab.page
    res = lab_result("isolated")
    slider = page.locator(".mw-time-slider")
    readout = slider.locator(".widget-readout")
    start = int(readout.inner_text())
    cursor = line(lab_figure(page), CURSOR)
    before = d_of(cursor)
    for k in range(1, 4):
        press_on_slider(page, slider, "ArrowRight")
        expect(readout).to_have_text(str(start + k))
    t = start + 3
    expect(cursor).not_to_have_attribute("d", before, timeout=EXPECT_MS)
    expect_lab_numbers(page, res, t)
    press_on_slider(page, slider, "ArrowLeft")
    expect(readout).to_have_text(str(t - 1))
    expect_lab_numbers(page, res, t - 1)
    lab.assert_clean()


def test_margin_lab_mode_toggle_redraws_and_shows_engine_numbers(
    lab: AppPage, screenshot_dir: Path
) -> None:
    page = lab.page
    t = int(page.locator(".mw-time-slider .widget-readout").inner_text())
    toggle = page.locator(".mw-mode-toggle")
    liq = line(lab_figure(page), LIQ_FAMILY[0]).first
    isolated_d = d_of(liq)

    toggle.get_by_role("button", name="Cross", exact=True).click()
    expect(liq).not_to_have_attribute("d", isolated_d, timeout=EXPECT_MS)
    cross = lab_result("cross")
    expect_lab_numbers(page, cross, t)
    expect(value_cell(lab_numbers(page), "Margin ratio (cross pool)")).to_have_text(
        style.fmt_pct(cross.margin_ratio[t]))
    # the position rows follow the mode
    expect(page.locator(".mw-position-row").first.locator("button.mod-active").last
           ).to_have_text("cross")
    screenshot(page, screenshot_dir / "voila-margin_lab-cross.png", full=False)

    toggle.get_by_role("button", name="Isolated", exact=True).click()
    expect(liq).to_have_attribute("d", isolated_d, timeout=EXPECT_MS)
    expect_lab_numbers(page, lab_result("isolated"), t)
    expect(value_cell(lab_numbers(page), "Margin ratio (cross pool)")).to_have_text(
        "no cross positions")
    lab.assert_clean()


def test_margin_lab_leverage_slider_moves_isolated_liquidation(lab: AppPage) -> None:
    page = lab.page
    t = int(page.locator(".mw-time-slider .widget-readout").inner_text())
    row = page.locator(".mw-position-row").first
    readout = row.locator(".widget-readout")
    expect(readout).to_have_text("10.0")
    liq = line(lab_figure(page), LIQ_FAMILY[0]).first
    before = d_of(liq)

    press_on_slider(page, row, "ArrowRight")
    expect(readout).not_to_have_text("10.0")
    leverage = float(readout.inner_text())
    assert leverage > 10.0
    expect(liq).not_to_have_attribute("d", before, timeout=EXPECT_MS)
    scenario = lab_scenario("isolated", leverage=leverage)
    res = run(scenario)
    margin = float(scenario.account().isolated_margins[0])
    expect(lab_numbers(page)).to_contain_text(f"isolated margin {money(margin)}",
                                              timeout=EXPECT_MS)
    expect_lab_numbers(page, res, t)
    lab.assert_clean()


def test_margin_lab_share_button_makes_a_link_to_the_scenario_on_screen(lab: AppPage) -> None:
    page = lab.page
    leverage = float(page.locator(".mw-position-row").first.locator(".widget-readout")
                     .inner_text())
    page.locator("button.mw-share").click()
    link = page.locator(".mw-share-link a")
    expect(link).to_have_attribute("href", re.compile(r"\?scenario=[\w-]+$"), timeout=EXPECT_MS)
    href = link.get_attribute("href") or ""
    shared = Scenario.from_query(href.split("?", 1)[1])
    assert shared is not None
    assert [p.mode for p in shared.positions] == ["isolated", "isolated"]
    assert shared.positions[0].leverage == leverage
    assert shared.wallet_balance == PRESETS[LAB_PRESET].wallet_balance
    # the link opens this app: the browser resolves it against the page's own address
    absolute = link.evaluate("a => a.href")
    assert absolute.startswith(page.url.split("?")[0] + "?scenario=")
    lab.assert_clean()


def test_margin_lab_dragging_a_control_point_redraws_the_path(
    lab: AppPage, screenshot_dir: Path
) -> None:
    page = lab.page
    figure = lab_figure(page)
    points = figure.locator(f'path.dot[style*="fill: {rgb(style.CROSS)}"]')
    spec = PRESETS[LAB_PRESET].paths["BTCUSDT"]
    expect(points).to_have_count(len(spec.params["points"]))
    mark = line(figure, style.MARK).first
    before = d_of(mark)
    k = 2  # the point at step 400
    box = points.nth(k).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 20, steps=4)
    page.mouse.move(x, y - 45, steps=4)
    page.mouse.up()
    expect(mark).not_to_have_attribute("d", before, timeout=EXPECT_MS)
    expect(page.locator(".mw-margin-lab .mw-status")).to_contain_text("BTCUSDT path redrawn")
    # the kernel's scenario holds the dragged point higher than before (y up = price up)
    link = page.locator(".mw-share-link a")
    previous = link.get_attribute("href") if link.count() else None  # an earlier test's link
    page.locator("button.mw-share").click()
    expect(link).to_have_attribute("href", re.compile(r"\?scenario=[\w-]+$"))
    if previous:
        expect(link).not_to_have_attribute("href", previous, timeout=EXPECT_MS)
    href = link.get_attribute("href") or ""
    shared = Scenario.from_query(href.split("?", 1)[1])
    assert shared is not None
    old_points = spec.params["points"]
    new_points = shared.paths["BTCUSDT"].params["points"]
    assert len(new_points) == len(old_points), (old_points, new_points)
    assert new_points[k][0] == old_points[k][0], (old_points, new_points)
    assert new_points[k][1] > old_points[k][1] + 100, (old_points, new_points)
    screenshot(page, screenshot_dir / "voila-margin_lab-dragged.png", full=False)
    lab.assert_clean()


def test_malformed_shared_link_shows_message_and_default_scenario(
    voila_server: str, app_context: BrowserContext, screenshot_dir: Path
) -> None:
    url = voila_url(voila_server, "margin_lab.ipynb") + "?scenario=garbage"
    app = open_rendered(app_context, url, DRAWN["margin_lab"])
    page = app.page
    try:
        message = page.locator(".mw-query-message .mw-error")
        expect(message).to_contain_text("The shared link could not be used")
        expect(message).to_contain_text("damaged")
        expect(message).to_contain_text("Showing the default scenario")
        expect(page.locator(".mw-mode-toggle button.mod-active")).to_have_text("Isolated")
        expect_lab_numbers(page, lab_result("isolated"), 0)
        expect(line(lab_figure(page), style.MARK).first).to_have_attribute(
            "d", re.compile(r"^M[\d.\-]+,[\d.\-]+L"))
        screenshot(page, screenshot_dir / "voila-margin_lab-bad-link.png", full=False)
        app.errors.assert_clean()
        assert cell_errors(page) == []
    finally:
        page.close()


# --- Cross vs Isolated, calculator, venues, Monte Carlo, index ------------------------------------


def test_cross_vs_isolated_summary_and_synchronised_columns(
    apps: Callable[[str], AppPage],
) -> None:
    app = apps("cross_vs_isolated")
    page = app.page
    both = {m: compare_result(m) for m in ("cross", "isolated")}
    k = int(both["isolated"].liquidated_at[0])
    assert k >= 0 and int(both["cross"].liquidated_at[0]) < 0
    summary = page.locator(".mw-compare-summary")
    expect(summary).to_contain_text(f"the BTCUSDT long liquidated at step {k:,}")
    expect(summary).to_contain_text("its isolated margin")
    expect(summary).to_contain_text(f"cross was never liquidated (isolated was, at step {k:,})")
    # the verdict table: final equity of each run (amounts in USDT, the winner ticked)
    ec, ei = both["cross"].equity[-1], both["isolated"].equity[-1]
    row = summary.locator("tr", has_text="More equity at the end")
    expect(row.locator("td").nth(1)).to_have_text(style.fmt_money(ec, ""))
    expect(row.locator("td").nth(2)).to_have_text(style.fmt_money(ei, "") + " ✓")
    for mode in ("cross", "isolated"):
        expect(page.locator(f".mw-{mode}-column .mw-price-figure path.line").first).to_be_visible()
    # one scrubber drives both columns
    slider = page.locator(".mw-time-slider")
    press_on_slider(page, slider, "ArrowRight")
    press_on_slider(page, slider, "ArrowRight")
    expect(slider.locator(".widget-readout")).to_have_text("2")
    for mode in ("cross", "isolated"):
        panel = page.locator(f".mw-numbers.mw-{mode}")
        res = both[mode]
        expect(value_cell(panel, "Equity")).to_have_text(money(res.equity[2]), timeout=EXPECT_MS)
        expect(value_cell(panel, "Liquidation price", 0)).to_have_text(
            price(res.liquidation_price[0, 2]))
    app.assert_clean()


def calculator_liquidation(quantity: float, leverage: int) -> float:
    """The calculator's default position (isolated BTC long at 20,000 on Binance)."""
    v = venues["binance_usdm"]
    marks = {"BTCUSDT": 20_000.0}
    pos = Position("BTCUSDT", "long", quantity, 20_000.0, leverage, "isolated")
    im = float(Account(v, 1e18, [pos]).initial_margin(marks)[0])
    acct = Account(v, im, [pos.with_(isolated_margin=im)])
    return float(acct.liquidation_price(0, marks))


def test_liquidation_calculator_follows_quantity_and_leverage(
    apps: Callable[[str], AppPage], screenshot_dir: Path
) -> None:
    app = apps("liquidation_calculator")
    page = app.page
    label = page.locator(".mw-liquidation-label .mw-liq")
    expect(label).to_have_text(price(calculator_liquidation(1, 50)))
    liq = line(page.locator(".mw-calculator-figure"), style.LIQUIDATION).first
    before = d_of(liq)

    quantity = page.locator(".mw-quantity-input input")
    quantity.fill("2.5")
    quantity.press("Enter")
    expect(label).to_have_text(price(calculator_liquidation(2.5, 50)), timeout=EXPECT_MS)

    slider = page.locator(".mw-leverage-slider")
    press_on_slider(page, slider, "ArrowLeft")
    press_on_slider(page, slider, "ArrowLeft")
    expect(slider.locator(".widget-readout")).to_have_text("48")
    expected = price(calculator_liquidation(2.5, 48))
    expect(label).to_have_text(expected, timeout=EXPECT_MS)
    expect(value_cell(page.locator(".mw-calculator-outputs"), "Liquidation price")
           ).to_contain_text(expected)
    expect(liq).not_to_have_attribute("d", before)
    screenshot(page, screenshot_dir / "voila-liquidation_calculator-changed.png", full=False)
    app.assert_clean()


def test_venue_compare_reproduces_the_published_examples(apps: Callable[[str], AppPage]) -> None:
    app = apps("venue_compare")
    page = app.page
    table = page.locator(".mw-venue-table")
    expect(table).to_contain_text("every venue at MMR 0.5 %")
    for name, number in (("Bybit", "19,700.00"), ("Binance", "19,698.49"),
                         ("OKX", "19,708.40")):
        row = table.locator("tbody tr").filter(has_text=name).first
        expect(row).to_contain_text(number)
    page.locator(".mw-rule-toggle").get_by_role(
        "button", name="Each venue's own tier table").click()
    expect(table).to_contain_text("each venue's own tier table", timeout=EXPECT_MS)
    # now Binance uses its own bracket for 20,000 USDT of notional
    binance = venues["binance_usdm"]
    position = Position("BTCUSDT", "long", 1, 20_000, 50, "isolated", isolated_margin=400)
    own = Account(binance, 400, [position]).liquidation_price(0, {"BTCUSDT": 20_000})
    row = table.locator("tbody tr").filter(has_text=binance.name).first
    expect(row).to_contain_text(price(own))
    app.assert_clean()


def test_monte_carlo_runs_and_cancels(apps: Callable[[str], AppPage]) -> None:
    app = apps("monte_carlo")
    page = app.page
    summary = page.locator(".mw-mc-summary")
    expect(summary).to_contain_text("Cross:")
    expect(summary).to_contain_text("Isolated:")
    for css in (".mw-mc-bands-cross", ".mw-mc-bands-isolated", ".mw-mc-probability-figure"):
        expect(page.locator(f"{css} path.line").first).to_have_attribute(
            "d", re.compile(r"^M[\d.\-]+,[\d.\-]+L"))
    status = page.locator(".mw-montecarlo .mw-status")
    paths = page.locator(".mw-mc-paths input")

    # a small run completes in the kernel's thread and replaces the charts
    band = page.locator(".mw-mc-bands-isolated path.line").first
    before = d_of(band)
    paths.fill("200")
    paths.press("Enter")
    expect(status).to_contain_text("200 paths × 500 steps in", timeout=EXPECT_MS)
    expect(band).not_to_have_attribute("d", before)
    steps = page.locator(".mw-mc-steps input")
    steps.fill("2000")
    steps.press("Enter")
    expect(status).to_contain_text("200 paths × 2,000 steps in", timeout=EXPECT_MS)
    after_small = summary.inner_text()

    # a large run (20 million prices, the most one run may do: about a second on a quiet
    # machine) goes to a background thread with a progress bar; Cancel stops it and the charts
    # keep the previous run. A run can finish before the click reaches the kernel, so a run
    # that wins that race is started again (new path count): Cancel must win within 3 runs.
    cancel = page.locator("button.mw-mc-cancel")
    done = re.compile(r"Run cancelled|[\d,]+ paths × 2,000 steps in")
    for n in ("10000", "9990", "9980"):
        paths.fill(n)
        paths.press("Enter")
        expect(page.locator(".mw-mc-progress-box")).to_be_visible(timeout=EXPECT_MS)
        cancel.dispatch_event("click")  # no wait for a stable layout: the run is short
        expect(status).to_contain_text(done, timeout=EXPECT_MS)
        if "Run cancelled" in status.inner_text():
            break
        # the run finished first: its charts and summary are now the ones to keep
        expect(summary).not_to_have_text(after_small)
        after_small = summary.inner_text()
    expect(status).to_contain_text("Run cancelled")
    expect(page.locator(".mw-mc-progress-box")).to_be_hidden()
    expect(summary).to_have_text(after_small)
    expect(page.locator("button.mw-mc-run")).to_be_enabled()
    app.assert_clean()


def test_monte_carlo_settings_typed_as_shown_live_in_the_url(
    app_context: BrowserContext, voila_server: str
) -> None:
    # the volatility and drift boxes show percent and read what they show ("-20" is -20 %);
    # every setting is in the page's URL, and a reload restores them all
    url = voila_url(voila_server, "monte_carlo.ipynb")
    app = open_rendered(app_context, url, DRAWN["monte_carlo"])
    page = app.page
    status = page.locator(".mw-montecarlo .mw-status")
    for css, typed, shown in ((".mw-mc-drift", "-20", "-20%"),
                              (".mw-mc-volatility", "90", "90%"),
                              (".mw-mc-seed", "3", "3"), (".mw-mc-paths", "300", "300"),
                              (".mw-mc-steps", "400", "400")):
        box = page.locator(f"{css} input")
        box.fill(typed)
        box.press("Enter")
        expect(box).to_have_value(shown, timeout=EXPECT_MS)
    expect(status).to_contain_text("300 paths × 400 steps in", timeout=EXPECT_MS)

    def settings_in_url() -> tuple[Any, ...] | None:
        query = urlsplit(page.url).query
        if "mc_paths=300" not in query:
            return None
        sc = Scenario.from_query(query)
        spec = sc.paths["BTCUSDT"] if sc is not None else None
        if spec is None or spec.generator != "gbm":
            return None
        return (sc.steps, spec.params["volatility"], spec.params["drift"], spec.seed)

    expected = (400, pytest.approx(0.9), pytest.approx(-0.2), 3)
    for _ in range(150):
        if settings_in_url() == expected:
            break
        page.wait_for_timeout(200)
    assert settings_in_url() == expected, page.url
    page.reload(wait_until="commit", timeout=RENDER_TIMEOUT_MS)
    wait_rendered(page, DRAWN["monte_carlo"], "monte_carlo.ipynb")
    for css, shown in ((".mw-mc-drift", "-20%"), (".mw-mc-volatility", "90%"),
                       (".mw-mc-seed", "3"), (".mw-mc-paths", "300"), (".mw-mc-steps", "400")):
        expect(page.locator(f"{css} input")).to_have_value(shown, timeout=EXPECT_MS)
    expect(page.locator(".mw-query-message")).to_contain_text("Opened the shared scenario")
    app.assert_clean()
    page.close()


def test_index_links_every_app_and_draws_the_default_scenario(
    apps: Callable[[str], AppPage], voila_server: str
) -> None:
    app = apps("index")
    page = app.page
    for name in APPS[1:]:
        link = page.locator(f'#rendered_cells a[href="{name}.ipynb"]')
        expect(link).to_have_count(1)
        assert link.evaluate("a => a.href") == voila_url(voila_server, f"{name}.ipynb")
    expect(page.locator(".mw-compare-summary")).to_contain_text("the BTCUSDT long liquidated")
    for mode in ("cross", "isolated"):
        expect(page.locator(f".mw-{mode}-column .mw-price-figure path.line").first
               ).to_be_visible()


# --- lessons in voila ---------------------------------------------------------------------------

LESSON_FILES = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def lessons_voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A second voila on ``notebooks/`` (each lesson is opened once: no preheating)."""
    server = start_voila(REPO_ROOT / "notebooks", tmp_path_factory.mktemp("voila-lessons"),
                         extra_args=["--VoilaConfiguration.preheat_kernel=False"])
    try:
        yield server
    finally:
        server.stop()


def expected_text(spec: ExerciseSpec, value: float) -> str:
    """How ``Exercise`` prints a number (two decimals, then the unit)."""
    return f"{value:,.2f} {spec.unit}".strip()


def check_numeric(box: Locator, spec: ExerciseSpec, hint_png: Path | None = None) -> None:
    """A wrong answer gets the first hint; the engine's answer is "Correct"."""
    answer = float(spec.answer())
    # far from the answer and from every known mistake (those get their own hint)
    wrong = answer + max(100.0, abs(answer)) * 1.37 + 11.0
    field_ = box.locator(".mw-answer input")
    feedback = box.locator(".mw-feedback")
    field_.fill(repr(round(wrong, 6)))
    field_.press("Enter")
    box.locator("button.mw-check").click()
    expect(feedback).to_contain_text(f"Not quite ({expected_text(spec, wrong)})",
                                     timeout=EXPECT_MS)
    if spec.hints:
        hint = re.sub(r"<[^>]+>", "", spec.hints[0])
        expect(feedback).to_contain_text(f"Hint 1: {hint}")
    else:
        expect(feedback).to_contain_text("Try again")
    expect(feedback).not_to_contain_text("Correct")
    if hint_png is not None:
        box.screenshot(path=hint_png)
    field_.fill(repr(round(answer, 6)))
    field_.press("Enter")
    box.locator("button.mw-check").click()
    expect(feedback).to_contain_text(f"Correct: {expected_text(spec, answer)}",
                                     timeout=EXPECT_MS)


def check_choice(box: Locator, spec: ChoiceSpec) -> None:
    """A wrong option is explained and refused; the right one is "Correct"."""
    feedback = box.locator(".mw-feedback")
    wrong = (spec.correct + 1) % len(spec.options)
    box.locator(".mw-answer label").filter(has_text=spec.options[wrong]).click()
    box.locator("button.mw-check").click()
    expect(feedback).to_contain_text("Not this one", timeout=EXPECT_MS)
    box.locator(".mw-answer label").filter(has_text=spec.options[spec.correct]).click()
    box.locator("button.mw-check").click()
    expect(feedback).to_contain_text("Correct", timeout=EXPECT_MS)


@pytest.mark.parametrize("path", LESSON_FILES, ids=[p.stem for p in LESSON_FILES])
def test_lesson_in_voila_renders_and_checks_answers(
    path: Path, lessons_voila: ServerProcess, app_context: BrowserContext,
    screenshot_dir: Path,
) -> None:
    number = int(path.name[:2])
    lesson = LESSONS[number]
    # one lesson at a time: voila renders two requests side by side several times slower
    try:
        app = open_rendered(app_context, voila_url(lessons_voila.url, path.name),
                            ".mw-exercise")
    except AssertionError as exc:  # the server log says why a lesson did not render
        raise AssertionError(f"{exc}\n--- voila log ---\n{lessons_voila.log_tail()}") from exc
    page = app.page
    try:
        boxes = page.locator(".mw-exercise")
        expect(boxes).to_have_count(len(lesson.exercises), timeout=EXPECT_MS)
        expect(page.locator(".mw-root").first).to_be_visible()
        if number != 8:  # lesson 8 is the venue table, without a chart
            expect(page.locator(".mw-figure path.line").first).to_have_attribute(
                "d", re.compile(r"^M[\d.\-]+,[\d.\-]+L"), timeout=EXPECT_MS)
        app.assert_clean()
        screenshot(page, screenshot_dir / f"lesson-{path.stem}.png")

        for k, spec in enumerate(lesson.exercises):
            box = boxes.nth(k)
            if isinstance(spec, ChoiceSpec):
                check_choice(box, spec)
            else:
                hint_png = screenshot_dir / f"lesson-{number:02d}-exercise-{k + 1}-hint.png"
                check_numeric(box, spec, hint_png if k == 0 else None)
        first = boxes.nth(0)
        spec0 = lesson.exercises[0]
        if isinstance(spec0, ExerciseSpec):
            first.locator("button.mw-show-solution").click()
            expect(first.locator(".mw-solution")).to_contain_text(
                f"Answer: {expected_text(spec0, float(spec0.answer()))}", timeout=EXPECT_MS)
        first.screenshot(path=screenshot_dir / f"lesson-{number:02d}-exercise-1-solved.png")
        app.errors.assert_clean()
        assert cell_errors(page) == []
    finally:
        page.close()
