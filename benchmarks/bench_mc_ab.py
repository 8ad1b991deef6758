"""Monte Carlo speed, this tree against an earlier commit, measured side by side in one run.

10,000 paths x 1,000 steps x 3 positions (benchmarks/bench_simulate.py's account and paths),
both modes, for three liquidation rules: full (no partial), Binance-style tier step-down, and a
20 % fraction rule above 20,000 USDT with a 0.1 % fee. The two code versions run alternately in
fresh processes, ``--rounds`` times each, so a load change on the machine hits both alike.
Wall time and CPU time of the process (``time.process_time``) are both reported; on a shared
machine CPU time is the steadier figure.

Prints JSON. Run:
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_mc_ab.py [--base REV] [--rounds N]
(default base: HEAD, i.e. the last commit against the working tree.)
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from bench_simulate import mc_account, mc_paths
from margin_widgets.core import PartialLiquidation, monte_carlo
import margin_widgets
base = mc_account()
paths = mc_paths(10_000, 1_000)
rules = {
    "full_liquidation": base.venue.with_(taker_fee=0.0, partial_liquidation=None),
    "tier_step_down": base.venue.with_(
        taker_fee=0.0, partial_liquidation=PartialLiquidation("tier_step_down")),
    "fraction_20pct_above_20k": base.venue.with_(
        taker_fee=0.0, liquidation_fee_rate=0.001,
        partial_liquidation=PartialLiquidation("fraction", 0.2, 20_000.0, 1)),
}
out = {"package": margin_widgets.__file__}
for name, v in rules.items():
    acct = base.replace(venue=v)
    monte_carlo(acct, {k: x[:50] for k, x in paths.items()})   # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    mc = monte_carlo(acct, paths)
    out[name] = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                 "liq": [mc[m].liquidated_at.tolist() for m in ("cross", "isolated")]}
print(json.dumps(out))
"""


def _run(pkg_dir: str) -> dict:
    env = dict(os.environ, PYTHONPATH=pkg_dir)
    res = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "benchmarks")], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def main() -> None:
    args = sys.argv[1:]
    base = args[args.index("--base") + 1] if "--base" in args else "HEAD"
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 3
    with tempfile.TemporaryDirectory() as tmp:
        arch = subprocess.run(["git", "-C", str(ROOT), "archive", base, "margin_widgets"],
                              capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=arch, check=True)
        load0 = os.getloadavg()
        runs: dict[str, list[dict]] = {"base": [], "this": []}
        for _ in range(rounds):
            runs["base"].append(_run(tmp))
            runs["this"].append(_run(str(ROOT)))
        load1 = os.getloadavg()
    out: dict = {"base_revision": base, "rounds": rounds,
                 "paths": 10_000, "steps": 1_000, "positions": 3, "modes": 2,
                 "load_average_start": [round(v, 2) for v in load0],
                 "load_average_end": [round(v, 2) for v in load1], "cases": {}}
    for case in ("full_liquidation", "tier_step_down", "fraction_20pct_above_20k"):
        row = {}
        for who in ("base", "this"):
            w = [r[case]["wall"] for r in runs[who]]
            c = [r[case]["cpu"] for r in runs[who]]
            row[who] = {"wall_s_median": round(statistics.median(w), 3),
                        "wall_s_min": round(min(w), 3),
                        "cpu_s_median": round(statistics.median(c), 3),
                        "cpu_s_min": round(min(c), 3)}
        row["ratio_base_over_this_cpu_median"] = round(
            row["base"]["cpu_s_median"] / row["this"]["cpu_s_median"], 2)
        row["ratio_base_over_this_wall_median"] = round(
            row["base"]["wall_s_median"] / row["this"]["wall_s_median"], 2)
        row["same_liquidation_steps"] = all(
            a[case]["liq"] == b[case]["liq"] for a, b in zip(runs["base"], runs["this"],
                                                             strict=True))
        out["cases"][case] = row
    out["target_wall_s"] = 0.6
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
