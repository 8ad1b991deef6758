#!/usr/bin/env bash
# Build the Voila apps as a static site (Voici + JupyterLite's Pyodide kernel).
# Usage (from the repository root, in a venv with the kit):
#   pip install -r deploy/jupyterlite/requirements-build.txt
#   bash deploy/jupyterlite/build.sh            # -> _output/ (serve with any static server)
# NOT run on this machine: see deploy/README.md ("Anonymous visitors at scale").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT="${OUT:-_output}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# 1. the kit as a pure-Python wheel: piplite installs it in the browser from the site itself
python -m pip wheel --no-deps -w "$WORK/pypi" .
# bqplot and ipywidgets are pure Python too: ship their wheels next to it (numpy comes with
# the Pyodide distribution, built for WebAssembly)
python -m pip download --no-deps --only-binary=:all: -d "$WORK/pypi" \
    "bqplot>=0.12.40" "ipywidgets>=8,<9" "traittypes" "pandas>=2"

# 2. the apps, each notebook installing the kit first (%pip is piplite's in the browser)
mkdir -p "$WORK/content"
python - "$WORK/content" <<'PY'
import json, sys
from pathlib import Path
for nb_path in sorted(Path("voila_apps").glob("*.ipynb")):
    nb = json.loads(nb_path.read_text())
    nb["cells"].insert(0, {"cell_type": "code", "execution_count": None, "metadata": {},
                           "outputs": [], "source": ["%pip install margin_widgets bqplot"]})
    (Path(sys.argv[1]) / nb_path.name).write_text(json.dumps(nb, indent=1))
PY

# 3. the site; --pyodide may point at a local Pyodide tarball for an offline build
voici build --contents "$WORK/content" --output-dir "$OUT" \
    --piplite-wheels "$WORK"/pypi/*.whl ${PYODIDE_URL:+--pyodide "$PYODIDE_URL"}
echo "static site in $OUT/ (open $OUT/voici/render/index.html through a static server)"
