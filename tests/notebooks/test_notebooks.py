"""Every lesson and app notebook runs top to bottom, headless (nbclient), without errors."""

import json
import os
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "voila_apps").glob("*.ipynb"))

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("jupyter")
    env = {}
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        env[var] = os.environ.get(var) or str(home / sub)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs_clean(path, kernel_env):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{path.name}: {out.get('ename')}"
            if out.output_type == "stream" and out.get("name") == "stderr":
                assert "Traceback" not in out.get("text", ""), out["text"]
    # something was displayed (a notebook of prose only, the course index, has no code):
    # every output is a widget view
    if not any(c.cell_type == "code" for c in nb.cells):
        return
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if o.output_type in ("display_data", "execute_result")]
    assert shown and all("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                         for o in shown)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
