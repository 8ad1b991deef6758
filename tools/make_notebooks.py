"""Write the lesson and app notebooks (thin: import, build, display, explain), outputs stripped.

Run: .venv/bin/python tools/make_notebooks.py   (the notebooks are committed; edit prose here)
"""

import pathlib

import nbformat as nbf

ROOT = pathlib.Path(__file__).resolve().parents[1]


def md(text):
    return nbf.v4.new_markdown_cell(text.strip())


def code(text):
    return nbf.v4.new_code_cell(text.strip())


def write(path, cells):
    nb = nbf.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbf.write(nb, path)


LESSON_TEXT = {
    1: ("Leverage does not lend you money: it sets how much of your own money a position "
        "locks up. The **initial margin** is the notional (quantity × price) divided by the "
        "leverage. Your **wallet balance** is deposits plus realized profit minus fees; the "
        "**unrealized PnL** is what you would make or lose if you closed now at the **mark "
        "price**, and **equity** is the two added together.",
        "The calculator below is set up for one position. Change the leverage: the initial "
        "margin changes, the unrealized PnL at a given price does not — leverage changes the "
        "stake, not the bet.",
        "Set the leverage to 1x and then to 50x in cross mode: what happens to the liquidation "
        "price? (Lesson 4 explains why.)"),
    2: ("A venue does not wait until your equity is zero: it liquidates when the margin "
        "balance falls to the **maintenance margin**, notional × rate − a maintenance amount. "
        "The rate depends on the size of the position (**risk tiers** or brackets), and the "
        "amount keeps the maintenance margin continuous across a bracket floor. The **margin "
        "ratio** = maintenance margin ÷ margin balance; liquidation is at 100 %.",
        "Make the position bigger in the calculator until it crosses a bracket floor "
        "(50,000 and 600,000 USDT on Binance's 2024 BTCUSDT table): the rate and the amount "
        "change together, and the maximum leverage drops.",
        "Find the smallest BTC position for which Binance no longer allows 100x."),
    3: ("An **isolated** position has its own pool: the **isolated margin** carved out of your "
        "wallet. Only that margin and the position's own PnL decide its fate. The "
        "**liquidation price** is where margin + uPnL = maintenance margin; the **bankruptcy "
        "price** is where margin + uPnL = 0. Adding margin pushes both away; removing margin "
        "(allowed only down to the limits shown) pulls them closer.",
        "The lab shows an isolated 10x BTC long on a falling path. Scrub the time slider to the "
        "red ✕ and read the numbers panel: the loss is exactly the isolated margin. Use the + "
        "button next to the isolated margin and watch the dashed red line move down.",
        "Add 2,000 USDT of margin: is the position still liquidated on this path?"),
    4: ("In **cross** mode every cross position shares one pool: the **cross wallet**. A "
        "position's liquidation price is therefore *conditional*: it assumes every other "
        "symbol stays at its current mark. When ETH moves, BTC's liquidation price moves, even "
        "though you did nothing to BTC.",
        "In the lab, a BTC long and an ETH short share the cross wallet. Scrub along the path: "
        "as ETH falls the short earns, and BTC's dashed liquidation line moves down.",
        "Switch the mode toggle to Isolated: which position is liquidated now, and when?"),
    5: ("The same scenario run twice: every position cross (left, blue) and every position "
        "isolated with its initial margin (right, orange). Cross survives longer because the "
        "whole wallet backs every position, but if it falls, it takes the whole wallet.",
        "Read the sentence under the charts: it says what differs on this path, at which step, "
        "and what it cost.",
        "Pick the 'Flash crash' preset: both modes are liquidated. Compare the final wallet "
        "balances."),
    6: ("The liquidation price also moves when you do not trade: **funding** payments drain "
        "the pool that pays them, **fees** come out of the wallet, and **margin transfers** add "
        "to or take from an isolated pool.",
        "This scenario holds the price flat. A positive funding rate makes the long pay every "
        "8 steps; the isolated margin shrinks until the liquidation line reaches the mark.",
        "Halve the funding rate in the account controls: how much longer does the position "
        "survive?"),
    7: ("One path is a story; thousands of paths are a risk estimate. The explorer simulates "
        "many seeded random paths and counts, step by step, the share of paths on which a "
        "position was liquidated, in cross and in isolated, with bands of equity.",
        "Compare the two probability curves and the loss histogram: cross is liquidated less "
        "often, but its losses are larger when it is.",
        "Raise the volatility and watch which curve moves more."),
    8: ("Exchanges solve the same equation — margin balance = maintenance margin — with "
        "different rules: Bybit classic measures margin at the entry price, OKX adds its taker "
        "fee to the maintenance rate, tier tables differ and change over time.",
        "With 'same MMR for every venue' on, the table isolates the rules: 19,700.00 (Bybit), "
        "19,698.49 (Binance), 19,708.40 (OKX) for the same trade.",
        "Turn off 'same MMR' and make the position large: compare Binance's 2022 and 2024 "
        "tables. Stale tables are the commonest reason a number looks off."),
}


def lesson_nb(n):
    from margin_widgets.lessons import LESSONS, ChoiceSpec

    L = LESSONS[n]
    intro, look, try_this = LESSON_TEXT[n]
    cells = [
        md(f"# Lesson {n} — {L.title}\n\n**{L.question}**\n\n{intro}"),
        code(f"from margin_widgets.lessons import lesson\n\nL = lesson({n})\nL.widget()"),
        md(f"**What to look at.** {look}"),
        md("## Exercises\n\nAnswers are checked by the engine. A wrong answer earns a hint; "
           "*Show solution* gives the worked answer."),
    ]
    for k, spec in enumerate(L.exercises, 1):
        kind = "question" if isinstance(spec, ChoiceSpec) else "exercise"
        cells.append(md(f"### {kind.capitalize()} {k}"))
        cells.append(code(f"L.exercise({k})"))
    cells.append(md(f"## Try this\n\n{try_this}"))
    return cells


APPS = {
    "margin_lab": ("Margin Lab", "Set a wallet, positions, leverage and a price path, then "
                   "scrub through time: every chart and number follows. Drag the dots on the "
                   "price chart to draw your own path. Every number has an (i) with its "
                   "definition.", "margin_lab"),
    "cross_vs_isolated": ("Cross vs Isolated", "The same scenario twice: every position cross "
                          "(blue, left) and every position isolated (orange, right), on one "
                          "time slider. The sentence under the charts says what differs.",
                          "cross_vs_isolated"),
    "liquidation_calculator": ("Liquidation calculator", "One position on one exchange: "
                               "initial and maintenance margin, liquidation and bankruptcy "
                               "price, and the formula with every number filled in.",
                               "liquidation_calculator"),
    "monte_carlo": ("Monte Carlo risk", "Thousands of random price paths: how likely is a "
                    "liquidation, cross against isolated, and what does it cost? Long runs show "
                    "a progress bar and can be cancelled.", "monte_carlo"),
    "venue_compare": ("Why exchanges differ", "The same position on every exchange preset, side "
                      "by side, with the rule that makes each number different.",
                      "venue_compare"),
}


def app_nb(key):
    title, text, fn = APPS[key]
    return [
        md(f"# {title}\n\n{text}\n\n[← all apps](index.ipynb)"),
        code(f"from margin_widgets.apps import {fn}\n\n{fn}()"),
    ]


def index_nb():
    links = "\n".join(f"- **[{t}]({k}.ipynb)** — {txt.split('.')[0]}."
                      for k, (t, txt, _) in APPS.items())
    return [
        md("# margin_widgets — see cross and isolated margin at work\n\n"
           "Crypto futures exchanges can hold your positions in **cross** margin (one pool, the "
           "whole wallet behind every position) or **isolated** margin (each position with its "
           "own pool). Below, the same scenario runs both ways along one price path. Move the "
           "time slider; open an app for more.\n\n" + links),
        code("from margin_widgets.apps import cross_vs_isolated\n\ncross_vs_isolated()"),
    ]


def main():
    (ROOT / "notebooks").mkdir(exist_ok=True)
    (ROOT / "voila_apps").mkdir(exist_ok=True)
    names = {1: "01_wallet_leverage_pnl", 2: "02_maintenance_margin_tiers",
             3: "03_isolated_margin", 4: "04_cross_margin", 5: "05_cross_vs_isolated",
             6: "06_funding_fees_transfers", 7: "07_monte_carlo_risk", 8: "08_venues_differ"}
    for n, name in names.items():
        write(ROOT / "notebooks" / f"{name}.ipynb", lesson_nb(n))
    for key in APPS:
        write(ROOT / "voila_apps" / f"{key}.ipynb", app_nb(key))
    write(ROOT / "voila_apps" / "index.ipynb", index_nb())


if __name__ == "__main__":
    main()
