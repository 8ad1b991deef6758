"""Checks shared by every path: the number rules, the output shape, the path validator.

A path is a float64 array of MARK prices, shape ``(T,)`` or ``(n_paths, T)``, C-contiguous,
every entry finite and strictly positive (:func:`validate_path`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import MarginInputError, finite_number, in_range, whole_number

__all__ = ["validate_path", "HOUR", "FloatArray", "SeedLike"]

FloatArray = npt.NDArray[np.float64]
SeedLike = int | np.random.Generator | None

HOUR = 1.0 / (365 * 24)
"""One hour in years: the default time step of the simulators."""

# Ceiling that turns a frozen kernel into a clear message. Read at call time (tests patch it).
_MAX_POINTS = 50_000_000  # n_paths * steps: 400 MB of float64


# ---------------------------------------------------------------------------------------------
# small validators


# The number checks are the engine's own (errors.py): one set of rules and messages.
def _count(value: Any, what: str, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum`` (:func:`errors.whole_number`)."""
    return whole_number(value, what, minimum)


def _finite(value: Any, what: str) -> float:
    """Return ``value`` as a finite float of any sign (:func:`errors.finite_number`)."""
    return finite_number(value, what)


def _between(value: Any, what: str, low: float, high: float) -> float:
    """Return ``value`` as a float in [low, high] (:func:`errors.in_range`)."""
    return in_range(value, what, low, high)


def _shape(steps: Any, n_paths: Any) -> tuple[int, ...]:
    """Validate ``steps`` and ``n_paths`` and return the output shape."""
    t = _count(steps, "steps (the number of prices in the path)", 2)
    if n_paths is None:
        shape: tuple[int, ...] = (t,)
    else:
        shape = (_count(n_paths, "n_paths", 1), t)
    if math.prod(shape) > _MAX_POINTS:
        raise MarginInputError(
            f"{' x '.join(map(str, shape))} prices is too many to hold in memory here; "
            f"keep n_paths * steps at most {_MAX_POINTS:,}"
        )
    return shape


def _rng(seed: SeedLike) -> np.random.Generator:
    """Turn ``seed`` into a Generator, rejecting what numpy cannot use."""
    if isinstance(seed, bool):
        raise MarginInputError(f"seed must be None, a whole number or a numpy Generator, "
                               f"got {seed!r}")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise MarginInputError(
            f"seed must be None, a non-negative whole number or a numpy Generator, got {seed!r}"
        ) from None


def _step_of(at: Any, steps: int, what: str) -> int:
    """Resolve ``at`` (an int step index, or a float fraction of the path) to a step index."""
    if isinstance(at, bool):
        raise MarginInputError(f"{what} must be a step index or a fraction, got {at!r}")
    if isinstance(at, int | np.integer):
        k = int(at)
        if not 0 <= k <= steps - 1:
            raise MarginInputError(
                f"{what} = {k} is outside the path: step indices run from 0 to {steps - 1}"
            )
        return k
    if isinstance(at, float | np.floating):
        f = float(at)
        if not (math.isfinite(f) and 0.0 <= f <= 1.0):
            raise MarginInputError(
                f"{what} = {f:g} as a fraction must be between 0 and 1 "
                f"(pass an int such as {int(f) if math.isfinite(f) else 0} for a step index)"
            )
        return int(math.floor(f * (steps - 1) + 0.5))
    raise MarginInputError(f"{what} must be a step index (int) or a fraction (float), got {at!r}")


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    """Flat index of the first True in ``mask``, or None."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _where(shape: tuple[int, ...], flat: int) -> str:
    """Describe a flat position as 'step t' or 'step t of path i'."""
    if len(shape) == 1:
        return f"step {flat}"
    i, t = divmod(flat, shape[-1])
    return f"step {t} of path {i}"


def _checked(out: FloatArray, cause: str) -> FloatArray:
    """Make sure a simulated path stayed finite and positive (overflow / underflow guard)."""
    if not (out.min() > 0.0 and np.isfinite(out.max())):
        raise MarginInputError(
            f"the simulated prices left the range a computer can store ({cause}); "
            "use a smaller volatility, fewer steps or a shorter time step"
        )
    return out


def _prices_from_log_steps(start: float, steps: FloatArray, one_path: bool) -> FloatArray:
    """Turn log steps in columns 1.. of ``steps`` into ``start * exp(cumsum)``, in place.

    Column 0 is overwritten with 0 so that every path starts at exactly ``start``. Working in
    one buffer keeps a 10,000 x 1,000 fan at 80 MB and a few tenths of a second.
    """
    steps[:, 0] = 0.0
    np.cumsum(steps, axis=1, out=steps)
    with np.errstate(over="ignore", under="ignore"):
        np.exp(steps, out=steps)
        steps *= start
    _checked(steps, "overflow or underflow")
    return steps[0] if one_path else steps


# ---------------------------------------------------------------------------------------------
# the shared validator


def validate_path(prices: npt.ArrayLike, what: str = "price path") -> FloatArray:
    """Check a price path and return it as a C-contiguous float64 array.

    Parameters
    ----------
    prices : array_like
        Shape ``(T,)`` for one path or ``(n_paths, T)`` for many.
    what : str
        How to name the array in an error message (``"mark path"``, ``"base path"``...).

    Returns
    -------
    numpy.ndarray
        The same numbers, float64 and C-contiguous (no copy when they already are).

    Raises
    ------
    MarginInputError
        If the array is not 1-D or 2-D, has fewer than 2 steps, or holds a value that is not
        a finite positive number; the message names the first offending step (and path).

    Notes
    -----
    A price path must satisfy ``0 < p[t] < inf`` for every step ``t``, and ``T >= 2`` so that
    there is at least one move. Log returns ``log(p[t+1] / p[t])`` are then always defined.

    Examples
    --------
    >>> validate_path([100, 101, 99]).dtype
    dtype('float64')
    >>> validate_path([100, -1, 99])
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: price path must be positive: found -1 at step 1
    """
    if isinstance(prices, str | bytes):
        raise MarginInputError(f"{what} must be an array of numbers, got text")
    if np.iscomplexobj(prices):
        raise MarginInputError(f"{what} must hold real numbers, not complex ones")
    try:
        arr = np.asarray(prices, dtype=np.float64)
    except (TypeError, ValueError):
        raise MarginInputError(f"{what} must be an array of numbers") from None
    if arr.ndim not in (1, 2):
        raise MarginInputError(
            f"{what} must have shape (T,) for one path or (n_paths, T) for many, "
            f"got shape {arr.shape}"
        )
    arr = np.ascontiguousarray(arr)  # after the ndim check: this would turn a scalar into 1-D
    if arr.ndim == 2 and arr.shape[0] == 0:
        raise MarginInputError(f"{what} holds no paths (shape {arr.shape})")
    if arr.shape[-1] < 2:
        raise MarginInputError(
            f"{what} needs at least 2 steps to show a move, got {arr.shape[-1]}"
        )
    bad = _first(~np.isfinite(arr))
    if bad is not None:
        value = arr.flat[bad]
        kind = "NaN (not a number)" if value != value else f"{value:g}"
        raise MarginInputError(
            f"{what} must be finite: found {kind} at {_where(arr.shape, bad)}"
        )
    bad = _first(arr <= 0.0)
    if bad is not None:
        raise MarginInputError(
            f"{what} must be positive: found {arr.flat[bad]:g} at {_where(arr.shape, bad)}"
        )
    return arr
