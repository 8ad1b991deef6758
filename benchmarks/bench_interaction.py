"""Kernel-side cost of one interaction with the Margin Lab.

For a Margin Lab with 5 positions on 3 symbols, measures the time from a control change until
every mark is updated (the assignment returns only after the engine ran and every chart and
panel was redrawn), p50 and p95 over many changes, and the bytes sent per update (JSON of each
comm message plus its binary buffers, recorded by a comm that serialises like a kernel but
sends nothing). The same at 10,000 / 100,000 / 1,000,000 steps shows that what travels is flat
in path length (decimation); the engine's own time is reported separately (it is linear in the
path length).

Changes cycle through: wallet, leverage, quantity, a dragged path point and the funding rate.
Scrubbing (no engine run) is measured too. Wall-clock times on a shared machine include time
spent waiting for a CPU; the thread CPU time of the same span is printed next to them.

Run:  .venv/bin/python benchmarks/bench_interaction.py [--quick]
Also printed: the widget models a Margin Lab creates and the bytes of their state (each
model's opening message), the bytes per update by model class, and what the lab-wide mode
switch sends.

Prints one JSON document. Targets at 2,000 steps (issue 8): p95 <= 25 ms, bytes per update
p95 <= 50 KB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from typing import Any

import comm
import numpy as np


def _size(data: Any, buffers: Any) -> int:
    size = len(json.dumps(data, default=str).encode())
    return size + sum(memoryview(b).nbytes for b in (buffers or ()))


class _Comm:
    """Serialises every message like a kernel would (JSON + buffers), then drops it.

    Also counts the comms opened (one per widget model) and the bytes of their opening
    state, and, per model class, the bytes sent since the last reset.
    """

    bytes_sent = 0
    messages = 0
    opened = 0
    open_bytes = 0
    by_model: dict[str, int] = {}

    def __init__(self, **kwargs: Any) -> None:
        self.comm_id = kwargs.get("comm_id") or uuid.uuid4().hex
        data = kwargs.get("data") or {}
        self.model = str((data.get("state") or {}).get("_model_name", "?"))
        _Comm.opened += 1
        _Comm.open_bytes += _size(data, kwargs.get("buffers"))

    def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        size = _size(data, buffers)
        _Comm.bytes_sent += size
        _Comm.messages += 1
        _Comm.by_model[self.model] = _Comm.by_model.get(self.model, 0) + size

    def on_msg(self, callback: Any) -> None:
        pass

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass


comm.create_comm = lambda *args, **kwargs: _Comm(**kwargs)  # before any widget exists

from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from five_positions import five_positions  # noqa: E402

from margin_widgets.core.scenario import Scenario  # noqa: E402
from margin_widgets.widgets import MarginLab  # noqa: E402


def scenario(steps: int) -> Scenario:
    """5 positions on 3 symbols (Hyperliquid: BTC, ETH, SOL), cross and isolated."""
    return five_positions(steps)


def _changes(lab: MarginLab) -> list[tuple[str, Any]]:
    from bqplot.traits import array_to_json

    points = lab.path_editor.control_points

    def wallet(i: int) -> None:
        lab.wallet_input.value = 50_000 + (i % 2) * 2_500

    def leverage(i: int) -> None:
        lab.leverage_sliders[0].set_state({"value": 10.0 if i % 2 else 8.0})

    def quantity(i: int) -> None:
        lab.position_rows[2].quantity_input.set_state({"value": 50.0 if i % 2 else 40.0})

    def drag(i: int) -> None:
        y = np.asarray(points.y, dtype=np.float32).copy()
        y[2] = 52_000 if i % 2 else 50_500
        points.set_state({"y": array_to_json(y)})

    def funding(i: int) -> None:
        lab.funding_rate_input.value = 0.01 if i % 2 else 0.02

    return [("wallet", wallet), ("leverage", leverage), ("quantity", quantity),
            ("drag point", drag), ("funding", funding)]


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1e3, 2)


def measure(steps: int, n_changes: int, n_scrubs: int) -> dict[str, Any]:
    opened, open_bytes = _Comm.opened, _Comm.open_bytes
    t0 = time.perf_counter()
    lab = MarginLab(scenario(steps))
    build_s = time.perf_counter() - t0
    models = _Comm.opened - opened
    # the state each model opens with, plus what the construction sent after opening
    state_bytes = _Comm.open_bytes - open_bytes
    if lab.error_message:
        raise SystemExit(f"the benchmark scenario failed: {lab.error_message}")
    engine: list[float] = []
    real_run = lab._run

    def timed_run(s: Scenario) -> Any:
        t = time.perf_counter()
        try:
            return real_run(s)
        finally:
            engine.append(time.perf_counter() - t)

    lab._run = timed_run  # type: ignore[method-assign]
    changes = _changes(lab)
    # warm-up (first-call costs, caches)
    for j, (_name, fn) in enumerate(changes):
        fn(j + 1)  # the opposite of what step j of the loop below sets
    totals: list[float] = []
    cpu: list[float] = []
    per_kind: dict[str, list[float]] = {name: [] for name, _ in changes}
    sizes: list[int] = []
    messages: list[int] = []
    engine.clear()
    runs_before = lab.recompute_count
    _Comm.by_model = {}
    for i in range(n_changes):
        name, fn = changes[i % len(changes)]
        _Comm.bytes_sent = _Comm.messages = 0
        c = time.thread_time()
        t = time.perf_counter()
        fn(i)
        dt = time.perf_counter() - t
        cpu.append(time.thread_time() - c)
        totals.append(dt)
        per_kind[name].append(dt)
        sizes.append(_Comm.bytes_sent)
        messages.append(_Comm.messages)
    if lab.error_message:
        raise SystemExit(f"a change failed: {lab.error_message}")
    assert lab.recompute_count - runs_before == n_changes, "one recompute per change"
    bytes_by_model = {k: round(v / n_changes) for k, v in
                      sorted(_Comm.by_model.items(), key=lambda kv: -kv[1])}
    scrub: list[float] = []
    scrub_bytes: list[int] = []
    scrub_messages: list[int] = []
    rng = np.random.default_rng(0)
    for _ in range(n_scrubs):
        _Comm.bytes_sent = _Comm.messages = 0
        t = time.perf_counter()
        lab.time_slider.value = int(rng.integers(0, steps))
        scrub.append(time.perf_counter() - t)
        scrub_bytes.append(_Comm.bytes_sent)
        scrub_messages.append(_Comm.messages)
    chart = [a - b for a, b in zip(totals, engine, strict=True)]
    _Comm.bytes_sent = _Comm.messages = 0
    for k in range(2):  # the lab-wide mode switch, both ways (one engine run each)
        lab.mode_toggle.value = "cross" if k == 0 else "isolated"
    mode_messages = _Comm.messages / 2
    mode_bytes = _Comm.bytes_sent / 2
    return {
        "steps": steps,
        "changes": n_changes,
        "build_s": round(build_s, 3),
        "update_ms": {"p50": _pct(totals, 50), "p95": _pct(totals, 95),
                      "max": _pct(totals, 100)},
        "update_cpu_ms": {"p50": _pct(cpu, 50), "p95": _pct(cpu, 95)},
        "engine_ms": {"p50": _pct(engine, 50), "p95": _pct(engine, 95)},
        "everything_but_engine_ms": {"p50": _pct(chart, 50), "p95": _pct(chart, 95)},
        "update_ms_by_change": {k: {"p50": _pct(v, 50), "p95": _pct(v, 95)}
                                for k, v in per_kind.items() if v},
        "widget_models": models,
        "widget_state_bytes": state_bytes,
        "bytes_per_update": {"p50": int(np.percentile(sizes, 50)),
                             "p95": int(np.percentile(sizes, 95)), "max": int(max(sizes))},
        "messages_per_update": {"p50": int(np.percentile(messages, 50)),
                                "max": int(max(messages))},
        "bytes_per_update_by_model_mean": bytes_by_model,
        "mode_switch": {"messages": mode_messages, "bytes": int(mode_bytes)},
        "points_per_line": {"price": int(np.asarray(lab.price_chart.mark_line.x).size),
                            "small charts": int(np.asarray(lab.balance_chart.equity_lines.x)
                                                .size)},
        "scrub_ms": {"p50": _pct(scrub, 50), "p95": _pct(scrub, 95)},
        "scrub_bytes": {"p50": int(np.percentile(scrub_bytes, 50)),
                        "p95": int(np.percentile(scrub_bytes, 95))},
        "scrub_messages_p50": int(np.percentile(scrub_messages, 50)),
    }


def memory(steps: int) -> dict[str, Any]:
    """Peak memory of one Margin Lab (5 positions) built and changed once at ``steps``.

    tracemalloc's peak (Python and numpy allocations) over building the lab and one control
    change, and the process's peak RSS (``ru_maxrss``, which also counts the interpreter and
    the imports: run it alone, ``--memory`` only).
    """
    import resource
    import tracemalloc

    tracemalloc.start()
    t = time.perf_counter()
    lab = MarginLab(scenario(steps))
    build = time.perf_counter() - t
    lab.wallet_input.value = 52_500
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if lab.error_message:
        raise SystemExit(f"the benchmark scenario failed: {lab.error_message}")
    return {"steps": steps, "positions": 5, "build_s_traced": round(build, 3),
            "tracemalloc_peak_mb": round(peak / 2**20, 1),
            "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "thinned": bool(getattr(lab.result, "thinned", False))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer changes at the large sizes")
    ap.add_argument("--memory", type=int, default=None, metavar="STEPS",
                    help="only the peak memory of one lab at STEPS (e.g. 1000000)")
    ap.add_argument("--steps", type=int, nargs="*", default=None,
                    help="only these path lengths (default: 2,000 10,000 100,000 1,000,000)")
    args = ap.parse_args()
    if args.memory:
        print(json.dumps({"benchmark": "margin_lab_memory", **memory(args.memory)}, indent=2))
        return
    plan = [(2_000, 100, 100), (10_000, 100, 50), (100_000, 20 if args.quick else 30, 30),
            (1_000_000, 5 if args.quick else 10, 20)]
    if args.steps:
        plan = [p for p in plan if p[0] in args.steps] or [(s, 30, 30) for s in args.steps]
    results = [measure(steps, n, s) for steps, n, s in plan]
    base = results[0]
    out = {
        "benchmark": "margin_lab_interaction",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "scenario": "Hyperliquid, 5 positions (3 cross, 2 isolated) on BTC, ETH, SOL",
        "targets_at_2000_steps": {"p95_ms": 25, "bytes_per_update_p95": 50_000},
        "meets_targets_at_2000_steps": bool(base["update_ms"]["p95"] <= 25
                                            and base["bytes_per_update"]["p95"] <= 50_000),
        "note": ("update_ms is wall-clock time from the control change until every mark is "
                 "updated; update_cpu_ms is the kernel thread's CPU time for the same span "
                 "(unaffected by other processes on a shared machine). engine_ms is the "
                 "simulate() call alone."),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "results": results,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
