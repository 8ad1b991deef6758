"""Exercises for lessons: a question, an answer box, hints, and a worked solution.

The expected answer of an :class:`Exercise` is never typed into the lesson: it comes from a
callable that asks the engine when the learner presses *Check*
(``lambda: acct.liquidation_price(0, marks)``), so the answer always matches what the widgets
show, even after the engine or a venue table changes.

The answer box starts empty and *Check* on an empty box asks for a number (it never says
"Correct"). The box accepts what a learner writes: ``54,221``, ``54 221.11``, ``3.0 %``,
``−1,500``. The accepted tolerance is written under the box. A right answer is told why
(``why``); a wrong answer that matches a known mistake (``mistakes``: a forgotten fee, the
isolated formula used for cross…) gets the hint about that mistake, any other wrong answer the
next general hint. *Show solution* opens only after a first attempt. :class:`MultipleChoice`
does the same for conceptual questions, with one explanation per option.

Both carry CSS classes for browser tests: ``mw-exercise`` on the widget, ``mw-answer`` on the
input, ``mw-check`` on the *Check* button, ``mw-feedback`` on the feedback area and
``mw-solution`` on the revealed solution.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
import traitlets

from ..charts import style
from .markup import esc

__all__ = ["Exercise", "MultipleChoice", "parse_number"]

TextOrFn = str | Callable[[], str]
Mistake = tuple[Callable[[], float], str]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str | float | int | None) -> float | None:
    """A number as a learner writes it, or ``None`` when there is none.

    Thousands separators (``,``, spaces, thin spaces, ``_``), a typographic minus and a
    trailing unit or percent sign are accepted.

    >>> parse_number("54,221.11 USDT"), parse_number("−1 500"), parse_number("3.0 %")
    (54221.11, -1500.0, 3.0)
    >>> parse_number(""), parse_number("abc")
    (None, None)
    """
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        v = float(text)
        return v if math.isfinite(v) else None
    t = str(text).strip().replace("\u2212", "-").replace("\u2013", "-")
    t = re.sub(r"[A-Za-z%\s\u00a0\u2009\u202f_,]+", "", t)
    if not t or not _NUMBER.match(t):
        return None
    v = float(t)
    return v if math.isfinite(v) else None


def _text(value: TextOrFn | None) -> str:
    """Resolve a piece of HTML that may be given as a callable (computed on demand)."""
    if value is None:
        return ""
    return str(value() if callable(value) else value)


def _feedback(kind: str, body: str) -> str:
    """Feedback HTML: ``kind`` is ``"ok"``, ``"hint"`` or ``"error"``."""
    css = {"ok": "mw-ok", "hint": "mw-hint", "error": "mw-error"}[kind]
    # mw-hint is not in the shared stylesheet: give it its look inline
    look = " style='color:#7A4A00'" if kind == "hint" else ""
    return f"<div class='{css}'{look}>{body}</div>"


class Exercise(w.VBox):
    """A numeric question checked against the engine.

    Parameters
    ----------
    question : str
        The question, as HTML.
    answer_fn : callable () -> float
        Returns the expected answer; called on every check (never cached), so the answer is
        whatever the engine says now.
    unit : str
        Unit shown next to the answer box ("USDT", "%").
    tolerance : float
        Largest accepted error: absolute (in ``unit``), or relative to the expected answer
        when ``relative=True`` (0.001 is 0.1 %).
    relative : bool
        Whether ``tolerance`` is relative.
    hints : sequence of str
        Shown one by one after each wrong answer (HTML).
    solution : str or callable () -> str
        Worked solution (HTML), revealed by *Show solution*; a callable is evaluated then
        (e.g. ``lambda: acct.explain(0, marks).to_html()``).
    why : str or callable () -> str
        One or two sentences shown with "Correct" (HTML).
    decimals : int
        Decimals used when the expected answer is printed.
    mistakes : sequence of (callable () -> float, str)
        Known wrong answers and the hint for each: a wrong answer within the tolerance of a
        mistake's value gets that hint (e.g. the answer without the fee).

    Attributes
    ----------
    question_html, answer_input, unit_label, check_button, feedback, solution_button,
    solution_html : ipywidgets
        The parts, by role.
    attempts : int
        Number of checks made so far.
    solved : bool
        Whether a check has succeeded.
    """

    attempts = traitlets.Int(0, help="Number of checks made so far.")
    solved = traitlets.Bool(False, help="Whether the learner has answered correctly.")

    def __init__(
        self,
        question: str,
        answer_fn: Callable[[], float],
        *,
        unit: str = "",
        tolerance: float = 0.01,
        relative: bool = False,
        hints: Sequence[str] = (),
        solution: TextOrFn = "",
        why: TextOrFn = "",
        decimals: int = 2,
        mistakes: Sequence[Mistake] = (),
        **kwargs: Any,
    ) -> None:
        if not callable(answer_fn):
            raise TypeError("answer_fn must be a callable that asks the engine for the answer")
        tol = float(tolerance)
        if not (math.isfinite(tol) and tol >= 0):
            raise ValueError(f"tolerance must be a non-negative number, got {tolerance!r}")
        self.answer_fn = answer_fn
        self.unit = unit
        self.tolerance = tol
        self.relative = bool(relative)
        self.hints = [str(h) for h in hints]
        self.solution = solution
        self.why = why
        self.decimals = int(decimals)
        self.mistakes = [(fn, str(h)) for fn, h in mistakes]
        self.wrong_answers = 0
        self.last_mistake: int | None = None

        self.question_html = w.HTML(question)
        self.question_html.add_class("mw-question")
        self.answer_input = w.Text(value="", description="Answer",
                                   placeholder="a number", continuous_update=True,
                                   layout=w.Layout(width="260px"))
        self.answer_input.add_class("mw-answer")
        self.unit_label = w.HTML(f"<span class='mw-unit'>{esc(unit)}</span>")
        self.check_button = w.Button(description="Check", button_style="primary",
                                     tooltip="Compare your answer with the engine's")
        self.check_button.add_class("mw-check")
        self.solution_button = w.Button(description="Show solution", disabled=True,
                                        tooltip="The worked solution opens after a first "
                                                "attempt")
        self.solution_button.add_class("mw-show-solution")
        self.feedback = w.HTML("")
        self.feedback.add_class("mw-feedback")
        self.solution_html = w.HTML("", layout=w.Layout(display="none"))
        self.solution_html.add_class("mw-solution")

        self.check_button.on_click(lambda _b: self.check())
        self.solution_button.on_click(lambda _b: self.show_solution())
        row = w.HBox([self.answer_input, self.unit_label, self.check_button,
                      self.solution_button], layout=w.Layout(align_items="center"))
        self.tolerance_html = w.HTML(f"<div class='mw-caption'>{esc(self.tolerance_text)}"
                                     "</div>")
        self.tolerance_html.add_class("mw-tolerance")
        super().__init__(
            [w.HTML(style.CSS), self.question_html, row, self.tolerance_html, self.feedback,
             self.solution_html],
            **kwargs,
        )
        self.add_class("mw-exercise")
        self.add_class("mw-root")

    # -- checking ---------------------------------------------------------------------------
    def expected(self) -> float:
        """The engine's answer now (calls ``answer_fn``)."""
        value = float(self.answer_fn())
        if not math.isfinite(value):
            raise ValueError(f"the engine's answer is not a finite number ({value})")
        return value

    @property
    def tolerance_text(self) -> str:
        """The accepted error, in words."""
        if self.relative:
            return f"Accepted: within ±{self.tolerance:.2%} of the engine's answer."
        tol = f"{self.tolerance:,.{max(0, self.decimals)}f}".rstrip("0").rstrip(".") \
            if self.tolerance else "0"
        unit = f" {self.unit}" if self.unit and self.unit != "%" else (
            " percentage points" if self.unit == "%" else "")
        return f"Accepted: within ±{tol}{unit} of the engine's answer."

    def is_close(self, given: float, expected: float) -> bool:
        """Whether ``given`` is within the tolerance of ``expected``."""
        allowed = self.tolerance * abs(expected) if self.relative else self.tolerance
        return abs(given - expected) <= allowed + 1e-12 * max(1.0, abs(expected))

    def _fmt(self, value: float) -> str:
        return f"{value:,.{self.decimals}f} {self.unit}".strip()

    def check(self, answer: float | str | None = None) -> bool:
        """Check ``answer`` (default: the answer box) and show the feedback.

        Returns whether the answer is right. An empty or unreadable box asks for a number and
        does not count as an attempt.
        """
        if answer is not None:
            self.answer_input.value = (f"{answer!r}" if isinstance(answer, float)
                                       else str(answer))
        given = parse_number(self.answer_input.value)
        if given is None:
            what = "Type a number first" if not str(self.answer_input.value).strip() else \
                f"“{esc(str(self.answer_input.value))}” is not a number"
            self.feedback.value = _feedback(
                "hint", f"{what} (digits, optionally with thousands separators"
                        f"{', in ' + esc(self.unit) if self.unit else ''}).")
            return False
        try:
            expected = self.expected()
        except Exception as exc:  # the lesson's own setup is broken: say so, in words
            self.feedback.value = _feedback(
                "error", f"This exercise cannot be checked right now: "
                         f"{esc(str(exc) or type(exc).__name__)}")
            return False
        self.attempts += 1
        self.solution_button.disabled = False
        self.last_mistake = None
        if self.is_close(given, expected):
            why = _text(self.why)
            self.feedback.value = _feedback(
                "ok", f"<b>Correct</b>: {esc(self._fmt(expected))}."
                      + (f" {why}" if why else ""))
            self.solved = True
            return True
        self.wrong_answers += 1
        for j, (fn, hint) in enumerate(self.mistakes):
            try:
                value = float(fn())
            except Exception:
                continue
            if math.isfinite(value) and not self.is_close(value, expected) \
                    and self.is_close(given, value):
                self.last_mistake = j
                self.feedback.value = _feedback(
                    "hint", f"Not quite ({esc(self._fmt(given))}). "
                            f"<b>Hint</b>: {hint}")
                return False
        if self.hints:
            k = min(self.wrong_answers, len(self.hints)) - 1
            more = (" That was the last hint: try once more, or show the solution."
                    if self.wrong_answers >= len(self.hints) else "")
            body = (f"Not quite ({esc(self._fmt(given))}). "
                    f"<b>Hint {k + 1}</b>: {self.hints[k]}{more}")
        else:
            body = (f"Not quite ({esc(self._fmt(given))}). Try again, or show the "
                    "solution.")
        self.feedback.value = _feedback("hint", body)
        return False

    def show_solution(self) -> None:
        """Reveal the worked solution and the engine's answer (after a first attempt)."""
        if self.attempts == 0:
            self.feedback.value = _feedback(
                "hint", "Try an answer first: the worked solution opens after a first "
                        "attempt.")
            return
        try:
            answer = f"<p><b>Answer</b>: {esc(self._fmt(self.expected()))}</p>"
            body = _text(self.solution)
        except Exception as exc:
            self.feedback.value = _feedback(
                "error", f"The solution cannot be shown right now: "
                         f"{esc(str(exc) or type(exc).__name__)}")
            return
        self.solution_html.value = f"<div class='mw-solution-body'>{body}{answer}</div>"
        self.solution_html.layout.display = None


class MultipleChoice(w.VBox):
    """A conceptual question with one right option and an explanation for every option.

    Parameters
    ----------
    question : str
        The question, as HTML.
    options : sequence of str
        The choices (plain text).
    correct_index : int
        Index of the right option.
    explanations : sequence of str or str
        One explanation per option (HTML), shown when that option is checked; or a single
        explanation shown for every option.

    Attributes
    ----------
    question_html, choice_buttons, check_button, feedback : ipywidgets
        The parts, by role.
    attempts : int
        Number of checks made so far.
    solved : bool
        Whether the right option has been checked.
    """

    attempts = traitlets.Int(0, help="Number of checks made so far.")
    solved = traitlets.Bool(False, help="Whether the right option has been chosen.")

    def __init__(
        self,
        question: str,
        options: Sequence[str],
        correct_index: int,
        explanations: Sequence[str] | str = (),
        **kwargs: Any,
    ) -> None:
        opts = [str(o) for o in options]
        if len(opts) < 2:
            raise ValueError("a multiple-choice question needs at least two options")
        if not 0 <= int(correct_index) < len(opts):
            raise ValueError(f"correct_index {correct_index} is not an option index "
                             f"(0 to {len(opts) - 1})")
        if isinstance(explanations, str):
            expl = [explanations] * len(opts)
        else:
            expl = [str(e) for e in explanations]
            if expl and len(expl) != len(opts):
                raise ValueError("give one explanation per option, or a single one")
            if not expl:
                expl = [""] * len(opts)
        self.options = opts
        self.correct_index = int(correct_index)
        self.explanations = expl

        self.question_html = w.HTML(question)
        self.question_html.add_class("mw-question")
        self.choice_buttons = w.RadioButtons(options=[(o, i) for i, o in enumerate(opts)],
                                             value=None, layout=w.Layout(width="auto"))
        self.choice_buttons.add_class("mw-answer")
        self.check_button = w.Button(description="Check", button_style="primary")
        self.check_button.add_class("mw-check")
        self.feedback = w.HTML("")
        self.feedback.add_class("mw-feedback")
        self.check_button.on_click(lambda _b: self.check())
        super().__init__([w.HTML(style.CSS), self.question_html, self.choice_buttons,
                          self.check_button, self.feedback], **kwargs)
        self.add_class("mw-exercise")
        self.add_class("mw-root")

    def check(self, index: int | None = None) -> bool:
        """Check option ``index`` (default: the selected one) and explain it."""
        if index is not None:
            self.choice_buttons.value = int(index)
        chosen = self.choice_buttons.value
        if chosen is None:
            self.feedback.value = _feedback("hint", "Choose an answer first.")
            return False
        self.attempts += 1
        expl = self.explanations[chosen]
        if chosen == self.correct_index:
            self.solved = True
            self.feedback.value = _feedback("ok", "<b>Correct</b>." + (f" {expl}" if expl
                                                                        else ""))
            return True
        self.feedback.value = _feedback(
            "hint", "Not this one." + (f" {expl}" if expl else "") + " Try another option.")
        return False
