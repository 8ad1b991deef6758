"""Monte Carlo speed, this tree against an earlier commit, measured side by side in one run.

10,000 paths x 1,000 steps x 3 positions (benchmarks/bench_simulate.py's account and paths),
both modes, for three liquidation rules: full (no partial), Binance-style tier step-down, and a
20 % fraction rule above 20,000 USDT with a 0.1 % fee. The earlier commit's engine is imported
in the same process under another package name (``margin_widgets.core`` imports only
relatively), and the two engines run alternately on the same paths, ``--rounds`` times each,
so a change of load on the machine hits both alike. Wall time and CPU time of the process
(``time.process_time``) are both reported; on a shared machine CPU time is the steadier figure.

Prints JSON. Run:
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_mc_ab.py [--base REV] [--rounds N]
(default base: HEAD, i.e. the last commit against the working tree.)
"""

import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _common import gbm  # noqa: E402


def _cases(core):
    v = core.venues["binance_usdm"]
    acct = core.Account(v, 30_000, [core.Position("BTCUSDT", "long", 1, 60_000, 20),
                                    core.Position("ETHUSDT", "short", 10, 3_000, 20),
                                    core.Position("BTCUSDT", "short", 0.3, 60_000, 10)])
    pl = core.PartialLiquidation
    return {
        "full_liquidation": acct.replace(venue=v.with_(taker_fee=0.0, partial_liquidation=None)),
        "tier_step_down": acct.replace(venue=v.with_(taker_fee=0.0,
                                                     partial_liquidation=pl("tier_step_down"))),
        "fraction_20pct_above_20k": acct.replace(venue=v.with_(
            taker_fee=0.0, liquidation_fee_rate=0.001,
            partial_liquidation=pl("fraction", 0.2, 20_000.0, 1))),
    }


def _time(core, acct, paths):
    t0, c0 = time.perf_counter(), time.process_time()
    mc = core.monte_carlo(acct, paths)
    return time.perf_counter() - t0, time.process_time() - c0, mc


def main() -> None:
    args = sys.argv[1:]
    base = args[args.index("--base") + 1] if "--base" in args else "HEAD"
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 5
    paths = {"BTCUSDT": gbm(60_000, 10_000, 1_000, vol=0.006, seed=11),
             "ETHUSDT": gbm(3_000, 10_000, 1_000, vol=0.007, seed=12)}
    with tempfile.TemporaryDirectory() as tmp:
        arch = subprocess.run(["git", "-C", str(ROOT), "archive", base, "margin_widgets/core"],
                              capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=arch, check=True)
        pkg = Path(tmp) / "mw_base"
        (Path(tmp) / "margin_widgets").rename(pkg)
        (pkg / "__init__.py").write_text("")
        sys.path.insert(0, tmp)
        engines = {"base": importlib.import_module("mw_base.core"),
                   "this": importlib.import_module("margin_widgets.core")}
        load0 = os.getloadavg()
        cases = {who: _cases(core) for who, core in engines.items()}
        out: dict = {"base_revision": base, "rounds": rounds, "paths": 10_000, "steps": 1_000,
                     "positions": 3, "modes": 2, "this_package": engines["this"].__file__,
                     "load_average_start": [round(v, 2) for v in load0], "cases": {}}
        for case in cases["base"]:
            small = {k: v[:50] for k, v in paths.items()}
            for who, core in engines.items():
                core.monte_carlo(cases[who][case], small)          # warm-up
            wall: dict[str, list[float]] = {"base": [], "this": []}
            cpu: dict[str, list[float]] = {"base": [], "this": []}
            liq = {}
            for r in range(rounds):
                order = ("base", "this") if r % 2 == 0 else ("this", "base")
                for who in order:
                    w, c, mc = _time(engines[who], cases[who][case], paths)
                    wall[who].append(w)
                    cpu[who].append(c)
                    liq[who] = [mc[m].liquidated_at for m in ("cross", "isolated")]
            row = {who: {"wall_s_median": round(statistics.median(wall[who]), 3),
                         "wall_s_min": round(min(wall[who]), 3),
                         "cpu_s_median": round(statistics.median(cpu[who]), 3),
                         "cpu_s_min": round(min(cpu[who]), 3)} for who in wall}
            row["ratio_base_over_this_cpu_median"] = round(
                row["base"]["cpu_s_median"] / row["this"]["cpu_s_median"], 2)
            row["ratio_base_over_this_wall_median"] = round(
                row["base"]["wall_s_median"] / row["this"]["wall_s_median"], 2)
            row["same_liquidation_steps"] = all(
                (a == b).all() for a, b in zip(liq["base"], liq["this"], strict=True))
            out["cases"][case] = row
        out["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    out["target_wall_s"] = 0.6
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
