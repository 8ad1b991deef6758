"""Where the lessons, the Voila apps and their Voila configuration are on this machine.

They live in two places, and this module finds whichever is there:

- **an installed wheel**: ``margin_widgets/_data/{notebooks,voila_apps,voila.json}`` inside
  the package (``pyproject.toml`` copies them in with hatch's ``force-include``);
- **a source checkout** (``pip install -e .`` or ``PYTHONPATH``): ``notebooks/``,
  ``voila_apps/`` and ``voila.json`` beside the ``margin_widgets/`` folder, next to
  ``pyproject.toml``.

The packaged copy wins when both exist, so an installed kit never reads a stray checkout.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import MutableMapping
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "_data"
SOURCE_ROOT = PACKAGE_DIR.parent

LESSONS = "notebooks"
APPS = "voila_apps"
VOILA_CONFIG = "voila.json"
INDEX_APP = "index.ipynb"


def _locate(name: str) -> Path:
    """Path of ``name`` in the installed package's data, else in the source checkout."""
    packaged = DATA_DIR / name
    if packaged.exists():
        return packaged
    if (SOURCE_ROOT / "pyproject.toml").is_file():
        checkout = SOURCE_ROOT / name
        if checkout.exists():
            return checkout
    raise FileNotFoundError(
        f"margin_widgets: {name!r} is neither in {DATA_DIR} (an installed wheel) nor in a "
        f"source checkout at {SOURCE_ROOT}; reinstall the package"
    )


def lessons_dir() -> Path:
    """Folder holding the lesson notebooks (``01_...ipynb`` to ``08_...ipynb``)."""
    return _locate(LESSONS)


def apps_dir() -> Path:
    """Folder holding the Voila app notebooks (``index.ipynb`` and one per app)."""
    return _locate(APPS)


def voila_config_dir() -> Path:
    """Folder holding ``voila.json`` (pass it as ``--Voila.config_file_paths``)."""
    return _locate(VOILA_CONFIG).parent


VOILA_TEMPLATE = "margin"
_TEMPLATE_SUBDIR = Path("voila") / "templates" / VOILA_TEMPLATE


def voila_template_root() -> Path | None:
    """The Jupyter data folder holding the kit's Voila template (``voila.json`` names it).

    An installed kit (wheel or ``pip install -e``) puts it in ``<prefix>/share/jupyter``,
    where Voila looks anyway; a bare checkout on ``PYTHONPATH`` has it in ``share/jupyter``
    beside ``pyproject.toml``. None when neither has it.
    """
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path():
        if (Path(folder) / _TEMPLATE_SUBDIR / "conf.json").is_file():
            return Path(folder)
    checkout = SOURCE_ROOT / "share" / "jupyter"
    if (checkout / _TEMPLATE_SUBDIR / "conf.json").is_file():
        return checkout
    return None


def make_template_findable(environ: MutableMapping[str, str]) -> None:
    """Put the template's folder on ``JUPYTER_PATH`` in ``environ`` if Voila would miss it."""
    from jupyter_core.paths import jupyter_path

    root = voila_template_root()
    if root is None or str(root) in jupyter_path():
        return
    current = environ.get("JUPYTER_PATH")
    environ["JUPYTER_PATH"] = str(root) + (os.pathsep + current if current else "")


def notebooks_in(folder: Path) -> list[Path]:
    """The ``*.ipynb`` files directly in ``folder``, sorted by name."""
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def copy_notebooks(source: Path, dest: Path, *, force: bool = False) -> list[Path]:
    """Copy the notebooks of ``source`` into ``dest`` (created); return the new files.

    Refuses (``FileExistsError`` naming the files) when a notebook of the same name is
    already in ``dest``, unless ``force``: a learner's work is never overwritten silently.
    """
    files = notebooks_in(source)
    if not files:
        raise FileNotFoundError(f"no notebooks in {source}")
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"{dest} exists and is not a folder")
    clashes = [dest / f.name for f in files if (dest / f.name).exists()]
    if clashes and not force:
        names = ", ".join(p.name for p in clashes)
        raise FileExistsError(
            f"{dest} already holds {names}; not overwriting them (use --force to replace)"
        )
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        target = dest / f.name
        shutil.copyfile(f, target)
        written.append(target)
    return written


def copy_lessons(dest: Path, *, force: bool = False, with_apps: bool = False) -> list[Path]:
    """Copy the lessons into ``dest`` (and the apps into ``dest/apps`` with ``with_apps``).

    The same refusal rule as :func:`copy_notebooks` holds for both folders, and nothing is
    written unless both can be.
    """
    dest = Path(dest)
    if with_apps and not force:
        # check the apps folder first so that a refusal there writes no lesson either
        apps_dest = dest / "apps"
        clashes = [apps_dest / f.name for f in notebooks_in(apps_dir())
                   if (apps_dest / f.name).exists()]
        if clashes:
            names = ", ".join(p.name for p in clashes)
            raise FileExistsError(
                f"{apps_dest} already holds {names}; not overwriting them (use --force)"
            )
    written = copy_notebooks(lessons_dir(), dest, force=force)
    if with_apps:
        written += copy_notebooks(apps_dir(), dest / "apps", force=force)
    return written
