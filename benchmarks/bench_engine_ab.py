"""Old engine against new, in one run: kernel CPU per control change on a 1,000,000-step path.

Each sample is one control change of a dashboard (the Margin Lab, or Cross vs Isolated), timed
by the kernel thread's CPU time (``time.thread_time``) from the assignment until every mark is
updated: the figure the issue's budget is in, and one that other processes on a shared machine
do not inflate. The changes cycle as in ``bench_interaction.py`` (same scenario: Hyperliquid,
5 positions on 3 symbols, funding 0.0001 every 8 steps): wallet, leverage, quantity, a dragged
path point, funding rate.

The OLD code is a git worktree of the base commit (default ``/tmp/engine3-base``; make it with
``git worktree add /tmp/engine3-base 2c9b0ef``), the NEW code this checkout. Each
(configuration, code) pair runs in its own subprocess with ``PYTHONPATH`` pointing at its tree;
the two codes alternate, round after round, so both see the same machine. Every worker also
reports what each change produced (liquidation steps, final wallet and equity, funding paid,
the verdict's sentences), and the parent checks that the old and new codes agree.

Run::

    .venv/bin/python benchmarks/bench_engine_ab.py [--rounds 3] [--changes 10] \
        [--out benchmarks/results/engine_ab_engine3_2026-12-02.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NEW = HERE.parent
KINDS = ("wallet", "leverage", "quantity", "drag point", "funding")
CONFIGS = (("lab", "on"), ("lab", "off"), ("cross_vs_isolated", "on"),
           ("cross_vs_isolated", "off"))


# -- worker: one dashboard, one code base ---------------------------------------------------------
def _digest(result: Any) -> dict[str, Any]:
    import numpy as np

    def one(r: Any) -> dict[str, Any]:
        return {"liquidated_at": np.asarray(r.liquidated_at).tolist(),
                "wallet_end": float(np.asarray(r.wallet_balance)[-1]),
                "equity_end": float(np.asarray(r.equity)[-1]),
                "funding_paid": np.asarray(r.funding_paid).tolist(),
                "realized": np.asarray(r.realized_pnl).tolist()}
    detail = getattr(result, "detail", result)     # a dashboard result wraps the engine's
    if isinstance(detail, dict):
        return {k: one(v) for k, v in detail.items()}
    return one(result)


def worker(dashboard: str, funding: str, steps: int, changes: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import bench_interaction as bi  # patches comm.create_comm: nothing is sent
    import numpy as np
    from bqplot.traits import array_to_json

    import margin_widgets

    scen = bi.scenario(steps)
    if funding == "off":
        scen = scen.replace(funding_every=None)
    if dashboard == "lab":
        from margin_widgets.widgets import MarginLab
        dash: Any = MarginLab(scen)
    else:
        from margin_widgets.widgets.compare import CrossVsIsolated
        dash = CrossVsIsolated(scen)
    if dash.error_message:
        raise SystemExit(f"the scenario failed: {dash.error_message}")
    points = dash.path_editor.control_points
    rows = dash.positions_editor.rows
    rate_input = dash.account_controls.funding_rate_input

    def change(kind: str, i: int) -> None:
        if kind == "wallet":
            dash.wallet_input.value = 50_000 + (i % 2) * 2_500
        elif kind == "leverage":
            dash.leverage_sliders[0].set_state({"value": 10.0 if i % 2 else 8.0})
        elif kind == "quantity":
            rows[2].quantity_input.set_state({"value": 50.0 if i % 2 else 40.0})
        elif kind == "drag point":
            y = np.asarray(points.y, dtype=np.float32).copy()
            y[2] = 52_000 if i % 2 else 50_500
            points.set_state({"y": array_to_json(y)})
        else:
            rate_input.value = 0.01 if i % 2 else 0.02

    for j, kind in enumerate(KINDS):        # warm-up: first-call costs
        change(kind, j + 1)
    cpu: dict[str, list[float]] = {k: [] for k in KINDS}
    produced = []
    for i in range(changes):
        kind = KINDS[i % len(KINDS)]
        c = time.thread_time()
        change(kind, i)
        cpu[kind].append((time.thread_time() - c) * 1e3)
        if dash.error_message:
            raise SystemExit(f"a change failed: {dash.error_message}")
        d = _digest(dash.result)
        if dashboard != "lab":
            d["verdict"] = dash.verdict.sentences() if dash.verdict else None
        produced.append(d)
    return {"code": str(Path(margin_widgets.__file__).resolve().parent.parent),
            "cpu_ms": cpu, "produced": produced}


# -- parent: alternate old and new ---------------------------------------------------------------
def _run(code: Path, dashboard: str, funding: str, steps: int, changes: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", dashboard, funding,
           "--steps", str(steps), "--changes", str(changes)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"worker {dashboard}/{funding} on {code} failed:\n{out.stderr[-3000:]}")
    res: dict[str, Any] = json.loads(out.stdout)
    if Path(res["code"]) != code.resolve():
        raise SystemExit(f"the worker imported {res['code']}, not {code}")
    return res


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return round(float(np.percentile(values, q)), 1) if values else float("nan")


def _close(a: Any, b: Any, rel: float = 1e-9) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= rel * max(1.0, abs(a), abs(b))
    return bool(a == b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=2, metavar=("DASHBOARD", "FUNDING"))
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--changes", type=int, default=10, help="changes per worker process")
    ap.add_argument("--rounds", type=int, default=3, help="old/new alternations")
    ap.add_argument("--base", type=Path, default=Path("/tmp/engine3-base"),
                    help="worktree of the old code")
    ap.add_argument("--base-commit", default="2c9b0ef")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.steps, args.changes)))
        return
    if not (args.base / "margin_widgets").is_dir():
        raise SystemExit(f"no old checkout at {args.base}: git worktree add {args.base} "
                         f"{args.base_commit}")
    codes = {"old": args.base.resolve(), "new": NEW}
    samples: dict[tuple[str, str], dict[str, dict[str, list[float]]]] = {}
    agree: dict[str, bool] = {}
    for rnd in range(args.rounds):
        for dashboard, funding in CONFIGS:
            order = ("old", "new") if rnd % 2 == 0 else ("new", "old")
            got = {}
            for which in order:
                res = _run(codes[which], dashboard, funding, args.steps, args.changes)
                got[which] = res
                per = samples.setdefault((dashboard, funding), {}).setdefault(
                    which, {k: [] for k in KINDS})
                for k, v in res["cpu_ms"].items():
                    per[k].extend(v)
                print(f"round {rnd + 1} {dashboard} funding {funding} {which}: "
                      f"p50 {_pct(sum(res['cpu_ms'].values(), []), 50)} ms", file=sys.stderr)
            key = f"{dashboard}, funding {funding}"
            same = _close(got["old"]["produced"], got["new"]["produced"])
            agree[key] = agree.get(key, True) and same
    results = []
    for (dashboard, funding), per in samples.items():
        row: dict[str, Any] = {"dashboard": dashboard, "funding": funding}
        for which in ("old", "new"):
            allv = sum(per[which].values(), [])
            row[which] = {"cpu_ms": {"p50": _pct(allv, 50), "p95": _pct(allv, 95),
                                     "n": len(allv)},
                          "cpu_ms_by_change": {k: {"p50": _pct(v, 50), "p95": _pct(v, 95)}
                                               for k, v in per[which].items()}}
        row["same_results"] = agree[f"{dashboard}, funding {funding}"]
        results.append(row)
    doc = {
        "benchmark": "engine_ab",
        "steps": args.steps,
        "scenario": "bench_interaction.scenario: Hyperliquid, 5 positions (3 cross, 2 isolated) "
                    "on BTC, ETH, SOL; funding 0.0001 every 8 steps ('off': funding_every None)",
        "old": f"{args.base} ({args.base_commit})",
        "new": str(NEW),
        "measure": "kernel thread CPU (time.thread_time) per control change, from the "
                   "assignment until every mark is updated; old and new alternate in "
                   "subprocesses, round after round",
        "python": sys.version.split()[0], "machine": platform.machine(),
        "cpus": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
        "rounds": args.rounds, "changes_per_process": args.changes,
        "same_results_note": "liquidation steps, final wallet and equity, funding paid and "
                             "realized PnL of every change (and the verdict's sentences) equal "
                             "within 1e-9 relative between old and new",
        "results": results,
    }
    text = json.dumps(doc, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
