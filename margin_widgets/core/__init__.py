"""The margin engine: pure numpy, no widgets.

Definitions follow the kit's margin model: wallet balance, unrealized PnL, maintenance margin
from risk tiers, margin ratio and liquidation / bankruptcy prices for cross and isolated pools,
on linear and inverse contracts, with each venue's rules as data.
"""

from .account import Account, PoolState
from .errors import MarginInputError, UnknownNameError
from .explain import Explanation, Term, explain_liquidation
from .position import Position
from .rules import PartialLiquidation
from .tiers import Bracket, RiskTiers
from .venue import Venue, base_asset, venues

__all__ = [
    "Account", "Bracket", "Explanation", "MarginInputError", "PartialLiquidation", "PoolState",
    "Position",
    "RiskTiers", "Term", "UnknownNameError", "Venue", "base_asset", "explain_liquidation",
    "venues",
]
from .simulation import (  # noqa: E402
    Event,
    SimulationResult,
    TransferEvent,
    attribute,
    compare_modes,
    simulate,
)

__all__ += ["Event", "SimulationResult", "TransferEvent", "attribute", "compare_modes",
            "simulate"]
from .montecarlo import MonteCarloCancelled, MonteCarloResult, monte_carlo  # noqa: E402
from .scenario import PRESETS, PathSpec, Scenario  # noqa: E402

__all__ += ["MonteCarloCancelled", "MonteCarloResult", "monte_carlo", "PRESETS", "PathSpec",
            "Scenario"]
from . import paths  # noqa: E402
from .batch import account_prices  # noqa: E402

__all__ += ["paths", "account_prices"]
