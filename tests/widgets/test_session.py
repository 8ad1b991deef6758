"""SessionKeeper without a browser: heartbeat replies, the scenario it puts in the URL."""

from __future__ import annotations

from typing import Any

import pytest

import margin_widgets.widgets.session as session
from margin_widgets import apps
from margin_widgets.core.scenario import PRESETS, Scenario
from margin_widgets.widgets import MarginLab
from margin_widgets.widgets.session import SessionKeeper, keep_session


def custom_message(widget: Any, content: dict[str, Any]) -> None:
    """Deliver a front-end ``model.send(content)`` to the widget as the kernel would."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}},
                        "buffers": []})


def custom_sent(recorder: Any, widget: Any) -> list[Any]:
    return [m["content"] for m in recorder.messages_for(widget) if m.get("method") == "custom"]


def test_every_ping_gets_its_pong_on_a_plain_widget_model(recorder: Any) -> None:
    keeper = SessionKeeper()
    channel = keeper.channel
    # the page finds the channel by id; it is a plain ipywidgets model (no anywidget gate)
    assert keeper.channel_id == channel.model_id
    assert (channel._model_module, channel._model_name) == ("@jupyter-widgets/base",
                                                            "WidgetModel")
    recorder.reset()
    for n in (1, 2, 7):
        custom_message(channel, {"ping": n})
    custom_message(channel, {"something": "else"})
    assert custom_sent(recorder, channel) == [{"pong": 1}, {"pong": 2}, {"pong": 7}]
    assert channel.pings == 3


def test_url_follows_each_committed_edit_and_restores_it(recorder: Any) -> None:
    lab = MarginLab()
    keeper = SessionKeeper()
    keeper.follow(lab)
    assert keeper.url_state == "unchanged"  # opening the app leaves the visitor's URL alone
    assert lab.propose(lambda ctx: ctx.scenario.replace(wallet_balance=12_345.0))
    assert keeper.url_state == "kept"
    restored = Scenario.from_query(keeper.query)
    assert restored == lab.scenario
    assert restored is not None and restored.wallet_balance == 12_345.0

    # a refused edit commits nothing, so the URL keeps the last good scenario
    before = keeper.query
    assert not lab.propose(lambda ctx: ctx.scenario.replace(wallet_balance=-5.0))
    assert lab.error_message
    assert keeper.query == before

    # loading a whole scenario (picker, upload, link) is a change like any other
    other = PRESETS["one_long"]
    assert lab.set_scenario(other)
    assert Scenario.from_query(keeper.query) == lab.scenario


def test_a_scenario_too_long_for_a_url_is_not_put_in_it(
    recorder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keeper = SessionKeeper()
    query = PRESETS["one_long"].to_query()
    monkeypatch.setattr(session, "MAX_URL_QUERY", len(query) - 1)
    keeper.remember(PRESETS["one_long"])
    assert keeper.url_state == "too_long"
    monkeypatch.setattr(session, "MAX_URL_QUERY", len(query))
    keeper.remember(PRESETS["one_long"])
    assert (keeper.url_state, keeper.query) == ("kept", query)


def test_only_voila_apps_get_a_keeper(recorder: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOILA_BASE_URL", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert keep_session(None, follow_scenario=False) is None
    assert not any(isinstance(w, SessionKeeper) for w in apps.margin_lab().children)

    monkeypatch.setenv("VOILA_BASE_URL", "/")
    box = apps.margin_lab()
    keepers = [w for w in box.children if isinstance(w, SessionKeeper)]
    assert len(keepers) == 1
    calculator = apps.liquidation_calculator()  # no scenario to keep, but the banner still
    assert sum(isinstance(w, SessionKeeper) for w in calculator.children) == 1


def test_the_url_keeps_every_monte_carlo_setting(recorder: Any) -> None:
    from margin_widgets.widgets import MonteCarloExplorer

    small = {"n_paths": 40, "steps": 60, "background": False}
    ex = MonteCarloExplorer("one_long", **small)
    keeper = SessionKeeper()
    keeper.follow(ex)
    settings = {"n_paths": 150, "steps": 80, "volatility": 2.0, "drift": 0.25, "seed": 21,
                "leverage": 15}
    for name, value in settings.items():
        setattr(ex, name, value)
        assert keeper.url_state == "kept" and f"mc_paths={ex.n_paths}" in keeper.query
    # without a run too (auto_run off): a setting alone changes the URL
    ex.auto_run = False
    ex.seed = 22
    assert Scenario.from_query(keeper.query).paths["BTCUSDT"].seed == 22
    # a page opened on that URL restores every setting
    settings["seed"] = 22
    fresh = MonteCarloExplorer("hedged_pair", **small)
    assert fresh.set_scenario(Scenario.from_query(keeper.query),
                              **fresh.query_settings(keeper.query))
    for name, value in settings.items():
        assert getattr(fresh, name) == pytest.approx(value), name
    # a refused setting changes nothing in the URL
    before = keeper.query
    ex.volatility = 50.0
    assert ex.error and keeper.query == before
