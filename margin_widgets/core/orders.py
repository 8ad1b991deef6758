"""Can this position be opened? The two refusals every exchange applies at order time.

An exchange checks an order before it fills it; a position it refuses has no liquidation
price, and a calculator that prints one anyway misleads. The kit applies the two checks the
venues document (Binance USDⓈ-M "Initial margin", "Leverage and margin" FAQ; Bybit "Order
cost"; the same rule on every venue that sells leverage):

1. **Initial margin larger than the available balance.** Opening needs the initial margin
   (notional ÷ leverage, at the entry price). In cross it comes from the cross wallet's
   available balance: ``Σ cross IM ≤ cross wallet``. In isolated it is moved into the
   position: ``Σ isolated margins ≤ wallet`` (``Account`` itself refuses more).
2. **Liquidated on opening.** A pool whose maintenance margin at entry already reaches its
   margin balance (margin ratio ≥ 100 %) would be liquidated by the first mark.

Opening fees are left out of the first check (the kit shows them on the path); the checks
use each position's entry price as its mark.

Examples
--------
>>> from margin_widgets.core import Account, Position
>>> acct = Account("binance_usdm", 1_000, [Position("BTCUSDT", "long", 1, 60_000, 10)])
>>> opening_refusal(acct).reason
'initial margin larger than the available balance'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .account import Account
from .errors import MarginInputError
from .formatting import fmt_money

__all__ = ["OrderRefused", "Refusal", "opening_refusal", "check_opening", "mode_needs",
           "mode_refusals", "check_both_modes",
           "IM_TOO_LARGE", "LIQUIDATED_ON_OPENING"]

IM_TOO_LARGE = "initial margin larger than the available balance"
LIQUIDATED_ON_OPENING = "liquidated on opening"

_REL = 1e-12


@dataclass(frozen=True)
class Refusal:
    """Why an exchange would refuse the order, with the two amounts compared."""

    reason: str
    needed: float
    available: float
    message: str


class OrderRefused(MarginInputError):
    """The order cannot exist: an exchange refuses it (``.refusal`` says why)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _money(v: float, cur: str) -> str:
    return fmt_money(v, cur)


def _entry_marks(account: Account) -> dict[str, float]:
    marks: dict[str, float] = {}
    for p in account.positions:
        marks.setdefault(p.symbol, p.entry_price)
    return marks


def mode_needs(account: Account) -> dict[str, float]:
    """Initial margin needed to open every position in each mode, at the entry prices.

    ``{"cross": Σ IM, "isolated": Σ isolated margins}`` where an isolated margin is the one
    the account gives, or the initial margin.
    """
    book = account.book
    im = np.array([book.im_entry(i) for i in range(len(account.positions))], dtype=float)
    iso = np.array([p.isolated_margin if (p.mode == "isolated" and p.isolated_margin
                                          is not None) else im[i]
                    for i, p in enumerate(account.positions)], dtype=float)
    return {"cross": float(im.sum()), "isolated": float(iso.sum())}


def opening_refusal(account: Account) -> Refusal | None:
    """The first reason an exchange refuses to open ``account``'s positions, or None.

    Notes
    -----
    Check 1: ``Σ_{cross} IM_i ≤ W − Σ_{isolated} m_i`` (relative tolerance 1e-12).
    Check 2: for every pool, ``MM ≥ margin balance`` at the entry marks.
    """
    cur = account.currency
    book = account.book
    marks = _entry_marks(account)
    cross_im = sum(book.im_entry(i) for i in account.cross_indices)
    cw = account.cross_wallet
    if cross_im > cw * (1 + _REL) and account.cross_indices:
        return Refusal(IM_TOO_LARGE, cross_im, cw,
                       f"Refused: {IM_TOO_LARGE}. The cross position"
                       f"{'s need' if len(account.cross_indices) > 1 else ' needs'} "
                       f"{_money(cross_im, cur)} of initial margin; the cross wallet "
                       f"available is {_money(cw, cur)}.")
    for pool in account.pools(marks):
        if pool.positions and pool.maintenance_margin >= pool.margin_balance:
            who = ("the cross pool" if pool.name == "cross"
                   else f"position #{pool.positions[0] + 1} (isolated)")
            return Refusal(LIQUIDATED_ON_OPENING, pool.maintenance_margin,
                           pool.margin_balance,
                           f"Refused: {LIQUIDATED_ON_OPENING}. At entry {who} needs "
                           f"{_money(pool.maintenance_margin, cur)} of maintenance margin "
                           f"and holds {_money(pool.margin_balance, cur)}.")
    return None


def check_opening(account: Account) -> Account:
    """Return ``account`` if an exchange would open it, else raise :class:`OrderRefused`."""
    r = opening_refusal(account)
    if r is not None:
        raise OrderRefused(r)
    return account


def mode_refusals(account: Account) -> dict[str, Refusal | None]:
    """:func:`opening_refusal` of the account with every position cross, and isolated.

    The isolated account holds each position's initial margin (or its own isolated margin);
    when those add up to more than the wallet, ``Account`` cannot even be built, and the
    refusal says so with the two amounts.
    """
    cur = account.currency
    needs = mode_needs(account)
    w = float(account.wallet_balance)
    out: dict[str, Refusal | None] = {}
    for mode in ("cross", "isolated"):
        if needs[mode] > w * (1 + _REL):
            out[mode] = Refusal(IM_TOO_LARGE, needs[mode], w,
                                f"{mode} needs {_money(needs[mode], cur)} of initial margin; "
                                f"the wallet is {_money(w, cur)}")
            continue
        r = opening_refusal(account.with_mode(mode))
        out[mode] = None if r is None else Refusal(
            r.reason, r.needed, r.available,
            f"{mode} is {r.reason} (maintenance margin {_money(r.needed, cur)}, margin "
            f"balance {_money(r.available, cur)})")
    return out


def check_both_modes(account: Account) -> Account:
    """Raise :class:`OrderRefused` naming what each refused mode needs, else ``account``.

    >>> from margin_widgets.core import Account, Position
    >>> acct = Account("binance_usdm", 1_000, [Position("BTCUSDT", "long", 1, 60_000, 10)])
    >>> check_both_modes(acct)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    margin_widgets.core.orders.OrderRefused: Refused for both columns: cross needs ...
    """
    refused = {m: r for m, r in mode_refusals(account).items() if r is not None}
    if not refused:
        return account
    which = "both columns" if len(refused) == 2 else f"the {next(iter(refused))} column"
    first = next(iter(refused.values()))
    msg = (f"Refused for {which}: " + "; ".join(r.message for r in refused.values())
           + ". An exchange would not open these positions: raise the wallet, or lower the "
             "size or the leverage.")
    raise OrderRefused(Refusal(first.reason, first.needed, first.available, msg))
