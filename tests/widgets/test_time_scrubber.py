"""The time scrubber's step buttons (issue 13: a thumb cannot hit one step of 800)."""

from __future__ import annotations

from margin_widgets.widgets.controls import TimeScrubber


def test_step_buttons_move_one_step_and_stop_at_both_ends() -> None:
    seen: list[int] = []
    scrubber = TimeScrubber(on_scrub=seen.append, steps=800)
    buttons = {b.description: b for b in scrubber.step_buttons}
    assert sorted(buttons) == sorted(["−1", "+1"])
    buttons["−1"].click()                       # already at the first step: nothing moves
    assert scrubber.step == 0 and seen == []
    buttons["+1"].click()
    buttons["+1"].click()
    buttons["−1"].click()
    assert seen == [1, 2, 1] and scrubber.step == 1
    scrubber.slider.value = 799
    buttons["+1"].click()                       # the last step stays the last
    assert scrubber.step == 799
    scrubber.set_steps(100)                     # a shorter path: the buttons follow its end
    buttons["+1"].click()
    assert scrubber.step == 99
    buttons["−1"].click()
    assert scrubber.step == 98
