"""Every dashboard's ``result`` has one shape: ``core.results.DashboardResult``.

An analyst reads ``scenario``, ``kind``, ``numbers`` (each with a value, a unit and a
definition) and ``detail`` (the engine's own object) without knowing which dashboard the
result came from. The numbers are checked against Bybit's published example (long 1 BTC at
20,000, 50x, isolated, MMR 0.5 %, MM at entry: liquidation 19,700, initial margin 400,
maintenance margin 100; ``tests/reference/cases_public.json``) and against values computed here
from the margin model's equation (MARGIN_MODEL.md section 3) on the same prices.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from margin_widgets.core import Position, RiskTiers, Venue
from margin_widgets.core.results import KINDS, DashboardResult, Quantity
from margin_widgets.core.scenario import PathSpec, Scenario
from margin_widgets.core.simulation import SimulationResult
from margin_widgets.widgets import (
    CrossVsIsolated,
    LiquidationCalculator,
    MarginLab,
    MonteCarloExplorer,
    VenueComparison,
)

CASE = "bybit-usdt-isolated-long-example1"


@pytest.fixture
def bybit(cases: dict[str, Any]) -> dict[str, Any]:
    c = cases[CASE]
    inp = c["inputs"]
    assert (c["side"], inp["quantity"], inp["entry_price"], inp["leverage"], inp["mmr"]) == \
        ("long", 1.0, 20_000.0, 50, 0.005)
    return c


def btc(inp: dict[str, Any]) -> Position:
    return Position("BTCUSDT", "long", inp["quantity"], inp["entry_price"], inp["leverage"],
                    "isolated")


# the mark falls 9.99 a step from 20,000: first at or below 19,700 at step ceil(300 / 9.99) = 31
FALL = PathSpec("linear", {"start": 20_000.0, "end": 19_001.0})
FIRST_BELOW_19700 = math.ceil(300 / 9.99)


def lab_scenario(inp: dict[str, Any]) -> Scenario:
    return Scenario(venue="bybit_linear", wallet_balance=1_000.0, positions=(btc(inp),),
                    paths={"BTCUSDT": FALL}, steps=101, fees=False)


def compare_scenario(inp: dict[str, Any]) -> Scenario:
    # Cross vs Isolated explains its verdict with one position removed: it needs two
    eth = Position("ETHUSDT", "short", 1.0, 1_000.0, 10, "isolated")
    return Scenario(venue="bybit_linear", wallet_balance=1_000.0, positions=(btc(inp), eth),
                    paths={"BTCUSDT": FALL, "ETHUSDT": PathSpec("constant", {"price": 1e3})},
                    steps=101, fees=False)


def assert_common_shape(result: Any, kind: str) -> None:
    """The fields every dashboard's result has, whatever the dashboard."""
    assert isinstance(result, DashboardResult) and result.kind == kind and kind in KINDS
    assert isinstance(result.scenario, Scenario)
    assert isinstance(result.numbers, tuple) and result.numbers
    for q in result.numbers:
        assert isinstance(q, Quantity)
        assert q.unit.strip() and len(q.definition) > 20, q
        assert q.subject and q.text, q
        assert isinstance(q.value, float)
    rows = result.table()
    assert len(rows) == len(result.numbers)
    assert set(rows[0]) == {"name", "subject", "when", "value", "unit", "text", "definition"}
    # names and subjects identify each number once
    keys = [(q.name, q.subject, q.when) for q in result.numbers]
    assert len(keys) == len(set(keys))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = "other"                       # frozen
    with pytest.raises(KeyError, match="the result has"):
        result.number("no such quantity")


def test_the_lab_result(bybit: dict[str, Any]) -> None:
    exp = bybit["expected"]
    lab = MarginLab(lab_scenario(bybit["inputs"]))
    r = lab.result
    assert_common_shape(r, "simulation")
    assert r.scenario is lab.scenario and isinstance(r.detail, SimulationResult)
    pos = "position 1"
    q = r.number("liquidation price", pos)
    assert q.value == pytest.approx(exp["liquidation_price"], abs=1e-9)
    assert q.unit == "USDT per BTC" and q.text == "19,700.00 USDT" and q.when == "step 0"
    assert r.value("initial margin", pos) == pytest.approx(exp["initial_margin"])
    assert r.value("maintenance margin", pos) == pytest.approx(exp["maintenance_margin"])
    assert r.value("liquidation step", pos) == FIRST_BELOW_19700
    # the isolated margin is all the position could lose: 1,000 - 400 <= wallet <= 1,000
    wallet = r.value("wallet balance", "account")
    assert 1_000 - exp["initial_margin"] - 1e-9 <= wallet <= 1_000
    assert r.value("equity", "account") == pytest.approx(wallet)   # nothing left open
    # compatibility: the result still reads like the engine's SimulationResult
    assert r.equity is r.detail.equity and r.steps == 101


def test_the_cross_vs_isolated_result(bybit: dict[str, Any]) -> None:
    exp = bybit["expected"]
    cvi = CrossVsIsolated(compare_scenario(bybit["inputs"]))
    assert cvi.error == ""
    r = cvi.result
    assert_common_shape(r, "cross_vs_isolated")
    assert set(r.detail) == {"cross", "isolated"} and r["isolated"] is r.detail["isolated"]
    iso = "position 1 (BTCUSDT long, isolated)"
    assert r.value("liquidation price", iso) == pytest.approx(exp["liquidation_price"])
    assert r.value("initial margin", iso) == pytest.approx(exp["initial_margin"])
    assert r.value("maintenance margin", iso) == pytest.approx(exp["maintenance_margin"])
    assert r.value("liquidation step", iso) == FIRST_BELOW_19700
    # cross: the BTC long and the ETH short share the 1,000 wallet; with the ETH mark held at
    # its entry (uPnL 0) and MM at entry (100 for BTC, ETH 1,000 x 0.5 % = 5), equation (1):
    # 1,000 + (P - 20,000) = 100 + 5  ->  P = 19,105
    cross = "position 1 (BTCUSDT long, cross)"
    eth_mm = r.value("maintenance margin", "position 2 (ETHUSDT short, cross)")
    assert eth_mm == pytest.approx(1_000 * 0.005)
    assert r.value("liquidation price", cross) == pytest.approx(20_000 - 1_000 + 100 + eth_mm)
    # the mark falls 9.99 a step: first at or below 19,105 at step ceil(895 / 9.99) = 90
    assert r.value("liquidation step", cross) == math.ceil(895 / 9.99)
    assert "all cross" in r.number("equity", "all cross").subject


def test_the_calculator_result(bybit: dict[str, Any]) -> None:
    exp = bybit["expected"]
    calc = LiquidationCalculator("bybit_linear")      # opens on Bybit's example
    r = calc.result
    assert_common_shape(r, "calculator")
    assert r.scenario is calc.scenario and r.detail.liquidation_price == r.liquidation_price
    pos = "position 1"
    assert r.value("liquidation price", pos) == pytest.approx(exp["liquidation_price"])
    assert r.value("initial margin", pos) == pytest.approx(exp["initial_margin"])
    assert r.value("maintenance margin", pos, "at entry") == \
        pytest.approx(exp["maintenance_margin"])
    # bankruptcy: 400 + (P - 20,000) = 0; margin ratio = MM / margin balance = 100 / 400
    assert r.value("bankruptcy price", pos) == pytest.approx(19_600.0)
    assert r.value("margin ratio", pos, "at entry") == pytest.approx(0.25)
    assert r.number("margin ratio", pos, "at entry").text == "25.0 %"
    assert r.value("notional", pos) == pytest.approx(20_000.0)


def test_the_venue_comparison_result(bybit: dict[str, Any]) -> None:
    exp = bybit["expected"]
    vc = VenueComparison()                              # the same position, MMR 0.5 %
    r = vc.result
    assert_common_shape(r, "venue_comparison")
    assert list(r) == r.detail and vc.rows is r.detail
    assert r.value("liquidation price", "bybit_linear") == \
        pytest.approx(exp["liquidation_price"], abs=1e-6)
    assert r.value("maintenance margin", "bybit_linear") == \
        pytest.approx(exp["maintenance_margin"])
    assert r.value("maintenance margin rate", "bybit_linear") == 0.005
    assert r.value("distance to liquidation", "bybit_linear") == pytest.approx(-0.015)
    # MM at the mark (Binance): 400 + (P - 20,000) = 0.005 P  ->  P = 19,600 / 0.995
    assert r.value("liquidation price", "(binance_usdm)") == pytest.approx(19_600 / 0.995)


def test_the_monte_carlo_result(bybit: dict[str, Any]) -> None:
    inp = bybit["inputs"]
    # a hand-built venue with Bybit's rule (MM at entry) and the example's flat 0.5 %: its
    # full liquidation forfeits what is left of the pool (MARGIN_MODEL.md section 5)
    venue = Venue("Bybit-like", mm_basis="entry", tiers=RiskTiers.flat(inp["mmr"]))
    sc = Scenario(venue=venue, wallet_balance=1_000.0, positions=(btc(inp),),
                  paths={"BTCUSDT": PathSpec("constant", {"price": 20_000.0})}, steps=200,
                  fees=False)
    ex = MonteCarloExplorer(sc, n_paths=400, steps=200, volatility=1.0, seed=5,
                            background=False)
    r = ex.result
    assert_common_shape(r, "monte_carlo")
    assert set(r.detail) == {"cross", "isolated"} and r["cross"] is r.detail["cross"]
    fan = ex.paths["BTCUSDT"]
    end = fan[:, -1]
    # isolated: margin 400, liquidated at the first mark at or below 19,700, losing the 400
    iso_hit = (fan <= bybit["expected"]["liquidation_price"]).any(axis=1)
    iso_loss = np.where(iso_hit, bybit["expected"]["initial_margin"], 20_000.0 - end)
    # cross: the whole 1,000 wallet backs it: 1,000 + (P - 20,000) = 100 -> P = 19,100
    cross_hit = (fan <= 19_100.0).any(axis=1)
    cross_loss = np.where(cross_hit, 1_000.0, 20_000.0 - end)
    assert 0 < cross_hit.mean() < iso_hit.mean() < 1         # the case tells them apart
    for mode, hit, loss in (("isolated", iso_hit, iso_loss), ("cross", cross_hit, cross_loss)):
        sub = f"all {mode}"
        assert r.value("liquidation probability", sub) == pytest.approx(hit.mean())
        assert r.value("mean loss", sub) == pytest.approx(loss.mean(), rel=1e-9)
        assert r.value("loss 95th percentile", sub) == \
            pytest.approx(np.percentile(loss, 95), rel=1e-9)
        assert r.value("paths", sub) == 400
        assert r.number("liquidation probability", sub).unit == "fraction"
    assert r.scenario.paths["BTCUSDT"].generator == "gbm"    # the run's own recipe
    assert r.scenario.paths["BTCUSDT"].seed == 5


def test_the_same_code_reads_any_dashboard(bybit: dict[str, Any]) -> None:
    """What the shape is for: one function, any dashboard."""
    def liquidation_prices(dash: Any) -> dict[str, float]:
        return {q.subject: q.value for q in dash.result.numbers
                if q.name == "liquidation price"}

    inp = bybit["inputs"]
    for dash in (MarginLab(lab_scenario(inp)), LiquidationCalculator("bybit_linear"),
                 CrossVsIsolated(compare_scenario(inp)), VenueComparison()):
        found = liquidation_prices(dash)
        assert any(v == pytest.approx(19_700.0) for v in found.values()), type(dash).__name__


def test_a_new_run_is_a_new_result_and_the_old_one_is_unchanged(bybit: dict[str, Any]) -> None:
    lab = MarginLab(lab_scenario(bybit["inputs"]))
    first = lab.result
    lab.scenario = lab.scenario.replace(wallet_balance=2_000.0)
    assert lab.result is not first and lab.result != first
    assert first.value("liquidation price", "position 1") == pytest.approx(19_700.0)
    assert lab.result.scenario.wallet_balance == 2_000.0
