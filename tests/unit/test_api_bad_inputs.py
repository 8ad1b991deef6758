# ruff: noqa: E501 - one bad call per line reads best as a table
"""Every bad argument of the public API raises MarginInputError with a clear message (issue 8).

Each case was found raising a raw TypeError / ValueError / IndexError / AttributeError, or
returning a number computed from garbage (a bool taken as 1, a price of 1e308 giving NaN).
"""

import numpy as np
import pytest

from margin_widgets.core import (
    Account,
    MarginInputError,
    Position,
    RiskTiers,
    Venue,
    attribute,
    compare_modes,
    monte_carlo,
    simulate,
)

V = Venue("flat", tiers=RiskTiers.flat(0.004))
P0 = Position("BTCUSDT", "long", 1, 60_000, 10)
A = Account(V, 10_000, [P0])
Ai = Account(V, 10_000, [Position("BTCUSDT", "long", 1, 60_000, 10, "isolated")])
path = {"BTCUSDT": [60_000, 59_000, 58_000]}

CASES = {
    "Account positions None": lambda: Account(V, 10_000, None),
    "Account positions str": lambda: Account(V, 10_000, "BTC"),
    "Account wallet None": lambda: Account(V, None, [P0]),
    "Account wallet True": lambda: Account(V, True, [P0]),
    "Account wallet 1e308": lambda: Account(V, 1e308, [P0]),
    "Account venue None": lambda: Account(None, 10_000, [P0]),
    "Account venue 3": lambda: Account(3, 10_000, [P0]),
    "Account venue unknown": lambda: Account("nope", 10_000, [P0]),
    "Position qty True": lambda: Position("BTCUSDT", "long", True, 60_000),
    "Position qty '1'": lambda: Position("BTCUSDT", "long", "1", 60_000),
    "Position entry 1e308": lambda: Account(V, 10_000, [Position("BTCUSDT", "long", 1, 1e308)]),
    "Position qty 1e300": lambda: Account(V, 10_000, [Position("BTCUSDT", "long", 1e300, 60_000)]),
    "Position lev True": lambda: Position("BTCUSDT", "long", 1, 60_000, True),
    "Position lev 1e9": lambda: Position("BTCUSDT", "long", 1, 60_000, 1e9),
    "Position symbol 3": lambda: Position(3, "long", 1, 60_000),
    "Position side None": lambda: Position("BTCUSDT", None, 1, 60_000),
    "Position side True": lambda: Position("BTCUSDT", True, 1, 60_000),
    "Position mode None": lambda: Position("BTCUSDT", "long", 1, 60_000, mode=None),
    "Position iso True": lambda: Position("BTCUSDT", "long", 1, 60_000, 10, "isolated", True),
    "Position cs True": lambda: Position("BTCUSDT", "long", 1, 60_000, contract_size=True),
    "RiskTiers.flat nan": lambda: RiskTiers.flat(float("nan")),
    "RiskTiers.flat 2": lambda: RiskTiers.flat(2.0),
    "RiskTiers.flat None": lambda: RiskTiers.flat(None),
    "RiskTiers.flat True": lambda: RiskTiers.flat(True),
    "RiskTiers.flat str": lambda: RiskTiers.flat("0.004"),
    "RiskTiers.flat amt -1": lambda: RiskTiers.flat(0.004, -1),
    "RiskTiers.flat lev 0": lambda: RiskTiers.flat(0.004, 0, 0),
    "from_brackets None": lambda: RiskTiers.from_brackets(None),
    "from_brackets []": lambda: RiskTiers.from_brackets([]),
    "from_brackets bad tuple": lambda: RiskTiers.from_brackets([(0,)]),
    "from_brackets str": lambda: RiskTiers.from_brackets("abc"),
    "from_brackets unsorted": lambda: RiskTiers.from_brackets([(0, 0.004, 10), (100, 0.005, 5), (50, 0.01, 2)]),
    "from_brackets nan": lambda: RiskTiers.from_brackets([(0, float("nan"), 10)]),
    "mm str": lambda: RiskTiers.flat(0.004).maintenance_margin("x"),
    "Venue name None": lambda: Venue(None),
    "Venue tiers None": lambda: Venue("x", tiers=None),
    "Venue taker True": lambda: Venue("x", taker_fee=True),
    "Venue funding nan": lambda: Venue("x", funding_interval_hours=float("nan")),
    "Venue price_decimals -1": lambda: Venue("x", price_decimals=-1),
    "Venue quote None": lambda: Venue("x", quote_currency=None),
    "Venue ratio style": lambda: Venue("x", margin_ratio_style="foo"),
    "marks None": lambda: A.margin_ratio(None),
    "marks missing": lambda: A.margin_ratio({}),
    "marks nan": lambda: A.margin_ratio({"BTCUSDT": float("nan")}),
    "marks neg": lambda: A.liquidation_price(0, {"BTCUSDT": -1}),
    "marks str": lambda: A.liquidation_price(0, {"BTCUSDT": "abc"}),
    "marks True": lambda: A.liquidation_price(0, {"BTCUSDT": True}),
    "lp index 5": lambda: A.liquidation_price(5, {"BTCUSDT": 1}),
    "lp index True": lambda: A.liquidation_price(True, {"BTCUSDT": 1}),
    "lp index '0'": lambda: A.liquidation_price("0", {"BTCUSDT": 1}),
    "upnl marks list": lambda: A.unrealized_pnl([1, 2]),
    "max_removable cross": lambda: A.max_removable_margin(0, {"BTCUSDT": 60_000}),
    "add_margin nan": lambda: Ai.add_margin(0, float("nan"), {"BTCUSDT": 60_000}),
    "add_margin str": lambda: Ai.add_margin(0, "x", {"BTCUSDT": 60_000}),
    "add_margin True": lambda: Ai.add_margin(0, True, {"BTCUSDT": 60_000}),
    "add_margin -5": lambda: Ai.add_margin(0, -5, {"BTCUSDT": 60_000}),
    "remove_margin -5": lambda: Ai.remove_margin(0, -5, {"BTCUSDT": 60_000}),
    "simulate string path": lambda: simulate(A, {"BTCUSDT": "abc"}),
    "simulate path None": lambda: simulate(A, {"BTCUSDT": None}),
    "simulate paths list": lambda: simulate(A, [1, 2]),
    "simulate path bools": lambda: simulate(A, {"BTCUSDT": [True, True]}),
    "simulate path 3d": lambda: simulate(A, {"BTCUSDT": np.ones((2, 2, 2))}),
    "simulate path ragged": lambda: simulate(A, {"BTCUSDT": [[1, 2], [1]]}),
    "simulate path 1e308": lambda: simulate(A, {"BTCUSDT": [60_000, 1e308]}),
    "simulate account None": lambda: simulate(None, path),
    "simulate funding_every nan": lambda: simulate(A, path, funding_every=float("nan")),
    "simulate funding_every 1.5": lambda: simulate(A, path, funding_every=1.5),
    "simulate funding_every str": lambda: simulate(A, path, funding_every="2"),
    "simulate funding_every True": lambda: simulate(A, path, funding_every=True),
    "simulate funding_rate nan": lambda: simulate(A, path, funding_every=1, funding_rate=float("nan")),
    "simulate funding_rate str": lambda: simulate(A, path, funding_every=1, funding_rate="x"),
    "simulate funding_rate 5": lambda: simulate(A, path, funding_every=1, funding_rate=5.0),
    "simulate times wrong": lambda: simulate(A, path, times=[1]),
    "simulate fees str": lambda: simulate(A, path, fees="no"),
    "simulate prices None": lambda: simulate(A, path, prices=None),
    "simulate events None": lambda: simulate(A, path, events=None),
    "simulate events str": lambda: simulate(A, path, events="x"),
    "simulate event bad step": lambda: simulate(A, path, events=[{"step": "a", "kind": "deposit", "amount": 1}]),
    "simulate event step True": lambda: simulate(A, path, events=[{"step": True, "kind": "deposit", "amount": 1}]),
    "simulate event step 1.5": lambda: simulate(A, path, events=[{"step": 1.5, "kind": "deposit", "amount": 1}]),
    "simulate event pos str": lambda: simulate(Ai, path, events=[{"step": 1, "kind": "add_margin", "amount": 1, "position": "0"}]),
    "simulate event amount True": lambda: simulate(A, path, events=[{"step": 1, "kind": "deposit", "amount": True}]),
    "simulate last_prices str": lambda: simulate(A, path, last_prices="x"),
    "simulate last_prices wrong": lambda: simulate(A, path, last_prices={"BTCUSDT": [1]}),
    "compare allocation str": lambda: compare_modes(A, path, allocation="x"),
    "compare allocation nan": lambda: compare_modes(A, path, allocation=[float("nan")]),
    "compare allocation True": lambda: compare_modes(A, path, allocation=[True]),
    "compare allocation neg": lambda: compare_modes(A, path, allocation=[-1]),
    "with_mode allocation None-list": lambda: A.with_mode("isolated", [None]),
    "mc band_points 0": lambda: monte_carlo(A, {"BTCUSDT": np.ones((2, 3)) * 60_000}, band_points=0),
    "attribute bad step": lambda: attribute(simulate(A, path), 0, 0, 9),
    "attribute step str": lambda: attribute(simulate(A, path), 0, "a", 1),
    "attribute path 5": lambda: attribute(simulate(A, path), 0, 0, 1, path=5),
    "attribute i True": lambda: attribute(simulate(A, path), True, 0, 1),
    "explain marks missing": lambda: A.explain(0, {}),
    "events path 5": lambda: simulate(A, path).events(5),
    "to_frame path 5": lambda: simulate(A, path).to_frame(5),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_raises_margin_input_error(name):
    with pytest.raises(MarginInputError) as info:
        CASES[name]()
    msg = str(info.value)
    assert len(msg) > 15 and "Traceback" not in msg


def test_the_good_calls_next_to_them_still_work():
    assert simulate(A, path, funding_every=2, funding_rate=0.0001).liquidated_at.tolist() == [-1]
    assert Account(V, 10_000, (P0,)).liquidation_price(0, {"BTCUSDT": 60_000}) > 0
    assert np.isfinite(A.margin_ratio({"BTCUSDT": np.float64(60_000)}))
