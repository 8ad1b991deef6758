"""VenueComparison: the published cross-venue numbers, and why they differ."""

from __future__ import annotations

import pytest

from margin_widgets.core import Account, Position, RiskTiers, venues
from margin_widgets.widgets.venues import OWN, SAME, VenueComparison, compare_venues

PUBLISHED = {"bybit_linear": 19_700.00, "binance_usdm": 19_698.49, "okx_linear": 19_708.40}


def test_same_mmr_reproduces_the_published_numbers() -> None:
    vc = VenueComparison()
    assert vc.rule_toggle.value == SAME
    assert vc.mmr_input.value == pytest.approx(0.5)
    assert vc.margin_input.value == pytest.approx(400.0)
    for key, price in PUBLISHED.items():
        assert round(vc.row(key).liquidation_price, 2) == price
        assert f"{price:,.2f}" in vc.table_html.value
    assert vc.error_message == ""


def test_every_preset_is_a_row_and_the_inverse_one_is_converted() -> None:
    vc = VenueComparison()
    assert [r.key for r in vc.rows] == list(venues)
    inv = vc.row("binance_coinm")
    assert inv.contract == "inverse"
    assert inv.quantity == pytest.approx(200.0)          # 20,000 USD in 100 USD contracts
    assert inv.margin == pytest.approx(0.02)              # 400 USD at 20,000
    assert inv.currency == "BTC"
    assert "inverse (200 × 100 USD)" in vc.table_html.value
    # independently: the engine on the converted position
    v = venues["binance_coinm"].with_(tiers=RiskTiers.flat(0.005))
    acct = Account(v, 0.02, [Position("BTCUSD", "long", 200, 20_000, 50, "isolated", 0.02,
                                      contract_size=100)])
    assert inv.liquidation_price == pytest.approx(acct.liquidation_price(0, {"BTCUSD": 20_000}))


def test_each_row_says_why() -> None:
    vc = VenueComparison()
    assert "entry price" in vc.row("bybit_linear").why
    assert "taker fee" in vc.row("okx_linear").why
    assert "liquidation" in vc.row("dydx_v4").why and "1.5%" in vc.row("dydx_v4").why
    assert "Inverse" in vc.row("binance_coinm").why
    for r in vc.rows:
        assert r.why and r.why in vc.reasons_html.value.replace("&#x27;", "'")


def test_own_tables_match_the_presets_and_stale_tables_differ() -> None:
    vc = VenueComparison()
    n = vc.recompute_count
    vc.stale_button.click()                              # 20 BTC, own tables: one recompute
    assert vc.recompute_count == n + 1
    assert vc.rule_toggle.value == OWN
    assert vc.mmr_input.disabled
    new, old = vc.row("binance_usdm"), vc.row("binance_usdm_2022")
    assert (new.bracket, new.mmr) == (2, 0.005)
    assert (old.bracket, old.mmr) == (3, 0.01)
    assert round(new.liquidation_price, 2) != round(old.liquidation_price, 2)
    assert "stale" in old.why
    for key in ("binance_usdm", "binance_usdm_2022", "bybit_linear", "okx_linear"):
        acct = Account(key, 8_000, [Position("BTCUSDT", "long", 20, 20_000, 50, "isolated",
                                             8_000)])
        assert vc.row(key).liquidation_price == pytest.approx(
            acct.liquidation_price(0, {"BTCUSDT": 20_000}), rel=1e-12)


def test_leverage_above_a_venue_maximum_is_flagged() -> None:
    rows = {r.key: r for r in compare_venues(same_mmr=None)}
    assert rows["hyperliquid"].warnings and "40x" in rows["hyperliquid"].why
    assert any("liquidated as soon" in w for w in rows["dydx_v4"].warnings)
    assert not rows["binance_usdm"].warnings


def test_short_side_and_margin_input() -> None:
    vc = VenueComparison()
    vc.side_toggle.value = "short"
    assert vc.row("binance_usdm").liquidation_price > 20_000
    with vc.batch():
        vc.margin_from_leverage.value = False
        vc.margin_input.value = 1_000
    acct = Account("bybit_linear", 1_000, [Position("BTCUSDT", "short", 1, 20_000, 50,
                                                    "isolated", 1_000)])
    # same MMR 0.5 %: bybit's preset already has one 0.5 % bracket
    assert vc.row("bybit_linear").liquidation_price == pytest.approx(
        acct.liquidation_price(0, {"BTCUSDT": 20_000}))


def test_invalid_input_keeps_rows() -> None:
    vc = VenueComparison()
    rows, table = vc.rows, vc.table_html.value
    vc.entry_input.value = -5
    assert "entry price" in vc.error_message
    assert vc.rows is rows and vc.table_html.value == table
    vc.entry_input.value = 20_000
    assert vc.error_message == ""


def test_css_classes() -> None:
    vc = VenueComparison()
    assert "mw-venue-table" in vc.table_html._dom_classes
    assert "mw-venue-reasons" in vc.reasons_html._dom_classes
    assert "mw-rule-toggle" in vc.rule_toggle._dom_classes
    assert "mw-info" in vc.table_html.value


def test_share_link_restores_every_setting() -> None:
    from margin_widgets.widgets.venues import VenueComparison

    a = VenueComparison()
    a.side_toggle.value = "short"
    a.quantity_input.value = 3.0
    a.entry_input.value = 25_000.0
    a.leverage_input.value = 20
    a.margin_from_leverage.value = False
    a.margin_input.value = 5_000.0
    a.rule_toggle.value = "own"
    href = a.make_share_link("venue_compare.ipynb")
    assert "mw-share-href" in a.link_html.value
    b = VenueComparison()
    assert b.apply_query(href.split("?", 1)[1])
    assert b.settings() == a.settings() == {
        "side": "short", "quantity": 3.0, "entry_price": 25_000.0, "leverage": 20,
        "margin": 5_000.0, "same_mmr": None}
    assert [r.liquidation_price for r in b.rows] == [r.liquidation_price for r in a.rows]


def test_damaged_share_link_changes_nothing() -> None:
    from margin_widgets.widgets.venues import VenueComparison

    v = VenueComparison()
    before = v.settings()
    assert not v.apply_query('venues={"side":"long","quantity":-1,"entry_price":1,'
                             '"leverage":5}')
    assert "quantity" in v.error_message and v.settings() == before
    assert not v.apply_query("venues=%7Bnot json")
    assert v.settings() == before


def test_chart_puts_every_venue_on_one_price_axis() -> None:
    from margin_widgets.widgets.venues import VenueComparison

    v = VenueComparison()
    ch = v.chart
    prices = [r.liquidation_price for r in v.rows]
    assert list(ch.dots.x) == pytest.approx(prices)
    assert list(ch.dots.y) == [r.name for r in v.rows]
    assert ch.x_scale.min < min(prices) and max(prices) < ch.x_scale.max
    assert ch.x_scale.min < 20_000 < ch.x_scale.max           # the entry is on the axis
    assert "mw-venue-figure" in ch.figure._dom_classes
