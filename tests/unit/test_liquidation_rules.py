"""Liquidation as venues do it (issue 10): transfers around closed pools, partial liquidation,
liquidation outcomes, auto-add margin, all checked against independent sums, a venue's
published example and a plain step-by-step loop (tests/unit/loop_oracle.py)."""

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
    Scenario,
    Venue,
    compare_modes,
    simulate,
)

sys.path.insert(0, str(Path(__file__).parent))
from loop_oracle import loop  # noqa: E402

FLAT = Venue("flat", tiers=RiskTiers.flat(0.004))


def _kinds(r, path=0):
    return [e.kind for e in r.events(path)]


# -- defects of issue 10 ------------------------------------------------------------------------

def test_a_transfer_at_step_0_is_valid_and_comes_after_the_opening_fees():
    venue = FLAT.with_(taker_fee=0.0005)
    acct = Account(venue, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10, "isolated")])
    r = simulate(acct, {"BTCUSDT": [60_000, 59_000, 58_000]},
                 events=[{"step": 0, "kind": "add_margin", "amount": 100, "position": 0},
                         {"step": 0, "kind": "withdraw", "amount": 3_870}])
    # 10,000 - 30 opening fee - 6,000 isolated = 3,970 in the cross wallet at step 0; after
    # the top-up of 100, 3,870 can be withdrawn and not a cent more
    assert [t["accepted"] for t in r.transfer_log] == [True, True]
    assert r.isolated_margin[0, 0] == pytest.approx(6_100.0)
    r2 = simulate(acct, {"BTCUSDT": [60_000, 59_000, 58_000]},
                  events=[{"step": 0, "kind": "add_margin", "amount": 100, "position": 0},
                          {"step": 0, "kind": "withdraw", "amount": 3_871}])
    assert [t["accepted"] for t in r2.transfer_log] == [True, False]
    assert r.cross_wallet[0] == pytest.approx(0.0, abs=1e-9)
    assert r2.cross_wallet[0] == pytest.approx(3_870.0)


def test_a_shared_scenario_with_a_step_0_transfer_runs_on_every_venue_preset():
    from margin_widgets.core import PRESETS, venues

    sc = PRESETS["one_long"]
    ev = ({"step": 0, "kind": "deposit", "amount": 10.0},
          {"step": 0, "kind": "add_margin", "amount": 1.0, "position": 0})
    shared = Scenario.from_json(sc.replace(events=ev).to_json())
    for key in venues:
        both = shared.replace(venue=key).compare()
        iso = both["isolated"]
        assert [t["accepted"] for t in iso.transfer_log] == [True, True], key
        plain = sc.replace(venue=key).compare()["isolated"]
        assert iso.wallet_balance[0] == pytest.approx(plain.wallet_balance[0] + 10.0), key
        assert iso.isolated_margin[0, 0] == pytest.approx(plain.isolated_margin[0, 0] + 1.0), key


def _after_cross_liquidation(events):
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10),
                                  Position("ETHUSDT", "long", 1, 3_000, 10, "isolated")])
    path = {"BTCUSDT": [60_000, 50_000, 50_000, 50_000, 50_000],
            "ETHUSDT": [3_000, 3_000, 3_000, 3_000, 3_300]}
    return simulate(acct, path, events=events)


def test_transfers_after_a_cross_liquidation_are_judged_on_the_settled_wallet():
    # cross wallet 9,700 is wiped out at step 1 (mark 50,000 < liquidation price 50,502.01)
    r = _after_cross_liquidation([
        {"step": 2, "kind": "deposit", "amount": 1_000},
        {"step": 3, "kind": "withdraw", "amount": 1_001},     # more than the settled wallet
        {"step": 3, "kind": "withdraw", "amount": 400},       # fine: 600 left
    ])
    assert r.liquidated_at.tolist() == [1, -1]
    assert [t["accepted"] for t in r.transfer_log] == [True, False, True]
    assert "600" not in r.transfer_log[1]["reason"] and "1,000.00" in r.transfer_log[1]["reason"]
    assert r.cross_wallet[-1] == pytest.approx(600.0)
    assert r.wallet_balance[-1] == pytest.approx(600.0 + 300.0)


def test_adding_margin_to_an_isolated_position_after_a_cross_liquidation_is_allowed():
    r = _after_cross_liquidation([
        {"step": 2, "kind": "deposit", "amount": 1_000},
        {"step": 3, "kind": "add_margin", "amount": 200, "position": 1},
        {"step": 3, "kind": "add_margin", "amount": 900, "position": 1},   # only 800 left
    ])
    log = r.transfer_log
    assert [t["accepted"] for t in log] == [True, True, False]
    assert log[1]["reason"] == "done"
    assert "800.00" in log[2]["reason"]
    assert r.isolated_margin[1, 3] == pytest.approx(500.0)


def test_removing_margin_is_judged_on_its_own_position_not_the_closed_cross_pool():
    # ETH 3,300 at step 4: isolated margin 300, uPnL 300, MM 13.2, IM 330:
    # Binance's limit max(0, min(300 - 13.2, 300 + 300 - 330)) = 270
    r = _after_cross_liquidation([
        {"step": 4, "kind": "remove_margin", "amount": 270, "position": 1},
    ])
    assert r.transfer_log[0]["accepted"], r.transfer_log[0]["reason"]
    assert r.cross_wallet[-1] == pytest.approx(270.0)
    r2 = _after_cross_liquidation([{"step": 4, "kind": "remove_margin", "amount": 271,
                                    "position": 1}])
    assert not r2.transfer_log[0]["accepted"]
    assert "270.00" in r2.transfer_log[0]["reason"]


def test_a_liquidated_isolated_pool_returns_what_it_keeps_to_the_cross_wallet():
    venue = FLAT.with_(liquidation_fee_rate=0.001)
    acct = Account(venue, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10, "isolated")])
    # isolated margin 6,000; at 54,100: margin balance 100, MM 216.4 -> liquidated;
    # fee min(0.001 x 54,100, 100) = 54.10, the trader keeps 45.90
    r = simulate(acct, {"BTCUSDT": [60_000, 57_000, 54_100, 54_000]})
    assert r.liquidated_at.tolist() == [2]
    assert r.isolated_margin[0, 3] == 0.0
    assert r.cross_wallet[2] == pytest.approx(4_000 + 45.90)
    assert r.available_balance[3] == pytest.approx(4_045.90)
    assert r.wallet_balance[-1] == pytest.approx(4_045.90)


def test_available_balance_at_a_cross_liquidation_step_counts_only_open_positions():
    venue = FLAT.with_(liquidation_fee_rate=0.001)
    acct = Account(venue, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10)])
    # at 50,100: margin balance 100 <= MM 200.40; fee 50.10, the trader keeps 49.90
    r = simulate(acct, {"BTCUSDT": [60_000, 50_210, 50_100]})
    assert r.liquidated_at.tolist() == [2]
    assert r.cross_wallet[2] == pytest.approx(49.90)
    assert r.available_balance[2] == pytest.approx(49.90)


# -- partial liquidation --------------------------------------------------------------------

HL_LIKE = Venue("fraction", tiers=RiskTiers.flat(0.01), liquidation_fee_rate=0.001,
                partial_liquidation=PartialLiquidation("fraction", 0.2, 100_000.0, 1))
STEP_DOWN = Venue("step down", tiers=RiskTiers.from_brackets(
    [(0, 0.004, 125), (50_000, 0.005, 100), (250_000, 0.01, 50), (1_000_000, 0.025, 20)]),
    partial_liquidation=PartialLiquidation(kind="tier_step_down"))


def test_fraction_closes_a_fifth_and_charges_the_fee_on_the_closed_notional_only():
    acct = Account(HL_LIKE, 40_000, [Position("BTCUSDT", "long", 5, 60_000, 10)])
    # liquidation price: 40,000 + 5 (P - 60,000) = 0.05 P -> 52,525.25; at 52,500:
    # margin balance 2,500 <= MM 2,625. Close 1 BTC: realised -7,500, fee 0.1 % x 52,500 = 52.50;
    # then margin balance 2,447.50 > MM 2,100: the pool is back above its requirement
    r = simulate(acct, {"BTCUSDT": [60_000, 55_000, 52_500, 52_600]})
    assert r.liquidated_at.tolist() == [-1]
    assert r.quantity[0].tolist() == pytest.approx([5, 5, 4, 4])
    ev = [e for e in r.events() if e.kind == "partial liquidation"]
    assert len(ev) == 1
    e = ev[0]
    assert (e.step, e.position, e.mark) == (2, 0, 52_500.0)
    assert e.quantity == pytest.approx(1.0)
    assert e.fee == pytest.approx(52.50)
    assert e.insurance_payout == 0.0
    assert r.wallet_balance[2] == pytest.approx(40_000 - 7_500 - 52.50)
    assert r.equity[2] == pytest.approx(2_447.50)
    # the new liquidation price of the 4 BTC left: 32,447.5 + 4 (P - 60,000) = 0.04 P
    assert r.liquidation_price[0, 3] == pytest.approx((240_000 - 32_447.5) / 3.96)


def test_below_the_threshold_the_position_closes_in_full():
    acct = Account(HL_LIKE, 4_000, [Position("BTCUSDT", "long", 1.5, 60_000, 25)])
    r = simulate(acct, {"BTCUSDT": [60_000, 58_000, 57_000]})     # notional 87,000 < 100,000
    assert r.liquidated_at.tolist() == [2]
    assert "partial liquidation" not in _kinds(r)


def test_tier_step_down_reduces_below_the_breached_bracket_until_the_pool_clears():
    acct = Account(STEP_DOWN, 40_000, [Position("BTCUSDT", "long", 5, 60_000, 10)])
    # brackets: cum 0 / 50 / 1,300. At 52,200: margin balance 1,000, MM 5 x 52,200 x 1 % - 1,300
    # = 1,310 -> breach. Step down to just below 250,000: MM 1,200 > 1,000, still breaching;
    # down to just below 50,000: MM 200 < 1,000 -> clear. No fee on a forfeit venue's partial.
    r = simulate(acct, {"BTCUSDT": [60_000, 55_000, 52_200, 52_300]})
    ev = [e for e in r.events() if e.kind == "partial liquidation"]
    assert [e.step for e in ev] == [2, 2]
    assert r.quantity[0, 2] == pytest.approx(50_000 / 52_200, rel=1e-9)
    assert r.quantity[0, 2] * 52_200 < 50_000
    assert r.equity[2] == pytest.approx(1_000.0)
    assert r.liquidated_at.tolist() == [-1]


def test_a_venue_built_by_hand_liquidates_in_full_and_forfeits():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 5, 60_000, 10)])
    r = simulate(acct, {"BTCUSDT": np.linspace(60_000, 57_000, 31)})
    k = int(r.liquidated_at[0])
    assert k >= 0
    assert set(r.quantity[0, :k].tolist()) == {5.0} and set(r.quantity[0, k:].tolist()) == {0.0}
    assert r.wallet_balance[-1] == 0.0


def test_monte_carlo_shape_of_events_in_a_gap():
    # a gap through bankruptcy closes in full even with a partial rule, and the fund pays
    acct = Account(HL_LIKE, 40_000, [Position("BTCUSDT", "long", 5, 60_000, 10)])
    r = simulate(acct, {"BTCUSDT": [60_000, 45_000]})
    assert r.liquidated_at.tolist() == [1]
    assert r.insurance_payout[0] == pytest.approx(35_000.0)


# -- auto-add margin (Bybit's published example) --------------------------------------------

def test_auto_add_margin_follows_bybits_example():
    # Bybit Help Center "Auto-Margin Replenishment (USDT Contracts)" (2023-12-04): available
    # 10,000 USDT, long 5 BTC at 8,000 with 10x: initial margin 4,000, MMR 0.5 %, liquidation
    # price 7,240. Each top-up adds the position's initial margin (4,000), or what is left.
    by = Venue("bybit-like", mm_basis="entry", tiers=RiskTiers.flat(0.005))
    acct = Account(by, 10_000, [Position("BTCUSDT", "long", 5, 8_000, 10, "isolated",
                                         auto_add_margin=True)])
    r = simulate(acct, {"BTCUSDT": [8_000, 7_240, 7_000, 6_440, 6_300, 6_040, 6_000]})
    adds = [(e.step, e.amount) for e in r.events() if e.kind == "auto-add margin"]
    assert adds == [(1, pytest.approx(4_000.0)), (3, pytest.approx(2_000.0))]
    # 8,000 - (8,000 - 200) / 5 = 6,440; 8,000 - (10,000 - 200) / 5 = 6,040
    assert r.liquidation_price[0, 2] == pytest.approx(6_440.0)
    assert r.liquidation_price[0, 4] == pytest.approx(6_040.0)
    assert r.liquidated_at.tolist() == [5]
    off = simulate(acct.replace(positions=[acct.positions[0].with_(auto_add_margin=False)]),
                   {"BTCUSDT": [8_000, 7_240]})
    assert off.liquidated_at.tolist() == [1]


# -- bad input to the new parameters ---------------------------------------------------------

@pytest.mark.parametrize("kw", [
    dict(kind="half"), dict(fraction=0), dict(fraction=1.0), dict(fraction=float("nan")),
    dict(fraction="0.2"), dict(fraction=True), dict(min_notional=-1),
    dict(min_notional=float("inf")), dict(cooldown_steps=0), dict(cooldown_steps=1.5),
    dict(cooldown_steps=True), dict(kind=None),
])
def test_bad_partial_liquidation_raises(kw):
    with pytest.raises(MarginInputError):
        PartialLiquidation(**kw)


@pytest.mark.parametrize("kw", [
    dict(partial_liquidation="fraction"), dict(partial_liquidation=0.2),
    dict(liquidation_fee_rate=-0.01), dict(liquidation_fee_rate=float("nan")),
    dict(liquidation_fee_rate=True), dict(liquidation_fee_rate=2.0),
    dict(liquidation_fee_rate="1%"),
])
def test_bad_venue_liquidation_rules_raise(kw):
    with pytest.raises(MarginInputError):
        Venue("x", **kw)


@pytest.mark.parametrize("kw", [dict(auto_add_margin="yes"), dict(auto_add_margin=1),
                                dict(auto_add_margin=True, mode="cross")])
def test_bad_auto_add_margin_raises(kw):
    with pytest.raises(MarginInputError):
        Position("BTCUSDT", "long", 1, 60_000, 10, **{"mode": "isolated", **kw})


# -- the vectorised engine equals a plain loop; properties -------------------------------------

def _pool_clear_after(acct, r, paths, i, k):
    """Is position i's pool above its requirement once step k settled (or i closed)?"""
    q = r.quantity[:, k]
    if q[i] == 0:
        return True
    pos = acct.positions
    members = ([j for j, p in enumerate(pos) if p.mode == "cross"]
               if pos[i].mode == "cross" else [i])
    wallet = r.cross_wallet[k] if pos[i].mode == "cross" else r.isolated_margin[i, k]
    if pos[i].mode == "isolated" and k + 1 < r.steps:
        wallet = r.isolated_margin[i, k + 1]        # the settled margin, seen from step k + 1
    v = acct.venue
    mb, mm = wallet, 0.0
    for j in members:
        if q[j] == 0:
            continue
        mark = float(paths[pos[j].symbol][k])
        mb += pos[j].sign * q[j] * (mark - pos[j].entry_price)
        basis = pos[j].entry_price if v.mm_basis == "entry" else mark
        mm += float(v.tiers_for(pos[j].symbol).maintenance_margin(q[j] * basis))
    return mb > mm

VENUES = [
    FLAT,
    FLAT.with_(liquidation_fee_rate=0.005, taker_fee=0.0005),
    HL_LIKE,
    HL_LIKE.with_(liquidation_fee_rate=None, partial_liquidation=PartialLiquidation(
        "fraction", 0.3, 20_000.0, 3)),
    STEP_DOWN,
    STEP_DOWN.with_(liquidation_fee_rate=0.002, mm_basis="entry"),
]


@st.composite
def scenarios(draw):
    venue = draw(st.sampled_from(VENUES))
    n_pos = draw(st.integers(1, 3))
    pos = []
    for _ in range(n_pos):
        sym = draw(st.sampled_from(["BTCUSDT", "ETHUSDT"]))
        base = 60_000.0 if sym == "BTCUSDT" else 3_000.0
        qty = draw(st.floats(0.5, 8.0)) * (1.0 if sym == "BTCUSDT" else 20.0)
        mode = draw(st.sampled_from(["cross", "isolated"]))
        pos.append(Position(sym, draw(st.sampled_from(["long", "short"])), qty, base,
                            draw(st.sampled_from([10, 20, 40])), mode,
                            auto_add_margin=(mode == "isolated" and draw(st.booleans()))))
    wallet = sum(p.quantity * p.entry_price for p in pos) * draw(st.floats(0.1, 0.4))
    acct = Account(venue, wallet, pos)
    T = 40
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    vol = draw(st.floats(0.01, 0.06))
    drift = draw(st.floats(-0.01, 0.01))
    paths = {s: b * np.exp(np.cumsum(np.r_[0, rng.normal(drift, vol, T - 1)]))
             for s, b in (("BTCUSDT", 60_000.0), ("ETHUSDT", 3_000.0))}
    events = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["deposit", "withdraw", "add_margin", "remove_margin"]))
        iso = [i for i, p in enumerate(pos) if p.mode == "isolated"]
        if kind in ("add_margin", "remove_margin") and not iso:
            kind = "deposit"
        e = {"step": draw(st.integers(0, T - 1)), "kind": kind,
             "amount": draw(st.floats(1.0, wallet / 3))}
        if kind in ("add_margin", "remove_margin"):
            e["position"] = draw(st.sampled_from(iso))
        events.append(e)
    events.sort(key=lambda e: e["step"])
    return acct, paths, events


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_simulate_equals_a_plain_loop_and_conserves_money(sc):
    acct, paths, events = sc
    r = simulate(acct, paths, events=events)
    o = loop(acct, paths, events)
    np.testing.assert_allclose(r.equity, o["equity"], rtol=1e-9, atol=1e-6)
    assert r.liquidated_at.tolist() == o["liquidated_at"]
    np.testing.assert_allclose(r.quantity.T, o["quantity"], rtol=1e-9, atol=1e-12)
    # money: the final wallet is the start, minus fees and forfeits, plus realised PnL, the
    # insurance fund's payouts and the net of deposits and withdrawals
    ev = r.events()
    fees = sum(e.fee for e in ev)
    payout = sum(e.insurance_payout for e in ev)
    realized = -sum(e.loss for e in ev if "liquidation" in e.kind)
    moved = sum(e.amount * (1 if e.kind == "deposit" else -1) for e in ev
                if e.kind in ("deposit", "withdraw"))
    assert r.wallet_balance[-1] == pytest.approx(
        acct.wallet_balance - fees + payout + realized + moved, rel=1e-9, abs=1e-6)
    # after every liquidation step, each pool is above its requirement or its position closed
    for e in ev:
        if "liquidation" in e.kind:
            assert _pool_clear_after(acct, r, paths, e.position, e.step)
    # auto-add never takes more than the available balance: with no cross position (the
    # available balance is the cross wallet) the cross wallet never goes below zero
    # (opening fees alone may already take it below zero: top-ups never go further)
    if all(p.mode == "isolated" for p in acct.positions):
        floor = min(0.0, acct.cross_wallet - float(r.fees_paid))
        assert (r.cross_wallet >= floor - 1e-6).all()



@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_tier_step_down_leaves_the_position_below_the_breached_bracket(sc):
    acct, paths, events = sc
    acct = acct.replace(venue=STEP_DOWN)
    r = simulate(acct, paths, events=events)
    tiers = STEP_DOWN.tiers_for("BTCUSDT")          # the same table for every symbol
    open_q = [p.quantity for p in acct.positions]
    for e in r.events():
        if e.kind == "liquidation":
            open_q[e.position] = 0.0
        if e.kind != "partial liquidation":
            continue
        i = e.position
        before, after = open_q[i], open_q[i] - e.quantity
        assert after > 0
        assert tiers.bracket_index(after * e.mark) < tiers.bracket_index(before * e.mark)
        open_q[i] = after
    np.testing.assert_allclose(open_q, r.quantity[:, -1], rtol=1e-9)


def test_with_partial_liquidation_and_auto_add_off_results_equal_full_liquidation():
    rng = np.random.default_rng(5)
    pos = [Position("BTCUSDT", "long", 3, 60_000, 10), Position("ETHUSDT", "short", 40, 3_000,
                                                                 20, "isolated")]
    paths = {"BTCUSDT": 60_000 * np.exp(np.cumsum(rng.normal(0, 0.03, 60))),
             "ETHUSDT": 3_000 * np.exp(np.cumsum(rng.normal(0, 0.03, 60)))}
    for v in (HL_LIKE, STEP_DOWN):
        a = simulate(Account(v.with_(partial_liquidation=None), 40_000, pos), paths)
        b = loop(Account(v.with_(partial_liquidation=None), 40_000, pos), paths)
        np.testing.assert_allclose(a.equity, b["equity"], rtol=1e-12, atol=1e-6)
        assert set(np.unique(a.quantity[0]).tolist()) <= {0.0, 3.0}


def test_compare_modes_keeps_quantity_and_events():
    acct = Account(HL_LIKE, 40_000, [Position("BTCUSDT", "long", 5, 60_000, 10)])
    both = compare_modes(acct, {"BTCUSDT": [60_000, 55_000, 52_500, 52_600]})
    assert both["cross"].quantity.shape == (1, 4)


def test_presets_follow_their_documented_liquidation_process():
    from margin_widgets.core import venues

    hl = venues["hyperliquid"]
    assert hl.partial_liquidation == PartialLiquidation("fraction", 0.2, 100_000.0, 1)
    assert hl.liquidation_fee_rate == 0.0 and "Liquidation" in hl.notes
    for key in ("binance_usdm", "binance_usdm_2022", "binance_coinm"):
        v = venues[key]
        assert v.partial_liquidation == PartialLiquidation("tier_step_down"), key
        assert v.liquidation_fee_rate is None and "Liquidation" in v.notes, key
    assert venues["binance_coinm"].maker_fee == pytest.approx(0.0002)
    # Hyperliquid keeps what remains: isolated 1 BTC long at 60,000, 20x (margin 3,000),
    # MMR 1 / (2 x 40) = 1.25 %; at 57,700: margin balance 700 <= MM 721.25 -> liquidated in full
    # (notional 57,700 < 100,000), no fee: the 700 return to the cross wallet
    acct = Account(hl, 10_000, [Position("BTC", "long", 1, 60_000, 20, "isolated")])
    r = simulate(acct, {"BTC": [60_000, 58_000, 57_700]}, fees=False)
    assert r.liquidated_at.tolist() == [2]
    assert r.wallet_balance[-1] == pytest.approx(7_700.0)
    assert r.forfeited[0] == 0.0
