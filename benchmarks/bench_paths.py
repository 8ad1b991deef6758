"""Long paths: time to draw a large GBM fan (10,000 paths x 1,000 steps), and one run of
5 positions x 1,000,000 steps, full against thinned (``simulate(..., display_points=1600)``:
the liquidation engine over every step, the series only at the kept steps).

Prints JSON. Run: .venv/bin/python benchmarks/bench_paths.py [--no-full]
(--no-full skips the full 10^6-step run, which needs about 1 GB.)
(The unit tests check the fan's shape and values and that a thinned run equals the full run at
its kept steps; speed and memory are measured only here.)
"""

import json
import os
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import five_positions_three_symbols  # noqa: E402

from margin_widgets.core import simulate  # noqa: E402
from margin_widgets.core.paths import gbm  # noqa: E402

T_LONG = 1_000_000


def _long_paths():
    rng = np.random.default_rng(7)
    out = {}
    for sym, start, vol in (("BTCUSDT", 60_000.0, 2e-4), ("ETHUSDT", 3_000.0, 3e-4),
                            ("SOLUSDT", 150.0, 4e-4)):
        z = rng.normal(0.0, vol, T_LONG)
        z[0] = 0.0
        out[sym] = start * np.exp(np.cumsum(z))
        out[sym].setflags(write=False)
    return out


def _measure(fn, repeat):
    fn()                                              # warm-up
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        r = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    del r
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"median_ms": round(statistics.median(times) * 1e3, 1),
            "p95_ms": round(float(np.percentile(times, 95)) * 1e3, 1),
            "cpu_median_ms": round(statistics.median(cpu) * 1e3, 1),
            "cpu_p95_ms": round(float(np.percentile(cpu, 95)) * 1e3, 1),
            "runs": repeat,
            "peak_traced_memory_mb": round(peak / 2**20, 1)}


def long_path(full=True):
    acct = five_positions_three_symbols()
    paths = _long_paths()
    out = {"positions": 5, "symbols": 3, "steps": T_LONG,
           "input_paths_mb": round(sum(a.nbytes for a in paths.values()) / 2**20, 1),
           "load_average_1min": round(os.getloadavg()[0], 2),
           "targets": {"thinned_p95_ms": 100, "thinned_memory_mb": 200}}
    thin = simulate(acct, paths, display_points=1600)
    ref = simulate(acct, paths) if full else None
    out["liquidated_at"] = thin.liquidated_at.tolist()
    out["kept_steps"] = int(thin.steps)
    for mode in ("cross", "isolated"):
        a = acct.with_mode(mode)
        out[f"thinned_{mode}"] = _measure(
            lambda a=a: simulate(a, paths, display_points=1600), repeat=15)
        out[f"thinned_{mode}_no_prices"] = _measure(
            lambda a=a: simulate(a, paths, display_points=1600, prices=False), repeat=15)
    if full:
        out["full_cross"] = _measure(lambda: simulate(acct, paths), repeat=2)
        assert ref is not None
        out["same_liquidation_steps_as_full"] = bool(
            np.array_equal(ref.liquidated_at, thin.liquidated_at))
    return out


def main():
    times = []
    for rep in range(5):
        t0 = time.perf_counter()
        p = gbm(60_000.0, 1_000, n_paths=10_000, seed=rep)
        times.append(time.perf_counter() - t0)
    print(json.dumps({
        "gbm_fan": {"paths": p.shape[0], "steps": p.shape[1],
                    "median_s": round(statistics.median(times), 3),
                    "max_s": round(max(times), 3)},
        "long_path_5_positions": long_path(full="--no-full" not in sys.argv),
    }, indent=2))


if __name__ == "__main__":
    main()
