"""Shared set-up for the benchmarks: accounts and paths built the same way every time."""

import time

import numpy as np

from margin_widgets.core import Account, Position, venues


def five_positions_three_symbols(venue="binance_usdm"):
    """5 cross positions on 3 symbols with real Binance brackets (BTC, ETH) and a default."""
    v = venues[venue]
    v = v.with_(tiers={**dict(v.tiers), "*": v.tiers_for("ETHUSDT")})
    return Account(v, 50_000, [
        Position("BTCUSDT", "long", 2, 60_000, 20),
        Position("BTCUSDT", "short", 0.5, 61_000, 20),
        Position("ETHUSDT", "short", 30, 3_000, 20),
        Position("ETHUSDT", "long", 5, 2_900, 10),
        Position("SOLUSDT", "long", 200, 150, 10),
    ])


def gbm(start, n, T, vol=0.004, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, vol, (n, T))
    z[:, 0] = 0.0
    return start * np.exp(np.cumsum(z, axis=1))


def timeit(fn, repeat=20):
    """Median and all timings (seconds) of ``repeat`` calls, after one warm-up."""
    fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), ts
