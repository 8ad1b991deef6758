"""The one exception type the engine raises for bad input, and small validators."""

import reprlib


class MarginInputError(ValueError):
    """Raised when an input cannot describe a real account, position or path.

    It is a ``ValueError`` so that generic callers can catch it as such; the message is
    written for a learner ("quantity must be positive, got 0"), not for a developer.
    """


def require(condition: bool, message: str) -> None:
    """Raise :class:`MarginInputError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise MarginInputError(message)


_SHOWN = reprlib.Repr()
_SHOWN.maxlevel = 3
_SHOWN.maxstring = 60
_SHOWN.maxother = 60
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 6
_SHOWN.maxlong = 40


def shown(value: object) -> str:
    """A short ``repr`` of ``value`` for a message: at most about 80 characters.

    Messages quote what the person gave; a hostile value (a million-item list, a string of
    2 MB, a list nested ten thousand deep) must not make the message huge or recurse.

    >>> shown("x" * 1000)[:20], len(shown("x" * 1000)) < 80
    ("'xxxxxxxxxxxxxxxxxxx", True)
    >>> shown([[[[[1]]]]])
    '[[[[...]]]]'
    """
    try:
        text = _SHOWN.repr(value)
    except Exception:  # a broken __repr__ must not hide the real message
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def positive_finite(value: float, what: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite positive number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MarginInputError(f"{what} must be a number, got {shown(value)}") from None
    if v != v:  # NaN
        raise MarginInputError(f"{what} must be a number, got NaN")
    if v <= 0 or v == float("inf"):
        raise MarginInputError(f"{what} must be a positive finite number, got {v:g}")
    return v


def nonnegative_finite(value: float, what: str) -> float:
    """Return ``value`` as a float, or raise if it is negative, NaN or infinite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MarginInputError(f"{what} must be a number, got {shown(value)}") from None
    if v != v:
        raise MarginInputError(f"{what} must be a number, got NaN")
    if v < 0 or v == float("inf"):
        raise MarginInputError(f"{what} must be zero or a positive finite number, got {v:g}")
    return v


class UnknownNameError(MarginInputError, KeyError):
    """An unknown venue, symbol or preset name (also a ``KeyError`` for mapping look-ups)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
