"""The numbers at the scrubbed step, each with its unit and an (i) definition.

Everything shown is read from the engine's result at that step (``result.equity[t]``,
``result.liquidation_price[i, t]``, ...): scrubbing never runs the engine.

The liquidation-price explanation comes from ``Account.explain`` on the account *as it stands
at that step* (:func:`~margin_widgets.widgets.base.account_at`): the cross wallet the
liquidation engine saw there (after fees, funding and margin transfers) and each open
position's isolated margin at that step. Explaining the starting account at that step's
marks would be simpler, but its numbers would differ from the chart as soon as funding, fees
or a transfer moved money; rebuilding the account makes the explained price equal to the
charted one at every step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ipywidgets import HTML, Dropdown, HBox, ToggleButton, VBox

from ..charts import style
from ..charts.shared import LeanLayout, shared_layout, shared_style
from ..core.errors import MarginInputError
from ..core.explain import venue_margin_ratio
from ..core.simulation import SimulationResult, attribute
from .base import account_at, definition, info_html, log, marks_at
from .markup import esc

__all__ = ["NumbersPanel"]


def _label(text: str, definition_text: str) -> str:
    """``text (i)`` with the definition ONCE (``title``), not three times as ``info_html``.

    The panel is re-sent on every change and scrub: the definitions were three quarters of
    its bytes. The (i) still shows the definition on hover (``title``) and on tap or Tab
    (the CSS reads ``attr(title)`` when there is no ``data-def``).
    """
    if not definition_text:
        return f"<span class='mw-label'>{esc(text)}</span>"
    return (f"<span class='mw-label'>{esc(text)} <span class='mw-info' "
            f"title='{esc(definition_text)}' tabindex='0' role='button'>(i)</span></span>")


def _row(label: str, value: str, term: str = "", css: str = "") -> str:
    d = definition(term or label)
    cls = f"mw-v {css}".strip()
    return (f"<tr><td>{_label(label, d)}</td><td class='{cls}'>{esc(value)}</td>"
            "</tr>")


def _desc(widget_cls: type) -> Any:
    """The shared style with ``description_width="initial"`` (the whole label shows)."""
    return shared_style(widget_cls, description_width="initial")


class PositionsTable:
    """The position blocks of a :class:`NumbersPanel` read together.

    ``value`` is their HTML joined (what one positions table showed before).
    """

    def __init__(self, htmls: list[HTML]) -> None:
        self.htmls = htmls

    @property
    def value(self) -> str:
        """The HTML of every position block, in position order."""
        return "".join(w.value for w in self.htmls)


class NumbersPanel(VBox):
    """Account and position numbers at one step, and the liquidation price explained.

    Attributes
    ----------
    account_table : HTML
        "At step 412 of 2,000" and the account's numbers (one message when they change).
    heading : HTML
        The widget showing "At step 412 of 2,000" (:attr:`account_table`).
    position_htmls : list of HTML
        One per position: a change re-sends only the positions whose numbers changed.
    positions_table : PositionsTable
        Their HTML together (``value``), as one table before.
    explain_dropdown : Dropdown
        Which position's liquidation price to explain.
    show_terms : ToggleButton
        Shows the explanation's terms, brackets and notes.
    formula_html, explanation_html : HTML
    values : dict of str to str
        The formatted values last shown, by role (``"equity"``, ``"liquidation price #1"``).
    """

    def __init__(self, *, title: str = "At step", mode: str | None = None) -> None:
        self.title = title
        self.mode = mode
        self.values: dict[str, str] = {}
        self.step = 0
        self._result: SimulationResult | None = None
        self._refreshing = False
        # the heading and the account change together (every scrub): one widget, one message
        self.account_table = HTML("", style=shared_style(HTML), layout=shared_layout())
        self.heading = self.account_table
        # one widget per position: only a position whose numbers changed is sent again
        self.position_htmls: list[HTML] = []
        self.positions_table = PositionsTable(self.position_htmls)
        # the position picker and the terms are made when "show terms" is first pressed:
        # until then the panel only shows the hint (3 widget models fewer at start)
        self._explain_dropdown: Dropdown | None = None
        self._explanation_html: HTML | None = None
        self._options: list[tuple[str, int]] = []
        self._explain_index: int | None = None
        self.show_terms = ToggleButton(
            value=False, description="show terms", icon="info",
            tooltip="Show every term of the liquidation-price formula with its value",
            layout=shared_layout(width="120px"), style=shared_style(ToggleButton))
        self.formula_html = HTML("", style=shared_style(HTML), layout=shared_layout())
        self.explain_row = HBox([self.show_terms], layout=LeanLayout(flex_flow="row wrap",
                                                                     align_items="center"))
        super().__init__(
            [self.account_table, self.explain_row, self.formula_html],
            layout=LeanLayout(width="100%", min_width="300px", padding="0 4px"))
        self.add_class("mw-numbers")
        if mode:
            self.add_class(f"mw-{mode}")
        self.show_terms.observe(self._on_explain, names="value")

    @property
    def explain_dropdown(self) -> Dropdown:
        """Which position's liquidation price to explain (made when first needed)."""
        if self._explain_dropdown is None:
            dd = Dropdown(
                options=self._options, description="Explain", style=_desc(Dropdown),
                tooltip="Which position's liquidation price to explain, term by term",
                layout=shared_layout(width="auto", max_width="260px"))
            if self._explain_index is not None and self._options:
                dd.value = self._explain_index
            dd.observe(self._on_explain, names="value")
            self._explain_dropdown = dd
            self.explain_row.children = (dd, *self.explain_row.children)
        return self._explain_dropdown

    @property
    def explanation_html(self) -> HTML:
        """The explanation's terms, brackets and notes (made when first shown)."""
        if self._explanation_html is None:
            self._explanation_html = HTML("", style=shared_style(HTML),
                                          layout=shared_layout())
            kids: tuple[Any, ...] = tuple(self.children)  # type: ignore[has-type]
            self.children = (*kids, self._explanation_html)
        return self._explanation_html

    # -- updating ---------------------------------------------------------------------------
    def _on_explain(self, _change: dict[str, Any]) -> None:
        if self._refreshing:
            return
        try:
            self._explain()
        except Exception:  # the panel must never raise into a widget callback
            log.exception("margin_widgets: explanation failed")
            self.formula_html.value = ("<div class='mw-muted'>The explanation is not "
                                       "available here.</div>")

    def update(self, result: SimulationResult, step: int) -> None:
        """Show ``result`` at ``step`` (no engine run)."""
        self._result = result
        # a path step; a thinned result (long path) holds it in column c (see
        # ScenarioDashboard.exact_at, which gives a result that holds the step)
        T = result.path_steps if result.path_steps is not None else result.steps
        t = int(min(max(0, step), T - 1))
        self.step = t
        c = result.column(t)
        acct = result.account
        venue = acct.venue
        cur = acct.currency
        dec = venue.price_decimals
        mode_tag = f" — {self.mode}" if self.mode else ""
        heading = (f"<div class='mw-section'>{esc(self.title)} {t:,} of "
                   f"{T - 1:,}{esc(mode_tag)}</div>")
        v: dict[str, str] = {}
        v["wallet balance"] = style.fmt_money(result.wallet_balance[c], cur)
        v["equity"] = style.fmt_money(result.equity[c], cur)
        v["unrealized pnl"] = style.fmt_money(np.sum(result.unrealized_pnl[:, c]), cur)
        v["maintenance margin"] = style.fmt_money(np.sum(result.maintenance_margin[:, c]), cur)
        has_cross = bool(acct.cross_indices)
        ratio = float(result.margin_ratio[c]) if has_cross else float("nan")
        if not has_cross:
            v["margin ratio"] = "no cross positions"
        elif not np.isfinite(ratio) and np.isnan(ratio):
            v["margin ratio"] = "— (cross pool closed)"
        else:
            v["margin ratio"] = style.fmt_pct(ratio)
        v["available balance"] = style.fmt_money(result.available_balance[c], cur)
        rows = [
            _row("Wallet balance", v["wallet balance"]),
            _row("Equity", v["equity"]),
            _row("Unrealized PnL", v["unrealized pnl"]),
            _row("Maintenance margin", v["maintenance margin"]),
            _row("Margin ratio (cross pool)", v["margin ratio"], "margin ratio",
                 "mw-liq" if has_cross and ratio >= 0.8 else ""),
        ]
        printed = venue_margin_ratio(venue, ratio) if has_cross else None
        if printed is not None:
            v["margin ratio, equity ÷ MM"] = style.fmt_pct(printed.value)
            rows.append(f"<tr><td>{_label(printed.label, printed.definition)}"
                        f"</td><td class='mw-v'>{esc(v['margin ratio, equity ÷ MM'])}"
                        "</td></tr>")
        rows.append(_row("Available balance", v["available balance"]))
        table = f"{heading}<table>{''.join(rows)}</table>"
        if self.account_table.value != table:
            self.account_table.value = table

        liq_at = np.asarray(result.liquidated_at)
        blocks = []
        for i, p in enumerate(acct.positions):
            prow = []
            n = i + 1
            k = int(liq_at[i])
            closed = 0 <= k < t
            liq = float(result.liquidation_price[i, c])
            bk = float(result.bankruptcy_price[i, c])
            up = float(result.unrealized_pnl[i, c])
            v[f"liquidation price #{n}"] = ("closed" if closed
                                            else style.fmt_price(liq, dec, cur))
            v[f"bankruptcy price #{n}"] = "closed" if closed else style.fmt_price(bk, dec, cur)
            v[f"unrealized pnl #{n}"] = "—" if closed else style.fmt_money(up, cur)
            pool_ratio = float(result.pool_margin_ratio[i, c])
            extra = []
            if p.mode == "isolated":
                extra.append("isolated margin " + style.fmt_money(result.isolated_margin[i, c],
                                                                   cur))
            if not closed and np.isfinite(pool_ratio):
                extra.append("its pool's margin ratio " + style.fmt_pct(pool_ratio))
            if k >= 0:
                extra.append(f"liquidated at step {k:,}")
            v[f"status #{n}"] = "; ".join(extra)
            who = (f"<span class='mw-{esc(p.mode)}'>#{n} {esc(p.symbol)} {esc(p.side)} "
                   f"×{p.leverage:g} {esc(p.mode)}</span>")
            detail = f"<div class='mw-caption'>{esc(v[f'status #{n}'])}</div>"
            liq_css = "mw-liq" if 0 <= k <= t else ""
            prow.append(f"<tr><td class='mw-pos' colspan='2'>{who}{detail}</td></tr>")
            for label, key, term, css in (
                    ("Liquidation price", "liquidation price", "liquidation price", liq_css),
                    ("Bankruptcy price", "bankruptcy price", "bankruptcy price", ""),
                    ("Unrealized PnL", "unrealized pnl", "unrealized pnl", "")):
                prow.append(
                    f"<tr><td class='mw-sub'>{_label(label, definition(term))}</td>"
                    f"<td class='mw-v {css}'>{esc(v[f'{key} #{n}'])}</td></tr>")
            blocks.append(f"<table>{''.join(prow)}</table>")
        self._show_positions(blocks)
        self.values = v
        opts = [(f"#{i + 1} {p.symbol} {p.side}", i) for i, p in enumerate(acct.positions)]
        keep = self._explain_index
        want = keep if keep in [o[1] for o in opts] else (opts[0][1] if opts else None)
        self._options, self._explain_index = opts, want
        dd = self._explain_dropdown
        if dd is not None and (list(dd.options) != opts or dd.value != want):
            self._refreshing = True
            try:
                if list(dd.options) != opts:
                    dd.options = opts
                if dd.value != want:
                    dd.value = want
            finally:
                self._refreshing = False
        self._on_explain({})

    def _show_positions(self, blocks: list[str]) -> None:
        """One HTML per position block; only the blocks whose text changed are sent."""
        htmls = self.position_htmls
        if len(htmls) != len(blocks):
            while len(htmls) > len(blocks):
                htmls.pop().close()
            while len(htmls) < len(blocks):
                htmls.append(HTML("", style=shared_style(HTML), layout=shared_layout()))
            tail = [self.explain_row, self.formula_html]
            if self._explanation_html is not None:
                tail.append(self._explanation_html)
            self.children = (self.account_table, *htmls, *tail)
        for w, block in zip(htmls, blocks, strict=True):
            if w.value != block:
                w.value = block

    @staticmethod
    def _attribution_html(res: SimulationResult, i: int, t: int, cur: str, dec: int) -> str:
        """Why the liquidation price moved since step 0, part by part (engine's attribute)."""
        if t == 0:
            return ""
        try:
            parts = attribute(res, i, 0, t)
        except MarginInputError:
            return ""
        total = parts.pop("total")
        cur = esc(cur)  # an inverse contract's currency is the symbol's coin
        items = "".join(
            f"<li>{esc(name)}: {esc(style.fmt_price(v, dec))} {cur}</li>"
            for name, v in parts.items() if abs(v) >= 10 ** -dec / 2)
        return (f"<div class='mw-attribution'><b>Since step 0 the liquidation price moved "
                f"{esc(style.fmt_price(total, dec))} {cur}</b>"
                f"{'<ul>' + items + '</ul>' if items else ''}</div>")

    def _explain(self) -> None:
        res = self._result
        if self._explain_dropdown is not None and self._explain_dropdown.value is not None:
            self._explain_index = self._explain_dropdown.value
        i = self._explain_index
        if res is None or i is None:
            return
        if not self.show_terms.value:
            # explaining costs a few milliseconds: only while the terms are shown
            hint = ("<div class='mw-caption'>Press “show terms” to see how the liquidation "
                    "price is computed, term by term.</div>")
            if self.formula_html.value != hint:
                self.formula_html.value = hint
            if self._explanation_html is not None and self._explanation_html.value:
                self._explanation_html.value = ""
            self.values["explanation"] = ""
            return
        _ = self.explain_dropdown  # the position picker comes with the terms
        t = self.step
        p = res.account.positions[i]
        try:
            acct, index = account_at(res, t)
            if i not in index:
                raise MarginInputError(f"position #{i + 1} is closed at step {t:,}")
            ex = acct.explain(index.index(i), marks_at(res, t))
        except MarginInputError as exc:
            self.formula_html.value = f"<div class='mw-muted'>{esc(str(exc))}</div>"
            self.explanation_html.value = ""
            self.values["explanation"] = ""
            return
        cur = res.account.currency
        dec = res.account.venue.price_decimals
        label = info_html(f"Liquidation price #{i + 1} {p.symbol}",
                          definition("liquidation price"))
        formula = (f"<div class='mw-explain'><div>{label}"
                   f" = <b>{esc(style.fmt_price(ex.price, dec, cur))}</b></div>"
                   f"<div><code>{esc(ex.formula)}</code></div>"
                   f"<div><code>= {esc(ex.substituted)}</code></div></div>")
        self.values["explanation"] = ex.to_text()
        if self.formula_html.value != formula:
            self.formula_html.value = formula
        terms = ex.to_html() + self._attribution_html(res, i, t, cur, dec)
        if self.explanation_html.value != terms:
            self.explanation_html.value = terms
