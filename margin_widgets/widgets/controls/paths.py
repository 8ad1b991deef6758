"""The mark path of each symbol: generator and parameters, drawn points, shock, CSV."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from bqplot import Axis, Figure, LinearScale, Lines, Scatter
from ipywidgets import (
    HTML,
    BoundedIntText,
    Button,
    Dropdown,
    FileUpload,
    FloatText,
    HBox,
    IntText,
    ToggleButtons,
    VBox,
)

from ...charts import style
from ...charts.figures import assign
from ...charts.shared import LeanLayout, shared_layout, shared_style
from ...core import paths as core_paths
from ...core.edits import rescale_paths, shock_spec
from ...core.errors import MarginInputError
from ...core.scenario import MAX_STEPS, PathSpec, Scenario
from ..base import EditContext
from ._common import OnEdit, _Control, _desc, _set

GENERATOR_CHOICES: list[tuple[str, str]] = [
    ("draw (drag the points)", "piecewise"),
    ("linear", "linear"),
    ("random walk (GBM)", "gbm"),
    ("shock", "shock"),
    ("jumps", "jumps"),
    ("constant", "constant"),
    ("data (CSV)", "data"),
]

# name -> (description, tooltip, default); "start"-like defaults come from the current path
_PARAMS: dict[str, tuple[str, str, float]] = {
    "price": ("Price", "The constant mark price", 0.0),
    "start": ("Start", "The first mark price of the path", 0.0),
    "end": ("End", "The last mark price of the path", 0.0),
    "drift": ("Drift /yr", "Annual drift of the random walk (0.1 = +10 % a year)", 0.0),
    "volatility": ("Vol /yr", "Annual volatility (0.6 is typical for bitcoin)", 0.6),
    "at": ("At step", "Step at which the shock happens", 0.0),
    "size": ("Size", "Relative move of the shock: −0.2 is a 20 % drop", -0.2),
    "recovery": ("Recovery", "Fraction of the move taken back afterwards (0 to 1)", 0.0),
    "recovery_steps": ("over", "Steps the recovery takes", 0.0),
    "intensity": ("Jumps /yr", "Expected number of jumps per year", 12.0),
    "jump_mean": ("Jump mean", "Mean log jump (−0.05 is a typical 5 % drop)", -0.05),
    "jump_std": ("Jump std", "Standard deviation of the log jump", 0.05),
}

_FIELDS: dict[str, tuple[str, ...]] = {
    "constant": ("price",),
    "linear": ("start", "end"),
    "piecewise": (),
    "gbm": ("start", "drift", "volatility"),
    "shock": ("start", "at", "size", "recovery", "recovery_steps"),
    "jumps": ("start", "intensity", "jump_mean", "jump_std", "volatility"),
    "data": (),
}
_SEEDED = ("gbm", "jumps")
_INT_PARAMS = ("at", "recovery_steps")


class _LazyFields(dict[str, Any]):
    """A dict that makes a missing field with ``make(name)`` (and lays the row out again)."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        super().__init__()
        self._make = make
        self.on_new: Callable[[], None] | None = None

    def __missing__(self, name: str) -> Any:
        if name not in _PARAMS:
            raise KeyError(name)
        w = self[name] = self._make(name)
        if self.on_new is not None:
            self.on_new()
        return w


def _points_from_path(path: np.ndarray, n: int = 7) -> list[list[float]]:
    T = path.shape[-1]
    xs = sorted({int(round(v)) for v in np.linspace(0, T - 1, n)})
    return [[float(x), float(path[x])] for x in xs]


class PathEditor(VBox, _Control):
    """The mark path of each symbol: generator and parameters, drawn points, shock, CSV.

    Parameters
    ----------
    on_edit : callable
        The dashboard's ``propose``.
    x_scale, y_scale : bqplot.LinearScale, optional
        Scales of the chart the draggable points live on (the Margin Lab's price chart). If
        not given, the editor draws its own small chart (:attr:`figure`).
    on_symbol : callable, optional
        Called with the symbol whose path is being edited (the price chart follows it).

    Attributes
    ----------
    symbol_toggle : ToggleButtons
    generator_dropdown : Dropdown
    steps_input : BoundedIntText
    param_inputs : dict of str to FloatText
    seed_input : IntText
    shock_button : Button
        "shock −20 %": a sudden persistent drop at the scrubbed step.
    add_point_button : Button
    csv_upload : FileUpload
    control_points : bqplot.Scatter
        Drag a point up or down (``enable_move``, ``restrict_y``) to redraw the path.
    figure : bqplot.Figure or None
    """

    def __init__(self, on_edit: OnEdit | None = None, *, x_scale: LinearScale | None = None,
                 y_scale: LinearScale | None = None,
                 on_symbol: Callable[[str], None] | None = None) -> None:
        self.on_symbol = on_symbol
        self.symbol_toggle = ToggleButtons(
            options=["BTCUSDT"], description="Path of",
            tooltip="Which symbol's mark path to show and edit",
            style=shared_style(ToggleButtons, description_width="initial", button_width="88px"),
            layout=shared_layout(width="auto"))
        self.generator_dropdown = Dropdown(
            options=GENERATOR_CHOICES, value="piecewise", description="Shape",
            tooltip="How the mark path is made: drawn points, a straight line, a random walk, "
                    "a shock, jumps, a constant or data from a CSV file",
            style=_desc(Dropdown), layout=shared_layout(width="205px"))
        self.steps_input = BoundedIntText(
            value=500, min=2, max=MAX_STEPS, description="Steps",
            style=_desc(BoundedIntText),
            tooltip="Number of steps of every path (hours, for the random shapes)",
            layout=shared_layout(width="125px"))
        # the parameter fields and the seed are made when a shape first needs them: most
        # visitors never leave the drawn path, and 13 unused fields were 39 widget models
        self.param_inputs = _LazyFields(self._make_param)
        self._seed_input: IntText | None = None
        self.shock_button = Button(
            description="shock −20 %", icon="bolt",
            tooltip="A sudden 20 % drop at the scrubbed step (the middle of the path at step "
                    "0) that persists", layout=shared_layout(width="115px"),
                    style=shared_style(Button))
        self.add_point_button = Button(
            description="+ point", tooltip="Add a control point at the scrubbed step",
            layout=LeanLayout(width="80px"), style=shared_style(Button))
        self.hint_html = HTML(
            "<span class='mw-caption'>● drag a point up or down to redraw the path</span>",
            style=shared_style(HTML))
        self.hint_html.add_class("mw-path-hint")
        self.csv_upload = FileUpload(
            accept=".csv,text/csv", multiple=False, description="CSV",
            tooltip="Load a mark path from a CSV file with a timestamp and a price column",
            layout=shared_layout(width="90px"), style=shared_style(FileUpload))
        own = x_scale is None or y_scale is None
        self.x_scale = x_scale or LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.y_scale = y_scale or LinearScale(min=0.0, max=1.0, allow_padding=False)
        sc = {"x": self.x_scale, "y": self.y_scale}
        self.control_points = Scatter(
            scales=sc, enable_move=True, restrict_y=True, update_on_move=False,
            colors=[style.CROSS], stroke="white", default_size=110, marker="circle",
            labels=["drag to draw"], display_legend=False, visible=False,
            names_unique=False, display_names=False)
        self.figure: Figure | None = None
        self.path_line: Lines | None = None
        if own:
            self.path_line = Lines(scales=sc, colors=[style.MARK], labels=["mark"])
            self.figure = Figure(
                marks=[self.path_line, self.control_points], title="Mark path",
                axes=[Axis(scale=self.x_scale, label="step", tick_format=",d"),
                      Axis(scale=self.y_scale, side="left", label="mark price",
                           tick_format=",.0f")],
                fig_margin={"top": 30, "bottom": 40, "left": 64, "right": 16},
                animation_duration=0, layout=LeanLayout(width="100%", height="220px"))
            self.figure.add_class("mw-path-figure")
        self.params_box = HBox([], layout=shared_layout(flex_flow="row wrap",
                                                        align_items="center"))
        self._row_extras: list[Any] = [self.hint_html]
        self.param_inputs.on_new = self._layout_params
        self.row = HBox([self.symbol_toggle, self.generator_dropdown, self.steps_input,
                         self.shock_button, self.add_point_button, self.csv_upload],
                        layout=shared_layout(flex_flow="row wrap", align_items="center"))
        row = self.row
        self._layout_params()
        children: list[Any] = [row, self.params_box]
        if self.figure is not None:
            children.append(self.figure)
        super().__init__(children, layout=shared_layout(width="100%"))
        self.add_class("mw-path-editor")
        self._init_control(on_edit)
        self._points: list[list[float]] = []
        self.symbol_toggle.observe(self._on_symbol, names="value")
        self.generator_dropdown.observe(self._on_generator, names="value")
        self.steps_input.observe(self._on_steps, names="value")
        self.shock_button.on_click(lambda _b: self._emit(self._shock_edit, "shock −20 %"))
        self.add_point_button.on_click(lambda _b: self._emit(self._add_point_edit,
                                                             "control point added"))
        self.csv_upload.observe(self._on_upload, names="value")
        self.control_points.observe(self._on_drag, names=["x", "y"])

    def add_to_row(self, widget: Any) -> None:
        """Put another control at the end of the editor's second (parameters) row."""
        self._row_extras.append(widget)
        self._layout_params()

    def _layout_params(self) -> None:
        made = [self.param_inputs[n] for n in _PARAMS if n in self.param_inputs]
        seed = [self._seed_input] if self._seed_input is not None else []
        children = (*made, *seed, *self._row_extras)
        if tuple(self.params_box.children) != children:
            self.params_box.children = children

    def _make_param(self, name: str) -> FloatText:
        desc, tip, default = _PARAMS[name]
        w = FloatText(value=default, description=desc, tooltip=tip, style=_desc(FloatText),
                      step=1.0 if name in _INT_PARAMS else None, layout=LeanLayout(width="150px"))
        w.observe(self._on_param, names="value")
        return w

    @property
    def seed_input(self) -> IntText:
        """The random path's seed (made when first needed)."""
        if self._seed_input is None:
            self._seed_input = IntText(
                value=1, description="Seed", style=_desc(IntText),
                tooltip="Seed of the random path: the same seed gives the same path",
                layout=LeanLayout(width="110px"))
            self._seed_input.observe(self._on_param, names="value")
            self._layout_params()
        return self._seed_input

    @property
    def symbol(self) -> str:
        """The symbol whose path is shown and edited."""
        return str(self.symbol_toggle.value)

    # -- helpers ----------------------------------------------------------------------------
    def _current_path(self, ctx: EditContext, sym: str) -> np.ndarray:
        res = ctx.result
        if (res is not None and sym in res.marks and res.steps == ctx.scenario.steps
                and res.account.positions == ctx.scenario.positions):
            return np.asarray(res.marks[sym])
        return ctx.scenario.paths[sym].build(ctx.scenario.steps)

    def _replace_spec(self, ctx: EditContext, spec: PathSpec, steps: int | None = None
                      ) -> Scenario:
        scen = ctx.scenario
        paths = dict(scen.paths)
        if steps is not None and steps != scen.steps:
            paths = rescale_paths(paths, scen.steps, steps)
        paths[self.symbol] = spec
        return scen.replace(paths=paths, steps=steps if steps is not None else scen.steps)

    def _spec_from_fields(self, ctx: EditContext, generator: str) -> PathSpec:
        sym = self.symbol
        old = ctx.scenario.paths[sym]
        if generator == "piecewise":
            if old.generator == "piecewise":
                return old
            return PathSpec("piecewise",
                            {"points": _points_from_path(self._current_path(ctx, sym))})
        if generator == "data":
            if old.generator == "data":
                return old
            return PathSpec("data", {"prices": self._current_path(ctx, sym).tolist()})
        params: dict[str, Any] = {}
        for name in _FIELDS[generator]:
            v = float(self.param_inputs[name].value)
            if not math.isfinite(v):
                raise MarginInputError(f"{_PARAMS[name][0]} must be a number")
            params[name] = int(round(v)) if name in _INT_PARAMS else v
        seed = int(self.seed_input.value) if generator in _SEEDED else None
        return PathSpec(generator, params, seed)

    def _defaults_for(self, ctx: EditContext, generator: str) -> None:
        """Fill the parameter fields of ``generator`` from the current path."""
        path = self._current_path(ctx, self.symbol)
        T = path.shape[-1]
        d = {"price": float(path[0]), "start": float(path[0]), "end": float(path[-1]),
             "at": float(max(1, ctx.step or T // 2))}
        with self._quiet():
            for name in _FIELDS.get(generator, ()):
                if name in d:
                    _set(self.param_inputs[name], value=round(d[name], 6))

    # -- observers --------------------------------------------------------------------------
    def _on_symbol(self, change: dict[str, Any]) -> None:
        if self._showing:
            return
        if self.on_symbol is not None:
            self.on_symbol(str(change["new"]))

    def _on_generator(self, change: dict[str, Any]) -> None:
        gen = str(change["new"])

        def edit(ctx: EditContext) -> Scenario:
            self._defaults_for(ctx, gen)
            return self._replace_spec(ctx, self._spec_from_fields(ctx, gen))
        self._emit(edit, f"{self.symbol} path: {gen}")

    def _on_param(self, change: dict[str, Any]) -> None:
        gen = str(self.generator_dropdown.value)
        if gen in ("piecewise", "data"):
            return
        self._emit(lambda ctx: self._replace_spec(ctx, self._spec_from_fields(ctx, gen)))

    def _on_steps(self, change: dict[str, Any]) -> None:
        steps = int(change["new"])

        def edit(ctx: EditContext) -> Scenario:
            scen = ctx.scenario
            paths = rescale_paths(dict(scen.paths), scen.steps, steps)
            return scen.replace(paths=paths, steps=steps)
        self._emit(edit, f"{steps:,} steps")

    def _shock_edit(self, ctx: EditContext) -> Scenario:
        sym = self.symbol
        path = self._current_path(ctx, sym)
        at = ctx.step if ctx.step > 0 else path.shape[-1] // 2
        return self._replace_spec(ctx, shock_spec(ctx.scenario.paths[sym], path, at))

    def _add_point_edit(self, ctx: EditContext) -> Scenario:
        sym = self.symbol
        spec = ctx.scenario.paths[sym]
        path = self._current_path(ctx, sym)
        if spec.generator == "piecewise":
            pts = [list(p) for p in spec.params.get("points", ())]
        else:
            pts = _points_from_path(path)
        at = int(ctx.step)
        if any(int(round(x)) == at for x, _ in pts):
            raise MarginInputError(f"there is already a control point at step {at:,}; scrub "
                                   "to another step first")
        pts.append([float(at), float(path[at])])
        pts.sort()
        return self._replace_spec(ctx, PathSpec("piecewise", {"points": pts}))

    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        content = item["content"] if isinstance(item, dict) else item.content
        name = item.get("name", "CSV") if isinstance(item, dict) else "CSV"

        def edit(ctx: EditContext) -> Scenario:
            try:
                _, prices = core_paths.parse_csv_text(bytes(content), max_rows=MAX_STEPS)
            except MarginInputError as exc:
                raise MarginInputError(f"{name}: {exc}") from None
            return self._replace_spec(ctx, PathSpec("data", {"prices": prices.tolist()}),
                                      steps=int(prices.size))
        try:
            self._emit(edit, f"{self.symbol} path loaded from {name}")
        finally:
            with self._quiet():
                self.csv_upload.value = ()

    def _on_drag(self, change: dict[str, Any]) -> None:
        if self._showing:
            return
        x = np.asarray(self.control_points.x, dtype=float)
        y = np.asarray(self.control_points.y, dtype=float)
        if x.shape != y.shape or x.size == 0:
            return
        old = np.asarray(self._points, dtype=float).reshape(-1, 2)
        if old.shape[0] == x.size and np.allclose(old[:, 0], x) and np.allclose(
                old[:, 1], y, rtol=1e-6):
            return  # an echo of our own values (x and y arrive as two changes)
        pts = [[float(round(a)), float(b)] for a, b in zip(x, y, strict=True)]
        self._emit(lambda ctx: self._replace_spec(ctx, PathSpec("piecewise", {"points": pts})),
                   f"{self.symbol} path redrawn")

    # -- show -------------------------------------------------------------------------------
    def show(self, scenario: Scenario, result: Any = None) -> None:
        """Show the recipe of the selected symbol (and its points on the chart)."""
        with self._quiet():
            held = list(dict.fromkeys(p.symbol for p in scenario.positions)) or \
                list(scenario.paths)
            sym = self.symbol if self.symbol in held else (held[0] if held else "")
            _set(self.symbol_toggle, options=tuple(held), value=sym)
            _set(self.steps_input, value=int(scenario.steps))
            if not sym:
                return
            spec = scenario.paths[sym]
            _set(self.generator_dropdown, value=spec.generator)
            fields = _FIELDS.get(spec.generator, ())
            for name in _PARAMS:
                visible = name in fields
                if not visible and name not in self.param_inputs:
                    continue  # never needed so far: not made
                w = self.param_inputs[name]
                disp = None if visible else "none"
                if w.layout.display != disp:
                    w.layout.display = disp
                if visible and name in spec.params:
                    _set(w, value=float(spec.params[name]))
            seeded = spec.generator in _SEEDED
            if seeded or self._seed_input is not None:
                seed_disp = None if seeded else "none"
                if self.seed_input.layout.display != seed_disp:
                    self.seed_input.layout.display = seed_disp
                if seeded and spec.seed is not None:
                    _set(self.seed_input, value=int(spec.seed))
            add_disp = None if spec.generator == "piecewise" else "none"
            for w in (self.add_point_button, self.hint_html):
                if w.layout.display != add_disp:
                    w.layout.display = add_disp
            if spec.generator == "piecewise":
                pts = [[float(x), float(y)] for x, y in spec.params.get("points", ())]
                self._points = pts
                arr = np.asarray(pts, dtype=float).reshape(-1, 2)
                assign(self.control_points, x=arr[:, 0], y=arr[:, 1], visible=True)
            else:
                self._points = []
                assign(self.control_points, visible=False)
            if self.path_line is not None and result is not None and sym in result.marks:
                from ..core.decimate import decimate_indices

                m = np.asarray(result.marks[sym])
                idx = decimate_indices(m, 800)
                # a thinned result (long path) holds columns at some steps: x is the step
                where = getattr(result, "step_index", None)
                xs = idx if where is None else np.asarray(where)[idx]
                assign(self.path_line, x=xs.astype(float), y=m[idx])
                lo, hi = float(m.min()), float(m.max())
                pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
                with self.y_scale.hold_sync():
                    self.y_scale.min, self.y_scale.max = max(0.0, lo - pad), hi + pad
                with self.x_scale.hold_sync():
                    last = m.size if where is None else result.path_steps
                    self.x_scale.min, self.x_scale.max = 0.0, float(max(1, last - 1))
