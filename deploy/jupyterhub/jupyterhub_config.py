"""JupyterHub for a class on one machine: ``make classroom`` (or ``jupyterhub -f <this>``).

Shared settings (culler, limits, landing page, teachers) come from ``deploy/shared.yaml``;
``deploy/kubernetes/config.yaml`` carries the same ones for Zero to JupyterHub. What is
local only is read from the environment:

======================================  ===============================================
``MARGIN_CLASSROOM_AUTH``               ``native`` (default: learners sign up, a teacher
                                        approves them at /hub/authorize), ``firstuse``
                                        (a listed learner sets a password at first login)
                                        or ``dummy`` (tests and benchmarks only)
``MARGIN_CLASSROOM_STATE``              folder for the database, cookie secret and homes
                                        (default ``.classroom/`` in the repo)
``MARGIN_CLASSROOM_PORT``               the address learners open (default 8000)
``MARGIN_CLASSROOM_HUB_PORT``,          internal ports (default: the public port + 1 / + 2)
``MARGIN_CLASSROOM_PROXY_API_PORT``
``MARGIN_CLASSROOM_LEARNERS``           firstuse: comma-separated allowed names
``MARGIN_CLASSROOM_DUMMY_PASSWORD``     dummy: the shared password (required with dummy)
``MARGIN_CLASSROOM_CULL_TIMEOUT``,      override shared.yaml's culler timeout / period
``MARGIN_CLASSROOM_CULL_EVERY``,        and the kernel culler (benchmarks use short ones)
``MARGIN_CLASSROOM_KERNEL_CULL``
======================================  ===============================================

Everything listens on 127.0.0.1 only. The proxy (``MARGIN_CLASSROOM_PROXY``: ``auto``,
``npm`` or ``python``) is by default the npm configurable-http-proxy when Node's one is on
PATH, else its Python port (PyPI ``configurable-http-proxy``): the recipe must run on a
machine with only Python and make, and the npm one costs far less CPU where Node.js exists.
"""

# ruff: noqa: F821  (``c`` and ``get_config`` are provided by JupyterHub)
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from classroom import byte_size, learner_command, load_shared  # noqa: E402

c = get_config()  # type: ignore[name-defined]
shared = load_shared()
env = os.environ.get
BIN = Path(sys.executable).parent

# --- addresses and state --------------------------------------------------------------------
port = int(env("MARGIN_CLASSROOM_PORT", "8000"))
state = Path(env("MARGIN_CLASSROOM_STATE", str(REPO / ".classroom"))).resolve()
(state / "homes").mkdir(parents=True, exist_ok=True)

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("MARGIN_CLASSROOM_HUB_PORT", str(port + 1)))
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{int(env('MARGIN_CLASSROOM_PROXY_API_PORT', str(port + 2)))}")
# MARGIN_CLASSROOM_PROXY: "auto" (default) takes Node's configurable-http-proxy when it is on
# PATH (it streams, and costs a class 1/16 of the Python port's CPU: deploy/README.md), else
# the Python port through a shim that lifts its 10-request ceiling (see proxy.py), with a long
# proxy timeout because it buffers streamed responses (spawn progress) until they end.
# "npm" or "python" choose one.
proxy_choice = env("MARGIN_CLASSROOM_PROXY", "auto")
if proxy_choice not in ("auto", "npm", "python"):
    sys.exit(f"MARGIN_CLASSROOM_PROXY={proxy_choice!r}: use auto, npm or python")
if proxy_choice == "auto":
    proxy_choice = "npm" if shutil.which("configurable-http-proxy") else "python"
if proxy_choice == "npm":
    c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]
else:
    c.ConfigurableHTTPProxy.command = [
        sys.executable, str(HERE / "proxy.py"),
        f"--proxy-timeout={1000 * int(shared['start_timeout_s']) + 60_000}"]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server

# --- pages ---------------------------------------------------------------------------------
# templates/page.html lets the hub's pages wait for their scripts on a busy machine
c.JupyterHub.template_paths = [str(HERE / "templates")]

# --- authentication -----------------------------------------------------------------------
auth = env("MARGIN_CLASSROOM_AUTH", "native")
admins = set(shared["admin_users"])
c.Authenticator.admin_users = admins
if auth == "dummy":
    password = env("MARGIN_CLASSROOM_DUMMY_PASSWORD")
    if not password:
        sys.exit("MARGIN_CLASSROOM_AUTH=dummy needs MARGIN_CLASSROOM_DUMMY_PASSWORD "
                 "(any name logs in with it: tests and benchmarks only)")
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = password
    c.Authenticator.allow_all = True
elif auth == "native":
    import nativeauthenticator

    c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
    c.JupyterHub.template_paths = [str(HERE / "templates"),
                                   str(Path(nativeauthenticator.__file__).parent / "templates")]
    c.NativeAuthenticator.open_signup = False  # a teacher approves each sign-up
    c.NativeAuthenticator.minimum_password_length = 8
    c.NativeAuthenticator.check_common_password = True
    c.Authenticator.allow_all = True  # who may log in is decided by the approvals
elif auth == "firstuse":
    c.JupyterHub.authenticator_class = "firstuseauthenticator.FirstUseAuthenticator"
    c.FirstUseAuthenticator.create_users = False
    learners = {n.strip() for n in env("MARGIN_CLASSROOM_LEARNERS", "").split(",") if n.strip()}
    c.Authenticator.allowed_users = learners
else:
    sys.exit(f"MARGIN_CLASSROOM_AUTH={auth!r}: use native, firstuse or dummy")

# --- each learner's server ----------------------------------------------------------------
c.JupyterHub.spawner_class = "classroom.ClassroomSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "homes" / "{username}")
c.Spawner.cmd = learner_command(BIN, shared["lessons_folder"])
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = shared["default_url"]
c.Spawner.mem_limit = byte_size(shared["limits"]["memory"])
c.Spawner.cpu_limit = float(shared["limits"]["cpu"])
c.Spawner.start_timeout = int(shared["start_timeout_s"])
c.Spawner.http_timeout = int(shared["start_timeout_s"])
c.Spawner.disable_user_config = True
kernels = shared["kernel_culler"]
kernel_cull = int(env("MARGIN_CLASSROOM_KERNEL_CULL", str(kernels["idle_timeout_s"])))
c.Spawner.args = [
    f"--MappingKernelManager.cull_idle_timeout={kernel_cull}",
    f"--MappingKernelManager.cull_interval={min(kernel_cull, kernels['interval_s'])}",
    "--MappingKernelManager.cull_connected=False",
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]
if os.geteuid() == 0:  # a hub started as root (containers, CI) runs the servers as root
    c.Spawner.args.append("--ServerApp.allow_root=True")

# --- the idle culler ------------------------------------------------------------------------
cull_timeout = int(env("MARGIN_CLASSROOM_CULL_TIMEOUT", str(shared["culler"]["timeout_s"])))
cull_every = int(env("MARGIN_CLASSROOM_CULL_EVERY", str(shared["culler"]["every_s"])))
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [str(BIN / "jupyterhub-idle-culler"), f"--timeout={cull_timeout}",
                f"--cull-every={cull_every}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
# servers report activity this often (seconds); the culler cannot be finer than this
c.Spawner.environment = {"JUPYTERHUB_ACTIVITY_INTERVAL": str(max(10, min(300, cull_every)))}
