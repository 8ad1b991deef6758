"""What a chart receives: a simulation result reduced to about twice the plot width.

A :class:`ResultView` holds the decimated arrays of one :class:`SimulationResult` plus the
labels, colours and event texts the charts need. It does no finance: every number is a slice
of an array the engine computed (``result.liquidation_price[:, idx]`` and so on) or a sum of
the engine's own per-event figures. Charts only read views; they never see the result.

The indices come from :func:`margin_widgets.core.decimate.decimate_indices` (min/max per
bucket), with liquidation and transfer steps always kept. A view built with ``n_out=1600``
from a million-step path therefore carries about 1,600 points per line.

A thinned result (``simulate(..., display_points=...)``, what the dashboards run on long
paths) holds columns at some steps only (``result.step_index``): the view decimates its
columns the same way, and ``idx`` (the x of every line) is the path steps of the columns
kept, so the charts of a thinned and of a full result share one step axis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.decimate import decimate_indices
from ..core.explain import EventNote, event_notes
from ..core.simulation import SimulationResult
from . import style

__all__ = ["PositionInfo", "PoolInfo", "EventInfo", "ResultView", "result_view",
           "event_steps", "liquidation_events"]


@dataclass(frozen=True)
class PositionInfo:
    """Labels of one position as the charts show it."""

    index: int
    symbol: str
    side: str
    mode: str
    entry_price: float
    label: str
    color: str
    liquidated_at: int


@dataclass(frozen=True)
class PoolInfo:
    """A margin pool (the cross pool, or one isolated position)."""

    name: str
    label: str
    mode: str
    color: str
    members: tuple[int, ...]


# An event to mark on the price chart, with its hover text: core's own event note (one
# definition of the words and the losses, in margin_widgets.core.explain).
EventInfo = EventNote


@dataclass
class ResultView:
    """Decimated arrays of one result (see the module docstring).

    Shapes: ``n`` kept steps, ``P`` positions, ``k`` pools.
    """

    steps: int                          # steps of the path (not of a thinned result)
    idx: np.ndarray                     # path step of each kept point
    currency: str
    price_decimals: int
    marks: dict[str, np.ndarray]
    last: dict[str, np.ndarray] | None
    positions: list[PositionInfo]
    unrealized_pnl: np.ndarray          # (P, n)
    liquidation_price: np.ndarray       # (P, n)
    bankruptcy_price: np.ndarray        # (P, n)
    wallet_balance: np.ndarray          # (n,)
    equity: np.ndarray                  # (n,)
    pools: list[PoolInfo]
    pool_margin_balance: np.ndarray     # (k, n)
    pool_maintenance_margin: np.ndarray  # (k, n)
    pool_margin_ratio: np.ndarray       # (k, n)
    events: list[EventInfo] = field(default_factory=list)
    label: str = ""

    @property
    def x(self) -> np.ndarray:
        """Step numbers of the kept points (float, for the x scale)."""
        return self.idx.astype(float)

    def positions_on(self, symbol: str) -> list[PositionInfo]:
        """Positions held on ``symbol``."""
        return [p for p in self.positions if p.symbol == symbol]


def _position_label(i: int, p: Any) -> str:
    return f"#{i + 1} {p.symbol} {p.side} ({p.mode})"


def event_steps(result: SimulationResult) -> list[int]:
    """Steps that decimation must keep: each liquidation, the step before it, transfers."""
    keep: list[int] = []
    for k in np.atleast_1d(result.liquidated_at).tolist():
        if k >= 0:
            keep += [int(k), max(0, int(k) - 1)]
    keep += [int(rec["step"]) for rec in result.transfer_log]
    # partial liquidations and automatic top-ups happen at steps of their own
    keep += [int(ev["step"]) for ev in getattr(result, "rule_events", [])
             if ev.get("path", 0) == 0]
    return keep


def liquidation_events(result: SimulationResult) -> list[EventInfo]:
    """Liquidations and transfers of a single-path result, with a plain-words hover text.

    The words and the losses are :func:`margin_widgets.core.explain.event_notes`.
    """
    return event_notes(result)


def _pools(result: SimulationResult) -> tuple[list[PoolInfo], list[int]]:
    acct = result.account
    pools: list[PoolInfo] = []
    rows: list[int] = []
    cross = acct.cross_indices
    if cross:
        pools.append(PoolInfo("cross", "cross pool", "cross", style.mode_color("cross", 0),
                              tuple(cross)))
        rows.append(cross[0])
    n_iso = 0
    for i, p in enumerate(acct.positions):
        if p.mode == "isolated":
            pools.append(PoolInfo(f"isolated #{i + 1}", f"isolated #{i + 1} {p.symbol}",
                                  "isolated", style.mode_color("isolated", n_iso), (i,)))
            rows.append(i)
            n_iso += 1
    return pools, rows


def result_view(
    result: SimulationResult,
    *,
    n_out: int = 1600,
    basis: Sequence[np.ndarray] | None = None,
    keep: Iterable[int] = (),
    label: str = "",
    mode_colors: str | None = None,
) -> ResultView:
    """Reduce a single-path result to the points a chart of ``n_out / 2`` pixels needs.

    Parameters
    ----------
    result : SimulationResult
        A single-path result (``result.single``).
    n_out : int
        Rough number of points per line.
    basis : sequence of arrays, optional
        Series whose extremes must survive (default: every mark path and the equity), one
        value per column of ``result``. The budget ``n_out`` is shared among them, so the
        union stays near ``n_out``.
    keep : iterable of int
        Extra path steps to keep (liquidations and transfers are always kept; a thinned
        result keeps those, and only steps it holds can be kept).
    label : str
        Name of the run (``"cross"`` / ``"isolated"`` in a comparison).
    mode_colors : {"cross", "isolated"}, optional
        Colour every position from that mode's family (comparison columns).
    """
    if not result.single:
        raise ValueError("charts show one path; pass a single-path result")
    acct = result.account
    series = list(basis) if basis is not None else [*result.marks.values(), result.equity]
    per = max(64, int(n_out) // max(1, len(series)))
    keep_all = [*event_steps(result), *keep]
    where = result.step_index
    if where is not None:
        # a thinned result: steps to kept columns (a step it did not keep has no column)
        ks = np.asarray(keep_all, dtype=np.int64)
        cols = np.searchsorted(where, ks)
        ok = cols < where.size
        ok[ok] = where[cols[ok]] == ks[ok]
        keep_all = cols[ok].tolist()
    idx = decimate_indices(np.vstack([np.asarray(s, dtype=float) for s in series]), per,
                           keep_all)
    x = idx if where is None else np.asarray(where)[idx]
    positions = []
    counters = {"cross": 0, "isolated": 0}
    for i, p in enumerate(acct.positions):
        fam = mode_colors or p.mode
        positions.append(PositionInfo(
            i, p.symbol, p.side, p.mode, p.entry_price, _position_label(i, p),
            style.mode_color(fam, counters[fam]), int(np.asarray(result.liquidated_at)[i])))
        counters[fam] += 1
    pools, rows = _pools(result)
    if mode_colors is not None:
        pools = [PoolInfo(pl.name, pl.label, pl.mode, style.mode_color(mode_colors, j),
                          pl.members) for j, pl in enumerate(pools)]
    P = len(acct.positions)
    empty = np.empty((0, idx.size))
    return ResultView(
        steps=result.path_steps if result.path_steps is not None else result.steps,
        idx=x,
        currency=acct.currency,
        price_decimals=acct.venue.price_decimals,
        marks={s: np.asarray(m)[idx] for s, m in result.marks.items()},
        last=({s: np.asarray(m)[idx] for s, m in result.last_prices.items()}
              if result.last_prices else None),
        positions=positions,
        unrealized_pnl=result.unrealized_pnl[:, idx] if P else empty,
        liquidation_price=result.liquidation_price[:, idx] if P else empty,
        bankruptcy_price=result.bankruptcy_price[:, idx] if P else empty,
        wallet_balance=np.asarray(result.wallet_balance)[idx],
        equity=np.asarray(result.equity)[idx],
        pools=pools,
        pool_margin_balance=result.pool_margin_balance[rows][:, idx] if rows else empty,
        pool_maintenance_margin=(result.pool_maintenance_margin[rows][:, idx] if rows
                                 else empty),
        pool_margin_ratio=result.pool_margin_ratio[rows][:, idx] if rows else empty,
        events=liquidation_events(result),
        label=label,
    )
