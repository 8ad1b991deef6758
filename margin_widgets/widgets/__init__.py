"""Jupyter widgets of the kit: controls, panels and dashboards (one line each in a notebook).

>>> from margin_widgets.widgets import MarginLab, CrossVsIsolated
>>> MarginLab()          # doctest: +SKIP
"""

from .base import (
    Dashboard,
    EditContext,
    ScenarioDashboard,
    account_at,
    info_html,
    info_label,
    marks_at,
)
from .compare import CrossVsIsolated, summarize_comparison
from .controls import (
    AccountControls,
    PathEditor,
    PositionRow,
    PositionsEditor,
    ScenarioPicker,
    TimeScrubber,
)
from .lab import MarginLab, default_lab_scenario
from .numbers import NumbersPanel

__all__ = [
    "AccountControls", "CrossVsIsolated", "Dashboard", "EditContext", "MarginLab",
    "NumbersPanel", "PathEditor", "PositionRow", "PositionsEditor", "ScenarioDashboard",
    "ScenarioPicker", "TimeScrubber", "account_at", "default_lab_scenario", "info_html",
    "info_label", "marks_at", "summarize_comparison",
]

# --- other dashboards ------------------------------------------------------------------------
# The calculator, venue, Monte Carlo and exercise widgets are added below this line by their
# own modules (one import line each, plus their names appended to __all__), e.g.:
#     from .calculator import LiquidationCalculator  # noqa: E402
#     __all__ += ["LiquidationCalculator"]
from .calculator import LiquidationCalculator  # noqa: E402
from .exercise import Exercise, MultipleChoice  # noqa: E402
from .montecarlo import MonteCarloExplorer  # noqa: E402
from .sharing import ScenarioIO  # noqa: E402
from .venues import VenueComparison  # noqa: E402

__all__ += ["Exercise", "LiquidationCalculator", "MonteCarloExplorer", "MultipleChoice",
            "ScenarioIO", "VenueComparison"]
