"""Scenarios that travel: download, upload and share a dashboard's scenario.

``ScenarioIO(dashboard)`` works with any dashboard that has a ``scenario`` attribute (a
:class:`~margin_widgets.core.scenario.Scenario`) and a ``set_scenario(scenario)`` method.
The download and share links are made when asked for, from the scenario on screen; an upload
is parsed and validated by the engine, and a malformed or hostile file shows a clear message
and changes nothing.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import ipywidgets as W

from ..core.errors import MarginInputError
from ..core.scenario import Scenario

__all__ = ["ScenarioIO", "query_scenario"]


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
        text = self.dashboard.scenario.to_json()
        data = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self.link_html.value = (
            f"<a download='margin_scenario.json' href='data:application/json;base64,{data}' "
            f"class='mw-download-link'>⬇ margin_scenario.json</a> "
            f"<span class='mw-caption'>(click to save)</span>")
        self.message.value = ""
        return text

    def make_share_link(self) -> str:
        """Put a link on screen whose query string restores the current scenario."""
        query = self.dashboard.scenario.to_query()
        href = f"{self.app_path}?{query}"
        self.link_html.value = (
            f"<a href='{html.escape(href, quote=True)}' target='_blank' class='mw-share-href'>"
            f"Link to this scenario</a> <span class='mw-caption'>(right-click → copy link "
            f"address; {len(href):,} characters)</span>")
        self.message.value = ""
        return href

    def load_text(self, text: str | bytes) -> bool:
        """Validate and load scenario JSON; on error show it and keep the current state."""
        try:
            scenario = Scenario.from_json(text)
        except MarginInputError as exc:
            self.message.value = f"<div class='mw-error'>Not loaded: {html.escape(str(exc))}</div>"
            return False
        self.dashboard.set_scenario(scenario)
        title = html.escape(scenario.title or "scenario")
        self.message.value = f"<div class='mw-ok'>Loaded “{title}”.</div>"
        return True

    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change.get("new") or ()
        if not files:
            return
        item = files[0]
        content = item["content"] if isinstance(item, dict) else item.content
        self.load_text(bytes(content))
