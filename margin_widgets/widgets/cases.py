"""One position, a few rules or paths: pick a case, see the engine's events.

:class:`CaseExplorer` is the widget of lessons 10 and 11. The lesson gives it a small grid of
cases (e.g. a liquidation rule × a price path) and a function that runs the engine on one
case; the widget draws the chosen run with the kit's own charts (price with liquidation and
bankruptcy lines, ✕ at every partial or full liquidation and ◆ at every margin top-up; the
margin chart with the margin balance, maintenance margin and margin ratio) and lists the
run's events — every partial liquidation, top-up, transfer and liquidation, with the
quantity closed, the amounts, the fee or forfeited margin and the insurance fund's payout —
in a table. It does no finance: every number is the engine's (:meth:`SimulationResult.events`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
import numpy as np

from ..charts import MarginChart, PriceChart, result_view, style
from ..core.errors import MarginInputError
from ..core.simulation import SimulationResult
from .markup import esc, message_html

__all__ = ["CaseExplorer", "events_table_html"]

Choice = tuple[str, str]          # (label, key)

_KIND = {"open fee": "opening fee", "partial liquidation": "partial liquidation",
         "liquidation": "liquidation", "auto-add margin": "auto-add margin",
         "add_margin": "margin added by hand", "remove_margin": "margin removed",
         "deposit": "deposit", "withdraw": "withdrawal"}


def _money(v: float, cur: str) -> str:
    return style.fmt_money(v, cur) if np.isfinite(v) and v != 0 else "—"


def events_table_html(result: SimulationResult) -> str:
    """The run's events as an HTML table (every cell escaped), with its units in a caption."""
    acct = result.account
    cur = acct.currency
    rows = []
    for e in result.events():
        kind = _KIND.get(e.kind, e.kind)
        where = (f"#{e.position + 1} {e.symbol}" if e.position is not None else "account")
        qty = (f"{e.quantity:,.6g}" if getattr(e, "quantity", 0.0) else "—")
        fee_or_forfeit = e.fee
        cells = [f"{e.step:,}", kind, where,
                 style.fmt_price(e.mark, acct.venue.price_decimals) if np.isfinite(e.mark)
                 else "—",
                 qty, _money(e.amount, cur), _money(-e.loss if e.loss else 0.0, cur),
                 _money(fee_or_forfeit, cur), _money(e.insurance_payout, cur)]
        css = " class='mw-event-liq'" if "liquidation" in e.kind else ""
        rows.append(f"<tr{css}>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    head = ("<tr><th>step</th><th>event</th><th>position</th><th>mark</th>"
            "<th>quantity closed</th><th>amount moved</th><th>realized PnL</th>"
            "<th>fee / forfeited</th><th>insurance fund paid</th></tr>")
    caption = (f"Amounts in {esc(cur)}; quantity in the coin. <b>Amount moved</b>: margin "
               f"added to the isolated position. <b>Realized PnL</b>: the closed part's PnL "
               f"at the mark. <b>Fee / forfeited</b>: the opening fee, the venue's liquidation "
               f"fee on the closed notional, or (a forfeit venue) the margin balance left at "
               f"a full liquidation, which goes to the insurance fund. <b>Insurance fund "
               f"paid</b>: how far the pool was below zero when the price gapped past "
               f"bankruptcy.")
    body = "".join(rows) or "<tr><td colspan='9'>no events</td></tr>"
    return (f"<div class='mw-events-wrap'><table class='mw-events-table'>{head}{body}"
            f"</table></div>"
            f"<div class='mw-caption'>{caption}</div>")


_CSS = """<style>
.mw-events-wrap {overflow-x: auto; max-width: 100%;}
.mw-events-table {border-collapse: collapse; font-size: 12px; margin: 4px 0;}
.mw-events-table th, .mw-events-table td {border-bottom: 1px solid #ddd; padding: 2px 8px;
  text-align: right; white-space: nowrap;}
.mw-events-table th:nth-child(2), .mw-events-table td:nth-child(2),
.mw-events-table th:nth-child(3), .mw-events-table td:nth-child(3) {text-align: left;}
.mw-events-table tr.mw-event-liq td {color: #B00000;}
</style>"""


class CaseExplorer(w.VBox):
    """Pick a case with the toggles; the charts, sentence and events table follow.

    Parameters
    ----------
    title : str
        Shown above the toggles (the lesson's, not a user's).
    choices : sequence of (description, [(label, key), ...])
        One toggle group per dimension of the grid of cases.
    run : callable
        ``run(*keys) -> SimulationResult`` for one case (single path); results are cached.
    describe : callable, optional
        ``describe(result, *keys) -> str``: the sentence under the charts (plain text).
    start : sequence of str, optional
        The keys of the case shown first (default: the first of every group).

    Attributes
    ----------
    toggles : list of ToggleButtons
    result : SimulationResult
        The run shown.
    case : tuple of str
        Its keys (not ``keys``: that name is the widget's list of synced traits).
    price_chart, margin_chart : charts of :mod:`margin_widgets.charts`
    summary, events_html, error_box : HTML
    """

    def __init__(self, title: str, choices: Sequence[tuple[str, Sequence[Choice]]],
                 run: Callable[..., SimulationResult],
                 describe: Callable[..., str] | None = None,
                 start: Sequence[str] | None = None) -> None:
        self._run = run
        self._describe = describe
        self._cache: dict[tuple[str, ...], SimulationResult] = {}
        self._reverting = False
        self._last_error = ""
        self.toggles: list[w.ToggleButtons] = []
        for j, (desc, opts) in enumerate(choices):
            value = start[j] if start is not None else opts[0][1]
            tb = w.ToggleButtons(options=list(opts), value=value, description=desc,
                                 style={"description_width": "initial",
                                        "button_width": "auto"})
            tb.add_class("mw-case-toggle")
            tb.observe(self._on_toggle, names="value")
            self.toggles.append(tb)
        self.price_chart = PriceChart(height="260px")
        self.margin_chart = MarginChart(height="200px")
        self.summary = w.HTML()
        self.summary.add_class("mw-case-summary")
        self.events_html = w.HTML()
        self.events_html.add_class("mw-case-events")
        self.error_box = w.HTML()
        heading = w.HTML(f"<div class='mw-title'><b>{esc(title)}</b></div>")
        key = w.HTML(
            "<div class='mw-caption'>Price chart: mark price (solid), liquidation price "
            "(dashed red) and bankruptcy price (dotted purple) of the open position; ✕ a "
            "partial or full liquidation, ◆ margin moved into the position (hover them). "
            "Margin chart: the pool's margin balance (solid) and maintenance margin "
            "(dashed); the margin ratio (dotted, right axis) reaches 100 % at liquidation."
            "</div>")
        super().__init__([w.HTML(style.CSS + _CSS), heading, *self.toggles, self.error_box,
                          self.price_chart.widget, self.margin_chart.widget, key,
                          self.summary, w.HTML("<b>Events of this run</b>"),
                          self.events_html])
        self.add_class("mw-root")
        self.add_class("mw-case-explorer")
        self.case: tuple[str, ...] = ()
        self.result: SimulationResult
        self._show(tuple(str(t.value) for t in self.toggles))
        if not self.case:           # a case given in code that cannot run raises, as the core
            raise MarginInputError(f"the first case could not be run: {self._last_error}")

    def result_of(self, *keys: str) -> SimulationResult:
        """The engine's run of one case (cached)."""
        k = tuple(keys)
        if k not in self._cache:
            self._cache[k] = self._run(*k)
        return self._cache[k]

    def select(self, *keys: str) -> None:
        """Show the case ``keys`` (as if the toggles were clicked)."""
        for tb, k in zip(self.toggles, keys, strict=True):
            tb.value = k

    def _on_toggle(self, _change: Any = None) -> None:
        if self._reverting:
            return
        self._show(tuple(str(t.value) for t in self.toggles))

    def _show(self, keys: tuple[str, ...]) -> None:
        try:
            res = self.result_of(*keys)
        except Exception as exc:  # noqa: BLE001 - the UI says what went wrong, keeps the last
            self._last_error = str(exc)
            self.error_box.value = message_html(f"This case could not be run: {exc}")
            if self.case:                 # the toggles go back to the case still shown
                self._reverting = True
                try:
                    self.select(*self.case)
                finally:
                    self._reverting = False
            return
        self.error_box.value = ""
        self.case, self.result = keys, res
        view = result_view(res)
        sym = res.account.positions[0].symbol
        self.price_chart.update(view, sym)
        self.margin_chart.update(view)
        text = self._describe(res, *keys) if self._describe else ""
        self.summary.value = f"<div class='mw-summary'>{esc(text)}</div>" if text else ""
        self.events_html.value = events_table_html(res)
