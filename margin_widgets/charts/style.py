"""The kit's visual language, in one place (PRODUCT.md, "Visual language").

- Cross is one colour family (blues), isolated another (oranges), in every chart and table.
- Long and short differ by line style and marker shape as well as colour (colour-blind safe:
  Okabe-Ito based palette).
- Liquidation price: dashed warning red; bankruptcy: dotted dark red; entry: thin grey.
- Money with thousands separators and two decimals, the currency after the number; percent
  with one decimal; prices with the venue's decimals.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "CROSS", "ISOLATED", "CROSS_FAMILY", "ISOLATED_FAMILY", "MARK", "LAST", "ENTRY",
    "LIQUIDATION", "BANKRUPTCY", "WALLET", "EQUITY", "MM", "LINE_STYLE", "MARKER",
    "mode_color", "fmt_money", "fmt_pct", "fmt_price", "GLOSSARY", "CSS",
]

# Okabe-Ito derived families
CROSS = "#0072B2"            # blue
CROSS_FAMILY = ["#0072B2", "#56B4E9", "#004C7A", "#8FCBEF", "#003A5D"]
ISOLATED = "#E69F00"         # orange
ISOLATED_FAMILY = ["#E69F00", "#D55E00", "#F0C05A", "#A34700", "#FFD27F"]
MARK = "#222222"
LAST = "#999999"
ENTRY = "#9E9E9E"
LIQUIDATION = "#D7191C"
BANKRUPTCY = "#7F0000"
WALLET = "#009E73"           # bluish green
EQUITY = "#CC79A7"           # reddish purple
MM = "#D55E00"

LINE_STYLE = {"long": "solid", "short": "dash_dotted"}
MARKER = {"long": "triangle-up", "short": "triangle-down"}
LIQ_LINE_STYLE = "dashed"
BANKRUPTCY_LINE_STYLE = "dotted"


def mode_color(mode: str, index: int = 0) -> str:
    """Colour of the ``index``-th series of a mode ("cross" or "isolated")."""
    fam = CROSS_FAMILY if mode == "cross" else ISOLATED_FAMILY
    return fam[index % len(fam)]


def fmt_money(v: Any, currency: str = "", decimals: int = 2) -> str:
    """``12,345.60 USDT``; coins get 6 decimals; ``—`` for missing values."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(f):
        return "—"
    if currency in ("BTC", "ETH") and decimals == 2:
        decimals = 6
    s = f"{f:,.{decimals}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:
        s = s[1:]
    return f"{s} {currency}".strip()


def fmt_pct(v: Any, decimals: int = 1) -> str:
    """A fraction as percent with one decimal: ``0.029 -> 2.9 %``."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "—"
    if math.isinf(f):
        return "∞ (liquidated)"
    if not math.isfinite(f):
        return "—"
    return f"{f * 100:,.{decimals}f} %"


def fmt_price(v: Any, decimals: int = 2, currency: str = "") -> str:
    """A price with the venue's decimals; ``none`` when no price exists."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(f):
        return "none"
    return f"{f:,.{decimals}f} {currency}".strip()


GLOSSARY: dict[str, str] = {
    "wallet balance": "Deposits + realized PnL − fees ± funding. Does not include unrealized PnL.",
    "equity": "Wallet balance + unrealized PnL of every open position.",
    "unrealized pnl": "Profit or loss if the position were closed at the mark price: "
                      "s·q·(mark − entry) for linear contracts.",
    "mark price": "The fair price the venue uses for PnL, margin and liquidation "
                  "(not the last trade).",
    "last price": "The price of the last trade; wicks in it do not liquidate, the mark does.",
    "notional": "Position value at the mark: quantity × mark (linear).",
    "initial margin": "Notional ÷ leverage: what opening the position needs.",
    "maintenance margin": "Notional × maintenance rate − maintenance amount of the position's "
                          "bracket: the minimum the pool must keep.",
    "margin balance": "The pool's wallet + uPnL of its positions (cross wallet for cross, "
                      "isolated margin for an isolated position).",
    "margin ratio": "Maintenance margin ÷ margin balance of the pool. Liquidation at 100 %.",
    "available balance": "Cross margin balance − initial margin of cross positions: what can "
                         "open positions or be moved to an isolated one.",
    "isolated margin": "The part of the wallet carved out for one isolated position; only it "
                       "can be lost when that position is liquidated.",
    "cross wallet": "Wallet balance − every isolated margin: shared by all cross positions.",
    "liquidation price": "The mark at which the pool's margin balance equals its maintenance "
                         "margin. In cross it assumes every other mark stays where it is.",
    "bankruptcy price": "The mark at which the pool's margin balance is zero.",
    "insurance fund": "Receives what is left of a liquidated pool; pays when a gap takes it "
                      "below zero.",
    "funding": "Periodic payment between longs and shorts: s·notional·rate; longs pay when the "
               "rate is positive.",
    "leverage": "Sets the initial margin. In cross it does not move the liquidation price; in "
                "isolated it sets the isolated margin and so does.",
}

CSS = """
<style>
.mw-root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
.mw-title { font-size: 1.25em; font-weight: 600; margin: 0 0 2px 0; }
.mw-caption { color: #555; font-size: 0.85em; }
.mw-numbers table { border-collapse: collapse; width: 100%; }
.mw-numbers td { padding: 2px 6px; border-bottom: 1px solid #eee; font-size: 0.9em; }
.mw-numbers td.mw-v { text-align: right; font-variant-numeric: tabular-nums;
                      white-space: nowrap; }
.mw-info { cursor: help; color: #0072B2; font-size: 0.8em; }
.mw-error { color: #B00020; background: #FDECEA; border-left: 4px solid #B00020;
            padding: 4px 8px; }
.mw-ok { color: #1B5E20; }
.mw-cross { color: #0072B2; font-weight: 600; }
.mw-isolated { color: #C77800; font-weight: 600; }
.mw-explain code { white-space: normal; font-size: 0.85em; }
.mw-explain table td { font-size: 0.85em; padding: 1px 4px; }
</style>
"""
