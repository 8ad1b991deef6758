"""Same position, every venue: why my exchange shows a different liquidation price.

:class:`VenueComparison` puts one isolated position (by default the margin model's example:
long 1 BTC at 20,000, 50x, isolated margin 400) on every venue preset and shows the numbers
side by side, with one sentence per venue naming the *rule* that moves its number:

- where the maintenance margin is measured (at the mark, or at the entry price: Bybit classic);
- a fee folded into the maintenance rate (OKX adds its taker fee);
- a different tier table (bracket, rate, maintenance amount), including the same venue's table
  at two dates (``binance_usdm_2022`` against ``binance_usdm``): stale tables are the commonest
  reason a number is "off";
- a liquidation fee instead of forfeiting the margin (dYdX): same price, different loss.

With *same MMR for every venue* every venue gets a one-bracket table at that rate, so only the
rules differ; at 0.5 % this reproduces the published 19,700.00 (Bybit), 19,698.49 (Binance)
and 19,708.40 (OKX). With *each venue's own tier table* the brackets differ too.

Inverse (COIN-M) venues cannot hold "1 BTC" of a linear contract: the position is converted to
contracts of 100 USD of the same face value at entry, and the isolated margin to the coin at
the entry price; the row says so. Venues whose table does not allow the leverage still show
the row with the same margin (leverage does not enter an isolated liquidation price once the
margin is given) and a warning.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import parse_qs, quote

import bqplot as bq
import ipywidgets as w
import numpy as np
from traitlets import Float, observe

from ..charts import style
from ..charts.figures import nice_ticks, save_png_button
from ..core import Position, RiskTiers, Venue, venues
from ..core.contracts import contract_size_for
from ..core.contracts import initial_margin as _initial_margin
from ..core.errors import MarginInputError, positive_finite
from ..core.scenario import PathSpec, Scenario
from ..core.venue_compare import VenueRow, compare_venues
from .base import Dashboard, definition, info_html, package_result
from .markup import esc

__all__ = ["VenueComparison", "VenueRow", "VenueChart", "compare_venues", "initial_margin",
           "QUERY_KEY"]

QUERY_KEY = "venues"
"""Name of the query parameter a shared venue-comparison link carries."""

Side = Literal["long", "short"]
SAME = "same"
OWN = "own"


def initial_margin(quantity: float, entry_price: float, leverage: float) -> float:
    """Initial margin of a linear position at entry (:func:`core.contracts.initial_margin`).

    >>> initial_margin(1, 20_000, 50)
    400.0
    """
    pos = Position("BTCUSDT", "long", quantity, entry_price, leverage)
    return _initial_margin(Venue("initial margin", tiers=RiskTiers.flat(0.0)), pos)


class VenueChart:
    """Liquidation price per venue on ONE price axis, with the entry price as a line.

    Venues are rows (an ordinal axis), the price runs left to right; each dot carries its
    price as a label, so no two labels share a row.

    Attributes
    ----------
    figure : bqplot.Figure (CSS class ``mw-venue-figure``)
    dots : bqplot.Scatter
    entry_line : bqplot.Lines
    price_labels : bqplot.Label
    """

    def __init__(self) -> None:
        self.x_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.y_scale = bq.OrdinalScale(reverse=True)
        self.unit_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.dots = bq.Scatter(x=np.zeros(0), y=np.array([], dtype=str),
                               scales={"x": self.x_scale, "y": self.y_scale},
                               colors=[style.LIQUIDATION], default_size=64, marker="circle",
                               labels=["liquidation price"])
        self.price_labels = bq.Label(x=np.zeros(0), y=np.array([], dtype=str),
                                     scales={"x": self.x_scale, "y": self.y_scale},
                                     text=np.array([], dtype=str),
                                     colors=["var(--jp-ui-font-color1, #222222)"],
                                     default_size=11, x_offset=8, y_offset=4)
        self.entry_line = bq.Lines(x=np.zeros(2), y=np.array([0.0, 1.0]),
                                   scales={"x": self.x_scale, "y": self.unit_scale},
                                   colors=[style.ENTRY], stroke_width=1.5,
                                   labels=["entry"])
        self.x_axis = bq.Axis(scale=self.x_scale, label="liquidation price (USD)",
                              tick_format=",.0f", label_offset="30px")
        self.y_axis = bq.Axis(scale=self.y_scale, side="left")
        self.figure = bq.Figure(
            marks=[self.entry_line, self.dots, self.price_labels],
            axes=[self.x_axis, self.y_axis], title="Liquidation price per venue",
            animation_duration=0,
            fig_margin={"top": 36, "bottom": 40, "left": 170, "right": 80},
            layout=w.Layout(width="100%", max_width="900px", height="300px",
                            min_width="300px"))
        self.figure.add_class("mw-venue-figure")
        self.figure.add_class("mw-figure")
        self.save_button = save_png_button(self.figure, "venues.png")
        self.widget = w.VBox([self.figure, self.save_button],
                             layout=w.Layout(width="100%", align_items="flex-start"))

    def update(self, rows: Sequence[VenueRow], entry: float) -> None:
        """Draw one dot per venue with a finite liquidation price."""
        ok = [r for r in rows if math.isfinite(r.liquidation_price)]
        names = np.array([r.name for r in ok], dtype=str)
        xs = np.array([r.liquidation_price for r in ok], dtype=float)
        lo, hi = min([entry, *xs]), max([entry, *xs])
        span = (hi - lo) or abs(hi) * 0.01 or 1.0
        lo, hi = lo - 0.08 * span, hi + 0.12 * span
        with self.x_scale.hold_sync():
            self.x_scale.min, self.x_scale.max = float(lo), float(hi)
        self.x_axis.tick_values = nice_ticks(lo, hi, 5)
        self.x_axis.tick_format = ",.0f" if span >= 50 else ",.2f"
        with self.y_scale.hold_sync():
            self.y_scale.domain = list(names)
        with self.dots.hold_sync():
            self.dots.x, self.dots.y = xs, names
        with self.price_labels.hold_sync():
            self.price_labels.x, self.price_labels.y = xs, names
            self.price_labels.text = np.array([f"{v:,.2f}" for v in xs], dtype=str)
        self.entry_line.x = np.array([entry, entry], dtype=float)
        self.x_axis.label = f"liquidation price (USD); grey line: entry {entry:,.2f}"
        self.figure.layout.height = f"{max(220, 80 + 28 * len(ok))}px"


class VenueComparison(Dashboard):
    """Every venue preset side by side for one isolated position.

    Parameters
    ----------
    side, quantity, entry_price, leverage
        The position (linear BTC; converted for inverse venues).
    margin : float, optional
        Isolated margin; default the initial margin (``quantity × entry / leverage``).
    same_mmr : float or None
        Start with one maintenance rate for every venue (0.005 = 0.5 %), or ``None`` for
        each venue's own tables.

    Attributes
    ----------
    side_toggle, quantity_input, entry_input, leverage_input, margin_input,
    margin_from_leverage, rule_toggle, mmr_input, stale_button : ipywidgets
        The controls (``rule_toggle``: ``"same"`` or ``"own"``; ``mmr_input`` in percent).
    table_html : ipywidgets.HTML
        The comparison table (CSS class ``mw-venue-table``).
    reasons_html : ipywidgets.HTML
        One sentence per venue saying why its number differs (``mw-venue-reasons``).
    rows : list of VenueRow
        The numbers on screen.
    """

    same_mmr = Float(None, allow_none=True,
                     help="One maintenance rate for every venue (a fraction), or None for "
                          "each venue's own tier tables.")

    def __init__(
        self,
        *,
        side: str = "long",
        quantity: float = 1.0,
        entry_price: float = 20_000.0,
        leverage: int = 50,
        margin: float | None = None,
        same_mmr: float | None = 0.005,
        **kwargs: Any,
    ) -> None:
        super().__init__(title="Same position, every venue", css_class="mw-venue-comparison",
                         **kwargs)
        self._rows_for: tuple[Any, Any] = (None, None)
        self.side_toggle = w.ToggleButtons(options=[("Long", "long"), ("Short", "short")],
                                           value=side, description="Side",
                                           style={"button_width": "70px"})
        self.quantity_input = w.FloatText(value=float(quantity), description="Quantity (BTC)",
                                          style={"description_width": "initial"},
                                          layout=w.Layout(width="200px"))
        self.entry_input = w.FloatText(value=float(entry_price), description="Entry (USD)",
                                       style={"description_width": "initial"},
                                       layout=w.Layout(width="200px"))
        self.leverage_input = w.BoundedIntText(value=int(leverage), min=1, max=200,
                                               description="Leverage (x)",
                                               style={"description_width": "initial"},
                                               layout=w.Layout(width="170px"))
        self.margin_input = w.FloatText(value=float(margin or 0.0),
                                        description="Isolated margin (USD)",
                                        style={"description_width": "initial"},
                                        layout=w.Layout(width="250px"))
        self.margin_from_leverage = w.Checkbox(value=margin is None, indent=False,
                                               description="= initial margin")
        self.rule_toggle = w.ToggleButtons(
            options=[("Same MMR for every venue (isolate the rule)", SAME),
                     ("Each venue's own tier table", OWN)],
            value=SAME if same_mmr is not None else OWN,
            style={"button_width": "300px"})
        self.mmr_input = w.BoundedFloatText(
            value=round(100 * (same_mmr if same_mmr is not None else 0.005), 6), min=0.0,
            max=50.0, step=0.05, description="Same MMR (%)",
            style={"description_width": "initial"}, layout=w.Layout(width="190px"))
        self.stale_button = w.Button(
            description="Stale tables: 20 BTC, own tables", icon="history",
            tooltip="A position large enough for Binance's 2022 and 2024 brackets to differ",
            layout=w.Layout(width="auto"))
        for ctl, css in ((self.side_toggle, "mw-side-toggle"),
                         (self.quantity_input, "mw-quantity-input"),
                         (self.entry_input, "mw-entry-input"),
                         (self.leverage_input, "mw-leverage-input"),
                         (self.margin_input, "mw-margin-input"),
                         (self.margin_from_leverage, "mw-margin-from-leverage"),
                         (self.rule_toggle, "mw-rule-toggle"),
                         (self.mmr_input, "mw-mmr-input"),
                         (self.stale_button, "mw-stale-button")):
            ctl.add_class(css)
        self.table_html = w.HTML(layout=w.Layout(width="100%", overflow="auto"))
        self.table_html.add_class("mw-venue-table")
        self.table_html.add_class("mw-numbers")
        self.reasons_html = w.HTML()
        self.reasons_html.add_class("mw-venue-reasons")
        self.chart = VenueChart()
        self.figure = self.chart.figure
        self.share_button = w.Button(description="Share link", icon="link",
                                     tooltip="Make a link that opens this comparison with "
                                             "every setting on screen",
                                     layout=w.Layout(width="auto"))
        self.share_button.add_class("mw-share")
        self.link_html = w.HTML(layout=w.Layout(min_height="1.5em"))
        self.link_html.add_class("mw-share-link")
        self.share_button.on_click(lambda _b: self.make_share_link())

        for ctl in (self.side_toggle, self.quantity_input, self.entry_input,
                    self.leverage_input, self.margin_input, self.margin_from_leverage,
                    self.rule_toggle, self.mmr_input):
            ctl.observe(self._on_control, names="value")
        self.stale_button.on_click(lambda _b: self.show_stale_tables())

        intro = w.HTML(
            "<div class='mw-caption'>One isolated position on every venue preset. The "
            "<b>same MMR</b> view gives every venue the same maintenance rate, so only its "
            "rules differ; the <b>own tables</b> view uses each venue's published brackets."
            "</div>")
        self.children = [
            self.css, self.title_html, intro, self.error_box,
            w.HBox([self.side_toggle, self.quantity_input, self.entry_input,
                    self.leverage_input], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.margin_input, self.margin_from_leverage],
                   layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.rule_toggle, self.mmr_input, self.stale_button],
                   layout=w.Layout(flex_flow="row wrap", align_items="center")),
            self.table_html, self.chart.widget,
            w.HTML("<div class='mw-section'>Why the numbers differ</div>"),
            self.reasons_html,
            w.HBox([self.share_button, self.link_html],
                   layout=w.Layout(flex_flow="row wrap", align_items="center")),
            self.status,
        ]
        self.recompute()

    # -- settings that travel -----------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """Every setting on screen (what a shared link restores)."""
        return {"side": self.side_toggle.value, "quantity": self.quantity_input.value,
                "entry_price": self.entry_input.value,
                "leverage": int(self.leverage_input.value),
                "margin": None if self.margin_from_leverage.value else self.margin_input.value,
                "same_mmr": self.same_mmr}

    def to_query(self) -> str:
        """``venues=<url-encoded JSON>`` restoring :meth:`settings`."""
        return f"{QUERY_KEY}=" + quote(json.dumps(self.settings(), separators=(",", ":")))

    def make_share_link(self, app_path: str = "") -> str:
        """Put a link on screen whose query restores every setting; return it."""
        href = f"{app_path}?{self.to_query()}"
        self.link_html.value = (
            f"<a href='{esc(href, None)}' target='_blank' "
            f"class='mw-share-href'>Link to this comparison</a>")
        return href

    def apply_query(self, query: str) -> bool:
        """Restore the settings of a shared link; False (and a message) if it is damaged.

        Returns True when the query held settings and they were applied.
        """
        vals = parse_qs((query or "").lstrip("?")).get(QUERY_KEY)
        if not vals:
            return False
        with self._guard("shared link") as g:
            if len(vals[0]) > 2_000:
                raise MarginInputError("the shared link is too long")
            try:
                data = json.loads(vals[0])
            except json.JSONDecodeError:
                raise MarginInputError("the shared link is damaged") from None
            self.apply_settings(data)
        return g.ok and not self.error_message

    def apply_settings(self, data: Any) -> None:
        """Set every control from ``data`` (validated first: nothing changes on an error)."""
        if not isinstance(data, dict):
            raise MarginInputError("the shared settings must be a mapping")
        side = data.get("side", "long")
        if side not in ("long", "short"):
            raise MarginInputError("side must be 'long' or 'short'")
        q = positive_finite(data.get("quantity", 0.0), "quantity")
        ep = positive_finite(data.get("entry_price", 0.0), "entry price")
        lev = data.get("leverage")
        if isinstance(lev, bool) or not isinstance(lev, int) or not 1 <= lev <= 200:
            raise MarginInputError("leverage must be a whole number from 1 to 200")
        margin = data.get("margin")
        margin = None if margin is None else positive_finite(margin, "isolated margin")
        mmr = data.get("same_mmr")
        if mmr is not None:
            mmr = positive_finite(mmr, "same MMR")
            if mmr >= 0.5:
                raise MarginInputError("the same MMR must be below 50 %")
        with self.batch():
            self.side_toggle.value = side
            self.quantity_input.value = q
            self.entry_input.value = ep
            self.leverage_input.value = lev
            self.margin_from_leverage.value = margin is None
            if margin is not None:
                self.margin_input.value = margin
            self.rule_toggle.value = SAME if mmr is not None else OWN
            if mmr is not None:
                self.mmr_input.value = round(100 * mmr, 6)

    # -- plumbing ---------------------------------------------------------------------------
    def _on_control(self, change: dict[str, Any]) -> None:
        # the form is read whole into a scenario; a value the dashboard set itself reads back
        # as the scenario it holds, which runs nothing
        self.request_recompute()

    @observe("same_mmr")
    def _same_mmr_changed(self, change: dict[str, Any]) -> None:
        """Assigned from code: show it in the form, which then runs once."""
        new = change["new"]
        if new == self._mmr_from_controls():
            return                           # the form set it
        with self._guard("same MMR"), self.batch():
            if new is not None:
                self.mmr_input.value = round(100 * new, 6)
            self.rule_toggle.value = SAME if new is not None else OWN

    def _mmr_from_controls(self) -> float | None:
        """The common rate as a fraction, or ``None`` in the own-tables view."""
        return self.mmr_input.value / 100.0 if self.rule_toggle.value == SAME else None

    @property
    def rows(self) -> list[VenueRow]:
        """The numbers on screen (the :attr:`result` trait)."""
        return self.result.detail if self.result is not None else []

    def show_stale_tables(self) -> None:
        """Own tables and a 20 BTC position: Binance's 2022 and 2024 brackets now differ."""
        with self._guard("stale tables"), self.batch():
            self.quantity_input.value = 20.0
            self.rule_toggle.value = OWN

    def row(self, key: str) -> VenueRow:
        """The row of venue ``key``."""
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    # -- the one engine run -----------------------------------------------------------------
    def _scenario_from_controls(self) -> Scenario:
        """The compared position as a one-position scenario (its venue is the reference).

        ``isolated_margin`` is None while the margin follows the leverage; the common
        maintenance rate is the :attr:`same_mmr` trait.
        """
        q = positive_finite(self.quantity_input.value, "quantity")
        ep = positive_finite(self.entry_input.value, "entry price")
        lev = positive_finite(self.leverage_input.value, "leverage")
        margin = (None if self.margin_from_leverage.value
                  else positive_finite(self.margin_input.value, "isolated margin"))
        pos = Position("BTCUSDT", self.side_toggle.value, q, ep, lev, "isolated",
                       isolated_margin=margin)
        # the wallet is not on this screen: the form keeps the scenario's
        wallet = (self._committed.wallet_balance if self._committed is not None
                  else float(margin or q * ep / lev))
        return Scenario(venue="binance_usdm", wallet_balance=wallet,
                        positions=(pos,), paths={"BTCUSDT": PathSpec("constant",
                                                                      {"price": ep})},
                        steps=2, fees=False)

    def _recompute(self) -> None:
        """Read the form into :attr:`scenario` and :attr:`same_mmr` (one run if changed)."""
        new = self._scenario_from_controls()
        mmr = self._mmr_from_controls()
        self._refused = False
        with self.batch():
            self.same_mmr = mmr
            self.scenario = new
        if self._committed is new or self._refused:
            return
        if self.error or self._rows_for != (self._committed, self.same_mmr):
            # the same position under another rule, or the form back after a refusal
            self.recompute_count += 1
            with self._guard("compare", on_error=self._on_refused):
                self.set_trait("result", package_result(self._committed,
                                                        self._evaluate(self._committed)))
                self._commit(self._committed)

    def _evaluate(self, scenario: Any) -> list[VenueRow]:
        if not isinstance(scenario, Scenario) or len(scenario.positions) != 1:
            raise MarginInputError("the venue comparison's scenario holds one position")
        p = scenario.positions[0]
        margin = (initial_margin(p.quantity, p.entry_price, p.leverage)
                  if p.isolated_margin is None else p.isolated_margin)
        return compare_venues(p.side, p.quantity, p.entry_price, p.leverage, margin,
                              self.same_mmr)

    def _commit(self, previous: Any) -> None:
        self._rows_for = (self._committed, self.same_mmr)
        p = self._committed.positions[0]
        self.clear_error()
        with self.batch():        # the form's observers end in one read that runs nothing
            for ctl, value in ((self.side_toggle, p.side),
                               (self.quantity_input, float(p.quantity)),
                               (self.entry_input, float(p.entry_price)),
                               (self.leverage_input, int(p.leverage)),
                               (self.margin_from_leverage, p.isolated_margin is None)):
                if ctl.value != value:
                    ctl.value = value
            margin = round(p.isolated_margin if p.isolated_margin is not None else
                           initial_margin(p.quantity, p.entry_price, p.leverage), 8)
            if self.margin_input.value != margin:
                self.margin_input.value = margin
            self.margin_input.disabled = bool(self.margin_from_leverage.value)
            rule = SAME if self.same_mmr is not None else OWN
            if self.rule_toggle.value != rule:
                self.rule_toggle.value = rule
            if self.same_mmr is not None and self.mmr_input.value != round(
                    100 * self.same_mmr, 6):
                self.mmr_input.value = round(100 * self.same_mmr, 6)
            self.mmr_input.disabled = self.rule_toggle.value != SAME
        self._render()

    # -- drawing ----------------------------------------------------------------------------
    def _render(self) -> None:
        head = [
            ("Venue", ""), ("Contract", "Linear: margin and PnL in the quote currency. "
                            "Inverse: contracts worth a fixed USD amount, margin in the coin."),
            ("MM basis", "Where the venue measures the maintenance margin: at the mark price "
                         "or at the entry price."),
            ("Fee in MM", "A fee rate the venue adds to the maintenance rate."),
            ("MMR used", "Maintenance margin rate of the bracket that holds the position."),
            ("Maintenance margin", definition("maintenance margin")
             + " Shown where the venue measures it, at the liquidation price or at entry."),
            ("Liquidation price", definition("liquidation price")),
            ("From entry", "Liquidation price relative to the entry price."),
        ]
        th = "".join(f"<th>{info_html(t, d) if d else esc(t)}</th>" for t, d in head)
        body = []
        for r in self.rows:
            contract = "linear" if r.contract == "linear" else \
                f"inverse ({r.quantity:,.6g} × {contract_size_for(venues[r.key], r.symbol):,.0f}" \
                " USD)"
            basis = "entry price" if r.mm_basis == "entry" else "mark price"
            warn = " ⚠" if r.warnings else ""
            cells = [
                f"<b>{esc(r.name)}</b>{warn}<div class='mw-caption'>"
                f"{esc(r.key)}</div>",
                esc(contract), basis,
                f"{r.fee_in_mm:.2%}" if r.fee_in_mm else "none",
                f"{r.mmr:.2%}" + (f" + {r.fee_in_mm:.2%}" if r.fee_in_mm else ""),
                esc(style.fmt_money(r.maintenance_margin, r.currency)),
                f"<b>{esc(style.fmt_price(r.liquidation_price, 2, r.price_unit))}</b>",
                esc(style.fmt_pct(r.distance, 2)),
            ]
            body.append("<tr>" + "".join(
                f"<td class='mw-v'>{c}</td>" if k >= 3 else f"<td>{c}</td>"
                for k, c in enumerate(cells)) + "</tr>")
        mode = (f"every venue at MMR {self.mmr_input.value:g} %" if self.same_mmr is not None
                else "each venue's own tier table")
        self.table_html.value = (
            f"<table class='mw-venue-table-inner'><thead><tr>{th}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
            f"<div class='mw-caption'>Isolated {esc(self.side_toggle.value)} "
            f"{self.quantity_input.value:,.6g} BTC at {self.entry_input.value:,.2f}, "
            f"margin {self.margin_input.value:,.2f}; {esc(mode)}.</div>")
        items = "".join(f"<li><b>{esc(r.name)}</b>: {esc(r.why)}</li>"
                        for r in self.rows)
        self.reasons_html.value = f"<ul>{items}</ul>"
        self.chart.update(self.rows, float(self.entry_input.value))
        if self.link_html.value:
            self.link_html.value = ""      # an old link no longer matches the screen
