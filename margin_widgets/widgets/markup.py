r"""The one way text becomes HTML in the kit's widgets.

Every string that can come from a person — a scenario's title and description, a symbol or a
path key, a file name, a CSV cell, an error message that quotes any of these — reaches the
page through an ``ipywidgets.HTML`` value, which the browser parses as HTML
(``innerHTML``). So it goes through this module first:

- :func:`esc` escapes ``& < > " '`` (safe as element text and inside a quoted attribute) and
  cuts text longer than ``limit`` characters;
- :func:`user_text` is :func:`esc` inside a ``<span>`` that MathJax skips (classes
  ``tex2jax_ignore`` and ``mathjax_ignore``), so ``$x$`` or ``\(x\)`` in a description
  shows literally even where a page typesets math;
- :func:`message_html` is a status or error line (``mw-ok``, ``mw-error``, ...) around escaped
  text.

What does *not* need it: bqplot draws titles, axis labels, legends and ``Tooltip`` values as
SVG/HTML *text* (d3's ``.text()``), and ipywidgets sets dropdown and toggle-button labels,
descriptions (``description_allow_html`` is never set) and ``tooltip`` attributes as text.
Escaping those would show ``&lt;`` literally; they get the raw string.

>>> esc("<img src=x onerror=alert(1)>")
'&lt;img src=x onerror=alert(1)&gt;'
>>> user_text("costs $5 or $6")
"<span class='mw-user-text tex2jax_ignore mathjax_ignore'>costs $5 or $6</span>"
"""

from __future__ import annotations

import html

__all__ = ["esc", "user_text", "message_html", "MAX_TEXT", "NO_MATH"]

MAX_TEXT = 2_000
"""Characters of one piece of user text shown (a scenario description is at most 2,000)."""

NO_MATH = "tex2jax_ignore mathjax_ignore"
"""CSS classes MathJax 2 and 3 (and JupyterLab's typesetter) leave untypeset."""

_KINDS = frozenset({"ok", "error", "hint", "muted", "caption", "warning"})


def esc(value: object, limit: int | None = MAX_TEXT) -> str:
    """``str(value)`` escaped for HTML text and quoted attributes, at most ``limit`` chars."""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return html.escape(text, quote=True)


def user_text(value: object, limit: int | None = MAX_TEXT, *,
              css_class: str = "mw-user-text") -> str:
    """Escaped user text in a ``<span>`` that math typesetting leaves alone."""
    return f"<span class='{esc(css_class, None)} {NO_MATH}'>{esc(value, limit)}</span>"


def message_html(text: object, kind: str = "error", *, role: str | None = None) -> str:
    """A ``<div class='mw-{kind}'>`` line around escaped ``text`` (``kind`` is fixed)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    attr = f" role='{esc(role, None)}'" if role else ""
    return f"<div class='mw-{kind} {NO_MATH}'{attr}>{esc(text)}</div>"
