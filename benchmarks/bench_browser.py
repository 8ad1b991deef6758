"""What a visitor of the Margin Lab waits for, measured in headless Chromium.

Serves ``voila_apps/`` with the repo's ``voila.json`` (``tests/ui/servers.py``, the same
server the browser tests start) and measures, for ``margin_lab.ipynb``:

- **load**: from the start of navigation until the price chart's mark line has path data,
  read inside the page (``performance.now()`` is counted from the navigation start) and by
  wall clock around it. The first load after the server starts waits for voila to preheat
  every app; it is reported on its own. The other loads come one by one, each after the
  server is idle again (voila has refilled its pool: a preheated kernel is waiting, as for a
  visitor arriving at a quiet server).
- **update**: from the key press on a slider handle until the chart's SVG changes, inside the
  page: a capturing ``keydown`` listener takes ``performance.now()``, a ``MutationObserver``
  takes it again when the target line's ``d`` attribute changes (and, separately, when the
  numbers panel changes). Two controls: the time slider (ArrowRight: moves the cursor and
  the numbers, no engine run) and the first position's leverage slider (ArrowRight: one
  engine run, every chart redrawn; the lab starts in isolated mode, so the liquidation line
  moves). Median and p95 over ``--changes`` changes each.

- **reference**: a trivial one-chart bqplot app (one 1,400-point line, one slider) served
  after the lab in the same run, its update measured the same way; the ratio of the lab's
  control change (leverage) to it is printed, with the DOM node count of the lab.

Run:  .venv/bin/python benchmarks/bench_browser.py [--loads 5] [--changes 20]
Prints one JSON document. Targets: load <= 4 s, update median <= 150 ms; issue 8: control
change median <= 60 ms and <= 2x the trivial app of the same run.
Needs an installed Chromium (``MARGIN_WIDGETS_CHROMIUM`` or Debian's ``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "ui"))

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from servers import ServerProcess, descendants, locate_chromium, start_voila  # noqa: E402

from margin_widgets.charts import style  # noqa: E402
from margin_widgets.charts.figures import CURSOR, LIQ_FAMILY  # noqa: E402

# the browser tier's Chromium flags (TESTING.md): headless, no outside connections
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 120_000
TARGETS = {"load_s": 4.0, "update_median_ms": 150.0, "control_change_median_ms": 60.0,
           "ratio_to_trivial": 2.0}


def rgb(hex_color: str) -> str:
    """How the browser writes a stroke colour in the style attribute.

    A hex colour becomes ``rgb(r, g, b)``; a CSS variable (theme colours such as the mark
    line, ``var(--jp-ui-font-color1, #222222)``) is kept as written.
    """
    if hex_color.startswith("var("):
        return hex_color
    h = hex_color.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


PRICE_FIGURE = ".mw-margin-lab .mw-price-figure"
MARK_LINE = f'{PRICE_FIGURE} path.line[style*="stroke: {rgb(style.MARK)}"]'
CURSOR_LINE = f'{PRICE_FIGURE} path.line[style*="stroke: {rgb(CURSOR)}"]'
LIQ_LINE = f'{PRICE_FIGURE} path.line[style*="stroke: {rgb(LIQ_FAMILY[0])}"]'
NUMBERS = ".mw-margin-lab .mw-numbers"

# polled on every animation frame; returns ms since the navigation started once drawn
FIRST_CHART_JS = """(sel) => {
  const el = document.querySelector(sel);
  const d = el && el.getAttribute('d');
  return d && /^M[\\d.\\-]+,[\\d.\\-]+L/.test(d) ? performance.now() : null;
}"""

INSTALL_PROBE_JS = """([handleSel, lineSel, numbersSel]) => {
  const handle = document.querySelector(handleSel);
  const svg = document.querySelector(lineSel).closest('svg');
  const numbers = numbersSel ? document.querySelector(numbersSel) : null;
  const st = window.__mwBench = {t0: null, svg: null, numbers: null, done: 0, records: [],
                                 lastD: document.querySelector(lineSel).getAttribute('d')};
  const finish = () => {
    if (st.t0 !== null && st.svg !== null && st.numbers !== null) {
      st.records.push({svg: st.svg, numbers: st.numbers});
      st.t0 = null; st.done += 1;
    }
  };
  handle.addEventListener('keydown', () => {
    st.t0 = performance.now(); st.svg = null; st.numbers = numbers ? null : 0;
  }, true);
  new MutationObserver(() => {
    const d = document.querySelector(lineSel).getAttribute('d');
    if (d !== st.lastD) {
      st.lastD = d;
      if (st.t0 !== null && st.svg === null) { st.svg = performance.now() - st.t0; finish(); }
    }
  }).observe(svg, {attributes: true, attributeFilter: ['d'], subtree: true, childList: true});
  if (numbers) new MutationObserver(() => {
    if (st.t0 !== null && st.numbers === null) {
      st.numbers = performance.now() - st.t0; finish();
    }
  }).observe(numbers, {childList: true, subtree: true, characterData: true});
}"""

# The reference: a trivial one-chart bqplot app (one line of 1,400 points, one slider that
# re-sends its y), served and measured in the same run as the Margin Lab, so that the ratio
# of the two medians does not depend on how loaded the machine is.
TRIVIAL_SOURCE = """\
import numpy as np
from bqplot import Axis, Figure, LinearScale, Lines
from ipywidgets import IntSlider, VBox

x = np.arange(1400, dtype=float)
sx, sy = LinearScale(), LinearScale(min=-1.5, max=1.5)
line = Lines(x=x, y=np.sin(x / 100), scales={"x": sx, "y": sy}, colors=["#1f77b4"])
fig = Figure(marks=[line], axes=[Axis(scale=sx), Axis(scale=sy, orientation="vertical")],
             animation_duration=0)
fig.add_class("mw-trivial-figure")
slider = IntSlider(value=0, min=0, max=1000, description="shift", continuous_update=False)
slider.add_class("mw-trivial-slider")
slider.observe(lambda c: setattr(line, "y", np.sin((x + c["new"]) / 100)), names="value")
VBox([fig, slider])
"""
TRIVIAL_LINE = ".mw-trivial-figure path.line"
TRIVIAL_HANDLE = ".mw-trivial-slider .noUi-handle"


def write_trivial_app(folder: Path) -> Path:
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(TRIVIAL_SOURCE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / "trivial.ipynb"
    nbformat.write(nb, path)
    return path


def dom_nodes(page: Page, root_sel: str) -> int:
    return int(page.evaluate("(s) => { const r = document.querySelector(s); "
                             "return r ? r.getElementsByTagName('*').length : 0; }", root_sel))


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of ``pids`` (Linux /proc; gone processes count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def wait_server_idle(server: ServerProcess, kernels_at_least: int, timeout: float = 180.0,
                     window: float = 1.0, busy: float = 0.05) -> float:
    """Wait until voila runs ``kernels_at_least`` processes and they all stay idle.

    Idle: less than ``busy`` CPU seconds used during ``window`` seconds. Returns the time
    waited. (A refilled kernel has run the notebook and waits for its visitor.)
    """
    t0 = time.perf_counter()
    deadline = t0 + timeout
    while time.perf_counter() < deadline:
        pids = descendants(server.popen.pid) | {server.popen.pid}
        if len(pids) - 1 >= kernels_at_least:
            before = cpu_seconds(pids)
            time.sleep(window)
            if cpu_seconds(pids) - before < busy:
                return time.perf_counter() - t0
        else:
            time.sleep(0.2)
    raise TimeoutError(f"voila did not become idle within {timeout:.0f} s")


def preheated_kernels(apps: Path) -> int:
    """Kernels voila keeps preheated for ``apps`` (``kernel_pools_config`` in voila.json)."""
    conf = json.loads((REPO / "voila.json").read_text()).get("VoilaKernelManager", {})
    pools = conf.get("kernel_pools_config", {})
    default = int(pools.get("default", {}).get("pool_size", 1))
    return sum(int(pools.get(nb.name, {}).get("pool_size", default))
               for nb in apps.glob("*.ipynb"))


def load_once(page: Page, url: str, line_sel: str = MARK_LINE) -> dict[str, float]:
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    handle = page.wait_for_function(FIRST_CHART_JS, arg=line_sel, polling="raf",
                                    timeout=TIMEOUT_MS)
    in_page_ms = float(handle.json_value())
    wall = time.perf_counter() - t0
    # where the time went: the served HTML, the page's scripts, the widgets (ms -> s)
    nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return n ? {response_end: n.responseEnd, dom_content_loaded: n.domContentLoadedEventEnd,
                    load_event: n.loadEventEnd} : {}; }""")
    return {"in_page_s": round(in_page_ms / 1000.0, 3), "wall_s": round(wall, 3),
            "milestones_s": {k: round(v / 1000.0, 3) for k, v in nav.items() if v}}


def summary(values: list[float]) -> dict[str, Any]:
    arr = np.asarray(values, dtype=float)
    return {"median": round(float(np.median(arr)), 1),
            "p95": round(float(np.percentile(arr, 95)), 1),
            "min": round(float(arr.min()), 1), "max": round(float(arr.max()), 1),
            "all": [round(float(v), 1) for v in arr]}


def measure_updates(page: Page, handle_sel: str, line_sel: str, key: str,
                    changes: int, numbers_sel: str | None = NUMBERS) -> dict[str, Any]:
    page.evaluate(INSTALL_PROBE_JS, [handle_sel, line_sel, numbers_sel])
    handle = page.locator(handle_sel).first  # querySelector's element: the first match
    handle.focus()
    for i in range(1, changes + 1):
        page.keyboard.press(key)
        page.wait_for_function("(n) => window.__mwBench.done >= n", arg=i, timeout=30_000)
        # let the rest of this update land before the next key press
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")
    records = page.evaluate("() => window.__mwBench.records")
    out = {"svg_ms": summary([r["svg"] for r in records])}
    if numbers_sel:
        out["numbers_ms"] = summary([r["numbers"] for r in records])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loads", type=int, default=5, help="loads of a warm server (default 5)")
    ap.add_argument("--changes", type=int, default=20,
                    help="key presses per slider (default 20)")
    ap.add_argument("--fill-delay", type=float, default=None,
                    help="voila's pool refill delay in seconds (default: voila's, 1 s); a "
                         "long one keeps the refill from competing with the page being loaded")
    args = ap.parse_args()
    chromium = locate_chromium()
    if chromium is None:
        sys.exit("no Chromium: install Debian's chromium or set MARGIN_WIDGETS_CHROMIUM")

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, XDG_CONFIG_HOME=str(work / "xdg-config"),
                   XDG_CACHE_HOME=str(work / "xdg-cache"))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=CHROMIUM_ARGS, env=env)
            t_start = time.perf_counter()
            extra = ([f"--VoilaKernelManager.fill_delay={args.fill_delay}"]
                     if args.fill_delay is not None else [])
            server = start_voila(REPO / "voila_apps", work / "voila", extra_args=extra)
            preheated = preheated_kernels(REPO / "voila_apps")
            server_start_s = time.perf_counter() - t_start
            try:
                url = f"{server.url}voila/render/margin_lab.ipynb"
                context = browser.new_context(viewport=VIEWPORT)
                first_page = context.new_page()
                first = load_once(first_page, url)
                first_page.close()
                warm: list[dict[str, float]] = []
                waited: list[float] = []
                page = None
                for i in range(args.loads):
                    # the preheated kernels (voila.json's pools) + those already used + 1 refill
                    waited.append(round(wait_server_idle(server, preheated + i + 1), 1))
                    if page is not None:
                        page.close()
                    page = context.new_page()
                    warm.append(load_once(page, url))
                assert page is not None
                page.locator(CURSOR_LINE).wait_for(state="attached")
                page.locator(LIQ_LINE).first.wait_for(state="attached")
                scrub = measure_updates(page, ".mw-time-slider .noUi-handle", CURSOR_LINE,
                                        "ArrowRight", args.changes)
                leverage = measure_updates(
                    page, ".mw-position-row .noUi-handle", LIQ_LINE,
                    "ArrowRight", args.changes)
                lab_nodes = dom_nodes(page, ".mw-margin-lab")
                doc_nodes = dom_nodes(page, "html")
                context.close()
            finally:
                server.stop()
            # the trivial app, same browser, same run (its own server: voila preheats every
            # notebook of its folder)
            trivial_dir = write_trivial_app(work / "trivial").parent
            server = start_voila(trivial_dir, work / "voila-trivial")
            try:
                context = browser.new_context(viewport=VIEWPORT)
                page = context.new_page()
                turl = f"{server.url}voila/render/trivial.ipynb"
                wait_server_idle(server, preheated_kernels(trivial_dir))
                trivial_load = load_once(page, turl, TRIVIAL_LINE)
                trivial = measure_updates(page, TRIVIAL_HANDLE, TRIVIAL_LINE, "ArrowRight",
                                          args.changes, numbers_sel=None)
                context.close()
            finally:
                server.stop()
                browser.close()

    warm_in_page = [w["in_page_s"] for w in warm]
    load_median = statistics.median(warm_in_page)
    out = {
        "benchmark": "browser_margin_lab",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "chromium": chromium,
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "targets": TARGETS,
        "server_start_s": round(server_start_s, 2),
        "fill_delay_s": args.fill_delay,
        "load": {
            "first_after_server_start": first,
            "warm": warm,
            "warm_in_page_median_s": round(load_median, 3),
            "idle_wait_before_each_load_s": waited,
        },
        "update": {"time_slider_ArrowRight": scrub,
                   "leverage_slider_ArrowRight": leverage},
        "dom_nodes": {"margin_lab": lab_nodes, "document": doc_nodes},
        "trivial_app": {"load": trivial_load, "update_ArrowRight": trivial},
        "ratio_lab_leverage_to_trivial_median": round(
            leverage["svg_ms"]["median"] / max(1e-9, trivial["svg_ms"]["median"]), 2),
        "ratio_target": TARGETS["ratio_to_trivial"],
        "meets_targets": {
            "load": bool(load_median <= TARGETS["load_s"]),
            "update_time_slider": bool(scrub["svg_ms"]["median"]
                                       <= TARGETS["update_median_ms"]),
            "update_leverage_slider": bool(leverage["svg_ms"]["median"]
                                           <= TARGETS["update_median_ms"]),
            "control_change_60ms": bool(leverage["svg_ms"]["median"]
                                        <= TARGETS["control_change_median_ms"]),
            "ratio_to_trivial": bool(leverage["svg_ms"]["median"]
                                     <= TARGETS["ratio_to_trivial"]
                                     * trivial["svg_ms"]["median"]),
        },
        "note": ("load in_page_s: navigation start to the first price line with path data, "
                 "from performance.now() in the page; wall_s adds the browser round trip. "
                 "Warm loads use a preheated kernel (the server idle before each). update: "
                 "keydown on the slider handle to the first change of the line's d "
                 "attribute (svg_ms) and of the numbers panel (numbers_ms)."),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
