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


# --- the Voila index lists the lessons, with links that open them ------------------------------

def hrefs(widget) -> list[str]:
    import re

    return re.findall(r"href='([^']+)'", widget.value)


def test_voila_apps_hold_an_exact_copy_of_the_lessons(tmp_path):
    """``margin-widgets serve`` serves only ``voila_apps/``: the lessons are copied in."""
    load_generator().write_apps(tmp_path)
    copy = ROOT / "voila_apps" / "lessons"
    made = sorted(p.name for p in (tmp_path / "voila_apps" / "lessons").glob("*.ipynb"))
    assert made == sorted(p.name for p in copy.glob("*.ipynb"))
    assert made == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    for name in made:
        assert stripped(copy / name) == stripped(ROOT / "notebooks" / name), name
    assert stripped(tmp_path / "voila_apps" / "index.ipynb") == stripped(
        ROOT / "voila_apps" / "index.ipynb"), "run tools/make_notebooks.py and commit"


def test_the_apps_index_links_every_lesson_in_order_where_it_is(tmp_path):
    from margin_widgets import resources
    from margin_widgets.lessons import course_index

    apps = ROOT / "voila_apps"
    index = "".join("".join(c["source"]) for c in stripped(apps / "index.ipynb")["cells"])
    assert "course_index()" in index
    links = hrefs(course_index(apps))
    assert links == [f"lessons/{L.notebook}" for L in LESSONS.values()] + [
        "lessons/assessment.ipynb"]
    assert all((apps / h).is_file() for h in links)
    # the classroom layout: lessons in DIR, apps in DIR/apps (no copy inside the apps)
    resources.copy_lessons(tmp_path / "course", with_apps=True)
    hub = hrefs(course_index(tmp_path / "course" / "apps"))
    assert hub[0] == f"../{LESSONS[1].notebook}"
    assert all((tmp_path / "course" / "apps" / h).is_file() for h in hub)
    # nowhere near: it says how to get them, and links nothing
    lost = course_index(tmp_path)
    assert hrefs(lost) == [] and "margin-widgets lessons" in lost.value
