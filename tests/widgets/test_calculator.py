"""LiquidationCalculator: the numbers on screen are the engine's, for every venue."""

from __future__ import annotations

import math

import pytest

from margin_widgets.charts import style
from margin_widgets.core import Account, Position, venues
from margin_widgets.widgets.calculator import LiquidationCalculator, contract_size_for


def engine_account(calc: LiquidationCalculator) -> tuple[Account, dict[str, float]]:
    """The account the controls describe, built independently of the widget."""
    v = venues[calc.venue_dropdown.value]
    sym = calc.symbol_input.value
    ep = calc.entry_input.value
    mode = calc.mode_toggle.value
    pos = Position(sym, calc.side_toggle.value, calc.quantity_input.value, ep,
                   calc.leverage_slider.value, mode, contract_size=contract_size_for(v, sym))
    if mode == "isolated":
        m = calc.margin_input.value
        return Account(v, m, [pos.with_(isolated_margin=m)]), {sym: ep}
    return Account(v, calc.wallet_input.value, [pos]), {sym: ep}


def assert_matches_engine(calc: LiquidationCalculator) -> None:
    assert calc.error_message == ""
    acct, marks = engine_account(calc)
    r = calc.result
    assert r is not None
    assert r.liquidation_price == pytest.approx(acct.liquidation_price(0, marks), rel=1e-12)
    assert r.bankruptcy_price == pytest.approx(acct.bankruptcy_price(0, marks), rel=1e-12)
    assert r.initial_margin == pytest.approx(acct.initial_margin(marks)[0], rel=1e-12)
    assert r.maintenance_margin == pytest.approx(acct.maintenance_margin(marks)[0], rel=1e-12)
    assert r.margin_ratio == pytest.approx(acct.pool_of(0, marks).margin_ratio, rel=1e-12)
    assert calc.explanation_html.value == acct.explain(0, marks).to_html()
    dec = venues[calc.venue_dropdown.value].price_decimals
    assert f"{acct.liquidation_price(0, marks):,.{dec}f}" in calc.outputs.value


def test_bybit_published_example() -> None:
    # Bybit Help: long 1 BTC at 20,000, 50x, isolated, MMR 0.5 %, MM at entry -> 19,700
    calc = LiquidationCalculator("bybit_linear")
    assert calc.result is not None
    assert calc.result.liquidation_price == pytest.approx(19_700.0, abs=1e-9)
    assert calc.result.initial_margin == pytest.approx(400.0)
    assert calc.result.maintenance_margin == pytest.approx(100.0)
    assert calc.margin_input.value == pytest.approx(400.0)
    assert "19,700.00 USDT" in calc.liquidation_label.value
    assert "entry price" in calc.bracket_html.value
    assert_matches_engine(calc)


@pytest.mark.parametrize("key", list(venues))
def test_every_venue_matches_engine(key: str) -> None:
    calc = LiquidationCalculator("binance_usdm")
    calc.venue_dropdown.value = key
    assert_matches_engine(calc)
    calc.side_toggle.value = "short"
    assert_matches_engine(calc)
    calc.mode_toggle.value = "cross"
    assert_matches_engine(calc)


def test_cross_price_ignores_leverage_isolated_does_not() -> None:
    # 1 BTC @ 20,000: 10x needs 2,000 of initial margin, so the wallet holds 3,000
    calc = LiquidationCalculator("binance_usdm", mode="cross", wallet_balance=3_000)
    lp50 = calc.result.liquidation_price
    calc.leverage_slider.value = 10
    assert calc.result.liquidation_price == pytest.approx(lp50)
    assert_matches_engine(calc)
    calc.mode_toggle.value = "isolated"
    lp10 = calc.result.liquidation_price
    calc.leverage_slider.value = 50
    assert calc.result.liquidation_price > lp10          # less margin: closer to the entry
    assert_matches_engine(calc)


def test_leverage_slider_bounded_by_bracket() -> None:
    calc = LiquidationCalculator("binance_usdm", leverage=75)
    assert calc.leverage_slider.max == 125               # 20,000 notional: bracket 1
    calc.quantity_input.value = 20                       # 400,000: bracket 2, 100x
    assert calc.leverage_slider.max == 100
    assert calc.leverage_slider.value == 75
    calc.quantity_input.value = 200                      # 4,000,000: bracket 4, 50x
    assert calc.leverage_slider.max == 50
    assert calc.leverage_slider.value == 50
    assert "lowered" in calc.status.value
    assert_matches_engine(calc)


def test_invalid_input_keeps_state_and_shows_no_stale_number() -> None:
    calc = LiquidationCalculator("binance_usdm")
    before = calc.result
    lp = style.fmt_price(before.liquidation_price, 2)
    assert lp in calc.liquidation_label.value
    calc.quantity_input.value = 0
    assert "quantity" in calc.error_message
    assert "quantity" in calc.error_box.value
    assert calc.result is before                       # the state is intact
    # ... but no number is shown beside inputs it does not belong to
    assert lp not in calc.liquidation_label.value and "—" in calc.liquidation_label.value
    assert calc.outputs.value == "" and calc.explanation_html.value == ""
    assert calc.chart.liquidation_line.visible is False
    calc.quantity_input.value = 1
    assert calc.error_message == ""
    assert calc.error_box.value == ""
    assert lp in calc.liquidation_label.value


def test_invalid_entry_then_venue_change_shows_no_old_venue_number() -> None:
    calc = LiquidationCalculator("binance_usdm")
    old = style.fmt_price(calc.result.liquidation_price, 2)
    calc.quantity_input.value = -3
    calc.venue_dropdown.value = "bybit_linear"        # same contract type: no conversion
    assert calc.error_message
    assert old not in calc.liquidation_label.value and "—" in calc.liquidation_label.value


def test_refuses_orders_an_exchange_refuses() -> None:
    # issue 13: short 100 BTC @ 60,000 cross on a 3,000 wallet. Whatever the leverage the
    # venue allows for 6,000,000 of notional (at most 125x), the initial margin is at least
    # 6,000,000 / 125 = 48,000 > 3,000.
    calc = LiquidationCalculator("binance_usdm", side="short", quantity=100,
                                 entry_price=60_000, mode="cross", wallet_balance=3_000)
    assert "initial margin larger than the available balance" in calc.error_message
    assert "59,549.01" not in calc.liquidation_label.value and "1,618" not in calc.outputs.value
    # a cross wallet of 1,000 against 1 BTC @ 60,000 at 10x: 6,000 of initial margin
    calc2 = LiquidationCalculator("binance_usdm", quantity=1, entry_price=60_000, leverage=10,
                                  mode="isolated", wallet_balance=1_000)
    calc2.mode_toggle.value = "cross"                  # the wallet row appears, refused
    assert "initial margin larger than the available balance" in calc2.error_message
    assert "6,000.00 USDT" in calc2.error_message and "1,000.00 USDT" in calc2.error_message
    assert calc2.outputs.value == ""
    assert calc2.wallet_row.layout.display != "none"     # the input to fix is on screen
    calc2.wallet_input.value = 6_000                   # exactly enough: accepted
    assert calc2.error_message == "" and "Liquidation price" in calc2.outputs.value


def test_isolated_margin_below_maintenance_is_liquidated_on_opening() -> None:
    # MM at entry on Binance's first bracket: 0.4 % × 60,000 = 240 > a margin of 100
    calc = LiquidationCalculator("binance_usdm", quantity=1, entry_price=60_000, leverage=10,
                                 mode="isolated", isolated_margin=100)
    assert "liquidated on opening" in calc.error_message


def test_level_labels_never_overprint() -> None:
    # issue 13: 1 BTC @ 60,000 at 10x isolated: liquidation ~54,300, bankruptcy 54,000
    calc = LiquidationCalculator("binance_usdm", quantity=1, entry_price=60_000, leverage=10)
    ch = calc.chart
    px = (ch.price_scale.max - ch.price_scale.min) / 252.0       # price per pixel
    y = sorted(float(v) for v in ch.level_labels.y)
    assert min(b - a for a, b in zip(y, y[1:], strict=False)) / px >= 16 - 1e-6


def test_unknown_symbol_message() -> None:
    calc = LiquidationCalculator("binance_usdm")
    lp = calc.result.liquidation_price
    calc.symbol_input.value = "DOGEUSDT"
    assert "no tier table" in calc.error_message
    assert calc.result.liquidation_price == lp


def test_one_recompute_per_change_and_inverse_conversion() -> None:
    calc = LiquidationCalculator("binance_usdm")
    n = calc.recompute_count
    calc.entry_input.value = 21_000
    assert calc.recompute_count == n + 1
    calc.venue_dropdown.value = "binance_coinm"      # converts size and money: one recompute
    assert calc.recompute_count == n + 2
    assert calc.symbol_input.value == "BTCUSD"
    assert calc.quantity_input.value == pytest.approx(210.0)    # 1 BTC = 210 x 100 USD
    assert calc.result.currency == "BTC"
    assert_matches_engine(calc)
    calc.venue_dropdown.value = "binance_usdm"
    assert calc.quantity_input.value == pytest.approx(1.0)
    assert calc.recompute_count == n + 3


def test_chart_levels_and_one_message_per_mark(recorder) -> None:
    calc = LiquidationCalculator("okx_linear")
    r = calc.result
    chart = calc.chart
    assert chart.entry_line.y.tolist() == [20_000.0, 20_000.0]
    assert chart.liquidation_line.y[0] == pytest.approx(r.liquidation_price)
    assert chart.bankruptcy_line.y[0] == pytest.approx(r.bankruptcy_price)
    assert chart.price_scale.min < r.bankruptcy_price < r.liquidation_price
    assert r.liquidation_price < 20_000 < chart.price_scale.max
    recorder.reset()
    calc.entry_input.value = 30_000
    for mark in chart.marks:
        assert len(recorder.messages_for(mark)) == 1
    assert chart.entry_line.y.tolist() == [30_000.0, 30_000.0]


def test_css_classes_and_definitions() -> None:
    calc = LiquidationCalculator()
    assert "mw-calculator-figure" in calc.figure._dom_classes
    assert "mw-venue-dropdown" in calc.venue_dropdown._dom_classes
    assert "mw-leverage-slider" in calc.leverage_slider._dom_classes
    assert calc.figure is calc.chart.figure
    html = calc.outputs.value
    for term in ("Initial margin", "Maintenance margin", "Margin ratio", "Liquidation price",
                 "Bankruptcy price"):
        assert term in html
    assert html.count("mw-info") >= 5
    assert "USDT" in html and "%" in html
    assert len(calc.venue_dropdown.options) == len(venues)


def test_no_liquidation_price_is_shown_as_none() -> None:
    calc = LiquidationCalculator("binance_usdm", mode="cross", wallet_balance=1e9)
    assert math.isnan(calc.result.liquidation_price)
    assert "none" in calc.outputs.value
    assert calc.chart.liquidation_line.visible is False


def test_failed_venue_switch_puts_the_dropdown_back() -> None:
    calc = LiquidationCalculator("binance_usdm")
    calc.entry_input.value = -1                       # invalid: message, outputs kept
    lp = calc.result.liquidation_price
    calc.venue_dropdown.value = "binance_coinm"       # cannot convert at a negative price
    assert "entry price" in calc.error_message
    assert calc.venue_dropdown.value == "binance_usdm"
    assert calc.quantity_input.value == 1
    assert calc.result.liquidation_price == lp
