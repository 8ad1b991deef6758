"""Ready-made scenarios: the preset dropdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ipywidgets import HTML, Dropdown, HBox

from ...charts.shared import LeanLayout, shared_layout, shared_style
from ...core.scenario import PRESETS, Scenario
from ..markup import user_text
from ._common import _desc


class ScenarioPicker(HBox):
    """A dropdown of :data:`core.scenario.PRESETS`; picking one loads it in ONE batch.

    Attributes
    ----------
    dropdown : Dropdown
    description_html : HTML
        The preset's one-line story.
    """

    def __init__(self, on_load: Callable[[Scenario], Any] | None = None, *,
                 show_description: bool = True) -> None:
        self.on_load = on_load
        # show() selects the preset equal to the scenario on screen: picking it would load
        # it (and reset "opened"), so the dropdown's observer ignores what show() sets
        self._showing = 0
        self.dropdown = Dropdown(
            options=[(s.title or key, key) for key, s in PRESETS.items()], value=None,
            description="Scenario", style=_desc(Dropdown),
            tooltip="Load a ready-made lesson scenario (every control changes at once)",
            layout=shared_layout(width="280px"))
        # the dashboard may place it on its own full-width line
        self.description_html = HTML(
            "", layout=LeanLayout(flex="1 1 300px") if show_description
            else shared_layout(width="100%"), style=shared_style(HTML))
        self.description_html.add_class("mw-caption")
        children = [self.dropdown] + ([self.description_html] if show_description else [])
        super().__init__(children, layout=LeanLayout(flex_flow="row wrap", align_items="center",
                                                 flex="1 1 auto" if show_description else
                                                 "0 0 auto"))
        self.add_class("mw-scenario-picker")
        self.dropdown.observe(self._on_pick, names="value")

    @property
    def value(self) -> str | None:
        """Key of the selected preset."""
        return self.dropdown.value

    @value.setter
    def value(self, key: str | None) -> None:
        self.dropdown.value = key

    def _on_pick(self, change: dict[str, Any]) -> None:
        key = change["new"]
        if self._showing or key is None or self.on_load is None:
            return
        self.on_load(PRESETS[key])

    def show(self, scenario: Scenario, opened: Scenario | None = None) -> None:
        """Select the preset equal to ``scenario``; say "changed from" only after an edit.

        ``opened`` is what the dashboard opened (a preset, a shared link, a file): a scenario
        equal to it is not "changed", whatever its title.
        """
        self._showing += 1
        try:
            key = next((k for k, s in PRESETS.items() if s == scenario), None)
            text = scenario.description or ""
            if key is None and opened is not None and scenario != opened and opened.title:
                # edited: show no selection, so picking the preset again reloads it
                text = (f"Changed from “{opened.title}” (pick a scenario to reset). "
                        + text).strip()
            if self.dropdown.value != key:
                self.dropdown.value = key
            value = user_text(text) if text else ""
            if self.description_html.value != value:
                self.description_html.value = value
        finally:
            self._showing -= 1
