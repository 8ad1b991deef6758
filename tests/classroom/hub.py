"""Start and stop the classroom hub (deploy/jupyterhub) for tests and benchmarks.

Plain Python, no pytest: ``tests/classroom/conftest.py`` and ``benchmarks/bench_classroom.py``
use it. The hub runs with the dummy authenticator (one shared password) in a temporary
state folder, on free ports of 127.0.0.1, in its own process group. Stopping it ends the
hub, its proxy, its idle culler and every learner's server and kernel (they are found by
walking /proc before the hub is asked to stop, like ``tests/ui/servers.py`` does).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "ui"))

from servers import ServerProcess, descendants, free_port, wait_until_ready  # noqa: E402

CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PASSWORD = "classroom-test-password"


@dataclass
class Hub:
    """A running hub: ``url`` ends with a slash; ``state`` holds the learners' homes."""

    server: ServerProcess
    state: Path
    password: str

    @property
    def url(self) -> str:
        return self.server.url

    def home(self, name: str) -> Path:
        return self.state / "homes" / name

    def all_pids(self) -> set[int]:
        return descendants(self.server.popen.pid) | {self.server.popen.pid}

    def learner_pids(self, name: str) -> set[int]:
        """The learner's server and its kernels (processes whose cwd is in their home)."""
        home = str(self.home(name))
        found = set()
        for pid in descendants(self.server.popen.pid):
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
            except OSError:
                continue
            if cwd == home or cwd.startswith(home + "/"):
                found.add(pid)
        return found

    def stop(self) -> None:
        # learners' servers, proxy and culler are not all in the hub's process group
        every = self.all_pids()
        self.server.stop(timeout=20)
        for pid in every:
            try:
                os.kill(pid, 9)
            except (ProcessLookupError, PermissionError):
                pass


def start_hub(workdir: Path, *, cull_timeout: int | None = None, cull_every: int | None = None,
              kernel_cull: int | None = None, timeout: float = 180.0) -> Hub:
    """Start the classroom hub with the dummy authenticator; wait until it answers."""
    state = workdir / "state"
    state.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dict(os.environ)
    env.update({
        "MARGIN_CLASSROOM_AUTH": "dummy",
        "MARGIN_CLASSROOM_DUMMY_PASSWORD": PASSWORD,
        "MARGIN_CLASSROOM_STATE": str(state),
        "MARGIN_CLASSROOM_PORT": str(port),
        "MARGIN_CLASSROOM_HUB_PORT": str(free_port()),
        "MARGIN_CLASSROOM_PROXY_API_PORT": str(free_port()),
        "PYTHONUNBUFFERED": "1",
    })
    for name, value in (("MARGIN_CLASSROOM_CULL_TIMEOUT", cull_timeout),
                        ("MARGIN_CLASSROOM_CULL_EVERY", cull_every),
                        ("MARGIN_CLASSROOM_KERNEL_CULL", kernel_cull)):
        if value is not None:
            env[name] = str(value)
    # the hub's own Jupyter folders stay in the work folder, never in $HOME
    for name, sub in (("JUPYTER_CONFIG_DIR", "jupyter-config"),
                      ("JUPYTER_DATA_DIR", "jupyter-data"),
                      ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"), ("IPYTHONDIR", "ipython")):
        env[name] = str(workdir / sub)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    if "PYTHONPATH" not in env and not (Path(sys.executable).parent / "margin-widgets").exists():
        env["PYTHONPATH"] = str(REPO)
    log_path = workdir / "hub.log"
    log = open(log_path, "wb")
    popen = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
        cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    server = ServerProcess("jupyterhub", f"http://127.0.0.1:{port}/", log_path, popen, log)
    hub = Hub(server, state, PASSWORD)
    try:
        wait_until_ready(server, "hub/login", timeout)
    except BaseException:
        hub.stop()
        raise
    return hub


class Learner:
    """A learner's HTTP session (urllib with cookies), for checks without a browser."""

    def __init__(self, hub: Hub, name: str) -> None:
        self.hub, self.name = hub, name
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.no_redirect = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def get(self, path: str, *, follow: bool = True, timeout: float = 60) -> tuple[int, str, str]:
        """(status, final URL, body) of a GET of ``hub.url + path``."""
        opener = self.opener if follow else self.no_redirect
        try:
            with opener.open(self.hub.url + path, timeout=timeout) as resp:
                return resp.status, resp.url, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as err:
            return err.code, err.url or "", err.read().decode(errors="replace")

    def login(self) -> tuple[int, str]:
        self.get("hub/login")
        xsrf = next((c.value for c in self.jar if c.name == "_xsrf"), "")
        data = urllib.parse.urlencode({"username": self.name, "password": self.hub.password,
                                       "_xsrf": xsrf}).encode()
        req = urllib.request.Request(self.hub.url + "hub/login?next=", data=data)
        try:
            with self.no_redirect.open(req, timeout=120) as resp:
                return resp.status, resp.headers.get("Location", "")
        except urllib.error.HTTPError as err:  # the 302 to the spawn page lands here
            return err.code, err.headers.get("Location", "")

    def wait_for_server(self, timeout: float = 300) -> float:
        """Ask the hub to start the server; wait until it answers. Returns seconds waited."""
        t0 = time.monotonic()
        self.get("hub/spawn", timeout=120)
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            # /user/<name>/api answers without login once the proxy routes to the server
            status, _url, body = self.get(f"user/{self.name}/api", follow=False)
            if status == 200 and '"version"' in body:
                return time.monotonic() - t0
            time.sleep(1.0)
        raise TimeoutError(f"{self.name}'s server did not answer within {timeout:.0f} s\n"
                           f"{self.hub.server.log_tail()}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def server_state(hub: Hub, name: str) -> dict[str, object]:
    """The hub's record of a learner (read from its log-free REST API needs a token: use the
    database instead, read-only)."""
    import sqlite3

    con = sqlite3.connect(f"file:{hub.state / 'jupyterhub.sqlite'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT s.url FROM users u JOIN spawners sp ON sp.user_id = u.id "
            "LEFT JOIN servers s ON sp.server_id = s.id WHERE u.name = ?", (name,)).fetchall()
    finally:
        con.close()
    return {"running": any(r[0] for r in rows)}


if __name__ == "__main__":  # manual use: python tests/classroom/hub.py
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        h = start_hub(Path(tmp))
        print(json.dumps({"url": h.url, "password": h.password}), flush=True)
        try:
            h.server.popen.wait()
        finally:
            h.stop()
