"""Domain rules moved out of the widgets into core (issue 9).

Expected values come from the margin model's formulas worked by hand here, from the venues'
published examples (the margin model's 19,700.00 / 19,698.49 / 19,708.40) or from properties;
none is copied from the code's own output.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import PRESETS, Account, MarginInputError, Position, RiskTiers, Venue
from margin_widgets.core import venues as presets
from margin_widgets.core.contracts import (
    carry_position,
    contract_size_for,
    default_symbol,
    initial_margin,
    notional,
)
from margin_widgets.core.edits import (
    account_at,
    marks_at,
    transfer_margin,
    with_mode,
    with_position,
    without_position,
)
from margin_widgets.core.errors import finite_number, in_range, whole_number
from margin_widgets.core.explain import event_notes, venue_margin_ratio
from margin_widgets.core.formatting import fmt_money, fmt_pct, fmt_price, money_decimals
from margin_widgets.core.glossary import GLOSSARY, definition
from margin_widgets.core.simulation import TransferEvent
from margin_widgets.core.venue_compare import compare_venues, follows_half_max_leverage

# --------------------------------------------------------------------------- formatting


def test_money_decimals_come_from_the_venue_not_from_a_list_of_symbols():
    coin = Venue("coin venue", contract="inverse", coin_decimals=5, quote_currency="USD")
    assert fmt_money(0.123456789, "ETH", venue=coin) == "0.12346 ETH"
    assert fmt_money(1234.5678, "USD", venue=coin) == "1,234.57 USD"
    cents = Venue("three decimals", quote_currency="USDT", quote_decimals=3)
    assert fmt_money(1.23456, "USDT", venue=cents) == "1.235 USDT"
    # any coin, not only BTC and ETH, counts to the satoshi by default
    assert money_decimals("SOL") == money_decimals("BTC") == 8
    assert money_decimals("USDC") == money_decimals("USDT") == 2


@pytest.mark.parametrize("value,text", [
    (-0.004, "0.00 USDT"), (1e6, "1,000,000.00 USDT"), (float("nan"), "—"),
    (float("inf"), "—"), ("abc", "—"), (None, "—"), (True, "—"),
])
def test_fmt_money_edge_values(value, text):
    assert fmt_money(value, "USDT") == text


def test_fmt_pct_and_price():
    assert fmt_pct(0.0291) == "2.9 %"
    assert fmt_pct(-0.5) == "-50.0 %"
    assert fmt_price(float("inf")) == "none"
    assert fmt_price(19698.4912, venue=Venue("four", price_decimals=4)) == "19,698.4912"
    assert fmt_price(19698.4912, 1, "USDT") == "19,698.5 USDT"


@given(st.floats(-1e12, 1e12, allow_nan=False), st.integers(0, 10))
@settings(max_examples=200, deadline=None)
def test_fmt_money_reads_back_to_the_value(v, dec):
    text = fmt_money(v, "USDT", dec)
    back = float(text.removesuffix(" USDT").replace(",", ""))
    assert abs(back - v) <= 0.5 * 10.0 ** -dec * (1 + 1e-9) + abs(v) * 1e-15
    assert not text.startswith("-") or back < 0


def test_style_reexports_core_formatting_and_glossary():
    from margin_widgets.charts import style

    assert style.fmt_money is fmt_money and style.fmt_pct is fmt_pct
    assert style.fmt_price is fmt_price and style.GLOSSARY is GLOSSARY


def test_glossary_definition_any_case():
    assert definition("  Wallet Balance ") == GLOSSARY["wallet balance"]
    assert definition("no such term") == ""
    assert all(k == k.lower() and v.strip() for k, v in GLOSSARY.items())


# --------------------------------------------------------------------------- contracts


def test_contract_size_is_venue_data():
    coinm = presets["binance_coinm"]
    assert contract_size_for(coinm, "BTCUSD") == 100.0      # Binance COIN-M BTC contract
    assert contract_size_for(coinm, "XRPUSD") == 10.0       # any other coin: 10 USD
    own = Venue("own inverse", contract="inverse", quote_currency="USD",
                inverse_contract_usd={"ETH": 25.0, "*": 1.0})
    assert contract_size_for(own, "ETHUSD") == 25.0
    assert contract_size_for(own, "BTCUSD") == 1.0
    assert contract_size_for(presets["okx_linear"], "BTC-USDT-SWAP") == 1.0


def test_venue_rejects_bad_contract_sizes_and_decimals():
    with pytest.raises(MarginInputError, match="'\\*'"):
        Venue("x", inverse_contract_usd={"BTC": 100.0})
    with pytest.raises(MarginInputError, match="face value"):
        Venue("x", inverse_contract_usd={"*": -1.0})
    with pytest.raises(MarginInputError, match="coin_decimals"):
        Venue("x", coin_decimals=13)
    with pytest.raises(MarginInputError, match="quote_decimals"):
        Venue("x", quote_decimals=True)


def test_default_symbol_uses_the_venues_own_spelling():
    assert default_symbol(presets["binance_usdm"], "ETH") == "ETHUSDT"
    assert default_symbol(presets["hyperliquid"], "BTCUSDT") == "BTC"
    assert default_symbol(presets["binance_coinm"], "SOL") == "SOLUSD"
    assert default_symbol(Venue("usdc", quote_currency="USDC"), "ARB") == "ARBUSDC"


@given(q=st.floats(0.001, 100), ep=st.floats(100, 200_000), lev=st.integers(1, 125))
@settings(max_examples=100, deadline=None)
def test_initial_margin_is_notional_over_leverage(q, ep, lev):
    linear = presets["binance_usdm"]
    pos = Position("BTCUSDT", "long", q, ep, lev)
    assert initial_margin(linear, pos) == pytest.approx(q * ep / lev, rel=1e-12)
    assert notional(linear, pos, 2 * ep) == pytest.approx(2 * q * ep, rel=1e-12)
    inverse = presets["binance_coinm"]
    contracts = max(1.0, round(q * ep / 100))
    ipos = Position("BTCUSD", "short", contracts, ep, lev, contract_size=100)
    assert initial_margin(inverse, ipos) == pytest.approx(contracts * 100 / ep / lev,
                                                          rel=1e-12)


def test_initial_margin_needs_no_wallet_and_follows_the_margin_basis():
    pos = Position("BTCUSDT", "long", 2, 30_000, 10)
    # mark basis: at 33,000 the notional is 66,000 -> 6,600
    assert initial_margin(presets["binance_usdm"], pos, 33_000) == pytest.approx(6_600)
    # entry basis (Bybit classic): still 60,000 / 10
    assert initial_margin(presets["bybit_linear"], pos, 33_000) == pytest.approx(6_000)


@given(q=st.floats(0.001, 50), m=st.floats(0, 1e6), ep=st.floats(100, 200_000),
       coin=st.sampled_from(["BTC", "ETH", "SOL"]))
@settings(max_examples=100, deadline=None)
def test_carry_position_keeps_face_value_and_money_value(q, m, ep, coin):
    usdm, coinm = presets["binance_usdm"], presets["binance_coinm"]
    sym, contracts, coin_money = carry_position(q, m, ep, usdm, coinm, coin + "USDT")
    assert sym == coin + "USD"
    # USD face value: coins x price = contracts x contract size; money: quote = coin x price
    assert contracts * contract_size_for(coinm, sym) == pytest.approx(q * ep, rel=1e-12)
    assert coin_money * ep == pytest.approx(m, rel=1e-12, abs=1e-9)
    back = carry_position(contracts, coin_money, ep, coinm, usdm, sym)
    assert back[1:] == (pytest.approx(q, rel=1e-12), pytest.approx(m, rel=1e-12, abs=1e-9))
    # same kind of venue: only the spelling changes
    assert carry_position(q, m, ep, usdm, presets["hyperliquid"], coin + "USDT") == (
        coin, pytest.approx(q), m)


def test_widget_modules_reexport_the_core_rules():
    from margin_widgets.widgets import calculator, venues

    assert calculator.contract_size_for is contract_size_for
    assert calculator.default_symbol is default_symbol
    assert venues.compare_venues is compare_venues
    assert venues.initial_margin(1, 20_000, 50) == pytest.approx(400.0)


# --------------------------------------------------------------------------- venue comparison


def test_compare_venues_reproduces_the_published_example():
    rows = {r.key: r for r in compare_venues()}
    # margin model: long 1 BTC at 20,000, isolated margin 400, MMR 0.5 % everywhere
    assert round(rows["bybit_linear"].liquidation_price, 2) == 19_700.00
    assert round(rows["binance_usdm"].liquidation_price, 2) == 19_698.49
    assert round(rows["okx_linear"].liquidation_price, 2) == 19_708.40


@pytest.mark.parametrize("side", ["long", "short"])
def test_textbook_sentence_formula_gives_the_row_price(side):
    plain = Venue("Textbook", tiers=RiskTiers.flat(0.01))
    (row,) = compare_venues(side, 2.0, 30_000, 20, 3_000, same_mmr=None, keys=[plain])
    assert "textbook rule" in row.why
    s = 1 if side == "long" else -1
    q, ep, m, mmr = 2.0, 30_000.0, 3_000.0, 0.01
    lp = (m - s * q * ep) / (q * mmr - s * q)          # the formula the sentence prints
    assert row.liquidation_price == pytest.approx(lp, rel=1e-12)
    assert ("−" if side == "long" else "+") in row.why.split("LP =")[1]


def test_why_text_follows_venue_data_not_keys():
    hl_like = Venue("Half-max", tiers=RiskTiers.from_max_leverage([(0, 50), (1e6, 25)]))
    stale = presets["binance_usdm"].with_(name="Old copy", older_tables_of="binance_usdm",
                                          as_of="2020")
    rows = compare_venues(quantity=20, margin=8_000, same_mmr=None,
                          keys=["binance_usdm", hl_like, stale])
    by_name = {r.name: r for r in rows}
    assert "Half-max sets MMR = 1 / (2 × maximum leverage)" in by_name["Half-max"].why
    assert "1 / (2 ×" not in by_name["Binance USDⓈ-M"].why
    assert "agree" in by_name["Old copy"].why    # same tables, so the stale copy agrees
    same = compare_venues(keys=["binance_usdm", stale])
    assert "tables play no part" in same[1].why and "Binance USDⓈ-M" in same[1].why


def test_follows_half_max_leverage_needs_two_brackets():
    assert follows_half_max_leverage(presets["hyperliquid"].tiers_for("BTC"))
    assert not follows_half_max_leverage(RiskTiers.flat(0.005, 0.0, 100))
    assert not follows_half_max_leverage(presets["binance_usdm"].tiers_for("BTCUSDT"))


def test_compare_venues_refuses_bad_input():
    with pytest.raises(MarginInputError):
        compare_venues("sideways")                          # type: ignore[arg-type]
    with pytest.raises(MarginInputError, match="fraction"):
        compare_venues(same_mmr=1.5)
    with pytest.raises(MarginInputError, match="unknown venue"):
        compare_venues(keys=["nope"])


# --------------------------------------------------------------------------- explain


@given(st.floats(1e-6, 10.0))
def test_printed_ratio_is_the_reciprocal(ratio):
    shown = venue_margin_ratio(presets["okx_linear"], ratio)
    assert shown is not None and shown.value * ratio == pytest.approx(1.0)
    assert "OKX" in shown.label and "100 %" in shown.definition
    assert venue_margin_ratio(presets["binance_usdm"], ratio) is None
    assert venue_margin_ratio(presets["dydx_v4"], ratio) is None


def test_event_notes_state_the_pool_loss():
    res = PRESETS["winner_and_loser_isolated"].run()
    notes = event_notes(res)
    liq = [n for n in notes if n.kind == "liquidation"]
    assert liq, "the preset liquidates the BTC long"
    events = [e for e in res.events() if e.kind == "liquidation"]
    for n, e in zip(liq, events, strict=True):
        loss = e.loss + e.fee - e.insurance_payout
        assert n.loss == pytest.approx(loss)
        assert fmt_money(loss, "USDT") in n.text
        assert "isolated" in n.text and f"step {e.step:,}" in n.text


def test_charts_view_events_are_the_core_notes():
    from margin_widgets.charts.views import liquidation_events

    res = PRESETS["winner_and_loser_isolated"].run()
    assert [e.text for e in liquidation_events(res)] == [n.text for n in event_notes(res)]


# --------------------------------------------------------------------------- edits


def test_with_mode_moves_every_position_and_drops_cross_transfers():
    scen = PRESETS["winner_and_loser_isolated"]
    scen = scen.replace(events=(TransferEvent(10, "add_margin", 50.0, 0),))
    cross = with_mode(scen, "cross")
    assert {p.mode for p in cross.positions} == {"cross"}
    assert cross.events == ()
    back = with_mode(cross, "isolated")
    assert {p.mode for p in back.positions} == {"isolated"}
    assert all(p.isolated_margin is None for p in back.positions)
    assert scen.positions[0].mode == "isolated"           # the input is untouched


def test_without_position_reindexes_transfers():
    scen = PRESETS["winner_and_loser_isolated"]
    scen = scen.replace(events=(TransferEvent(5, "add_margin", 10.0, 0),
                                TransferEvent(6, "add_margin", 20.0, 1)))
    out = without_position(scen, 0)
    assert len(out.positions) == 1 and out.positions[0] == scen.positions[1]
    assert out.events == (TransferEvent(6, "add_margin", 20.0, 0),)


def test_with_position_new_symbol_gets_a_flat_path():
    scen = PRESETS["one_long"]
    out = with_position(scen, 0, symbol="SOLUSDT", entry_price=150.0)
    assert out.paths["SOLUSDT"].build(3).tolist() == [150.0, 150.0, 150.0]
    with pytest.raises(MarginInputError, match="no position #3"):
        with_position(scen, 2, leverage=3)


def test_transfer_margin_now_and_later():
    scen = PRESETS["one_long"]
    m0 = scen.account().isolated_margins[0]
    now = transfer_margin(scen, 0, 100.0, remove=False)
    assert now.account().isolated_margins[0] == pytest.approx(m0 + 100.0)
    res = scen.run()
    later = transfer_margin(scen, 0, 100.0, remove=False, res=res, step=10)
    assert later.events == (TransferEvent(10, "add_margin", 100.0, 0),)
    cross = with_mode(scen, "cross")
    with pytest.raises(MarginInputError, match="cross mode"):
        transfer_margin(cross, 0, 1.0, remove=False)


def test_account_at_reproduces_the_engines_liquidation_price():
    res = PRESETS["winner_and_loser"].run()
    for step in (0, 100, 300):
        acct, index = account_at(res, step)
        marks = marks_at(res, step)
        for j, i in enumerate(index):
            lp = acct.liquidation_price(j, marks)
            want = float(res.liquidation_price[i, step])
            assert (math.isinf(lp) and math.isinf(want)) or lp == pytest.approx(want,
                                                                               rel=1e-9)
    with pytest.raises(MarginInputError, match="outside the path"):
        account_at(res, res.steps)


def test_widget_edit_names_are_the_core_functions():
    from margin_widgets.core import edits
    from margin_widgets.widgets import base, controls

    assert base.account_at is edits.account_at and base.marks_at is edits.marks_at
    assert controls.rescale_paths is edits.rescale_paths
    assert controls.shock_spec is edits.shock_spec


# --------------------------------------------------------------------------- validators


def test_one_validator_for_numbers():
    assert finite_number(np.float32(2.5), "x") == 2.5
    for bad, needle in ((float("nan"), "finite"), (float("-inf"), "finite"), ("1", "number"),
                        (True, "number")):
        with pytest.raises(MarginInputError, match=needle):
            finite_number(bad, "x")
    with pytest.raises(MarginInputError, match="between 0 and 1"):
        in_range(1.01, "x", 0, 1)
    assert whole_number(np.int64(7), "n", 2, 10) == 7
    with pytest.raises(MarginInputError, match="between 2 and 1,000,000, got 1000001"):
        whole_number(1_000_001, "steps", 2, 1_000_000)


def test_paths_and_scenario_use_the_same_messages():
    from margin_widgets.core.paths import gbm
    from margin_widgets.core.scenario import PathSpec

    with pytest.raises(MarginInputError) as a:
        gbm(100.0, 10, drift=float("nan"))
    with pytest.raises(MarginInputError) as b:
        PathSpec("gbm", {"drift": float("nan")})
    assert str(a.value).split(" must ")[1] == str(b.value).split(" must ")[1]
    with pytest.raises(MarginInputError, match="steps must be a whole number"):
        PRESETS["one_long"].replace(steps=2.5)


def test_account_of_preset_still_builds():
    # the Venue gained fields; presets and hand-built venues still make accounts
    acct = Account("binance_coinm", 1.0, [Position("BTCUSD", "long", 10, 40_000, 10,
                                                   contract_size=100)])
    assert acct.currency == "BTC"


def test_every_core_module_imports_no_widget_library():
    import subprocess
    import sys

    code = ("import importlib, pkgutil, sys, margin_widgets.core as c\n"
            "names = [m.name for m in pkgutil.walk_packages(c.__path__, 'margin_widgets.core.')]\n"
            "assert {'margin_widgets.core.edits', 'margin_widgets.core.formatting',\n"
            "        'margin_widgets.core.paths.io'} <= set(names), names\n"
            "[importlib.import_module(n) for n in names]\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('ipywidgets', 'bqplot', 'traitlets', 'IPython')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)
