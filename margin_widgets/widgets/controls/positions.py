"""The positions: one row per position, margin transfers at the scrubbed step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from ipywidgets import HTML, Button, Combobox, FloatSlider, FloatText, HBox, ToggleButtons, VBox

from ...charts.shared import LeanLayout, shared_layout, shared_style
from ...core import edits as _edits
from ...core.scenario import Scenario
from ..base import EditContext, account_of, definition, info_html
from ._common import OnEdit, _Control, _desc, _set

# The edits themselves are pure functions of a scenario, in margin_widgets.core.edits.
_without_position = _edits.without_position
_drop_cross_events = _edits.drop_cross_events
_with_position = _edits.with_position


def margin_transfer_edit(i: int, amount: float, remove: bool) -> Callable[[EditContext], Scenario]:
    """An edit that adds (or removes) isolated margin at the scrubbed step.

    :func:`margin_widgets.core.edits.transfer_margin` with the scenario, result and step the
    edit sees.
    """
    def edit(ctx: EditContext) -> Scenario:
        return _edits.transfer_margin(ctx.scenario, i, amount, remove, ctx.result, ctx.step)
    return edit


class PositionRow(HBox):
    """One position: symbol, side, size, entry, leverage, mode and isolated margin.

    Attributes
    ----------
    symbol_input : Combobox
    side_toggle : ToggleButtons
    quantity_input : FloatText
    entry_input : FloatText
    leverage_slider : FloatSlider
        Its maximum is the venue's bracket maximum for the position's size.
    mode_toggle : ToggleButtons
    isolated_margin_input : FloatText
    transfer_button : Button
        "±": shows the transfer controls (made on first use, then it goes).
    margin_amount_input : FloatText
        The amount the +/- buttons move (made on first use, as the two buttons).
    add_margin_button, remove_margin_button, remove_button : Button
    """

    def __init__(self, index: int, show_modes: bool = True) -> None:
        self.index = index
        self.shown_key: Any = None
        n = index + 1
        self.number = HTML(f"<b>#{n}</b>", layout=shared_layout(width="24px"),
                           style=shared_style(HTML))
        self.symbol_input = Combobox(
            value="BTCUSDT", placeholder="symbol", ensure_option=False,
            description="Symbol", tooltip=f"Contract symbol of position #{n}, e.g. BTCUSDT",
            continuous_update=False, style=_desc(Combobox), layout=shared_layout(width="165px"))
        self.side_toggle = ToggleButtons(
            options=[("long", "long"), ("short", "short")], description="",
            tooltips=["Long: profits when the price rises", "Short: profits when it falls"],
            tooltip=f"Side of position #{n}",
            style=shared_style(ToggleButtons, button_width="50px"),
            layout=shared_layout(width="auto"))
        self.quantity_input = FloatText(
            value=1.0, step=0.1, description="Qty",
            tooltip=f"Quantity of position #{n} (coins for linear contracts, contracts for "
                    "inverse ones)", style=_desc(FloatText), layout=shared_layout(width="105px"))
        self.entry_input = FloatText(
            value=1.0, step=10.0, description="@",
            tooltip=f"Entry price of position #{n}", style=_desc(FloatText),
            layout=shared_layout(width="115px"))
        self.leverage_slider = FloatSlider(
            value=10.0, min=1.0, max=125.0, step=0.5, description="×",
            continuous_update=False, readout_format=".1f",
            tooltip=f"Leverage of position #{n}: " + definition("leverage")
                    + " Changing it resets an isolated margin to the initial margin.",
            style=_desc(FloatSlider), layout=shared_layout(width="175px"))
        self.mode_toggle = ToggleButtons(
            options=[("cross", "cross"), ("isolated", "isolated")], description="",
            tooltips=["Cross: backed by the whole cross wallet",
                      "Isolated: backed only by its own isolated margin"],
            tooltip=f"Margin mode of position #{n}",
            style=shared_style(ToggleButtons, button_width="66px"),
            layout=shared_layout(width="auto"))
        self.isolated_margin_input = FloatText(
            value=0.0, step=10.0, description="Margin",
            tooltip=f"Isolated margin of position #{n} at the start: "
                    + definition("isolated margin"), style=_desc(FloatText),
                    layout=shared_layout(width="135px"))
        # the transfer controls (amount, + and −) are made when first used: most visitors
        # never move margin, and they were 4 widget models per row (with their box)
        self.on_transfer: Callable[[bool], None] | None = None
        self._transfer: tuple[FloatText, Button, Button] | None = None
        self.transfer_button = Button(
            description="±", tooltip=f"Move margin between the cross wallet and position "
                                     f"#{n} at the scrubbed step (shows the amount and the "
                                     "+ and − buttons)",
            layout=shared_layout(width="30px"), style=shared_style(Button))
        self.transfer_button.on_click(lambda _b: self.open_transfer())
        self.remove_button = Button(
            description="✕", tooltip=f"Close (remove) position #{n}",
            layout=shared_layout(width="36px"), style=shared_style(Button))
        children = [self.number, self.symbol_input, self.side_toggle, self.quantity_input,
                    self.entry_input, self.leverage_slider]
        if show_modes:
            children += [self.mode_toggle, self.isolated_margin_input, self.transfer_button]
        children.append(self.remove_button)
        super().__init__(children, layout=shared_layout(flex_flow="row wrap",
                                                        align_items="center", width="100%"))
        self.add_class("mw-position-row")

    def open_transfer(self) -> tuple[FloatText, Button, Button]:
        """Make the transfer controls (once) and show them in place of the ± button."""
        if self._transfer is None:
            n = self.index + 1
            amount = FloatText(
                value=100.0, step=10.0, description="move",
                tooltip="Amount the + and − buttons move between the cross wallet and this "
                        "position, at the scrubbed step", style=_desc(FloatText),
                layout=shared_layout(width="105px"))
            add = Button(
                description="+", tooltip=f"Add the amount to position #{n}'s isolated margin "
                                         "at the scrubbed step",
                layout=shared_layout(width="30px"), style=shared_style(Button))
            remove = Button(
                description="−", tooltip=f"Take the amount out of position #{n}'s isolated "
                                         "margin at the scrubbed step",
                layout=shared_layout(width="30px"), style=shared_style(Button))
            disabled = bool(self.transfer_button.disabled)
            for w in (amount, add, remove):
                w.disabled = disabled
            add.on_click(lambda _b: self._transfer_clicked(False))
            remove.on_click(lambda _b: self._transfer_clicked(True))
            self._transfer = (amount, add, remove)
            kids: list[Any] = list(self.children)  # type: ignore[has-type]
            if self.transfer_button in kids:
                at = kids.index(self.transfer_button)
                kids[at:at + 1] = [amount, add, remove]
                self.children = tuple(kids)
            self.transfer_button.close()
        return self._transfer

    def _transfer_clicked(self, remove: bool) -> None:
        if self.on_transfer is not None:
            self.on_transfer(remove)

    @property
    def transfer_open(self) -> bool:
        """True once the transfer controls were made."""
        return self._transfer is not None

    @property
    def margin_amount_input(self) -> FloatText:
        """The amount the +/- buttons move (made when first used)."""
        return self.open_transfer()[0]

    @property
    def add_margin_button(self) -> Button:
        """Adds the amount to the isolated margin at the scrubbed step (made when first used)."""
        return self.open_transfer()[1]

    @property
    def remove_margin_button(self) -> Button:
        """Takes the amount out of the isolated margin (made when first used)."""
        return self.open_transfer()[2]

    def set_transfer_enabled(self, enabled: bool) -> None:
        """Enable the transfer controls (isolated positions only)."""
        for w in (self.transfer_button, *(self._transfer or ())):
            if w.disabled == enabled:
                w.disabled = not enabled

    def close(self) -> None:
        """Close every control of the row."""
        for w in (self.number, self.symbol_input, self.side_toggle, self.quantity_input,
                  self.entry_input, self.leverage_slider, self.mode_toggle,
                  self.isolated_margin_input, self.transfer_button, self.remove_button,
                  *(self._transfer or ())):
            w.close()
        super().close()


class PositionsEditor(VBox, _Control):
    """One :class:`PositionRow` per position and an add-position button.

    Attributes
    ----------
    rows : list of PositionRow
    add_button : Button
    """

    def __init__(self, on_edit: OnEdit | None = None, *, show_modes: bool = True) -> None:
        self.show_modes = show_modes
        self.rows: list[PositionRow] = []
        self.heading = HTML(
            "<div class='mw-section'>"
            + info_html("Positions", "What the account holds. Every change re-runs the "
                                     "scenario; a refused value shows why and is reset.")
            + "</div>", style=shared_style(HTML), layout=shared_layout())
        self.add_button = Button(description="+ add position",
                                 tooltip="Open another position (a small long on the first "
                                         "symbol; edit it afterwards)",
                                         layout=shared_layout(width="130px", height="26px"),
                                         style=shared_style(Button))
        self.rows_box = VBox([], layout=shared_layout())
        top = HBox([self.heading, self.add_button],
                   layout=LeanLayout(align_items="center", justify_content="space-between",
                                 width="100%"))
        super().__init__([top, self.rows_box], layout=shared_layout(width="100%"))
        self.add_class("mw-positions-editor")
        self._init_control(on_edit)
        self.add_button.on_click(lambda _b: self._emit(self._add_edit, "position added"))

    # -- rows -------------------------------------------------------------------------------
    def _make_row(self, i: int) -> PositionRow:
        row = PositionRow(i, self.show_modes)

        def field(name: str, convert: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
            def handler(change: dict[str, Any]) -> None:
                if not self._showing:  # the row no longer shows the committed scenario
                    row.shown_key = None
                try:
                    value = convert(change["new"])
                except (TypeError, ValueError):
                    value = change["new"]
                self._emit(lambda ctx: _with_position(ctx.scenario, row.index, **{name: value}))
            return handler

        def on_symbol(change: dict[str, Any]) -> None:
            if not self._showing:
                row.shown_key = None
            sym = str(change["new"]).strip().upper()

            def edit(ctx: EditContext) -> Scenario:
                scen = ctx.scenario
                changes: dict[str, Any] = {"symbol": sym}
                if sym in scen.paths:  # open at the symbol's first mark
                    res = ctx.result
                    if res is not None and sym in res.marks and res.steps == scen.steps:
                        changes["entry_price"] = float(np.asarray(res.marks[sym])[0])
                    else:
                        changes["entry_price"] = float(scen.paths[sym].build(scen.steps)[0])
                return _with_position(scen, row.index, **changes)
            self._emit(edit, f"position #{row.index + 1}: {sym}")

        row.symbol_input.observe(on_symbol, names="value")
        row.side_toggle.observe(field("side", str), names="value")
        row.quantity_input.observe(field("quantity", float), names="value")
        row.entry_input.observe(field("entry_price", float), names="value")
        row.leverage_slider.observe(field("leverage", float), names="value")
        row.mode_toggle.observe(field("mode", str), names="value")
        row.isolated_margin_input.observe(field("isolated_margin", float), names="value")

        def move(remove: bool) -> None:
            amount = float(row.margin_amount_input.value)
            verb = "removed from" if remove else "added to"
            self._emit(margin_transfer_edit(row.index, amount, remove),
                       f"{amount:,.2f} {verb} position #{row.index + 1}")

        row.on_transfer = move
        row.remove_button.on_click(lambda _b: self._emit(
            lambda ctx: _without_position(ctx.scenario, row.index),
            f"position #{row.index + 1} removed"))
        return row

    @staticmethod
    def _add_edit(ctx: EditContext) -> Scenario:
        return _edits.with_new_position(ctx.scenario, ctx.result)

    @property
    def leverage_sliders(self) -> list[FloatSlider]:
        """The leverage slider of every row, in position order."""
        return [r.leverage_slider for r in self.rows]

    def show(self, scenario: Scenario) -> None:
        """Show every position of ``scenario`` (rows are added or removed as needed)."""
        with self._quiet():
            n = len(scenario.positions)
            if len(self.rows) != n:
                while len(self.rows) > n:
                    self.rows.pop().close()
                while len(self.rows) < n:
                    self.rows.append(self._make_row(len(self.rows)))
                self.rows_box.children = tuple(self.rows)
            venue = scenario.venue_rules
            acct = account_of(scenario)
            symbols = list(dict.fromkeys([*venue.symbols(), *scenario.paths,
                                          *(p.symbol for p in scenario.positions)]))
            for i, (row, p) in enumerate(zip(self.rows, scenario.positions, strict=True)):
                row.index = i
                max_lev = float(venue.tiers_for(p.symbol).max_leverage(
                    float(acct.book.notional_entry[i])))
                iso_margin = float(acct.isolated_margins[i])
                # a row already showing exactly this is left alone (a change re-synced ~45
                # controls); a person's edit of the row forgets the key (see _make_row)
                key = (i, p, max_lev, venue.name, tuple(symbols), iso_margin)
                if row.shown_key == key:
                    continue
                row.shown_key = key
                _set(row.symbol_input, options=tuple(symbols), value=p.symbol)
                _set(row.side_toggle, value=p.side)
                _set(row.quantity_input, value=float(p.quantity))
                _set(row.entry_input, value=float(p.entry_price))
                _set(row.leverage_slider, max=max(1.0, max_lev),
                     value=min(float(p.leverage), max(1.0, max_lev)))
                row.leverage_slider.tooltip = (
                    f"Leverage of position #{i + 1}, at most {max_lev:g}× for this size on "
                    f"{venue.name}: " + definition("leverage")
                    + " Changing it resets an isolated margin to the initial margin.")
                _set(row.mode_toggle, value=p.mode)
                iso = p.mode == "isolated"
                _set(row.isolated_margin_input,
                     value=round(iso_margin, 2) if iso else 0.0,
                     disabled=not iso)
                row.set_transfer_enabled(iso)
