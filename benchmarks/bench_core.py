"""Liquidation prices per second: one 5-position account, and 10,000 random accounts.

Prints JSON. Run: .venv/bin/python benchmarks/bench_core.py
"""

import json
import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import five_positions_three_symbols  # noqa: E402

from margin_widgets.core import Account, Position, venues  # noqa: E402


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
    }, indent=2))


if __name__ == "__main__":
    main()
