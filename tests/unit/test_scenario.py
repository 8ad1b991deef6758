"""Scenarios that travel: JSON and URL round trips, presets, hostile input."""

import base64
import json
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import PRESETS, MarginInputError, PathSpec, Position, Scenario


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_round_trips_and_replays_identically(key):
    s = PRESETS[key]
    back = Scenario.from_json(s.to_json())
    assert back == s
    assert Scenario.from_query(s.to_query()) == s
    a, b = s.run(), back.run()
    np.testing.assert_array_equal(a.equity, b.equity)


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_shows_something_happening(key):
    both = PRESETS[key].compare()
    assert (both["cross"].liquidated_at >= 0).any() or (both["isolated"].liquidated_at >= 0).any()


def test_seeded_random_path_replays():
    s = PRESETS["one_long"].replace(
        paths={"BTCUSDT": PathSpec("gbm", {"start": 60_000, "volatility": 0.8}, seed=7)})
    back = Scenario.from_query(s.to_query())
    np.testing.assert_array_equal(s.mark_paths()["BTCUSDT"], back.mark_paths()["BTCUSDT"])


def test_drawn_points_round_trip():
    s = PRESETS["one_long"].replace(
        paths={"BTCUSDT": PathSpec("piecewise", {"points": [[0, 60_000], [250, 50_000],
                                                            [499, 58_000]]})})
    back = Scenario.from_json(s.to_json())
    path = back.mark_paths()["BTCUSDT"]
    assert path[0] == 60_000 and path[250] == 50_000 and path[499] == 58_000


BAD = [
    ("not json", "not valid JSON"),
    ("[]", "JSON object"),
    ('{"schema": "other"}', "not a margin_widgets scenario"),
    ('{"schema": "margin_widgets/scenario", "version": 99}', "unsupported scenario version"),
]


@pytest.mark.parametrize("text,needle", BAD)
def test_malformed_files_are_refused_clearly(text, needle):
    with pytest.raises(MarginInputError, match=needle):
        Scenario.from_json(text)


def _mutate(**changes):
    d = PRESETS["one_long"].to_dict()
    d.update(changes)
    return json.dumps(d)


@pytest.mark.parametrize("changes,needle", [
    ({"wallet_balance": -5}, "wallet"),
    ({"wallet_balance": "1e9"}, "must be a number"),
    ({"venue": "__import__('os')"}, "unknown venue"),
    ({"steps": 10**9}, "steps must be between"),
    ({"steps": 1.5}, "whole number"),
    ({"extra_field": 1}, "unknown scenario fields"),
    ({"positions": [{"symbol": "BTCUSDT", "quantity": 0, "entry_price": 1}]}, "quantity"),
    ({"positions": [{"symbol": "BTCUSDT", "quantity": 1, "entry_price": 60000,
                     "leverage": 500}]}, "maximum"),
    ({"positions": [{"symbol": "BTCUSDT", "__class__": "x"}]}, "malformed"),
    ({"paths": {"BTCUSDT": {"generator": "eval", "params": {}}}}, "unknown path generator"),
    ({"paths": {"BTCUSDT": {"generator": "linear", "params": {"start": float("nan")}}}},
     "finite"),
    ({"paths": {"BTCUSDT": {"generator": "gbm", "params": {"start": 1}, "seed": -1}}}, "seed"),
    ({"paths": {}}, "no price path"),
    ({"funding_rate": 3}, "not realistic"),
    ({"events": [{"step": 1, "kind": "steal", "amount": 1}]}, "unknown event kind"),
])
def test_hostile_or_wrong_fields_are_refused(changes, needle):
    with pytest.raises(MarginInputError, match=needle):
        Scenario.from_json(_mutate(**changes))


def test_huge_or_damaged_links_are_refused():
    with pytest.raises(MarginInputError, match="damaged"):
        Scenario.from_query("scenario=%%%not-base64")
    bomb = base64.urlsafe_b64encode(zlib.compress(b" " * 5_000_000)).decode()
    with pytest.raises(MarginInputError, match="too large"):
        Scenario.from_query("scenario=" + bomb)
    assert Scenario.from_query("other=1") is None
    with pytest.raises(MarginInputError, match="larger than 2 MB"):
        Scenario.from_json(b"{" + b" " * 3_000_000 + b"}")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_crashes_with_anything_but_a_clear_error(text):
    try:
        Scenario.from_json(text)
    except MarginInputError:
        pass
    try:
        Scenario.from_query(text)
    except MarginInputError:
        pass


def test_positions_in_scenarios_are_validated():
    with pytest.raises(MarginInputError, match="no price path for ETHUSDT"):
        PRESETS["one_long"].replace(positions=(Position("ETHUSDT", "long", 1, 3_000),))
