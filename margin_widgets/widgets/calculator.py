"""The exchange-calculator view: one position, every number of its margin, and why.

:class:`LiquidationCalculator` is what a trader knows from an exchange's "liquidation price
calculator", with the working shown: pick a venue preset, a symbol, side, size, entry price,
leverage and margin mode, and read the initial margin, maintenance margin, margin ratio at
entry, liquidation and bankruptcy price; below them the engine's formula with the numbers put
in (:meth:`margin_widgets.core.Account.explain`), the bracket of the venue's tier table that was
used and the venue's own rules. A small chart shows the three price levels on a price axis.

Every number comes from :mod:`margin_widgets.core`; this module only collects inputs, asks the
engine once per change and shows the answer. Invalid input shows the engine's message in the
error box and leaves every output as it was.

Inverse (COIN-M) venues count the size in contracts of ``contract_size`` USD (100 USD for BTC,
10 USD for other coins, as on Binance COIN-M) and hold margin in the coin; switching between a
linear and an inverse venue converts the size and the money at the entry price, so the position
stays the same.
"""

from __future__ import annotations

import math
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..charts import style
from ..charts.figures import nice_ticks, place_labels, save_png_button
from ..core import Account, Position, Venue, base_asset, venues
from ..core.contracts import contract_size_for, default_symbol
from ..core.errors import MarginInputError, positive_finite
from ..core.orders import check_opening
from ..core.results import CalculatorResult
from ..core.scenario import PathSpec, Scenario
from .base import Dashboard, definition, info_html
from .markup import esc

# CalculatorResult is core data (core.results), re-exported here where it is made
__all__ = ["LiquidationCalculator", "CalculatorResult", "LevelsChart", "contract_size_for"]

MARK_TEXT = "var(--jp-ui-font-color2, #555555)"
LEVERAGE_CAP = 125
"""Slider ceiling where a venue's table sets no maximum leverage."""


def _rules(venue: str | Venue) -> Venue:
    """The Venue of a preset key, or the hand-built Venue itself."""
    return venue if isinstance(venue, Venue) else venues[venue]


def _venue_options(venue: str | Venue) -> list[tuple[str, Any]]:
    """The presets, and a hand-built venue first when the calculator shows one."""
    options: list[tuple[str, Any]] = [(p.name, k) for k, p in venues.items()]
    if isinstance(venue, Venue):
        options.insert(0, (f"{venue.name} (hand-built)", venue))
    return options


PLOT_HEIGHT_PX = 300.0 - 36.0 - 12.0
"""Height of the levels chart's plot area (figure height minus top and bottom margins)."""
LABEL_ANCHOR_PX = 15.0
"""From a label box's top edge to the label's anchor (bqplot draws the 12 px text of a
Label with ``y_offset=-8`` in the 14 px above its anchor, 1 px of air under it)."""


class LevelsChart:
    """A price axis with the entry, liquidation and bankruptcy levels of one position.

    Built once; :meth:`update` assigns new levels, each mark in its own ``hold_sync``.

    Attributes
    ----------
    figure : bqplot.Figure
        CSS class ``mw-calculator-figure``.
    entry_line, liquidation_line, bankruptcy_line : bqplot.Lines
        Thin grey, dashed red and dotted purple horizontal lines.
    level_labels : bqplot.Label
        The three levels written next to their lines.
    """

    def __init__(self) -> None:
        self.x_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.price_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        sc = {"x": self.x_scale, "y": self.price_scale}
        x = np.array([0.0, 1.0])
        # the levels are written on their lines (no legend box to hide them)
        self.entry_line = bq.Lines(x=x, y=np.zeros(2), scales=sc, colors=[style.ENTRY],
                                   stroke_width=1.5, labels=["entry"])
        self.liquidation_line = bq.Lines(
            x=x, y=np.zeros(2), scales=sc, colors=[style.LIQUIDATION], stroke_width=2.5,
            line_style=style.LIQ_LINE_STYLE, labels=["liquidation"])
        self.bankruptcy_line = bq.Lines(
            x=x, y=np.zeros(2), scales=sc, colors=[style.BANKRUPTCY], stroke_width=2.0,
            line_style=style.BANKRUPTCY_LINE_STYLE, labels=["bankruptcy"])
        self.level_labels = bq.Label(
            x=np.array([0.97, 0.97, 0.97]), y=np.zeros(3), scales=sc,
            text=np.array(["", "", ""]), colors=[MARK_TEXT, style.LIQUIDATION,
                                                 style.BANKRUPTCY],
            default_size=12, font_weight="normal", align="end", y_offset=-8)
        self.price_axis = bq.Axis(scale=self.price_scale, side="left", label_offset="58px",
                                  label="mark price", tick_format=",.0f", num_ticks=6)
        self.figure = bq.Figure(
            marks=[self.entry_line, self.liquidation_line, self.bankruptcy_line,
                   self.level_labels],
            axes=[self.price_axis], title="Price levels", animation_duration=0,
            fig_margin={"top": 36, "bottom": 12, "left": 80, "right": 12},
            layout=w.Layout(width="300px", height="300px", min_width="240px"),
        )
        self.figure.add_class("mw-calculator-figure")
        self.figure.add_class("mw-figure")
        self.save_button = save_png_button(self.figure, "levels.png")

    @property
    def marks(self) -> list[Any]:
        """The data marks."""
        return [self.entry_line, self.liquidation_line, self.bankruptcy_line,
                self.level_labels]

    def update(self, entry: float, liquidation: float, bankruptcy: float,
               decimals: int = 2, unit: str = "") -> None:
        """Draw the levels (a missing level, NaN, is hidden)."""
        levels = [entry, liquidation, bankruptcy]
        finite = [v for v in levels if math.isfinite(v)]
        lo, hi = min(finite), max(finite)
        span = hi - lo or abs(hi) * 0.01 or 1.0
        with self.price_scale.hold_sync():
            self.price_scale.min, self.price_scale.max = lo - 0.25 * span, hi + 0.25 * span
        ticks = nice_ticks(self.price_scale.min, self.price_scale.max, 6)
        if not np.array_equal(np.asarray(self.price_axis.tick_values), ticks):
            self.price_axis.tick_values = ticks
        self.price_axis.tick_format = ",.0f" if span >= 50 else ",.2f"
        self.price_axis.label = f"mark price ({unit})" if unit else "mark price"
        for mark, v in zip((self.entry_line, self.liquidation_line, self.bankruptcy_line),
                           levels, strict=True):
            with mark.hold_sync():
                mark.visible = math.isfinite(v)
                if math.isfinite(v):
                    mark.y = np.array([v, v])
        names = ("entry", "liquidation", "bankruptcy")
        text = [f"{n} {style.fmt_price(v, decimals)}" if math.isfinite(v) else ""
                for n, v in zip(names, levels, strict=True)]
        # labels in pixels: each above or below its own line, never over another line or
        # label (a cross liquidation and bankruptcy price can be 6 px apart)
        top, bottom = float(self.price_scale.max), float(self.price_scale.min)
        per_px = (top - bottom) / PLOT_HEIGHT_PX
        lines_px = [(top - v) / per_px if math.isfinite(v) else 0.0 for v in levels]
        boxes = place_labels(lines_px, [bool(t) for t in text], bottom=PLOT_HEIGHT_PX)
        with self.level_labels.hold_sync():
            self.level_labels.y = np.array([top - (t + LABEL_ANCHOR_PX) * per_px
                                            for t in boxes])
            self.level_labels.text = np.array(text)

    def clear(self) -> None:
        """Hide every level (no number to show)."""
        for mark in (self.entry_line, self.liquidation_line, self.bankruptcy_line):
            if mark.visible:
                mark.visible = False
        if any(self.level_labels.text):
            self.level_labels.text = np.array(["", "", ""])


class LiquidationCalculator(Dashboard):
    """One position on one venue: margins, liquidation and bankruptcy price, and why.

    Parameters
    ----------
    venue : str or Venue
        Preset key (see ``margin_widgets.core.venues``) or a hand-built
        :class:`~margin_widgets.core.Venue`.
    symbol : str, optional
        Default: the venue's BTC symbol.
    side : {"long", "short"}
    quantity : float
        Base units for linear contracts; number of contracts for inverse ones.
    entry_price : float
    leverage : int
    mode : {"cross", "isolated"}
    wallet_balance : float
        The cross wallet (cross mode).
    isolated_margin : float, optional
        Isolated margin (isolated mode); default: the initial margin, following the leverage.
    mark_price : float, optional
        The mark at which unrealized PnL, margin balance, maintenance margin and margin ratio
        are also shown; default: the entry price.

    Attributes
    ----------
    venue_dropdown, symbol_input, side_toggle, quantity_input, entry_input,
    leverage_slider, mode_toggle, wallet_input, margin_input, margin_from_leverage : ipywidgets
        The controls. ``wallet_input`` is shown in cross mode, ``margin_input`` (with the
        ``margin_from_leverage`` check box) in isolated mode.
    outputs : ipywidgets.HTML
        Table of the results with units and (i) definitions (``mw-calculator-outputs``).
    liquidation_label : ipywidgets.HTML
        The liquidation price in large type (``mw-liquidation-label``).
    explanation_html : ipywidgets.HTML
        The formula with the numbers put in (``mw-explanation``).
    bracket_html : ipywidgets.HTML
        The bracket used and the venue's rules (``mw-bracket``).
    chart : LevelsChart
        ``chart.figure`` (also ``figure``) shows the price levels.
    result : CalculatorResult or None
        The numbers on screen.
    """

    def __init__(
        self,
        venue: str | Venue = "binance_usdm",
        *,
        symbol: str | None = None,
        side: str = "long",
        quantity: float = 1.0,
        entry_price: float = 20_000.0,
        leverage: int = 50,
        mode: str = "isolated",
        wallet_balance: float = 1_000.0,
        isolated_margin: float | None = None,
        mark_price: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(title="Liquidation calculator", css_class="mw-calculator", **kwargs)
        v = _rules(venue)
        # the venue the form's size and money are expressed in (a switch converts them)
        self._venue_key: str | Venue = venue
        self._note = ""

        self.venue_dropdown = w.Dropdown(
            options=_venue_options(venue), value=venue,
            description="Venue", layout=w.Layout(width="330px", max_width="100%"))
        self.symbol_input = w.Combobox(
            value=symbol or default_symbol(v), options=self._symbol_options(v),
            description="Symbol", ensure_option=False, layout=w.Layout(width="230px"))
        self.side_toggle = w.ToggleButtons(options=[("Long", "long"), ("Short", "short")],
                                           value=side, description="Side",
                                           style={"button_width": "70px"})
        self.quantity_input = w.FloatText(value=float(quantity), description="Quantity",
                                          layout=w.Layout(width="230px"))
        self.quantity_unit = w.HTML()
        self.entry_input = w.FloatText(value=float(entry_price), description="Entry price",
                                       layout=w.Layout(width="230px"))
        self.entry_unit = w.HTML()
        self.mark_input = w.FloatText(
            value=float(entry_price if mark_price is None else mark_price),
            description="Mark price", layout=w.Layout(width="230px"),
            tooltip="The mark at which unrealized PnL and the margin ratio are shown")
        self.mark_input.add_class("mw-mark-input")
        self.leverage_slider = w.IntSlider(value=int(leverage), min=1, max=LEVERAGE_CAP,
                                           description="Leverage", readout_format="d",
                                           continuous_update=False,
                                           layout=w.Layout(width="310px", max_width="100%"))
        self.leverage_caption = w.HTML()
        self.mode_toggle = w.ToggleButtons(options=[("Cross", "cross"),
                                                    ("Isolated", "isolated")],
                                           value=mode, description="Mode",
                                           style={"button_width": "80px"})
        self.wallet_input = w.FloatText(value=float(wallet_balance),
                                        description="Wallet balance",
                                        style={"description_width": "initial"},
                                        layout=w.Layout(width="230px"))
        self.margin_input = w.FloatText(value=float(isolated_margin or 0.0),
                                        description="Isolated margin",
                                        style={"description_width": "initial"},
                                        layout=w.Layout(width="210px"))
        self.margin_from_leverage = w.Checkbox(
            value=isolated_margin is None, indent=False, description="= initial margin",
            tooltip="Isolated margin = notional ÷ leverage, following the leverage slider")
        self.money_unit = w.HTML(layout=w.Layout(min_width="75px"))
        self.margin_unit = w.HTML(layout=w.Layout(min_width="75px"))
        for ctl, css in ((self.venue_dropdown, "mw-venue-dropdown"),
                         (self.symbol_input, "mw-symbol-input"),
                         (self.side_toggle, "mw-side-toggle"),
                         (self.quantity_input, "mw-quantity-input"),
                         (self.entry_input, "mw-entry-input"),
                         (self.leverage_slider, "mw-leverage-slider"),
                         (self.mode_toggle, "mw-mode-toggle"),
                         (self.wallet_input, "mw-wallet-input"),
                         (self.margin_input, "mw-margin-input"),
                         (self.margin_from_leverage, "mw-margin-from-leverage")):
            ctl.add_class(css)

        self.liquidation_label = w.HTML()
        self.liquidation_label.add_class("mw-liquidation-label")
        self.outputs = w.HTML(layout=w.Layout(min_width="280px"))
        self.outputs.add_class("mw-calculator-outputs")
        self.outputs.add_class("mw-numbers")
        self.explanation_html = w.HTML()
        self.explanation_html.add_class("mw-explanation")
        self.bracket_html = w.HTML()
        self.bracket_html.add_class("mw-bracket")
        self.chart = LevelsChart()
        self.figure = self.chart.figure

        self.venue_dropdown.observe(self._on_venue, names="value")
        for ctl in (self.symbol_input, self.side_toggle, self.quantity_input, self.entry_input,
                    self.mark_input, self.leverage_slider, self.mode_toggle, self.wallet_input,
                    self.margin_input, self.margin_from_leverage):
            ctl.observe(self._on_control, names="value")

        wrap = w.Layout(flex_flow="row wrap", align_items="center")
        self.wallet_row = w.HBox([self.wallet_input, self.money_unit], layout=wrap)
        self.margin_row = w.HBox([self.margin_input, self.margin_unit,
                                  self.margin_from_leverage],
                                 layout=w.Layout(flex_flow="row wrap", align_items="center"))
        controls = w.VBox([
            self.venue_dropdown, self.symbol_input, self.side_toggle,
            w.HBox([self.quantity_input, self.quantity_unit]),
            w.HBox([self.entry_input, self.entry_unit]),
            w.HBox([self.mark_input]),
            w.HBox([self.leverage_slider, self.leverage_caption],
                   layout=w.Layout(flex_flow="row wrap", align_items="center")),
            self.mode_toggle, self.wallet_row, self.margin_row,
        ], layout=w.Layout(min_width="300px", flex="0 1 430px", max_width="100%"))
        controls.add_class("mw-calculator-controls")
        results = w.VBox([self.liquidation_label, self.outputs],
                         layout=w.Layout(min_width="280px", flex="1 1 340px"))
        top = w.HBox([controls, results,
                      w.VBox([self.figure, self.chart.save_button],
                             layout=w.Layout(align_items="flex-end"))],
                     layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        self.children = [self.css, self.title_html, self.error_box, top,
                         w.HTML("<div class='mw-section'>How the liquidation price is "
                                "computed</div>"),
                         self.explanation_html, self.bracket_html, self.status]
        self._show_units(v)
        self.recompute()

    # -- plumbing ---------------------------------------------------------------------------
    @staticmethod
    def _symbol_options(v: Venue) -> list[str]:
        own = v.symbols()
        return own or [default_symbol(v, c) for c in ("BTC", "ETH", "SOL")]

    @property
    def venue(self) -> Venue:
        """The selected venue preset."""
        return _rules(self.venue_dropdown.value)

    def _on_control(self, change: dict[str, Any]) -> None:
        # the form is read whole into a scenario: a value set by the calculator itself gives
        # the scenario it already holds, which runs nothing
        self.request_recompute()

    def _on_venue(self, change: dict[str, Any]) -> None:
        """Switch venue; between linear and inverse, convert size and money at the entry."""
        if change["new"] == self._venue_key:
            return                      # the dropdown put back, or showing the scenario
        with self._guard("venue", on_error=lambda: self._reset_venue(self._venue_key)):
            old, new = _rules(self._venue_key), _rules(change["new"])
            with self.batch():
                symbol = self.symbol_input.value or default_symbol(old)
                if old.contract != new.contract:
                    ep = positive_finite(self.entry_input.value, "entry price")
                    cs_old = contract_size_for(old, symbol)
                    sym_new = default_symbol(new, symbol)
                    cs_new = contract_size_for(new, sym_new)
                    if new.contract == "inverse":   # base units -> contracts; USDT -> coin
                        qty = self.quantity_input.value * ep / cs_new
                        money = 1.0 / ep
                    else:                           # contracts -> base units; coin -> USDT
                        qty = self.quantity_input.value * cs_old / ep
                        money = ep
                    self.quantity_input.value = round(qty, 6)
                    self.wallet_input.value = round(self.wallet_input.value * money, 8)
                    self.margin_input.value = round(self.margin_input.value * money, 8)
                    symbol = sym_new
                else:
                    try:
                        new.tiers_for(symbol)
                    except MarginInputError:
                        symbol = default_symbol(new, symbol)
                self.symbol_input.options = self._symbol_options(new)
                self.symbol_input.value = symbol
                self._venue_key = change["new"]
                self._show_units(new)
                self.request_recompute()        # once, when the batch ends

    def _reset_venue(self, key: str | Venue) -> None:
        """Put the dropdown back when a venue switch could not convert the position."""
        self.venue_dropdown.value = key

    def _show_units(self, v: Venue) -> None:
        symbol = self.symbol_input.value or default_symbol(v)
        cur = v.currency(symbol)
        if v.contract == "inverse":
            cs = contract_size_for(v, symbol)
            self.quantity_unit.value = info_html(
                f"contracts of {cs:,.0f} USD",
                "Inverse contracts: the size is a number of contracts, each worth a fixed "
                "amount of USD; margin and PnL are in the coin.")
            self.entry_unit.value = "<span class='mw-unit'>USD</span>"
        else:
            self.quantity_unit.value = f"<span class='mw-unit'>{esc(base_asset(symbol))}"\
                                       "</span>"
            self.entry_unit.value = f"<span class='mw-unit'>{esc(v.quote_currency)}"\
                                    "</span>"
        self.money_unit.value = info_html(cur, definition("wallet balance"))
        self.margin_unit.value = info_html(cur, definition("isolated margin"))
        iso = self.mode_toggle.value == "isolated"
        self.wallet_row.layout.display = "none" if iso else None
        self.margin_row.layout.display = None if iso else "none"
        self.margin_input.disabled = bool(self.margin_from_leverage.value)

    # -- the one engine run -----------------------------------------------------------------
    def _scenario_from_controls(self) -> tuple[Scenario, str]:
        """The form as a scenario (leverage lowered to the venue's maximum) and a note."""
        v = self.venue
        symbol = (self.symbol_input.value or "").strip()
        if not symbol:
            raise MarginInputError("enter a symbol such as BTCUSDT")
        tiers = v.tiers_for(symbol)
        cs = contract_size_for(v, symbol)
        q = positive_finite(self.quantity_input.value, "quantity")
        ep = positive_finite(self.entry_input.value, "entry price")
        notional = q * cs / ep if v.contract == "inverse" else q * ep
        max_lev = float(tiers.max_leverage(notional))
        cap = int(min(LEVERAGE_CAP, math.floor(max_lev))) if math.isfinite(max_lev) \
            else LEVERAGE_CAP
        cap = max(cap, 1)
        lev = int(self.leverage_slider.value)
        note = ""
        if lev > cap:
            note = (f"Leverage lowered from {lev}x to {cap}x: {v.name}'s maximum for a "
                    f"position of this size.")
            lev = cap
        mode = self.mode_toggle.value
        pos = Position(symbol, self.side_toggle.value, q, ep, lev, mode, contract_size=cs)
        if mode == "isolated":
            # None: the isolated margin follows the leverage (the initial margin)
            margin = None if self.margin_from_leverage.value else positive_finite(
                self.margin_input.value, "isolated margin")
            pos = pos.with_(isolated_margin=margin)
            wallet = self.wallet_input.value    # hidden in isolated mode: kept if usable
            if not (isinstance(wallet, int | float) and math.isfinite(wallet) and wallet > 0):
                wallet = self.scenario.wallet_balance if self.scenario is not None else 1.0
        else:
            wallet = positive_finite(self.wallet_input.value, "wallet balance")
        mark = positive_finite(self.mark_input.value, "mark price")
        scen = Scenario(venue=self.venue_dropdown.value, wallet_balance=float(wallet),
                        positions=(pos,), paths={symbol: PathSpec("constant", {"price": mark})},
                        steps=2, fees=False)
        return scen, note

    def _compute(self, scenario: Scenario) -> CalculatorResult:
        """Ask the engine for the numbers of ``scenario`` (no UI change)."""
        v = scenario.venue_rules
        pos = scenario.positions[0]
        symbol, ep, mode = pos.symbol, pos.entry_price, pos.mode
        tiers = v.tiers_for(symbol)
        notional = pos.quantity * pos.contract_size / ep if v.contract == "inverse" \
            else pos.quantity * ep
        max_lev = float(tiers.max_leverage(notional))
        cap = int(min(LEVERAGE_CAP, math.floor(max_lev))) if math.isfinite(max_lev) \
            else LEVERAGE_CAP
        cap = max(cap, 1)
        if mode == "isolated":
            im = Account(v, 1e18, [pos.with_(isolated_margin=None)]).initial_margin(
                {symbol: ep})[0] if pos.isolated_margin is None else None
            margin = float(im) if im is not None else float(pos.isolated_margin or 0.0)
            pos = pos.with_(isolated_margin=margin)
            acct = Account(v, margin, [pos])
        else:
            acct = Account(v, scenario.wallet_balance, [pos])
        # what an exchange refuses has no liquidation price: say the exchange's reason
        check_opening(acct)
        marks = {symbol: ep}
        pool = acct.pool_of(0, marks)
        mark = float(scenario.paths[symbol].params["price"])
        at_mark = {symbol: mark}
        pool_mark = acct.pool_of(0, at_mark)
        cur = acct.currency
        res = CalculatorResult(
            account=acct, marks=marks,
            initial_margin=float(acct.initial_margin(marks)[0]),
            maintenance_margin=float(acct.maintenance_margin(marks)[0]),
            margin_ratio=float(pool.margin_ratio),
            liquidation_price=float(acct.liquidation_price(0, marks)),
            bankruptcy_price=float(acct.bankruptcy_price(0, marks)),
            notional=float(notional), max_leverage=float(cap), currency=cur,
            price_unit="USD" if v.contract == "inverse" else v.quote_currency,
            explanation=acct.explain(0, marks),
            mark_price=mark,
            unrealized_pnl=float(acct.unrealized_pnl(at_mark)[0]),
            margin_balance=float(pool_mark.margin_balance),
            maintenance_margin_at_mark=float(acct.maintenance_margin(at_mark)[0]),
            margin_ratio_at_mark=float(pool_mark.margin_ratio),
        )
        return res

    def _recompute(self) -> None:
        """Read the form into :attr:`scenario` (the engine runs only if it changed)."""
        new, self._note = self._scenario_from_controls()
        if self._committed is not None and new == self._committed:
            if self.error:              # the form is back at the scenario after a refusal
                self.clear_error()
                self._commit(new)
            return
        self.scenario = new

    def _evaluate(self, scenario: Any) -> CalculatorResult:
        if not isinstance(scenario, Scenario) or len(scenario.positions) != 1:
            raise MarginInputError("the calculator's scenario holds exactly one position")
        return self._compute(scenario)

    def _on_refused(self) -> None:
        self._on_recompute_error()

    def _commit(self, previous: Any) -> None:
        """Show :attr:`scenario` in the form and :attr:`result` in the outputs."""
        s, res = self.scenario, self.result
        note, self._note = self._note, ""
        self.clear_error()
        pos = s.positions[0]
        v = s.venue_rules
        self._venue_key = s.venue
        if tuple(self.venue_dropdown.options) != tuple(_venue_options(s.venue)):
            self.venue_dropdown.options = _venue_options(s.venue)
        # inside a batch the controls' own observers end in ONE read of the form, which
        # gives back this scenario: nothing runs again
        with self.batch():
            if self.venue_dropdown.value != s.venue:
                self.venue_dropdown.value = s.venue
            opts = self._symbol_options(v)
            if tuple(self.symbol_input.options) != tuple(opts):
                self.symbol_input.options = opts
            for ctl, value in ((self.symbol_input, pos.symbol), (self.side_toggle, pos.side),
                               (self.quantity_input, float(pos.quantity)),
                               (self.entry_input, float(pos.entry_price)),
                               (self.mark_input, float(s.paths[pos.symbol].params["price"])),
                               (self.mode_toggle, pos.mode),
                               (self.wallet_input, float(s.wallet_balance))):
                if ctl.value != value:
                    ctl.value = value
            with self.leverage_slider.hold_trait_notifications():
                if self.leverage_slider.max != int(res.max_leverage):
                    self.leverage_slider.max = int(res.max_leverage)
                if self.leverage_slider.value != int(pos.leverage):
                    self.leverage_slider.value = int(pos.leverage)
            if pos.mode == "isolated":
                follow = pos.isolated_margin is None
                if self.margin_from_leverage.value != follow:
                    self.margin_from_leverage.value = follow
                margin = round(res.account.isolated_margins[0], 8)
                if self.margin_input.value != margin:
                    self.margin_input.value = margin
            self._show_units(v)
        self.leverage_caption.value = info_html(
            f"max {int(res.max_leverage)}x",
            f"{definition('leverage')} The venue's bracket for this size allows at most "
            f"{int(res.max_leverage)}x.")
        self._render(res)
        self.show_status(note)

    def _on_recompute_error(self) -> None:
        """No number for inputs the engine refused: blank the outputs (never a stale one).

        :attr:`result` keeps the last valid numbers (the API's state is intact); the screen
        shows none of them beside inputs they do not belong to.
        """
        self.liquidation_label.value = (
            f"<div>{info_html('Liquidation price', definition('liquidation price'))}</div>"
            "<div class='mw-liq mw-stale' style='font-size:1.6em'>—</div>"
            "<div class='mw-caption'>Not computed for these inputs: see the message "
            "above.</div>")
        self.outputs.value = ""
        self.explanation_html.value = ""
        self.bracket_html.value = ""
        self.chart.clear()
        self._show_units(self.venue)  # the rows the mode needs (a refused cross order: wallet)

    # -- drawing ----------------------------------------------------------------------------
    def _render(self, r: CalculatorResult) -> None:
        v = self.venue
        cur, pu, dec = r.currency, r.price_unit, v.price_decimals
        pos = r.account.positions[0]
        iso = pos.mode == "isolated"
        pool_money = r.account.isolated_margins[0] if iso else r.account.cross_wallet

        def row(term: str, value: str, unit_def: str = "", label: str | None = None) -> str:
            d = unit_def or definition(term)
            return (f"<tr><td>{info_html(label or term.capitalize(), d)}</td>"
                    f"<td class='mw-v'>{esc(value)}</td></tr>")

        dist = ("" if not math.isfinite(r.distance)
                else f" ({style.fmt_pct(r.distance)} from entry)")
        rows = [
            row("notional", style.fmt_money(r.notional, cur if v.contract == "inverse"
                                            else v.quote_currency),
                label="Notional at entry"),
            row("isolated margin" if iso else "wallet balance",
                style.fmt_money(pool_money, cur),
                label="Isolated margin" if iso else "Wallet balance (cross)"),
            row("initial margin", style.fmt_money(r.initial_margin, cur)),
            row("maintenance margin", style.fmt_money(r.maintenance_margin, cur),
                label="Maintenance margin at entry"),
            row("margin ratio", style.fmt_pct(r.margin_ratio), label="Margin ratio at entry"),
            row("liquidation price", style.fmt_price(r.liquidation_price, dec, pu) + dist),
            row("bankruptcy price", style.fmt_price(r.bankruptcy_price, dec, pu)),
            row("mark price", style.fmt_price(r.mark_price, dec, pu), label="Mark price"),
            row("unrealized pnl", style.fmt_money(r.unrealized_pnl, cur),
                label="Unrealized PnL at the mark"),
            row("margin balance", style.fmt_money(r.margin_balance, cur),
                label=("Margin balance at the mark (isolated margin + uPnL)" if iso else
                       "Margin balance = equity at the mark (wallet + uPnL)")),
            row("maintenance margin", style.fmt_money(r.maintenance_margin_at_mark, cur),
                label="Maintenance margin at the mark"),
            row("margin ratio", style.fmt_pct(r.margin_ratio_at_mark),
                label="Margin ratio at the mark"),
        ]
        self.outputs.value = f"<table>{''.join(rows)}</table>"
        lp = style.fmt_price(r.liquidation_price, dec, pu)
        self.liquidation_label.value = (
            f"<div>{info_html('Liquidation price', definition('liquidation price'))}</div>"
            f"<div class='mw-liq' style='font-size:1.6em'>{esc(lp)}</div>"
            f"<div class='mw-caption'>{esc(pos.describe())} on "
            f"{esc(v.name)}</div>")
        self.explanation_html.value = r.explanation.to_html()
        self.bracket_html.value = self._rules_html(r)
        self.chart.update(pos.entry_price, r.liquidation_price, r.bankruptcy_price, dec, pu)

    def _rules_html(self, r: CalculatorResult) -> str:
        v = self.venue
        pos = r.account.positions[0]
        tiers = v.tiers_for(pos.symbol)
        b = tiers.bracket_for(r.notional)
        ncur = r.currency if v.contract == "inverse" else v.quote_currency
        lev = "none" if b.max_leverage is None else f"{b.max_leverage:g}x"
        items = [
            f"Bracket used at entry: <b>{b.index + 1} of {len(tiers)}</b> for a notional of "
            f"{esc(style.fmt_money(r.notional, ncur))} (from "
            f"{b.floor:,.0f}): maintenance rate {b.mmr:.2%}, maintenance amount "
            f"{b.cum:,.2f} {esc(ncur)}, maximum leverage {lev}.",
        ]
        for eb in r.explanation.brackets:
            if eb["bracket"] != b.index + 1:
                items.append(
                    f"At the liquidation price the notional falls in bracket {eb['bracket']} "
                    f"(MMR {eb['mmr']:.2%}); the price is solved with that bracket.")
        items.append(
            "Maintenance margin measured at the <b>entry price</b> (venue rule)."
            if v.mm_basis == "entry" else "Maintenance margin measured at the mark price.")
        if v.close_fee_rate:
            items.append(f"A fee of {v.close_fee_rate:.3%} is added to the maintenance rate "
                         "(the cost of closing the position), so liquidation comes earlier.")
        if v.liquidation_fee_rate is not None:
            items.append(f"At liquidation the venue charges {v.liquidation_fee_rate:.2%} of the "
                         "notional and the trader keeps what is left of the margin.")
        else:
            items.append("At liquidation what is left of the margin goes to the insurance "
                         "fund.")
        if v.contract == "inverse":
            items.append(f"Inverse contract: {pos.quantity:,.6g} contracts of "
                         f"{pos.contract_size:,.0f} USD; margin and PnL in "
                         f"{esc(r.currency)}.")
        if v.notes:
            items.append(esc(v.notes))
        src = esc(f"{v.source} ({v.as_of})" if v.as_of else v.source)
        lis = "".join(f"<li>{i}</li>" for i in items)
        return (f"<div class='mw-section'>Bracket and venue rules</div><ul>{lis}</ul>"
                f"<div class='mw-caption'>Source: {src}</div>")
