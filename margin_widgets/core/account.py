"""Accounts: a wallet, positions and the pools that back them.

A wallet holds the trader's money (deposits + realized PnL - fees +/- funding); it does not
include unrealized PnL. Each *isolated* position carves its own isolated margin out of the
wallet; what is left is the *cross wallet*, shared by every cross position. A pool's margin
balance is its wallet plus the uPnL of its positions; it is liquidated when the margin balance
falls to its maintenance requirement (margin ratio = MM / margin balance reaches 100 %).

Examples
--------
The margin model's reference case: cross, wallet 10,000 USDT, long 1 BTC at 60,000, MMR 0.4 %.

>>> from margin_widgets.core import Account, Position, RiskTiers, Venue
>>> venue = Venue("demo", tiers=RiskTiers.flat(0.004))
>>> acct = Account(venue, 10_000, [Position("BTCUSDT", "long", 1, 60_000, leverage=10)])
>>> round(acct.margin_ratio({"BTCUSDT": 58_000}), 4)
0.029
>>> round(acct.liquidation_price(0, {"BTCUSDT": 58_000}), 2)
50200.8
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .book import Book
from .errors import MAX_AMOUNT, MAX_PRICE, MarginInputError, UnknownNameError, positive_finite
from .position import Position
from .venue import Venue, venues

__all__ = ["Account", "PoolState"]

Marks = Mapping[str, float]


@dataclass(frozen=True)
class PoolState:
    """A margin pool at given marks.

    Attributes
    ----------
    name : str
        ``"cross"`` or ``"isolated #i"``.
    positions : tuple of int
        Indices of the positions the pool backs.
    wallet : float
        The pool's wallet (cross wallet, or the isolated margin).
    unrealized_pnl, maintenance_margin, initial_margin : float
        Sums over the pool's positions.
    margin_balance : float
        ``wallet + unrealized_pnl``.
    margin_ratio : float
        ``maintenance_margin / margin_balance`` (``inf`` when the balance is not positive and
        something is owed).
    """

    name: str
    positions: tuple[int, ...]
    wallet: float
    unrealized_pnl: float
    maintenance_margin: float
    initial_margin: float
    margin_balance: float
    margin_ratio: float


def ratio(mm: Any, balance: Any) -> Any:
    """Margin ratio ``mm / balance``; ``inf`` when the balance is <= 0 and ``mm > 0``.

    >>> float(ratio(240.0, 10_000.0))
    0.024
    >>> float(ratio(1.0, 0.0)), float(ratio(0.0, 0.0))
    (inf, 0.0)
    """
    mm = np.asarray(mm, dtype=float)
    bal = np.asarray(balance, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(bal > 0, mm / np.where(bal > 0, bal, 1.0), np.where(mm > 0, np.inf, 0.0))
    return r if r.ndim else float(r)


class Account:
    """A wallet and its positions on one venue.

    Parameters
    ----------
    venue : Venue or str
        The venue's rules, or a preset key (``"binance_usdm"``).
    wallet_balance : float
        The whole wallet (margin currency); isolated margins are carved out of it.
    positions : iterable of Position
        Open positions, in the order results are reported.

    Raises
    ------
    MarginInputError
        For a non-positive wallet, a leverage above the bracket's maximum, a symbol the venue
        has no table for, or isolated margins larger than the wallet.
    """

    def __init__(
        self, venue: Venue | str, wallet_balance: float, positions: Iterable[Position] = ()
    ) -> None:
        if isinstance(venue, str):
            venue = venues[venue]
        if not isinstance(venue, Venue):
            raise MarginInputError("venue must be a Venue or a preset key such as 'binance_usdm'")
        self.venue = venue
        self.wallet_balance = positive_finite(wallet_balance, "wallet balance", MAX_AMOUNT)
        if isinstance(positions, str | bytes | Mapping | Position) or not isinstance(
                positions, Iterable):
            raise MarginInputError("positions must be a list of Position objects")
        pos = tuple(positions)
        for p in pos:
            if not isinstance(p, Position):
                raise MarginInputError(f"positions must be Position objects, got {p!r}")
        self.positions = pos
        book = Book(venue, pos)  # raises for unknown symbols
        for i, p in enumerate(pos):
            max_lev = float(book.tiers[i].max_leverage(book.notional_entry[i]))
            if p.leverage > max_lev * (1 + 1e-12):
                raise MarginInputError(
                    f"leverage {p.leverage:g}x is above {venue.name}'s maximum of {max_lev:g}x "
                    f"for a {p.symbol} position of {book.notional_entry[i]:,.2f} "
                    f"{venue.currency(p.symbol)} (position #{i + 1})"
                )
        iso = np.array(
            [
                (p.isolated_margin if p.isolated_margin is not None else book.im_entry(i))
                if p.mode == "isolated" else 0.0
                for i, p in enumerate(pos)
            ],
            dtype=float,
        ).reshape(len(pos))
        if iso.sum() > self.wallet_balance * (1 + 1e-12):
            raise MarginInputError(
                f"isolated margins add up to {iso.sum():,.2f}, more than the wallet of "
                f"{self.wallet_balance:,.2f} {self.currency}"
            )
        iso.setflags(write=False)
        self._iso = iso
        self.book = book

    # -- identity ---------------------------------------------------------------------------
    @property
    def currency(self) -> str:
        """Margin currency (USDT, USDC, or the coin for inverse contracts)."""
        sym = self.positions[0].symbol if self.positions else "BTCUSD"
        return self.venue.currency(sym)

    def __repr__(self) -> str:
        body = "; ".join(p.describe() for p in self.positions) or "no positions"
        return (f"Account({self.venue.name}, wallet {self.wallet_balance:,.2f} "
                f"{self.currency}: {body})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Account):
            return NotImplemented
        return (self.venue is other.venue and self.wallet_balance == other.wallet_balance
                and self.positions == other.positions)

    __hash__ = None  # type: ignore[assignment]

    # -- building new accounts --------------------------------------------------------------
    def replace(
        self,
        *,
        venue: Venue | str | None = None,
        wallet_balance: float | None = None,
        positions: Iterable[Position] | None = None,
    ) -> Account:
        """A new account with some parts changed (validated again)."""
        return Account(
            self.venue if venue is None else venue,
            self.wallet_balance if wallet_balance is None else wallet_balance,
            self.positions if positions is None else positions,
        )

    def with_mode(self, mode: str, allocation: Sequence[float] | None = None) -> Account:
        """Every position in ``mode``; isolated margins from ``allocation`` or initial margin.

        Parameters
        ----------
        mode : {"cross", "isolated"}
        allocation : sequence of float, optional
            Isolated margin per position (only for ``"isolated"``).
        """
        if mode not in ("cross", "isolated"):
            raise MarginInputError(f"mode must be 'cross' or 'isolated', got {mode!r}")
        if allocation is not None:
            if isinstance(allocation, str | bytes | Mapping) or not isinstance(allocation,
                                                                              Iterable):
                raise MarginInputError("allocation must be one isolated margin per position")
            allocation = [positive_finite(a, f"isolated margin of position #{k + 1}", MAX_AMOUNT)
                          for k, a in enumerate(allocation)]
            if len(allocation) != len(self.positions):
                raise MarginInputError("give one isolated margin per position")
        new = []
        for i, p in enumerate(self.positions):
            if mode == "cross":
                new.append(p.with_(mode="cross", isolated_margin=None, auto_add_margin=False))
            else:
                m = allocation[i] if allocation is not None else (
                    self._iso[i] if p.mode == "isolated" else self.book.im_entry(i))
                new.append(p.with_(mode="isolated", isolated_margin=float(m)))
        return self.replace(positions=new)

    # -- per position -----------------------------------------------------------------------
    def _x(self, marks: Marks) -> np.ndarray:
        if not isinstance(marks, Mapping):
            raise MarginInputError("marks must map each symbol to its mark price")
        out = np.empty(self.book.n)
        for i, p in enumerate(self.positions):
            if p.symbol not in marks:
                raise UnknownNameError(f"no mark price given for {p.symbol}")
            out[i] = self.book.x(positive_finite(marks[p.symbol], f"mark price of {p.symbol}",
                                                 MAX_PRICE))
        return out

    def notional(self, marks: Marks) -> np.ndarray:
        """Notional per position at the marks (quote currency; coin for inverse)."""
        x = self._x(marks)
        return np.array([self.book.notional(i, x[i]) for i in range(self.book.n)], dtype=float)

    def unrealized_pnl(self, marks: Marks) -> np.ndarray:
        """Unrealized PnL per position (margin currency)."""
        x = self._x(marks)
        return np.array([self.book.upnl(i, x[i]) for i in range(self.book.n)], dtype=float)

    def maintenance_margin(self, marks: Marks) -> np.ndarray:
        """Maintenance margin per position (at the mark, or at entry on an entry-basis venue)."""
        x = self._x(marks)
        return np.array([self.book.mm(i, x[i]) for i in range(self.book.n)], dtype=float)

    def initial_margin(self, marks: Marks) -> np.ndarray:
        """Initial margin per position at the marks (``notional / leverage``)."""
        x = self._x(marks)
        return np.array([self.book.im(i, x[i]) for i in range(self.book.n)], dtype=float)

    @property
    def isolated_margins(self) -> np.ndarray:
        """Isolated margin per position (0 for cross positions)."""
        return self._iso

    @property
    def cross_wallet(self) -> float:
        """Wallet balance minus every isolated margin."""
        return float(self.wallet_balance - self._iso.sum())

    @cached_property
    def cross_indices(self) -> tuple[int, ...]:
        """Indices of the cross positions."""
        return tuple(i for i, p in enumerate(self.positions) if p.mode == "cross")

    # -- pools ------------------------------------------------------------------------------
    def pools(self, marks: Marks) -> list[PoolState]:
        """The cross pool first, then one pool per isolated position."""
        upnl = self.unrealized_pnl(marks)
        mm = self.maintenance_margin(marks)
        im = self.initial_margin(marks)
        out = []
        c = self.cross_indices
        w = self.cross_wallet
        u, m = float(upnl[list(c)].sum()), float(mm[list(c)].sum())
        out.append(PoolState("cross", c, w, u, m, float(im[list(c)].sum()), w + u,
                             ratio(m, w + u)))
        for i, p in enumerate(self.positions):
            if p.mode == "isolated":
                w = float(self._iso[i])
                out.append(PoolState(f"isolated #{i + 1}", (i,), w, float(upnl[i]),
                                     float(mm[i]), float(im[i]), w + float(upnl[i]),
                                     ratio(mm[i], w + upnl[i])))
        return out

    def pool_of(self, i: int, marks: Marks) -> PoolState:
        """The pool that backs position ``i``."""
        self._check_index(i)
        for pool in self.pools(marks):
            if i in pool.positions:
                return pool
        raise AssertionError("every position belongs to a pool")

    def margin_balance(self, marks: Marks) -> float:
        """Cross pool margin balance: cross wallet + uPnL of cross positions."""
        return self.pools(marks)[0].margin_balance

    def margin_ratio(self, marks: Marks) -> float:
        """Cross pool margin ratio, maintenance margin / margin balance (1.0 = liquidation).

        >>> from margin_widgets.core import Account, Position, RiskTiers, Venue
        >>> a = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
        ...             [Position("BTCUSDT", "long", 1, 60_000)])
        >>> [round(a.margin_ratio({"BTCUSDT": p}), 3) for p in (60_000, 55_000, 52_000)]
        [0.024, 0.044, 0.104]
        """
        return self.pools(marks)[0].margin_ratio

    def equity(self, marks: Marks) -> float:
        """Wallet balance + uPnL of every open position."""
        return float(self.wallet_balance + self.unrealized_pnl(marks).sum())

    def available_balance(self, marks: Marks) -> float:
        """Cross margin balance minus cross initial margin (never below 0)."""
        pool = self.pools(marks)[0]
        return max(0.0, pool.margin_balance - pool.initial_margin)

    # -- liquidation and bankruptcy ---------------------------------------------------------
    def _check_index(self, i: int) -> None:
        if (isinstance(i, bool) or not isinstance(i, int | np.integer)
                or not 0 <= i < len(self.positions)):
            raise MarginInputError(
                f"position index {i!r} is out of range (the account has "
                f"{len(self.positions)} positions)"
            )

    def _legs_and_k(self, i: int, x: np.ndarray, with_mm: bool) -> tuple[tuple[int, ...], float]:
        book = self.book
        p = self.positions[i]
        if p.mode == "isolated":
            return (i,), float(self._iso[i])
        legs = tuple(j for j in self.cross_indices if self.positions[j].symbol == p.symbol)
        k = self.cross_wallet
        for j in self.cross_indices:
            if j not in legs:
                k += float(book.upnl(j, x[j]))
                if with_mm:
                    k -= float(book.mm(j, x[j]))
        return legs, k

    def liquidation_price(self, i: int, marks: Marks) -> float:
        """Mark of position ``i``'s symbol at which its pool reaches its requirement.

        Cross prices are conditional: every other symbol stays at its current mark, and all
        cross positions on the same symbol share the price. NaN where no price liquidates.

        Notes
        -----
        Solves ``margin_balance(P) = maintenance(P)`` bracket by bracket in closed form
        (for one linear position at the mark:
        ``LP = (WB - TMM1 + UPNL1 + cum - s q EP) / (q mmr - s q)``); where several prices
        solve it (hedged legs), the one nearest the current mark is returned.
        """
        self._check_index(i)
        x = self._x(marks)
        legs, k = self._legs_and_k(i, x, True)
        price, _ = self.book.solve(legs, k, marks[self.positions[i].symbol])
        return float(price)

    def liquidation_prices(self, marks: Marks) -> np.ndarray:
        """:meth:`liquidation_price` for every position."""
        return np.array([self.liquidation_price(i, marks) for i in range(len(self.positions))])

    def bankruptcy_price(self, i: int, marks: Marks) -> float:
        """Mark of position ``i``'s symbol at which its pool's margin balance is zero."""
        self._check_index(i)
        x = self._x(marks)
        legs, k = self._legs_and_k(i, x, False)
        price, _ = self.book.solve(legs, k, marks[self.positions[i].symbol], with_mm=False)
        return float(price)

    # -- margin transfers -------------------------------------------------------------------
    def max_addable_margin(self, i: int, marks: Marks) -> float:
        """Most that can be moved from the cross wallet to isolated position ``i``."""
        self._require_isolated(i)
        return min(self.available_balance(marks), self.cross_wallet)

    def max_removable_margin(self, i: int, marks: Marks) -> float:
        """Most that can be taken out of isolated position ``i`` (Binance's rule).

        Notes
        -----
        ``max(0, min(isolated margin - MM, isolated margin + uPnL - IM at the mark))``.
        """
        self._require_isolated(i)
        m = float(self._iso[i])
        x = self._x(marks)
        mm = float(self.book.mm(i, x[i]))
        upnl = float(self.book.upnl(i, x[i]))
        im = float(self.book.im(i, x[i]))
        return max(0.0, min(m - mm, m + upnl - im))

    def _require_isolated(self, i: int) -> None:
        self._check_index(i)
        if self.positions[i].mode != "isolated":
            raise MarginInputError(
                f"position #{i + 1} ({self.positions[i].symbol}) is in cross mode: only an "
                "isolated position has its own margin to add to or remove from"
            )

    def transfer(self, i: int, amount: float, marks: Marks) -> Account:
        """Move ``amount`` from the cross wallet into isolated position ``i`` (negative: out).

        Returns a new account; refuses (raises) a transfer above the limit or one that would
        leave a pool at or past its liquidation point.
        """
        self._require_isolated(i)
        amount = -positive_finite(-amount, "the amount to move") if (
            not isinstance(amount, bool) and isinstance(amount, int | float | np.number)
            and amount < 0) else positive_finite(amount, "the amount to move")
        if not math.isfinite(amount) or amount == 0:
            raise MarginInputError("the amount to move must be a non-zero number")
        cur = self.currency
        if amount > 0:
            limit = self.max_addable_margin(i, marks)
            if amount > limit + 1e-9:
                raise MarginInputError(
                    f"cannot add {amount:,.2f} {cur}: at most {limit:,.2f} {cur} is available "
                    "(cross margin balance minus the initial margin of cross positions)"
                )
        else:
            limit = self.max_removable_margin(i, marks)
            if -amount > limit + 1e-9:
                raise MarginInputError(
                    f"cannot remove {-amount:,.2f} {cur}: at most {limit:,.2f} {cur} can leave "
                    "this position (it must keep its maintenance margin and its initial margin "
                    "after losses)"
                )
        new_pos = list(self.positions)
        new_pos[i] = new_pos[i].with_(isolated_margin=float(self._iso[i]) + amount)
        new = self.replace(positions=new_pos)
        for pool in new.pools(marks):
            if pool.positions and pool.margin_ratio >= 1.0:
                raise MarginInputError(
                    f"refused: after moving {abs(amount):,.2f} {cur} the {pool.name} pool would "
                    f"be at a margin ratio of {pool.margin_ratio:.1%} and be liquidated at once"
                )
        return new

    def add_margin(self, i: int, amount: float, marks: Marks) -> Account:
        """Add ``amount`` to isolated position ``i`` from the cross wallet."""
        amount = positive_finite(amount, "the margin to add")
        return self.transfer(i, amount, marks)

    def remove_margin(self, i: int, amount: float, marks: Marks) -> Account:
        """Take ``amount`` out of isolated position ``i`` back to the cross wallet."""
        amount = positive_finite(amount, "the margin to remove")
        return self.transfer(i, -amount, marks)

    # -- explanations -----------------------------------------------------------------------
    def explain(self, i: int, marks: Marks) -> Any:
        """Structured explanation of position ``i``'s liquidation price (see ``explain``)."""
        from .explain import explain_liquidation

        return explain_liquidation(self, i, marks)

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data: venue key (or its rules), wallet and positions."""
        return {
            "venue": self.venue.key or self.venue.name,
            "wallet_balance": self.wallet_balance,
            "positions": [p.to_dict() for p in self.positions],
        }
