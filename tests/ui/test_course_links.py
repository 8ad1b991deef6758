"""The Voila index lists the lessons, and its links open them (as ``margin-widgets serve`` runs).

The voila of ``voila_server`` serves ``voila_apps/`` only, as the ``serve`` command does; the
lessons reach it through the copy in ``voila_apps/lessons/``. Following the index's link to
lessons 10 and 11 must render the lesson, with its case explorer, every exercise and no error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pages import cell_errors, voila_url, wait_for_widgets
from playwright.sync_api import Page, expect

from margin_widgets.lessons import LESSONS

EXPECT_MS = 120_000


def test_index_lists_the_lessons_and_its_links_open_lessons_10_and_11(
    open_app: Callable[..., Page], voila_server: str, screenshot_dir: Path, console_errors,
) -> None:
    page = open_app("index.ipynb", ".mw-course-index")
    links = page.locator(".mw-course-index a.mw-lesson-link")
    expect(links).to_have_count(len(LESSONS) + 1)
    titles = [links.nth(i).inner_text() for i in range(len(LESSONS))]
    assert titles == [f"Lesson {n} — {L.title}" for n, L in LESSONS.items()]
    page.locator(".mw-course-index").screenshot(path=screenshot_dir / "index-lessons.png")
    for n in (10, 11):
        L = LESSONS[n]
        link = page.locator(".mw-course-index a.mw-lesson-link").nth(n - 1)
        assert link.evaluate("a => a.href") == voila_url(voila_server, f"lessons/{L.notebook}")
        link.click()
        wait_for_widgets(page, ".mw-case-explorer")
        expect(page.locator(".mw-exercise")).to_have_count(len(L.exercises), timeout=EXPECT_MS)
        expect(page.locator(".mw-case-explorer .mw-price-figure path.line").first
               ).to_be_visible(timeout=EXPECT_MS)
        expect(page.locator(".mw-events-table").first).to_be_visible()
        expect(page.locator("#rendered_cells")).to_contain_text(L.title)
        assert cell_errors(page) == []
        page.screenshot(path=screenshot_dir / f"voila-lesson-{n:02d}.png", full_page=True)
        # the lesson's own "all lessons" link stays inside the served folder
        back = page.locator('#rendered_cells a[href="index.ipynb"]').first
        assert back.evaluate("a => a.href") == voila_url(voila_server, "lessons/index.ipynb")
        page.goto(voila_url(voila_server, "index.ipynb"), wait_until="commit")
        wait_for_widgets(page, ".mw-course-index")
    console_errors.assert_clean()
