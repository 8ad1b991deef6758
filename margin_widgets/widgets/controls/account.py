"""Venue, wallet, fees and funding: the account controls."""

from __future__ import annotations

import math
from typing import Any

from ipywidgets import HTML, BoundedFloatText, BoundedIntText, Checkbox, Dropdown, FloatText, HBox

from ...charts.shared import LeanLayout, shared_layout, shared_style
from ...core.errors import MarginInputError
from ...core.scenario import MAX_STEPS, Scenario
from ...core.venue import Venue, venues
from ..base import EditContext, definition
from ..markup import esc
from ._common import OnEdit, _Control, _desc, _set


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
        self.funding_unit = HTML("steps", layout=shared_layout(width="44px"),
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
        key = change["new"]                 # a preset key, or a hand-built Venue
        name = key.name if isinstance(key, Venue) else venues[key].name
        self._emit(lambda ctx: ctx.scenario.replace(venue=key), f"venue: {name}")

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
            venue = scenario.venue_rules
            options: list[tuple[str, Any]] = [(v.name, k) for k, v in venues.items()]
            if isinstance(scenario.venue, Venue):   # a hand-built venue is an option too
                options.insert(0, (f"{venue.name} (hand-built)", scenario.venue))
            _set(self.venue_dropdown, options=options, value=scenario.venue)
            _set(self.wallet_input, value=float(scenario.wallet_balance))
            self.currency_label.value = esc(venue.currency(sym))
            _set(self.fees_checkbox, value=bool(scenario.fees))
            _set(self.funding_rate_input, value=round(scenario.funding_rate * 100.0, 10))
            _set(self.funding_interval_input, value=int(scenario.funding_every or 0))
