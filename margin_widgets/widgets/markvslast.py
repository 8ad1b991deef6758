"""Mark price vs last price: a wick that does not liquidate, and a liquidation without a wick.

:class:`MarkVsLast` shows two cases of one position side by side, each on its own price chart:
the mark price (black), the last traded price (thin grey, under the mark), the liquidation
price (dashed red) and a ✕ where the engine liquidated the position. The engine runs come
from the caller (:func:`margin_widgets.lessons.l9_results`); this widget only draws them and
says in words what happened, from the same arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..charts import style
from .markup import esc

__all__ = ["MarkVsLast", "case_sentence"]

TITLES = {"wick": "Case A: a wick on the last price", "mark": "Case B: the mark falls, no wick"}


def case_sentence(result: Any, mark: np.ndarray, last: np.ndarray,
                  currency: str = "USDT") -> str:
    """What happened in one case, in words, from the engine's arrays."""
    k = int(np.asarray(result.liquidation_started_at)[0])
    lp = np.asarray(result.liquidation_price)[0]
    first_lp = float(lp[0])
    low_last = float(np.min(last))
    if k >= 0:
        seen = float(np.min(last[: k + 1]))
        above = "stayed above" if seen > first_lp else "had touched"
        m = f" (mark {style.fmt_price(float(mark[k]), 2, currency)})"
        full = int(np.asarray(result.liquidated_at)[0])
        rest = (f" The engine reduced the position there and closed the rest at step {full:,}."
                if full > k else "")
        return (f"Liquidated at step {k:,}{m}: the mark reached the liquidation price "
                f"{style.fmt_price(first_lp, 2, currency)}, while the last price {above} it "
                f"(lowest last price until then {style.fmt_price(seen, 2, currency)}).{rest}")
    return (f"Never liquidated: the last price fell to {style.fmt_price(low_last, 2, currency)},"
            f" below the liquidation price {style.fmt_price(first_lp, 2, currency)}, but the "
            "mark never reached it.")


class MarkVsLast(w.VBox):
    """Two cases side by side: mark, last, liquidation price and the engine's liquidation.

    Parameters
    ----------
    cases : mapping
        ``{"wick": {"mark": array, "last": array}, "mark": {...}}``.
    results : mapping
        The engine's :class:`~margin_widgets.core.SimulationResult` per case.

    Attributes
    ----------
    cases, results : dict
    figures : dict of bqplot.Figure
        One per case (CSS ``mw-figure``).
    captions : dict of ipywidgets.HTML
        What happened, in words (CSS ``mw-mark-vs-last-caption``).
    """

    def __init__(self, cases: Mapping[str, Mapping[str, np.ndarray]],
                 results: Mapping[str, Any]) -> None:
        self.cases = {k: {kk: np.asarray(vv, dtype=float) for kk, vv in v.items()}
                      for k, v in cases.items()}
        self.results = dict(results)
        self.figures: dict[str, bq.Figure] = {}
        self.captions: dict[str, w.HTML] = {}
        lo = min(float(min(c["mark"].min(), c["last"].min())) for c in self.cases.values())
        hi = max(float(max(c["mark"].max(), c["last"].max())) for c in self.cases.values())
        span = hi - lo
        columns = []
        for key, case in self.cases.items():
            res = self.results[key]
            steps = np.arange(case["mark"].size, dtype=float)
            xs = bq.LinearScale()
            ys = bq.LinearScale(min=lo - 0.05 * span, max=hi + 0.05 * span)
            sc = {"x": xs, "y": ys}
            lp = np.asarray(res.liquidation_price)[0]
            live = np.isfinite(lp)            # the line ends when the position is closed
            marks: list[Any] = [
                bq.Lines(x=steps, y=case["last"], scales=sc, colors=[style.LAST],
                         stroke_width=1.5),
                bq.Lines(x=steps, y=case["mark"], scales=sc, colors=[style.MARK],
                         stroke_width=2),
                bq.Lines(x=steps[live], y=lp[live], scales=sc, colors=[style.LIQUIDATION],
                         line_style=style.LIQ_LINE_STYLE, stroke_width=2),
            ]
            k = int(np.asarray(res.liquidation_started_at)[0])
            if k >= 0:
                marks.append(bq.Scatter(x=np.array([float(k)]),
                                        y=np.array([float(case["mark"][k])]), scales=sc,
                                        marker="cross", colors=[style.LIQUIDATION],
                                        default_size=120))
            fig = bq.Figure(
                marks=marks, title=TITLES.get(key, key), animation_duration=0,
                axes=[bq.Axis(scale=xs, label="step"),
                      bq.Axis(scale=ys, side="left", label="price (USDT)",
                              tick_format=",.0f", label_offset="60px")],
                fig_margin={"top": 40, "bottom": 40, "left": 80, "right": 16},
                layout=w.Layout(width="100%", min_width="300px", height="320px"))
            fig.add_class("mw-figure")
            self.figures[key] = fig
            cap = w.HTML(f"<div class='mw-summary'>"
                         f"{esc(case_sentence(res, case['mark'], case['last']))}</div>")
            cap.add_class("mw-mark-vs-last-caption")
            self.captions[key] = cap
            columns.append(w.VBox([fig, cap], layout=w.Layout(flex="1 1 340px")))
        key_html = w.HTML(
            "<div class='mw-caption'>Black: the mark price; thin grey: the last traded "
            "price (under the mark where they agree); dashed red: the liquidation price; ✕: "
            "the engine's liquidation.</div>")
        super().__init__([w.HTML(style.CSS), key_html,
                          w.HBox(columns, layout=w.Layout(flex_flow="row wrap"))])
        self.add_class("mw-root")
        self.add_class("mw-mark-vs-last")
