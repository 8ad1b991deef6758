"""MonteCarloExplorer: the charts show the engine's bands, independently recomputed."""

from __future__ import annotations

import numpy as np
import pytest

import margin_widgets.widgets.montecarlo as mcw
from margin_widgets.core import PRESETS, paths, simulate
from margin_widgets.widgets.montecarlo import MonteCarloExplorer, gbm_paths

SMALL = {"n_paths": 60, "steps": 120, "volatility": 0.9, "seed": 3, "chunk_size": 16}


def independent(scenario_key: str, n_paths: int, steps: int, volatility: float, drift: float,
                seed: int) -> dict[str, dict[str, np.ndarray]]:
    """Bands and probabilities from ``simulate`` on the same paths, with numpy percentiles."""
    sc = PRESETS[scenario_key]
    starts = {s: float(p[0]) for s, p in sc.mark_paths().items()}
    children = np.random.SeedSequence(seed).spawn(len(starts))
    fan = {s: paths.gbm(v, steps, drift=drift, volatility=volatility, n_paths=n_paths,
                        seed=np.random.default_rng(c))
           for (s, v), c in zip(starts.items(), children, strict=True)}
    out = {}
    for mode in ("cross", "isolated"):
        r = simulate(sc.account().with_mode(mode), fan, funding_rate=sc.funding_rate,
                     funding_every=sc.funding_every, fees=sc.fees)
        la = np.asarray(r.liquidated_at)
        first = np.where(la >= 0, la, steps).min(axis=0)
        prob = (first[None, :] <= np.arange(steps)[:, None]).mean(axis=1)
        out[mode] = {"equity": np.asarray(r.equity), "prob": prob, "fan": fan}
    return out


@pytest.mark.parametrize("key", ["one_long", "winner_and_loser"])
def test_charts_equal_independent_percentiles(key: str) -> None:
    ex = MonteCarloExplorer(key, background=False, **SMALL)
    assert ex.state == "done" and ex.error_message == ""
    ref = independent(key, 60, 120, 0.9, 0.0, 3)
    charts = ex.charts
    for mode in ("cross", "isolated"):
        res = ex.result[mode]
        steps = res.band_steps
        eq = ref[mode]["equity"][:, steps]
        q = np.percentile(eq, [5, 25, 50, 75, 95], axis=0)
        np.testing.assert_allclose(charts.outer_bands[mode].y, q[[0, 4]], atol=1e-6)
        np.testing.assert_allclose(charts.inner_bands[mode].y, q[[1, 3]], atol=1e-6)
        np.testing.assert_allclose(charts.median_lines[mode].y, q[2], atol=1e-6)
        np.testing.assert_array_equal(charts.median_lines[mode].x, steps)
        np.testing.assert_allclose(charts.probability_lines[mode].y, ref[mode]["prob"])
        np.testing.assert_allclose(charts.probability_lines[mode].y,
                                   res.liquidation_probability)
        np.testing.assert_allclose(res.final_equity, ref[mode]["equity"][:, -1], atol=1e-6)
    for s, fan in ref["cross"]["fan"].items():
        np.testing.assert_array_equal(ex.paths[s], fan)
    # the histogram holds every path once per mode
    np.testing.assert_allclose(charts.loss_bars.y.sum(axis=1), [1.0, 1.0])


def test_summary_in_words() -> None:
    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    text = ex.summary_html.value
    share = ex.liquidated_share()
    assert f"Cross: {share['cross'] * 100:.1f} %" in text or "Cross: no path" in text
    assert f"Isolated: {share['isolated'] * 100:.1f} %" in text
    assert "isolated margin" in text and "USDT" in text


def test_one_message_per_mark_per_run(recorder) -> None:
    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    recorder.reset()
    ex.seed_input.value = 4
    for mark in ex.charts.marks:
        assert len(recorder.messages_for(mark)) == 1
    # percentile bands, not lines per path: nothing sent grows with the number of paths
    for mark in ex.charts.marks:
        assert np.asarray(mark.y).shape[-1] <= 1_000


def test_cancel_keeps_previous_charts() -> None:
    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    before = ex.charts.median_lines["cross"].y.copy()
    result = ex.result

    def press_cancel(change):          # the person presses Cancel while the bar moves
        if change["new"] > 0:
            ex.cancel_button.click()

    ex.progress_bar.observe(press_cancel, names="value")
    ex.seed_input.value = 11
    assert ex.state == "cancelled"
    assert "cancelled" in ex.status.value
    assert ex.result is result
    np.testing.assert_array_equal(ex.charts.median_lines["cross"].y, before)
    assert ex.progress_bar.value < 100
    ex.progress_bar.unobserve(press_cancel, names="value")
    ex.run_button.click()
    assert ex.state == "done" and ex.result is not result


def test_background_run_and_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mcw, "BACKGROUND_WORK", 0)      # every run goes to the thread
    ex = MonteCarloExplorer("one_long", background=True, **SMALL)
    assert ex.wait(30)
    assert ex.state == "done"
    np.testing.assert_allclose(ex.charts.median_lines["isolated"].y,
                               ex.result["isolated"].equity_bands[2])
    assert ex.progress_box.layout.display == "none"
    result = ex.result

    def press_cancel(change):
        if change["new"] > 0:
            ex.cancel()

    ex.progress_bar.observe(press_cancel, names="value")
    ex.seed_input.value = 12
    assert ex.wait(30)
    assert ex.state == "cancelled" and ex.result is result
    assert not ex.run_button.disabled and ex.cancel_button.disabled


def test_invalid_input_shows_message_and_keeps_charts() -> None:
    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    before = ex.charts.outer_bands["cross"].y.copy()
    ex.seed_input.value = -1
    assert "seed" in ex.error_message
    np.testing.assert_array_equal(ex.charts.outer_bands["cross"].y, before)
    ex.seed_input.value = 3
    assert ex.error_message == ""


def test_scenario_switch_is_one_run_and_given_scenario() -> None:
    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    n = ex.run_count
    ex.scenario_dropdown.value = "funding_bleed"
    assert ex.run_count == n + 1
    assert ex.steps_input.value == PRESETS["funding_bleed"].steps
    given = PRESETS["hedged_pair"].replace(title="mine")
    ex2 = MonteCarloExplorer(given, background=False, **SMALL)
    assert ex2.base_scenario is given and ex2.state == "done"
    assert set(ex2.paths) == {"BTCUSDT", "ETHUSDT"}


def test_gbm_paths_reproducible() -> None:
    a = gbm_paths({"A": 100.0, "B": 50.0}, 10, 4, volatility=0.5, drift=0.1, seed=9)
    b = gbm_paths({"A": 100.0}, 10, 4, volatility=0.5, drift=0.1, seed=9)
    np.testing.assert_array_equal(a["A"], b["A"])
    assert a["B"][0, 0] == 50.0


def test_volatility_box_reads_what_it_shows() -> None:
    from margin_widgets.core.errors import MarginInputError
    from margin_widgets.widgets.montecarlo import format_volatility, parse_volatility

    assert parse_volatility("60%") == pytest.approx(0.6)
    assert parse_volatility("60") == pytest.approx(0.6)
    assert parse_volatility(format_volatility(3.0)) == pytest.approx(3.0)
    for bad in ("abc", "-5%", "900%"):
        with pytest.raises(MarginInputError):
            parse_volatility(bad)
    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    assert ex.volatility_input.value == "90%"
    ex.volatility_input.value = "60"
    assert ex.last_run.volatility == pytest.approx(0.6)
    before = ex.last_run
    ex.volatility_input.value = "lots"
    assert ex.error_message and ex.last_run is before     # previous run stays on screen


def test_share_link_keeps_volatility_paths_seed_and_leverage() -> None:
    from margin_widgets.core import Scenario

    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    ex.volatility_input.value = "300%"
    ex.paths_input.value = 500
    ex.leverage_slider.value = 20
    query = ex.share_query()
    assert "mc_paths=500" in query
    shared = Scenario.from_query(query)
    assert "[Monte Carlo" not in shared.description    # the path count is not in the text
    other = MonteCarloExplorer("hedged_pair", background=False, **SMALL)
    assert other.set_scenario(shared, **other.query_settings(query))
    assert other.paths_input.value == 500
    assert parse_vol(other.volatility_input.value) == pytest.approx(3.0)
    assert other.seed_input.value == 3 and other.leverage_slider.value == 20
    assert other.last_run.n_paths == 500 and other.last_run.volatility == pytest.approx(3.0)
    assert "[Monte Carlo" not in other.base_scenario.description
    # the same settings give the same run
    np.testing.assert_array_equal(other.paths["BTCUSDT"], ex.paths["BTCUSDT"])


def parse_vol(text: str) -> float:
    from margin_widgets.widgets.montecarlo import parse_volatility

    return parse_volatility(text)


def test_leverage_control_sets_the_isolated_margin() -> None:
    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    assert ex.leverage_slider.value == 10
    ex.leverage_slider.value = 20
    acct = ex.result["isolated"].account
    assert acct.positions[0].leverage == 20
    assert acct.isolated_margins[0] == pytest.approx(60_000 / 20)


def test_summary_signs_say_what_they_mean() -> None:
    from margin_widgets.core import Account, Position, monte_carlo

    acct = Account("binance_usdm", 10_000, [Position("BTCUSDT", "long", 0.1, 60_000, 5)])
    up = np.linspace(60_000, 66_000, 50)[None, :].repeat(3, axis=0)
    text = mcw.summary_text(monte_carlo(acct, {"BTCUSDT": up}), "USDT")
    assert "a gain of" in text and "−" not in text and "still end with a gain" in text


def test_monte_carlo_legends_sit_under_the_plots_and_every_figure_saves_png():
    # issue 13: legends never cover data (bqplot draws its own inside the plot area), and
    # every figure has Save PNG
    from margin_widgets.widgets import MonteCarloExplorer

    ex = MonteCarloExplorer("one_long", n_paths=40, steps=100, background=False)
    assert not any(getattr(m, "display_legend", False) for m in ex.charts.marks)
    for name, panel in ex.charts.panels.items():
        fig, row = panel.children
        assert fig in ex.charts.figures, name
        legend, button = row.children
        assert "mw-legend" in legend.value and "mw-save-png" in button._dom_classes


def test_monte_carlo_explorer_applies_the_scenarios_transfers():
    # issue 10: the dashboard used to drop a scenario's scheduled transfers
    import numpy as np

    from margin_widgets import lessons
    from margin_widgets.core import monte_carlo
    from margin_widgets.widgets import MonteCarloExplorer

    sc = lessons.L11_SCENARIO
    assert sc.events, "the lesson's scenario schedules a top-up"
    ex = MonteCarloExplorer("one_long", n_paths=300, steps=400, background=False)
    assert ex.set_scenario(sc), ex.error_message
    got = ex.result["isolated"].liquidated_at
    acct = ex.last_run.scenario.account()
    kw = dict(funding_rate=sc.funding_rate, funding_every=sc.funding_every, fees=sc.fees)
    with_events = monte_carlo(acct, ex.paths, events=sc.events, **kw)["isolated"]
    without = monte_carlo(acct, ex.paths, **kw)["isolated"]
    np.testing.assert_array_equal(got, with_events.liquidated_at)
    assert not np.array_equal(with_events.liquidated_at, without.liquidated_at)


def test_an_old_link_with_the_path_count_in_its_description_still_opens() -> None:
    from margin_widgets.core import Scenario

    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    ex.paths_input.value = 300
    old = ex.share_scenario()
    old = old.replace(description=f"{old.description} [Monte Carlo: 300 paths]")
    other = MonteCarloExplorer("hedged_pair", background=False, **SMALL)
    assert other.set_scenario(Scenario.from_query(old.to_query()))
    assert other.n_paths == 300 and other.last_run.n_paths == 300
    assert "[Monte Carlo" not in other.scenario.description


def test_a_bad_path_count_in_a_link_is_refused_with_a_message() -> None:
    from margin_widgets.core.errors import MarginInputError

    ex = MonteCarloExplorer("one_long", background=False, **SMALL)
    with pytest.raises(MarginInputError, match="paths"):
        ex.query_settings("scenario=x&mc_paths=5")
    with pytest.raises(MarginInputError, match="whole number"):
        ex.query_settings("scenario=x&mc_paths=-3")
    assert ex.query_settings("scenario=x") == {}
