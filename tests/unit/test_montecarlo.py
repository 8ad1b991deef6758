"""monte_carlo agrees with simulate path by path, and its summaries are right."""

import numpy as np
import pytest

from margin_widgets.core import (
    Account,
    MarginInputError,
    MonteCarloCancelled,
    PartialLiquidation,
    Position,
    RiskTiers,
    Venue,
    monte_carlo,
    simulate,
)


def _gbm(start, n, T, vol, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, vol, (n, T))
    z[:, 0] = 0
    return start * np.exp(np.cumsum(z, axis=1))


@pytest.mark.parametrize("venue", [
    Venue("flat", tiers=RiskTiers.flat(0.004)),
    Venue("brackets", tiers=RiskTiers.from_brackets([(0, 0.004), (60_000, 0.01), (90_000, 0.02)]),
          taker_fee=0.0005),
    Venue("entry", mm_basis="entry", tiers=RiskTiers.flat(0.005), liquidation_fee_rate=0.01),
])
@pytest.mark.parametrize("funding", [None, 4])
def test_agrees_with_simulate_on_every_path(venue, funding):
    acct = Account(venue, 20_000, [Position("BTCUSDT", "long", 1, 60_000, 10),
                                   Position("ETHUSDT", "short", 10, 3_000, 20),
                                   Position("BTCUSDT", "short", 0.5, 60_000, 25)])
    n, T = 150, 120
    paths = {"BTCUSDT": _gbm(60_000, n, T, 0.02, 1), "ETHUSDT": _gbm(3_000, n, T, 0.02, 2)}
    kw = dict(funding_rate=0.001, funding_every=funding)
    mc = monte_carlo(acct, paths, chunk_size=37, **kw)
    for mode in ("cross", "isolated"):
        ref = simulate(acct.with_mode(mode), paths, prices=False, **kw)
        np.testing.assert_array_equal(mc[mode].liquidated_at, ref.liquidated_at)
        np.testing.assert_allclose(mc[mode].final_equity, ref.equity[:, -1], atol=1e-6)
        liq_any = (ref.liquidated_at >= 0)
        first = np.where(liq_any, ref.liquidated_at, T).min(axis=0)
        expected_prob = [(first <= t).mean() for t in range(T)]
        np.testing.assert_allclose(mc[mode].liquidation_probability, expected_prob)
        eq = ref.equity[:, mc[mode].band_steps]
        np.testing.assert_allclose(mc[mode].equity_bands,
                                   np.percentile(eq, mc[mode].percentiles, axis=0), atol=1e-6)
    assert 0 < mc["isolated"].probability_of_liquidation


def test_cancel_and_progress():
    acct = Account(Venue("flat", tiers=RiskTiers.flat(0.004)), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, 10)])
    paths = {"BTCUSDT": _gbm(60_000, 100, 50, 0.01, 3)}
    seen = []
    monte_carlo(acct, paths, chunk_size=30, progress=seen.append)
    assert seen == pytest.approx([0.3, 0.6, 0.9, 1.0])
    with pytest.raises(MonteCarloCancelled):
        monte_carlo(acct, paths, chunk_size=30, progress=lambda f: f < 0.5)


def test_chunking_does_not_change_results():
    acct = Account(Venue("flat", tiers=RiskTiers.flat(0.004)), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, 10)])
    paths = {"BTCUSDT": _gbm(60_000, 200, 80, 0.02, 4)}
    a = monte_carlo(acct, paths, chunk_size=7)
    b = monte_carlo(acct, paths, chunk_size=1000)
    for mode in a:
        np.testing.assert_array_equal(a[mode].liquidated_at, b[mode].liquidated_at)
        np.testing.assert_allclose(a[mode].final_equity, b[mode].final_equity)


@pytest.mark.parametrize("venue", [
    Venue("fraction", tiers=RiskTiers.flat(0.01), liquidation_fee_rate=0.001,
          partial_liquidation=PartialLiquidation("fraction", 0.25, 30_000.0, 2)),
    Venue("step down", tiers=RiskTiers.from_brackets([(0, 0.004), (20_000, 0.006), (50_000, 0.01),
                                                      (90_000, 0.02)]),
          taker_fee=0.0005, partial_liquidation=PartialLiquidation("tier_step_down")),
    Venue("entry", mm_basis="entry", tiers=RiskTiers.flat(0.005), liquidation_fee_rate=0.01),
])
@pytest.mark.parametrize("funding", [None, 4])
def test_agrees_with_simulate_with_partial_liquidation_auto_add_and_transfers(venue, funding):
    acct = Account(venue, 30_000, [
        Position("BTCUSDT", "long", 1.5, 60_000, 10, "isolated", auto_add_margin=True),
        Position("ETHUSDT", "short", 20, 3_000, 20),
        Position("BTCUSDT", "short", 0.5, 60_000, 25)])
    n, T = 120, 100
    paths = {"BTCUSDT": _gbm(60_000, n, T, 0.025, 5), "ETHUSDT": _gbm(3_000, n, T, 0.025, 6)}
    events = [{"step": 0, "kind": "deposit", "amount": 500.0},
              {"step": 10, "kind": "add_margin", "amount": 300.0, "position": 1},
              {"step": 30, "kind": "withdraw", "amount": 2_000.0},
              {"step": 50, "kind": "remove_margin", "amount": 100.0, "position": 0}]
    kw = dict(funding_rate=0.001, funding_every=funding)
    mc = monte_carlo(acct, paths, chunk_size=29, events=events, **kw)
    partial = 0
    for mode in ("cross", "isolated"):
        evs = events if mode == "isolated" else [e for e in events
                                                 if e["kind"] in ("deposit", "withdraw")]
        ref = simulate(acct.with_mode(mode), paths, prices=False, events=evs, **kw)
        np.testing.assert_array_equal(mc[mode].liquidated_at, ref.liquidated_at)
        np.testing.assert_allclose(mc[mode].final_equity, ref.equity[:, -1], rtol=1e-9,
                                   atol=1e-6)
        eq = ref.equity[:, mc[mode].band_steps]
        np.testing.assert_allclose(mc[mode].equity_bands,
                                   np.percentile(eq, mc[mode].percentiles, axis=0), atol=1e-6)
        partial += mc[mode].extra["partial_liquidations"].sum()
        n_partial = [sum(e.kind == "partial liquidation" for e in ref.events(j))
                     for j in range(n)]
        np.testing.assert_array_equal(mc[mode].extra["partial_liquidations"], n_partial)
    if venue.partial_liquidation is not None:
        assert partial > 0           # the test exercises partial liquidation
    assert mc["isolated"].extra["auto_add_margin"].sum() > 0


@pytest.mark.parametrize("kw", [dict(band_points=0), dict(band_points=2.5),
                                dict(chunk_size=0), dict(chunk_size=True),
                                dict(percentiles=[101]), dict(percentiles="50"),
                                dict(percentiles=[]), dict(funding_every=float("nan")),
                                dict(funding_every=0), dict(progress=3),
                                dict(events=[{"step": 99, "kind": "deposit", "amount": 1}]),
                                dict(events="deposit"), dict(allocation=[1, 2])])
def test_bad_arguments_raise_margin_input_error(kw):
    acct = Account(Venue("flat", tiers=RiskTiers.flat(0.004)), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, 10)])
    with pytest.raises(MarginInputError):
        monte_carlo(acct, {"BTCUSDT": _gbm(60_000, 4, 10, 0.01, 1)}, **kw)
