"""Path generators: hand-made shapes and random paths (see :mod:`margin_widgets.core.paths`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import MarginInputError, nonnegative_finite, positive_finite
from .checks import (
    HOUR,
    FloatArray,
    SeedLike,
    _between,
    _checked,
    _count,
    _finite,
    _first,
    _prices_from_log_steps,
    _rng,
    _shape,
    _step_of,
    validate_path,
)

__all__ = ["constant", "linear", "piecewise", "shock", "gbm", "jumps", "with_wicks"]


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
