"""The Margin Lab: one scenario, every control, live charts and the numbers at a step.

>>> from margin_widgets.widgets import MarginLab
>>> lab = MarginLab()            # displays itself in a notebook (it is a widget)
>>> lab.wallet_input.value = 8_000          # one engine run, every chart follows
>>> lab.time_slider.value = 300             # no engine run: cursor and numbers follow
>>> lab.step                                # the slider is linked to the step trait
300
>>> lab.scenario = lab.scenario.replace(wallet_balance=9_000)   # the same, from code
>>> float(lab.result.account.wallet_balance)                   # one run: the result trait
9000.0

Its state is four traits an analyst can ``observe`` and ``link`` like any widget's:
``scenario`` (in), ``result`` (read-only, out), ``step`` and ``error`` (see
:class:`~margin_widgets.widgets.base.Dashboard`).

Layout (PRODUCT.md, "The Margin Lab screen"): title, scenario and mode on top; account
controls and positions below; the price chart (with the draggable path points) over three
small charts (balances, PnL, margin) on the left, the numbers at the scrubbed step on the
right; the time scrubber at the bottom. Boxes wrap, so a narrow screen gets one column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ipywidgets import Checkbox, HBox, ToggleButtons, VBox
from traitlets import link

from ..charts.figures import BalanceChart, MarginChart, PnlChart, PriceChart
from ..charts.shared import LeanLayout, shared_layout, shared_style
from ..charts.views import ResultView, result_view
from ..core import paths as core_paths
from ..core.edits import with_mode
from ..core.errors import MarginInputError
from ..core.scenario import PRESETS, Scenario
from ..core.simulation import SimulationResult
from .base import EditContext, ScenarioDashboard, path_steps, run_scenario
from .controls import (
    AccountControls,
    PathEditor,
    PositionsEditor,
    ScenarioPicker,
    TimeScrubber,
)
from .numbers import NumbersPanel

__all__ = ["MarginLab", "default_lab_scenario", "mode_edit"]

PRICE_POINTS = 900
"""Points per line of the wide price chart: about one per pixel of its plot area (at most
~840 px wide in the lab: 1,280 px less the numbers column and the axes), i.e. the lowest and
the highest mark of every two pixels. More points draw nothing more and cost bytes on every
change (1,400 before: 40 % of what a dragged point sent)."""
SMALL_POINTS = 450
"""Points per line of the small charts: about two per pixel of their ~225 px plot areas
(shared by the mark paths that decimate them)."""


def default_lab_scenario() -> Scenario:
    """``PRESETS["winner_and_loser_isolated"]``: a liquidation on the first screen.

    In isolated mode the BTC long is liquidated on the path; switching the mode to Cross shows
    the ETH short's profit keeping it alive.
    """
    return PRESETS["winner_and_loser_isolated"]


def mode_edit(mode: str) -> Any:
    """An edit that puts every position in ``mode`` (:func:`core.edits.with_mode`)."""
    def edit(ctx: EditContext) -> Scenario:
        return with_mode(ctx.scenario, mode)
    return edit


class MarginLab(ScenarioDashboard):
    """Every control of a scenario, live charts and the numbers at the scrubbed step.

    Parameters
    ----------
    scenario : Scenario, optional
        Default: :func:`default_lab_scenario` (a liquidation happens on the path).

    Attributes
    ----------
    scenario : Scenario
        The current (committed) scenario.
    result : SimulationResult
        Its simulation; scrubbing reads it, never re-runs it.
    account_controls : AccountControls
        With ``venue_dropdown``, ``wallet_input``, ``fees_checkbox``, ``funding_rate_input``,
        ``funding_interval_input`` (also reachable directly on the lab).
    scenario_picker : ScenarioPicker
    mode_toggle : ToggleButtons
        Cross | Isolated for every position at once (none selected when mixed).
    positions_editor : PositionsEditor
    leverage_sliders : list of FloatSlider
    path_editor : PathEditor
        Its ``control_points`` live on the price chart.
    last_price_checkbox : Checkbox
        Show a last-price path with wicks (liquidation still uses the mark).
    price_chart, balance_chart, pnl_chart, margin_chart : charts
    price_figure, balance_figure, pnl_figure, margin_figure : bqplot.Figure
    numbers : NumbersPanel
    time_scrubber : TimeScrubber
    time_slider : IntSlider
    error_box, status : HTML
    recompute_count : int
    """

    def __init__(self, scenario: Scenario | None = None) -> None:
        scenario = default_lab_scenario() if scenario is None else scenario
        super().__init__(scenario, title="Margin Lab", css_class="mw-margin-lab",
                         layout=LeanLayout(width="100%", max_width="1280px"))
        self.account_controls = AccountControls(on_edit=self.propose)
        self.venue_dropdown = self.account_controls.venue_dropdown
        self.wallet_input = self.account_controls.wallet_input
        self.fees_checkbox = self.account_controls.fees_checkbox
        self.funding_rate_input = self.account_controls.funding_rate_input
        self.funding_interval_input = self.account_controls.funding_interval_input
        self.scenario_picker = ScenarioPicker(on_load=self.set_scenario, show_description=False)
        self.mode_toggle = ToggleButtons(
            options=[("Cross", "cross"), ("Isolated", "isolated")], value=None,
            description="Mode", style=shared_style(ToggleButtons, description_width="initial",
                                                   button_width="84px"),
            tooltip="Put every position in cross or in isolated mode",
            tooltips=["Every position backed by the shared cross wallet",
                      "Every position backed only by its own isolated margin"],
                      layout=shared_layout())
        self.mode_toggle.add_class("mw-mode-toggle")
        self.mode_toggle.observe(self._on_mode, names="value")
        self.positions_editor = PositionsEditor(on_edit=self.propose)

        # the four charts span the same steps: one step scale, step axis and cursor for all
        self.price_chart = PriceChart()
        # the three small charts share a line (and one box layout)
        small_box = {"flex": "1 1 270px", "min_width": "260px", "width": "auto"}
        self.balance_chart = BalanceChart(share_steps=self.price_chart, box_layout=small_box)
        self.pnl_chart = PnlChart(share_steps=self.price_chart, box_layout=small_box)
        self.margin_chart = MarginChart(share_steps=self.price_chart, box_layout=small_box)
        self.price_figure = self.price_chart.figure
        self.balance_figure = self.balance_chart.figure
        self.pnl_figure = self.pnl_chart.figure
        self.margin_figure = self.margin_chart.figure
        self.charts = [self.price_chart, self.balance_chart, self.pnl_chart, self.margin_chart]
        self.path_editor = PathEditor(on_edit=self.propose, x_scale=self.price_chart.x_scale,
                                      y_scale=self.price_chart.y_scale,
                                      on_symbol=self.guarded(self._on_symbol, "symbol"))
        self.price_chart.add_overlay(self.path_editor.control_points)
        self.last_price_checkbox = Checkbox(
            value=False, description="last price (wicks)", indent=False,
            tooltip="Also draw a last-traded price with brief wicks: liquidation uses the "
                    "mark, so a wick alone does not liquidate",
                    layout=shared_layout(width="160px"), style=shared_style(Checkbox))
        # a display option outside the scenario: the same scenario runs again
        self.last_price_checkbox.observe(lambda _c: self.request_recompute(), names="value")
        self.numbers = NumbersPanel()
        self.time_scrubber = TimeScrubber(steps=scenario.steps)
        self.time_slider = self.time_scrubber.slider
        # the slider shows the step trait (an analyst may link two dashboards' steps)
        self.step_link = link((self.time_slider, "value"), (self, "step"))
        self.play = self.time_scrubber.play

        self.path_editor.add_to_row(self.last_price_checkbox)
        self.scenario_picker.description_html.add_class("mw-scenario-caption")
        header = HBox([self.title_html, self.scenario_picker, self.mode_toggle],
                      layout=LeanLayout(flex_flow="row wrap", align_items="center", width="100%",
                                    justify_content="space-between"))
        small = HBox([self.balance_chart.widget, self.pnl_chart.widget,
                      self.margin_chart.widget],
                     layout=LeanLayout(flex_flow="row wrap", width="100%"))
        left = VBox([self.price_chart.widget, self.path_editor, small],
                    layout=LeanLayout(flex="1 1 620px", min_width="320px"))
        right = VBox([self.numbers], layout=LeanLayout(flex="0 1 360px", min_width="300px"))
        main = HBox([left, right], layout=LeanLayout(flex_flow="row wrap", width="100%",
                                                 align_items="flex-start"))
        main.add_class("mw-lab-main")
        self.children = (self.css, header, self.scenario_picker.description_html,
                         self.account_controls, self.positions_editor, self.error_box, main,
                         self.time_scrubber, self.status)

        scenario.account()  # a bad scenario given in code raises here, as in the core
        with self.batch():
            self.scenario = scenario
        if self.result is None:
            raise MarginInputError(self.error or "the scenario could not be run")
        self.status.value = ""

    # -- engine -----------------------------------------------------------------------------
    def _run(self, scenario: Scenario) -> SimulationResult:
        paths = self.path_cache.paths(scenario)
        last = None
        if self.last_price_checkbox.value:
            last = {s: core_paths.with_wicks(p, seed=7) for s, p in paths.items()}
        return run_scenario(scenario, paths, last_prices=last)

    # -- state --------------------------------------------------------------------------------
    @property
    def leverage_sliders(self) -> list[Any]:
        """Leverage slider of every position row."""
        return self.positions_editor.leverage_sliders

    @property
    def position_rows(self) -> list[Any]:
        """The position rows (each with role-named controls)."""
        return self.positions_editor.rows

    def _sync_controls(self) -> None:
        s = self.scenario
        self.account_controls.show(s)
        self.positions_editor.show(s)
        self.path_editor.show(s, self.result)
        self.scenario_picker.show(s, opened=self.opened_scenario)
        modes = {p.mode for p in s.positions}
        value = modes.pop() if len(modes) == 1 else None
        if self.mode_toggle.value != value:
            self.mode_toggle.value = value
        self.time_scrubber.set_steps(s.steps)

    def _on_mode(self, change: dict[str, Any]) -> None:
        mode = change["new"]
        # showing the scenario sets the toggle to the mode every position already has: no
        # edit then (mode_edit would also forget typed isolated margins)
        if mode is None or all(p.mode == mode for p in self.scenario.positions):
            return
        self.propose(mode_edit(mode), f"every position {mode}")

    # -- drawing ------------------------------------------------------------------------------
    def price_view(self) -> ResultView:
        """The result decimated for the price chart of the selected symbol."""
        sym = self.path_editor.symbol
        res = self.result
        basis = [np.asarray(res.marks[sym])] if sym in res.marks else None
        return result_view(res, n_out=PRICE_POINTS, basis=basis)

    def small_view(self) -> ResultView:
        """The result decimated for the small charts, at the extremes of the mark paths.

        The mark paths alone decide which steps are kept (with every liquidation and
        transfer), not the equity: a change of wallet, leverage, size or funding then keeps
        the same steps, so the small charts' x arrays (7 lines) are not sent again. Between
        two events equity, PnL and margin move with the marks, whose extremes are kept.
        """
        res = self.result
        return result_view(res, n_out=SMALL_POINTS,
                           basis=[np.asarray(m) for m in res.marks.values()])

    def _render(self) -> None:
        res = self.result
        sym = self.path_editor.symbol
        if sym not in res.marks:
            sym = next(iter(res.marks))
        self.price_chart.update(self.price_view(), sym)
        # what a visitor looks at first goes first: the price chart, the cursor and the
        # numbers, then the three small charts (each message is drawn as it arrives)
        self._scrub(self.step)
        small = self.small_view()
        modes = {p.mode for p in res.account.positions}
        self.balance_chart.update({modes.pop() if len(modes) == 1 else "": small})
        self.pnl_chart.update(small)
        self.margin_chart.update(small)

    def _on_symbol(self, symbol: str) -> None:
        if self.result is None:
            return
        self.path_editor.show(self.scenario, self.result)
        self.price_chart.update(self.price_view(), symbol)

    def _scrub(self, step: int) -> None:
        if self.result is None:
            return
        t = int(min(max(0, step), path_steps(self.result) - 1))
        for chart in self.charts:
            chart.set_cursor(t)
        self.numbers.update(self.exact_at(self.result, t), t)
