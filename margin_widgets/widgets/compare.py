"""Cross vs Isolated: the same scenario in two synchronised columns, and what differs.

Left every position cross, right every position isolated with its initial margin (or the
isolated margin the scenario gives it): ``core.compare_modes``. The two price charts come
first, on ONE price scale, with the ONE time scrubber right under them and, under that, the
verdict (:func:`margin_widgets.core.verdict.verdict`): which mode wins each sense of "safer"
on this path, and why, each because checked by a counterfactual engine run. The controls,
the margin charts and the numbers follow. Cross is drawn in the blue family, isolated in the
orange one, in every chart.

>>> from margin_widgets.widgets import CrossVsIsolated
>>> cvi = CrossVsIsolated()      # displays itself in a notebook
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from ipywidgets import HTML, HBox, VBox
from traitlets import link

from ..charts import style
from ..charts.figures import BalanceChart, MarginChart, PriceChart, share_y
from ..charts.shared import LeanLayout, shared_layout
from ..charts.views import result_view
from ..core import simulation as _simulation
from ..core.errors import MarginInputError
from ..core.funding import reuse_funding
from ..core.orders import check_both_modes
from ..core.scenario import PRESETS, Scenario
from ..core.simulation import SimulationResult
from ..core.verdict import Sense, Verdict, verdict
from .base import ScenarioDashboard, display_kwargs, info_html, path_steps
from .controls import AccountControls, PathEditor, PositionsEditor, ScenarioPicker, TimeScrubber
from .markup import esc
from .numbers import NumbersPanel

__all__ = ["CrossVsIsolated", "summarize_comparison", "verdict_html"]

MODES = ("cross", "isolated")
PRICE_POINTS = 1000
SMALL_POINTS = 600


def summarize_comparison(both: Mapping[str, SimulationResult],
                         paths: Mapping[str, Any] | None = None,
                         **kwargs: Any) -> list[str]:
    """The verdict on the path in plain sentences (:func:`core.verdict.verdict`).

    Every figure is read from the two results; every "because" is a counterfactual engine
    run (which needs ``paths``; without them no because is said).

    Parameters
    ----------
    both : mapping
        ``{"cross": result, "isolated": result}`` from ``compare_modes``.
    paths : mapping, optional
        The mark paths the two runs used, for the counterfactual runs.
    **kwargs
        The ``simulate`` options of the two runs.

    Returns
    -------
    list of str
    """
    return _verdict_of(both, paths, **kwargs).sentences()


def _verdict_of(both: Mapping[str, SimulationResult], paths: Mapping[str, Any] | None,
                **kwargs: Any) -> Verdict:
    acct = both["isolated"].account
    if paths is None:
        v = verdict(acct, {s: np.asarray(m) for s, m in both["cross"].marks.items()},
                    both=both, **kwargs)
        return Verdict(v.headline, v.senses, (), v.facts, v.currency)
    return verdict(acct, paths, both=both, **kwargs)


def verdict_html(v: Verdict) -> str:
    """The verdict as a small table (one row per sense of "safer") and the reasons."""
    cur = v.currency

    def cell(s: Sense, mode: str) -> str:
        val = s.cross if mode == "cross" else s.isolated
        if s.key == "later_liquidation":
            txt = "never liquidated" if not np.isfinite(val) else f"step {int(val):,}"
        else:
            txt = style.fmt_money(val, "")       # the unit is in the caption under the table
        win = s.winner == mode
        mark = " <span class='mw-win' aria-label='wins'>✓</span>" if win else ""
        return (f"<td class='mw-v mw-{mode}-cell{' mw-winner' if win else ''}'>"
                f"{esc(txt)}{mark}</td>")

    names = {"later_liquidation": ("Later liquidation", "first step at which a position of "
                                   "the run was liquidated; never beats any step"),
             "worst_loss": ("Smaller worst loss", "deepest fall of equity below the "
                            "starting wallet along the path"),
             "final_equity": ("More equity at the end", "equity (wallet + unrealized PnL) at "
                              "the last step")}
    rows = "".join(
        f"<tr><td>{info_html(names[s.key][0], names[s.key][1])}</td>"
        f"{cell(s, 'cross')}{cell(s, 'isolated')}</tr>" for s in v.senses)
    table = (f"<table class='mw-verdict-table'><tr><th>Safer means…</th>"
             f"<th class='mw-cross'>Cross</th><th class='mw-isolated'>Isolated</th></tr>"
             f"{rows}<tr><td colspan='3' class='mw-caption'>amounts in {esc(cur)}; "
             f"✓ marks the mode that wins</td></tr></table>")
    why = "".join(
        f"<li title='{esc('checked by an engine run: ' + r.counterfactual)}"
        f"'>{esc(r.text)}</li>" for r in v.reasons)
    facts = "".join(f"<li>{esc(f)}</li>" for f in v.facts)
    return (f"<div class='mw-verdict' role='status'>"
            f"<div class='mw-verdict-head'>{esc(v.headline)}</div>"
            f"<div class='mw-verdict-body'>{table}"
            f"<ul class='mw-verdict-why'>{why}{facts}</ul></div></div>")


class CrossVsIsolated(ScenarioDashboard):
    """The same scenario, all cross on the left and all isolated on the right.

    Parameters
    ----------
    scenario : Scenario, optional
        Default ``PRESETS["winner_and_loser"]``: cross survives, isolated loses the BTC long.

    Attributes
    ----------
    scenario : Scenario
    result : dict
        ``{"cross": SimulationResult, "isolated": SimulationResult}``.
    account_controls, scenario_picker, positions_editor, path_editor : controls
        Shared by both columns (positions show no mode: the columns set it).
    wallet_input, leverage_sliders : shortcuts to the shared controls
    cross_price_chart, isolated_price_chart, cross_margin_chart, isolated_margin_chart
    cross_price_figure, isolated_price_figure, cross_margin_figure, isolated_margin_figure
    balance_chart, balance_figure : both runs on the same axes
    cross_numbers, isolated_numbers : NumbersPanel
    time_scrubber, time_slider : the ONE scrubber both columns follow
    summary_html : HTML
    summary : list of str
    """

    def __init__(self, scenario: Scenario | None = None) -> None:
        scenario = PRESETS["winner_and_loser"] if scenario is None else scenario
        super().__init__(scenario, title="Cross vs Isolated", css_class="mw-cross-vs-isolated",
                         layout=LeanLayout(width="100%", max_width="1280px"))
        self.summary: list[str] = []
        self.account_controls = AccountControls(on_edit=self.propose)
        self.wallet_input = self.account_controls.wallet_input
        self.venue_dropdown = self.account_controls.venue_dropdown
        self.scenario_picker = ScenarioPicker(on_load=self.set_scenario)
        self.positions_editor = PositionsEditor(on_edit=self.propose, show_modes=False)
        charts: dict[str, dict[str, Any]] = {}
        # both runs span the same steps: every chart draws the first one's step scale, step
        # axis and cursor (one model each, and one cursor message per scrub)
        steps_of: PriceChart | None = None
        for mode in MODES:
            css = [f"mw-{mode}"]
            head = "All cross" if mode == "cross" else "All isolated"
            price = PriceChart(title=head, height="220px", css_classes=css,
                               share_steps=steps_of)
            steps_of = steps_of or price
            charts[mode] = {
                "price": price,
                "margin": MarginChart(title=f"Margin, {mode}", height="200px",
                                      css_classes=css, share_steps=steps_of),
                "numbers": NumbersPanel(title="At step", mode=mode),
            }
            charts[mode]["price"].title_prefix = f"{head}: "
        self.cross_price_chart = charts["cross"]["price"]
        self.isolated_price_chart = charts["isolated"]["price"]
        self.cross_margin_chart = charts["cross"]["margin"]
        self.isolated_margin_chart = charts["isolated"]["margin"]
        self.cross_numbers = charts["cross"]["numbers"]
        self.isolated_numbers = charts["isolated"]["numbers"]
        self.cross_price_figure = self.cross_price_chart.figure
        self.isolated_price_figure = self.isolated_price_chart.figure
        self.cross_margin_figure = self.cross_margin_chart.figure
        self.isolated_margin_figure = self.isolated_margin_chart.figure
        self.balance_chart = BalanceChart(title="Balances, cross vs isolated", height="220px",
                                          share_steps=steps_of)
        self.balance_figure = self.balance_chart.figure
        self.charts = [self.cross_price_chart, self.isolated_price_chart,
                       self.cross_margin_chart, self.isolated_margin_chart, self.balance_chart]
        self.path_editor = PathEditor(on_edit=self.propose,
                                      x_scale=self.cross_price_chart.x_scale,
                                      y_scale=self.cross_price_chart.y_scale,
                                      on_symbol=self.guarded(self._on_symbol, "symbol"))
        self.cross_price_chart.add_overlay(self.path_editor.control_points)
        self.time_scrubber = TimeScrubber(steps=scenario.steps)
        self.time_slider = self.time_scrubber.slider
        # the slider shows the step trait (an analyst may link two dashboards' steps)
        self.step_link = link((self.time_slider, "value"), (self, "step"))
        self.summary_html = HTML("", layout=shared_layout(width="100%"))
        self.summary_html.add_class("mw-compare-summary")
        self.verdict: Verdict | None = None
        self._verdict_for: tuple[Any, Verdict] | None = None

        def pair(role: str, flex: str = "1 1 460px") -> HBox:
            boxes = []
            for mode in MODES:
                c = charts[mode][role]
                w = c.widget if role != "numbers" else c
                box = VBox([w], layout=shared_layout(flex=flex, min_width="300px", width="auto",
                                                     padding="0 4px"))
                box.add_class(f"mw-{mode}-column")
                boxes.append(box)
            row = HBox(boxes, layout=shared_layout(flex_flow="row wrap", width="100%",
                                                   align_items="flex-start"))
            row.add_class(f"mw-compare-{role}-row")
            return row

        header = HBox([self.title_html, self.scenario_picker],
                      layout=LeanLayout(flex_flow="row wrap", align_items="center",
                                        width="100%"))
        self.children = (self.css, header, self.account_controls, self.error_box,
                         pair("price"), self.time_scrubber, self.summary_html,
                         self.positions_editor, self.path_editor, pair("margin"),
                         pair("numbers"), self.balance_chart.widget, self.status)
        scenario.account()
        with self.batch():
            self.scenario = scenario
        if self.result is None:
            raise MarginInputError(self.error or "the scenario could not be run")
        self.status.value = ""

    # -- engine -----------------------------------------------------------------------------
    def _run(self, scenario: Scenario) -> dict[str, SimulationResult]:
        # an exchange would open neither column with too small a wallet: say what each needs
        check_both_modes(scenario.account())
        paths = self.path_cache.paths(scenario)
        thin = display_kwargs(scenario)   # a long path runs thinned
        # both modes and the verdict's counterfactuals pay funding on the same positions
        with reuse_funding():
            both = _simulation.compare_modes(scenario.account(), paths,
                                             **scenario.sim_kwargs(), **thin)
            self._verdict_for = (both, verdict(scenario.account(), paths, both=both,
                                               **scenario.sim_kwargs(), **thin))
        return both

    @property
    def leverage_sliders(self) -> list[Any]:
        """Leverage slider of every shared position row."""
        return self.positions_editor.leverage_sliders

    def _edit_result(self) -> Any:
        return self.result["cross"] if self.result else None

    def _sync_controls(self) -> None:
        s = self.scenario
        self.account_controls.show(s)
        self.positions_editor.show(s)
        self.path_editor.show(s, self._edit_result())
        self.scenario_picker.show(s, opened=self.opened_scenario)
        self.time_scrubber.set_steps(s.steps)

    # -- drawing ------------------------------------------------------------------------------
    def _render(self) -> None:
        sym = self.path_editor.symbol
        views = {}
        for mode in MODES:
            res = self.result[mode]
            if sym not in res.marks:
                sym = next(iter(res.marks))
            small = result_view(res, n_out=SMALL_POINTS, label=mode, mode_colors=mode)
            self._margin_chart(mode).update(small)
            views[mode] = small
        self._draw_prices(sym)
        share_y([self.cross_margin_chart, self.isolated_margin_chart])
        self.balance_chart.update(views)
        done = self._verdict_for
        both = self.result.detail          # the engine's dict (result is a DashboardResult)
        self.verdict = done[1] if done and done[0] is both else _verdict_of(both, None)
        self.summary = self.verdict.sentences()
        value = verdict_html(self.verdict)
        if self.summary_html.value != value:
            self.summary_html.value = value
        self._scrub(self.step)

    def _draw_prices(self, sym: str) -> None:
        """Both price charts for ``sym`` on ONE price scale (the same quantity)."""
        for mode in MODES:
            res = self.result[mode]
            view = result_view(res, n_out=PRICE_POINTS, basis=[res.marks[sym]],
                               label=mode, mode_colors=mode)
            self._price_chart(mode).update(view, sym)
        share_y([self.cross_price_chart, self.isolated_price_chart])

    def _price_chart(self, mode: str) -> PriceChart:
        return self.cross_price_chart if mode == "cross" else self.isolated_price_chart

    def _margin_chart(self, mode: str) -> MarginChart:
        return self.cross_margin_chart if mode == "cross" else self.isolated_margin_chart

    def _on_symbol(self, symbol: str) -> None:
        if self.result is None:
            return
        self.path_editor.show(self.scenario, self._edit_result())
        self._draw_prices(symbol)

    def _scrub(self, step: int) -> None:
        if not self.result:
            return
        t = int(min(max(0, step), path_steps(self.result["cross"]) - 1))
        for chart in self.charts:
            chart.set_cursor(t)
        self.cross_numbers.update(self.exact_at(self.result["cross"], t), t)
        self.isolated_numbers.update(self.exact_at(self.result["isolated"], t), t)
