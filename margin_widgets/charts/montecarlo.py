"""Monte Carlo charts: equity bands, liquidation probability and final loss, cross vs isolated.

Thousands of simulated paths are never drawn one by one: the engine reduces them to percentile
bands of equity on a short time grid (:class:`margin_widgets.core.MonteCarloResult`), and this
module draws those bands as filled areas (5-95 % and 25-75 % of paths) around the median, cross
in the blue family and isolated in the orange family. The figures and marks are built once;
:meth:`MonteCarloCharts.update` only assigns new arrays, each mark inside its own
``hold_sync()`` so that every mark sends one message per update.

The only computation here is display reduction (a histogram of losses, a monotone curve thinned
to a few hundred points); every financial quantity arrives already computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from . import style
from .figures import LegendItem, legend_html, nice_ticks, save_png_button

__all__ = ["MonteCarloCharts", "ModeSeries", "loss_histogram", "thin_monotone"]

MODES = ("cross", "isolated")
MAX_POINTS = 1_000
"""At most this many points per line are sent (about twice a plot's width in pixels)."""


@dataclass(frozen=True)
class ModeSeries:
    """What the charts need for one margin mode, already reduced.

    Attributes
    ----------
    band_steps : ndarray, (k,)
        Steps at which the equity percentiles are given.
    percentiles : tuple of float
        The percentiles in ``equity_bands`` (must include 5, 25, 50, 75, 95).
    equity_bands : ndarray, (len(percentiles), k)
        Equity percentiles over paths at ``band_steps``.
    liquidation_probability : ndarray, (T,)
        Share of paths with a liquidation by step ``t``.
    loss : ndarray, (n_paths,)
        Money lost per path (initial wallet minus final equity).
    """

    band_steps: np.ndarray
    percentiles: tuple[float, ...]
    equity_bands: np.ndarray
    liquidation_probability: np.ndarray
    loss: np.ndarray

    @classmethod
    def from_result(cls, result: Any) -> ModeSeries:
        """Take the arrays out of a :class:`~margin_widgets.core.MonteCarloResult`."""
        return cls(
            band_steps=np.asarray(result.band_steps),
            percentiles=tuple(float(p) for p in result.percentiles),
            equity_bands=np.asarray(result.equity_bands, dtype=float),
            liquidation_probability=np.asarray(result.liquidation_probability, dtype=float),
            loss=np.asarray(result.loss, dtype=float),
        )

    def band(self, low: float, high: float) -> np.ndarray:
        """Rows ``(low, high)`` of the bands, shape ``(2, k)``."""
        return np.ascontiguousarray(
            np.stack([self.row(low), self.row(high)]), dtype=np.float64
        )

    def row(self, q: float) -> np.ndarray:
        """The band at percentile ``q``."""
        try:
            k = self.percentiles.index(float(q))
        except ValueError:
            raise ValueError(
                f"percentile {q:g} is not among the computed ones {self.percentiles}"
            ) from None
        return np.ascontiguousarray(self.equity_bands[k], dtype=np.float64)


def thin_monotone(y: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Steps and values of a non-decreasing curve, thinned to at most ``max_points``.

    A cumulative probability never decreases, so keeping the value at the end of each bucket
    keeps the curve's shape exactly at those points (the first and last step always kept).

    >>> x, v = thin_monotone(np.linspace(0, 1, 11), max_points=3)
    >>> x.tolist(), v.tolist()
    ([0.0, 5.0, 10.0], [0.0, 0.5, 1.0])
    """
    y = np.asarray(y, dtype=np.float64)
    n = y.size
    if n <= max_points:
        return np.arange(n, dtype=np.float64), np.ascontiguousarray(y)
    idx = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
    return idx.astype(np.float64), np.ascontiguousarray(y[idx])


def loss_histogram(
    losses: Sequence[np.ndarray], bins: int = 30
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of losses on common bins, one row per series, as shares of paths.

    Returns
    -------
    centers : ndarray, (bins,)
        Bin centres.
    shares : ndarray, (len(losses), bins)
        Share of each series' paths in each bin.
    edges : ndarray, (bins + 1,)
        Bin edges.

    >>> c, s, e = loss_histogram([np.array([0.0, 1.0]), np.array([1.0, 1.0])], bins=2)
    >>> c.tolist(), s.tolist()
    ([0.25, 0.75], [[0.5, 0.5], [0.0, 1.0]])
    """
    arrays = [np.asarray(v, dtype=float).ravel() for v in losses]
    lo = min(float(a.min()) for a in arrays if a.size)
    hi = max(float(a.max()) for a in arrays if a.size)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    shares = np.stack([np.histogram(a, bins=edges)[0] / max(a.size, 1) for a in arrays])
    centers = 0.5 * (edges[:-1] + edges[1:])
    return centers, np.ascontiguousarray(shares, dtype=np.float64), edges


def _bounds(lo: float, hi: float, pad: float = 0.05) -> tuple[float, float]:
    """Explicit scale bounds that also work for a flat or empty series."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return 0.0, 1.0
    if hi <= lo:
        span = abs(hi) * 0.05 or 1.0
        return lo - span, hi + span
    span = hi - lo
    return lo - pad * span, hi + pad * span


class MonteCarloCharts:
    """Three bqplot figures for a Monte Carlo run, cross against isolated.

    Attributes
    ----------
    bands_figures : dict of str to bqplot.Figure
        Equity over time, one panel per mode sharing one equity scale: 5-95 % and 25-75 %
        bands and the median (CSS classes ``mw-mc-bands-figure`` and
        ``mw-mc-bands-cross`` / ``mw-mc-bands-isolated``).
    probability_figure : bqplot.Figure
        Share of paths liquidated by each step, per mode (``mw-mc-probability-figure``).
    loss_figure : bqplot.Figure
        Histogram of the final loss, per mode (``mw-mc-loss-figure``).
    outer_bands, inner_bands, median_lines, probability_lines : dict of str to bqplot.Lines
        The marks, by mode (``"cross"``, ``"isolated"``).
    loss_bars : bqplot.Bars
        One grouped bar series per mode.
    """

    def __init__(self, currency: str = "USDT", bins: int = 30) -> None:
        self.bins = int(bins)
        self.currency = currency
        layout = {"width": "50%", "min_width": "300px", "height": "260px", "flex": "1 1 300px"}
        margin = {"top": 36, "bottom": 45, "left": 80, "right": 16}

        # -- equity bands: one panel per mode, one shared equity scale ------------------------
        # Two panels side by side rather than four overlapping fills: blue over orange turns
        # into an unreadable olive, and the shared scale keeps the panels comparable.
        self.step_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.equity_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.outer_bands: dict[str, bq.Lines] = {}
        self.inner_bands: dict[str, bq.Lines] = {}
        self.median_lines: dict[str, bq.Lines] = {}
        self.bands_figures: dict[str, bq.Figure] = {}
        scales = {"x": self.step_scale, "y": self.equity_scale}
        for mode in MODES:
            fam = style.CROSS_FAMILY if mode == "cross" else style.ISOLATED_FAMILY
            light = fam[3] if mode == "cross" else fam[4]
            self.outer_bands[mode] = bq.Lines(
                x=np.zeros(0), y=np.zeros((2, 0)), scales=scales, fill="between",
                colors=[light, light], fill_colors=[light], fill_opacities=[0.45],
                opacities=[0.0, 0.0], stroke_width=0.5, labels=["5-95 % of paths"] * 2,
            )
            self.inner_bands[mode] = bq.Lines(
                x=np.zeros(0), y=np.zeros((2, 0)), scales=scales, fill="between",
                colors=[fam[0], fam[0]], fill_colors=[fam[0]], fill_opacities=[0.45],
                opacities=[0.0, 0.0], stroke_width=0.5, labels=["25-75 % of paths"] * 2,
            )
            # the median in the theme's text colour: a dark blue / brown median vanished on
            # its own band in the dark theme; the panel and the line style name the mode
            self.median_lines[mode] = bq.Lines(
                x=np.zeros(0), y=np.zeros(0), scales=scales, colors=[style.MARK],
                stroke_width=2.5, labels=["median"],
                line_style="solid" if mode == "cross" else "dashed",
            )
            fig = bq.Figure(
                marks=[self.outer_bands[mode], self.inner_bands[mode], self.median_lines[mode]],
                axes=[bq.Axis(scale=self.step_scale, label="step (hour)", tick_format=",d"),
                      bq.Axis(scale=self.equity_scale, side="left",
                              label=f"equity ({currency})", tick_format=",.0f",
                              label_offset="58px")],
                title=f"{mode.capitalize()}: equity over time", animation_duration=0,
                layout=w.Layout(width="50%", min_width="300px", height="280px",
                                flex="1 1 300px"),
                fig_margin=dict(margin),
            )
            fig.add_class("mw-mc-bands-figure")
            fig.add_class(f"mw-mc-bands-{mode}")
            fig.add_class("mw-figure")
            self.bands_figures[mode] = fig

        # -- liquidation probability ----------------------------------------------------------
        self.prob_step_scale = bq.LinearScale(min=0.0, max=1.0)
        self.prob_scale = bq.LinearScale(min=0.0, max=1.0)
        pscales = {"x": self.prob_step_scale, "y": self.prob_scale}
        self.probability_lines: dict[str, bq.Lines] = {
            mode: bq.Lines(
                x=np.zeros(0), y=np.zeros(0), scales=pscales,
                colors=[style.mode_color(mode)], stroke_width=2.5,
                line_style="solid" if mode == "cross" else "dashed",
                labels=[f"{mode}: share of paths liquidated"], display_legend=False,
                interpolation="step-after",
            )
            for mode in MODES
        }
        self.probability_figure = bq.Figure(
            marks=list(self.probability_lines.values()),
            axes=[bq.Axis(scale=self.prob_step_scale, label="step (hour)"),
                  bq.Axis(scale=self.prob_scale, side="left",
                          label="paths liquidated", tick_format=".0%", label_offset="50px")],
            title="Liquidation probability by each step",
            legend_location="top-left", layout=dict(layout), fig_margin=dict(margin),
        )
        self.probability_figure.add_class("mw-mc-probability-figure")
        self.probability_figure.add_class("mw-figure")

        # -- final loss -----------------------------------------------------------------------
        self.loss_scale = bq.LinearScale(min=0.0, max=1.0)
        self.share_scale = bq.LinearScale(min=0.0, max=1.0)
        self.loss_bars = bq.Bars(
            x=np.zeros(0), y=np.zeros((2, 0)), type="grouped",
            scales={"x": self.loss_scale, "y": self.share_scale},
            colors=[style.CROSS, style.ISOLATED], labels=["cross", "isolated"],
            display_legend=False, padding=0.1,
        )
        self.loss_figure = bq.Figure(
            marks=[self.loss_bars],
            axes=[bq.Axis(scale=self.loss_scale, label=self._loss_label(currency),
                          tick_format=",.0f"),
                  bq.Axis(scale=self.share_scale, side="left",
                          label="share of paths", tick_format=".0%", label_offset="50px")],
            # the definition is in the axis label: title and label fit a phone's 300 px
            title="Final loss (below 0: a gain)",
            legend_location="top-right", layout=dict(layout), fig_margin=dict(margin),
        )
        self.loss_figure.add_class("mw-mc-loss-figure")
        self.loss_figure.add_class("mw-figure")

        # -- legends under the plots (bqplot's own sit on the data) and Save PNG ---------------
        legends: dict[str, list[LegendItem]] = {}
        for mode in MODES:
            fam = style.CROSS_FAMILY if mode == "cross" else style.ISOLATED_FAMILY
            light = fam[3] if mode == "cross" else fam[4]
            legends[f"bands_{mode}"] = [
                ("5-95 % of paths", light, "solid"), ("25-75 % of paths", fam[0], "solid"),
                ("median", style.MARK, "solid" if mode == "cross" else "dashed")]
        legends["probability"] = [(f"{m}: share of paths liquidated", style.mode_color(m),
                                   "solid" if m == "cross" else "dashed") for m in MODES]
        legends["loss"] = [(m, style.mode_color(m), "marker:square") for m in MODES]
        figs = {**{f"bands_{m}": self.bands_figures[m] for m in MODES},
                "probability": self.probability_figure, "loss": self.loss_figure}
        self.panels: dict[str, w.VBox] = {}
        for name, fig in figs.items():
            flex = fig.layout.flex or "1 1 300px"
            fig.layout.width = "100%"
            fig.layout.min_width = "0"
            fig.layout.flex = None
            row = w.HBox([w.HTML(legend_html(legends[name])),
                          save_png_button(fig, f"monte_carlo_{name}.png")],
                         layout=w.Layout(justify_content="space-between", align_items="center",
                                         flex_flow="row wrap"))
            row.add_class("mw-legend-row")
            self.panels[name] = w.VBox([fig, row], layout=w.Layout(
                width="50%", min_width="300px", flex=flex))

    @staticmethod
    def _loss_label(currency: str) -> str:
        return f"start wallet − final equity ({currency})"

    @property
    def figures(self) -> list[bq.Figure]:
        """The three figures, in display order."""
        return [*self.bands_figures.values(), self.probability_figure, self.loss_figure]

    @property
    def marks(self) -> list[Any]:
        """Every mark (tests count one message per mark per update)."""
        return [*self.outer_bands.values(), *self.inner_bands.values(),
                *self.median_lines.values(), *self.probability_lines.values(), self.loss_bars]

    def set_currency(self, currency: str) -> None:
        """Relabel the money axes (margin currency of the scenario)."""
        if currency == self.currency:
            return
        self.currency = currency
        for fig in self.bands_figures.values():
            fig.axes[1].label = f"equity ({currency})"
        self.loss_figure.axes[0].label = self._loss_label(currency)

    def update(self, series: Mapping[str, ModeSeries]) -> None:
        """Assign new arrays to every mark (one ``hold_sync`` per mark)."""
        cross, iso = series["cross"], series["isolated"]
        # scales first, so that marks never draw against stale bounds for long
        eq = np.concatenate([cross.equity_bands.ravel(), iso.equity_bands.ravel()])
        lo, hi = _bounds(float(np.nanmin(eq)) if eq.size else 0.0,
                         float(np.nanmax(eq)) if eq.size else 1.0)
        if lo < 0 <= float(np.nanmin(eq)):   # equity is never negative: no padding below 0
            lo = 0.0
        last_step = float(max(cross.band_steps[-1], iso.band_steps[-1], 1))
        with self.equity_scale.hold_sync():
            self.equity_scale.min, self.equity_scale.max = lo, hi
        with self.step_scale.hold_sync():
            self.step_scale.min, self.step_scale.max = 0.0, last_step
        with self.prob_step_scale.hold_sync():
            self.prob_step_scale.min, self.prob_step_scale.max = 0.0, last_step
        for mode, s in (("cross", cross), ("isolated", iso)):
            x = np.ascontiguousarray(s.band_steps, dtype=np.float64)
            with self.outer_bands[mode].hold_sync():
                self.outer_bands[mode].x = x
                self.outer_bands[mode].y = s.band(5, 95)
            with self.inner_bands[mode].hold_sync():
                self.inner_bands[mode].x = x
                self.inner_bands[mode].y = s.band(25, 75)
            with self.median_lines[mode].hold_sync():
                self.median_lines[mode].x = x
                self.median_lines[mode].y = s.row(50)
            px, py = thin_monotone(s.liquidation_probability)
            with self.probability_lines[mode].hold_sync():
                self.probability_lines[mode].x = px
                self.probability_lines[mode].y = py

        centers, shares, edges = loss_histogram([cross.loss, iso.loss], self.bins)
        with self.loss_scale.hold_sync():
            self.loss_scale.min, self.loss_scale.max = float(edges[0]), float(edges[-1])
        with self.share_scale.hold_sync():
            self.share_scale.min = 0.0
            self.share_scale.max = float(max(shares.max(), 0.01) * 1.1)
        with self.loss_bars.hold_sync():
            self.loss_bars.x = np.ascontiguousarray(centers)
            self.loss_bars.y = shares
        self._round_ticks()

    def _round_ticks(self) -> None:
        """Round 1-2-5 ticks, about five an axis.

        bqplot's own put ten step ticks and nine loss ticks on a phone's 300 px panel,
        printed over each other.
        """
        step_axes = [f.axes[0] for f in self.bands_figures.values()]
        pairs: list[tuple[Any, Any, int, bool]] = [
            *((a, self.step_scale, 5, True) for a in step_axes),
            *((f.axes[1], self.equity_scale, 6, False) for f in self.bands_figures.values()),
            (self.probability_figure.axes[0], self.prob_step_scale, 5, True),
            (self.probability_figure.axes[1], self.prob_scale, 5, False),
            (self.loss_figure.axes[0], self.loss_scale, 5, False),
            (self.loss_figure.axes[1], self.share_scale, 5, False),
        ]
        for axis, scale, n, integer in pairs:
            lo = float(scale.min) if scale.min is not None else 0.0
            hi = float(scale.max) if scale.max is not None else 1.0
            ticks = nice_ticks(lo, hi, n, integer=integer)
            if not np.array_equal(np.asarray(axis.tick_values), ticks):
                axis.tick_values = ticks
