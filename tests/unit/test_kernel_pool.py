"""The kit's kernel manager for Voila (``margin_widgets/kernel_pool.py``), without a server.

The pacing itself is checked on a real server in ``tests/ui/test_pool.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Dict, HasTraits, Instance, TraitError, Unicode

from margin_widgets.kernel_pool import PacedKernelManager


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` on a loop of its own, in a thread: the suite's browser tests can leave an
    event loop running in the main thread, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class StartingKernel(HasTraits):
    """A kernel as the culler meets it while its start is unfinished: no last_activity."""

    last_activity = Instance(datetime)
    execution_state = Unicode("starting")
    kernel_name = "python3"
    kernel_spec = SimpleNamespace(metadata={})


def test_jupyter_server_culler_raises_on_a_starting_kernel(tmp_path: Path) -> None:
    # the defect the kit's manager works around (seen as a traceback in a loaded server's log)
    manager = AsyncMappingKernelManager(root_dir=str(tmp_path))
    manager._kernels["k"] = StartingKernel()
    with pytest.raises(TraitError):
        run(manager.cull_kernel_if_idle("k"))


def test_paced_manager_leaves_a_starting_kernel_alone(tmp_path: Path) -> None:
    manager = PacedKernelManager(root_dir=str(tmp_path))
    manager._kernels["k"] = StartingKernel()
    run(manager.cull_kernel_if_idle("k"))      # no error, nothing culled
    assert "k" in manager._kernels


def test_index_pool_overrides_the_configured_pool(tmp_path: Path) -> None:
    class WithPools(PacedKernelManager):
        """As Voila's pooling subclass: it adds kernel_pools_config."""

        kernel_pools_config = Dict({"default": {"pool_size": 0}, "index.ipynb": {"pool_size": 1}})

    manager = WithPools(root_dir=str(tmp_path), index_pool=30)
    assert manager.kernel_pools_config["index.ipynb"]["pool_size"] == 30
    assert manager.kernel_pools_config["default"] == {"pool_size": 0}
