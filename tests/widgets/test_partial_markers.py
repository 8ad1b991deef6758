"""Partial liquidations and automatic top-ups reach the price chart's markers and tooltips."""

import numpy as np

from margin_widgets.charts.views import event_steps, liquidation_events
from margin_widgets.core import Account, Position, simulate, venues


def _sliding_long():
    acct = Account(venues["binance_usdm"], 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, leverage=10, mode="isolated")])
    path = np.concatenate([np.linspace(60_000, 54_000, 201), np.full(99, 54_000.0)])
    return simulate(acct, {"BTCUSDT": path}, fees=False)


def test_tier_step_down_shows_as_a_partial_liquidation_marker():
    res = _sliding_long()
    q = res.quantity[0]
    started = int(res.liquidation_started_at[0])
    # tier step-down: Binance's BTC bracket 2 starts at 50,000 USDT of notional, so the
    # position is cut to 50,000 / mark at the first breach (MARGIN_MODEL section 5)
    assert 0 < q[started] < 1
    assert abs(q[started] * res.marks["BTCUSDT"][started] - 50_000.0) < 1e-6
    evs = liquidation_events(res)
    partial = [e for e in evs if "partly liquidated" in e.text]
    assert len(partial) == 1 and partial[0].step == started and partial[0].kind == "liquidation"
    closed = f"{1 - q[started]:,.6g}"
    assert closed in partial[0].text
    assert started in event_steps(res)
    full = int(res.liquidated_at[0])
    assert full > started and any(e.step == full and "liquidated at step" in e.text
                                  for e in evs)


def test_auto_add_margin_shows_as_a_transfer_marker():
    acct = Account(venues["bybit_linear"], 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, leverage=10, mode="isolated",
                             auto_add_margin=True)])
    path = np.linspace(60_000, 52_000, 300)
    res = simulate(acct, {"BTCUSDT": path}, fees=False)
    tops = [e for e in res.events() if e.kind == "auto-add margin"]
    assert tops, "the slide should trigger at least one top-up"
    marks = [e for e in liquidation_events(res) if e.text.startswith("auto-add margin")]
    assert [m.step for m in marks] == [e.step for e in tops]
    assert all(m.kind == "transfer" for m in marks)
