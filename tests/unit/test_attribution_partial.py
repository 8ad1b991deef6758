"""attribute() after and across partial liquidations (issue 10): the liquidation price's move is
split into parts that add up to the engine's move; with one flat bracket nothing is left for
"bracket change", and a part whose cause did not happen in the window is zero."""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import (
    Account,
    PartialLiquidation,
    Position,
    RiskTiers,
    Venue,
    attribute,
    simulate,
)

sys.path.insert(0, str(Path(__file__).parent))
from test_liquidation_rules import scenarios  # noqa: E402

FLAT_TIERS = {"flat", "hl-like"}


def _venue():
    return Venue("demo", tiers=RiskTiers.flat(0.004), liquidation_fee_rate=0.0005,
                 partial_liquidation=PartialLiquidation("fraction", 0.2, 50_000.0, 1))


@pytest.mark.parametrize("mode", ["cross", "isolated"])
def test_a_partial_liquidation_is_its_own_part_and_leaves_no_bracket_change(mode):
    acct = Account(_venue(), 10_000, [Position("BTCUSDT", "long", 2, 60_000, 20, mode),
                                      Position("ETHUSDT", "short", 10, 3_000, 10, mode)])
    lp0 = simulate(acct, {"BTCUSDT": np.full(2, 60_000.0),
                          "ETHUSDT": np.full(2, 3_000.0)}).liquidation_price[0, 0]
    btc = np.r_[np.linspace(60_000, lp0 * 0.999, 30), np.linspace(lp0 * 0.999, 60_000, 20)]
    r = simulate(acct, {"BTCUSDT": btc, "ETHUSDT": np.linspace(3_000, 3_010, 50)})
    assert 0 < r.quantity[0, -1] < 2 and r.liquidated_at[0] == -1   # reduced, still open
    k = next(e.step for e in r.events() if e.kind == "partial liquidation")
    across = attribute(r, 0, 0, 45)
    after = attribute(r, 0, k + 2, 45)          # both steps after the partial liquidation
    back = attribute(r, 0, 45, 0)               # the same move read backwards
    assert back["total"] == pytest.approx(-across["total"])
    for parts in (across, after, back):
        parts = dict(parts)
        total = parts.pop("total")
        assert sum(parts.values()) == pytest.approx(total, rel=1e-9, abs=1e-9)
        assert parts["bracket change"] == pytest.approx(0.0, abs=1e-6)   # one flat bracket
        assert parts["margin transfers"] == pytest.approx(0.0, abs=1e-6)  # none made
        assert parts["fees"] == 0.0
    assert across["partial liquidation"] != 0.0
    assert after["partial liquidation"] == 0.0


@settings(max_examples=50, deadline=None)
@given(scenarios(), st.data())
def test_parts_add_up_to_the_engines_move_whatever_happened_in_between(sc, data):
    acct, paths, events = sc
    r = simulate(acct, paths, events=events)
    T = r.steps
    lp = r.liquidation_price
    i = data.draw(st.integers(0, len(acct.positions) - 1))
    ok = np.flatnonzero(np.isfinite(lp[i]))
    if ok.size < 2:
        return
    t1, t2 = sorted(data.draw(st.lists(st.sampled_from(ok.tolist()), min_size=2, max_size=2)))
    parts = attribute(r, i, int(t1), int(t2))     # raises if t1's closed form is off
    total = parts.pop("total")
    assert total == pytest.approx(lp[i, t2] - lp[i, t1], rel=1e-12, abs=1e-9)
    assert sum(parts.values()) == pytest.approx(total, rel=1e-9, abs=1e-6)
    pool = ([j for j, p in enumerate(acct.positions) if p.mode == "cross"]
            if acct.positions[i].mode == "cross" else [i])
    evs = [e for e in r.events() if t1 <= e.step < t2]
    if not any(e.kind == "partial liquidation" and e.position in pool for e in evs):
        assert parts["partial liquidation"] == 0.0
    if acct.venue.name in FLAT_TIERS and not acct.venue.mm_basis == "entry":
        assert parts["bracket change"] == pytest.approx(0.0, abs=1e-6 * max(1.0, abs(total)))
    assert T == lp.shape[-1]
