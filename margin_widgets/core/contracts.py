"""A venue's contract rules for one symbol: face value, a symbol's spelling, initial margin.

These are the rules the calculator and the venue comparison need before they can build a
position; they read the :class:`~margin_widgets.core.venue.Venue`'s data (never its key):

- :func:`contract_size_for`: what one contract is worth. Linear contracts are counted in the
  coin (size 1); inverse contracts are worth a fixed amount of USD,
  :attr:`Venue.inverse_contract_usd` (Binance COIN-M: 100 USD for BTC, 10 USD otherwise).
- :func:`default_symbol`: the venue's own spelling of a coin's contract ("BTCUSDT" on
  Binance USDⓈ-M, "BTC" on Hyperliquid, "BTCUSD" on Binance COIN-M).
- :func:`initial_margin`: ``notional / leverage`` of one position on a venue, straight from
  the engine's kernel, without building an account (so no wallet is needed).
- :func:`carry_position`: the same position on another venue: between a linear and an inverse
  venue the size and the money are converted at the entry price, so the USD face value and
  the money's value stay the same.
"""

from __future__ import annotations

from .book import Book
from .errors import MarginInputError, nonnegative_finite, positive_finite
from .position import Position
from .venue import Venue, base_asset

__all__ = ["contract_size_for", "default_symbol", "initial_margin", "notional",
           "carry_position"]


def contract_size_for(venue: Venue, symbol: str) -> float:
    """Face value of one contract of ``symbol`` on ``venue``.

    1 for a linear venue (the size is in the coin); for an inverse venue the USD value of one
    contract, from :attr:`Venue.inverse_contract_usd` by base asset, else its ``"*"`` entry.

    >>> from margin_widgets.core import venues
    >>> contract_size_for(venues["binance_coinm"], "BTCUSD")
    100.0
    >>> contract_size_for(venues["binance_coinm"], "ETHUSD")
    10.0
    >>> contract_size_for(venues["binance_usdm"], "BTCUSDT")
    1.0
    """
    if venue.contract != "inverse":
        return 1.0
    sizes = venue.inverse_contract_usd
    base = base_asset(symbol)
    for coin, size in sizes.items():
        if coin != "*" and base_asset(coin) == base:
            return float(size)
    return float(sizes["*"])


def default_symbol(venue: Venue, like: str = "BTC") -> str:
    """A symbol the venue knows for the coin ``like`` (its own spelling when it has one).

    A venue with a table for the coin gives that table's key; otherwise the coin followed by
    the margin-side quote: ``USD`` for an inverse venue, else the venue's quote currency.

    >>> from margin_widgets.core import venues
    >>> default_symbol(venues["binance_usdm"], "ETH"), default_symbol(venues["hyperliquid"])
    ('ETHUSDT', 'BTC')
    >>> default_symbol(venues["binance_coinm"], "ETHUSDT"), default_symbol(venues["dydx_v4"], "SOL")
    ('ETHUSD', 'SOLUSDC')
    """
    base = base_asset(like)
    for s in venue.symbols():
        if base_asset(s) == base:
            return s
    if venue.contract == "inverse":
        return f"{base}USD"
    return f"{base}{venue.quote_currency}"


def notional(venue: Venue, position: Position, price: float | None = None) -> float:
    """Notional of ``position`` on ``venue`` at ``price`` (default its entry price).

    Quote currency for a linear venue (``quantity × contract_size × price``), the coin for an
    inverse one (``quantity × contract_size / price``).

    >>> from margin_widgets.core import venues
    >>> notional(venues["binance_usdm"], Position("BTCUSDT", "long", 2, 30_000))
    60000.0
    >>> notional(venues["binance_coinm"], Position("BTCUSD", "long", 10, 40_000,
    ...                                             contract_size=100))
    0.025
    """
    book = Book(venue, (position,))
    p = position.entry_price if price is None else positive_finite(price, "price")
    return float(book.notional(0, book.x(p)))


def initial_margin(venue: Venue, position: Position, price: float | None = None) -> float:
    """Initial margin of one position on ``venue``: ``notional / leverage``.

    Measured at ``price`` (default the entry price), or at the entry price on a venue that
    measures margin there (``mm_basis="entry"``), in the venue's margin currency. It is what
    an isolated position carves out of the wallet when no margin is given.

    >>> from margin_widgets.core import venues
    >>> initial_margin(venues["binance_usdm"], Position("BTCUSDT", "long", 1, 20_000, 50))
    400.0
    >>> initial_margin(venues["binance_coinm"], Position("BTCUSD", "short", 100, 50_000, 20,
    ...                                                   contract_size=100))
    0.01
    """
    book = Book(venue, (position,))
    p = position.entry_price if price is None else positive_finite(price, "price")
    return float(book.im(0, book.x(p)))


def carry_position(quantity: float, money: float, entry_price: float, old: Venue, new: Venue,
                   symbol: str) -> tuple[str, float, float]:
    """The same position moved from venue ``old`` to venue ``new``.

    ``quantity`` is in ``old``'s units (the coin on a linear venue, contracts on an inverse
    one) and ``money`` (a wallet or an isolated margin) in ``old``'s margin currency. Returns
    ``(symbol, quantity, money)`` on ``new``: between a linear and an inverse venue the size is
    converted at ``entry_price`` through the USD face value (``coins × price = contracts ×
    contract size``) and the money between the quote and the coin at ``entry_price``; between
    two venues of one kind only the symbol's spelling (the new venue's own, see
    :func:`default_symbol`) and a contract size can change.

    >>> from margin_widgets.core import venues
    >>> carry_position(1.0, 400.0, 20_000.0, venues["binance_usdm"], venues["binance_coinm"],
    ...                "BTCUSDT")
    ('BTCUSD', 200.0, 0.02)
    >>> carry_position(200.0, 0.02, 20_000.0, venues["binance_coinm"], venues["hyperliquid"],
    ...                "BTCUSD")
    ('BTC', 1.0, 400.0)
    """
    q = positive_finite(quantity, "quantity")
    m = nonnegative_finite(money, "money")
    ep = positive_finite(entry_price, "entry price")
    if not symbol or not symbol.strip():
        raise MarginInputError("enter a symbol such as BTCUSDT")
    cs_old = contract_size_for(old, symbol)
    if old.contract != new.contract:
        sym = default_symbol(new, symbol)
        cs_new = contract_size_for(new, sym)
        if new.contract == "inverse":   # coins -> contracts; quote -> coin
            return sym, q * ep / cs_new, m / ep
        return sym, q * cs_old / ep, m * ep   # contracts -> coins; coin -> quote
    sym = symbol if symbol in new.symbols() else default_symbol(new, symbol)
    return sym, q * cs_old / contract_size_for(new, sym), m

