"""Presets against the venues' published pages (read 2026-12-02; sources in core/venue_tables.py).

Expected figures are the venues' printed numbers, or are re-derived here with a loop written
independently of RiskTiers.from_brackets (MARGIN_MODEL section 2).
"""

import pytest

from margin_widgets.core import Account, Position, venues
from margin_widgets.core import venue_tables as vt


def _cum_by_hand(floors, rates):
    """cum_0 = 0; cum_b = cum_{b-1} + floor_b (rate_b - rate_{b-1}), written out."""
    out, acc = [], 0.0
    for b, (f, r) in enumerate(zip(floors, rates, strict=True)):
        if b:
            acc += f * (r - rates[b - 1])
        out.append(acc)
    return out


def _mm_by_slices(notional, floors, rates):
    """MM as the sum over brackets of the slice of notional inside it times its rate
    (Bybit's 'excess beyond a tier' reading): independent of cum."""
    total = 0.0
    edges = list(floors[1:]) + [float("inf")]
    for lo, hi, r in zip(floors, edges, rates, strict=True):
        if notional > lo:
            total += (min(notional, hi) - lo) * r
    return total


# --- Binance COIN-M ----------------------------------------------------------------------------
COINM_FLOORS = [0, 5, 10, 20, 50, 100, 200]
COINM_FLOORS_2021 = [0, 10, 20, 30, 50, 100, 200]
COINM_RATES = [0.004, 0.005, 0.01, 0.025, 0.05, 0.10, 0.125]


def test_coinm_preset_uses_the_full_btcusd_table():
    t = venues["binance_coinm"].tiers_for("BTCUSD")
    assert t.floors.tolist() == COINM_FLOORS
    assert t.mmrs.tolist() == COINM_RATES
    assert t.max_leverages.tolist() == [125, 100, 50, 20, 10, 5, 4]   # the FAQ's caps
    assert t.cums.tolist() == pytest.approx(_cum_by_hand(COINM_FLOORS, COINM_RATES), abs=1e-12)
    # FAQ: a 300 BTC BTCUSD position -> MMR 12.5 %, maintenance amount 11.605 BTC
    assert t.mmr(300) == 0.125
    assert t.cum(300) == pytest.approx(11.605, abs=1e-9)
    # FAQ: 100 contracts at mark 25,000 -> 0.4 BTC, level 1 -> MM 0.0016 BTC
    assert t.maintenance_margin(100 * 100 / 25_000) == pytest.approx(0.0016, abs=1e-15)
    for n in (3.0, 37.0, 150.0, 300.0):        # continuous MM equals the slice sum
        assert t.maintenance_margin(n) == pytest.approx(
            _mm_by_slices(n, COINM_FLOORS, COINM_RATES), rel=1e-12)


def test_coinm_older_caps_reproduce_the_faq_es_mx_amounts():
    t = vt.BINANCE_COINM_BTCUSD_2021
    assert t.floors.tolist() == COINM_FLOORS_2021
    hand = _cum_by_hand(COINM_FLOORS_2021, COINM_RATES)
    assert t.cums.tolist() == pytest.approx(hand, abs=1e-12)
    assert hand[3] == pytest.approx(0.56, abs=1e-12)      # "... + 0.56 BTC"
    assert hand[4] == pytest.approx(1.81, abs=1e-12)      # "level 5 ... = 1.81 BTC"
    assert t.cum(300) == pytest.approx(11.81, abs=1e-12)  # "300 BTC ... 11.81 BTC"


def test_coinm_preset_reproduces_the_binance_calculator_case(cases):
    c = cases["binance-coinm-cross-btcusd-binance-calculator"]
    inp = c["inputs"]
    acct = Account(venues["binance_coinm"], inp["wallet_balance_btc"], [
        Position("BTCUSD", c["side"], inp["contracts"], inp["entry_price"],
                 contract_size=inp["contract_size_usd"])])
    lp = acct.liquidation_price(0, {"BTCUSD": inp["entry_price"]})
    assert abs(lp - c["expected"]["liquidation_price"]) <= c["tolerance"]["liquidation_price"]


def test_coinm_fees_and_notes_say_what_is_unconfirmed():
    v = venues["binance_coinm"]
    assert (v.maker_fee, v.taker_fee) == (0.0002, 0.0005)
    assert "0.015 %" in v.notes and "not confirmed" in v.notes and "400 BTC" in v.notes


# --- Hyperliquid ---------------------------------------------------------------------------------
@pytest.mark.parametrize("symbol", ["DOGE", "SUI", "LINK", "AVAX", "kPEPE", "HYPE", "DOGE-USD",
                                    "SUIUSDC", "FARTCOIN"])
def test_hyperliquid_10x_to_20m_assets(symbol):
    t = venues["hyperliquid"].tiers_for(symbol)
    assert t.max_leverage(19_999_999.0) == 10 and t.max_leverage(20e6) == 5
    assert t.mmrs.tolist() == [1 / 20, 1 / 10]             # 1 / (2 x max leverage)
    assert t.cums.tolist() == pytest.approx(_cum_by_hand([0, 20e6], [0.05, 0.10]))
    assert t.cums[1] == pytest.approx(1_000_000.0)         # 20M x (10 % - 5 %)
    # continuous at the boundary: 20M x 5 % = 1,000,000 on both sides
    assert t.maintenance_margin(20e6) == pytest.approx(1_000_000.0)
    assert t.maintenance_margin(30e6) == pytest.approx(_mm_by_slices(30e6, [0, 20e6],
                                                                     [0.05, 0.10]))


@pytest.mark.parametrize("symbol", ["OP", "ARB", "BNB", "DOT", "kSHIB"])
def test_hyperliquid_10x_to_3m_assets(symbol):
    t = venues["hyperliquid"].tiers_for(symbol)
    assert t.floors.tolist() == [0, 3e6] and t.max_leverages.tolist() == [10, 5]
    assert t.cums[1] == pytest.approx(3e6 * 0.05)


@pytest.mark.parametrize("asset,lb,levs", [("BTC", 150e6, [40, 20]), ("ETH", 100e6, [25, 15]),
                                            ("SOL", 70e6, [20, 10]), ("XRP", 40e6, [20, 10])])
def test_hyperliquid_named_tables(asset, lb, levs):
    t = venues["hyperliquid"].tiers_for(asset)
    rates = [1 / (2 * m) for m in levs]
    assert t.floors.tolist() == [0, lb] and t.max_leverages.tolist() == levs
    assert t.cums.tolist() == pytest.approx(_cum_by_hand([0, lb], rates))


def test_hyperliquid_tables_match_the_reference_file(tier_tables):
    ref = tier_tables["hyperliquid"]["tables"]
    group = next(k for k in ref if k.startswith("DOGE,"))
    assert tuple(group.split(",")) == vt.HL_10X_20M_ASSETS
    for name, t in ((group, vt.HL_10X_20M), ("BTC", vt.HL_BTC)):
        assert t.floors.tolist() == [r["lower_bound_usdc"] for r in ref[name]]
        assert t.cums.tolist() == pytest.approx([r["maintenance_deduction"] for r in ref[name]])
    other = next(k for k in ref if k.startswith("OP,"))
    assert tuple(other.split(",")) == vt.HL_10X_3M_ASSETS


def test_hyperliquid_notes_name_the_stand_in():
    assert "stand-in" in venues["hyperliquid"].notes
    assert "remaining collateral" in venues["hyperliquid"].notes


# --- dYdX ----------------------------------------------------------------------------------------
def test_dydx_liquidity_tiers_follow_the_governance_table(tier_tables):
    ref = {t["name"]: t for t in tier_tables["dydx_v4"]["tiers"]}
    for name, t in (("Large-Cap", vt.DYDX_LARGE_CAP), ("Small-Cap", vt.DYDX_SMALL_CAP),
                    ("Long-Tail", vt.DYDX_LONG_TAIL)):
        imf, frac = ref[name]["imf"], ref[name]["maintenance_fraction"]
        assert len(t) == 1                                     # no size scaling
        assert t.mmrs[0] == pytest.approx(imf * frac)
        assert t.max_leverages[0] == pytest.approx(1 / imf)
    assert vt.DYDX_LONG_TAIL.mmrs[0] == pytest.approx(0.10)
    assert vt.DYDX_LONG_TAIL.max_leverages[0] == 5
    v = venues["dydx_v4"]
    assert v.tiers_for("BTC-USD") == vt.DYDX_LARGE_CAP
    assert v.tiers_for("ETH-USD") == vt.DYDX_LARGE_CAP
    assert v.tiers_for("STRK-USD") == vt.DYDX_SMALL_CAP
    assert "Long-tail" in v.notes and "DYDX_LONG_TAIL" in v.notes


# --- OKX -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("symbol", ["BTCUSDT", "BTC-USDT-SWAP", "BTC"])
def test_okx_btc_tier1(symbol):
    v = venues["okx_linear"]
    t = v.tiers_for(symbol)
    assert (t.mmrs.tolist(), t.max_leverages.tolist(), t.cums.tolist()) == ([0.004], [125], [0])
    # no deduction; the taker fee is added to the rate: 20,000 x (0.40 % + 0.05 %) = 90
    assert t.maintenance_margin(20_000, v.close_fee_rate) == pytest.approx(90.0)
    assert "contracts" in v.notes and "stand-in" in v.notes


# --- Bybit ---------------------------------------------------------------------------------------
def test_bybit_btcusdt_base_risk_limit():
    v = venues["bybit_linear"]
    t = v.tiers_for("BTCUSDT")
    assert t.mmrs.tolist() == [0.005]
    assert t.maintenance_margin(2_000_000) == pytest.approx(10_000.0)  # 0.5 % up to 2M
    assert v.mm_basis == "entry"
    assert "NOT Bybit's rate" in v.notes and "2,000,000" in v.notes


def test_every_preset_cites_a_dated_source():
    for key, v in venues.items():
        text = v.source + v.notes + v.as_of
        assert v.source and v.as_of, key
        if key not in ("binance_usdm", "binance_usdm_2022"):
            assert "2026-12-02" in text, key


def test_okx_btc_usdt_swap_counted_in_contracts_of_0_01_btc():
    # OKX Help 'I. Perpetual swaps': BTCUSDT perpetual contract size 0.01 BTC, up to 125x;
    # OKX's MM: contracts x contract size x mark x (MMR + taker fee), no deduction
    assert vt.OKX_BTCUSDT_SWAP_CONTRACT_SIZE == 0.01
    v = venues["okx_linear"]
    acct = Account(v, 10_000, [Position("BTC-USDT-SWAP", "long", 100, 60_000, 125,
                                        contract_size=vt.OKX_BTCUSDT_SWAP_CONTRACT_SIZE)])
    # 100 contracts = 1 BTC: at mark 60,000 the MM is 60,000 x (0.40 % + 0.05 %) = 270 USDT
    assert acct.maintenance_margin({"BTC-USDT-SWAP": 60_000})[0] == pytest.approx(270.0)
    one_btc = Account(v, 10_000, [Position("BTC-USDT-SWAP", "long", 1, 60_000, 125)])
    assert acct.liquidation_price(0, {"BTC-USDT-SWAP": 60_000}) == pytest.approx(
        one_btc.liquidation_price(0, {"BTC-USDT-SWAP": 60_000}), rel=1e-12)
    assert "okx.com/help/7053456733325" in v.notes and "not BTCUSDT" in v.notes


def test_bybit_notes_say_the_per_symbol_tables_were_not_found():
    v = venues["bybit_linear"]
    assert "No records" in v.notes and "inverse contracts only" in v.notes
    # the stand-in is the BTCUSDT base rate, and the notes say it is not Bybit's
    assert v.tiers_for("ETHUSDT").mmrs.tolist() == [0.005]
    assert "NOT Bybit's rate" in v.notes
