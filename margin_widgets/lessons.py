"""The eight lessons: their live widgets and their exercises, checked by the engine.

Notebooks stay thin: a lesson notebook imports ``lesson(n)``, displays ``.widget()`` and each
``.exercise(k)``, and explains in prose. Every expected answer is computed by the engine at the
moment the learner presses *Check*, so the lesson can never disagree with the charts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .core import Account, Position, RiskTiers, Venue, simulate, venues
from .core.scenario import PRESETS

__all__ = ["ExerciseSpec", "ChoiceSpec", "Lesson", "LESSONS", "lesson"]


@dataclass(frozen=True)
class ExerciseSpec:
    """A numeric exercise: the answer is whatever ``answer`` returns (the engine)."""

    question: str
    answer: Callable[[], float]
    unit: str
    tolerance: float
    hints: tuple[str, ...]
    solution: str
    relative: bool = False


@dataclass(frozen=True)
class ChoiceSpec:
    """A conceptual multiple-choice question."""

    question: str
    options: tuple[str, ...]
    correct: int
    explanations: tuple[str, ...]


@dataclass(frozen=True)
class Lesson:
    """One lesson: a question, a widget factory and exercises."""

    number: int
    title: str
    question: str
    make_widget: Callable[[], Any]
    exercises: tuple[ExerciseSpec | ChoiceSpec, ...] = field(default_factory=tuple)

    def widget(self) -> Any:
        """The live widget, already set up to show the answer."""
        return self.make_widget()

    def exercise(self, k: int) -> Any:
        """Exercise ``k`` (1-based) as a widget."""
        from .widgets.exercise import Exercise, MultipleChoice

        spec = self.exercises[k - 1]
        if isinstance(spec, ChoiceSpec):
            return MultipleChoice(spec.question, list(spec.options), spec.correct,
                                  list(spec.explanations))
        return Exercise(spec.question, spec.answer, unit=spec.unit, tolerance=spec.tolerance,
                        relative=spec.relative, hints=list(spec.hints), solution=spec.solution)


# --- shared set-ups (engine objects, so answers come from the engine) ----------------------
FLAT = Venue("MMR 0.4 % (no fees)", tiers=RiskTiers.flat(0.004))
BINANCE = venues["binance_usdm"]


def _one_long(mode: str = "cross", wallet: float = 10_000, lev: float = 10) -> Account:
    pos = Position("BTCUSDT", "long", 1, 60_000, lev, mode)  # type: ignore[arg-type]
    return Account(BINANCE, wallet, [pos])


def _pair() -> Account:
    return Account(BINANCE, 10_000, [Position("BTCUSDT", "long", 0.5, 60_000, 10),
                                     Position("ETHUSDT", "short", 5, 3_000, 20)])


def _lab(preset: str, **changes: Any) -> Callable[[], Any]:
    def make() -> Any:
        from .widgets.lab import MarginLab

        return MarginLab(PRESETS[preset].replace(**changes) if changes else PRESETS[preset])
    return make


def _compare(preset: str) -> Callable[[], Any]:
    def make() -> Any:
        from .widgets.compare import CrossVsIsolated

        return CrossVsIsolated(PRESETS[preset])
    return make


def _calculator() -> Any:
    from .widgets.calculator import LiquidationCalculator

    return LiquidationCalculator()


def _venues() -> Any:
    from .widgets.venues import VenueComparison

    return VenueComparison()


def _monte_carlo() -> Any:
    from .widgets.montecarlo import MonteCarloExplorer

    return MonteCarloExplorer(PRESETS["one_long"])


def _funding_liq_step() -> float:
    s = PRESETS["funding_bleed"]
    return float(simulate(s.account(), s.mark_paths(), **s.sim_kwargs()).liquidated_at[0])


def _iso_liq_step_winner_loser() -> float:
    return float(PRESETS["winner_and_loser"].compare()["isolated"].liquidated_at[0])


def _mc_probability() -> float:
    from .core import monte_carlo
    from .core.paths import gbm

    acct = _one_long("isolated", 10_000, 20)
    paths = gbm(60_000, 240, n_paths=2_000, volatility=0.8, seed=42)
    return float(monte_carlo(acct, {"BTCUSDT": paths})["isolated"].probability_of_liquidation
                 * 100)


M = {"BTCUSDT": 60_000.0}

LESSONS: dict[int, Lesson] = {
    1: Lesson(1, "Wallet, leverage, initial margin and unrealized PnL",
              "What does 10x leverage actually lend me, and what do I stand to lose?",
              _calculator, (
        ExerciseSpec(
            "You open a long of <b>0.5 BTC</b> at <b>60,000 USDT</b> with <b>10x</b> leverage. "
            "What initial margin does it need?",
            lambda: float(Account(BINANCE, 10_000, [Position("BTCUSDT", "long", 0.5, 60_000, 10)])
                          .initial_margin(M)[0]),
            "USDT", 0.01,
            ("Initial margin = notional ÷ leverage.", "The notional is 0.5 × 60,000."),
            "Notional = 0.5 × 60,000 = 30,000 USDT; initial margin = 30,000 ÷ 10 = "
            "<b>3,000 USDT</b>."),
        ExerciseSpec(
            "The mark falls to <b>57,000</b>. What is the unrealized PnL of that 0.5 BTC long?",
            lambda: float(Account(BINANCE, 10_000, [Position("BTCUSDT", "long", 0.5, 60_000, 10)])
                          .unrealized_pnl({"BTCUSDT": 57_000})[0]),
            "USDT", 0.01,
            ("uPnL = side × quantity × (mark − entry).", "A long has side +1."),
            "uPnL = +1 × 0.5 × (57,000 − 60,000) = <b>−1,500 USDT</b>. The wallet is unchanged "
            "until the position is closed."),
        ExerciseSpec(
            "With a wallet of <b>10,000 USDT</b>, what is the account's equity at 57,000?",
            lambda: Account(BINANCE, 10_000, [Position("BTCUSDT", "long", 0.5, 60_000, 10)])
            .equity({"BTCUSDT": 57_000}),
            "USDT", 0.01,
            ("Equity = wallet balance + unrealized PnL.",),
            "Equity = 10,000 + (−1,500) = <b>8,500 USDT</b>."),
    )),
    2: Lesson(2, "Maintenance margin, risk tiers and the margin ratio",
              "How much must I keep, and how close am I to liquidation?",
              _calculator, (
        ExerciseSpec(
            "On Binance USDⓈ-M (2024 brackets) a <b>2 BTC</b> position at mark <b>60,000</b> has "
            "a notional of 120,000 USDT. What is its maintenance margin?",
            lambda: float(Account(BINANCE, 20_000, [Position("BTCUSDT", "long", 2, 60_000, 10)])
                          .maintenance_margin(M)[0]),
            "USDT", 0.01,
            ("Find the bracket holding 120,000: floors 0, 50,000, 600,000…",
             "Bracket 2: MMR 0.5 %, maintenance amount 50. MM = N × MMR − amount."),
            "120,000 is in bracket 2 (50,000 ≤ N < 600,000): MM = 120,000 × 0.5 % − 50 = "
            "<b>550 USDT</b>."),
        ExerciseSpec(
            "Cross wallet <b>10,000 USDT</b>, long <b>1 BTC</b> from 60,000, mark now "
            "<b>58,000</b> (Binance brackets). What is the margin ratio, in percent?",
            lambda: _one_long().margin_ratio({"BTCUSDT": 58_000}) * 100,
            "%", 0.05,
            ("Margin ratio = maintenance margin ÷ margin balance.",
             "MM = 58,000 × 0.5 % − 50 = 240; margin balance = 10,000 − 2,000."),
            "MM = 58,000 × 0.5 % − 50 = 240 USDT; margin balance = 10,000 + (−2,000) = 8,000; "
            "ratio = 240 ÷ 8,000 = <b>3.0 %</b>. Liquidation happens at 100 %."),
    )),
    3: Lesson(3, "Isolated margin: liquidation and bankruptcy price, adding and removing margin",
              "What exactly can I lose on an isolated position, and how do I push its "
              "liquidation price away?",
              _lab("one_long"), (
        ExerciseSpec(
            "Isolated long <b>1 BTC</b> at <b>60,000</b>, <b>10x</b> (isolated margin 6,000), "
            "Binance brackets (MMR 0.5 %, amount 50 at this size). Liquidation price?",
            lambda: _one_long("isolated").liquidation_price(0, M),
            "USDT", 0.01,
            ("Solve isolated margin + 1 × (P − 60,000) = P × 0.5 % − 50.",),
            "6,000 + P − 60,000 = 0.005 P − 50 ⇒ P = 53,950 ÷ 0.995 = <b>54,221.11 USDT</b>."),
        ExerciseSpec(
            "You add <b>1,000 USDT</b> to that isolated margin. Where is the new liquidation "
            "price?",
            lambda: _one_long("isolated").add_margin(0, 1_000, M).liquidation_price(0, M),
            "USDT", 0.01,
            ("Adding x moves a long's price down by x ÷ (q × (1 − MMR)).",),
            "The price falls by 1,000 ÷ 0.995 = 1,005.03: <b>53,216.08 USDT</b>."),
        ExerciseSpec(
            "At the entry price, how much of the original 6,000 can you take back out?",
            lambda: _one_long("isolated").max_removable_margin(0, M),
            "USDT", 0.01,
            ("Binance: min(isolated margin − MM, isolated margin + uPnL − initial margin).",),
            "min(6,000 − 250, 6,000 + 0 − 6,000) = <b>0 USDT</b>: at entry the whole initial "
            "margin must stay."),
    )),
    4: Lesson(4, "Cross margin: one pool, several positions, a conditional liquidation price",
              "Why does my BTC liquidation price move when only ETH moved?",
              _lab("winner_and_loser", fees=False), (
        ExerciseSpec(
            "Cross wallet 10,000 USDT: long 0.5 BTC at 60,000 and short 5 ETH at 3,000, "
            "marks 60,000 and 3,000 (Binance brackets). BTC's cross liquidation price?",
            lambda: _pair().liquidation_price(0, {"BTCUSDT": 60_000, "ETHUSDT": 3_000}),
            "USDT", 0.01,
            ("Use LP = (WB − TMM1 + UPNL1 + cum − s·q·EP) ÷ (q·MMR − s·q).",
             "TMM1 is ETH's maintenance margin: 15,000 × 0.4 % = 60; UPNL1 = 0."),
            "(10,000 − 60 + 0 + 0 − 30,000) ÷ (0.5 × 0.4 % − 0.5) = <b>40,281.12 USDT</b>."),
        ExerciseSpec(
            "ETH falls to <b>2,800</b> while BTC stays at 60,000. BTC's liquidation price now?",
            lambda: _pair().liquidation_price(0, {"BTCUSDT": 60_000, "ETHUSDT": 2_800}),
            "USDT", 0.01,
            ("The ETH short gains 5 × 200 = 1,000: UPNL1 = +1,000.",
             "TMM1 = 5 × 2,800 × 0.4 % = 56."),
            "(10,000 − 56 + 1,000 − 30,000) ÷ (−0.498) = <b>38,265.06 USDT</b>: the short's "
            "profit props up the long."),
    )),
    5: Lesson(5, "Cross vs isolated on the same price path",
              "If my BTC long is going to lose, which mode hurts less?",
              _compare("winner_and_loser"), (
        ExerciseSpec(
            "In the comparison above (Winner and loser), at which step is the isolated BTC long "
            "liquidated?",
            _iso_liq_step_winner_loser, "step", 0.5,
            ("Find the red ✕ on the isolated side, or scrub until its margin ratio hits "
             "100 %.",),
            "The engine liquidates it at the first step where its isolated margin + uPnL ≤ MM; "
            "cross survives because the ETH short's profit backs the long."),
        ChoiceSpec(
            "Both modes end up liquidated on a crash. Which loses more?",
            ("Cross: the whole cross wallet is lost", "Isolated: only the isolated margin",
             "They lose the same"),
            0,
            ("Right: a cross liquidation takes everything in the cross pool.",
             "Isolated loses only what was carved out — so it loses less.",
             "No: cross puts the whole wallet behind every position.")),
    )),
    6: Lesson(6, "Funding, fees and margin transfers",
              "Why did my liquidation price move when I didn't trade?",
              _lab("funding_bleed"), (
        ExerciseSpec(
            "Long 0.5 BTC at a mark of 60,000, funding rate <b>0.1 %</b>: how much does the long "
            "pay at one funding time?",
            lambda: 0.5 * 60_000 * 0.001,
            "USDT", 0.01,
            ("Funding = side × notional × rate; longs pay when the rate is positive.",),
            "0.5 × 60,000 × 0.1 % = <b>30 USDT</b> every 8 hours, taken from the isolated "
            "margin."),
        ExerciseSpec(
            "In the 'Slow funding bleed' scenario above, at which step is the isolated long "
            "liquidated, although the price never moves?",
            _funding_liq_step, "step", 0.5,
            ("Each payment lowers the isolated margin by 30; MM is 0.4 % of 30,000 = 120.",
             "Margin 1,200 must fall to 120: how many payments, 8 steps apart?"),
            "(1,200 − 120) ÷ 30 = 36 payments; the 36th is at step 36 × 8 = <b>288</b>."),
    )),
    7: Lesson(7, "Risk: Monte Carlo probability of liquidation; choosing a mode",
              "How likely am I to be liquidated, and what would it cost?",
              _monte_carlo, (
        ExerciseSpec(
            "An isolated 20x long, 1 BTC at 60,000, over 240 hourly steps at 80 % volatility "
            "(2,000 paths, seed 42): what percentage of paths are liquidated?",
            _mc_probability, "%", 0.05,
            ("Run it in the explorer with the same settings, or think: 20x ≈ a 4.5 % move.",),
            "The engine's Monte Carlo gives the share of the 2,000 seeded paths on which the "
            "isolated pool reached its maintenance margin."),
        ChoiceSpec(
            "You hold one risky position and savings in the same account. Which mode protects "
            "the savings?",
            ("Isolated", "Cross", "Neither"), 0,
            ("Right: isolated caps the loss at the isolated margin.",
             "Cross puts the savings behind the position: it survives longer but can lose all.",
             "Isolated does: only the isolated margin is at risk.")),
    )),
    8: Lesson(8, "Why exchanges show different numbers",
              "Same trade, three exchanges, three liquidation prices: who is right?",
              _venues, (
        ExerciseSpec(
            "Long 1 BTC at 20,000, 50x, MMR 0.5 %, isolated margin 400, on Bybit classic "
            "(maintenance margin at the ENTRY price). Liquidation price?",
            lambda: Account(venues["bybit_linear"].with_(tiers=RiskTiers.flat(0.005)), 400,
                            [Position("BTCUSDT", "long", 1, 20_000, 50, "isolated")])
            .liquidation_price(0, {"BTCUSDT": 20_000}),
            "USDT", 0.01,
            ("MM at entry = 20,000 × 0.5 % = 100, fixed.", "400 + (P − 20,000) = 100."),
            "P = 20,000 − 300 = <b>19,700 USDT</b> (Bybit's own published example)."),
        ExerciseSpec(
            "The same trade on OKX, which adds its 0.05 % taker fee to the maintenance rate "
            "(measured at the mark). Liquidation price?",
            lambda: Account(venues["okx_linear"].with_(tiers=RiskTiers.flat(0.005)), 400,
                            [Position("BTCUSDT", "long", 1, 20_000, 50, "isolated")])
            .liquidation_price(0, {"BTCUSDT": 20_000}),
            "USDT", 0.01,
            ("400 + (P − 20,000) = P × (0.5 % + 0.05 %).",),
            "P = 19,600 ÷ 0.9945 = <b>19,708.40 USDT</b>."),
    )),
}


def lesson(n: int) -> Lesson:
    """Lesson ``n`` (1 to 8)."""
    if n not in LESSONS:
        raise KeyError(f"there are lessons 1 to {len(LESSONS)}")
    return LESSONS[n]
