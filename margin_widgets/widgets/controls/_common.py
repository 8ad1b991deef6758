"""What every control family shares: the edit callback, a quiet ``show`` and ``_set``.

A control never holds state: a change *proposes an edit* (``EditContext -> Scenario``) through
``on_edit``, the dashboard's :meth:`~margin_widgets.widgets.base.ScenarioDashboard.propose`,
which assigns ``dash.scenario = edit(dash.scenario)``. ``show(scenario)`` puts the scenario
back in the widgets.

Why ``show`` is still quiet (the one echo guard left): setting a widget's value from code
runs its observer, and the value read back is not always the scenario's. A leverage slider
clamps to its bracket maximum, the funding box shows a percent rounded to 10 digits, and an
edit of the leverage resets an isolated margin to the initial margin: an echo would be a
*different* scenario, which the trait flow (equal values run nothing) cannot absorb.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ...charts.shared import shared_style
from ...core.scenario import Scenario
from ..base import EditContext

OnEdit = Callable[..., bool]
"""``on_edit(edit, note="") -> bool``: the dashboard's :meth:`ScenarioDashboard.propose`."""

_DESC = {"description_width": "initial"}


def _desc(widget_cls: type) -> Any:
    """The shared style with ``description_width="initial"`` (the whole label shows)."""
    return shared_style(widget_cls, description_width="initial")


class _Control:
    """Mixin: quiet ``show`` and an ``_emit`` that forwards edits to the dashboard."""

    on_edit: OnEdit | None
    _showing: int

    def _init_control(self, on_edit: OnEdit | None) -> None:
        self.on_edit = on_edit
        self._showing = 0

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        self._showing += 1
        try:
            yield
        finally:
            self._showing -= 1

    def _emit(self, edit: Callable[[EditContext], Scenario], note: str = "") -> bool:
        if self._showing or self.on_edit is None:
            return True
        return bool(self.on_edit(edit, note))


def _set(widget: Any, **values: Any) -> None:
    """Set several traits at once (bounds and value validated together).

    ``options`` of a selection widget are set first, on their own: a selection validates its
    value against the options it has at that moment.
    """
    options = values.pop("options", None)
    if options is not None and tuple(widget.options) != tuple(options):
        widget.options = options
    # one message to the browser: a slider that got max before value would clamp the old
    # value and send the clamped one back as a user edit (a preset loading 20x, not 10x)
    with widget.hold_sync(), widget.hold_trait_notifications():
        for k, v in values.items():
            if getattr(widget, k) != v:
                setattr(widget, k, v)
