"""Thinned results for long paths (issue 8, "Long paths"): ``simulate(..., keep=...)`` and
``simulate(..., display_points=...)`` run the liquidation engine over every step but build the
series only at the kept steps. The oracle is the full run of the same scenario: every kept
column must equal the full run's value at that step, and every liquidation step, event and
final figure must be the full run's."""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import (
    Account,
    MarginInputError,
    PartialLiquidation,
    Position,
    RiskTiers,
    Venue,
    attribute,
    simulate,
)

sys.path.insert(0, str(Path(__file__).parent))
from test_liquidation_rules import scenarios  # noqa: E402

SERIES = ("wallet_balance", "equity", "unrealized_pnl", "notional", "maintenance_margin",
          "initial_margin", "margin_balance", "margin_ratio", "cross_wallet",
          "isolated_margin", "pool_margin_balance", "pool_maintenance_margin",
          "pool_margin_ratio", "available_balance", "liquidation_price", "bankruptcy_price",
          "quantity", "_cross_funding", "_cross_transfers", "_cross_fees", "_iso_funding",
          "_iso_transfers")
EXACT = ("liquidated_at", "realized_pnl", "funding_paid", "forfeited", "insurance_payout",
         "liquidation_started_at")


def _same_as_full(full, thin):
    idx = thin.step_index
    assert thin.thinned and not full.thinned
    assert thin.path_steps == full.steps
    for name in SERIES:
        np.testing.assert_allclose(getattr(thin, name), getattr(full, name)[..., idx],
                                   rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=name)
    for sym in full.marks:
        np.testing.assert_array_equal(thin.marks[sym], full.marks[sym][..., idx])
    for name in EXACT:
        np.testing.assert_allclose(getattr(thin, name), getattr(full, name), rtol=1e-12,
                                   atol=1e-9, err_msg=name)
    assert _events(thin) == _events(full)


def _events(r):
    """The events table with NaN (a mark that does not apply) made comparable."""
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in e.__dict__.items()}
            for e in r.events()]


@settings(max_examples=40, deadline=None)
@given(scenarios(), st.data())
def test_kept_columns_equal_the_full_run_with_partials_auto_add_transfers_and_funding(sc, data):
    acct, paths, events = sc
    T = len(paths["BTCUSDT"])
    keep = data.draw(st.lists(st.integers(0, T - 1), max_size=8))
    kw = dict(events=events, funding_every=data.draw(st.sampled_from([None, 3, 8])),
              funding_rate=data.draw(st.sampled_from([0.0, 0.002, -0.003])))
    full = simulate(acct, paths, **kw)
    thin = simulate(acct, paths, keep=keep, **kw)
    _same_as_full(full, thin)
    idx = set(thin.step_index.tolist())
    # the asked steps, both ends and every step where the state changed are kept
    assert set(keep) | {0, T - 1} <= idx
    for e in full.events():
        assert e.step in idx


@pytest.mark.parametrize("funding", [True, False])
@pytest.mark.parametrize("mode", ["cross", "isolated"])
def test_display_points_on_a_long_path_keeps_the_liquidation_exact(funding, mode):
    rng = np.random.default_rng(5)
    T = 200_000
    venue = Venue("demo", tiers=RiskTiers.flat(0.004), liquidation_fee_rate=0.005,
                  partial_liquidation=PartialLiquidation("fraction", 0.2, 50_000.0, 30))
    acct = Account(venue, 40_000, [Position("BTCUSDT", "long", 3, 60_000, 20),
                                   Position("ETHUSDT", "short", 20, 3_000, 10, "isolated")])
    paths = {"BTCUSDT": 60_000 * np.exp(np.cumsum(np.r_[0, rng.normal(0, 4e-4, T - 1)])),
             "ETHUSDT": 3_000 * np.exp(np.cumsum(np.r_[0, rng.normal(0, 5e-4, T - 1)]))}
    acct = acct.with_mode(mode)
    kw = dict(funding_every=480, funding_rate=1e-4) if funding else {}
    full = simulate(acct, paths, **kw)
    thin = simulate(acct, paths, display_points=800, **kw)
    _same_as_full(full, thin)
    # about the asked number of points, plus the steps around each event
    n_events = len(full.events())
    assert thin.steps <= 800 + 2 * n_events + 2
    # every bucket's extreme mark survives: the thinned marks span the full range
    for sym in paths:
        assert thin.marks[sym].min() == full.marks[sym].min()
        assert thin.marks[sym].max() == full.marks[sym].max()


def test_many_paths_thin_as_well():
    rng = np.random.default_rng(1)
    acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, 10, "isolated")])
    p = 60_000 * np.exp(np.cumsum(rng.normal(0, 0.01, (6, 500)), axis=1))
    p[:, 0] = 60_000
    full = simulate(acct, {"BTCUSDT": p})
    thin = simulate(acct, {"BTCUSDT": p}, keep=[10, 400])
    _same_as_full(full, thin)


def test_column_maps_steps_and_refuses_a_step_that_was_not_kept():
    acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, 10)])
    path = np.linspace(60_000, 61_000, 50)
    thin = simulate(acct, {"BTCUSDT": path}, keep=[7, 20])
    assert thin.step_index.tolist() == [0, 7, 20, 49]
    assert thin.column(20) == 2
    assert thin.marks["BTCUSDT"][thin.column(20)] == path[20]
    with pytest.raises(MarginInputError, match="not one of the steps"):
        thin.column(8)
    # attribution works between kept steps and refuses others
    full = simulate(acct, {"BTCUSDT": path})
    a_full = attribute(full, 0, 7, 20)
    a_thin = attribute(thin, 0, 7, 20)
    assert a_thin == pytest.approx(a_full)
    with pytest.raises(MarginInputError):
        attribute(thin, 0, 7, 8)


@pytest.mark.parametrize("keep", ["12", [1.5], [True], [-1], [50], [[1, 2]], {"a": 1}, 3])
def test_bad_keep_raises(keep):
    acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, 10)])
    with pytest.raises(MarginInputError, match="keep must be"):
        simulate(acct, {"BTCUSDT": np.full(50, 60_000.0)}, keep=keep)


@pytest.mark.parametrize("n", [0, 1, 2.5, "100", True, None])
def test_bad_display_points_raise(n):
    acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, 10)])
    if n is None:           # None means: not thinned
        assert not simulate(acct, {"BTCUSDT": np.full(50, 60_000.0)},
                            display_points=None).thinned
        return
    with pytest.raises(MarginInputError, match="display_points"):
        simulate(acct, {"BTCUSDT": np.full(50, 60_000.0)}, display_points=n)
