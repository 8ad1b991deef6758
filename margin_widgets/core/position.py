"""Positions: what a trader holds on one symbol."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np

from .errors import (
    MAX_AMOUNT,
    MAX_LEVERAGE,
    MAX_PRICE,
    MAX_QUANTITY,
    MarginInputError,
    positive_finite,
)

__all__ = ["Position"]

Side = Literal["long", "short"]
Mode = Literal["cross", "isolated"]


@dataclass(frozen=True)
class Position:
    """One open position.

    Parameters
    ----------
    symbol : str
        Contract symbol, e.g. ``"BTCUSDT"``.
    side : {"long", "short"}
        Long profits when the price rises, short when it falls.
    quantity : float
        Linear contracts: base units (BTC). Inverse contracts: number of contracts, each worth
        ``contract_size`` USD.
    entry_price : float
        Average entry price.
    leverage : float
        Sizes the initial margin ``notional / leverage``. In cross mode it does not move the
        liquidation price; in isolated mode it sets the default isolated margin.
    mode : {"cross", "isolated"}
        Which pool backs the position.
    isolated_margin : float or None
        The wallet carved out for an isolated position; ``None`` means its initial margin at
        entry.
    contract_size : float
        Value of one contract (USD for inverse contracts; a multiplier for linear ones).
    auto_add_margin : bool
        Isolated only: before the position is liquidated, top up its margin from the available
        balance (Bybit's auto-margin replenishment, section 5 of the margin model).

    Examples
    --------
    >>> Position("BTCUSDT", "long", 1, 60_000, leverage=10).sign
    1
    >>> Position("BTCUSDT", "long", 0, 60_000)
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: quantity must be a positive finite number, got 0
    """

    symbol: str
    side: Side = "long"
    quantity: float = 1.0
    entry_price: float = 1.0
    leverage: float = 1.0
    mode: Mode = "cross"
    isolated_margin: float | None = None
    contract_size: float = 1.0
    auto_add_margin: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise MarginInputError("a position needs a symbol such as 'BTCUSDT'")
        object.__setattr__(self, "symbol", self.symbol.strip())
        if not isinstance(self.side, str | int) or isinstance(self.side, bool):
            raise MarginInputError(f"side must be 'long' or 'short', got {self.side!r}")
        side = str(self.side).lower()
        side = {"buy": "long", "sell": "short", "+1": "long", "1": "long", "-1": "short"}.get(
            side, side
        )
        if side not in ("long", "short"):
            raise MarginInputError(f"side must be 'long' or 'short', got {self.side!r}")
        object.__setattr__(self, "side", side)
        if not isinstance(self.mode, str):
            raise MarginInputError(f"mode must be 'cross' or 'isolated', got {self.mode!r}")
        mode = str(self.mode).lower()
        if mode not in ("cross", "isolated"):
            raise MarginInputError(f"mode must be 'cross' or 'isolated', got {self.mode!r}")
        object.__setattr__(self, "mode", mode)
        q = positive_finite(self.quantity, "quantity", MAX_QUANTITY)
        object.__setattr__(self, "quantity", q)
        ep = positive_finite(self.entry_price, "entry price", MAX_PRICE)
        object.__setattr__(self, "entry_price", ep)
        lev = positive_finite(self.leverage, "leverage", MAX_LEVERAGE)
        object.__setattr__(self, "leverage", lev)
        if self.leverage < 1:
            raise MarginInputError(f"leverage must be at least 1, got {self.leverage:g}")
        object.__setattr__(
            self, "contract_size", positive_finite(self.contract_size, "contract size", 1e9)
        )
        if not isinstance(self.auto_add_margin, bool | np.bool_):
            raise MarginInputError(
                f"auto_add_margin must be True or False, got {self.auto_add_margin!r}")
        object.__setattr__(self, "auto_add_margin", bool(self.auto_add_margin))
        if self.auto_add_margin and mode != "isolated":
            raise MarginInputError(
                "auto_add_margin applies to an isolated position only (a cross position is "
                "already backed by the whole cross wallet)")
        if self.isolated_margin is not None:
            if mode != "isolated":
                object.__setattr__(self, "isolated_margin", None)
            else:
                object.__setattr__(
                    self, "isolated_margin",
                    positive_finite(self.isolated_margin, "isolated margin", MAX_AMOUNT),
                )

    @property
    def sign(self) -> int:
        """+1 for a long, -1 for a short."""
        return 1 if self.side == "long" else -1

    def with_(self, **changes: Any) -> Position:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for JSON scenarios)."""
        return asdict(self)

    def describe(self) -> str:
        """One line: ``BTCUSDT long 0.5 @ 60,000 x10 cross``."""
        return (f"{self.symbol} {self.side} {self.quantity:g} @ {self.entry_price:,.2f} "
                f"x{self.leverage:g} {self.mode}")
