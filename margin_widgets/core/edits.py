"""Edits of a scenario: pure functions ``Scenario -> Scenario``, and the account at a step.

A dashboard's controls only say *which* edit a person made; what it does to the scenario is
here, with no widget in sight, so it can be tested, reused by another front end and run on
its own:

- :func:`with_mode`, :func:`with_position`, :func:`without_position`,
  :func:`with_new_position`: the positions;
- :func:`transfer_margin`: add or remove isolated margin now or at a later step (checked by
  the engine with the account as it stands then, :func:`account_at`);
- :func:`rescale_paths`, :func:`shock_spec`: the price recipes;
- :func:`marks_at`, :func:`account_at`: a single-path result read back at one step;
  :func:`result_at`: for a thinned result (long paths), a result that holds the exact
  values of a step it did not keep.

Every refusal raises :class:`~margin_widgets.core.errors.MarginInputError` with the engine's
reason and leaves the scenario given unchanged (scenarios are immutable).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import paths as _paths
from .account import Account
from .errors import MarginInputError
from .position import Position
from .scenario import PathSpec, Scenario
from .simulation import SimulationResult, TransferEvent, simulate

__all__ = ["account_at", "marks_at", "result_at", "path_steps", "with_mode", "with_position",
           "without_position",
           "with_new_position", "drop_cross_events", "transfer_margin", "rescale_paths",
           "shock_spec"]


def path_steps(result: SimulationResult) -> int:
    """Number of steps of the path ``result`` ran on (a thinned result keeps fewer columns)."""
    return int(result.path_steps) if result.path_steps is not None else int(result.steps)


def marks_at(result: SimulationResult, step: int) -> dict[str, float]:
    """Mark price of every symbol at ``step`` of a single-path result.

    ``step`` is a path step; a thinned result must have kept it (see :func:`result_at`).
    """
    c = result.column(int(step))
    return {s: float(np.asarray(m)[c]) for s, m in result.marks.items()}


def result_at(result: SimulationResult, step: int, paths: dict[str, Any],
              **sim_kwargs: Any) -> SimulationResult:
    """A result whose column for path step ``step`` holds the full run's exact values there.

    A full result, or a thinned one that kept ``step``, is returned as it is. Otherwise the
    engine runs again on the path up to ``step`` only, keeping just that step: the liquidation
    engine only looks back (the state at a step depends on the marks, funding and transfers
    up to it), so every number of that column is the full run's, at the cost of one thinned
    run of ``step + 1`` steps. Its ``liquidated_at`` is the full run's (a liquidation after
    ``step`` still shows as coming), its ``path_steps`` the full path's.

    Parameters
    ----------
    result : SimulationResult
        A single-path result of ``simulate(result.account, paths, **sim_kwargs)``.
    step : int
        A path step, ``0 .. path_steps - 1``.
    paths : mapping
        The full mark paths that run used.
    **sim_kwargs
        Its ``simulate`` options (fees, funding); the transfers are the result's own
        (``transfer_log``), ``keep`` / ``display_points`` / ``last_prices`` are ignored.
    """
    if not result.single:
        raise MarginInputError("pick one path of a Monte Carlo result first")
    T = path_steps(result)
    step = int(step)
    if not 0 <= step < T:
        raise MarginInputError(f"step {step} is outside the path (0..{T - 1})")
    if not result.thinned:
        return result
    try:
        result.column(step)
        return result
    except MarginInputError:
        pass
    kw = {k: v for k, v in sim_kwargs.items()
          if k not in ("keep", "display_points", "last_prices", "events", "times")}
    part = _compressed_run(result, step, paths, kw)
    if part is None:
        part = _head_run(result, step, paths, kw)
    part.liquidated_at = np.asarray(result.liquidated_at).copy()
    part.path_steps = T
    return part


def _log_events(result: SimulationResult, upto: int,
                where: np.ndarray | None = None) -> list[TransferEvent]:
    """The transfers ``result`` ran with (refused ones too) up to step ``upto``.

    With ``where`` (sorted steps holding every transfer step), each step becomes its position
    in ``where``.
    """
    out = []
    for rec in result.transfer_log:
        k = int(rec["step"])
        if k <= upto:
            if where is not None:
                k = int(np.searchsorted(where, k))
            out.append(TransferEvent(k, rec["kind"], rec["amount"], rec["position"]))
    return out


def _head_run(result: SimulationResult, step: int, paths: dict[str, Any],
              kw: dict[str, Any]) -> SimulationResult:
    """The engine on the path up to ``step`` (exact by causality; linear in ``step``)."""
    T = path_steps(result)
    end = step + 1
    kw = dict(kw)
    rate = kw.get("funding_rate")
    if isinstance(rate, dict):
        kw["funding_rate"] = {s: _head(r, T, end) for s, r in rate.items()}
    elif rate is not None:
        kw["funding_rate"] = _head(rate, T, end)
    head = {s: np.asarray(a)[..., :end] for s, a in paths.items()}
    return simulate(result.account, head, events=_log_events(result, step), keep=[step], **kw)


def _compressed_run(result: SimulationResult, step: int, paths: dict[str, Any],
                    kw: dict[str, Any]) -> SimulationResult | None:
    """The engine on the kept steps up to ``step``, the step before each, and ``step``.

    A thinned result keeps every step where the state changed (and the next). Between two
    kept steps nothing but the marks and funding moves, so running the engine on the kept
    steps alone reaches every one of them in the full run's state; ``step`` itself is then
    one more step in that state. The funding of the skipped steps is paid at the next step
    of the short run: the payment of position ``i`` at step ``u`` is ``s_i u_i x_u r_u``
    (:meth:`Book.notional` is linear in ``x``), so the rate ``sum_u x_u r_u / x_b`` at
    step ``b`` pays exactly the skipped steps' total; adding the step before each kept step
    makes every skipped stretch one where the open shares did not change. ``None`` when it
    cannot be exact this way (a rate above 100 % per step); the caller then runs the head
    of the path (:func:`_head_run`). After a partial liquidation the pool waits
    ``cooldown_steps`` steps: every step of the wait is in the short run, so it waits the
    same steps.
    """
    idx = np.asarray(result.step_index)
    kept = idx[idx <= step]
    parts = [kept, np.maximum(kept - 1, 0), np.array([step])]
    acct = result.account
    rule = acct.venue.partial_liquidation
    if rule is not None:
        # after a partial liquidation at k the pool waits cooldown_steps steps: the short
        # run holds every step of that wait, so it counts the same steps
        for ev in result.rule_events:
            k = int(ev["step"])
            if k <= step:
                parts.append(np.arange(k, min(k + rule.cooldown_steps, step) + 1))
    steps = np.unique(np.concatenate(parts).astype(np.int64))
    book = acct.book
    short = {s: np.asarray(a)[steps] for s, a in paths.items()}
    every = kw.get("funding_every")
    kw = dict(kw)
    if every is not None and int(every) > 0:
        raw = kw.get("funding_rate", 0.0)
        rates: dict[str, np.ndarray] = {}
        for sym in book.symbols:
            r = raw.get(sym, 0.0) if isinstance(raw, dict) else raw
            fund = _Funding(result, book, sym, np.asarray(paths[sym], dtype=float), r,
                            int(every))
            cum = fund.cum_at(steps)
            rate = np.diff(cum, prepend=0.0) / fund.x_at(steps)
            if not np.all(np.abs(rate) <= 1.0):
                return None
            rates[sym] = rate
        kw["funding_rate"] = rates
        kw["funding_every"] = 1
    part = simulate(acct, short, events=_log_events(result, step, steps), **kw)
    part.step_index = steps
    part.times = steps.copy()
    for rec in part.transfer_log:
        rec["step"] = int(steps[rec["step"]])
    for ev in part.rule_events:
        ev["step"] = int(steps[ev["step"]])
    return part


class _Funding:
    """``G(t) = sum_{u <= t} x_u r_u [u a funding step]`` of one symbol, at any step.

    The sum over the whole path is taken once per result and kept at its kept steps only
    (a few thousand numbers); a step between two kept ones adds the few steps since the
    kept one before it. The last few are kept by result identity.
    """

    _cache: list[tuple[Any, tuple[Any, ...], np.ndarray]] = []

    def __init__(self, result: SimulationResult, book: Any, sym: str, path: np.ndarray,
                 rate: Any, every: int) -> None:
        self.book, self.path, self.every = book, path, every
        r = np.asarray(rate, dtype=float)
        self.rate = r
        self.idx = np.asarray(result.step_index)
        key = (sym, every, id(path), r.tobytes() if r.ndim == 0 else id(rate))
        for res, k, kept in _Funding._cache:
            if res is result and k == key:
                self.kept = kept
                break
        else:
            # the running sum over the funding steps alone: the sum over every step adds only
            # zeros besides (the same numbers), and G(t) is its value at event t // E
            ev = np.arange(every, path.shape[-1], every)
            run = np.zeros(ev.size + 1)
            np.cumsum(self.g(ev), out=run[1:])
            self.kept = run[self.idx // every]
            _Funding._cache = [(result, key, self.kept), *_Funding._cache[:5]]

    def x_at(self, steps: np.ndarray) -> np.ndarray:
        return np.asarray(self.book.x(self.path[steps]), dtype=float)

    def g(self, steps: np.ndarray) -> np.ndarray:
        """``x_u r_u`` at funding steps, 0 elsewhere."""
        r = self.rate if self.rate.ndim == 0 else self.rate[steps]
        paid = (steps % self.every == 0) & (steps > 0)
        return np.where(paid, self.x_at(steps) * r, 0.0)

    def cum_at(self, steps: np.ndarray) -> np.ndarray:
        """``G`` at the sorted steps ``steps``."""
        c = np.searchsorted(self.idx, steps, side="right") - 1   # last kept step <= each
        out = self.kept[c].copy()
        rest = self.idx[c] != steps
        # the step before a kept step: G there is G at the kept step less its own term
        nxt = np.minimum(c + 1, self.idx.size - 1)
        before = rest & (self.idx[nxt] == steps + 1)
        out[before] = self.kept[nxt[before]] - self.g(steps[before] + 1)
        for j in np.flatnonzero(rest & ~before):
            lo, hi = int(self.idx[c[j]]) + 1, int(steps[j]) + 1
            out[j] += float(self.g(np.arange(lo, hi)).sum())
        return out


def _head(rate: Any, T: int, end: int) -> Any:
    """A per-step funding rate cut to the first ``end`` steps (a number stays a number)."""
    arr = np.asarray(rate)
    return arr[:end] if arr.ndim == 1 and arr.shape[0] == T else rate


def account_at(result: SimulationResult, step: int) -> tuple[Account, list[int]]:
    """The account as it stands at ``step``: its open positions, wallet and margins.

    The wallet of the returned account is the cross wallet the liquidation engine saw at
    ``step`` (after fees, funding and transfers up to that step) plus the isolated margins of
    the positions still open; closed positions are left out. So ``account_at(...)[0]
    .liquidation_price(j, marks_at(result, step))`` equals the engine's
    ``result.liquidation_price[i, step]`` for ``i = index[j]``.

    ``step`` is a path step; a thinned result must have kept it (:func:`result_at` gives one
    that has).

    Returns
    -------
    account : Account
    index : list of int
        Original position index of each position of ``account``.

    Raises
    ------
    MarginInputError
        If no position is open at ``step``, or the pools are already empty.
    """
    if not result.single:
        raise MarginInputError("pick one path of a Monte Carlo result first")
    acct = result.account
    T = path_steps(result)
    if not 0 <= step < T:
        raise MarginInputError(f"step {step} is outside the path (0..{T - 1})")
    liq = np.asarray(result.liquidated_at)
    real_step, step = step, result.column(step)
    open_idx = [i for i in range(len(acct.positions)) if liq[i] < 0 or real_step <= liq[i]]
    if not open_idx:
        raise MarginInputError(f"every position is already closed at step {real_step:,}")
    cross_open = [i for i in open_idx if acct.positions[i].mode == "cross"]
    if cross_open:
        cw = float(result.margin_balance[step]) - float(
            np.sum(result.unrealized_pnl[cross_open, step]))
    else:
        cw = float(result.cross_wallet[step])
    positions = []
    iso_total = 0.0
    for i in open_idx:
        p = acct.positions[i]
        if p.mode == "isolated":
            m = float(result.isolated_margin[i, step])
            iso_total += m
            if m <= 0:
                raise MarginInputError(
                    f"position #{i + 1} has no isolated margin left at step {real_step:,}")
            p = p.with_(isolated_margin=m)
        positions.append(p)
    wallet = cw + iso_total
    if not wallet > 0 or cw < -1e-9:
        raise MarginInputError(f"the cross wallet is empty at step {real_step:,}")
    return Account(acct.venue, wallet, positions), open_idx



def without_position(scenario: Scenario, i: int) -> Scenario:
    """``scenario`` without position ``i``; transfers aimed at later positions follow them."""
    positions = tuple(p for j, p in enumerate(scenario.positions) if j != i)
    events = tuple(
        e if e.position is None or e.position < i else
        TransferEvent(e.step, e.kind, e.amount, e.position - 1)
        for e in scenario.events if e.position != i)
    return scenario.replace(positions=positions, events=events)


def drop_cross_events(positions: Sequence[Position],
                       events: Sequence[TransferEvent]) -> tuple[TransferEvent, ...]:
    """Margin transfers only apply to isolated positions: drop those aimed at cross ones."""
    return tuple(e for e in events if e.position is None
                 or (e.position < len(positions) and positions[e.position].mode == "isolated"))


def with_position(scenario: Scenario, i: int, **changes: Any) -> Scenario:
    """``scenario`` with position ``i`` changed (``Position.with_`` keywords).

    An isolated position whose mode or leverage changes follows its leverage again (its
    margin is reset to the initial margin); a new symbol gets a flat path at its entry price;
    transfers aimed at a position that became cross are dropped.
    """
    positions = list(scenario.positions)
    if not 0 <= i < len(positions):
        raise MarginInputError(f"there is no position #{i + 1}")
    new = positions[i].with_(**changes)
    if new.mode == "isolated" and (
            ("mode" in changes and positions[i].mode != "isolated") or "leverage" in changes):
        # an isolated position's margin follows its leverage (initial margin) until it is
        # typed in or moved with the +/- buttons
        new = new.with_(isolated_margin=None)
    positions[i] = new
    paths = dict(scenario.paths)
    if new.symbol not in paths:
        # a new symbol starts with a flat path at its entry price; draw it in the path editor
        paths[new.symbol] = PathSpec("constant", {"price": new.entry_price})
    return scenario.replace(positions=tuple(positions), paths=paths,
                            events=drop_cross_events(positions, scenario.events))


def with_mode(scenario: Scenario, mode: str) -> Scenario:
    """``scenario`` with every position in ``mode`` (``Account.with_mode`` semantics).

    A position that becomes isolated gets its initial margin, as ``with_mode`` gives it;
    left unset (``isolated_margin=None``), it keeps following its leverage. Transfers aimed
    at positions that became cross are dropped.
    """
    old = scenario.positions
    positions = tuple(
        p.with_(isolated_margin=None) if p.mode == "isolated" and o.mode == "cross" else p
        for p, o in zip(scenario.account().with_mode(mode).positions, old, strict=True))
    return scenario.replace(positions=positions,
                            events=drop_cross_events(positions, scenario.events))


def with_new_position(scenario: Scenario, result: SimulationResult | None = None) -> Scenario:
    """``scenario`` with one more position: a small cross long on its first symbol.

    About 1,000 of notional at the symbol's first mark, at 10x or the venue's maximum for
    that size if lower.
    """
    scen = scenario
    sym = scen.positions[0].symbol if scen.positions else "BTCUSDT"
    if result is not None and sym in result.marks:
        price = float(np.asarray(result.marks[sym])[0])
    elif sym in scen.paths:
        price = float(scen.paths[sym].build(scen.steps)[0])
    else:
        price = 60_000.0
    venue = scen.venue_rules
    qty = float(f"{1_000.0 / price:.3g}")  # about 1,000 of notional
    max_lev = float(venue.tiers_for(sym).max_leverage(qty * price))
    pos = Position(sym, "long", qty, price, min(10.0, max_lev), "cross")
    paths = dict(scen.paths)
    if sym not in paths:
        paths[sym] = PathSpec("constant", {"price": price})
    return scen.replace(positions=(*scen.positions, pos), paths=paths)


def transfer_margin(scen: Scenario, i: int, amount: float, remove: bool,
                    res: SimulationResult | None = None, step: int = 0) -> Scenario:
    """``scen`` with isolated margin added to (or removed from) position ``i`` at ``step``.

    ``res`` is the result of running ``scen`` (or ``None``), ``step`` the step the learner
    scrubbed to.

    At step 0 the starting isolated margin changes (``Account.add_margin`` /
    ``remove_margin`` at the step-0 marks). Later, the engine checks the move with the
    account as it stands at that step (:func:`account_at`) and the move is scheduled as a
    :class:`TransferEvent` at that step, so the liquidation price visibly moves there. Any
    refusal raises the engine's own reason.
    """
    if not 0 <= i < len(scen.positions):
        raise MarginInputError(f"there is no position #{i + 1}")
    if scen.positions[i].mode != "isolated":
        raise MarginInputError(
            f"position #{i + 1} ({scen.positions[i].symbol}) is in cross mode: only an "
            "isolated position has its own margin to add to or remove from")
    usable = res is not None and res.single and res.account.positions == scen.positions \
        and path_steps(res) == scen.steps
    if not usable or step == 0:
        acct = scen.account()
        marks = (marks_at(res, 0) if usable and res is not None
                 else {s: float(v[0]) for s, v in scen.mark_paths().items()})
        new = (acct.remove_margin(i, amount, marks) if remove
               else acct.add_margin(i, amount, marks))
        return scen.replace(positions=new.positions)
    assert res is not None
    if res.thinned:
        # a long path's result keeps only some steps: the account exactly at this one
        res = result_at(res, step, scen.mark_paths(), **scen.sim_kwargs())
    acct, index = account_at(res, step)
    if i not in index:
        k = int(np.asarray(res.liquidated_at)[i])
        raise MarginInputError(
            f"position #{i + 1} was liquidated at step {k:,}; scrub back before it to move "
            "margin")
    j = index.index(i)
    marks = marks_at(res, step)
    if remove:
        acct.remove_margin(j, amount, marks)
    else:
        acct.add_margin(j, amount, marks)
    ev = TransferEvent(step, "remove_margin" if remove else "add_margin", amount, i)
    return scen.replace(events=(*scen.events, ev))



def rescale_paths(paths: dict[str, PathSpec], old_steps: int,
                  new_steps: int) -> dict[str, PathSpec]:
    """Stretch step-based recipes (drawn points, shock step) to a new number of steps."""
    if old_steps == new_steps:
        return dict(paths)
    f = (new_steps - 1) / max(1, old_steps - 1)
    out = {}
    for sym, spec in paths.items():
        if spec.generator == "piecewise":
            seen: dict[int, float] = {}
            for x, y in spec.params.get("points", ()):
                seen.setdefault(min(new_steps - 1, int(round(x * f))), y)
            pts = [[x, y] for x, y in sorted(seen.items())]
            spec = PathSpec("piecewise", {"points": pts}, spec.seed)
        elif spec.generator == "shock":
            p = dict(spec.params)
            if "at" in p:
                p["at"] = min(new_steps - 1, int(round(p["at"] * f)))
            if "recovery_steps" in p:
                p["recovery_steps"] = int(round(p["recovery_steps"] * f))
            spec = PathSpec("shock", p, spec.seed)
        out[sym] = spec
    return out


def shock_spec(spec: PathSpec, path: np.ndarray, at: int, size: float = -0.2) -> PathSpec:
    """The recipe ``spec`` with a sudden move of ``size`` at step ``at`` that persists.

    A drawn (or straight) path stays drawable: its control points after ``at`` move by the
    same factor and two points pin the jump. Other paths become data (the shocked prices).
    """
    T = path.shape[-1]
    at = int(min(max(1, at), T - 1))
    factor = 1.0 + size
    if spec.generator in ("piecewise", "linear", "constant"):
        if spec.generator == "piecewise":
            pts = [(int(round(x)), float(y)) for x, y in spec.params.get("points", ())]
        else:
            pts = [(0, float(path[0])), (T - 1, float(path[-1]))]
        xs = np.array([p[0] for p in pts], dtype=float)
        ys = np.array([p[1] for p in pts], dtype=float)
        order = np.argsort(xs)
        xs, ys = xs[order], ys[order]
        before = [(x, y) for x, y in zip(xs, ys, strict=True) if x < at - 1]
        after = [(x, y * factor) for x, y in zip(xs, ys, strict=True) if x > at]
        pin = [(at - 1, float(np.interp(at - 1, xs, ys))),
               (at, float(np.interp(at, xs, ys)) * factor)]
        new = [[float(x), float(y)] for x, y in [*before, *pin, *after]]
        return PathSpec("piecewise", {"points": new})
    shocked = _paths.shock(None, None, at=at, size=size, base=path)
    return PathSpec("data", {"prices": shocked.tolist()})
