"""Scenarios that travel: download, upload and share a dashboard's scenario.

``ScenarioIO(dashboard)`` works with any dashboard that has a ``scenario`` attribute (a
:class:`~margin_widgets.core.scenario.Scenario`) and a ``set_scenario(scenario)`` method; a
dashboard with settings beyond its scenario says so with ``share_scenario()`` (what a file
saves) and ``share_query()`` (what a link carries), as the Monte Carlo explorer does.
The download and share links are made when asked for, from the scenario on screen; an upload
is parsed and validated by the engine, and a malformed or hostile file shows a clear message
and changes nothing. Only a scenario that actually ran is announced as loaded.

A share link longer than :data:`MAX_SHARE_URL` characters is refused when it is made (the
person is told to download the scenario instead): the server would refuse to open it.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import ipywidgets as W

from ..core.errors import MarginInputError
from ..core.scenario import Scenario
from .markup import esc, message_html

__all__ = ["ScenarioIO", "query_scenario", "MAX_SHARE_URL"]

log = logging.getLogger("margin_widgets")

MAX_SHARE_URL = 8_000
"""Longest share link made (path and query, in characters).

The voila server (tornado) reads a request's first line and headers into one buffer of at most
``max_header_size`` bytes, 65,536 by default (``tornado.http1connection.
HTTP1ConnectionParameters``, tornado 6); a longer request is dropped and the visitor gets a
blank page (a 65,008-character link did exactly that). Proxies in front of a server allow
less: nginx reads a request line into one of its ``large_client_header_buffers`` (8 KB by
default) and Node's HTTP server (JupyterHub's configurable-http-proxy) 16 KB of headers in all.
8,000 characters fits all three with room for the host, cookies and other headers; a scenario
that does not fit (e.g. thousands of CSV prices) is downloaded and uploaded instead.
"""


def query_scenario(query: str | None) -> Scenario | None:
    """The scenario in a page's query string (``None`` when there is none).

    Raises
    ------
    MarginInputError
        When the query holds a scenario that is damaged or invalid.
    """
    if not query:
        return None
    return Scenario.from_query(query)


class ScenarioIO(W.VBox):
    """Download / upload / share controls for a dashboard's scenario."""

    def __init__(self, dashboard: Any, app_path: str = "") -> None:
        self.dashboard = dashboard
        self.app_path = app_path
        self.download_button = W.Button(
            description="Download scenario", icon="download",
            tooltip="Save the scenario on screen as a JSON file")
        self.share_button = W.Button(
            description="Share link", icon="link",
            tooltip="Make a link that opens this app with the scenario on screen")
        self.upload = W.FileUpload(
            accept=".json,application/json", multiple=False,
            description="Load scenario",
            tooltip="Open a scenario JSON file saved from this kit")
        self.link_html = W.HTML(layout=W.Layout(min_height="1.5em"))
        self.message = W.HTML()
        for w, cls in ((self.download_button, "mw-download"), (self.share_button, "mw-share"),
                       (self.upload, "mw-upload"), (self.link_html, "mw-share-link"),
                       (self.message, "mw-io-message")):
            w.add_class(cls)
        self.download_button.on_click(lambda _b: self.make_download())
        self.share_button.on_click(lambda _b: self.make_share_link())
        self.upload.observe(self._on_upload, names="value")
        super().__init__([
            W.HBox([self.download_button, self.share_button, self.upload]),
            self.link_html, self.message,
        ])
        self.add_class("mw-scenario-io")

    # -- actions ----------------------------------------------------------------------------
    def make_download(self) -> str:
        """Put a download link for the current scenario on screen; return the JSON."""
        # a dashboard with run settings beyond its scenario (the Monte Carlo explorer's steps,
        # volatility, drift, seed and leverage) saves them in the scenario it shares
        share = getattr(self.dashboard, "share_scenario", None)
        try:
            text = (share() if share is not None else self.dashboard.scenario).to_json()
        except MarginInputError as exc:    # a hand-built venue does not travel in a file
            self.message.value = message_html(f"No file made: {exc}.", "error")
            return ""
        data = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self.link_html.value = (
            f"<a download='margin_scenario.json' href='data:application/json;base64,{data}' "
            f"class='mw-download-link'>⬇ margin_scenario.json</a> "
            f"<span class='mw-caption'>(click to save)</span>")
        self.message.value = ""
        return text

    def make_share_link(self) -> str:
        """Put a link on screen whose query string restores the current scenario.

        Returns the link, or ``""`` when it would be longer than :data:`MAX_SHARE_URL`
        (then the message says to download the scenario instead).
        """
        share = getattr(self.dashboard, "share_query", None)  # settings beyond the scenario
        try:
            query = share() if share is not None else self.dashboard.scenario.to_query()
        except MarginInputError as exc:    # a hand-built venue does not travel in a link
            self.link_html.value = ""
            self.message.value = message_html(f"No link made: {exc}.", "error")
            return ""
        href = f"{self.app_path}?{query}"
        if len(href) > MAX_SHARE_URL:
            self.link_html.value = ""
            self.message.value = message_html(
                f"No link made: this scenario needs a {len(href):,}-character link and a "
                f"server opens links of at most {MAX_SHARE_URL:,} characters. Download the "
                "scenario instead (“Download scenario”) and share the file; “Load scenario” "
                "opens it.")
            return ""
        self.link_html.value = (
            f"<a href='{esc(href, None)}' target='_blank' class='mw-share-href'>"
            f"Link to this scenario</a> <span class='mw-caption'>(right-click → copy link "
            f"address; {len(href):,} characters)</span>")
        self.message.value = ""
        return href

    def load_text(self, text: str | bytes) -> bool:
        """Validate and load scenario JSON; on error show it and keep the current state.

        "Loaded" is said only when the dashboard ran the scenario; a scenario the dashboard
        refuses (its error box says why) leaves the previous one on screen.
        """
        try:
            scenario = Scenario.from_json(text)
        except MarginInputError as exc:
            self.message.value = message_html(f"Not loaded: {exc}")
            return False
        except Exception:
            log.exception("margin_widgets: scenario upload could not be read")
            self.message.value = message_html("Not loaded: the file could not be read as a "
                                              "scenario.")
            return False
        if not self.dashboard.set_scenario(scenario):
            reason = getattr(self.dashboard, "error_message", "") or "it could not be run"
            self.message.value = message_html(f"Not loaded: {reason}")
            return False
        self.message.value = message_html(f"Loaded “{scenario.title or 'scenario'}”.", "ok")
        return True

    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change.get("new") or ()
        if not files:
            return
        try:
            item = files[0]
            content = item["content"] if isinstance(item, dict) else item.content
            self.load_text(bytes(content))
        except Exception:  # a widget callback must never raise
            log.exception("margin_widgets: scenario upload failed")
            self.message.value = message_html("Not loaded: the file could not be read.")
        finally:
            self.upload.value = ()  # so that the same file can be chosen again
