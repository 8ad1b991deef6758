"""The one exception type the engine raises for bad input, and small validators."""

import reprlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


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


# Documented bounds of the API: beyond them float arithmetic loses the cents a learner checks
# (and at 1e308 overflows into NaN), so such input is refused rather than computed.
MAX_PRICE = 1e12
MAX_QUANTITY = 1e12
MAX_AMOUNT = 1e18
MAX_LEVERAGE = 1_000.0


def as_number(value: object, what: str) -> float:
    """``value`` as a float; refuse bools, text and anything that is not a real number."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "True/False" if isinstance(value, bool) else type(value).__name__
        raise MarginInputError(f"{what} must be a number, got {shown(value)} ({kind})")
    v = float(value)
    if v != v:  # NaN
        raise MarginInputError(f"{what} must be a number, got NaN")
    return v


def finite_number(value: object, what: str) -> float:
    """``value`` as a finite float of any sign (no bools, text, NaN or infinities).

    >>> finite_number(-2, "drift")
    -2.0
    >>> finite_number(float("inf"), "drift")
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: drift must be a finite number, got inf
    """
    import numbers

    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value != value:
        raise MarginInputError(f"{what} must be a finite number, got NaN")
    v = as_number(value, what)
    if v in (float("inf"), float("-inf")):
        raise MarginInputError(f"{what} must be a finite number, got {v:g}")
    return v


def in_range(value: object, what: str, low: float, high: float) -> float:
    """``value`` as a finite float in the closed interval ``[low, high]``.

    >>> in_range(0.5, "recovery", 0, 1)
    0.5
    >>> in_range(2, "recovery", 0, 1)
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: recovery must be between 0 and 1, got 2
    """
    v = finite_number(value, what)
    if not low <= v <= high:
        raise MarginInputError(f"{what} must be between {low:g} and {high:g}, got {v:g}")
    return v


def positive_finite(value: object, what: str, upper: float | None = None) -> float:
    """Return ``value`` as a float, or raise if it is not a finite positive number."""
    v = as_number(value, what)
    if v <= 0 or v == float("inf"):
        raise MarginInputError(f"{what} must be a positive finite number, got {v:g}")
    if upper is not None and v > upper:
        raise MarginInputError(f"{what} must be at most {upper:g}, got {v:g}")
    return v


def nonnegative_finite(value: object, what: str, upper: float | None = None) -> float:
    """Return ``value`` as a float, or raise if it is negative, NaN or infinite."""
    v = as_number(value, what)
    if v < 0 or v == float("inf"):
        raise MarginInputError(f"{what} must be zero or a positive finite number, got {v:g}")
    if upper is not None and v > upper:
        raise MarginInputError(f"{what} must be at most {upper:g}, got {v:g}")
    return v


def whole_number(value: object, what: str, lo: int = 0, hi: int | None = None) -> int:
    """``value`` as an int (no bools, no fractions, no text), at least ``lo``, at most ``hi``.

    A float with no fraction (``10.0``, also a numpy float) is that whole number.

    >>> whole_number(10.0, "steps", 2, 1_000_000)
    10
    >>> whole_number(1000, "steps", 2, 100)
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: steps must be between 2 and 100, got 1000
    >>> whole_number(1.5, "steps")
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: steps must be a whole number, got 1.5
    """
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(
                value) == float(value) and float(value).is_integer():
            value = int(float(value))
        else:
            raise MarginInputError(f"{what} must be a whole number, got {shown(value)}")
    v = int(value)
    if hi is not None and not lo <= v <= hi:
        raise MarginInputError(f"{what} must be between {lo:,} and {hi:,}, got {v}")
    if v < lo:
        raise MarginInputError(f"{what} must be at least {lo}, got {v}")
    return v


class UnknownNameError(MarginInputError, KeyError):
    """An unknown venue, symbol or preset name (also a ``KeyError`` for mapping look-ups)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def float_array(raw: object, msg: str) -> "np.ndarray":
    """``raw`` as a float array of real numbers (not copied when already float).

    Text, ``None``, bools and objects are refused with ``msg``; finiteness and shape are the
    caller's to check.

    >>> float_array([1, 2], "prices").tolist()
    [1.0, 2.0]
    >>> float_array("60000", "prices")
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: prices, got '60000'
    """
    import numpy as np  # noqa: F811  (the module imports numpy for annotations only)

    if isinstance(raw, str | bytes | bool) or raw is None:
        raise MarginInputError(f"{msg}, got {raw!r:.40}")
    try:
        arr = np.asarray(raw)
        if arr.dtype == bool or arr.dtype.kind not in "iuf":
            raise ValueError
        return arr.astype(float, copy=False)
    except (TypeError, ValueError):
        raise MarginInputError(msg) from None
