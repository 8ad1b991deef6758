"""The time scrubber: a step slider, step buttons and a Play button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ipywidgets import Button, HBox, IntSlider, Play, jslink

from ...charts.shared import LeanLayout, shared_layout, shared_style
from ._common import _desc, _set


class TimeScrubber(HBox):
    """A step slider, step buttons and a Play button; moving it never re-runs the scenario.

    It scrubs path steps ``0 .. T - 1``. On a long path (more than
    :data:`~margin_widgets.widgets.base.LONG_PATH_STEPS` steps) the dashboard's result holds
    only the steps its charts draw; the numbers at a step it did not keep come from a short
    engine run over the kept steps (:func:`margin_widgets.core.edits.result_at`, a few ms at
    10^6 steps), so they are the full run's at exactly that step.

    On a phone (CSS, ``max-width: 600px``) the slider takes a row of its own, full width
    (coarse: about 2 steps a pixel for 800 steps), and the −1 / +1 buttons (44 px square)
    sit under it for the exact step: a thumb cannot hit one step of 800 on a slider, a
    button can. Wider screens hide the buttons (the arrow keys move one step there). Two
    buttons, not four: every model costs bytes when a page opens (test_message_economy).

    Attributes
    ----------
    slider : IntSlider
    play : Play
    step_buttons : list of Button
        −1 and +1 step (CSS ``mw-step-button``), clipped to the path.
    """

    STEPS = (-1, 1)

    def __init__(self, on_scrub: Callable[[int], Any] | None = None, steps: int = 2) -> None:
        self.on_scrub = on_scrub
        self.play = Play(value=0, min=0, max=max(1, steps - 1), step=1, interval=50,
                         description="play", tooltip="Play the path step by step",
                         style=shared_style(Play), layout=shared_layout())
        self.slider = IntSlider(
            value=0, min=0, max=max(1, steps - 1), step=1, description="Time (step)",
            continuous_update=True, style=_desc(IntSlider),
            tooltip="Scrub through the path: charts and numbers show this step (arrow keys "
                    "move one step)", layout=shared_layout(flex="1 1 auto", width="auto"))
        self.slider.add_class("mw-time-slider")
        self._link = jslink((self.play, "value"), (self.slider, "value"))
        self.step_buttons = []
        for delta in self.STEPS:
            button = Button(description=f"{delta:+d}".replace("-", "\u2212"),
                            tooltip="One step back" if delta < 0 else "One step forward",
                            layout=shared_layout(width="auto"), style=shared_style(Button))
            button.add_class("mw-step-button")
            button.on_click(lambda _b, d=delta: self.move(d))
            self.step_buttons.append(button)
        super().__init__([self.slider, *self.step_buttons, self.play],
                         layout=LeanLayout(width="100%", align_items="center"))
        self.add_class("mw-time-scrubber")
        self.slider.observe(self._on_value, names="value")

    def _on_value(self, change: dict[str, Any]) -> None:
        if self.on_scrub is not None:
            self.on_scrub(int(change["new"]))

    @property
    def step(self) -> int:
        """The scrubbed step."""
        return int(self.slider.value)

    def move(self, delta: int) -> None:
        """Move ``delta`` steps, stopping at the first and the last step."""
        target = min(max(int(self.slider.value) + int(delta), int(self.slider.min)),
                     int(self.slider.max))
        if target != self.slider.value:
            self.slider.value = target

    def set_steps(self, steps: int) -> None:
        """Range ``0 .. steps - 1`` (the value is kept if it still fits)."""
        top = max(1, int(steps) - 1)
        value = min(int(self.slider.value), top)
        _set(self.slider, max=top, value=value)
        stride = max(1, top // 400)
        _set(self.play, max=top, step=stride, value=min(int(self.play.value), top))
