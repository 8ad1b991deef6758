"""Same position, every venue: the numbers side by side and the rule that moves each.

:func:`compare_venues` puts one isolated position (by default the margin model's example: long
1 BTC at 20,000, 50x, isolated margin 400) on every venue preset, and :class:`VenueRow` carries
each venue's numbers with one plain sentence per *rule* that moves them. Every sentence is
chosen by the venue's data, never by its key:

- ``mm_basis="entry"``: the maintenance margin is measured at the entry price (Bybit classic);
- ``close_fee_rate``: a fee folded into the maintenance rate (OKX adds its taker fee);
- ``contract="inverse"``: the position becomes contracts of
  :attr:`~margin_widgets.core.venue.Venue.inverse_contract_usd` and the margin the coin;
- the tier table: its bracket for this size, the rule ``MMR = 1 / (2 × maximum leverage)``
  when every bracket follows it (Hyperliquid), and, for a preset that keeps older tables of
  another (:attr:`~margin_widgets.core.venue.Venue.older_tables_of`), what the stale table
  changes;
- ``liquidation_fee_rate``: a liquidation fee instead of forfeiting the margin (dYdX);
- none of the rules above but the table: the textbook rule, with its formula.

With ``same_mmr`` every venue gets a one-bracket table at that rate, so only the rules differ;
at 0.5 % this reproduces the published 19,700.00 (Bybit), 19,698.49 (Binance) and 19,708.40
(OKX) of the margin model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .account import Account
from .contracts import contract_size_for, default_symbol
from .errors import MarginInputError, positive_finite
from .formatting import fmt_money, fmt_price
from .position import Position
from .tiers import RiskTiers
from .venue import Venue, venues

__all__ = ["VenueRow", "compare_venues", "why_text", "follows_half_max_leverage"]

Side = Literal["long", "short"]


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
    contract_size: float = 1.0


def _venue_for(venue: Venue, same_mmr: float | None) -> Venue:
    if same_mmr is None:
        return venue
    if isinstance(same_mmr, bool) or not (
            isinstance(same_mmr, int | float) and math.isfinite(same_mmr) and 0 <= same_mmr < 1):
        raise MarginInputError(f"the maintenance rate must be a fraction in [0, 1), "
                               f"got {same_mmr!r}")
    return venue.with_(tiers=RiskTiers.flat(same_mmr), key=venue.key)


def _resolve(item: str | Venue) -> Venue:
    return item if isinstance(item, Venue) else venues[item]


def compare_venues(
    side: Side = "long",
    quantity: float = 1.0,
    entry_price: float = 20_000.0,
    leverage: float = 50.0,
    margin: float = 400.0,
    same_mmr: float | None = 0.005,
    keys: Sequence[str | Venue] | None = None,
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
    keys : sequence of str or Venue, optional
        Venue preset keys, or venues built by hand (default: every preset).

    Examples
    --------
    >>> rows = compare_venues()
    >>> {r.key: round(r.liquidation_price, 2) for r in rows
    ...  if r.key in ("bybit_linear", "binance_usdm", "okx_linear")}
    {'binance_usdm': 19698.49, 'bybit_linear': 19700.0, 'okx_linear': 19708.4}
    """
    if side not in ("long", "short"):
        raise MarginInputError(f"side must be 'long' or 'short', got {side!r}")
    q = positive_finite(quantity, "quantity")
    ep = positive_finite(entry_price, "entry price")
    lev = positive_finite(leverage, "leverage")
    m = positive_finite(margin, "isolated margin")
    chosen = [_resolve(k) for k in (keys if keys is not None else list(venues))]
    rows = [_row(v, side, q, ep, lev, m, same_mmr) for v in chosen]
    ref = {r.key: r for r in rows}
    return [VenueRow(**{**r.__dict__, "why": why_text(r, v, ref, side, same_mmr)})
            for r, v in zip(rows, chosen, strict=True)]


def _row(venue: Venue, side: Side, q: float, ep: float, lev: float, margin: float,
         same_mmr: float | None) -> VenueRow:
    v = _venue_for(venue, same_mmr)
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
        key=venue.key or venue.name, name=v.name, contract=v.contract, mm_basis=v.mm_basis,
        fee_in_mm=float(v.close_fee_rate), mmr=float(br["mmr"]), cum=float(br["cum"]),
        bracket=int(br["bracket"]), brackets=len(tiers), maintenance_margin=mm,
        liquidation_price=lp, distance=lp / ep - 1.0 if math.isfinite(lp) else math.nan,
        currency=acct.currency, price_unit="USD" if inverse else v.quote_currency,
        margin=m, quantity=qty, symbol=sym, why="",
        warnings=tuple(warnings), contract_size=cs,
    )


def follows_half_max_leverage(tiers: RiskTiers) -> bool:
    """Whether every bracket has ``MMR = 1 / (2 × maximum leverage)`` (Hyperliquid's rule).

    A table of one bracket says nothing about a rule (0.5 % at 100x fits it by chance), so it
    takes at least two brackets.

    >>> follows_half_max_leverage(RiskTiers.from_max_leverage([(0, 40), (150e6, 20)]))
    True
    >>> follows_half_max_leverage(RiskTiers.flat(0.005, 0.0, 100))
    False
    >>> follows_half_max_leverage(RiskTiers.from_brackets([(0, 0.004, 125), (5e4, 0.006, 100)]))
    False
    """
    brackets = tiers.brackets
    return len(brackets) >= 2 and all(
        b.max_leverage is not None and math.isclose(b.mmr, 1.0 / (2.0 * b.max_leverage),
                                                    rel_tol=1e-9)
        for b in brackets)


def why_text(r: VenueRow, venue: Venue, ref: dict[str, VenueRow], side: str,
             same_mmr: float | None) -> str:
    """One plain sentence (or a few) naming the rules that move this venue's number.

    ``venue`` is the venue the row was computed for (its own tables), ``ref`` every row of the
    comparison by key (to compare a preset's older tables with the newer ones).
    """
    cur = r.currency
    parts: list[str] = []
    earlier = "sooner" if side == "long" else "later"
    if r.mm_basis == "entry":
        parts.append(
            f"Maintenance margin is measured at the entry price "
            f"({fmt_money(r.maintenance_margin, cur, venue=venue)}), not at the liquidation "
            f"price; for a {side} the entry is {'above' if side == 'long' else 'below'} the "
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
            f"{r.contract_size:,.0f} USD and the margin "
            f"{fmt_money(r.margin, cur, venue=venue)}; PnL is in {cur} and linear in "
            "1/price, so the same margin sits at a slightly different price.")
    textbook = not parts and venue.liquidation_fee_rate is None
    newer = ref.get(venue.older_tables_of) if venue.older_tables_of else None
    newer_name = venues[venue.older_tables_of].name if venue.older_tables_of in venues \
        else venue.older_tables_of
    if same_mmr is None:
        cum = f", maintenance amount {r.cum:,.2f} {cur}" if r.cum else ""
        parts.append(f"Its own table puts this position in bracket {r.bracket} of "
                     f"{r.brackets} (MMR {r.mmr:.2%}{cum}).")
        if follows_half_max_leverage(venue.tiers_for(r.symbol)):
            parts.append(f"{venue.name} sets MMR = 1 / (2 × maximum leverage).")
        if newer is not None:
            if (newer.mmr, newer.cum) == (r.mmr, r.cum):
                parts.append(f"At this size these {venue.as_of} tables and {newer_name}'s "
                             "newer ones agree; make the position larger (e.g. 20 BTC) to see "
                             "the stale table change the number.")
            else:
                parts.append(
                    f"The same venue's newer table gives bracket {newer.bracket} at MMR "
                    f"{newer.mmr:.2%} and {fmt_price(newer.liquidation_price)}: a stale "
                    "table moves the number.")
    elif venue.older_tables_of:
        parts.append(f"{venue.name}: with one MMR for every venue the tables play no part, "
                     f"so it matches {newer_name}. Choose each venue's own tier table and a "
                     "large position to see the stale table change the number.")
    if venue.liquidation_fee_rate is not None:
        parts.append(
            f"Same price rule, different loss: at liquidation it charges "
            f"{venue.liquidation_fee_rate:.1%} of the notional and the trader keeps the rest "
            "of the margin (elsewhere what is left goes to the insurance fund).")
    if textbook:
        s = "−" if side == "long" else "+"
        parts.append("The textbook rule: maintenance margin at the mark, no fee in it; "
                     f"LP = (margin + cum {s} q·EP) / (q·MMR {s} q).")
    for warn in r.warnings:
        parts.append(f"⚠ {warn[0].upper()}{warn[1:]}.")
    return " ".join(parts)
