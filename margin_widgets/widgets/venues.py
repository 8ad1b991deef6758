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
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, quote

import bqplot as bq
import ipywidgets as w
import numpy as np
from traitlets import Float, observe

from ..charts import style
from ..charts.figures import nice_ticks, save_png_button
from ..core import Account, Position, RiskTiers, Venue, venues
from ..core.errors import MarginInputError, positive_finite
from ..core.scenario import PathSpec, Scenario
from .base import Dashboard, definition, info_html
from .calculator import contract_size_for, default_symbol
from .markup import esc

__all__ = ["VenueComparison", "VenueRow", "VenueChart", "compare_venues", "initial_margin",
           "QUERY_KEY"]

QUERY_KEY = "venues"
"""Name of the query parameter a shared venue-comparison link carries."""

Side = Literal["long", "short"]
SAME = "same"
OWN = "own"


@dataclass(frozen=True)
class VenueRow:
    """One venue's numbers for the compared position.

    Prices are in the quote currency (USD for inverse venues); ``maintenance_margin`` and
    ``margin`` are in ``currency`` (the coin for inverse venues).
    """

    key: str
    name: str
    contract: str
    mm_basis: str
    fee_in_mm: float
    mmr: float
    cum: float
    bracket: int
    brackets: int
    maintenance_margin: float
    liquidation_price: float
    distance: float
    currency: str
    price_unit: str
    margin: float
    quantity: float
    symbol: str
    why: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


def initial_margin(quantity: float, entry_price: float, leverage: float) -> float:
    """Initial margin of a linear position at entry, asked of the engine.

    >>> initial_margin(1, 20_000, 50)
    400.0
    """
    probe = Venue("initial margin", tiers=RiskTiers.flat(0.0))
    pos = Position("BTCUSDT", "long", quantity, entry_price, leverage)
    return float(Account(probe, 1e18, [pos]).initial_margin({"BTCUSDT": entry_price})[0])


def _venue_for(key: str, same_mmr: float | None) -> Venue:
    v = venues[key]
    if same_mmr is None:
        return v
    if not (math.isfinite(same_mmr) and 0 <= same_mmr < 1):
        raise MarginInputError(f"the maintenance rate must be a fraction in [0, 1), "
                               f"got {same_mmr:g}")
    return v.with_(tiers=RiskTiers.flat(same_mmr), key=key)


def compare_venues(
    side: Side = "long",
    quantity: float = 1.0,
    entry_price: float = 20_000.0,
    leverage: float = 50.0,
    margin: float = 400.0,
    same_mmr: float | None = 0.005,
    keys: Sequence[str] | None = None,
) -> list[VenueRow]:
    """The compared position on every venue preset (see the module docstring).

    Parameters
    ----------
    side, quantity, entry_price, leverage
        A linear BTC position (quantity in BTC, price in USD-stable quote).
    margin : float
        Isolated margin in quote units; converted to BTC at entry on inverse venues.
    same_mmr : float or None
        One maintenance rate for every venue, or ``None`` for each venue's own tables.
    keys : sequence of str, optional
        Venue preset keys (default: every preset).

    Examples
    --------
    >>> rows = compare_venues()
    >>> {r.key: round(r.liquidation_price, 2) for r in rows
    ...  if r.key in ("bybit_linear", "binance_usdm", "okx_linear")}
    {'binance_usdm': 19698.49, 'bybit_linear': 19700.0, 'okx_linear': 19708.4}
    """
    q = positive_finite(quantity, "quantity")
    ep = positive_finite(entry_price, "entry price")
    lev = positive_finite(leverage, "leverage")
    m = positive_finite(margin, "isolated margin")
    rows = [_row(k, side, q, ep, lev, m, same_mmr) for k in (keys or list(venues))]
    ref = {r.key: r for r in rows}
    return [_with_why(r, ref, side, same_mmr) for r in rows]


def _row(key: str, side: Side, q: float, ep: float, lev: float, margin: float,
         same_mmr: float | None) -> VenueRow:
    v = _venue_for(key, same_mmr)
    sym = default_symbol(v, "BTC")
    cs = contract_size_for(v, sym)
    inverse = v.contract == "inverse"
    qty = q * ep / cs if inverse else q
    m = margin / ep if inverse else margin
    tiers = v.tiers_for(sym)
    notional = qty * cs / ep if inverse else qty * ep
    max_lev = float(tiers.max_leverage(notional))
    warnings: list[str] = []
    lev_used = lev
    if lev > max_lev:
        lev_used = max_lev
        warnings.append(f"{lev:g}x is above {v.name}'s maximum of {max_lev:g}x for this size; "
                        f"the row keeps the same margin to compare the rule")
    pos = Position(sym, side, qty, ep, lev_used, "isolated", isolated_margin=m,
                   contract_size=cs)
    acct = Account(v, m, [pos])
    marks = {sym: ep}
    lp = float(acct.liquidation_price(0, marks))
    ex = acct.explain(0, marks)
    br = ex.brackets[0]
    mm_entry = float(acct.maintenance_margin(marks)[0])
    mm = float(acct.maintenance_margin({sym: lp})[0]) if math.isfinite(lp) else math.nan
    if mm_entry >= m:
        warnings.append("its maintenance margin at entry is at least the margin: the position "
                        "would be liquidated as soon as it opened")
    return VenueRow(
        key=key, name=v.name, contract=v.contract, mm_basis=v.mm_basis,
        fee_in_mm=float(v.close_fee_rate), mmr=float(br["mmr"]), cum=float(br["cum"]),
        bracket=int(br["bracket"]), brackets=len(tiers), maintenance_margin=mm,
        liquidation_price=lp, distance=lp / ep - 1.0 if math.isfinite(lp) else math.nan,
        currency=acct.currency, price_unit="USD" if inverse else v.quote_currency,
        margin=m, quantity=qty, symbol=sym, why="",
        warnings=tuple(warnings),
    )


def _with_why(r: VenueRow, ref: dict[str, VenueRow], side: str,
              same_mmr: float | None) -> VenueRow:
    """One plain sentence (or three) naming the rules that move this venue's number."""
    v = venues[r.key]
    cur = r.currency
    parts: list[str] = []
    earlier = "sooner" if side == "long" else "later"
    if r.mm_basis == "entry":
        parts.append(
            f"Maintenance margin is measured at the entry price "
            f"({style.fmt_money(r.maintenance_margin, cur)}), not at the liquidation price; "
            f"for a {side} the entry is {'above' if side == 'long' else 'below'} the "
            f"liquidation price, so the requirement is {'larger' if side == 'long' else 'smaller'}"
            f" and liquidation comes {earlier}.")
    if r.fee_in_mm:
        parts.append(
            f"Adds its taker fee of {r.fee_in_mm:.2%} to the maintenance rate "
            f"({r.mmr:.2%} + {r.fee_in_mm:.2%}), the cost of closing the position: more "
            "maintenance margin, so liquidation comes closer to the entry.")
    if r.contract == "inverse":
        parts.append(
            f"Inverse contract: the position becomes {r.quantity:,.6g} contracts of "
            f"{contract_size_for(v, r.symbol):,.0f} USD and the margin "
            f"{style.fmt_money(r.margin, cur)}; PnL is in {cur} and linear in 1/price, so "
            "the same margin sits at a slightly different price.")
    if same_mmr is None:
        cum = f", maintenance amount {r.cum:,.2f} {cur}" if r.cum else ""
        parts.append(f"Its own table puts this position in bracket {r.bracket} of "
                     f"{r.brackets} (MMR {r.mmr:.2%}{cum}).")
        if r.key == "hyperliquid":
            parts.append("Hyperliquid sets MMR = 1 / (2 × maximum leverage).")
        if r.key == "binance_usdm_2022" and "binance_usdm" in ref:
            now = ref["binance_usdm"]
            if (now.mmr, now.cum) == (r.mmr, r.cum):
                parts.append("At this size the 2022 and 2024 tables agree; make the position "
                             "larger (e.g. 20 BTC) to see the stale table change the number.")
            else:
                parts.append(
                    f"The same venue's 2024 table gives bracket {now.bracket} at MMR "
                    f"{now.mmr:.2%} and {style.fmt_price(now.liquidation_price)}: a stale "
                    "table moves the number.")
    if r.key == "binance_usdm" and same_mmr is not None:
        parts.append("The textbook rule: maintenance margin at the mark, no fee in it; "
                     "LP = (margin + cum − q·EP) / (q·MMR − q).")
    if r.key == "binance_usdm_2022" and same_mmr is not None:
        parts.append("Binance with its 2022 tables: with one MMR for every venue the tables "
                     "play no part, so it matches Binance 2024. Choose each venue's own tier "
                     "table and a large position to see the stale table change the number.")
    if v.liquidation_fee_rate is not None:
        parts.append(
            f"Same price rule, different loss: at liquidation it charges "
            f"{v.liquidation_fee_rate:.1%} of the notional and the trader keeps the rest of "
            "the margin (elsewhere what is left goes to the insurance fund).")
    if not parts:
        parts.append("Maintenance margin at the mark with no fee in it: the same rule as "
                     "Binance.")
    for warn in r.warnings:
        parts.append(f"⚠ {warn[0].upper()}{warn[1:]}.")
    return VenueRow(**{**r.__dict__, "why": " ".join(parts)})


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
        return self.result if self.result is not None else []

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
                self.set_trait("result", self._evaluate(self._committed))
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
