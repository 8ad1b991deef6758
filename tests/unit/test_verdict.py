"""The verdict: each sense of "safer" and every because, against hand calculations.

A venue built by hand (flat MMR 0.4 %, no fees, full liquidation forfeiting the pool) keeps the
arithmetic short. Liquidation prices used below, computed by hand from MARGIN_MODEL (3):

- isolated long 1 BTC @ 60,000, margin 6,000 (10x): 6,000 + (P − 60,000) = 0.004 P
  → P = 54,000 / 0.996 = 54,216.87;
- cross long 1 BTC @ 60,000, wallet 10,000 alone: P = 50,000 / 0.996 = 50,200.80.
"""

from __future__ import annotations

import numpy as np
import pytest

from margin_widgets.core import Account, Position, RiskTiers, Venue
from margin_widgets.core.errors import MarginInputError
from margin_widgets.core.verdict import first_liquidation, verdict, without_position, worst_loss

VENUE = Venue("hand", tiers=RiskTiers.flat(0.004))
BTC = Position("BTCUSDT", "long", 1, 60_000, leverage=10)
ETH_SHORT = Position("ETHUSDT", "short", 10, 3_000, leverage=10)


def test_single_long_each_mode_wins_a_different_sense() -> None:
    # path low 53,000: below the isolated LP 54,216.87, above the cross LP 50,200.80
    acct = Account(VENUE, 10_000, [BTC])
    v = verdict(acct, {"BTCUSDT": [60_000, 55_000, 53_000, 56_000]})
    later = v.sense("later_liquidation")
    assert later.winner == "cross"
    assert later.isolated == 2 and np.isinf(later.cross)
    # cross: equity falls to 10,000 − 7,000 = 3,000 → worst loss 7,000
    # isolated: the 6,000 margin is forfeited at step 2 → equity 4,000, worst loss 6,000
    worst = v.sense("worst_loss")
    assert worst.winner == "isolated"
    assert worst.cross == pytest.approx(7_000) and worst.isolated == pytest.approx(6_000)
    # end: cross 10,000 − 4,000 = 6,000; isolated stays at 4,000
    end = v.sense("final_equity")
    assert end.winner == "cross"
    assert end.cross == pytest.approx(6_000) and end.isolated == pytest.approx(4_000)
    assert "6,000.00 USDT against 7,000.00 USDT" in v.headline
    assert "cross was never liquidated (isolated was, at step 2)" in v.headline
    # one position: the only because is the backing, confirmed by the isolated run itself
    assert [r.liquidated_at for r in v.reasons] == [2]
    assert "whole cross wallet (10,000.00 USDT)" in v.reasons[0].text


def test_single_position_liquidated_in_both_modes_gets_a_verdict() -> None:
    # one position, a path to 45,000: below the cross LP 50,200.80 (wallet 10,000) and the
    # isolated LP 54,216.87, so both runs liquidate; there is no "without it" run to make
    acct = Account(VENUE, 10_000, [BTC])
    v = verdict(acct, {"BTCUSDT": [60_000, 55_000, 53_000, 45_000]})
    later = v.sense("later_liquidation")
    assert later.isolated == 2 and later.cross == 3 and later.winner == "cross"
    # a because needs a counterfactual run; with one position none is possible, so none is said
    assert all("dragged down" not in r.text for r in v.reasons)


def test_winner_profit_is_credited_only_when_cross_without_it_liquidates() -> None:
    # BTC falls to 49,000 (loss 11,000), ETH short gains 10 × 300 = 3,000.
    # cross with both: equity 2,000 > MM 0.004·(49,000 + 27,000) = 304 → survives;
    # cross BTC alone: 49,000 < LP 50,200.80 → liquidated at step 2.
    acct = Account(VENUE, 10_000, [BTC, ETH_SHORT])
    paths = {"BTCUSDT": [60_000, 55_000, 49_000], "ETHUSDT": [3_000, 2_850, 2_700]}
    v = verdict(acct, paths)
    assert v.sense("later_liquidation").winner == "cross"
    texts = [r.text for r in v.reasons]
    assert any("thanks to the ETHUSDT short's profit" in t and "at step 2" in t
               for t in texts), texts
    assert [r.liquidated_at for r in v.reasons] == [2]


def test_winner_profit_not_credited_when_wallet_alone_suffices() -> None:
    # BTC low 52,000 > cross LP 50,200.80: BTC alone survives in cross, so the ETH short's
    # profit (10 × 100 = 1,000) must NOT be named as the reason (the bug in issue 13).
    acct = Account(VENUE, 10_000, [BTC, ETH_SHORT])
    paths = {"BTCUSDT": [60_000, 55_000, 52_000], "ETHUSDT": [3_000, 2_950, 2_900]}
    v = verdict(acct, paths)
    assert v.sense("later_liquidation").winner == "cross"
    assert not any("thanks to" in s for s in v.sentences())
    assert any("was not what saved cross" in r.text and r.liquidated_at == -1
               for r in v.reasons)


def test_cross_dragged_down_only_by_the_position_whose_removal_saves_it() -> None:
    # long 1 BTC and long 10 ETH (flat at 3,000). BTC to 50,000: cross equity 0 → liquidated
    # (LP with the ETH MM of 120: 50,120 / 0.996 = 50,321.29). Without the BTC long the ETH
    # long alone never loses; the ETH long (uPnL 0) is not a loser and is not blamed.
    eth_long = Position("ETHUSDT", "long", 10, 3_000, leverage=10)
    acct = Account(VENUE, 10_000, [BTC, eth_long])
    paths = {"BTCUSDT": [60_000, 55_000, 50_000], "ETHUSDT": [3_000, 3_000, 3_000]}
    v = verdict(acct, paths)
    assert v.sense("later_liquidation").cross == 2
    assert len(v.reasons) == 1
    assert "dragged down by the BTCUSDT long" in v.reasons[0].text
    assert v.reasons[0].liquidated_at == -1
    assert any("including the ETHUSDT long, which isolated kept open" in f for f in v.facts)


def test_tie_when_nothing_happens() -> None:
    acct = Account(VENUE, 10_000, [BTC])
    v = verdict(acct, {"BTCUSDT": [60_000, 60_000, 60_000]})
    assert [s.winner for s in v.senses] == ["tie", "tie", "tie"]
    assert "neither is safer" in v.headline
    assert v.reasons == ()


def test_measures_and_counterfactual_helper() -> None:
    acct = Account(VENUE, 10_000, [BTC, ETH_SHORT])
    from margin_widgets.core import TransferEvent, simulate
    events = [TransferEvent(1, "deposit", 100.0), TransferEvent(1, "add_margin", 50.0, 1)]
    a2, p2, e2 = without_position(acct, {"BTCUSDT": [1, 2], "ETHUSDT": [1, 2]}, events, 0)
    assert [p.symbol for p in a2.positions] == ["ETHUSDT"] and list(p2) == ["ETHUSDT"]
    assert a2.wallet_balance == 10_000
    assert [(e.kind, e.position) for e in e2] == [("deposit", None), ("add_margin", 0)]
    with pytest.raises(MarginInputError):
        without_position(Account(VENUE, 10_000, [BTC]), {"BTCUSDT": [1, 2]}, [], 0)
    r = simulate(Account(VENUE, 10_000, [BTC]), {"BTCUSDT": [60_000, 58_000, 61_000]})
    assert first_liquidation(r) == -1
    assert worst_loss(r) == pytest.approx(2_000)
