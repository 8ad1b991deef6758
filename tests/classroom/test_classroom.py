"""The classroom hub with two learners: login, their own server, a lesson's chart, isolation.

Starts ``deploy/jupyterhub/jupyterhub_config.py`` with the dummy authenticator (``hub``
fixture). Expected contents come from the repository (the lessons' files) and the engine
(the exercise's answer), never from the hub's own output.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hub import Hub, Learner
from learner import APP, LESSON_5, answer_first_exercise, log_in, open_rendered, voila_url
from playwright.sync_api import BrowserType

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy" / "jupyterhub"))
from classroom import byte_size, load_shared  # noqa: E402

from margin_widgets.lessons import LESSONS, ExerciseSpec  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def learners(hub: Hub) -> dict[str, Learner]:
    """alice and bob, logged in (HTTP), each with a running server."""
    found = {}
    for name in ("alice", "bob"):
        learner = Learner(hub, name)
        status, location = learner.login()
        assert (status, location) == (302, "/hub/spawn"), "the dummy login was refused"
        found[name] = learner
    for learner in found.values():
        learner.wait_for_server(timeout=TIMEOUT_MS / 1000)
    return found


def test_first_start_copies_lessons_and_apps_into_the_home(
    hub: Hub, learners: dict[str, Learner]
) -> None:
    for name in learners:
        home = hub.home(name)
        assert sorted(p.name for p in (home / "lessons").glob("*.ipynb")) == sorted(
            p.name for p in (REPO / "notebooks").glob("*.ipynb"))
        assert sorted(p.name for p in (home / "lessons" / "apps").glob("*.ipynb")) == sorted(
            p.name for p in (REPO / "voila_apps").glob("*.ipynb"))


def test_wrong_password_is_refused(hub: Hub) -> None:
    intruder = Learner(hub, "mallory")
    hub_password, hub.password = hub.password, "not-the-password"
    try:
        status, location = intruder.login()
    finally:
        hub.password = hub_password
    assert status == 403 or "/hub/spawn" not in location


def test_a_learner_cannot_open_another_learners_server(
    hub: Hub, learners: dict[str, Learner]
) -> None:
    bob, alice = learners["bob"], learners["alice"]
    for learner in (alice, bob):  # each opens their own server (the OAuth round trip)
        status, url, _body = learner.get(f"user/{learner.name}/lab")
        assert status == 200 and f"/user/{learner.name}/lab" in url, (status, url)
    for path in ("user/alice/lab", f"user/alice/voila/render/{LESSON_5}",
                 "user/alice/api/contents/lessons"):
        status, url, _body = bob.get(path)
        assert status == 403, f"bob got {status} for {path} ({url})"
    # and nobody logged out gets in: the hub sends them to its login page
    stranger = Learner(hub, "nobody")
    status, url, body = stranger.get("user/alice/lab")
    assert status == 200 and "/hub/login" in url and 'id="login_submit"' in body
    # alice herself gets her server
    status, url, _body = alice.get("user/alice/api/contents/lessons")
    assert status == 200 and url.endswith("/user/alice/api/contents/lessons")


def test_memory_limit_applies_to_the_learners_server(hub: Hub, learners: dict[str, Learner]
                                                     ) -> None:
    limit = byte_size(load_shared()["limits"]["memory"])
    pids = hub.learner_pids("alice")
    assert pids, "alice's server process was not found"
    for pid in pids:
        text = Path(f"/proc/{pid}/limits").read_text()
        line = next(row for row in text.splitlines() if row.startswith("Max data size"))
        assert line.split()[3:5] == [str(limit), str(limit)], line


def test_lesson_and_app_draw_their_chart_in_the_browser(
    hub: Hub, learners: dict[str, Learner], browser_type: BrowserType,
    chromium_launch: dict[str, Any],
) -> None:
    # the first numeric exercise (the lesson opens with a prediction, a multiple choice)
    spec = next(e for e in LESSONS[5].exercises if isinstance(e, ExerciseSpec))
    browser = browser_type.launch(**chromium_launch)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        log_in(page, hub.url, "alice", hub.password, TIMEOUT_MS)
        open_rendered(page, voila_url(hub.url, "alice", LESSON_5), TIMEOUT_MS)
        answer_first_exercise(page, float(spec.answer()), spec.unit, TIMEOUT_MS)
        shots = REPO / "artifacts" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shots / "classroom-alice-lesson-05.png")
        open_rendered(page, voila_url(hub.url, "alice", APP), TIMEOUT_MS)
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "error when executing" not in body
    finally:
        browser.close()


def test_spawn_page_waits_for_slow_scripts(
    hub: Hub, browser_type: BrowserType, chromium_launch: dict[str, Any],
) -> None:
    """A learner whose page gets its scripts slowly (a whole class logging in on a busy
    machine) still moves on to their server.

    The hub's spawn-pending page opens the progress stream from code that require.js runs
    once ``jhapi.js`` has loaded; with require.js's default ``waitSeconds`` (7 s) a slower
    script made it drop that code, and 10 of 30 learners of bench_classroom stayed on
    "Your server is starting up" with a running server. Here ``jhapi.js`` arrives after 9 s.
    """
    browser = browser_type.launch(**chromium_launch)
    delayed: list[str] = []

    def slow(route: Any) -> None:
        delayed.append(route.request.url)
        time.sleep(9)
        route.continue_()

    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route(re.compile(r"/hub/static/js/jhapi\.js"), slow)
        log_in(page, hub.url, "carol", hub.password, TIMEOUT_MS)
        assert delayed, "the spawn page did not load jhapi.js: nothing was slowed down"
        assert "/user/carol/" in page.url
    finally:
        browser.close()
