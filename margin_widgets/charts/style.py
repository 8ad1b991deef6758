"""The kit's visual language, in one place (PRODUCT.md, "Visual language").

- Cross is one colour family (blues), isolated another (oranges), in every chart and table.
- Long and short differ by line style and marker shape as well as colour (colour-blind safe:
  Okabe-Ito based palette).
- Liquidation price: dashed warning red; bankruptcy: dotted purple; entry: thin grey.
- Money with thousands separators and the venue's decimals for its currency, the currency
  after the number; percent with one decimal; prices with the venue's decimals (the rules and
  the functions live in :mod:`margin_widgets.core.formatting`, the definitions in
  :mod:`margin_widgets.core.glossary`; they are re-exported here).
"""

from __future__ import annotations

from ..core.formatting import fmt_money, fmt_pct, fmt_price
from ..core.glossary import GLOSSARY

__all__ = [
    "CROSS", "ISOLATED", "CROSS_FAMILY", "ISOLATED_FAMILY", "MARK", "LAST", "ENTRY",
    "LIQUIDATION", "BANKRUPTCY", "WALLET", "EQUITY", "MM", "LINE_STYLE", "MARKER",
    "mode_color", "fmt_money", "fmt_pct", "fmt_price", "GLOSSARY", "CSS",
]

# Okabe-Ito derived families
CROSS = "#0072B2"            # blue
CROSS_FAMILY = ["#0072B2", "#56B4E9", "#004C7A", "#8FCBEF", "#003A5D"]
ISOLATED = "#E69F00"         # orange
ISOLATED_FAMILY = ["#E69F00", "#D55E00", "#F0C05A", "#A34700", "#FFD27F"]
MARK = "var(--jp-ui-font-color1, #222222)"
"""The mark line takes the theme's text colour: dark on a light page, light on a dark one
(a fixed #222 vanishes on JupyterLab's dark #111)."""
LAST = "#999999"
ENTRY = "#9E9E9E"
LIQUIDATION = "#D7191C"
BANKRUPTCY = "#AA4499"       # purple: apart from the red, readable on light and dark
WALLET = "#009E73"           # bluish green
EQUITY = "#CC79A7"           # reddish purple
MM = "#D55E00"

LINE_STYLE = {"long": "solid", "short": "dash_dotted"}
MARKER = {"long": "triangle-up", "short": "triangle-down"}
LIQ_LINE_STYLE = "dashed"
BANKRUPTCY_LINE_STYLE = "dotted"


def mode_color(mode: str, index: int = 0) -> str:
    """Colour of the ``index``-th series of a mode ("cross" or "isolated")."""
    fam = CROSS_FAMILY if mode == "cross" else ISOLATED_FAMILY
    return fam[index % len(fam)]


CSS = """
<style>
.mw-root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
.mw-title { font-size: 1.25em; font-weight: 600; margin: 0 0 2px 0; }
.mw-caption { color: var(--jp-ui-font-color2, #555); font-size: 0.85em; }
.mw-numbers table { border-collapse: collapse; width: 100%; }
.mw-numbers td { padding: 2px 6px; border-bottom: 1px solid var(--jp-border-color2, #eee);
                 font-size: 0.9em; }
.mw-numbers td.mw-v { text-align: right; font-variant-numeric: tabular-nums;
                      white-space: nowrap; }
.mw-info { cursor: help; color: var(--jp-brand-color1, #0072B2); font-size: 0.8em; }
.mw-error { color: var(--jp-error-color1, #B00020);
            background: var(--jp-error-color3, #FDECEA); border-left: 4px solid #B00020;
            padding: 4px 8px; }
.jp-mod-dark .mw-error, body[data-jp-theme-light="false"] .mw-error { color: #FFB4AB;
            background: #3B1113; }
.mw-ok { color: var(--jp-success-color1, #1B5E20); }
.mw-cross { color: #0072B2; font-weight: 600; }
.mw-isolated { color: #C77800; font-weight: 600; }
body[data-jp-theme-light="false"] .mw-cross { color: #56B4E9; }
body[data-jp-theme-light="false"] .mw-isolated { color: #F0C05A; }
.mw-verdict { border-left: 4px solid #0072B2; padding: 6px 10px; margin: 6px 0 4px 0;
              background: var(--jp-layout-color2, #F4F6F8);
              color: var(--jp-ui-font-color1, #222); }
.mw-verdict-head { font-weight: 600; font-size: 1.02em; margin-bottom: 4px; line-height: 1.4; }
.mw-verdict-body { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: flex-start; }
.mw-verdict-table { border-collapse: collapse; flex: 0 0 auto; }
.mw-verdict-table td, .mw-verdict-table th { padding: 1px 8px; font-size: 0.9em;
    text-align: left; white-space: nowrap; }
.mw-verdict-table td.mw-v { text-align: right; font-variant-numeric: tabular-nums; }
.mw-verdict-table td.mw-winner { font-weight: 700; }
.mw-verdict-why { flex: 1 1 340px; margin: 0; padding-left: 18px; font-size: 0.88em;
                  line-height: 1.4; }
.mw-win { color: #009E73; }
.mw-figure .mw-save-png, .mw-save-png { font-size: 0.75em; }
/* bqplot's dark theme writes titles and axis labels in orange, the colour of isolated:
   the theme's text colour instead, in either theme */
.mw-figure text.mainheading, .mw-figure text.axislabel {
    fill: var(--jp-ui-font-color1, #222222) !important; }
/* a button is never narrower than its text: ipywidgets ellipsises it ("shock −2…" in
   JupyterLab's larger font, "isola…" on a phone); a fixed width stays a minimum */
.mw-root .jupyter-button, .mw-app .jupyter-button, .mw-root .widget-toggle-button {
    min-width: max-content; }
@media (max-width: 600px) {
  .mw-verdict-table td, .mw-verdict-table th { white-space: normal; padding: 1px 3px;
                                               font-size: 0.82em; }
  .mw-verdict { padding: 6px 6px; }
  .mw-info { font-size: 1em; padding: 4px; }
}
.mw-explain code { white-space: normal; font-size: 0.85em; }
.mw-explain table td { font-size: 0.85em; padding: 1px 4px; }
</style>
"""
