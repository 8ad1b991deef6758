"""Replaying a scenario along a price path.

At every step of a mark-price path the engine computes, per position and per pool, the
unrealized PnL, notional, initial and maintenance margin, the pool's margin balance and margin
ratio, the available balance and the liquidation and bankruptcy prices; and for the account the
wallet balance and equity. Everything is vectorised over steps and paths (a Python loop runs
over positions, symbols and scheduled events only).

Within one step, things happen in this order: funding is paid, scheduled transfers are applied,
then the liquidation engine looks at the pools.

- **Liquidation trigger**: the first step at which a pool's margin balance <= its maintenance
  requirement. An isolated pool closes its own position; the cross pool closes every cross
  position together. Isolated positions are untouched by a cross liquidation.
- **Outcome**: positions close at that step's mark. What remains of the pool's margin balance is
  forfeited to the insurance fund (default), or the venue charges ``liquidation_fee_rate`` on
  the notional and the trader keeps the rest. Below the bankruptcy price the pool is floored at
  zero and the insurance fund pays the gap.

Conventions of the arrays a :class:`SimulationResult` holds: risk quantities at step ``t``
(uPnL, maintenance margin, margin ratio, liquidation price) describe the positions open when the
liquidation engine looks at step ``t``, so the breach itself is visible at the liquidation step;
they are 0 (NaN for prices and ratios) afterwards. ``wallet_balance`` and ``equity`` are after
the step has settled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .account import Account, ratio
from .book import Book
from .errors import MAX_PRICE, MarginInputError, float_array, positive_finite, whole_number
from .funding import FundingSchedule, reuse_funding
from .rules import RulesOutput, run_rules

__all__ = [
    "Event",
    "TransferEvent",
    "SimulationResult",
    "simulate",
    "compare_modes",
    "attribute",
    "prepare_paths",
    "liquidation_steps",
]

TRANSFER_KINDS = ("add_margin", "remove_margin", "deposit", "withdraw")


@dataclass(frozen=True)
class TransferEvent:
    """A scheduled money movement at a step.

    Parameters
    ----------
    step : int
        Step index at which it happens (before the liquidation check of that step).
    kind : {"add_margin", "remove_margin", "deposit", "withdraw"}
        Add to / remove from an isolated position's margin (from / to the cross wallet), or
        move money into / out of the cross wallet.
    amount : float
        Positive amount in the margin currency.
    position : int or None
        The isolated position for ``add_margin`` / ``remove_margin``.
    """

    step: int
    kind: str
    amount: float
    position: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in TRANSFER_KINDS:
            raise MarginInputError(
                f"unknown event kind {self.kind!r}; use one of {', '.join(TRANSFER_KINDS)}")
        object.__setattr__(self, "amount", positive_finite(self.amount, "event amount", 1e15))
        object.__setattr__(self, "step", whole_number(self.step, "an event step", 0))
        if self.position is not None:
            object.__setattr__(self, "position",
                               whole_number(self.position, "an event's position index", 0))
        if self.kind in ("add_margin", "remove_margin") and self.position is None:
            raise MarginInputError(f"a {self.kind} event needs the position it applies to")


@dataclass(frozen=True)
class Event:
    """One row of a simulation's events table."""

    step: int
    time: Any
    kind: str
    position: int | None
    symbol: str
    mark: float
    amount: float = 0.0
    loss: float = 0.0
    fee: float = 0.0
    insurance_payout: float = 0.0
    note: str = ""
    quantity: float = 0.0


def _as_event(e: TransferEvent | Mapping[str, Any]) -> TransferEvent:
    if isinstance(e, TransferEvent):
        return e
    if isinstance(e, Mapping):
        try:
            return TransferEvent(**dict(e))
        except TypeError as exc:
            raise MarginInputError(f"a bad event {dict(e)!r}: {exc}") from None
    raise MarginInputError(f"an event must be a TransferEvent or a dict, got {e!r}")


def check_events(account: Account, events: Any, T: int,
                 require_isolated: bool = True) -> list[TransferEvent]:
    """Validate scheduled transfers against an account and a path length; sorted by step."""
    if events is None or isinstance(events, str | bytes | Mapping) or not isinstance(
            events, Iterable):
        raise MarginInputError("events must be a list of TransferEvent or dicts")
    evs = sorted((_as_event(e) for e in events), key=lambda e: e.step)
    for e in evs:
        if e.step >= T:
            raise MarginInputError(f"an event at step {e.step} is past the end of the path "
                                   f"({T} steps)")
        if e.position is not None:
            account._check_index(e.position)
            if require_isolated and account.positions[e.position].mode != "isolated":
                raise MarginInputError(
                    f"a {e.kind} event targets position #{e.position + 1}, which is cross")
    return evs


def prepare_paths(
    account: Account, paths: Mapping[str, Any],
    ranges: dict[str, tuple[float, float]] | None = None,
) -> tuple[dict[str, np.ndarray], bool, int, int]:
    """Validate the mark paths of every symbol the account holds.

    Returns ``(paths as (n_paths, T) arrays, single, n_paths, T)``; ``ranges``, when given,
    receives each symbol's lowest and highest price (found by the validation anyway).
    """
    if not isinstance(account, Account):
        raise MarginInputError("account must be an Account")
    if not isinstance(paths, Mapping):
        raise MarginInputError("paths must map each symbol to its mark-price path")
    needed = list(dict.fromkeys(p.symbol for p in account.positions))
    arrays: dict[str, np.ndarray] = {}
    shapes = set()
    single = True
    for sym in needed:
        if sym not in paths:
            raise MarginInputError(f"no price path given for {sym}")
        a = float_array(paths[sym], f"the path of {sym} must be an array of prices "
                                     "(numbers), every row the same length")
        if a.ndim not in (1, 2):
            raise MarginInputError(f"the path of {sym} must have shape (T,) or (n_paths, T)")
        if a.shape[-1] < 1:
            raise MarginInputError(f"the path of {sym} is empty")
        # two reductions decide the common case (NaN fails both comparisons); the per-element
        # mask is built only to say where a bad price is
        lo, hi = (float(a.min()), float(a.max())) if a.size else (1.0, 1.0)
        if not (lo > 0 and hi <= MAX_PRICE):
            bad = ~np.isfinite(a) | (a <= 0) | (a > MAX_PRICE)
            idx = np.argwhere(bad)[0]
            where = f"step {idx[-1]}" + (f" of path {idx[0]}" if a.ndim == 2 else "")
            raise MarginInputError(
                f"the path of {sym} has a price that is not a positive number up to "
                f"{MAX_PRICE:g} at {where}: {a[tuple(idx)]!r}")
        if ranges is not None:
            ranges[sym] = (lo, hi)
        if a.ndim == 2:
            single = False
        a = a.view()                        # may be the caller's data: never written through
        a.flags.writeable = False
        arrays[sym] = a
        shapes.add(a.shape)
    if not needed:
        raise MarginInputError("the account holds no position to simulate")
    lengths = {s[-1] for s in shapes}
    if len(lengths) != 1:
        raise MarginInputError("every symbol's path must have the same number of steps")
    T = lengths.pop()
    ns = {s[0] for s in shapes if len(s) == 2}
    if len(ns) > 1:
        raise MarginInputError("every symbol must have the same number of paths")
    n = ns.pop() if ns else 1
    out = {sym: np.ascontiguousarray(np.broadcast_to(a, (n, T))) for sym, a in arrays.items()}
    return out, single, n, T


def _rate_array(rate: Any, sym: str, T: int) -> np.ndarray:
    if isinstance(rate, Mapping):
        rate = rate.get(sym, 0.0)
    msg = "a funding rate must be a number or one finite number per step"
    r = float_array(rate, msg)
    if r.ndim == 0:
        r = np.full(T, float(r))
    if r.shape != (T,) or not np.all(np.isfinite(r)):
        raise MarginInputError(msg)
    if np.any(np.abs(r) > 1.0):
        raise MarginInputError("a funding rate is a fraction per interval; above 100 % (1.0) "
                               "is not a rate")
    return r


@dataclass
class SimulationResult:
    """Everything a scenario produced; see the module docstring for the conventions.

    Shapes: ``T`` steps, ``P`` positions, ``n`` paths; the path axis is absent when every
    input path had shape ``(T,)``.
    """

    account: Account
    marks: dict[str, np.ndarray]
    times: np.ndarray
    wallet_balance: np.ndarray
    equity: np.ndarray
    unrealized_pnl: np.ndarray
    notional: np.ndarray
    maintenance_margin: np.ndarray
    initial_margin: np.ndarray
    margin_balance: np.ndarray
    margin_ratio: np.ndarray
    cross_wallet: np.ndarray
    isolated_margin: np.ndarray
    pool_margin_balance: np.ndarray
    pool_maintenance_margin: np.ndarray
    pool_margin_ratio: np.ndarray
    available_balance: np.ndarray
    liquidation_price: np.ndarray
    bankruptcy_price: np.ndarray
    liquidated_at: np.ndarray
    realized_pnl: np.ndarray
    funding_paid: np.ndarray
    fees_paid: Any
    forfeited: np.ndarray
    insurance_payout: np.ndarray
    transfer_log: list[dict[str, Any]]
    last_prices: dict[str, np.ndarray] | None = None
    # cumulative flows per step, for attribution: (n, T) or (P, n, T)
    _cross_funding: Any = field(default=None, repr=False)
    _cross_transfers: Any = field(default=None, repr=False)
    _cross_fees: Any = field(default=None, repr=False)
    _iso_funding: Any = field(default=None, repr=False)
    _iso_transfers: Any = field(default=None, repr=False)
    single: bool = True
    quantity: Any = None
    rule_events: list[dict[str, Any]] = field(default_factory=list, repr=False)
    # a thinned result (simulate(..., keep= / display_points=)): the path step of each column
    step_index: np.ndarray | None = None
    path_steps: int | None = None

    @property
    def steps(self) -> int:
        """Number of columns of the series: ``T``, or the kept steps of a thinned result."""
        return int(self.times.shape[0])

    @property
    def thinned(self) -> bool:
        """True when the series hold only some steps (see :attr:`step_index`)."""
        return self.step_index is not None

    def column(self, step: int) -> int:
        """The column of path step ``step`` (itself, unless the result is thinned).

        A thinned result holds every step where the state changed, so every event's step has
        a column; another step raises :class:`MarginInputError`.
        """
        if self.step_index is None:
            return int(step)
        c = int(np.searchsorted(self.step_index, step))
        if c >= self.step_index.size or int(self.step_index[c]) != int(step):
            raise MarginInputError(f"step {step} is not one of the steps this result kept")
        return c

    @property
    def positions(self) -> tuple[Any, ...]:
        """The account's positions, in result order."""
        return self.account.positions

    @property
    def liquidation_started_at(self) -> np.ndarray:
        """First step at which a liquidation (partial or full) reduced each position.

        Same shape as :attr:`liquidated_at`; −1 where no liquidation touched the position.
        With full liquidation the two are equal; with partial liquidation this is the step
        the mark first reached the liquidation price, and ``liquidated_at`` the step the last
        part closed. Only liquidation changes a position's quantity along a path.
        """
        q0 = np.array([p.quantity for p in self.account.positions], dtype=float)
        q = np.asarray(self.quantity, dtype=float)
        q0 = q0.reshape((-1,) + (1,) * (q.ndim - 1))
        reduced = q < q0 * (1 - 1e-12)
        first = np.argmax(reduced, axis=-1)
        if self.step_index is not None:
            first = self.step_index[first]
        return np.where(reduced.any(axis=-1), first, -1)

    def _path(self, a: np.ndarray, path: int, pos_axis: bool) -> np.ndarray:
        n = 1 if self.single else int(self.wallet_balance.shape[0])
        if isinstance(path, bool) or not isinstance(path, int | np.integer) or not (
                0 <= path < n):
            raise MarginInputError(f"path must be a path index from 0 to {n - 1}, got {path!r}")
        if self.single:
            return a
        return a[:, path] if pos_axis else a[path]

    def events(self, path: int = 0) -> list[Event]:
        """The events table of one path: fees, transfers and liquidations, by step."""
        acct = self.account
        cur = acct.currency
        out: list[Event] = []
        fees = self._path(self._cross_fees, path, False)
        if fees.size and fees[0] > 0:
            out.append(Event(0, self.times[0], "open fee", None, "", float("nan"),
                             fee=float(fees[0]),
                             note=f"taker fee on opening every position, {fees[0]:,.2f} {cur}"))
        for rec in self.transfer_log:
            ok = rec["accepted"] if self.single else rec["accepted"][path]
            reason = rec["reason"] if self.single else rec["reasons"][path]
            i = rec["position"]
            sym = acct.positions[i].symbol if i is not None else ""
            k = rec["step"]
            c = self.column(k)
            mark = float(self._path(self.marks[sym], path, False)[c]) if sym else float("nan")
            out.append(Event(k, self.times[c], rec["kind"] + ("" if ok else " refused"), i, sym,
                             mark, amount=rec["amount"] if ok else 0.0, note=reason))
        seen_cross: set[int] = set()
        for ev in self.rule_events:
            if ev["path"] != path:
                continue
            i, k = ev["position"], ev["step"]
            p = acct.positions[i]
            c = self.column(k)
            mark = float(self._path(self.marks[p.symbol], path, False)[c])
            kind = ev["kind"]
            note = ev["note"]
            if kind == "liquidation":
                if p.mode == "cross":
                    note = ("cross pool liquidated: every cross position closed"
                            if k not in seen_cross else "closed with the cross pool")
                    seen_cross.add(k)
                elif self.account.venue.liquidation_fee_rate is None:
                    note = "isolated position liquidated: its isolated margin is lost"
                else:
                    note = ("isolated position liquidated: a fee on the closed notional, the rest "
                            "returns to the cross wallet")
            out.append(Event(k, self.times[c], kind, i, p.symbol, mark,
                             amount=ev["amount"], loss=-ev["realized"], fee=ev["fee"],
                             insurance_payout=ev["insurance_payout"], note=note,
                             quantity=ev["quantity"]))
        out.sort(key=lambda e: (e.step, e.kind != "open fee"))
        return out

    def to_frame(self, path: int = 0) -> Any:
        """A pandas DataFrame, one row per step (pandas must be installed)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover
            raise ImportError("to_frame needs pandas: pip install pandas") from exc
        cols: dict[str, Any] = {"time": self.times}
        for sym, m in self.marks.items():
            cols[f"mark {sym}"] = self._path(m, path, False)
        cols["wallet_balance"] = self._path(self.wallet_balance, path, False)
        cols["equity"] = self._path(self.equity, path, False)
        cols["margin_ratio"] = self._path(self.margin_ratio, path, False)
        cols["available_balance"] = self._path(self.available_balance, path, False)
        for i, p in enumerate(self.positions):
            tag = f"#{i + 1} {p.symbol} {p.side}"
            for name in ("unrealized_pnl", "maintenance_margin", "liquidation_price",
                         "bankruptcy_price", "pool_margin_ratio"):
                cols[f"{name} {tag}"] = self._path(getattr(self, name), path, True)[i]
        return pd.DataFrame(cols)

    def events_frame(self, path: int = 0) -> Any:
        """The events table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame([e.__dict__ for e in self.events(path)])


# ---------------------------------------------------------------------------------------------


class _Run:
    """The arrays of one simulation, with the helpers the event loop needs."""

    def __init__(self, account: Account, X: dict[str, np.ndarray], n: int, T: int,
                 derive: bool = True,
                 ranges: Mapping[str, tuple[float, float]] | None = None) -> None:
        self.account = account
        book: Book = account.book
        self.book = book
        self.P = book.n
        # the one bracket each position's notional stays in over the whole path (None where
        # it crosses a bracket, or MM is at entry): from each symbol's lowest and highest mark
        self.bracket: list[int | None] = [None] * self.P
        if ranges and not book.entry_basis:
            for i, p in enumerate(account.positions):
                if p.symbol in ranges:
                    lo, hi = (float(v) for v in book.x(np.array(ranges[p.symbol])))
                    n_lo, n_hi = sorted((book.u[i] * lo, book.u[i] * hi))
                    t = book.tiers[i]
                    b_lo, b_hi = int(t.bracket_index(n_lo)), int(t.bracket_index(n_hi))
                    if b_lo == b_hi:
                        self.bracket[i] = b_lo
        self.n, self.T = n, T
        self.marks = [X[p.symbol] for p in account.positions]
        # positions on one symbol share one x array
        xs = {sym: book.x(a) for sym, a in X.items()}
        self.x = [xs[p.symbol] for p in account.positions]
        if derive:
            self.derive(None)
        self.cross = np.array([p.mode == "cross" for p in account.positions])
        self.iso_idx = [i for i in range(self.P) if not self.cross[i]]
        # a price that touches the liquidation price exactly must trigger despite rounding
        self.tol = 1e-11 * float(book.notional_entry.sum() + account.wallet_balance)

    def derive(self, cols: np.ndarray | None) -> None:
        """uPnL, MM, IM and notional of every whole position, at ``cols`` (None: every step)."""
        book, P = self.book, self.P
        x = self.x if cols is None else [np.take(a, cols, axis=-1) for a in self.x]
        self.upnl = np.stack([book.upnl(i, x[i]) for i in range(P)])
        self.mm = np.stack([book.mm(i, x[i]) for i in range(P)])
        self.im = np.stack([book.im(i, x[i]) for i in range(P)])
        self.notional = np.stack([book.notional(i, x[i]) for i in range(P)])

    def first_breach(self, g: np.ndarray, upto: int | None = None) -> np.ndarray:
        """First step with ``g <= 0`` per path (``T`` if never), looking at ``[0, upto)``."""
        if upto is not None:
            g = g[..., :upto]
        hit = g <= self.tol
        k = np.argmax(hit, axis=-1)
        any_hit = np.take_along_axis(hit, k[..., None], axis=-1)[..., 0]
        return np.where(any_hit, k, self.T)


def simulate(
    account: Account,
    paths: Mapping[str, Any],
    *,
    times: Sequence[Any] | np.ndarray | None = None,
    last_prices: Mapping[str, Any] | None = None,
    funding_rate: float | Sequence[float] | Mapping[str, Any] = 0.0,
    funding_every: int | None = None,
    fees: bool = True,
    events: Iterable[TransferEvent | Mapping[str, Any]] = (),
    prices: bool = True,
    keep: Iterable[int] | np.ndarray | None = None,
    display_points: int | None = None,
) -> SimulationResult:
    """Replay ``account`` along mark-price ``paths``.

    Parameters
    ----------
    account : Account
        The starting account (positions open at their entry prices).
    paths : mapping of symbol to array
        Mark price per step, shape ``(T,)`` or ``(n_paths, T)`` for every symbol.
    times : array_like, optional
        A time stamp per step (default: step numbers), used in the events table.
    last_prices : mapping, optional
        Last-trade price paths (with wicks) kept for display; liquidation uses the mark.
    funding_rate : float, array (T,) or mapping of symbol to those
        Funding rate per interval; longs pay shorts when it is positive.
    funding_every : int, optional
        Steps between funding payments (``None``: no funding).
    fees : bool
        Charge the venue's taker fee on opening every position at step 0.
    events : iterable of TransferEvent or dict
        Scheduled margin transfers, deposits and withdrawals.
    prices : bool
        Compute liquidation and bankruptcy prices at every step (the slowest part).
    keep : iterable of int, optional
        Display steps: the liquidation engine still runs over every step of the path (the
        liquidation steps, events, realised PnL and final figures are exact), but the series
        of the result are given only at these steps, plus step 0, the last step and every
        step where the state changed (a transfer, a top-up, a liquidation: that step and the
        next). ``result.step_index`` then holds the step of each column. For long paths:
        1,000,000 steps cost the memory of the kept points, not of the path.
    display_points : int, optional
        Like ``keep``, with the steps chosen by min/max decimation of the mark paths
        (:func:`~margin_widgets.core.decimate.decimate_indices`, the budget shared by the
        symbols) to about this many points.

    Returns
    -------
    SimulationResult

    Notes
    -----
    A pool ``p`` is liquidated at the first step ``t`` with
    ``wallet_p(t) + sum uPnL_i(t) <= sum MM_i(t)``; funding at a funding step is
    ``s * N_i(t) * rate`` paid from the pool's wallet.

    Examples
    --------
    >>> from margin_widgets.core import Account, Position, RiskTiers, Venue, simulate
    >>> acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
    ...                [Position("BTCUSDT", "long", 1, 60_000, leverage=10)])
    >>> r = simulate(acct, {"BTCUSDT": [60_000, 58_000, 55_000, 52_000, 50_000]})
    >>> [round(float(v), 3) for v in r.margin_ratio[:4]]
    [0.024, 0.029, 0.044, 0.104]
    >>> int(r.liquidated_at[0]), float(r.wallet_balance[-1])
    (4, 0.0)
    """
    ranges: dict[str, tuple[float, float]] = {}
    X, single, n, T = prepare_paths(account, paths, ranges)
    evs = check_events(account, events, T)
    if funding_every is not None:
        funding_every = whole_number(funding_every, "funding_every (steps between payments)", 1)
    for flag, what in ((fees, "fees"), (prices, "prices")):
        if not isinstance(flag, bool | np.bool_):
            raise MarginInputError(f"{what} must be True or False, got {flag!r}")
    t_arr: np.ndarray | None = None        # step numbers (built once the steps kept are known)
    if times is not None:
        if isinstance(times, str | bytes):
            raise MarginInputError("times must be one time stamp per step")
        t_arr = np.asarray(times)
        if t_arr.shape != (T,):
            raise MarginInputError(f"times must have one entry per step ({T})")
    if last_prices is not None:
        if not isinstance(last_prices, Mapping):
            raise MarginInputError("last_prices must map a symbol to its last-price path")
        for sym, lp_path in last_prices.items():
            try:
                lp_arr = np.asarray(lp_path, dtype=float)
            except (TypeError, ValueError):
                raise MarginInputError(f"the last-price path of {sym} must be numbers") from None
            if lp_arr.shape[-1:] != (T,) or not np.all(np.isfinite(lp_arr)) or np.any(
                    lp_arr <= 0):
                raise MarginInputError(f"the last-price path of {sym} must have {T} positive "
                                       "prices, like its mark path")

    thin = keep is not None or display_points is not None
    keep_arr = _keep_steps(keep, T) if keep is not None else None
    if display_points is not None:
        display_points = whole_number(display_points, "display_points", 2)
    run = _Run(account, X, n, T, derive=not thin, ranges=ranges)
    book, P = run.book, run.P
    cross = run.cross

    sched = _funding(run, funding_rate, funding_every)
    out, fee_total = _rules_pass(run, sched, bool(fees), evs, thin, record=True)
    iso0 = account.isolated_margins
    tau = out.liquidated_at

    # --- the display steps ------------------------------------------------------------------
    step_index: np.ndarray | None = None
    X_full = X
    if thin:
        step_index = _display_steps(X, T, keep_arr, display_points, out)
        run.derive(step_index)
        steps = step_index
        X = {sym: np.take(a, step_index, axis=-1) for sym, a in X.items()}
        t_arr = step_index.copy() if t_arr is None else t_arr[step_index]
        if last_prices is not None:
            last_prices = {sym: np.take(np.asarray(v, dtype=float), step_index, axis=-1)
                           for sym, v in last_prices.items()}
    else:
        steps = np.arange(T)
        if t_arr is None:
            t_arr = np.arange(T)
    K = steps.size
    if sched is None:
        cum_f = np.zeros((P, n, K))
    elif step_index is None:
        cum_f = sched.dense()
    else:
        cum_f = sched.take(sched.index(step_index))

    # --- the state along the path, rebuilt from the engine's changes -------------------------
    f_at = np.ones((P, n, K))
    f_after = np.ones((P, n, K))
    cc_at = np.full((n, K), account.cross_wallet - fee_total)
    cc_after = cc_at.copy()
    ci_at = np.repeat(np.repeat(iso0[:, None, None], n, axis=1), K, axis=2).astype(float)
    ci_after = ci_at.copy()
    for k, after_only, rows, f_new, cc_new, ci_new in out.changes:
        m_after = steps[None, :] >= k[:, None]
        m_at = steps[None, :] >= (k + (1 if after_only else 0))[:, None]
        for arr, mask in ((f_after, m_after), (f_at, m_at)):
            arr[:, rows] = np.where(mask[None], f_new[:, :, None], arr[:, rows])
        for arr2, mask in ((cc_after, m_after), (cc_at, m_at)):
            arr2[rows] = np.where(mask, cc_new[:, None], arr2[rows])
        for arr, mask in ((ci_after, m_after), (ci_at, m_at)):
            arr[:, rows] = np.where(mask[None], ci_new[:, :, None], arr[:, rows])
    open_at = f_at > 0                          # open when the engine looks at the step
    partial_seen = bool(((f_at > 0) & (f_at < 1)).any() or ((f_after > 0) & (f_after < 1)).any())

    def mm_of(f: np.ndarray) -> np.ndarray:
        if not partial_seen:
            return np.where(f > 0, run.mm, 0.0)
        mm = np.zeros((P, n, K))
        for i in range(P):
            if book.entry_basis:
                mm[i] = book.tiers[i].maintenance_margin(f[i] * book.notional_entry[i],
                                                         book.extra)
            else:
                mm[i] = book.tiers[i].maintenance_margin(f[i] * run.notional[i], book.extra)
        return np.where(f > 0, mm, 0.0)

    # funding actually paid: each step's payment on the share open at that step
    if not thin:
        dF = np.diff(cum_f, axis=-1, prepend=0.0)
        fund_paid = np.cumsum(f_at * dF, axis=-1)
    else:
        fund_paid = np.zeros((P, n, K))
        if sched is not None:
            # summed over the funding events (every other step pays nothing), one position at
            # a time: the open share at each event times that event's increment of F
            assert step_index is not None
            cols = sched.index(step_index)
            for i in range(P):
                if not sched.active[i]:
                    continue
                fi = _share_at(out.changes, i, n, sched.events, 1.0)
                fund_paid[i] = np.take(sched.paid(i, fi), cols, axis=-1)
    F_at = f_at * cum_f
    F_after = f_after * cum_f
    wc_pre = cc_at - (F_at[cross].sum(axis=0) if cross.any() else 0.0)
    cross_wallet = cc_after - (F_after[cross].sum(axis=0) if cross.any() else 0.0)
    iso_pre = ci_at - F_at
    iso_after = ci_after - F_after
    iso_pre[cross] = 0.0
    iso_after[cross] = 0.0
    wallet = cross_wallet + iso_after.sum(axis=0)

    upnl_out = f_at * run.upnl
    mm_out = mm_of(f_at)
    im_out = f_at * run.im
    notional_out = f_at * run.notional
    equity = wallet + (f_after * run.upnl).sum(axis=0)
    quantity = f_after * np.array([p.quantity for p in account.positions])[:, None, None]

    # --- pools --------------------------------------------------------------------------------
    c_upnl = upnl_out[cross].sum(axis=0)
    c_mm = mm_out[cross].sum(axis=0)
    c_open = open_at[cross].any(axis=0) if cross.any() else np.zeros((n, K), bool)
    margin_balance = np.where(c_open, wc_pre + c_upnl, np.nan) if cross.any() else wc_pre * 0
    margin_ratio = np.where(c_open, ratio(c_mm, wc_pre + c_upnl), np.nan if cross.any() else 0.0)
    # available balance after the step: only the positions still open count
    c_after = cross & np.ones(P, bool)
    avail_terms = (f_after[c_after] * (run.upnl[c_after] - run.im[c_after])).sum(axis=0) \
        if cross.any() else 0.0
    available = np.maximum(0.0, cross_wallet + avail_terms)
    pool_mb = np.full((P, n, K), np.nan)
    pool_mm = np.full((P, n, K), np.nan)
    pool_ratio = np.full((P, n, K), np.nan)
    iso_margin_out = np.zeros((P, n, K))
    for i in range(P):
        if cross[i]:
            pool_mb[i] = margin_balance
            pool_mm[i] = np.where(c_open, c_mm, np.nan)
            pool_ratio[i] = margin_ratio
        else:
            iso_margin_out[i] = np.where(open_at[i], iso_pre[i], iso_after[i])
            mb = iso_pre[i] + upnl_out[i]
            pool_mb[i] = np.where(open_at[i], mb, np.nan)
            pool_mm[i] = np.where(open_at[i], mm_out[i], np.nan)
            pool_ratio[i] = np.where(open_at[i], ratio(mm_out[i], mb), np.nan)

    # --- liquidation and bankruptcy prices ---------------------------------------------------
    lp = np.full((P, n, K), np.nan)
    bp = np.full((P, n, K), np.nan)
    cross_members = [i for i in range(P) if cross[i]]
    h_at = upnl_out - mm_out
    if prices:
        for sym in book.symbols:
            legs = tuple(i for i in cross_members if account.positions[i].symbol == sym)
            if legs:
                others = [j for j in cross_members if j not in legs]
                k_mm = wc_pre + (h_at[others].sum(axis=0) if others else 0.0)
                k_b = wc_pre + (upnl_out[others].sum(axis=0) if others else 0.0)
                mark = X[sym]
                price = _solve_scaled(account, legs, k_mm, mark, f_at, True)
                bprice = _solve_scaled(account, legs, k_b, mark, f_at, False)
                for i in legs:
                    lp[i] = np.where(open_at[i], price, np.nan)
                    bp[i] = np.where(open_at[i], bprice, np.nan)
        for i in run.iso_idx:
            mark = X[account.positions[i].symbol]
            price = _solve_scaled(account, (i,), iso_pre[i], mark, f_at, True)
            bprice = _solve_scaled(account, (i,), iso_pre[i], mark, f_at, False)
            lp[i] = np.where(open_at[i], price, np.nan)
            bp[i] = np.where(open_at[i], bprice, np.nan)

    liquidated_at = np.where(tau < T, tau, -1)
    realized, forfeited, payout = out.realized, out.forfeited, out.insurance_payout
    funding_paid = fund_paid[..., -1]
    iso_fund = fund_paid
    cross_fund = iso_fund[cross].sum(axis=0) if cross.any() else np.zeros((n, K))
    # everything else that moved a pool's wallet (transfers, top-ups, what a closed isolated
    # pool returned, partial-liquidation PnL and fees), for attribution
    cross_flow = wc_pre - (account.cross_wallet - fee_total) + cross_fund
    iso_flow = iso_pre - iso0[:, None, None] + iso_fund
    iso_flow[cross] = 0.0
    transfer_log = []
    for rec in out.transfers:
        ok = rec["accepted"]
        reasons = rec["reasons"]
        transfer_log.append({
            "step": rec["step"], "kind": rec["kind"], "position": rec["position"],
            "amount": rec["amount"], "accepted": bool(ok[0]) if single else ok,
            "reason": str(reasons[0]), "reasons": [str(v) for v in reasons.tolist()],
        })

    def sq(a: np.ndarray, pos_axis: bool) -> np.ndarray:
        if not single:
            return a
        return a[:, 0] if pos_axis else a[0]

    del X_full
    marks_out = {sym: (a[0] if single else a) for sym, a in X.items()}
    lasts = None
    if last_prices is not None:
        lasts = {s: np.asarray(v, dtype=float) for s, v in last_prices.items()}
    return SimulationResult(
        account=account, marks=marks_out, times=t_arr,
        wallet_balance=sq(wallet, False), equity=sq(equity, False),
        unrealized_pnl=sq(upnl_out, True), notional=sq(notional_out, True),
        maintenance_margin=sq(mm_out, True), initial_margin=sq(im_out, True),
        margin_balance=sq(margin_balance, False), margin_ratio=sq(margin_ratio, False),
        cross_wallet=sq(cross_wallet, False), isolated_margin=sq(iso_margin_out, True),
        pool_margin_balance=sq(pool_mb, True), pool_maintenance_margin=sq(pool_mm, True),
        pool_margin_ratio=sq(pool_ratio, True), available_balance=sq(available, False),
        liquidation_price=sq(lp, True), bankruptcy_price=sq(bp, True),
        liquidated_at=sq(liquidated_at, True), realized_pnl=sq(realized, True),
        funding_paid=sq(funding_paid, True),
        fees_paid=np.float64(fee_total) if single else np.full(n, fee_total),
        forfeited=sq(forfeited, True), insurance_payout=sq(payout, True),
        transfer_log=transfer_log, last_prices=lasts, quantity=sq(quantity, True),
        rule_events=out.events,
        _cross_funding=sq(cross_fund, False),
        _cross_transfers=sq(cross_flow, False),
        _cross_fees=sq(np.full((n, K), fee_total), False),
        _iso_funding=sq(iso_fund, True), _iso_transfers=sq(iso_flow, True),
        single=single, step_index=step_index, path_steps=T,
    )


def _funding(run: _Run, funding_rate: Any, funding_every: int | None
             ) -> FundingSchedule | None:
    """Funding ``s * N * rate`` at the funding steps, kept at the funding events only."""
    if funding_every is None:
        return None
    sched = FundingSchedule.build(run.book, run.x, funding_rate, int(funding_every), run.T,
                                  marks=run.marks)
    return sched if sched.any else None     # no rate at any funding step: nothing is paid


def _rules_pass(run: _Run, sched: FundingSchedule | None, fees: bool,
                evs: list[TransferEvent], thin: bool, record: bool
                ) -> tuple[RulesOutput, float]:
    """The liquidation engine over every step; returns its output and the opening fees."""
    account, book = run.account, run.book
    venue = account.venue
    open_fee = (venue.taker_fee * book.notional_entry) if fees else np.zeros(run.P)
    fee_total = float(open_fee.sum())
    iso0 = account.isolated_margins
    c_cross0 = account.cross_wallet - fee_total
    first: dict[int, np.ndarray] | None = None
    h: np.ndarray | None
    if thin:
        # each pool's first breach, block by block with the arithmetic of the full run, and
        # no block past the step where every pool of every path has breached; the rules then
        # compute h from the marks only where a state change makes them look again
        h = None
        first = _first_breaches_by_block(book, run.x, run.cross, c_cross0, iso0, run.tol,
                                         run.n, run.T, sched, run.bracket)
    else:
        h = run.upnl - run.mm
    out = run_rules(
        book, run.cross, run.x, H=h, F=sched,
        c_cross0=c_cross0, iso0=iso0, events=evs,
        liq_rate=venue.liquidation_fee_rate, partial=venue.partial_liquidation,
        auto_add=np.array([p.auto_add_margin for p in account.positions], bool),
        record=record, tol=run.tol, currency=account.currency, first_breach=first,
    )
    return out, fee_total


def liquidation_steps(
    account: Account,
    paths: Mapping[str, Any],
    *,
    funding_rate: float | Sequence[float] | Mapping[str, Any] = 0.0,
    funding_every: int | None = None,
    fees: bool = True,
    events: Iterable[TransferEvent | Mapping[str, Any]] = (),
) -> np.ndarray:
    """``simulate(account, paths, ...).liquidated_at``, without building any series.

    The same liquidation engine over every step of the path (the rules of :func:`simulate`:
    funding, transfers, auto-add margin, partial and full liquidation), run as a thinned
    ``simulate`` runs it, but nothing is recorded and no display series, events table or
    price is computed: for a counterfactual that only asks *when* a run liquidates.

    Returns
    -------
    ndarray
        ``(P,)`` or ``(P, n_paths)``: the step at which liquidation closed each position,
        -1 if never.

    Examples
    --------
    >>> from margin_widgets.core import Account, Position, RiskTiers, Venue
    >>> acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
    ...                [Position("BTCUSDT", "long", 1, 60_000, leverage=10)])
    >>> liquidation_steps(acct, {"BTCUSDT": [60_000, 58_000, 55_000, 52_000, 50_000]})
    array([4])
    """
    ranges: dict[str, tuple[float, float]] = {}
    X, single, n, T = prepare_paths(account, paths, ranges)
    evs = check_events(account, events, T)
    if funding_every is not None:
        funding_every = whole_number(funding_every, "funding_every (steps between payments)", 1)
    if not isinstance(fees, bool | np.bool_):
        raise MarginInputError(f"fees must be True or False, got {fees!r}")
    run = _Run(account, X, n, T, derive=False, ranges=ranges)
    out, _ = _rules_pass(run, _funding(run, funding_rate, funding_every), bool(fees), evs,
                         thin=True, record=False)
    tau = out.liquidated_at
    steps = np.where(tau < T, tau, -1)
    return steps[:, 0] if single else steps


def _first_breaches_by_block(book: Book, xs: list[np.ndarray], cross: np.ndarray,
                             c_cross: float, iso0: np.ndarray, tol: float, n: int,
                             T: int, F: FundingSchedule | None = None,
                             bracket: Sequence[int | None] | None = None
                             ) -> dict[int, np.ndarray]:
    """Each pool's first breach from the starting state (pool ``P``: the cross pool).

    The same sums and comparison as the rules' first scan over ``H = uPnL - MM`` (less each
    member's cumulative funding ``F``, read from its events), taken a block of steps at a time
    (a few MB, read back from cache) and stopped once every pool of every path has breached:
    a long path whose positions are liquidated early is not read to its end here.
    """
    P = book.n
    pools: list[tuple[int, list[int], float]] = []
    if cross.any():
        pools.append((P, [i for i in range(P) if cross[i]], float(c_cross)))
    pools += [(i, [i], float(iso0[i])) for i in range(P) if not cross[i]]
    res = {pi: np.full(n, T, dtype=np.int64) for pi, _, _ in pools}
    B = max(256, (2 * 2**20) // (8 * n))
    for b0 in range(0, T, B):
        b1 = min(T, b0 + B)
        need = [pl for pl in pools if (res[pl[0]] == T).any()]
        if not need:
            break
        hb: dict[int, np.ndarray] = {}
        for i in dict.fromkeys(j for _, mem, _ in need for j in mem):
            xb = xs[i][:, b0:b1]
            hb[i] = _h_block(book, i, xb, None if bracket is None else bracket[i])
        for pi, mem, c in need:
            acc = hb[mem[0]]
            funded = [j for j in mem if F is not None and F.active[j]]
            if len(mem) > 1 or funded:
                acc = acc.copy()
                for j in mem[1:]:
                    acc += hb[j]
            for j in funded:
                assert F is not None
                F.subtract_from(j, acc, b0)
            hit = acc <= tol - c
            k = np.argmax(hit, axis=1)
            found = hit[np.arange(n), k] & (res[pi] == T)
            res[pi][found] = b0 + k[found]
    return res


def _h_block(book: Book, i: int, x: np.ndarray, b: int | None) -> np.ndarray:
    """``book.upnl(i, x) - book.mm(i, x)``, the same numbers, with the bracket ``b`` known.

    With the whole path in bracket ``b`` the maintenance margin is the one-bracket branch of
    :meth:`RiskTiers.maintenance_margin` (``N (mmr_b + fee) - cum_b``, floored at 0), term for
    term, without its per-call minimum and maximum; computed in two buffers.
    """
    if b is None:
        return np.asarray(book.upnl(i, x) - book.mm(i, x))
    t = book.tiers[i]
    mm = np.multiply(x, book.u[i])                     # the notional u x
    mm *= t.mmrs[b] + book.extra
    mm -= t.cums[b]
    np.maximum(mm, 0.0, out=mm)
    h = np.subtract(x, book.xE[i])
    h *= book.sigma[i] * book.u[i]
    h -= mm
    return h


def _keep_steps(keep: Any, T: int) -> np.ndarray:
    """``keep`` as sorted unique step indices of a ``T``-step path."""
    msg = f"keep must be a list of step numbers from 0 to {T - 1}"
    if isinstance(keep, str | bytes | Mapping) or not isinstance(keep, Iterable | np.ndarray):
        raise MarginInputError(msg)
    try:
        arr = np.asarray(list(keep) if not isinstance(keep, np.ndarray) else keep)
    except (TypeError, ValueError):
        raise MarginInputError(msg) from None
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.ndim != 1 or arr.dtype == bool or arr.dtype.kind not in "iu":
        raise MarginInputError(msg)
    if arr.min() < 0 or arr.max() >= T:
        raise MarginInputError(msg)
    return np.unique(arr.astype(np.int64))


def _display_steps(X: Mapping[str, np.ndarray], T: int, keep: np.ndarray | None,
                   points: int | None, out: Any) -> np.ndarray:
    """The steps a thinned result keeps: asked for, decimated marks, ends, state changes."""
    parts = [np.array([0, T - 1], dtype=np.int64)]
    if keep is not None:
        parts.append(keep)
    if points is not None:
        rows = [row for a in X.values() for row in a]
        per = max(2, int(points) // max(1, len(rows)))
        from .decimate import decimate_indices

        for row in rows:
            parts.append(decimate_indices(row, per))
    for k, after_only, *_ in out.changes:
        parts.append(np.asarray(k, dtype=np.int64))
        if after_only:
            parts.append(np.minimum(np.asarray(k, dtype=np.int64) + 1, T - 1))
    for rec in out.transfers:
        parts.append(np.array([rec["step"]], dtype=np.int64))
    for ev in out.events:
        parts.append(np.array([ev["step"], min(ev["step"] + 1, T - 1)], dtype=np.int64))
    return np.unique(np.concatenate(parts))


def _share_at(changes: list[tuple[Any, ...]], i: int, n: int, steps: np.ndarray,
              start: float) -> np.ndarray:
    """Open share of position ``i`` when the engine looks at each of ``steps``, ``(n, S)``."""
    f = np.full((n, steps.size), start)
    for k, after_only, rows, f_new, *_ in changes:
        eff = np.asarray(k) + (1 if after_only else 0)
        mask = steps[None, :] >= eff[:, None]
        f[rows] = np.where(mask, f_new[i][:, None], f[rows])
    return f


def _solve_scaled(account: Account, legs: tuple[int, ...], K: np.ndarray, mark: np.ndarray,
                  f: np.ndarray, with_mm: bool) -> np.ndarray:
    """Liquidation (or bankruptcy) prices of ``legs`` with their open shares ``f``.

    Where every leg is whole the account's own book solves; each other combination of open
    shares (a partial liquidation) gets the book of the reduced positions.
    """
    book = account.book
    fl = np.stack([f[j] for j in legs])                    # (L, n, T)
    whole = (fl == 1.0).all(axis=0)
    price = np.full(K.shape, np.nan)
    if whole.any():
        p, _ = book.solve(legs, np.where(whole, K, K), mark)  if with_mm else \
            book.solve(legs, K, mark, with_mm=False)
        price = np.where(whole, p, np.nan)
    rest = ~whole & (fl > 0).any(axis=0)
    if rest.any():
        combos = np.unique(fl[:, rest].T, axis=0)
        for combo in combos:
            if not (combo > 0).any():
                continue
            sel = rest & np.all(fl == combo[:, None, None], axis=0)
            pos = list(account.positions)
            keep = []
            for j, fj in zip(legs, combo, strict=True):
                if fj > 0:
                    pos[j] = pos[j].with_(quantity=pos[j].quantity * float(fj))
                    keep.append(j)
            sub = Book(account.venue, tuple(pos))
            p, _ = sub.solve(tuple(keep), K[sel], mark[sel], with_mm=with_mm)
            price[sel] = p
    return price


def compare_modes(
    account: Account,
    paths: Mapping[str, Any],
    *,
    allocation: Sequence[float] | None = None,
    **kwargs: Any,
) -> dict[str, SimulationResult]:
    """The same scenario with every position cross, and with every position isolated.

    Isolated margins are each position's initial margin, or ``allocation``. Scheduled
    ``add_margin`` / ``remove_margin`` events only apply to the isolated run.

    Examples
    --------
    >>> from margin_widgets.core import Account, Position, RiskTiers, Venue, compare_modes
    >>> acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
    ...                [Position("BTCUSDT", "long", 1, 60_000, leverage=10)])
    >>> both = compare_modes(acct, {"BTCUSDT": [60_000, 55_000, 53_000]})  # iso LP 54,216.87
    >>> int(both["cross"].liquidated_at[0]), int(both["isolated"].liquidated_at[0])
    (-1, 2)
    """
    events = list(kwargs.pop("events", ()))
    cross_events = [e for e in events
                    if _as_event(e).kind not in ("add_margin", "remove_margin")]
    with reuse_funding():          # the two runs pay funding on the same positions
        return {
            "cross": simulate(account.with_mode("cross"), paths, events=cross_events,
                              **kwargs),
            "isolated": simulate(account.with_mode("isolated", allocation), paths,
                                 events=events, **kwargs),
        }


ATTRIBUTION_PARTS = ("other positions' PnL", "other positions' maintenance margin", "funding",
                     "fees", "margin transfers", "partial liquidation", "bracket change")


def attribute(result: SimulationResult, i: int, t1: int, t2: int,
              path: int = 0) -> dict[str, float]:
    """Why position ``i``'s liquidation price moved between steps ``t1`` and ``t2``.

    The move is split into the parts of ``K`` (the pool's wallet plus the other positions'
    uPnL minus their maintenance margin) that changed, each evaluated with the bracket and the
    open quantity that held at ``t1``; then ``"partial liquidation"``: what partial
    liquidations of the pool between the two steps did (the PnL they realised into the pool
    less their fees, and the smaller open quantity of the position's legs, priced at the
    final ``K``); then ``"bracket change"``, the rest. The parts add up to the total move
    exactly.

    Steps are the path's steps (for a thinned result, two of its kept steps).

    Returns
    -------
    dict
        Price change per part, and ``"total"``.
    """
    acct = result.account
    acct._check_index(i)
    T = result.path_steps if result.path_steps is not None else result.steps
    for t in (t1, t2):
        if isinstance(t, bool) or not isinstance(t, int | np.integer) or not 0 <= t < T:
            raise MarginInputError(f"step {t} is outside the path (0..{T - 1})")
    c1, c2 = result.column(int(t1)), result.column(int(t2))
    lp = result._path(result.liquidation_price, path, True)[i]
    if not (np.isfinite(lp[c1]) and np.isfinite(lp[c2])):
        raise MarginInputError("the position has no liquidation price at one of those steps")
    p = acct.positions[i]
    q0 = np.array([q.quantity for q in acct.positions], dtype=float)
    qty = np.asarray(result._path(result.quantity, path, True), dtype=float)

    def share(c: int) -> np.ndarray:
        """Open share of every position when the engine looks at column ``c``.

        The settled quantity of the step before: a liquidation at a step shows in the next
        one (a thinned result keeps every changed step and the next, so the column before
        holds the state of the step before).
        """
        return np.ones(len(q0)) if c == 0 else qty[:, c - 1] / q0

    f1, f2 = share(c1), share(c2)
    if p.mode == "cross":
        members = list(acct.cross_indices)
        legs = tuple(j for j in members if acct.positions[j].symbol == p.symbol)
        others = [j for j in members if j not in legs]
        upnl = result._path(result.unrealized_pnl, path, True)
        mm = result._path(result.maintenance_margin, path, True)
        fund = result._path(result._cross_funding, path, False)
        transfers = result._path(result._cross_transfers, path, False)
        fees = result._path(result._cross_fees, path, False)

        def parts(c: int) -> list[float]:
            return [float(upnl[others, c].sum()), -float(mm[others, c].sum()), -float(fund[c]),
                    -float(fees[c]), float(transfers[c])]
    else:
        members = [i]
        legs = (i,)
        fund_i = result._path(result._iso_funding, path, True)[i]
        tr_i = result._path(result._iso_transfers, path, True)[i]

        def parts(c: int) -> list[float]:
            return [0.0, 0.0, -float(fund_i[c]), 0.0, float(tr_i[c])]

    # what partial liquidations of the pool put into its wallet between the two steps (their
    # realised PnL less fees): counted in the wallet's flows, shown as their own part
    lo, hi = sorted((int(t1), int(t2)))
    cash = sum(ev["realized"] - ev["fee"] for ev in result.rule_events
               if ev["path"] == path and ev["kind"] == "partial liquidation"
               and ev["position"] in members and lo <= ev["step"] < hi)
    if t2 < t1:
        cash = -cash

    def book_of(f: np.ndarray) -> tuple[Book, tuple[int, ...]]:
        """The account's book with each leg at its open quantity, and the open legs."""
        open_legs = tuple(j for j in legs if f[j] > 0)
        if all(f[j] == 1.0 for j in open_legs):
            return acct.book, open_legs
        pos = list(acct.positions)
        for j in open_legs:
            pos[j] = pos[j].with_(quantity=pos[j].quantity * float(f[j]))
        return Book(acct.venue, tuple(pos)), open_legs

    base = (acct.cross_wallet if p.mode == "cross" else float(acct.isolated_margins[i]))
    k1 = base + sum(parts(c1))
    mark1 = float(result._path(result.marks[p.symbol], path, False)[c1])
    mark2 = float(result._path(result.marks[p.symbol], path, False)[c2])
    book1, legs1 = book_of(f1)
    _, seg = book1.solve(legs1, k1, mark1)
    seg_obj = book1.segments(legs1)[int(seg)]

    def fixed(k: float) -> float:
        xr = -(k + seg_obj.B0) / seg_obj.A
        return float(book1.price(xr))

    a, b = parts(c1), parts(c2)
    delta = list(np.subtract(b, a))
    delta[4] -= cash                       # transfers without the partial liquidations' cash
    out: dict[str, float] = {}
    k = k1
    prev = fixed(k)
    start = prev
    for name, d in zip(ATTRIBUTION_PARTS[:5], delta, strict=True):
        k += float(d)
        now = fixed(k)
        out[name] = now - prev
        prev = now
    # partial liquidation: its cash at the t1 bracket, then the legs' new quantity at the
    # final K (with the bracket that then holds)
    k += float(cash)
    now = fixed(k)
    if not np.array_equal(f1[list(legs)], f2[list(legs)]):
        book2, legs2 = book_of(f2)
        now = float(book2.solve(legs2, k, mark2)[0])
    out["partial liquidation"] = now - prev
    prev = now
    out["bracket change"] = float(lp[c2]) - prev
    out["total"] = float(lp[c2]) - float(lp[c1])
    # the closed form at t1, with the quantity open then, reproduces the engine's own price
    assert abs(start - float(lp[c1])) <= 1e-6 * max(1.0, abs(start))
    return out
