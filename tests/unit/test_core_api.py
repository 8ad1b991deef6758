"""The engine's public contract, its errors and its margin operations."""

import subprocess
import sys

import numpy as np
import pytest

from margin_widgets.core import Account, MarginInputError, Position, RiskTiers, Venue, venues

FLAT = Venue("flat", tiers=RiskTiers.flat(0.004))
MARKS = {"BTCUSDT": 60_000.0}


def test_core_imports_no_widget_library():
    code = ("import sys, margin_widgets.core; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('ipywidgets', 'bqplot', 'traitlets', 'IPython')]; print(bad); assert not bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_error_is_a_value_error():
    assert issubclass(MarginInputError, ValueError)


@pytest.mark.parametrize("kwargs,needle", [
    ({"quantity": 0}, "quantity"), ({"quantity": -1}, "quantity"),
    ({"entry_price": float("nan")}, "entry price"), ({"entry_price": -5}, "entry price"),
    ({"side": "up"}, "side"), ({"mode": "portfolio"}, "mode"), ({"leverage": 0.5}, "leverage"),
    ({"symbol": ""}, "symbol"),
])
def test_bad_positions_are_refused_clearly(kwargs, needle):
    args = {"symbol": "BTCUSDT", "side": "long", "quantity": 1, "entry_price": 60_000, **kwargs}
    with pytest.raises(MarginInputError, match=needle):
        Position(**args)


@pytest.mark.parametrize("wallet", [0, -100, float("nan"), float("inf")])
def test_bad_wallet(wallet):
    with pytest.raises(MarginInputError, match="wallet"):
        Account(FLAT, wallet, [])


def test_leverage_above_bracket_maximum():
    with pytest.raises(MarginInputError, match="maximum of 125x"):
        Account("binance_usdm", 10_000, [Position("BTCUSDT", "long", 0.1, 60_000, 150)])
    # 1 BTC at 60,000 is in bracket 2 (max 100x)
    with pytest.raises(MarginInputError, match="maximum of 100x"):
        Account("binance_usdm", 10_000, [Position("BTCUSDT", "long", 1, 60_000, 125)])
    Account("binance_usdm", 10_000, [Position("BTCUSDT", "long", 1, 60_000, 100)])


def test_unknown_symbol_and_venue():
    with pytest.raises(MarginInputError, match="no tier table for 'DOGEUSDT'"):
        Account("binance_usdm", 10_000, [Position("DOGEUSDT", "long", 1, 0.1)])
    with pytest.raises(MarginInputError, match="unknown venue 'binanse'"):
        Account("binanse", 10_000, [])
    assert "binanse" not in venues and "binance_usdm" in venues


def test_isolated_margin_larger_than_wallet():
    with pytest.raises(MarginInputError, match="more than the wallet"):
        Account(FLAT, 100, [Position("BTCUSDT", "long", 1, 60_000, 10, "isolated")])


def test_missing_or_bad_mark():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000)])
    with pytest.raises(MarginInputError, match="no mark price"):
        acct.unrealized_pnl({"ETHUSDT": 1.0})
    with pytest.raises(MarginInputError, match="mark price"):
        acct.unrealized_pnl({"BTCUSDT": float("nan")})
    with pytest.raises(MarginInputError, match="out of range"):
        acct.liquidation_price(3, MARKS)


def test_pools_and_available_balance():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10),
                                  Position("BTCUSDT", "short", 1, 60_000, 20, "isolated")])
    assert acct.isolated_margins.tolist() == [0.0, 3_000.0]
    assert acct.cross_wallet == 7_000.0
    pools = acct.pools({"BTCUSDT": 58_000})
    assert [p.name for p in pools] == ["cross", "isolated #2"]
    assert pools[0].margin_balance == 5_000.0
    assert pools[1].margin_balance == 5_000.0
    # available = cross margin balance - cross IM at the mark = 5,000 - 5,800
    assert acct.available_balance({"BTCUSDT": 58_000}) == 0.0
    assert acct.equity({"BTCUSDT": 58_000}) == 10_000.0


def test_margin_transfers_respect_limits_and_return_new_accounts():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 20, "isolated")])
    marks = {"BTCUSDT": 60_000.0}
    assert acct.max_addable_margin(0, marks) == 7_000.0
    richer = acct.add_margin(0, 1_000, marks)
    assert richer.isolated_margins[0] == 4_000.0 and acct.isolated_margins[0] == 3_000.0
    assert richer.liquidation_price(0, marks) < acct.liquidation_price(0, marks)
    with pytest.raises(MarginInputError, match="at most 7,000.00 USDT"):
        acct.add_margin(0, 7_001, marks)
    # removable: min(4,000 - 240, 4,000 + 0 - 3,000) = 1,000
    assert richer.max_removable_margin(0, marks) == pytest.approx(1_000.0)
    with pytest.raises(MarginInputError, match="cannot remove"):
        richer.remove_margin(0, 1_500, marks)
    back = richer.remove_margin(0, 1_000, marks)
    assert back.isolated_margins[0] == pytest.approx(3_000.0)
    with pytest.raises(MarginInputError, match="cross mode"):
        Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000)]).add_margin(0, 1, marks)


def test_with_mode_round_trip():
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10)])
    iso = acct.with_mode("isolated")
    assert iso.isolated_margins[0] == 6_000.0
    assert iso.with_mode("cross").positions == acct.positions
    alloc = acct.with_mode("isolated", allocation=[2_500])
    assert alloc.isolated_margins[0] == 2_500.0


def test_no_price_liquidates_an_unlevered_long():
    acct = Account(FLAT, 100_000, [Position("BTCUSDT", "long", 1, 60_000)])
    assert np.isnan(acct.liquidation_price(0, MARKS))
    assert np.isnan(acct.bankruptcy_price(0, MARKS))
    assert "No positive price" in acct.explain(0, MARKS).to_text()
