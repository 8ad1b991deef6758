"""LiquidationCalculator: the numbers on screen are the engine's, for every venue."""

from __future__ import annotations

import math

import numpy as np
import pytest

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
    calc = LiquidationCalculator("binance_usdm", mode="cross", wallet_balance=1_000)
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


def test_invalid_input_keeps_previous_outputs() -> None:
    calc = LiquidationCalculator("binance_usdm")
    before = (calc.result, calc.outputs.value, calc.explanation_html.value,
              calc.liquidation_label.value, calc.chart.liquidation_line.y.copy())
    calc.quantity_input.value = 0
    assert "quantity" in calc.error_message
    assert "quantity" in calc.error_box.value
    assert (calc.result, calc.outputs.value, calc.explanation_html.value,
            calc.liquidation_label.value) == before[:4]
    np.testing.assert_array_equal(calc.chart.liquidation_line.y, before[4])
    calc.quantity_input.value = 1
    assert calc.error_message == ""
    assert calc.error_box.value == ""


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
