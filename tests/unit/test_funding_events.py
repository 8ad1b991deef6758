"""Funding kept at the funding events (issue 8, "long paths"), checked against plain loops.

The engine holds each position's cumulative funding only at the funding steps
(:class:`margin_widgets.core.funding.FundingSchedule`), scans long paths block by block and
re-scans in capped windows, and answers a counterfactual with
:func:`~margin_widgets.core.simulation.liquidation_steps`. The oracles here: a Python loop
over every step of the path (funding paid at ``E, 2E, ...`` as MARGIN_MODEL section 5 says),
the plain step-by-step loop of the rules (``loop_oracle``), the full-resolution run for a
thinned one, and a ``numpy`` first-breach computed from the formulas for a long path.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import Account, Position, RiskTiers, Venue, simulate, venues
from margin_widgets.core.edits import result_at
from margin_widgets.core.funding import FundingSchedule
from margin_widgets.core.simulation import liquidation_steps
from margin_widgets.core.verdict import first_liquidation, verdict, without_position

sys.path.insert(0, str(Path(__file__).parent))
from loop_oracle import loop  # noqa: E402
from test_liquidation_rules import scenarios  # noqa: E402


def _loop_F(x: np.ndarray, s: float, u: float, rate: np.ndarray, every: int) -> np.ndarray:
    """Cumulative funding per unit share at every step, one step at a time."""
    out = np.empty(x.size)
    acc = 0.0
    for t in range(x.size):
        if t > 0 and t % every == 0:
            acc += s * (u * float(x[t])) * float(rate[t])
        out[t] = acc
    return out


@settings(max_examples=60, deadline=None)
@given(T=st.integers(1, 400), every=st.integers(1, 40), seed=st.integers(0, 10_000),
       per_step=st.booleans())
def test_schedule_equals_a_running_sum_over_every_step(T, every, seed, per_step):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    xs = [60_000 * np.exp(np.cumsum(rng.normal(0, 0.01, (n, T)), axis=1)),
          3_000 * np.exp(np.cumsum(rng.normal(0, 0.01, (n, T)), axis=1))]
    s = np.array([1.0, -1.0])
    u = np.array([0.7, 12.0])
    rate = rng.normal(0, 0.001, T) if per_step else np.full(T, 0.0003)
    M = (T - 1) // every
    rates = [rate[every::every][:M]] * 2
    sched = FundingSchedule(s, u, xs, rates, every, T)
    steps = np.arange(T)
    for i in range(2):
        want = np.stack([_loop_F(xs[i][r], s[i], u[i], rate, every) for r in range(n)])
        # the same products summed in the same order: equal to the last bit
        np.testing.assert_array_equal(sched.at(i, steps), want)
        np.testing.assert_array_equal(sched.dense()[i], want)
        b0 = int(rng.integers(0, T))
        b1 = int(rng.integers(b0 + 1, T + 1))
        np.testing.assert_array_equal(sched.block(i, b0, b1), want[:, b0:b1])
        acc = rng.normal(size=(n, b1 - b0))
        expect = acc - want[:, b0:b1]
        sched.subtract_from(i, acc, b0)
        np.testing.assert_array_equal(acc, expect)
        # funding actually paid with an open share that falls at a random event
        share = np.ones((n, M))
        if M:
            share[:, int(rng.integers(0, M)):] = 0.4
        paid = sched.paid(i, share)
        loop_paid = np.zeros((n, M + 1))
        for r in range(n):
            tot = 0.0
            for m in range(1, M + 1):
                tot += share[r, m - 1] * (want[r, m * every] - want[r, m * every - 1])
                loop_paid[r, m] = tot
        np.testing.assert_array_equal(paid, loop_paid)


def _mid_path_rate(T: int, k: int, a: float, b: float) -> np.ndarray:
    """A funding rate that changes at step ``k``."""
    return np.where(np.arange(T) < k, a, b)


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.data())
def test_simulate_with_funding_equals_the_plain_loop(sc, data):
    acct, paths, events = sc
    T = len(paths["BTCUSDT"])
    every = data.draw(st.sampled_from([1, 2, 3, 8]), label="every")
    kind = data.draw(st.sampled_from(["number", "per step", "per symbol"]), label="rate")
    if kind == "number":
        rate = data.draw(st.sampled_from([0.002, -0.004, 0.01]))
    elif kind == "per step":     # the rate changes mid-path
        rate = _mid_path_rate(T, data.draw(st.integers(0, T - 1)), 0.003, -0.006)
    else:
        rate = {"BTCUSDT": 0.004, "ETHUSDT": _mid_path_rate(T, T // 2, -0.002, 0.005)}
    kw = dict(funding_rate=rate, funding_every=every)
    r = simulate(acct, paths, events=events, **kw)
    o = loop(acct, paths, events, **kw)
    assert r.liquidated_at.tolist() == o["liquidated_at"]
    np.testing.assert_allclose(r.funding_paid, o["funding_paid"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(r.wallet_balance, o["wallets"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(r.equity, o["equity"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(r.quantity.T, o["quantity"], rtol=1e-9, atol=1e-12)
    # the thinned run (every step a state changed, plus a few asked for) holds the same
    # numbers at every step it kept, and the same liquidations and funding
    keep = data.draw(st.lists(st.integers(0, T - 1), max_size=6), label="keep")
    thin = simulate(acct, paths, events=events, keep=keep, **kw)
    idx = thin.step_index
    assert thin.liquidated_at.tolist() == o["liquidated_at"]
    np.testing.assert_allclose(thin.funding_paid, r.funding_paid, rtol=1e-12, atol=1e-9)
    for name in ("wallet_balance", "equity", "cross_wallet", "isolated_margin",
                 "liquidation_price", "_iso_funding", "_cross_funding"):
        np.testing.assert_allclose(getattr(thin, name), getattr(r, name)[..., idx],
                                   rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=name)
    # the liquidation pass alone agrees
    np.testing.assert_array_equal(liquidation_steps(acct, paths, events=events, **kw),
                                  r.liquidated_at)


def _hl_account(wallet: float = 20_000.0) -> Account:
    """Hyperliquid (partial liquidation 20 % above 100,000 USDC), cross and isolated."""
    return Account(venues["hyperliquid"], wallet, [
        Position("BTC", "long", 2.0, 60_000, 20, "cross"),
        Position("ETH", "short", 30, 3_000, 10, "isolated"),
        Position("ETH", "long", 10, 3_000, 25, "cross")])


def _gbm(T: int, start: float, vol: float, seed: int, drift: float, n: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.normal(drift / T, vol / np.sqrt(T), (n, T))
    z[:, 0] = 0.0
    out = start * np.exp(np.cumsum(z, axis=1))
    return out[0] if n == 1 else out


@pytest.mark.parametrize("n", [1, 3, 12, 1024])
@pytest.mark.parametrize("every", [3, 8])
def test_many_paths_thinned_equal_the_full_run_at_random_steps(n, every):
    # 1,024 paths make the block scan work in blocks of 256 steps (not a multiple of 3);
    # 3 and 12 paths take the two ways a re-scan reads funding over a window
    T = 2_000 if n == 1024 else 20_000
    acct = _hl_account()
    paths = {"BTC": _gbm(T, 60_000, 0.3, 1, -0.3, n), "ETH": _gbm(T, 3_000, 0.3, 2, 0.3, n)}
    rate = {"BTC": 0.0004, "ETH": _mid_path_rate(T, T // 3, 0.0002, -0.0009)}
    kw = dict(funding_rate=rate, funding_every=every,
              events=[{"step": T // 4, "kind": "deposit", "amount": 2_000.0},
                      {"step": T // 2, "kind": "add_margin", "amount": 500.0, "position": 1}])
    full = simulate(acct, paths, **kw)
    keep = np.random.default_rng(n).integers(0, T, 40)
    thin = simulate(acct, paths, keep=keep, display_points=300, **kw)
    np.testing.assert_array_equal(thin.liquidated_at, full.liquidated_at)
    np.testing.assert_array_equal(thin.funding_paid, full.funding_paid)
    np.testing.assert_array_equal(thin.realized_pnl, full.realized_pnl)
    for name in ("wallet_balance", "equity", "unrealized_pnl", "quantity", "cross_wallet",
                 "isolated_margin", "liquidation_price", "_iso_funding", "margin_ratio"):
        np.testing.assert_allclose(getattr(thin, name), getattr(full, name)[..., thin.step_index],
                                   rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=name)
    assert set(keep.tolist()) <= set(thin.step_index.tolist())
    np.testing.assert_array_equal(liquidation_steps(acct, paths, **kw), full.liquidated_at)
    if n == 1:
        # a step the thinned run did not keep: result_at runs the engine again to it
        rng = np.random.default_rng(7)
        for t in rng.integers(0, T, 6).tolist():
            a = result_at(thin, int(t), paths, **kw)
            c = a.column(int(t))
            for name in ("wallet_balance", "equity", "cross_wallet", "isolated_margin"):
                np.testing.assert_allclose(np.asarray(getattr(a, name))[..., c],
                                           getattr(full, name)[..., t], rtol=1e-9, atol=1e-6,
                                           err_msg=f"{name} at step {t}")
    # partial liquidations happened (Hyperliquid: 20 % above 100,000 USDC): the fast paths
    # met them, and the isolated position's pool closed on its own
    kinds = [e["kind"] for e in thin.rule_events]
    assert "partial liquidation" in kinds and "liquidation" in kinds


def test_a_breach_far_after_a_rescan_on_a_long_path():
    """A deposit makes the engine scan the cross pool again from an early step; the pool
    breaches ~600,000 steps later, past every window of the re-scan but the capped ones.
    Oracle: the first step at which ``wallet - fees + deposit - F(t) + uPnL(t) - MM(t)``
    (each from its formula, ``F`` by a running sum) is at or below zero."""
    T = 700_000
    venue = Venue("flat", tiers=RiskTiers.flat(0.005), taker_fee=0.0005)
    pos = Position("BTCUSDT", "long", 1.0, 60_000, 10, "cross")
    acct = Account(venue, 7_000.0, [pos])
    price = np.linspace(60_000, 50_000, T)
    every, rate = 8, 1e-7
    dep = 500.0
    events = [{"step": 5, "kind": "deposit", "amount": dep}]
    got = liquidation_steps(acct, {"BTCUSDT": price}, funding_rate=rate, funding_every=every,
                            events=events)
    thin = simulate(acct, {"BTCUSDT": price}, funding_rate=rate, funding_every=every,
                    events=events, display_points=2_000)
    # the oracle: numpy over the whole path, funding accumulated event by event
    F = np.zeros(T)
    F[every::every] = price[every::every] * rate
    F = np.cumsum(F)
    g = (7_000.0 - 0.0005 * 60_000 + np.where(np.arange(T) >= 5, dep, 0.0) - F
         + (price - 60_000) - 0.005 * price)
    want = int(np.argmax(g <= 1e-11 * (60_000 + 7_000.0)))
    assert want > 400_000 and g[want - 1] > 1e-3    # far from the re-scan; no near tie
    assert int(got[0]) == want == int(thin.liquidated_at[0])
    np.testing.assert_allclose(thin.funding_paid[0], F[want], rtol=1e-9)


def test_verdict_counterfactuals_equal_full_simulate_runs():
    """Every "because" of the verdict names the liquidation step of a counterfactual run; the
    liquidation-only run it now uses gives the full ``simulate`` run's step."""
    T = 30_000
    acct = Account(venues["hyperliquid"], 50_000, [
        Position("BTC", "long", 0.5, 60_000, 10, "cross"),
        Position("ETH", "short", 5, 3_000, 10, "cross"),
        Position("SOL", "long", 50, 150, 5, "isolated"),
        Position("BTC", "short", 0.2, 60_000, 20, "isolated"),
        Position("ETH", "long", 3, 3_000, 15, "cross")])
    paths = {"BTC": np.interp(np.arange(T), [0, T // 4, T // 2, T - 1],
                              [60_000, 57_000, 52_000, 53_000]),
             "ETH": _gbm(T, 3_000, 0.8, 2, 0.0), "SOL": _gbm(T, 150, 1.0, 3, 0.0)}
    kw = dict(funding_rate=0.0001, funding_every=8, fees=True)
    v = verdict(acct, paths, display_points=4_800, **kw)
    full = verdict(acct, paths, **kw)
    assert v.sentences() == full.sentences()
    assert v.reasons
    base = acct.with_mode("cross")
    for j in range(len(acct.positions)):
        a2, p2, e2 = without_position(base, paths, [], j)
        k = first_liquidation(simulate(a2, p2, events=e2, **kw))
        steps = liquidation_steps(a2, p2, events=e2, **kw)
        assert (int(steps[steps >= 0].min()) if (steps >= 0).any() else -1) == k
    for reason in v.reasons:
        assert str(reason.liquidated_at) in reason.text.replace(",", "") or \
            reason.liquidated_at < 0 or "isolated run" in reason.counterfactual


@pytest.mark.parametrize("venue, sym, side, qty, size, wallet, end, rate, crosses", [
    # a short whose notional rises through Binance's 600,000 USDT floor before it breaches
    ("binance_usdm", "BTCUSDT", "short", 9.9, 1.0, 30_000.0, 64_000.0, -1e-6, True),
    ("binance_usdm", "BTCUSDT", "long", 2.0, 1.0, 60_000.0, 58_000.0, 5e-5, False),
    # COIN-M: a long whose notional in BTC rises through the 5 BTC floor as the price falls
    ("binance_coinm", "BTCUSD", "long", 2_950.0, 100.0, 0.5, 50_000.0, 1e-7, True),
    ("binance_coinm", "BTCUSD", "long", 100.0, 100.0, 1.0, 58_000.0, 5e-5, False),
])
def test_long_path_scanned_in_blocks_equals_the_full_run(venue, sym, side, qty, size, wallet,
                                                          end, rate, crosses):
    """The first scan of a thinned run goes block by block and, when a position's notional
    stays in one bracket over the whole path, skips the bracket look-up: the same liquidation
    steps, funding and numbers as the full run, across a bracket floor or not."""
    T = 300_000                                 # more than one block of 262,144 steps
    rng = np.random.default_rng(3)
    price = np.linspace(60_000, end, T) * np.exp(
        np.cumsum(np.r_[0.0, rng.normal(0, 0.00003, T - 1)]))
    other = "short" if side == "long" else "long"
    acct = Account(venues[venue], wallet, [
        Position(sym, side, qty, 60_000, 20, "cross", contract_size=size),
        Position(sym, other, qty / 20, 60_000, 20, "isolated", contract_size=size)])
    kw = dict(funding_rate=rate, funding_every=8)
    full = simulate(acct, {sym: price}, prices=False, **kw)
    thin = simulate(acct, {sym: price}, prices=False, display_points=500, **kw)
    # the whole position's notional along the path (what the block scan's bracket is of)
    notional = qty * size / price if size == 100.0 else qty * price
    t = venues[venue].tiers_for(sym)
    assert (np.unique(t.bracket_index(notional)).size > 1) == crosses
    k = int(full.liquidation_started_at[0])
    if crosses:    # the breach is in the higher bracket, after the notional crossed into it
        assert k > 0 and t.bracket_index(notional[k]) > t.bracket_index(notional[0])
    np.testing.assert_array_equal(thin.liquidated_at, full.liquidated_at)
    np.testing.assert_array_equal(thin.funding_paid, full.funding_paid)
    np.testing.assert_array_equal(liquidation_steps(acct, {sym: price}, **kw),
                                  full.liquidated_at)
    for name in ("wallet_balance", "equity", "maintenance_margin", "quantity"):
        np.testing.assert_allclose(getattr(thin, name), getattr(full, name)[..., thin.step_index],
                                   rtol=1e-12, atol=1e-9, err_msg=name)


def test_reused_funding_gives_the_same_runs_and_never_outlives_its_block():
    """Within ``reuse_funding()`` a position's funding is computed once for all the runs of a
    change; every run equals the same run made alone, and after the block a path changed in
    place is read afresh."""
    from margin_widgets.core.funding import reuse_funding
    from margin_widgets.core.simulation import compare_modes

    T = 5_000
    acct = _hl_account()
    paths = {"BTC": _gbm(T, 60_000, 0.3, 1, -0.1), "ETH": _gbm(T, 3_000, 0.3, 2, 0.1)}
    rate = {"BTC": 0.0004, "ETH": _mid_path_rate(T, T // 3, 0.0002, -0.0009)}
    kw = dict(funding_rate=rate, funding_every=3, display_points=400)
    alone = {m: simulate(acct.with_mode(m), paths, **kw) for m in ("cross", "isolated")}
    with reuse_funding():
        both = compare_modes(acct, paths, **kw)
        again = compare_modes(acct, paths, **kw)
        a2, p2, e2 = without_position(acct.with_mode("cross"), paths, [], 0)
        np.testing.assert_array_equal(liquidation_steps(a2, p2, **{
            k: v for k, v in kw.items() if k != "display_points"}),
            simulate(a2, p2, **kw).liquidated_at)
    for m in ("cross", "isolated"):
        for r in (both[m], again[m]):
            np.testing.assert_array_equal(r.funding_paid, alone[m].funding_paid)
            np.testing.assert_array_equal(r.wallet_balance, alone[m].wallet_balance)
            np.testing.assert_array_equal(r.liquidated_at, alone[m].liquidated_at)
    # the same array, changed in place after the block: a new block reads the new marks
    paths["BTC"][1:] *= 0.97
    with reuse_funding():
        moved = compare_modes(acct, paths, **kw)["cross"]
    fresh = simulate(acct.with_mode("cross"), {s: p.copy() for s, p in paths.items()}, **kw)
    np.testing.assert_array_equal(moved.funding_paid, fresh.funding_paid)
    assert not np.array_equal(moved.funding_paid, alone["cross"].funding_paid)


def test_a_reuse_block_belongs_to_its_thread():
    import threading

    from margin_widgets.core import funding

    seen = []
    with funding.reuse_funding():
        assert funding._reuse() == {}
        t = threading.Thread(target=lambda: seen.append(funding._reuse()))
        t.start()
        t.join()
    assert seen == [None] and funding._reuse() is None
