"""Live bqplot charts of a simulation: price, balances, PnL and margin.

Every chart builds its figure, scales, axes and marks ONCE. An update assigns new arrays to
the existing marks, each mark inside its own ``hold_sync()`` so that one change sends at most
one comm message per mark (a figure's ``hold_sync`` would not batch its marks' traits). An
array that did not change is not assigned again, so it is not sent again.

Arrays travel as float32 binary buffers: display needs about seven significant digits, and
this halves the bytes sent on each change. Scales get explicit bounds computed from the data
(with padding), so a flat or empty series (equity at zero after a liquidation) never collapses
an axis.

Charts never compute finance: they receive a :class:`~margin_widgets.charts.views.ResultView`
(arrays already decimated by the core) and draw it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from bqplot import Axis, Figure, LinearScale, Lines, Mark, Scatter, Tooltip
from ipywidgets import HTML, HBox

from . import style
from .shared import shared_layout, shared_model, shared_style
from .views import ResultView

__all__ = [
    "WIRE_DTYPE", "ChartBase", "PriceChart", "BalanceChart", "PnlChart", "MarginChart",
    "assign", "padded_bounds", "legend_html", "finite_tail", "nice_ticks", "save_png_button",
    "place_labels",
]

WIRE_DTYPE = np.float32
"""dtype of the arrays sent to the browser."""

RATIO_CAP = 1.5
"""Margin ratios above this (150 %, or infinite once a pool is bankrupt) are drawn at it."""

LIQ_FAMILY = ["#D7191C", "#F46D43", "#A50026", "#FDAE61", "#67001F"]
# purple, not a darker red: it stays apart from the liquidation red where the two lines run
# close together (cross) and stays readable on a dark theme (#7F0000 vanished on #111)
BANKRUPTCY_FAMILY = ["#AA4499", "#CC79A7", "#882255", "#E7A1D0", "#6F1F5C"]
BANKRUPTCY_WIDTH = 3.4
"""Stroke of a bankruptcy line, drawn under the 1.8 px liquidation line (see PriceChart)."""
CURSOR = "var(--jp-ui-font-color2, #444444)"
FIG_MARGIN = {"top": 30, "bottom": 36, "left": 64, "right": 20}


def _wire(a: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=WIRE_DTYPE))


STEP_DTYPE = np.uint16
"""dtype of a line's step axis when every step fits it (paths up to 65,536 steps)."""


def _wire_steps(a: Any) -> np.ndarray:
    """Steps (whole numbers) as :data:`STEP_DTYPE` when they fit it, else :data:`WIRE_DTYPE`.

    Every line of a chart carries its own copy of the same x (bqplot has no shared x
    between marks), so x travels once per mark: at 2 bytes a step instead of 4 it costs half.
    """
    v = np.asarray(a)
    if v.size and v.dtype.kind in "fiu":
        lo, hi = float(np.min(v)), float(np.max(v))
        top = np.iinfo(STEP_DTYPE).max
        if lo >= 0 and hi <= top and bool(np.all(np.mod(v, 1) == 0)):
            return np.ascontiguousarray(v.astype(STEP_DTYPE))
    return _wire(v)


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, np.ndarray) or isinstance(old, np.ndarray):
        if old is None or new is None:
            return old is new
        o, n = np.asarray(old), np.asarray(new)
        if o.shape != n.shape or o.dtype != n.dtype:
            return False
        if o.dtype.kind in "fiu":
            # bytes, not values: NaN equals NaN, and it is what would travel anyway
            return o.tobytes() == n.tobytes()
        return bool(np.array_equal(o, n))
    try:
        return bool(old == new)
    except Exception:  # pragma: no cover - exotic values are simply re-sent
        return False


def finite_tail(y: np.ndarray) -> np.ndarray:
    """``y`` with the last point of every row made finite (a display workaround).

    bqplot 0.13 positions each line's label at its LAST point: a row ending in NaN (a
    liquidation price after the position closed) makes the browser log
    ``<g> attribute transform: translate(x,undefined)`` and an all-NaN row an invalid path.
    The last point of such a row gets the row's last finite value (or any finite value of
    the array when the row has none). After a gap it is a lone point, which draws nothing; the
    rest of the row is untouched.
    """
    y = np.asarray(y)
    rows = np.atleast_2d(y)
    bad = ~np.isfinite(rows[:, -1]) if rows.shape[-1] else np.zeros(0, bool)
    if not bad.any():
        return y
    out = rows.copy()
    finite_all = out[np.isfinite(out)]
    default = float(finite_all[-1]) if finite_all.size else 0.0
    for r in np.flatnonzero(bad):
        ok = np.flatnonzero(np.isfinite(out[r]))
        out[r, -1] = out[r, ok[-1]] if ok.size else default
    return out.reshape(y.shape)


def assign(mark: Mark, **traits: Any) -> bool:
    """Set the traits of ``mark`` that changed, in one ``hold_sync`` (one message).

    Arrays are converted to :data:`WIRE_DTYPE` (a line's x of whole steps to
    :data:`STEP_DTYPE`); an array equal to the current one (NaN equal
    to NaN) is skipped, so an unchanged series is not sent again. Returns True if anything
    was assigned.
    """
    changed = {}
    for name, value in traits.items():
        if name == "x" and isinstance(mark, Lines) and value is not None:
            value = _wire_steps(value)
        elif name in ("x", "y", "color", "size", "opacity", "rotation", "skew") \
                and value is not None:
            value = _wire(value)
            if name == "y" and isinstance(mark, Lines) and value.size:
                value = finite_tail(value)
        if not _same(getattr(mark, name), value):
            changed[name] = value
    if changed:
        with mark.hold_sync():
            for name, value in changed.items():
                setattr(mark, name, value)
    return bool(changed)


def padded_bounds(
    arrays: Iterable[Any], *, pad: float = 0.06, include: Iterable[float] = (),
    floor: float | None = None, default: tuple[float, float] = (0.0, 1.0),
) -> tuple[float, float]:
    """Finite ``(low, high)`` around every finite value, padded; ``default`` when none.

    >>> padded_bounds([[1.0, 3.0]], pad=0.5)
    (0.0, 4.0)
    >>> padded_bounds([[5.0, 5.0]])
    (4.7, 5.3)
    >>> padded_bounds([[np.nan]])
    (0.0, 1.0)
    """
    lo, hi = np.inf, -np.inf
    extra = list(include)
    for a in [*arrays, extra] if extra else arrays:
        v = np.asarray(a, dtype=float)
        if v.size:
            fin = np.isfinite(v)
            if fin.all():
                lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
            elif fin.any():
                lo, hi = min(lo, float(v[fin].min())), max(hi, float(v[fin].max()))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return default
    nonneg = lo >= 0
    span = hi - lo
    if span <= 0:  # a flat series: pad around its level
        span = abs(hi) if hi != 0 else 1.0 / pad
    lo, hi = lo - span * pad, hi + span * pad
    if nonneg:  # an amount that never goes negative gets no negative axis
        lo = max(lo, 0.0)
    if floor is not None:
        lo = max(lo, floor)
    return (round(float(lo), 10), round(float(hi), 10))


_DASH = {"solid": "", "dashed": "6,3", "dotted": "1.5,2.5", "dash_dotted": "6,2,1.5,2"}
_MARKER_CHAR = {"cross": "✕", "diamond": "◆", "circle": "●", "square": "■"}

LegendItem = tuple[str, str, str]
"""``(label, colour, style)``; style is a line style or ``"marker:<name>"``."""


def legend_html(items: Sequence[LegendItem]) -> str:
    """A compact legend: a line (or marker) sample in its colour and style, then the label.

    Drawn under the figure, so it never covers data (bqplot draws legends inside the plot).
    """
    parts = []
    for label, color, kind in items:
        c = html.escape(color, quote=True)
        if kind.startswith("marker:"):
            sample = (f"<span class='mw-legend-marker' style='color:{c}'>"
                      f"{_MARKER_CHAR.get(kind[7:], '●')}</span>")
        else:
            dash = _DASH.get(kind, "")
            sample = (f"<svg width='22' height='10' aria-hidden='true'><line x1='1' y1='5' "
                      f"x2='21' y2='5' style='stroke:{c}' stroke-width='2' "
                      f"stroke-dasharray='{dash}'/></svg>")
        parts.append(f"<span class='mw-legend-item'>{sample} {html.escape(label)}</span>")
    return f"<div class='mw-legend'>{''.join(parts)}</div>"


def nice_ticks(lo: float, hi: float, n: int = 5, *, integer: bool = False) -> np.ndarray:
    """About ``n`` round tick values inside ``[lo, hi]``, in steps of 1, 2 or 5 × 10^k.

    >>> nice_ticks(0, 799).tolist()
    [0.0, 200.0, 400.0, 600.0]
    >>> nice_ticks(33_548, 61_497).tolist()
    [35000.0, 40000.0, 45000.0, 50000.0, 55000.0, 60000.0]
    >>> nice_ticks(50_990, 60_510).tolist()
    [52000.0, 54000.0, 56000.0, 58000.0, 60000.0]
    >>> nice_ticks(0, 3, integer=True).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return np.array([lo]) if np.isfinite(lo) else np.zeros(0)
    raw = (hi - lo) / max(1, n)
    mag = 10.0 ** np.floor(np.log10(raw))

    def count(step: float) -> int:
        return int(np.floor(hi / step + 1e-9) - np.ceil(lo / step - 1e-9)) + 1

    # the 1-2-5 step whose tick count is closest to n (ties: the larger step)
    steps = [m * mag for m in (1.0, 2.0, 5.0, 10.0)]
    if integer:
        steps = [max(1.0, float(round(st))) for st in steps]
    step = min(reversed(steps), key=lambda st: abs(count(st) - n))
    first = np.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return np.round(ticks, 10) + 0.0


LABEL_BOX_PX = 14.0
"""Height of a level label's box (12 px text)."""
LABEL_PAD_PX = 2.0
"""Air between a label and its line, and between two labels."""


def place_labels(lines_px: Sequence[float], shown: Sequence[bool] | None = None, *,
                 box: float = LABEL_BOX_PX, pad: float = LABEL_PAD_PX,
                 top: float = 0.0, bottom: float = np.inf) -> list[float]:
    """Top edges (px, growing downwards) of one label box per horizontal line.

    Each label goes just above its line if it fits there, else just below it, where "fits"
    means: no other label's box within ``pad``, no drawn line through it, inside
    ``[top, bottom]``. Two close lines (a liquidation and a bankruptcy price 6 px apart in
    cross) thus get one label above the pair and one below it, and no text is written over a
    line. When neither side fits (three lines within a box height) the label is stacked
    under the previous one: boxes never overlap, whatever the lines. Hidden labels
    (``shown`` False) keep their line's position and take no room.

    >>> place_labels([100.0, 106.0])            # close pair: above the first, below the second
    [84.0, 108.0]
    >>> place_labels([30.0, 100.0, 200.0])      # far apart: each above its own line
    [14.0, 84.0, 184.0]
    >>> place_labels([10.0, 100.0])             # no room above the first (top 0): below it
    [12.0, 84.0]
    >>> place_labels([100.0, 102.0, 104.0])     # no side fits the third: stacked, no overlap
    [84.0, 104.0, 120.0]
    """
    lines = [float(v) for v in lines_px]
    shown = list(shown) if shown is not None else [True] * len(lines)
    visible = [v for v, s in zip(lines, shown, strict=True) if s]
    out = list(lines)
    placed: list[float] = []                      # tops of the boxes placed so far

    def fits(t: float) -> bool:
        if t < top or t + box > bottom:
            return False
        if any(t < p + box + pad and p < t + box + pad for p in placed):
            return False
        return not any(t < v < t + box for v in visible)

    for i in sorted((i for i in range(len(lines)) if shown[i]), key=lambda i: lines[i]):
        above, below = lines[i] - pad - box, lines[i] + pad
        t = next((c for c in (above, below) if fits(c)), None)
        if t is None:
            t = max([below, *(p + box + pad for p in placed)])
        placed.append(t)
        out[i] = t
    return out


def _set_bounds(scale: LinearScale, lo: float, hi: float, axis: Axis | None = None,
                *, integer: bool = False, n: int = 5) -> None:
    if scale.min != lo or scale.max != hi:
        with scale.hold_sync():
            scale.min, scale.max = float(lo), float(hi)
    if axis is not None:
        # the ticks of the bounds the axis already shows are not computed again (every
        # update of every chart sets its bounds; the lab's four charts share one step axis)
        key = (float(lo), float(hi), n, integer)
        if getattr(axis, "_mw_ticks_for", None) == key:
            return
        ticks = nice_ticks(lo, hi, n, integer=integer)
        if not _same(axis.tick_values, ticks):
            axis.tick_values = ticks
        axis._mw_ticks_for = key


def save_png_button(figure: Figure, filename: str = "chart.png") -> Any:
    """A small "Save PNG" button that downloads ``figure`` (bqplot's ``Figure.save_png``)."""
    from ipywidgets import Button

    btn = Button(description="Save PNG", icon="download", tooltip="Download this chart as PNG",
                 layout=shared_layout(width="auto", min_width="92px", height="26px",
                               flex="0 0 auto"), style=shared_style(Button))
    btn.add_class("mw-save-png")
    btn.on_click(lambda _b: figure.save_png(filename))
    return btn


def _rows(arr: np.ndarray, n: int) -> np.ndarray:
    """At least one row (a NaN row when there is nothing to draw)."""
    if arr.shape[0] == 0:
        return np.full((1, n), np.nan)
    return arr


def share_y(charts: Sequence[ChartBase]) -> tuple[float, float]:
    """Put ``charts`` (the same quantity side by side) on one value range: the union.

    Each chart keeps its own scale object (its marks were built on it); the bounds and the
    round ticks become equal, so the two axes report the same domain.
    """
    lo = min(float(c.y_scale.min) for c in charts)
    hi = max(float(c.y_scale.max) for c in charts)
    for c in charts:
        _set_bounds(c.y_scale, lo, hi, c.y_axis)
        if c.y_axis.tick_format != charts[0].y_axis.tick_format:
            c.y_axis.tick_format = charts[0].y_axis.tick_format
    return lo, hi


class ChartBase:
    """A figure with a step axis, a value axis and a step cursor.

    Parameters
    ----------
    role : str
        Used in the CSS class ``mw-<role>-figure`` and in attribute names.
    title : str
        Figure title.
    y_label : str
        Value axis label (with its unit).
    height : str
        CSS height of the figure.
    box_layout : mapping, optional
        CSS of the chart's box (:attr:`widget`), shared with every chart asking the same;
        default: full width.
    share_steps : ChartBase, optional
        A chart of the same run whose step scale, step axis and cursor this one draws too
        (one model each instead of one per chart).
    """

    role = "chart"
    x_scale: LinearScale
    x_axis: Axis
    cursor_line: Lines

    def __init__(self, title: str, y_label: str, *, height: str = "220px",
                 min_width: str = "260px", y_format: str = ",.0f",
                 css_classes: Iterable[str] = (), x_scale: LinearScale | None = None,
                 box_layout: Mapping[str, str] | None = None,
                 share_steps: ChartBase | None = None) -> None:
        # charts of one run may share their step scale (every chart spans the same steps)
        if share_steps is not None:
            x_scale = share_steps.x_scale
        self.x_scale = x_scale or LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.y_scale = LinearScale(min=0.0, max=1.0, allow_padding=False)
        # the cursor's [0, 1] scale and the figure's own scales never change: one model each
        # for every chart
        self._cursor_scale = shared_model(LinearScale, min=0.0, max=1.0, allow_padding=False)
        if share_steps is not None:
            # the same step axis and cursor drawn in both figures: one model each, and a
            # scrub moves every cursor with one message
            self.x_axis = share_steps.x_axis
        else:
            self.x_axis = Axis(scale=self.x_scale, label="step", num_ticks=5,
                               tick_format=",d", label_offset="30px")
        self.y_axis = Axis(scale=self.y_scale, side="left", label=y_label,
                           tick_format=y_format, label_offset="50px", num_ticks=5)
        self.cursor_line = share_steps.cursor_line if share_steps is not None else Lines(
            x=_wire([0.0, 0.0]), y=_wire([0.0, 1.0]),
            scales={"x": self.x_scale, "y": self._cursor_scale},
            colors=[CURSOR], stroke_width=1.0, opacities=[0.7], labels=["now"],
            display_legend=False, preserve_domain={"x": True, "y": True},
        )
        self.steps = 1
        self.figure = Figure(
            marks=[], axes=[self.x_axis, self.y_axis], title=title,
            scale_x=shared_model(LinearScale, min=0.0, max=1.0),
            scale_y=shared_model(LinearScale, min=0.0, max=1.0),
            fig_margin=dict(FIG_MARGIN), animation_duration=0,
            layout=shared_layout(width="100%", height=height, min_width=min_width,
                                 flex="1 1 auto"),
        )
        self.figure.add_class(f"mw-{self.role}-figure")
        self.figure.add_class("mw-figure")
        for c in css_classes:
            self.figure.add_class(c)
        self.legend = HTML("", layout=shared_layout(width="auto", margin="2px 0 2px 0",
                                                    flex="1 1 200px"),
                           style=shared_style(HTML))
        self.legend.add_class(f"mw-{self.role}-legend")
        self.save_button = save_png_button(self.figure, f"{self.role}.png")
        # one wrapping row: the figure fills the first line (width 100 %), the legend and the
        # Save PNG button share the second; a nested box for that line was one more model per
        # chart. A box layout nobody changes later is shared (``box_layout``).
        self.widget = HBox([self.figure, self.legend, self.save_button],
                           layout=shared_layout(**(box_layout or {
                               "flex": "1 1 auto", "min_width": min_width, "width": "100%"}),
                               flex_flow="row wrap", align_items="flex-start",
                               justify_content="flex-end"))
        self.widget.add_class(f"mw-{self.role}-chart")

    def _finish(self, marks: list[Mark]) -> None:
        self.figure.marks = [*marks, self.cursor_line]

    def set_legend(self, items: Sequence[LegendItem]) -> None:
        """Show ``items`` in the legend under the figure (sent only when it changes)."""
        value = legend_html(items)
        if self.legend.value != value:
            self.legend.value = value

    @property
    def data_marks(self) -> list[Mark]:
        """Every mark but the cursor."""
        return [m for m in self.figure.marks if m is not self.cursor_line]

    def set_steps(self, steps: int) -> None:
        """Fix the step axis to ``[0, steps - 1]``."""
        self.steps = int(steps)
        _set_bounds(self.x_scale, 0.0, float(max(1, steps - 1)), self.x_axis, integer=True)

    def set_cursor(self, step: int) -> None:
        """Move the vertical step cursor (one message, on the cursor mark only)."""
        assign(self.cursor_line, x=[float(step), float(step)])

    def add_overlay(self, mark: Mark) -> None:
        """Draw an extra mark (e.g. draggable control points) under the cursor."""
        self.figure.marks = [*self.data_marks, mark, self.cursor_line]


class PriceChart(ChartBase):
    """Mark price of one symbol with entry, liquidation and bankruptcy prices and events.

    Attributes
    ----------
    mark_line, last_line, entry_lines, liquidation_lines, bankruptcy_lines : bqplot.Lines
    liquidation_markers, transfer_markers : bqplot.Scatter
        Hover shows what happened and what it cost.
    """

    role = "price"

    def __init__(self, *, height: str = "222px", title: str = "Price",
                 css_classes: Iterable[str] = (), x_scale: LinearScale | None = None,
                 share_steps: ChartBase | None = None) -> None:
        super().__init__(title, "mark price", height=height, min_width="280px",
                         css_classes=css_classes, x_scale=x_scale, share_steps=share_steps)
        sc = {"x": self.x_scale, "y": self.y_scale}
        self.symbol = ""
        self.title_prefix = "Price: "
        self.mark_line = Lines(scales=sc, colors=[style.MARK], labels=["mark"],
                               display_legend=False, stroke_width=1.6)
        self.last_line = Lines(scales=sc, colors=[style.LAST], labels=["last"],
                               display_legend=False, stroke_width=1.0, line_style="dotted",
                               visible=False)
        self.entry_lines = Lines(scales=sc, colors=[style.ENTRY], labels=["entry"],
                                 display_legend=False, stroke_width=1.0)
        self.liquidation_lines = Lines(scales=sc, colors=LIQ_FAMILY, labels=["liquidation"],
                                       display_legend=False, stroke_width=1.8,
                                       line_style=style.LIQ_LINE_STYLE)
        # bankruptcy is drawn UNDER liquidation and wider: the two prices differ by the
        # maintenance margin over the quantity, often 1-3 px on a path's axis (always so in
        # cross on a wide path), and then the purple dots still show around the red dashes
        self.bankruptcy_lines = Lines(scales=sc, colors=BANKRUPTCY_FAMILY,
                                      labels=["bankruptcy"], display_legend=False,
                                      stroke_width=BANKRUPTCY_WIDTH,
                                      line_style=style.BANKRUPTCY_LINE_STYLE)
        self.liquidation_tooltip = Tooltip(fields=["name"], show_labels=False,
                                             layout=shared_layout())
        self.liquidation_markers = Scatter(
            scales=sc, marker="cross", colors=[style.LIQUIDATION], stroke="white",
            default_size=120, names_unique=False, display_names=False,
            labels=["liquidation"], display_legend=False,
            tooltip=self.liquidation_tooltip, interactions={"hover": "tooltip"},
        )
        self.transfer_tooltip = Tooltip(fields=["name"], show_labels=False,
                                             layout=shared_layout())
        self.transfer_markers = Scatter(
            scales=sc, marker="diamond", colors=[style.WALLET], default_size=60,
            names_unique=False, display_names=False, labels=["margin transfer"],
            display_legend=False, tooltip=self.transfer_tooltip,
            interactions={"hover": "tooltip"},
        )
        self._finish([self.mark_line, self.last_line, self.entry_lines,
                      self.bankruptcy_lines, self.liquidation_lines,
                      self.transfer_markers, self.liquidation_markers])

    def update(self, view: ResultView, symbol: str) -> None:
        """Draw ``symbol`` from ``view`` (every mark in its own hold_sync)."""
        self.symbol = symbol
        self.set_steps(view.steps)
        x = view.x
        mark = view.marks[symbol]
        pos = view.positions_on(symbol)
        rows = [p.index for p in pos]
        n = x.size
        cur = view.currency
        last = view.last.get(symbol) if view.last else None
        assign(self.mark_line, x=x, y=mark, labels=[f"mark {symbol}"])
        if last is not None:
            assign(self.last_line, x=x, y=last, visible=True)
        else:
            assign(self.last_line, visible=False)
        ends = np.array([0.0, float(max(1, view.steps - 1))])
        entries = np.array([[p.entry_price, p.entry_price] for p in pos]).reshape(-1, 2)
        assign(self.entry_lines, x=ends, y=_rows(entries, 2),
               labels=[f"entry {p.label}" for p in pos] or ["entry"],
               colors=[style.ENTRY] * max(1, len(pos)))
        liq = _rows(view.liquidation_price[rows], n)
        bk = _rows(view.bankruptcy_price[rows], n)
        assign(self.liquidation_lines, x=x, y=liq,
               labels=[f"liquidation {p.label}" for p in pos] or ["liquidation"])
        assign(self.bankruptcy_lines, x=x, y=bk,
               labels=[f"bankruptcy {p.label}" for p in pos] or ["bankruptcy"])
        liq_ev = [e for e in view.events if e.kind == "liquidation" and e.symbol == symbol]
        tr_ev = [e for e in view.events if e.kind == "transfer" and e.symbol == symbol
                 and np.isfinite(e.price)]
        assign(self.liquidation_markers, x=np.array([e.step for e in liq_ev], dtype=float),
               y=np.array([e.price for e in liq_ev], dtype=float),
               names=np.array([e.text for e in liq_ev], dtype=str))
        assign(self.transfer_markers, x=np.array([e.step for e in tr_ev], dtype=float),
               y=np.array([e.price for e in tr_ev], dtype=float),
               names=np.array([e.text for e in tr_ev], dtype=str))
        # liquidation and bankruptcy prices widen the axis only when they are near the path
        items: list[LegendItem] = [("mark", style.MARK, "solid")]
        if last is not None:
            items.append(("last (wicks)", style.LAST, "dotted"))
        if pos:
            items.append(("entry", style.ENTRY, "solid"))
        for j, p in enumerate(pos):
            items.append((f"liquidation #{p.index + 1}", LIQ_FAMILY[j % len(LIQ_FAMILY)],
                          style.LIQ_LINE_STYLE))
            items.append((f"bankruptcy #{p.index + 1}",
                          BANKRUPTCY_FAMILY[j % len(BANKRUPTCY_FAMILY)],
                          style.BANKRUPTCY_LINE_STYLE))
        if liq_ev:
            items.append(("liquidation (hover it)", style.LIQUIDATION, "marker:cross"))
        if tr_ev:
            items.append(("margin transfer", style.WALLET, "marker:diamond"))
        self.set_legend(items)
        lo_m, hi_m = float(np.min(mark)), float(np.max(mark))
        levels = np.concatenate([liq.ravel(), bk.ravel()])
        with np.errstate(invalid="ignore"):
            near = levels[(levels >= lo_m * 0.6) & (levels <= hi_m * 1.4)]
        arrays = [mark, near, entries.ravel()] + ([last] if last is not None else [])
        lo, hi = padded_bounds(arrays, floor=0.0)
        _set_bounds(self.y_scale, lo, hi, self.y_axis)
        label = f"mark price {symbol} ({cur})" if symbol else "mark price"
        if self.y_axis.label != label:
            self.y_axis.label = label
        fmt = ",.0f" if hi >= 100 else ",.4f"
        if self.y_axis.tick_format != fmt:
            self.y_axis.tick_format = fmt
        title = f"{self.title_prefix}{symbol}"
        if self.figure.title != title:
            self.figure.title = title


class BalanceChart(ChartBase):
    """Wallet balance and equity; one run, or cross and isolated on the same axes.

    Attributes
    ----------
    wallet_lines, equity_lines : bqplot.Lines
        One row per run (wallet dashed, equity solid).
    """

    role = "balance"

    def __init__(self, *, height: str = "176px", title: str = "Balances",
                 css_classes: Iterable[str] = (), x_scale: LinearScale | None = None,
                 box_layout: Mapping[str, str] | None = None,
                 share_steps: ChartBase | None = None) -> None:
        super().__init__(title, "balance", height=height, css_classes=css_classes,
                         x_scale=x_scale, share_steps=share_steps, box_layout=box_layout)
        sc = {"x": self.x_scale, "y": self.y_scale}
        self.wallet_lines = Lines(scales=sc, colors=[style.ENTRY], labels=["wallet balance"],
                                  display_legend=False, stroke_width=1.5, line_style="dashed")
        self.equity_lines = Lines(scales=sc, colors=[style.MARK], labels=["equity"],
                                  display_legend=False, stroke_width=2.0)
        self._finish([self.wallet_lines, self.equity_lines])

    def update(self, views: Mapping[str, ResultView]) -> None:
        """Draw each run of ``views`` (key: "cross", "isolated" or "" for a mixed run).

        A run keyed by its mode takes its mode's colours (cross blue, isolated orange), as in
        every chart of the kit; a mixed account takes neutral ones.
        """
        first = next(iter(views.values()))
        self.set_steps(first.steps)
        compare = len(views) > 1 or any(k for k in views)
        labels_w, labels_e, colors_w, colors_e = [], [], [], []
        for key in views:
            name = f"{key} " if key else ""
            labels_w.append(f"{name}wallet balance")
            labels_e.append(f"{name}equity")
            if compare:
                colors_w.append(style.mode_color(key, 1))
                colors_e.append(style.mode_color(key, 0))
            else:  # a mixed account is neither cross nor isolated: neutral theme colours
                colors_w.append(style.ENTRY)
                colors_e.append(style.MARK)
        # runs may be decimated at different steps: pad every row onto one x by NaN-free
        # reuse of the first view's indices when they agree, else each row on its own x
        xs = [v.x for v in views.values()]
        same_x = all(x.shape == xs[0].shape and np.array_equal(x, xs[0]) for x in xs)
        if same_x:
            x: Any = xs[0]
            w: Any = np.vstack([v.wallet_balance for v in views.values()])
            e: Any = np.vstack([v.equity for v in views.values()])
        else:
            n = max(len(x) for x in xs)
            x = np.vstack([np.pad(xx, (0, n - len(xx)), mode="edge") for xx in xs])
            w = np.vstack([np.pad(v.wallet_balance, (0, n - len(v.x)), mode="edge")
                           for v in views.values()])
            e = np.vstack([np.pad(v.equity, (0, n - len(v.x)), mode="edge")
                           for v in views.values()])
        assign(self.wallet_lines, x=x, y=w, labels=labels_w, colors=colors_w)
        assign(self.equity_lines, x=x, y=e, labels=labels_e, colors=colors_e)
        items: list[LegendItem] = []
        for k in range(len(labels_e)):
            items += [(labels_e[k], colors_e[k], "solid"), (labels_w[k], colors_w[k], "dashed")]
        self.set_legend(items)
        lo, hi = padded_bounds([w, e], include=[0.0])
        _set_bounds(self.y_scale, lo, hi, self.y_axis)
        label = f"balance ({first.currency})"
        if self.y_axis.label != label:
            self.y_axis.label = label


class PnlChart(ChartBase):
    """Unrealized PnL per position: longs solid, shorts dash-dotted, colour by mode.

    Attributes
    ----------
    long_lines, short_lines, zero_line : bqplot.Lines
    """

    role = "pnl"

    def __init__(self, *, height: str = "176px", title: str = "Unrealized PnL",
                 css_classes: Iterable[str] = (), x_scale: LinearScale | None = None,
                 box_layout: Mapping[str, str] | None = None,
                 share_steps: ChartBase | None = None) -> None:
        super().__init__(title, "unrealized PnL", height=height, css_classes=css_classes,
                         x_scale=x_scale, share_steps=share_steps, box_layout=box_layout)
        sc = {"x": self.x_scale, "y": self.y_scale}
        self.zero_line = Lines(scales=sc, x=_wire([0.0, 1.0]), y=_wire([0.0, 0.0]),
                               colors=["#bbbbbb"], stroke_width=1.0, labels=["zero"])
        self.long_lines = Lines(scales=sc, labels=["long"], display_legend=False,
                                line_style=style.LINE_STYLE["long"], stroke_width=1.8,
                                colors=[style.CROSS])
        self.short_lines = Lines(scales=sc, labels=["short"], display_legend=False,
                                 line_style=style.LINE_STYLE["short"], stroke_width=1.8,
                                 colors=[style.ISOLATED])
        self._finish([self.zero_line, self.long_lines, self.short_lines])

    def update(self, view: ResultView) -> None:
        """Draw the uPnL of every position of ``view``."""
        self.set_steps(view.steps)
        x = view.x
        n = x.size
        assign(self.zero_line, x=[0.0, float(max(1, view.steps - 1))])
        for side, mark in (("long", self.long_lines), ("short", self.short_lines)):
            pos = [p for p in view.positions if p.side == side]
            rows = [p.index for p in pos]
            y = _rows(view.unrealized_pnl[rows], n)
            assign(mark, x=x, y=y, labels=[p.label for p in pos] or [side],
                   colors=[p.color for p in pos] or [style.ENTRY], visible=bool(pos))
        self.set_legend([(p.label, p.color, style.LINE_STYLE[p.side]) for p in view.positions])
        lo, hi = padded_bounds([view.unrealized_pnl], include=[0.0])
        _set_bounds(self.y_scale, lo, hi, self.y_axis)
        label = f"unrealized PnL ({view.currency})"
        if self.y_axis.label != label:
            self.y_axis.label = label


class MarginChart(ChartBase):
    """Maintenance margin vs margin balance per pool, and the margin ratio on a second axis.

    Attributes
    ----------
    balance_lines : bqplot.Lines
        Margin balance per pool (solid).
    maintenance_lines : bqplot.Lines
        Maintenance margin per pool (dashed).
    ratio_lines : bqplot.Lines
        Margin ratio per pool (dotted, right axis; drawn at most at 150 %).
    limit_line : bqplot.Lines
        The 100 % line: a pool is liquidated when its ratio reaches it.
    """

    role = "margin"

    def __init__(self, *, height: str = "176px", title: str = "Margin",
                 css_classes: Iterable[str] = (), x_scale: LinearScale | None = None,
                 box_layout: Mapping[str, str] | None = None,
                 share_steps: ChartBase | None = None) -> None:
        super().__init__(title, "margin", height=height, css_classes=css_classes,
                         x_scale=x_scale, share_steps=share_steps, box_layout=box_layout)
        self.figure.fig_margin = {**FIG_MARGIN, "right": 56}
        sc = {"x": self.x_scale, "y": self.y_scale}
        self.ratio_scale = LinearScale(min=0.0, max=1.1, allow_padding=False)
        self.ratio_axis = Axis(scale=self.ratio_scale, side="right",
                               label="margin ratio", tick_format=".0%", num_ticks=4,
                               label_offset="44px", grid_lines="none")
        self.figure.axes = [*self.figure.axes, self.ratio_axis]
        rs = {"x": self.x_scale, "y": self.ratio_scale}
        self.balance_lines = Lines(scales=sc, labels=["margin balance"], display_legend=False,
                                   stroke_width=1.8, colors=[style.CROSS])
        self.maintenance_lines = Lines(scales=sc, labels=["maintenance margin"],
                                       display_legend=False, stroke_width=1.4,
                                       line_style="dashed", colors=[style.MM])
        self.ratio_lines = Lines(scales=rs, labels=["margin ratio"], display_legend=False,
                                 stroke_width=1.2, line_style="dotted", colors=[style.CROSS])
        self.limit_line = Lines(scales=rs, x=_wire([0.0, 1.0]), y=_wire([1.0, 1.0]),
                                colors=[style.LIQUIDATION], line_style="dashed",
                                stroke_width=1.2, labels=["liquidation at 100 %"],
                                display_legend=False)
        self._finish([self.balance_lines, self.maintenance_lines, self.ratio_lines,
                      self.limit_line])

    def update(self, view: ResultView) -> None:
        """Draw the pools of ``view``."""
        self.set_steps(view.steps)
        x = view.x
        n = x.size
        labels = [p.label for p in view.pools]
        colors = [p.color for p in view.pools] or [style.CROSS]
        mb = _rows(view.pool_margin_balance, n)
        mm = _rows(view.pool_maintenance_margin, n)
        ratio = np.minimum(_rows(view.pool_margin_ratio, n), RATIO_CAP)
        assign(self.limit_line, x=[0.0, float(max(1, view.steps - 1))])
        assign(self.balance_lines, x=x, y=mb, colors=colors,
               labels=[f"margin balance, {s}" for s in labels] or ["margin balance"])
        assign(self.maintenance_lines, x=x, y=mm, colors=colors,
               labels=[f"maintenance margin, {s}" for s in labels] or ["maintenance margin"])
        assign(self.ratio_lines, x=x, y=ratio, colors=colors,
               labels=[f"margin ratio, {s}" for s in labels] or ["margin ratio"])
        key = style.MARK
        self.set_legend([*((p.label, p.color, "solid") for p in view.pools),
                         ("balance", key, "solid"), ("maintenance", key, "dashed"),
                         ("ratio (right)", key, "dotted"),
                         ("100 %", style.LIQUIDATION, "dashed")])
        lo, hi = padded_bounds([mb, mm], include=[0.0])
        _set_bounds(self.y_scale, lo, hi, self.y_axis)
        top = float(np.nanmax(ratio)) if np.isfinite(ratio).any() else 0.0
        _set_bounds(self.ratio_scale, 0.0, round(max(1.1, min(RATIO_CAP, top) * 1.05), 6),
                    self.ratio_axis, n=4)
        label = f"margin ({view.currency})"
        if self.y_axis.label != label:
            self.y_axis.label = label
