"""Exercise and MultipleChoice: checked by the engine, hints, then the solution."""

from __future__ import annotations

import pytest

from margin_widgets.core import Account, Position
from margin_widgets.widgets.exercise import Exercise, MultipleChoice


def bybit_account(margin: float = 400.0) -> Account:
    return Account("bybit_linear", margin, [Position("BTCUSDT", "long", 1, 20_000, 50,
                                                     "isolated", margin)])


def test_right_answer_from_the_engine() -> None:
    marks = {"BTCUSDT": 20_000.0}
    acct = bybit_account()
    ex = Exercise("Where is this position liquidated?",
                  lambda: acct.liquidation_price(0, marks), unit="USDT", tolerance=0.01,
                  why="Bybit measures the maintenance margin at the entry price.")
    ex.answer_input.value = "19,700"
    ex.check_button.click()
    assert ex.solved and ex.attempts == 1
    assert "Correct" in ex.feedback.value and "19,700.00 USDT" in ex.feedback.value
    assert "entry price" in ex.feedback.value


def test_wrong_then_hints_then_solution() -> None:
    ex = Exercise("2 + 2?", lambda: 4.0, unit="", tolerance=0.0,
                  hints=["Count on your fingers.", "It is even."],
                  solution="<p>2 + 2 = 4</p>")
    ex.check(5)
    assert not ex.solved and ex.attempts == 1
    assert "Hint 1" in ex.feedback.value and "fingers" in ex.feedback.value
    ex.check(3)
    assert "Hint 2" in ex.feedback.value and "even" in ex.feedback.value
    assert "last hint" in ex.feedback.value
    ex.check(6)
    assert "Hint 2" in ex.feedback.value           # no more hints: the last one stays
    assert ex.solution_html.layout.display == "none"
    ex.solution_button.click()
    assert ex.solution_html.layout.display is None
    assert "2 + 2 = 4" in ex.solution_html.value and "Answer" in ex.solution_html.value
    ex.check(4)
    assert ex.solved and ex.attempts == 4


def test_answer_fn_is_called_each_time_not_cached() -> None:
    calls = []
    state = {"acct": bybit_account(400.0)}

    def answer() -> float:
        calls.append(1)
        return state["acct"].liquidation_price(0, {"BTCUSDT": 20_000.0})

    ex = Exercise("Liquidation price?", answer, unit="USDT", tolerance=0.01)
    assert calls == []                              # nothing asked at construction
    assert ex.check(19_700.0)
    state["acct"] = bybit_account(1_000.0)          # the lesson's account changed
    assert not ex.check(19_700.0)                   # the old answer is now wrong
    assert ex.check(19_100.0)
    assert len(calls) == 3


def test_relative_tolerance() -> None:
    ex = Exercise("Big number?", lambda: 1_000_000.0, tolerance=0.001, relative=True)
    assert ex.check(1_000_900.0)
    ex2 = Exercise("Big number?", lambda: 1_000_000.0, tolerance=0.001, relative=False)
    assert not ex2.check(1_000_900.0)


def test_broken_answer_fn_is_reported_in_words() -> None:
    def broken() -> float:
        raise ValueError("no mark price given for ETHUSDT")

    ex = Exercise("?", broken)
    assert not ex.check(1.0)
    assert "cannot be checked" in ex.feedback.value and "ETHUSDT" in ex.feedback.value
    assert ex.attempts == 0


def test_css_classes() -> None:
    ex = Exercise("?", lambda: 1.0)
    assert "mw-exercise" in ex._dom_classes
    assert "mw-check" in ex.check_button._dom_classes
    assert "mw-answer" in ex.answer_input._dom_classes
    assert "mw-feedback" in ex.feedback._dom_classes
    mc = MultipleChoice("?", ["a", "b"], 0)
    assert "mw-exercise" in mc._dom_classes
    assert "mw-check" in mc.check_button._dom_classes
    assert "mw-feedback" in mc.feedback._dom_classes


def test_multiple_choice() -> None:
    mc = MultipleChoice(
        "In cross mode, what does raising the leverage do to the liquidation price?",
        ["Moves it closer", "Nothing", "Moves it away"], 1,
        ["Only in isolated mode.", "Leverage only sizes the initial margin in cross.",
         "No: it never helps."])
    mc.check_button.click()
    assert "Choose an answer" in mc.feedback.value and mc.attempts == 0
    mc.choice_buttons.value = 0
    mc.check_button.click()
    assert not mc.solved and "Only in isolated" in mc.feedback.value
    assert mc.check(1)
    assert mc.solved and "Correct" in mc.feedback.value and "initial margin" in mc.feedback.value
    assert mc.attempts == 2


def test_bad_construction() -> None:
    with pytest.raises(TypeError):
        Exercise("?", 3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        MultipleChoice("?", ["only one"], 0)
    with pytest.raises(ValueError):
        MultipleChoice("?", ["a", "b"], 2)


def test_box_starts_empty_and_untouched_check_is_never_correct() -> None:
    ex = Exercise("Removable margin?", lambda: 0.0, unit="USDT", tolerance=1.0)
    assert ex.answer_input.value == ""
    ex.check_button.click()
    assert not ex.solved and ex.attempts == 0
    assert "Type a number first" in ex.feedback.value and "Correct" not in ex.feedback.value
    assert not ex.check("abc") and "not a number" in ex.feedback.value and ex.attempts == 0


def test_answers_written_as_a_learner_writes_them() -> None:
    ex = Exercise("LP?", lambda: 54_221.11, unit="USDT", tolerance=1.0)
    for text in ("54,221", "54 221.11", "54221 USDT", "54,221.6"):
        assert ex.check(text), text
    assert not ex.check("54,223")
    assert "±1 USDT" in ex.tolerance_html.value
    pct = Exercise("Ratio?", lambda: 3.0, unit="%", tolerance=0.05)
    assert pct.check("3.0 %") and pct.check("3.04%") and not pct.check("3.1 %")
    assert "percentage points" in pct.tolerance_html.value
    assert Exercise("PnL?", lambda: -1_500.0, tolerance=1.0).check("−1,500")


def test_a_known_mistake_gets_its_own_hint() -> None:
    fee = 30.0
    ex = Exercise("Loss?", lambda: 6_000.0 + fee, unit="USDT", tolerance=1.0,
                  hints=["General hint."],
                  mistakes=[(lambda: 6_000.0, "Did you forget the 30 USDT fee?")])
    assert not ex.check(6_000)
    assert "forget the 30 USDT fee" in ex.feedback.value and ex.last_mistake == 0
    assert not ex.check(5_000)
    assert "General hint" in ex.feedback.value and ex.last_mistake is None
    assert ex.check(6_030)


def test_solution_opens_only_after_a_first_attempt() -> None:
    ex = Exercise("2 + 2?", lambda: 4.0, solution="<p>four</p>")
    assert ex.solution_button.disabled
    ex.show_solution()
    assert ex.solution_html.layout.display == "none" and "first attempt" in ex.feedback.value
    ex.check(5)
    assert not ex.solution_button.disabled
    ex.solution_button.click()
    assert "four" in ex.solution_html.value


def test_parse_number() -> None:
    from margin_widgets.widgets.exercise import parse_number

    assert parse_number("1,234.5") == 1234.5
    assert parse_number("  -0.5 ") == -0.5
    assert parse_number("1.2.3") is None
    assert parse_number("inf") is None
    assert parse_number("") is None
