"""The lessons: their text, live widgets and exercises, checked by the engine.

This module is the one source of truth of the course: ``tools/make_notebooks.py`` writes every
lesson notebook from the :class:`Lesson` objects here (goals, text, boxes, the order of cells),
and a test checks that regenerating the notebooks gives the committed ones.

How a lesson teaches (PRODUCT.md, "How a lesson teaches"): goals at the top; where it helps, a
*predict* question before the widget; the widget opens on the scenario of its exercises; every
exercise can be answered from that widget as it opens (``ExerciseSpec.read`` says how); answer
boxes start empty; a right answer is told why; a wrong answer that matches a known mistake gets
the hint about that mistake; the worked solution opens after a first attempt; at least a third
of the questions are conceptual (multiple choice, each option with its reason), shorts included;
"What you may have read / what exchanges do" boxes where a popular description (including the
article the kit was built from) says something exchanges do not do; "you can now …" at the end.

Every expected answer is computed by the engine when the learner presses *Check*. Every
"because" a lesson gives about a path is confirmed by a counterfactual engine run, computed in
the explanation itself (:func:`lesson5_facts`, :func:`lesson10_facts`,
:func:`lesson11_facts`), never typed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from .core import Account, Position, RiskTiers, monte_carlo, simulate, venues
from .core.scenario import PRESETS, PathSpec, Scenario
from .core.simulation import TransferEvent

__all__ = ["ExerciseSpec", "ChoiceSpec", "Box", "Lesson", "LESSONS", "lesson",
           "lesson5_facts", "lesson10_facts", "lesson11_facts", "l10_run", "l11_run",
           "course_index", "PRICE_TOLERANCE"]

TextOrFn = str | Callable[[], str]
Mistake = tuple[Callable[[], float], str]

PRICE_TOLERANCE = 1.0
"""Prices and amounts in USDT are accepted to the dollar (±1 USDT)."""


@dataclass(frozen=True)
class ExerciseSpec:
    """A numeric exercise: the answer is whatever ``answer`` returns (the engine).

    ``read(widget)`` reads the same number off the lesson's widget as it opens (what a
    learner can see or compute on screen); tests check that both agree.
    """

    question: str
    answer: Callable[[], float]
    unit: str
    tolerance: float | Callable[[], float]
    hints: tuple[str, ...]
    solution: TextOrFn
    relative: bool = False
    why: TextOrFn = ""
    mistakes: tuple[Mistake, ...] = ()
    read: Callable[[Any], float] | None = None

    def tolerance_value(self) -> float:
        """The tolerance (computed when it depends on the engine, e.g. a sampling error)."""
        t = self.tolerance
        return float(t() if callable(t) else t)


@dataclass(frozen=True)
class ChoiceSpec:
    """A conceptual multiple-choice question: every option carries its reason.

    ``predict=True`` marks a question asked *before* the widget is shown.
    """

    question: str
    options: tuple[str, ...]
    correct: int
    explanations: tuple[TextOrFn, ...]
    predict: bool = False


@dataclass(frozen=True)
class Box:
    """A "What you may have read / what exchanges do" box, with its source."""

    read: str
    exchanges_do: str
    source: str = ""


@dataclass(frozen=True)
class Lesson:
    """One lesson: goals, text, a widget factory, exercises and what the learner can now do."""

    number: int
    title: str
    question: str
    make_widget: Callable[[], Any]
    exercises: tuple[ExerciseSpec | ChoiceSpec, ...] = field(default_factory=tuple)
    goals: tuple[str, ...] = ()
    intro: str = ""
    look: str = ""
    try_this: str = ""
    you_can_now: tuple[str, ...] = ()
    boxes: tuple[Box, ...] = ()
    slug: str = ""

    def widget(self) -> Any:
        """The live widget, already set up on the scenario of the exercises."""
        return self.make_widget()

    def exercise(self, k: int) -> Any:
        """Exercise ``k`` (1-based) as a widget."""
        from .widgets.exercise import Exercise, MultipleChoice

        spec = self.exercises[k - 1]
        if isinstance(spec, ChoiceSpec):
            expl = [str(e() if callable(e) else e) for e in spec.explanations]
            return MultipleChoice(spec.question, list(spec.options), spec.correct, expl)
        return Exercise(spec.question, spec.answer, unit=spec.unit,
                        tolerance=spec.tolerance_value(), relative=spec.relative,
                        hints=list(spec.hints), solution=spec.solution, why=spec.why,
                        mistakes=list(spec.mistakes))

    @property
    def notebook(self) -> str:
        """File name of the lesson's notebook."""
        return f"{self.number:02d}_{self.slug}.ipynb"


# --- shared set-ups (engine objects, so answers come from the engine) ----------------------
BINANCE = venues["binance_usdm"]
BTC = "BTCUSDT"


def _lin_pw(*pts: tuple[float, float]) -> PathSpec:
    return PathSpec("piecewise", {"points": [list(p) for p in pts]})


def _acct(wallet: float, *positions: Position) -> Account:
    return Account(BINANCE, wallet, list(positions))


# ---------------------------------------------------------------- lesson 1 and 2: calculator
L1: dict[str, Any] = {"quantity": 0.5, "entry_price": 60_000.0, "leverage": 10, "mode": "cross",
      "wallet_balance": 10_000.0, "mark_price": 57_000.0}
L2: dict[str, Any] = {"quantity": 1.0, "entry_price": 60_000.0, "leverage": 10, "mode": "cross",
      "wallet_balance": 10_000.0, "mark_price": 58_000.0}


def _l1_account() -> Account:
    return _acct(L1["wallet_balance"], Position(BTC, "long", L1["quantity"], L1["entry_price"],
                                                L1["leverage"]))


def _l2_account() -> Account:
    return _acct(L2["wallet_balance"], Position(BTC, "long", L2["quantity"], L2["entry_price"],
                                                L2["leverage"]))


def refusal(calc: Any) -> str:
    """Why an exchange would refuse the calculator's position ("" when it would accept it).

    The rule is the core's (:func:`margin_widgets.core.orders.opening_refusal`: the initial
    margin must fit in the available balance, and the position must not be liquidated on
    opening); the calculator applies it and shows its message, which is read back here.
    """
    from .core.orders import IM_TOO_LARGE, LIQUIDATED_ON_OPENING

    msg = str(getattr(calc, "error", "") or "")
    if IM_TOO_LARGE in msg:
        return ("An exchange would refuse this order (insufficient balance): " + msg)
    if LIQUIDATED_ON_OPENING in msg:
        return ("An exchange would refuse this order: the position would be liquidated as "
                "soon as it opened. " + msg)
    return ""


def _calculator(settings: dict[str, Any]) -> Callable[[], Any]:
    def make() -> Any:
        import ipywidgets as w

        from .widgets.calculator import LiquidationCalculator
        from .widgets.markup import message_html

        calc = LiquidationCalculator("binance_usdm", **settings)
        warning = w.HTML()
        warning.add_class("mw-lesson-warning")

        def show(_change: Any = None) -> None:
            text = refusal(calc)
            warning.value = message_html(text, "warning") if text else ""

        calc.observe(show, names="error")
        show()
        calc.refusal_html = warning
        calc.children = [*calc.children[:3], warning, *calc.children[3:]]
        return calc
    return make


# ---------------------------------------------------------------- lesson 3: isolated
L3_SCENARIO = Scenario(
    title="Isolated long: up to 70,000, then down", venue="binance_usdm", wallet_balance=10_000,
    description="An isolated 10x long of 1 BTC from 60,000 in a 10,000 USDT wallet. The mark "
                "rises to 70,000 (step 100), then falls through the liquidation price.",
    positions=(Position(BTC, "long", 1, 60_000, 10, "isolated"),),
    paths={BTC: _lin_pw((0, 60_000), (100, 70_000), (200, 62_000), (350, 53_000),
                        (499, 55_000))},
    steps=500)
L3_HIGH_STEP = 100


def _lab(scenario: Scenario | Callable[[], Scenario]) -> Callable[[], Any]:
    def make() -> Any:
        from .widgets.lab import MarginLab

        return MarginLab(scenario() if callable(scenario) else scenario)
    return make


_RUNS: dict[int, tuple[Scenario, Any]] = {}


def _run(scenario: Scenario) -> Any:
    """``scenario.run()``, once per (module-level, immutable) scenario."""
    hit = _RUNS.get(id(scenario))
    if hit is None or hit[0] is not scenario:
        hit = (scenario, scenario.run())
        _RUNS[id(scenario)] = hit
    return hit[1]


def _marks_at(scenario: Scenario, step: int) -> dict[str, float]:
    return {s: float(p[step]) for s, p in scenario.mark_paths().items()}


def _l3_account() -> Account:
    return L3_SCENARIO.account()


M60 = {BTC: 60_000.0}


# ---------------------------------------------------------------- lesson 4: cross
L4_SCENARIO = PRESETS["winner_and_loser"].replace(fees=False)
L4_STEP = 200


def _l4_marks() -> dict[str, float]:
    return _marks_at(L4_SCENARIO, L4_STEP)


# ---------------------------------------------------------------- lesson 5: cross vs isolated
L5_SCENARIO = PRESETS["winner_and_loser"].replace(
    wallet_balance=4_000, title="Winner and loser, 4,000 USDT wallet",
    description="BTC long 0.5 at 60,000 (10x) and ETH short 5 at 3,000 (20x) in a 4,000 USDT "
                "wallet. BTC slides to 51,500 while ETH falls to 2,500.")


@dataclass(frozen=True)
class Lesson5Facts:
    """Engine runs behind every "because" of lesson 5 (computed, never typed)."""

    iso_btc_step: int            # step at which the isolated BTC long is liquidated
    cross_steps: tuple[int, ...]  # cross liquidation steps (−1: never)
    btc_alone_cross_step: int    # the counterfactual: BTC alone in cross, same path
    final_cross: float
    final_iso: float
    btc_upnl_end_cross: float    # the BTC long's uPnL at the end, still open in cross
    iso_btc_margin: float        # what isolated lost on BTC at liquidation (its margin)
    eth_upnl_end: float
    path_low: float


@cache
def lesson5_facts() -> Lesson5Facts:
    """Both modes and the counterfactual (BTC alone, cross) on lesson 5's path."""
    both = L5_SCENARIO.compare()
    alone = L5_SCENARIO.replace(positions=L5_SCENARIO.positions[:1]).compare()["cross"]
    cross, iso = both["cross"], both["isolated"]
    return Lesson5Facts(
        iso_btc_step=int(iso.liquidated_at[0]),
        cross_steps=tuple(int(k) for k in cross.liquidated_at),
        btc_alone_cross_step=int(alone.liquidated_at[0]),
        final_cross=float(cross.equity[-1]), final_iso=float(iso.equity[-1]),
        btc_upnl_end_cross=float(cross.unrealized_pnl[0, -1]),
        iso_btc_margin=float(iso.account.isolated_margins[0]),
        eth_upnl_end=float(cross.unrealized_pnl[1, -1]),
        path_low=float(L5_SCENARIO.mark_paths()[BTC].min()))


def _compare(scenario: Scenario) -> Callable[[], Any]:
    def make() -> Any:
        from .widgets.compare import CrossVsIsolated

        return CrossVsIsolated(scenario)
    return make


def _l5_survival_why() -> str:
    f = lesson5_facts()
    if f.cross_steps[0] >= 0 or f.btc_alone_cross_step < 0:
        return ("On this path the engine does not confirm that the ETH short decided cross's "
                "survival, so the lesson does not say it.")
    return (f"The engine confirms it with a counterfactual run: the same path with the BTC long "
            f"alone in cross is liquidated at step {f.btc_alone_cross_step:,}; with the ETH "
            f"short beside it (ending {f.eth_upnl_end:+,.2f} USDT), cross survives.")


def _l5_richer_why() -> str:
    f = lesson5_facts()
    richer = "isolated" if f.final_iso > f.final_cross else "cross"
    return (f"Engine, end of the path: isolated {f.final_iso:,.2f} USDT, cross "
            f"{f.final_cross:,.2f} USDT — {richer} ended richer by "
            f"{abs(f.final_iso - f.final_cross):,.2f} USDT. Isolated lost the BTC long's "
            f"{f.iso_btc_margin:,.2f} USDT margin when it was liquidated at step "
            f"{f.iso_btc_step:,}; cross kept the long open to the end, where its unrealized "
            f"loss was {f.btc_upnl_end_cross:,.2f} USDT. Both kept the ETH short's gain.")


# ---------------------------------------------------------------- lesson 6: funding
L6_SCENARIO = PRESETS["funding_bleed"]


# ---------------------------------------------------------------- lesson 7: Monte Carlo
L7: dict[str, Any] = {"n_paths": 2_000, "steps": 240, "volatility": 0.8, "seed": 42, "leverage": 20}
L7_SCENARIO = PRESETS["one_long"]


def _monte_carlo() -> Any:
    from .widgets.montecarlo import MonteCarloExplorer

    return MonteCarloExplorer("one_long", n_paths=L7["n_paths"], steps=L7["steps"],
                              volatility=L7["volatility"], seed=L7["seed"],
                              leverage=L7["leverage"], background=False)


@cache
def _l7_result() -> dict[str, Any]:
    """The explorer's run, set up in code exactly as the lesson's widget opens."""
    from .widgets.montecarlo import gbm_paths

    sc = L7_SCENARIO.replace(positions=tuple(p.with_(leverage=float(L7["leverage"]))
                                             for p in L7_SCENARIO.positions))
    start = {s: float(p[0]) for s, p in L7_SCENARIO.mark_paths().items()}
    paths = gbm_paths(start, L7["steps"], L7["n_paths"], volatility=L7["volatility"],
                      drift=0.0, seed=L7["seed"])
    return monte_carlo(sc.account(), paths, funding_rate=sc.funding_rate,
                       funding_every=sc.funding_every, fees=sc.fees)


def _l7_iso_share() -> float:
    r = _l7_result()["isolated"]
    return float((r.liquidated_at >= 0).any(axis=0).mean() * 100)


def l7_standard_error() -> float:
    """Binomial standard error of the isolated share, in percentage points."""
    p = _l7_iso_share() / 100
    return math.sqrt(p * (1 - p) / L7["n_paths"]) * 100


def _l7_tolerance() -> float:
    """Two standard errors: a learner who reruns with another seed is still accepted."""
    return round(2 * l7_standard_error(), 2)


# ---------------------------------------------------------------- lesson 8: venues
def _venues() -> Any:
    from .widgets.venues import VenueComparison

    return VenueComparison()


def _venue_lp(key: str) -> float:
    return Account(venues[key].with_(tiers=RiskTiers.flat(0.005)), 400,
                   [Position(BTC, "long", 1, 20_000, 50, "isolated")]).liquidation_price(
                       0, {BTC: 20_000})


def _venue_row(widget: Any, key: str) -> float:
    return float(next(r for r in widget.rows if r.key == key).liquidation_price)


# ---------------------------------------------------------------- lesson 9: mark vs last
L9_ACCOUNT_POS = Position(BTC, "long", 1, 60_000, 10, "isolated")
L9_STEPS = 300
L9_WICK_STEP = 150
L9_PREMIUM = 0.012


def l9_cases() -> dict[str, dict[str, np.ndarray]]:
    """Mark and last price of the two cases of lesson 9 (built from simple paths)."""
    from .core import paths as P

    lp = _acct(10_000, L9_ACCOUNT_POS).liquidation_price(0, M60)
    # A: the mark dips to 55,500 and recovers; the last price wicks 1.5 % below the
    # liquidation price for one step
    mark_a = P.piecewise([(0, 60_000), (L9_WICK_STEP, 55_500), (L9_STEPS - 1, 58_000)],
                         L9_STEPS)
    last_a = mark_a.copy()
    last_a[L9_WICK_STEP] = lp * 0.985
    # B: the mark (an index of spot prices) slides under the liquidation price while the
    # contract trades at a premium, so the last price never touches the line
    mark_b = P.piecewise([(0, 60_000), (200, 54_000), (L9_STEPS - 1, 54_000)], L9_STEPS)
    last_b = mark_b * (1 + L9_PREMIUM)
    return {"wick": {"mark": mark_a, "last": last_a}, "mark": {"mark": mark_b, "last": last_b}}


@cache
def l9_results() -> dict[str, Any]:
    """The engine on both cases (liquidation uses the mark; the last price is display)."""
    acct = _acct(10_000, L9_ACCOUNT_POS)
    return {k: simulate(acct, {BTC: c["mark"]}, last_prices={BTC: c["last"]}, fees=False)
            for k, c in l9_cases().items()}


def _mark_vs_last() -> Any:
    from .widgets.markvslast import MarkVsLast

    return MarkVsLast(l9_cases(), l9_results())


# --- sources cited by the lessons (title, date) --------------------------------------------
SRC_BINANCE_MARGIN = ("Binance FAQ “How to Adjust Margin Balance in Cross/Isolated Margin Mode” "
                      "(article 360038447311): the current page, read 2026-12, and its version "
                      "dated 2020-01-03")
SRC_BYBIT_FUNDING = "Bybit Help Center, “Funding Fee Calculation” (UTA), dated 2024-12-19"
SRC_HL_LIQ = ("Hyperliquid docs, Trading › Liquidations (hyperliquid.gitbook.io, read "
              "2026-12)")
SRC_BINANCE_LIQ = ("Binance FAQ on liquidation, as summarised in the kit's MARGIN_MODEL.md "
                   "section 5 (“your maintenance margin will be lost”)")

HINT_DOLLAR = "Prices and amounts are accepted to the dollar."


def _choice(question: str, options: list[tuple[str, TextOrFn]], correct: int,
            predict: bool = False) -> ChoiceSpec:
    """Options as (answer with its reason, explanation shown when it is checked)."""
    return ChoiceSpec(question, tuple(o for o, _ in options), correct,
                      tuple(e for _, e in options), predict=predict)


# ================================================================================ lesson 1
_L1 = Lesson(
    1, "Wallet, leverage, initial margin and unrealized PnL",
    "What does 10x leverage actually lend me, and what do I stand to lose?",
    _calculator(L1),
    (
        _choice(
            "<b>Predict</b> before you touch the calculator: the long below is 0.5 BTC from "
            "60,000 and the mark is 57,000. If you raise the leverage from 10x to 20x, what "
            "happens to its unrealized PnL?",
            [("It halves — because more leverage means less of your money in the trade",
              "Leverage changes the initial margin (your stake), not the PnL: uPnL = side × "
              "quantity × (mark − entry) has no leverage in it."),
             ("It does not change — because uPnL depends on quantity and prices only",
              "Right: uPnL = side × quantity × (mark − entry). Leverage only sets how much of "
              "the wallet is locked as initial margin."),
             ("It doubles — because leverage multiplies gains and losses",
              "Leverage lets you hold a bigger quantity for the same margin; at the same "
              "quantity the PnL is the same.")], 1, predict=True),
        ExerciseSpec(
            "What initial margin does the long in the calculator (0.5 BTC at 60,000, 10x) "
            "need?",
            lambda: float(_l1_account().initial_margin(M60)[0]),
            "USDT", PRICE_TOLERANCE,
            ("Initial margin = notional ÷ leverage.", "The notional is 0.5 × 60,000."),
            "Notional = 0.5 × 60,000 = 30,000 USDT; initial margin = 30,000 ÷ 10 = "
            "<b>3,000 USDT</b>.",
            why="Leverage 10x means you put up a tenth of the notional.",
            mistakes=((lambda: 30_000.0, "That is the notional. Divide it by the leverage."),
                      (lambda: 6_000.0, "That is the margin for 1 BTC; the position is "
                                        "0.5 BTC.")),
            read=lambda w: w.result.initial_margin),
        ExerciseSpec(
            "The mark is <b>57,000</b>. What is the unrealized PnL of the 0.5 BTC long?",
            lambda: float(_l1_account().unrealized_pnl({BTC: 57_000})[0]),
            "USDT", PRICE_TOLERANCE,
            ("uPnL = side × quantity × (mark − entry).", "A long has side +1."),
            "uPnL = +1 × 0.5 × (57,000 − 60,000) = <b>−1,500 USDT</b>. The wallet does not "
            "change until the position is closed.",
            why="A long loses when the mark is below its entry; the sign matters.",
            mistakes=((lambda: 1_500.0, "Check the sign: a long loses when the mark falls "
                                        "below the entry."),
                      (lambda: -3_000.0, "That is for 1 BTC; the position is 0.5 BTC.")),
            read=lambda w: w.result.unrealized_pnl),
        ExerciseSpec(
            "With a wallet balance of <b>10,000 USDT</b>, what is the account's equity (its "
            "margin balance) at the mark of 57,000?",
            lambda: _l1_account().equity({BTC: 57_000}),
            "USDT", PRICE_TOLERANCE,
            ("Equity = wallet balance + unrealized PnL.",),
            "Equity = 10,000 + (−1,500) = <b>8,500 USDT</b>.",
            why="The initial margin is locked, not spent: only the uPnL changes equity.",
            mistakes=((lambda: 10_000.0, "That is the wallet balance alone: equity adds the "
                                         "unrealized PnL."),
                      (lambda: 11_500.0, "Check the sign of the uPnL."),
                      (lambda: 5_500.0, "The initial margin is not subtracted: it is still "
                                        "your money, only locked.")),
            read=lambda w: w.result.margin_balance),
        _choice(
            "Now a <b>short</b> of 0.5 BTC from 60,000, mark 57,000. Its unrealized PnL is:",
            [("−1,500 USDT — because the price fell",
              "For a short, side = −1: a falling price is a gain."),
             ("+1,500 USDT — because a short gains when the mark falls below its entry",
              "Right: uPnL = −1 × 0.5 × (57,000 − 60,000) = +1,500 USDT. Switch the "
              "calculator to Short to see it."),
             ("0 — because a short has no PnL until it is closed",
              "uPnL is what you would make if you closed now; it is not zero.")], 1),
    ),
    goals=("compute the initial margin a position locks up, from its notional and leverage",
           "compute unrealized PnL for a long and a short, and equity (the margin balance)",
           "see that leverage changes the stake, not the bet"),
    intro=(
        "Leverage does not lend you money: it sets how much of your own money a position "
        "locks up. The **notional** is quantity × price; the **initial margin** is the "
        "notional divided by the leverage. Your **wallet balance** is deposits plus realized "
        "profit minus fees; the **unrealized PnL** is what you would make or lose if you "
        "closed now at the **mark price** (the fair price the exchange uses), and the "
        "**margin balance** is the wallet plus the unrealized PnL of the positions it backs. "
        "For a cross account that is its **equity**."),
    look=(
        "The calculator is set to the exercises' position: a cross long of 0.5 BTC from "
        "60,000 at 10x, a 10,000 USDT wallet, and a mark of 57,000. Read the initial margin, "
        "the unrealized PnL and the margin balance at the mark. Move the leverage: the "
        "initial margin changes, the unrealized PnL does not."),
    try_this=(
        "Switch the side to Short, then lower the leverage to 2x. At 2x the initial margin "
        "(15,000 USDT) is more than the 10,000 USDT wallet: **an exchange would refuse this "
        "order** for insufficient balance, and the calculator says so in red. Raise the "
        "leverage again until the warning goes."),
    you_can_now=("compute a position's initial margin, unrealized PnL and equity",
                 "tell which of these leverage changes (the initial margin only)",
                 "spot an order an exchange would refuse for insufficient balance"),
    slug="wallet_leverage_pnl")


# ================================================================================ lesson 2
_L2 = Lesson(
    2, "Maintenance margin, risk tiers and the margin ratio",
    "How much must I keep, and how close am I to liquidation?",
    _calculator(L2),
    (
        _choice(
            "<b>Predict</b>: a long of 1 BTC from 60,000; the mark falls to 58,000. Its "
            "maintenance margin (Binance, measured at the mark):",
            [("Rises — because the position is losing",
              "Maintenance margin depends on the notional at the mark, not on the PnL."),
             ("Falls — because it is a rate on the notional at the mark, which shrank",
              "Right: 58,000 × 0.5 % − 50 = 240 USDT, down from 250 at 60,000. The margin "
              "balance falls much faster, so the ratio still rises."),
             ("Stays at its opening value — because it is fixed when the position opens",
              "That is Bybit's classic rule (lesson 8); Binance measures it at the mark.")],
            1, predict=True),
        ExerciseSpec(
            "In the calculator (1 BTC long from 60,000, cross, wallet 10,000, mark "
            "<b>58,000</b>, Binance 2024 brackets), what is the maintenance margin at the "
            "mark?",
            lambda: float(_l2_account().maintenance_margin({BTC: 58_000})[0]),
            "USDT", PRICE_TOLERANCE,
            ("Find the bracket holding the notional 58,000: floors 0, 50,000, 600,000…",
             "Bracket 2: rate 0.5 %, maintenance amount 50. MM = N × rate − amount."),
            "58,000 is in bracket 2 (50,000 ≤ N < 600,000): MM = 58,000 × 0.5 % − 50 = "
            "<b>240 USDT</b>.",
            why="The bracket is chosen by the notional at the mark.",
            mistakes=((lambda: 290.0, "You left out the maintenance amount (50 USDT) of "
                                      "bracket 2."),
                      (lambda: 250.0, "That is the maintenance margin at the entry price; "
                                      "Binance measures it at the mark (58,000)."),
                      (lambda: 232.0, "0.4 % is the first bracket's rate; 58,000 USDT is in "
                                      "the second bracket.")),
            read=lambda w: w.result.maintenance_margin_at_mark),
        ExerciseSpec(
            "Same position, mark 58,000. What is the margin ratio, in percent?",
            lambda: _l2_account().margin_ratio({BTC: 58_000}) * 100,
            "%", 0.05,
            ("Margin ratio = maintenance margin ÷ margin balance.",
             "Margin balance = 10,000 + uPnL = 10,000 − 2,000."),
            "MM = 240 USDT; margin balance = 10,000 + (−2,000) = 8,000; ratio = 240 ÷ 8,000 = "
            "<b>3.0 %</b>. Liquidation happens at 100 %.",
            why="The ratio divides by the margin balance (wallet + uPnL), not the wallet.",
            mistakes=((lambda: 2.4, "You divided by the wallet balance; divide by the margin "
                                    "balance (wallet + uPnL = 8,000)."),
                      (lambda: 250 / 8_000 * 100, "Use the maintenance margin at the mark "
                                                  "(240), not at entry (250).")),
            read=lambda w: w.result.margin_ratio_at_mark * 100),
        _choice(
            "A <b>short</b> of 1 BTC from 60,000 in the same wallet; the mark rises to "
            "62,000. Its margin ratio:",
            [("Falls — because the short's notional is fixed",
              "The notional is quantity × mark: it grows with the mark."),
             ("Rises — because its maintenance margin grows with the notional while the "
              "margin balance shrinks by the loss",
              "Right: MM = 62,000 × 0.5 % − 50 = 260 and the margin balance is 10,000 − "
              "2,000 = 8,000: 3.25 %. A short is hurt by a rising price twice."),
             ("Does not change — because shorts have no maintenance margin",
              "Every position has a maintenance margin.")], 1),
        _choice(
            "Why does Binance's table subtract a <b>maintenance amount</b> (50 USDT in "
            "bracket 2)?",
            [("A discount for large traders", "It is not a discount: it only removes a jump."),
             ("To keep the maintenance margin continuous at a bracket floor: at 50,000, "
              "50,000 × 0.5 % − 50 equals 50,000 × 0.4 %",
              "Right: without it the maintenance margin would jump by 50 USDT when the "
              "notional crosses 50,000."),
             ("It is the trading fee", "Fees are separate; they come out of the wallet.")], 1),
    ),
    goals=("find the risk bracket of a position and compute its maintenance margin",
           "compute the margin ratio and know that liquidation is at 100 %",
           "predict how the ratio moves for a long and for a short"),
    intro=(
        "An exchange does not wait until your equity is zero: it liquidates when the margin "
        "balance (lesson 1: wallet + unrealized PnL of the pool) falls to the **maintenance "
        "margin**, notional × rate − a maintenance amount. The rate depends on the size of "
        "the position (**risk tiers** or brackets), and the amount keeps the maintenance "
        "margin continuous across a bracket floor. The **margin ratio** = maintenance margin "
        "÷ margin balance; liquidation is at 100 %."),
    look=(
        "The calculator holds the exercises' position: a cross long of 1 BTC from 60,000, "
        "wallet 10,000, mark 58,000. The rows “at the mark” give the maintenance margin and "
        "the margin ratio there; the rows “at entry” give them at 60,000."),
    try_this=(
        "Make the position bigger until its notional crosses a bracket floor (50,000 and "
        "600,000 USDT on Binance's 2024 BTCUSDT table): the rate and the amount change "
        "together, and the maximum leverage drops. Find the smallest BTC position for which "
        "Binance no longer allows 100x."),
    you_can_now=("compute a maintenance margin from a bracket table",
                  "compute a margin ratio at any mark, for a long or a short",
                  "explain what the maintenance amount is for"),
    slug="maintenance_margin_tiers")


# ================================================================================ lesson 3
def _l3_marks_high() -> dict[str, float]:
    return _marks_at(L3_SCENARIO, L3_HIGH_STEP)


_L3 = Lesson(
    3, "Isolated margin: liquidation and bankruptcy price, adding and removing margin",
    "What exactly can I lose on an isolated position, and how do I push its liquidation "
    "price away?",
    _lab(L3_SCENARIO),
    (
        ExerciseSpec(
            "Isolated long <b>1 BTC</b> at <b>60,000</b>, <b>10x</b> (isolated margin 6,000), "
            "Binance brackets (rate 0.5 %, amount 50 at this size). What is its liquidation "
            "price (the lab's numbers panel at step 0)?",
            lambda: _l3_account().liquidation_price(0, M60),
            "USDT", PRICE_TOLERANCE,
            ("Solve isolated margin + 1 × (P − 60,000) = P × 0.5 % − 50.",),
            "6,000 + P − 60,000 = 0.005 P − 50 ⇒ P = 53,950 ÷ 0.995 = <b>54,221.11 USDT</b>.",
            why="Only the isolated margin backs the position, not the 10,000 wallet.",
            mistakes=((lambda: _l3_account().bankruptcy_price(0, M60),
                       "That is the bankruptcy price (margin + uPnL = 0). Liquidation comes "
                       "earlier, when margin + uPnL = maintenance margin."),
                      (lambda: _l3_account().with_mode("cross").liquidation_price(0, M60),
                       "That is the cross formula, with the whole wallet behind the "
                       "position. In isolated only the 6,000 margin backs it.")),
            read=lambda w: float(w.result.liquidation_price[0, 0])),
        ExerciseSpec(
            "You add <b>1,000 USDT</b> to that isolated margin (at the entry price). Where is "
            "the new liquidation price?",
            lambda: _l3_account().add_margin(0, 1_000, M60).liquidation_price(0, M60),
            "USDT", PRICE_TOLERANCE,
            ("Adding x moves a long's price down by x ÷ (q × (1 − rate)).",),
            "The price falls by 1,000 ÷ 0.995 = 1,005.03: <b>53,216.08 USDT</b>.",
            why="Each USDT added moves the line by 1 ÷ (1 − rate) dollars.",
            mistakes=((lambda: _l3_account().liquidation_price(0, M60) - 1_000,
                       "Almost: the maintenance margin also falls with the price, so the line "
                       "moves by 1,000 ÷ (1 − 0.5 %), a little more than 1,000."),),
            read=lambda w: w.scenario.account().add_margin(0, 1_000, M60)
            .liquidation_price(0, M60)),
        ExerciseSpec(
            f"At step {L3_HIGH_STEP} the mark is <b>70,000</b>. How much of the 6,000 USDT "
            "isolated margin can you take back out (Binance's rule)?",
            lambda: _l3_account().max_removable_margin(0, _l3_marks_high()),
            "USDT", PRICE_TOLERANCE,
            ("Binance's current FAQ: max(0, min(isolated margin − MM, isolated margin + uPnL "
             "− initial margin at the mark)).",
             "At 70,000: MM = 70,000 × 0.5 % − 50 = 300; uPnL = 10,000; initial margin at the "
             "mark = 7,000."),
            "min(6,000 − 300, 6,000 + 10,000 − 7,000) = min(5,700, 9,000) = <b>5,700 USDT</b>. "
            "The profit cannot be taken out (it is unrealized), and the margin must keep the "
            "maintenance margin.",
            why="The first limit (margin − maintenance margin) binds: the position keeps at "
                "least its maintenance margin.",
            mistakes=((lambda: 6_000.0,
                       "That is the rule of the 2020 version of Binance's FAQ, "
                       "min(isolated margin, …). Today's FAQ keeps the maintenance margin in "
                       "the position: min(isolated margin − MM, …)."),
                      (lambda: 9_000.0, "That is only the second limit; take the smaller of "
                                        "the two."),
                      (lambda: 0.0, "At the entry price it would be 0; here the mark is "
                                    "70,000.")),
            read=lambda w: w.scenario.account().max_removable_margin(
                0, _marks_at(w.scenario, L3_HIGH_STEP))),
        ExerciseSpec(
            "The lab's path then falls through the liquidation price. How much did the "
            "trader lose in all (the 10,000 USDT deposit minus the wallet at the end)?",
            lambda: L3_SCENARIO.wallet_balance - float(_run(L3_SCENARIO).wallet_balance[-1]),
            "USDT", PRICE_TOLERANCE,
            ("The isolated margin is lost at liquidation. What else left the wallet?",
             "Opening the position cost a taker fee: 0.05 % of 60,000."),
            "The isolated margin (6,000 USDT, forfeited at liquidation) plus the opening fee "
            "(60,000 × 0.05 % = 30 USDT): <b>6,030 USDT</b>.",
            why="“Isolated limits the loss to the margin” forgets the fees.",
            mistakes=((lambda: 6_000.0, "You forgot the 30 USDT taker fee paid when the "
                                        "position opened."),),
            read=lambda w: w.scenario.wallet_balance - float(w.result.wallet_balance[-1])),
        _choice(
            "An isolated <b>short</b>'s liquidation price is above its entry. You add margin. "
            "The liquidation price:",
            [("Moves down, toward the entry — because more margin is more risk",
              "More margin is a bigger buffer, so the line moves away from the entry."),
             ("Moves up, away from the entry — because the price must rise further before "
              "the margin is used up",
              "Right: for a short the buffer is above; adding margin raises the line."),
             ("Does not move — because only leverage sets it",
              "In isolated mode the margin sets it; leverage only sets the starting "
              "margin.")], 1),
    ),
    goals=("compute an isolated position's liquidation and bankruptcy price",
           "move the liquidation price by adding margin, and know how much can be removed",
           "count everything an isolated liquidation costs"),
    intro=(
        "An **isolated** position has its own pool: the **isolated margin** carved out of your "
        "wallet. Only that margin and the position's own PnL decide its fate. The "
        "**liquidation price** is where margin + uPnL = maintenance margin; the **bankruptcy "
        "price** is where margin + uPnL = 0. Adding margin pushes both away; removing margin "
        "(allowed only down to the limits below) pulls them closer."),
    look=(
        "The lab shows the exercises' position: an isolated 10x long of 1 BTC from 60,000 in "
        "a 10,000 USDT wallet. The mark rises to 70,000 at step 100, then falls through the "
        "liquidation price. Scrub to step 100 and to the red ✕; read the numbers panel and "
        "the wallet balance. Use the + button next to the isolated margin and watch the "
        "dashed red line move down."),
    try_this=(
        "Add 2,000 USDT of margin at step 0: is the position still liquidated on this path? "
        "What did the extra margin cost you if it is?"),
    you_can_now=("compute isolated liquidation and bankruptcy prices",
                 "apply Binance's maximum-removable rule",
                 "say what an isolated liquidation really costs (margin plus fees)"),
    boxes=(
        Box("Isolated margin “limits your loss to the margin”.",
            "Close, not exact: the fees come on top (here 30 USDT to open), and on Binance "
            "what is left of the margin at liquidation is not returned — it goes to the "
            "insurance fund. You do not owe more than the margin when the price gaps, "
            "because the insurance fund covers the gap.",
            SRC_BINANCE_LIQ),
        Box("You can withdraw an isolated position's margin down to its maintenance margin.",
            "Binance's FAQ gives the maximum removable amount as max(0, min(isolated margin − "
            "maintenance margin, isolated margin + uPnL − initial margin at the mark)). The "
            "2020 version of the same FAQ had min(isolated margin, …) without the maintenance "
            "margin; at 70,000 here that older rule gives 6,000, today's 5,700.",
            SRC_BINANCE_MARGIN),
    ),
    slug="isolated_margin")


# ================================================================================ lesson 4
def _l4_pair_account() -> Account:
    return L4_SCENARIO.account()


_L4 = Lesson(
    4, "Cross margin: one pool, several positions, a conditional liquidation price",
    "Why does my BTC liquidation price move when only ETH moved?",
    _lab(L4_SCENARIO),
    (
        ExerciseSpec(
            "Cross wallet 10,000 USDT: long 0.5 BTC at 60,000 and short 5 ETH at 3,000, marks "
            "60,000 and 3,000 (Binance brackets, no fees). BTC's cross liquidation price at "
            "step 0?",
            lambda: _l4_pair_account().liquidation_price(0, _marks_at(L4_SCENARIO, 0)),
            "USDT", PRICE_TOLERANCE,
            ("Use LP = (WB − TMM1 + UPNL1 + cum − s·q·EP) ÷ (q·rate − s·q).",
             "TMM1 is ETH's maintenance margin: 15,000 × 0.4 % = 60; UPNL1 = 0."),
            "(10,000 − 60 + 0 + 0 − 30,000) ÷ (0.5 × 0.4 % − 0.5) = <b>40,281.12 USDT</b>.",
            why="The whole cross wallet, minus what ETH needs, backs the BTC long.",
            mistakes=((lambda: _l4_pair_account().with_mode("isolated").liquidation_price(
                0, _marks_at(L4_SCENARIO, 0)),
                "That is the isolated formula, with only BTC's initial margin behind it. "
                "In cross the whole wallet backs the long."),
                      (lambda: (10_000 - 30_000) / (0.5 * 0.004 - 0.5),
                       "You forgot ETH's maintenance margin (TMM1 = 60 USDT): the ETH short "
                       "needs its share of the pool too.")),
            read=lambda w: float(w.result.liquidation_price[0, 0])),
        ExerciseSpec(
            f"Scrub to step {L4_STEP}: BTC is at 57,000 and ETH has fallen to 2,800. BTC's "
            "cross liquidation price now?",
            lambda: _l4_pair_account().liquidation_price(0, _l4_marks()),
            "USDT", PRICE_TOLERANCE,
            ("The ETH short gains 5 × 200 = 1,000: UPNL1 = +1,000.",
             "TMM1 = 5 × 2,800 × 0.4 % = 56. BTC's own mark does not enter its formula."),
            "(10,000 − 56 + 1,000 − 30,000) ÷ (−0.498) = <b>38,265.06 USDT</b>: the short's "
            "profit props up the long.",
            why="ETH's profit joined the pool, so BTC can fall further.",
            mistakes=((lambda: _l4_pair_account().liquidation_price(0, _marks_at(
                L4_SCENARIO, 0)), "That is the price at step 0. ETH's profit since then "
                                  "(UPNL1 = +1,000) belongs in the formula."),),
            read=lambda w: float(w.result.liquidation_price[0, L4_STEP])),
        _choice(
            "Suppose ETH <b>rose</b> instead, so the ETH short loses. BTC's cross liquidation "
            "price:",
            [("Moves up, toward the mark — because the short's loss drains the shared pool",
              "Right: in cross, one position's loss is every position's loss."),
             ("Does not move — because BTC's price did not change",
              "A cross liquidation price is conditional on every other mark."),
             ("Moves down — because a short gains when prices rise",
              "A short loses when the price rises.")], 0),
        _choice(
            "You raise the BTC long's leverage from 10x to 20x, still in cross. Its "
            "liquidation price:",
            [("Moves closer — because higher leverage is riskier",
              "That is true in isolated mode, where leverage sets the margin."),
             ("Does not move — because in cross leverage only sizes the initial margin; the "
              "whole wallet still backs the position",
              "Right: the cross formula has the wallet in it, not the leverage."),
             ("Moves further away — because less margin is locked",
              "Locked margin is still in the cross pool; the price does not move.")], 1),
    ),
    goals=("compute a cross liquidation price with two positions in one pool",
           "explain why it moves when another symbol moves",
           "tell why leverage does not move it in cross"),
    intro=(
        "In **cross** mode every cross position shares one pool: the **cross wallet**. A "
        "position's liquidation price is therefore *conditional*: it assumes every other "
        "symbol stays at its current mark. When ETH moves, BTC's liquidation price moves, even "
        "though you did nothing to BTC."),
    look=(
        "In the lab a BTC long and an ETH short share a 10,000 USDT cross wallet (no fees, so "
        "the numbers match the formula). Scrub along the path: as ETH falls the short earns, "
        "and BTC's dashed liquidation line moves down."),
    try_this=("Switch the mode toggle to Isolated: which position is liquidated now, and "
              "when?"),
    you_can_now=("compute a cross liquidation price with several positions",
                 "explain how a winner props up a loser in cross, and a loser drags the pool",
                 "say why cross leverage does not move the liquidation price"),
    boxes=(Box("Cross margin has “lower liquidation risk”.",
               "A position in cross is liquidated later, because the whole cross wallet "
               "backs it; but when it is, the whole pool goes with it. Lesson 5 shows a path "
               "on which cross survived and still ended poorer than isolated.",
               "Engine runs of lesson 5 (MARGIN_MODEL.md section 6)"),),
    slug="cross_margin")


# ================================================================================ lesson 5
_L5 = Lesson(
    5, "Cross vs isolated on the same price path",
    "If my BTC long is going to lose, which mode hurts less?",
    _compare(L5_SCENARIO),
    (
        _choice(
            "<b>Predict</b> before you scrub: a BTC long (10x) and an ETH short in a 4,000 "
            "USDT wallet; BTC slides about 14 % while ETH falls. Which mode liquidates the BTC "
            "long first?",
            [("Isolated — because only its own 3,000 USDT margin backs it",
              "Right: in isolated the long stands alone on its initial margin."),
             ("Cross — because cross puts the whole wallet at risk",
              "Cross puts more at risk, but more also backs the long: it liquidates later."),
             ("Both at the same step — because the price path is the same",
              "Same path, different pools: the pool decides when.")], 0, predict=True),
        ExerciseSpec(
            "At which step is the isolated BTC long liquidated?",
            lambda: float(lesson5_facts().iso_btc_step), "step", 0.5,
            ("Find the red ✕ on the isolated side, or scrub until its margin ratio reaches "
             "100 %.",),
            "The engine liquidates it at the first step where its isolated margin + uPnL ≤ "
            "its maintenance margin.",
            why="In isolated the long stands on its own 3,000 USDT margin.",
            read=lambda w: float(w.result["isolated"].liquidated_at[0])),
        _choice(
            "Cross survives this path. Why?",
            [("Cross always liquidates later than isolated — because the whole wallet backs "
              "every position",
              lambda: "Later, yes, but not necessarily never: with the BTC long alone, the "
                      "same 4,000 USDT wallet is liquidated on this path at step "
                      f"{lesson5_facts().btc_alone_cross_step:,} (engine run)."),
             ("The ETH short's profit kept the pool above its maintenance margin",
              _l5_survival_why),
             ("Cross pays lower fees", "The fees are the same in both modes.")], 1),
        ExerciseSpec(
            "At the end of the path, how much more equity does the richer mode have than the "
            "other (a positive number)?",
            lambda: abs(lesson5_facts().final_iso - lesson5_facts().final_cross),
            "USDT", PRICE_TOLERANCE,
            ("Read the final equity of both modes in the sentence under the charts.",),
            _l5_richer_why,
            why=_l5_richer_why,
            mistakes=((lambda: lesson5_facts().iso_btc_margin,
                       "That is the isolated BTC margin. Compare the two final equities."),),
            read=lambda w: abs(float(w.result["isolated"].equity[-1])
                               - float(w.result["cross"].equity[-1]))),
        _choice(
            "Which mode ended richer, and why?",
            [("Cross — because it was never liquidated",
              "Surviving is not the same as ending richer: cross carried the BTC loss all "
              "the way down."),
             ("Isolated — because its liquidation capped the BTC loss at the 3,000 USDT "
              "margin, while cross kept the long open to a larger loss",
              _l5_richer_why),
             ("Neither — both lose the same", "The engine's final equities differ.")], 1),
    ),
    goals=("predict which mode liquidates first, then check it on a path",
           "explain a survival with a counterfactual (the same path without the winner)",
           "compare modes by when they liquidate, the worst loss, and the final equity"),
    intro=(
        "The same scenario run twice: every position cross (left, blue) and every position "
        "isolated with its initial margin (right, orange). A cross pool lets a winner prop up "
        "a loser, and liquidates later; but which mode is *safer* depends on what you count: "
        "the later liquidation, the smaller worst loss, or the larger equity at the end."),
    look=(
        "The comparison runs the exercises' scenario: a 0.5 BTC long (10x) and a 5 ETH short "
        "(20x) in a 4,000 USDT wallet. Read the sentence under the charts, scrub to the red ✕ "
        "on the isolated side, and compare the final equities."),
    try_this=(
        "Delete the ETH short in the positions editor (the counterfactual): is cross now "
        "liquidated, and at which step? Then put the wallet back to 10,000: does cross still "
        "need the short?"),
    you_can_now=("say which mode liquidates first and why",
                 "check a “because” with a counterfactual run",
                 "tell apart surviving and ending richer"),
    boxes=(Box("Cross margin has “lower liquidation risk”; isolated “limits the loss to the "
               "margin”.",
               "Both half true. Here cross was never liquidated but ended poorer, because it "
               "carried the BTC loss to the end; isolated was liquidated but its loss on BTC "
               "stopped at the margin (plus fees).",
               "Engine runs of this lesson"),),
    slug="cross_vs_isolated")


# ================================================================================ lesson 6
def _l6_payment() -> float:
    p = L6_SCENARIO.positions[0]
    return p.quantity * float(L6_SCENARIO.mark_paths()[p.symbol][0]) * L6_SCENARIO.funding_rate


def _l6_liq_step() -> float:
    return float(_run(L6_SCENARIO).liquidated_at[0])


_L6 = Lesson(
    6, "Funding, fees and margin transfers",
    "Why did my liquidation price move when I didn't trade?",
    _lab(L6_SCENARIO),
    (
        ExerciseSpec(
            "Long 0.5 BTC at a mark of 60,000, funding rate <b>0.1 %</b> per 8 hours: how much "
            "does the long pay at one funding time?",
            _l6_payment, "USDT", PRICE_TOLERANCE,
            ("Funding = side × notional × rate; longs pay when the rate is positive.",),
            "0.5 × 60,000 × 0.1 % = <b>30 USDT</b> every 8 hours; in this kit it is taken "
            "from the isolated margin (see the box below for Bybit).",
            why="The notional, not the margin, sets the funding.",
            mistakes=((lambda: 0.5 * 60_000 * 0.001 / 25,
                       "Funding is a rate on the notional (30,000 USDT), not on the margin."),),
            read=lambda w: float(w.result.isolated_margin[0, 7] - w.result.isolated_margin[0, 8])),
        ExerciseSpec(
            "In the “Slow funding bleed” scenario, at which step is the isolated long "
            "liquidated, although the price never moves?",
            _l6_liq_step, "step", 0.5,
            ("Each payment lowers the isolated margin by 30; the maintenance margin is "
             "0.4 % of 30,000 = 120.",
             "Margin 1,200 must fall to 120: how many payments, 8 steps apart?"),
            "(1,200 − 120) ÷ 30 = 36 payments; the 36th is at step 36 × 8 = <b>288</b>.",
            why="Funding drains the isolated margin until it meets the maintenance margin.",
            mistakes=((lambda: 36.0, "36 is the number of payments; they come every 8 steps."),
                      (lambda: 1_200 / 30 * 8, "The position is liquidated when its margin "
                                               "reaches the maintenance margin (120), not "
                                               "zero.")),
            read=lambda w: float(w.result.liquidated_at[0])),
        _choice(
            "With a positive funding rate, what happens to a <b>short</b>?",
            [("It pays — because every position pays funding",
              "Funding is exchanged between longs and shorts."),
             ("It receives — because longs pay shorts when the rate is positive",
              "Right: its margin grows at each funding time, pushing its liquidation price "
              "up, away from the mark."),
             ("Nothing — funding is only for longs", "Both sides take part.")], 1),
        _choice(
            "On Bybit, where does the funding of an isolated position come from?",
            [("Always from the isolated margin", "Not on Bybit: see its help centre."),
             ("From the available balance first; from the position margin only when the "
              "available balance is not enough",
              f"Right ({SRC_BYBIT_FUNDING}). This kit's engine takes it from the isolated "
              "margin, so on Bybit this scenario would drain the 800 USDT of available "
              "balance first."),
             ("From the insurance fund", "The insurance fund covers bankrupt positions, not "
                                         "funding.")], 1),
    ),
    goals=("compute a funding payment and who pays it",
           "see the liquidation price move with no trade at all",
           "know that exchanges differ in where funding is taken from"),
    intro=(
        "The liquidation price also moves when you do not trade: **funding** payments drain "
        "the pool that pays them, **fees** come out of the wallet, and **margin transfers** "
        "add to or take from an isolated pool. In this kit an isolated position pays its "
        "funding from its isolated margin."),
    look=(
        "This scenario holds the price flat at 60,000: an isolated 25x long of 0.5 BTC in a "
        "2,000 USDT wallet. A positive funding rate of 0.1 % makes the long pay every 8 "
        "steps; the isolated margin shrinks until the liquidation line reaches the mark."),
    try_this=("Halve the funding rate in the account controls: how much longer does the "
              "position survive?"),
    you_can_now=("compute funding payments for longs and shorts",
                 "explain a liquidation with no price move",
                 "check where your exchange takes funding from"),
    boxes=(Box("Funding always comes out of the isolated margin.",
               "Not on every exchange. Bybit deducts the funding fee from the available "
               "balance and takes it from the position margin only when the available "
               "balance is insufficient. The kit's engine uses the isolated margin for every "
               "venue, so it does not show Bybit's order.",
               SRC_BYBIT_FUNDING),),
    slug="funding_fees_transfers")


# ================================================================================ lesson 7
_L7 = Lesson(
    7, "Risk: Monte Carlo probability of liquidation; choosing a mode",
    "How likely am I to be liquidated, and what would it cost?",
    _monte_carlo,
    (
        ExerciseSpec(
            "The explorer holds an isolated 20x long, 1 BTC at 60,000, over 240 hourly steps "
            "at 80 % volatility (2,000 paths, seed 42). What percentage of paths liquidate "
            "the isolated position?",
            _l7_iso_share, "%", _l7_tolerance,
            ("Read the isolated sentence of the summary, or the end of the orange "
             "probability curve.",),
            lambda: (f"The share of the 2,000 seeded paths on which the isolated pool reached "
                     f"its maintenance margin. It is an estimate: its binomial standard "
                     f"error is √(p(1 − p)/n) = {l7_standard_error():.2f} percentage points, "
                     f"so answers within two standard errors ("
                     f"±{_l7_tolerance():.2f} points) are accepted."),
            why="With the same seed the explorer and the engine draw the same paths.",
            read=lambda w: w.liquidated_share()["isolated"] * 100),
        _choice(
            "<b>Predict</b>, then check with the leverage control: lower the leverage from 20x "
            "to 10x. Which curve moves more?",
            [("Isolated's falls a lot — because its margin doubles and its liquidation price "
              "moves away; cross barely moves, because leverage does not move a cross "
              "liquidation price",
              "Right: try it — the orange curve drops, the blue one hardly changes."),
             ("Cross falls a lot — because cross uses leverage too",
              "In cross, leverage only sizes the initial margin."),
             ("Neither — because the paths are the same",
              "The paths are the same, the isolated margin is not.")], 0),
        _choice(
            "You hold one risky position and savings in the same account. Which mode protects "
            "the savings?",
            [("Isolated — because only the isolated margin (plus fees) is at risk",
              "Right: the rest of the wallet is never used for that position."),
             ("Cross — because it survives longer",
              "Cross puts the savings behind the position: it survives longer but can lose "
              "them all."),
             ("Neither — because both can be liquidated",
              "Both can be liquidated, but isolated caps what it takes.")], 0),
    ),
    goals=("read a probability of liquidation off thousands of paths",
           "know the sampling error of such a probability",
           "see how leverage changes isolated risk but not cross risk"),
    intro=(
        "One path is a story; thousands of paths are a risk estimate. The explorer simulates "
        "many seeded random paths and counts, step by step, the share of paths on which a "
        "position was liquidated, in cross and in isolated, with bands of equity. A share "
        "measured on n paths has a sampling error of about √(p(1 − p)/n)."),
    look=(
        "The explorer is set to the exercise: an isolated 20x long of 1 BTC in a 10,000 USDT "
        "wallet, 240 hourly steps, 80 % volatility, 2,000 paths, seed 42. Compare the two "
        "probability curves and the loss histogram: cross is liquidated less often, but loses "
        "more when it is."),
    try_this=("Change the seed: how much does the isolated share move? Compare it with the "
              "standard error in the solution. Then raise the volatility and watch which "
              "curve moves more."),
    you_can_now=("estimate a probability of liquidation and its error",
                 "compare cross and isolated by how often and how much they lose"),
    slug="monte_carlo_risk")


# ================================================================================ lesson 8
_L8 = Lesson(
    8, "Why exchanges show different numbers",
    "Same trade, three exchanges, three liquidation prices: who is right?",
    _venues,
    (
        ExerciseSpec(
            "Long 1 BTC at 20,000, 50x, rate 0.5 %, isolated margin 400, on Bybit classic "
            "(maintenance margin at the ENTRY price). Liquidation price?",
            lambda: _venue_lp("bybit_linear"), "USDT", PRICE_TOLERANCE,
            ("MM at entry = 20,000 × 0.5 % = 100, fixed.", "400 + (P − 20,000) = 100."),
            "P = 20,000 − 300 = <b>19,700 USDT</b> (Bybit's own published example).",
            why="Bybit classic fixes the maintenance margin at the entry price.",
            mistakes=((lambda: _venue_lp("binance_usdm"),
                       "That is Binance's number, with the maintenance margin at the mark."),),
            read=lambda w: _venue_row(w, "bybit_linear")),
        ExerciseSpec(
            "The same trade on OKX, which adds its 0.05 % taker fee to the maintenance rate "
            "(measured at the mark). Liquidation price?",
            lambda: _venue_lp("okx_linear"), "USDT", PRICE_TOLERANCE,
            ("400 + (P − 20,000) = P × (0.5 % + 0.05 %).",),
            "P = 19,600 ÷ 0.9945 = <b>19,708.40 USDT</b>.",
            why="The fee to close is counted as part of the maintenance requirement.",
            mistakes=((lambda: _venue_lp("binance_usdm"),
                       "You left out the 0.05 % taker fee OKX adds to the rate."),),
            read=lambda w: _venue_row(w, "okx_linear")),
        _choice(
            "For the same trade Bybit classic gives 19,700.00 and Binance 19,698.49. Which "
            "rule makes them differ?",
            [("Where the maintenance margin is measured: at the entry price (Bybit classic) "
              "or at the mark (Binance)",
              "Right: at the mark the maintenance margin shrinks as the price falls, so "
              "Binance liquidates a little later for a long."),
             ("Different fees", "With the same rate and no fee in the maintenance margin, "
                                "fees do not enter either formula."),
             ("One of them is wrong", "Both follow their own published rule.")], 0),
        _choice(
            "A long is liquidated on Hyperliquid through the order book, above its bankruptcy "
            "price. What happens to the collateral that is left?",
            [("It stays with the trader",
              f"Right: “any remaining collateral remains with the trader” ({SRC_HL_LIQ}). "
              "Only a backstop liquidation, below 2/3 of the maintenance margin, keeps the "
              "maintenance margin."),
             ("It goes to the insurance fund, as on Binance",
              f"Not for an order-book liquidation on Hyperliquid ({SRC_HL_LIQ})."),
             ("It is paid to the other side of the trade", "No: see the Hyperliquid docs.")],
            0),
    ),
    goals=("explain why two exchanges give different liquidation prices for the same trade",
           "compute Bybit classic's and OKX's prices",
           "know what each exchange does with the margin left at liquidation"),
    intro=(
        "Exchanges solve the same equation — margin balance = maintenance margin — with "
        "different rules: Bybit classic measures the maintenance margin at the entry price, "
        "OKX adds its taker fee to the maintenance rate, tier tables differ and change over "
        "time. What happens *after* the trigger differs too: on Binance what is left of the "
        "margin goes to the insurance fund; on Hyperliquid an order-book liquidation leaves "
        "the remaining collateral with the trader."),
    look=(
        "With “same MMR for every venue” on, the table isolates the rules: 19,700.00 (Bybit), "
        "19,698.49 (Binance), 19,708.40 (OKX) for the same trade."),
    try_this=(
        "Turn off “same MMR” and make the position large: compare Binance's 2022 and 2024 "
        "tables. Every preset names the source and date of its table: check them when a "
        "number looks off."),
    you_can_now=("name the rule behind each exchange's number",
                 "check an exchange's liquidation price by hand",
                 "say what happens to the remaining margin on Binance and on Hyperliquid"),
    boxes=(Box("Every exchange liquidates the same way.",
               "They trigger on the same kind of equation, but what is left of the margin is "
               "kept by Binance's insurance fund, while Hyperliquid returns it to the trader "
               "after an order-book liquidation (and keeps the maintenance margin only in a "
               "backstop liquidation).",
               f"{SRC_BINANCE_LIQ}; {SRC_HL_LIQ}"),),
    slug="venues_differ")


# ================================================================================ lesson 9
def _l9_lp() -> float:
    return _acct(10_000, L9_ACCOUNT_POS).liquidation_price(0, M60)


_L9 = Lesson(
    9, "Mark price vs last price",
    "A wick went below my liquidation price and I was not liquidated — and another time I "
    "was liquidated without any wick. Why?",
    _mark_vs_last,
    (
        _choice(
            "<b>Predict</b>: the last traded price wicks 1.5 % below an isolated long's "
            "liquidation price for one step, while the mark stays above it. Is the position "
            "liquidated?",
            [("Yes — because the price went through the liquidation line",
              "The line is about the mark price; the last price is not used."),
             ("No — because exchanges liquidate on the mark price, not on the last trade",
              "Right: the mark follows an index of prices on several venues, so a one-off "
              "trade on one book does not move it."),
             ("Only if the wick lasts more than a minute",
              "Time is not the rule: the mark is.")], 1, predict=True),
        ExerciseSpec(
            "Case B (the mark falls, no wick): at which step does the liquidation start?",
            lambda: float(l9_results()["mark"].liquidation_started_at[0]), "step", 0.5,
            ("Find the ✕ on case B's chart: the first step at which the mark is at or below "
             "the liquidation price.",),
            "The engine liquidates at the first step at which the MARK reaches the "
            "liquidation price, although the last price stays above it (the contract trades "
            "at a 1.2 % premium). On Binance a position above the lowest bracket is first "
            "reduced into the next lower bracket (tier step-down), so the rest closes a step "
            "later.",
            why="The mark crossed the line; the last price never did.",
            read=lambda w: float(w.results["mark"].liquidation_started_at[0])),
        ExerciseSpec(
            "Case A: by how many USDT did the last price's wick go below the liquidation "
            "price?",
            lambda: _l9_lp() - float(l9_cases()["wick"]["last"].min()),
            "USDT", PRICE_TOLERANCE,
            ("Lowest last price vs the liquidation price (54,221.11 USDT).",),
            "The wick reached 1.5 % below the liquidation price: 54,221.11 × 1.5 % ≈ "
            "<b>813.32 USDT</b> below it, and nothing happened.",
            why="Hundreds of dollars through the line, and no liquidation: the mark stayed "
                "above.",
            read=lambda w: float(w.results["wick"].liquidation_price[0, 0])
            - float(np.min(w.cases["wick"]["last"]))),
        _choice(
            "An isolated <b>short</b>: the last price spikes above its liquidation price for "
            "one trade; the mark stays below. Liquidated?",
            [("No — because the mark did not reach the line",
              "Right: the same rule for shorts — only the mark counts."),
             ("Yes — because shorts are liquidated on the last price",
              "Longs and shorts use the same mark."),
             ("Yes, but only partly", "Nothing happens until the mark reaches the line.")], 0),
    ),
    goals=("tell the mark price from the last traded price",
           "explain a wick that does not liquidate, and a liquidation without a wick"),
    intro=(
        "The **last price** is the latest trade on one exchange's order book; a single large "
        "order can make it wick far for a moment. The **mark price** is the fair price the "
        "exchange computes from an index of several venues (Hyperliquid: “external CEX prices "
        "with Hyperliquid's book state”). Liquidation is triggered by the mark."),
    look=(
        "Two cases of the same isolated 10x long of 1 BTC from 60,000 (liquidation price "
        "54,221.11 USDT). Case A: the last price wicks through the liquidation line for one "
        "step while the mark stays above — no liquidation. Case B: the mark slides through "
        "the line while the contract trades at a premium, so the last price never touches "
        "it — liquidated."),
    try_this=("Compare the two charts: in which case would a trader watching only the last "
              "price have been surprised, and how?"),
    you_can_now=("say which price triggers a liquidation",
                 "explain both surprises: a harmless wick and a liquidation without one"),
    boxes=(Box("“The price touched my liquidation price, so I should have been liquidated” "
               "(or the reverse).",
               "Exchanges trigger liquidation on the mark price; Hyperliquid's docs say it "
               "combines external exchange prices with its own book, which makes "
               "liquidations “more robust than using a single instantaneous book price”.",
               SRC_HL_LIQ),),
    slug="mark_vs_last")


# ================================================================================ lesson 10
# One isolated long on Hyperliquid's BTC table, run under three liquidation rules (the only
# thing that differs) along three paths. Every number comes from the engine; every "because"
# from a counterfactual run (lesson10_facts).
SRC_HL_PARTIAL = ("Hyperliquid's announcement of partial liquidations and the docs' "
                  "“Liquidations” page as quoted by docs built on it, read 2026-12-02 (the "
                  "kit's hyperliquid preset): 20 % at a time above 100,000 USDC, a 30 s "
                  "cooldown, the remaining margin stays with the trader")
SRC_BINANCE_PROTOCOL = ("Binance “Liquidation Protocol” (as mirrored in the TraderWagon futures "
                        "FAQ, read 2026-12-02; the kit's binance_usdm preset)")
SRC_BINANCE_MARGIN_CALL = ("Binance Open Platform docs, USDⓈ-M Futures › User Data Streams › "
                           "“Event: Margin Call” (developers.binance.com, undated, read "
                           "2026-12-02)")
SRC_BINANCE_INSURANCE = ("Binance FAQ 360033525371 “Futures Insurance Funds”, last updated "
                         "2025-05-06 (a mirrored copy, read 2026-12-02)")
SRC_BYBIT_ADL = ("Bybit Help Center, “Auto-Deleveraging (ADL) Mechanism”, dated 2024-09-06, "
                 "read 2026-12-02")
SRC_HL_ADL = ("Hyperliquid docs, Trading › Auto-deleveraging (hyperliquid.gitbook.io, read "
              "2026-12)")

HL = venues["hyperliquid"]
L10_WALLET = 40_000.0
L10_POSITION = Position("BTC", "long", 5, 60_000, 10, "isolated")
L10_RULES: dict[str, Any] = {
    "partial": HL,
    "kept": HL.with_(partial_liquidation=None),
    "forfeit": HL.with_(partial_liquidation=None, liquidation_fee_rate=None),
}
L10_RULE_LABELS = (("Partial: 20 % at a time (Hyperliquid)", "partial"),
                   ("Full close, the rest kept", "kept"),
                   ("Full close, the rest forfeited (Binance)", "forfeit"))
L10_PATH_POINTS: dict[str, list[tuple[float, float]]] = {
    "recovers": [(0, 60_000), (110, 54_500), (150, 54_000), (299, 58_000)],
    "falls": [(0, 60_000), (110, 54_500), (299, 48_000)],
    "gap": [(0, 60_000), (99, 58_000), (100, 45_000), (299, 50_000)],
}
L10_PATH_LABELS = (("Falls, then recovers", "recovers"), ("Keeps falling", "falls"),
                   ("Gaps 22 % in one step", "gap"))
L10_STEPS = 300


def l10_path(key: str) -> np.ndarray:
    """The mark path of lesson 10's case ``key`` (50 USDC a step on the slide)."""
    from .core import paths as P

    return P.piecewise(L10_PATH_POINTS[key], L10_STEPS)


@cache
def l10_run(rule: str, path: str) -> Any:
    """The engine on one case of lesson 10 (opening fee charged, as on the venue)."""
    acct = Account(L10_RULES[rule], L10_WALLET, [L10_POSITION])
    return simulate(acct, {"BTC": l10_path(path)})


def _events(res: Any, kind: str) -> list[Any]:
    return [e for e in res.events() if e.kind == kind]


def _after_first(res: Any, kind: str) -> float:
    """The liquidation price at the step after the first event of ``kind``.

    That is the line as drawn right after the marker: at the event's own step the engine
    shows the line the mark crossed.
    """
    return float(res.liquidation_price[0, _events(res, kind)[0].step + 1])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _describe_run(res: Any, *_keys: str) -> str:
    """What happened on one run, in words, from the engine's events."""
    cur = res.account.currency
    parts = _events(res, "partial liquidation")
    full = _events(res, "liquidation")
    tops = _events(res, "auto-add margin") + [e for e in res.events()
                                              if e.kind == "add_margin"]
    out = []
    if tops:
        steps = ", ".join(f"{e.step:,}" for e in tops)
        out.append(f"{_count(len(tops), 'top-up')} moved {sum(e.amount for e in tops):,.2f} "
                   f"{cur} into the position (step{'s' if len(tops) > 1 else ''} {steps}).")
    if parts:
        closed = sum(e.quantity for e in parts)
        where = (f"steps {parts[0].step:,} to {parts[-1].step:,}" if len(parts) > 1
                 else f"step {parts[0].step:,}")
        out.append(f"{_count(len(parts), 'partial liquidation')} ({where}) closed "
                   f"{closed:,.4f} BTC at a realized loss of "
                   f"{sum(e.loss for e in parts):,.2f} {cur}.")
    if full:
        e = full[0]
        out.append(f"Liquidated in full at step {e.step:,} (mark {e.mark:,.2f}): "
                   f"{e.quantity:,.4f} BTC closed; forfeited or fee {e.fee:,.2f} {cur}; "
                   f"insurance fund paid {e.insurance_payout:,.2f} {cur}.")
    else:
        q = float(np.asarray(res.quantity)[0, -1])
        out.append(f"Never liquidated in full: {q:,.4f} BTC still open at the end.")
    out.append(f"Equity at the end: {float(res.equity[-1]):,.2f} {cur}.")
    return " ".join(out)


def _l10_widget() -> Any:
    from .widgets.cases import CaseExplorer

    return CaseExplorer(
        "Isolated 10x long of 5 BTC from 60,000 on Hyperliquid's BTC table (MMR 1.25 %), "
        "40,000 USDC wallet", [("Liquidation rule", L10_RULE_LABELS),
                               ("Price path", L10_PATH_LABELS)],
        l10_run, _describe_run, start=("partial", "recovers"))


@dataclass(frozen=True)
class Lesson10Facts:
    """Engine runs behind every "because" of lesson 10 (computed, never typed)."""

    first_step: int          # first partial liquidation (partial rule, recovering path)
    first_mark: float
    lp_after_first: float
    n_partial: int
    final_partial: dict[str, float]   # final equity per path, partial rule
    final_kept: dict[str, float]      # final equity per path, full close with the rest kept
    forfeited: float                  # forfeit rule, recovering path
    payout: float                     # the gap path (same under every rule)


@cache
def lesson10_facts() -> Lesson10Facts:
    """Lesson 10's runs: the partial rule, its counterfactuals and the gap."""
    r = l10_run("partial", "recovers")
    parts = _events(r, "partial liquidation")
    k = parts[0].step
    forf = l10_run("forfeit", "recovers")
    return Lesson10Facts(
        first_step=k, first_mark=float(parts[0].mark),
        lp_after_first=float(r.liquidation_price[0, k + 1]), n_partial=len(parts),
        final_partial={p: float(l10_run("partial", p).equity[-1]) for p in L10_PATH_POINTS},
        final_kept={p: float(l10_run("kept", p).equity[-1]) for p in L10_PATH_POINTS},
        forfeited=float(sum(e.fee for e in _events(forf, "liquidation"))),
        payout=float(np.sum(l10_run("partial", "gap").insurance_payout)))


def _l10_richer_why() -> str:
    f = lesson10_facts()
    rec = f.final_partial["recovers"] - f.final_kept["recovers"]
    fall = f.final_partial["falls"] - f.final_kept["falls"]
    if rec <= 0 or fall >= 0:
        return ("On these paths the engine does not confirm that the recovery decided it, so "
                "the lesson does not say it.")
    return (f"Engine: on the recovering path the partial rule ended {rec:,.2f} USDC richer "
            f"than a full close at the first breach — the part left open recovered with the "
            f"price. The counterfactual run on the path that keeps falling confirms the "
            f"reason: there the partial rule ended {-fall:,.2f} USDC poorer, because each "
            f"part was closed lower than the first.")


def _l10_forfeit_why() -> str:
    f = lesson10_facts()
    return (f"At the full close the pool's margin balance was {f.forfeited:,.2f} USDC (the "
            f"isolated margin minus the loss at the mark {f.first_mark:,.2f}); under the "
            f"forfeit rule all of it goes to the insurance fund, under Hyperliquid's rule it "
            f"returns to the trader.")


_L10 = Lesson(
    10, "What happens at liquidation: margin call, partial liquidation, fees, insurance "
        "fund, ADL",
    "The mark reached my liquidation price: what is closed, what do I keep, and who pays "
    "when the price gaps?",
    _l10_widget,
    (
        _choice(
            "<b>Predict</b>: an isolated long of 5 BTC (300,000 USDC of notional) on "
            "Hyperliquid; the mark reaches its liquidation price. What does the venue do?",
            [("Closes the whole position at once — because the trigger was reached",
              "Not above 100,000 USDC on Hyperliquid: only part of it is closed."),
             ("Closes 20 % of it; the rest stays open with a new, lower liquidation price",
              f"Right ({SRC_HL_PARTIAL}). Select “Partial” in the widget: the first ✕ "
              "closes 1 BTC."),
             ("Nothing until the mark reaches the bankruptcy price",
              "The trigger is the liquidation price (margin balance = maintenance margin), "
              "before bankruptcy.")], 1, predict=True),
        ExerciseSpec(
            "Isolated margin 30,000 USDC, maintenance margin rate 1.25 % (Hyperliquid, BTC "
            "up to 40x): what is the liquidation price of the 5 BTC long at the start?",
            lambda: Account(HL, L10_WALLET, [L10_POSITION]).liquidation_price(
                0, {"BTC": 60_000.0}),
            "USDC", PRICE_TOLERANCE,
            ("Solve 30,000 + 5 × (P − 60,000) = 5 × P × 1.25 %.",),
            "P = (300,000 − 30,000) ÷ (5 × 0.9875) = <b>54,683.54 USDC</b>.",
            why="Only the isolated margin backs the position; the maintenance margin is "
                "measured at the mark.",
            mistakes=((lambda: 54_000.0, "That is the bankruptcy price (margin + uPnL = 0); "
                                         "liquidation comes earlier."),),
            read=lambda w: float(w.result_of("partial", "recovers").liquidation_price[0, 0])),
        ExerciseSpec(
            "On the recovering path the first partial liquidation closes 1 BTC at the mark "
            "of 54,650 (step 107). What is the liquidation price of the 4 BTC left (the "
            "dashed line right after the first ✕)?",
            lambda: lesson10_facts().lp_after_first,
            "USDC", PRICE_TOLERANCE,
            ("The closed BTC realized 54,650 − 60,000 = −5,350: the isolated margin is now "
             "24,650.",
             "Solve 24,650 + 4 × (P − 60,000) = 4 × P × 1.25 %."),
            "P = (240,000 − 24,650) ÷ (4 × 0.9875) = <b>54,518.99 USDC</b>: only 164.55 "
            "lower. The next 150 USDC of fall triggers the next partial liquidation.",
            why="The margin balance did not change, but the maintenance margin fell by 20 %.",
            mistakes=((lambda: 54_683.54, "That is the line before the partial liquidation; "
                                          "4 BTC need less maintenance margin."),
                      (lambda: (240_000 - 30_000) / (4 * 0.9875),
                       "The closed BTC's loss (5,350) was realized into the isolated margin: "
                       "it is 24,650 now, not 30,000.")),
            read=lambda w: _after_first(w.result_of("partial", "recovers"),
                                        "partial liquidation")),
        _choice(
            "Closing 1 BTC did not add a cent to the margin balance. Why does it stop the "
            "liquidation?",
            [("Because the maintenance margin is a rate on the notional: 20 % less notional "
              "needs 20 % less maintenance margin, so the same balance is above it again",
              "Right: at 54,650 the balance is 3,250 USDC; the requirement falls from "
              "3,415.63 to 2,732.50."),
             ("Because the sale realized a profit", "It realized a loss (−5,350 USDC)."),
             ("Because the venue adds margin to the position", "No margin is added: that is "
                                                               "auto-add margin (lesson 11).")],
            0),
        ExerciseSpec(
            "Switch to “Full close, the rest forfeited” (Binance's rule for a full close) on "
            "the recovering path. How much margin goes to the insurance fund?",
            lambda: lesson10_facts().forfeited,
            "USDC", PRICE_TOLERANCE,
            ("The position closes at the first breach, mark 54,650.",
             "What is left is the margin balance there: 30,000 + 5 × (54,650 − 60,000)."),
            "30,000 − 26,750 = <b>3,250 USDC</b> go to the insurance fund. Under "
            "“Full close, the rest kept” (Hyperliquid) the trader keeps them.",
            why=_l10_forfeit_why,
            mistakes=((lambda: 0.0, "That is the rule “the rest kept”; this case forfeits "
                                    "it."),
                      (lambda: 30_000.0, "The loss at the mark (26,750) had already used most "
                                         "of the 30,000 margin.")),
            read=lambda w: float(sum(e.fee for e in _events(
                w.result_of("forfeit", "recovers"), "liquidation")))),
        _choice(
            "On the recovering path, which rule ends richer, partial liquidation or a full "
            "close (the rest kept)? Compare, then check the reason on the path that keeps "
            "falling.",
            [("Partial — because the part left open recovered with the price",
              _l10_richer_why),
             ("Full — because closing early always loses less",
              "Not here: check the two final equities in the sentence under the charts."),
             ("The same — because both keep the remaining margin",
              "They keep it, but partial keeps part of the position too.")], 0),
        ExerciseSpec(
            "Now the path that <b>gaps</b> from 58,000 to 45,000 in one step. How much does "
            "the insurance fund pay?",
            lambda: lesson10_facts().payout,
            "USDC", PRICE_TOLERANCE,
            ("At 45,000 the position has lost 5 × 15,000.",
             "The pool had 30,000 of margin; the fund pays what the loss exceeds it by."),
            "Loss 5 × (60,000 − 45,000) = 75,000 against 30,000 of margin: the insurance "
            "fund pays <b>45,000 USDC</b>. The trader loses the 30,000, not more; with the "
            "balance below zero, the position is closed in full under every rule.",
            why="The pool went below zero by that much; the trader's loss stops at the pool.",
            mistakes=((lambda: 75_000.0, "That is the whole loss; the margin paid its 30,000 "
                                         "first."),
                      (lambda: 30_000.0, "That is what the trader loses; the fund pays the "
                                         "rest.")),
            read=lambda w: float(np.sum(w.result_of("partial", "gap").insurance_payout))),
        _choice(
            "Binance pushes a <b>MARGIN_CALL</b> message to your account. What does it "
            "mean?",
            [("Your position has been liquidated",
              "Not necessarily: it is a warning; the liquidation is a separate event."),
             ("A warning that your risk ratio is high; the position is still open, and the "
              "warning can come too late",
              f"Right ({SRC_BINANCE_MARGIN_CALL}): it is pushed “when the user's position "
              "risk ratio is too high”, is “risk guidance information”, and the position "
              "may be liquidated at the same time. The page gives no threshold, so the kit "
              "does not model it."),
             ("The exchange will wait for you to add margin before liquidating",
              "No source the kit read says so: the liquidation comes at its trigger whether "
              "or not you answered.")], 1),
        _choice(
            "The insurance fund cannot cover a bankrupt position. What happens then?",
            [("Auto-deleveraging: profitable traders on the opposite side, ranked by profit "
              "and leverage, are closed against the bankrupt position",
              f"Right ({SRC_BYBIT_ADL}; {SRC_HL_ADL}). The kit explains ADL; it does not "
              "simulate other traders."),
             ("It charges the trader's other accounts", "No: the loss stops at the pool."),
             ("It halts trading", "Not what the venues' docs describe.")], 0),
    ),
    goals=("say what a margin call is, and what it is not",
           "follow a partial liquidation: what is closed and where the new liquidation "
           "price lies",
           "compare the rules for the margin left at liquidation (kept, fee, forfeited)",
           "compute the insurance fund's payout on a gap, and explain ADL"),
    intro=(
        "A liquidation is not one thing. Before it, some exchanges send a **margin call**: a "
        "warning that the position is close to its trigger (Binance pushes a MARGIN_CALL "
        "message “when the user's position risk ratio is too high”; it is a warning, not a "
        "liquidation, and no threshold is published on that page, so the kit does not model "
        "it). At the trigger (margin balance = maintenance margin, lesson 2) the venue's "
        "rule decides what happens. **Partial liquidation**: Hyperliquid closes 20 % of a "
        "position above 100,000 USDC at a time; Binance reduces a large position into a "
        "lower bracket first (tier step-down, lesson 9). A **full liquidation** closes what "
        "is left; the margin balance still there is either kept by the trader (Hyperliquid), "
        "charged a **liquidation (clearance) fee** on the closed notional (dYdX: up to "
        "1.5 %), or forfeited to the **insurance fund** (Binance). When a gap takes the pool "
        "below zero, the insurance fund pays the difference; when it cannot, the venue "
        "**auto-deleverages** (ADL) profitable opposite positions."),
    look=(
        "The widget runs one position — an isolated 10x long of 5 BTC from 60,000 with "
        "30,000 USDC of margin in a 40,000 USDC wallet, on Hyperliquid's BTC table — under "
        "three liquidation rules and along three paths; only the selected rule or path "
        "changes. Start with “Partial” and “Falls, then recovers”: every ✕ is a partial "
        "liquidation (hover it), the dashed line steps down after each, and the table lists "
        "the quantity closed, the realized loss and the fees. Then switch the rule, and the "
        "path."),
    try_this=(
        "Select “Keeps falling”: how many partial liquidations before the rest is closed in "
        "full, and why does the last one close everything (hint: 20 % above 100,000 USDC of "
        "notional)? Then select “Gaps 22 % in one step” under each rule: why are the three "
        "outcomes the same?"),
    you_can_now=("tell a margin call (a warning) from a liquidation",
                 "compute the liquidation price after a partial liquidation",
                 "say what each venue does with the margin left at liquidation",
                 "compute the insurance fund's payout on a gap, and say what ADL is"),
    boxes=(
        Box("A margin call gives you time to add funds and prevents the liquidation of the "
            "entire account.",
            "Binance documents its margin call as “risk guidance information” pushed when "
            "the risk ratio is too high, and warns that the position may be liquidated at "
            "the same time. Nothing waits for your answer: the liquidation comes at its "
            "trigger. What limits the damage is the venue's liquidation rule (partial "
            "liquidation, lower brackets first), not the call.",
            f"{SRC_BINANCE_MARGIN_CALL}; {SRC_BINANCE_PROTOCOL}"),
        Box("After a liquidation you can owe the exchange money.",
            "The loss stops at the pool: the insurance fund takes over bankrupt positions "
            "and pays their losses (Binance: the funds “are not insurance products” and "
            "“do not guarantee users against losses”); when it cannot, profitable opposite "
            "traders are auto-deleveraged.",
            f"{SRC_BINANCE_INSURANCE}; {SRC_BYBIT_ADL}"),
    ),
    slug="what_happens_at_liquidation")


# ================================================================================ lesson 11
# One isolated long on Bybit, protected four ways, along two paths (lesson11_facts).
SRC_BYBIT_AMR = ("Bybit Help Center, “Auto-Margin Replenishment (USDT Contracts)”, dated "
                 "2023-12-04, read 2026-12-02")
BYBIT = venues["bybit_linear"]
L11_WALLET = 15_000.0
L11_POSITION = Position(BTC, "long", 1, 60_000, 10, "isolated")
L11_TOPUP_STEP = 100
L11_TOPUP = 6_000.0
L11_PROTECTIONS = (("None (isolated)", "none"), ("Auto-add margin", "auto"),
                   (f"Add {L11_TOPUP:,.0f} by hand at step {L11_TOPUP_STEP}", "manual"),
                   ("Cross", "cross"))
L11_PATH_POINTS: dict[str, list[tuple[float, float]]] = {
    "recovers": [(0, 60_000), (120, 54_000), (160, 52_000), (299, 58_000)],
    "falls": [(0, 60_000), (120, 54_000), (299, 42_000)],
}
L11_PATH_LABELS = (("Falls to 52,000, then recovers", "recovers"),
                   ("Keeps falling to 42,000", "falls"))
L11_STEPS = 300
L11_SCENARIO = Scenario(
    title="One long on Bybit, topped up by hand", venue="bybit_linear",
    wallet_balance=L11_WALLET,
    description=f"An isolated 10x long of 1 BTC from 60,000; at step {L11_TOPUP_STEP} the "
                f"trader moves {L11_TOPUP:,.0f} USDT from the wallet into its isolated margin.",
    positions=(L11_POSITION,),
    paths={BTC: _lin_pw(*L11_PATH_POINTS["recovers"])}, steps=L11_STEPS,
    events=(TransferEvent(L11_TOPUP_STEP, "add_margin", L11_TOPUP, 0),))


def l11_path(key: str) -> np.ndarray:
    """The mark path of lesson 11's case ``key``."""
    from .core import paths as P

    return P.piecewise(L11_PATH_POINTS[key], L11_STEPS)


@cache
def l11_run(protection: str, path: str) -> Any:
    """The engine on one case of lesson 11 (Bybit classic, opening fee charged)."""
    pos = L11_POSITION
    events: tuple[Any, ...] = ()
    if protection == "auto":
        pos = pos.with_(auto_add_margin=True)
    elif protection == "manual":
        events = L11_SCENARIO.events
    elif protection == "cross":
        pos = pos.with_(mode="cross")
    return simulate(Account(BYBIT, L11_WALLET, [pos]), {BTC: l11_path(path)}, events=events)


def _l11_widget() -> Any:
    from .widgets.cases import CaseExplorer

    return CaseExplorer(
        "Isolated 10x long of 1 BTC from 60,000 on Bybit (classic: maintenance margin 0.5 % "
        "at the entry price), 15,000 USDT wallet",
        [("Protection", L11_PROTECTIONS), ("Price path", L11_PATH_LABELS)],
        l11_run, _describe_run, start=("auto", "recovers"))


@dataclass(frozen=True)
class Lesson11Facts:
    """Engine runs behind every "because" of lesson 11."""

    tops: dict[str, tuple[float, ...]]    # auto-add amounts per path
    top_steps: dict[str, tuple[int, ...]]
    lp_after_first: float
    final: dict[tuple[str, str], float]   # (protection, path) -> final equity
    liq: dict[tuple[str, str], int]       # (protection, path) -> full liquidation step


@cache
def lesson11_facts() -> Lesson11Facts:
    """Lesson 11's runs: every protection on both paths."""
    tops = {p: tuple(float(e.amount) for e in _events(l11_run("auto", p), "auto-add margin"))
            for p in L11_PATH_POINTS}
    steps = {p: tuple(int(e.step) for e in _events(l11_run("auto", p), "auto-add margin"))
             for p in L11_PATH_POINTS}
    r = l11_run("auto", "recovers")
    keys = [(a, p) for _, a in L11_PROTECTIONS for p in L11_PATH_POINTS]
    return Lesson11Facts(
        tops=tops, top_steps=steps,
        lp_after_first=float(r.liquidation_price[0, steps["recovers"][0] + 1]),
        final={k: float(l11_run(*k).equity[-1]) for k in keys},
        liq={k: int(l11_run(*k).liquidated_at[0]) for k in keys})


def _l11_saved_why() -> str:
    f = lesson11_facts()
    if not (f.liq[("auto", "recovers")] < 0 <= f.liq[("none", "recovers")]
            and f.liq[("auto", "falls")] >= 0):
        return ("The engine does not confirm on these paths that the recovery decided it, so "
                "the lesson does not say it.")
    return (f"Engine: on the recovering path auto-add ended "
            f"{f.final[('auto', 'recovers')] - f.final[('none', 'recovers')]:,.2f} USDT richer "
            f"than no protection (which was liquidated at step {f.liq[('none', 'recovers')]:,})."
            f" The counterfactual on the path that keeps falling confirms why: there auto-add "
            f"topped up again and was still liquidated (step {f.liq[('auto', 'falls')]:,}), "
            f"ending {f.final[('none', 'falls')] - f.final[('auto', 'falls')]:,.2f} USDT "
            f"poorer than no protection.")


def _l11_cross_why() -> str:
    f = lesson11_facts()
    same = (f.liq[("auto", "falls")] == f.liq[("cross", "falls")]
            and abs(f.final[("auto", "falls")] - f.final[("cross", "falls")]) < 0.01)
    if not same:
        return "On this path the engine does not show the two alike, so the lesson does not say it."
    return (f"Engine, path that keeps falling: auto-add and cross are both liquidated at step "
            f"{f.liq[('cross', 'falls')]:,} and both end with "
            f"{f.final[('cross', 'falls')]:,.2f} USDT — once auto-add has moved the whole "
            f"available balance in, the position is backed by the whole wallet, like cross. "
            f"The hand top-up, capped at {L11_TOPUP:,.0f}, ends with "
            f"{f.final[('manual', 'falls')]:,.2f}.")


_L11 = Lesson(
    11, "Position insurance: auto-add margin, adding margin by hand, or cross",
    "My isolated position is close to liquidation: should I let the exchange top it up, do "
    "it myself, or use cross — and what does each cost?",
    _l11_widget,
    (
        _choice(
            "<b>Predict</b>: Bybit, isolated long with auto-add margin on; the mark reaches "
            "its liquidation price while 8,967 USDT are available. What happens?",
            [("It is liquidated anyway — because auto-add acts only on orders",
              "Auto-add acts at the liquidation trigger, before the liquidation."),
             ("Bybit moves the position's initial margin (6,000 USDT) from the available "
              "balance into it, and the liquidation price moves away",
              f"Right ({SRC_BYBIT_AMR}): “the amount drawn would be equivalent to the "
              "initial margin that is currently used for this position”."),
             ("Bybit lends the position the missing margin",
              "Nothing is lent: it is your own available balance.")], 1, predict=True),
        ExerciseSpec(
            "Long 1 BTC from 60,000 at 10x (isolated margin 6,000), auto-add on, 8,967 USDT "
            "available. How much does the first top-up move into the position?",
            lambda: lesson11_facts().tops["recovers"][0],
            "USDT", PRICE_TOLERANCE,
            ("Bybit adds the initial margin the position currently uses.",
             "Initial margin = 1 × 60,000 ÷ 10."),
            "1 × 60,000 ÷ 10 = <b>6,000 USDT</b> (less only when less is available).",
            why="The top-up is the position's initial margin, not all that is available.",
            mistakes=((lambda: L11_WALLET - 6_000 - 60_000 * BYBIT.taker_fee,
                       "That is everything available; Bybit adds the initial margin (6,000) "
                       "when there is enough."),),
            read=lambda w: float(_events(w.result_of("auto", "recovers"),
                                         "auto-add margin")[0].amount)),
        ExerciseSpec(
            "After that top-up the isolated margin is 12,000. Bybit classic measures the "
            "maintenance margin at the entry price (0.5 % × 60,000 = 300). Where is the new "
            "liquidation price?",
            lambda: lesson11_facts().lp_after_first,
            "USDT", PRICE_TOLERANCE,
            ("Solve 12,000 + (P − 60,000) = 300.",),
            "P = 60,000 − 12,000 + 300 = <b>48,300 USDT</b>, 6,000 lower than before "
            "(54,300).",
            why="On Bybit classic the maintenance margin is fixed at entry: each USDT added "
                "moves a 1 BTC long's line down by exactly 1 USDT.",
            mistakes=((lambda: 48_000.0, "That is the bankruptcy price; liquidation keeps "
                                         "the 300 USDT maintenance margin."),
                      (lambda: 54_300.0, "That is the line before the top-up.")),
            read=lambda w: _after_first(w.result_of("auto", "recovers"), "auto-add margin")),
        ExerciseSpec(
            "Select “Keeps falling to 42,000”. At the second trigger, how much does auto-add "
            "move in?",
            lambda: lesson11_facts().tops["falls"][1],
            "USDT", PRICE_TOLERANCE,
            ("Only what is left available: the wallet minus both margins and the opening "
             "fee.",
             "The opening fee is 0.055 % × 60,000 = 33 USDT."),
            "15,000 − 33 − 6,000 − 6,000 = <b>2,967 USDT</b>: less than the initial margin, "
            "so Bybit uses all that is left.",
            why="When the available balance is below the initial margin, all of it is added.",
            mistakes=((lambda: 6_000.0, "Only 2,967 USDT were still available."),
                      (lambda: 3_000.0, "You forgot the 33 USDT opening fee.")),
            read=lambda w: float(_events(w.result_of("auto", "falls"),
                                         "auto-add margin")[1].amount)),
        ExerciseSpec(
            "On the path that keeps falling, how much more does the trader lose with "
            "auto-add than with no protection at all (compare the final equities)?",
            lambda: lesson11_facts().final[("none", "falls")]
            - lesson11_facts().final[("auto", "falls")],
            "USDT", PRICE_TOLERANCE,
            ("Without protection: the 6,000 margin and the 33 USDT fee are lost.",
             "With auto-add: the margin and both top-ups are lost."),
            "No protection ends with 15,000 − 33 − 6,000 = 8,967; auto-add with 0. Auto-add "
            "lost <b>8,967 USDT</b> more: the rest of the wallet.",
            why="Auto-add postponed the liquidation and put the whole available balance "
                "behind the position; the price kept going.",
            mistakes=((lambda: 6_000.0, "That is one top-up; auto-add moved 6,000 + 2,967 "
                                        "in, and lost them."),),
            read=lambda w: float(w.result_of("none", "falls").equity[-1])
            - float(w.result_of("auto", "falls").equity[-1])),
        _choice(
            "On the recovering path auto-add ends richer than no protection. Why?",
            [("Because the price came back above the new liquidation price before the top-ups "
              "ran out", _l11_saved_why),
             ("Because auto-add lowers the maintenance margin",
              "The maintenance margin is unchanged; the margin grows."),
             ("Because auto-add always ends richer",
              "Not on the path that keeps falling: switch the path and compare.")], 0),
        _choice(
            "On the path that keeps falling, which protection ends like auto-add?",
            [("Cross — once the whole available balance is in, the position is backed by the "
              "whole wallet", _l11_cross_why),
             ("Adding 6,000 by hand — because it is the same top-up",
              "The hand top-up is one 6,000; auto-add went on and added the rest."),
             ("None — because auto-add prevents liquidation",
              "It postpones liquidation while money is available.")], 0),
        _choice(
            "An isolated <b>short</b> with auto-add on; the mark rises to its liquidation "
            "price. The top-up moves the liquidation price:",
            [("Up, away from the mark — the price must rise further to use the new margin",
              "Right: for a short the buffer is above the entry."),
             ("Down, toward the entry", "More margin is a larger buffer, so it moves away."),
             ("Nowhere — a short cannot have auto-add",
              "Auto-add is per isolated position, long or short.")], 0),
    ),
    goals=("follow an automatic top-up (auto-add margin): its trigger, amount and limit",
           "compare auto-add, a top-up by hand and cross on the same paths",
           "say when a top-up saves a position and what it costs when it does not"),
    intro=(
        "The article calls it **position insurance**; Bybit calls it **Auto-Margin "
        "Replenishment** (auto-add margin): an isolated position with the switch on is "
        "topped up from your **available balance** each time it would be liquidated, by the "
        "initial margin it uses (or all that is left when less is available); it is "
        "liquidated only when nothing is left, and no top-up takes it below 1x leverage. A "
        "**margin transfer** by hand (lesson 3) does the same once, when you choose; "
        "**cross** backs the position with the whole wallet from the start."),
    look=(
        "The widget runs one isolated 10x long of 1 BTC from 60,000 on Bybit (15,000 USDT "
        "wallet; liquidation price 54,300) four ways — no protection, auto-add margin, "
        "6,000 USDT added by hand at step 100, and cross — along two paths. It opens on "
        "auto-add and the recovering path: the ◆ is the top-up (hover it), the dashed line "
        "drops by 6,000, and the events table lists the amount. Switch the protection and "
        "the path and compare the final equities."),
    try_this=(
        "With “Keeps falling”, compare the four protections: which loses least, which loses "
        "everything, and at which step is each liquidated? Then ask which you would choose "
        "if you did not know which path comes."),
    you_can_now=("say what auto-add margin does and what it costs",
                 "compute a top-up and the liquidation price after it",
                 "choose between auto-add, a hand top-up and cross knowing the risk of each"),
    boxes=(Box("“Position insurance” protects a position from liquidation.",
               "Bybit's auto-add margin only moves more of your own available balance into "
               "the position each time it nears liquidation; if the price keeps going, the "
               "position is liquidated anyway and every top-up is lost with it. Bybit: "
               "“every time your margin level is about to reach the maintenance margin "
               "level, Bybit will replenish the margin from your available balance”.",
               SRC_BYBIT_AMR),),
    slug="margin_transfers")


LESSONS: dict[int, Lesson] = {L.number: L for L in (_L1, _L2, _L3, _L4, _L5, _L6, _L7, _L8,
                                                    _L9,
                                                    _L10, _L11)}


def lesson(n: int) -> Lesson:
    """Lesson ``n`` (1 to 11)."""
    if n not in LESSONS:
        raise KeyError(f"there are lessons 1 to {len(LESSONS)}")
    return LESSONS[n]


# --------------------------------------------------------------- the course, from the apps index
LESSON_FOLDERS = ("lessons", "..", "../notebooks")
"""Where the lessons may sit relative to the apps' folder, in order: a copy inside it
(``margin-widgets serve``, the wheel, Binder), its parent (``margin-widgets lessons DIR
--apps`` and the classroom hub put the apps in ``DIR/apps``), a source checkout."""


def lessons_href_base(here: Any = None) -> str | None:
    """The relative folder, seen from ``here``, that holds the lesson notebooks.

    ``here`` defaults to the working directory, which is the notebook's folder in Voila and
    Jupyter. ``None`` when no folder near it has them.
    """
    from pathlib import Path

    root = Path.cwd() if here is None else Path(here)
    first = LESSONS[min(LESSONS)].notebook
    for base in LESSON_FOLDERS:
        if (root / base / first).is_file():
            return base
    return None


def course_index(here: Any = None) -> Any:
    """The lessons in order, each with its question, goals and a link that opens it."""
    import ipywidgets as w

    from .widgets.markup import esc

    base = lessons_href_base(here)
    if base is None:
        body = ("<p>The lessons are not next to these apps. Copy them with "
                "<code>margin-widgets lessons DIR --apps</code>, or open them in JupyterLab "
                "with <code>margin-widgets lab</code>.</p>")
    else:
        items = []
        for n, L in LESSONS.items():
            href = esc(f"{base}/{L.notebook}")
            goals = "".join(f"<li>{esc(g)}</li>" for g in L.goals)
            items.append(f"<li><a class='mw-lesson-link' href='{href}' target='_self'>"
                         f"<b>Lesson {n} — {esc(L.title)}</b></a><br><i>{esc(L.question)}"
                         f"</i><ul>{goals}</ul></li>")
        items.append(f"<li><a class='mw-lesson-link' href='{esc(base)}/assessment.ipynb' "
                     f"target='_self'><b>Final assessment</b></a>: questions across the "
                     f"lessons, graded by the engine.</li>")
        body = f"<ol class='mw-course-list'>{''.join(items)}</ol>"
    css = ("<style>.mw-course-index a.mw-lesson-link {color: var(--jp-content-link-color, "
           "#1565c0); text-decoration: underline;}</style>")
    box = w.HTML(f"{css}<div class='mw-course-index'><h2>The lessons, in order</h2>{body}"
                 f"</div>")
    box.add_class("mw-course")
    return box
