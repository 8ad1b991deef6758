import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"
# shared helpers beside this file (five_positions.py) import by name from any test folder
sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture(scope="session")
def cases():
    data = json.loads((REFERENCE / "cases_public.json").read_text())
    return {c["id"]: c for c in data["cases"]}


@pytest.fixture(scope="session")
def tier_tables():
    return json.loads((REFERENCE / "tiers.json").read_text())


@pytest.fixture(scope="session")
def heavy_link():
    """The reported ~520-character link: 20 positions x 1,000,000 steps (4.4 GB when run).

    Built by hand (not by ``Scenario.to_query``, which refuses it), as a visitor could.
    """
    import base64
    import zlib

    from margin_widgets.core import Position
    from margin_widgets.core.scenario import PRESETS

    data = PRESETS["one_long"].to_dict()
    pos = Position("BTCUSDT", "long", 0.01, 60_000, 10, "isolated").to_dict()
    data["positions"] = [pos] * 20
    data["steps"] = 1_000_000
    data["paths"] = {"BTCUSDT": {"generator": "constant", "params": {"price": 60_000},
                                 "seed": None}}
    raw = zlib.compress(json.dumps(data).encode(), 9)
    return "scenario=" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
