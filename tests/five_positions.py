"""The 5-position scenario the speed tests and benchmarks share (plain Python, no pytest).

Hyperliquid, 5 positions on 3 symbols (BTC, ETH, SOL), cross and isolated; the BTC path is
piecewise (falls to ``low`` at the middle), ETH and SOL are seeded GBM paths. Used by
``tests/widgets/test_long_path_widgets.py``, ``tests/widgets/test_message_economy.py``,
``tests/ui/test_long_path_lab.py`` and ``benchmarks/bench_interaction.py``.
"""

from __future__ import annotations

from margin_widgets.core import Position
from margin_widgets.core.scenario import PathSpec, Scenario


def five_positions(steps: int = 2_000, *, wallet: float = 50_000, low: float = 52_000,
                   funding: bool = True, transfer: bool = False) -> Scenario:
    """The scenario at ``steps`` steps; funding 0.01 % every 8 steps unless ``funding`` is
    False; with ``transfer``, 250 added to position 4's isolated margin at step
    ``steps // 10 + 3``."""
    pts = [[0, 60_000], [steps // 4, 57_000], [steps // 2, low], [3 * steps // 4, 55_000],
           [steps - 1, 53_000]]
    events = ({"step": steps // 10 + 3, "kind": "add_margin", "amount": 250.0,
               "position": 3},) if transfer else ()
    return Scenario(
        venue="hyperliquid", wallet_balance=wallet, steps=steps,
        positions=(Position("BTC", "long", 0.5, 60_000, 10, "cross"),
                   Position("ETH", "short", 5, 3_000, 10, "cross"),
                   Position("SOL", "long", 50, 150, 5, "isolated"),
                   Position("BTC", "short", 0.2, 60_000, 20, "isolated"),
                   Position("ETH", "long", 3, 3_000, 15, "cross")),
        paths={"BTC": PathSpec("piecewise", {"points": pts}),
               "ETH": PathSpec("gbm", {"start": 3_000, "volatility": 0.8}, seed=2),
               "SOL": PathSpec("gbm", {"start": 150, "volatility": 1.0}, seed=3)},
        funding_rate=0.0001 if funding else 0.0, funding_every=8 if funding else None,
        events=events)
