"""The Margin Lab without a browser: model state, engine runs and comm messages."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from bqplot.traits import array_to_json

from margin_widgets.charts import style
from margin_widgets.charts.figures import PriceChart
from margin_widgets.core import Position
from margin_widgets.core.decimate import decimate_indices
from margin_widgets.core.scenario import PRESETS, PathSpec, Scenario
from margin_widgets.core.simulation import simulate
from margin_widgets.widgets import MarginLab, account_at, default_lab_scenario, marks_at
from margin_widgets.widgets.base import GENERIC_ERROR
from margin_widgets.widgets.lab import PRICE_POINTS, SMALL_POINTS


def arr(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=float)


def csv_value(text: str, name: str = "path.csv") -> tuple[dict[str, Any], ...]:
    data = text.encode()
    return ({"name": name, "type": "text/csv", "size": len(data),
             "content": memoryview(data),
             "last_modified": datetime(2024, 1, 1, tzinfo=UTC)},)


def core_run(scenario: Scenario):
    """The engine on the same scenario, independently of the dashboard."""
    return simulate(scenario.account(), scenario.mark_paths(), **scenario.sim_kwargs())


def assert_series(chart_y: Any, core: np.ndarray, rtol: float = 1e-6, atol: float = 0.0):
    """A mark's rows equal the core's, NaN for NaN; the last point of a row that ends in NaN
    is finite on the chart (bqplot needs it, see charts.figures.finite_tail)."""
    chart = arr(chart_y).reshape(core.shape)
    np.testing.assert_allclose(chart[..., :-1], core[..., :-1], rtol=rtol, atol=atol,
                               equal_nan=True)
    ok = np.isfinite(core[..., -1])
    np.testing.assert_allclose(chart[..., -1][ok], core[..., -1][ok], rtol=rtol, atol=atol)
    assert np.isfinite(chart[..., -1]).all()


def liq_keep(result) -> list[int]:
    keep = []
    for k in result.liquidated_at.tolist():
        if k >= 0:
            keep += [k, max(0, k - 1)]
    return keep


def snapshot(lab: MarginLab) -> dict[str, Any]:
    return {
        "scenario": lab.scenario,
        "result": lab.result,
        "liq": arr(lab.price_chart.liquidation_lines.y).copy(),
        "mark": arr(lab.price_chart.mark_line.y).copy(),
        "equity": arr(lab.balance_chart.equity_lines.y).copy(),
        "pnl": arr(lab.pnl_chart.long_lines.y).copy(),
        "mb": arr(lab.margin_chart.balance_lines.y).copy(),
    }


def assert_unchanged(lab: MarginLab, before: dict[str, Any]) -> None:
    assert lab.scenario is before["scenario"]
    assert lab.result is before["result"]
    np.testing.assert_array_equal(arr(lab.price_chart.liquidation_lines.y), before["liq"])
    np.testing.assert_array_equal(arr(lab.price_chart.mark_line.y), before["mark"])
    np.testing.assert_array_equal(arr(lab.balance_chart.equity_lines.y), before["equity"])
    np.testing.assert_array_equal(arr(lab.pnl_chart.long_lines.y), before["pnl"])
    np.testing.assert_array_equal(arr(lab.margin_chart.balance_lines.y), before["mb"])


@pytest.fixture
def lab(recorder) -> MarginLab:
    return MarginLab()


# -- first screen --------------------------------------------------------------------------------


def test_first_screen_shows_a_liquidation(lab: MarginLab) -> None:
    assert lab.error_message == ""
    assert lab.recompute_count == 1
    assert lab.scenario == default_lab_scenario()
    assert (lab.result.liquidated_at >= 0).any()
    markers = lab.price_chart.liquidation_markers
    assert arr(markers.x).size >= 1
    text = str(np.asarray(markers.names)[0])
    assert "liquidated at step 312" in text and "loss 3,000.00 USDT" in text
    for fig, role in ((lab.price_figure, "price"), (lab.balance_figure, "balance"),
                      (lab.pnl_figure, "pnl"), (lab.margin_figure, "margin")):
        assert f"mw-{role}-figure" in fig._dom_classes
        assert all(ax.label for ax in fig.axes)
    assert "USDT" in lab.price_chart.y_axis.label
    assert lab.wallet_input.value == 10_000
    assert len(lab.leverage_sliders) == 2
    assert all(w.description and w.tooltip for w in (
        lab.wallet_input, lab.venue_dropdown, lab.fees_checkbox, lab.funding_rate_input,
        lab.funding_interval_input, lab.time_slider, lab.mode_toggle,
        lab.path_editor.generator_dropdown, lab.path_editor.shock_button,
        *lab.leverage_sliders, *(r.quantity_input for r in lab.position_rows)))


def test_chart_arrays_equal_what_the_core_computes(recorder) -> None:
    # long enough to be decimated: 5,000 steps -> at most about PRICE_POINTS per line
    scen = default_lab_scenario().replace(steps=5_000)
    lab = MarginLab(scen)
    ref = core_run(scen)
    sym = "BTCUSDT"
    idx = decimate_indices([ref.marks[sym]], PRICE_POINTS, liq_keep(ref))
    assert PRICE_POINTS // 4 < idx.size <= PRICE_POINTS + 100
    np.testing.assert_array_equal(arr(lab.price_chart.mark_line.x), idx)
    np.testing.assert_allclose(arr(lab.price_chart.mark_line.y), ref.marks[sym][idx],
                               rtol=1e-6)
    rows = [i for i, p in enumerate(scen.positions) if p.symbol == sym]
    assert_series(lab.price_chart.liquidation_lines.y, ref.liquidation_price[rows][:, idx])
    assert_series(lab.price_chart.bankruptcy_lines.y, ref.bankruptcy_price[rows][:, idx])
    # the liquidation marker sits on the mark at the engine's liquidation step
    k = int(ref.liquidated_at[0])
    assert arr(lab.price_chart.liquidation_markers.x).tolist() == [k]
    np.testing.assert_allclose(arr(lab.price_chart.liquidation_markers.y),
                               [ref.marks[sym][k]], rtol=1e-6)
    # small charts: their own indices (the extremes of the mark paths and every event), the
    # same engine arrays
    small = decimate_indices(np.vstack([*ref.marks.values()]), SMALL_POINTS // len(ref.marks),
                             liq_keep(ref))
    x = arr(lab.balance_chart.equity_lines.x)
    np.testing.assert_array_equal(x, small)
    np.testing.assert_allclose(arr(lab.balance_chart.equity_lines.y).ravel(),
                               ref.equity[small], rtol=1e-6)
    np.testing.assert_allclose(arr(lab.balance_chart.wallet_lines.y).ravel(),
                               ref.wallet_balance[small], rtol=1e-6)
    longs = [i for i, p in enumerate(scen.positions) if p.side == "long"]
    assert_series(lab.pnl_chart.long_lines.y, ref.unrealized_pnl[longs][:, small], rtol=1e-5,
                  atol=1e-3)
    # two isolated pools: margin balance and maintenance margin per pool
    assert_series(lab.margin_chart.balance_lines.y, ref.pool_margin_balance[:, small])
    assert_series(lab.margin_chart.maintenance_lines.y, ref.pool_maintenance_margin[:, small])
    assert_series(lab.margin_chart.ratio_lines.y,
                  np.minimum(ref.pool_margin_ratio[:, small], 1.5))
    # explicit bounds: the 100 % line is always on the ratio axis
    assert lab.margin_chart.ratio_scale.max >= 1.1


# -- one run, one message per mark ---------------------------------------------------------------


def test_a_change_is_one_engine_run_and_one_message_per_mark(lab, recorder, engine_runs):
    recorder.reset()
    before = lab.recompute_count
    # as the browser sends it
    lab.leverage_sliders[0].set_state({"value": 5.0})
    assert engine_runs.calls == 1
    assert lab.recompute_count == before + 1
    assert lab.error_message == ""
    assert lab.scenario.positions[0].leverage == 5.0
    marks = [m for chart in lab.charts for m in chart.figure.marks]
    for mark in marks:
        assert len(recorder.messages_for(mark)) <= 1, mark
    # leverage 5x doubles the isolated margin: its liquidation line and the balances move
    for mark in (lab.price_chart.liquidation_lines, lab.margin_chart.balance_lines):
        msgs = recorder.messages_for(mark)
        assert len(msgs) == 1 and "y" in msgs[0]["state"]
    # the path did not change: the mark line is not sent again
    assert recorder.messages_for(lab.price_chart.mark_line) == []
    ref = core_run(lab.scenario)
    assert lab.result.liquidated_at.tolist() == ref.liquidated_at.tolist()


def test_a_preset_load_is_one_run(lab, engine_runs):
    before = lab.recompute_count
    lab.scenario_picker.value = "flash_crash"
    assert engine_runs.calls == 1
    assert lab.recompute_count == before + 1
    assert lab.scenario == PRESETS["flash_crash"]
    assert lab.wallet_input.value == 3_000
    assert len(lab.position_rows) == 1
    assert lab.leverage_sliders[0].value == 20
    assert lab.path_editor.generator_dropdown.value == "shock"
    assert lab.time_slider.max == 599
    assert lab.mode_toggle.value == "cross"
    engine_runs.reset()
    assert lab.set_scenario(PRESETS["hedged_pair"])
    assert engine_runs.calls == 1
    assert lab.scenario == PRESETS["hedged_pair"]
    assert [w.value for w in lab.leverage_sliders] == [10, 10]


def test_a_modified_preset_can_be_picked_again(lab, engine_runs):
    # the first screen is a preset; an edit makes it "changed", picking it again resets it
    assert lab.scenario_picker.value == "winner_and_loser_isolated"
    lab.wallet_input.value = 11_000
    assert lab.scenario_picker.value is None
    assert "Changed from “Winner and loser, isolated”" in (
        lab.scenario_picker.description_html.value)
    engine_runs.calls = 0
    lab.scenario_picker.value = "winner_and_loser"
    assert lab.scenario == PRESETS["winner_and_loser"] and engine_runs.calls == 1
    assert lab.scenario_picker.value == "winner_and_loser"
    lab.wallet_input.value = 12_000
    assert lab.scenario_picker.value is None


def test_a_batch_of_changes_is_one_run(lab, engine_runs):
    before = lab.recompute_count
    with lab.batch():
        lab.wallet_input.value = 9_000
        lab.fees_checkbox.value = False
        lab.leverage_sliders[0].value = 5.0
        assert engine_runs.calls == 0
    assert engine_runs.calls == 1 and lab.recompute_count == before + 1
    s = lab.scenario
    assert (s.wallet_balance, s.fees, s.positions[0].leverage) == (9_000, False, 5.0)


def test_info_label_carries_its_definition(recorder):
    from margin_widgets.widgets import info_label

    w = info_label("Equity")
    assert "title='Wallet balance + unrealized PnL of every open position.'" in w.value
    assert "mw-info-label" in w._dom_classes
    assert "title='x &lt; y'" in info_label("Odd", "x < y").value


def test_mode_toggle_switches_every_position_with_one_run(lab, engine_runs):
    lab.mode_toggle.value = "cross"
    assert engine_runs.calls == 1
    assert [p.mode for p in lab.scenario.positions] == ["cross", "cross"]
    assert [r.mode_toggle.value for r in lab.position_rows] == ["cross", "cross"]
    # the winner props up the loser in cross: nobody is liquidated
    assert lab.result.liquidated_at.tolist() == [-1, -1]
    assert arr(lab.price_chart.liquidation_markers.x).size == 0
    lab.mode_toggle.value = "isolated"
    assert lab.result.liquidated_at.tolist()[0] == 312
    # a mixed account shows no single mode
    lab.position_rows[1].mode_toggle.value = "cross"
    assert lab.mode_toggle.value is None


# -- bad input keeps the state -------------------------------------------------------------------


def test_negative_wallet_is_refused(lab, engine_runs):
    before = snapshot(lab)
    lab.wallet_input.set_state({"value": -5.0})
    assert "wallet balance must be a positive" in lab.error_message
    assert "wallet balance must be a positive" in lab.error_box.value
    assert engine_runs.calls == 0
    assert_unchanged(lab, before)
    assert lab.wallet_input.value == 10_000


def test_zero_quantity_is_refused(lab):
    before = snapshot(lab)
    lab.position_rows[0].quantity_input.value = 0.0
    assert lab.error_message == "quantity must be a positive finite number, got 0"
    assert_unchanged(lab, before)
    assert lab.position_rows[0].quantity_input.value == 0.5


def test_leverage_above_the_bracket_maximum_is_refused(lab):
    row = lab.position_rows[0]
    assert row.leverage_slider.max == 125  # 30,000 USDT of BTC: the first bracket
    row.leverage_slider.value = 125
    assert lab.error_message == ""
    before = snapshot(lab)
    row.quantity_input.value = 5.0  # 300,000 USDT: this bracket allows at most 100x
    assert "leverage 125x is above" in lab.error_message
    assert "maximum of 100x" in lab.error_message
    assert_unchanged(lab, before)
    assert row.quantity_input.value == 0.5
    # the slider's maximum follows the size
    row.leverage_slider.value = 50
    row.quantity_input.value = 5.0
    assert lab.error_message == ""
    assert row.leverage_slider.max == 100


def test_nan_price_in_csv_is_refused_with_its_line(lab):
    before = snapshot(lab)
    lab.path_editor.csv_upload.value = csv_value(
        "timestamp,price\n1,60000\n2,nan\n3,59000\n", "bad.csv")
    assert "bad.csv" in lab.error_message and "line 3" in lab.error_message
    assert_unchanged(lab, before)
    assert lab.path_editor.csv_upload.value == ()


def test_an_unexpected_error_shows_a_short_message_and_is_logged(lab, monkeypatch, caplog):
    before = snapshot(lab)

    def broken(scenario):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(lab, "_run", broken)
    with caplog.at_level(logging.ERROR, logger="margin_widgets"):
        lab.wallet_input.value = 9_000
    assert lab.error_message == GENERIC_ERROR
    assert "Traceback" not in lab.error_box.value and "exploded" not in lab.error_box.value
    assert "engine exploded" in caplog.text
    assert_unchanged(lab, before)
    assert lab.wallet_input.value == 10_000
    # the next good change clears the message
    monkeypatch.undo()
    lab.wallet_input.value = 9_000
    assert lab.error_message == "" and lab.scenario.wallet_balance == 9_000


# -- path editing --------------------------------------------------------------------------------


def test_dragging_a_control_point_redraws_the_path_and_the_charts(lab, recorder, engine_runs):
    points = lab.path_editor.control_points
    assert points.visible and points.enable_move and points.restrict_y
    old_mark = arr(lab.price_chart.mark_line.y).copy()
    y = arr(points.y).copy()
    y[2] = 47_000.0  # the browser drags the point at step 400 down
    recorder.reset()
    points.set_state({"y": array_to_json(y.astype(np.float32))})
    assert engine_runs.calls == 1
    assert lab.error_message == ""
    spec = lab.scenario.paths["BTCUSDT"]
    assert spec.generator == "piecewise"
    assert spec.params["points"][2] == (400.0, 47_000.0)
    assert lab.result.marks["BTCUSDT"][400] == pytest.approx(47_000.0)
    assert not np.array_equal(arr(lab.price_chart.mark_line.y), old_mark)
    assert len(recorder.messages_for(lab.price_chart.mark_line)) == 1
    ref = core_run(lab.scenario)
    assert lab.result.liquidated_at.tolist() == ref.liquidated_at.tolist()


def test_a_bad_drag_is_refused_and_the_point_goes_back(lab):
    points = lab.path_editor.control_points
    y0 = arr(points.y).copy()
    before = snapshot(lab)
    y = y0.copy()
    y[1] = -10.0
    points.set_state({"y": array_to_json(y.astype(np.float32))})
    assert "price" in lab.error_message and "positive" in lab.error_message
    assert_unchanged(lab, before)
    np.testing.assert_array_equal(arr(points.y), y0)


def test_shock_button_drops_the_path_at_the_scrubbed_step(lab, engine_runs):
    lab.time_slider.value = 200
    old = np.asarray(lab.result.marks["BTCUSDT"]).copy()
    lab.path_editor.shock_button.click()
    assert engine_runs.calls == 1
    new = np.asarray(lab.result.marks["BTCUSDT"])
    assert new[199] == pytest.approx(old[199])
    assert new[200] == pytest.approx(0.8 * old[200])
    assert new[-1] == pytest.approx(0.8 * old[-1])


def test_generator_and_parameters(lab, engine_runs):
    editor = lab.path_editor
    first = float(lab.result.marks["BTCUSDT"][0])
    editor.generator_dropdown.value = "gbm"
    spec = lab.scenario.paths["BTCUSDT"]
    assert spec.generator == "gbm" and spec.params["start"] == pytest.approx(first)
    assert not lab.path_editor.control_points.visible
    assert editor.seed_input.layout.display is None
    editor.param_inputs["volatility"].value = 1.2
    assert lab.scenario.paths["BTCUSDT"].params["volatility"] == 1.2
    editor.seed_input.value = 5
    assert lab.scenario.paths["BTCUSDT"].seed == 5
    assert engine_runs.calls == 3
    ref = core_run(lab.scenario)
    np.testing.assert_array_equal(lab.result.marks["BTCUSDT"], ref.marks["BTCUSDT"])
    # back to drawing: points sampled from the current path
    editor.generator_dropdown.value = "piecewise"
    assert lab.path_editor.control_points.visible
    assert len(lab.scenario.paths["BTCUSDT"].params["points"]) == 7


def test_csv_upload_loads_prices_as_a_data_path(lab):
    rows = "\n".join(f"2024-01-01T{h:02d}:00:00,{60_000 - 400 * h}" for h in range(24))
    lab.path_editor.csv_upload.value = csv_value("timestamp,price\n" + rows + "\n")
    assert lab.error_message == ""
    assert lab.scenario.steps == 24
    spec = lab.scenario.paths["BTCUSDT"]
    assert spec.generator == "data" and len(spec.params["prices"]) == 24
    assert lab.result.marks["BTCUSDT"][-1] == 60_000 - 400 * 23
    # the other symbol's drawn points were stretched to the new length
    assert max(x for x, _ in lab.scenario.paths["ETHUSDT"].params["points"]) == 23
    assert lab.time_slider.max == 23


def test_symbol_toggle_switches_the_price_chart_without_a_run(lab, engine_runs):
    lab.path_editor.symbol_toggle.value = "ETHUSDT"
    assert engine_runs.calls == 0
    assert lab.price_chart.symbol == "ETHUSDT"
    assert "ETHUSDT" in lab.price_chart.y_axis.label
    np.testing.assert_allclose(arr(lab.price_chart.mark_line.y)[0], 3_000)


# -- time --------------------------------------------------------------------------------------


def test_scrubbing_moves_numbers_and_cursors_without_an_engine_run(lab, recorder, engine_runs):
    before = lab.recompute_count
    eq0 = lab.numbers.values["equity"]
    recorder.reset()
    lab.time_slider.value = 500
    assert engine_runs.calls == 0 and lab.recompute_count == before
    res = lab.result
    assert lab.numbers.values["equity"] == style.fmt_money(res.equity[500], "USDT") != eq0
    assert lab.numbers.values["liquidation price #1"] == "closed"
    assert lab.numbers.values["liquidation price #2"] == style.fmt_price(
        res.liquidation_price[1, 500], 2, "USDT")
    assert "500 of 799" in lab.numbers.heading.value
    for chart in lab.charts:
        assert arr(chart.cursor_line.x).tolist() == [500, 500]
        assert len(recorder.messages_for(chart.cursor_line)) == 1
        for mark in chart.data_marks:
            assert recorder.messages_for(mark) == []


def test_explanation_matches_the_charted_price_at_the_step(lab):
    lab.time_slider.value = 250
    lab.numbers.show_terms.value = True
    assert "mw-explain" in lab.numbers.explanation_html.value
    assert "LP = (WB" in lab.numbers.formula_html.value
    lp = lab.result.liquidation_price[0, 250]
    assert f"{lp:,.2f}" in lab.numbers.values["explanation"]
    lab.numbers.explain_dropdown.value = 1
    assert "ETHUSDT" in lab.numbers.values["explanation"]


@pytest.mark.parametrize("key", ["funding_bleed", "winner_and_loser", "hedged_pair"])
def test_account_at_reproduces_the_engine_price(key):
    scen = PRESETS[key]
    if key == "winner_and_loser":  # isolated, with a margin top-up along the way
        scen = default_lab_scenario().replace(
            events=({"step": 150, "kind": "add_margin", "amount": 500.0, "position": 0},))
    res = core_run(scen)
    for t in (0, 40, 150, 151, 260, res.steps - 1):
        try:
            acct, index = account_at(res, t)
        except Exception:
            continue
        marks = marks_at(res, t)
        for j, i in enumerate(index):
            want = res.liquidation_price[i, t]
            got = acct.liquidation_price(j, marks)
            assert got == pytest.approx(want, rel=1e-9, nan_ok=True), (key, t, i)


# -- positions -----------------------------------------------------------------------------------


def test_margin_buttons_move_margin_at_the_scrubbed_step(lab, engine_runs):
    row = lab.position_rows[0]
    lab.time_slider.value = 100
    lp_before = lab.result.liquidation_price[0].copy()
    row.margin_amount_input.value = 500.0
    row.add_margin_button.click()
    assert lab.error_message == ""
    assert engine_runs.calls == 1
    ev = lab.scenario.events[-1]
    assert (ev.step, ev.kind, ev.amount, ev.position) == (100, "add_margin", 500.0, 0)
    lp = lab.result.liquidation_price[0]
    assert lp[99] == pytest.approx(lp_before[99])
    assert lp[100] < lp_before[100]  # more margin: the long's liquidation price drops
    assert arr(lab.price_chart.transfer_markers.x).tolist() == [100]
    # too much: the engine's reason, nothing changes
    before = snapshot(lab)
    row.margin_amount_input.value = 1e6
    row.add_margin_button.click()
    assert lab.error_message.startswith("cannot add 1,000,000.00 USDT")
    assert_unchanged(lab, before)
    # removing more than the rule allows is refused too
    row.remove_margin_button.click()
    assert lab.error_message.startswith("cannot remove")
    # at step 0 the starting isolated margin changes
    lab.time_slider.value = 0
    row.margin_amount_input.value = 250.0
    row.add_margin_button.click()
    assert lab.scenario.positions[0].isolated_margin == 3_250.0
    assert row.isolated_margin_input.value == 3_250.0


def test_margin_buttons_on_a_cross_position_explain_why_not(lab):
    lab.mode_toggle.value = "cross"
    row = lab.position_rows[0]
    assert row.add_margin_button.disabled
    before = snapshot(lab)
    lab.positions_editor._emit(
        __import__("margin_widgets.widgets.controls", fromlist=["x"]).margin_transfer_edit(
            0, 100.0, False))
    assert "cross mode" in lab.error_message
    assert_unchanged(lab, before)


def test_add_and_remove_positions(lab, engine_runs):
    lab.positions_editor.add_button.click()
    assert len(lab.scenario.positions) == 3 and len(lab.position_rows) == 3
    new = lab.scenario.positions[2]
    assert new.symbol == "BTCUSDT" and new.mode == "cross"
    assert new.entry_price == pytest.approx(60_000)
    lab.position_rows[0].remove_button.click()
    assert [p.symbol for p in lab.scenario.positions] == ["ETHUSDT", "BTCUSDT"]
    assert len(lab.position_rows) == 2
    assert lab.position_rows[0].symbol_input.value == "ETHUSDT"
    assert engine_runs.calls == 2
    # the engine refuses an account with nothing to simulate
    lab.position_rows[0].remove_button.click()
    lab.position_rows[0].remove_button.click()
    assert "no position" in lab.error_message
    assert len(lab.scenario.positions) == 1 and len(lab.position_rows) == 1
    lab.positions_editor.add_button.click()
    # a new symbol gets a flat path at its entry price
    lab.position_rows[1].symbol_input.value = "ethusdt"
    assert lab.scenario.positions[1].symbol == "ETHUSDT"
    assert lab.scenario.positions[1].entry_price == pytest.approx(3_000)


def test_account_controls(lab):
    lab.fees_checkbox.value = False
    assert lab.scenario.fees is False
    lab.funding_rate_input.value = 0.05
    lab.funding_interval_input.value = 8
    assert lab.scenario.funding_rate == pytest.approx(0.0005)
    assert lab.scenario.funding_every == 8
    assert lab.result.funding_paid[0] > 0
    lab.venue_dropdown.value = "bybit_linear"
    assert lab.scenario.venue == "bybit_linear"
    assert lab.error_message == ""
    lab.venue_dropdown.value = "okx_linear"
    assert lab.numbers.values["margin ratio"] == "no cross positions"
    lab.mode_toggle.value = "cross"
    assert "Margin ratio as OKX USDT swap prints it" in lab.numbers.account_table.value
    ratio = lab.result.margin_ratio[0]
    assert lab.numbers.values["margin ratio, equity ÷ MM"] == style.fmt_pct(1 / ratio)
    lab.funding_rate_input.value = 10.0  # 10 % per interval is refused by the scenario
    assert "funding rate" in lab.error_message
    assert lab.funding_rate_input.value == pytest.approx(0.05)


# -- long paths ---------------------------------------------------------------------------------


def test_a_long_path_sends_a_bounded_number_of_points(recorder):
    scen = Scenario(
        venue="binance_usdm", wallet_balance=20_000,
        positions=(Position("BTCUSDT", "long", 0.5, 60_000, 10, "cross"),
                   Position("ETHUSDT", "short", 5, 3_000, 10, "isolated")),
        paths={"BTCUSDT": PathSpec("gbm", {"start": 60_000, "volatility": 0.5}, seed=3),
               "ETHUSDT": PathSpec("gbm", {"start": 3_000, "volatility": 0.5}, seed=4)},
        steps=200_000)
    lab = MarginLab(scen)
    assert lab.error_message == ""
    assert arr(lab.price_chart.mark_line.x).size <= PRICE_POINTS + 100
    assert arr(lab.balance_chart.equity_lines.x).size <= SMALL_POINTS + 100
    recorder.reset()
    lab.wallet_input.value = 19_000
    assert recorder.total_bytes() < 100_000
    assert lab.scenario.wallet_balance == 19_000


def test_price_chart_with_no_data_keeps_finite_bounds(recorder):
    chart = PriceChart()
    assert chart.y_scale.min == 0.0 and chart.y_scale.max == 1.0
