r"""Risk tiers: maintenance-margin brackets.

A venue does not charge one maintenance margin rate for every position size: bigger positions
are riskier to liquidate, so the rate steps up with the notional. A tier table is a list of
brackets ``(floor, mmr, max_leverage)`` ordered by notional floor, the first floor 0. The
bracket that holds a notional ``N`` is the last one whose floor is ``<= N`` (floor-inclusive).

If the rate simply jumped at a floor, the maintenance margin would jump too, and a position one
dollar over the floor would owe far more than one a dollar under it. Venues avoid that with a
*maintenance amount* ``cum`` subtracted from ``N * mmr``:

.. math::

    cum_0 = 0, \qquad cum_b = cum_{b-1} + floor_b (mmr_b - mmr_{b-1}),

    MM(N) = N \cdot mmr_b - cum_b \quad\text{for}\quad floor_b \le N < floor_{b+1},

which makes ``MM`` continuous (and piecewise linear) in ``N``. Binance's FAQ example: level 3
floor 250,000, rate 0.5 % -> 1 %, level-2 amount 50, so ``cum_3 = 250,000 x 0.5 % + 50 = 1,300``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import MarginInputError, nonnegative_finite, positive_finite

__all__ = ["Bracket", "RiskTiers"]


@dataclass(frozen=True)
class Bracket:
    """One row of a tier table.

    Attributes
    ----------
    index : int
        Position of the bracket in its table (0 for the first).
    floor : float
        Smallest notional in the bracket (inclusive), in the quote (linear) or coin (inverse).
    mmr : float
        Maintenance margin rate, a fraction (0.004 is 0.4 %).
    cum : float
        Maintenance amount deducted from ``notional * mmr``.
    max_leverage : float or None
        Highest leverage allowed for a position whose notional is in this bracket.
    """

    index: int
    floor: float
    mmr: float
    cum: float
    max_leverage: float | None


class RiskTiers:
    """A maintenance-margin tier table.

    Build one with :meth:`flat` (one bracket) or :meth:`from_brackets` (a venue's table, the
    maintenance amounts derived) or :meth:`from_max_leverage` (Hyperliquid's rule).

    Examples
    --------
    >>> t = RiskTiers.from_brackets([(0, 0.004, 125), (50_000, 0.005, 100),
    ...                              (250_000, 0.01, 50)])
    >>> [float(c) for c in t.cums]
    [0.0, 50.0, 1300.0]
    >>> float(t.maintenance_margin(264_000))   # 264,000 x 1 % - 1,300
    1340.0
    >>> t.maintenance_margin([10_000, 50_000]).tolist()
    [40.0, 200.0]
    """

    __slots__ = ("floors", "mmrs", "cums", "max_leverages", "source")

    def __init__(
        self,
        floors: Sequence[float],
        mmrs: Sequence[float],
        cums: Sequence[float],
        max_leverages: Sequence[float | None],
        source: str = "",
    ) -> None:
        self.floors = np.asarray(floors, dtype=float)
        self.mmrs = np.asarray(mmrs, dtype=float)
        self.cums = np.asarray(cums, dtype=float)
        self.max_leverages = np.asarray(
            [np.inf if m is None else float(m) for m in max_leverages], dtype=float
        )
        self.source = source
        n = len(self.floors)
        if n == 0:
            raise MarginInputError("a tier table needs at least one bracket")
        if not (len(self.mmrs) == len(self.cums) == len(self.max_leverages) == n):
            raise MarginInputError("every bracket needs a floor, a rate and a maintenance amount")
        if self.floors[0] != 0:
            raise MarginInputError(f"the first bracket must start at notional 0, not {floors[0]}")
        if np.any(np.diff(self.floors) <= 0):
            raise MarginInputError("bracket floors must increase strictly")
        if np.any(~np.isfinite(self.mmrs)) or np.any(self.mmrs < 0) or np.any(self.mmrs >= 1):
            raise MarginInputError("a maintenance margin rate must be a fraction in [0, 1)")
        if np.any(~np.isfinite(self.cums)):
            raise MarginInputError("maintenance amounts must be finite")
        if np.any(self.max_leverages <= 0):
            raise MarginInputError("a bracket's maximum leverage must be positive")
        for a in (self.floors, self.mmrs, self.cums, self.max_leverages):
            a.setflags(write=False)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def flat(
        cls, mmr: float, maintenance_amount: float = 0.0, max_leverage: float | None = None
    ) -> RiskTiers:
        """One bracket: ``MM = N * mmr - maintenance_amount`` for every notional.

        ``maintenance_amount`` is for a single bracket lifted out of a venue's table with
        the venue's figure (Binance's ``cum``).

        >>> float(RiskTiers.flat(0.005).maintenance_margin(20_000))
        100.0
        """
        mmr = nonnegative_finite(mmr, "the maintenance margin rate")
        if mmr >= 1:
            raise MarginInputError(f"the maintenance margin rate is a fraction below 1, got {mmr}")
        maintenance_amount = nonnegative_finite(maintenance_amount, "the maintenance amount")
        if max_leverage is not None:
            max_leverage = positive_finite(max_leverage, "the maximum leverage")
        return cls([0.0], [mmr], [maintenance_amount], [max_leverage])

    @classmethod
    def from_brackets(
        cls, brackets: Iterable[Sequence[Any]], source: str = ""
    ) -> RiskTiers:
        """A table from ``(floor_notional, mmr, max_leverage)`` rows; ``cum`` is derived.

        Parameters
        ----------
        brackets : iterable of (float, float, float or None)
            Rows ordered by floor; the first floor must be 0.
        source : str
            Where the table comes from and its date (shown to users).

        Notes
        -----
        ``cum_0 = 0`` and ``cum_b = cum_{b-1} + floor_b (mmr_b - mmr_{b-1})``.
        """
        if isinstance(brackets, str | bytes) or not isinstance(brackets, Iterable):
            raise MarginInputError("brackets must be a list of (floor, mmr, max_leverage) rows")
        rows: list[tuple[Any, ...]] = []
        for b in brackets:
            if isinstance(b, str | bytes) or not isinstance(b, Sequence):
                raise MarginInputError(f"a bracket is (floor, mmr, max_leverage); got {b!r}")
            rows.append(tuple(b))
        if not rows:
            raise MarginInputError("a tier table needs at least one bracket")
        floors, mmrs, levs = [], [], []
        for row in rows:
            if len(row) not in (2, 3):
                raise MarginInputError(
                    f"a bracket is (floor, mmr, max_leverage); got {row!r}"
                )
            floors.append(nonnegative_finite(row[0], "a bracket floor"))
            mmrs.append(nonnegative_finite(row[1], "a maintenance margin rate"))
            lev = row[2] if len(row) == 3 else None
            levs.append(None if lev is None else positive_finite(lev, "a maximum leverage"))
        cums = [0.0]
        for k in range(1, len(rows)):
            cums.append(cums[-1] + floors[k] * (mmrs[k] - mmrs[k - 1]))
        return cls(floors, mmrs, cums, levs, source)

    @classmethod
    def from_max_leverage(
        cls, tiers: Iterable[tuple[float, float]], source: str = ""
    ) -> RiskTiers:
        """Hyperliquid's rule: ``mmr = 1 / (2 * max_leverage)`` per ``(lower_bound, max_lev)``.

        >>> t = RiskTiers.from_max_leverage([(0, 40), (150e6, 20)])
        >>> float(t.maintenance_margin(200e6))
        3125000.0
        """
        rows = [(lb, 1.0 / (2.0 * positive_finite(lev, "a maximum leverage")), lev)
                for lb, lev in tiers]
        return cls.from_brackets(rows, source)

    # -- lookup -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.floors)

    def __repr__(self) -> str:
        rows = ", ".join(
            f"({f:g}, {m:g}, {c:g})" for f, m, c in zip(self.floors, self.mmrs, self.cums,
                                                       strict=True)
        )
        return f"RiskTiers([{rows}])"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RiskTiers):
            return NotImplemented
        return all(
            np.array_equal(a, b)
            for a, b in zip(
                (self.floors, self.mmrs, self.cums, self.max_leverages),
                (other.floors, other.mmrs, other.cums, other.max_leverages),
                strict=True,
            )
        )

    def __hash__(self) -> int:
        return hash((self.floors.tobytes(), self.mmrs.tobytes(), self.cums.tobytes()))

    @property
    def brackets(self) -> list[Bracket]:
        """The table as a list of :class:`Bracket`."""
        return [self.bracket(i) for i in range(len(self))]

    def bracket(self, index: int) -> Bracket:
        """The bracket at ``index``."""
        lev = float(self.max_leverages[index])
        return Bracket(
            index=int(index),
            floor=float(self.floors[index]),
            mmr=float(self.mmrs[index]),
            cum=float(self.cums[index]),
            max_leverage=None if np.isinf(lev) else lev,
        )

    def bracket_index(self, notional: Any) -> Any:
        """Index of the bracket holding ``notional`` (floor-inclusive); vectorised."""
        n = np.asarray(notional, dtype=float)
        idx = np.searchsorted(self.floors, n, side="right") - 1
        return np.maximum(idx, 0)

    def bracket_for(self, notional: float) -> Bracket:
        """The :class:`Bracket` holding a scalar ``notional``."""
        return self.bracket(int(self.bracket_index(float(notional))))

    def mmr(self, notional: Any) -> Any:
        """Maintenance margin rate of the bracket holding ``notional``; vectorised."""
        return self.mmrs[self.bracket_index(notional)]

    def cum(self, notional: Any) -> Any:
        """Maintenance amount of the bracket holding ``notional``; vectorised."""
        return self.cums[self.bracket_index(notional)]

    def max_leverage(self, notional: Any) -> Any:
        """Highest leverage allowed at ``notional`` (``inf`` where the table sets none)."""
        return self.max_leverages[self.bracket_index(notional)]

    def maintenance_margin(self, notional: Any, extra_rate: float = 0.0) -> Any:
        """``MM(N) = N * (mmr_b + extra_rate) - cum_b`` for the bracket ``b`` holding ``N``.

        Parameters
        ----------
        notional : float or array_like
            Position value(s); negative values are treated by their size.
        extra_rate : float
            A rate a venue folds into the maintenance rate (OKX adds its taker fee).

        Returns
        -------
        float or ndarray
            Maintenance margin, same shape as ``notional``; never below 0.
        """
        try:
            n = np.asarray(notional, dtype=float)
        except (TypeError, ValueError):
            raise MarginInputError(f"notional must be a number or an array of numbers, got "
                                   f"{notional!r}") from None
        if n.size > 64:
            # a long array in one bracket (the usual case: a path rarely crosses a bracket)
            # needs no per-element look-up; the arithmetic is the general one's, term for term
            lo, hi = float(n.min()), float(n.max())
            if lo >= 0 and not np.isnan(lo + hi):
                b_lo, b_hi = int(self.bracket_index(lo)), int(self.bracket_index(hi))
                if b_lo == b_hi:
                    mm = n * (self.mmrs[b_lo] + extra_rate)
                    mm -= self.cums[b_lo]
                    np.maximum(mm, 0.0, out=mm)
                    return mm
        n = np.abs(n)
        idx = self.bracket_index(n)
        mm = n * (self.mmrs[idx] + extra_rate) - self.cums[idx]
        mm = np.maximum(mm, 0.0)
        return mm if mm.ndim else float(mm)
