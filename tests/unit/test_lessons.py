"""Lessons: the engine's answers equal independent hand calculations; the course is built right.

Hand calculations follow MARGIN_MODEL.md (formulas and Binance's 2024 BTCUSDT brackets:
0.4 % below 50,000 USDT of notional, then 0.5 % with a maintenance amount of 50) and the
venues' published examples; none is copied from the engine's output.
"""

import math
import re

import numpy as np
import pytest

from margin_widgets.core.scenario import PRESETS
from margin_widgets.lessons import (
    L5_SCENARIO,
    LESSONS,
    PRICE_TOLERANCE,
    ChoiceSpec,
    ExerciseSpec,
    l7_standard_error,
    lesson,
    lesson5_facts,
)

TAKER = 0.0005      # Binance USDⓈ-M regular taker fee (the preset's source)
HL_MMR = 1 / (2 * 40)   # Hyperliquid: MMR = 1 / (2 × max leverage), BTC up to 40x
HL_TAKER = 0.00045
BYBIT_TAKER = 0.00055


def btc_lp_isolated_long(q, entry, margin, mmr, cum=0.0):
    """margin + q (P − entry) = q P mmr − cum."""
    return (q * entry - margin - cum) / (q * (1 - mmr))


def first_step_at_or_below(path, level):
    return int(np.argmax(path <= level)) if (path <= level).any() else -1


def wl_path(points, steps):
    xs, ys = zip(*points, strict=True)
    return np.interp(np.arange(steps), xs, ys)


LP3 = btc_lp_isolated_long(1, 60_000, 6_000, 0.005, 50)
HAND = {
    (1, 2): 0.5 * 60_000 / 10,
    (1, 3): 0.5 * (57_000 - 60_000),
    (1, 4): 10_000 + 0.5 * (57_000 - 60_000),
    (2, 2): 58_000 * 0.005 - 50,
    (2, 3): (58_000 * 0.005 - 50) / (10_000 - 2_000) * 100,
    (3, 1): LP3,
    (3, 2): btc_lp_isolated_long(1, 60_000, 7_000, 0.005, 50),
    (3, 3): min(6_000 - (70_000 * 0.005 - 50), 6_000 + 10_000 - 70_000 / 10),
    (3, 4): 6_000 + 60_000 * TAKER,          # the margin, forfeited, and the opening fee
    (4, 1): (10_000 - 15_000 * 0.004 - 30_000) / (0.5 * 0.004 - 0.5),
    (4, 2): (10_000 - 14_000 * 0.004 + 1_000 - 30_000) / (0.5 * 0.004 - 0.5),
    # lesson 5: isolated 0.5 BTC 10x, margin 3,000, bracket 1 (notional < 50,000)
    (5, 2): first_step_at_or_below(
        wl_path([(0, 60_000), (200, 57_000), (400, 52_000), (600, 51_500), (799, 53_000)], 800),
        btc_lp_isolated_long(0.5, 60_000, 3_000, 0.004)),
    # at the end cross holds BTC at 53,000 (−3,500); isolated lost its 3,000 margin on BTC;
    # both hold the ETH short and paid the same opening fees
    (5, 4): abs(0.5 * (53_000 - 60_000) - (-3_000)),
    (6, 1): 0.5 * 60_000 * 0.001,
    (6, 2): (1_200 - 30_000 * 0.004) / 30 * 8,
    (8, 1): 19_700.0,                        # Bybit's published example
    (8, 2): 19_600 / (1 - 0.0055),           # MARGIN_MODEL section 4: 19,708.40
    (9, 2): math.ceil((60_000 - LP3) / ((60_000 - 54_000) / 200)),
    (9, 3): LP3 * 0.015,
    # lesson 10: isolated 5 BTC long, 10x (margin 30,000), Hyperliquid BTC MMR 1 / (2 × 40)
    (10, 2): btc_lp_isolated_long(5, 60_000, 30_000, HL_MMR),
    # the first partial closes 1 BTC at 54,650: its loss (−5,350) is realized into the margin
    (10, 3): btc_lp_isolated_long(4, 60_000, 30_000 + (54_650 - 60_000), HL_MMR),
    # forfeit rule: the margin balance at the first breach goes to the insurance fund
    (10, 5): 30_000 + 5 * (54_650 - 60_000),
    # the gap to 45,000: the loss beyond the 30,000 margin
    (10, 7): 5 * (60_000 - 45_000) - 30_000,
    # lesson 11, Bybit classic (MM 0.5 % at entry = 300): wallet 15,000, 1 BTC long 10x
    (11, 2): 1 * 60_000 / 10,                                  # the initial margin
    (11, 3): 60_000 - (6_000 + 6_000) + 0.005 * 60_000,
    (11, 4): 15_000 - 60_000 * BYBIT_TAKER - 6_000 - 6_000,     # all that is left
    # keeps falling: no protection keeps 15,000 − 33 − 6,000; auto-add loses everything
    (11, 5): (15_000 - 60_000 * BYBIT_TAKER - 6_000) - 0.0,
}


@pytest.mark.parametrize("key", sorted(HAND))
def test_exercise_answers_match_hand_calculations(key):
    n, k = key
    spec = LESSONS[n].exercises[k - 1]
    assert isinstance(spec, ExerciseSpec)
    assert spec.answer() == pytest.approx(HAND[key], abs=1e-6)


def test_every_numeric_exercise_has_a_hand_calculation_or_a_sampling_check():
    numeric = {(n, k) for n, L in LESSONS.items() for k, s in enumerate(L.exercises, 1)
               if isinstance(s, ExerciseSpec)}
    assert numeric - set(HAND) == {(7, 1)}      # the Monte Carlo share: see below


def test_lesson7_tolerance_is_two_binomial_standard_errors():
    spec = LESSONS[7].exercises[0]
    p = spec.answer() / 100
    se = math.sqrt(p * (1 - p) / 2_000) * 100
    assert l7_standard_error() == pytest.approx(se)
    assert 0.5 < se < 1.5                      # about one point, as the issue measured
    assert spec.tolerance_value() == pytest.approx(2 * se, abs=0.01)
    assert 60 < spec.answer() < 85


def test_lesson5_every_because_is_confirmed_by_a_counterfactual_run():
    f = lesson5_facts()
    assert all(k < 0 for k in f.cross_steps)          # cross survives with the winner...
    assert f.btc_alone_cross_step >= 0                # ...and not without it
    assert f.iso_btc_step >= 0
    # independent: BTC alone in a 4,000 cross wallet (15 USDT opening fee) has its
    # liquidation price above the path's low, so it must be liquidated
    lp_alone = btc_lp_isolated_long(0.5, 60_000, 4_000 - 0.5 * 60_000 * TAKER, 0.004)
    assert lp_alone > f.path_low == 51_500
    # which mode ended richer: isolated, by the capped BTC loss
    assert f.final_iso > f.final_cross
    assert f.final_iso - f.final_cross == pytest.approx(HAND[(5, 4)])
    assert L5_SCENARIO.wallet_balance == 4_000


def test_lesson5_with_the_old_10000_wallet_the_winner_was_not_needed():
    """Why lesson 5 moved to 4,000: with 10,000 BTC alone also survives in cross."""
    sc = PRESETS["winner_and_loser"]
    alone = sc.replace(positions=sc.positions[:1]).compare()["cross"]
    assert alone.liquidated_at[0] == -1


def test_a_third_of_the_questions_are_conceptual_and_shorts_are_asked():
    specs = [s for L in LESSONS.values() for s in L.exercises]
    choices = [s for s in specs if isinstance(s, ChoiceSpec)]
    assert len(choices) * 3 >= len(specs)
    assert sum("short" in s.question.lower() for s in choices) >= 4


def test_choices_give_a_reason_and_an_explanation_for_every_option():
    for L in LESSONS.values():
        for s in L.exercises:
            if isinstance(s, ChoiceSpec):
                assert len(s.explanations) == len(s.options) >= 3
                assert 0 <= s.correct < len(s.options)
                assert all(callable(e) or e for e in s.explanations)


def test_every_lesson_is_built_to_teach():
    assert sorted(LESSONS) == list(range(1, 12))
    for n, L in LESSONS.items():
        assert L.question.endswith("?") and L.goals and L.you_can_now
        assert L.intro and L.look and L.try_this and L.slug
        assert L.notebook.startswith(f"{n:02d}_")
        assert len(L.exercises) >= 2
        predicts = [k for k, s in enumerate(L.exercises) if isinstance(s, ChoiceSpec)
                    and s.predict]
        assert predicts == list(range(len(predicts)))   # predictions come first
        for s in L.exercises:
            if isinstance(s, ExerciseSpec):
                assert s.hints and s.solution and s.unit and s.why and s.read is not None
                assert s.tolerance_value() > 0


def test_prices_are_accepted_to_the_dollar():
    for L in LESSONS.values():
        for s in L.exercises:
            if isinstance(s, ExerciseSpec) and s.unit == "USDT":
                assert s.tolerance_value() == PRICE_TOLERANCE == 1.0


def test_every_box_cites_a_source_and_the_exchange_facts_carry_a_date():
    boxes = [b for L in LESSONS.values() for b in L.boxes]
    assert len(boxes) >= 6
    for b in boxes:
        assert b.read and b.exchanges_do and b.source
    dated = [b for b in boxes if "Bybit" in b.exchanges_do or "Hyperliquid" in b.source]
    assert dated and all(re.search(r"20\d\d", b.source) for b in dated)


def test_no_unsupported_claims_remain():
    text = " ".join(" ".join([L.intro, L.look, L.try_this, *[b.exchanges_do for b in L.boxes]])
                    for L in LESSONS.values())
    assert "commonest" not in text
    assert "exactly the isolated margin" not in text
    assert "margin balance" in LESSONS[1].intro       # defined in lesson 1, used in lesson 2


def test_unknown_lesson():
    with pytest.raises(KeyError):
        lesson(12)


def hl_partial_by_hand(path, q=5.0, entry=60_000.0, margin=30_000.0, wallet=40_000.0):
    """Hyperliquid's rule, written from its announcement (not from the engine): at a breach,
    close 20 % of a position above 100,000 USDC of notional (again while it still breaches),
    then wait one step; at or below 100,000, or with no margin balance left, close it all
    and keep what is left. Returns (number of partials, final equity, final quantity)."""
    cross = wallet - margin - HL_TAKER * q * entry
    n, ready = 0, 0
    for t, x in enumerate(path):
        if q == 0 or t < ready:
            continue
        while q > 0 and margin + q * (x - entry) <= HL_MMR * q * x:
            if q * x > 100_000 and margin + q * (x - entry) > 0:
                d = 0.2 * q
                margin += d * (x - entry)
                q -= d
                n += 1
                ready = t + 1
            else:
                cross += max(margin + q * (x - entry), 0.0)
                margin, q = 0.0, 0.0
    return n, cross + margin + q * (path[-1] - entry), q


def test_lesson10_partial_liquidation_matches_the_rule_by_hand():
    from margin_widgets.lessons import L10_PATH_POINTS, l10_run

    for key in ("recovers", "falls"):
        path = wl_path(L10_PATH_POINTS[key], 300)
        n, final, q = hl_partial_by_hand(path)
        res = l10_run("partial", key)
        parts = [e for e in res.events() if e.kind == "partial liquidation"]
        assert len(parts) == n
        assert float(res.equity[-1]) == pytest.approx(final, abs=1e-6)
        assert float(res.quantity[0, -1]) == pytest.approx(q, abs=1e-9)
    # the recovering path keeps part of the position open to the end
    assert hl_partial_by_hand(wl_path(L10_PATH_POINTS["recovers"], 300))[2] > 0


def test_lesson10_every_because_is_confirmed_by_a_counterfactual_run():
    from margin_widgets.lessons import _l10_richer_why, lesson10_facts

    f = lesson10_facts()
    # a full close at the first breach keeps 3,250 on both slides: 40,000 − 135 − 26,750
    full = 40_000 - HL_TAKER * 300_000 - 5 * (60_000 - 54_650)
    assert f.final_kept["recovers"] == pytest.approx(full)
    assert f.final_kept["falls"] == pytest.approx(full)
    assert f.final_partial["recovers"] > full > f.final_partial["falls"]   # the reason holds
    assert "confirms the reason" in _l10_richer_why()
    # "under Hyperliquid's rule it returns to the trader": the kept run ends richer by it
    from margin_widgets.lessons import l10_run as run

    kept_minus_forfeit = float(run("kept", "recovers").equity[-1]
                               - run("forfeit", "recovers").equity[-1])
    assert kept_minus_forfeit == pytest.approx(30_000 + 5 * (54_650 - 60_000))
    # the gap is below bankruptcy: every rule closes in full and the fund pays the same
    from margin_widgets.lessons import L10_RULES, l10_run

    payouts = {r: float(np.sum(l10_run(r, "gap").insurance_payout)) for r in L10_RULES}
    assert set(payouts.values()) == {5 * 15_000 - 30_000}


def test_lesson10_teaches_the_margin_call_with_a_dated_source():
    L = LESSONS[10]
    assert "margin call" in L.intro.lower()
    calls = [s for s in L.exercises if isinstance(s, ChoiceSpec) and "MARGIN_CALL" in s.question]
    assert calls and "2026-12-02" in str(calls[0].explanations[calls[0].correct])
    assert any("Margin Call" in b.source and re.search(r"20\d\d", b.source) for b in L.boxes)


def test_lesson11_auto_add_by_hand_and_every_because():
    from margin_widgets.lessons import _l11_cross_why, _l11_saved_why, lesson11_facts

    f = lesson11_facts()
    fee = 60_000 * BYBIT_TAKER
    # Bybit's rule by hand: the trigger is the liquidation price 60,000 − 6,000 + 300;
    # the first top-up is the initial margin, the second all that is left
    assert f.tops["recovers"] == pytest.approx((6_000.0,))
    assert f.tops["falls"] == pytest.approx((6_000.0, 15_000 - fee - 12_000))
    path = wl_path([(0, 60_000), (120, 54_000), (299, 42_000)], 300)
    assert f.top_steps["falls"] == (first_step_at_or_below(path, 54_300),
                                    first_step_at_or_below(path, 48_300))
    # after both top-ups the margin is the whole available wallet: the cross line
    assert f.liq[("auto", "falls")] == first_step_at_or_below(path, 60_000 - (15_000 - fee)
                                                              + 300)
    assert f.final[("auto", "falls")] == pytest.approx(0.0)
    assert f.final[("manual", "falls")] == pytest.approx(15_000 - fee - 12_000)
    # recovering path: every protection survives; none loses its 6,000 margin
    assert f.final[("none", "recovers")] == pytest.approx(15_000 - fee - 6_000)
    for p in ("auto", "manual", "cross"):
        assert f.final[(p, "recovers")] == pytest.approx(15_000 - fee - 2_000)
    assert "confirms why" in _l11_saved_why() and "like cross" in _l11_cross_why()
