"""CSV reading: the line-by-line reader against the pandas reader, on 500,000 rows.

Prints JSON: seconds for each reader (median of 3) and the speed-up, for ISO-8601 timestamps
(with a Z) and for numeric ones, and whether both readers return the same arrays.
Run: .venv/bin/python benchmarks/bench_csv.py [rows]
(The unit tests check that both readers agree and that bad lines are named; speed is only
measured here.)
"""

import json
import statistics
import sys
import time

import numpy as np

from margin_widgets.core.paths import io as path_io
from margin_widgets.core.paths import parse_csv_text


def make(rows: int, iso: bool) -> str:
    rng = np.random.default_rng(7)
    prices = 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-3, rows)))
    if iso:
        start = np.datetime64("2021-01-01T00:00:00", "s")
        stamps = (start + np.arange(rows) * np.timedelta64(60, "s")).astype(str)
        lines = [f"{t}Z,{p!r}" for t, p in zip(stamps.tolist(), prices.tolist(), strict=True)]
    else:
        lines = [f"{1_609_459_200 + 60 * i},{p!r}" for i, p in enumerate(prices.tolist())]
    return "timestamp,price\n" + "\n".join(lines) + "\n"


def timed(fn, text, reps=3):
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn(text)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    limit = path_io._MAX_CSV_ROWS
    report = {"rows": rows}
    for name, iso in (("iso_timestamps", True), ("numeric_timestamps", False)):
        text = make(rows, iso)
        line_s, (t1, p1) = timed(lambda s: path_io._parse_rows(s, None, limit), text)
        fast_s, (t2, p2) = timed(parse_csv_text, text)
        report[name] = {
            "megabytes": round(len(text) / 1e6, 1),
            "line_by_line_s": round(line_s, 3),
            "pandas_s": round(fast_s, 3),
            "speedup": round(line_s / fast_s, 1),
            "same_arrays": bool(np.array_equal(t1, t2) and np.array_equal(p1, p2)
                                and t1.dtype == t2.dtype),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
