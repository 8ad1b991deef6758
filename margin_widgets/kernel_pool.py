"""Preheated kernels for a class: a pool that fills one kernel at a time.

Loaded by the Voila *server* only (``VoilaConfiguration.multi_kernel_manager_class`` in
``voila.json``); nothing in the kit imports it, and no kernel runs it.

Why: Voila can keep a pool of kernels that have already run an app (``preheat_kernel`` and
``kernel_pools_config``), so a visitor gets a finished page instead of waiting for the
notebook to execute. But Voila starts every kernel of every pool at the same moment, when the
server starts and again whenever a pool is refilled. On a small machine that is the worst
order: with a pool of 30, thirty kernels share two cores, all of them finish together after a
minute or more, and the first visitor waits for the last kernel. Started one after another
(or ``preheat_concurrency`` at a time), the first kernel is ready after a few seconds and each
next one a few seconds later, while visitors whose kernel is not preheated are never held
back: only the pool's own starts wait their turn.

:class:`PacedKernelManager` is Jupyter Server's ``AsyncMappingKernelManager`` (Voila wraps it
with its pooling logic). A start that Voila makes for a pool (its environment carries
``VOILA_PREHEAT=True``) first waits for a free slot; the slot is given back when that kernel
has finished running the notebook (busy at first, then silent: see :func:`settled`), when it
dies, or after ``max_hold_s`` seconds at most, so a stuck notebook cannot block the pool.

The size of the index app's pool is set by ``margin-widgets serve --pool N``
(``--PacedKernelManager.index_pool=N``): for a class, about its size. Each preheated kernel
holds its memory (about 150 MB) while it waits.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Int, Unicode

__all__ = ["PacedKernelManager", "is_preheat", "settled"]


def is_preheat(kwargs: dict[str, Any]) -> bool:
    """True when Voila starts this kernel for a preheated pool (not for a visitor).

    >>> is_preheat({"env": {"VOILA_PREHEAT": "True"}}), is_preheat({"env": {}}), is_preheat({})
    (True, False, False)
    """
    env = kwargs.get("env") or {}
    return str(env.get("VOILA_PREHEAT", "")) == "True"


def settled(execution_state: str | None, last_activity: datetime | None, now: datetime,
            settle_s: float, quiet_s: float = 3.0) -> bool:
    """True when a kernel is done with its notebook (or dead).

    Done means no message from it for ``settle_s`` seconds while it is not busy, or for
    ``quiet_s`` seconds while busy: a preheated app ends its run busy and silent, waiting for
    its visitor's address (``margin_widgets.apps.page_query``). A cell that computes in
    silence for ``quiet_s`` looks the same; then the next preheat merely starts a little early.

    >>> from datetime import timedelta
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> settled("idle", t, t + timedelta(seconds=2), 1.0)
    True
    >>> settled("idle", t, t + timedelta(seconds=0.5), 1.0), settled("busy", t, t, 0.0)
    (False, False)
    >>> settled("busy", t, t + timedelta(seconds=4), 1.0), settled("dead", None, t, 1.0)
    (True, True)
    """
    if execution_state == "dead":
        return True
    if last_activity is None:
        return False
    quiet = (now - last_activity).total_seconds()
    return quiet >= (quiet_s if execution_state == "busy" else settle_s)


class PacedKernelManager(AsyncMappingKernelManager):
    """``AsyncMappingKernelManager`` whose pool (preheat) starts run a few at a time."""

    preheat_concurrency = Int(
        1, config=True, help="How many preheated kernels may start and run at once.")
    settle_s = Float(
        1.5, config=True,
        help="A preheated kernel is done with its notebook after this long idle (seconds).")
    busy_quiet_s = Float(
        3.0, config=True,
        help="A busy preheated kernel silent this long is waiting for its visitor (seconds).")
    first_run_within_s = Float(
        20.0, config=True,
        help="A kernel never seen busy counts as done after this long idle (seconds).")
    max_hold_s = Float(
        180.0, config=True, help="The longest one preheat start holds its slot (seconds).")

    index_pool = Int(
        -1, config=True,
        help="Preheated kernels kept for the index app (-1: as voila.json says).")
    index_app = Unicode("index.ipynb", config=True, help="The index app's notebook.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Voila's pooling subclass reads kernel_pools_config right after this returns
        if self.index_pool >= 0 and self.has_trait("kernel_pools_config"):
            current: dict[str, dict[str, Any]] = self.kernel_pools_config  # type: ignore[has-type]
            pools = {k: dict(v) for k, v in current.items()}
            pools.setdefault(self.index_app, {})["pool_size"] = int(self.index_pool)
            self.kernel_pools_config = pools
        self._gate: asyncio.Semaphore | None = None
        self._watchers: set[asyncio.Task[None]] = set()
        self.preheats_started = 0

    def _slots(self) -> asyncio.Semaphore:
        # made on first use, inside the running event loop
        if self._gate is None:
            self._gate = asyncio.Semaphore(max(1, int(self.preheat_concurrency)))
        return self._gate

    async def start_kernel(  # type: ignore[override]
            self, *args: Any, **kwargs: Any) -> str:
        """Start a kernel; a pool's start first waits for a free preheat slot."""
        if not is_preheat(kwargs):
            return str(await super().start_kernel(*args, **kwargs))
        gate = self._slots()
        # Voila starts a pool's kernel from inside the pool's own item (a task it keeps in
        # ``_pools`` until a visitor takes it): remember it to see the hand-off
        item = asyncio.current_task()
        while gate.locked() and not self.handed_off(item):
            await asyncio.sleep(0.2)
        if self.handed_off(item):  # a visitor is already waiting for this kernel
            self.log.info("margin_widgets pool: a visitor's kernel, not held back")
            return str(await super().start_kernel(*args, **kwargs))
        await gate.acquire()
        try:
            kernel_id = str(await super().start_kernel(*args, **kwargs))
        except BaseException:
            gate.release()
            raise
        self.preheats_started += 1
        self.log.info("margin_widgets pool: preheat start %s", kernel_id)
        task = asyncio.ensure_future(self._release_when_settled(kernel_id, gate, item))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)
        return kernel_id

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Jupyter Server's idle check, minus its traceback for a kernel still starting.

        A kernel whose start has not finished has no ``last_activity`` yet; Jupyter Server's
        ``hasattr`` check then raises (a traitlets error, not an AttributeError) and the
        culler logs a traceback every round. Such a kernel is not idle: it is left alone.
        """
        kernel = self._kernels.get(kernel_id)
        has_value = getattr(kernel, "trait_has_value", None)
        if kernel is not None and callable(has_value) and not has_value("last_activity"):
            return
        await super().cull_kernel_if_idle(kernel_id)

    def handed_off(self, item: asyncio.Future[Any] | None) -> bool:
        """True once Voila's pools no longer hold ``item`` (a visitor took its kernel).

        Also true when the pool was emptied; False when unknown (no item, or not Voila).
        """
        pools = getattr(self, "_pools", None)
        if item is None or not isinstance(pools, dict):
            return False
        return not any(item in pool for pool in pools.values())

    async def _release_when_settled(self, kernel_id: str, gate: asyncio.Semaphore,
                                    item: asyncio.Future[Any] | None = None) -> None:
        """Give the slot back once ``kernel_id`` has run its notebook, or is gone.

        Or once a visitor has taken it: then it is the visitor's kernel, never held back.
        Without the hand-off rule a kernel taken while it was still starting kept its slot
        until ``first_run_within_s``, and the next pool kernel, which the next visitor had
        already been given, waited for it: every visitor after the second waited ~18 s
        for the first byte of the page on an idle server.
        """
        started = time.monotonic()
        seen_busy = False  # idle right after start-up is not "done": the notebook runs next
        taken = False
        try:
            await asyncio.sleep(min(self.settle_s, 0.2))
            while time.monotonic() - started < self.max_hold_s:
                kernel = self._kernels.get(kernel_id)
                if kernel is None:
                    return
                if self.handed_off(item):
                    taken = True
                    return
                state = getattr(kernel, "execution_state", None)
                seen_busy = seen_busy or state == "busy"
                ran = seen_busy or time.monotonic() - started > self.first_run_within_s
                if ran and settled(state, getattr(kernel, "last_activity", None),
                                   datetime.now(UTC), self.settle_s, self.busy_quiet_s):
                    return
                await asyncio.sleep(0.2)
        finally:
            self.log.info("margin_widgets pool: preheat done %s after %.1f s%s", kernel_id,
                          time.monotonic() - started, " (taken by a visitor)" if taken else "")
            gate.release()
