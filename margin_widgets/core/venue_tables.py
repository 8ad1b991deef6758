"""Published tier tables behind the venue presets, each with its source and the date read.

Every number here was read on a venue's own page (or a copy of it) with the search tool on
2026-12-02; where a rate is not printed but fixed by printed figures, the comment says how.
Maintenance amounts (``cum``) are never typed in: :meth:`RiskTiers.from_brackets` derives them
(MARGIN_MODEL section 2), and tests/unit/test_presets_sources.py re-derives them independently
and compares them with the amounts the venues print.
"""

from __future__ import annotations

from .tiers import RiskTiers

READ_ON = "2026-12-02"

# --- Binance COIN-M BTCUSD perpetual (inverse; floors in BTC of notional) ----------------------
BINANCE_COINM_FAQ = (
    "Binance FAQ 'How to Calculate Liquidation Price of COIN-M Futures Contracts' "
    "(binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46, page dated 2021-02-05, "
    f"read {READ_ON}): level 1 MMR 0.4 %, 300 BTC -> MMR 12.5 %, maintenance amount 11.605 BTC "
    "(the es-MX copy prints the older 11.81 BTC and 'level 5 = 50 BTC x (5 % - 2.5 %) + 0.56 BTC "
    "= 1.81 BTC')")
BINANCE_COINM_LEVERAGE = (
    "Binance FAQ 'Leverage and Margin in Coin-Margined Futures Contracts' "
    "(binance.com/en-NG/support/faq/be2c7d9d95b04a7e8044ed02dd7dfe5c, page dated 2020-06-11 with "
    f"a 2021-07-27 note, read {READ_ON}): BTCUSD perpetual 125x up to 5 BTC, 100x 10, 50x 20, "
    "20x 50, 10x 100, 5x 200, 4x 400, 3x 1,000 (the en copy prints the older caps 10/20/30/50/"
    "100/200/400/1,000)")
BINANCE_COINM_RATES_NOTE = (
    "Binance prints the initial-margin caps per level but, in the pages read, only some "
    "maintenance rates (levels 1, 4, 5 and the 300 BTC level: 0.4 %, 2.5 %, 5 %, 12.5 %). Levels "
    "2, 3 and 6 are taken as half their initial margin rate (0.5 %, 1 %, 10 %), the pattern of "
    "the printed levels; with them the derived maintenance amount at 300 BTC is 11.605 BTC "
    "(current caps) and 11.81 BTC (older caps), exactly the FAQ's figures. Above 400 BTC "
    "(3x, 2x, 1x levels) no maintenance rate was found: the table stops at the 4x level, so a "
    "position above 400 BTC is charged the 12.5 % level and its MM is understated.")

BINANCE_COINM_BTCUSD = RiskTiers.from_brackets(
    [(0, 0.004, 125), (5, 0.005, 100), (10, 0.01, 50), (20, 0.025, 20), (50, 0.05, 10),
     (100, 0.10, 5), (200, 0.125, 4)],
    source=BINANCE_COINM_FAQ + "; " + BINANCE_COINM_LEVERAGE)
"""Current caps (5/10/20/50/100/200/400 BTC): cum at 300 BTC = 11.605 BTC."""

BINANCE_COINM_BTCUSD_2021 = RiskTiers.from_brackets(
    [(0, 0.004, 125), (10, 0.005, 100), (20, 0.01, 50), (30, 0.025, 20), (50, 0.05, 10),
     (100, 0.10, 5), (200, 0.125, 4)],
    source="older caps (10/20/30/50/100/200/400 BTC) of " + BINANCE_COINM_LEVERAGE
    + "; cum 0.56 / 1.81 / 11.81 BTC printed by the es-MX copy of " + BINANCE_COINM_FAQ)
"""Older caps, as in the FAQ's es-MX copy: cum 0.56 (level 4), 1.81 (level 5), 11.81 (300 BTC)."""

# --- Hyperliquid (linear USDC; mmr = 1 / (2 x max leverage)) ----------------------------------
HL_SOURCE = (
    "Hyperliquid Docs 'Margin tiers' (hyperliquid.gitbook.io/hyperliquid-docs/trading/"
    f"margin-tiers, 'Mainnet Margin Tiers', undated page, read {READ_ON})")
HL_BTC = RiskTiers.from_max_leverage([(0, 40), (150e6, 20)], HL_SOURCE)
HL_ETH = RiskTiers.from_max_leverage([(0, 25), (100e6, 15)], HL_SOURCE)
HL_SOL = RiskTiers.from_max_leverage([(0, 20), (70e6, 10)], HL_SOURCE)
HL_XRP = RiskTiers.from_max_leverage([(0, 20), (40e6, 10)], HL_SOURCE)
HL_10X_20M = RiskTiers.from_max_leverage([(0, 10), (20e6, 5)], HL_SOURCE)
HL_10X_3M = RiskTiers.from_max_leverage([(0, 10), (3e6, 5)], HL_SOURCE)
HL_10X_20M_ASSETS = ("DOGE", "kPEPE", "SUI", "WLD", "TRUMP", "LTC", "ENA", "POPCAT", "WIF",
                     "AAVE", "kBONK", "LINK", "CRV", "AVAX", "ADA", "UNI", "NEAR", "TIA", "APT",
                     "BCH", "HYPE", "FARTCOIN")
HL_10X_3M_ASSETS = ("OP", "ARB", "LDO", "TON", "MKR", "ONDO", "JUP", "INJ", "kSHIB", "SEI",
                    "TRX", "BNB", "DOT")

# --- dYdX v4 liquidity tiers (flat: no position-size scaling) ---------------------------------
DYDX_SOURCE = (
    "dYdX Chain governance docs 'Markets' / Liquidity Tiers (docs.dydx.community/"
    "dydx-token-migration/dydx-chain-modules-and-parameters/governance-adjustable-parameters/"
    f"markets, read {READ_ON}): tier 0 IMF 5 %, maintenance fraction 0.6 (MMF 3 %); tier 1 "
    "IMF 10 %, 0.5 (MMF 5 %); tier 2 IMF 20 %, 0.5 (MMF 10 %); dYdX docs 'Margin' "
    "(docs.dydx.exchange/concepts-trading/margin): IMF and MMF are the same at every position "
    "size since nonlinear margin scaling was removed")
DYDX_LARGE_CAP = RiskTiers.flat(0.03, 0.0, 20)     # 5 % x 0.6; 1 / 5 %
DYDX_SMALL_CAP = RiskTiers.flat(0.05, 0.0, 10)     # 10 % x 0.5; 1 / 10 %
DYDX_LONG_TAIL = RiskTiers.flat(0.10, 0.0, 5)      # 20 % x 0.5; 1 / 20 %
"""Long-tail markets: IMF 20 % (5x), MMF 10 %."""

# --- OKX (tiers counted in contracts, no deduction) --------------------------------------------
OKX_SOURCE = (
    "OKX announcements 'OKX to adjust position tiers ...' read " + READ_ON + ": BTC tier 1 "
    "MMR 0.40 %, min IMR 0.80 %, 125x on OKX's BTCUSD futures (okx.com/support/hc/en-us/"
    "articles/10722087776781, tier 1 max 500 contracts) and on BTCUSDC perpetual before "
    "2023-08-23 (OKX release of 2023-08-23, tier 1 max 30,000 contracts); every OKX tier table "
    "read is in contracts, a rate per tier and no deduction")
OKX_BTC_TIER1 = RiskTiers.flat(0.004, 0.0, 125)
OKX_SWAP_SPEC = (
    "OKX Help 'I. Perpetual swaps' (okx.com/help/7053456733325, undated, read 2026-12-02): "
    "BTCUSDT perpetual contract size 0.01 BTC, leverage 0.01-125x (the hk.okx.com copy of the "
    "same guide now prints 0.01-100x)")
OKX_BTCUSDT_SWAP_CONTRACT_SIZE = 0.01
"""BTC per BTC-USDT-SWAP contract: ``Position(..., quantity=contracts, contract_size=0.01)``."""
OKX_TABLE_SEARCH = (
    "Searched again on 2026-12-02 for the BTC-USDT-SWAP tier table (tiers in contracts): OKX's "
    "position-tier announcements found (2022-03, 2023-04, 2023-05, 2025-02, 2025-11, in copies "
    "of okx.com help pages) list other perpetuals (AAVE, ADA, ALGO, APE, ... in contracts, with a "
    "rate per tier and no deduction) but not BTCUSDT; OKX serves the live table only from its "
    "position-tiers page and API, which were not in the stored copies")

# --- Bybit (classic account, USDT contracts) ---------------------------------------------------
BYBIT_SOURCE = (
    "Bybit Help Center 'Maintenance Margin (USDT Contract)' (undated, read " + READ_ON + "): "
    "BTCUSDT position value up to 2,000,000 USDT -> MMR 0.5 %; tiers add MMR on the excess "
    "above each risk limit; Bybit Help 'Liquidation Price (USDT Contract)' (classic account, "
    "base risk limit 100x)")
BYBIT_BTCUSDT_BASE = RiskTiers.flat(0.005, 0.0, 100)
BYBIT_SYMBOL_SEARCH = (
    "Searched on 2026-12-02 for Bybit's per-symbol USDT risk limits: Bybit Help 'Risk Limit "
    "(Perpetual and Futures Contracts)' (2024-09-06) says each trading pair has its own "
    "maintenance margin base rate but prints no per-symbol table; Bybit's 'Margin Parameters' "
    "page (bybit.com/en/announcement-info/margin-parameters) shows 'No records' in the stored "
    "copy (the table is filled in by the site); Bybit Help 'Risk Limit (Inverse Contract)' "
    "(last updated 2025-11-25) gives base rates for inverse contracts only (0.5 % BTC; 1 % ETH, "
    "EOS, XRP). Bybit's risk-limit announcements read cover small symbols (e.g. 2025-06-20, "
    "2025-07-01), not ETHUSDT or SOLUSDT")
