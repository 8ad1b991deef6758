"""Built-in example datasets: synthetic, generated on the spot (nothing is downloaded)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import UnknownNameError
from .checks import FloatArray
from .generators import gbm, shock

__all__ = ["EXAMPLE_DATASETS", "example_dataset"]


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
