"""One shape for every dashboard's result: :class:`DashboardResult`.

The five dashboards run different engines (one path, two modes, a calculator, every venue,
many random paths), but their ``result`` trait always holds a :class:`DashboardResult`:

- ``scenario``: the :class:`~margin_widgets.core.Scenario` that ran;
- ``kind``: which run it was (:data:`KINDS`);
- ``numbers``: the headline quantities, a tuple of :class:`Quantity` (name, value, unit,
  definition, what it is about and when, and the value written as the kit writes it);
- ``detail``: the engine's own object(s), unchanged (a ``SimulationResult``, a dict of two, a
  calculator result, a list of ``VenueRow``, a dict of ``MonteCarloResult``).

An analyst can therefore read any dashboard's headline numbers the same way
(``dash.result.numbers``, :meth:`DashboardResult.number`, :meth:`DashboardResult.table`)
without knowing which dashboard it came from, and still reach everything the engine
returned through ``detail``. For compatibility a ``DashboardResult`` also reads like its
detail: ``lab.result.equity``, ``cvi.result["cross"]``, ``len(vc.result)`` and
``for row in vc.result`` work as they did when ``result`` held the engine object itself.

Every quantity has a unit and a non-empty definition (from :mod:`~margin_widgets.core.glossary`
or :data:`TERMS` here); units are a currency (``"USDT"``, ``"BTC"``), a price
(``"USDT per BTC"``), ``"fraction"`` (0.25 is 25 %; a margin ratio of 1 is liquidation),
``"step"`` (an index of the price path) or ``"paths"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .account import Account
from .formatting import fmt_money, fmt_pct, fmt_price
from .glossary import definition as glossary_definition
from .montecarlo import MonteCarloResult
from .scenario import Scenario
from .simulation import SimulationResult
from .venue import Venue, base_asset
from .venue_compare import VenueRow

__all__ = ["DashboardResult", "Quantity", "KINDS", "TERMS", "CalculatorResult", "definition",
           "from_simulation", "from_modes", "from_position", "from_venues", "from_monte_carlo"]

KINDS = ("simulation", "cross_vs_isolated", "calculator", "venue_comparison", "monte_carlo")
"""The runs a dashboard makes: the Margin Lab, Cross vs Isolated, the liquidation calculator,
the venue comparison and the Monte Carlo explorer."""

TERMS: dict[str, str] = {
    "liquidation step": "The first step of the price path at which the position was "
                        "liquidated; NaN when it never was.",
    "liquidation probability": "Share of the random paths on which at least one position "
                               "was liquidated (0.25 = 25 % of paths).",
    "mean loss": "Initial wallet − final equity, averaged over every path (negative: a gain).",
    "loss 95th percentile": "The loss (initial wallet − final equity) that only the worst "
                            "5 % of paths exceed.",
    "paths": "Number of random price paths in the run.",
    "maintenance margin rate": "The maintenance rate of the position's bracket: maintenance "
                               "margin = notional × rate − maintenance amount.",
    "distance to liquidation": "Liquidation price ÷ entry price − 1: how far the mark can "
                               "move before liquidation (negative: below the entry).",
}
"""Definitions of the quantities the glossary does not define (one sentence each)."""


def definition(term: str) -> str:
    """The definition of ``term``: the glossary's, else :data:`TERMS`'s, else ``""``.

    >>> definition("liquidation probability").startswith("Share of the random paths")
    True
    """
    return glossary_definition(term) or TERMS.get(term.strip().lower(), "")


@dataclass(frozen=True)
class Quantity:
    """One named number of a result.

    Attributes
    ----------
    name : str
        The term (``"liquidation price"``); :func:`definition` defines it.
    value : float
        The number, in ``unit`` (NaN: none, e.g. a position never liquidated).
    unit : str
        A currency, ``"<quote> per <base>"`` for a price, ``"fraction"``, ``"step"`` or
        ``"paths"``.
    definition : str
        What the number means (never empty).
    subject : str
        What it is about: ``"position 1 (BTCUSDT long, isolated)"``, ``"account"``, ``"all
        cross"``, a venue.
    when : str
        When it holds: ``"step 0"``, ``"last step"``, ``"at entry"``, ``"at the mark"``,
        ``"over all paths"``.
    text : str
        The value as the kit writes it (``"19,700.00 USDT"``, ``"2.5 %"``).
    """

    name: str
    value: float
    unit: str
    definition: str
    subject: str = ""
    when: str = ""
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The quantity as a plain dict (one row of :meth:`DashboardResult.table`)."""
        return {"name": self.name, "subject": self.subject, "when": self.when,
                "value": self.value, "unit": self.unit, "text": self.text,
                "definition": self.definition}


def _quantity(name: str, value: Any, unit: str, subject: str, when: str, *,
              kind: str, currency: str = "", venue: Venue | None = None) -> Quantity:
    """A :class:`Quantity` with its definition and text; ``kind`` says how to write it."""
    d = definition(name)
    if not d:
        raise ValueError(f"no definition for the quantity {name!r}")
    v = float(value)
    if kind == "money":
        text = fmt_money(v, currency, venue=venue)
    elif kind == "price":
        text = fmt_price(v, venue=venue, currency=currency)
    elif kind == "fraction":
        text = fmt_pct(v)
    elif kind == "step":
        text = "never" if not math.isfinite(v) else f"step {int(v):,}"
    else:
        text = f"{v:,.0f}"
    return Quantity(name, v, unit, d, subject, when, text)


@dataclass(frozen=True, eq=False)
class DashboardResult:
    """What one dashboard run produced, in the shape every dashboard shares.

    Attributes
    ----------
    scenario : Scenario or None
        The scenario that ran.
    kind : str
        One of :data:`KINDS`.
    numbers : tuple of Quantity
        The headline quantities, each with its value, unit and definition.
    detail : object
        The engine's own result, unchanged (see the module documentation).

    Two results are equal only if they are the same object (a new run is a new result).
    """

    scenario: Scenario | None
    kind: str
    numbers: tuple[Quantity, ...]
    detail: Any

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown result kind {self.kind!r}")

    def number(self, name: str, subject: str = "", when: str = "") -> Quantity:
        """The quantity called ``name`` whose subject (and ``when``) contain the given text.

        Raises KeyError when none or more than one quantity matches.
        """
        n, s, t = name.strip().lower(), subject.strip().lower(), when.strip().lower()
        hits = [q for q in self.numbers if q.name == n and s in q.subject.lower()
                and t in q.when.lower()]
        if len(hits) != 1:
            have = sorted({f"{q.name} | {q.subject} | {q.when}" for q in self.numbers})
            raise KeyError(f"{len(hits)} quantities match {name!r} {subject!r} {when!r}; "
                           f"the result has: {'; '.join(have)}")
        return hits[0]

    def value(self, name: str, subject: str = "", when: str = "") -> float:
        """``number(name, subject, when).value``."""
        return self.number(name, subject, when).value

    def table(self) -> list[dict[str, Any]]:
        """Every quantity as a dict (``pandas.DataFrame(result.table())`` makes a table)."""
        return [q.as_dict() for q in self.numbers]

    # -- compatibility: the result reads like its detail ------------------------------------
    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr in ("scenario", "kind", "numbers", "detail"):
            raise AttributeError(attr)
        return getattr(object.__getattribute__(self, "detail"), attr)

    def __getitem__(self, key: Any) -> Any:
        return self.detail[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.detail)

    def __len__(self) -> int:
        return len(self.detail)

    def __contains__(self, item: Any) -> bool:
        return item in self.detail

    def __bool__(self) -> bool:
        return bool(self.detail) if _is_sized(self.detail) else True

    def __repr__(self) -> str:
        title = getattr(self.scenario, "title", "")
        return (f"DashboardResult(kind={self.kind!r}, scenario={title!r}, "
                f"{len(self.numbers)} numbers, detail={type(self.detail).__name__})")


def _is_sized(obj: Any) -> bool:
    return hasattr(type(obj), "__len__")


def _position_subject(i: int, p: Any) -> str:
    return f"position {i + 1} ({p.symbol} {p.side}, {p.mode})"


def _price_unit(venue: Venue, symbol: str) -> str:
    quote = "USD" if venue.contract == "inverse" else venue.quote_currency
    return f"{quote} per {base_asset(symbol)}"


def _price_currency(venue: Venue) -> str:
    return "USD" if venue.contract == "inverse" else venue.quote_currency


def _simulation_numbers(result: SimulationResult, account_subject: str) -> list[Quantity]:
    acct = result.account
    venue, cur = acct.venue, acct.currency
    out: list[Quantity] = []
    lp = np.asarray(result.liquidation_price)
    im = np.asarray(result.initial_margin)
    mm = np.asarray(result.maintenance_margin)
    la = np.asarray(result.liquidated_at)
    for i, p in enumerate(acct.positions):
        sub = _position_subject(i, p)
        out += [
            _quantity("liquidation price", lp[i, 0], _price_unit(venue, p.symbol), sub,
                      "step 0", kind="price", currency=_price_currency(venue), venue=venue),
            _quantity("initial margin", im[i, 0], cur, sub, "step 0", kind="money",
                      currency=cur, venue=venue),
            _quantity("maintenance margin", mm[i, 0], cur, sub, "step 0", kind="money",
                      currency=cur, venue=venue),
            _quantity("liquidation step", la[i] if la[i] >= 0 else math.nan, "step", sub,
                      "", kind="step"),
        ]
    wb, eq = np.asarray(result.wallet_balance), np.asarray(result.equity)
    out += [
        _quantity("wallet balance", wb[-1], cur, account_subject, "last step", kind="money",
                  currency=cur, venue=venue),
        _quantity("equity", eq[-1], cur, account_subject, "last step", kind="money",
                  currency=cur, venue=venue),
    ]
    return out


def from_simulation(scenario: Scenario | None, result: SimulationResult) -> DashboardResult:
    """The Margin Lab's run as a :class:`DashboardResult`.

    Per position its liquidation price, initial and maintenance margin at step 0 and its
    liquidation step; the account's wallet balance and equity at the last step.
    """
    return DashboardResult(scenario, "simulation",
                           tuple(_simulation_numbers(result, "account")), result)


def from_modes(scenario: Scenario | None,
               results: Mapping[str, SimulationResult]) -> DashboardResult:
    """Cross vs Isolated as a :class:`DashboardResult`.

    The numbers of :func:`from_simulation` for each mode's run; the subjects name the mode
    (``"position 1 (BTCUSDT long, isolated)"``, ``"account, all isolated"``).
    """
    numbers: list[Quantity] = []
    for mode, res in results.items():
        numbers += _simulation_numbers(res, f"account, all {mode}")
    return DashboardResult(scenario, "cross_vs_isolated", tuple(numbers), results)


@dataclass(frozen=True)
class CalculatorResult:
    """The liquidation calculator's numbers for one position, as the engine computed them.

    Margin currency and quote prices; :func:`from_position` reads it.
    """

    account: Account
    marks: dict[str, float]
    initial_margin: float
    maintenance_margin: float
    margin_ratio: float
    liquidation_price: float
    bankruptcy_price: float
    notional: float
    max_leverage: float
    currency: str
    price_unit: str
    explanation: Any
    mark_price: float = math.nan
    unrealized_pnl: float = math.nan
    margin_balance: float = math.nan
    maintenance_margin_at_mark: float = math.nan
    margin_ratio_at_mark: float = math.nan

    @property
    def distance(self) -> float:
        """Liquidation price relative to the entry, ``LP / EP - 1`` (NaN when none)."""
        ep = self.account.positions[0].entry_price
        return self.liquidation_price / ep - 1.0 if math.isfinite(self.liquidation_price) \
            else math.nan


def from_position(scenario: Scenario | None, res: CalculatorResult) -> DashboardResult:
    """The liquidation calculator's one position as a :class:`DashboardResult`.

    At entry its liquidation and bankruptcy prices, initial and maintenance margin, margin
    ratio and notional; at the mark its unrealized PnL, margin balance, maintenance margin
    and margin ratio.
    """
    acct = res.account
    venue, cur = acct.venue, acct.currency
    p = acct.positions[0]
    sub = _position_subject(0, p)
    pu, pc = _price_unit(venue, p.symbol), _price_currency(venue)
    money: dict[str, Any] = {"kind": "money", "currency": cur, "venue": venue}
    numbers = (
        _quantity("liquidation price", res.liquidation_price, pu, sub, "at entry",
                  kind="price", currency=pc, venue=venue),
        _quantity("bankruptcy price", res.bankruptcy_price, pu, sub, "at entry",
                  kind="price", currency=pc, venue=venue),
        _quantity("initial margin", res.initial_margin, cur, sub, "at entry", **money),
        _quantity("maintenance margin", res.maintenance_margin, cur, sub, "at entry", **money),
        _quantity("margin ratio", res.margin_ratio, "fraction", sub, "at entry",
                  kind="fraction"),
        _quantity("notional", res.notional, cur, sub, "at entry", **money),
        _quantity("unrealized pnl", res.unrealized_pnl, cur, sub, "at the mark", **money),
        _quantity("margin balance", res.margin_balance, cur, sub, "at the mark", **money),
        _quantity("maintenance margin", res.maintenance_margin_at_mark, cur, sub,
                  "at the mark", **money),
        _quantity("margin ratio", res.margin_ratio_at_mark, "fraction", sub, "at the mark",
                  kind="fraction"),
    )
    return DashboardResult(scenario, "calculator", numbers, res)


def from_venues(scenario: Scenario | None, rows: Sequence[VenueRow]) -> DashboardResult:
    """The venue comparison as a :class:`DashboardResult`.

    Per venue (subject ``"<name> (<key>)"``) the liquidation price of the position as
    opened, its maintenance margin at that price (where the venue measures it there), the
    maintenance margin rate of its bracket and the distance to liquidation.
    """
    numbers: list[Quantity] = []
    for r in rows:
        sub = f"{r.name} ({r.key})"
        numbers += [
            _quantity("liquidation price", r.liquidation_price,
                      f"{r.price_unit} per {base_asset(r.symbol)}", sub, "as opened",
                      kind="price", currency=r.price_unit),
            _quantity("maintenance margin", r.maintenance_margin, r.currency, sub,
                      "at the liquidation price", kind="money", currency=r.currency),
            _quantity("maintenance margin rate", r.mmr, "fraction", sub, "as opened",
                      kind="fraction"),
            _quantity("distance to liquidation", r.distance, "fraction", sub, "as opened",
                      kind="fraction"),
        ]
    return DashboardResult(scenario, "venue_comparison", tuple(numbers), list(rows))


def from_monte_carlo(scenario: Scenario | None,
                     results: Mapping[str, MonteCarloResult]) -> DashboardResult:
    """The Monte Carlo explorer's run as a :class:`DashboardResult`.

    Per mode (subject ``"all cross"`` / ``"all isolated"``) the liquidation probability,
    mean loss, 95th-percentile loss and number of paths.
    """
    numbers: list[Quantity] = []
    for mode, mc in results.items():
        sub = f"all {mode}"
        venue, cur = mc.account.venue, mc.account.currency
        loss = mc.loss
        hit = (np.asarray(mc.liquidated_at) >= 0).any(axis=0)
        numbers += [
            _quantity("liquidation probability", float(hit.mean()), "fraction", sub,
                      "over all paths", kind="fraction"),
            _quantity("mean loss", float(loss.mean()), cur, sub, "over all paths",
                      kind="money", currency=cur, venue=venue),
            _quantity("loss 95th percentile", float(np.percentile(loss, 95)), cur, sub,
                      "over all paths", kind="money", currency=cur, venue=venue),
            _quantity("paths", float(loss.size), "paths", sub, "", kind="count"),
        ]
    return DashboardResult(scenario, "monte_carlo", tuple(numbers), results)
