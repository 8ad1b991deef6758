"""Every lesson exercise answered right and wrong through the exercise widget's API.

The right answer is read off the lesson's own widget as it opens (``ExerciseSpec.read``: the
calculator's result, the lab's simulation, the explorer's run, the venue table), never typed
in, so these tests also prove that each widget opens on its exercises' scenario.
"""

from __future__ import annotations

from typing import Any

import pytest

from margin_widgets.lessons import (
    L3_SCENARIO,
    L4_SCENARIO,
    L5_SCENARIO,
    L6_SCENARIO,
    LESSONS,
    ChoiceSpec,
    ExerciseSpec,
    refusal,
)

WIDGETS: dict[int, Any] = {}


def widget(n: int) -> Any:
    if n not in WIDGETS:
        WIDGETS[n] = LESSONS[n].widget()
    return WIDGETS[n]


NUMERIC = [(n, k) for n, L in LESSONS.items() for k, s in enumerate(L.exercises, 1)
           if isinstance(s, ExerciseSpec)]
CHOICE = [(n, k) for n, L in LESSONS.items() for k, s in enumerate(L.exercises, 1)
          if isinstance(s, ChoiceSpec)]


@pytest.mark.parametrize("key", NUMERIC, ids=[f"L{n}-E{k}" for n, k in NUMERIC])
def test_numeric_right_from_the_widget_and_wrong(key: tuple[int, int]) -> None:
    n, k = key
    L = LESSONS[n]
    spec = L.exercises[k - 1]
    assert isinstance(spec, ExerciseSpec) and spec.read is not None
    on_screen = float(spec.read(widget(n)))
    ex = L.exercise(k)
    # untouched: the box is empty and Check never says correct
    assert ex.answer_input.value == ""
    ex.check_button.click()
    assert not ex.solved and "Correct" not in ex.feedback.value
    assert ex.solution_button.disabled                  # no solution before an attempt
    # wrong: far outside the tolerance
    tol = spec.tolerance_value()
    wrong = on_screen + 10 * tol + max(1.0, abs(on_screen) * 0.1)
    assert not ex.check(f"{wrong:,.2f}")
    assert "Not quite" in ex.feedback.value and "Hint" in ex.feedback.value
    assert not ex.solution_button.disabled
    # right: what the widget shows, rounded as a learner would write it
    shown = f"{on_screen:,.0f}" if tol >= 1 else f"{on_screen:,.2f}"
    assert ex.check(shown), (shown, ex.feedback.value)
    assert "Correct" in ex.feedback.value
    if spec.why:
        why = spec.why() if callable(spec.why) else spec.why
        assert why.split("<")[0][:30] in ex.feedback.value
    ex.solution_button.click()
    assert ex.solution_html.layout.display is None and "Answer" in ex.solution_html.value


@pytest.mark.parametrize("key", NUMERIC, ids=[f"L{n}-E{k}" for n, k in NUMERIC])
def test_known_mistakes_get_their_own_hint(key: tuple[int, int]) -> None:
    n, k = key
    spec = LESSONS[n].exercises[k - 1]
    assert isinstance(spec, ExerciseSpec)
    for fn, hint in spec.mistakes:
        value = float(fn())
        if abs(value - spec.answer()) <= spec.tolerance_value():
            continue                                   # not distinguishable: no hint
        ex = LESSONS[n].exercise(k)
        assert not ex.check(repr(value))
        assert hint[:40] in ex.feedback.value, (value, ex.feedback.value)


@pytest.mark.parametrize("key", CHOICE, ids=[f"L{n}-Q{k}" for n, k in CHOICE])
def test_choice_right_and_every_wrong_option(key: tuple[int, int]) -> None:
    n, k = key
    spec = LESSONS[n].exercises[k - 1]
    assert isinstance(spec, ChoiceSpec)
    mc = LESSONS[n].exercise(k)
    mc.check_button.click()                           # untouched
    assert not mc.solved and "Correct" not in mc.feedback.value
    for i in range(len(spec.options)):
        if i != spec.correct:
            assert not mc.check(i) and "Not this one" in mc.feedback.value
    assert mc.check(spec.correct) and "Correct" in mc.feedback.value
    expl = spec.explanations[spec.correct]
    text = expl() if callable(expl) else expl
    assert text[:40] in mc.feedback.value


def test_lesson5_reasons_come_from_engine_runs() -> None:
    from margin_widgets.lessons import lesson5_facts

    f = lesson5_facts()
    mc = LESSONS[5].exercise(3)
    mc.check(LESSONS[5].exercises[2].correct)
    assert f"step {f.btc_alone_cross_step:,}" in mc.feedback.value
    ex = LESSONS[5].exercise(4)
    ex.check(f"{abs(f.final_iso - f.final_cross):.0f}")
    assert "isolated ended richer" in ex.feedback.value


def test_each_widget_opens_on_its_exercises_scenario() -> None:
    assert widget(3).scenario is L3_SCENARIO and widget(4).scenario is L4_SCENARIO
    assert widget(5).scenario is L5_SCENARIO and widget(6).scenario is L6_SCENARIO
    c1, c2 = widget(1), widget(2)
    assert (c1.quantity_input.value, c1.mark_input.value, c1.mode_toggle.value) == \
        (0.5, 57_000.0, "cross")
    assert (c2.quantity_input.value, c2.mark_input.value) == (1.0, 58_000.0)
    mc = widget(7)
    assert mc.leverage_slider.value == 20 and mc.last_run.n_paths == 2_000
    assert mc.last_run.seed == 42 and mc.last_run.volatility == pytest.approx(0.8)
    assert mc.last_run.steps == 240


def test_lesson1_warns_when_an_exchange_would_refuse_the_order() -> None:
    calc = LESSONS[1].widget()
    assert refusal(calc) == "" and calc.refusal_html.value == ""
    calc.leverage_slider.value = 2            # initial margin 15,000 > wallet 10,000
    assert "refuse" in calc.refusal_html.value and "insufficient" in calc.refusal_html.value
    calc.leverage_slider.value = 10
    assert calc.refusal_html.value == ""


def test_lesson9_cases_say_what_the_engine_did() -> None:
    w = widget(9)
    assert w.results["wick"].liquidated_at[0] == -1
    assert w.results["mark"].liquidated_at[0] >= 0
    lp = float(w.results["wick"].liquidation_price[0, 0])
    assert w.cases["wick"]["last"].min() < lp                 # the wick went through
    assert (w.cases["mark"]["last"] > lp).all()               # the last price never did
    assert "Never liquidated" in w.captions["wick"].value
    assert "Liquidated at step" in w.captions["mark"].value
