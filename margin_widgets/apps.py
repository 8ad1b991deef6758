"""The standalone web apps (served by Voila from ``voila_apps/``), one function each.

Every app notebook is a title, a paragraph of guidance and one line, e.g.
``from margin_widgets.apps import margin_lab; margin_lab()``. The functions here build the
dashboard with a default scenario that already shows a liquidation, restore a scenario from the
page's query string (``?scenario=...``, made by the app's *Share link* button), and never let
a traceback reach the visitor: anything unexpected becomes a short message on the page.
Served by Voila, an app also keeps its scenario in the page's URL as the visitor edits it and
shows a banner with a Reload button when its kernel is gone (``widgets/session.py``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from .charts.style import CSS
from .core.errors import MarginInputError

__all__ = ["margin_lab", "cross_vs_isolated", "liquidation_calculator", "monte_carlo",
           "venue_compare", "page_query"]

log = logging.getLogger(__name__)


def page_query() -> str:
    """The query string of the page that opened this kernel ("" outside Voila).

    With preheated kernels the notebook runs before any visitor arrives, so the query string
    must be asked for (voila's ``/voila/query/<kernel id>`` websocket), not read from the
    environment. :func:`wait_for_request` asks it the way ``voila.utils.get_query_string``
    does, without importing ``voila.utils`` (which costs a kernel about 54 MB and seconds of
    CPU: jupyter_server, jupyterlab_server and more); that remains the fallback.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        # not preheated: voila put the query in the environment
        return os.environ.get("QUERY_STRING", "")
    try:
        wait_for_request()
        return os.environ.get("QUERY_STRING", "")
    except Exception:
        log.warning("could not read the request from voila directly", exc_info=True)
    try:
        from voila.utils import get_query_string

        return get_query_string() or ""
    except Exception:  # pragma: no cover - only inside a broken voila
        log.exception("could not read the query string")
        return ""


def wait_for_request(open_timeout: float = 5.0) -> None:
    """Wait for the visitor of this preheated kernel; put their request in ``os.environ``.

    Voila's server sends the request's CGI-style variables (``QUERY_STRING``, ...) as one JSON
    message on ``/voila/query/<kernel id>`` once a visitor takes this kernel; the address is
    built from the variables voila gives its kernels, as ``voila.utils.wait_for_request``
    builds it.
    """
    from websockets.sync.client import connect

    env = os.environ
    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL", "/")
    url = (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
           f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env['VOILA_KERNEL_ID']}")
    with connect(url, open_timeout=open_timeout) as websocket:
        message = websocket.recv()
    info = json.loads(message)
    if not isinstance(info, dict):
        raise ValueError("voila sent no request information")
    for key, value in info.items():
        os.environ[str(key)] = str(value)


def _message(text: str, kind: str = "error") -> W.HTML:
    from .widgets.markup import message_html

    return W.HTML(message_html(text, kind))


def _app(build: Callable[[], Any], *, shareable: bool) -> W.Widget:
    """Build an app; restore a shared scenario; turn any failure into a message."""
    try:
        dashboard = build()
    except Exception:
        log.exception("app failed to start")
        return W.VBox([W.HTML(CSS), _message(
            "Sorry, this app could not start. Reload the page; if it happens again, "
            "the server log has the details.")])
    parts: list[W.Widget] = [W.HTML(CSS), dashboard]
    notice = W.HTML()
    notice.add_class("mw-query-message")
    if shareable:
        from .widgets.markup import message_html
        from .widgets.sharing import ScenarioIO, query_scenario

        io = ScenarioIO(dashboard)
        parts.append(io)
        try:
            query = page_query()
            scenario = query_scenario(query)
            if scenario is not None:
                # settings a link carries beside the scenario (the Monte Carlo path count)
                extra: dict[str, Any] = getattr(dashboard, "query_settings",
                                                lambda _q: {})(query)
                if dashboard.set_scenario(scenario, **extra):  # announce only what ran
                    notice.value = message_html(
                        f"Opened the shared scenario “{scenario.title or 'untitled'}”.", "ok")
                else:
                    reason = dashboard.error_message or "it could not be run"
                    dashboard.clear_error()  # the notice says it once
                    notice.value = message_html(
                        f"The shared link could not be used: {reason.rstrip('.')}. Showing "
                        "the default scenario.")
        except MarginInputError as exc:
            notice.value = message_html(f"The shared link could not be used: "
                                        f"{str(exc).rstrip('.')}. Showing the default scenario.")
        except Exception:
            log.exception("shared scenario failed")
            notice.value = message_html("The shared link could not be used. Showing the "
                                        "default scenario.")
    parts.insert(1, notice)
    from .widgets.session import keep_session  # served by Voila: URL keeping and heartbeat

    keeper = keep_session(dashboard, follow_scenario=shareable)
    if keeper is not None:
        parts.append(keeper)
    box = W.VBox(parts)
    box.add_class("mw-app")
    return box


def margin_lab() -> W.Widget:
    """The Margin Lab: every quantity of one scenario along its price path."""
    from .widgets.lab import MarginLab

    return _app(MarginLab, shareable=True)


def cross_vs_isolated() -> W.Widget:
    """The same scenario, every position cross vs every position isolated."""
    from .widgets.compare import CrossVsIsolated

    return _app(CrossVsIsolated, shareable=True)


def liquidation_calculator() -> W.Widget:
    """The exchange-calculator view of one position, with the formula explained."""
    from .widgets.calculator import LiquidationCalculator

    return _app(LiquidationCalculator, shareable=False)


def monte_carlo() -> W.Widget:
    """Probability of liquidation over thousands of paths, cross against isolated."""
    from .widgets.montecarlo import MonteCarloExplorer

    return _app(MonteCarloExplorer, shareable=True)


def venue_compare() -> W.Widget:
    """One position on every venue: why the liquidation prices differ."""
    from .widgets.venues import VenueComparison

    def build() -> Any:
        dash = VenueComparison()
        dash.apply_query(page_query())     # a shared link's settings (message if damaged)
        return dash

    return _app(build, shareable=False)
