"""bqplot charts of the kit: built once, then only fed new (decimated) arrays.

``style`` holds the visual language; ``views`` reduces a simulation result to what a chart
draws; ``figures`` holds the charts themselves.
"""

from .figures import (
    WIRE_DTYPE,
    BalanceChart,
    ChartBase,
    MarginChart,
    PnlChart,
    PriceChart,
    assign,
    padded_bounds,
)
from .views import EventInfo, PoolInfo, PositionInfo, ResultView, result_view

__all__ = [
    "WIRE_DTYPE", "BalanceChart", "ChartBase", "MarginChart", "PnlChart", "PriceChart",
    "assign", "padded_bounds", "EventInfo", "PoolInfo", "PositionInfo", "ResultView",
    "result_view",
]
