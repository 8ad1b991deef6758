"""The ``margin-widgets`` command and the resolver, in this source checkout (no install)."""

from __future__ import annotations

from pathlib import Path

import pytest

from margin_widgets import cli, resources

REPO = Path(__file__).resolve().parents[2]


def test_resolver_finds_the_checkout_folders() -> None:
    # a checkout has no margin_widgets/_data: the folders beside pyproject.toml are used
    assert not resources.DATA_DIR.exists()
    assert resources.lessons_dir() == REPO / "notebooks"
    assert resources.apps_dir() == REPO / "voila_apps"
    assert (resources.voila_config_dir() / "voila.json").is_file()


def test_serve_command_serves_the_apps_on_loopback_with_voila_json() -> None:
    argv = cli.serve_command("127.0.0.1", 9123)
    assert argv[1:4] == ["-m", "margin_widgets.serving", str(REPO / "voila_apps")]
    assert f"--Voila.config_file_paths={REPO}" in argv
    assert "--Voila.ip=127.0.0.1" in argv and "--Voila.port=9123" in argv
    assert cli.index_url("127.0.0.1", 9123) == (
        "http://127.0.0.1:9123/voila/render/index.ipynb")
    assert (resources.apps_dir() / resources.INDEX_APP).is_file()


def test_default_host_is_loopback() -> None:
    args = cli.build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8866)
    args = cli.build_parser().parse_args(["lab"])
    assert args.host == "127.0.0.1"


def test_lessons_copy_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    assert cli.main(["lessons", str(tmp_path), "--apps"]) == 0
    lessons = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert lessons == sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    assert (tmp_path / "apps" / "index.ipynb").is_file()
    (tmp_path / lessons[4]).write_text("edited")
    assert cli.main(["lessons", str(tmp_path)]) == 1
    assert "not overwriting" in capsys.readouterr().err
    assert (tmp_path / lessons[4]).read_text() == "edited"
    assert cli.main(["lessons", str(tmp_path), "--force"]) == 0
    assert (tmp_path / lessons[4]).read_bytes() == (REPO / "notebooks" / lessons[4]).read_bytes()


def test_lessons_refusal_in_apps_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "index.ipynb").write_text("mine")
    assert cli.main(["lessons", str(tmp_path), "--apps"]) == 1
    assert list(tmp_path.glob("*.ipynb")) == []
