"""The path rules of section 5, written once and vectorised over paths.

``simulate`` and ``monte_carlo`` both call :func:`run_rules`: funding, scheduled transfers,
auto-add margin, the liquidation trigger and what happens at liquidation (full or partial,
forfeit or fee) live only here.

How it works. Between two *state changes* (a transfer, a top-up, a liquidation) nothing but the
marks moves, so every pool's distance to its requirement is a function of the marks alone:

    g_pool(t) = c_pool - sum_i f_i F_i(t) + sum_i h_i(t; f_i)

with ``f_i`` the open share of position ``i`` (1 at the start, 0 once closed), ``F_i`` its
cumulative funding per unit share and ``h_i = uPnL - MM`` of the open share. The engine scans
each path for its next breach (or its next scheduled transfer), applies the rule at that step,
and scans again from the next step, only on the paths that changed. On most paths nothing
happens and the one scan is all the work; a path with a chain of partial liquidations is
re-scanned in short windows.

State per path: ``f`` (P, n), the pools' constants ``c_cross`` (n,) and ``c_iso`` (P, n) (the
pool wallet is ``c - sum f F(t)``), and each pool's cooldown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

if TYPE_CHECKING:
    from .book import Book
    from .funding import FundingSchedule

__all__ = ["PartialLiquidation", "RulesOutput", "run_rules"]


@dataclass(frozen=True)
class PartialLiquidation:
    """How a venue brings a breaching pool back by closing part of a position.

    Parameters
    ----------
    kind : {"fraction", "tier_step_down"}
        ``"fraction"``: a position whose notional is above ``min_notional`` closes
        ``fraction`` of its open quantity (Hyperliquid: 20 % above 100,000 USDC).
        ``"tier_step_down"``: a position above the lowest bracket is reduced until its
        notional is just below the floor of the bracket it breached in (Binance, Bybit risk
        limits).
    fraction : float
        Share of the open quantity closed per partial liquidation (``0 < fraction < 1``).
    min_notional : float
        At or below this notional the position closes in full (``fraction`` only).
    cooldown_steps : int
        Steps after a partial liquidation before the pool can be liquidated again (at least
        1; Hyperliquid: 30 s).

    Notes
    -----
    The kit's reading of the venues' rules, applied at a step where a pool breaches:

    - each partial liquidation closes part of one position at the mark; the closed part's PnL
      is realised into the pool and the venue's ``liquidation_fee_rate`` is charged on the
      closed notional only (a forfeit venue, ``liquidation_fee_rate=None``, charges nothing on
      a partial close and takes the remainder only when the pool closes in full);
    - the rule repeats within the step while the pool still breaches, each repeat a recorded
      event, so the pool ends the step above its requirement or closed;
    - in a pool with several positions, the largest one that may be reduced is reduced; when
      none may (all at or below the threshold, or all in their lowest bracket) or the pool's
      margin balance is not positive (the path gapped through bankruptcy), the pool closes in
      full;
    - after a partial liquidation the pool is not liquidated again before ``cooldown_steps``
      steps have passed; a breach during the cooldown waits for its end.
    """

    kind: str = "fraction"
    fraction: float = 0.2
    min_notional: float = 100_000.0
    cooldown_steps: int = 1

    def __post_init__(self) -> None:
        from .errors import MarginInputError

        if self.kind not in ("fraction", "tier_step_down"):
            raise MarginInputError(
                f"partial liquidation kind must be 'fraction' or 'tier_step_down', "
                f"got {self.kind!r}")
        for name in ("fraction", "min_notional"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
                raise MarginInputError(f"partial liquidation {name} must be a number, got {v!r}")
        if not (0.0 < float(self.fraction) < 1.0):
            raise MarginInputError(
                f"partial liquidation fraction must be between 0 and 1 (exclusive), got "
                f"{self.fraction!r}")
        if not (np.isfinite(float(self.min_notional)) and float(self.min_notional) >= 0):
            raise MarginInputError(
                f"partial liquidation min_notional must be zero or a positive finite number, "
                f"got {self.min_notional!r}")
        c = self.cooldown_steps
        if isinstance(c, bool) or not isinstance(c, int | np.integer) or c < 1:
            raise MarginInputError(
                f"partial liquidation cooldown_steps must be a whole number of steps >= 1, "
                f"got {c!r}")
        object.__setattr__(self, "fraction", float(self.fraction))
        object.__setattr__(self, "min_notional", float(self.min_notional))
        object.__setattr__(self, "cooldown_steps", int(c))

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {"kind": self.kind, "fraction": self.fraction, "min_notional": self.min_notional,
                "cooldown_steps": self.cooldown_steps}


@dataclass
class RulesOutput:
    """What :func:`run_rules` found.

    ``changes`` (only when recording) lists every state change in the order applied:
    ``(step, after_only, rows, f, c_cross, c_iso)`` with the state of ``rows`` after the change;
    ``after_only`` is True for changes made by the liquidation engine (visible in the settled
    state of that step, and in the pre-liquidation state only from the next step).
    """

    liquidated_at: np.ndarray                 # (P, n) step of the full close, T if never
    f_final: np.ndarray                       # (P, n)
    c_cross_final: np.ndarray                 # (n,)
    c_iso_final: np.ndarray                   # (P, n)
    forfeited: np.ndarray                     # (P, n) fees / forfeits of the full close
    insurance_payout: np.ndarray              # (P, n)
    realized: np.ndarray                      # (P, n) PnL realised by liquidations
    liq_fees_total: np.ndarray                # (n,) every liquidation fee or forfeit
    payout_total: np.ndarray                  # (n,)
    topups_total: np.ndarray                  # (n,)
    n_partial: np.ndarray                     # (n,)
    equity_at: np.ndarray | None              # (n, len(probe_steps))
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[dict[str, Any]] = field(default_factory=list)


class _Win:
    """Steps ``start[r] .. start[r] + w - 1`` of each row ``r`` (``start + w <= T``)."""

    __slots__ = ("start", "w")

    def __init__(self, start: np.ndarray, w: int) -> None:
        self.start, self.w = start, w


class _Rules:
    def __init__(
        self, book: Book, cross: np.ndarray, xs: Sequence[np.ndarray], H: np.ndarray | None,
        F: np.ndarray | FundingSchedule | None, c_cross0: float, iso0: np.ndarray, *,
        liq_rate: float | None,
        partial: PartialLiquidation | None, auto_add: np.ndarray, record: bool,
        probe_steps: np.ndarray | None, tol: float, currency: str,
        h_fn: Callable[[int, np.ndarray, np.ndarray], np.ndarray] | None = None,
        probe_x: Sequence[np.ndarray] | None = None,
    ) -> None:
        self.book = book
        self.cross = np.asarray(cross, bool)
        self.P = book.n
        self.xs = xs
        n, T = xs[0].shape
        self.n, self.T = n, T
        self.H = H
        self.F = F
        self.liq_rate = liq_rate
        self.partial = partial
        self.auto_add = np.asarray(auto_add, bool)
        self.record = record
        self.tol = tol
        self.cur = currency
        self.f = np.ones((self.P, n))
        self.c_cross = np.full(n, float(c_cross0))
        self.c_iso = np.repeat(np.asarray(iso0, float)[:, None], n, axis=1)
        self.ready_c = np.zeros(n, dtype=np.int64)
        self.ready_i = np.zeros((self.P, n), dtype=np.int64)
        self.liq_at = np.full((self.P, n), T, dtype=np.int64)
        self.forfeited = np.zeros((self.P, n))
        self.payout = np.zeros((self.P, n))
        self.realized = np.zeros((self.P, n))
        self.fees_total = np.zeros(n)
        self.payout_total = np.zeros(n)
        self.topups = np.zeros(n)
        self.n_partial = np.zeros(n, dtype=np.int64)
        self.changes: list[tuple[Any, ...]] = []
        self.events: list[dict[str, Any]] = []
        # per pool (isolated 0..P-1, cross P) and path: the last scan's answer
        self.cache_k = np.full((self.P + 1, n), T, dtype=np.int64)
        self.cache_lo = np.zeros((self.P + 1, n), dtype=np.int64)
        self.cache_hi = np.zeros((self.P + 1, n), dtype=np.int64)
        self.dirty = np.ones((self.P + 1, n), dtype=bool)
        self.probe = probe_steps
        self.iso_idx = [i for i in range(self.P) if not self.cross[i]]
        self.cross_idx = [i for i in range(self.P) if self.cross[i]]
        self.lev = book.lev
        self.equity_at: np.ndarray | None = None
        if probe_steps is not None:
            # each position's uPnL minus cumulative funding at the probe steps, once (np.take
            # keeps rows contiguous; x[:, idx] would be column-major and ten times slower)
            x_probe: dict[int, np.ndarray] = {}        # positions on one symbol share x
            for i in range(self.P):
                if id(xs[i]) not in x_probe:
                    x_probe[id(xs[i])] = (
                        np.ascontiguousarray(np.take(xs[i], probe_steps, axis=1).T)
                        if probe_x is None else probe_x[i])
            # laid out (probe step, row): the cumulative sums of finish_probe then run over
            # whole contiguous rows
            self._up_probe = [book.upnl(i, x_probe[id(xs[i])]) for i in range(self.P)]
            if F is not None:
                for i in range(self.P):
                    self._up_probe[i] -= (
                        np.take(F[i], probe_steps, axis=1) if isinstance(F, np.ndarray)
                        else F.at(i, probe_steps)).T
            self._c0 = float(c_cross0) + float(sum(float(iso0[i]) for i in self.iso_idx))
            # every change as (rows, first probe column it shows in, dc, df): the equity at the
            # probes is built once at the end, from cumulative sums
            self._probe_log: list[tuple[np.ndarray, ...]] = []

    # -- elementary quantities at (rows, cols); cols has shape (len(rows), w) -------------
    @staticmethod
    def _take(a: np.ndarray, rows: Any, cols: Any) -> np.ndarray:
        if isinstance(cols, slice):                 # every row, a range of steps: no gather
            return a[:, cols]
        if isinstance(cols, _Win):                  # w consecutive steps per row: row copies
            if rows.size == 1:                      # one row: a view, no copy
                st = int(cols.start[0])
                return a[int(rows[0]), st:st + cols.w][None, :]
            return sliding_window_view(a, cols.w, axis=-1)[rows, cols.start]
        if cols.shape[1] == 1:                      # one step per row
            return a[rows, cols[:, 0]][:, None]
        return a[rows[:, None], cols]

    def _x(self, i: int, rows: Any, cols: Any) -> np.ndarray:
        return self._take(self.xs[i], rows, cols)

    def _upnl(self, i: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.f[i, rows][:, None] * self.book.upnl(i, self._x(i, rows, cols))

    def _mm_f(self, i: int, f: np.ndarray, x: np.ndarray) -> np.ndarray:
        b = self.book
        if b.entry_basis:
            return b.tiers[i].maintenance_margin(f * b.notional_entry[i], b.extra) + 0 * x
        return b.tiers[i].maintenance_margin(f * b.u[i] * x, b.extra)

    def _h(self, i: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The open share of position ``i``: its uPnL minus its maintenance margin."""
        f = self.f[i, rows]
        x = self._x(i, rows, cols)
        full = f == 1.0
        if self.H is not None and full.all():
            return self._take(self.H[i], rows, cols)
        some = f > 0
        if some.all():                  # every row open: no masking
            fc = f[:, None]
            return fc * self.book.upnl(i, x) - self._mm_f(i, fc, x)
        out = np.zeros(x.shape)
        if some.any():
            fs = f[some][:, None]
            out[some] = fs * self.book.upnl(i, x[some]) - self._mm_f(i, fs, x[some])
        return out

    def _Ft(self, i: int, rows: np.ndarray, cols: Any) -> np.ndarray:
        """Cumulative funding per unit share of position ``i`` at ``(rows, cols)``."""
        F = self.F
        assert F is not None
        if isinstance(F, np.ndarray):
            return self._take(F[i], rows, cols)
        # a FundingSchedule: F(t) is its running sum at event t // E (the same numbers)
        c = F.cum[i]
        if isinstance(cols, slice):
            return np.take(c, F.index(np.arange(self.T)[cols]), axis=-1)
        if isinstance(cols, _Win):
            if rows.size <= 8:                      # a few rows: each a repeat of its events
                return np.stack([F.block(i, int(st), int(st) + cols.w, row=int(r))
                                 for r, st in zip(rows, cols.start, strict=True)])
            idx = F.index(cols.start[:, None] + np.arange(cols.w)[None, :])
            return c[rows[:, None], idx]
        if cols.shape[1] == 1:
            return c[rows, F.index(cols[:, 0])][:, None]
        return c[rows[:, None], F.index(cols)]

    def _F_at(self, i: int, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Cumulative funding per unit share of position ``i`` at one step ``k`` per row."""
        F = self.F
        assert F is not None
        if isinstance(F, np.ndarray):
            return F[i][rows, k]
        return F.cum[i][rows, F.index(k)]

    def _fund(self, i: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | float:
        if self.F is None or self._F_idle(i):
            return 0.0
        return self.f[i, rows][:, None] * self._Ft(i, rows, cols)

    def _F_idle(self, i: int) -> bool:
        """Position ``i`` pays no funding at any step (a schedule knows; an array is read)."""
        F = self.F
        return F is not None and not isinstance(F, np.ndarray) and not bool(F.active[i])

    def _wallet_c(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        w: Any = self.c_cross[rows][:, None]
        for i in self.cross_idx:
            w = w - self._fund(i, rows, cols)
        return w

    def _wallet_i(self, i: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.c_iso[i, rows][:, None] - self._fund(i, rows, cols)

    def _g_cross(self, rows: np.ndarray, cols: Any) -> np.ndarray:
        g = self._wallet_c(rows, cols)
        for i in self.cross_idx:
            g = g + self._h(i, rows, cols)
        return np.asarray(g)

    def _g_iso(self, i: int, rows: np.ndarray, cols: Any) -> np.ndarray:
        return self._wallet_i(i, rows, cols) + self._h(i, rows, cols)

    def _avail(self, rows: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Available balance and cross wallet at steps ``k``; only open positions count."""
        cols = k[:, None]
        wc = self._wallet_c(rows, cols)[:, 0]
        a = wc.copy()
        for i in self.cross_idx:
            f = self.f[i, rows]
            x = self._x(i, rows, cols)[:, 0]
            a += f * (self.book.upnl(i, x) - self.book.im(i, x))
        return np.maximum(a, 0.0), wc

    # -- scanning -----------------------------------------------------------------------------
    def _cross_open(self, rows: np.ndarray) -> np.ndarray:
        if not self.cross_idx:
            return np.zeros(rows.size, bool)
        return np.asarray((self.f[self.cross_idx][:, rows] > 0).any(axis=0))

    def _first_breach(self, rows: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        """First step in ``[t0, t1)`` at which some pool of each row breaches (``T`` if none).

        A pool in its cooldown is looked at only from its ready step.
        """
        T = self.T
        best = np.full(rows.size, T, dtype=np.int64)
        if rows.size == 0:
            return best
        pools: list[int | None] = ([None] if self.cross_idx else []) + list(self.iso_idx)
        for pool in pools:
            pi = self.P if pool is None else pool
            if pool is None:
                live = self._cross_open(rows)
                start = np.maximum(t0, self.ready_c[rows])
            else:
                live = self.f[pool, rows] > 0
                start = np.maximum(t0, self.ready_i[pool, rows])
            # a pool whose state has not changed since its last scan keeps its answer
            ck, lo, hi = self.cache_k[pi, rows], self.cache_lo[pi, rows], self.cache_hi[pi, rows]
            clean = ~self.dirty[pi, rows] & (lo <= start)
            hit_known = clean & (ck < T) & (ck >= start)
            none_known = clean & (ck >= T) & (hi >= t1)
            res = np.where(hit_known & (ck < t1), ck, T)
            extend = clean & (ck >= T) & (hi < t1) & (hi > start)
            scan_from = np.where(extend, hi, start)
            sel = np.flatnonzero(live & ~hit_known & ~none_known & (scan_from < t1))
            if sel.size:
                k = self._scan(pool, rows[sel], scan_from[sel], t1[sel])
                res[sel] = k
                rs = rows[sel]
                self.cache_k[pi, rs] = k
                self.cache_lo[pi, rs] = np.where(extend[sel], lo[sel], start[sel])
                self.cache_hi[pi, rs] = t1[sel]
                self.dirty[pi, rs] = False
            res = np.where(live, res, T)
            best = np.minimum(best, res)
        return best

    def _snapshot(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        return (self.c_cross[rows].copy(), self.c_iso[:, rows].copy(), self.f[:, rows].copy(),
                self.ready_c[rows].copy(), self.ready_i[:, rows].copy())

    def _mark_dirty(self, rows: np.ndarray, snap: tuple[np.ndarray, ...]) -> None:
        """Pools whose state changed on ``rows`` must be scanned again."""
        cc, ci, f, rc, ri = snap
        iso_changed = (ci != self.c_iso[:, rows]) | (f != self.f[:, rows]) | (
            ri != self.ready_i[:, rows])
        self.dirty[: self.P, rows] |= iso_changed
        cross_changed = (cc != self.c_cross[rows]) | (rc != self.ready_c[rows])
        if self.cross_idx:
            cross_changed |= (f[self.cross_idx] != self.f[self.cross_idx][:, rows]).any(axis=0)
        self.dirty[self.P, rows] |= cross_changed

    def _scan(self, pool: int | None, rows: np.ndarray, t0: np.ndarray,
              t1: np.ndarray) -> np.ndarray:
        T = self.T
        out = np.full(rows.size, T, dtype=np.int64)
        todo = np.arange(rows.size)
        lo = t0.copy()
        whole = rows.size == self.n and bool((rows == np.arange(self.n)).all())
        if whole and bool((t0 == 0).all()):
            # the first scan of every path: plain slices, no gather, one comparison
            t_hi = int(t1.max())
            whole_cols = slice(0, t_hi)
            members = self.cross_idx if pool is None else [pool]
            c = self.c_cross[rows] if pool is None else self.c_iso[pool, rows]
            if self.H is not None and bool((self.f[members] == 1.0).all()):
                acc = self.H[members[0]][:, whole_cols]
                if len(members) > 1 or self.F is not None:
                    acc = acc.copy()
                for j in members[1:]:
                    acc += self.H[j][:, whole_cols]
                if self.F is not None:
                    for j in members:
                        if not self._F_idle(j):
                            acc -= self._Ft(j, rows, whole_cols)
                hit = acc <= (self.tol - c)[:, None]
            else:
                g = (self._g_cross(rows, whole_cols) if pool is None
                     else self._g_iso(pool, rows, whole_cols))
                hit = np.broadcast_to(g, (rows.size, t_hi)) <= self.tol
            if bool((t1 < t_hi).any()):
                hit = hit & (np.arange(t_hi)[None, :] < t1[:, None])
            k = np.argmax(hit, axis=1)
            found = hit[np.arange(rows.size), k]
            return np.where(found, k, T).astype(np.int64)
        # geometric windows, then windows of at most 2^18 steps: a breach soon after t0 is
        # found early, and a late one costs about its distance, not the rest of the path
        w = 8
        while todo.size:
            r = rows[todo]
            # a window of w steps from lo, shifted left where it would pass the end (the
            # steps before lo are then masked); only as wide as the widest row needs
            ww = int(min(w, T, int((t1[todo] - lo[todo]).max())))
            st = np.minimum(lo[todo], T - ww)
            at = np.arange(ww)[None, :]
            valid = (at >= (lo[todo] - st)[:, None]) & (at < (t1[todo] - st)[:, None])
            win = _Win(st, ww)
            g = self._g_cross(r, win) if pool is None else self._g_iso(pool, r, win)
            hit = (g <= self.tol) & valid
            k = np.argmax(hit, axis=1)
            found = hit[np.arange(r.size), k]
            out[todo[found]] = st[found] + k[found]
            end = lo[todo] + w
            rest = ~found & (end < t1[todo])
            lo[todo] = end
            todo = todo[rest]
            w = min(w * 16, 1 << 18)
        return out

    # -- state changes ------------------------------------------------------------------------
    def _log_change(self, k: np.ndarray, rows: np.ndarray, after_only: bool) -> None:
        if self.record and rows.size:
            self.changes.append((k.copy(), after_only, rows.copy(), self.f[:, rows].copy(),
                                 self.c_cross[rows].copy(), self.c_iso[:, rows].copy()))

    def _probe_update(self, rows: np.ndarray, k: np.ndarray,
                      snap: tuple[np.ndarray, ...]) -> None:
        """Log a change on ``rows`` at steps ``k`` for the equity at the probe steps.

        Equity is ``c_cross + sum_iso c_iso + sum_i f_i (uPnL_i - F_i)``; a change at step
        k shows in the settled state of k, hence at the probes from k on.
        """
        if self.probe is None or rows.size == 0:
            return
        cc, ci, f_old = snap[0], snap[1], snap[2]
        dc = self.c_cross[rows] - cc
        for i in self.iso_idx:
            dc += self.c_iso[i, rows] - ci[i]
        df = self.f[:, rows] - f_old
        j0 = np.searchsorted(self.probe, k, side="left")
        use = (j0 < self.probe.size) & ((dc != 0) | (df != 0).any(axis=0))
        if use.any():
            self._probe_log.append((rows[use], j0[use], dc[use], df[:, use]))

    def finish_probe(self) -> None:
        """The equity at the probe steps on every row, from the logged changes."""
        if self.probe is None:
            return
        n, K = self.n, self.probe.size
        log = self._probe_log
        if log:
            rows = np.concatenate([e[0] for e in log])
            flat = np.concatenate([e[1] for e in log]) * n + rows
            dc = np.concatenate([e[2] for e in log])
            df = np.concatenate([e[3] for e in log], axis=1)
        else:
            flat, dc, df = np.zeros(0, np.int64), np.zeros(0), np.zeros((self.P, 0))

        kcol = np.arange(K)[:, None]

        def steps_of(delta: np.ndarray, sel: np.ndarray) -> np.ndarray:
            """(K, n): at each probe, the sum of the deltas of the changes shown there."""
            rows_s = flat[sel] % n
            if np.unique(rows_s).size == rows_s.size:
                # at most one change per row (a full liquidation): a step, no running sum
                j0 = np.full(n, K)
                v = np.zeros(n)
                j0[rows_s] = flat[sel] // n
                v[rows_s] = delta[sel]
                return np.where(kcol >= j0[None, :], v[None, :], 0.0)
            a = np.bincount(flat[sel], weights=delta[sel], minlength=K * n).reshape(
                K, n).astype(float, copy=False)
            np.cumsum(a, axis=0, out=a)
            return a

        e = steps_of(dc, dc != 0)
        e += self._c0
        for i in range(self.P):
            e += self._up_probe[i]
            nz = df[i] != 0
            if nz.any():
                e += steps_of(df[i], nz) * self._up_probe[i]
        self.equity_at = e.T                  # (n, K), a view of the (K, n) sums

    def _set_f(self, i: int, rows: np.ndarray, k: np.ndarray, new: np.ndarray,
               pool_iso: bool) -> None:
        """Change the open share, keeping the pool's wallet continuous (funding coefficient)."""
        old = self.f[i, rows]
        if self.F is not None:
            adj = (new - old) * self._F_at(i, rows, k)
            if pool_iso:
                self.c_iso[i, rows] += adj
            else:
                self.c_cross[rows] += adj
        self.f[i, rows] = new

    def _event(self, **kw: Any) -> None:
        if self.record:
            self.events.append(kw)

    # -- liquidation engine at one step per row -----------------------------------------------
    def liquidate(self, rows: np.ndarray, k: np.ndarray) -> None:
        """Apply the liquidation engine to every pool of ``rows`` at steps ``k``."""
        snap = self._snapshot(rows)
        for i in self.iso_idx:
            self._pool_step(i, rows, k)
        if self.cross_idx:
            self._pool_step(None, rows, k)
        self._mark_dirty(rows, snap)
        self._probe_update(rows, k, snap)
        self._log_change(k, rows, True)

    def _g_at(self, pool: int | None, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        cols = k[:, None]
        return (self._g_cross(rows, cols) if pool is None else self._g_iso(pool, rows, cols))[:, 0]

    def _members(self, pool: int | None) -> list[int]:
        return list(self.cross_idx) if pool is None else [pool]

    def _pool_step(self, pool: int | None, rows: np.ndarray, k: np.ndarray) -> None:
        if pool is None:
            live = self._cross_open(rows) & (self.ready_c[rows] <= k)
        else:
            live = (self.f[pool, rows] > 0) & (self.ready_i[pool, rows] <= k)
        sel = np.flatnonzero(live)
        if sel.size == 0:
            return
        r, kk = rows[sel], k[sel]
        breach = self._g_at(pool, r, kk) <= self.tol
        r, kk = r[breach], kk[breach]
        if r.size == 0:
            return
        if pool is not None and self.auto_add[pool]:
            r, kk = self._auto_add(pool, r, kk)
            if r.size == 0:
                return
        p = self.partial
        # a partial rule repeats within the step while the pool still breaches: the pool ends
        # the step above its requirement, or closed in full
        for _ in range(200):
            if r.size == 0:
                return
            mb = self._margin_balance(pool, r, kk)
            cand = self._partial_candidate(pool, r, kk) if p is not None else np.full(r.size, -1)
            cand = np.where(mb > 0, cand, -1)
            full = cand < 0
            if full.any():
                self._close_pool(pool, r[full], kk[full])
            part = ~full
            if not part.any():
                return
            r, kk, cand = r[part], kk[part], cand[part]
            self._close_part(pool, r, kk, cand)
            assert p is not None
            if pool is None:
                self.ready_c[r] = kk + p.cooldown_steps
            else:
                self.ready_i[pool, r] = kk + p.cooldown_steps
            still = self._g_at(pool, r, kk) <= self.tol
            r, kk = r[still], kk[still]
        if r.size:                      # pragma: no cover - 200 partial steps in one step
            self._close_pool(pool, r, kk)

    def _margin_balance(self, pool: int | None, r: np.ndarray, kk: np.ndarray) -> np.ndarray:
        cols = kk[:, None]
        if pool is None:
            mb = self._wallet_c(r, cols)[:, 0]
        else:
            mb = self._wallet_i(pool, r, cols)[:, 0]
        for j in self._members(pool):
            mb = mb + self._upnl(j, r, cols)[:, 0]
        return mb

    def _notional(self, j: int, r: np.ndarray, kk: np.ndarray) -> np.ndarray:
        return self.f[j, r] * self.book.u[j] * self.xs[j][r, kk]

    def _partial_candidate(self, pool: int | None, r: np.ndarray, kk: np.ndarray) -> np.ndarray:
        """The member to reduce (largest eligible notional), -1 where none is eligible."""
        p = self.partial
        assert p is not None
        best = np.full(r.size, -1)
        best_n = np.full(r.size, -np.inf)
        for j in self._members(pool):
            notl = self._notional(j, r, kk)
            if p.kind == "fraction":
                ok = (self.f[j, r] > 0) & (notl > p.min_notional)
            else:
                ok = (self.f[j, r] > 0) & (self.book.tiers[j].bracket_index(notl) > 0)
            better = ok & (notl > best_n)
            best = np.where(better, j, best)
            best_n = np.where(better, notl, best_n)
        return best

    def _close_part(self, pool: int | None, r: np.ndarray, kk: np.ndarray,
                    cand: np.ndarray) -> None:
        p = self.partial
        assert p is not None
        b = self.book
        for j in np.unique(cand):
            m = cand == j
            rr, k = r[m], kk[m]
            j = int(j)
            old = self.f[j, rr].copy()
            x = self.xs[j][rr, k]
            notl = old * b.u[j] * x
            if p.kind == "fraction":
                new = old * (1.0 - p.fraction)
            else:
                t = b.tiers[j]
                br = t.bracket_index(notl)
                target = t.floors[br] * (1.0 - 1e-12)      # just below the breached bracket
                new = old * target / notl
            d = old - new
            closed_notional = d * b.u[j] * x
            realized = d * b.upnl(j, x)
            mb = self._margin_balance(pool, rr, k)
            if self.liq_rate is None:
                # a forfeit venue takes the remaining margin only when the pool closes in full
                base = np.zeros(rr.size)
            else:
                base = self.liq_rate * closed_notional
            fee = np.minimum(base, np.maximum(mb, 0.0))
            iso = pool is not None
            self._set_f(j, rr, k, new, iso)
            delta = realized - fee
            if iso:
                self.c_iso[j, rr] += delta
            else:
                self.c_cross[rr] += delta
            self.realized[j, rr] += realized
            self.fees_total[rr] += fee
            self.n_partial[rr] += 1
            price = b.price(x)
            for q, rw in enumerate(rr.tolist() if self.record else []):
                self._event(path=rw, step=int(k[q]), kind="partial liquidation", position=j,
                            quantity=float(d[q] * b.positions[j].quantity), price=float(price[q]),
                            fee=float(fee[q]), insurance_payout=0.0, realized=float(realized[q]),
                            amount=0.0,
                            note=(f"{p.kind.replace('_', ' ')}: closed "
                                  f"{d[q] * b.positions[j].quantity:.6g} of "
                                  f"{old[q] * b.positions[j].quantity:.6g}"))

    def _close_pool(self, pool: int | None, r: np.ndarray, kk: np.ndarray) -> None:
        b = self.book
        members = [j for j in self._members(pool)]
        cols = kk[:, None]
        wallet = (self._wallet_c(r, cols) if pool is None else self._wallet_i(pool, r, cols))[:, 0]
        up = np.zeros(r.size)
        notl = np.zeros(r.size)
        per = {}
        for j in members:
            u = self._upnl(j, r, cols)[:, 0]
            per[j] = u
            up += u
            notl += self._notional(j, r, kk)
        mb = wallet + up
        if self.liq_rate is None:
            fee = np.maximum(mb, 0.0)
        else:
            fee = np.minimum(self.liq_rate * notl, np.maximum(mb, 0.0))
        keep = np.maximum(mb - fee, 0.0)
        gap = np.maximum(-mb, 0.0)
        first = None
        for j in members:
            open_j = self.f[j, r] > 0
            if not open_j.any():
                continue
            rr = r[open_j]
            qty = self.f[j, rr] * b.positions[j].quantity
            self.realized[j, rr] += per[j][open_j]
            self.liq_at[j, rr] = kk[open_j]
            lead = first is None
            if lead:
                first = j
            # the pool's fee and payout are reported on its first open member
            is_first = np.ones(rr.size, bool)
            if not lead:
                is_first = np.zeros(rr.size, bool)
            self.forfeited[j, rr] += np.where(is_first, fee[open_j], 0.0)
            self.payout[j, rr] += np.where(is_first, gap[open_j], 0.0)
            price = b.price(self.xs[j][rr, kk[open_j]])
            for q, rw in enumerate(rr.tolist() if self.record else []):
                self._event(path=rw, step=int(kk[open_j][q]), kind="liquidation", position=j,
                            quantity=float(qty[q]), price=float(price[q]),
                            fee=float(fee[open_j][q]) if lead else 0.0,
                            insurance_payout=float(gap[open_j][q]) if lead else 0.0,
                            realized=float(per[j][open_j][q]), amount=0.0,
                            note=("cross pool liquidated" if pool is None
                                  else "isolated position liquidated"))
            self.f[j, rr] = 0.0
        self.fees_total[r] += fee
        self.payout_total[r] += gap
        if pool is None:
            self.c_cross[r] = keep
        else:
            self.c_iso[pool, r] = 0.0
            self.c_cross[r] += keep          # what the isolated pool keeps returns to cross

    def _auto_add(self, i: int, r: np.ndarray, kk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bybit's auto-margin replenishment; returns the rows still breaching after it.

        Trigger: the position would be liquidated (its margin balance reaches its
        maintenance margin). Amount: the initial margin the position currently uses
        (``quantity x entry / leverage``), or all that is available when less; no top-up takes
        the position below 1x leverage (margin at most the position value). It repeats while
        the position still breaches and money is available. Source: Bybit Help Center,
        "Auto-Margin Replenishment (USDT Contracts)", 2023-12-04 (read 2026-12-02).
        """
        b = self.book
        pend, pk = r, kk
        eps = 1e-12 * max(1.0, float(b.notional_entry[i]))
        for _ in range(64):
            if pend.size == 0:
                break
            avail, wc = self._avail(pend, pk)
            limit = np.minimum(avail, np.maximum(wc, 0.0))
            f = self.f[i, pend]
            im_now = f * b.notional_entry[i] / b.lev[i]    # initial margin of the open part
            cap_1x = f * b.notional_entry[i]                # no top-up beyond 1x leverage
            margin = self._wallet_i(i, pend, pk[:, None])[:, 0]
            room = np.maximum(cap_1x - margin, 0.0)
            amt = np.minimum(np.minimum(im_now, limit), room)
            go = amt > eps
            if not go.any():
                break
            rr, k, a = pend[go], pk[go], amt[go]
            self.c_cross[rr] -= a
            self.c_iso[i, rr] += a
            self.topups[rr] += a
            x = b.price(self.xs[i][rr, k])
            for q, rw in enumerate(rr.tolist() if self.record else []):
                self._event(path=rw, step=int(k[q]), kind="auto-add margin", position=i,
                            quantity=0.0, price=float(x[q]), fee=0.0, insurance_payout=0.0,
                            realized=0.0, amount=float(a[q]),
                            note=f"auto-add margin: {a[q]:,.2f} {self.cur} from the available "
                                 "balance (the position's initial margin, or all that is left)")
            still = self._g_at(i, rr, k) <= self.tol
            pend, pk = rr[still], k[still]
        still = self._g_at(i, r, kk) <= self.tol
        return r[still], kk[still]

    # -- transfers ----------------------------------------------------------------------------
    def transfer(self, e: Any, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Apply one scheduled transfer on ``rows`` (all at step ``e.step``)."""
        snap = self._snapshot(rows)
        try:
            return self._transfer(e, rows)
        finally:
            self._mark_dirty(rows, snap)
            self._probe_update(rows, np.full(rows.size, e.step, dtype=np.int64), snap)

    def _transfer(self, e: Any, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = np.full(rows.size, e.step, dtype=np.int64)
        cols = k[:, None]
        ok = np.ones(rows.size, bool)
        reason = np.full(rows.size, "done", dtype=object)
        cur = self.cur
        avail, wc = self._avail(rows, k)
        cross_open = self._cross_open(rows)
        if e.kind in ("add_margin", "remove_margin"):
            i = int(e.position)
            open_i = self.f[i, rows] > 0
            liq = self.liq_at[i, rows]
            for q in np.flatnonzero(~open_i):
                reason[q] = (f"refused: position #{i + 1} was already liquidated at step "
                             f"{int(liq[q])}")
            ok &= open_i
            if e.kind == "add_margin":
                limit = np.minimum(avail, np.maximum(wc, 0.0))
                over = ok & (e.amount > limit + 1e-9)
                for q in np.flatnonzero(over):
                    reason[q] = (f"refused: only {limit[q]:,.2f} {cur} is available (cross margin"
                                 " balance of open positions minus their initial margin)")
                ok &= ~over
                dc, di = -e.amount, e.amount
            else:
                m = self._wallet_i(i, rows, cols)[:, 0]
                x = self._x(i, rows, cols)[:, 0]
                f = self.f[i, rows]
                mm = self._mm_f(i, f[:, None], x[:, None])[:, 0]
                up = f * self.book.upnl(i, x)
                im = f * self.book.im(i, x)
                limit = np.maximum(0.0, np.minimum(m - mm, m + up - im))
                over = ok & (e.amount > limit + 1e-9)
                for q in np.flatnonzero(over):
                    reason[q] = f"refused: at most {limit[q]:,.2f} {cur} can be removed"
                ok &= ~over
                dc, di = e.amount, -e.amount
            rr = rows[ok]
            self.c_cross[rr] += dc
            self.c_iso[i, rr] += di
            # undo where the move leaves a pool at or past its requirement
            bad = np.zeros(rows.size, bool)
            if ok.any():
                kk = k[ok]
                g_i = self._g_at(i, rr, kk)
                b_ok = g_i <= self.tol
                if self.cross_idx:
                    g_c = self._g_at(None, rr, kk)
                    b_ok |= (g_c <= self.tol) & self._cross_open(rr) & (dc < 0)
                bad[np.flatnonzero(ok)[b_ok]] = True
            if bad.any():
                rb = rows[bad]
                self.c_cross[rb] -= dc
                self.c_iso[i, rb] -= di
                reason[bad] = "refused: it would leave a pool at its liquidation point"
                ok &= ~bad
        else:
            if e.kind == "withdraw":
                # with no open cross position the available balance is the settled wallet
                limit = np.minimum(avail, np.maximum(wc, 0.0))
                over = e.amount > limit + 1e-9
                for q in np.flatnonzero(over):
                    reason[q] = (f"refused: only {limit[q]:,.2f} {cur} can be withdrawn (the "
                                 "available balance)")
                ok &= ~over
                rr = rows[ok]
                self.c_cross[rr] -= e.amount
                if ok.any() and self.cross_idx:
                    g_c = self._g_at(None, rr, k[ok])
                    b_ok = (g_c <= self.tol) & cross_open[ok]
                    bad = np.zeros(rows.size, bool)
                    bad[np.flatnonzero(ok)[b_ok]] = True
                    if bad.any():
                        self.c_cross[rows[bad]] += e.amount
                        reason[bad] = ("refused: it would leave the cross pool at its "
                                       "liquidation point")
                        ok &= ~bad
            else:
                self.c_cross[rows] += e.amount
        self._log_change(k[ok], rows[ok], False)
        return ok, reason


def run_rules(
    book: Book, cross: np.ndarray, xs: Sequence[np.ndarray], *, H: np.ndarray | None,
    F: np.ndarray | FundingSchedule | None, c_cross0: float, iso0: np.ndarray,
    events: Sequence[Any],
    liq_rate: float | None, partial: PartialLiquidation | None, auto_add: np.ndarray,
    record: bool = False, probe_steps: np.ndarray | None = None, tol: float = 0.0,
    currency: str = "", first_breach: dict[int, np.ndarray] | None = None,
    probe_x: Sequence[np.ndarray] | None = None,
) -> RulesOutput:
    """Run the path rules on every path (see the module docstring).

    Parameters
    ----------
    book : Book
        The account's positions as arrays (original quantities).
    cross : ndarray of bool, (P,)
        Which positions are in the cross pool.
    xs : list of (n, T) arrays
        ``x`` (price or 1 / price) of each position's symbol.
    H : (P, n, T) array or None
        ``uPnL - MM`` of each whole position (a cache; computed when missing).
    F : (P, n, T) array, FundingSchedule or None
        Cumulative funding paid per unit share (``None``: no funding); a
        :class:`~margin_widgets.core.funding.FundingSchedule` holds it at the funding events
        only (the same numbers, read at ``t // E``).
    c_cross0, iso0
        Cross wallet after opening fees, and each position's isolated margin.
    events : list of TransferEvent, sorted by step
    first_breach : dict, optional
        ``{pool: (n,) steps}``: each pool's first breach from the starting state, found by the
        caller (pool ``P`` is the cross pool; ``T`` where never). The first scan of those
        pools is then skipped; ``H`` may be None (later scans compute h from ``xs``).
    probe_x : list of (len(probe_steps), n) arrays, optional
        Each position's ``x`` at the probe steps (steps first), when the caller has it.
    """
    R = _Rules(book, cross, xs, H, F, c_cross0, iso0, liq_rate=liq_rate, partial=partial,
               auto_add=auto_add, record=record, probe_steps=probe_steps, tol=tol,
               currency=currency, probe_x=probe_x)
    for pi, k in (first_breach or {}).items():
        R.cache_k[pi] = k
        R.cache_lo[pi] = 0
        R.cache_hi[pi] = R.T
        R.dirty[pi] = False
    n, T = R.n, R.T
    steps = sorted({e.step for e in events})
    groups = [[e for e in events if e.step == s] for s in steps]
    transfers: list[dict[str, Any]] = []
    for e in events:
        transfers.append({"step": e.step, "kind": e.kind, "position": e.position,
                          "amount": e.amount, "accepted": np.zeros(n, bool),
                          "reasons": np.full(n, "", dtype=object)})
    tmap = {id(e): transfers[q] for q, e in enumerate(events)}
    t_cur = np.zeros(n, dtype=np.int64)
    gp = np.zeros(n, dtype=np.int64)               # next transfer group per path
    step_arr = np.array(steps + [T], dtype=np.int64)
    rows = np.arange(n)
    while rows.size:
        nxt = step_arr[gp[rows]]
        kb = R._first_breach(rows, t_cur[rows], nxt)
        liq = kb < nxt
        if liq.any():
            r = rows[liq]
            R.liquidate(r, kb[liq])
            t_cur[r] = kb[liq] + 1
        tr = ~liq & (nxt < T)
        if tr.any():
            r = rows[tr]
            # paths reach their next transfer group in step order; handle by group
            g_of = gp[r].copy()        # each path handles only the group it has reached
            for gi in np.unique(g_of):
                rg = r[g_of == gi]
                for e in groups[int(gi)]:
                    ok, reason = R.transfer(e, rg)
                    rec = tmap[id(e)]
                    rec["accepted"][rg] = ok
                    rec["reasons"][rg] = reason
                t_cur[rg] = steps[int(gi)]
                gp[rg] += 1
        done = ~liq & ~tr
        rows = rows[~done]
        rows = rows[t_cur[rows] < T]
    R.finish_probe()
    return RulesOutput(
        liquidated_at=R.liq_at, f_final=R.f, c_cross_final=R.c_cross, c_iso_final=R.c_iso,
        forfeited=R.forfeited, insurance_payout=R.payout, realized=R.realized,
        liq_fees_total=R.fees_total, payout_total=R.payout_total, topups_total=R.topups,
        n_partial=R.n_partial, equity_at=R.equity_at, changes=R.changes, events=R.events,
        transfers=transfers,
    )
