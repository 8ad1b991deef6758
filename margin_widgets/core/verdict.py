"""Which mode is safer on this path? Three answers, each with its reasons checked by the engine.

"Safer" means three different things, and on one path cross and isolated can each win some:

- **later liquidation**: the step of the first liquidation of each run (never beats any step);
- **smaller worst loss**: the deepest fall of equity below the starting wallet along the path,
  ``max(0, wallet_0 - min_t equity_t)``;
- **more equity at the end**: ``equity[-1]`` of each run.

:func:`verdict` runs ``compare_modes`` once (or takes its result) and names the winner of each
sense with both numbers. Every *because* it says is a counterfactual run of the same engine on
the same path (MARGIN_MODEL section 6):

- cross survived while isolated liquidated a position: each position that was in profit in
  cross is taken out and the cross run repeated. If cross then liquidates, "cross survived
  thanks to that position's profit" is said, with the step; if it still survives, the reason
  said is the other one the engine confirmed: the cross wallet alone carried the loser.
- cross was liquidated: each losing position is taken out in turn; "dragged down by its loss"
  is said only when the cross pool then survives (or is liquidated later).

A reason that no run confirms is not said. The decomposition of the final-equity gap is
arithmetic on the two runs (each position's realized PnL minus what it forfeited plus its open
PnL at the end), not a because.

Examples
--------
>>> from margin_widgets.core import Account, Position, RiskTiers, Venue
>>> acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
...                [Position("BTCUSDT", "long", 1, 60_000, leverage=10)])
>>> v = verdict(acct, {"BTCUSDT": [60_000, 55_000, 53_000]})
>>> [(s.key, s.winner) for s in v.senses]
[('later_liquidation', 'cross'), ('worst_loss', 'isolated'), ('final_equity', 'isolated')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .account import Account
from .errors import MarginInputError
from .formatting import fmt_money
from .funding import reuse_funding
from .simulation import (
    SimulationResult,
    TransferEvent,
    _as_event,
    compare_modes,
    liquidation_steps,
)

__all__ = ["Sense", "Reason", "Verdict", "verdict", "first_liquidation", "worst_loss",
           "position_contribution", "without_position", "money", "TIE_TOLERANCE"]

TIE_TOLERANCE = 0.005
"""Two amounts closer than half a cent (of the margin currency) are a tie."""

MODES = ("cross", "isolated")


def money(v: float, currency: str) -> str:
    """``1,234.50 USDT`` (:func:`margin_widgets.core.formatting.fmt_money`)."""
    return fmt_money(v, currency)


@dataclass(frozen=True)
class Sense:
    """One meaning of "safer", both runs' figures and the winner.

    ``cross`` and ``isolated`` are steps for ``later_liquidation`` (``inf`` when never
    liquidated) and amounts in the margin currency otherwise.
    """

    key: str
    question: str
    cross: float
    isolated: float
    winner: str          # "cross", "isolated" or "tie"
    text: str


@dataclass(frozen=True)
class Reason:
    """A because, with the counterfactual run that confirmed it."""

    text: str
    counterfactual: str
    liquidated_at: int   # first liquidation step of the counterfactual run, -1 if never


@dataclass(frozen=True)
class Verdict:
    """The answer to "which mode is safer on this path?"."""

    headline: str
    senses: tuple[Sense, ...]
    reasons: tuple[Reason, ...]
    facts: tuple[str, ...] = field(default=())
    currency: str = ""

    def sense(self, key: str) -> Sense:
        """The sense named ``key``."""
        for s in self.senses:
            if s.key == key:
                return s
        raise KeyError(key)

    def sentences(self) -> list[str]:
        """Headline, each sense, each confirmed reason, then the facts."""
        return [self.headline, *(s.text for s in self.senses),
                *(r.text for r in self.reasons), *self.facts]


# -- measures of one run ----------------------------------------------------------------------
def first_liquidation(result: SimulationResult) -> int:
    """First step at which any position of a single-path run was liquidated; -1 if none."""
    k = np.asarray(result.liquidated_at)
    k = k[k >= 0]
    return int(k.min()) if k.size else -1


def worst_loss(result: SimulationResult) -> float:
    """Deepest fall of equity below the starting wallet: ``max(0, W0 - min equity)``."""
    w0 = float(result.account.wallet_balance)
    return max(0.0, w0 - float(np.min(np.asarray(result.equity, dtype=float))))


def position_contribution(result: SimulationResult, i: int) -> float:
    """What position ``i`` added to the final equity: realized PnL − forfeited + open uPnL.

    Fees and funding are left out (they are booked on the wallet, not per position).
    """
    return (float(result.realized_pnl[i]) - float(result.forfeited[i])
            + float(result.insurance_payout[i]) + float(result.unrealized_pnl[i, -1]))


def without_position(account: Account, paths: Mapping[str, Any], events: Sequence[Any],
                     j: int) -> tuple[Account, dict[str, Any], list[TransferEvent]]:
    """The same account, paths and events with position ``j`` taken out (same wallet).

    Events on ``j`` are dropped; events on later positions are renumbered.
    """
    pos = [p for i, p in enumerate(account.positions) if i != j]
    if not pos:
        raise MarginInputError("a counterfactual needs at least one position left")
    acct = Account(account.venue, account.wallet_balance, pos)
    syms = {p.symbol for p in pos}
    new_paths = {s: a for s, a in paths.items() if s in syms}
    new_events = []
    for e in events:
        ev = _as_event(e)
        if ev.position is None:
            new_events.append(ev)
        elif ev.position != j:
            new_events.append(TransferEvent(ev.step, ev.kind, ev.amount,
                                            ev.position - (ev.position > j)))
    return acct, new_paths, new_events


# -- the verdict --------------------------------------------------------------------------------
def _winner(cross: float, iso: float, higher_wins: bool) -> str:
    if abs(cross - iso) < TIE_TOLERANCE or (np.isinf(cross) and np.isinf(iso)):
        return "tie"
    better_cross = cross > iso if higher_wins else cross < iso
    return "cross" if better_cross else "isolated"


def _steps_text(k: float) -> str:
    return "never" if not np.isfinite(k) else f"at step {int(k):,}"


def verdict(account: Account, paths: Mapping[str, Any], *,
            both: Mapping[str, SimulationResult] | None = None,
            **kwargs: Any) -> Verdict:
    """Name the winner of each sense of "safer" on this path, with engine-checked reasons.

    Parameters
    ----------
    account : Account
        The starting account (its modes are ignored: both runs set them).
    paths : mapping
        ``{symbol: path}``, single paths of shape ``(T,)``.
    both : mapping, optional
        ``compare_modes(account, paths, **kwargs)`` when already computed.
    **kwargs
        ``simulate`` options (funding, fees, events), the same as for ``compare_modes``.

    Returns
    -------
    Verdict

    Notes
    -----
    Later liquidation compares the first liquidation step of each run (a run never liquidated
    counts as ``inf``); worst loss is ``max(0, W0 - min_t equity_t)``; final equity is
    ``equity[T-1]``. Amounts within :data:`TIE_TOLERANCE` are a tie. Each counterfactual is one
    more engine run (:func:`~margin_widgets.core.simulation.liquidation_steps`, the
    liquidation pass of ``simulate`` without its series) of the cross account with one
    position removed, same wallet, same path.
    """
    with reuse_funding():    # every run here pays funding on the same positions and marks
        return _verdict(account, paths, both, kwargs)


def _verdict(account: Account, paths: Mapping[str, Any],
             both: Mapping[str, SimulationResult] | None, kwargs: dict[str, Any]) -> Verdict:
    if both is None:
        both = compare_modes(account, paths, **kwargs)
    cross, iso = both["cross"], both["isolated"]
    if not (cross.single and iso.single):
        raise MarginInputError("a verdict reads one path; pass single paths")
    cur = account.currency
    acct_c = cross.account
    names = _namer(acct_c)

    # -- the three senses ---------------------------------------------------------------
    kc, ki = first_liquidation(cross), first_liquidation(iso)
    lc = float("inf") if kc < 0 else float(kc)
    li = float("inf") if ki < 0 else float(ki)
    w = _winner(lc, li, higher_wins=True)
    if w == "tie":
        t1 = ("Liquidation: neither mode was liquidated." if kc < 0 else
              f"Liquidation: both modes were first liquidated at step {kc:,}.")
    else:
        t1 = (f"Later liquidation: {w} wins (first liquidation in cross: {_steps_text(lc)}; "
              f"in isolated: {_steps_text(li)}).")
    s1 = Sense("later_liquidation", "Which mode is liquidated later?", lc, li, w, t1)

    wc, wi = worst_loss(cross), worst_loss(iso)
    w = _winner(wc, wi, higher_wins=False)
    t2 = (f"Smaller worst loss: {w} wins (deepest fall below the starting wallet: cross "
          f"{money(wc, cur)}, isolated {money(wi, cur)})." if w != "tie" else
          f"Worst loss: the same in both modes ({money(wc, cur)} below the starting wallet).")
    s2 = Sense("worst_loss", "Which mode loses less at its worst point?", wc, wi, w, t2)

    ec, ei = float(cross.equity[-1]), float(iso.equity[-1])
    w = _winner(ec, ei, higher_wins=True)
    t3 = (f"More equity at the end: {w} wins (cross {money(ec, cur)}, isolated "
          f"{money(ei, cur)}, a gap of {money(abs(ec - ei), cur)})." if w != "tie" else
          f"Equity at the end: the same in both modes ({money(ec, cur)}).")
    s3 = Sense("final_equity", "Which mode ends with more equity?", ec, ei, w, t3)
    senses = (s1, s2, s3)

    # -- facts read from the two runs ---------------------------------------------------
    facts: list[str] = []
    liq_i = np.asarray(iso.liquidated_at)
    for i in np.argsort(np.where(liq_i >= 0, liq_i, np.iinfo(np.int64).max)):
        if liq_i[i] < 0:
            continue
        m = float(iso.account.isolated_margins[i])
        facts.append(f"Isolated: {names(i)} liquidated at step {int(liq_i[i]):,}; its loss "
                     f"stopped at its isolated margin of {money(m, cur)}.")
    if kc >= 0:
        spared = [i for i in range(len(acct_c.positions)) if liq_i[i] < 0]
        before = cross
        if cross.thinned and kc > 0:      # a long path's run: the exact step before
            from .edits import result_at
            before = result_at(cross, kc - 1, dict(paths), **kwargs)
        mb = float(before.margin_balance[before.column(max(0, kc - 1))])
        facts.append(f"Cross: every position closed together at step {kc:,}"
                     + (f", including {_join([names(i) for i in spared])}, which isolated "
                        f"kept open" if spared else "")
                     + f"; the cross pool's margin balance just before was {money(mb, cur)}.")
    else:
        ratio = np.asarray(cross.margin_ratio, dtype=float)
        if np.isfinite(ratio).any():
            c = int(np.nanargmax(np.where(np.isfinite(ratio), ratio, np.nan)))
            gap = float(cross.margin_balance[c]) - float(np.sum(cross.maintenance_margin[:, c]))
            # a long path's thinned run: the closest of the steps it kept (the charts' points)
            t = c if cross.step_index is None else int(cross.step_index[c])
            facts.append(f"Cross was never liquidated; closest at step {t:,}, "
                         f"{money(gap, cur)} above its maintenance margin (margin ratio "
                         f"{ratio[c] * 100:.1f} %).")
    if s3.winner != "tie":
        gap = ec - ei
        parts = [(position_contribution(cross, j) - position_contribution(iso, j), j)
                 for j in range(len(acct_c.positions))]
        big = [(d, j) for d, j in parts if abs(d) >= 0.5 * abs(gap) and d * gap > 0]
        for _d, j in big[:1]:
            def effect(v: float) -> str:
                return f"{'a loss' if v < 0 else 'a gain'} of {money(abs(v), cur)}"

            facts.append(f"Most of the end gap is {names(j)}: "
                         f"{effect(position_contribution(cross, j))} in cross against "
                         f"{effect(position_contribution(iso, j))} in isolated.")

    # -- counterfactual reasons ---------------------------------------------------------
    reasons = _reasons(account, paths, cross, iso, names, kwargs)

    # -- headline -----------------------------------------------------------------------
    said = {
        "later_liquidation": (
            lambda m, o: f"was never liquidated (isolated was, at step {int(li):,})"
            if m == "cross" and not np.isfinite(lc) else
            f"was never liquidated (cross was, at step {int(lc):,})"
            if m == "isolated" and not np.isfinite(li) else
            f"was liquidated later (step {int(max(lc, li)):,} against "
            f"{int(min(lc, li)):,})"),
        "worst_loss": (
            lambda m, o: f"lost less at its worst ({money(min(wc, wi), cur)} against "
                         f"{money(max(wc, wi), cur)})"),
        "final_equity": (
            lambda m, o: f"ended with {money(abs(ec - ei), cur)} more equity"),
    }
    bits = []
    for mode in MODES:
        mine = [s for s in senses if s.winner == mode]
        if mine:
            other = "isolated" if mode == "cross" else "cross"
            bits.append(f"{mode} " + _join([said[s.key](mode, other) for s in mine]))
    if not bits:
        headline = "On this path the two modes fare the same: neither is safer."
    else:
        headline = "On this path " + ", but ".join(bits) + "."
    return Verdict(headline, senses, tuple(reasons), tuple(facts), cur)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _join(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _namer(acct: Account) -> Any:
    tags = [(p.symbol, p.side) for p in acct.positions]

    def name(i: int) -> str:
        p = acct.positions[i]
        tag = f"the {p.symbol} {p.side}"
        return tag + (f" (#{i + 1})" if tags.count((p.symbol, p.side)) > 1 else "")
    return name


def _reasons(account: Account, paths: Mapping[str, Any], cross: SimulationResult,
             iso: SimulationResult, names: Any, kwargs: Mapping[str, Any]) -> list[Reason]:
    P = len(account.positions)
    opts = dict(kwargs)
    events = list(opts.pop("events", ()))
    cross_events = [e for e in events
                    if _as_event(e).kind not in ("add_margin", "remove_margin")]
    cur = account.currency
    base = account.with_mode("cross")
    kc = first_liquidation(cross)
    liq_i = np.asarray(iso.liquidated_at)
    at: dict[int, SimulationResult] = {}

    def upnl(j: int, step: int) -> float:
        """Position ``j``'s uPnL at path step ``step`` of the cross run (exact when thinned)."""
        r = cross
        if cross.thinned:
            from .edits import result_at
            r = at.get(step) or at.setdefault(
                step, result_at(cross, step, dict(paths), **dict(kwargs)))
        return float(r.unrealized_pnl[j, r.column(step)])

    out: list[Reason] = []

    # a counterfactual asks only when the run liquidates: the engine's liquidation pass over
    # every step, without the series a chart would need (the same rules as ``simulate``)
    liq_opts = {k: opts[k] for k in ("funding_rate", "funding_every", "fees") if k in opts}

    def run_without(j: int) -> int:
        acct, p2, ev2 = without_position(base, paths, cross_events, j)
        k = liquidation_steps(acct, p2, events=ev2, **liq_opts)
        k = k[k >= 0]
        return int(k.min()) if k.size else -1

    if kc < 0 and (liq_i >= 0).any():
        losers = [int(i) for i in np.flatnonzero(liq_i >= 0)]
        # winners: positions in profit in cross when the isolated loser was liquidated
        t = int(liq_i[losers[0]])
        winners = [j for j in range(P) if j not in losers and upnl(j, t) > 0]
        needed = []
        for j in winners:
            k = run_without(j)
            what = f"cross without {names(j)}, same wallet and path"
            if k >= 0:
                needed.append(j)
                out.append(Reason(
                    f"Cross survived thanks to {names(j)}'s profit "
                    f"({money(upnl(j, t), cur)} at step {t:,}): without it the same path "
                    f"liquidates cross at step {k:,}.", what, k))
            else:
                out.append(Reason(
                    f"{_cap(names(j))}'s profit was not what saved cross: without it "
                    f"cross also survives this path, on the wallet alone.", what, k))
        if not winners:
            out.append(Reason(
                f"Cross survived because the whole cross wallet "
                f"({money(cross.account.wallet_balance, cur)}) backed "
                f"{_join([names(i) for i in losers])}, not just its initial margin.",
                "the isolated run, where the same position liquidates", int(liq_i.min())))
    elif kc >= 0 and P > 1:  # one position: no run "without it" is left to confirm a because
        losers = [j for j in range(P) if upnl(j, max(0, kc - 1)) < 0]
        for j in losers:
            k = run_without(j)
            if k < 0 or k > kc:
                after = "survives" if k < 0 else f"is liquidated only at step {k:,}"
                out.append(Reason(
                    f"Cross was dragged down by {names(j)}'s loss "
                    f"({money(upnl(j, max(0, kc - 1)), cur)} just before step {kc:,}): "
                    f"without it the cross pool {after}.",
                    f"cross without {names(j)}, same wallet and path", k))
    return out
