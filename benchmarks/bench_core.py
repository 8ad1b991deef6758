"""Liquidation prices per second: one 5-position account, and 10,000 random accounts.

Prints JSON. Run: .venv/bin/python benchmarks/bench_core.py
"""

import json
import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import five_positions_three_symbols  # noqa: E402

from margin_widgets.core import Account, Position, account_prices, venues  # noqa: E402


def many_accounts(n=100_000):
    """account_prices on n single-position accounts (BTC and ETH, both modes, both sides)."""
    rng = np.random.default_rng(1)
    sym = rng.choice(["BTCUSDT", "ETHUSDT"], n)
    entry = np.where(sym == "BTCUSDT", 60_000.0, 3_000.0) * rng.uniform(0.5, 1.5, n)
    qty = np.exp(rng.uniform(np.log(0.001), np.log(300), n)) * np.where(sym == "BTCUSDT", 1, 20)
    lev = rng.uniform(1, 5, n)
    cols = dict(symbol=sym, side=rng.choice(["long", "short"], n), quantity=qty,
                entry_price=entry, wallet_balance=qty * entry / lev * rng.uniform(1, 3, n),
                mode=rng.choice(["cross", "isolated"], n), leverage=lev)
    account_prices("binance_usdm", **{k: v[:100] for k, v in cols.items()})
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        out = account_prices("binance_usdm", **cols)
        times.append(time.perf_counter() - t0)
    numeric = dict(cols, side=np.where(cols["side"] == "long", 1, -1))
    times_num = []
    for _ in range(7):
        t0 = time.perf_counter()
        account_prices("binance_usdm", **numeric)
        times_num.append(time.perf_counter() - t0)
    return {"accounts": n, "median_ms": round(float(np.median(times)) * 1e3, 2),
            "median_ms_numeric_side": round(float(np.median(times_num)) * 1e3, 2),
            "finite_liquidation_prices": int(np.isfinite(out["liquidation_price"]).sum()),
            "target_ms": 50}


def main():
    acct = five_positions_three_symbols()
    marks = {"BTCUSDT": 59_000.0, "ETHUSDT": 3_050.0, "SOLUSDT": 145.0}
    acct.liquidation_prices(marks)
    reps = 300
    t0 = time.perf_counter()
    for _ in range(reps):
        acct.liquidation_prices(marks)
    dt = time.perf_counter() - t0
    per_sec_multi = reps * len(acct.positions) / dt

    rng = np.random.default_rng(0)
    venue = venues["binance_usdm"]
    n = 10_000
    sides = rng.choice(["long", "short"], n)
    qty = rng.uniform(0.01, 30, n)
    entry = rng.uniform(20_000, 80_000, n)
    accounts = []
    for k in range(n):
        notional = qty[k] * entry[k]
        max_lev = float(venue.tiers_for("BTCUSDT").max_leverage(notional))
        lev = float(rng.uniform(1, max_lev))
        mode = "cross" if k % 2 else "isolated"
        accounts.append(Account(venue, notional / lev * rng.uniform(1.0, 3.0),
                                [Position("BTCUSDT", str(sides[k]), qty[k], entry[k], lev, mode)]))
    t0 = time.perf_counter()
    lps = [a.liquidation_price(0, {"BTCUSDT": a.positions[0].entry_price}) for a in accounts]
    dt_single = time.perf_counter() - t0

    print(json.dumps({
        "five_positions_three_symbols": {
            "liquidation_prices_per_second": round(per_sec_multi),
            "ms_per_account_all_prices": round(dt / reps * 1e3, 3),
        },
        "random_single_position_accounts": {
            "accounts": n,
            "seconds": round(dt_single, 3),
            "liquidation_prices_per_second": round(n / dt_single),
            "finite_prices": int(np.isfinite(lps).sum()),
        },
        "account_prices_vectorised": many_accounts(),
    }, indent=2))


if __name__ == "__main__":
    main()
