"""Order-time refusals: the two checks every venue applies, against hand arithmetic."""

from __future__ import annotations

import pytest

from margin_widgets.core import Account, Position, RiskTiers, Venue
from margin_widgets.core.orders import (
    IM_TOO_LARGE,
    LIQUIDATED_ON_OPENING,
    OrderRefused,
    check_opening,
    mode_needs,
    opening_refusal,
)

FLAT = Venue("hand", tiers=RiskTiers.flat(0.004))


def test_cross_wallet_smaller_than_initial_margin_is_refused() -> None:
    # 1 BTC @ 60,000 at 10x needs 60,000 / 10 = 6,000 of initial margin; the wallet is 1,000
    acct = Account(FLAT, 1_000, [Position("BTCUSDT", "long", 1, 60_000, 10, "cross")])
    r = opening_refusal(acct)
    assert r is not None and r.reason == IM_TOO_LARGE
    assert (r.needed, r.available) == (6_000, 1_000)
    assert "6,000.00 USDT" in r.message and "1,000.00 USDT" in r.message
    with pytest.raises(OrderRefused) as exc:
        check_opening(acct)
    assert exc.value.refusal == r


def test_issue_13_short_100_btc_on_3000_wallet_is_refused() -> None:
    # notional 6,000,000; at 1x the initial margin is the notional itself
    acct = Account(FLAT, 3_000, [Position("BTCUSDT", "short", 100, 60_000, 1, "cross")])
    r = opening_refusal(acct)
    assert r is not None and r.reason == IM_TOO_LARGE and r.needed == pytest.approx(6e6)


def test_exactly_enough_is_accepted_and_isolated_margins_count() -> None:
    ok = Account(FLAT, 6_000, [Position("BTCUSDT", "long", 1, 60_000, 10, "cross")])
    assert opening_refusal(ok) is None and check_opening(ok) is ok
    # the isolated ETH takes 3,000 out of 8,000: 5,000 left for the cross BTC's 6,000
    acct = Account(FLAT, 8_000, [Position("BTCUSDT", "long", 1, 60_000, 10, "cross"),
                                 Position("ETHUSDT", "long", 10, 3_000, 10, "isolated")])
    r = opening_refusal(acct)
    assert r is not None and (r.needed, r.available) == (6_000, 5_000)


def test_isolated_margin_below_maintenance_is_liquidated_on_opening() -> None:
    # MM at entry = 0.004 × 60,000 = 240 > an isolated margin of 200
    p = Position("BTCUSDT", "long", 1, 60_000, 10, "isolated", isolated_margin=200)
    r = opening_refusal(Account(FLAT, 10_000, [p]))
    assert r is not None and r.reason == LIQUIDATED_ON_OPENING
    assert (r.needed, r.available) == (pytest.approx(240), pytest.approx(200))
    assert opening_refusal(Account(FLAT, 10_000, [p.with_(isolated_margin=241)])) is None


def test_mode_needs() -> None:
    acct = Account(FLAT, 10_000, [Position("BTCUSDT", "long", 0.5, 60_000, 10, "cross"),
                                  Position("ETHUSDT", "short", 5, 3_000, 20, "cross")])
    # 30,000 / 10 + 15,000 / 20 = 3,000 + 750
    assert mode_needs(acct) == {"cross": 3_750, "isolated": 3_750}
