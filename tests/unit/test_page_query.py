"""page_query(): a preheated kernel reads its visitor's query from voila's websocket."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator

import pytest
from websockets.sync.server import ServerConnection, serve

from margin_widgets import apps

KERNEL_ID = "0b7c1a52-52e4-4b47-9d36-7f3f2b2e0a11"


@pytest.fixture
def fake_voila(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A stand-in for voila's /voila/query/<kernel id> websocket; yields the paths asked."""
    asked: list[str] = []

    def handler(connection: ServerConnection) -> None:
        asked.append(connection.request.path)
        connection.send(json.dumps({"QUERY_STRING": "scenario=abc&x=1",
                                    "SCRIPT_NAME": "/voila/render/margin_lab.ipynb"}))

    with serve(handler, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        for key, value in {"VOILA_PREHEAT": "True", "VOILA_APP_IP": "127.0.0.1",
                           "VOILA_APP_PORT": str(port), "VOILA_SERVER_URL": "/base/",
                           "VOILA_KERNEL_ID": KERNEL_ID}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
        monkeypatch.delenv("QUERY_STRING", raising=False)
        monkeypatch.delenv("SCRIPT_NAME", raising=False)
        yield asked
        server.shutdown()


def test_preheated_kernel_gets_the_query_from_voila_without_voila_utils(
    fake_voila: list[str],
) -> None:
    had_voila_utils = "voila.utils" in sys.modules
    assert apps.page_query() == "scenario=abc&x=1"
    assert fake_voila == [f"/base/voila/query/{KERNEL_ID}"]
    assert os.environ["SCRIPT_NAME"] == "/voila/render/margin_lab.ipynb"
    if not had_voila_utils:
        assert "voila.utils" not in sys.modules


def test_not_preheated_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", "scenario=xyz")
    assert apps.page_query() == "scenario=xyz"
    monkeypatch.delenv("VOILA_PREHEAT")
    assert apps.page_query() == "scenario=xyz"
