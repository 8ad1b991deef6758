"""The wheel as a user gets it: built, installed in a fresh virtual environment, served.

``margin-widgets serve`` from that environment must serve the apps *from the installed
package* (``margin_widgets/_data/``, not this checkout) and the index app must draw its first
chart in headless Chromium.

Fast and offline by default: the fresh environment (``python -m venv --without-pip``) gets
the wheel with ``--no-deps``, and sees the dependencies of the test environment through a
``.pth`` line (plain path entries: the test environment's own editable ``margin_widgets`` is
not activated, its ``.pth`` files are not processed). The test then checks that every
runtime requirement in the wheel's metadata is satisfied there. Set
``MARGIN_WIDGETS_INSTALL_FROM_INDEX=1`` to let pip resolve and download every dependency
instead (a truly empty environment; minutes, needs the package registry).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserType, expect

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "ui"))

from servers import (  # noqa: E402
    ServerProcess,
    descendants,
    free_port,
    isolated_env,
    locate_chromium,
    wait_until_ready,
)

pytestmark = [pytest.mark.install, pytest.mark.slow]

FROM_INDEX = os.environ.get("MARGIN_WIDGETS_INSTALL_FROM_INDEX") == "1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DRAWN = re.compile(r"^M[\d.\-]+,[\d.\-]+L")
INDEX_CHART = ".mw-cross-vs-isolated .mw-price-figure path.line"

REQUIREMENTS_OK = r"""
import importlib.metadata as md, json, sys
from packaging.requirements import Requirement
missing = []
for line in md.requires("margin_widgets") or []:
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        continue  # an extra's requirement
    try:
        have = md.version(req.name)
    except md.PackageNotFoundError:
        missing.append(f"{req}: not installed"); continue
    if not req.specifier.contains(have, prereleases=True):
        missing.append(f"{req}: {have} installed")
print(json.dumps(missing))
"""


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh virtual environment with the wheel installed: its paths."""
    work = tmp_path_factory.mktemp("install")
    wheels = work / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(REPO)]
    try:
        import hatchling  # noqa: F401  (the build backend, in the test extra)
        build.insert(4, "--no-build-isolation")
    except ImportError:
        pass  # pip fetches hatchling into an isolated build environment
    run(build)
    (wheel,) = wheels.glob("margin_widgets-*.whl")

    env_dir = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    python = env_dir / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-input"]
    if FROM_INDEX:
        run([*pip, str(wheel)])
    else:
        site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                         "['purelib'])"]).stdout.strip())
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (site / "_test_env_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
        run([*pip, "--no-deps", "--no-index", str(wheel)])
    return {"dir": env_dir, "python": python, "bin": env_dir / "bin", "work": work,
            "wheel": wheel}


def venv_env(venv: dict[str, Path], home: Path) -> dict[str, str]:
    env = isolated_env(home)
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{venv['bin']}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv["dir"])
    if not FROM_INDEX:
        # voila's templates and the widget front ends are data files of the test
        # environment (share/jupyter), not importable modules: point Jupyter at them
        env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return env


def test_wheel_carries_lessons_apps_and_voila_config(venv: dict[str, Path]) -> None:
    import zipfile

    names = set(zipfile.ZipFile(venv["wheel"]).namelist())
    for folder in ("notebooks", "voila_apps"):
        for nb in sorted((REPO / folder).glob("*.ipynb")):
            assert f"margin_widgets/_data/{folder}/{nb.name}" in names
    assert "margin_widgets/_data/voila.json" in names
    assert not [n for n in names if ".ipynb_checkpoints" in n]


def test_installed_package_resolves_its_own_data(venv: dict[str, Path]) -> None:
    probe = ("import json, margin_widgets, margin_widgets.resources as r; print(json.dumps("
             "[margin_widgets.__file__, str(r.lessons_dir()), str(r.apps_dir()), "
             "str(r.voila_config_dir())]))")
    env = venv_env(venv, venv["work"] / "home-probe")
    out = run([str(venv["python"]), "-c", probe], env=env, cwd=venv["work"]).stdout
    paths = [Path(p) for p in json.loads(out)]
    for path in paths:
        assert venv["dir"] in path.parents, f"{path} is not inside the fresh environment"
    missing = json.loads(run([str(venv["python"]), "-c", REQUIREMENTS_OK], env=env).stdout)
    assert missing == [], f"runtime requirements not satisfied: {missing}"


def test_lessons_command_copies_and_refuses_to_overwrite(venv: dict[str, Path]) -> None:
    env = venv_env(venv, venv["work"] / "home-lessons")
    dest = venv["work"] / "my-lessons"
    cmd = [str(venv["bin"] / "margin-widgets"), "lessons", str(dest)]
    run(cmd, env=env)
    copied = sorted(p.name for p in dest.glob("*.ipynb"))
    assert copied == sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    (dest / copied[0]).write_text("my work")
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 1
    assert "not overwriting" in again.stderr and copied[0] in again.stderr
    assert (dest / copied[0]).read_text() == "my work"
    run([*cmd, "--force"], env=env)
    assert (dest / copied[0]).read_text() != "my work"


@pytest.fixture(scope="module")
def served(venv: dict[str, Path]) -> Iterator[tuple[ServerProcess, str]]:
    port = free_port()
    work = venv["work"]
    log_path = work / "serve.log"
    log = open(log_path, "wb")
    popen = subprocess.Popen(
        [str(venv["bin"] / "margin-widgets"), "serve", "--port", str(port)],
        cwd=work, env=venv_env(venv, work / "home-serve"), stdin=subprocess.DEVNULL,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = ServerProcess("margin-widgets serve", f"http://127.0.0.1:{port}/", log_path,
                           popen, log)
    try:
        wait_until_ready(server, "voila/static/voila.js", 120)
        yield server, server.log_tail()
    finally:
        server.stop()


def test_serve_prints_the_index_address(served: tuple[ServerProcess, str]) -> None:
    server, log = served
    assert f"Open  {server.url}voila/render/index.ipynb" in log


def test_serve_draws_the_first_chart_in_chromium(
    served: tuple[ServerProcess, str], venv: dict[str, Path], browser_type: BrowserType
) -> None:
    chromium = locate_chromium()
    if chromium is None:
        if os.environ.get("MARGIN_WIDGETS_REQUIRE_BROWSER") == "1":
            pytest.fail("no Chromium (MARGIN_WIDGETS_REQUIRE_BROWSER=1)")
        pytest.skip("no Chromium found: install Debian's chromium")
    server, _log = served
    env = dict(os.environ, XDG_CONFIG_HOME=str(venv["work"] / "xdg-config"),
               XDG_CACHE_HOME=str(venv["work"] / "xdg-cache"))
    # pytest-playwright's browser_type: one Playwright for the whole pytest session
    browser = browser_type.launch(executable_path=chromium, headless=True,
                                  args=CHROMIUM_ARGS, env=env)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        t0 = time.perf_counter()
        page.goto(f"{server.url}voila/render/index.ipynb", wait_until="commit",
                  timeout=180_000)
        line = page.locator(INDEX_CHART).first
        expect(line).to_have_attribute("d", DRAWN, timeout=180_000)
        assert time.perf_counter() - t0 < 180
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "error when executing" not in body
        shot = REPO / "artifacts" / "screenshots" / "install-serve-index.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shot)
        kernels = [cmd for cmd in command_lines(descendants(server.popen.pid))
                   if "ipykernel_launcher" in cmd]
    finally:
        browser.close()
    # the kernels that drew it run the fresh environment's Python
    assert kernels, "no kernel process found under the server"
    assert all(cmd.startswith(str(venv["python"])) for cmd in kernels), kernels


def command_lines(pids: set[int]) -> list[str]:
    lines = []
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        lines.append(raw.replace(b"\0", b" ").decode(errors="replace").strip())
    return lines
