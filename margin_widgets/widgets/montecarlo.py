"""Monte Carlo explorer: how often, and how badly, cross and isolated lose over many futures.

:class:`MonteCarloExplorer` takes a scenario (a preset of :data:`margin_widgets.core.PRESETS`
or any :class:`~margin_widgets.core.Scenario`), replaces its hand-made price path by many
random ones (geometric Brownian motion from :func:`margin_widgets.core.paths.gbm`, one
independent fan per symbol, each starting at the scenario's first mark), and asks
:func:`margin_widgets.core.monte_carlo` what happens with every position cross and with every
position isolated. It shows the equity percentile bands over time, the share of paths
liquidated by each step, the distribution of final losses, and a summary in words.

Its state is traits, like every dashboard's: ``scenario`` and the run settings ``n_paths``,
``steps``, ``volatility``, ``drift``, ``seed`` and ``leverage`` (each validated: a refused value
keeps the previous one and sets ``error``; an equal value runs nothing; changes made inside
``hold_trait_notifications`` run once). The controls are linked to them.

Thousands of paths are reduced in the kernel (percentile bands, a histogram); nothing sends
one line per path. A run expected to take more than about a second runs in a background
thread with a progress bar and a Cancel button; its result replaces the charts only when it is
complete, so a cancelled run leaves the previous charts on screen. ``background=False`` runs
everything in the calling thread (tests, scripts).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as w
import numpy as np
from traitlets import Float, Int, observe, validate

from ..charts import style
from ..charts.montecarlo import ModeSeries, MonteCarloCharts
from ..core import PRESETS, MonteCarloCancelled, MonteCarloResult, Scenario, monte_carlo
from ..core import paths as core_paths
from ..core.errors import MarginInputError
from ..core.results import from_monte_carlo
from ..core.scenario import MAX_MONTE_CARLO_WORK, PathSpec, check_work
from .base import PENDING, Dashboard, info_html
from .markup import esc, user_text

__all__ = ["MonteCarloExplorer", "MonteCarloRun", "gbm_paths", "summary_text",
           "parse_volatility", "format_volatility", "parse_drift", "format_drift", "SETTINGS"]

BACKGROUND_WORK = 3_000_000
"""Runs with more prices than this (paths x steps x symbols, about a second) use a thread."""

CUSTOM = "__custom__"

QUERY_KEY = "mc_paths"
"""Query parameter of a share link that carries the path count beside ``scenario=``."""

SETTINGS = ("n_paths", "steps", "volatility", "drift", "seed", "leverage")
"""The run settings, each a trait of :class:`MonteCarloExplorer` (with ``scenario``)."""

# links made before the path count had its own parameter noted it in the description
_LEGACY_NOTE = re.compile(r"\s*\[Monte Carlo: ([\d,]+) paths\]\s*$")
MAX_VOLATILITY = 5.0
"""Largest annualised volatility accepted (500 %)."""
MAX_DRIFT = 2.0
"""Largest annualised drift accepted, either sign (200 %)."""
PATHS_RANGE = (10, 20_000)
"""Fewest and most paths per run."""
STEPS_RANGE = (2, 20_000)
"""Fewest and most steps per path."""
LEVERAGE_RANGE = (1, 125)
"""Leverage the control offers (the venue's brackets may allow less)."""
MAX_SEED = 2**63 - 1


def _percent(text: str | float, what: str, lo: float, hi: float, example: str) -> float:
    t = str(text).strip().rstrip("%").strip().replace(",", ".").replace("−", "-")
    try:
        v = float(t) / 100.0
    except ValueError:
        raise MarginInputError(f"the {what} must be a percentage such as {example}, got "
                               f"{str(text)[:40]!r}") from None
    if not (np.isfinite(v) and lo <= v <= hi):
        raise MarginInputError(f"the {what} must be between {lo:.0%} and {hi:.0%} a year, "
                               f"got {str(text)[:40]!r}")
    return v


def parse_volatility(text: str | float) -> float:
    """An annualised volatility typed as it is displayed: ``"60%"``, ``"60"`` or ``"60 %"``.

    The box shows percent, so a bare number is read as percent too (``"60"`` is 60 %,
    ``"0.5"`` is 0.5 %). Returns the fraction (0.6); raises MarginInputError otherwise.

    >>> parse_volatility("60%"), parse_volatility("60"), parse_volatility(" 125 % ")
    (0.6, 0.6, 1.25)
    """
    return _percent(text, "volatility", 0.0, MAX_VOLATILITY, "60%")


def format_volatility(v: float) -> str:
    """``0.6`` -> ``"60%"`` (the form :func:`parse_volatility` reads back)."""
    return f"{v * 100:.4g}%"


def parse_drift(text: str | float) -> float:
    """An annualised drift typed as it is displayed: ``"-20%"``, ``"-20"`` (both -0.2).

    >>> parse_drift("-20%"), parse_drift("35"), parse_drift("0%")
    (-0.2, 0.35, 0.0)
    """
    return _percent(text, "drift", -MAX_DRIFT, MAX_DRIFT, "-20%")


def format_drift(v: float) -> str:
    """``-0.2`` -> ``"-20%"`` (the form :func:`parse_drift` reads back)."""
    return f"{v * 100 + 0.0:.4g}%"


def gbm_paths(
    starts: Mapping[str, float],
    steps: int,
    n_paths: int,
    *,
    volatility: float,
    drift: float,
    seed: int | None,
) -> dict[str, np.ndarray]:
    """One independent GBM fan per symbol, reproducible from one ``seed``.

    Each symbol draws from its own child of ``numpy.random.SeedSequence(seed)``, in the order
    of ``starts``, so adding a symbol does not change the paths of the others.

    >>> p = gbm_paths({"BTCUSDT": 60_000.0}, 5, 3, volatility=0.6, drift=0.0, seed=1)
    >>> p["BTCUSDT"].shape, float(p["BTCUSDT"][0, 0])
    ((3, 5), 60000.0)
    """
    seq = np.random.SeedSequence(seed)
    children = seq.spawn(len(starts))
    return {
        sym: core_paths.gbm(start, steps, drift=drift, volatility=volatility,
                            n_paths=n_paths, seed=np.random.default_rng(child))
        for (sym, start), child in zip(starts.items(), children, strict=True)
    }
def summary_text(mc: Mapping[str, MonteCarloResult], currency: str) -> str:
    """The result in two or three plain sentences (HTML-safe text)."""
    cross, iso = mc["cross"], mc["isolated"]
    wallet = cross.initial_wallet
    n = cross.final_equity.size
    out = []
    hit_c = (cross.liquidated_at >= 0).any(axis=0)
    hit_i = (iso.liquidated_at >= 0).any(axis=0)
    pc, pi = float(hit_c.mean()), float(hit_i.mean())

    def money(v: float) -> str:
        return style.fmt_money(v, currency)

    def outcome(loss: float) -> str:
        """A loss as words whose sign cannot be misread."""
        return f"a gain of {money(-loss)}" if loss < 0 else f"a loss of {money(loss)}"

    if hit_c.any():
        lost = float(cross.loss[hit_c].mean())
        out.append(f"Cross: {style.fmt_pct(pc)} of paths liquidated, and on those paths the "
                   f"cross wallet went with it (on average {outcome(lost)} of a "
                   f"{money(wallet)} wallet).")
    else:
        out.append(f"Cross: no path out of {n:,} was liquidated: the whole wallet "
                   f"({money(wallet)}) backed the positions.")
    n_pos = iso.liquidated_at.shape[0]
    what = "its isolated margin" if n_pos == 1 else "at least one isolated margin"
    if hit_i.any():
        lost = float(iso.loss[hit_i].mean())
        out.append(f"Isolated: {style.fmt_pct(pi)} of paths lost {what} (on average "
                   f"{outcome(lost)} on those paths); the rest of the wallet was never at "
                   "risk.")
    else:
        out.append(f"Isolated: no path out of {n:,} lost an isolated margin.")
    sc, si = cross.summary(), iso.summary()
    def tail(loss: float) -> str:
        return (f"lose more than {money(loss)}" if loss > 0
                else f"still end with a gain of at least {money(-loss)}")

    out.append(f"On average over all paths the result is {outcome(sc['mean_loss'])} in cross "
               f"and {outcome(si['mean_loss'])} in isolated; the worst 5 % of paths "
               f"{tail(sc['loss_95'])} in cross and {tail(si['loss_95'])} in isolated.")
    return " ".join(out)


@dataclass(frozen=True)
class MonteCarloRun:
    """The settings of one run (validated)."""

    scenario: Scenario
    n_paths: int
    steps: int
    volatility: float
    drift: float
    seed: int | None

    @property
    def work(self) -> int:
        """Number of simulated prices (paths x steps x symbols)."""
        syms = {p.symbol for p in self.scenario.positions}
        return self.n_paths * self.steps * max(1, len(syms))


def _whole_number(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise MarginInputError(f"the {what} must be a whole number, got {value!r}")
    return int(value)


def common_leverage(scenario: Scenario) -> int | None:
    """The leverage every position of ``scenario`` shares, if it is a whole number."""
    levs = {float(p.leverage) for p in scenario.positions}
    if len(levs) == 1:
        lev = levs.pop()
        if lev.is_integer():
            return int(lev)
    return None


class MonteCarloExplorer(Dashboard):
    """Many random price paths through one scenario, cross against isolated.

    Parameters
    ----------
    scenario : Scenario or str, optional
        A scenario, or a key of ``PRESETS`` (default ``"one_long"``).
    n_paths, steps : int
        Paths per run and steps per path (default: the scenario's steps).
    volatility, drift : float
        Annualised GBM volatility and drift (0.6 is typical of bitcoin). The volatility and
        drift boxes show and read percent ("60%" or "60").
    seed : int or None
        The same seed gives the same paths (:func:`gbm_paths`); ``None`` is seed 0.
    leverage : int, optional
        Leverage of every position (default: the scenario's own). In isolated mode it sets
        the isolated margin (the initial margin) and so the liquidation price; in cross it
        only sizes the initial margin.
    background : bool
        Run long computations (about a second or more) in a thread with a progress bar and
        a Cancel button. ``False`` always runs in the calling thread.
    auto_run : bool
        Run once at construction (and after every change of a setting).
    chunk_size : int
        Paths per engine chunk; progress is reported after each chunk.

    Traits
    ------
    scenario : Scenario
        The scenario whose positions run over the random paths.
    n_paths, steps, volatility, drift, seed, leverage
        The run settings (:data:`SETTINGS`; ``leverage`` is ``None`` for each position's
        own). Each is validated: a refused value keeps the previous one and sets ``error``;
        an equal value runs nothing; changes inside ``hold_trait_notifications`` (or
        :meth:`batch`) run once. The controls are linked to them.
    result : DashboardResult or None
        The run on screen (:class:`~margin_widgets.core.results.DashboardResult`, kind
        ``"monte_carlo"``); ``result.detail`` (and ``result["cross"]``) is
        ``{"cross": MonteCarloResult, "isolated": MonteCarloResult}``.

    Attributes
    ----------
    scenario_dropdown, paths_input, steps_input, volatility_input, drift_input, seed_input,
    leverage_slider, run_button, cancel_button, progress_bar : ipywidgets
        The controls (CSS classes ``mw-mc-*``).
    summary_html : ipywidgets.HTML
        The result in words (``mw-mc-summary``).
    charts : MonteCarloCharts
        ``bands_figures`` (cross, isolated), ``probability_figure``, ``loss_figure``.
    paths : dict or None
        The mark paths of the run on screen (kept for inspection; never sent to the browser).
    last_run : MonteCarloRun or None
        The settings of the run on screen.
    state : str
        ``"idle"``, ``"running"``, ``"done"``, ``"cancelled"`` or ``"failed"``.
    """

    n_paths = Int(1_000, help="Paths per run (the Paths box; a share link carries it as "
                              "mc_paths=N).").tag(shared=True)
    steps = Int(2, help="Steps per path, one hour each (the Steps box; a share link carries "
                        "it as the scenario's steps).").tag(shared=True)
    volatility = Float(0.6, help="Annualised volatility of the random paths, a fraction "
                                 "(0.6 = 60 %; the Volatility box).").tag(shared=True)
    drift = Float(0.0, help="Annualised drift of the random paths, a fraction (the Drift "
                            "box).").tag(shared=True)
    seed = Int(7, help="Seed of the random paths (the Seed box).").tag(shared=True)
    leverage = Int(None, allow_none=True, help="Leverage of every position; None: each "
                                              "position's own (the Leverage slider)."
                   ).tag(shared=True)

    def __init__(
        self,
        scenario: Scenario | str | None = None,
        *,
        n_paths: int = 1_000,
        steps: int | None = None,
        volatility: float = 0.6,
        drift: float = 0.0,
        seed: int | None = 7,
        leverage: int | None = None,
        background: bool = True,
        auto_run: bool = True,
        chunk_size: int = 256,
        **kwargs: Any,
    ) -> None:
        # settings are accepted as given until the explorer is built (then validated once)
        self._ready = False
        self._in_force: dict[str, Any] = {}
        self._setting_error = ""
        self._batch_refused = False
        super().__init__(title="Monte Carlo: cross vs isolated over many futures",
                         css_class="mw-montecarlo", **kwargs)
        if scenario is None:
            scenario = "one_long"
        if isinstance(scenario, str):
            if scenario not in PRESETS:
                raise MarginInputError(f"unknown scenario {scenario!r}; presets are: "
                                       f"{', '.join(PRESETS)}")
            key, custom = scenario, None
        elif isinstance(scenario, Scenario):
            preset = [k for k, s in PRESETS.items() if s is scenario]
            key, custom = (preset[0], None) if preset else (CUSTOM, scenario)
        else:
            raise MarginInputError("scenario must be a Scenario or a preset key")
        self.background = bool(background)
        self.auto_run = bool(auto_run)
        self.chunk_size = int(chunk_size)
        self._custom = custom
        # while the explorer shows a loaded scenario in its own controls (or puts back a
        # refused one), the dropdown's observer must not load a preset and no run may start
        self._loading = 0
        self._showing = 0                # the explorer writes a control: do not read it back
        self._lock = threading.Lock()
        self._generation = 0
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._starts: dict[int, tuple[Scenario, dict[str, float]]] = {}
        self.paths: dict[str, np.ndarray] | None = None
        self.last_run: MonteCarloRun | None = None
        self.state = "idle"
        self.run_count = 0

        first = self._scenario_for(key) if custom is None else custom
        given: dict[str, Any] = {
            "n_paths": n_paths, "steps": first.steps if steps is None else steps,
            "volatility": volatility, "drift": drift, "seed": 0 if seed is None else seed,
            "leverage": common_leverage(first) if leverage is None else leverage}
        values = {k: self._check_setting(k, v, scenario=first, **given)
                  for k, v in given.items()}
        for k, v in values.items():
            self.set_trait(k, v)
        self._in_force = dict(values)

        options = [(s.title or k, k) for k, s in PRESETS.items()]
        if custom is not None:
            options.insert(0, (f"Given: {custom.title or 'scenario'}", CUSTOM))
        self.scenario_dropdown = w.Dropdown(options=options, value=key,
                                            description="Scenario",
                                            layout=w.Layout(width="340px"))
        self.paths_input = w.BoundedIntText(value=self.n_paths, min=PATHS_RANGE[0],
                                            max=PATHS_RANGE[1], step=100,
                                            description="Paths",
                                            layout=w.Layout(width="170px"))
        self.steps_input = w.BoundedIntText(value=self.steps, min=STEPS_RANGE[0],
                                            max=STEPS_RANGE[1], step=50,
                                            description="Steps (h)",
                                            layout=w.Layout(width="170px"))
        self.volatility_input = w.Text(value=format_volatility(self.volatility),
                                       description="Volatility", continuous_update=False,
                                       placeholder="60%", layout=w.Layout(width="170px"),
                                       tooltip="Annualised, in percent: 60% or 60")
        self.leverage_slider = w.IntSlider(value=self._leverage_shown(first, self.leverage),
                                           min=LEVERAGE_RANGE[0], max=LEVERAGE_RANGE[1],
                                           description="Leverage", readout_format="d",
                                           continuous_update=False,
                                           layout=w.Layout(width="300px"))
        # a text box, not a slider: a slider's readout shows "20%" but reads "20" as 2,000 %
        self.drift_input = w.Text(value=format_drift(self.drift), description="Drift",
                                  continuous_update=False, placeholder="0%",
                                  layout=w.Layout(width="170px"),
                                  tooltip="Annualised, in percent: -20% or -20")
        self.seed_input = w.IntText(value=self.seed, description="Seed",
                                    layout=w.Layout(width="150px"))
        self.run_button = w.Button(description="Run", icon="play", button_style="primary")
        self.cancel_button = w.Button(description="Cancel", icon="stop",
                                      button_style="warning", disabled=True)
        self.progress_bar = w.IntProgress(value=0, min=0, max=100, description="Running",
                                          layout=w.Layout(width="320px"))
        self.progress_box = w.HBox([self.progress_bar, self.cancel_button],
                                   layout=w.Layout(display="none"))
        self.summary_html = w.HTML()
        self.description_html = w.HTML()
        self.charts = MonteCarloCharts(currency=first.account().currency)
        for ctl, css in ((self.scenario_dropdown, "mw-mc-scenario"),
                         (self.paths_input, "mw-mc-paths"), (self.steps_input, "mw-mc-steps"),
                         (self.volatility_input, "mw-mc-volatility"),
                         (self.leverage_slider, "mw-mc-leverage"),
                         (self.drift_input, "mw-mc-drift"), (self.seed_input, "mw-mc-seed"),
                         (self.run_button, "mw-mc-run"), (self.cancel_button, "mw-mc-cancel"),
                         (self.progress_bar, "mw-mc-progress"),
                         (self.progress_box, "mw-mc-progress-box"),
                         (self.summary_html, "mw-mc-summary")):
            ctl.add_class(css)

        self.scenario_dropdown.observe(self._on_scenario, names="value")
        self._bind(self.paths_input, "n_paths", int, int)
        self._bind(self.steps_input, "steps", int, int)
        self._bind(self.volatility_input, "volatility", parse_volatility, format_volatility)
        self._bind(self.drift_input, "drift", parse_drift, format_drift)
        self._bind(self.seed_input, "seed", int, int)
        self._bind(self.leverage_slider, "leverage", int,
                   lambda v: self._leverage_shown(self.scenario, v))
        self.run_button.on_click(lambda _b: self.recompute())
        self.cancel_button.on_click(lambda _b: self.cancel())

        vol_help = info_html("annualised", "Volatility and drift are per year; one step is one "
                             "hour. 60 % a year is typical of bitcoin.")
        self.children = [
            self.css, self.title_html, self.description_html, self.error_box,
            w.HBox([self.scenario_dropdown, self.paths_input, self.steps_input,
                    self.seed_input], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.volatility_input, self.drift_input, w.HTML(vol_help),
                    self.leverage_slider, w.HTML(info_html(
                        "every position", "Leverage of every position of the scenario. "
                        "Isolated: the initial margin (notional ÷ leverage) becomes the "
                        "isolated margin, so leverage moves the liquidation price. Cross: it "
                        "only sizes the initial margin.")),
                    self.run_button], layout=w.Layout(flex_flow="row wrap",
                                                      align_items="center")),
            self.progress_box, self.summary_html,
            w.HBox([self.charts.panels["bands_cross"], self.charts.panels["bands_isolated"]],
                   layout=w.Layout(width="100%", flex_flow="row wrap")),
            w.HTML("<div class='mw-caption'>Shaded: the middle 50 % of paths (dark) and 90 % "
                   "of paths (light); line: the median equity at each step. Both panels share one "
                   "scale.</div>"),
            w.HBox([self.charts.panels["probability"], self.charts.panels["loss"]],
                   layout=w.Layout(width="100%", flex_flow="row wrap")),
            self.status,
        ]
        self._committed = first            # shown as it is: the first run follows
        self.set_trait("scenario", first)
        self._describe(first)
        self._ready = True
        if self.auto_run:
            self.recompute()

    # -- the settings traits ------------------------------------------------------------------
    def _check_setting(self, name: str, value: Any, *, scenario: Scenario | None = None,
                       **others: Any) -> Any:
        """``value`` as setting ``name`` if the explorer can run it (MarginInputError if not).

        The path count and the steps are checked together (the work of a run), the leverage
        against the scenario's venue (the engine's own checks); ``others`` stand in for the
        current value of the other settings, ``scenario`` for the scenario's.
        """
        def current(n: str) -> Any:
            return others[n] if n in others else getattr(self, n)

        sc = self.scenario if scenario is None else scenario
        if name in ("n_paths", "steps"):
            n = _whole_number(value, "path count" if name == "n_paths" else "number of steps")
            lo, hi = PATHS_RANGE if name == "n_paths" else STEPS_RANGE
            if not lo <= n <= hi:
                what = "path count" if name == "n_paths" else "number of steps"
                raise MarginInputError(f"the {what} must be between {lo:,} and {hi:,}, "
                                       f"got {n:,}")
            paths, steps = (n, int(current("steps"))) if name == "n_paths" else \
                (int(current("n_paths")), n)
            if isinstance(sc, Scenario):
                check_work(len(sc.positions), steps, paths, limit=MAX_MONTE_CARLO_WORK)
            return n
        if name in ("volatility", "drift"):
            v = float(value)
            low, high = ((0.0, MAX_VOLATILITY) if name == "volatility"
                         else (-MAX_DRIFT, MAX_DRIFT))
            if not (math.isfinite(v) and low <= v <= high):
                raise MarginInputError(f"the {name} must be between {low:.0%} and {high:.0%} "
                                       f"a year, got {v:.4g}")
            return v
        if name == "seed":
            s = _whole_number(value, "seed")
            if not 0 <= s <= MAX_SEED:
                raise MarginInputError(f"the seed must be zero or a positive whole number, "
                                       f"got {s}")
            return s
        if name == "leverage":
            if value is None:
                return None
            lev = _whole_number(value, "leverage")
            if not LEVERAGE_RANGE[0] <= lev <= LEVERAGE_RANGE[1]:
                raise MarginInputError(f"the leverage must be between {LEVERAGE_RANGE[0]} and "
                                       f"{LEVERAGE_RANGE[1]}, got {lev}")
            if isinstance(sc, Scenario):
                self._leveraged(sc, lev).account()    # the venue's brackets may refuse it
            return lev
        raise KeyError(name)

    def _refuse(self, message: str) -> None:
        self._setting_error = message
        self.show_error(message)

    @validate(*SETTINGS)
    def _validate_setting(self, proposal: Any) -> Any:
        """Accept a setting the explorer can run; keep the previous one (say why) if not."""
        name, new = proposal["trait"].name, proposal["value"]
        if not self._ready:
            return new
        old = self._in_force.get(name, new)
        try:
            value = self._check_setting(name, new)
        except MarginInputError as exc:
            self._refuse(str(exc))
            return old
        self._in_force[name] = value
        if self._batch_refused:
            return value               # the batch's own values were put back: keep saying why
        if self._setting_error and self.error == self._setting_error:
            self.clear_error()         # a refused value was replaced by one that is fine
        self._setting_error = ""
        return value

    @observe(*SETTINGS)
    def _setting_changed(self, change: Any) -> None:
        if change["old"] == change["new"] or not self._ready:
            return                      # a refused value put back inside a batch
        if self._loading or not self.auto_run:
            return
        self.request_recompute()

    @contextmanager
    def hold_trait_notifications(self) -> Iterator[None]:
        """Hold notifications: every change inside runs at most once, when the hold ends.

        Before the held values are validated one by one, they are checked together (a path
        count and a step count fine alone may be too much work together): if the engine
        refuses the combination, every setting of the batch keeps its previous value.
        """
        if not getattr(self, "_ready", False):
            with super().hold_trait_notifications():
                yield
            return
        outermost = not self._cross_validation_lock
        self._batch_depth += 1
        try:
            with super().hold_trait_notifications():
                yield
                if outermost:
                    self._check_together()
        finally:
            if outermost:
                self._batch_refused = False
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._dirty:
                self._dirty = False
                self.recompute()

    def _check_together(self) -> None:
        pending = {n: getattr(self, n) for n in SETTINGS}
        if pending == self._in_force:
            return
        try:
            sc = self.scenario if isinstance(self.scenario, Scenario) else None
            for n, v in pending.items():
                self._check_setting(n, v, scenario=sc, **pending)
        except MarginInputError as exc:
            self._batch_refused = True
            for n, v in self._in_force.items():
                self.set_trait(n, v)
            self._refuse(str(exc))

    def _bind(self, control: w.Widget, name: str, read: Callable[[Any], Any],
              show: Callable[[Any], Any]) -> None:
        """Link ``control.value`` and the trait ``name`` (``read`` may refuse the text).

        A refused value stays in the control (the error box says why) while the trait keeps
        the value in force; a trait assigned from code is shown in the control.
        """
        def from_control(change: dict[str, Any]) -> None:
            if self._showing:
                return
            with self._guard(name) as g:
                value = read(change["new"])
            if not g.ok:
                self._setting_error = self.error
                return
            with self._guard(name):
                setattr(self, name, value)
                if not self.batching and getattr(self, name) == value:
                    self._show(control, show(value))   # "60" is shown as "60%"

        def from_trait(change: dict[str, Any]) -> None:
            self._show(control, show(change["new"]))

        control.observe(from_control, names="value")
        self.observe(from_trait, names=name)

    def _show(self, control: w.Widget, value: Any) -> None:
        if control.value == value:
            return
        self._showing += 1
        try:
            control.value = value
        finally:
            self._showing -= 1

    def _leverage_shown(self, scenario: Scenario, leverage: int | None = None) -> int:
        """What the slider shows: the setting, else the first position's own leverage."""
        if leverage is not None:
            return int(leverage)
        lev = scenario.positions[0].leverage if scenario.positions else 1
        return int(min(max(round(lev), LEVERAGE_RANGE[0]), LEVERAGE_RANGE[1]))

    @staticmethod
    def _leveraged(sc: Scenario, lev: int | None) -> Scenario:
        if lev is None or all(float(p.leverage) == lev for p in sc.positions):
            return sc
        return sc.replace(positions=tuple(p.with_(leverage=float(lev)) for p in sc.positions))

    # -- inputs -----------------------------------------------------------------------------
    def _scenario_for(self, key: str) -> Scenario:
        if key == CUSTOM:
            assert self._custom is not None
            return self._custom
        return PRESETS[key]

    @property
    def base_scenario(self) -> Scenario:
        """The scenario selected, as given (the :attr:`scenario` trait)."""
        return self.scenario

    def run_scenario(self) -> Scenario:
        """The selected scenario with the :attr:`leverage` setting applied to every position."""
        return self._leveraged(self.scenario, self.leverage)

    def share_scenario(self) -> Scenario:
        """Everything on screen but the path count as one scenario, for download and links.

        Leverage applied; each symbol's path is the GBM recipe of the run (start, volatility,
        drift, seed); the steps are :attr:`steps`. The path count is the :attr:`n_paths`
        trait: :meth:`share_query` carries it beside the scenario.
        """
        sc = self.run_scenario()
        starts = self._starts_for(self.scenario)
        specs = {s: PathSpec("gbm", {"start": v, "drift": float(self.drift),
                                     "volatility": float(self.volatility)},
                             seed=int(self.seed)) for s, v in starts.items()}
        return sc.replace(paths={**sc.paths, **specs}, steps=int(self.steps))

    def share_query(self) -> str:
        """``scenario=...&mc_paths=N``: what a share link (and the page's URL) carries."""
        return f"{self.share_scenario().to_query()}&{QUERY_KEY}={int(self.n_paths)}"

    def query_settings(self, query: str | None) -> dict[str, Any]:
        """The settings a page's query carries beside the scenario (``{"n_paths": N}``)."""
        vals = parse_qs((query or "").lstrip("?")).get(QUERY_KEY)
        if not vals:
            return {}
        text = vals[0].replace(",", "")
        if not text.isdigit() or len(text) > 9:
            raise MarginInputError("the shared link's path count is not a whole number")
        return {"n_paths": self._check_paths(int(text))}

    def _check_paths(self, n: int) -> int:
        if not PATHS_RANGE[0] <= n <= PATHS_RANGE[1]:
            raise MarginInputError(f"the shared run has {n:,} paths; this explorer runs "
                                   f"{PATHS_RANGE[0]:,} to {PATHS_RANGE[1]:,}")
        return n

    def settings_of(self, scenario: Scenario,
                    n_paths: int | None = None) -> tuple[Scenario, dict[str, Any]]:
        """The run settings a (shared) scenario carries, checked; and the scenario to keep.

        Steps from the scenario; volatility, drift and seed from its GBM paths when every
        symbol has the same recipe; the leverage every position shares (else each keeps its
        own); the path count from ``n_paths`` (a link's ``mc_paths``) or, for a link made
        before the path count had its own query parameter, from the note at the end of the
        description (taken out of it). Settings the scenario does not carry keep their value.
        Raises MarginInputError when a setting is out of range.
        """
        out: dict[str, Any] = {"steps": scenario.steps, "leverage": common_leverage(scenario)}
        m = _LEGACY_NOTE.search(scenario.description)
        if m:
            out["n_paths"] = self._check_paths(int(m.group(1).replace(",", "")))
            scenario = scenario.replace(description=_LEGACY_NOTE.sub("", scenario.description))
        if n_paths is not None:
            out["n_paths"] = self._check_paths(int(n_paths))
        specs = [scenario.paths[s] for s in dict.fromkeys(p.symbol for p in
                                                          scenario.positions)]
        if specs and all(sp.generator == "gbm" for sp in specs):
            vols = {float(sp.params.get("volatility", 0.6)) for sp in specs}
            drifts = {float(sp.params.get("drift", 0.0)) for sp in specs}
            if len(vols) == 1 and len(drifts) == 1:
                out["volatility"], out["drift"] = vols.pop(), drifts.pop()
            seeds = {sp.seed for sp in specs}
            if len(seeds) == 1 and specs[0].seed is not None:
                out["seed"] = int(specs[0].seed)
        together = {**{n: getattr(self, n) for n in SETTINGS}, **out}
        checked = {n: self._check_setting(n, v, scenario=scenario, **together)
                   for n, v in out.items()}
        return scenario, checked

    def set_scenario(self, scenario: Scenario, n_paths: int | None = None) -> bool:
        """Use ``scenario`` and the run settings it carries (one batch, one run).

        Errors go to the box; a refused scenario is not kept: the previous selection and
        settings stay.
        """
        previous = (self._custom, self.scenario_dropdown.options,
                    self.scenario_dropdown.value, dict(self._in_force), self.scenario)
        self._refused = False
        with self._guard("load scenario") as g:
            scenario.account()
            scenario, settings = self.settings_of(scenario, n_paths)
            with self.batch():
                self._loading += 1
                try:
                    self._show_selection(scenario)
                finally:
                    self._loading -= 1
                for name, value in settings.items():
                    setattr(self, name, value)
                self.scenario = scenario
                self.request_recompute()
        ok = g.ok and not self._refused and not self.error_message
        if not ok:
            with self._guard("restore scenario"):
                self._loading += 1
                try:
                    self._committed = previous[4]
                    self.set_trait("scenario", previous[4])
                    self._custom = previous[0]
                    self.scenario_dropdown.options = previous[1]
                    self.scenario_dropdown.value = previous[2]
                    with self.hold_trait_notifications():   # checked together, no run
                        for name, value in previous[3].items():
                            self.set_trait(name, value)
                finally:
                    self._loading -= 1
                self._describe(self.scenario)
        return ok

    def _show_selection(self, scenario: Scenario) -> None:
        """Select ``scenario`` in the dropdown (a "Given" entry when it is no preset)."""
        key = next((k for k, s in PRESETS.items() if s is scenario), None)
        if key is None:
            self._custom = scenario
            opts = [o for o in self.scenario_dropdown.options if o[1] != CUSTOM]
            self.scenario_dropdown.options = [
                (f"Given: {scenario.title or 'scenario'}", CUSTOM), *opts]
            key = CUSTOM
        self.scenario_dropdown.value = key

    # -- the scenario trait -------------------------------------------------------------------
    def _evaluate(self, scenario: Any) -> Any:
        if not isinstance(scenario, Scenario):
            raise MarginInputError("the scenario must be a margin_widgets Scenario")
        scenario.account()
        return PENDING                     # the run (maybe in a thread) sets the result

    def _commit(self, previous: Any) -> None:
        sc = self.scenario
        with self.batch():
            if self.scenario_dropdown.value is None or \
                    self._scenario_for(self.scenario_dropdown.value) is not sc:
                self._loading += 1         # assigned from code: show it, then run it once
                try:
                    self._show_selection(sc)
                finally:
                    self._loading -= 1
            # a leverage that followed the previous scenario follows the new one; one the
            # person chose stays
            if isinstance(previous, Scenario) and self.leverage == common_leverage(previous):
                self.leverage = common_leverage(sc)
            self._show(self.leverage_slider, self._leverage_shown(sc, self.leverage))
            self._describe(sc)
            if self.auto_run:
                self.request_recompute()

    def _on_scenario(self, change: dict[str, Any]) -> None:
        """A scenario picked in the dropdown: its steps and its own leverage, one run."""
        if self._loading:
            return
        with self._guard("scenario"), self.batch():
            sc = self._scenario_for(change["new"])
            self.steps = sc.steps
            self.leverage = common_leverage(sc)
            self.scenario = sc

    def _describe(self, sc: Scenario) -> None:
        pos = "; ".join(p.describe() for p in sc.positions)
        self.description_html.value = (
            f"<div class='mw-caption'>{user_text(sc.description)} Positions: "
            f"{esc(pos)}. Wallet {esc(style.fmt_money(sc.wallet_balance))}. "
            "The scenario's own path is replaced by random ones (independent per symbol); "
            "isolated runs give each position its initial margin.</div>")

    def _starts_for(self, sc: Scenario) -> dict[str, float]:
        """First mark of every symbol of the scenario (its path built once per scenario)."""
        key = id(sc)
        hit = self._starts.get(key)
        if hit is None or hit[0] is not sc:   # the scenario is kept, so its id stays its own
            marks = sc.mark_paths()
            hit = (sc, {s: float(p[0]) for s, p in marks.items()})
            self._starts[key] = hit
        return hit[1]

    def settings(self) -> MonteCarloRun:
        """The run the settings traits describe (validated by the engine)."""
        sc = self.run_scenario()
        run = MonteCarloRun(scenario=sc, n_paths=int(self.n_paths), steps=int(self.steps),
                            volatility=float(self.volatility), drift=float(self.drift),
                            seed=int(self.seed))
        if not math.isfinite(run.volatility) or run.n_paths < 1 or run.steps < 2:
            raise MarginInputError("a run needs at least one path of at least two steps")
        check_work(len(sc.positions), run.steps, run.n_paths, limit=MAX_MONTE_CARLO_WORK)
        sc.account()
        return run

    # -- running ----------------------------------------------------------------------------
    def _recompute(self) -> None:
        self.recompute_count += 1
        run = self.settings()
        starts = self._starts_for(self.base_scenario)
        with self._lock:
            self._cancel.set()                 # a run still in flight is superseded
            self._generation += 1
            gen = self._generation
            self._cancel = threading.Event()
            cancel = self._cancel
        self.state = "running"
        self.run_count += 1
        threaded = self.background and run.work > BACKGROUND_WORK
        self.progress_bar.value = 0
        self.cancel_button.disabled = False
        self.run_button.disabled = threaded
        if threaded:
            self.progress_box.layout.display = None
            self.show_status(f"Running {run.n_paths:,} paths × {run.steps:,} steps…")
            self._thread = threading.Thread(target=self._work, args=(run, starts, gen, cancel),
                                            name="margin-widgets-monte-carlo", daemon=True)
            self._thread.start()
        else:
            try:
                self._execute(run, starts, gen, cancel)
            except BaseException:
                self._finish(gen, "failed")
                raise

    def _work(self, run: MonteCarloRun, starts: dict[str, float], gen: int,
              cancel: threading.Event) -> None:
        """Thread body: errors end in the error box like any callback's."""
        ok = False
        with self._guard("Monte Carlo run"):
            self._execute(run, starts, gen, cancel)
            ok = True
        if not ok:
            self._finish(gen, "failed")

    def _execute(self, run: MonteCarloRun, starts: dict[str, float], gen: int,
                 cancel: threading.Event) -> None:
        t0 = time.perf_counter()
        sc = run.scenario

        def progress(frac: float) -> bool:
            if cancel.is_set():
                return False
            self.progress_bar.value = int(round(100 * frac))
            return not cancel.is_set()

        try:
            paths = gbm_paths(starts, run.steps, run.n_paths, volatility=run.volatility,
                              drift=run.drift, seed=run.seed)
            if cancel.is_set():
                raise MonteCarloCancelled("cancelled before the paths were simulated")
            mc = monte_carlo(sc.account(), paths, **sc.sim_kwargs(),  # transfers included
                             chunk_size=self.chunk_size, progress=progress)
        except MonteCarloCancelled:
            with self._lock:
                current = gen == self._generation
            if current:
                self._finish(gen, "cancelled")
                self.show_status("Run cancelled: the charts still show the previous run.")
            return
        with self._lock:
            if gen != self._generation:        # superseded while running: drop it
                return
            self._apply(run, paths, mc)
        self._finish(gen, "done")
        self.show_status(f"{run.n_paths:,} paths × {run.steps:,} steps in "
                         f"{time.perf_counter() - t0:.2f} s.")

    def _apply(self, run: MonteCarloRun, paths: dict[str, np.ndarray],
               mc: dict[str, MonteCarloResult]) -> None:
        currency = mc["cross"].account.currency
        self.charts.set_currency(currency)
        self.charts.update({m: ModeSeries.from_result(mc[m]) for m in ("cross", "isolated")})
        self.summary_html.value = (f"<div class='mw-summary'>"
                                   f"{esc(summary_text(mc, currency))}</div>")
        self.paths, self.last_run = paths, run
        ran = run.scenario.replace(paths={**run.scenario.paths, **{
            s: PathSpec("gbm", {"start": float(p[0, 0]), "drift": run.drift,
                                "volatility": run.volatility}, seed=run.seed)
            for s, p in paths.items()}}, steps=run.steps)
        self.set_trait("result", from_monte_carlo(ran, mc))
        self.clear_error()

    def _finish(self, gen: int, state: str) -> None:
        with self._lock:
            if gen != self._generation:
                return
        self.state = state
        self.progress_box.layout.display = "none"
        self.cancel_button.disabled = True
        self.run_button.disabled = False

    def cancel(self) -> None:
        """Stop the run in flight; the charts keep the previous run."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background run to end; True if none is running any more."""
        t = self._thread
        if t is not None:
            t.join(timeout)
            return not t.is_alive()
        return True

    # -- for lessons and tests ----------------------------------------------------------------
    @property
    def series(self) -> dict[str, ModeSeries] | None:
        """The arrays on the charts, by mode."""
        if self.result is None:
            return None
        return {m: ModeSeries.from_result(self.result.detail[m]) for m in ("cross", "isolated")}

    def liquidated_share(self) -> dict[str, float]:
        """Share of paths with at least one liquidation, by mode."""
        if self.result is None:
            return {}
        return {m: float((r.liquidated_at >= 0).any(axis=0).mean())
                for m, r in self.result.detail.items()}
