"""Path generators: time to draw a large GBM fan (10,000 paths x 1,000 steps).

Prints JSON. Run: .venv/bin/python benchmarks/bench_paths.py
(The unit tests check the fan's shape and values; its speed is measured only here.)
"""

import json
import statistics
import time

from margin_widgets.core.paths import gbm


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
    }, indent=2))


if __name__ == "__main__":
    main()
