"""Hostile input in every dashboard, without a browser.

A payload goes into every field a person controls (scenario title, description, symbol, path
keys, a CSV's file name and cells, a scenario file, a shared link) and every HTML string the
dashboard would send to the page is inspected: the payload must never be there as markup
(``<img``, ``<script``, ``onerror=``), only escaped (``&lt;img``), so the page shows the text
literally. The widget tree is walked through every trait that holds widgets, so a label added
later is inspected too.

Also here: a refused scenario is never announced as loaded, a refused Monte Carlo scenario
does not stay selected, a share link over the server's limit is refused when it is made, and
the work and nesting limits reach the apps as clear messages.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest
from ipywidgets import HTML, HTMLMath, Widget

from margin_widgets import apps
from margin_widgets.core import PathSpec
from margin_widgets.core.scenario import PRESETS, Scenario
from margin_widgets.widgets import CrossVsIsolated, MarginLab, MonteCarloExplorer
from margin_widgets.widgets.calculator import LiquidationCalculator
from margin_widgets.widgets.markup import NO_MATH, esc, user_text
from margin_widgets.widgets.sharing import MAX_SHARE_URL, ScenarioIO

IMG = "<img src=x onerror=window.__pwned=1>"
SCRIPT = "<script>window.__pwned=1</script>"
# markup a payload would become if it reached innerHTML unescaped (case-insensitive: a
# symbol is upper-cased on its way to a currency label)
RAW = re.compile(r"<\s*/?\s*(img|script)", re.IGNORECASE)
# bybit_linear has a default tier table ("*"), so any symbol is a valid contract there
SYMBOL = "BTC" + IMG
PATH_KEY = "ETH" + SCRIPT  # a path nobody holds: only its key travels


def hostile_scenario() -> Scenario:
    base = PRESETS["one_long"]
    spec = base.paths["BTCUSDT"]
    return base.replace(
        venue="bybit_linear",
        title=f"Title {IMG} $x$",
        description=f"Description {SCRIPT} {IMG} costs $5 and $6, \\(a\\)",
        positions=(base.positions[0].with_(symbol=SYMBOL),),
        paths={SYMBOL: spec, PATH_KEY: PathSpec("constant", {"price": 3_000})},
    )


def child_widgets(value: Any) -> Iterator[Widget]:
    if isinstance(value, Widget):
        yield value
    elif isinstance(value, list | tuple):
        for v in value:
            yield from child_widgets(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from child_widgets(v)


def walk(root: Widget) -> Iterator[Widget]:
    """Every widget reachable from ``root`` through synced traits (children, marks, ...)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        w = stack.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        yield w
        for name in w.keys:
            if name.startswith("_") and name not in ("_dom_classes",):
                continue
            try:
                value = getattr(w, name)
            except Exception:  # pragma: no cover - a trait that cannot be read
                continue
            stack.extend(child_widgets(value))


def rendered_html(root: Widget) -> list[tuple[str, str]]:
    """Every string the browser would parse as HTML: (what, text)."""
    out = []
    for w in walk(root):
        if isinstance(w, HTML | HTMLMath):
            out.append((f"{type(w).__name__} {w._dom_classes}", str(w.value)))
        if getattr(w, "description_allow_html", False):
            out.append((f"{type(w).__name__}.description", str(w.description)))
    return out


class Elements(HTMLParser):
    """The elements and attributes a browser would build from an HTML string."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def dangerous(text: str) -> list[str]:
    """What in ``text`` would run script or load something: an ``<img>``/``<script>`` (also
    an unclosed one), any ``on...=`` event attribute, a ``javascript:`` URL."""
    found = [m.group(0) for m in RAW.finditer(text)]
    parser = Elements()
    parser.feed(text)
    parser.close()
    for tag, attrs in parser.tags:
        if tag in ("img", "script", "iframe", "object", "embed"):
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"<{tag} {name}=...>")
            if (value or "").strip().lower().startswith("javascript:"):
                found.append(f"<{tag} {name}=javascript:...>")
    return found


def assert_no_raw_payload(root: Widget) -> str:
    """Fail if any HTML string holds markup from a payload; return all HTML joined."""
    texts = rendered_html(root)
    assert texts, "no HTML widget found: the walk is broken"
    bad = [(what, dangerous(text), text[:300]) for what, text in texts if dangerous(text)]
    assert not bad, f"raw payload markup reached the page: {bad}"
    return "\n".join(t for _w, t in texts)


def csv_upload(text: str, name: str) -> tuple[dict[str, Any], ...]:
    data = text.encode()
    return ({"name": name, "type": "text/csv", "size": len(data), "content": memoryview(data),
             "last_modified": datetime(2024, 1, 1, tzinfo=UTC)},)


def json_upload(text: str, name: str = "scenario.json") -> tuple[dict[str, Any], ...]:
    data = text.encode()
    return ({"name": name, "type": "application/json", "size": len(data),
             "content": memoryview(data), "last_modified": datetime(2024, 1, 1, tzinfo=UTC)},)


def link(data: Any) -> str:
    """A ``scenario=`` query carrying ``data`` (any JSON, valid scenario or not)."""
    raw = zlib.compress(json.dumps(data).encode(), 9)
    return "scenario=" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unrunnable(base: Scenario | None = None) -> Scenario:
    """Valid as data, refused when run: a data path shorter than the scenario's steps."""
    base = base or PRESETS["one_long"]
    return base.replace(title="Broken on purpose",
                        paths={"BTCUSDT": PathSpec("data", {"prices": [60_000.0, 59_000.0]})})


# --- the helper itself --------------------------------------------------------------------


def test_the_check_itself_finds_raw_payloads():
    # the inspection used below must catch what it is meant to catch
    assert dangerous(f"<div>{IMG}</div>") and dangerous(SCRIPT) and dangerous("<IMG SRC=X")
    assert dangerous("<a href='javascript:alert(1)'>x</a>")
    assert dangerous("<svg onload=alert(1)></svg>")
    assert not dangerous(f"<div>{esc(IMG)} {esc(SCRIPT)}</div>")


def test_helper_escapes_markup_and_keeps_math_delimiters_literal():
    assert esc(IMG) == "&lt;img src=x onerror=window.__pwned=1&gt;"
    assert esc("a'b\"c") == "a&#x27;b&quot;c"      # safe inside a quoted attribute too
    assert len(esc("x" * 10_000)) == 2_000 and esc("x" * 10_000).endswith("…")
    wrapped = user_text("costs $5 and $6")
    assert "costs $5 and $6" in wrapped and "mathjax_ignore" in wrapped
    assert "tex2jax_ignore" in wrapped


# --- every dashboard, every field -----------------------------------------------------------


def test_margin_lab_shows_hostile_scenario_literally():
    lab = MarginLab(hostile_scenario())
    assert lab.error_message == "", lab.error_message
    lab.numbers.show_terms.value = True    # the explanation names the symbol
    lab.time_slider.value = 300
    html = assert_no_raw_payload(lab)
    assert esc("Description " + SCRIPT) in html
    desc = lab.scenario_picker.description_html.value
    assert NO_MATH in desc and "$5 and $6" in desc        # math delimiters shown as text
    assert esc(SYMBOL) in html                               # numbers panel, explanation
    # the symbol itself reaches toggle buttons and the symbol box as plain strings (text)
    assert SYMBOL in lab.path_editor.symbol_toggle.options
    # bqplot writes tooltip values with d3's .text(): they carry the raw words, not HTML
    # (escaping them would show "&lt;" to the visitor)
    names = [str(n) for n in lab.price_chart.liquidation_markers.names]
    assert any(SYMBOL in n for n in names) and not any("&lt;" in n for n in names)


def test_margin_lab_loaded_with_hostile_scenario_by_set_scenario_and_edits():
    lab = MarginLab()
    assert lab.set_scenario(hostile_scenario())
    lab.wallet_input.value = 12_000
    # an edit whose note names the typed symbol (upper-cased, still markup if unescaped)
    typed = ("X" * 5 + IMG).upper()
    lab.positions_editor.rows[0].symbol_input.value = "X" * 5 + IMG
    assert lab.error_message == "" and lab.scenario.positions[0].symbol == typed
    assert esc(typed) in lab.status.value
    assert_no_raw_payload(lab)
    # a refused edit whose message quotes the input
    lab.venue_dropdown.value = "binance_usdm"     # no tier table for that symbol there
    assert lab.error_message and lab.scenario.venue == "bybit_linear"
    assert_no_raw_payload(lab)


def test_csv_file_name_and_cells_are_escaped():
    lab = MarginLab()
    good = "timestamp,price\n" + "\n".join(f"{i},{60_000 - i}" for i in range(1, 300)) + "\n"
    lab.path_editor.csv_upload.value = csv_upload(good, IMG + ".csv")
    assert lab.error_message == ""
    assert esc(IMG) in lab.status.value
    assert_no_raw_payload(lab)
    bad = f"timestamp,price\n1,60000\n2,{IMG}\n"
    before = lab.scenario
    lab.path_editor.csv_upload.value = csv_upload(bad, SCRIPT + ".csv")
    assert lab.scenario == before
    assert "line 3" in lab.error_message and IMG in lab.error_message
    assert esc(IMG) in lab.error_box.value
    assert_no_raw_payload(lab)


def test_cross_vs_isolated_shows_hostile_scenario_literally():
    cvi = CrossVsIsolated(hostile_scenario())
    assert cvi.error_message == ""
    cvi.time_slider.value = 450
    html = assert_no_raw_payload(cvi)
    assert esc("Description " + SCRIPT) in html


def test_monte_carlo_shows_hostile_scenario_literally():
    ex = MonteCarloExplorer(hostile_scenario(), n_paths=40, steps=100, background=False)
    assert ex.error_message == ""
    html = assert_no_raw_payload(ex)
    assert esc("Description " + SCRIPT) in html and NO_MATH in ex.description_html.value
    ex2 = MonteCarloExplorer(n_paths=40, steps=100, background=False)
    assert ex2.set_scenario(hostile_scenario())
    assert_no_raw_payload(ex2)


def test_calculator_symbol_is_escaped():
    calc = LiquidationCalculator()
    calc.venue_dropdown.value = "bybit_linear"
    calc.symbol_input.value = SYMBOL
    assert calc.error_message == "", calc.error_message
    html = assert_no_raw_payload(calc)
    assert esc(SYMBOL) in html or esc(SYMBOL.upper()) in html


@pytest.mark.parametrize("app", ["margin_lab", "cross_vs_isolated", "monte_carlo"])
def test_apps_open_a_hostile_link_and_show_it_literally(app, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", hostile_scenario().to_query())
    box = getattr(apps, app)()
    html = assert_no_raw_payload(box)
    notice = next(w for w in walk(box) if "mw-query-message" in getattr(w, "_dom_classes", ()))
    assert "Opened the shared scenario" in notice.value
    assert esc(f"Title {IMG} $x$") in notice.value
    assert esc("Description " + SCRIPT) in html


@pytest.mark.parametrize("app", ["margin_lab", "cross_vs_isolated", "monte_carlo"])
def test_apps_quote_hostile_refused_links_escaped(app, monkeypatch):
    data = PRESETS["one_long"].to_dict()
    data["venue"] = IMG                       # refused: the message quotes it
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", link(data))
    box = getattr(apps, app)()
    assert_no_raw_payload(box)
    notice = next(w for w in walk(box) if "mw-query-message" in getattr(w, "_dom_classes", ()))
    assert "could not be used: unknown venue" in notice.value
    assert esc(IMG)[:20] in notice.value


def test_scenario_upload_of_a_hostile_file_is_escaped():
    lab = MarginLab()
    io = ScenarioIO(lab)
    io.upload.value = json_upload(hostile_scenario().to_json())
    assert "Loaded" in io.message.value and esc(f"Title {IMG}") in io.message.value
    assert lab.scenario == hostile_scenario()
    data = PRESETS["one_long"].to_dict()
    data[SCRIPT] = 1
    io.upload.value = json_upload(json.dumps(data))
    assert "unknown scenario fields" in io.message.value
    assert_no_raw_payload(io)
    assert_no_raw_payload(lab)
    assert io.upload.value == ()          # the same file can be chosen again


# --- announce only what ran -----------------------------------------------------------------


def test_upload_refused_by_the_dashboard_is_not_announced_as_loaded():
    lab = MarginLab()
    before = lab.scenario
    io = ScenarioIO(lab)
    assert not io.load_text(unrunnable().to_json())
    assert "Loaded" not in io.message.value and "mw-ok" not in io.message.value
    assert "Not loaded" in io.message.value and "2 prices, expected 500" in io.message.value
    assert lab.scenario == before


def test_refused_shared_link_is_not_announced_as_opened(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", unrunnable().to_query())
    box = apps.margin_lab()
    notice = next(w for w in walk(box) if "mw-query-message" in getattr(w, "_dom_classes", ()))
    assert "Opened" not in notice.value and "mw-ok" not in notice.value
    assert "could not be used" in notice.value and "2 prices, expected 500" in notice.value
    assert "Showing the default scenario" in notice.value
    lab = next(w for w in walk(box) if isinstance(w, MarginLab))
    assert lab.scenario == PRESETS["winner_and_loser_isolated"] and lab.result is not None


def test_monte_carlo_keeps_its_previous_scenario_when_one_is_refused():
    ex = MonteCarloExplorer("one_long", n_paths=40, steps=100, background=False)
    runs = ex.run_count
    assert not ex.set_scenario(unrunnable())
    assert "2 prices, expected" in ex.error_message
    assert ex.base_scenario is PRESETS["one_long"] and ex.scenario_dropdown.value == "one_long"
    assert all(v != "__custom__" for _l, v in ex.scenario_dropdown.options)
    assert ex.steps_input.value == 100
    assert PRESETS["one_long"].description in ex.description_html.value
    # every control still works on the previous scenario
    ex.seed_input.value = 11
    assert ex.error_message == "" and ex.run_count == runs + 1
    assert ex.last_run is not None and ex.last_run.scenario is PRESETS["one_long"]


def test_monte_carlo_refuses_too_much_work_before_running():
    ex = MonteCarloExplorer("hedged_pair", n_paths=40, steps=100, background=False)
    done = ex.last_run
    with ex.batch():                # 2 positions x 20,000 steps x 20,000 paths = 8e8
        ex.steps_input.value = 20_000
        ex.paths_input.value = 20_000
    assert "too much work" in ex.error_message and "20,000,000" in ex.error_message
    assert ex.last_run is done


# --- share links over the server's limit ----------------------------------------------------


def test_share_link_longer_than_a_server_accepts_is_refused_with_download_advice():
    rng = np.random.default_rng(5)
    prices = (60_000 * np.exp(np.cumsum(rng.normal(0, 0.002, 12_000)))).tolist()
    scen = PRESETS["one_long"].replace(paths={"BTCUSDT": PathSpec("data", {"prices": prices})},
                                       steps=12_000)
    lab = MarginLab(scen)
    io = ScenarioIO(lab, app_path="margin_lab.ipynb")
    assert len(scen.to_query()) > MAX_SHARE_URL
    assert io.make_share_link() == ""
    assert io.link_html.value == ""
    assert "Download the scenario instead" in io.message.value
    # a normal scenario still gets its link, and it restores the scenario
    lab.set_scenario(PRESETS["hedged_pair"])
    href = io.make_share_link()
    assert 0 < len(href) <= MAX_SHARE_URL and "mw-share-href" in io.link_html.value
    assert Scenario.from_query(href.split("?", 1)[1]) == PRESETS["hedged_pair"]


# --- limits reach the visitor as messages ---------------------------------------------------


def test_app_refuses_the_heavy_link_with_a_message(monkeypatch, heavy_link):
    query = heavy_link
    assert len(query) < 600
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", query)
    box = apps.margin_lab()
    notice = next(w for w in walk(box) if "mw-query-message" in getattr(w, "_dom_classes", ()))
    assert "too much work" in notice.value and "5,000,000" in notice.value
    lab = next(w for w in walk(box) if isinstance(w, MarginLab))
    assert lab.scenario == PRESETS["winner_and_loser_isolated"]


def test_deeply_nested_upload_and_link_say_what_is_wrong(monkeypatch):
    nested = "[" * 100_000 + "]" * 100_000
    lab = MarginLab()
    io = ScenarioIO(lab)
    io.upload.value = json_upload(nested)
    assert "nested 100,000 levels deep" in io.message.value
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", "scenario=" + base64.urlsafe_b64encode(
        zlib.compress(nested.encode(), 9)).decode().rstrip("="))
    box = apps.cross_vs_isolated()
    notice = next(w for w in walk(box) if "mw-query-message" in getattr(w, "_dom_classes", ()))
    assert "nested 100,000 levels deep" in notice.value

