"""The local hub and the Kubernetes values carry the same classroom settings.

``deploy/shared.yaml`` is read by ``deploy/jupyterhub/jupyterhub_config.py``; Helm cannot
read it, so ``deploy/kubernetes/config.yaml`` repeats the values. This test fails when one
is changed without the other. It also runs the local config file (with a stand-in for
JupyterHub's ``c``) to check that it really takes its values from shared.yaml.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "deploy" / "jupyterhub"))

pytest.importorskip("jupyterhub")
from classroom import byte_size, load_shared  # noqa: E402
from traitlets.config import Config  # noqa: E402

SHARED = load_shared()
K8S = yaml.safe_load((REPO / "deploy" / "kubernetes" / "config.yaml").read_text())


def local_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, auth: str) -> Any:
    monkeypatch.setenv("MARGIN_CLASSROOM_AUTH", auth.replace("-no-password", ""))
    if auth != "dummy-no-password":
        monkeypatch.setenv("MARGIN_CLASSROOM_DUMMY_PASSWORD", "x")
    monkeypatch.setenv("MARGIN_CLASSROOM_STATE", str(tmp_path))
    for name in ("MARGIN_CLASSROOM_CULL_TIMEOUT", "MARGIN_CLASSROOM_CULL_EVERY",
                 "MARGIN_CLASSROOM_KERNEL_CULL", "MARGIN_CLASSROOM_PORT"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    path = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
    exec(compile(path.read_text(), str(path), "exec"),
         {"get_config": lambda: config, "__file__": str(path), "__name__": "config"})
    return config


def arg_value(args: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    return value


def test_kubernetes_values_match_shared_yaml() -> None:
    single = K8S["singleuser"]
    assert single["defaultUrl"] == SHARED["default_url"]
    assert byte_size(single["memory"]["limit"]) == byte_size(SHARED["limits"]["memory"])
    assert byte_size(single["memory"]["guarantee"]) == byte_size(
        SHARED["limits"]["memory_guarantee"])
    assert float(single["cpu"]["limit"]) == float(SHARED["limits"]["cpu"])
    assert float(single["cpu"]["guarantee"]) == float(SHARED["limits"]["cpu_guarantee"])
    assert single["startTimeout"] == SHARED["start_timeout_s"]
    assert K8S["cull"]["enabled"] is True
    assert K8S["cull"]["timeout"] == SHARED["culler"]["timeout_s"]
    assert K8S["cull"]["every"] == SHARED["culler"]["every_s"]
    assert int(arg_value(single["args"], "MappingKernelManager.cull_idle_timeout")) == (
        SHARED["kernel_culler"]["idle_timeout_s"])
    assert int(arg_value(single["args"], "MappingKernelManager.cull_interval")) == (
        SHARED["kernel_culler"]["interval_s"])
    assert set(K8S["hub"]["config"]["Authenticator"]["admin_users"]) == set(
        SHARED["admin_users"])
    copy = " ".join(single["lifecycleHooks"]["postStart"]["exec"]["command"])
    folder = f"/home/jovyan/{SHARED['lessons_folder']}"
    assert f"[ -d {folder} ] || margin-widgets lessons {folder} --apps" in copy


def test_local_hub_takes_the_shared_values(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    c = local_config(monkeypatch, tmp_path, "native")
    assert c.Spawner.default_url == SHARED["default_url"]
    assert c.Spawner.mem_limit == byte_size(SHARED["limits"]["memory"])
    assert c.Spawner.cpu_limit == float(SHARED["limits"]["cpu"])
    assert c.Spawner.start_timeout == SHARED["start_timeout_s"]
    assert set(c.Authenticator.admin_users) == set(SHARED["admin_users"])
    assert int(arg_value(c.Spawner.args, "MappingKernelManager.cull_idle_timeout")) == (
        SHARED["kernel_culler"]["idle_timeout_s"])
    (culler,) = c.JupyterHub.services
    assert f"--timeout={SHARED['culler']['timeout_s']}" in culler["command"]
    assert f"--cull-every={SHARED['culler']['every_s']}" in culler["command"]
    assert "lessons" in " ".join(c.Spawner.cmd) and SHARED["lessons_folder"] in c.Spawner.cmd[2]
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.JupyterHub.authenticator_class == K8S["hub"]["config"]["JupyterHub"][
        "authenticator_class"]


def test_dummy_authenticator_only_when_asked(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    assert local_config(monkeypatch, tmp_path, "dummy").JupyterHub.authenticator_class == "dummy"
    monkeypatch.delenv("MARGIN_CLASSROOM_DUMMY_PASSWORD")
    with pytest.raises(SystemExit, match="needs MARGIN_CLASSROOM_DUMMY_PASSWORD"):
        local_config(monkeypatch, tmp_path, "dummy-no-password")


def test_hub_page_template_is_the_same_in_both() -> None:
    """The page template that lets hub pages wait for slow scripts reaches both hubs."""
    local = (REPO / "deploy" / "jupyterhub" / "templates" / "page.html").read_text()
    assert "waitSeconds: 0" in local
    mounted = K8S["hub"]["extraFiles"]["page-template"]
    assert mounted["stringData"] == local
    folder = str(Path(mounted["mountPath"]).parent)
    paths_code = K8S["hub"]["extraConfig"]["native-templates"]
    assert paths_code.index(folder) < paths_code.index("nativeauthenticator.__file__")


def test_local_hub_looks_for_the_kits_templates_first(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    templates = str(REPO / "deploy" / "jupyterhub" / "templates")
    for auth in ("dummy", "native", "firstuse"):
        config = local_config(monkeypatch, tmp_path, auth)
        assert config.JupyterHub.template_paths[0] == templates, auth
