"""Cross vs Isolated without a browser: two synchronised columns and the summary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from margin_widgets.charts import style
from margin_widgets.core import Account, Position, RiskTiers, Venue, compare_modes
from margin_widgets.core.scenario import PRESETS
from margin_widgets.widgets import CrossVsIsolated, summarize_comparison


def arr(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=float)


@pytest.fixture
def cvi(recorder) -> CrossVsIsolated:
    return CrossVsIsolated()


def test_default_shows_cross_surviving_and_isolated_liquidated(cvi: CrossVsIsolated) -> None:
    scen = PRESETS["winner_and_loser"]
    assert cvi.scenario == scen and cvi.error_message == ""
    # independent expectation: the core's compare_modes on the same scenario
    both = compare_modes(scen.account(), scen.mark_paths(), **scen.sim_kwargs())
    k = int(both["isolated"].liquidated_at[0])
    assert k >= 0 and (both["cross"].liquidated_at == -1).all()
    iso_margin = both["isolated"].account.isolated_margins[0]
    text = " ".join(cvi.summary)
    assert (f"Isolated BTCUSDT long liquidated at step {k:,} "
            f"(loss {iso_margin:,.2f} USDT, its isolated margin)") in text
    ratio = both["cross"].margin_ratio
    t = int(np.nanargmax(ratio))
    assert (f"Cross survived to the end thanks to the ETHUSDT short's profit, closest to "
            f"liquidation at step {t:,} (margin ratio {style.fmt_pct(ratio[t])}") in text
    assert "What differs on this path" in cvi.summary_html.value
    # each column draws its own run
    np.testing.assert_array_equal(arr(cvi.isolated_price_chart.liquidation_markers.x), [k])
    assert arr(cvi.cross_price_chart.liquidation_markers.x).size == 0
    assert all(r.mode == "cross" for r in [cvi.result["cross"].account.positions[0]])


def test_colour_families(cvi: CrossVsIsolated) -> None:
    assert cvi.balance_chart.equity_lines.colors == [style.mode_color("cross", 0),
                                                     style.mode_color("isolated", 0)]
    assert arr(cvi.balance_chart.equity_lines.y).shape[0] == 2
    assert set(cvi.cross_margin_chart.balance_lines.colors) <= set(style.CROSS_FAMILY)
    assert set(cvi.isolated_margin_chart.balance_lines.colors) <= set(style.ISOLATED_FAMILY)
    assert "mw-cross" in cvi.cross_price_figure._dom_classes
    assert "mw-isolated" in cvi.isolated_price_figure._dom_classes
    assert "mw-price-figure" in cvi.isolated_price_figure._dom_classes


def test_one_scrubber_moves_both_columns_without_a_run(cvi, recorder, engine_runs):
    recorder.reset()
    cvi.time_slider.value = 400
    assert engine_runs.calls == 0
    for chart in cvi.charts:
        assert arr(chart.cursor_line.x).tolist() == [400, 400]
    iso, cross = cvi.result["isolated"], cvi.result["cross"]
    assert cvi.cross_numbers.values["equity"] == style.fmt_money(cross.equity[400], "USDT")
    assert cvi.isolated_numbers.values["equity"] == style.fmt_money(iso.equity[400], "USDT")
    assert cvi.isolated_numbers.values["liquidation price #1"] == "closed"
    for chart in cvi.charts:
        for mark in chart.data_marks:
            assert recorder.messages_for(mark) == []


def test_a_change_runs_both_modes_once(cvi, recorder, engine_runs):
    recorder.reset()
    before = cvi.recompute_count
    cvi.wallet_input.value = 4_000
    assert cvi.recompute_count == before + 1
    assert engine_runs.calls == 2  # one compare_modes: the cross run and the isolated run
    for chart in cvi.charts:
        for mark in chart.figure.marks:
            assert len(recorder.messages_for(mark)) <= 1
    assert len(recorder.messages_for(cvi.balance_chart.wallet_lines)) == 1


def test_a_preset_is_one_comparison(cvi, engine_runs):
    cvi.scenario_picker.value = "flash_crash"
    assert engine_runs.calls == 2
    assert cvi.scenario == PRESETS["flash_crash"]
    text = " ".join(cvi.summary)
    assert "Cross liquidated at step 300" in text
    assert "Isolated BTCUSDT long liquidated at step 300" in text


def test_bad_input_keeps_both_columns(cvi):
    before = (cvi.scenario, cvi.result, list(cvi.summary),
              arr(cvi.isolated_price_chart.liquidation_lines.y).copy())
    cvi.positions_editor.rows[1].quantity_input.value = -1.0
    assert cvi.error_message == "quantity must be a positive finite number, got -1"
    assert (cvi.scenario, cvi.result, cvi.summary) == before[:3]
    np.testing.assert_array_equal(arr(cvi.isolated_price_chart.liquidation_lines.y), before[3])
    assert cvi.positions_editor.rows[1].quantity_input.value == 5.0
    # no mode controls in the shared rows: the columns set the mode
    assert cvi.positions_editor.rows[0].mode_toggle not in cvi.positions_editor.rows[0].children


def test_summary_of_a_hand_built_case() -> None:
    # the margin model's reference: long 1 BTC at 60,000, 10x, MMR 0.4 %; isolated margin
    # 6,000 gives a liquidation price of 54,216.87, so 53,000 liquidates it; cross (wallet
    # 10,000, price 50,200.80) survives
    acct = Account(Venue("demo", tiers=RiskTiers.flat(0.004)), 10_000,
                   [Position("BTCUSDT", "long", 1, 60_000, leverage=10)])
    both = compare_modes(acct, {"BTCUSDT": [60_000, 55_000, 53_000, 54_000]})
    lines = summarize_comparison(both)
    assert lines[0] == ("Isolated BTCUSDT long liquidated at step 2 "
                        "(loss 6,000.00 USDT, its isolated margin).")
    # closest approach of cross: step 2, MM 212 vs margin balance 3,000
    assert lines[1].startswith("Cross survived to the end on the whole cross wallet, closest "
                               "to liquidation at step 2 (margin ratio 7.1 %")
    assert "2,788.00 USDT above its maintenance margin" in lines[1]
    assert lines[2] == "Final equity: cross 4,000.00 USDT, isolated 4,000.00 USDT."
