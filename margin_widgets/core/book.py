"""The vectorised kernel behind :class:`~margin_widgets.core.account.Account` and the simulator.

A *book* is an account reduced to arrays, one entry per position, so that every quantity can be
evaluated for scalar marks (the account), for one path of marks (``simulate``) or for thousands
of paths (``monte_carlo``) with the same code.

Linear and inverse contracts share one form. Write ``x = P`` (linear) or ``x = 1/P``
(inverse), ``u = quantity * contract_size`` and ``sigma = s`` (linear) or ``-s`` (inverse). Then

    notional = u x,   uPnL = sigma u (x - x_E),   MM = u x (mmr_b + fee) - cum_b,

so inside one bracket the margin balance minus the maintenance requirement of a pool is
*linear in x*: the liquidation price has a closed form per bracket (section 3 of the margin
model).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .position import Position
from .tiers import RiskTiers
from .venue import Venue

__all__ = ["Book", "Segment"]


@dataclass(frozen=True)
class Segment:
    """A range of ``x`` in which every leg stays in one bracket; there ``g(x) = A x + B0 + K``.

    ``g`` is the pool's margin balance minus its maintenance requirement, ``K`` the part that
    does not depend on this symbol's price.
    """

    lo: float
    hi: float
    A: float
    B0: float
    brackets: tuple[int, ...]


class Book:
    """Positions of an account as arrays (see the module docstring for the notation)."""

    def __init__(self, venue: Venue, positions: tuple[Position, ...]) -> None:
        self.venue = venue
        self.positions = positions
        self.inverse = venue.contract == "inverse"
        self.entry_basis = venue.mm_basis == "entry"
        self.extra = float(venue.close_fee_rate)
        n = len(positions)
        self.n = n
        self.symbols_of = [p.symbol for p in positions]
        self.symbols: list[str] = list(dict.fromkeys(self.symbols_of))
        self.sym_index = np.array([self.symbols.index(s) for s in self.symbols_of], dtype=int)
        self.s = np.array([p.sign for p in positions], dtype=float)
        self.u = np.array([p.quantity * p.contract_size for p in positions], dtype=float)
        self.lev = np.array([p.leverage for p in positions], dtype=float)
        self.sigma = -self.s if self.inverse else self.s.copy()
        self.xE = self.x(np.array([p.entry_price for p in positions], dtype=float))
        self.isolated = np.array([p.mode == "isolated" for p in positions], dtype=bool)
        self.tiers: list[RiskTiers] = [venue.tiers_for(p.symbol) for p in positions]
        self.notional_entry = self.u * self.xE
        self.mm_entry = np.array(
            [t.maintenance_margin(ne, self.extra) for t, ne in
             zip(self.tiers, self.notional_entry, strict=True)], dtype=float
        ).reshape(n)

    # -- elementary quantities (vectorised: x has any shape) --------------------------------
    def x(self, price: Any) -> Any:
        """Price to the variable in which PnL is linear (``P`` or ``1/P``)."""
        p = np.asarray(price, dtype=float)
        return 1.0 / p if self.inverse else p

    def price(self, x: Any) -> Any:
        """Inverse of :meth:`x`."""
        return self.x(x)

    def upnl(self, i: int, x: Any) -> Any:
        """Unrealized PnL of position ``i`` (margin currency)."""
        return self.sigma[i] * self.u[i] * (np.asarray(x) - self.xE[i])

    def notional(self, i: int, x: Any) -> Any:
        """Notional of position ``i`` at ``x`` (quote currency, or coin for inverse)."""
        return self.u[i] * np.asarray(x)

    def mm(self, i: int, x: Any) -> Any:
        """Maintenance margin of position ``i`` (fee folded in where the venue does so)."""
        if self.entry_basis:
            return np.broadcast_to(self.mm_entry[i], np.shape(x)).astype(float)
        return self.tiers[i].maintenance_margin(self.u[i] * np.asarray(x, dtype=float),
                                                self.extra)

    def im(self, i: int, x: Any) -> Any:
        """Initial margin of position ``i`` at the mark (``notional / leverage``)."""
        basis = self.xE[i] if self.entry_basis else np.asarray(x)
        return np.broadcast_to(self.u[i] * basis / self.lev[i], np.shape(x)).astype(float)

    def im_entry(self, i: int) -> float:
        """Initial margin of position ``i`` at its entry price."""
        return float(self.u[i] * self.xE[i] / self.lev[i])

    # -- closed-form liquidation solver -------------------------------------------------------
    @cached_property
    def _segment_cache(self) -> dict[Any, Any]:
        return {}

    def segments(self, legs: tuple[int, ...], with_mm: bool = True) -> list[Segment]:
        """Piecewise-linear description of ``g(x) - K`` over ``x > 0`` for ``legs``.

        Breakpoints are where a leg's notional crosses a bracket floor (mark basis only).
        """
        key = (legs, with_mm)
        cache = self._segment_cache
        if key in cache:
            return cache[key]
        bps: set[float] = set()
        if with_mm and not self.entry_basis:
            for j in legs:
                for f in self.tiers[j].floors[1:]:
                    bps.add(float(f) / self.u[j])
        edges = [0.0, *sorted(bps), np.inf]
        a_lin = float(sum(self.sigma[j] * self.u[j] for j in legs))
        b_lin = float(-sum(self.sigma[j] * self.u[j] * self.xE[j] for j in legs))
        segs = []
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            A, B0 = a_lin, b_lin
            brackets: list[int] = []
            if with_mm:
                probe = 0.5 * (lo + hi) if np.isfinite(hi) else 2.0 * lo + 1.0
                for j in legs:
                    t = self.tiers[j]
                    if self.entry_basis:
                        B0 -= float(self.mm_entry[j])
                        brackets.append(int(t.bracket_index(self.notional_entry[j])))
                    else:
                        b = int(t.bracket_index(self.u[j] * probe))
                        A -= float(self.u[j] * (t.mmrs[b] + self.extra))
                        B0 += float(t.cums[b])
                        brackets.append(b)
            segs.append(Segment(lo, hi, A, B0, tuple(brackets)))
        cache[key] = segs
        return segs

    def _segment_arrays(
        self, legs: tuple[int, ...], with_mm: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        key = ("arrays", legs, with_mm)
        cache = self._segment_cache
        if key not in cache:
            if len(legs) == 1 and with_mm and not self.entry_basis:
                # one leg at the mark: segment b is exactly bracket b (the common case, fast)
                j = legs[0]
                t, u = self.tiers[j], float(self.u[j])
                su = float(self.sigma[j]) * u
                A = su - u * (t.mmrs + self.extra)
                B0 = -su * float(self.xE[j]) + t.cums
                lo = t.floors / u
                hi = np.append(t.floors[1:] / u, np.inf)
                cache[key] = (A, B0, lo, hi)
            else:
                segs = self.segments(legs, with_mm)
                cache[key] = tuple(np.array([getattr(g, f) for g in segs], dtype=float)
                                   for f in ("A", "B0", "lo", "hi"))
        return cache[key]

    @staticmethod
    def _reachable(
        A: np.ndarray, B0: np.ndarray, lo: np.ndarray, hi: np.ndarray, K: np.ndarray
    ) -> np.ndarray:
        """Segments in which some value of ``K`` (within its range) puts a root."""
        kmin, kmax = float(np.min(K)), float(np.max(K))
        with np.errstate(divide="ignore", invalid="ignore"):
            r1, r2 = -(kmin + B0) / A, -(kmax + B0) / A
        rlo, rhi = np.minimum(r1, r2), np.maximum(r1, r2)
        return np.flatnonzero((A != 0) & (rhi >= lo * (1 - 1e-12))
                              & (rlo <= hi * (1 + 1e-12)) & (rhi > 0))

    def _monotone(self, legs: tuple[int, ...]) -> bool:
        """All legs on one side: every segment's slope has that side's sign, one root."""
        return len({float(np.sign(self.sigma[j])) for j in legs}) == 1

    def _solve_monotone(
        self, A: np.ndarray, B0: np.ndarray, lo: np.ndarray, hi: np.ndarray,
        K: np.ndarray, mark: np.ndarray, shape: tuple[int, ...],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Start in the segment of the mark, solve, move to the root's segment; repeat.

        ``g`` is monotone and piecewise linear, so each step lands closer to the one root and
        the loop ends after at most as many steps as there are segments (usually one or two).
        """
        Kb = np.broadcast_to(K, shape)
        xm = np.broadcast_to(self.x(mark), shape)
        n_seg = len(A)
        seg = np.clip(np.searchsorted(lo, xm, side="right") - 1, 0, n_seg - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            for _ in range(n_seg + 1):
                root = -(Kb + B0[seg]) / A[seg]
                new = np.clip(np.searchsorted(lo, root, side="right") - 1, 0, n_seg - 1)
                if np.array_equal(new, seg):
                    break
                seg = new
            ok = (root > 0) & np.isfinite(root)
            price = np.where(ok, self.price(np.where(ok, root, 1.0)), np.nan)
        return price, np.where(ok, seg, -1)

    def _solve_scan(
        self, A: np.ndarray, B0: np.ndarray, lo: np.ndarray, hi: np.ndarray,
        K: np.ndarray, mark: np.ndarray, shape: tuple[int, ...],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every segment's candidate root; keep the valid one nearest the mark."""
        # drop segments that no value of K can put a root in (most of a long tier table)
        keep = self._reachable(A, B0, lo, hi, K)
        if keep.size == 0:
            return np.full(shape, np.nan), np.full(shape, -1)
        ex = (-1,) + (1,) * len(shape)
        A_, B_, lo_, hi_ = (a[keep].reshape(ex) for a in (A, B0, lo, hi))
        with np.errstate(divide="ignore", invalid="ignore"):
            root = -(K + B_) / A_
            ok = (A_ != 0) & (root > 0) & (root >= lo_ * (1 - 1e-12)) & (root < hi_ * (1 + 1e-12))
            price = self.price(root)
            dist = np.where(ok, np.abs(price - mark), np.inf)
        if keep.size == 1:
            found = np.isfinite(dist[0])
            return np.where(found, price[0], np.nan), np.where(found, keep[0], -1)
        k = np.argmin(dist, axis=0)
        best = np.take_along_axis(price, k[None], axis=0)[0]
        found = np.isfinite(np.take_along_axis(dist, k[None], axis=0)[0])
        return np.where(found, best, np.nan), np.where(found, keep[k], -1)

    def solve(
        self, legs: tuple[int, ...], K: Any, mark: Any, with_mm: bool = True
    ) -> tuple[Any, Any]:
        """Prices at which ``g = 0`` for a pool, nearest to the mark; vectorised over ``K``.

        Parameters
        ----------
        legs : tuple of int
            Positions of the pool on the symbol whose price moves (hedge legs together).
        K : float or ndarray
            Everything in ``g`` that does not move with this symbol: the pool's wallet plus the
            other symbols' uPnL, minus their maintenance margin (``with_mm``).
        mark : float or ndarray
            Current mark, broadcastable with ``K``; among several roots the nearest wins.
        with_mm : bool
            ``False`` solves margin balance = 0 (bankruptcy).

        Returns
        -------
        price : ndarray
            The root as a price, NaN where no positive price solves the equation.
        segment : ndarray of int
            Index of the segment holding the root (-1 where none).
        """
        K = np.asarray(K, dtype=float)
        mark = np.asarray(mark, dtype=float)
        shape = np.broadcast_shapes(K.shape, mark.shape)
        A, B0, lo, hi = self._segment_arrays(legs, with_mm)
        if len(A) == 1:                         # one line: no bracket to look up
            with np.errstate(divide="ignore", invalid="ignore"):
                root = -(K + B0[0]) / A[0] + np.zeros(shape)
                ok = (root > 0) & np.isfinite(root)
                best = np.where(ok, self.price(np.where(ok, root, 1.0)), np.nan)
            best_seg = np.where(ok, 0, -1)
        else:
            keep = self._reachable(A, B0, lo, hi, K)
            if keep.size == 1:                  # every K puts its root in one segment
                k = int(keep[0])
                with np.errstate(divide="ignore", invalid="ignore"):
                    root = -(K + B0[k]) / A[k] + np.zeros(shape)
                    ok = ((root > 0) & np.isfinite(root) & (root >= lo[k] * (1 - 1e-12))
                          & (root < hi[k] * (1 + 1e-12)))
                    best = np.where(ok, self.price(np.where(ok, root, 1.0)), np.nan)
                best_seg = np.where(ok, k, -1)
            elif keep.size == 0:
                best, best_seg = np.full(shape, np.nan), np.full(shape, -1)
            elif self._monotone(legs):
                best, best_seg = self._solve_monotone(A, B0, lo, hi, K, mark, shape)
            else:
                best, best_seg = self._solve_scan(A, B0, lo, hi, K, mark, shape)
        if best.ndim == 0:
            return best[()], best_seg[()]
        return best, best_seg
