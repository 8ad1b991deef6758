"""Simulation speed: interactive simulate, Monte Carlo, and Monte Carlo against a plain loop.

Prints JSON. Run: .venv/bin/python benchmarks/bench_simulate.py [--quick] [--mc-only]
(--mc-only: the two Monte Carlo parts only, without the interactive simulate timing.)
"""

import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import five_positions_three_symbols, gbm, timeit  # noqa: E402

from margin_widgets.core import (  # noqa: E402
    Account,
    PartialLiquidation,
    Position,
    monte_carlo,
    simulate,
    venues,
)


def interactive():
    acct = five_positions_three_symbols()
    T = 2_000
    paths = {"BTCUSDT": gbm(60_000, 1, T, seed=1)[0], "ETHUSDT": gbm(3_000, 1, T, seed=2)[0],
             "SOLUSDT": gbm(150, 1, T, seed=3)[0]}
    med, ts = timeit(lambda: simulate(acct, paths), repeat=50)
    med_np, _ = timeit(lambda: simulate(acct, paths, prices=False), repeat=50)
    r = simulate(acct, paths)
    n_prices = int(np.isfinite(r.liquidation_price).sum() + np.isfinite(r.bankruptcy_price).sum())
    return {"positions": 5, "symbols": 3, "steps": T,
            "median_ms": round(med * 1e3, 3), "p95_ms": round(np.percentile(ts, 95) * 1e3, 3),
            "median_ms_without_prices": round(med_np * 1e3, 3),
            "liquidation_and_bankruptcy_prices_per_second": round(n_prices / med),
            "target_ms": 2.0}


def mc_account():
    v = venues["binance_usdm"]
    return Account(v, 30_000, [Position("BTCUSDT", "long", 1, 60_000, 20),
                               Position("ETHUSDT", "short", 10, 3_000, 20),
                               Position("BTCUSDT", "short", 0.3, 60_000, 10)])


def mc_paths(n, T):
    return {"BTCUSDT": gbm(60_000, n, T, vol=0.006, seed=11),
            "ETHUSDT": gbm(3_000, n, T, vol=0.007, seed=12)}


def bare_numpy_condition(acct, paths):
    """The liquidation condition alone, as plain numpy over whole arrays (both modes)."""
    b = acct.book
    hs = []
    for i, p in enumerate(acct.positions):
        x = paths[p.symbol]
        n = b.u[i] * x
        hs.append(b.sigma[i] * b.u[i] * (x - b.xE[i]) - b.tiers[i].maintenance_margin(n))
    g = sum(hs)
    T = g.shape[1]
    first = lambda hit: np.where(hit.any(1), hit.argmax(1), T)  # noqa: E731
    out = [first(g <= -acct.wallet_balance)]
    iso = acct.with_mode("isolated").isolated_margins
    out += [first(h <= -m) for h, m in zip(hs, iso, strict=True)]
    return out


def python_loop(acct, paths, n_paths):
    """Per path, per step, in plain Python: test the condition, stop at the first hit."""
    b = acct.book
    pos = list(enumerate(acct.positions))
    iso = acct.with_mode("isolated").isolated_margins
    tiers = [(list(b.tiers[i].floors), list(b.tiers[i].mmrs), list(b.tiers[i].cums))
             for i in range(b.n)]

    def mm(i, notional):
        floors, mmrs, cums = tiers[i]
        k = 0
        while k + 1 < len(floors) and notional >= floors[k + 1]:
            k += 1
        return notional * mmrs[k] - cums[k]

    T = next(iter(paths.values())).shape[1]
    cross_out, iso_out = [], []
    for j in range(n_paths):
        rows = {s: paths[s][j].tolist() for s in paths}
        kc = T
        for t in range(T):
            g = acct.wallet_balance
            for i, p in pos:
                x = rows[p.symbol][t]
                g += b.sigma[i] * b.u[i] * (x - b.xE[i]) - mm(i, b.u[i] * x)
            if g <= 0:
                kc = t
                break
        cross_out.append(kc)
        per = []
        for i, p in pos:
            ki = T
            for t in range(T):
                x = rows[p.symbol][t]
                if iso[i] + b.sigma[i] * b.u[i] * (x - b.xE[i]) - mm(i, b.u[i] * x) <= 0:
                    ki = t
                    break
            per.append(ki)
        iso_out.append(per)
    return np.array(cross_out), np.array(iso_out).T


def montecarlo(n=10_000, T=1_000, loop_paths=300):
    acct = mc_account()
    # full liquidation, as the plain loop below checks (the preset now steps tiers down)
    acct_nofee = acct.replace(venue=acct.venue.with_(taker_fee=0.0, partial_liquidation=None))
    paths = mc_paths(n, T)
    monte_carlo(acct_nofee, {k: v[:50] for k, v in paths.items()})  # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        mc = monte_carlo(acct_nofee, paths)
        times.append(time.perf_counter() - t0)
    rss_after_mc = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    monte_carlo(acct_nofee, paths)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t0 = time.perf_counter()
    bare_numpy_condition(acct_nofee, paths)
    bare = time.perf_counter() - t0

    sub = {k: v[:loop_paths] for k, v in paths.items()}
    t0 = time.perf_counter()
    loop_cross, loop_iso = python_loop(acct_nofee, sub, loop_paths)
    loop_t = time.perf_counter() - t0
    t0 = time.perf_counter()
    mc_sub = monte_carlo(acct_nofee, sub)
    mc_sub_t = time.perf_counter() - t0
    to_idx = lambda a: np.where(a < 0, T, a)  # noqa: E731
    agree_cross = bool(np.array_equal(to_idx(mc_sub["cross"].liquidated_at[0]), loop_cross))
    agree_iso = bool(np.array_equal(to_idx(mc_sub["isolated"].liquidated_at), loop_iso))
    loop_scaled = loop_t * n / loop_paths
    return {
        "paths": n, "steps": T, "positions": 3, "modes": 2,
        "wall_seconds_median_of_3": round(float(np.median(times)), 3),
        "wall_seconds_all": [round(t, 3) for t in times],
        "peak_traced_memory_mb": round(peak / 2**20, 1),
        "input_paths_mb": round(sum(v.nbytes for v in paths.values()) / 2**20, 1),
        "process_max_rss_mb_after_monte_carlo": round(rss_after_mc, 1),
        "bare_numpy_condition_seconds": round(bare, 3),
        "ratio_to_bare_numpy": round(float(np.median(times)) / bare, 2),
        "liquidation_probability": {m: round(mc[m].probability_of_liquidation, 4) for m in mc},
        "python_loop": {
            "paths_run": loop_paths, "seconds": round(loop_t, 3),
            "scaled_to_all_paths_seconds": round(loop_scaled, 1),
            "speedup_vs_monte_carlo": round(loop_scaled / float(np.median(times)), 1),
            "speedup_same_paths": round(loop_t / mc_sub_t, 1),
            "liquidation_steps_agree_cross": agree_cross,
            "liquidation_steps_agree_isolated": agree_iso,
        },
        "targets": {"wall_seconds": 0.6, "memory_gb": 1.0, "speedup": 20},
    }


def montecarlo_rules(n=10_000, T=1_000, loop_paths=100):
    """Monte Carlo with partial liquidation on, against a plain early-exit loop of the rules.

    The loop is tests/unit/loop_oracle.py (one path, one step at a time, stopping when every
    position is closed), run on ``loop_paths`` paths in both modes and scaled to all paths.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))
    from loop_oracle import loop

    base = mc_account()
    out = {}
    rules = {
        "tier_step_down": base.venue.with_(taker_fee=0.0, partial_liquidation=PartialLiquidation(
            "tier_step_down")),
        "fraction_20pct_above_20k": base.venue.with_(
            taker_fee=0.0, liquidation_fee_rate=0.001,
            partial_liquidation=PartialLiquidation("fraction", 0.2, 20_000.0, 1)),
    }
    paths = mc_paths(n, T)
    for name, venue in rules.items():
        acct = base.replace(venue=venue)
        monte_carlo(acct, {k: v[:50] for k, v in paths.items()})  # warm-up
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            mc = monte_carlo(acct, paths)
            times.append(time.perf_counter() - t0)
        sub = {k: v[:loop_paths] for k, v in paths.items()}
        t0 = time.perf_counter()
        agree = True
        for j in range(loop_paths):
            one = {k: v[j] for k, v in sub.items()}
            for mode in ("cross", "isolated"):
                o = loop(acct.with_mode(mode), one, early_exit=True)
                agree &= o["liquidated_at"] == mc[mode].liquidated_at[:, j].tolist()
        loop_t = time.perf_counter() - t0
        med = float(np.median(times))
        out[name] = {
            "paths": n, "steps": T, "positions": 3, "modes": 2,
            "wall_seconds_median_of_3": round(med, 3),
            "wall_seconds_all": [round(t, 3) for t in times],
            "partial_liquidations": {m: int(mc[m].extra["partial_liquidations"].sum())
                                     for m in mc},
            "liquidation_probability": {m: round(mc[m].probability_of_liquidation, 4)
                                        for m in mc},
            "plain_loop": {"paths_run": loop_paths, "seconds": round(loop_t, 3),
                           "scaled_to_all_paths_seconds": round(loop_t * n / loop_paths, 1),
                           "speedup": round(loop_t * n / loop_paths / med, 1),
                           "liquidation_steps_agree": bool(agree)},
            "targets": {"wall_seconds": 0.6, "speedup": 20},
        }
    return out


def main():
    quick = "--quick" in sys.argv
    mc_only = "--mc-only" in sys.argv
    out = {"load_average_1min_at_start": round(os.getloadavg()[0], 2)}
    if not mc_only:
        out["interactive_simulate"] = interactive()
    out["monte_carlo"] = montecarlo(*((1_000, 200, 50) if quick else ()))
    out["monte_carlo_partial_liquidation"] = montecarlo_rules(
        *((1_000, 200, 20) if quick else ()))
    out["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
