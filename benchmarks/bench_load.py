"""Capacity: what visitors of a freshly started server wait for, in headless Chromium.

Starts voila on ``voila_apps/`` with the repo's ``voila.json`` (``tests/ui/servers.py``, the
server the browser tests use), Chromium first so that its own start-up is not counted, then:

1. **first visitor**: as soon as the server answers (``/voila/static/voila.js``), one visitor
   opens ``--first-app``; the time from the start of navigation until its price chart has a
   drawn line (read in the page: ``performance.now()`` counts from the navigation start).
2. **N visitors** (``--visitors``) arrive evenly over ``--over`` seconds, each in a browser
   context of its own (own cookies: own kernel), on ``--app``. Each one's time to first chart
   is measured as above; a visitor fails if the chart is not there within ``--timeout`` s or
   the page shows an error. Pages stay open (idle visitors) until every visitor is done.
   Also the CPU time the server and all its kernels used until then (preheating included),
   which, unlike the wait, does not grow when other work takes the machine's cores.
3. **memory and CPU**: the CPU time of the visitors' pages (Chromium) against the server and
   its kernels (on this machine both share the same cores); with every visitor idle on its
   page, the resident memory (VmRSS) of each kernel process under the server, and each
   kernel's CPU time (user + system, from /proc) since it started; the load average before
   and after.

Prints one JSON document. Targets (issue 8): first visitor <= 8 s; 30 visitors over 60 s:
every first chart <= 20 s, none failed, <= 120 MB per idle visitor. The machine is shared:
run it with a smaller ``--visitors`` when it is busy, and read the load average it prints.

With ``--pool N --warm`` the index app keeps N preheated kernels (started one at a time,
``margin_widgets/kernel_pool.py``) and the visitors arrive once the pool is full: a server
started before the class, sized for it.

Run:  PYTHONPATH=. .venv/bin/python benchmarks/bench_load.py [--visitors 30] [--over 60]
      [--pool 30 --warm]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "ui"))

import servers  # noqa: E402
from playwright.async_api import Browser, async_playwright  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from servers import ServerProcess, descendants, locate_chromium, start_voila  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
TARGETS = {"first_visitor_s": 8.0, "first_chart_max_s": 20.0, "rss_per_idle_visitor_mb": 120.0}
CLK_TCK = os.sysconf("SC_CLK_TCK")

# the first chart: a bqplot line with real path data in the app's price figure
# Checked in the page every POLL_MS (Playwright's wait_for_function), not from Python: a
# round trip per page every 100 ms, and innerText (which forces a layout) on a page still
# rendering, made the measuring itself cost the 30 pages' renderers CPU they then lacked.
# "drawn": a bqplot line with real path data in the app's price figure; "error": the page
# shows an error (textContent: no layout).
PAGE_STATE = """() => {
  const p = document.querySelector('.mw-price-figure path.line');
  if (p && /^M[\\d.\\-]+,[\\d.\\-]+L/.test(p.getAttribute('d') || '')) {
    return {state: 'drawn', at_s: performance.now() / 1000};
  }
  const el = document.querySelector('#rendered_cells') || document.body;
  const t = (el && el.textContent) || '';
  return /There was an error when executing cell|could not start|Traceback/.test(t)
    ? {state: 'error'} : false;
}"""
POLL_MS = 250


def kernel_pids(server: ServerProcess) -> list[int]:
    pids = []
    for pid in sorted(descendants(server.popen.pid)):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ipykernel" in cmd:
            pids.append(pid)
    return pids


def rss_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return int(text.split("VmRSS:")[1].split()[0]) / 1024


def cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


async def visit(browser: Browser, url: str, timeout_s: float) -> dict[str, Any]:
    """Open ``url`` in a fresh context; seconds until the first chart (in-page clock)."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    wall = time.monotonic()
    out: dict[str, Any] = {"ok": False, "page": page, "context": context}
    # what the page's scripts reported: why a page that never draws is stuck
    problems: list[str] = []
    out["problems"] = problems
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {str(exc)[:300]}"))
    page.on("console", lambda msg: problems.append(f"console.{msg.type}: {msg.text[:300]}")
            if msg.type in ("error", "warning") else None)
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        deadline = wall + timeout_s
        while True:
            left_ms = (deadline - time.monotonic()) * 1000
            if left_ms <= 0:
                out["error"] = f"no chart after {timeout_s:.0f} s"
                break
            try:
                handle = await page.wait_for_function(PAGE_STATE, polling=POLL_MS,
                                                      timeout=left_ms)
                found = await handle.json_value()
            except PlaywrightTimeout:
                continue  # the deadline check above ends it
            except Exception:  # the page is still being replaced while it streams in
                await asyncio.sleep(POLL_MS / 1000)
                continue
            if found["state"] == "drawn":
                # the in-page clock counts from the start of the navigation
                out["first_chart_s"] = found["at_s"]
                out["ok"] = True
            else:
                out["error"] = "the page shows an error"
            break
    except Exception as exc:  # a navigation timeout, a crashed page
        out["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    out["wall_s"] = time.monotonic() - wall
    return out


def _is_chromium(pid: int) -> bool:
    try:
        return b"chrom" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def tree_cpu_s(server: ServerProcess) -> float:
    tree = [server.popen.pid, *descendants(server.popen.pid)]
    return sum(c for c in (cpu_s(p) for p in tree) if c is not None)


async def pool_filled(server: ServerProcess, kernels: int, timeout_s: float) -> float | None:
    """Seconds until ``kernels`` kernels run and the server's tree idles for 3 s (or None)."""
    t0 = time.monotonic()
    quiet = 0
    last = tree_cpu_s(server)
    while time.monotonic() - t0 < timeout_s:
        await asyncio.sleep(1.0)
        now = tree_cpu_s(server)
        quiet = quiet + 1 if now - last < 0.15 else 0
        last = now
        if quiet >= 3 and len(kernel_pids(server)) >= kernels:
            return round(time.monotonic() - t0 - 3, 1)
    return None


def summary(times: list[float]) -> dict[str, float | None]:
    if not times:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2),
            "max": round(ordered[-1], 2)}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.config:  # another voila.json, e.g. the one before a change, for a comparison
        servers.VOILA_CONFIG_DIR = Path(args.config).resolve()
    chromium = locate_chromium()
    if chromium is None:
        raise SystemExit("no Chromium: install Debian's chromium or set MARGIN_WIDGETS_CHROMIUM")
    load_before = os.getloadavg()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, headless=True,
                                           args=CHROMIUM_ARGS)
        workdir = Path(tempfile.mkdtemp(prefix="bench_load_"))
        started = time.monotonic()
        extra = [f"--PacedKernelManager.index_pool={args.pool}"] if args.pool is not None else []
        server = start_voila(REPO / "voila_apps", workdir, extra_args=extra)
        ready_s = time.monotonic() - started
        opened: list[dict[str, Any]] = []
        try:
            base = server.url + "voila/render/"
            first = await visit(browser, base + args.first_app, args.timeout)
            opened.append(first)
            # CPU the server and its kernels spent until then: unlike the wait, this does not
            # grow when other work on the machine takes the cores
            tree = [server.popen.pid, *descendants(server.popen.pid)]
            cpu_until_first = sum(c for c in (cpu_s(p) for p in tree) if c is not None)
            warm_s = None
            if args.warm:  # the class comes once the pool is full (the server started earlier)
                warm_s = await pool_filled(server, (args.pool or 1) + 1, args.timeout * 3)

            async def arrive(i: int) -> dict[str, Any]:
                await asyncio.sleep(i * args.over / max(args.visitors, 1))
                return await visit(browser, base + args.app, args.timeout)

            results = await asyncio.gather(*(arrive(i) for i in range(args.visitors)))
            opened.extend(results)
            await asyncio.sleep(args.settle)  # every visitor idle on an open page
            pids = kernel_pids(server)
            # where the CPU went: the visitors' pages (Chromium, alive while they are open)
            # against the server and its kernels: both share this machine's cores
            browser_cpu = sum(c for c in (cpu_s(p) for p in descendants(os.getpid())
                                          if _is_chromium(p)) if c is not None)
            server_cpu = tree_cpu_s(server)
            rss = [r for r in (rss_mb(p) for p in pids) if r is not None]
            cpu = [c for c in (cpu_s(p) for p in pids) if c is not None]
            load_after = os.getloadavg()
        finally:
            for item in opened:
                try:
                    await item["context"].close()
                except Exception:
                    pass
            await browser.close()
            server.stop()
    ok = [r for r in results if r["ok"]]
    times = [r["first_chart_s"] for r in ok]
    failed = [r.get("error", "?") for r in results if not r["ok"]]
    # the distinct messages the failed pages logged, most frequent first
    logged: dict[str, int] = {}
    for r in results:
        if not r["ok"]:
            for text in dict.fromkeys(r.get("problems", [])):
                logged[text] = logged.get(text, 0) + 1
    visitors_open = 1 + len(ok) + (0 if first["ok"] else -1)
    return {
        "benchmark": "bench_load",
        "app": args.app,
        "visitors": args.visitors,
        "over_s": args.over,
        "failed": len(failed),
        "failures": failed[:5],
        "failed_pages_logged": dict(sorted(logged.items(), key=lambda kv: -kv[1])[:8]),
        "first_chart_p50_s": summary(times)["p50"],
        "first_chart_p95_s": summary(times)["p95"],
        "first_chart_max_s": summary(times)["max"],
        "first_visitor_app": args.first_app,
        "first_visitor_s": round(first["first_chart_s"], 2) if first["ok"] else None,
        "first_visitor_error": first.get("error"),
        "server_cpu_s_until_first_visitor": round(cpu_until_first, 2),
        "server_ready_s": round(ready_s, 2),
        "cpu_s_until_all_visited": {"browser_pages": round(browser_cpu, 1),
                                    "server_and_kernels": round(server_cpu, 1)},
        "pool": args.pool,
        "pool_filled_after_first_visitor_s": warm_s,
        "config": str(servers.VOILA_CONFIG_DIR / "voila.json"),
        "kernels": len(pids),
        "visitors_open": visitors_open,
        "kernels_beyond_visitors": len(pids) - visitors_open,
        "rss_per_kernel_mb": {"median": round(statistics.median(rss), 1) if rss else None,
                              "max": round(max(rss), 1) if rss else None,
                              "total": round(sum(rss), 1)},
        # every kernel (visitors' and preheated spares) divided by the visitors on the server
        "rss_per_idle_visitor_mb": round(sum(rss) / visitors_open, 1) if visitors_open else None,
        "cpu_s_per_kernel": {"median": round(statistics.median(cpu), 2) if cpu else None,
                             "max": round(max(cpu), 2) if cpu else None},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
        "targets": TARGETS,
        "note": "shared 2-core machine: other work shows in the load average",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--visitors", type=int, default=30)
    ap.add_argument("--over", type=float, default=60.0, help="arrivals spread over (s)")
    ap.add_argument("--app", default="index.ipynb")
    ap.add_argument("--first-app", default="index.ipynb")
    ap.add_argument("--timeout", type=float, default=180.0, help="per visitor (s)")
    ap.add_argument("--config", default="",
                    help="folder of another voila.json to serve with (default: the repo's)")
    ap.add_argument("--pool", type=int, default=None,
                    help="preheated kernels for the index app (margin-widgets serve --pool)")
    ap.add_argument("--warm", action="store_true",
                    help="after the first visitor, wait until the pool is full and the server "
                         "idle before the visitors arrive (a server started before the class)")
    ap.add_argument("--settle", type=float, default=5.0,
                    help="wait after the last visitor before measuring memory (s)")
    print(json.dumps(asyncio.run(run(ap.parse_args())), indent=2))


if __name__ == "__main__":
    main()
