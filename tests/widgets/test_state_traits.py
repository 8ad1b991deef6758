"""Dashboard state is traits: scenario in, result out, step, error (STYLE.md pattern 11).

An analyst observes and links dashboards like any widget; an equal scenario runs nothing; a
refused one keeps the old scenario and says why; a hand-built venue reaches a dashboard.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from traitlets import TraitError, link

from margin_widgets.core import PRESETS, Position, RiskTiers
from margin_widgets.core.errors import MarginInputError
from margin_widgets.core.scenario import PathSpec, Scenario
from margin_widgets.core.venue import Venue
from margin_widgets.widgets import (
    CrossVsIsolated,
    LiquidationCalculator,
    MarginLab,
    MonteCarloExplorer,
    ScenarioIO,
    VenueComparison,
)

SMALL = {"n_paths": 40, "steps": 60, "background": False}


def test_an_analyst_observes_the_lab_result(engine_runs: Any) -> None:
    lab = MarginLab()
    seen: list[Any] = []
    lab.observe(lambda change: seen.append(change["new"]), names="result")
    engine_runs.reset()
    lab.scenario = lab.scenario.replace(wallet_balance=8_000.0)
    assert engine_runs.calls == 1 and len(seen) == 1
    assert seen[0] is lab.result and lab.result.account.wallet_balance == 8_000.0
    assert lab.wallet_input.value == 8_000.0          # the control shows the new scenario
    # an equal scenario (a new object) runs nothing and notifies nobody
    lab.scenario = lab.scenario.replace()
    assert engine_runs.calls == 1 and len(seen) == 1


def test_result_is_read_only() -> None:
    lab = MarginLab()
    with pytest.raises(TraitError):
        lab.result = None


def test_a_refused_scenario_keeps_the_old_one_and_sets_error(engine_runs: Any) -> None:
    lab = MarginLab()
    before, result = lab.scenario, lab.result
    errors: list[str] = []
    lab.observe(lambda change: errors.append(change["new"]), names="error")
    lab.scenario = before.replace(wallet_balance=-5.0)
    assert lab.scenario is before and lab.result is result
    assert "wallet balance" in lab.error and errors == [lab.error]
    assert "wallet balance" in lab.error_box.value
    assert lab.wallet_input.value == before.wallet_balance
    lab.scenario = before.replace(wallet_balance=9_000.0)
    assert lab.error == "" and lab.error_box.value == ""


def test_a_batch_of_assignments_runs_the_engine_once(engine_runs: Any) -> None:
    lab = MarginLab()
    engine_runs.reset()
    with lab.hold_trait_notifications():
        lab.scenario = lab.scenario.replace(wallet_balance=7_000.0)
        lab.scenario = lab.scenario.replace(fees=False)
    assert engine_runs.calls == 1
    assert lab.result.account.wallet_balance == 7_000.0 and lab.scenario.fees is False


def test_linked_steps_scrub_two_dashboards_together() -> None:
    lab = MarginLab(PRESETS["winner_and_loser"])
    cvi = CrossVsIsolated(PRESETS["winner_and_loser"])
    link((lab, "step"), (cvi, "step"))
    lab.time_slider.value = 300
    assert lab.step == 300 and cvi.step == 300 and cvi.time_slider.value == 300
    assert cvi.cross_numbers.step == 300 and cvi.isolated_numbers.step == 300
    cvi.time_slider.value = 120
    assert lab.step == 120 and lab.time_slider.value == 120
    # a step beyond the path is held at its last step
    lab.step = 10**9
    assert lab.step == lab.scenario.steps - 1


def test_every_dashboard_has_the_four_traits() -> None:
    dashboards = [MarginLab(), CrossVsIsolated(), LiquidationCalculator(), VenueComparison(),
                  MonteCarloExplorer("one_long", **SMALL)]
    for d in dashboards:
        assert d.has_trait("scenario") and d.has_trait("result")
        assert d.has_trait("step") and d.has_trait("error")
        assert isinstance(d.scenario, Scenario), type(d).__name__
        assert d.result is not None and d.error == ""


def test_the_calculator_shows_an_assigned_scenario() -> None:
    calc = LiquidationCalculator("bybit_linear")
    pos = calc.scenario.positions[0]
    calc.scenario = calc.scenario.replace(positions=(pos.with_(quantity=2.0),))
    assert calc.error == "" and calc.quantity_input.value == 2.0
    # Bybit's example doubled: long 2 BTC at 20,000, 50x isolated (margin 800), MMR 0.5 %
    # at entry -> the same 19,700 (the margin doubles with the size)
    assert calc.result.liquidation_price == pytest.approx(19_700.0, abs=1e-9)
    assert calc.result.initial_margin == pytest.approx(800.0)


def test_the_venue_comparison_holds_its_position_as_a_scenario() -> None:
    vc = VenueComparison()
    seen: list[Any] = []
    vc.observe(lambda change: seen.append(change["new"]), names="result")
    pos = vc.scenario.positions[0]
    vc.scenario = vc.scenario.replace(positions=(pos.with_(quantity=2.0),))
    assert len(seen) == 1 and vc.quantity_input.value == 2.0
    # same MMR 0.5 %, margin = initial margin 800 for 2 BTC at 50x: Bybit's 19,700 again
    assert vc.row("bybit_linear").liquidation_price == pytest.approx(19_700.0, abs=1e-6)
    same = vc.result
    vc.same_mmr = None                       # a rule change is a trait too: one run
    assert vc.rule_toggle.value == "own" and len(seen) == 2 and vc.result is not same
    assert any(r.mmr != 0.005 for r in vc.rows)    # some published bracket is not 0.5 %


def test_monte_carlo_runs_an_assigned_scenario_once() -> None:
    ex = MonteCarloExplorer("one_long", **SMALL)
    n = ex.run_count
    ex.scenario = PRESETS["funding_bleed"]
    assert ex.run_count == n + 1 and ex.scenario_dropdown.value == "funding_bleed"
    assert ex.last_run.scenario.positions == PRESETS["funding_bleed"].positions
    ex.n_paths = 50                          # linked to the Paths box
    assert ex.paths_input.value == 50 and ex.last_run.n_paths == 50


def _my_venue() -> Venue:
    return Venue("My venue", tiers=RiskTiers.flat(0.01))


def test_a_hand_built_venue_reaches_the_lab() -> None:
    mine = _my_venue()
    scen = Scenario(venue=mine, wallet_balance=10_000.0,
                    positions=(Position("BTCUSDT", "long", 1.0, 60_000.0, 10, "isolated"),),
                    paths={"BTCUSDT": PathSpec("linear", {"start": 60_000.0, "end": 50_000.0})},
                    steps=101, fees=False)
    lab = MarginLab(scen)
    assert lab.error == "" and lab.result.account.venue is mine
    assert lab.venue_dropdown.value is mine and "My venue" in lab.venue_dropdown.label
    # isolated long, margin 6,000 (60,000 / 10), flat MMR 1 % at the mark:
    # 6,000 + (P - 60,000) = 0.01 P  ->  P = 54,000 / 0.99 = 54,545.45...
    assert float(lab.result.liquidation_price[0, 0]) == pytest.approx(54_000 / 0.99, rel=1e-9)
    # the mark falls 100 a step: first at or below 54,545.45 at step 55
    assert int(lab.result.liquidated_at[0]) == 55
    # picking a preset venue and back to the hand-built one works through the dropdown
    lab.venue_dropdown.value = "binance_usdm"
    assert lab.scenario.venue == "binance_usdm"
    # a hand-built venue does not travel in a link or a file: said, not raised
    lab.scenario = scen
    io = ScenarioIO(lab)
    assert io.make_share_link() == "" and "hand-built" in io.message.value
    assert io.make_download() == "" and "hand-built" in io.message.value
    with pytest.raises(MarginInputError, match="hand-built"):
        scen.to_query()


def test_lesson_one_warning_follows_the_error_trait() -> None:
    from margin_widgets import lessons

    calc = lessons._calculator(lessons.L1)()
    assert calc.refusal_html.value == ""
    calc.wallet_input.value = 100.0          # 0.5 BTC at 60,000, 10x: 3,000 of initial margin
    assert "refuse" in calc.refusal_html.value and calc.error
    calc.wallet_input.value = 10_000.0
    assert calc.refusal_html.value == "" and calc.error == ""


def test_a_hand_built_venue_reaches_the_calculator() -> None:
    mine = _my_venue()
    calc = LiquidationCalculator(mine, quantity=1.0, entry_price=60_000.0, leverage=10,
                                 mode="isolated")
    assert calc.error == "" and calc.result.account.venue is mine
    assert calc.venue_dropdown.value is mine
    # the same arithmetic as in the lab: 54,000 / 0.99
    assert calc.result.liquidation_price == pytest.approx(54_000 / 0.99, rel=1e-9)
    calc.venue_dropdown.value = "binance_usdm"      # linear to linear: no conversion
    assert calc.scenario.venue == "binance_usdm" and calc.error == ""


def test_the_monte_carlo_app_opens_a_share_link_with_its_path_count(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from margin_widgets import apps

    ex = MonteCarloExplorer("one_long", **SMALL)
    ex.paths_input.value = 120
    ex.volatility_input.value = "150%"
    monkeypatch.setenv("QUERY_STRING", ex.share_query())
    box = apps._app(lambda: MonteCarloExplorer("hedged_pair", **SMALL), shareable=True)
    opened = next(c for c in box.children if isinstance(c, MonteCarloExplorer))
    assert opened.n_paths == 120 and opened.last_run.n_paths == 120
    assert opened.last_run.volatility == pytest.approx(1.5)
    assert "Opened the shared scenario" in box.children[1].value


# --- the Monte Carlo run settings are traits too -------------------------------------------

EVERY_SETTING = {"n_paths": 120, "steps": 90, "volatility": 1.5, "drift": -0.3, "seed": 11,
                 "leverage": 20}


def test_every_monte_carlo_setting_is_a_trait_linked_to_its_control() -> None:
    from margin_widgets.widgets.montecarlo import SETTINGS

    ex = MonteCarloExplorer("one_long", **SMALL)
    assert set(SETTINGS) == set(EVERY_SETTING)
    seen: list[tuple[str, Any]] = []
    ex.observe(lambda c: seen.append((c["name"], c["new"])), names=list(SETTINGS))
    runs = ex.run_count
    for name, value in EVERY_SETTING.items():
        setattr(ex, name, value)                  # from code: the control shows it, one run
        assert ex.error == "", (name, ex.error)
        assert getattr(ex.last_run, name, None) in (value, None), name
    assert ex.run_count == runs + len(EVERY_SETTING)
    assert seen == list(EVERY_SETTING.items())
    assert (ex.paths_input.value, ex.steps_input.value, ex.seed_input.value,
            ex.leverage_slider.value) == (120, 90, 11, 20)
    assert (ex.volatility_input.value, ex.drift_input.value) == ("150%", "-30%")
    assert ex.last_run.scenario.positions[0].leverage == 20
    # from the controls, typed as they are displayed: "60%" or "60" is 60 %
    ex.volatility_input.value = "60"
    assert ex.volatility == pytest.approx(0.6) and ex.volatility_input.value == "60%"
    ex.volatility_input.value = "75 %"
    assert ex.volatility == pytest.approx(0.75)
    ex.drift_input.value = "-20"
    assert ex.drift == pytest.approx(-0.2) and ex.last_run.drift == pytest.approx(-0.2)
    ex.drift_input.value = "35%"
    assert ex.drift == pytest.approx(0.35)
    ex.seed_input.value, ex.steps_input.value, ex.paths_input.value = 5, 70, 60
    ex.leverage_slider.value = 8
    assert (ex.seed, ex.steps, ex.n_paths, ex.leverage) == (5, 70, 60, 8)
    assert (ex.last_run.seed, ex.last_run.steps, ex.last_run.n_paths) == (5, 70, 60)


@pytest.mark.parametrize(("name", "bad", "words"), [
    ("volatility", 9.0, "volatility"), ("volatility", float("nan"), "volatility"),
    ("drift", -5.0, "drift"), ("seed", -1, "seed"), ("steps", 1, "steps"),
    ("n_paths", 5, "path count"), ("n_paths", 20_001, "path count"),
    ("leverage", 0, "leverage"), ("leverage", 500, "leverage"),
])
def test_a_refused_monte_carlo_setting_keeps_the_old_one_and_sets_error(
        name: str, bad: Any, words: str) -> None:
    ex = MonteCarloExplorer("one_long", **SMALL)
    before, runs, done = getattr(ex, name), ex.run_count, ex.last_run
    setattr(ex, name, bad)
    assert getattr(ex, name) == before and words in ex.error
    assert ex.run_count == runs and ex.last_run is done
    assert words in ex.error_box.value
    setattr(ex, name, before)                 # back to the value in force: the message goes
    assert ex.error == "" and ex.run_count == runs


def test_a_refused_typed_value_stays_in_its_box_and_the_setting_is_kept() -> None:
    ex = MonteCarloExplorer("one_long", **SMALL)
    runs = ex.run_count
    ex.volatility_input.value = "lots"
    assert "percentage" in ex.error and ex.volatility == pytest.approx(0.6)
    assert ex.volatility_input.value == "lots" and ex.run_count == runs
    ex.drift_input.value = "900%"
    assert "drift" in ex.error and ex.drift == 0.0
    ex.volatility_input.value = "60%"          # the value in force: nothing runs, all is well
    ex.drift_input.value = "0%"
    assert ex.error == "" and ex.run_count == runs


def test_an_equal_monte_carlo_setting_runs_nothing() -> None:
    ex = MonteCarloExplorer("one_long", **SMALL)
    runs = ex.run_count
    for name in EVERY_SETTING:
        setattr(ex, name, getattr(ex, name))
    ex.volatility_input.value = "60"           # 60 % is what runs already
    assert ex.run_count == runs


def test_a_batch_of_monte_carlo_settings_runs_once() -> None:
    ex = MonteCarloExplorer("one_long", **SMALL)
    runs = ex.run_count
    with ex.hold_trait_notifications():
        for name, value in EVERY_SETTING.items():
            setattr(ex, name, value)
        ex.scenario = PRESETS["funding_bleed"].replace(title="mine")
    assert ex.run_count == runs + 1 and ex.error == ""
    run = ex.last_run
    assert (run.n_paths, run.steps, run.seed) == (120, 90, 11)
    assert (run.volatility, run.drift) == (1.5, -0.3)
    assert run.scenario.title == "mine"
    assert {p.leverage for p in run.scenario.positions} == {20}


def test_a_batch_too_large_together_keeps_every_setting() -> None:
    ex = MonteCarloExplorer("hedged_pair", **SMALL)
    runs, done = ex.run_count, ex.last_run
    with ex.hold_trait_notifications():   # each fine alone; 2 x 20,000 x 20,000 together
        ex.steps, ex.n_paths, ex.seed = 20_000, 20_000, 99
    assert "too much work" in ex.error
    assert (ex.steps, ex.n_paths, ex.seed) == (60, 40, 7)
    assert ex.run_count == runs and ex.last_run is done


def test_the_monte_carlo_app_opens_a_share_link_with_every_setting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from margin_widgets import apps

    ex = MonteCarloExplorer("winner_and_loser", **SMALL)
    with ex.hold_trait_notifications():
        for name, value in EVERY_SETTING.items():
            setattr(ex, name, value)
    assert ex.error == ""
    monkeypatch.setenv("QUERY_STRING", ex.share_query())
    box = apps._app(lambda: MonteCarloExplorer("hedged_pair", **SMALL), shareable=True)
    opened = next(c for c in box.children if isinstance(c, MonteCarloExplorer))
    assert "Opened the shared scenario" in box.children[1].value
    for name, value in EVERY_SETTING.items():
        assert getattr(opened, name) == pytest.approx(value), name
    a, b = opened.last_run, ex.last_run       # the same run: positions, wallet and paths
    assert (a.n_paths, a.steps, a.volatility, a.drift, a.seed) == \
        (b.n_paths, b.steps, b.volatility, b.drift, b.seed)
    assert a.scenario.positions == b.scenario.positions
    assert a.scenario.wallet_balance == b.scenario.wallet_balance
    assert opened.result.numbers == ex.result.numbers
    for sym, fan in ex.paths.items():
        np.testing.assert_array_equal(opened.paths[sym], fan)


def test_a_refused_link_puts_back_every_monte_carlo_setting() -> None:
    ex = MonteCarloExplorer("one_long", **SMALL)
    before = {name: getattr(ex, name) for name in EVERY_SETTING}
    runs = ex.run_count
    # valid as data, but its own path is 2 prices for 300 steps: refused when it runs
    broken = PRESETS["winner_and_loser"].replace(
        steps=300, paths={"BTCUSDT": PathSpec("data", {"prices": [60_000.0, 59_000.0]}),
                          "ETHUSDT": PathSpec("constant", {"price": 3_000.0})},
        positions=tuple(p.with_(leverage=7) for p in PRESETS["winner_and_loser"].positions))
    assert not ex.set_scenario(broken, n_paths=300)
    assert "2 prices" in ex.error
    assert {name: getattr(ex, name) for name in EVERY_SETTING} == before
    assert (ex.paths_input.value, ex.steps_input.value, ex.leverage_slider.value) == \
        (before["n_paths"], before["steps"], before["leverage"])
    assert ex.scenario is PRESETS["one_long"]
    ex.seed = 8                                   # everything still works: one run
    assert ex.error == "" and ex.run_count == runs + 1 and ex.last_run.seed == 8


def test_a_downloaded_monte_carlo_scenario_keeps_its_run_settings() -> None:
    # a file has no place for the path count (the link's mc_paths); every other setting
    ex = MonteCarloExplorer("winner_and_loser", **SMALL)
    with ex.hold_trait_notifications():
        for name, value in EVERY_SETTING.items():
            setattr(ex, name, value)
    text = ScenarioIO(ex).make_download()
    other = MonteCarloExplorer("hedged_pair", **SMALL)
    assert ScenarioIO(other).load_text(text)
    for name, value in EVERY_SETTING.items():
        if name != "n_paths":
            assert getattr(other, name) == pytest.approx(value), name
    assert other.n_paths == SMALL["n_paths"]
