"""Layout and style models shared by the widgets that never change them.

Every ipywidgets widget opens a ``Layout`` model and usually a style model of its own: half
of the models a Margin Lab opened (each one's full state is sent to the browser when the page
opens) were these. Widgets whose layout or style is set once and never changed share one
model per distinct set of traits (:func:`shared_layout`, :func:`shared_style`).
"""

from __future__ import annotations

from typing import Any

from ipywidgets import Layout

__all__ = ["LeanLayout", "shared_model", "shared_layout", "shared_style"]


class LeanLayout(Layout):
    """A ``Layout`` that opens its model with only the properties it sets.

    A ``Layout`` has about forty CSS properties, almost all unset (``None``), and opening its
    model sent every one: ~1 KB per widget, a third of what a Margin Lab sent when the page
    opened. The browser's layout model starts with every property unset, so leaving the
    unset ones out of the opening state changes nothing on screen. Later changes (even back
    to ``None``) are sent as usual.
    """

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict[str, Any]:
        """The state; opening (``key=None``) leaves out the unset properties."""
        state: dict[str, Any] = super().get_state(key, drop_defaults)
        if key is None:
            state = {k: v for k, v in state.items() if v is not None or k.startswith("_")}
        return state

_SHARED_MODELS: dict[tuple[Any, ...], Any] = {}


def shared_model(cls: type, **traits: Any) -> Any:
    """One ``cls(**traits)`` model for every widget that asks for the same one.

    Every widget opens a Layout and usually a Style model of its own (half of the 360 models
    of a Margin Lab, each sent to the browser when the page opens). Widgets whose layout or
    style is never changed after creation share one model per distinct set of traits. Only
    for layouts and styles nobody mutates: a change would show on every widget sharing it.
    A model closed meanwhile (``Widget.close_all``) is replaced by a new one.
    """
    key = (cls, tuple(sorted(traits.items())))
    model = _SHARED_MODELS.get(key)
    if model is None or getattr(model, "comm", None) is None:
        model = cls(**traits)
        _SHARED_MODELS[key] = model
    return model


def shared_layout(**traits: Any) -> LeanLayout:
    """A :func:`shared_model` Layout (never mutate it)."""
    return shared_model(LeanLayout, **traits)


def shared_style(widget_cls: Any, **traits: Any) -> Any:
    """A :func:`shared_model` of the style class ``widget_cls`` uses (never mutate it)."""
    return shared_model(widget_cls.class_traits()["style"].klass, **traits)
