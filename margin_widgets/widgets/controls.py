"""Controls: the parts of a scenario a person can change, one small class per family.

Every control group is an ipywidgets box with role-named attributes (``wallet_input``,
``leverage_slider``, ...). A change does not touch any state: it *proposes an edit*, a
function ``EditContext -> Scenario``, through the ``on_edit`` callback the dashboard gives. The
dashboard validates the new scenario with the engine, runs it once and commits it, or shows
the engine's message and calls :meth:`show` again with the old scenario, which resets the
control. ``show`` never proposes anything (it runs "quietly").

Every control has a ``description`` and a ``tooltip``; all of them are standard ipywidgets and
so are reachable with the keyboard (Tab, arrows, Enter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from bqplot import Axis, Figure, LinearScale, Lines, Scatter
from ipywidgets import (
    HTML,
    BoundedFloatText,
    BoundedIntText,
    Button,
    Checkbox,
    Combobox,
    Dropdown,
    FileUpload,
    FloatSlider,
    FloatText,
    HBox,
    IntSlider,
    IntText,
    Play,
    ToggleButtons,
    VBox,
    jslink,
)

from ..charts import style
from ..charts.figures import assign
from ..charts.shared import LeanLayout, shared_layout, shared_style
from ..core import paths as core_paths
from ..core.errors import MarginInputError
from ..core.position import Position
from ..core.scenario import MAX_STEPS, PRESETS, PathSpec, Scenario
from ..core.simulation import TransferEvent
from ..core.venue import venues
from .base import EditContext, account_at, account_of, definition, info_html, marks_at
from .markup import esc, user_text

__all__ = [
    "AccountControls", "PositionRow", "PositionsEditor", "PathEditor", "ScenarioPicker",
    "TimeScrubber", "OnEdit", "GENERATOR_CHOICES", "rescale_paths", "shock_spec",
]

OnEdit = Callable[..., bool]
"""``on_edit(edit, note="") -> bool``: the dashboard's :meth:`ScenarioDashboard.propose`."""

_DESC = {"description_width": "initial"}


def _desc(widget_cls: type) -> Any:
    """The shared style with ``description_width="initial"`` (the whole label shows)."""
    return shared_style(widget_cls, description_width="initial")


class _Control:
    """Mixin: quiet ``show`` and an ``_emit`` that forwards edits to the dashboard."""

    on_edit: OnEdit | None
    _showing: int

    def _init_control(self, on_edit: OnEdit | None) -> None:
        self.on_edit = on_edit
        self._showing = 0

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        self._showing += 1
        try:
            yield
        finally:
            self._showing -= 1

    def _emit(self, edit: Callable[[EditContext], Scenario], note: str = "") -> bool:
        if self._showing or self.on_edit is None:
            return True
        return bool(self.on_edit(edit, note))


def _set(widget: Any, **values: Any) -> None:
    """Set several traits at once (bounds and value validated together).

    ``options`` of a selection widget are set first, on their own: a selection validates its
    value against the options it has at that moment.
    """
    options = values.pop("options", None)
    if options is not None and tuple(widget.options) != tuple(options):
        widget.options = options
    # one message to the browser: a slider that got max before value would clamp the old
    # value and send the clamped one back as a user edit (a preset loading 20x, not 10x)
    with widget.hold_sync(), widget.hold_trait_notifications():
        for k, v in values.items():
            if getattr(widget, k) != v:
                setattr(widget, k, v)


# ---------------------------------------------------------------------------------------------


class AccountControls(HBox, _Control):
    """Venue, wallet, fees and funding.

    Attributes
    ----------
    venue_dropdown : Dropdown
    wallet_input : BoundedFloatText
    currency_label : HTML
    fees_checkbox : Checkbox
    funding_rate_input : FloatText
        Percent per funding interval (longs pay when positive).
    funding_interval_input : BoundedIntText
        Steps between funding payments; 0 turns funding off.
    """

    def __init__(self, on_edit: OnEdit | None = None) -> None:
        self.venue_dropdown = Dropdown(
            options=[(v.name, k) for k, v in venues.items()], description="Venue",
            tooltip="The exchange whose margin rules and risk tiers apply",
                style=_desc(Dropdown), layout=shared_layout(width="250px"))
        self.wallet_input = BoundedFloatText(
            value=10_000.0, min=0.0, max=1e12, step=100.0, description="Wallet",
            tooltip="Wallet balance: " + definition("wallet balance"),
                style=_desc(BoundedFloatText), layout=shared_layout(width="170px"))
        self.currency_label = HTML("USDT", layout=shared_layout(width="44px"),
                                   style=shared_style(HTML))
        self.currency_label.add_class("mw-unit")
        self.fees_checkbox = Checkbox(
            value=True, description="Trading fees", indent=False,
            tooltip="Charge the venue's taker fee when the positions open",
            layout=shared_layout(width="110px"), style=shared_style(Checkbox))
        self.funding_rate_input = FloatText(
            value=0.0, step=0.01, description="Funding %",
            tooltip="Funding rate in percent per interval: " + definition("funding"),
            style=_desc(FloatText), layout=shared_layout(width="150px"))
        self.funding_interval_input = BoundedIntText(
            value=0, min=0, max=MAX_STEPS, description="every",
            tooltip="Steps between two funding payments (0 = no funding)",
                style=_desc(BoundedIntText), layout=shared_layout(width="120px"))
        self.funding_unit = HTML("steps", layout=shared_layout(width="40px"),
                                 style=shared_style(HTML))
        self.funding_unit.add_class("mw-unit")
        super().__init__(
            [self.venue_dropdown, self.wallet_input, self.currency_label, self.fees_checkbox,
             self.funding_rate_input, self.funding_interval_input, self.funding_unit],
            layout=LeanLayout(flex_flow="row wrap", align_items="center", width="100%"))
        self.add_class("mw-account-controls")
        self._init_control(on_edit)
        self._shown_key: Any = None
        for w in (self.venue_dropdown, self.wallet_input, self.fees_checkbox,
                  self.funding_rate_input, self.funding_interval_input):
            w.observe(self._forget_shown, names="value")
        self.venue_dropdown.observe(self._on_venue, names="value")
        self.wallet_input.observe(self._on_wallet, names="value")
        self.fees_checkbox.observe(self._on_fees, names="value")
        self.funding_rate_input.observe(self._on_funding, names="value")
        self.funding_interval_input.observe(self._on_funding, names="value")

    def _on_venue(self, change: dict[str, Any]) -> None:
        key = change["new"]
        self._emit(lambda ctx: ctx.scenario.replace(venue=key),
                   f"venue: {venues[key].name}")

    def _on_wallet(self, change: dict[str, Any]) -> None:
        v = float(change["new"])
        self._emit(lambda ctx: ctx.scenario.replace(wallet_balance=v))

    def _on_fees(self, change: dict[str, Any]) -> None:
        v = bool(change["new"])
        self._emit(lambda ctx: ctx.scenario.replace(fees=v))

    def _on_funding(self, change: dict[str, Any]) -> None:
        rate = float(self.funding_rate_input.value)
        every = int(self.funding_interval_input.value)
        if not math.isfinite(rate):
            rate = float("nan")

        def edit(ctx: EditContext) -> Scenario:
            if rate != rate:
                raise MarginInputError("the funding rate must be a number")
            return ctx.scenario.replace(funding_rate=rate / 100.0,
                                        funding_every=every if every > 0 else None)
        self._emit(edit)

    def _forget_shown(self, _change: dict[str, Any]) -> None:
        if not self._showing:  # a person changed a control: show() must set them again
            self._shown_key = None

    def show(self, scenario: Scenario) -> None:
        """Show ``scenario`` (quietly; nothing is set when it is already shown)."""
        sym = scenario.positions[0].symbol if scenario.positions else "BTCUSDT"
        key = (scenario.venue, scenario.wallet_balance, scenario.fees, scenario.funding_rate,
               scenario.funding_every, sym)
        if key == self._shown_key:
            return
        self._shown_key = key
        with self._quiet():
            venue = venues[scenario.venue]
            _set(self.venue_dropdown, value=scenario.venue)
            _set(self.wallet_input, value=float(scenario.wallet_balance))
            self.currency_label.value = esc(venue.currency(sym))
            _set(self.fees_checkbox, value=bool(scenario.fees))
            _set(self.funding_rate_input, value=round(scenario.funding_rate * 100.0, 10))
            _set(self.funding_interval_input, value=int(scenario.funding_every or 0))


# ---------------------------------------------------------------------------------------------


def _without_position(scenario: Scenario, i: int) -> Scenario:
    positions = tuple(p for j, p in enumerate(scenario.positions) if j != i)
    events = tuple(
        e if e.position is None or e.position < i else
        TransferEvent(e.step, e.kind, e.amount, e.position - 1)
        for e in scenario.events if e.position != i)
    return scenario.replace(positions=positions, events=events)


def _drop_cross_events(positions: Sequence[Position],
                       events: Sequence[TransferEvent]) -> tuple[TransferEvent, ...]:
    """Margin transfers only apply to isolated positions: drop those aimed at cross ones."""
    return tuple(e for e in events if e.position is None
                 or (e.position < len(positions) and positions[e.position].mode == "isolated"))


def _with_position(scenario: Scenario, i: int, **changes: Any) -> Scenario:
    positions = list(scenario.positions)
    if not 0 <= i < len(positions):
        raise MarginInputError(f"there is no position #{i + 1}")
    new = positions[i].with_(**changes)
    if new.mode == "isolated" and (
            ("mode" in changes and positions[i].mode != "isolated") or "leverage" in changes):
        # an isolated position's margin follows its leverage (initial margin) until it is
        # typed in or moved with the +/- buttons
        new = new.with_(isolated_margin=None)
    positions[i] = new
    paths = dict(scenario.paths)
    if new.symbol not in paths:
        # a new symbol starts with a flat path at its entry price; draw it in the path editor
        paths[new.symbol] = PathSpec("constant", {"price": new.entry_price})
    return scenario.replace(positions=tuple(positions), paths=paths,
                            events=_drop_cross_events(positions, scenario.events))


def margin_transfer_edit(i: int, amount: float, remove: bool) -> Callable[[EditContext], Scenario]:
    """An edit that adds (or removes) isolated margin at the scrubbed step.

    At step 0 the starting isolated margin changes (``Account.add_margin`` /
    ``remove_margin`` at the step-0 marks). Later, the engine checks the move with the
    account as it stands at that step (:func:`account_at`) and the move is scheduled as a
    :class:`TransferEvent` at that step, so the liquidation price visibly moves there. Any
    refusal raises the engine's own reason.
    """
    def edit(ctx: EditContext) -> Scenario:
        scen = ctx.scenario
        if not 0 <= i < len(scen.positions):
            raise MarginInputError(f"there is no position #{i + 1}")
        if scen.positions[i].mode != "isolated":
            raise MarginInputError(
                f"position #{i + 1} ({scen.positions[i].symbol}) is in cross mode: only an "
                "isolated position has its own margin to add to or remove from")
        res = ctx.result
        step = ctx.step
        usable = res is not None and res.single and res.account.positions == scen.positions \
            and res.steps == scen.steps
        if not usable or step == 0:
            acct = scen.account()
            marks = (marks_at(res, 0) if usable and res is not None
                     else {s: float(v[0]) for s, v in scen.mark_paths().items()})
            new = (acct.remove_margin(i, amount, marks) if remove
                   else acct.add_margin(i, amount, marks))
            return scen.replace(positions=new.positions)
        assert res is not None
        acct, index = account_at(res, step)
        if i not in index:
            k = int(np.asarray(res.liquidated_at)[i])
            raise MarginInputError(
                f"position #{i + 1} was liquidated at step {k:,}; scrub back before it to move "
                "margin")
        j = index.index(i)
        marks = marks_at(res, step)
        if remove:
            acct.remove_margin(j, amount, marks)
        else:
            acct.add_margin(j, amount, marks)
        ev = TransferEvent(step, "remove_margin" if remove else "add_margin", amount, i)
        return scen.replace(events=(*scen.events, ev))
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
    margin_amount_input : FloatText
        The amount the +/- buttons move.
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
        self.margin_amount_input = FloatText(
            value=100.0, step=10.0, description="move",
            tooltip="Amount the + and − buttons move between the cross wallet and this "
                    "position, at the scrubbed step", style=_desc(FloatText),
                    layout=shared_layout(width="105px"))
        self.add_margin_button = Button(
            description="+", tooltip=f"Add the amount to position #{n}'s isolated margin at "
                                     "the scrubbed step", layout=shared_layout(width="30px"),
                                     style=shared_style(Button))
        self.remove_margin_button = Button(
            description="−", tooltip=f"Take the amount out of position #{n}'s isolated margin "
                                     "at the scrubbed step", layout=shared_layout(width="30px"),
                                     style=shared_style(Button))
        self.remove_button = Button(
            description="✕", tooltip=f"Close (remove) position #{n}",
            layout=shared_layout(width="36px"), style=shared_style(Button))
        self.margin_box = HBox([self.isolated_margin_input, self.margin_amount_input,
                                self.add_margin_button, self.remove_margin_button],
                               layout=shared_layout(align_items="center"))
        children = [self.number, self.symbol_input, self.side_toggle, self.quantity_input,
                    self.entry_input, self.leverage_slider]
        if show_modes:
            children += [self.mode_toggle, self.margin_box]
        children.append(self.remove_button)
        super().__init__(children, layout=shared_layout(flex_flow="row wrap",
                                                        align_items="center", width="100%"))
        self.add_class("mw-position-row")

    def close(self) -> None:
        """Close every control of the row."""
        for w in (self.number, self.symbol_input, self.side_toggle, self.quantity_input,
                  self.entry_input, self.leverage_slider, self.mode_toggle,
                  self.isolated_margin_input, self.margin_amount_input,
                  self.add_margin_button, self.remove_margin_button, self.remove_button,
                  self.margin_box):
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
        self.rows_box = VBox([])
        top = HBox([self.heading, self.add_button],
                   layout=LeanLayout(align_items="center", justify_content="space-between",
                                 width="100%"))
        super().__init__([top, self.rows_box], layout=LeanLayout(width="100%"))
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

        def move(remove: bool) -> Callable[[Any], None]:
            def click(_b: Any) -> None:
                amount = float(row.margin_amount_input.value)
                verb = "removed from" if remove else "added to"
                self._emit(margin_transfer_edit(row.index, amount, remove),
                           f"{amount:,.2f} {verb} position #{row.index + 1}")
            return click

        row.add_margin_button.on_click(move(False))
        row.remove_margin_button.on_click(move(True))
        row.remove_button.on_click(lambda _b: self._emit(
            lambda ctx: _without_position(ctx.scenario, row.index),
            f"position #{row.index + 1} removed"))
        return row

    @staticmethod
    def _add_edit(ctx: EditContext) -> Scenario:
        scen = ctx.scenario
        sym = scen.positions[0].symbol if scen.positions else "BTCUSDT"
        if ctx.result is not None and sym in ctx.result.marks:
            price = float(np.asarray(ctx.result.marks[sym])[0])
        elif sym in scen.paths:
            price = float(scen.paths[sym].build(scen.steps)[0])
        else:
            price = 60_000.0
        venue = venues[scen.venue]
        qty = float(f"{1_000.0 / price:.3g}")  # about 1,000 of notional
        max_lev = float(venue.tiers_for(sym).max_leverage(qty * price))
        pos = Position(sym, "long", qty, price, min(10.0, max_lev), "cross")
        paths = dict(scen.paths)
        if sym not in paths:
            paths[sym] = PathSpec("constant", {"price": price})
        return scen.replace(positions=(*scen.positions, pos), paths=paths)

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
            venue = venues[scenario.venue]
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
                for w in (row.margin_amount_input, row.add_margin_button,
                          row.remove_margin_button):
                    if w.disabled == iso:
                        w.disabled = not iso


# ---------------------------------------------------------------------------------------------

GENERATOR_CHOICES: list[tuple[str, str]] = [
    ("draw (drag the points)", "piecewise"),
    ("linear", "linear"),
    ("random walk (GBM)", "gbm"),
    ("shock", "shock"),
    ("jumps", "jumps"),
    ("constant", "constant"),
    ("data (CSV)", "data"),
]

# name -> (description, tooltip, default); "start"-like defaults come from the current path
_PARAMS: dict[str, tuple[str, str, float]] = {
    "price": ("Price", "The constant mark price", 0.0),
    "start": ("Start", "The first mark price of the path", 0.0),
    "end": ("End", "The last mark price of the path", 0.0),
    "drift": ("Drift /yr", "Annual drift of the random walk (0.1 = +10 % a year)", 0.0),
    "volatility": ("Vol /yr", "Annual volatility (0.6 is typical for bitcoin)", 0.6),
    "at": ("At step", "Step at which the shock happens", 0.0),
    "size": ("Size", "Relative move of the shock: −0.2 is a 20 % drop", -0.2),
    "recovery": ("Recovery", "Fraction of the move taken back afterwards (0 to 1)", 0.0),
    "recovery_steps": ("over", "Steps the recovery takes", 0.0),
    "intensity": ("Jumps /yr", "Expected number of jumps per year", 12.0),
    "jump_mean": ("Jump mean", "Mean log jump (−0.05 is a typical 5 % drop)", -0.05),
    "jump_std": ("Jump std", "Standard deviation of the log jump", 0.05),
}

_FIELDS: dict[str, tuple[str, ...]] = {
    "constant": ("price",),
    "linear": ("start", "end"),
    "piecewise": (),
    "gbm": ("start", "drift", "volatility"),
    "shock": ("start", "at", "size", "recovery", "recovery_steps"),
    "jumps": ("start", "intensity", "jump_mean", "jump_std", "volatility"),
    "data": (),
}
_SEEDED = ("gbm", "jumps")
_INT_PARAMS = ("at", "recovery_steps")


def rescale_paths(paths: dict[str, PathSpec], old_steps: int,
                  new_steps: int) -> dict[str, PathSpec]:
    """Stretch step-based recipes (drawn points, shock step) to a new number of steps."""
    if old_steps == new_steps:
        return dict(paths)
    f = (new_steps - 1) / max(1, old_steps - 1)
    out = {}
    for sym, spec in paths.items():
        if spec.generator == "piecewise":
            seen: dict[int, float] = {}
            for x, y in spec.params.get("points", ()):
                seen.setdefault(min(new_steps - 1, int(round(x * f))), y)
            pts = [[x, y] for x, y in sorted(seen.items())]
            spec = PathSpec("piecewise", {"points": pts}, spec.seed)
        elif spec.generator == "shock":
            p = dict(spec.params)
            if "at" in p:
                p["at"] = min(new_steps - 1, int(round(p["at"] * f)))
            if "recovery_steps" in p:
                p["recovery_steps"] = int(round(p["recovery_steps"] * f))
            spec = PathSpec("shock", p, spec.seed)
        out[sym] = spec
    return out


def shock_spec(spec: PathSpec, path: np.ndarray, at: int, size: float = -0.2) -> PathSpec:
    """The recipe ``spec`` with a sudden move of ``size`` at step ``at`` that persists.

    A drawn (or straight) path stays drawable: its control points after ``at`` move by the
    same factor and two points pin the jump. Other paths become data (the shocked prices).
    """
    T = path.shape[-1]
    at = int(min(max(1, at), T - 1))
    factor = 1.0 + size
    if spec.generator in ("piecewise", "linear", "constant"):
        if spec.generator == "piecewise":
            pts = [(int(round(x)), float(y)) for x, y in spec.params.get("points", ())]
        else:
            pts = [(0, float(path[0])), (T - 1, float(path[-1]))]
        xs = np.array([p[0] for p in pts], dtype=float)
        ys = np.array([p[1] for p in pts], dtype=float)
        order = np.argsort(xs)
        xs, ys = xs[order], ys[order]
        before = [(x, y) for x, y in zip(xs, ys, strict=True) if x < at - 1]
        after = [(x, y * factor) for x, y in zip(xs, ys, strict=True) if x > at]
        pin = [(at - 1, float(np.interp(at - 1, xs, ys))),
               (at, float(np.interp(at, xs, ys)) * factor)]
        new = [[float(x), float(y)] for x, y in [*before, *pin, *after]]
        return PathSpec("piecewise", {"points": new})
    shocked = core_paths.shock(None, None, at=at, size=size, base=path)
    return PathSpec("data", {"prices": shocked.tolist()})


class _LazyFields(dict[str, Any]):
    """A dict that makes a missing field with ``make(name)`` (and lays the row out again)."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        super().__init__()
        self._make = make
        self.on_new: Callable[[], None] | None = None

    def __missing__(self, name: str) -> Any:
        if name not in _PARAMS:
            raise KeyError(name)
        w = self[name] = self._make(name)
        if self.on_new is not None:
            self.on_new()
        return w


def _points_from_path(path: np.ndarray, n: int = 7) -> list[list[float]]:
    T = path.shape[-1]
    xs = sorted({int(round(v)) for v in np.linspace(0, T - 1, n)})
    return [[float(x), float(path[x])] for x in xs]


class PathEditor(VBox, _Control):
    """The mark path of each symbol: generator and parameters, drawn points, shock, CSV.

    Parameters
    ----------
    on_edit : callable
        The dashboard's ``propose``.
    x_scale, y_scale : bqplot.LinearScale, optional
        Scales of the chart the draggable points live on (the Margin Lab's price chart). If
        not given, the editor draws its own small chart (:attr:`figure`).
    on_symbol : callable, optional
        Called with the symbol whose path is being edited (the price chart follows it).

    Attributes
    ----------
    symbol_toggle : ToggleButtons
    generator_dropdown : Dropdown
    steps_input : BoundedIntText
    param_inputs : dict of str to FloatText
    seed_input : IntText
    shock_button : Button
        "shock −20 %": a sudden persistent drop at the scrubbed step.
    add_point_button : Button
    csv_upload : FileUpload
    control_points : bqplot.Scatter
        Drag a point up or down (``enable_move``, ``restrict_y``) to redraw the path.
    figure : bqplot.Figure or None
    """

    def __init__(self, on_edit: OnEdit | None = None, *, x_scale: LinearScale | None = None,
                 y_scale: LinearScale | None = None,
                 on_symbol: Callable[[str], None] | None = None) -> None:
        self.on_symbol = on_symbol
        self.symbol_toggle = ToggleButtons(
            options=["BTCUSDT"], description="Path of",
            tooltip="Which symbol's mark path to show and edit",
            style=shared_style(ToggleButtons, description_width="initial", button_width="88px"),
            layout=shared_layout(width="auto"))
        self.generator_dropdown = Dropdown(
            options=GENERATOR_CHOICES, value="piecewise", description="Shape",
            tooltip="How the mark path is made: drawn points, a straight line, a random walk, "
                    "a shock, jumps, a constant or data from a CSV file",
            style=_desc(Dropdown), layout=shared_layout(width="205px"))
        self.steps_input = BoundedIntText(
            value=500, min=2, max=MAX_STEPS, description="Steps",
            style=_desc(BoundedIntText),
            tooltip="Number of steps of every path (hours, for the random shapes)",
            layout=shared_layout(width="125px"))
        # the parameter fields and the seed are made when a shape first needs them: most
        # visitors never leave the drawn path, and 13 unused fields were 39 widget models
        self.param_inputs = _LazyFields(self._make_param)
        self._seed_input: IntText | None = None
        self.shock_button = Button(
            description="shock −20 %", icon="bolt",
            tooltip="A sudden 20 % drop at the scrubbed step (the middle of the path at step "
                    "0) that persists", layout=shared_layout(width="115px"),
                    style=shared_style(Button))
        self.add_point_button = Button(
            description="+ point", tooltip="Add a control point at the scrubbed step",
            layout=LeanLayout(width="80px"), style=shared_style(Button))
        self.hint_html = HTML(
            "<span class='mw-caption'>● drag a point up or down to redraw the path</span>",
            style=shared_style(HTML))
        self.hint_html.add_class("mw-path-hint")
        self.csv_upload = FileUpload(
            accept=".csv,text/csv", multiple=False, description="CSV",
            tooltip="Load a mark path from a CSV file with a timestamp and a price column",
            layout=shared_layout(width="90px"), style=shared_style(FileUpload))
        own = x_scale is None or y_scale is None
        self.x_scale = x_scale or LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.y_scale = y_scale or LinearScale(min=0.0, max=1.0, allow_padding=False)
        sc = {"x": self.x_scale, "y": self.y_scale}
        self.control_points = Scatter(
            scales=sc, enable_move=True, restrict_y=True, update_on_move=False,
            colors=[style.CROSS], stroke="white", default_size=110, marker="circle",
            labels=["drag to draw"], display_legend=False, visible=False,
            names_unique=False, display_names=False)
        self.figure: Figure | None = None
        self.path_line: Lines | None = None
        if own:
            self.path_line = Lines(scales=sc, colors=[style.MARK], labels=["mark"])
            self.figure = Figure(
                marks=[self.path_line, self.control_points], title="Mark path",
                axes=[Axis(scale=self.x_scale, label="step", tick_format=",d"),
                      Axis(scale=self.y_scale, side="left", label="mark price",
                           tick_format=",.0f")],
                fig_margin={"top": 30, "bottom": 40, "left": 64, "right": 16},
                animation_duration=0, layout=LeanLayout(width="100%", height="220px"))
            self.figure.add_class("mw-path-figure")
        self.params_box = HBox([], layout=shared_layout(flex_flow="row wrap",
                                                        align_items="center"))
        self._row_extras: list[Any] = [self.hint_html]
        self.param_inputs.on_new = self._layout_params
        self.row = HBox([self.symbol_toggle, self.generator_dropdown, self.steps_input,
                         self.shock_button, self.add_point_button, self.csv_upload],
                        layout=shared_layout(flex_flow="row wrap", align_items="center"))
        row = self.row
        self._layout_params()
        children: list[Any] = [row, self.params_box]
        if self.figure is not None:
            children.append(self.figure)
        super().__init__(children, layout=LeanLayout(width="100%"))
        self.add_class("mw-path-editor")
        self._init_control(on_edit)
        self._points: list[list[float]] = []
        self.symbol_toggle.observe(self._on_symbol, names="value")
        self.generator_dropdown.observe(self._on_generator, names="value")
        self.steps_input.observe(self._on_steps, names="value")
        self.shock_button.on_click(lambda _b: self._emit(self._shock_edit, "shock −20 %"))
        self.add_point_button.on_click(lambda _b: self._emit(self._add_point_edit,
                                                             "control point added"))
        self.csv_upload.observe(self._on_upload, names="value")
        self.control_points.observe(self._on_drag, names=["x", "y"])

    def add_to_row(self, widget: Any) -> None:
        """Put another control at the end of the editor's second (parameters) row."""
        self._row_extras.append(widget)
        self._layout_params()

    def _layout_params(self) -> None:
        made = [self.param_inputs[n] for n in _PARAMS if n in self.param_inputs]
        seed = [self._seed_input] if self._seed_input is not None else []
        children = (*made, *seed, *self._row_extras)
        if tuple(self.params_box.children) != children:
            self.params_box.children = children

    def _make_param(self, name: str) -> FloatText:
        desc, tip, default = _PARAMS[name]
        w = FloatText(value=default, description=desc, tooltip=tip, style=_desc(FloatText),
                      step=1.0 if name in _INT_PARAMS else None, layout=LeanLayout(width="150px"))
        w.observe(self._on_param, names="value")
        return w

    @property
    def seed_input(self) -> IntText:
        """The random path's seed (made when first needed)."""
        if self._seed_input is None:
            self._seed_input = IntText(
                value=1, description="Seed", style=_desc(IntText),
                tooltip="Seed of the random path: the same seed gives the same path",
                layout=LeanLayout(width="110px"))
            self._seed_input.observe(self._on_param, names="value")
            self._layout_params()
        return self._seed_input

    @property
    def symbol(self) -> str:
        """The symbol whose path is shown and edited."""
        return str(self.symbol_toggle.value)

    # -- helpers ----------------------------------------------------------------------------
    def _current_path(self, ctx: EditContext, sym: str) -> np.ndarray:
        res = ctx.result
        if (res is not None and sym in res.marks and res.steps == ctx.scenario.steps
                and res.account.positions == ctx.scenario.positions):
            return np.asarray(res.marks[sym])
        return ctx.scenario.paths[sym].build(ctx.scenario.steps)

    def _replace_spec(self, ctx: EditContext, spec: PathSpec, steps: int | None = None
                      ) -> Scenario:
        scen = ctx.scenario
        paths = dict(scen.paths)
        if steps is not None and steps != scen.steps:
            paths = rescale_paths(paths, scen.steps, steps)
        paths[self.symbol] = spec
        return scen.replace(paths=paths, steps=steps if steps is not None else scen.steps)

    def _spec_from_fields(self, ctx: EditContext, generator: str) -> PathSpec:
        sym = self.symbol
        old = ctx.scenario.paths[sym]
        if generator == "piecewise":
            if old.generator == "piecewise":
                return old
            return PathSpec("piecewise",
                            {"points": _points_from_path(self._current_path(ctx, sym))})
        if generator == "data":
            if old.generator == "data":
                return old
            return PathSpec("data", {"prices": self._current_path(ctx, sym).tolist()})
        params: dict[str, Any] = {}
        for name in _FIELDS[generator]:
            v = float(self.param_inputs[name].value)
            if not math.isfinite(v):
                raise MarginInputError(f"{_PARAMS[name][0]} must be a number")
            params[name] = int(round(v)) if name in _INT_PARAMS else v
        seed = int(self.seed_input.value) if generator in _SEEDED else None
        return PathSpec(generator, params, seed)

    def _defaults_for(self, ctx: EditContext, generator: str) -> None:
        """Fill the parameter fields of ``generator`` from the current path."""
        path = self._current_path(ctx, self.symbol)
        T = path.shape[-1]
        d = {"price": float(path[0]), "start": float(path[0]), "end": float(path[-1]),
             "at": float(max(1, ctx.step or T // 2))}
        with self._quiet():
            for name in _FIELDS.get(generator, ()):
                if name in d:
                    _set(self.param_inputs[name], value=round(d[name], 6))

    # -- observers --------------------------------------------------------------------------
    def _on_symbol(self, change: dict[str, Any]) -> None:
        if self._showing:
            return
        if self.on_symbol is not None:
            self.on_symbol(str(change["new"]))

    def _on_generator(self, change: dict[str, Any]) -> None:
        gen = str(change["new"])

        def edit(ctx: EditContext) -> Scenario:
            self._defaults_for(ctx, gen)
            return self._replace_spec(ctx, self._spec_from_fields(ctx, gen))
        self._emit(edit, f"{self.symbol} path: {gen}")

    def _on_param(self, change: dict[str, Any]) -> None:
        gen = str(self.generator_dropdown.value)
        if gen in ("piecewise", "data"):
            return
        self._emit(lambda ctx: self._replace_spec(ctx, self._spec_from_fields(ctx, gen)))

    def _on_steps(self, change: dict[str, Any]) -> None:
        steps = int(change["new"])

        def edit(ctx: EditContext) -> Scenario:
            scen = ctx.scenario
            paths = rescale_paths(dict(scen.paths), scen.steps, steps)
            return scen.replace(paths=paths, steps=steps)
        self._emit(edit, f"{steps:,} steps")

    def _shock_edit(self, ctx: EditContext) -> Scenario:
        sym = self.symbol
        path = self._current_path(ctx, sym)
        at = ctx.step if ctx.step > 0 else path.shape[-1] // 2
        return self._replace_spec(ctx, shock_spec(ctx.scenario.paths[sym], path, at))

    def _add_point_edit(self, ctx: EditContext) -> Scenario:
        sym = self.symbol
        spec = ctx.scenario.paths[sym]
        path = self._current_path(ctx, sym)
        if spec.generator == "piecewise":
            pts = [list(p) for p in spec.params.get("points", ())]
        else:
            pts = _points_from_path(path)
        at = int(ctx.step)
        if any(int(round(x)) == at for x, _ in pts):
            raise MarginInputError(f"there is already a control point at step {at:,}; scrub "
                                   "to another step first")
        pts.append([float(at), float(path[at])])
        pts.sort()
        return self._replace_spec(ctx, PathSpec("piecewise", {"points": pts}))

    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        content = item["content"] if isinstance(item, dict) else item.content
        name = item.get("name", "CSV") if isinstance(item, dict) else "CSV"

        def edit(ctx: EditContext) -> Scenario:
            try:
                _, prices = core_paths.parse_csv_text(bytes(content), max_rows=MAX_STEPS)
            except MarginInputError as exc:
                raise MarginInputError(f"{name}: {exc}") from None
            return self._replace_spec(ctx, PathSpec("data", {"prices": prices.tolist()}),
                                      steps=int(prices.size))
        try:
            self._emit(edit, f"{self.symbol} path loaded from {name}")
        finally:
            with self._quiet():
                self.csv_upload.value = ()

    def _on_drag(self, change: dict[str, Any]) -> None:
        if self._showing:
            return
        x = np.asarray(self.control_points.x, dtype=float)
        y = np.asarray(self.control_points.y, dtype=float)
        if x.shape != y.shape or x.size == 0:
            return
        old = np.asarray(self._points, dtype=float).reshape(-1, 2)
        if old.shape[0] == x.size and np.allclose(old[:, 0], x) and np.allclose(
                old[:, 1], y, rtol=1e-6):
            return  # an echo of our own values (x and y arrive as two changes)
        pts = [[float(round(a)), float(b)] for a, b in zip(x, y, strict=True)]
        self._emit(lambda ctx: self._replace_spec(ctx, PathSpec("piecewise", {"points": pts})),
                   f"{self.symbol} path redrawn")

    # -- show -------------------------------------------------------------------------------
    def show(self, scenario: Scenario, result: Any = None) -> None:
        """Show the recipe of the selected symbol (and its points on the chart)."""
        with self._quiet():
            held = list(dict.fromkeys(p.symbol for p in scenario.positions)) or \
                list(scenario.paths)
            sym = self.symbol if self.symbol in held else (held[0] if held else "")
            _set(self.symbol_toggle, options=tuple(held), value=sym)
            _set(self.steps_input, value=int(scenario.steps))
            if not sym:
                return
            spec = scenario.paths[sym]
            _set(self.generator_dropdown, value=spec.generator)
            fields = _FIELDS.get(spec.generator, ())
            for name in _PARAMS:
                visible = name in fields
                if not visible and name not in self.param_inputs:
                    continue  # never needed so far: not made
                w = self.param_inputs[name]
                disp = None if visible else "none"
                if w.layout.display != disp:
                    w.layout.display = disp
                if visible and name in spec.params:
                    _set(w, value=float(spec.params[name]))
            seeded = spec.generator in _SEEDED
            if seeded or self._seed_input is not None:
                seed_disp = None if seeded else "none"
                if self.seed_input.layout.display != seed_disp:
                    self.seed_input.layout.display = seed_disp
                if seeded and spec.seed is not None:
                    _set(self.seed_input, value=int(spec.seed))
            add_disp = None if spec.generator == "piecewise" else "none"
            for w in (self.add_point_button, self.hint_html):
                if w.layout.display != add_disp:
                    w.layout.display = add_disp
            if spec.generator == "piecewise":
                pts = [[float(x), float(y)] for x, y in spec.params.get("points", ())]
                self._points = pts
                arr = np.asarray(pts, dtype=float).reshape(-1, 2)
                assign(self.control_points, x=arr[:, 0], y=arr[:, 1], visible=True)
            else:
                self._points = []
                assign(self.control_points, visible=False)
            if self.path_line is not None and result is not None and sym in result.marks:
                from ..core.decimate import decimate_indices

                m = np.asarray(result.marks[sym])
                idx = decimate_indices(m, 800)
                assign(self.path_line, x=idx.astype(float), y=m[idx])
                lo, hi = float(m.min()), float(m.max())
                pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
                with self.y_scale.hold_sync():
                    self.y_scale.min, self.y_scale.max = max(0.0, lo - pad), hi + pad
                with self.x_scale.hold_sync():
                    self.x_scale.min, self.x_scale.max = 0.0, float(max(1, m.size - 1))


# ---------------------------------------------------------------------------------------------


class ScenarioPicker(HBox):
    """A dropdown of :data:`core.scenario.PRESETS`; picking one loads it in ONE batch.

    Attributes
    ----------
    dropdown : Dropdown
    description_html : HTML
        The preset's one-line story.
    """

    def __init__(self, on_load: Callable[[Scenario], Any] | None = None, *,
                 show_description: bool = True) -> None:
        self.on_load = on_load
        self._showing = 0
        self.dropdown = Dropdown(
            options=[(s.title or key, key) for key, s in PRESETS.items()], value=None,
            description="Scenario", style=_desc(Dropdown),
            tooltip="Load a ready-made lesson scenario (every control changes at once)",
            layout=shared_layout(width="280px"))
        # the dashboard may place it on its own full-width line
        self.description_html = HTML(
            "", layout=LeanLayout(flex="1 1 300px") if show_description
            else LeanLayout(width="100%"), style=shared_style(HTML))
        self.description_html.add_class("mw-caption")
        children = [self.dropdown] + ([self.description_html] if show_description else [])
        super().__init__(children, layout=LeanLayout(flex_flow="row wrap", align_items="center",
                                                 flex="1 1 auto" if show_description else
                                                 "0 0 auto"))
        self.add_class("mw-scenario-picker")
        self.dropdown.observe(self._on_pick, names="value")

    @property
    def value(self) -> str | None:
        """Key of the selected preset."""
        return self.dropdown.value

    @value.setter
    def value(self, key: str | None) -> None:
        self.dropdown.value = key

    def _on_pick(self, change: dict[str, Any]) -> None:
        key = change["new"]
        if self._showing or key is None or self.on_load is None:
            return
        self.on_load(PRESETS[key])

    def show(self, scenario: Scenario, opened: Scenario | None = None) -> None:
        """Select the preset equal to ``scenario``; say "changed from" only after an edit.

        ``opened`` is what the dashboard opened (a preset, a shared link, a file): a scenario
        equal to it is not "changed", whatever its title.
        """
        self._showing += 1
        try:
            key = next((k for k, s in PRESETS.items() if s == scenario), None)
            text = scenario.description or ""
            if key is None and opened is not None and scenario != opened and opened.title:
                # edited: show no selection, so picking the preset again reloads it
                text = (f"Changed from “{opened.title}” (pick a scenario to reset). "
                        + text).strip()
            if self.dropdown.value != key:
                self.dropdown.value = key
            value = user_text(text) if text else ""
            if self.description_html.value != value:
                self.description_html.value = value
        finally:
            self._showing -= 1


class TimeScrubber(HBox):
    """A step slider, step buttons and a Play button; moving it never re-runs the engine.

    On a phone (CSS, ``max-width: 600px``) the slider takes a row of its own, full width
    (coarse: about 2 steps a pixel for 800 steps), and the −1 / +1 buttons (44 px square)
    sit under it for the exact step: a thumb cannot hit one step of 800 on a slider, a
    button can. Wider screens hide the buttons (the arrow keys move one step there). Two
    buttons, not four: every model costs bytes when a page opens (test_message_economy).

    Attributes
    ----------
    slider : IntSlider
    play : Play
    step_buttons : list of Button
        −1 and +1 step (CSS ``mw-step-button``), clipped to the path.
    """

    STEPS = (-1, 1)

    def __init__(self, on_scrub: Callable[[int], Any] | None = None, steps: int = 2) -> None:
        self.on_scrub = on_scrub
        self.play = Play(value=0, min=0, max=max(1, steps - 1), step=1, interval=50,
                         description="play", tooltip="Play the path step by step",
                         style=shared_style(Play), layout=shared_layout())
        self.slider = IntSlider(
            value=0, min=0, max=max(1, steps - 1), step=1, description="Time (step)",
            continuous_update=True, style=_desc(IntSlider),
            tooltip="Scrub through the path: charts and numbers show this step (arrow keys "
                    "move one step)", layout=shared_layout(flex="1 1 auto", width="auto"))
        self.slider.add_class("mw-time-slider")
        self._link = jslink((self.play, "value"), (self.slider, "value"))
        self.step_buttons = []
        for delta in self.STEPS:
            button = Button(description=f"{delta:+d}".replace("-", "\u2212"),
                            tooltip="One step back" if delta < 0 else "One step forward",
                            layout=shared_layout(width="auto"), style=shared_style(Button))
            button.add_class("mw-step-button")
            button.on_click(lambda _b, d=delta: self.move(d))
            self.step_buttons.append(button)
        super().__init__([self.slider, *self.step_buttons, self.play],
                         layout=LeanLayout(width="100%", align_items="center"))
        self.add_class("mw-time-scrubber")
        self.slider.observe(self._on_value, names="value")

    def _on_value(self, change: dict[str, Any]) -> None:
        if self.on_scrub is not None:
            self.on_scrub(int(change["new"]))

    @property
    def step(self) -> int:
        """The scrubbed step."""
        return int(self.slider.value)

    def move(self, delta: int) -> None:
        """Move ``delta`` steps, stopping at the first and the last step."""
        target = min(max(int(self.slider.value) + int(delta), int(self.slider.min)),
                     int(self.slider.max))
        if target != self.slider.value:
            self.slider.value = target

    def set_steps(self, steps: int) -> None:
        """Range ``0 .. steps - 1`` (the value is kept if it still fits)."""
        top = max(1, int(steps) - 1)
        value = min(int(self.slider.value), top)
        _set(self.slider, max=top, value=value)
        stride = max(1, top // 400)
        _set(self.play, max=top, step=stride, value=min(int(self.play.value), top))
