"""The foundation every dashboard of the kit builds on.

- :class:`Dashboard` is an ``ipywidgets.VBox`` whose state is four traits (STYLE.md pattern 11,
  as bqplot's ``Bins`` and ``Radar``): ``scenario`` (the input), ``result`` (read-only: set by
  the one engine run of a new scenario), ``step`` (the scrubbed step; a time slider is linked to
  it) and ``error`` (the message in the error box). An analyst can ``observe`` and ``link``
  them like any widget's. ``scenario`` is validated by the engine itself: a refused value keeps
  the old one and sets ``error``; an equal value runs nothing and notifies nobody.
  :meth:`Dashboard._guard` is the boundary where callback errors end: a
  :class:`~margin_widgets.core.MarginInputError` shows its own message (written for a learner),
  anything else a short generic message while the traceback goes to the log.
- :meth:`Dashboard.batch` (``hold_trait_notifications``) makes many control changes cause ONE
  engine run; :attr:`Dashboard.recompute_count` counts engine runs (tests assert on it).
- :class:`ScenarioDashboard` adds the flow shared by the Margin Lab and the Cross vs Isolated
  screen: controls assign ``dash.scenario = edit(dash.scenario)`` (through :meth:`propose`,
  which also words the status line); a refused edit resets the controls to the scenario.
- :func:`info_label` / :func:`info_html`: a label with an (i) whose tooltip is the definition.
- :func:`account_at`: the account as it stands at a step of a result (for explanations and
  margin transfers at the scrubbed step).
- Long paths (more than :data:`LONG_PATH_STEPS` steps): the engine runs over every step but
  keeps the series only at the points the charts draw (:func:`display_kwargs`); the numbers
  at a scrubbed step come from :meth:`ScenarioDashboard.exact_at`, the full run's values at
  that very step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from ipywidgets import HTML, VBox
from traitlets import Any as AnyTrait
from traitlets import HasTraits, Int, Unicode, observe, validate

from ..charts import style
from ..charts.shared import shared_layout, shared_model, shared_style
from ..core import results as _results
from ..core import simulation as _simulation
from ..core.account import Account
from ..core.edits import account_at, marks_at, path_steps, result_at
from ..core.errors import MarginInputError
from ..core.montecarlo import MonteCarloResult
from ..core.scenario import PathSpec, Scenario
from ..core.simulation import SimulationResult
from .markup import esc, message_html

__all__ = [
    "Dashboard", "ScenarioDashboard", "EditContext", "GuardOutcome", "GENERIC_ERROR",
    "info_label", "info_html", "definition", "account_at", "marks_at", "PathCache", "log",
    "shared_model", "shared_layout", "shared_style", "account_of", "display_kwargs",
    "package_result", "LONG_PATH_STEPS", "DISPLAY_POINTS", "path_steps",
]

log = logging.getLogger("margin_widgets")

GENERIC_ERROR = ("Something went wrong while updating; nothing was changed. "
                 "(The technical details are in the log.)")


def definition(term: str) -> str:
    """The glossary definition of ``term`` (case-insensitive), or ``""``."""
    return style.GLOSSARY.get(term.lower(), "")


def info_html(text: str, definition_text: str = "", *, css_class: str = "mw-label") -> str:
    """HTML for ``text (i)`` whose (i) shows ``definition_text`` as its tooltip.

    The (i) is focusable: a tap (phones have no hover) or the Tab key opens the definition
    in a small box (CSS ``:focus``), a mouse shows it as a tooltip.

    >>> info_html("Equity", "Wallet + uPnL")  # doctest: +NORMALIZE_WHITESPACE
    "<span class='mw-label'>Equity <span class='mw-info' title='Wallet + uPnL'
     data-def='Wallet + uPnL' tabindex='0' aria-label='Wallet + uPnL'
     role='button'>(i)</span></span>"
    """
    text_html = esc(text)
    if not definition_text:
        return f"<span class='{esc(css_class)}'>{text_html}</span>"
    d = esc(definition_text)
    return (f"<span class='{css_class}'>{text_html} <span class='mw-info' title='{d}' "
            f"data-def='{d}' tabindex='0' aria-label='{d}' role='button'>(i)</span></span>")


def info_label(text: str, definition_text: str | None = None, **kwargs: Any) -> HTML:
    """An ``HTML`` widget: ``text`` and an (i) whose tooltip is the definition.

    ``definition_text`` defaults to the glossary entry for ``text``.
    """
    d = definition(text) if definition_text is None else definition_text
    kwargs.setdefault("style", shared_style(HTML))
    kwargs.setdefault("layout", shared_layout())
    w = HTML(info_html(text, d), **kwargs)
    w.add_class("mw-info-label")
    return w


@dataclass
class GuardOutcome:
    """What happened inside :meth:`Dashboard._guard`."""

    ok: bool = True
    message: str = ""
    error: BaseException | None = None


def package_result(scenario: Any, raw: Any) -> _results.DashboardResult:
    """An engine run's result in the shape every dashboard's ``result`` trait holds.

    ``raw`` is what the dashboard's engine run returned: a ``SimulationResult`` (the Margin
    Lab), ``{"cross": ..., "isolated": ...}`` of them (Cross vs Isolated) or of
    ``MonteCarloResult`` (the Monte Carlo explorer), a list of ``VenueRow`` (the venue
    comparison) or the calculator's result; it becomes the ``detail`` of a
    :class:`~margin_widgets.core.results.DashboardResult` (returned as is if it is one).
    """
    if isinstance(raw, _results.DashboardResult):
        return raw
    sc = scenario if isinstance(scenario, Scenario) else None
    if isinstance(raw, SimulationResult):
        return _results.from_simulation(sc, raw)
    if isinstance(raw, Mapping) and raw:
        first = next(iter(raw.values()))
        if isinstance(first, MonteCarloResult):
            return _results.from_monte_carlo(sc, raw)
        if isinstance(first, SimulationResult):
            return _results.from_modes(sc, raw)
    if isinstance(raw, list | tuple):
        return _results.from_venues(sc, raw)
    return _results.from_position(sc, raw)


PENDING = object()
"""What :meth:`Dashboard._evaluate` returns when the result comes later (a background run)."""


class ByIdentity(AnyTrait):
    """An ``Any`` trait that notifies when a different *object* is assigned.

    An engine result holds arrays of up to a million steps: comparing two of them with ``==``
    (what traitlets does to decide whether to notify) would compare every element, and a new
    run is a new result anyway.
    """

    def set(self, obj: HasTraits, value: Any) -> None:
        new_value = self._validate(obj, value)
        assert self.name is not None
        old_value = obj._trait_values.get(self.name, self.default_value)
        obj._trait_values[self.name] = new_value
        if old_value is not new_value:
            obj._notify_trait(self.name, old_value, new_value)


class Dashboard(VBox):
    """Base of every dashboard: state in traits, error box, status line, guarded callbacks.

    Subclasses implement :meth:`_evaluate` (the one engine run of a scenario) and
    :meth:`_commit` (show the new scenario and its result), or, for a form whose widgets are
    read directly, :meth:`_recompute`.

    Traits
    ------
    scenario : object
        The input of the dashboard (a :class:`~margin_widgets.core.Scenario`). Assigning it
        runs the engine once; a value the engine refuses keeps the previous one and sets
        :attr:`error`; an equal value runs nothing.
    result : DashboardResult, read-only
        The one engine run of :attr:`scenario`, in the shape every dashboard shares
        (:class:`~margin_widgets.core.results.DashboardResult`: ``scenario``, ``kind``,
        ``numbers`` with units and definitions, and the engine's own object as ``detail``).
    step : int
        The scrubbed step (0 on dashboards without a time axis).
    error : str
        The message shown in :attr:`error_box` (``""`` when all is well).

    Attributes
    ----------
    error_box : ipywidgets.HTML
        Where problems are shown to the person (never a traceback).
    status : ipywidgets.HTML
        A short line about the last action.
    recompute_count : int
        How many engine runs were made (successful or not).
    """

    scenario = AnyTrait(None, allow_none=True,
                        help="The input: assigning it runs the engine once (validated).")
    result = ByIdentity(None, allow_none=True, read_only=True,
                        help="The result of the one engine run of `scenario`.")
    step = Int(0, help="The scrubbed step.")
    error = Unicode("", help="The message shown in the error box.")

    def __init__(self, *, title: str = "", css_class: str = "mw-dashboard",
                 **kwargs: Any) -> None:
        self.recompute_count = 0
        self._batch_depth = 0
        self._dirty = False
        # the last scenario the engine accepted: inside hold_trait_notifications the trait
        # already holds the pending value, so validation compares against this one
        self._committed: Any = None
        self._staged: tuple[Any, Any] | None = None
        self._refused = False
        self.error_box = HTML("", layout=shared_layout(width="100%"), style=shared_style(HTML))
        self.error_box.add_class("mw-error-box")
        super().__init__(**kwargs)
        self.status = HTML("", layout=shared_layout(width="100%"), style=shared_style(HTML))
        self.status.add_class("mw-status")
        self.css = HTML(style.CSS + _EXTRA_CSS, layout=shared_layout(height="0px", margin="0"),
                        style=shared_style(HTML))
        self.title_html = HTML(f"<div class='mw-title'>{esc(title)}</div>",
                               style=shared_style(HTML), layout=shared_layout())
        self.add_class("mw-root")
        self.add_class(css_class)

    # -- errors -----------------------------------------------------------------------------
    @observe("error")
    def _show_error_trait(self, change: dict[str, Any]) -> None:
        msg = change["new"]
        self.error_box.value = message_html(msg, "error", role="alert") if msg else ""

    @property
    def error_message(self) -> str:
        """The message in the error box (the :attr:`error` trait)."""
        return self.error

    def show_error(self, message: str) -> None:
        """Show ``message`` in the error box (plain text, escaped)."""
        self.error = message

    def clear_error(self) -> None:
        """Empty the error box."""
        self.error = ""

    def show_status(self, message: str) -> None:
        """Show a short line about what just happened."""
        self.status.value = message_html(message, "caption")

    @contextmanager
    def _guard(self, action: str = "update",
               on_error: Callable[[], None] | None = None) -> Iterator[GuardOutcome]:
        """Catch any exception of a callback and show it in :attr:`error_box`.

        ``MarginInputError`` shows its own message; anything else a generic message and
        the traceback is logged. ``on_error`` (e.g. resetting controls) runs afterwards,
        itself guarded. Nothing propagates: a widget callback must never raise.
        """
        outcome = GuardOutcome()
        try:
            yield outcome
        except MarginInputError as exc:
            outcome.ok, outcome.error, outcome.message = False, exc, str(exc)
            self.show_error(str(exc))
        except Exception as exc:
            log.exception("margin_widgets: unexpected error during %s", action)
            outcome.ok, outcome.error, outcome.message = False, exc, GENERIC_ERROR
            self.show_error(GENERIC_ERROR)
        if not outcome.ok and on_error is not None:
            try:
                on_error()
            except Exception:
                log.exception("margin_widgets: error while restoring the previous state")

    def guarded(self, fn: Callable[..., Any], action: str = "update") -> Callable[..., None]:
        """Wrap a callback so that its errors end in the error box."""
        def wrapper(*args: Any, **kwargs: Any) -> None:
            with self._guard(action):
                fn(*args, **kwargs)
        wrapper.__name__ = getattr(fn, "__name__", "callback")
        wrapper.__doc__ = fn.__doc__
        return wrapper

    # -- the scenario trait -------------------------------------------------------------------
    @validate("scenario")
    def _validate_scenario(self, proposal: dict[str, Any]) -> Any:
        """Run the engine on a new scenario; keep the old one (and say why) if it refuses.

        Never raises: an exception here would reach the widget callback (or, inside
        ``hold_trait_notifications``, roll back every other change of the batch).
        """
        new = proposal["value"]
        old = self._committed
        self._refused = False
        if new is old:
            return old
        try:
            same = old is not None and bool(new == old)
        except Exception:
            same = False
        if same:
            return old                       # an equal scenario runs nothing
        self.recompute_count += 1
        with self._guard("edit", on_error=self._on_refused) as g:
            result = self._evaluate(new)
        if not g.ok:
            self._refused = True
            self._staged = None
            return old
        self._staged = (new, result)
        return new

    @observe("scenario")
    def _scenario_changed(self, change: dict[str, Any]) -> None:
        new = change["new"]
        if new is self._committed:
            return                           # a refused value put back, or a redraw's revert
        staged, self._staged = self._staged, None
        if staged is None or staged[0] is not new:
            # notifications held by a batch that ended in an exception skip validation
            new = self._validate_scenario({"value": new})
            if new is self._committed:
                self.set_trait("scenario", new)
                return
            staged, self._staged = self._staged, None
        assert staged is not None
        old = self._committed, self.result
        self._committed = new
        if staged[1] is not PENDING:
            self.set_trait("result", package_result(new, staged[1]))
        ok = False
        with self._guard("redraw"):
            self._commit(old[0])
            ok = True
        if not ok:
            # drawing failed: go back to the previous state and redraw it (best effort)
            self._committed = old[0]
            self.set_trait("scenario", old[0])
            self.set_trait("result", old[1])
            if old[0] is not None:
                try:
                    self._commit(new)
                except Exception:
                    log.exception("margin_widgets: could not redraw the previous state")
            self._refused = True

    def _evaluate(self, scenario: Any) -> Any:
        """The one engine run of ``scenario`` (raises MarginInputError when refused)."""
        raise NotImplementedError

    def _commit(self, previous: Any) -> None:
        """Show :attr:`scenario` and :attr:`result` (the engine accepted the scenario)."""

    def _on_refused(self) -> None:
        """After a refused scenario (subclasses: reset the controls)."""

    # -- recomputes -------------------------------------------------------------------------
    @property
    def batching(self) -> bool:
        """True inside :meth:`batch`."""
        return self._batch_depth > 0

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold trait notifications: every change inside causes at most one engine run.

        The scenario assigned last is validated (and run) once when the batch ends; a
        recompute requested inside runs once at the end.
        """
        self._batch_depth += 1
        try:
            with self.hold_trait_notifications():
                yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._dirty:
                self._dirty = False
                self.recompute()

    def request_recompute(self) -> None:
        """Recompute now, or once at the end of the current batch."""
        if self.batching:
            self._dirty = True
        else:
            self.recompute()

    def recompute(self) -> bool:
        """Run :meth:`_recompute` under the guard; True if it succeeded.

        :attr:`recompute_count` counts engine runs: the ``scenario`` validator and the
        ``_recompute`` of a dashboard that runs the engine itself add to it.
        """
        with self._guard("recompute", on_error=self._on_recompute_error) as g:
            self._recompute()
        return g.ok

    def _recompute(self) -> None:
        raise NotImplementedError

    def _on_recompute_error(self) -> None:
        """Restore controls after a failed recompute (subclasses)."""


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditContext:
    """What an edit sees: the scenario to change, the current result and scrubbed step."""

    scenario: Scenario
    result: SimulationResult | None
    step: int


Edit = Callable[[EditContext], Scenario]


class PathCache:
    """Built mark paths, rebuilt only when a symbol's recipe or the step count changes.

    Scrubbing or editing a wallet must not regenerate a million-step path.
    """

    def __init__(self) -> None:
        self._store: dict[str, tuple[PathSpec, int, np.ndarray]] = {}

    def paths(self, scenario: Scenario) -> dict[str, np.ndarray]:
        """The mark path of every symbol the scenario holds."""
        out = {}
        for sym in dict.fromkeys(p.symbol for p in scenario.positions):
            spec = scenario.paths[sym]
            hit = self._store.get(sym)
            if hit is not None and hit[1] == scenario.steps and (hit[0] is spec or
                                                                 hit[0] == spec):
                out[sym] = hit[2]
                continue
            arr = spec.build(scenario.steps)
            arr.setflags(write=False)
            self._store[sym] = (spec, scenario.steps, arr)
            out[sym] = arr
        return out


_ACCOUNTS: list[tuple[Scenario, Account]] = []


def account_of(scenario: Scenario) -> Account:
    """``scenario.account()``, built once per scenario object.

    One change validates the edited scenario, runs it and shows it in the position rows:
    three ``Account`` builds of the same (immutable) scenario. The last few built are kept,
    by identity.
    """
    for scen, acct in _ACCOUNTS:
        if scen is scenario:
            return acct
    acct = scenario.account()
    _ACCOUNTS.insert(0, (scenario, acct))
    del _ACCOUNTS[4:]
    return acct


LONG_PATH_STEPS = 10_000
"""Paths longer than this run thinned (:func:`display_kwargs`).

Measured (the benchmark lab: 5 positions on 3 symbols, funding every 8 steps; kernel CPU of
the engine run plus the price and small-chart views, median): full 14 ms at 10,000 steps,
31 ms at 20,000, 75 ms at 50,000, 156 ms at 100,000 (linear); thinned 9, 11, 15 and 23 ms.
Up to 10,000 steps the full result stays within the issue's 25 ms per change and every
step is a column (scrubbing reads arrays); beyond, the full run alone passes that budget."""

DISPLAY_POINTS = 1_600
"""Columns a thinned run keeps per mark path: at least the points any chart of a path draws
(the Margin Lab's price chart: 1,400), so decimating the thinned result loses nothing the
charts would have kept from the full one."""


def display_kwargs(scenario: Scenario) -> dict[str, Any]:
    """``simulate`` options that thin a long path's result to what the charts draw.

    ``{}`` up to :data:`LONG_PATH_STEPS` steps (the full result, exactly as before); beyond,
    ``display_points``: :data:`DISPLAY_POINTS` per symbol held. The liquidation engine still
    runs over every step (liquidations, events and final figures are exact); the series are
    kept at the decimated marks, both ends and every step where the state changed.
    """
    if scenario.steps <= LONG_PATH_STEPS:
        return {}
    n_symbols = len({p.symbol for p in scenario.positions})
    return {"display_points": DISPLAY_POINTS * max(1, n_symbols)}


def run_scenario(scenario: Scenario, paths: Mapping[str, np.ndarray],
                 **kwargs: Any) -> SimulationResult:
    """The one engine run of a change (looked up on the module so tests can count it).

    A long path runs thinned (:func:`display_kwargs`).
    """
    return _simulation.simulate(account_of(scenario), paths,
                                **{**scenario.sim_kwargs(), **display_kwargs(scenario),
                                   **kwargs})


EDITED = " (edited)"


def edited_title(new: Scenario, opened: Scenario) -> Scenario:
    """``new`` with its own title once it differs from the scenario that was opened.

    An edited preset saved or shared must not pass for the preset: "Winner and loser" becomes
    "Winner and loser (edited)". Back to the opened scenario, the opened title returns.
    """
    base = opened.title
    if not base:
        return new
    same = new.replace(title=base) == opened
    if same:
        return new if new.title == base else new.replace(title=base)
    if new.title == base:
        return new.replace(title=base + EDITED)
    return new


class ScenarioDashboard(Dashboard):
    """A dashboard whose :attr:`scenario` trait is a :class:`Scenario`.

    Subclasses implement :meth:`_run` (the engine call), :meth:`_render` (redraw charts and
    panels from the committed state), :meth:`_sync_controls` (show the scenario in the
    controls) and :meth:`_scrub` (follow :attr:`step` without an engine run).

    Controls change the scenario through :meth:`propose` (``dash.scenario =
    edit(dash.scenario)`` plus a note for the status line); an analyst may assign
    :attr:`scenario` directly.
    """

    def __init__(self, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(scenario, Scenario):
            raise MarginInputError("a dashboard needs a Scenario (see core.scenario.PRESETS)")
        # what was opened (the first scenario, a preset picked, a shared link, a file): the
        # screen says "changed from" only relative to it, so nothing opens "edited"
        self.opened_scenario: Scenario = scenario
        self._notes: list[str] = []
        self.path_cache = PathCache()
        self._exact: list[tuple[SimulationResult, int, SimulationResult]] = []

    # -- hooks ------------------------------------------------------------------------------
    def _run(self, scenario: Scenario) -> Any:
        raise NotImplementedError

    def _render(self) -> None:
        raise NotImplementedError

    def _sync_controls(self) -> None:
        """Show :attr:`scenario` in every control."""

    def _scrub(self, step: int) -> None:
        """Follow the scrubber (no engine run)."""

    def exact_at(self, result: SimulationResult, step: int) -> SimulationResult:
        """A result whose column for path step ``step`` holds the full run's exact values.

        ``result`` itself unless it is thinned (a long path) and did not keep ``step``; then
        :func:`core.edits.result_at` (a short engine run over the kept steps) on the
        committed scenario's paths. The last few steps asked are kept per result.
        """
        if not result.thinned:
            return result
        step = int(step)
        for res, t, hit in self._exact:
            if res is result and t == step:
                return hit
        scen = self._committed if isinstance(self._committed, Scenario) else self.scenario
        hit = result_at(result, step, self.path_cache.paths(scen), **scen.sim_kwargs())
        self._exact = [(result, step, hit), *self._exact[:7]]
        return hit

    def _edit_result(self) -> SimulationResult | None:
        """The single-path result edits may read (marks, the account at a step)."""
        detail = getattr(self.result, "detail", self.result)
        return detail if isinstance(detail, SimulationResult) else None

    # -- traits -----------------------------------------------------------------------------
    def _evaluate(self, scenario: Any) -> Any:
        if not isinstance(scenario, Scenario):
            raise MarginInputError("the scenario must be a margin_widgets Scenario")
        account_of(scenario)  # the account must be valid: the message names what is wrong
        return self._run(scenario)

    def _commit(self, previous: Any) -> None:
        self._sync_controls()
        self._render()
        self.clear_error()
        notes, self._notes = self._notes, []
        if notes:
            self.show_status("; ".join(notes))

    def _on_refused(self) -> None:
        self._notes = []
        self.resync_controls()

    @validate("step")
    def _clamp_step(self, proposal: dict[str, Any]) -> int:
        steps = self.scenario.steps if isinstance(self.scenario, Scenario) else 2
        return int(min(max(0, int(proposal["value"])), max(1, steps - 1)))

    @observe("step")
    def _step_changed(self, change: dict[str, Any]) -> None:
        with self._guard("scrub"):
            self._scrub(int(change["new"]))

    # -- flow -------------------------------------------------------------------------------
    def resync_controls(self) -> None:
        """Show the committed scenario in every control (resets a refused edit)."""
        if self._committed is not None:
            self._sync_controls()

    def propose(self, edit: Edit | Scenario, note: str = "") -> bool:
        """``self.scenario = edit(self.scenario)``: validated, run once, committed or refused.

        Inside :meth:`batch` the edits see the pending scenario and run once at the end.
        Returns False when the edit was refused (the reason is in :attr:`error`).
        """
        with self._guard("edit", on_error=self.resync_controls) as g:
            ctx = EditContext(self.scenario, self._edit_result(), self.step)
            new = edit(ctx) if callable(edit) else edit
            if not isinstance(new, Scenario):
                raise MarginInputError("an edit must produce a Scenario")
            if callable(edit):
                new = edited_title(new, self.opened_scenario)
        if not g.ok:
            return False
        if note:
            self._notes.append(note)
        self.scenario = new
        return self.batching or not self._refused

    def set_scenario(self, scenario: Scenario) -> bool:
        """Load a whole scenario: one batch, one run; errors go to the error box."""
        previous = self.opened_scenario
        self.opened_scenario = scenario
        with self.batch():
            ok = self.propose(scenario, note=f"loaded “{scenario.title}”"
                              if scenario.title else "")
        if not ok or self._refused or self.scenario != scenario:
            self.opened_scenario = previous
            if self._committed is not None:
                self.resync_controls()
            return False
        return self.error == ""

    def rerun(self) -> bool:
        """Run the engine again on the same scenario (a display option changed)."""
        return self.recompute()

    def _recompute(self) -> None:
        current = self._committed
        if current is None:
            return
        self.recompute_count += 1
        result = package_result(current, self._run(current))
        old = self.result
        self.set_trait("result", result)
        try:
            self._commit(current)
        except Exception:
            self.set_trait("result", old)
            try:
                self._commit(current)
            except Exception:
                log.exception("margin_widgets: could not redraw the previous state")
            raise

    def _on_recompute_error(self) -> None:
        self._notes = []
        self.resync_controls()


_EXTRA_CSS = """
<style>
.mw-root .mw-status .mw-caption { min-height: 1em; }
.mw-root .mw-section { font-size: 0.8em; letter-spacing: 0.06em; text-transform: uppercase;
                       color: var(--jp-ui-font-color2, #666); margin: 4px 0 0 0; }
.mw-root .mw-unit { color: var(--jp-ui-font-color2, #555); padding-left: 4px; }
.mw-root .mw-muted { color: var(--jp-ui-font-color2, #777); }
.mw-root .mw-summary { font-size: 0.95em; line-height: 1.45; padding: 6px 8px;
                       background: var(--jp-layout-color2, #F7F9FB);
                       border-left: 4px solid #0072B2; }
.mw-root .mw-numbers th { text-align: left; font-weight: 600; font-size: 0.85em;
                          padding: 4px 6px 2px 6px; color: var(--jp-ui-font-color1, #333); }
.mw-root .mw-liq { color: #D7191C; font-weight: 600; }
.mw-root .widget-toggle-buttons, .mw-root .jupyter-widget-toggle-buttons {
    display: flex; flex-direction: row; align-items: center; }
.mw-root .widget-toggle-buttons > .widget-label { margin-right: 4px; }
.mw-root .mw-legend { font-size: 0.78em; color: var(--jp-ui-font-color1, #333);
                      line-height: 1.5;
                      padding: 0 8px 0 64px; }
.mw-root .mw-legend-item { white-space: nowrap; margin-right: 12px; display: inline-block; }
.mw-root .mw-legend-item svg { vertical-align: middle; }
.mw-root .mw-legend-marker { font-weight: 700; }
.mw-root .mw-numbers td.mw-pos { padding-top: 8px; border-bottom: none; }
.mw-root .mw-numbers td.mw-sub { padding-left: 14px; }
.mw-root .mw-scenario-caption { font-size: 0.82em; color: var(--jp-ui-font-color2, #555); }
.mw-root .mw-scenario-caption .widget-html-content,
.mw-root .mw-numbers .widget-html-content,
.mw-root .mw-path-hint .widget-html-content,
.mw-root .mw-compare-summary .widget-html-content { line-height: 1.4; }
.mw-root .mw-legend, .mw-root .mw-legend * { line-height: 1.4; }
.mw-root .mw-info { position: relative; outline: none; }
.mw-root .mw-info:focus::after {
    content: attr(data-def); position: absolute; left: -4px; top: 1.5em; z-index: 50;
    width: max-content; max-width: min(280px, 80vw); white-space: normal; text-align: left;
    font-size: 12px; font-weight: normal; line-height: 1.35; padding: 5px 7px;
    color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color0, #fff);
    border: 1px solid var(--jp-border-color1, #999); border-radius: 3px;
    box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25); }
.mw-root .mw-info:not([data-def]):focus::after { content: attr(title); }
.mw-root .widget-html-content { overflow: visible; }
.mw-cross-vs-isolated .mw-numbers .mw-caption { white-space: nowrap; overflow: hidden;
                                               text-overflow: ellipsis; }
.mw-root .mw-time-scrubber .noUi-handle, .mw-root .mw-time-scrubber .ui-slider-handle {
    width: 22px; height: 22px; top: -8px; }
.mw-root .mw-time-scrubber .mw-step-button { display: none; }
@media (max-width: 600px) {
  /* the slider alone on a full-width row (its track ~340 px on a 390 px phone), then the
     readout, the step buttons and Play on the next row; 44 px touch targets */
  .mw-root .mw-time-scrubber { flex-wrap: wrap; gap: 4px 0; }
  .mw-root .mw-time-scrubber .widget-slider { flex: 1 0 100% !important; min-width: 100%;
      padding: 0; margin: 0; box-sizing: border-box; flex-wrap: wrap; height: auto; }
  .mw-root .mw-time-scrubber .widget-slider .slider-container {
      flex: 0 0 auto; width: calc(100% - 20px); margin: 14px 10px 10px 10px; height: 20px; }
  .mw-root .mw-time-scrubber .widget-slider .widget-readout { margin: 0 0 0 10px;
      min-width: 3em; text-align: left; font-size: 0.9em; }
  .mw-root .mw-time-scrubber .widget-label { display: none; }
  .mw-root .mw-time-scrubber .noUi-handle { width: 32px; height: 32px; top: -13px;
      right: -16px; }
  .mw-root .mw-time-scrubber .mw-step-button { display: inline-block; margin: 0 6px 0 0; }
  .mw-root .mw-time-scrubber .mw-step-button, .mw-root .mw-time-scrubber .widget-play button {
      min-width: 44px !important; width: 44px; min-height: 44px; height: 44px; padding: 0; }
  .mw-root .mw-time-scrubber .mw-step-button:first-of-type { margin-left: 10px; }
  .mw-root .mw-time-scrubber .widget-play { width: auto; margin: 0; }
  .mw-root .widget-button, .mw-root .widget-toggle-button, .mw-root .jupyter-button,
  .mw-app .jupyter-button, .mw-app .widget-upload {
      width: auto !important; min-width: fit-content; }
  .mw-app .mw-scenario-io .widget-hbox, .mw-app .mw-scenario-io .jupyter-widget-hbox {
      flex-wrap: wrap; }
  .mw-root .mw-legend { padding-left: 8px; }
}
</style>
"""
