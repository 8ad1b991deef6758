"""Display decimation: send a chart about twice as many points as it has pixels.

A path of a million steps cannot travel to the browser on every change, and a chart cannot show
more points than its width anyway. Min/max decimation keeps, in each bucket of consecutive
steps, the lowest and highest value of every series, so spikes and crashes survive; the first
and last steps and every step named in ``keep`` (liquidations, transfers) are always kept.

``tsdownsample`` does min/max (and MinMaxLTTB) in Rust, but it cannot be told to keep given
indices and works one series at a time; the kit needs one shared set of x indices for all the
lines of a chart, so this small numpy version is used instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["decimate_indices", "decimate"]


def decimate_indices(
    series: Sequence[Any] | np.ndarray, n_out: int = 1600, keep: Iterable[int] = ()
) -> np.ndarray:
    """Indices to keep so that every series keeps its extremes per bucket.

    Parameters
    ----------
    series : array_like, shape (T,) or (k, T)
        One or several series sharing the same steps; NaNs are ignored.
    n_out : int
        Rough number of points wanted (twice the plot width is a good choice).
    keep : iterable of int
        Steps that must survive (events).

    Returns
    -------
    ndarray of int
        Sorted unique indices, always including 0 and ``T - 1``.

    Examples
    --------
    >>> y = [5, 1, 9, 2, 2, 2, 2, 8, 0, 3]
    >>> decimate_indices(y, n_out=4).tolist()
    [0, 1, 2, 7, 8, 9]
    >>> decimate_indices(y, n_out=4, keep=[5]).tolist()
    [0, 1, 2, 5, 7, 8, 9]
    """
    ys = np.atleast_2d(np.asarray(series, dtype=float))
    T = ys.shape[-1]
    keep_arr = np.asarray([k for k in keep if 0 <= k < T], dtype=int)
    if T <= max(n_out, 2):
        return np.arange(T)
    n_buckets = max(1, n_out // 2)
    size = int(np.ceil(T / n_buckets))
    n_buckets = int(np.ceil(T / size))
    pad = n_buckets * size - T
    chosen = [np.array([0, T - 1]), keep_arr]
    for y in ys:
        if np.isnan(y.min()):          # NaN propagates through min: only then mask it
            lo = np.where(np.isnan(y), np.inf, y)
            hi = np.where(np.isnan(y), -np.inf, y)
        else:
            lo = hi = y
        if pad:
            lo = np.concatenate([lo, np.full(pad, np.inf)])
            hi = np.concatenate([hi, np.full(pad, -np.inf)])
        base = np.arange(n_buckets) * size
        chosen.append(base + np.argmin(lo.reshape(n_buckets, size), axis=1))
        chosen.append(base + np.argmax(hi.reshape(n_buckets, size), axis=1))
    idx = np.unique(np.concatenate(chosen))
    return idx[idx < T]


def decimate(
    x: Any, series: Sequence[Any] | np.ndarray, n_out: int = 1600, keep: Iterable[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and the series (``(k, T)``) reduced to the indices of :func:`decimate_indices`."""
    ys = np.atleast_2d(np.asarray(series, dtype=float))
    idx = decimate_indices(ys, n_out, keep)
    return np.asarray(x)[idx], ys[:, idx]
