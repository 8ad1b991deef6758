"""Mark-price paths: build them, simulate them, load them, check them.

A *path* is what the margin engine walks along: a float64 array of MARK prices, shape ``(T,)``
for one path or ``(n_paths, T)`` for a fan of many, C-contiguous, every entry finite and strictly
positive. Step ``t`` is one tick of the clock (an hour by default for the simulators).

Hand-made shapes teach one idea at a time:

* :func:`constant` and :func:`linear` -- a flat market, a steady slide;
* :func:`piecewise` -- straight segments through points a learner drags on a chart;
* :func:`shock` -- a sudden drop or spike, optionally half taken back.

Random shapes teach what leverage does under uncertainty:

* :func:`gbm` -- geometric Brownian motion. The log price moves by independent normal steps,

      log S[t+1] - log S[t] = (mu - sigma**2 / 2) * dt + sigma * sqrt(dt) * Z[t],  Z ~ N(0, 1),

  so every price stays positive and the *median* price grows at ``mu - sigma**2/2`` a year while
  the *mean* price grows at ``mu``: with high volatility most paths end below the average one.
* :func:`jumps` -- the same with Poisson-timed, log-normal jumps (Merton): crypto moves in gaps,
  and a gap can jump straight past a liquidation price to the bankruptcy price.

The engine liquidates on the MARK price. :func:`with_wicks` turns a mark path into a LAST-price
path with brief wicks, to show a wick on the traded price that does *not* liquidate anybody.

Real data comes in through :func:`load_csv` / :func:`parse_csv_text` (``timestamp,price``) and
:func:`from_pandas`; both reject bad rows with the line (or row) at fault. :func:`example_dataset`
builds small synthetic datasets shaped like real episodes, with no download.

Every generator takes ``seed`` (``None``, an ``int`` or a :class:`numpy.random.Generator`) and
draws from ``numpy.random.default_rng(seed)``, so a lesson shows the same path every time.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import (
    MarginInputError,
    UnknownNameError,
    finite_number,
    in_range,
    nonnegative_finite,
    positive_finite,
    whole_number,
)

__all__ = [
    "EXAMPLE_DATASETS",
    "constant",
    "example_dataset",
    "from_pandas",
    "gbm",
    "jumps",
    "linear",
    "load_csv",
    "parse_csv_text",
    "piecewise",
    "shock",
    "validate_path",
    "with_wicks",
]

FloatArray = npt.NDArray[np.float64]
SeedLike = int | np.random.Generator | None

HOUR = 1.0 / (365 * 24)
"""One hour in years: the default time step of the simulators."""

# Ceilings that turn a frozen kernel into a clear message. Read at call time (tests patch them).
_MAX_POINTS = 50_000_000  # n_paths * steps: 400 MB of float64
_MAX_CSV_BYTES = 50 * 1024 * 1024
_MAX_CSV_ROWS = 5_000_000

_TIME_NAMES = ("timestamp", "time", "datetime", "date")
_PRICE_NAMES = ("mark", "price", "close")  # order of preference when several are present
_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)


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


# ---------------------------------------------------------------------------------------------
# hand-made shapes


def constant(price: float, steps: int, n_paths: int | None = None) -> FloatArray:
    """A flat market: the same price at every step.

    Parameters
    ----------
    price : float
        The price, finite and positive.
    steps : int
        Number of prices ``T`` (at least 2).
    n_paths : int or None
        ``None`` for one path of shape ``(T,)``; otherwise shape ``(n_paths, T)``.

    Returns
    -------
    numpy.ndarray
        float64 path.

    Notes
    -----
    ``p[t] = price`` for ``t = 0 .. T-1``. With a flat mark only fees and funding move equity.

    Examples
    --------
    >>> constant(60_000, 3).tolist()
    [60000.0, 60000.0, 60000.0]
    >>> constant(1, 4, n_paths=2).shape
    (2, 4)
    """
    p = positive_finite(price, "price")
    return np.full(_shape(steps, n_paths), p, dtype=np.float64)


def linear(start: float, end: float, steps: int, n_paths: int | None = None) -> FloatArray:
    """A steady ramp from ``start`` to ``end``, both included.

    Parameters
    ----------
    start, end : float
        First and last price, finite and positive.
    steps : int
        Number of prices ``T`` (at least 2).
    n_paths : int or None
        ``None`` for shape ``(T,)``; otherwise ``(n_paths, T)`` with identical rows.

    Returns
    -------
    numpy.ndarray
        float64 path with ``p[0] == start`` and ``p[-1] == end`` exactly.

    Notes
    -----
    ``p[t] = start + (end - start) * t / (T - 1)``: equal price steps, not equal returns,
    which is the simplest story of a position sliding towards its liquidation price.

    Examples
    --------
    >>> linear(60_000, 52_000, 5).tolist()
    [60000.0, 58000.0, 56000.0, 54000.0, 52000.0]
    """
    a = positive_finite(start, "start price")
    b = positive_finite(end, "end price")
    shape = _shape(steps, n_paths)
    ramp = np.linspace(a, b, shape[-1], dtype=np.float64)
    return ramp if len(shape) == 1 else np.tile(ramp, (shape[0], 1))


def piecewise(
    points: Sequence[tuple[float, float]] | npt.ArrayLike,
    steps: int,
    *,
    as_fraction: bool = False,
) -> FloatArray:
    """Straight segments through control points, as a learner drags them on a chart.

    Parameters
    ----------
    points : sequence of (x, price)
        Control points in any order. ``x`` is a step index in ``[0, steps-1]`` (a whole
        number), or with ``as_fraction=True`` a fraction of the path in ``[0, 1]``.
        Prices must be finite and positive. Two points may not share the same ``x``.
    steps : int
        Number of prices ``T`` (at least 2).
    as_fraction : bool
        Read ``x`` as a fraction of the path (``x * (T-1)`` steps) instead of a step index.

    Returns
    -------
    numpy.ndarray
        float64 path of shape ``(T,)``.

    Notes
    -----
    With the points sorted so that ``x_0 < x_1 < ... < x_k``,
    ``p[t] = p_i + (p_{i+1} - p_i) * (t - x_i) / (x_{i+1} - x_i)`` for ``x_i <= t <= x_{i+1}``,
    ``p[t] = p_0`` before ``x_0`` and ``p[t] = p_k`` after ``x_k``. The path passes exactly
    through every control point that sits on a step (always so for step indices).

    Examples
    --------
    >>> piecewise([(1, 100), (3, 80)], 6).tolist()
    [100.0, 100.0, 90.0, 80.0, 80.0, 80.0]
    >>> piecewise([(0.0, 100), (1.0, 50)], 3, as_fraction=True).tolist()
    [100.0, 75.0, 50.0]
    """
    t = _count(steps, "steps (the number of prices in the path)", 2)
    try:
        rows: Any = points  # a list of pairs or a (k, 2) array: anything that iterates
        pts = [tuple(p) for p in rows]
    except TypeError:
        raise MarginInputError("points must be a list of (step, price) pairs") from None
    if not pts:
        raise MarginInputError("piecewise needs at least one (step, price) control point")
    xs: list[float] = []
    ps: list[float] = []
    for i, pair in enumerate(pts):
        if len(pair) != 2:
            raise MarginInputError(
                f"control point {i} must be a (step, price) pair, got {pair!r}"
            )
        x_raw, p_raw = pair
        if as_fraction:
            x = _between(x_raw, f"the position of control point {i} (a fraction)", 0.0, 1.0)
            x *= t - 1
        else:
            if isinstance(x_raw, float | np.floating) and not float(x_raw).is_integer():
                raise MarginInputError(
                    f"control point {i} is at step {float(x_raw):g}; steps are whole numbers "
                    "(pass as_fraction=True to give positions as fractions of the path)"
                )
            x = float(_count(x_raw, f"the step of control point {i}", 0))
            if x > t - 1:
                raise MarginInputError(
                    f"control point {i} is at step {int(x)}, past the last step {t - 1}"
                )
        xs.append(x)
        ps.append(positive_finite(p_raw, f"the price of control point {i}"))
    order = np.argsort(np.asarray(xs), kind="stable")
    x_sorted = np.asarray(xs, dtype=np.float64)[order]
    p_sorted = np.asarray(ps, dtype=np.float64)[order]
    dup = _first(np.diff(x_sorted) == 0.0)
    if dup is not None:
        where = x_sorted[dup] / (t - 1) if as_fraction else x_sorted[dup]
        raise MarginInputError(f"two control points sit at the same position {where:g}; "
                               "move one of them")
    return np.interp(np.arange(t, dtype=np.float64), x_sorted, p_sorted)


def shock(
    start: float | None,
    steps: int | None,
    *,
    at: int | float,
    size: float,
    recovery: float = 0.0,
    recovery_steps: int = 0,
    base: npt.ArrayLike | None = None,
) -> FloatArray:
    """A sudden drop or spike at one step, optionally partly taken back.

    Parameters
    ----------
    start : float or None
        Price before the shock. With ``base`` it may be ``None``; if given it must equal the
        first price of every base path.
    steps : int or None
        Number of prices ``T``. With ``base`` it may be ``None``; if given it must match.
    at : int or float
        Step of the shock: an ``int`` is a step index in ``[0, T-1]``, a ``float`` a fraction of
        the path in ``[0, 1]`` (rounded to the nearest step).
    size : float
        Relative move at ``at``: ``-0.2`` is a 20 % drop, ``0.5`` a 50 % spike. Must be > -1.
    recovery : float
        Fraction of the move taken back afterwards, in ``[0, 1]``: ``0.5`` after a -20 % drop
        ends 10 % below the pre-shock level.
    recovery_steps : int
        Over how many steps after ``at`` the recovery happens (linearly); at least 1 when
        ``recovery > 0``. A recovery cut off by the end of the path stops where the path ends.
    base : array_like or None
        An existing path ``(T,)`` or ``(n, T)`` to shock multiplicatively; default is a flat
        path at ``start``.

    Returns
    -------
    numpy.ndarray
        float64 path, shape ``(T,)`` or that of ``base``.

    Notes
    -----
    ``p[t] = base[t] * f[t]`` with the factor ``f[t] = 1`` before ``at``,
    ``f[t] = 1 + size * (1 - recovery * k / recovery_steps)`` at ``t = at + k`` for
    ``0 <= k <= recovery_steps``, and ``f[t] = 1 + size * (1 - recovery)`` afterwards.
    So on a flat base ``p[at] / p[at-1] - 1 == size``.

    Examples
    --------
    >>> shock(100, 6, at=2, size=-0.2).tolist()
    [100.0, 100.0, 80.0, 80.0, 80.0, 80.0]
    >>> shock(100, 6, at=2, size=-0.2, recovery=0.5, recovery_steps=2).tolist()
    [100.0, 100.0, 80.0, 85.0, 90.0, 90.0]
    """
    if base is None:
        if start is None or steps is None:
            raise MarginInputError("shock needs a start price and a number of steps "
                                   "(or a base path to shock)")
        path = np.full(_shape(steps, None), positive_finite(start, "start price"))
    else:
        path = validate_path(base, "base path")
        if steps is not None:
            t = _count(steps, "steps (the number of prices in the path)", 2)
            if t != path.shape[-1]:
                raise MarginInputError(
                    f"steps = {t} does not match the base path, which has {path.shape[-1]}"
                )
        if start is not None:
            s0 = positive_finite(start, "start price")
            first = path[..., 0]
            if not np.allclose(first, s0, rtol=1e-9, atol=0.0):
                raise MarginInputError(
                    f"start = {s0:g} does not match the first price of the base path "
                    f"({np.ravel(first)[0]:g}); pass start=None to shock the base as it is"
                )
    t = path.shape[-1]
    k = _step_of(at, t, "at")
    s = _finite(size, "size")
    if s <= -1.0:
        raise MarginInputError(
            f"size = {s:g} would take the price to zero or below; a drop must be above -1 "
            "(-0.2 means -20 %)"
        )
    r = _between(recovery, "recovery", 0.0, 1.0)
    n_rec = _count(recovery_steps, "recovery_steps", 0)
    if r > 0.0 and n_rec == 0:
        raise MarginInputError("a recovery needs recovery_steps of at least 1 "
                               "(the number of steps it takes)")
    factor = np.ones(t, dtype=np.float64)
    factor[k:] = 1.0 + s
    if r > 0.0:
        j = np.arange(1, n_rec + 1)
        inside = k + j < t
        factor[k + j[inside]] = 1.0 + s * (1.0 - r * (j[inside] / n_rec))
        factor[k + n_rec + 1:] = 1.0 + s * (1.0 - r)
    out = np.ascontiguousarray(path * factor)
    return _checked(out, "the shock is too large")


# ---------------------------------------------------------------------------------------------
# random paths


def gbm(
    start: float,
    steps: int,
    *,
    drift: float = 0.0,
    volatility: float = 0.6,
    dt: float = HOUR,
    n_paths: int | None = None,
    seed: SeedLike = None,
) -> FloatArray:
    """Geometric Brownian motion: random prices that stay positive.

    Parameters
    ----------
    start : float
        First price; ``p[..., 0] == start`` exactly.
    steps : int
        Number of prices ``T`` (at least 2), so ``T - 1`` random moves.
    drift : float
        Annualised drift ``mu`` (0.1 is +10 % a year on average).
    volatility : float
        Annualised volatility ``sigma`` (0.6 is typical for bitcoin), at least 0.
    dt : float
        Years per step; the default is one hour, ``1 / (365 * 24)``.
    n_paths : int or None
        ``None`` for shape ``(T,)``; otherwise ``(n_paths, T)``.
    seed : None, int or numpy.random.Generator
        Seed for ``numpy.random.default_rng``; the same seed gives the same paths.

    Returns
    -------
    numpy.ndarray
        float64 paths.

    Raises
    ------
    MarginInputError
        On a bad argument, or if the prices leave the float range (absurd volatility).

    Notes
    -----
    Exact log-normal steps, with ``Z[t]`` independent standard normals::

        p[t+1] = p[t] * exp((mu - sigma**2 / 2) * dt + sigma * sqrt(dt) * Z[t])

    computed at once as ``start * exp(cumsum(log steps))``. Log returns have mean
    ``(mu - sigma**2/2) dt`` and standard deviation ``sigma sqrt(dt)``;
    ``E[p[t]] = start * exp(mu t dt)``.

    Examples
    --------
    >>> paths = gbm(60_000, 24, n_paths=1000, seed=7)
    >>> paths.shape, bool((paths[:, 0] == 60_000).all()), bool((paths > 0).all())
    ((1000, 24), True, True)
    >>> gbm(100, 3, volatility=0.0).tolist()
    [100.0, 100.0, 100.0]
    """
    s0 = positive_finite(start, "start price")
    mu = _finite(drift, "drift")
    sigma = nonnegative_finite(volatility, "volatility")
    step = positive_finite(dt, "dt (years per step)")
    shape = _shape(steps, n_paths)
    rows = 1 if len(shape) == 1 else shape[0]
    rng = _rng(seed)
    # Normals fill the whole (rows, T) buffer; column 0 is then zeroed (start is exact).
    out = np.empty((rows, shape[-1]), dtype=np.float64)
    rng.standard_normal(out=out)
    out *= sigma * math.sqrt(step)
    out += (mu - 0.5 * sigma * sigma) * step
    return _prices_from_log_steps(s0, out, one_path=len(shape) == 1)


def jumps(
    start: float,
    steps: int,
    *,
    intensity: float,
    jump_mean: float,
    jump_std: float,
    volatility: float = 0.0,
    drift: float = 0.0,
    compensate: bool = False,
    dt: float = HOUR,
    n_paths: int | None = None,
    seed: SeedLike = None,
) -> FloatArray:
    """Merton jump diffusion: a Brownian wiggle plus sudden log-normal gaps.

    Parameters
    ----------
    start : float
        First price; ``p[..., 0] == start`` exactly.
    steps : int
        Number of prices ``T`` (at least 2).
    intensity : float
        Expected number of jumps per YEAR, ``lambda`` (with hourly steps, ``12`` is about one
        jump a month), at least 0.
    jump_mean : float
        Mean ``m`` of the log jump ``Y``: the price is multiplied by ``exp(Y)``, so ``-0.1``
        is a typical drop of about 9.5 %.
    jump_std : float
        Standard deviation ``s`` of the log jump, at least 0.
    volatility : float
        Annualised volatility ``sigma`` of the diffusion between jumps (0 = jumps only).
    drift : float
        Annualised drift ``mu`` of the diffusion.
    compensate : bool
        If True, subtract ``lambda * k * dt`` from each step, ``k = exp(m + s**2/2) - 1``,
        so that jumps do not change the mean price: ``E[p[t]] = start * exp(mu t dt)``.
        By default they do (negative jumps drag the mean down).
    dt : float
        Years per step; default one hour.
    n_paths : int or None
        ``None`` for shape ``(T,)``; otherwise ``(n_paths, T)``.
    seed : None, int or numpy.random.Generator
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray
        float64 paths.

    Notes
    -----
    Per step, with ``N[t] ~ Poisson(lambda dt)`` jumps and ``Y_j ~ Normal(m, s**2)``::

        log p[t+1] - log p[t] = (mu - sigma**2/2 - c) dt + sigma sqrt(dt) Z[t] + Y_1 + ... + Y_N

    where ``c = lambda * k`` if ``compensate`` else 0. The sum of ``N`` normal jumps is drawn
    in one go as ``N m + sqrt(N) s Z'``, only where ``N > 0``.

    Examples
    --------
    >>> p = jumps(100, 50, intensity=100.0, jump_mean=-0.05, jump_std=0.02, n_paths=4, seed=3)
    >>> p.shape, bool((p[:, 0] == 100).all())
    ((4, 50), True)
    >>> jumps(100, 3, intensity=0.0, jump_mean=-0.1, jump_std=0.0).tolist()
    [100.0, 100.0, 100.0]
    """
    s0 = positive_finite(start, "start price")
    lam = nonnegative_finite(intensity, "intensity (jumps per year)")
    m = _finite(jump_mean, "jump_mean")
    s = nonnegative_finite(jump_std, "jump_std")
    sigma = nonnegative_finite(volatility, "volatility")
    mu = _finite(drift, "drift")
    step = positive_finite(dt, "dt (years per step)")
    shape = _shape(steps, n_paths)
    rows = 1 if len(shape) == 1 else shape[0]
    comp = lam * math.expm1(m + 0.5 * s * s) if compensate else 0.0
    if not math.isfinite(comp):
        raise MarginInputError("jump_mean and jump_std are too large to compensate")
    rng = _rng(seed)
    out = np.empty((rows, shape[-1]), dtype=np.float64)
    rng.standard_normal(out=out)
    out *= sigma * math.sqrt(step)
    out += (mu - 0.5 * sigma * sigma - comp) * step
    counts = rng.poisson(lam * step, size=out.shape)
    counts[:, 0] = 0  # column 0 is the start price, not a move
    flat_counts = counts.reshape(-1)
    hit = np.flatnonzero(flat_counts)
    if hit.size:
        n = flat_counts[hit].astype(np.float64)
        out.reshape(-1)[hit] += n * m + np.sqrt(n) * s * rng.standard_normal(hit.size)
    return _prices_from_log_steps(s0, out, one_path=len(shape) == 1)


def with_wicks(
    mark: npt.ArrayLike,
    *,
    size: float = 0.01,
    probability: float = 0.02,
    noise: float = 0.0002,
    seed: SeedLike = None,
) -> FloatArray:
    """A LAST-price path: the mark plus brief wicks and a little noise.

    Exchanges liquidate on the MARK price (an index of several spot venues), not on the last
    traded price, so a one-step wick on the last price does not liquidate a position whose
    mark stays above its liquidation price. This builds that last-price path.

    Parameters
    ----------
    mark : array_like
        Mark path, shape ``(T,)`` or ``(n, T)``.
    size : float
        Largest relative wick, in ``[0, 1)``; each wick is between ``size/2`` and ``size``.
    probability : float
        Chance that a given step is a wick, in ``[0, 1]``.
    noise : float
        Bound of the everyday gap between last and mark, in ``[0, 1)`` (default 2 bp).
    seed : None, int or numpy.random.Generator
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray
        float64 last-price path, same shape as ``mark``.

    Notes
    -----
    ``last[t] = mark[t] * (1 + e[t])`` with ``e[t] ~ Uniform(-noise, noise)`` on ordinary steps
    and, on a wick step (probability ``probability``), ``e[t] = d[t] * u[t] * size`` with a
    random sign ``d[t] = +-1`` and ``u[t] ~ Uniform(1/2, 1)``. Wicks last one step. When
    ``noise < size / 2`` every wick stands out from the noise.

    Examples
    --------
    >>> mark = constant(60_000, 1000)
    >>> last = with_wicks(mark, size=0.05, seed=1)
    >>> last.shape, bool((abs(last / mark - 1) <= 0.05).all())
    ((1000,), True)
    """
    m = validate_path(mark, "mark path")
    wick = nonnegative_finite(size, "size (largest wick)")
    if wick >= 1.0:
        raise MarginInputError(f"size = {wick:g} would let a wick reach zero; keep it below 1")
    prob = _between(probability, "probability", 0.0, 1.0)
    eps = nonnegative_finite(noise, "noise")
    if eps >= 1.0:
        raise MarginInputError(f"noise = {eps:g} is too large; keep it below 1 (0.0002 is 2 bp)")
    rng = _rng(seed)
    rel = rng.uniform(-eps, eps, size=m.shape)
    is_wick = rng.random(m.shape) < prob
    k = int(is_wick.sum())
    if k:
        sign = np.where(rng.random(k) < 0.5, -1.0, 1.0)
        rel[is_wick] = sign * rng.uniform(0.5, 1.0, size=k) * wick
    return np.ascontiguousarray(m * (1.0 + rel))


# ---------------------------------------------------------------------------------------------
# loading data


def _parse_iso(text: str) -> int:
    """Parse an ISO-8601 timestamp to whole seconds since 1970 (UTC if it has an offset)."""
    dt = datetime.fromisoformat(text.strip())
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return (dt - _EPOCH) // _SECOND


def _pick_column(names: Sequence[str], wanted: str | None,
                 candidates: tuple[str, ...]) -> int | None:
    """Index of the column for ``kind`` (case-insensitive), or None if absent."""
    lowered = [str(n).strip().lower() for n in names]
    if wanted is not None:
        w = wanted.strip().lower()
        return lowered.index(w) if w in lowered else None
    for c in candidates:
        if c in lowered:
            return lowered.index(c)
    return None


def _columns_message(names: Sequence[str], what: str, wanted: str | None,
                     candidates: tuple[str, ...]) -> str:
    found = ", ".join(repr(str(n).strip()) for n in names) or "nothing"
    if wanted is not None:
        return f"no {what} column named {wanted!r} (found: {found})"
    options = ", ".join(repr(c) for c in candidates)
    return f"no {what} column; name it one of {options} (found: {found})"


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_csv_text(
    text_or_bytes: str | bytes | bytearray | memoryview,
    *,
    price_column: str | None = None,
    max_rows: int | None = None,
) -> tuple[npt.NDArray[Any], FloatArray]:
    r"""Read CSV text (or the raw bytes of an upload) into timestamps and prices.

    Parameters
    ----------
    text_or_bytes : str or bytes
        The whole CSV: a header line, then one row per price. Bytes are decoded as UTF-8
        (a byte-order mark is fine).
    price_column : str or None
        Name of the price column; by default the first of ``mark``, ``price``, ``close`` that
        is present. The timestamp column is ``timestamp`` (or ``time``, ``datetime``,
        ``date``). Names are case-insensitive; other columns are ignored.
    max_rows : int or None
        Most price rows accepted (default and ceiling 5,000,000); a caller that can use
        fewer (a scenario holds at most 1,000,000 steps) refuses a longer file early.

    Returns
    -------
    timestamps : numpy.ndarray
        ``datetime64[s]`` if the timestamps are ISO-8601 (offsets are converted to UTC, fractions
        of a second dropped), or float64 if they are plain numbers (kept as they are).
    prices : numpy.ndarray
        float64, shape ``(T,)``, every price finite and positive.

    Raises
    ------
    MarginInputError
        With the 1-based line number (the header is line 1) of the first offending line: a
        missing, non-numeric, NaN, infinite, zero or negative price; an unreadable timestamp;
        a timestamp not strictly after the previous one; a missing column; fewer than 2 rows;
        more than 5,000,000 rows. Also for text over 50 MB.

    Notes
    -----
    Blank lines are skipped but still counted. Timestamps are all ISO-8601 or all numbers,
    decided by the first row; they must satisfy ``t[i] < t[i+1]``.

    Examples
    --------
    >>> ts, p = parse_csv_text("timestamp,price\n2021-05-10T00:00:00,58000\n"
    ...                        "2021-05-10T01:00:00,57500.5\n")
    >>> str(ts.dtype), p.tolist()
    ('datetime64[s]', [58000.0, 57500.5])
    >>> parse_csv_text("time,close\n1,100\n2,-5\n")
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: line 3: the price must be positive, got -5
    """
    limit = _MAX_CSV_BYTES
    if isinstance(text_or_bytes, bytes | bytearray | memoryview):
        data = bytes(text_or_bytes)
        if len(data) > limit:
            raise MarginInputError(_too_big(len(data)))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise MarginInputError(
                f"line {line}: the file is not UTF-8 text (save it as CSV UTF-8)"
            ) from None
    elif isinstance(text_or_bytes, str):
        text = text_or_bytes
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
        if size > limit:
            raise MarginInputError(_too_big(size))
        text = text.removeprefix("\ufeff")
    else:
        raise MarginInputError(
            f"expected the CSV as text or bytes, got {type(text_or_bytes).__name__}"
        )
    return _parse_rows(text, price_column, _row_limit(max_rows))


def _row_limit(max_rows: int | None) -> int:
    if max_rows is None:
        return _MAX_CSV_ROWS
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 2:
        raise MarginInputError(f"max_rows must be a whole number of at least 2, got {max_rows!r}")
    return min(max_rows, _MAX_CSV_ROWS)


def _too_big(size: int) -> str:
    return (f"the CSV is {size / 1024**2:.1f} MB; the limit is {_MAX_CSV_BYTES / 1024**2:g} MB "
            "(resample it to fewer rows first)")


def _parse_rows(text: str, price_column: str | None,
                max_rows: int = _MAX_CSV_ROWS) -> tuple[npt.NDArray[Any], FloatArray]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    t_col = p_col = 0
    numeric: bool | None = None
    stamps: list[Any] = []
    prices: list[float] = []
    prev_line = 0
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                t_found = _pick_column(row, None, _TIME_NAMES)
                p_found = _pick_column(row, price_column, _PRICE_NAMES)
                if t_found is None or p_found is None:
                    if (t_found is None and p_found is None and len(row) >= 2
                            and _looks_numeric(row[1])):
                        raise MarginInputError(
                            f"line {line}: this looks like data, not a header; the first line "
                            "must name the columns, e.g. 'timestamp,price'"
                        )
                    what, wanted, cands = (("timestamp", None, _TIME_NAMES) if t_found is None
                                           else ("price", price_column, _PRICE_NAMES))
                    raise MarginInputError(
                        f"line {line}: {_columns_message(row, what, wanted, cands)}"
                    )
                if t_found == p_found:
                    raise MarginInputError(
                        f"line {line}: the timestamp and price must be different columns"
                    )
                t_col, p_col = t_found, p_found
                continue
            if len(prices) >= max_rows:
                raise MarginInputError(
                    f"line {line}: more than {max_rows:,} rows; resample the data first"
                )
            # price
            cell = row[p_col].strip() if p_col < len(row) else ""
            if not cell:
                raise MarginInputError(f"line {line}: the price is missing")
            try:
                price = float(cell)
            except ValueError:
                raise MarginInputError(
                    f"line {line}: the price {cell!r} is not a number "
                    "(write it like 58000.5, without thousands separators or currency signs)"
                ) from None
            if math.isnan(price):
                raise MarginInputError(f"line {line}: the price is NaN (not a number)")
            if math.isinf(price):
                raise MarginInputError(f"line {line}: the price must be finite, got {cell!r}")
            if price <= 0.0:
                raise MarginInputError(f"line {line}: the price must be positive, got {cell}")
            # timestamp
            raw = row[t_col].strip() if t_col < len(row) else ""
            if not raw:
                raise MarginInputError(f"line {line}: the timestamp is missing")
            if numeric is None:
                numeric = _looks_numeric(raw)
            stamp: float | int
            try:
                stamp = float(raw) if numeric else _parse_iso(raw)
            except (ValueError, OverflowError):
                kind = ("a number like the timestamps above" if numeric else
                        "an ISO-8601 time like 2021-05-10T00:00:00 (or a plain number)")
                raise MarginInputError(
                    f"line {line}: cannot read the timestamp {raw!r}; expected {kind}"
                ) from None
            if numeric and not math.isfinite(stamp):
                raise MarginInputError(f"line {line}: the timestamp must be finite, got {raw!r}")
            if stamps and stamp <= stamps[-1]:
                how = "repeats" if stamp == stamps[-1] else "is earlier than"
                note = "" if numeric else " (timestamps are kept to the second)"
                raise MarginInputError(
                    f"line {line}: the timestamp {raw!r} {how} the one on line {prev_line}; "
                    f"timestamps must strictly increase{note}"
                )
            stamps.append(stamp)
            prices.append(price)
            prev_line = line
    except csv.Error as exc:
        raise MarginInputError(f"line {reader.line_num}: cannot read this CSV line ({exc})") \
            from None
    if header is None:
        raise MarginInputError("line 1: the file is empty; expected a header like "
                               "'timestamp,price' and at least 2 rows")
    if len(prices) < 2:
        where = prev_line if prices else line
        raise MarginInputError(
            f"line {where}: only {len(prices)} price row(s); a path needs at least 2"
        )
    p = np.asarray(prices, dtype=np.float64)
    if numeric:
        return np.asarray(stamps, dtype=np.float64), p
    return np.asarray(stamps, dtype=np.int64).astype("datetime64[s]"), p


def load_csv(
    path_or_file: str | os.PathLike[str] | bytes | io.IOBase | Any,
    *,
    price_column: str | None = None,
    max_rows: int | None = None,
) -> tuple[npt.NDArray[Any], FloatArray]:
    r"""Load a ``timestamp,price`` CSV file into timestamps and prices.

    Parameters
    ----------
    path_or_file : str, path-like, bytes or file object
        A file path; an open file (text or binary, e.g. ``io.StringIO``); or the raw bytes of
        an upload. A ``str`` that contains a line break is read as CSV text, not as a path.
    price_column : str or None
        Name of the price column; by default ``mark``, ``price`` or ``close``.
    max_rows : int or None
        Most price rows accepted (default and ceiling 5,000,000).

    Returns
    -------
    timestamps : numpy.ndarray
        ``datetime64[s]`` (ISO-8601 timestamps) or float64 (numeric timestamps).
    prices : numpy.ndarray
        float64 prices, finite and positive.

    Raises
    ------
    MarginInputError
        If the file cannot be read or holds over 50 MB (at most 50 MB and one byte are
        read, so a device such as ``/dev/zero`` is refused too), or for any bad line, as in
        :func:`parse_csv_text` (which does the parsing and names the 1-based line).

    Notes
    -----
    The header is line 1, so the first price is on line 2. Checks per row: ``0 < price < inf``
    and ``t[i-1] < t[i]``; then ``2 <= rows <= 5,000,000``.

    Examples
    --------
    >>> ts, p = load_csv(io.StringIO("timestamp,mark\n0,100\n3600,101\n"))
    >>> ts.tolist(), p.tolist()
    ([0.0, 3600.0], [100.0, 101.0])
    """
    limit = _MAX_CSV_BYTES
    data: str | bytes
    if isinstance(path_or_file, bytes | bytearray | memoryview):
        data = bytes(path_or_file)
    elif isinstance(path_or_file, str) and ("\n" in path_or_file or "\r" in path_or_file):
        data = path_or_file
    elif isinstance(path_or_file, str | os.PathLike):
        path = Path(path_or_file)
        try:
            size = path.stat().st_size
            if size > limit:
                raise MarginInputError(_too_big(size))
            # read at most one byte past the limit: a device or pipe (/dev/zero) reports a
            # size of 0 and never ends
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
            if len(data) > limit:
                raise MarginInputError(
                    f"the file {str(path)[:200]!r} holds more than "
                    f"{limit / 1024**2:g} MB; the limit is {limit / 1024**2:g} MB "
                    "(resample it to fewer rows first)")
        except OSError as exc:
            raise MarginInputError(
                f"cannot read the file {str(path)!r}: {exc.strerror or exc}"
            ) from None
    elif hasattr(path_or_file, "read"):
        data = path_or_file.read(limit + 1)
        if not isinstance(data, str | bytes):
            raise MarginInputError("the file object did not return text or bytes")
        if len(data) > limit:  # also for a reader that ignores the size it is given
            raise MarginInputError(
                f"the file holds more than {limit / 1024**2:g} MB; the limit is "
                f"{limit / 1024**2:g} MB (resample it to fewer rows first)")
    else:
        raise MarginInputError(
            f"load_csv needs a file path, an open file or bytes, got {type(path_or_file).__name__}"
        )
    return parse_csv_text(data, price_column=price_column, max_rows=max_rows)


def _pandas_stamp(value: Any) -> int:
    """Seconds since 1970 from one timestamp-like value of an object index."""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError("NaT")
        return int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return (value - _EPOCH) // _SECOND
    return _parse_iso(str(value))


def from_pandas(
    obj: Any, *, price_column: str | None = None
) -> tuple[npt.NDArray[Any], FloatArray]:
    """Take timestamps and prices from a pandas Series or DataFrame.

    Parameters
    ----------
    obj : pandas.Series or pandas.DataFrame
        A Series of prices indexed by time, or a DataFrame with a price column (``mark``,
        ``price`` or ``close``, or ``price_column``). A DataFrame's timestamps come from a
        ``timestamp`` / ``time`` / ``datetime`` / ``date`` column if it has one, else its index.
    price_column : str or None
        Name of the DataFrame's price column (case-insensitive).

    Returns
    -------
    timestamps : numpy.ndarray
        ``datetime64[s]`` for datetimes (time zones converted to UTC) or ISO strings; float64
        for a numeric index.
    prices : numpy.ndarray
        float64 prices.

    Raises
    ------
    MarginInputError
        For a missing, non-numeric, NaN, infinite, zero or negative price, a missing or
        unreadable timestamp, timestamps not strictly increasing, fewer than 2 rows, or a
        missing price column; the message names the 0-based row position of the first bad row.

    Notes
    -----
    Same rules as :func:`parse_csv_text`: ``0 < price < inf`` and ``t[i-1] < t[i]``.
    pandas is imported only when this function runs.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([100.0, 101.0], index=pd.to_datetime(["2021-05-10", "2021-05-11"]))
    >>> ts, p = from_pandas(s)
    >>> str(ts.dtype), p.tolist()
    ('datetime64[s]', [100.0, 101.0])
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is an optional extra
        raise MarginInputError("from_pandas needs pandas: pip install 'margin_widgets[pandas]'") \
            from None
    if isinstance(obj, pd.Series):
        values = obj
        times = pd.Index(obj.index)
    elif isinstance(obj, pd.DataFrame):
        names = [str(c) for c in obj.columns]
        pcol = _pick_column(names, price_column, _PRICE_NAMES)
        if pcol is None:
            raise MarginInputError(_columns_message(names, "price", price_column, _PRICE_NAMES))
        values = obj.iloc[:, pcol]
        tcol = _pick_column(names, None, _TIME_NAMES)
        times = pd.Index(obj.iloc[:, tcol]) if tcol is not None else pd.Index(obj.index)
    else:
        raise MarginInputError(
            f"from_pandas needs a pandas Series or DataFrame, got {type(obj).__name__}"
        )
    n = len(values)
    if n < 2:
        raise MarginInputError(f"only {n} price row(s); a path needs at least 2")

    labels = obj.index

    def at(i: int) -> str:
        return f"row position {i} (index {labels[i]})"

    problems: list[tuple[int, str]] = []
    numeric_prices = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    p = numeric_prices.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = _first(~(np.isfinite(p) & (p > 0.0)))
    if bad is not None:
        raw = values.iloc[bad]
        if p[bad] != p[bad]:
            problems.append((bad, "the price is missing (NaN)" if pd.isna(raw) else
                             f"the price {str(raw)!r} is not a number"))
        elif math.isinf(p[bad]):
            problems.append((bad, f"the price must be finite, got {p[bad]:g}"))
        else:
            problems.append((bad, f"the price must be positive, got {p[bad]:g}"))

    stamps: npt.NDArray[Any]
    if pd.api.types.is_datetime64_any_dtype(times.dtype):
        if getattr(times, "tz", None) is not None:
            times = times.tz_convert("UTC").tz_localize(None)
        stamps = np.asarray(times.to_numpy()).astype("datetime64[s]")
        missing = _first(np.isnat(stamps))
        if missing is not None:
            problems.append((missing, "the timestamp is missing (NaT)"))
        numeric = False
    elif pd.api.types.is_numeric_dtype(times.dtype) and not pd.api.types.is_bool_dtype(
        times.dtype
    ):
        stamps = times.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = _first(~np.isfinite(stamps))
        if missing is not None:
            problems.append((missing, "the timestamp is missing or not finite"))
        numeric = True
    else:
        seconds = np.zeros(n, dtype=np.int64)
        missing = None
        for i, value in enumerate(times):
            try:
                seconds[i] = _pandas_stamp(value)
            except (ValueError, TypeError, OverflowError):
                missing = i
                problems.append((i, f"cannot read the timestamp {value!r}; expected an "
                                    "ISO-8601 time like 2021-05-10T00:00:00"))
                break
        stamps = seconds.astype("datetime64[s]")
        numeric = False
    upto = n if missing is None else missing
    order = stamps[:upto].astype(np.float64) if numeric else stamps[:upto].astype(np.int64)
    step_back = _first(np.diff(order) <= 0)
    if step_back is not None:
        i = step_back + 1
        how = "repeats" if order[i] == order[i - 1] else "is earlier than"
        problems.append((i, f"the timestamp {how} the previous one; timestamps must "
                            "strictly increase"))
    if problems:
        i, message = min(problems)
        raise MarginInputError(f"{at(i)}: {message}")
    return np.ascontiguousarray(stamps), np.ascontiguousarray(p)


# ---------------------------------------------------------------------------------------------
# example datasets (synthetic, generated here: nothing is downloaded or stored)


def _hourly(start: str, steps: int) -> npt.NDArray[np.datetime64]:
    return np.datetime64(start, "s") + np.arange(steps) * np.timedelta64(3600, "s")


def _btc_crash_2021() -> tuple[npt.NDArray[Any], FloatArray]:
    steps = 2000
    base = gbm(58_000.0, steps, drift=-0.5, volatility=0.7, seed=20210528)
    prices = shock(58_000.0, steps, at=1100, size=-0.30, recovery=0.4, recovery_steps=120,
                   base=base)
    return _hourly("2021-05-10T00:00:00", steps), prices


def _eth_chop() -> tuple[npt.NDArray[Any], FloatArray]:
    steps = 2000
    walk = gbm(2_100.0, steps, volatility=0.9, seed=20210701)
    # Tie the end back to the start (a Brownian bridge in log price): sideways by design.
    log_move = np.log(walk / 2_100.0)
    log_move -= np.linspace(0.0, 1.0, steps) * log_move[-1]
    return _hourly("2021-07-01T00:00:00", steps), 2_100.0 * np.exp(log_move)


_BUILDERS: dict[str, Callable[[], tuple[npt.NDArray[Any], FloatArray]]] = {
    "btc_crash_2021": _btc_crash_2021,
    "eth_chop": _eth_chop,
}

EXAMPLE_DATASETS: Mapping[str, str] = MappingProxyType({
    "btc_crash_2021": "2,000 hourly BTC marks from 2021-05-10 at 58,000: a slide, a -30 % crash "
                      "at step 1,100 and a partial rebound (synthetic)",
    "eth_chop": "2,000 hourly ETH marks from 2021-07-01 at 2,100: volatile but sideways, ending "
                "where it started (synthetic)",
})
"""Names of the built-in example datasets, each with a one-line description."""


def example_dataset(name: str = "btc_crash_2021") -> tuple[npt.NDArray[Any], FloatArray]:
    """A small built-in dataset of hourly marks, generated on the spot.

    These are SYNTHETIC paths, not market data: they are made by :func:`gbm` (and
    :func:`shock`) from a fixed seed, shaped like real episodes so that lessons have something
    familiar to look at, and they are the same on every call. Nothing is downloaded.

    Parameters
    ----------
    name : str
        One of :data:`EXAMPLE_DATASETS`:

        ``"btc_crash_2021"``
            2,000 hourly BTC marks from 2021-05-10 00:00 at 58,000, drifting down (GBM, drift
            -50 %/year, volatility 70 %), with a -30 % one-hour crash at step 1,100 that then
            takes back 40 % of the drop over 120 hours -- the shape of May 2021, not its data.
        ``"eth_chop"``
            2,000 hourly ETH marks from 2021-07-01 00:00 at 2,100: volatility 90 % with no
            trend, pinned to end at the starting price (a Brownian bridge in log price).

    Returns
    -------
    timestamps : numpy.ndarray
        ``datetime64[s]``, one per hour.
    prices : numpy.ndarray
        float64 marks, shape ``(2000,)``.

    Raises
    ------
    UnknownNameError
        For a name that is not in :data:`EXAMPLE_DATASETS`.

    Notes
    -----
    ``btc_crash_2021`` is ``shock(gbm(58000, 2000, drift=-0.5, volatility=0.7, seed=20210528),
    at=1100, size=-0.3, recovery=0.4, recovery_steps=120)``; its largest drawdown
    ``max_t (1 - p[t] / max_{s<=t} p[s])`` is well over 25 %.

    Examples
    --------
    >>> ts, p = example_dataset()
    >>> p.shape, str(ts[0]), float(p[0])
    ((2000,), '2021-05-10T00:00:00', 58000.0)
    """
    builder = _BUILDERS.get(name) if isinstance(name, str) else None
    if builder is None:
        options = ", ".join(repr(k) for k in EXAMPLE_DATASETS)
        raise UnknownNameError(f"unknown example dataset {name!r}; choose one of {options}")
    return builder()
