"""Numbers as the kit writes them: one set of rules for every panel, message and chart.

- Money: thousands separators, the currency after the number, and as many decimals as the
  venue counts in that currency: :attr:`Venue.quote_decimals` (2: cents of USDT, USDC, USD)
  for the quote currency, :attr:`Venue.coin_decimals` (8: a satoshi) for the coin an inverse
  venue is margined in. Without a venue the currency decides through the presets' data: a
  currency some preset quotes in counts like that preset's quote, any other is a coin.
- Percent: a fraction times 100, one decimal (``0.029`` -> ``2.9 %``).
- Prices: the venue's :attr:`Venue.price_decimals`.

A missing value (``None``, NaN, text) is written ``—``; a price that does not exist (an
infinite liquidation price) is ``none``.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

from .venue import Venue, venues

__all__ = ["fmt_money", "fmt_pct", "fmt_price", "money_decimals"]


def _field_default(name: str) -> int:
    value: Any = next(f.default for f in fields(Venue) if f.name == name)
    return int(value)


def money_decimals(currency: str = "", venue: Venue | None = None) -> int:
    """Decimals for an amount in ``currency``, from the venue's rules.

    With ``venue``: its :attr:`~Venue.coin_decimals` when ``currency`` is the coin of an
    inverse venue, else its :attr:`~Venue.quote_decimals`. Without one: the quote decimals
    of a preset that quotes in ``currency`` (USDT, USDC, USD), or the coin decimals of a
    venue built by default for any other currency (a coin).

    >>> money_decimals("USDT"), money_decimals("BTC"), money_decimals("ETH")
    (2, 8, 8)
    >>> coinm = venues["binance_coinm"]
    >>> money_decimals("BTC", coinm), money_decimals("USD", coinm)
    (8, 2)
    >>> money_decimals("")
    2
    """
    if venue is not None:
        if venue.contract == "inverse" and currency != venue.quote_currency:
            return venue.coin_decimals
        return venue.quote_decimals
    cur = currency.strip().upper()
    if not cur:
        return _field_default("quote_decimals")
    for v in venues.values():
        if v.quote_currency.upper() == cur:
            return v.quote_decimals
    return _field_default("coin_decimals")


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f


def fmt_money(v: Any, currency: str = "", decimals: int | None = None, *,
              venue: Venue | None = None) -> str:
    """``12,345.60 USDT``; ``0.01234568 BTC``; ``—`` for a missing value.

    ``decimals`` overrides :func:`money_decimals`. A value that rounds to zero is never
    written with a minus sign.

    >>> fmt_money(12345.6, "USDT"), fmt_money(-0.001, "USDT"), fmt_money(None, "USDT")
    ('12,345.60 USDT', '0.00 USDT', '—')
    >>> fmt_money(0.0123456789, "BTC"), fmt_money(1.5, "BTC", 2), fmt_money(3.0)
    ('0.01234568 BTC', '1.50 BTC', '3.00')
    """
    f = _number(v)
    if f is None or not math.isfinite(f):
        return "—"
    dec = money_decimals(currency, venue) if decimals is None else int(decimals)
    s = f"{f:,.{dec}f}"
    if s.startswith("-") and float(s[1:].replace(",", "")) == 0:
        s = s[1:]
    return f"{s} {currency}".strip()


def fmt_pct(v: Any, decimals: int = 1) -> str:
    """A fraction as percent with one decimal: ``0.029 -> 2.9 %``.

    >>> fmt_pct(0.029), fmt_pct(float("inf")), fmt_pct(float("nan")), fmt_pct(1.23456, 2)
    ('2.9 %', '∞ (liquidated)', '—', '123.46 %')
    """
    f = _number(v)
    if f is None:
        return "—"
    if math.isinf(f):
        return "∞ (liquidated)"
    if not math.isfinite(f):
        return "—"
    return f"{f * 100:,.{decimals}f} %"


def fmt_price(v: Any, decimals: int | None = None, currency: str = "", *,
              venue: Venue | None = None) -> str:
    """A price with ``decimals`` (default the venue's, else 2); ``none`` when none exists.

    >>> fmt_price(19698.4912, 2, "USDT"), fmt_price(float("inf")), fmt_price("x")
    ('19,698.49 USDT', 'none', '—')
    >>> fmt_price(0.123456, venue=venues["binance_usdm"])
    '0.12'
    """
    f = _number(v)
    if f is None:
        return "—"
    if not math.isfinite(f):
        return "none"
    if decimals is None:
        decimals = venue.price_decimals if venue is not None else 2
    dec = int(decimals)
    return f"{f:,.{dec}f} {currency}".strip()
