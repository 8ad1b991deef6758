"""No app page asks any host but the kit's own server.

Voila's "lab" template put two Font Awesome stylesheets from a public CDN in every page's
head: each visit was announced to a third party, and a stylesheet that does not arrive holds
the first paint. The kit's template (``share/jupyter/voila/templates/margin``) drops them;
the icons come from the copy of Font Awesome 5 that Voila's own bundle carries. This test
opens every app, records every request the page makes, and checks that all of them go to
the server, and that the icon font is still there for the buttons' icons.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pages import voila_url, wait_for_widgets
from playwright.sync_api import Browser
from servers import REPO_ROOT

pytestmark = pytest.mark.browser

APPS = sorted(p.name for p in (REPO_ROOT / "voila_apps").glob("*.ipynb"))
ICON_FONT_JS = """() => document.fonts.ready.then(
    () => document.fonts.check('900 16px "Font Awesome 5 Free"'))"""


def test_the_served_config_names_the_kits_template() -> None:
    import json

    config = json.loads((REPO_ROOT / "voila.json").read_text())
    assert config["VoilaConfiguration"]["template"] == "margin"
    template = REPO_ROOT / "share" / "jupyter" / "voila" / "templates" / "margin"
    assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
    assert "https://" not in (template / "index.html.j2").read_text()  # nothing fetched


@pytest.mark.parametrize("notebook", APPS)
def test_app_asks_only_its_own_server(notebook: str, browser: Browser, voila_server: str,
                                      tmp_path: Path) -> None:
    own = urlsplit(voila_server).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    requests: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(voila_url(voila_server, notebook), wait_until="commit", timeout=180_000)
        wait_for_widgets(page, ".mw-root")
        has_icon_font = page.evaluate(ICON_FONT_JS)
        elsewhere = [u for u in requests
                     if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != own]
    finally:
        context.close()
    assert requests, "no request was recorded"
    assert elsewhere == [], elsewhere
    assert has_icon_font, "Font Awesome is not loaded: the buttons' icons would be empty boxes"
