"""Long paths in the dashboards (issue 8, "Long paths").

Beyond ``LONG_PATH_STEPS`` the Margin Lab and Cross vs Isolated run the thinned engine
(``simulate(..., display_points=...)``): the series are kept only where the charts draw. The
oracle everywhere is a FULL ``simulate`` of the same scenario, run here independently of the
dashboard: every number the numbers panel shows at a scrubbed step (kept by the thinned run or
not), every liquidation step and marker and every margin transfer made at a scrubbed step must
be the full run's.
"""

from __future__ import annotations

import numpy as np
import pytest
from five_positions import five_positions

from margin_widgets.charts.views import liquidation_events
from margin_widgets.core import MarginInputError
from margin_widgets.core.edits import account_at, marks_at, result_at, transfer_margin
from margin_widgets.core.scenario import Scenario
from margin_widgets.core.simulation import simulate
from margin_widgets.widgets import CrossVsIsolated, MarginLab
from margin_widgets.widgets.base import LONG_PATH_STEPS
from margin_widgets.widgets.numbers import NumbersPanel

STEPS = 200_000

SERIES = ("wallet_balance", "equity", "available_balance", "margin_ratio", "cross_wallet",
          "margin_balance")
PER_POSITION = ("unrealized_pnl", "maintenance_margin", "liquidation_price",
                "bankruptcy_price", "isolated_margin", "pool_margin_ratio",
                "pool_margin_balance")


def long_scenario(steps: int = STEPS, funding: bool = True) -> Scenario:
    """5 positions on 3 symbols, cross and isolated, funding every 8 steps, a transfer.

    The BTC path falls to 50,500 at the middle: the isolated SOL long and the cross pool are
    liquidated on the way (checked below on the full run, not assumed).
    """
    return five_positions(steps, wallet=20_000, low=50_500, funding=funding, transfer=True)


@pytest.fixture(scope="module")
def scen() -> Scenario:
    return long_scenario()


@pytest.fixture(scope="module")
def full(scen):
    return simulate(scen.account(), scen.mark_paths(), **scen.sim_kwargs())


@pytest.fixture(scope="module")
def lab(scen):
    return MarginLab(scen)


def _steps_to_check(full, thin) -> list[int]:
    """Steps kept and not kept by the thinned run, around every liquidation and transfer."""
    liq = sorted({int(k) for k in np.asarray(full.liquidated_at) if k >= 0})
    tr = [int(r["step"]) for r in full.transfer_log]
    want = {0, 1, 777, STEPS // 3 + 1, STEPS - 2, STEPS - 1}
    for k in liq + tr:
        want |= {k - 1, k, k + 1, k + 2, k + 50}
    kept = set(np.asarray(thin.step_index).tolist())
    steps = sorted(t for t in want if 0 <= t < STEPS)
    assert any(t in kept for t in steps) and any(t not in kept for t in steps)
    return steps


def test_long_path_scenario_liquidates(full):
    """The scenario is what the tests below need: liquidations and a transfer on the path."""
    liq = np.asarray(full.liquidated_at)
    assert (liq >= 0).sum() >= 2 and (liq < 0).any()
    assert full.transfer_log and full.transfer_log[0]["accepted"]


def test_lab_runs_thinned_beyond_the_threshold(lab, full):
    res = lab.result
    assert STEPS > LONG_PATH_STEPS
    assert res.thinned and res.path_steps == STEPS
    assert res.steps < STEPS // 20                      # the kept columns only
    np.testing.assert_array_equal(res.liquidated_at, full.liquidated_at)
    assert lab.time_slider.max == STEPS - 1             # the scrubber scrubs path steps


def test_short_paths_keep_the_full_result():
    lab = MarginLab(long_scenario(2_000))
    assert not lab.result.thinned and lab.result.steps == 2_000
    lab.time_slider.value = 1_234
    assert lab.numbers.step == 1_234


def test_lab_numbers_equal_the_full_run_at_scrubbed_steps(lab, full):
    """Every shown value at a scrubbed step is the full run's, kept step or not."""
    for t in _steps_to_check(full, lab.result):
        lab.time_slider.value = t
        assert lab.numbers.step == t
        assert f"At step {t:,} of {STEPS - 1:,}" in lab.numbers.heading.value
        oracle = NumbersPanel()
        oracle.update(full, t)
        assert lab.numbers.values == oracle.values, t
        # and the raw numbers of the column shown
        res = lab.exact_at(lab.result, t)
        c = res.column(t)
        for name in SERIES:
            np.testing.assert_allclose(getattr(res, name)[c], getattr(full, name)[t],
                                       rtol=1e-10, atol=1e-7, equal_nan=True,
                                       err_msg=f"{name} at {t}")
        for name in PER_POSITION:
            np.testing.assert_allclose(getattr(res, name)[:, c], getattr(full, name)[:, t],
                                       rtol=1e-10, atol=1e-7, equal_nan=True,
                                       err_msg=f"{name} at {t}")
    assert lab.error == ""


def test_lab_explanation_at_a_step_not_kept(lab, full):
    """The liquidation price explained term by term (and its attribution) at steps the
    thinned run did not keep: the full run's text."""
    kept = set(lab.result.step_index.tolist())
    for i, t in ((3, STEPS // 3 + 1), (0, 10_001), (4, 777)):
        assert t not in kept and 0 <= int(full.liquidated_at[i]) < t or \
            full.liquidated_at[i] < 0 or t < full.liquidated_at[i]
        assert t not in kept
        lab.time_slider.value = t
        lab.numbers.explain_dropdown.value = i
        lab.numbers.show_terms.value = True
        try:
            oracle = NumbersPanel()
            oracle.update(full, t)
            oracle.explain_dropdown.value = i
            oracle.show_terms.value = True
            assert lab.numbers.values["explanation"] == oracle.values["explanation"] != ""
            assert lab.numbers.formula_html.value == oracle.formula_html.value
            assert lab.numbers.explanation_html.value == oracle.explanation_html.value
            assert "Since step 0 the liquidation price moved" in oracle.explanation_html.value
        finally:
            lab.numbers.show_terms.value = False


def test_liquidation_markers_equal_the_full_run(lab, full):
    assert liquidation_events(lab.result) == liquidation_events(full)
    chart = lab.price_chart
    for sym in ("BTC", "SOL"):
        lab.path_editor.symbol_toggle.value = sym
        xs = np.asarray(chart.liquidation_markers.x, dtype=float).tolist()
        want = sorted({float(e.step) for e in liquidation_events(full)
                       if e.kind == "liquidation" and e.symbol == sym})
        assert sorted(set(xs)) == want and want
        # the lines are drawn at path steps, over the whole path, through the liquidation
        x = np.asarray(chart.mark_line.x, dtype=float)
        assert x[0] == 0 and x[-1] == STEPS - 1 and np.all(np.diff(x) > 0)
        assert set(want) <= set(x.tolist())
        assert x.size <= 2_000
        idx = x.astype(int)
        np.testing.assert_allclose(np.asarray(chart.mark_line.y, dtype=float),
                                   np.asarray(full.marks[sym])[idx], rtol=1e-6)  # float32


def test_transfer_at_a_scrubbed_step_equals_the_full_run(scen, lab, full):
    thin = lab.result
    t = STEPS // 3 + 1                       # a step the thinned run did not keep
    assert t not in set(thin.step_index.tolist())
    a_full, i_full = account_at(full, t)
    exact = result_at(thin, t, scen.mark_paths(), **scen.sim_kwargs())
    a_thin, i_thin = account_at(exact, t)
    assert i_full == i_thin
    assert a_thin.wallet_balance == pytest.approx(a_full.wallet_balance, rel=1e-12)
    assert [p.isolated_margin for p in a_thin.positions] == pytest.approx(
        [p.isolated_margin for p in a_full.positions], rel=1e-12)
    assert marks_at(exact, t) == marks_at(full, t)
    for remove, amount in ((False, 400.0), (True, 20.0)):
        want = transfer_margin(scen, 3, amount, remove, full, t)
        got = transfer_margin(scen, 3, amount, remove, thin, t)
        assert got == want
        assert got.events[-1].step == t
    # a move the engine refuses is refused with the same reason
    with pytest.raises(MarginInputError) as e_full:
        transfer_margin(scen, 3, 1e6, True, full, t)
    with pytest.raises(MarginInputError) as e_thin:
        transfer_margin(scen, 3, 1e6, True, thin, t)
    assert str(e_thin.value) == str(e_full.value)


def test_lab_transfer_button_at_a_scrubbed_step(scen, full):
    lab = MarginLab(scen)
    t = STEPS // 3 + 1
    lab.time_slider.value = t
    row = lab.position_rows[3]
    amount = float(row.margin_amount.value) if hasattr(row, "margin_amount") else None
    runs = lab.recompute_count
    from margin_widgets.widgets.controls.positions import margin_transfer_edit

    assert lab.propose(margin_transfer_edit(3, 300.0, False), "add margin")
    assert lab.recompute_count == runs + 1 and lab.error == ""
    assert lab.scenario.events[-1].step == t
    new_full = simulate(lab.scenario.account(), lab.scenario.mark_paths(),
                        **lab.scenario.sim_kwargs())
    assert lab.scenario == transfer_margin(scen, 3, 300.0, False, full, t)
    oracle = NumbersPanel()
    oracle.update(new_full, t + 1)
    lab.time_slider.value = t + 1
    assert lab.numbers.values == oracle.values
    del amount


def test_result_at_without_funding_and_with_partial_liquidation():
    """The short run over the kept steps, and the head-of-path run (partial liquidation)."""
    from margin_widgets.core import PartialLiquidation

    for funding in (False, True):
        scen = long_scenario(60_000, funding=funding)
        paths, kw = scen.mark_paths(), scen.sim_kwargs()
        acct = scen.account()
        venues = [acct.venue.with_(partial_liquidation=None), acct.venue.with_(
            partial_liquidation=PartialLiquidation("fraction", 0.5, 1_000.0, 5))]
        for venue in venues:
            a = type(acct)(venue, acct.wallet_balance, acct.positions)
            full = simulate(a, paths, **kw)
            thin = simulate(a, paths, display_points=3_000, **kw)
            kept = set(thin.step_index.tolist())
            near = [int(ev["step"]) + d for ev in thin.rule_events for d in (1, 2, 3, 7)]
            if venue.partial_liquidation is not None:
                assert any(ev["kind"] == "partial liquidation" for ev in thin.rule_events)
            for t in (5, 20_001, 33_333, 59_998, *near):
                if not 0 <= t < 60_000:
                    continue
                if t in kept:
                    continue
                r = result_at(thin, t, paths, **kw)
                c = r.column(t)
                for name in SERIES:
                    np.testing.assert_allclose(getattr(r, name)[c], getattr(full, name)[t],
                                               rtol=1e-10, atol=1e-7, equal_nan=True)
                for name in PER_POSITION:
                    np.testing.assert_allclose(getattr(r, name)[:, c],
                                               getattr(full, name)[:, t],
                                               rtol=1e-10, atol=1e-7, equal_nan=True)


def test_cross_vs_isolated_long_path(scen):
    cvi = CrossVsIsolated(scen)
    both_full = {m: simulate(scen.account().with_mode(m) if m == "cross" else
                             scen.account().with_mode("isolated"), scen.mark_paths(),
                             **{**scen.sim_kwargs(),
                                "events": scen.events if m == "isolated" else ()})
                 for m in ("cross", "isolated")}
    for m in ("cross", "isolated"):
        assert cvi.result[m].thinned
        np.testing.assert_array_equal(cvi.result[m].liquidated_at,
                                      both_full[m].liquidated_at)
    for t in (3, STEPS // 3 + 1, STEPS - 2):
        cvi.time_slider.value = t
        for m, panel in (("cross", cvi.cross_numbers), ("isolated", cvi.isolated_numbers)):
            oracle = NumbersPanel(title="At step", mode=m)
            oracle.update(both_full[m], t)
            assert panel.values == oracle.values, (m, t)
    # the verdict (liquidation steps, worst losses, final equity, every checked "because")
    # reads the same as on the full runs
    from margin_widgets.core.verdict import verdict

    assert cvi.summary == verdict(scen.account(), scen.mark_paths(),
                                  **scen.sim_kwargs()).sentences()
    assert cvi.error == ""
