"""Controls: the parts of a scenario a person can change, one module per family.

``account`` (venue, wallet, fees, funding), ``positions`` (rows, margin transfers), ``paths``
(the mark path editor), ``picker`` (presets), ``scrubber`` (time); ``_common`` holds what
they share. Every name is importable from ``margin_widgets.widgets.controls`` as before.

Every control group is an ipywidgets box with role-named attributes (``wallet_input``,
``leverage_slider``, ...). A change does not touch any state: it *proposes an edit*, a
function ``EditContext -> Scenario``, through the ``on_edit`` callback the dashboard gives. The
dashboard validates the new scenario with the engine, runs it once and commits it, or shows
the engine's message and calls :meth:`show` again with the old scenario, which resets the
control. ``show`` never proposes anything (it runs "quietly").

Every control has a ``description`` and a ``tooltip``; all of them are standard ipywidgets and
so are reachable with the keyboard (Tab, arrows, Enter).
"""

from ._common import _DESC, OnEdit, _Control, _desc, _set
from .account import AccountControls
from .paths import (
    _FIELDS,
    _INT_PARAMS,
    _PARAMS,
    _SEEDED,
    GENERATOR_CHOICES,
    PathEditor,
    _LazyFields,
    _points_from_path,
    rescale_paths,
    shock_spec,
)
from .picker import ScenarioPicker
from .positions import (
    PositionRow,
    PositionsEditor,
    _drop_cross_events,
    _with_position,
    _without_position,
    margin_transfer_edit,
)
from .scrubber import TimeScrubber

__all__ = [
    "AccountControls", "PositionRow", "PositionsEditor", "PathEditor", "ScenarioPicker",
    "TimeScrubber", "OnEdit", "GENERATOR_CHOICES", "rescale_paths", "shock_spec",
    "margin_transfer_edit",
]

# the private helpers stay importable from here as they were from the single module
_PRIVATE = (_DESC, _Control, _desc, _set, _FIELDS, _INT_PARAMS, _PARAMS, _SEEDED, _LazyFields,
            _points_from_path, _drop_cross_events, _with_position, _without_position)
