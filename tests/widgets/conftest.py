"""Widget tests without a browser: a recording comm and an engine-run counter.

Every widget opens a comm when it is created. ``recorder`` replaces ``comm.create_comm`` with a
factory of :class:`RecordingComm`, which keeps every message a widget sends (its JSON data and
binary buffers). Tests set control values as the browser would (assignment or
``widget.set_state``) and assert on the model and on the recorded messages.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from typing import Any

import comm
import pytest

import margin_widgets.core.simulation as simulation


class RecordingComm:
    """Stands in for a kernel comm: records what is sent, sends nothing."""

    def __init__(self, recorder: CommRecorder, *, comm_id: str | None = None,
                 target_name: str = "", data: Any = None, buffers: Any = None,
                 metadata: Any = None, **_kw: Any) -> None:
        self.recorder = recorder
        self.comm_id = comm_id or uuid.uuid4().hex
        self.target_name = target_name
        self.open_data = data
        self.sent: list[tuple[dict[str, Any], list[Any]]] = []
        self._msg_cb: Any = None
        self.closed = False
        recorder.comms[self.comm_id] = self

    def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        msg = (data or {}, list(buffers or []))
        self.sent.append(msg)
        self.recorder.log.append((self.comm_id, msg))

    def on_msg(self, callback: Any) -> None:
        self._msg_cb = callback

    def on_close(self, callback: Any) -> None:
        pass

    def close(self, *args: Any, **kwargs: Any) -> None:
        self.closed = True


def message_bytes(msg: tuple[dict[str, Any], list[Any]]) -> int:
    data, buffers = msg
    size = len(json.dumps(data, default=str).encode())
    for b in buffers:
        size += memoryview(b).nbytes
    return size


class CommRecorder:
    """All recording comms and the ordered log of sent messages."""

    def __init__(self) -> None:
        self.comms: dict[str, RecordingComm] = {}
        self.log: list[tuple[str, tuple[dict[str, Any], list[Any]]]] = []

    def create(self, *args: Any, **kwargs: Any) -> RecordingComm:
        return RecordingComm(self, **kwargs)

    def reset(self) -> None:
        """Forget the messages sent so far (keep the comms)."""
        self.log.clear()

    def messages_for(self, widget: Any) -> list[dict[str, Any]]:
        """Update messages sent by ``widget`` since the last reset."""
        cid = widget.comm.comm_id
        return [data for c, (data, _b) in self.log if c == cid]

    def count_by_comm(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for c, _msg in self.log:
            out[c] += 1
        return dict(out)

    def total_bytes(self) -> int:
        return sum(message_bytes(m) for _c, m in self.log)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> CommRecorder:
    rec = CommRecorder()
    monkeypatch.setattr(comm, "create_comm", rec.create)
    return rec


class RunCounter:
    """Counts calls of ``core.simulation.simulate`` (the engine run)."""

    def __init__(self) -> None:
        self.calls = 0

    def reset(self) -> None:
        self.calls = 0


@pytest.fixture
def engine_runs(monkeypatch: pytest.MonkeyPatch) -> RunCounter:
    counter = RunCounter()
    real = simulation.simulate

    def counting(*args: Any, **kwargs: Any) -> Any:
        counter.calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(simulation, "simulate", counting)
    return counter
