"""The case explorer of lessons 10 and 11: every engine event reaches its table and charts."""

from __future__ import annotations

import re

import numpy as np

from margin_widgets.core.errors import MarginInputError
from margin_widgets.lessons import l10_run, l11_run, lesson
from margin_widgets.widgets.cases import CaseExplorer, events_table_html


def rows(html: str) -> list[list[str]]:
    return [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html)
            if "<td>" in r]


def test_lesson10_opens_on_partial_liquidations_and_lists_each_one():
    w = lesson(10).widget()
    assert w.case == ("partial", "recovers") and w.result is l10_run("partial", "recovers")
    evs = [e for e in w.result.events() if e.kind == "partial liquidation"]
    table = rows(w.events_html.value)
    partial_rows = [r for r in table if r[1] == "partial liquidation"]
    assert len(partial_rows) == len(evs) >= 2
    for r, e in zip(partial_rows, evs, strict=True):
        assert r[0] == f"{e.step:,}" and r[4] == f"{e.quantity:,.6g}"
    # the price chart marks every partial liquidation (✕) with its hover text
    assert sorted(w.price_chart.liquidation_markers.x.tolist()) == [float(e.step) for e in evs]
    assert "USDC" in w.events_html.value and "insurance fund" in w.events_html.value.lower()


def test_switching_the_case_shows_that_run_and_its_outcome():
    w = lesson(10).widget()
    w.select("forfeit", "recovers")
    assert w.result is l10_run("forfeit", "recovers")
    liq = [r for r in rows(w.events_html.value) if r[1] == "liquidation"]
    assert len(liq) == 1 and liq[0][7] == "3,250.00 USDC"          # forfeited to the fund
    w.select("partial", "gap")
    liq = [r for r in rows(w.events_html.value) if r[1] == "liquidation"]
    assert liq[0][8] == "45,000.00 USDC"                          # the fund paid the gap
    assert "insurance fund paid 45,000.00 USDC" in w.summary.value


def test_lesson11_shows_each_top_up_as_a_transfer_marker_and_a_row():
    w = lesson(11).widget()
    w.select("auto", "falls")
    res = l11_run("auto", "falls")
    tops = [e for e in res.events() if e.kind == "auto-add margin"]
    table = [r for r in rows(w.events_html.value) if r[1] == "auto-add margin"]
    assert [r[5] for r in table] == [f"{e.amount:,.2f} USDT" for e in tops]
    assert w.price_chart.transfer_markers.x.tolist() == [float(e.step) for e in tops]
    w.select("manual", "recovers")
    assert any(r[1] == "margin added by hand" for r in rows(w.events_html.value))


def test_a_case_that_fails_says_why_escaped_and_keeps_the_last_run():
    def run(key: str):
        if key == "bad":
            raise MarginInputError("<img src=x onerror=alert(1)> is not a case")
        return l11_run("none", "recovers")

    w = CaseExplorer("<b>title</b>", [("Case", [("good", "good"), ("bad", "bad")])], run)
    before = w.result
    w.select("bad")
    assert "&lt;img" in w.error_box.value and "<img" not in w.error_box.value
    assert w.result is before and w.case == ("good",)
    assert [t.value for t in w.toggles] == ["good"]        # the toggle shows what is shown
    assert "&lt;b&gt;title" in w.children[1].value


def test_events_table_cells_are_escaped_and_units_given():
    html = events_table_html(l10_run("kept", "recovers"))
    assert "<script" not in html
    assert "Amounts in USDC" in html
    assert np.isfinite(float(l10_run("kept", "recovers").equity[-1]))
