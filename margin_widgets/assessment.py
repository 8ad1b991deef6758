"""The final assessment: questions across the lessons, numbers drawn per learner, engine-graded.

Every learner id gives its own numbers (a hash of the id seeds the draw), so neighbours cannot
copy answers; every expected answer is computed by the engine (:mod:`margin_widgets.core`) for
those numbers. Half the questions are conceptual (multiple choice, options shuffled per learner,
each option with its reason).

For learners, :class:`Assessment` (a widget) asks for the learner id, shows the questions,
keeps a running summary and exports the results as JSON or CSV to hand in.

For instructors, the answer key of a class::

    python -m margin_widgets.assessment key --class-list class.txt [--format csv|json] [--out F]

``class.txt`` holds one learner id per line (a CSV whose first column is the id also works; a
header ``learner_id`` is skipped). :func:`grade` grades a learner's answers with the same
engine.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core import Account, Position, RiskTiers, simulate, venues
from .core.errors import MarginInputError
from .widgets.markup import esc

__all__ = ["Question", "questions_for", "grade", "answer_key", "Assessment", "INTRO",
           "learner_seed", "main"]

SCHEMA = "margin_widgets/assessment-results"
VERSION = 1
MAX_ID = 64
INTRO = (
    "Sixteen questions across lessons 1 to 11, half of them conceptual. Type your learner "
    "id (your instructor gives it to you) and press *Start*: the numbers are drawn for your "
    "id, so they differ from your neighbour's, and the engine grades every answer. Prices and "
    "amounts are accepted to the dollar, percentages to 0.05 points. The summary at the "
    "bottom counts your right answers; *Export results* gives a JSON and a CSV file to hand "
    "in.")
BTC, ETH = "BTCUSDT", "ETHUSDT"


@dataclass(frozen=True)
class Question:
    """One assessment question with its engine answer.

    ``kind`` is ``"numeric"`` (``answer``, ``unit``, ``tolerance``) or ``"choice"``
    (``options``, ``correct``, ``explanations``).
    """

    qid: str
    lesson: int
    kind: str
    prompt: str
    answer: float = math.nan
    unit: str = ""
    tolerance: float = 0.0
    options: tuple[str, ...] = ()
    correct: int = -1
    explanations: tuple[str, ...] = ()
    solution: str = ""

    def is_right(self, given: Any) -> bool:
        """Whether ``given`` (a number, or an option index) is right."""
        if given is None:
            return False
        if self.kind == "choice":
            try:
                return int(given) == self.correct
            except (TypeError, ValueError):
                return False
        from .widgets.exercise import parse_number

        v = parse_number(given)
        return v is not None and abs(v - self.answer) <= self.tolerance + 1e-9

    def key_text(self) -> str:
        """The right answer, as the key prints it."""
        if self.kind == "choice":
            return f"{'ABCDEFG'[self.correct]}: {self.options[self.correct]}"
        return f"{self.answer:,.2f} {self.unit}".strip()


def check_learner_id(learner_id: Any) -> str:
    """A learner id, stripped; raises MarginInputError when it cannot be one."""
    if not isinstance(learner_id, str):
        raise MarginInputError("the learner id must be text")
    lid = learner_id.strip()
    if not lid:
        raise MarginInputError("type your learner id first")
    if len(lid) > MAX_ID or not lid.isprintable():
        raise MarginInputError(f"a learner id is at most {MAX_ID} printable characters")
    return lid


def learner_seed(learner_id: str) -> int:
    """The seed of a learner's numbers (stable across runs and machines)."""
    lid = check_learner_id(learner_id)
    digest = hashlib.sha256(f"margin_widgets/assessment/v1:{lid}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# --- the questions -----------------------------------------------------------------------
def _flat(mmr: float) -> Any:
    return venues["binance_usdm"].with_(tiers=RiskTiers.flat(mmr))


def _choice(qid: str, lesson: int, prompt: str, options: Sequence[tuple[str, str]],
            correct: int, rng: np.random.Generator) -> Question:
    order = [int(i) for i in rng.permutation(len(options))]
    opts = tuple(options[i][0] for i in order)
    expl = tuple(options[i][1] for i in order)
    return Question(qid, lesson, "choice", prompt, options=opts, correct=order.index(correct),
                    explanations=expl)


def _numeric(qid: str, lesson: int, prompt: str, answer: float, unit: str, tol: float,
             solution: str) -> Question:
    if not math.isfinite(answer):
        raise ValueError(f"question {qid}: the engine gave no finite answer")
    return Question(qid, lesson, "numeric", prompt, answer=float(answer), unit=unit,
                    tolerance=tol, solution=solution)


def questions_for(learner_id: str) -> list[Question]:
    """The learner's 16 questions (8 numeric, 8 conceptual), answers from the engine."""
    rng = np.random.default_rng(learner_seed(learner_id))
    pick = rng.choice
    qs: list[Question] = []

    # 1 (lesson 1) initial margin
    q1 = float(pick([0.2, 0.3, 0.4, 0.5, 0.8, 1.0, 1.5, 2.0]))
    ep1 = float(pick(np.arange(40_000, 80_001, 500)))
    lev1 = float(pick([5, 10, 20, 25]))
    a1 = Account("binance_usdm", 1e9, [Position(BTC, "long", q1, ep1, lev1)])
    qs.append(_numeric(
        "q01", 1, f"A long of <b>{q1:g} BTC</b> at <b>{ep1:,.0f} USDT</b> with "
                  f"<b>{lev1:g}x</b> leverage. Initial margin?",
        float(a1.initial_margin({BTC: ep1})[0]), "USDT", 1.0,
        "Initial margin = quantity × entry ÷ leverage."))

    # 2 (lesson 1) uPnL, long or short
    side2 = str(pick(["long", "short"]))
    q2 = float(pick([0.5, 1.0, 2.0, 3.0]))
    ep2 = float(pick(np.arange(50_000, 70_001, 1_000)))
    mk2 = ep2 + float(pick([-1, 1])) * float(pick(np.arange(500, 4_001, 500)))
    a2 = Account("binance_usdm", 1e9, [Position(BTC, side2, q2, ep2, 10)])  # type: ignore[arg-type]
    qs.append(_numeric(
        "q02", 1, f"A <b>{side2}</b> of {q2:g} BTC from {ep2:,.0f} USDT; the mark is "
                  f"<b>{mk2:,.0f}</b>. Unrealized PnL (with its sign)?",
        float(a2.unrealized_pnl({BTC: mk2})[0]), "USDT", 1.0,
        "uPnL = side × quantity × (mark − entry), side +1 long, −1 short."))

    # 3 (lesson 2) margin ratio, cross long, Binance brackets
    w3 = float(pick([8_000, 10_000, 12_000, 15_000]))
    mk3 = float(pick(np.arange(55_000, 59_501, 500)))
    a3 = Account("binance_usdm", w3, [Position(BTC, "long", 1, 60_000, 10)])
    qs.append(_numeric(
        "q03", 2, f"Cross wallet <b>{w3:,.0f} USDT</b>, long 1 BTC from 60,000, mark "
                  f"<b>{mk3:,.0f}</b>, Binance 2024 brackets (bracket 2: 0.5 %, amount 50). "
                  "Margin ratio in percent?",
        a3.margin_ratio({BTC: mk3}) * 100, "%", 0.05,
        "Margin ratio = (mark × 0.5 % − 50) ÷ (wallet + uPnL)."))

    # 4 (lesson 3) isolated liquidation price, long or short, flat MMR
    side4 = str(pick(["long", "short"]))
    lev4 = float(pick([5, 10, 20]))
    mmr4 = float(pick([0.004, 0.005]))
    ep4 = float(pick(np.arange(40_000, 70_001, 1_000)))
    a4 = Account(_flat(mmr4), 1e6, [Position(BTC, side4, 1, ep4, lev4, "isolated")])  # type: ignore[arg-type]
    qs.append(_numeric(
        "q04", 3, f"Isolated <b>{side4}</b> of 1 BTC at {ep4:,.0f} USDT, <b>{lev4:g}x</b> "
                  f"(isolated margin = initial margin), maintenance rate {mmr4:.1%}, no "
                  "maintenance amount. Liquidation price?",
        a4.liquidation_price(0, {BTC: ep4}), "USDT", 1.0,
        "Solve margin + side × (P − entry) = P × rate."))

    # 5 (lesson 4) cross liquidation price of BTC with an ETH short in the pool
    w5 = float(pick([8_000, 10_000, 12_000]))
    eth5 = float(pick([2_600, 2_800, 3_000, 3_200]))
    a5 = Account(_flat(0.004), w5, [Position(BTC, "long", 0.5, 60_000, 10),
                                    Position(ETH, "short", 5, 3_000, 20)])
    qs.append(_numeric(
        "q05", 4, f"Cross wallet {w5:,.0f} USDT: long 0.5 BTC at 60,000 and short 5 ETH at "
                  f"3,000. ETH's mark is now <b>{eth5:,.0f}</b>, maintenance rate 0.4 % for "
                  "both, no fees. BTC's cross liquidation price?",
        a5.liquidation_price(0, {BTC: 60_000, ETH: eth5}), "USDT", 1.0,
        "LP = (WB − TMM1 + UPNL1 − s·q·EP) ÷ (q·rate − s·q), with ETH's MM and uPnL."))

    # 6 (lesson 6) one funding payment, from an engine run on a flat path
    q6 = float(pick([0.5, 1.0, 2.0]))
    rate6 = float(pick([0.0001, 0.0003, 0.0005, 0.001]))
    side6 = str(pick(["long", "short"]))
    a6 = Account("binance_usdm", 100_000, [Position(BTC, side6, q6, 60_000, 10, "isolated")])  # type: ignore[arg-type]
    r6 = simulate(a6, {BTC: np.full(10, 60_000.0)}, funding_rate=rate6, funding_every=8,
                  fees=False)
    paid = float(r6.isolated_margin[0, 7] - r6.isolated_margin[0, 8])
    qs.append(_numeric(
        "q06", 6, f"An isolated <b>{side6}</b> of {q6:g} BTC, mark 60,000, funding rate "
                  f"<b>{rate6:.2%}</b>. How much does it pay at one funding time? (A "
                  "negative number if it receives.)",
        paid, "USDT", 1.0,
        "Funding = side × notional × rate; longs pay shorts when the rate is positive."))

    # 7 (lesson 8) Bybit classic, maintenance margin at entry
    ep7 = float(pick(np.arange(20_000, 40_001, 1_000)))
    lev7 = float(pick([20, 25, 50]))
    a7 = Account(venues["bybit_linear"].with_(tiers=RiskTiers.flat(0.005)), 1e6,
                 [Position(BTC, "long", 1, ep7, lev7, "isolated")])
    qs.append(_numeric(
        "q07", 8, f"Bybit classic (maintenance margin 0.5 % at the ENTRY price): isolated "
                  f"long 1 BTC at {ep7:,.0f}, {lev7:g}x. Liquidation price?",
        a7.liquidation_price(0, {BTC: ep7}), "USDT", 1.0,
        "margin + (P − entry) = entry × 0.5 %."))

    # 15 (lesson 11) auto-add margin: the first top-up, from an engine run on Bybit
    q15 = float(pick([0.5, 1.0, 2.0]))
    ep15 = float(pick(np.arange(40_000, 70_001, 1_000)))
    lev15 = float(pick([10, 20]))
    im15 = q15 * ep15 / lev15
    w15 = float(round(im15 * float(pick([1.5, 2.0, 2.5, 3.0])), -2))
    a15 = Account(venues["bybit_linear"], w15,
                  [Position(BTC, "long", q15, ep15, lev15, "isolated", auto_add_margin=True)])
    r15 = simulate(a15, {BTC: np.linspace(ep15, ep15 * (1 - 3 / lev15), 200)})
    tops = [e.amount for e in r15.events() if e.kind == "auto-add margin"]
    qs_top = float(tops[0]) if tops else float("nan")

    # conceptual
    qs.append(_choice("q08", 4, "In cross mode you raise a position's leverage. Its "
                      "liquidation price:", [
                          ("does not move: in cross leverage only sizes the initial margin",
                           "Right: the whole cross wallet backs it whatever the leverage."),
                          ("moves closer to the mark: more leverage, more risk",
                           "That is isolated mode, where leverage sets the margin."),
                          ("moves away: less margin is locked", "The pool is the same.")],
                      0, rng))
    qs.append(_choice("q09", 6, "The funding rate is positive. An isolated <b>short</b>:", [
        ("receives funding, so its liquidation price moves away from the mark",
         "Right: longs pay shorts when the rate is positive."),
        ("pays funding, so its liquidation price moves closer", "Shorts receive here."),
        ("is not affected", "Both sides take part in funding.")], 0, rng))
    qs.append(_choice("q10", 9, "The last traded price wicks below an isolated long's "
                      "liquidation price for one trade; the mark stays above. The position:", [
                          ("is not liquidated: liquidation is triggered by the mark price",
                           "Right."),
                          ("is liquidated: the price crossed the line", "Not the mark."),
                          ("is partly liquidated", "Nothing happens until the mark "
                                                   "reaches the line.")], 0, rng))
    qs.append(_choice("q11", 3, "An isolated position on Binance is liquidated. What has the "
                      "trader lost?", [
                          ("its isolated margin plus the fees paid, nothing more",
                           "Right: what is left of the margin goes to the insurance fund; "
                           "the fees were already paid."),
                          ("exactly its isolated margin", "The fees come on top."),
                          ("the whole wallet", "That is a cross liquidation.")], 0, rng))
    qs.append(_choice("q12", 2, "A <b>short</b>'s mark rises. Its margin ratio (maintenance "
                      "margin ÷ margin balance):", [
                          ("rises: the maintenance margin grows with the notional and the "
                           "margin balance falls by the loss", "Right."),
                          ("falls: the notional is fixed at entry",
                           "The notional is quantity × mark."),
                          ("does not change", "Both its parts change.")], 0, rng))
    qs.append(_choice("q13", 5, "On a path, cross survives and isolated is liquidated. At "
                      "the end, cross:", [
                          ("may still have less equity: it carried the loser's whole loss "
                           "while isolated stopped at the margin",
                           "Right: lesson 5 shows such a path."),
                          ("always has more equity, because it was never liquidated",
                           "Surviving is not ending richer."),
                          ("always has the same equity", "The runs differ.")], 0, rng))
    qs.append(_choice("q14", 7, "A Monte Carlo run of 2,000 paths gives a 50 % probability "
                      "of liquidation. Its standard error is about:", [
                          ("1.1 percentage points: √(0.5 × 0.5 ÷ 2,000)", "Right."),
                          ("0.05 points", "Far too small for 2,000 paths."),
                          ("10 points", "Far too large for 2,000 paths.")], 0, rng))
    qs.append(_numeric(
        "q15", 11, f"Bybit, auto-add margin on: isolated long of <b>{q15:g} BTC</b> at "
                   f"{ep15:,.0f} USDT, <b>{lev15:g}x</b>, in a <b>{w15:,.0f} USDT</b> wallet "
                   "(the 0.055 % opening fee was paid from it). The mark falls to the "
                   "liquidation price. How much does the first top-up move into the position?",
        qs_top, "USDT", 1.0,
        "The position's initial margin (quantity × entry ÷ leverage), or all the available "
        "balance (wallet − initial margin − fee) when that is less."))
    qs.append(_choice("q16", 10, "Your exchange sends you a <b>margin call</b>. What has "
                      "happened?", [
                          ("a warning: your margin ratio is high; the position is still open "
                           "and may be liquidated at any moment",
                           "Right: Binance documents it as risk guidance that can arrive "
                           "together with the liquidation."),
                          ("your position has been liquidated", "It is a warning, not the "
                                                                "liquidation."),
                          ("the exchange will wait for you to add margin before liquidating",
                           "Nothing waits: the liquidation comes at its trigger.")], 0, rng))
    return qs


def grade(learner_id: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Grade ``answers`` (question id -> number or option index) with the engine's answers."""
    qs = questions_for(learner_id)
    rows = []
    for q in qs:
        given = answers.get(q.qid)
        rows.append({"question": q.qid, "lesson": q.lesson, "kind": q.kind,
                     "given": given, "right": q.is_right(given)})
    n_right = sum(bool(r["right"]) for r in rows)
    return {"schema": SCHEMA, "version": VERSION, "learner_id": check_learner_id(learner_id),
            "score": n_right, "out_of": len(qs), "percent": 100.0 * n_right / len(qs),
            "answers": rows}


def answer_key(learner_ids: Iterable[str]) -> list[dict[str, Any]]:
    """One row per learner and question: the engine's answer and the tolerance."""
    rows = []
    for lid in learner_ids:
        for q in questions_for(lid):
            rows.append({"learner_id": lid, "question": q.qid, "lesson": q.lesson,
                         "kind": q.kind,
                         "answer": q.correct if q.kind == "choice" else round(q.answer, 6),
                         "answer_text": q.key_text(),
                         "tolerance": q.tolerance if q.kind == "numeric" else ""})
    return rows


def read_class_list(text: str) -> list[str]:
    """Learner ids from a class list (one per line, or a CSV whose first column is the id)."""
    ids: list[str] = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip() or row[0].strip().startswith("#"):
            continue
        cell = row[0].strip()
        if cell.lower() in ("learner_id", "learner id", "id"):
            continue
        ids.append(check_learner_id(cell))
    if not ids:
        raise MarginInputError("the class list holds no learner id")
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise MarginInputError(f"learner ids appear twice: {', '.join(dup)}")
    return ids


def _csv(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


# --- the learner's widget ----------------------------------------------------------------
class Assessment:
    """The assessment as a widget: learner id, questions, a running summary, export.

    Build with ``Assessment()`` (the learner types an id) or ``Assessment("id")``. The widget
    is ``.box`` (displayed by Jupyter through ``_repr_mimebundle_``).

    Attributes
    ----------
    id_input, start_button, export_button : ipywidgets
    questions : list of Question
    exercises : list of Exercise or MultipleChoice, one per question, in order
    summary_html, export_html, message : ipywidgets.HTML
    """

    def __init__(self, learner_id: str | None = None) -> None:
        import ipywidgets as w

        from .charts import style

        self.learner_id = ""
        self.questions: list[Question] = []
        self.exercises: list[Any] = []
        self.id_input = w.Text(value=learner_id or "", description="Learner id",
                               placeholder="given by your instructor",
                               layout=w.Layout(width="340px"))
        self.start_button = w.Button(description="Start", button_style="primary")
        self.export_button = w.Button(description="Export results", icon="download",
                                      disabled=True)
        self.message = w.HTML()
        self.summary_html = w.HTML()
        self.summary_html.add_class("mw-assessment-summary")
        self.export_html = w.HTML()
        self.questions_box = w.VBox()
        self.start_button.on_click(lambda _b: self.start())
        self.export_button.on_click(lambda _b: self.export())
        self.box = w.VBox([w.HTML(style.CSS),
                           w.HBox([self.id_input, self.start_button]), self.message,
                           self.questions_box, self.summary_html,
                           w.HBox([self.export_button]), self.export_html])
        self.box.add_class("mw-root")
        self.box.add_class("mw-assessment")
        if learner_id:
            self.start()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)

    def start(self, learner_id: str | None = None) -> bool:
        """Draw the questions for the learner id; a bad id is explained, nothing changes."""
        from .widgets.exercise import Exercise, MultipleChoice

        if learner_id is not None:
            self.id_input.value = learner_id
        try:
            lid = check_learner_id(self.id_input.value)
            qs = questions_for(lid)
        except MarginInputError as exc:
            self.message.value = f"<div class='mw-error'>{esc(str(exc))}</div>"
            return False
        self.learner_id, self.questions = lid, qs
        self.exercises = []
        parts = []
        for j, q in enumerate(qs, 1):
            title = f"<b>Question {j}</b> (lesson {q.lesson}). {q.prompt}"
            ex: Any
            if q.kind == "choice":
                ex = MultipleChoice(title, list(q.options), q.correct, list(q.explanations))
            else:
                ex = Exercise(title, _const(q.answer), unit=q.unit, tolerance=q.tolerance,
                              hints=[q.solution], solution=q.solution)
            ex.observe(lambda _c: self._update_summary(), names=["attempts", "solved"])
            self.exercises.append(ex)
            parts.append(ex)
        self.questions_box.children = parts
        self.message.value = (f"<div class='mw-caption'>Questions for learner "
                              f"<b>{esc(lid)}</b>.</div>")
        self.export_button.disabled = False
        self._update_summary()
        return True

    def given(self) -> dict[str, Any]:
        """The learner's current answers (number text or option index) by question id."""
        out: dict[str, Any] = {}
        for q, ex in zip(self.questions, self.exercises, strict=True):
            if q.kind == "choice":
                out[q.qid] = ex.choice_buttons.value
            else:
                v = str(ex.answer_input.value).strip()
                out[q.qid] = v or None
        return out

    def results(self) -> dict[str, Any]:
        """The graded answers on screen (the same grading as :func:`grade`)."""
        if not self.learner_id:
            raise MarginInputError("start the assessment with a learner id first")
        res = grade(self.learner_id, self.given())
        for row, ex in zip(res["answers"], self.exercises, strict=True):
            row["attempts"] = int(ex.attempts)
        return res

    def _update_summary(self) -> None:
        if not self.learner_id:
            return
        res = self.results()
        tried = sum(1 for ex in self.exercises if ex.attempts)
        self.summary_html.value = (
            f"<div class='mw-summary'><b>{res['score']} of {res['out_of']} right "
            f"({res['percent']:.0f} %)</b>; {tried} of {res['out_of']} answered. By lesson: "
            + ", ".join(f"{n}: {ok}/{tot}" for n, ok, tot in _by_lesson(res["answers"]))
            + ".</div>")

    def to_json(self) -> str:
        """The results as JSON text."""
        return json.dumps(self.results(), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """The results as CSV text (one row per question)."""
        res = self.results()
        rows = [{"learner_id": res["learner_id"], **r} for r in res["answers"]]
        return _csv(rows)

    def export(self) -> tuple[str, str]:
        """Put download links for the JSON and CSV results on screen; return both texts."""
        try:
            js, cs = self.to_json(), self.to_csv()
        except MarginInputError as exc:
            self.export_html.value = f"<div class='mw-error'>{esc(str(exc))}</div>"
            return "", ""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.learner_id)
        links = []
        for text, ext, mime in ((js, "json", "application/json"), (cs, "csv", "text/csv")):
            data = base64.b64encode(text.encode("utf-8")).decode("ascii")
            links.append(f"<a download='assessment_{safe}.{ext}' "
                         f"href='data:{mime};base64,{data}'>⬇ assessment_{safe}.{ext}</a>")
        self.export_html.value = " ".join(links) + (
            " <span class='mw-caption'>(click to save, then hand in)</span>")
        return js, cs


def _const(value: float) -> Callable[[], float]:
    return lambda: value


def _by_lesson(rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, int]]:
    out: dict[int, list[int]] = {}
    for r in rows:
        ok, tot = out.setdefault(int(r["lesson"]), [0, 0])
        out[int(r["lesson"])] = [ok + int(bool(r["right"])), tot + 1]
    return [(n, v[0], v[1]) for n, v in sorted(out.items())]


# --- command line ------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m margin_widgets.assessment key --class-list FILE``."""
    parser = argparse.ArgumentParser(prog="python -m margin_widgets.assessment",
                                     description="Answer keys of the final assessment.")
    sub = parser.add_subparsers(dest="command", required=True)
    key = sub.add_parser("key", help="the answer key of every learner of a class list")
    key.add_argument("--class-list", required=True,
                     help="a file with one learner id per line (or a CSV, id first)")
    key.add_argument("--format", choices=("csv", "json"), default="csv")
    key.add_argument("--out", help="write here instead of the standard output")
    args = parser.parse_args(argv)
    try:
        with open(args.class_list, encoding="utf-8") as fh:
            ids = read_class_list(fh.read())
    except OSError as exc:
        print(f"error: cannot read the class list: {exc}", file=sys.stderr)
        return 2
    except MarginInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = answer_key(ids)
    text = (json.dumps(rows, indent=2, ensure_ascii=False) + "\n" if args.format == "json"
            else _csv(rows))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
