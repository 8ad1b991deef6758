"""Scenarios that travel: JSON and URL round trips, presets, hostile input."""

import base64
import json
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import PRESETS, MarginInputError, PathSpec, Position, Scenario
from margin_widgets.core.scenario import (
    MAX_MONTE_CARLO_WORK,
    MAX_STEPS,
    MAX_WORK,
    check_work,
)


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


# --- work and nesting limits (issue 8) --------------------------------------------------------


def test_the_heavy_link_is_refused_before_anything_is_built(monkeypatch, heavy_link):
    # the reported link: about 520 characters for 20 positions x 1,000,000 steps (4.4 GB)
    query = heavy_link
    assert len(query) < 600

    def must_not_run(*_a, **_k):
        raise AssertionError("a path was built or a run started for a refused scenario")

    monkeypatch.setattr(PathSpec, "build", must_not_run)
    tracemalloc.start()
    try:
        with pytest.raises(MarginInputError, match=r"20 positions × 1,000,000 steps is too "
                                                   r"much work.*at most 5,000,000"):
            Scenario.from_query(query)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # a run would need gigabytes


def test_work_limit_is_on_the_product_and_admits_five_positions_over_a_million_steps():
    base = PRESETS["hedged_pair"]
    five = tuple(base.positions[i % 2] for i in range(5))
    ok = base.replace(positions=five, steps=MAX_STEPS)
    assert len(ok.positions) * ok.steps == MAX_WORK
    with pytest.raises(MarginInputError, match="6 positions × 1,000,000 steps"):
        base.replace(positions=(*five, base.positions[0]), steps=MAX_STEPS)
    with pytest.raises(MarginInputError, match="steps must be between 2 and 1,000,000"):
        base.replace(positions=five[:1], steps=MAX_STEPS + 1)  # each bound still holds
    assert check_work(1, 2_000, 10_000, limit=MAX_MONTE_CARLO_WORK) == 20_000_000
    with pytest.raises(MarginInputError, match="× 10,001 paths.*fewer steps, positions or paths"):
        check_work(1, 2_000, 10_001, limit=MAX_MONTE_CARLO_WORK)


def test_deeply_nested_json_is_refused_with_its_depth():
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000,
                 "[" * 1_999_000):
        with pytest.raises(MarginInputError, match=r"nested [\d,]+ levels deep.*at most 20"):
            Scenario.from_json(text)
    nested = "[" * 5_000 + "]" * 5_000
    with pytest.raises(MarginInputError, match="nested 5,000 levels deep"):
        Scenario.from_query("scenario=" + base64.urlsafe_b64encode(
            zlib.compress(nested.encode())).decode().rstrip("="))
    # brackets inside strings do not nest: a description full of them is fine
    s = PRESETS["one_long"].replace(description="[{" * 900 + "\\\"[" * 10)
    assert Scenario.from_json(s.to_json()) == s


def test_deeply_nested_python_data_is_refused_not_recursing():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    for field in ("wallet_balance", "title", "positions", "steps", "venue"):
        data = PRESETS["one_long"].to_dict()
        data[field] = deep
        with pytest.raises(MarginInputError) as info:
            Scenario.from_dict(data)
        assert len(str(info.value)) < 300


def test_messages_quote_hostile_values_briefly():
    huge = "<img src=x onerror=alert(1)>" * 50_000
    for changes in ({"venue": huge}, {"wallet_balance": huge}, {huge: 1},
                    {"steps": [1] * 100_000},
                    {"paths": {"BTCUSDT": {"generator": huge, "params": {}}}}):
        with pytest.raises(MarginInputError) as info:
            Scenario.from_json(_mutate(**changes))
        assert len(str(info.value)) < 400, str(info.value)[:500]


# -- a hand-built venue ----------------------------------------------------------------------


def test_a_preset_venue_object_is_stored_as_its_key_and_round_trips() -> None:
    from margin_widgets.core.venue import venues as _venues

    scen = PRESETS["one_long"].replace(venue=_venues["bybit_linear"])
    assert scen.venue == "bybit_linear" and scen.venue_rules is _venues["bybit_linear"]
    assert Scenario.from_json(scen.to_json()) == scen
    assert Scenario.from_query(scen.to_query()) == scen


def test_a_hand_built_venue_runs_but_does_not_travel() -> None:
    from margin_widgets.core import RiskTiers
    from margin_widgets.core.venue import Venue

    mine = Venue("My venue", tiers=RiskTiers.flat(0.01))
    scen = PRESETS["one_long"].replace(venue=mine)
    assert scen.venue is mine and scen.account().venue is mine
    # a preset copied with other rules is hand-built too (with_ clears the key)
    assert PRESETS["one_long"].replace(
        venue=mine.with_(name="x")).venue_rules.name == "x"
    res = scen.run()
    assert res.account.venue is mine
    for write in (scen.to_json, scen.to_query):
        with pytest.raises(MarginInputError, match="hand-built venue"):
            write()


def test_a_venue_that_is_neither_key_nor_venue_is_refused() -> None:
    for bad in ("nowhere", 3, None):
        with pytest.raises(MarginInputError, match="unknown venue"):
            PRESETS["one_long"].replace(venue=bad)
