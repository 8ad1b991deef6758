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

The subpackage has four parts: :mod:`.checks` (the path validator and the number rules),
:mod:`.generators` (the shapes above), :mod:`.io` (CSV text, files and pandas in) and
:mod:`.datasets` (the examples). Every name is importable from here, as it always was.
"""

from __future__ import annotations

from . import checks, datasets, generators, io
from .checks import _MAX_POINTS, HOUR, FloatArray, SeedLike, validate_path
from .datasets import EXAMPLE_DATASETS, example_dataset
from .generators import constant, gbm, jumps, linear, piecewise, shock, with_wicks
from .io import (
    _MAX_CSV_BYTES,
    _MAX_CSV_ROWS,
    _parse_iso,
    _row_limit,
    from_pandas,
    load_csv,
    parse_csv_text,
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

# Names kept importable for callers of the single module this package replaced.
_COMPAT = (_MAX_POINTS, HOUR, FloatArray, SeedLike, _MAX_CSV_BYTES, _MAX_CSV_ROWS, _parse_iso,
           _row_limit, checks, datasets, generators, io)
