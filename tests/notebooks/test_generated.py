"""One source of truth: regenerating the lesson notebooks from lessons.py changes nothing."""

import importlib.util
import json
import pathlib

import pytest

from margin_widgets.lessons import LESSONS

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_generator():
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  ROOT / "tools" / "make_notebooks.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def stripped(path: pathlib.Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("regen")
    load_generator().write_lessons(out)
    return out / "notebooks"


def test_regenerating_gives_the_committed_notebooks(regenerated):
    made = sorted(p.name for p in regenerated.glob("*.ipynb"))
    committed = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert made == committed
    for name in made:
        assert stripped(regenerated / name) == stripped(ROOT / "notebooks" / name), (
            f"notebooks/{name} differs from lessons.py: run tools/make_notebooks.py "
            "--lessons-only and commit")


def test_lesson_text_comes_from_lessons_py(regenerated):
    for L in LESSONS.values():
        text = "".join("".join(c["source"]) for c in stripped(regenerated / L.notebook)
                       ["cells"])
        for piece in (L.title, L.question, L.intro, L.look, L.try_this, *L.goals,
                      *L.you_can_now, *[b.exchanges_do for b in L.boxes]):
            assert piece in text
    index = "".join("".join(c["source"]) for c in stripped(regenerated / "index.ipynb")
                    ["cells"])
    positions = [index.index(f"({L.notebook})") for L in LESSONS.values()]
    assert positions == sorted(positions)               # in order
    assert all(g in index for L in LESSONS.values() for g in L.goals)
    assert "assessment.ipynb" in index
