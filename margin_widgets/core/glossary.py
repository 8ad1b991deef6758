"""The kit's definitions of its terms: one sentence each, shown behind every (i).

Each definition follows the margin model (``docs/MARGIN_MODEL.md``, section 1). Keys are
lower case; :func:`definition` looks a term up case-insensitively.
"""

from __future__ import annotations

__all__ = ["GLOSSARY", "definition"]

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


def definition(term: str) -> str:
    """The kit's definition of ``term`` (any case), or ``""`` for a term it does not define.

    >>> definition("Margin ratio")
    'Maintenance margin ÷ margin balance of the pool. Liquidation at 100 %.'
    >>> definition("moon")
    ''
    """
    return GLOSSARY.get(term.strip().lower(), "")
