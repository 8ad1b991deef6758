"""Funding as a step function: what a position has paid, per unit of open share, by each step.

Funding is paid only at funding steps ``E, 2E, 3E, ...`` (``E = funding_every``; step 0 is
the opening). The cumulative funding of position ``i`` per unit share,

    F_i(t) = sum_{u <= t, u a funding step} s_i N_i(u) r_i(u),

is therefore constant between two funding steps: ``F_i(t) = C_i[t // E]`` with ``C_i`` the
running sum over the funding events alone (``C_i[0] = 0``). A 1,000,000-step path with funding
every 8 steps has 125,000 events: the engine works on those, and reads ``F`` at any step by
``t // E``, never building the ``(P, n, T)`` array.

The sums are taken in step order, one term per event, which is exactly the running sum over
every step with zeros between the events (adding ``0.0`` leaves a float unchanged): every
number is the one the dense form gives, bit for bit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .errors import MarginInputError, float_array

__all__ = ["FundingSchedule", "rates_at_events", "reuse_funding"]

# per thread, while a reuse_funding() block is open: position key -> (running sum, marks)
_LOCAL = threading.local()
_REUSE_MAX = 16


def _reuse() -> dict[tuple[Any, ...], tuple[np.ndarray, Any]] | None:
    return getattr(_LOCAL, "reuse", None)


@contextmanager
def reuse_funding() -> Iterator[None]:
    """Within the block, a position's running sum is computed once and reused.

    The runs of one change (Cross vs Isolated: both modes, then the verdict's counterfactuals,
    each without one position) pay funding on the same positions, marks and rates: the sum
    depends only on a position's side, size, rate and marks (and the funding interval), never
    on its mode, the wallet or the other positions. Entries are keyed by those inputs (the
    marks by the identity of the memory they read, held by the cache while the block is open:
    the engine never writes to a path; a per-step rate by its bytes); they are dropped when
    the outermost block ends, so a path changed in place later is never answered from the
    cache. At most 16 entries; each thread has its own.
    """
    outer = _reuse() is None
    if outer:
        _LOCAL.reuse = {}
    try:
        yield
    finally:
        if outer:
            _LOCAL.reuse = None


def _x_key(x: np.ndarray) -> tuple[Any, ...]:
    """The memory ``x`` reads: its address, shape and strides (each run views a path anew).

    While the cache holds ``x`` that memory stays allocated, so another array with the same
    key reads the same numbers.
    """
    return (x.__array_interface__["data"][0], x.shape, x.strides, x.dtype.str)


_MSG = "a funding rate must be a number or one finite number per step"


def _check_rate(rate: Any, T: int) -> float | np.ndarray:
    """A validated rate: a float, or a float array of shape ``(T,)`` (not copied)."""
    r = float_array(rate, _MSG)
    if r.ndim == 0:
        v = float(r)
        if not np.isfinite(v):
            raise MarginInputError(_MSG)
        if abs(v) > 1.0:
            raise MarginInputError("a funding rate is a fraction per interval; above 100 % "
                                   "(1.0) is not a rate")
        return v
    if r.shape != (T,):
        raise MarginInputError(_MSG)
    # one reduction decides the common case: the largest size is NaN when a NaN is present
    top = float(np.abs(r).max()) if r.size else 0.0
    if not np.isfinite(top):
        raise MarginInputError(_MSG)
    if top > 1.0:
        raise MarginInputError("a funding rate is a fraction per interval; above 100 % (1.0) "
                               "is not a rate")
    return r


def rates_at_events(rate: Any, sym: str, T: int, every: int) -> float | np.ndarray:
    """The funding rate of ``sym`` at each funding step ``E, 2E, ...`` below ``T``.

    ``rate`` is a number, one number per step, or a mapping of symbol to those (a symbol it
    does not name has rate 0). The whole per-step array is validated, as ``simulate`` always
    did, though only the funding steps are used. A number stays a number (the same rate at
    every event).
    """
    if isinstance(rate, Mapping):
        rate = rate.get(sym, 0.0)
    r = _check_rate(rate, T)
    if isinstance(r, float):
        return r
    M = (T - 1) // every
    return np.ascontiguousarray(r[every::every][:M])


class FundingSchedule:
    """Cumulative funding per unit share of every position, kept at the funding events.

    Parameters
    ----------
    s, u : (P,) arrays
        Side (+1 / -1) and size (quantity x contract size) of each position.
    xs : list of (n, T) arrays
        ``x`` of each position's symbol (price, or 1 / price for inverse contracts).
    rates : list of float or (M,) arrays
        Each position's rate at the funding events (:func:`rates_at_events`; a number: the
        same at every event).
    every : int
        Steps between two funding payments.

    Attributes
    ----------
    cum : list of (n, M + 1) arrays
        ``C_i[m]``: funding paid per unit share by the m-th event (``C_i[0] = 0``); one array
        per position (positions may share one, see :func:`reuse_funding`).
    active : (P,) bool
        Positions with a non-zero rate at some event (the others pay nothing).

    Notes
    -----
    The payment of position ``i`` at the m-th event (step ``mE``) is ``s_i (u_i x_i(mE)) r``
    (the notional ``N = u x``), the engine's formula; ``F_i(t) = C_i[t // E]``.

    Examples
    --------
    A long of size 2, marks 10 .. 14, rate 1 % every 2 steps: it pays ``2 x 12 x 1 %`` at
    step 2 and ``2 x 14 x 1 %`` at step 4.

    >>> import numpy as np
    >>> f = FundingSchedule(np.array([1.0]), np.array([2.0]),
    ...                     [np.array([[10.0, 11.0, 12.0, 13.0, 14.0]])], [0.01], 2, 5)
    >>> [round(float(v), 6) for v in f.at(0, np.arange(5))[0]]
    [0.0, 0.0, 0.24, 0.24, 0.52]
    """

    def __init__(self, s: np.ndarray, u: np.ndarray, xs: Sequence[np.ndarray],
                 rates: Sequence[float | np.ndarray], every: int, T: int,
                 marks: Sequence[np.ndarray] | None = None, inverse: bool = False) -> None:
        P = len(xs)
        n = xs[0].shape[0]
        self.every = int(every)
        self.T = int(T)
        M = (T - 1) // self.every
        self.M = M
        self.active = np.array([M > 0 and bool(np.any(r)) for r in rates], dtype=bool)
        zero: np.ndarray | None = None
        pay: np.ndarray | None = None
        self.cum: list[np.ndarray] = []
        reuse = _reuse()
        for i in range(P):
            if not self.active[i]:
                if zero is None:
                    zero = np.zeros((n, M + 1))
                self.cum.append(zero)
                continue
            key = None
            if reuse is not None and marks is not None:
                r = rates[i]
                key = (float(s[i]), float(u[i]), self.every, self.T, inverse,
                       _x_key(marks[i]),
                       ("number", r) if isinstance(r, float) else ("bytes", r.tobytes()))
                hit = reuse.get(key)
                if hit is not None:
                    self.cum.append(hit[0])
                    continue
            c = np.empty((n, M + 1))
            c[:, 0] = 0.0
            if pay is None:
                pay = np.empty((n, M))
            # s (u x) r, in that order (a product of two floats does not depend on the order of
            # its factors, so the in-place steps give the same numbers); one buffer for all
            np.multiply(xs[i][:, self.every::self.every][:, :M], u[i], out=pay)
            np.multiply(pay, s[i], out=pay)
            np.multiply(pay, rates[i], out=pay)
            np.cumsum(pay, axis=-1, out=c[:, 1:])
            self.cum.append(c)
            if reuse is not None and key is not None and len(reuse) < _REUSE_MAX:
                # the marks ride along: their memory cannot be reused while the entry lives
                assert marks is not None
                reuse[key] = (c, marks[i])

    @classmethod
    def build(cls, book: Any, xs: Sequence[np.ndarray], funding_rate: Any, every: int,
              T: int, marks: Sequence[np.ndarray] | None = None) -> FundingSchedule:
        """The schedule of ``book``'s positions (see :func:`rates_at_events`).

        ``marks``: the mark paths ``xs`` were derived from (``x = P`` or ``1 / P``); with
        them a :func:`reuse_funding` block can reuse a position's running sum.
        """
        rates = [rates_at_events(funding_rate, sym, T, every) for sym in book.symbols_of]
        return cls(book.s, book.u, xs, rates, every, T, marks=marks,
                   inverse=bool(book.inverse))

    @property
    def events(self) -> np.ndarray:
        """The funding steps ``E, 2E, ... <= T - 1``."""
        return np.arange(1, self.M + 1, dtype=np.int64) * self.every

    @property
    def any(self) -> bool:
        """True when some position pays or receives funding."""
        return bool(self.active.any())

    def index(self, steps: Any) -> Any:
        """Event count ``t // E`` of each step (the column of :attr:`cum` holding ``F(t)``)."""
        return np.asarray(steps) // self.every

    def at(self, i: int, steps: np.ndarray) -> np.ndarray:
        """``F_i`` at ``steps`` on every path, ``(n, len(steps))``."""
        return np.take(self.cum[i], self.index(steps), axis=-1)

    def dense(self) -> np.ndarray:
        """The ``(P, n, T)`` form (what ``simulate`` held before; for short paths)."""
        return self.take(self.index(np.arange(self.T)))

    def take(self, cols: np.ndarray) -> np.ndarray:
        """``C`` of every position at event columns ``cols``, ``(P, n, len(cols))``."""
        return np.stack([np.take(c, cols, axis=-1) for c in self.cum])

    def block(self, i: int, b0: int, b1: int, row: int | None = None) -> np.ndarray:
        """``F_i`` at steps ``b0 .. b1 - 1``: ``(n, b1 - b0)``, or ``(b1 - b0,)`` for one row."""
        E = self.every
        m0, m1 = b0 // E, (b1 - 1) // E + 1
        c = self.cum[i] if row is None else self.cum[i][row]
        rep = np.repeat(c[..., m0:m1], E, axis=-1)
        off = b0 - m0 * E
        return rep[..., off:off + (b1 - b0)]

    def subtract_from(self, i: int, acc: np.ndarray, b0: int) -> None:
        """``acc -= F_i`` over steps ``b0 .. b0 + acc.shape[-1] - 1``, in place.

        Each event's value is subtracted from its ``E`` steps through a broadcast view, so the
        repeated array is never built (the same subtractions, element by element).
        """
        E = self.every
        L = acc.shape[-1]
        c = self.cum[i]
        # the steps before the first event boundary at or after b0, then whole intervals
        head = min(L, (-b0) % E)
        if head:
            acc[:, :head] -= c[:, b0 // E][:, None]
        m0 = (b0 + head) // E
        whole = (L - head) // E
        if whole:
            body = acc[:, head:head + whole * E]
            body.shape = (acc.shape[0], whole, E)     # a view (raises rather than copy)
            body -= c[:, m0:m0 + whole, None]
        tail = head + whole * E
        if tail < L:
            acc[:, tail:] -= c[:, m0 + whole][:, None]

    def paid(self, i: int, share_at_events: np.ndarray) -> np.ndarray:
        """Funding actually paid by position ``i`` by each event, ``(n, M + 1)``.

        ``share_at_events`` (n, M): the open share when the engine looks at each event step.
        Each event's payment is the open share times the step's increment of ``F``, summed in
        step order (the dense form's running sum, without its zero terms).
        """
        c = self.cum[i]
        out = np.zeros(c.shape)
        np.cumsum(share_at_events * np.diff(c, axis=-1), axis=-1, out=out[:, 1:])
        return out
