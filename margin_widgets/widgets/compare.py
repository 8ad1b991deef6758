"""Cross vs Isolated: the same scenario in two synchronised columns, and what differs.

Left every position cross, right every position isolated with its initial margin (or the
isolated margin the scenario gives it): ``core.compare_modes``. Shared controls above, ONE
time scrubber below, and under it a plain-words summary generated from the two results by
:func:`summarize_comparison`. Cross is drawn in the blue family, isolated in the orange one,
in every chart.

>>> from margin_widgets.widgets import CrossVsIsolated
>>> cvi = CrossVsIsolated()      # displays itself in a notebook
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from ipywidgets import HTML, HBox, Layout, VBox

from ..charts import style
from ..charts.figures import BalanceChart, MarginChart, PriceChart
from ..charts.views import liquidation_events, result_view
from ..core import simulation as _simulation
from ..core.errors import MarginInputError
from ..core.scenario import PRESETS, Scenario
from ..core.simulation import SimulationResult
from .base import ScenarioDashboard
from .controls import AccountControls, PathEditor, PositionsEditor, ScenarioPicker, TimeScrubber
from .markup import esc
from .numbers import NumbersPanel

__all__ = ["CrossVsIsolated", "summarize_comparison"]

MODES = ("cross", "isolated")
PRICE_POINTS = 1000
SMALL_POINTS = 600


def _names(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def summarize_comparison(both: Mapping[str, SimulationResult]) -> list[str]:
    """What differs between the cross and the isolated run, in plain sentences.

    Every figure is read from the two results: liquidation steps (``liquidated_at``), the
    trader's loss per liquidated pool (the engine's events: realized loss plus forfeited
    margin minus any insurance payout), and the closest approach of the cross pool (the step
    of its highest margin ratio, and how far its margin balance then was above its
    maintenance margin).

    Parameters
    ----------
    both : mapping
        ``{"cross": result, "isolated": result}`` from ``compare_modes``.

    Returns
    -------
    list of str
    """
    cross, iso = both["cross"], both["isolated"]
    acct = iso.account
    cur = acct.currency
    out: list[str] = []
    sides = [(p.symbol, p.side) for p in acct.positions]

    def who(i: int) -> str:
        p = acct.positions[i]
        tag = f"{p.symbol} {p.side}"
        return tag + (f" (#{i + 1})" if sides.count((p.symbol, p.side)) > 1 else "")

    iso_events = [e for e in liquidation_events(iso) if e.kind == "liquidation"]
    for e in sorted(iso_events, key=lambda e: e.step):
        assert e.position is not None
        out.append(f"Isolated {who(e.position)} liquidated at step {e.step:,} (loss "
                   f"{style.fmt_money(e.loss, cur)}, its isolated margin).")
    if not iso_events:
        r = np.asarray(iso.pool_margin_ratio, dtype=float)
        if np.isfinite(r).any():
            flat = int(np.nanargmax(np.where(np.isfinite(r), r, np.nan)))
            pi, pt = (int(v) for v in np.unravel_index(flat, r.shape))
            out.append(f"Isolated: no position was liquidated; the closest was {who(pi)} at "
                       f"step {pt:,} (margin ratio {style.fmt_pct(r[pi, pt])}).")
        else:
            out.append("Isolated: no position was liquidated.")

    c_liq = [int(k) for k in np.asarray(cross.liquidated_at) if k >= 0]
    if c_liq:
        k = min(c_liq)
        # every cross member's event carries the whole pool's loss
        loss = next((e.loss for e in liquidation_events(cross)
                     if e.kind == "liquidation" and e.step == k), 0.0)
        out.append(f"Cross liquidated at step {k:,}: every position closed together and the "
                   f"cross pool lost {style.fmt_money(loss, cur)}, its whole margin balance.")
    else:
        ratio = np.asarray(cross.margin_ratio, dtype=float)
        finite = np.isfinite(ratio)
        if finite.any():
            t = int(np.nanargmax(np.where(finite, ratio, np.nan)))
            gap = float(cross.margin_balance[t]) - float(np.sum(cross.maintenance_margin[:, t]))
            upnl = np.asarray(cross.unrealized_pnl)[:, t]
            helpers = [f"the {who(i)}'s" for i in range(len(acct.positions)) if upnl[i] > 0]
            liquidated_alone = {e.position for e in iso_events}
            thanks = ""
            if helpers and liquidated_alone:
                thanks = f" thanks to {_names(helpers)} profit"
            elif liquidated_alone:
                thanks = " on the whole cross wallet"
            out.append(f"Cross survived to the end{thanks}, closest to liquidation at step "
                       f"{t:,} (margin ratio {style.fmt_pct(ratio[t])}, "
                       f"{style.fmt_money(gap, cur)} above its maintenance margin).")
        else:
            out.append("Cross survived to the end.")
    out.append(f"Final equity: cross {style.fmt_money(cross.equity[-1], cur)}, isolated "
               f"{style.fmt_money(iso.equity[-1], cur)}.")
    return out


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
                         layout=Layout(width="100%", max_width="1280px"))
        self.summary: list[str] = []
        self.account_controls = AccountControls(on_edit=self.propose)
        self.wallet_input = self.account_controls.wallet_input
        self.venue_dropdown = self.account_controls.venue_dropdown
        self.scenario_picker = ScenarioPicker(on_load=self.set_scenario)
        self.positions_editor = PositionsEditor(on_edit=self.propose, show_modes=False)
        charts: dict[str, dict[str, Any]] = {}
        for mode in MODES:
            css = [f"mw-{mode}"]
            charts[mode] = {
                "price": PriceChart(title=f"Price, {mode}", height="240px", css_classes=css),
                "margin": MarginChart(title=f"Margin, {mode}", height="200px",
                                      css_classes=css),
                "numbers": NumbersPanel(title="At step", mode=mode),
            }
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
        self.balance_chart = BalanceChart(title="Balances, cross vs isolated", height="220px")
        self.balance_figure = self.balance_chart.figure
        self.charts = [self.cross_price_chart, self.isolated_price_chart,
                       self.cross_margin_chart, self.isolated_margin_chart, self.balance_chart]
        self.path_editor = PathEditor(on_edit=self.propose,
                                      x_scale=self.cross_price_chart.x_scale,
                                      y_scale=self.cross_price_chart.y_scale,
                                      on_symbol=self.guarded(self._on_symbol, "symbol"))
        self.cross_price_chart.add_overlay(self.path_editor.control_points)
        self.time_scrubber = TimeScrubber(on_scrub=self.guarded(self._scrub, "scrub"),
                                          steps=scenario.steps)
        self.time_slider = self.time_scrubber.slider
        self.summary_html = HTML("")
        self.summary_html.add_class("mw-compare-summary")

        def column(mode: str) -> VBox:
            c = charts[mode]
            head = HTML(f"<div class='mw-section mw-{mode}'>"
                        f"{'All cross' if mode == 'cross' else 'All isolated'}</div>")
            box = VBox([head, c["price"].widget, c["margin"].widget, c["numbers"]],
                       layout=Layout(flex="1 1 480px", min_width="320px", padding="0 4px"))
            box.add_class(f"mw-{mode}-column")
            return box

        header = HBox([self.title_html, self.scenario_picker],
                      layout=Layout(flex_flow="row wrap", align_items="center", width="100%"))
        columns = HBox([column("cross"), column("isolated")],
                       layout=Layout(flex_flow="row wrap", width="100%",
                                     align_items="flex-start"))
        self.children = (self.css, header, self.account_controls, self.positions_editor,
                         self.path_editor, self.error_box, columns, self.balance_chart.widget,
                         self.time_scrubber, self.summary_html, self.status)
        scenario.account()
        with self.batch():
            self.propose(scenario)
        if self.result is None:
            raise MarginInputError(self.error_message or "the scenario could not be run")
        self.status.value = ""

    # -- engine -----------------------------------------------------------------------------
    def _run(self, scenario: Scenario) -> dict[str, SimulationResult]:
        paths = self.path_cache.paths(scenario)
        return _simulation.compare_modes(scenario.account(), paths, **scenario.sim_kwargs())

    @property
    def step(self) -> int:
        """The scrubbed step."""
        return int(self.time_slider.value)

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
        self.scenario_picker.show(s)
        self.time_scrubber.set_steps(s.steps)

    # -- drawing ------------------------------------------------------------------------------
    def _render(self) -> None:
        sym = self.path_editor.symbol
        views = {}
        for mode in MODES:
            res = self.result[mode]
            if sym not in res.marks:
                sym = next(iter(res.marks))
            price_view = result_view(res, n_out=PRICE_POINTS, basis=[res.marks[sym]],
                                     label=mode, mode_colors=mode)
            self._price_chart(mode).update(price_view, sym)
            small = result_view(res, n_out=SMALL_POINTS, label=mode, mode_colors=mode)
            self._margin_chart(mode).update(small)
            views[mode] = small
        self.balance_chart.update(views)
        self.summary = summarize_comparison(self.result)
        text = "".join(f"<p style='margin:2px 0'>{esc(s)}</p>" for s in self.summary)
        value = (f"<div class='mw-summary'><b>What differs on this path</b>{text}</div>")
        if self.summary_html.value != value:
            self.summary_html.value = value
        self._scrub(self.step)

    def _price_chart(self, mode: str) -> PriceChart:
        return self.cross_price_chart if mode == "cross" else self.isolated_price_chart

    def _margin_chart(self, mode: str) -> MarginChart:
        return self.cross_margin_chart if mode == "cross" else self.isolated_margin_chart

    def _on_symbol(self, symbol: str) -> None:
        if self.result is None:
            return
        self.path_editor.show(self.scenario, self._edit_result())
        for mode in MODES:
            res = self.result[mode]
            view = result_view(res, n_out=PRICE_POINTS, basis=[res.marks[symbol]],
                               label=mode, mode_colors=mode)
            self._price_chart(mode).update(view, symbol)

    def _scrub(self, step: int) -> None:
        if not self.result:
            return
        t = int(min(max(0, step), self.result["cross"].steps - 1))
        for chart in self.charts:
            chart.set_cursor(t)
        self.cross_numbers.update(self.result["cross"], t)
        self.isolated_numbers.update(self.result["isolated"], t)
