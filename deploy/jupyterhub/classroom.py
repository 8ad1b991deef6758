"""The classroom's spawner and the reading of ``deploy/shared.yaml``.

Imported by ``jupyterhub_config.py`` (beside it) and by the tests; it needs JupyterHub.

Why ``SimpleLocalProcessSpawner`` (and not ``LocalProcessSpawner``): the local recipe must
start with ``make classroom`` on a fresh machine, as any user, without creating one Unix
account per learner (``LocalProcessSpawner`` needs them, and root to switch to them). The
price: every learner's server runs as the same Unix user, so **the hub and its proxy isolate
learners (nobody can open another learner's server: the server only accepts its owner's
login), but the file system does not** (a learner's code could read another home). Teachers
who need that run ``LocalProcessSpawner`` with real accounts or the Kubernetes recipe.
"""

from __future__ import annotations

import os
import re
import resource
import shlex
import sys
from pathlib import Path
from typing import Any

import yaml
from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Bool

HERE = Path(__file__).resolve().parent
SHARED_FILE = HERE.parent / "shared.yaml"

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def load_shared(path: Path = SHARED_FILE) -> dict[str, Any]:
    """The shared classroom settings (``deploy/shared.yaml``)."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top")
    return data


def byte_size(text: str | int) -> int:
    """``"1G"`` -> 1073741824 (JupyterHub's and Kubernetes' binary units)."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if match is None:
        raise ValueError(f"not a memory size: {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def learner_command(bin_dir: Path, lessons_folder: str) -> list[str]:
    """The command a learner's server starts with (in their home, as its working folder).

    On the first start it copies the lessons and apps into the home with the kit's own
    command (``margin-widgets lessons``); afterwards the learner's copies are left alone.
    Then it becomes ``jupyterhub-singleuser`` (``exec``: one process to account and stop).
    """
    folder = shlex.quote(lessons_folder)
    script_path = bin_dir / "margin-widgets"
    if script_path.exists():
        copy = shlex.quote(str(script_path))
    else:  # a checkout on PYTHONPATH, not installed: the same command through -m
        copy = f"{shlex.quote(str(bin_dir / 'python'))} -m margin_widgets.cli"
    single = shlex.quote(str(bin_dir / "jupyterhub-singleuser"))
    script = (f'[ -d {folder} ] || {copy} lessons {folder} --apps >&2 || exit 1; '
              f'exec {single} "$@"')
    return ["/bin/sh", "-c", script, "jupyterhub-singleuser"]


def quiet_lab_news(jupyter_config_dir: Path) -> None:
    """Turn JupyterLab's news and update checks off (they would call outside hosts)."""
    settings = (jupyter_config_dir / "lab" / "user-settings" / "@jupyterlab"
                / "apputils-extension" / "notification.jupyterlab-settings")
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text('{"fetchNews": "false", "checkForUpdates": false}\n')


class ClassroomSpawner(SimpleLocalProcessSpawner):
    """One server per learner, in their own home; memory capped per process.

    ``mem_limit`` is applied as ``RLIMIT_DATA`` (heap and private memory) to the learner's
    server and, inherited, to each kernel it starts: a runaway lesson gets ``MemoryError``
    instead of taking the machine. It is a per-process cap, not a per-learner total (that
    needs cgroups: Kubernetes, or systemd). ``cpu_limit`` is NOT enforced by a local spawner
    (JupyterHub only passes it on as ``CPU_LIMIT``): processes share the cores fairly.
    """

    enforce_memory_limit = Bool(
        True, config=True, help="Apply mem_limit as RLIMIT_DATA to each learner process."
    ).tag(config=True)

    def make_preexec_fn(self, name: str) -> Any:
        """The parent's (create the home, chdir into it), then the memory cap."""
        base = super().make_preexec_fn(name)
        limit = int(self.mem_limit or 0) if self.enforce_memory_limit else 0

        def preexec() -> None:
            base()  # creates the home and enters it
            quiet_lab_news(Path(".jupyter"))
            if limit > 0:
                resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))

        return preexec

    def get_env(self) -> dict[str, str]:
        """Jupyter's folders in the learner's home, the kit's commands first on PATH."""
        env = super().get_env()
        home = Path(self.home_dir)
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", os.defpath)
        env["JUPYTER_CONFIG_DIR"] = str(home / ".jupyter")
        env["JUPYTER_DATA_DIR"] = str(home / ".local" / "share" / "jupyter")
        env["JUPYTER_RUNTIME_DIR"] = str(home / ".local" / "share" / "jupyter" / "runtime")
        env["IPYTHONDIR"] = str(home / ".ipython")
        env["XDG_CONFIG_HOME"] = str(home / ".config")
        env["XDG_CACHE_HOME"] = str(home / ".cache")
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        # voila (a server extension here) reads voila.json from the Jupyter config path:
        # the kit's own, from the installed package or this checkout
        from margin_widgets import resources

        env["JUPYTER_CONFIG_PATH"] = str(resources.voila_config_dir())
        return env
