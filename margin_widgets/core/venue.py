"""Venues: an exchange's margin rules as data.

Every venue computes liquidation from the same equation (margin balance = maintenance
requirement); what differs is named here as a rule, never as a special case in the engine:

- ``contract``: ``"linear"`` (PnL and margin in the quote currency, e.g. USDT) or ``"inverse"``
  (contracts worth a fixed amount of USD, PnL and margin in the coin);
- ``mm_basis``: where the maintenance margin is measured: at the mark price (most venues) or at
  the entry price (Bybit classic);
- ``close_fee_rate``: a fee rate the venue folds into the maintenance rate (OKX adds its taker
  fee, so its liquidation price sits a little closer to the entry);
- ``tiers``: the bracket tables, per symbol (``"*"`` is the default for any other symbol);
- fees, funding interval and what happens to the remaining margin at liquidation.

Presets (:data:`venues`) record their source and the date of their tables: stale tables are the
commonest reason a number differs from the exchange's screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from . import venue_tables as _vt
from .errors import MarginInputError, UnknownNameError, nonnegative_finite, positive_finite
from .rules import PartialLiquidation
from .tiers import RiskTiers

__all__ = ["Venue", "venues", "base_asset"]

Contract = Literal["linear", "inverse"]
Basis = Literal["mark", "entry"]

_QUOTE_SUFFIX = re.compile(r"[-_/]?(USDT|USDC|USD|BUSD|PERP|SWAP)([-_/]?(PERP|SWAP))?$", re.I)


def base_asset(symbol: str) -> str:
    """The coin a symbol is about: ``"BTCUSDT"``, ``"BTC-USD"``, ``"BTC"`` -> ``"BTC"``.

    >>> base_asset("ETH-USDT-SWAP"), base_asset("BTCUSD"), base_asset("SOL")
    ('ETH', 'BTC', 'SOL')
    """
    s = symbol.strip().upper()
    prev = None
    while prev != s:
        prev = s
        s = _QUOTE_SUFFIX.sub("", s) or s
    return s


@dataclass(frozen=True, eq=False)
class Venue:
    """An exchange's margin rules.

    Parameters
    ----------
    name : str
        Display name ("Binance USDⓈ-M").
    contract : {"linear", "inverse"}
        Contract type; inverse contracts are margined in the coin.
    mm_basis : {"mark", "entry"}
        Price at which the maintenance margin (and its bracket) is measured.
    close_fee_rate : float
        Rate added to the maintenance margin rate (OKX: its taker fee, 0.0005).
    tiers : RiskTiers or mapping of symbol to RiskTiers
        The bracket table(s). In a mapping, ``"*"`` is the default; a symbol is also matched
        by its base asset (``"BTCUSDT"`` finds ``"BTC"``).
    taker_fee, maker_fee : float
        Trading fee rates on the notional (a venue built by hand charges none).
    funding_interval_hours : float
        Hours between two funding payments (used to convert a rate per interval).
    liquidation_fee_rate : float or None
        ``None``: the remaining margin of a liquidated pool is forfeited to the insurance fund
        (Binance, Bybit, BitMEX). A number: a clearance fee of that rate on the notional, and
        the rest stays with the trader.
    partial_liquidation : PartialLiquidation or None
        ``None``: a breaching pool closes in full (a venue built by hand). Otherwise the
        venue's partial-liquidation rule (section 5 of the margin model).
    quote_currency : str
        Currency of a linear venue's margin ("USDT", "USDC"). Inverse venues use the coin.
    price_decimals : int
        Decimals shown for prices.
    quote_decimals : int
        Decimals shown for an amount in the quote currency (2: cents of USDT, USDC, USD).
    coin_decimals : int
        Decimals shown for an amount in the coin, the margin currency of an inverse venue
        (8: one satoshi of BTC).
    inverse_contract_usd : mapping of str to float
        Face value in USD of one inverse contract, by base asset (``"*"``: any other coin).
        Linear venues ignore it (their size is in the coin). The default is Binance COIN-M's:
        100 USD for BTC, 10 USD for other coins (Binance COIN-M contract specifications, as
        cited in the ``binance_coinm`` preset's source).
    older_tables_of : str
        Preset key of the same venue with newer tables, when this preset keeps an older
        edition of them ("" otherwise); the venue comparison then shows what the stale table
        changes.
    margin_ratio_style : {"mm/equity", "equity/mm", "equity vs mm"}
        How the venue prints its margin ratio (the kit always computes MM / equity; see
        :func:`margin_widgets.core.explain.venue_margin_ratio`).
    source, as_of : str
        Where the rules and tables come from, and their date.
    key : str
        Preset key, or "" for a venue built by hand.
    """

    name: str
    contract: Contract = "linear"
    mm_basis: Basis = "mark"
    close_fee_rate: float = 0.0
    tiers: RiskTiers | Mapping[str, RiskTiers] = field(
        default_factory=lambda: RiskTiers.flat(0.004)
    )
    taker_fee: float = 0.0
    maker_fee: float = 0.0
    funding_interval_hours: float = 8.0
    liquidation_fee_rate: float | None = None
    partial_liquidation: PartialLiquidation | None = None
    quote_currency: str = "USDT"
    price_decimals: int = 2
    quote_decimals: int = 2
    coin_decimals: int = 8
    inverse_contract_usd: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"BTC": 100.0, "*": 10.0}))
    older_tables_of: str = ""
    margin_ratio_style: str = "mm/equity"
    source: str = ""
    as_of: str = ""
    key: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        for what in ("name", "quote_currency", "source", "as_of", "key", "notes",
                     "older_tables_of"):
            if not isinstance(getattr(self, what), str):
                raise MarginInputError(f"a venue's {what.replace('_', ' ')} must be text, got "
                                       f"{getattr(self, what)!r}")
        if not self.name.strip():
            raise MarginInputError("a venue needs a name")
        positive_finite(self.funding_interval_hours, "funding interval (hours)", 24 * 365)
        for what in ("price_decimals", "quote_decimals", "coin_decimals"):
            d = getattr(self, what)
            if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 12:
                raise MarginInputError(f"{what} must be a whole number from 0 to 12, got {d!r}")
        sizes = self.inverse_contract_usd
        if not isinstance(sizes, Mapping) or "*" not in sizes:
            raise MarginInputError("inverse_contract_usd must map coins to a face value in USD, "
                                   "with a default under '*'")
        object.__setattr__(self, "inverse_contract_usd", MappingProxyType({
            str(k): positive_finite(v, f"contract face value for {k!r} (USD)", 1e9)
            for k, v in sizes.items()}))
        if self.margin_ratio_style not in ("mm/equity", "equity/mm", "equity vs mm"):
            raise MarginInputError("margin_ratio_style must be 'mm/equity', 'equity/mm' or "
                                   f"'equity vs mm', got {self.margin_ratio_style!r}")
        if self.contract not in ("linear", "inverse"):
            raise MarginInputError(
                f"contract must be 'linear' or 'inverse', got {self.contract!r}"
            )
        if self.mm_basis not in ("mark", "entry"):
            raise MarginInputError(f"mm_basis must be 'mark' or 'entry', got {self.mm_basis!r}")
        for what in ("close_fee_rate", "taker_fee", "maker_fee"):
            v = nonnegative_finite(getattr(self, what), what.replace("_", " "))
            if v >= 0.1:
                raise MarginInputError(f"{what.replace('_', ' ')} is a fraction; {v} is too big")
        if self.liquidation_fee_rate is not None:
            if isinstance(self.liquidation_fee_rate, bool):
                raise MarginInputError("liquidation fee rate must be a number or None, got a bool")
            v = nonnegative_finite(self.liquidation_fee_rate, "liquidation fee rate")
            if v >= 0.5:
                raise MarginInputError(f"liquidation fee rate is a fraction; {v} is too big")
            object.__setattr__(self, "liquidation_fee_rate", v)
        if self.partial_liquidation is not None and not isinstance(
                self.partial_liquidation, PartialLiquidation):
            raise MarginInputError(
                "partial_liquidation must be None (full liquidation) or a PartialLiquidation, "
                f"got {self.partial_liquidation!r}")
        if isinstance(self.tiers, RiskTiers):
            object.__setattr__(self, "tiers", MappingProxyType({"*": self.tiers}))
        elif isinstance(self.tiers, Mapping):
            if not self.tiers:
                raise MarginInputError("a venue needs at least one tier table")
            for sym, t in self.tiers.items():
                if not isinstance(t, RiskTiers):
                    raise MarginInputError(f"tiers for {sym!r} must be a RiskTiers")
            object.__setattr__(self, "tiers", MappingProxyType(dict(self.tiers)))
        else:
            raise MarginInputError("tiers must be a RiskTiers or a mapping of symbol to RiskTiers")

    # -- look-ups -------------------------------------------------------------------------
    def tiers_for(self, symbol: str) -> RiskTiers:
        """The tier table used for ``symbol``.

        Raises
        ------
        MarginInputError
            If the venue has no table for the symbol and no default.
        """
        table = self.tiers
        assert isinstance(table, Mapping)
        if symbol in table:
            return table[symbol]
        base = base_asset(symbol)
        for key, t in table.items():
            if key != "*" and base_asset(key) == base:
                return t
        if "*" in table:
            return table["*"]
        known = ", ".join(sorted(table))
        raise UnknownNameError(
            f"{self.name} has no tier table for {symbol!r}; it knows: {known}"
        )

    def symbols(self) -> list[str]:
        """Symbols with their own table (``"*"`` excluded)."""
        assert isinstance(self.tiers, Mapping)
        return [s for s in self.tiers if s != "*"]

    def currency(self, symbol: str) -> str:
        """Currency of margin and PnL for ``symbol`` on this venue."""
        return base_asset(symbol) if self.contract == "inverse" else self.quote_currency

    def with_(self, **changes: Any) -> Venue:
        """A copy with some rules changed (the key is cleared: it is no longer the preset)."""
        changes.setdefault("key", "")
        return replace(self, **changes)

    def __repr__(self) -> str:
        return (f"Venue({self.name!r}, contract={self.contract!r}, mm_basis={self.mm_basis!r}, "
                f"close_fee_rate={self.close_fee_rate})")


# ---------------------------------------------------------------------------------------------
# Presets. Every table below is copied from a published source named next to it.

_FREQTRADE_2024 = (
    "Binance GET /fapi/v1/leverageBracket as committed in freqtrade "
    "binance_leverage_tiers.json @ 3d9514d (2024-10-24)"
)
_FREQTRADE_2022 = (
    "Binance GET /fapi/v1/leverageBracket as committed in freqtrade "
    "binance_leverage_tiers.json @ 124532a (2022-02-16)"
)

_BINANCE_BTCUSDT_2024 = RiskTiers.from_brackets(
    [(0, 0.004, 125), (50_000, 0.005, 100), (600_000, 0.0065, 75), (3_000_000, 0.01, 50),
     (12_000_000, 0.02, 25), (70_000_000, 0.025, 20), (100_000_000, 0.05, 10),
     (230_000_000, 0.1, 5), (480_000_000, 0.125, 4), (600_000_000, 0.15, 3),
     (800_000_000, 0.25, 2), (1_200_000_000, 0.5, 1)],
    source=_FREQTRADE_2024,
)
_BINANCE_ETHUSDT_2024 = RiskTiers.from_brackets(
    [(0, 0.004, 125), (50_000, 0.005, 100), (600_000, 0.0065, 75), (3_000_000, 0.01, 50),
     (12_000_000, 0.02, 25), (50_000_000, 0.025, 20), (65_000_000, 0.05, 10),
     (150_000_000, 0.1, 5), (320_000_000, 0.125, 4), (400_000_000, 0.15, 3),
     (530_000_000, 0.25, 2), (800_000_000, 0.5, 1)],
    source=_FREQTRADE_2024,
)
_BINANCE_BTCUSDT_2022 = RiskTiers.from_brackets(
    [(0, 0.004, 125), (50_000, 0.005, 100), (250_000, 0.01, 50), (1_000_000, 0.025, 20),
     (7_500_000, 0.05, 10), (40_000_000, 0.1, 5), (100_000_000, 0.125, 4),
     (200_000_000, 0.15, 3), (400_000_000, 0.25, 2), (600_000_000, 0.5, 1)],
    source=_FREQTRADE_2022,
)
_BINANCE_ETHUSDT_2022 = RiskTiers.from_brackets(
    [(0, 0.005, 100), (10_000, 0.0065, 75), (100_000, 0.01, 50), (500_000, 0.02, 25),
     (1_500_000, 0.05, 10), (4_000_000, 0.1, 5), (10_000_000, 0.125, 4),
     (20_000_000, 0.15, 3), (40_000_000, 0.25, 2), (150_000_000, 0.5, 1)],
    source=_FREQTRADE_2022,
)

_HL_SOURCE = _vt.HL_SOURCE
_HL: dict[str, RiskTiers] = {
    "BTC": _vt.HL_BTC, "ETH": _vt.HL_ETH, "SOL": _vt.HL_SOL, "XRP": _vt.HL_XRP,
    **{a: _vt.HL_10X_20M for a in _vt.HL_10X_20M_ASSETS},
    **{a: _vt.HL_10X_3M for a in _vt.HL_10X_3M_ASSETS},
    "*": _vt.HL_10X_3M,
}
_HL_TABLE_NOTE = (
    "Tables: " + _vt.HL_SOURCE + ". BTC 40x to 150M then 20x; ETH 25x/100M/15x; SOL 20x/70M/10x; "
    "XRP 20x/40M/10x; DOGE, kPEPE, SUI, WLD, TRUMP, LTC, ENA, POPCAT, WIF, AAVE, kBONK, LINK, "
    "CRV, AVAX, ADA, UNI, NEAR, TIA, APT, BCH, HYPE, FARTCOIN 10x to 20M then 5x; OP, ARB, LDO, "
    "TON, MKR, ONDO, JUP, INJ, kSHIB, SEI, TRX, BNB, DOT 10x to 3M then 5x. Any other symbol: "
    "the docs say an asset without tiers has one tier at its own maximum leverage (from the "
    "'meta' info endpoint, not read here); the kit uses the 10x-to-3M table as a stand-in, "
    "which is not a Hyperliquid figure for that asset.")

_DYDX_SOURCE = _vt.DYDX_SOURCE

# Liquidation processes, as read on 2026-12-02 (the search tool's stored copies):
_BINANCE_LIQ = (
    "Liquidation: Binance's 'Liquidation Protocol' (as mirrored in the TraderWagon futures FAQ, "
    "read 2026-12-02): Binance avoids full liquidation where it can, reducing the position "
    "(a lower margin tier) with one immediate-or-cancel order and stopping once the account is "
    "margin compliant; a clearance fee is charged on the amount liquidated only; a position "
    "still deficient is closed at the bankruptcy price and the remaining collateral goes to the "
    "insurance fund. Kit model: tier step-down, then full liquidation with the remainder "
    "forfeited. Ambiguous: the clearance fee rate is per symbol and not modelled on a partial "
    "step, and 'a portion of the remaining collateral' is taken here as all of it.")
_HL_LIQ = (
    "Liquidation: Hyperliquid's own announcement of partial liquidations (Hyperliquid "
    "announcements channel, post 307, as mirrored at tginsight.xyz, undated in the copy, read "
    "2026-12-02): liquidations go to the order book, the liquidated user keeps any remaining "
    "margin, there is no clearance fee; positions above 100k USDC are liquidated 20 % at a "
    "time, then a 30 s cooldown. The same rules, and the backstop below 2/3 of maintenance "
    "margin, are quoted from the Hyperliquid docs 'Liquidations' page by docs built on it "
    "(hyperliquid-co.gitbook.io wiki; docs.hyena.trade), read 2026-12-02; the Hyperliquid "
    "gitbook page itself was not in the stored copies. Kit model: fraction 20 % above 100,000, "
    "cooldown one step, fee 0 (the remaining collateral is kept). Not modelled: the backstop "
    "liquidation below 2/3 of maintenance margin, where the margin is not returned.")
_BYBIT_LIQ = (
    "Liquidation: Bybit reduces a position in a higher risk limit to a lower one before a full "
    "liquidation; the preset models only the base risk limit, so a breach closes in full and "
    "the remaining margin is forfeited. Auto-add margin: Bybit Help Center 'Auto-Margin "
    "Replenishment (USDT Contracts)', 2023-12-04 (Position(..., auto_add_margin=True)).")

_PRESETS: dict[str, Venue] = {
    "binance_usdm": Venue(
        "Binance USDⓈ-M", contract="linear", mm_basis="mark",
        tiers={"BTCUSDT": _BINANCE_BTCUSDT_2024, "ETHUSDT": _BINANCE_ETHUSDT_2024},
        taker_fee=0.0005, maker_fee=0.0002, funding_interval_hours=8,
        quote_currency="USDT", source=_FREQTRADE_2024 + "; fees: regular-user base tier",
        as_of="2024-10-24", key="binance_usdm",
        partial_liquidation=PartialLiquidation("tier_step_down"), notes=_BINANCE_LIQ,
    ),
    "binance_usdm_2022": Venue(
        "Binance USDⓈ-M (2022 tables)", contract="linear", mm_basis="mark",
        tiers={"BTCUSDT": _BINANCE_BTCUSDT_2022, "ETHUSDT": _BINANCE_ETHUSDT_2022},
        taker_fee=0.0004, maker_fee=0.0002, funding_interval_hours=8,
        quote_currency="USDT", source=_FREQTRADE_2022, as_of="2022-02-16",
        key="binance_usdm_2022", older_tables_of="binance_usdm",
        partial_liquidation=PartialLiquidation("tier_step_down"),
        notes="The same venue with its 2022 brackets: compare to see why stale tables mislead. "
              + _BINANCE_LIQ,
    ),
    "binance_coinm": Venue(
        "Binance COIN-M", contract="inverse", mm_basis="mark",
        tiers={"BTCUSD": _vt.BINANCE_COINM_BTCUSD},
        taker_fee=0.0005, maker_fee=0.0002, funding_interval_hours=8,
        partial_liquidation=PartialLiquidation("tier_step_down"),
        quote_currency="USD", source=(
            _vt.BINANCE_COINM_FAQ + "; " + _vt.BINANCE_COINM_LEVERAGE
            + "; contract size 100 USD"),
        as_of="2021-07 (tables); read 2026-12-02", key="binance_coinm",
        notes="BTCUSD brackets (BTC of notional): 0 / 5 / 10 / 20 / 50 / 100 / 200 BTC at "
              "0.4 / 0.5 / 1 / 2.5 / 5 / 10 / 12.5 %, maintenance amounts derived. "
              + _vt.BINANCE_COINM_RATES_NOTE + " Fees: maker 0.02 %, taker 0.05 % as reported "
              "against Binance's fee schedule for a regular user; not confirmed on a Binance "
              "page in this check: Binance's fee FAQ (binance.com/en-ZA/support/faq/"
              "360033544231, read 2026-12-02) still prints a COIN-M example with 0.015 % / "
              "0.040 %, and Binance's post of 2023-09-18 announces changed COIN-M fees from "
              "2023-09-26 without the regular-user rates in the text read. "
              + _BINANCE_LIQ,
    ),
    "bybit_linear": Venue(
        "Bybit USDT (classic)", contract="linear", mm_basis="entry",
        tiers={"BTCUSDT": _vt.BYBIT_BTCUSDT_BASE, "*": RiskTiers.flat(0.005, 0.0, 100)},
        taker_fee=0.00055, maker_fee=0.0002, funding_interval_hours=8,
        quote_currency="USDT", source=_vt.BYBIT_SOURCE,
        as_of="undated help pages, read 2026-12-02", key="bybit_linear",
        notes="Classic accounts measure margin at the entry price, so the mark does not change "
              "the maintenance margin. BTCUSDT: the base risk limit (MMR 0.5 % up to 2,000,000 "
              "USDT) is Bybit's published figure; the higher risk limits are not modelled, "
              "because the page's own example (2,600,000 USDT -> 0.56 %) does not fix the next "
              "tier's rate unambiguously, so a BTCUSDT position above 2,000,000 USDT has its MM "
              "understated. Every other symbol: no per-symbol Bybit table was found in this "
              "check; the kit applies the BTCUSDT base rate as a stand-in, which is NOT Bybit's "
              "rate for that symbol (Bybit sets a base rate per symbol; its older inverse page "
              "gives 1 % for ETH, EOS and XRP). " + _vt.BYBIT_SYMBOL_SEARCH + ". " + _BYBIT_LIQ,
    ),
    "okx_linear": Venue(
        "OKX USDT swap", contract="linear", mm_basis="mark", close_fee_rate=0.0005,
        tiers={"BTC": _vt.OKX_BTC_TIER1, "*": RiskTiers.flat(0.005, 0.0, 100)},
        taker_fee=0.0005, maker_fee=0.0002, funding_interval_hours=8,
        quote_currency="USDT", margin_ratio_style="equity/mm", source=(
            "OKX liquidation rules (taker fee added to the maintenance rate); "
            + _vt.OKX_SOURCE),
        as_of="2023 (tables); read 2026-12-02", key="okx_linear",
        notes="What the kit models: BTC tier 1 only, MMR 0.40 % (max 125x) plus the 0.05 % taker "
              "fee, for every BTC position size. OKX counts tiers in contracts and has no "
              "deduction, so at each tier boundary the MM jumps (the whole position takes the "
              "new rate); the BTC-USDT-SWAP contract caps of each tier were not found on an OKX "
              "page in this check, so no second tier is modelled and a BTC position beyond "
              "OKX's tier 1 has its MM understated. Other symbols: 0.5 % / 100x is a stand-in "
              "from the kit's cross-venue example, not an OKX table. Liquidation: OKX reduces a "
              "position tier by tier before a full liquidation; with one tier a breach closes "
              "in full and the remainder is forfeited (not checked against an OKX page). "
              "Contracts: one BTC-USDT-SWAP contract is 0.01 BTC (" + _vt.OKX_SWAP_SPEC + "); "
              "give a position in contracts with contract_size=0.01. " + _vt.OKX_TABLE_SEARCH
              + ".",
    ),
    "hyperliquid": Venue(
        "Hyperliquid", contract="linear", mm_basis="mark", tiers=_HL,
        taker_fee=0.00045, maker_fee=0.00015, funding_interval_hours=1,
        quote_currency="USDC", source=_HL_SOURCE + "; MMR = 1 / (2 x max leverage)",
        as_of="undated docs, read 2026-12-02", key="hyperliquid", liquidation_fee_rate=0.0,
        partial_liquidation=PartialLiquidation("fraction", 0.2, 100_000.0, 1),
        notes=_HL_LIQ + " " + _HL_TABLE_NOTE,
    ),
    "dydx_v4": Venue(
        "dYdX v4", contract="linear", mm_basis="mark",
        tiers={"BTC": _vt.DYDX_LARGE_CAP, "ETH": _vt.DYDX_LARGE_CAP, "*": _vt.DYDX_SMALL_CAP},
        taker_fee=0.0005, maker_fee=0.0001, funding_interval_hours=1,
        liquidation_fee_rate=0.015, quote_currency="USDC", margin_ratio_style="equity vs mm",
        source=_DYDX_SOURCE, as_of="governance docs, read 2026-12-02", key="dydx_v4",
        notes="dYdX charges a liquidation fee of up to 1.5 % of the notional instead of "
              "forfeiting the remaining margin. BTC and ETH are Large-Cap (MMF 3 %, 20x); every "
              "other market uses Small-Cap (MMF 5 %, 10x). Long-tail markets are IMF 20 % (5x) "
              "with MMF 10 %: the preset does not know which markets governance has put in that "
              "tier (no list was found in this check), so for one of them build "
              "venues['dydx_v4'].with_(tiers={..., 'SYMBOL': margin_widgets.core.venue_tables."
              "DYDX_LONG_TAIL}); the Small-Cap default understates its MM by half.",
    ),
}


class _Presets(Mapping[str, Venue]):
    """Read-only mapping of preset key to :class:`Venue`, with a helpful KeyError."""

    def __getitem__(self, key: str) -> Venue:
        try:
            return _PRESETS[key]
        except KeyError:
            raise UnknownNameError(
                f"unknown venue {key!r}; presets are: {', '.join(_PRESETS)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(_PRESETS)

    def __len__(self) -> int:
        return len(_PRESETS)

    def __repr__(self) -> str:
        return f"venues({', '.join(_PRESETS)})"


venues: Mapping[str, Venue] = _Presets()
"""Venue presets by key: ``venues["binance_usdm"]``."""
