import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"


@pytest.fixture(scope="session")
def cases():
    data = json.loads((REFERENCE / "cases_public.json").read_text())
    return {c["id"]: c for c in data["cases"]}


@pytest.fixture(scope="session")
def tier_tables():
    return json.loads((REFERENCE / "tiers.json").read_text())
