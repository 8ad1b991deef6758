"""Monte Carlo explorer: how often, and how badly, cross and isolated lose over many futures.

:class:`MonteCarloExplorer` takes a scenario (a preset of :data:`margin_widgets.core.PRESETS`
or any :class:`~margin_widgets.core.Scenario`), replaces its hand-made price path by many
random ones (geometric Brownian motion from :func:`margin_widgets.core.paths.gbm`, one
independent fan per symbol, each starting at the scenario's first mark), and asks
:func:`margin_widgets.core.monte_carlo` what happens with every position cross and with every
position isolated. It shows the equity percentile bands over time, the share of paths
liquidated by each step, the distribution of final losses, and a summary in words.

Thousands of paths are reduced in the kernel (percentile bands, a histogram); nothing sends
one line per path. A run expected to take more than about a second runs in a background
thread with a progress bar and a Cancel button; its result replaces the charts only when it is
complete, so a cancelled run leaves the previous charts on screen. ``background=False`` runs
everything in the calling thread (tests, scripts).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as w
import numpy as np
from traitlets import Int, link

from ..charts import style
from ..charts.montecarlo import ModeSeries, MonteCarloCharts
from ..core import PRESETS, MonteCarloCancelled, MonteCarloResult, Scenario, monte_carlo
from ..core import paths as core_paths
from ..core.errors import MarginInputError
from ..core.scenario import MAX_MONTE_CARLO_WORK, PathSpec, check_work
from .base import PENDING, Dashboard, info_html
from .markup import esc, user_text

__all__ = ["MonteCarloExplorer", "MonteCarloRun", "gbm_paths", "summary_text",
           "parse_volatility", "format_volatility"]

BACKGROUND_WORK = 3_000_000
"""Runs with more prices than this (paths x steps x symbols, about a second) use a thread."""

CUSTOM = "__custom__"

QUERY_KEY = "mc_paths"
"""Query parameter of a share link that carries the path count beside ``scenario=``."""

# links made before the path count had its own parameter noted it in the description
_LEGACY_NOTE = re.compile(r"\s*\[Monte Carlo: ([\d,]+) paths\]\s*$")
MAX_VOLATILITY = 5.0
"""Largest annualised volatility accepted (500 %)."""


def parse_volatility(text: str | float) -> float:
    """An annualised volatility typed as it is displayed: ``"60%"``, ``"60"`` or ``"60 %"``.

    The box shows percent, so a bare number is read as percent too (``"60"`` is 60 %,
    ``"0.5"`` is 0.5 %). Returns the fraction (0.6); raises MarginInputError otherwise.

    >>> parse_volatility("60%"), parse_volatility("60"), parse_volatility(" 125 % ")
    (0.6, 0.6, 1.25)
    """
    t = str(text).strip().rstrip("%").strip().replace(",", ".")
    try:
        v = float(t) / 100.0
    except ValueError:
        raise MarginInputError(f"the volatility must be a percentage such as 60%, got "
                               f"{str(text)[:40]!r}") from None
    if not (np.isfinite(v) and 0.0 <= v <= MAX_VOLATILITY):
        raise MarginInputError(f"the volatility must be between 0% and "
                               f"{MAX_VOLATILITY:.0%} a year, got {str(text)[:40]!r}")
    return v


def format_volatility(v: float) -> str:
    """``0.6`` -> ``"60%"`` (the form :func:`parse_volatility` reads back)."""
    return f"{v * 100:.4g}%"


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


class MonteCarloExplorer(Dashboard):
    """Many random price paths through one scenario, cross against isolated.

    Parameters
    ----------
    scenario : Scenario or str, optional
        A scenario, or a key of ``PRESETS`` (default ``"one_long"``).
    n_paths, steps : int
        Paths per run and steps per path (default: the scenario's steps).
    volatility, drift : float
        Annualised GBM volatility and drift (0.6 is typical of bitcoin). The volatility box
        shows and reads percent ("60%" or "60").
    seed : int or None
        The same seed gives the same paths (:func:`gbm_paths`).
    leverage : int, optional
        Leverage of every position (default: the scenario's own). In isolated mode it sets
        the isolated margin (the initial margin) and so the liquidation price; in cross it
        only sizes the initial margin.
    background : bool
        Run long computations (about a second or more) in a thread with a progress bar and
        a Cancel button. ``False`` always runs in the calling thread.
    auto_run : bool
        Run once at construction (and after every change of a control).
    chunk_size : int
        Paths per engine chunk; progress is reported after each chunk.

    Attributes
    ----------
    scenario_dropdown, paths_input, steps_input, volatility_input, drift_slider, seed_input,
    leverage_slider, run_button, cancel_button, progress_bar : ipywidgets
        The controls (CSS classes ``mw-mc-*``).
    summary_html : ipywidgets.HTML
        The result in words (``mw-mc-summary``).
    charts : MonteCarloCharts
        ``bands_figures`` (cross, isolated), ``probability_figure``, ``loss_figure``.
    result : dict or None
        ``{"cross": MonteCarloResult, "isolated": MonteCarloResult}`` on screen.
    paths : dict or None
        The mark paths of the run on screen (kept for inspection; never sent to the browser).
    last_run : MonteCarloRun or None
        The settings of the run on screen.
    state : str
        ``"idle"``, ``"running"``, ``"done"``, ``"cancelled"`` or ``"failed"``.
    """

    n_paths = Int(1_000, help="Paths per run (linked to the Paths box; a share link "
                              "carries it as mc_paths=N).")

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
        # while the explorer sets its own controls to show a loaded scenario (or to put back
        # a refused one), their observers must not start runs, load a preset or take the
        # leverage shown for the person's choice; a batch cannot say "no run at all"
        self._loading = 0
        self._lock = threading.Lock()
        self._generation = 0
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._starts: dict[int, tuple[Scenario, dict[str, float]]] = {}
        self.paths: dict[str, np.ndarray] | None = None
        self.last_run: MonteCarloRun | None = None
        self.state = "idle"
        self.run_count = 0

        options = [(s.title or k, k) for k, s in PRESETS.items()]
        if custom is not None:
            options.insert(0, (f"Given: {custom.title or 'scenario'}", CUSTOM))
        first = self._scenario_for(key)
        self.scenario_dropdown = w.Dropdown(options=options, value=key,
                                            description="Scenario",
                                            layout=w.Layout(width="340px"))
        self.paths_input = w.BoundedIntText(value=int(n_paths), min=10, max=20_000, step=100,
                                            description="Paths",
                                            layout=w.Layout(width="170px"))
        self.steps_input = w.BoundedIntText(value=int(steps or first.steps), min=2,
                                            max=20_000, step=50, description="Steps (h)",
                                            layout=w.Layout(width="170px"))
        self.volatility_input = w.Text(value=format_volatility(float(volatility)),
                                       description="Volatility", continuous_update=False,
                                       placeholder="60%", layout=w.Layout(width="170px"),
                                       tooltip="Annualised, in percent: 60% or 60")
        lev0 = int(leverage) if leverage is not None else int(
            round(first.positions[0].leverage)) if first.positions else 1
        self._leverage_set = leverage is not None
        self.leverage_slider = w.IntSlider(value=lev0, min=1, max=125, description="Leverage",
                                           readout_format="d", continuous_update=False,
                                           layout=w.Layout(width="300px"))
        self.drift_slider = w.FloatSlider(value=float(drift), min=-2.0, max=2.0, step=0.05,
                                          readout_format=".0%", description="Drift",
                                          continuous_update=False)
        self.seed_input = w.IntText(value=0 if seed is None else int(seed),
                                    description="Seed", layout=w.Layout(width="150px"))
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
                         (self.drift_slider, "mw-mc-drift"), (self.seed_input, "mw-mc-seed"),
                         (self.run_button, "mw-mc-run"), (self.cancel_button, "mw-mc-cancel"),
                         (self.progress_bar, "mw-mc-progress"),
                         (self.progress_box, "mw-mc-progress-box"),
                         (self.summary_html, "mw-mc-summary")):
            ctl.add_class(css)

        self.scenario_dropdown.observe(self._on_scenario, names="value")
        for ctl in (self.paths_input, self.steps_input, self.volatility_input,
                    self.drift_slider, self.seed_input):
            ctl.observe(self._on_control, names="value")
        self.leverage_slider.observe(self._on_leverage, names="value")
        self.run_button.on_click(lambda _b: self.recompute())
        self.cancel_button.on_click(lambda _b: self.cancel())

        vol_help = info_html("annualised", "Volatility and drift are per year; one step is one "
                             "hour. 60 % a year is typical of bitcoin.")
        self.children = [
            self.css, self.title_html, self.description_html, self.error_box,
            w.HBox([self.scenario_dropdown, self.paths_input, self.steps_input,
                    self.seed_input], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.volatility_input, self.drift_slider, w.HTML(vol_help),
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
        self.paths_link = link((self.paths_input, "value"), (self, "n_paths"))
        self._committed = first            # shown as it is: the first run follows
        self.set_trait("scenario", first)
        self._describe(first)
        if self.auto_run:
            self.recompute()

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
        """The selected scenario with the leverage control applied to every position."""
        sc = self.base_scenario
        if not self._leverage_set:
            return sc
        lev = float(self.leverage_slider.value)
        return sc.replace(positions=tuple(p.with_(leverage=lev) for p in sc.positions))

    def share_scenario(self) -> Scenario:
        """Everything on screen but the path count as one scenario, for download and links.

        Leverage applied; each symbol's path is the GBM recipe of the run (start, volatility,
        drift, seed). The path count is the :attr:`n_paths` trait: :meth:`share_query` carries
        it beside the scenario.
        """
        sc = self.run_scenario()
        try:
            vol = parse_volatility(self.volatility_input.value)
        except MarginInputError:          # an unreadable box: share what is on the charts
            vol = self.last_run.volatility if self.last_run is not None else 0.6
        drift = float(self.drift_slider.value)
        seed = int(self.seed_input.value)
        starts = self._starts_for(self.base_scenario)
        specs = {s: PathSpec("gbm", {"start": v, "drift": drift, "volatility": vol},
                             seed=seed) for s, v in starts.items()}
        return sc.replace(paths={**sc.paths, **specs}, steps=int(self.steps_input.value))

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
        if not self.paths_input.min <= n <= self.paths_input.max:
            raise MarginInputError(f"the shared run has {n:,} paths; this explorer runs "
                                   f"{self.paths_input.min:,} to {self.paths_input.max:,}")
        return n

    def _adopt_settings(self, scenario: Scenario) -> Scenario:
        """Take volatility, drift, seed and leverage from a shared scenario.

        A link made before the path count had its own query parameter noted it at the end
        of the description: it is still read (and taken out of the description).
        """
        m = _LEGACY_NOTE.search(scenario.description)
        if m:
            self.paths_input.value = self._check_paths(int(m.group(1).replace(",", "")))
            scenario = scenario.replace(description=_LEGACY_NOTE.sub("", scenario.description))
        specs = [scenario.paths[s] for s in dict.fromkeys(p.symbol for p in
                                                          scenario.positions)]
        if specs and all(sp.generator == "gbm" for sp in specs):
            vols = {float(sp.params.get("volatility", 0.6)) for sp in specs}
            drifts = {float(sp.params.get("drift", 0.0)) for sp in specs}
            if len(vols) == 1 and len(drifts) == 1:
                vol = vols.pop()
                parse_volatility(format_volatility(vol))      # within the accepted range
                self.volatility_input.value = format_volatility(vol)
                self.drift_slider.value = drifts.pop()
            if specs[0].seed is not None:
                self.seed_input.value = int(specs[0].seed)
        levs = {p.leverage for p in scenario.positions}
        if len(levs) == 1:
            self.leverage_slider.value = int(round(levs.pop()))
        self._leverage_set = False
        return scenario

    def set_scenario(self, scenario: Scenario, n_paths: int | None = None) -> bool:
        """Use ``scenario`` (and its run settings; one batch, one run); errors go to the box.

        A refused scenario is not kept: the previous selection, steps and description stay.
        """
        previous = (self._custom, self.scenario_dropdown.options,
                    self.scenario_dropdown.value, self.steps_input.value,
                    self.paths_input.value, self.volatility_input.value,
                    self.drift_slider.value, self.seed_input.value,
                    self.leverage_slider.value, self._leverage_set, self.scenario)
        self._refused = False
        with self._guard("load scenario") as g:
            scenario.account()
            with self.batch():
                self._loading += 1
                try:
                    if n_paths is not None:
                        self.paths_input.value = self._check_paths(int(n_paths))
                    scenario = self._adopt_settings(scenario)
                    self._show_selection(scenario)
                    self.steps_input.value = scenario.steps
                finally:
                    self._loading -= 1
                self.scenario = scenario
                self.request_recompute()
        ok = g.ok and not self._refused and not self.error_message
        if not ok:
            with self._guard("restore scenario"):
                self._loading += 1
                try:
                    self._committed = previous[10]
                    self.set_trait("scenario", previous[10])
                    self._custom = previous[0]
                    self.scenario_dropdown.options = previous[1]
                    self.scenario_dropdown.value = previous[2]
                    self.steps_input.value = previous[3]
                    # _adopt_settings may have taken the refused link's run settings
                    self.paths_input.value = previous[4]
                    self.volatility_input.value = previous[5]
                    self.drift_slider.value = previous[6]
                    self.seed_input.value = previous[7]
                    self.leverage_slider.value = previous[8]
                    self._leverage_set = previous[9]
                finally:
                    self._loading -= 1
                self._describe(self.base_scenario)
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
        if self.scenario_dropdown.value is None or \
                self._scenario_for(self.scenario_dropdown.value) is not sc:
            self._loading += 1             # assigned from code: show it, then run it once
            try:
                self._show_selection(sc)
            finally:
                self._loading -= 1
        self._describe(sc)
        if self.auto_run:
            self.request_recompute()

    def _on_scenario(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        with self._guard("scenario"), self.batch():
            sc = self._scenario_for(change["new"])
            self._loading += 1
            try:
                self.steps_input.value = sc.steps
                if sc.positions:
                    self.leverage_slider.value = int(round(sc.positions[0].leverage))
                self._leverage_set = False
            finally:
                self._loading -= 1
            self.scenario = sc

    def _on_control(self, change: dict[str, Any]) -> None:
        if not self._loading and self.auto_run:
            self.request_recompute()

    def _on_leverage(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        self._leverage_set = True
        if self.auto_run:
            self.request_recompute()

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
        """The run the controls describe (validated)."""
        sc = self.run_scenario()
        seed = int(self.seed_input.value)
        if seed < 0:
            raise MarginInputError(f"the seed must be zero or a positive whole number, "
                                   f"got {seed}")
        run = MonteCarloRun(scenario=sc, n_paths=int(self.paths_input.value),
                            steps=int(self.steps_input.value),
                            volatility=parse_volatility(self.volatility_input.value),
                            drift=float(self.drift_slider.value), seed=seed)
        if run.n_paths < 1 or run.steps < 2:
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
        self.set_trait("result", mc)
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
        return {m: ModeSeries.from_result(self.result[m]) for m in ("cross", "isolated")}

    def liquidated_share(self) -> dict[str, float]:
        """Share of paths with at least one liquidation, by mode."""
        if self.result is None:
            return {}
        return {m: float((r.liquidated_at >= 0).any(axis=0).mean())
                for m, r in self.result.items()}
