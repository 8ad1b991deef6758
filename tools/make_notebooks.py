"""Write the lesson and app notebooks (thin: import, build, display, explain), outputs stripped.

Run: .venv/bin/python tools/make_notebooks.py [--lessons-only]

The lesson text lives in ``margin_widgets/lessons.py`` (one source of truth); this script only
lays it out in cells. The notebooks are committed; a test regenerates ``notebooks/`` and checks
that nothing changes, so edit the text in ``lessons.py`` and run this script.
"""

import pathlib

import nbformat as nbf

ROOT = pathlib.Path(__file__).resolve().parents[1]


def md(text):
    return nbf.v4.new_markdown_cell(text.strip())


def code(text):
    return nbf.v4.new_code_cell(text.strip())


def write(path, cells):
    """Write a notebook with stable cell ids, so that regenerating it changes nothing."""
    nb = nbf.v4.new_notebook()
    stem = path.stem.replace("_", "-")[:40]
    for j, cell in enumerate(cells):
        cell["id"] = f"{stem}-{j}"
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbf.write(nb, path)


def _links(n, lessons):
    """Previous · index · next, for lesson ``n``."""
    parts = []
    if n - 1 in lessons:
        parts.append(f"[← Lesson {n - 1}]({lessons[n - 1].notebook})")
    parts.append("[all lessons](index.ipynb)")
    if n + 1 in lessons:
        parts.append(f"[Lesson {n + 1} →]({lessons[n + 1].notebook})")
    else:
        parts.append("[final assessment →](assessment.ipynb)")
    return " · ".join(parts)


def _bullets(items):
    return "\n".join(f"- {i}" for i in items)


def _box(box):
    src = f"\n>\n> *Source: {box.source}.*" if box.source else ""
    return (f"> **What you may have read:** {box.read}\n>\n"
            f"> **What exchanges do:** {box.exchanges_do}{src}")


def lesson_nb(n):
    """The cells of lesson ``n``, all text taken from ``margin_widgets.lessons``."""
    from margin_widgets.lessons import LESSONS, ChoiceSpec

    L = LESSONS[n]
    links = _links(n, LESSONS)
    cells = [
        md(f"# Lesson {n} — {L.title}\n\n{links}\n\n**{L.question}**\n\n"
           f"**Goals.** In this lesson you will learn to\n\n{_bullets(L.goals)}\n\n{L.intro}"),
        code(f"from margin_widgets.lessons import lesson\n\nL = lesson({n})"),
    ]
    predict = [k for k, s in enumerate(L.exercises, 1)
               if isinstance(s, ChoiceSpec) and s.predict]
    for k in predict:
        cells.append(md("## Predict\n\nBefore you look at the widget, make a prediction. "
                        "You will check it below."))
        cells.append(code(f"L.exercise({k})"))
    cells.append(md(f"## Observe\n\n{L.look}"))
    cells.append(code("L.widget()"))
    for box in L.boxes:
        cells.append(md(_box(box)))
    cells.append(md("## Explain\n\nAnswers are checked by the engine. Prices and amounts "
                    "(USDT, or USDC on Hyperliquid) are accepted to the dollar; the "
                    "accepted tolerance is written under every answer box. A wrong answer "
                    "gets a hint about the likely mistake; the worked solution opens after "
                    "a first attempt. Conceptual questions explain every option."))
    for k, spec in enumerate(L.exercises, 1):
        if k in predict:
            continue
        kind = "Question" if isinstance(spec, ChoiceSpec) else "Exercise"
        cells.append(md(f"### {kind} {k}"))
        cells.append(code(f"L.exercise({k})"))
    cells.append(md(f"## Try this\n\n{L.try_this}"))
    cells.append(md(f"## You can now\n\n{_bullets(L.you_can_now)}\n\n{links}"))
    return cells


def lessons_index_nb():
    """The course index: every lesson in order with its goals."""
    from margin_widgets.lessons import LESSONS

    parts = ["# margin_widgets — the course\n\nCross and isolated margin in crypto "
             "derivatives, in short lessons and a final assessment. Each lesson asks one "
             "question, shows a live widget set up to answer it, and checks your answers "
             "with the engine."]
    for n, L in LESSONS.items():
        parts.append(f"## [Lesson {n} — {L.title}]({L.notebook})\n\n*{L.question}*\n\n"
                     f"{_bullets(L.goals)}")
    parts.append("## [Final assessment](assessment.ipynb)\n\nQuestions across the "
                 "lessons, with numbers drawn for your learner id, graded by the engine; "
                 "export your results to hand them in.")
    return [md("\n\n".join(parts))]


def assessment_nb():
    from margin_widgets.assessment import INTRO

    return [
        md(f"# Final assessment\n\n[← all lessons](index.ipynb)\n\n{INTRO}"),
        code("from margin_widgets.assessment import Assessment\n\nAssessment()"),
    ]


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
           "time slider; open an app for more, or follow the lessons (listed under the "
           "chart).\n\n" + links),
        code("from margin_widgets.apps import cross_vs_isolated\n\ncross_vs_isolated()"),
        # the links point where the lessons are (a copy in lessons/, or the folder above)
        code("from margin_widgets.lessons import course_index\n\ncourse_index()"),
    ]


def write_lessons(root, folder="notebooks"):
    """Every notebook of ``notebooks/`` (lessons, index, assessment) under ``root/folder``."""
    from margin_widgets.lessons import LESSONS

    out = pathlib.Path(root) / folder
    out.mkdir(parents=True, exist_ok=True)
    for n, L in LESSONS.items():
        write(out / L.notebook, lesson_nb(n))
    write(out / "index.ipynb", lessons_index_nb())
    write(out / "assessment.ipynb", assessment_nb())


def write_apps(root):
    """The Voila app notebooks of ``voila_apps/`` under ``root``, with a copy of the lessons in
    ``voila_apps/lessons/`` so that Voila, which serves only the apps' folder, can open them
    from the index (``margin-widgets serve``, the wheel, Binder)."""
    out = pathlib.Path(root) / "voila_apps"
    out.mkdir(parents=True, exist_ok=True)
    for key in APPS:
        write(out / f"{key}.ipynb", app_nb(key))
    write(out / "index.ipynb", index_nb())
    write_lessons(out, folder="lessons")


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", default=str(ROOT), help="write under this folder")
    parser.add_argument("--lessons-only", action="store_true",
                        help="write notebooks/ only (not voila_apps/)")
    args = parser.parse_args(argv)
    write_lessons(args.root)
    if not args.lessons_only:
        write_apps(args.root)


if __name__ == "__main__":
    main()
