"""A class in the classroom hub: N learners in headless Chromium, then the idle culler.

Starts ``deploy/jupyterhub`` with the dummy authenticator (``tests/classroom/hub.py``), then
N learners, their starts staggered evenly over ``--stagger`` seconds (default 60). Each, in
a browser context of its own:

1. logs in on the hub page and waits for their server (the hub starts it): ``spawn_s``;
2. opens lesson 5 in Voila at ``/user/<name>/voila/render/lessons/05_...`` (Voila executes
   the lesson in a kernel) and waits until its chart has a drawn line: ``first_chart_s``;
3. answers exercise 1 with the engine's answer and waits for "Correct";
4. opens the Cross vs Isolated app (``.../lessons/apps/cross_vs_isolated.ipynb``) to its chart.

Then every page is closed, and the script samples memory: each learner's processes (server
and kernels, found by their working folder in the learner's home) as RSS and as PSS (shared
pages divided among the processes that share them: the honest share of one learner), once
right after the work (**active**) and again after the kernel culler has shut the idle
kernels (**idle**: the server alone, as a learner who left a tab open). Last, it waits for
the hub's idle culler to stop every server (``--idle-timeout``, short for the benchmark).

It also reports where the CPU went (``cpu``): each learner's server and kernels, the hub
side, and the browsers (which a real class runs on its own machines), and from the
server-side share how many learners per minute this machine's cores can start.

Prints one JSON document. Targets (issue 12): 30 learners, none failed, first chart p95
<= 30 s, memory per idle learner <= 200 MB. The machine is shared: the load average is
printed with the figures.

Run:  python benchmarks/bench_classroom.py --students 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "classroom"))
sys.path.insert(0, str(REPO / "tests" / "ui"))

from hub import Hub, start_hub  # noqa: E402
from learner import APP, CHART, LESSON_5, voila_url  # noqa: E402
from playwright.async_api import async_playwright, expect  # noqa: E402
from servers import locate_chromium  # noqa: E402

from margin_widgets.lessons import LESSONS, ExerciseSpec  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TARGETS = {"students": 30, "failed": 0, "first_chart_p95_s": 30.0,
           "memory_per_idle_learner_mb": 200.0}


def p95(values: list[float]) -> float | None:
    return round(float(np.percentile(values, 95)), 2) if values else None


def median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 2) if values else None


def memory_of(pids: set[int]) -> dict[str, float]:
    """RSS and PSS (MB) of ``pids`` from /proc/<pid>/smaps_rollup."""
    rss = pss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return {"rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1)}


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: set[int]) -> float:
    """CPU time (user + system) of ``pids``, with their children that have ended (culled
    kernels are reaped by their server, so they count in its ``cutime``/``cstime``)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return round(total / CLK_TCK, 1)


def cpu_sample(hub: Hub, names: list[str]) -> dict[str, Any]:
    """Where the CPU went: each learner's server and kernels, and the hub side."""
    per = [cpu_seconds(hub.learner_pids(n)) for n in names]
    per = [c for c in per if c > 0]
    learners = set().union(*(hub.learner_pids(n) for n in names))
    return {"per_learner_s": {"median": median(per), "max": max(per) if per else None},
            "learners_total_s": round(sum(per), 1),
            "hub_proxy_culler_s": cpu_seconds(hub.all_pids() - learners)}


def memory_sample(hub: Hub, names: list[str]) -> dict[str, Any]:
    per = {}
    kernels = 0
    for name in names:
        pids = hub.learner_pids(name)
        kernels += max(0, len(pids) - 1)  # the server (sh exec'd into it) + its kernels
        per[name] = memory_of(pids) | {"processes": len(pids)}
    pss = [v["pss_mb"] for v in per.values() if v["processes"]]
    rss = [v["rss_mb"] for v in per.values() if v["processes"]]
    hub_side = memory_of(hub.all_pids() - set().union(*(hub.learner_pids(n) for n in names)))
    return {
        "learners_with_a_server": len(pss),
        "kernels": kernels,
        "per_learner_pss_mb": {"median": median(pss), "max": max(pss) if pss else None},
        "per_learner_rss_mb": {"median": median(rss), "max": max(rss) if rss else None},
        "learners_total_pss_mb": round(sum(pss), 1),
        "hub_proxy_culler_pss_mb": hub_side["pss_mb"],
        "processes": sum(v["processes"] for v in per.values()),
        "loadavg": os.getloadavg(),
    }


DRAWN_JS = """(sel) => Array.from(document.querySelectorAll(sel)).some(
    el => /^M[\\d.\\-]+,[\\d.\\-]+L/.test(el.getAttribute('d') || ''))"""


async def rendered(page: Any, url: str, timeout_ms: float) -> float:
    """Open a Voila page; seconds until the Cross vs Isolated chart has a drawn line."""
    t0 = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=timeout_ms)
    await page.wait_for_function(DRAWN_JS, arg=CHART, polling=250, timeout=timeout_ms)
    return time.perf_counter() - t0


async def run_learner(browser: Any, hub: Hub, name: str, delay: float, timeout_ms: float,
                      answer: float, unit: str) -> dict[str, Any]:
    """One learner's visit (the same steps as tests/classroom/learner.py, async)."""
    await asyncio.sleep(delay)
    record: dict[str, Any] = {"name": name, "ok": False, "step": "login"}
    t_start = time.perf_counter()
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    # what the page's scripts reported: why a page that never moves on is stuck
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {str(exc)[:300]}"))
    page.on("console", lambda msg: problems.append(f"console.{msg.type}: {msg.text[:300]}")
            if msg.type in ("error", "warning") else None)
    try:
        await page.goto(f"{hub.url}hub/login", timeout=timeout_ms)
        await page.fill("#username_input", name, timeout=timeout_ms)
        await page.fill("#password_input", hub.password, timeout=timeout_ms)
        t0 = time.perf_counter()
        await page.click("#login_submit", timeout=timeout_ms)
        await page.wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=timeout_ms,
                                wait_until="commit")
        record["spawn_s"] = round(time.perf_counter() - t0, 2)
        record["step"] = "lesson 5 chart"
        record["first_chart_s"] = round(
            await rendered(page, voila_url(hub.url, name, LESSON_5), timeout_ms), 2)
        record["step"] = "exercise 1"
        t0 = time.perf_counter()
        box = page.locator(".mw-exercise").filter(
            has=page.locator(".mw-answer input[type='text']")).first
        await box.scroll_into_view_if_needed(timeout=timeout_ms)
        field = box.locator(".mw-answer input")
        await field.fill(repr(round(answer, 6)))
        await field.press("Enter")
        await box.locator("button.mw-check").click()
        await expect(box.locator(".mw-feedback")).to_contain_text("Correct",
                                                                   timeout=timeout_ms)
        record["exercise_s"] = round(time.perf_counter() - t0, 2)
        record["step"] = "Cross vs Isolated app chart"
        record["app_chart_s"] = round(
            await rendered(page, voila_url(hub.url, name, APP), timeout_ms), 2)
        record["ok"] = True
        del record["step"]
    except Exception as exc:  # a failed learner is a figure, not a crash
        record["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        record["page_problems"] = problems[-10:]
        shot = REPO / "artifacts" / "bench_classroom" / f"{name}-failed.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        try:
            await page.screenshot(path=shot)
            record["screenshot"] = str(shot.relative_to(REPO))
        except Exception:  # the page itself may be gone
            pass
    finally:
        record["total_s"] = round(time.perf_counter() - t_start, 2)
        await context.close()
    return record


async def run_class(chromium: str, env: dict[str, str], hub: Hub, names: list[str],
                    stagger: float, timeout_ms: float, answer: float, unit: str,
                    peak: dict[str, float]) -> list[dict[str, Any]]:
    """Every learner in one Chromium (a context each), arriving evenly over ``stagger`` s."""
    async def watch_load() -> None:
        while True:
            peak["loadavg_1min"] = max(peak["loadavg_1min"], os.getloadavg()[0])
            await asyncio.sleep(5)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, headless=True,
                                           args=CHROMIUM_ARGS, env=env)
        watcher = asyncio.create_task(watch_load())
        try:
            return list(await asyncio.gather(*(
                run_learner(browser, hub, name, stagger * i / max(1, len(names)), timeout_ms,
                            answer, unit) for i, name in enumerate(names))))
        finally:
            watcher.cancel()
            await browser.close()


def wait_until(predicate: Any, timeout: float, every: float = 5.0) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if predicate():
            return round(time.perf_counter() - t0, 1)
        time.sleep(every)
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=3)
    ap.add_argument("--stagger", type=float, default=60.0, help="seconds over which they arrive")
    ap.add_argument("--idle-timeout", type=int, default=300,
                    help="hub idle culler timeout for the run, seconds (default 300)")
    ap.add_argument("--kernel-cull", type=int, default=120,
                    help="kernel idle timeout inside each server, seconds (default 120)")
    ap.add_argument("--timeout", type=float, default=600.0, help="per step, seconds")
    ap.add_argument("--skip-culling", action="store_true")
    ap.add_argument("--skip-idle", action="store_true",
                    help="no idle-memory and culling phases (a quicker look at the class)")
    args = ap.parse_args()
    if not args.skip_idle and args.idle_timeout < args.kernel_cull + 240:
        # the kernel culler checks every <= 120 s: with a shorter hub timeout the servers are
        # culled before their idle memory (kernels gone, server up) can be sampled
        ap.error(f"--idle-timeout must be >= --kernel-cull + 240 s "
                 f"({args.kernel_cull + 240}) to sample the idle memory")
    chromium = locate_chromium()
    if chromium is None:
        sys.exit("no Chromium: install Debian's chromium or set MARGIN_WIDGETS_CHROMIUM")
    # the first exercise with a number box (multiple-choice questions come first in lesson 5)
    spec = next(e for e in LESSONS[5].exercises if isinstance(e, ExerciseSpec))
    answer = float(spec.answer())
    names = [f"learner{i:02d}" for i in range(args.students)]
    timeout_ms = args.timeout * 1000
    out: dict[str, Any] = {"students": args.students, "stagger_s": args.stagger,
                           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                       "loadavg_before": os.getloadavg()}}

    with tempfile.TemporaryDirectory(prefix="bench-classroom-") as tmp:
        work = Path(tmp)
        t_hub = time.perf_counter()
        hub = start_hub(work, cull_timeout=args.idle_timeout,
                        cull_every=max(10, args.idle_timeout // 6),
                        kernel_cull=args.kernel_cull)
        out["hub_start_s"] = round(time.perf_counter() - t_hub, 1)
        try:
            env = dict(os.environ, XDG_CONFIG_HOME=str(work / "xdg-config"),
                       XDG_CACHE_HOME=str(work / "xdg-cache"))
            peak = {"loadavg_1min": 0.0}
            t_class = time.perf_counter()
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            records = asyncio.run(run_class(chromium, env, hub, names, args.stagger,
                                            timeout_ms, answer, spec.unit, peak))
            out["class_wall_s"] = round(time.perf_counter() - t_class, 1)
            # the browser has been closed (reaped); the hub is still running (not yet counted)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = cpu_sample(hub, names)
            cpu["browsers_total_s"] = round(
                children.ru_utime + children.ru_stime
                - children_before.ru_utime - children_before.ru_stime, 1)
            per = cpu["per_learner_s"]["median"]
            # what the server side alone allows on this machine's cores, browsers elsewhere
            cpu["server_side_learners_per_minute"] = (
                round(60 * (os.cpu_count() or 1) / per, 1) if per else None)
            out["cpu"] = cpu
            ok = [r for r in records if r["ok"]]
            spawn = [r["spawn_s"] for r in records if "spawn_s" in r]
            chart = [r["first_chart_s"] for r in records if "first_chart_s" in r]
            app = [r["app_chart_s"] for r in records if "app_chart_s" in r]
            out.update({
                "failed": len(records) - len(ok),
                "spawn_p95_s": p95(spawn), "spawn_median_s": median(spawn),
                "first_chart_p95_s": p95(chart), "first_chart_median_s": median(chart),
                "app_chart_p95_s": p95(app),
                "loadavg_peak_1min": round(peak["loadavg_1min"], 2),
                "loadavg_after_class": os.getloadavg(),
                "errors": [f"{r['name']} at {r['step']}: {r['error']}"
                   for r in records if not r["ok"]],
            })
            out["memory_active"] = memory_sample(hub, names)
            # partial figures on stderr, in case a long run has to be stopped later
            print(json.dumps({"partial": "after class", **out, "records": records}),
                  file=sys.stderr, flush=True)
            # idle: the kernels are culled after --kernel-cull s (checked every <= 120 s)
            if not args.skip_idle:
                waited = wait_until(lambda: memory_sample(hub, names)["kernels"] == 0,
                                    args.kernel_cull + 240)
                out["kernels_culled_after_s"] = waited
                out["memory_idle"] = memory_sample(hub, names)
                out["memory_per_idle_learner_mb"] = (
                    out["memory_idle"]["per_learner_pss_mb"]["max"])
                out["memory_total_idle_mb"] = round(
                    out["memory_idle"]["learners_total_pss_mb"]
                    + out["memory_idle"]["hub_proxy_culler_pss_mb"], 1)
                print(json.dumps({"partial": "idle memory", "memory_idle": out["memory_idle"]}),
                      file=sys.stderr, flush=True)
            if not (args.skip_culling or args.skip_idle):
                t0 = time.perf_counter()
                gone = wait_until(lambda: not any(hub.learner_pids(n) for n in names),
                                  args.idle_timeout + 600, every=5)
                out["culling"] = {
                    "idle_timeout_s": args.idle_timeout,
                    "all_servers_stopped_after_s": gone,
                    "servers_left": sum(1 for n in names if hub.learner_pids(n)),
                    "waited_s": round(time.perf_counter() - t0, 1),
                }
            out["records"] = records
        finally:
            hub.stop()
            # the hub's log (spawns, proxy routes, culling) outlives the temporary folder
            kept = REPO / "artifacts" / "bench_classroom" / "hub.log"
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_bytes((work / "hub.log").read_bytes())
            out["hub_log"] = str(kept.relative_to(REPO))
    out["targets"] = TARGETS
    out["met"] = {
        "students": out["students"] >= TARGETS["students"],
        "failed": out.get("failed") == 0,
        "first_chart_p95_s": (out.get("first_chart_p95_s") or 1e9)
        <= TARGETS["first_chart_p95_s"],
        "memory_per_idle_learner_mb": (out.get("memory_per_idle_learner_mb") or 1e9)
        <= TARGETS["memory_per_idle_learner_mb"],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
