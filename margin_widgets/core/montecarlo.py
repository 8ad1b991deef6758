"""Monte Carlo: how likely is a liquidation, cross against isolated, over thousands of paths.

``monte_carlo`` keeps only summaries: per mode, each position's liquidation step on each path,
final equity, the share of paths liquidated by each step and percentile bands of equity on a
reduced time grid. Paths are processed chunk by chunk so that memory stays bounded whatever the
number of paths.

Speed comes from two observations. A position's contribution to its pool,
``h(x) = uPnL(x) - MM(x)``, does not depend on the margin mode, so it is computed once per chunk
and used by both modes. And inside one bracket ``h`` is affine in ``x`` (``x = P`` or ``1/P``),
so when a chunk's notionals stay in one bracket (the usual case) ``h`` is one multiply-add per
element; otherwise the bracket is looked up per element.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .account import Account
from .errors import MarginInputError
from .simulation import _rate_array, prepare_paths

__all__ = ["MonteCarloResult", "MonteCarloCancelled", "monte_carlo"]


class MonteCarloCancelled(RuntimeError):
    """Raised when the progress callback asks to stop."""


@dataclass
class MonteCarloResult:
    """Summaries of one margin mode over many paths.

    Attributes
    ----------
    liquidated_at : ndarray, (P, n_paths)
        Step of each position's liquidation on each path, -1 if never.
    final_equity : ndarray, (n_paths,)
        Wallet balance + uPnL of positions still open at the last step.
    liquidation_probability : ndarray, (T,)
        Share of paths on which at least one position was liquidated by step ``t``.
    band_steps : ndarray, (k,)
        Steps at which equity percentiles are given.
    equity_bands : ndarray, (len(percentiles), k)
        Percentiles of equity over paths at ``band_steps``.
    """

    mode: str
    account: Account
    liquidated_at: np.ndarray
    final_equity: np.ndarray
    liquidation_probability: np.ndarray
    position_liquidation_probability: np.ndarray
    band_steps: np.ndarray
    percentiles: tuple[float, ...]
    equity_bands: np.ndarray
    initial_wallet: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def loss(self) -> np.ndarray:
        """Initial wallet minus final equity, per path (positive = money lost)."""
        return self.initial_wallet - self.final_equity

    @property
    def probability_of_liquidation(self) -> float:
        """Share of paths with at least one liquidation."""
        return float(self.liquidation_probability[-1])

    def summary(self) -> dict[str, float]:
        """Headline numbers: liquidation probability, mean / median / 95th percentile loss."""
        loss = self.loss
        return {
            "probability_of_liquidation": self.probability_of_liquidation,
            "mean_final_equity": float(self.final_equity.mean()),
            "median_final_equity": float(np.median(self.final_equity)),
            "mean_loss": float(loss.mean()),
            "loss_95": float(np.percentile(loss, 95)),
            "worst_loss": float(loss.max()),
        }


class _Contribution:
    """``h(x) = sigma u (x - xE) - MM(x)`` of one position, fast for chunks in one bracket."""

    def __init__(self, acct: Account, i: int) -> None:
        b = acct.book
        self.book, self.i = b, i
        self.t = b.tiers[i]
        self.u = float(b.u[i])
        self.sig_u = float(b.sigma[i] * b.u[i])
        self.c0 = -self.sig_u * float(b.xE[i])
        self.extra = b.extra
        self.entry = b.entry_basis
        self.mm_entry = float(b.mm_entry[i])
        # With rates that never fall and derived maintenance amounts, MM is convex and
        # continuous: the maximum of its bracket lines. Then h is the minimum of a few affine
        # functions of x, much cheaper than a per-element bracket look-up.
        t = self.t
        self.convex = bool(np.all(np.diff(t.mmrs) >= 0) and np.allclose(
            np.diff(t.cums), t.floors[1:] * np.diff(t.mmrs), rtol=1e-9, atol=1e-9))

    def __call__(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        if self.entry:
            np.multiply(x, self.sig_u, out=out)
            out += self.c0 - self.mm_entry
            return out
        lo, hi = float(x.min()) * self.u, float(x.max()) * self.u
        b_lo, b_hi = int(self.t.bracket_index(lo)), int(self.t.bracket_index(hi))
        if b_lo == b_hi:
            m = float(self.t.mmrs[b_lo]) + self.extra
            np.multiply(x, self.sig_u - self.u * m, out=out)
            out += self.c0 + float(self.t.cums[b_lo])
            return out
        if self.convex and b_hi - b_lo <= 3:
            tmp = np.empty_like(out)
            for k, b in enumerate(range(b_lo, b_hi + 1)):
                m = float(self.t.mmrs[b]) + self.extra
                dst = out if k == 0 else tmp
                np.multiply(x, self.sig_u - self.u * m, out=dst)
                dst += self.c0 + float(self.t.cums[b])
                if k:
                    np.minimum(out, tmp, out=out)
            return out
        np.multiply(x, self.sig_u, out=out)
        out += self.c0
        out -= self.t.maintenance_margin(self.u * x, self.extra)
        return out


def _first_true(hit: np.ndarray, T: int) -> np.ndarray:
    k = np.argmax(hit, axis=-1)
    any_hit = hit[np.arange(hit.shape[0]), k]
    return np.where(any_hit, k, T)


def monte_carlo(
    account: Account,
    paths: Mapping[str, Any],
    *,
    allocation: Sequence[float] | None = None,
    funding_rate: float | Sequence[float] | Mapping[str, Any] = 0.0,
    funding_every: int | None = None,
    fees: bool = True,
    percentiles: Sequence[float] = (5, 25, 50, 75, 95),
    band_points: int = 200,
    chunk_size: int = 256,
    progress: Callable[[float], bool | None] | None = None,
) -> dict[str, MonteCarloResult]:
    """Liquidation statistics over many paths, for every position cross and every isolated.

    Parameters
    ----------
    account : Account
        Starting account; its modes are overridden (all cross, then all isolated).
    paths : mapping of symbol to array (n_paths, T)
        Mark paths; every symbol the same shape.
    allocation : sequence of float, optional
        Isolated margin per position in the isolated run (default: initial margin).
    funding_rate, funding_every, fees
        As in :func:`simulate`.
    percentiles : sequence of float
        Equity percentiles reported on ``band_points`` evenly spaced steps.
    chunk_size : int
        Paths per chunk (bounds memory: about ``chunk_size x T x 8`` bytes per array).
    progress : callable, optional
        Called with the fraction done after each chunk; returning ``False`` cancels
        (:class:`MonteCarloCancelled` is raised).

    Returns
    -------
    dict
        ``{"cross": MonteCarloResult, "isolated": MonteCarloResult}``.

    Notes
    -----
    Same liquidation rule as :func:`simulate`: a pool is liquidated at the first step with
    ``wallet + sum uPnL <= sum MM``; cross loses its whole pool, isolated its own margin.

    Examples
    --------
    >>> import numpy as np
    >>> from margin_widgets.core import Account, Position, RiskTiers, Venue, monte_carlo
    >>> acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
    ...                [Position("BTCUSDT", "long", 1, 60_000, leverage=10)])
    >>> paths = np.array([[60_000, 55_000, 53_000], [60_000, 61_000, 62_000]], dtype=float)
    >>> mc = monte_carlo(acct, {"BTCUSDT": paths})
    >>> mc["isolated"].liquidated_at.tolist(), mc["cross"].liquidated_at.tolist()
    ([[2, -1]], [[-1, -1]])
    """
    X, _single, n, T = prepare_paths(account, paths)
    if chunk_size < 1:
        raise MarginInputError("chunk_size must be positive")
    cross_acct = account.with_mode("cross")
    iso_acct = account.with_mode("isolated", allocation)
    book = account.book
    P = book.n
    venue = account.venue
    contrib = [_Contribution(account, i) for i in range(P)]
    fee_total = float((venue.taker_fee * book.notional_entry).sum()) if fees else 0.0
    w0 = account.wallet_balance
    iso_m = iso_acct.isolated_margins
    iso_free = w0 - float(iso_m.sum()) - fee_total      # cross wallet of the isolated run
    cross_w = w0 - fee_total
    liq_rate = venue.liquidation_fee_rate

    funding = funding_every is not None
    if funding:
        if int(funding_every) < 1:  # type: ignore[arg-type]
            raise MarginInputError("funding_every must be a positive number of steps")
        steps = np.arange(T)
        is_f = (steps % int(funding_every) == 0) & (steps > 0)  # type: ignore[arg-type]
        rates = [(_rate_array(funding_rate, p.symbol, T) * is_f) for p in account.positions]

    pct = tuple(float(q) for q in percentiles)
    band_steps = np.unique(np.linspace(0, T - 1, min(band_points, T)).round().astype(int))
    tau = {"cross": np.empty((P, n), dtype=np.int64), "isolated": np.empty((P, n), np.int64)}
    final = {"cross": np.empty(n), "isolated": np.empty(n)}
    bands_eq = {"cross": np.empty((n, band_steps.size)),
                "isolated": np.empty((n, band_steps.size))}
    syms = [p.symbol for p in account.positions]

    for start in range(0, n, chunk_size):
        stop = min(n, start + chunk_size)
        m = stop - start
        rows = np.arange(m)
        xs = {s: book.x(X[s][start:stop]) for s in dict.fromkeys(syms)}
        h = np.empty((P, m, T))
        for i in range(P):
            contrib[i](xs[syms[i]], h[i])
        cum_f = None
        if funding:
            cum_f = np.zeros((P, m, T))
            for i in range(P):
                if rates[i].any():
                    notional = book.u[i] * xs[syms[i]]
                    cum_f[i] = np.cumsum(book.s[i] * notional * rates[i], axis=-1)
                    h[i] -= cum_f[i]            # funding drains the pool that pays it

        # upnl only where it is needed: at the band steps and at a pool's liquidation step
        def upnl_at(i: int, k: Any, rows: Any = rows, xs: Any = xs) -> Any:
            """UPnL at one step per path (``k`` has one entry per path)."""
            return book.upnl(i, xs[syms[i]][rows, k])

        def upnl_cols(i: int, cols: Any, xs: Any = xs) -> Any:
            """UPnL of every path at the steps ``cols``."""
            return book.upnl(i, xs[syms[i]][:, cols])

        def notional_at(i: int, k: Any, rows: Any = rows, xs: Any = xs) -> Any:
            return book.u[i] * xs[syms[i]][rows, k]

        def keep_after(mb: Any, notl: Any) -> Any:
            if liq_rate is None:
                return np.zeros_like(mb)
            return np.maximum(mb - np.minimum(liq_rate * notl, np.maximum(mb, 0)), 0.0)

        # -- cross: one pool -------------------------------------------------------------
        g = h.sum(axis=0) if P > 1 else h[0]
        tc = _first_true(g <= -cross_w, T)
        tau["cross"][:, start:stop] = tc
        kk = np.minimum(tc, T - 1)
        mb_liq = cross_w + sum(upnl_at(i, kk) for i in range(P)) - (
            sum(cum_f[i][rows, kk] for i in range(P)) if cum_f is not None else 0.0)
        keep = keep_after(mb_liq, sum(notional_at(i, kk) for i in range(P)))
        eq_b = cross_w + sum(upnl_cols(i, band_steps) for i in range(P))
        if cum_f is not None:
            eq_b = eq_b - cum_f[:, :, band_steps].sum(axis=0)
        bands_eq["cross"][start:stop] = np.where(band_steps[None] < tc[:, None], eq_b,
                                                 keep[:, None])
        final["cross"][start:stop] = bands_eq["cross"][start:stop, -1]   # last band = T - 1

        # -- isolated: one pool per position ----------------------------------------------
        eq_iso_b = np.full((m, band_steps.size), iso_free)
        for i in range(P):
            ti = _first_true(h[i] <= -iso_m[i], T)
            tau["isolated"][i, start:stop] = ti
            k_i = np.minimum(ti, T - 1)
            mb_i = iso_m[i] + upnl_at(i, k_i) - (cum_f[i][rows, k_i] if cum_f is not None
                                                  else 0.0)
            keep_i = keep_after(mb_i, notional_at(i, k_i))
            val = iso_m[i] + upnl_cols(i, band_steps)
            if cum_f is not None:
                val = val - cum_f[i][:, band_steps]
            eq_iso_b += np.where(band_steps[None] < ti[:, None], val, keep_i[:, None])
        bands_eq["isolated"][start:stop] = eq_iso_b
        final["isolated"][start:stop] = eq_iso_b[:, -1]
        if progress is not None and progress(stop / n) is False:
            raise MonteCarloCancelled(f"cancelled after {stop:,} of {n:,} paths")
        del h, g, cum_f, xs

    out = {}
    for mode, acct_m in (("cross", cross_acct), ("isolated", iso_acct)):
        t = tau[mode]
        first_any = t.min(axis=0)
        counts = np.bincount(first_any[first_any < T], minlength=T)[:T]
        prob = np.cumsum(counts) / n
        pos_prob = np.stack([np.cumsum(np.bincount(t[i][t[i] < T], minlength=T)[:T]) / n
                             for i in range(P)])
        bands = np.percentile(bands_eq[mode], pct, axis=0)
        out[mode] = MonteCarloResult(
            mode=mode, account=acct_m, liquidated_at=np.where(t < T, t, -1),
            final_equity=final[mode], liquidation_probability=prob,
            position_liquidation_probability=pos_prob, band_steps=band_steps,
            percentiles=pct, equity_bands=bands, initial_wallet=w0,
        )
    return out
