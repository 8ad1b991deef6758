"""Start and stop the voila and JupyterLab servers that the browser tests drive.

Everything here is plain Python (no pytest): the fixtures in ``conftest.py`` wrap it.
The rules come from ``TESTING.md``: bind to 127.0.0.1, pick the free port ourselves,
wait on a static file (a GET on ``/`` would execute a notebook), run each server in its
own process group and end the whole group (plus its kernels, which jupyter_client puts in
sessions of their own), and keep every Jupyter/IPython folder in a temporary directory so
that nothing is written to ``$HOME``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VOILA_CONFIG_DIR = REPO_ROOT  # holds voila.json (voila reads it from cwd/config_file_paths)
VOILA_CONFIG_FILE = VOILA_CONFIG_DIR / "voila.json"

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ON_PATH = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

STARTUP_TIMEOUT_S = float(os.environ.get("MARGIN_WIDGETS_SERVER_TIMEOUT", "90"))
STOP_TIMEOUT_S = 10.0


def locate_chromium() -> str | None:
    """Return the path of a usable Chromium, or None.

    Order: ``$MARGIN_WIDGETS_CHROMIUM``, Debian's ``/usr/bin/chromium``,
    ``/usr/bin/chromium-browser``, then chromium / google-chrome on ``$PATH``.
    An explicit ``$MARGIN_WIDGETS_CHROMIUM`` that does not exist raises
    ``FileNotFoundError`` rather than silently falling back.
    """
    explicit = os.environ.get("MARGIN_WIDGETS_CHROMIUM", "").strip()
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise FileNotFoundError(
                f"MARGIN_WIDGETS_CHROMIUM={explicit!r} is not an executable file"
            )
        return found
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    for name in CHROMIUM_ON_PATH:
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    """Ask the kernel for a free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(home: Path) -> dict[str, str]:
    """Environment whose Jupyter/IPython/XDG folders all live under ``home``."""
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "jupyter-config",
        "JUPYTER_DATA_DIR": home / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": home / "jupyter-runtime",
        "IPYTHONDIR": home / "ipython",
        "XDG_CONFIG_HOME": home / "xdg-config",
        "XDG_CACHE_HOME": home / "xdg-cache",
    }
    env = dict(os.environ)
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    # debugpy in ipykernel warns about frozen modules on every kernel start
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def silence_lab_news(jupyter_config_dir: Path) -> None:
    """Turn off JupyterLab's news / update toast (it would try to reach outside hosts)."""
    settings = (
        jupyter_config_dir
        / "lab"
        / "user-settings"
        / "@jupyterlab"
        / "apputils-extension"
        / "notification.jupyterlab-settings"
    )
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


@dataclass
class ServerProcess:
    """A server started in its own process group; ``url`` ends with a slash."""

    name: str
    url: str
    log_path: Path
    popen: subprocess.Popen[bytes]
    _log_file: object = field(repr=False, default=None)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, max_chars: int = 8000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<cannot read {self.log_path}: {exc}>"
        return text[-max_chars:]

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """End the server, its process group and its kernels; SIGKILL after ``timeout``.

        jupyter_client starts every kernel in a session of its own, so ``killpg`` on the
        server's group does not reach them: SIGTERM lets the server shut its kernels down,
        and whatever survives (a kernel of a server that had to be SIGKILLed) is killed
        by pid.
        """
        pgid = self.popen.pid  # start_new_session=True: pgid == pid
        kernels = descendants(pgid)
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kernels |= descendants(pgid)
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(timeout=timeout)
        _wait_gone(kernels, timeout)
        for pid in kernels:
            if not _alive(pid):
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:  # group members other than the leader
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        close = getattr(self._log_file, "close", None)
        if close is not None:
            close()


def descendants(pid: int) -> set[int]:
    """Pids of all living descendants of ``pid`` (reads /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return set()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purpose
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return True


def _wait_gone(pids: set[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def wait_until_ready(server: ServerProcess, probe: str, timeout: float) -> None:
    """Poll ``server.url + probe`` until it answers 200; raise with the log on failure."""
    deadline = time.monotonic() + timeout
    url = server.url + probe
    last_error = "no attempt"
    delay = 0.1
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(
                f"{server.name} exited with code {server.popen.returncode} before it was "
                f"ready.\n--- {server.log_path} ---\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last_error = repr(exc)
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)
    server.stop()
    raise RuntimeError(
        f"{server.name} not ready at {url} after {timeout:.0f} s (last: {last_error}).\n"
        f"--- {server.log_path} ---\n{server.log_tail()}"
    )


def _spawn(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    probe: str,
    timeout: float,
) -> ServerProcess:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "wb")  # closed by ServerProcess.stop
    popen = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = ServerProcess(
        name=name,
        url=f"http://127.0.0.1:{port}/",
        log_path=log_path,
        popen=popen,
        _log_file=log_file,
    )
    try:
        wait_until_ready(server, probe, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def start_voila(
    root: Path,
    workdir: Path,
    *,
    extra_args: Sequence[str] = (),
    timeout: float = STARTUP_TIMEOUT_S,
) -> ServerProcess:
    """Serve the notebooks of ``root`` with voila and the repo's ``voila.json``.

    ``workdir`` receives the isolated Jupyter folders and ``voila.log``.
    Command-line ``extra_args`` override the config file.
    """
    root = Path(root).resolve()
    port = free_port()
    env = isolated_env(workdir / "home")
    argv = [
        sys.executable,
        "-m",
        "voila",
        str(root),
        f"--Voila.config_file_paths={VOILA_CONFIG_DIR}",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--no-browser",
        *extra_args,
    ]
    return _spawn(
        "voila",
        argv,
        port=port,
        env=env,
        cwd=REPO_ROOT,
        log_path=workdir / "voila.log",
        probe="voila/static/voila.js",
        timeout=timeout,
    )


def start_jupyterlab(
    root: Path,
    workdir: Path,
    *,
    extra_args: Sequence[str] = (),
    timeout: float = STARTUP_TIMEOUT_S,
) -> ServerProcess:
    """Start JupyterLab on ``root`` without token, news toast, or browser."""
    root = Path(root).resolve()
    port = free_port()
    env = isolated_env(workdir / "home")
    silence_lab_news(Path(env["JUPYTER_CONFIG_DIR"]))
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--allow-root",
        "--no-browser",
        "--IdentityProvider.token=",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
        *extra_args,
    ]
    return _spawn(
        "jupyterlab",
        argv,
        port=port,
        env=env,
        cwd=root,
        log_path=workdir / "jupyterlab.log",
        probe="lab",
        timeout=timeout,
    )


def start_serve(workdir: Path, *, timeout: float = STARTUP_TIMEOUT_S) -> ServerProcess:
    """Run ``margin-widgets serve`` (the command a user runs) on a free port.

    The kit is imported from this checkout (``PYTHONPATH``), not from whatever the venv has
    installed; ``workdir`` receives the isolated Jupyter folders and ``serve.log`` (stdout
    and stderr together).
    """
    port = free_port()
    env = isolated_env(workdir / "home")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    argv = [sys.executable, "-m", "margin_widgets.cli", "serve",
            "--host", "127.0.0.1", "--port", str(port)]
    return _spawn(
        "margin-widgets serve",
        argv,
        port=port,
        env=env,
        cwd=workdir,
        log_path=workdir / "serve.log",
        probe="voila/static/voila.js",
        timeout=timeout,
    )
