"""Every venue-published worked case in shared/reference/cases_public.json."""

import filecmp
import pathlib

import numpy as np
import pytest

from margin_widgets.core import Account, Position, RiskTiers, Venue, venues

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_reference_copy_matches_shared():
    shared = ROOT.parent / "shared" / "reference"
    if not shared.is_dir():
        pytest.skip("../shared/reference is not beside this clone; the committed copy is used")
    for name in ("cases_public.json", "tiers.json"):
        assert filecmp.cmp(shared / name, ROOT / "tests" / "reference" / name, shallow=False)


def test_every_case_is_covered(cases):
    covered = {
        "binance-usdm-cross-faq-btcusdt", "binance-usdm-cross-faq-ethusdt",
        "binance-coinm-cross-btcusd-binance-calculator", "binance-coinm-maintenance-margin-faq",
        "binance-usdm-bracket-cum-derivation-faq", "bybit-usdt-isolated-long-example1",
        "dydx-v4-isolated-short-eth-docs", "dydx-v4-cross-short-eth-with-strk-long-docs",
        "hyperliquid-btc-margin-tier-deduction",
    }
    assert set(cases) == covered


def _binance_faq_account(inp_btc, inp_eth):
    venue = Venue("Binance FAQ", tiers={
        "BTCUSDT": RiskTiers.flat(inp_btc["mmr"], inp_btc["cum"]),
        "ETHUSDT": RiskTiers.flat(inp_eth["mmr"], inp_eth["cum"]),
    })
    positions = [
        Position("BTCUSDT", inp_btc["side"], inp_btc["quantity"], inp_btc["entry_price"]),
        Position("ETHUSDT", inp_eth["side"], inp_eth["quantity"], inp_eth["entry_price"]),
    ]
    marks = {"BTCUSDT": inp_btc["mark_price"], "ETHUSDT": inp_eth["mark_price"]}
    return positions, venue, marks


@pytest.mark.parametrize("case_id,index", [("binance-usdm-cross-faq-btcusdt", 0),
                                           ("binance-usdm-cross-faq-ethusdt", 1)])
def test_binance_usdm_cross_faq(cases, case_id, index):
    c = cases[case_id]
    inp = c["inputs"]
    me = {**inp, "side": c["side"]}
    other = inp["other_positions"][0]
    btc, eth = (me, other) if index == 0 else (other, me)
    positions, venue, marks = _binance_faq_account(btc, eth)
    acct = Account(venue, inp["wallet_balance"], positions)
    exp = c["expected"]
    tol = c["tolerance"]["liquidation_price"]
    assert abs(acct.liquidation_price(index, marks) - exp["liquidation_price"]) <= tol
    ex = acct.explain(index, marks)
    terms = {t.symbol: t.value for t in ex.terms}
    assert terms["TMM1"] == pytest.approx(exp["TMM1"], abs=1e-4)
    assert terms["UPNL1"] == pytest.approx(exp["UPNL1"], abs=1e-4)
    assert abs(ex.price - exp["liquidation_price"]) <= tol
    if "unrealized_pnl_btc_position" in exp:
        assert acct.unrealized_pnl(marks)[0] == pytest.approx(
            exp["unrealized_pnl_btc_position"], abs=0.005)


def test_binance_coinm_calculator(cases):
    c = cases["binance-coinm-cross-btcusd-binance-calculator"]
    inp = c["inputs"]
    venue = Venue("COIN-M", contract="inverse", tiers=RiskTiers.flat(inp["mmr"], inp["cum_btc"]))
    acct = Account(venue, inp["wallet_balance_btc"], [
        Position("BTCUSD", c["side"], inp["contracts"], inp["entry_price"],
                 contract_size=inp["contract_size_usd"])])
    lp = acct.liquidation_price(0, {"BTCUSD": inp["entry_price"]})
    assert abs(lp - c["expected"]["liquidation_price"]) <= c["tolerance"]["liquidation_price"]
    assert acct.currency == "BTC"


def test_binance_coinm_maintenance_margin(cases):
    c = cases["binance-coinm-maintenance-margin-faq"]
    inp = c["inputs"]
    venue = Venue("COIN-M", contract="inverse", tiers=RiskTiers.flat(inp["mmr"], inp["cum_btc"]))
    acct = Account(venue, 1.0, [Position("BTCUSD", "long", inp["contracts"], 30_000,
                                         contract_size=inp["contract_size_usd"])])
    marks = {"BTCUSD": inp["mark_price"]}
    assert acct.notional(marks)[0] == pytest.approx(c["expected"]["notional_btc"], abs=1e-12)
    assert acct.maintenance_margin(marks)[0] == pytest.approx(
        c["expected"]["maintenance_margin_btc"], abs=c["tolerance"]["maintenance_margin_btc"])


def test_binance_bracket_cum_derivation(cases):
    c = cases["binance-usdm-bracket-cum-derivation-faq"]
    inp = c["inputs"]
    # Level 1 rate 0.4 % makes level 2's amount 50 (50,000 x 0.1 %), as the FAQ states.
    t = RiskTiers.from_brackets([(0, 0.004), (50_000, inp["mmr_level2"]),
                                 (inp["level3_floor"], inp["mmr_level3"])])
    assert t.cums[1] == inp["cum_level2"]
    assert t.cums[2] == pytest.approx(c["expected"]["cum_level3"], abs=1e-9)
    assert t.mmr(inp["lookups"][0]["position_value_usdt"]) == c["expected"]["mmr_at_264000"]
    assert t.cum(inp["lookups"][1]["position_value_usdt"]) == c["expected"]["cum_at_500000"]


def test_bybit_isolated_example(cases):
    c = cases["bybit-usdt-isolated-long-example1"]
    inp = c["inputs"]
    acct = Account(venues["bybit_linear"].with_(tiers=RiskTiers.flat(inp["mmr"])), 1_000, [
        Position("BTCUSDT", c["side"], inp["quantity"], inp["entry_price"], inp["leverage"],
                 "isolated")])
    marks = {"BTCUSDT": 19_900.0}
    exp = c["expected"]
    assert acct.isolated_margins[0] == pytest.approx(exp["initial_margin"])
    assert acct.maintenance_margin(marks)[0] == pytest.approx(exp["maintenance_margin"])
    assert acct.liquidation_price(0, marks) == pytest.approx(exp["liquidation_price"], abs=1e-9)
    assert venues["bybit_linear"].mm_basis == "entry"


def test_dydx_isolated_short(cases):
    c = cases["dydx-v4-isolated-short-eth-docs"]
    inp = c["inputs"]
    venue = Venue("dYdX", tiers=RiskTiers.flat(inp["mmf"]))
    pos = Position("ETH-USD", "short", -inp["size"], inp["price"], 10, "isolated",
                   isolated_margin=inp["equity"])
    acct = Account(venue, inp["equity"], [pos])
    lp = acct.liquidation_price(0, {"ETH-USD": inp["price"]})
    assert abs(lp - c["expected"]["liquidation_price"]) <= c["tolerance"]["liquidation_price"]
    mm_at = acct.maintenance_margin({"ETH-USD": lp})[0]
    assert mm_at == pytest.approx(c["expected"]["maintenance_at_liq"], abs=0.05)


def test_dydx_cross_short_with_strk(cases):
    c = cases["dydx-v4-cross-short-eth-with-strk-long-docs"]
    inp = c["inputs"]
    strk = inp["other_positions"][0]
    venue = Venue("dYdX", tiers={"ETH-USD": RiskTiers.flat(inp["mmf"]),
                                 strk["market"]: RiskTiers.flat(strk["mmf"])})
    acct = Account(venue, inp["equity"], [
        Position("ETH-USD", "short", -inp["size"], inp["price"]),
        Position(strk["market"], "long", strk["size"], strk["price"]),
    ])
    marks = {"ETH-USD": inp["price"], strk["market"]: strk["price"]}
    assert acct.maintenance_margin(marks)[1] == pytest.approx(
        c["expected"]["other_positions_mmr"])
    lp = acct.liquidation_price(0, marks)
    assert abs(lp - c["expected"]["liquidation_price"]) <= c["tolerance"]["liquidation_price"]


def test_hyperliquid_deduction(cases):
    c = cases["hyperliquid-btc-margin-tier-deduction"]
    inp = c["inputs"]
    t = RiskTiers.from_max_leverage([(x["lower_bound"], x["max_leverage"]) for x in inp["tiers"]])
    exp = c["expected"]
    assert t.mmrs.tolist() == [exp["mmr_tier0"], exp["mmr_tier1"]]
    assert t.cums[1] == pytest.approx(exp["deduction_tier1"])
    assert t.maintenance_margin(inp["notional"]) == pytest.approx(exp["maintenance_margin"],
                                                                  abs=1e-6)
    below, at = t.maintenance_margin(np.array([np.nextafter(150e6, 0), 150e6]))
    assert below == pytest.approx(exp["continuity_at_150M"][0])
    assert at == pytest.approx(exp["continuity_at_150M"][1])
    assert venues["hyperliquid"].tiers_for("BTC") == t


def test_same_inputs_different_venues():
    """MARGIN_MODEL section 4: long 1 BTC at 20,000, 50x, MMR 0.5 %, isolated margin 400."""
    flat = RiskTiers.flat(0.005)
    expected = {"bybit_linear": 19_700.00, "binance_usdm": 19_698.49, "okx_linear": 19_708.40}
    for key, price in expected.items():
        v = venues[key].with_(tiers=flat)
        acct = Account(v, 400, [Position("BTCUSDT", "long", 1, 20_000, 50, "isolated")])
        assert round(acct.liquidation_price(0, {"BTCUSDT": 20_000}), 2) == price, key


def test_binance_preset_uses_real_2024_brackets(tier_tables):
    snap = next(e for e in tier_tables["binance_usdm"]
                if e["symbol"] == "BTCUSDT" and e["snapshot_date"] == "2024-10-24")
    t = venues["binance_usdm"].tiers_for("BTCUSDT")
    assert t.floors.tolist() == [b["notionalFloor"] for b in snap["brackets"]]
    assert t.mmrs.tolist() == [b["maintMarginRatio"] for b in snap["brackets"]]
    # our derived cum equals the venue's published cum for every bracket
    assert t.cums == pytest.approx([b["cum"] for b in snap["brackets"]], abs=1e-6)
    assert t.max_leverages.tolist() == [b["maxLeverage"] for b in snap["brackets"]]


@pytest.mark.parametrize("date", ["2022-02-16", "2023-04-16", "2024-05-30", "2024-10-24"])
@pytest.mark.parametrize("symbol", ["BTCUSDT", "ETHUSDT"])
def test_derived_cum_matches_every_published_table(tier_tables, symbol, date):
    snap = next(e for e in tier_tables["binance_usdm"]
                if e["symbol"] == symbol and e["snapshot_date"] == date)
    t = RiskTiers.from_brackets([(b["notionalFloor"], b["maintMarginRatio"], b["maxLeverage"])
                                 for b in snap["brackets"]])
    assert t.cums == pytest.approx([b["cum"] for b in snap["brackets"]], abs=1e-6)
