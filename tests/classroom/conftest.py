"""Fixtures for the classroom tier: one hub (dummy authenticator) for the module.

Every test in this folder except ``test_config_agree.py`` is marked ``classroom`` (it starts
JupyterHub and learners' servers: slow); the browser checks need Chromium as the ``ui``
tier does (skipped with the reason when there is none, unless
``MARGIN_WIDGETS_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
sys.path.insert(0, str(_HERE.parent / "ui"))

from hub import Hub, start_hub  # noqa: E402
from servers import locate_chromium  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path)).resolve()
        if _HERE in path.parents and path.name != "test_config_agree.py":
            item.add_marker(pytest.mark.classroom)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    started = start_hub(tmp_path_factory.mktemp("classroom"))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def chromium_launch() -> dict[str, Any]:
    found = locate_chromium()
    if found is None:
        if os.environ.get("MARGIN_WIDGETS_REQUIRE_BROWSER") == "1":
            pytest.fail("no Chromium (MARGIN_WIDGETS_REQUIRE_BROWSER=1)")
        pytest.skip("no Chromium found: install Debian's chromium")
    return {"executable_path": found, "headless": True, "args": CHROMIUM_ARGS}
