"""Screenshots of the voila apps at desktop and phone sizes (for looking, not asserting).

    PYTHONPATH=$PWD python tools/shoot.py [app ...]   -> artifacts/screenshots/look-*.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "ui"))

from pages import voila_url, wait_for_widgets  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from servers import locate_chromium, start_voila  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def main(apps: list[str]) -> None:
    out = ROOT / "artifacts" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    server = start_voila(ROOT / "voila_apps", Path(tempfile.mkdtemp()),
                         extra_args=["--preheat_kernel=False"])
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=locate_chromium(), args=ARGS)
            for app in apps:
                for size, (w, h) in SIZES.items():
                    page = b.new_page(viewport={"width": w, "height": h})
                    page.goto(voila_url(server.url, f"{app}.ipynb"), timeout=240_000)
                    wait_for_widgets(page, ".mw-figure, .mw-venue-table", timeout=240_000)
                    page.wait_for_timeout(1500)
                    page.screenshot(path=str(out / f"look-{app}-{size}-fold.png"))
                    full = page.evaluate("Math.max(...[...document.querySelectorAll('*')]"
                                         ".map(e => e.scrollHeight))")
                    page.set_viewport_size({"width": w, "height": min(int(full) + 40, 7000)})
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(out / f"look-{app}-{size}.png"))
                    page.close()
            b.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:] or ["cross_vs_isolated"])
