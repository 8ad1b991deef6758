"""Level labels of the calculator never overprint each other or a level line (issue 13).

In cross, a position whose wallet is close to its initial margin has its liquidation and
bankruptcy prices a few pixels apart (they differ by the maintenance margin over the
quantity). The label boxes are rebuilt from what the chart sends (the label anchors on the
price scale) with the box bqplot draws for a 12 px label (measured in Chromium: the 14 px
above the anchor, see ``LABEL_ANCHOR_PX``); the browser test in tests/ui/test_views.py
measures the real boxes.
"""

from __future__ import annotations

import math

import pytest

from margin_widgets.charts.figures import LABEL_BOX_PX, place_labels
from margin_widgets.widgets.calculator import (
    LABEL_ANCHOR_PX,
    PLOT_HEIGHT_PX,
    LiquidationCalculator,
)

# 1 BTC @ 60,000 long, cross: (wallet, leverage). The first two have the liquidation and the
# bankruptcy line 6 px and 3 px apart; the third is the high-leverage small wallet.
CROSS_CASES = [(6_000.0, 10), (12_000.0, 10), (700.0, 100)]


def _px_boxes(calc: LiquidationCalculator) -> tuple[list[float], list[tuple[float, float]]]:
    chart = calc.chart
    top, bottom = float(chart.price_scale.max), float(chart.price_scale.min)
    per_px = (top - bottom) / PLOT_HEIGHT_PX
    r = calc.result
    assert r is not None
    levels = [60_000.0, r.liquidation_price, r.bankruptcy_price]
    assert all(math.isfinite(v) for v in levels), levels
    lines = [(top - v) / per_px for v in levels]
    anchors = [(top - float(y)) / per_px for y in chart.level_labels.y]
    boxes = [(a - LABEL_ANCHOR_PX, a - LABEL_ANCHOR_PX + LABEL_BOX_PX) for a in anchors]
    return lines, boxes


@pytest.mark.parametrize(("wallet", "leverage"), CROSS_CASES)
def test_cross_levels_labels_neither_overlap_nor_cross_a_line(wallet: float,
                                                              leverage: int) -> None:
    calc = LiquidationCalculator("binance_usdm", quantity=1.0, entry_price=60_000.0,
                                 leverage=leverage, mode="cross", wallet_balance=wallet)
    assert calc.error_message == ""
    lines, boxes = _px_boxes(calc)
    assert all(t.strip() for t in calc.chart.level_labels.text)
    for i, (a_top, a_bottom) in enumerate(boxes):
        for b_top, b_bottom in boxes[i + 1:]:
            assert a_bottom <= b_top or b_bottom <= a_top, boxes       # no two labels overlap
        assert not any(a_top < line < a_bottom for line in lines), (lines, boxes)
        assert 0.0 <= a_top and a_bottom <= PLOT_HEIGHT_PX, boxes       # inside the plot
    # the close pair: liquidation above its line, bankruptcy below its own
    liq_line, bk_line = lines[1], lines[2]
    if bk_line - liq_line < LABEL_BOX_PX:
        assert boxes[1][1] <= liq_line and boxes[2][0] >= bk_line, (lines, boxes)


def test_placement_never_overlaps_whatever_the_lines() -> None:
    # a property over many crowded layouts: boxes are disjoint (the fallback stacks them)
    for k in range(200):
        lines = [100.0 + ((k * 7 + j * 13) % 29) for j in range(4)]
        tops = place_labels(lines, bottom=10_000.0)
        spans = sorted((t, t + LABEL_BOX_PX) for t in tops)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), (lines, tops)
