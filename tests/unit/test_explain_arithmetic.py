"""explain(): the printed sum, redone by hand, gives the printed price to its last digit."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import Account, Position, venues
from margin_widgets.core.explain import _fmt, evaluate_substituted


@settings(max_examples=150, deadline=None)
@given(
    venue=st.sampled_from(["binance_usdm", "bybit_linear", "okx_linear", "binance_coinm",
                           "hyperliquid", "dydx_v4"]),
    qty=st.floats(1e-4, 5.0), side=st.sampled_from(["long", "short"]),
    lev=st.sampled_from([2, 5, 10, 20]), mode=st.sampled_from(["cross", "isolated"]),
    wallet_x=st.floats(0.55, 2.0), move=st.floats(-0.1, 0.1), other=st.booleans(),
)
def test_printed_arithmetic_gives_back_the_printed_price(venue, qty, side, lev, mode, wallet_x,
                                                        move, other):
    v = venues[venue]
    inverse = v.contract == "inverse"
    sym = "BTCUSD" if inverse else "BTCUSDT"
    if inverse:
        pos = [Position(sym, side, max(1.0, round(qty * 100)), 60_000, lev, mode,
                        contract_size=100)]
        wallet = pos[0].quantity * 100 / 60_000 * wallet_x
    else:
        pos = [Position(sym, side, qty, 60_000, lev, mode)]
        wallet = qty * 60_000 * wallet_x
        if other:
            pos.append(Position("ETHUSDT", "long", qty * 10, 3_000, lev))
            wallet += qty * 30_000 * wallet_x
    acct = Account(v, wallet, pos)
    marks = {sym: 60_000 * (1 + move), "ETHUSDT": 3_000 * (1 - move)}
    ex = acct.explain(0, marks)
    assert ex.price == acct.liquidation_price(0, marks) or (
        np.isnan(ex.price) and np.isnan(acct.liquidation_price(0, marks)))
    assert "+ -" not in ex.substituted and "+ −" not in ex.substituted
    assert "− −" not in ex.substituted and "− -" not in ex.substituted
    if np.isfinite(ex.price):
        assert _fmt(evaluate_substituted(ex.substituted)) == _fmt(ex.price), ex.substituted


def test_small_quantity_example():
    # 0.003 BTC long at 60,000, 50 USDT cross wallet, Binance 2024 first bracket (0.4 %):
    # LP = (50 - 180) / (0.000012 - 0.003) = 43,507.36
    acct = Account("binance_usdm", 50, [Position("BTCUSDT", "long", 0.003, 60_000, 20)])
    ex = acct.explain(0, {"BTCUSDT": 60_000})
    assert _fmt(ex.price) == "43,507.36"
    assert _fmt(evaluate_substituted(ex.substituted)) == "43,507.36"
