"""simulate / compare_modes / attribute: the reference path and properties."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from margin_widgets.core import (
    Account,
    MarginInputError,
    Position,
    RiskTiers,
    Venue,
    attribute,
    compare_modes,
    simulate,
)

FLAT = Venue("flat", tiers=RiskTiers.flat(0.004))


@pytest.mark.parametrize("leverage", [1, 5, 10, 20, 50, 100])
def test_reference_path_of_the_margin_model(leverage):
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000, leverage)])
    r = simulate(acct, {"BTCUSDT": [60_000, 58_000, 55_000, 52_000]})
    assert np.round(r.margin_ratio * 100, 1).tolist() == [2.4, 2.9, 4.4, 10.4]
    assert np.round(r.liquidation_price[0], 2).tolist() == [50_200.80] * 4
    assert r.liquidated_at.tolist() == [-1]
    assert r.equity.tolist() == [10_000, 8_000, 5_000, 2_000]


def test_cross_liquidation_closes_every_cross_position_and_keeps_isolated():
    acct = Account(FLAT, 10_000, [
        Position("BTCUSDT", "long", 1, 60_000, 10),
        Position("ETHUSDT", "long", 1, 3_000, 10),
        Position("ETHUSDT", "short", 1, 3_000, 10, "isolated"),
    ])
    btc = np.linspace(60_000, 45_000, 31)
    eth = np.full(31, 3_000.0)
    r = simulate(acct, {"BTCUSDT": btc, "ETHUSDT": eth})
    k = r.liquidated_at[0]
    assert k > 0 and r.liquidated_at[1] == k and r.liquidated_at[2] == -1
    # the whole cross wallet is lost; the isolated margin (300) survives
    assert r.wallet_balance[-1] == pytest.approx(300.0)
    assert np.isnan(r.liquidation_price[0, k + 1])
    assert r.unrealized_pnl[0, k + 1] == 0
    events = r.events()
    assert [e.kind for e in events].count("liquidation") == 2


def test_gap_floors_the_wallet_and_records_insurance_payout():
    acct = Account(FLAT, 1_000, [Position("BTCUSDT", "long", 1, 60_000, 60)])
    r = simulate(acct, {"BTCUSDT": [60_000, 59_900, 50_000]})
    assert r.liquidated_at[0] == 2
    assert r.wallet_balance[-1] == 0.0
    # margin balance at the gap: 1,000 - 10,000 = -9,000, paid by the insurance fund
    assert r.insurance_payout[0] == pytest.approx(9_000.0)
    assert r.forfeited[0] == 0.0


def test_forfeit_versus_liquidation_fee_venue():
    pos = [Position("BTCUSDT", "long", 1, 60_000, 10, "isolated")]
    path = {"BTCUSDT": np.linspace(60_000, 50_000, 101)}
    r = simulate(Account(FLAT, 10_000, pos), path)
    k = r.liquidated_at[0]
    mb = 6_000 + (path["BTCUSDT"][k] - 60_000)
    assert r.forfeited[0] == pytest.approx(mb)
    assert r.wallet_balance[-1] == pytest.approx(4_000.0)
    fee_venue = FLAT.with_(liquidation_fee_rate=0.015)
    r2 = simulate(Account(fee_venue, 10_000, pos), path)
    fee = min(0.015 * path["BTCUSDT"][k], mb)
    assert r2.forfeited[0] == pytest.approx(fee)
    assert r2.wallet_balance[-1] == pytest.approx(4_000.0 + mb - fee)


def test_funding_is_paid_by_longs_when_positive():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 50_000, 10),
                                  Position("BTCUSDT", "short", 1, 50_000, 10, "isolated")])
    r = simulate(acct, {"BTCUSDT": np.full(25, 50_000.0)}, funding_rate=0.0001,
                 funding_every=8)
    # steps 8, 16, 24: three payments of 1 x 50,000 x 0.01 % = 5 each
    assert r.funding_paid.tolist() == pytest.approx([15.0, -15.0])
    assert r.cross_wallet[-1] == pytest.approx(5_000 - 15.0)
    assert r.isolated_margin[1, -1] == pytest.approx(5_000 + 15.0)
    assert r.wallet_balance[-1] == pytest.approx(10_000.0)


def test_opening_fees_come_from_the_wallet():
    acct = Account("binance_usdm", 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10)])
    r = simulate(acct, {"BTCUSDT": [60_000, 60_000]})
    assert r.fees_paid == pytest.approx(60_000 * 0.0005)
    assert r.wallet_balance[0] == pytest.approx(10_000 - 30)
    assert simulate(acct, {"BTCUSDT": [60_000] * 2}, fees=False).wallet_balance[0] == 10_000


def test_transfers_apply_limits_and_are_logged():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 20, "isolated")])
    path = {"BTCUSDT": np.linspace(60_000, 56_000, 41)}
    r = simulate(acct, path, events=[
        {"step": 10, "kind": "add_margin", "position": 0, "amount": 2_000},
        {"step": 20, "kind": "add_margin", "position": 0, "amount": 50_000},
        {"step": 30, "kind": "remove_margin", "position": 0, "amount": 4_000},
    ])
    assert [rec["accepted"] for rec in r.transfer_log] == [True, False, False]
    assert r.isolated_margin[0, 9] == 3_000 and r.isolated_margin[0, 10] == 5_000
    lp = r.liquidation_price[0]
    # adding 2,000 lowers the isolated price by 2,000 / (1 - 0.4 %)
    assert lp[9] - lp[10] == pytest.approx(2_000 / 0.996)
    kinds = [e.kind for e in r.events()]
    assert "add_margin" in kinds and "add_margin refused" in kinds
    with pytest.raises(MarginInputError, match="cross"):
        simulate(Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000)]), path,
                 events=[{"step": 1, "kind": "add_margin", "position": 0, "amount": 1}])


def test_compare_modes_tells_the_central_lesson():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 20)])
    path = {"BTCUSDT": np.linspace(60_000, 54_000, 61)}
    both = compare_modes(acct, path)
    assert both["cross"].liquidated_at[0] == -1
    assert both["isolated"].liquidated_at[0] > 0
    assert both["isolated"].wallet_balance[-1] == pytest.approx(7_000)
    crash = {"BTCUSDT": np.linspace(60_000, 45_000, 61)}
    both = compare_modes(acct, crash)
    assert both["cross"].wallet_balance[-1] == 0.0          # the whole wallet is lost
    assert both["isolated"].wallet_balance[-1] == 7_000.0   # only the isolated margin


def test_attribution_adds_up():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10),
                                  Position("ETHUSDT", "short", 10, 3_000, 10)])
    T = 50
    paths = {"BTCUSDT": np.full(T, 60_000.0), "ETHUSDT": np.linspace(3_000, 2_500, T)}
    r = simulate(acct, paths, funding_rate=0.0005, funding_every=8)
    parts = attribute(r, 0, 0, T - 1)
    assert parts["total"] == pytest.approx(
        sum(v for k, v in parts.items() if k != "total"), abs=1e-6)
    # the ETH short's profit lowers the BTC long's cross liquidation price
    assert parts["other positions' PnL"] < 0
    assert parts["funding"] > 0   # the long paid more funding than the short received


# --- properties --------------------------------------------------------------------------


@st.composite
def scenarios(draw):
    contract = draw(st.sampled_from(["linear", "inverse"]))
    floors = [0.0, draw(st.floats(2e4, 2e5))]
    rates = sorted(draw(st.lists(st.floats(0.002, 0.05), min_size=2, max_size=2)))
    tiers = RiskTiers.from_brackets(list(zip(floors, rates, [None, None], strict=True)))
    venue = Venue("random", contract=contract, tiers=tiers,
                  taker_fee=draw(st.sampled_from([0.0, 0.0005])),
                  liquidation_fee_rate=draw(st.sampled_from([None, 0.01])))
    cs = 100.0 if contract == "inverse" else 1.0
    sym = "BTCUSD" if contract == "inverse" else "BTCUSDT"
    positions = []
    nominal = 0.0
    for _ in range(draw(st.integers(1, 3))):
        entry = draw(st.floats(20_000, 60_000))
        qty = (draw(st.floats(0.1, 3)) if contract == "linear"
               else float(draw(st.integers(50, 2000))))
        lev = draw(st.floats(2, 50))
        positions.append(Position(sym, draw(st.sampled_from(["long", "short"])), qty, entry, lev,
                                  draw(st.sampled_from(["cross", "isolated"])),
                                  contract_size=cs))
        nominal += (qty * cs / entry if contract == "inverse" else qty * entry) / lev
    wallet = nominal * draw(st.floats(1.05, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    T = 60
    start = positions[0].entry_price
    n = draw(st.integers(1, 4))
    steps = rng.normal(0, 0.03, (n, T))
    steps[:, 0] = 0
    path = start * np.exp(np.cumsum(steps, axis=1))
    return Account(venue, wallet, positions), {sym: path}


SIM = settings(max_examples=60, deadline=None)


@SIM
@given(scenarios(), st.sampled_from([None, 5]))
def test_money_is_conserved(case, funding_every):
    acct, paths = case
    r = simulate(acct, paths, funding_rate=0.0003, funding_every=funding_every)
    change = r.wallet_balance[:, -1] - acct.wallet_balance
    expected = (r.realized_pnl.sum(0) - r.fees_paid - r.funding_paid.sum(0)
                - r.forfeited.sum(0) + r.insurance_payout.sum(0))
    assert change == pytest.approx(expected, abs=1e-6 * acct.wallet_balance)


@SIM
@given(scenarios())
def test_isolated_never_loses_more_than_its_margin_plus_fees(case):
    acct, paths = case
    iso = acct.with_mode("isolated")
    r = simulate(iso, paths)
    fee = iso.venue.taker_fee * iso.book.notional_entry
    for i in range(len(iso.positions)):
        k = r.liquidated_at[i]
        lost = np.where(k >= 0, -r.realized_pnl[i] + r.forfeited[i] - r.insurance_payout[i], 0)
        assert np.all(lost <= iso.isolated_margins[i] + fee[i] + 1e-6)


@SIM
@given(scenarios())
def test_liquidation_is_at_the_first_breach_and_never_before(case):
    acct, paths = case
    r = simulate(acct, paths)
    for i in range(len(acct.positions)):
        for path in range(r.liquidated_at.shape[1]):
            k = r.liquidated_at[i, path]
            mb = r.pool_margin_balance[i, path]
            mm = r.pool_maintenance_margin[i, path]
            end = k if k >= 0 else r.steps
            assert np.all(mb[:end] > mm[:end])
            if k >= 0:
                assert mb[k] <= mm[k]


@SIM
@given(scenarios())
def test_n_paths_at_once_equal_n_single_runs(case):
    acct, paths = case
    many = simulate(acct, paths)
    sym, arr = next(iter(paths.items()))
    for j in range(arr.shape[0]):
        one = simulate(acct, {sym: arr[j]})
        np.testing.assert_allclose(one.equity, many.equity[j], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(one.liquidated_at, many.liquidated_at[:, j])
        np.testing.assert_allclose(one.liquidation_price, many.liquidation_price[:, j],
                                   rtol=1e-12, equal_nan=True)


@SIM
@given(scenarios(), st.integers(1, 50))
def test_a_path_touching_the_snapshot_liquidation_price_liquidates_there(case, k):
    acct, paths = case
    acct = acct.replace(venue=acct.venue.with_(taker_fee=0.0),
                        positions=[acct.positions[0]])
    sym = acct.positions[0].symbol
    start = acct.positions[0].entry_price
    lp = acct.liquidation_price(0, {sym: start})
    assume(math.isfinite(lp) and acct.pool_of(0, {sym: start}).margin_ratio < 1)
    path = np.linspace(start, lp, k + 1)
    path[-1] = lp
    r = simulate(acct, {sym: path})
    assert r.liquidated_at[0] == k


def test_frames_for_pandas_users():
    acct = Account(FLAT.with_(taker_fee=0.0005), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, 10, "isolated")])
    r = simulate(acct, {"BTCUSDT": np.linspace(60_000, 50_000, 11)}, times=np.arange(11) * 3600)
    df = r.to_frame()
    assert len(df) == 11 and df["equity"].iloc[0] == pytest.approx(10_000 - 30)
    assert "liquidation_price #1 BTCUSDT long" in df.columns
    ev = r.events_frame()
    assert list(ev["kind"]) == ["open fee", "liquidation"]
    liq = ev.iloc[1]
    k = r.liquidated_at[0]
    assert liq["step"] == k and liq["time"] == k * 3600
    assert liq["loss"] == pytest.approx(60_000 - r.marks["BTCUSDT"][k])
    assert liq["fee"] + liq["loss"] == pytest.approx(6_000)   # the whole isolated margin


def test_attribution_with_fees_and_transfers_adds_up():
    venue = FLAT.with_(taker_fee=0.0005)
    acct = Account(venue, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 20, "isolated")])
    r = simulate(acct, {"BTCUSDT": np.full(30, 60_000.0)}, funding_rate=0.0002,
                 funding_every=5,
                 events=[{"step": 12, "kind": "add_margin", "position": 0, "amount": 500}])
    parts = attribute(r, 0, 0, 29)
    # 5 fundings of 60,000 x 0.02 % = 12 each, and +500 added: K changes by 500 - 60
    assert parts["funding"] == pytest.approx(60 / 0.996)
    assert parts["margin transfers"] == pytest.approx(-500 / 0.996)
    assert parts["total"] == pytest.approx(sum(v for k, v in parts.items() if k != "total"))
