"""The foundation every dashboard of the kit builds on.

- :class:`Dashboard` is an ``ipywidgets.VBox`` with an error box and a status line. Its
  :meth:`Dashboard._guard` context manager is the boundary where callback errors end: a
  :class:`~margin_widgets.core.MarginInputError` shows its own message (written for a learner),
  anything else a short generic message while the traceback goes to the log. The previous
  state is kept, because state is only replaced after the new one has been computed in full.
- :meth:`Dashboard.batch` makes many control changes cause ONE recompute;
  :attr:`Dashboard.recompute_count` counts recomputes (tests assert on it).
- :class:`ScenarioDashboard` adds the scenario flow shared by the Margin Lab and the Cross vs
  Isolated screen: controls propose edits (functions of the current scenario), the dashboard
  validates, runs the engine once, then commits and redraws; a refused edit resets the
  controls to the current scenario.
- :func:`info_label` / :func:`info_html`: a label with an (i) whose tooltip is the definition.
- :func:`account_at`: the account as it stands at a step of a result (for explanations and
  margin transfers at the scrubbed step).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ipywidgets import HTML, VBox

from ..charts import style
from ..charts.shared import shared_layout, shared_model, shared_style
from ..core import simulation as _simulation
from ..core.account import Account
from ..core.errors import MarginInputError
from ..core.scenario import PathSpec, Scenario
from ..core.simulation import SimulationResult
from .markup import esc, message_html

__all__ = [
    "Dashboard", "ScenarioDashboard", "EditContext", "GuardOutcome", "GENERIC_ERROR",
    "info_label", "info_html", "definition", "account_at", "marks_at", "PathCache", "log",
    "shared_model", "shared_layout", "shared_style", "account_of",
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


class Dashboard(VBox):
    """Base of every dashboard: error box, status line, guarded callbacks and batches.

    Subclasses implement :meth:`_recompute` (the one engine run per change) and call
    :meth:`request_recompute` from their control callbacks.

    Attributes
    ----------
    error_box : ipywidgets.HTML
        Where problems are shown to the person (never a traceback).
    status : ipywidgets.HTML
        A short line about the last action.
    recompute_count : int
        How many recomputes ran (successful or not).
    """

    def __init__(self, *, title: str = "", css_class: str = "mw-dashboard",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.recompute_count = 0
        self._syncing = 0
        self._batch_depth = 0
        self._dirty = False
        self.error_message = ""
        self.error_box = HTML("", layout=shared_layout(width="100%"), style=shared_style(HTML))
        self.error_box.add_class("mw-error-box")
        self.status = HTML("", layout=shared_layout(width="100%"), style=shared_style(HTML))
        self.status.add_class("mw-status")
        self.css = HTML(style.CSS + _EXTRA_CSS, layout=shared_layout(height="0px", margin="0"),
                        style=shared_style(HTML))
        self.title_html = HTML(f"<div class='mw-title'>{esc(title)}</div>",
                               style=shared_style(HTML), layout=shared_layout())
        self.add_class("mw-root")
        self.add_class(css_class)

    # -- programmatic control changes -----------------------------------------------------
    @contextmanager
    def syncing(self) -> Iterator[None]:
        """Control changes made inside are programmatic: callbacks ignore them."""
        self._syncing += 1
        try:
            yield
        finally:
            self._syncing -= 1

    @property
    def is_syncing(self) -> bool:
        """True while the dashboard itself is setting controls."""
        return self._syncing > 0

    # -- errors -----------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """Show ``message`` in the error box (plain text, escaped)."""
        self.error_message = message
        self.error_box.value = message_html(message, "error", role="alert")

    def clear_error(self) -> None:
        """Empty the error box."""
        if self.error_message:
            self.error_message = ""
            self.error_box.value = ""

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

    # -- recomputes -------------------------------------------------------------------------
    @property
    def batching(self) -> bool:
        """True inside :meth:`batch`."""
        return self._batch_depth > 0

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Defer recomputes: every change inside causes at most one recompute at the end."""
        self._batch_depth += 1
        try:
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
        """Run :meth:`_recompute` under the guard; True if it succeeded."""
        self.recompute_count += 1
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


def marks_at(result: SimulationResult, step: int) -> dict[str, float]:
    """Mark price of every symbol at ``step`` of a single-path result."""
    return {s: float(np.asarray(m)[step]) for s, m in result.marks.items()}


def account_at(result: SimulationResult, step: int) -> tuple[Account, list[int]]:
    """The account as it stands at ``step``: its open positions, wallet and margins.

    The wallet of the returned account is the cross wallet the liquidation engine saw at
    ``step`` (after fees, funding and transfers up to that step) plus the isolated margins of
    the positions still open; closed positions are left out. So ``account_at(...)[0]
    .liquidation_price(j, marks_at(result, step))`` equals the engine's
    ``result.liquidation_price[i, step]`` for ``i = index[j]``.

    Returns
    -------
    account : Account
    index : list of int
        Original position index of each position of ``account``.

    Raises
    ------
    MarginInputError
        If no position is open at ``step``, or the pools are already empty.
    """
    if not result.single:
        raise MarginInputError("pick one path of a Monte Carlo result first")
    acct = result.account
    T = result.steps
    if not 0 <= step < T:
        raise MarginInputError(f"step {step} is outside the path (0..{T - 1})")
    liq = np.asarray(result.liquidated_at)
    open_idx = [i for i in range(len(acct.positions)) if liq[i] < 0 or step <= liq[i]]
    if not open_idx:
        raise MarginInputError(f"every position is already closed at step {step:,}")
    cross_open = [i for i in open_idx if acct.positions[i].mode == "cross"]
    if cross_open:
        cw = float(result.margin_balance[step]) - float(
            np.sum(result.unrealized_pnl[cross_open, step]))
    else:
        cw = float(result.cross_wallet[step])
    positions = []
    iso_total = 0.0
    for i in open_idx:
        p = acct.positions[i]
        if p.mode == "isolated":
            m = float(result.isolated_margin[i, step])
            iso_total += m
            if m <= 0:
                raise MarginInputError(
                    f"position #{i + 1} has no isolated margin left at step {step:,}")
            p = p.with_(isolated_margin=m)
        positions.append(p)
    wallet = cw + iso_total
    if not wallet > 0 or cw < -1e-9:
        raise MarginInputError(f"the cross wallet is empty at step {step:,}")
    return Account(acct.venue, wallet, positions), open_idx


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


def run_scenario(scenario: Scenario, paths: Mapping[str, np.ndarray],
                 **kwargs: Any) -> SimulationResult:
    """The one engine run of a change (looked up on the module so tests can count it)."""
    return _simulation.simulate(account_of(scenario), paths,
                                **{**scenario.sim_kwargs(), **kwargs})


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


@dataclass
class _Pending:
    scenario: Scenario | None = None
    notes: list[str] = field(default_factory=list)


class ScenarioDashboard(Dashboard):
    """A dashboard whose state is a :class:`Scenario` and the result of running it.

    Subclasses implement :meth:`_run` (the engine call), :meth:`_render` (redraw charts and
    panels from the committed state), :meth:`_sync_controls` (show the committed scenario in
    the controls) and :meth:`_scrub` (follow the time scrubber without an engine run).

    Attributes
    ----------
    scenario : Scenario
        The committed scenario (never half-updated).
    result : Any
        The committed result of :meth:`_run`.
    """

    def __init__(self, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(scenario, Scenario):
            raise MarginInputError("a dashboard needs a Scenario (see core.scenario.PRESETS)")
        self.scenario: Scenario = scenario
        # what was opened (the first scenario, a preset picked, a shared link, a file): the
        # screen says "changed from" only relative to it, so nothing opens "edited"
        self.opened_scenario: Scenario = scenario
        self.result: Any = None
        self._pending = _Pending()
        self.path_cache = PathCache()

    # -- hooks ------------------------------------------------------------------------------
    def _run(self, scenario: Scenario) -> Any:
        raise NotImplementedError

    def _render(self) -> None:
        raise NotImplementedError

    def _sync_controls(self) -> None:
        """Show :attr:`scenario` in every control."""

    def _scrub(self, step: int) -> None:
        """Follow the scrubber (no engine run)."""

    @property
    def step(self) -> int:
        """The scrubbed step."""
        return 0

    def _edit_result(self) -> SimulationResult | None:
        """The single-path result edits may read (marks, the account at a step)."""
        return self.result if isinstance(self.result, SimulationResult) else None

    # -- flow -------------------------------------------------------------------------------
    def resync_controls(self) -> None:
        """Show the committed scenario in every control (resets a refused edit)."""
        with self.syncing():
            self._sync_controls()

    def propose(self, edit: Edit | Scenario, note: str = "") -> bool:
        """Apply an edit to the scenario: validate, run once, commit; or refuse and reset.

        Inside :meth:`batch` edits accumulate and run once at the end. Returns False when
        the edit was refused (the reason is in the error box).
        """
        if self.is_syncing:
            return True
        with self._guard("edit", on_error=self.resync_controls) as g:
            base = self._pending.scenario or self.scenario
            ctx = EditContext(base, self._edit_result(), self.step)
            new = edit(ctx) if callable(edit) else edit
            if not isinstance(new, Scenario):
                raise MarginInputError("an edit must produce a Scenario")
            if callable(edit):
                new = edited_title(new, self.opened_scenario)
            account_of(new)  # the account must be valid: the message names what is wrong
        if not g.ok:
            return False
        self._pending.scenario = new
        if note:
            self._pending.notes.append(note)
        if self.batching:
            self._dirty = True
            return True
        return self.recompute()

    def set_scenario(self, scenario: Scenario) -> bool:
        """Load a whole scenario: one batch, one recompute; errors go to the error box."""
        previous = self.opened_scenario
        self.opened_scenario = scenario
        with self.batch():
            ok = self.propose(scenario, note=f"loaded “{scenario.title}”"
                              if scenario.title else "")
        if not ok or self.scenario != scenario:
            self.opened_scenario = previous
        return ok and self.error_message == ""

    def _recompute(self) -> None:
        new = self._pending.scenario or self.scenario
        notes = self._pending.notes
        self._pending = _Pending()
        result = self._run(new)
        old = self.scenario, self.result
        self.scenario, self.result = new, result
        try:
            with self.syncing():
                self._sync_controls()
            self._render()
        except Exception:
            # drawing failed: go back to the previous state and redraw it (best effort)
            self.scenario, self.result = old
            if old[1] is not None:
                try:
                    with self.syncing():
                        self._sync_controls()
                    self._render()
                except Exception:
                    log.exception("margin_widgets: could not redraw the previous state")
            raise
        self.clear_error()
        if notes:
            self.show_status("; ".join(notes))

    def _on_recompute_error(self) -> None:
        self._pending = _Pending()
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
