"""Explanations: every liquidation price, term by term.

A learner (or a puzzled trader) should be able to redo any number the kit shows by hand. For a
position ``i`` at given marks, :func:`explain_liquidation` returns the closed-form formula the
engine used, each term with its value, unit and meaning, the bracket of every leg at the
liquidation price, and the result.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .formatting import fmt_money, fmt_price
from .venue import Venue, base_asset

if TYPE_CHECKING:  # pragma: no cover
    from .account import Account, Marks
    from .simulation import SimulationResult

__all__ = ["Term", "Explanation", "explain_liquidation", "EventNote", "event_notes",
           "VenueRatio", "venue_margin_ratio"]


@dataclass(frozen=True)
class Term:
    """One term of a formula: ``symbol = value unit`` and what it means."""

    symbol: str
    value: float
    unit: str
    meaning: str


@dataclass(frozen=True)
class Explanation:
    """How a liquidation price was obtained.

    Attributes
    ----------
    position : int
        Index of the position explained.
    price : float
        The liquidation price (NaN when none exists).
    bankruptcy_price : float
        Where the pool's margin balance would be zero.
    formula : str
        The closed form in symbols.
    substituted : str
        The same with the numbers put in.
    terms : list of Term
        Every symbol in the formula.
    brackets : list of dict
        Per leg: symbol, side, bracket number (1-based), floor, mmr, cum, notional at the price.
    notes : list of str
        Plain-language remarks (conditional cross price, venue rules in force).
    """

    position: int
    symbol: str
    mode: str
    price: float
    bankruptcy_price: float
    currency: str
    formula: str
    substituted: str
    terms: list[Term] = field(default_factory=list)
    brackets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """Plain text for a terminal or a doctest."""
        lines = [f"Liquidation price of {self.symbol} ({self.mode}): {_fmt(self.price)}",
                 f"  {self.formula}", f"  = {self.substituted}"]
        lines += [f"  {t.symbol} = {_fmt(t.value)} {t.unit}  ({t.meaning})" for t in self.terms]
        for b in self.brackets:
            lines.append(
                f"  bracket {b['bracket']} for {b['symbol']} {b['side']}: floor "
                f"{b['floor']:,.0f}, MMR {b['mmr']:.2%}, cum {b['cum']:,.2f}"
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_html(self) -> str:
        """A small HTML block for widgets (escaped)."""
        e = html.escape
        rows = "".join(
            f"<tr><td><code>{e(t.symbol)}</code></td><td style='text-align:right'>"
            f"{e(_fmt(t.value))}</td><td>{e(t.unit)}</td><td>{e(t.meaning)}</td></tr>"
            for t in self.terms
        )
        br = "".join(
            f"<li>{e(b['symbol'])} {e(b['side'])}: bracket {b['bracket']} (from "
            f"{b['floor']:,.0f}), MMR {b['mmr']:.2%}, maintenance amount {b['cum']:,.2f}</li>"
            for b in self.brackets
        )
        notes = "".join(f"<li>{e(n)}</li>" for n in self.notes)
        return (
            f"<div class='mw-explain'><div><b>Liquidation price {e(self.symbol)}</b> = "
            f"<b>{e(_fmt(self.price))}</b></div>"
            f"<div><code>{e(self.formula)}</code></div>"
            f"<div><code>= {e(self.substituted)}</code></div>"
            f"<table class='mw-terms'>{rows}</table><ul>{br}{notes}</ul></div>"
        )


def _fmt(v: float) -> str:
    if v is None or not np.isfinite(v):
        return "none"
    return f"{v:,.2f}" if abs(v) >= 1 or v == 0 else f"{v:,.6f}"


def _num(v: float, sig: int) -> str:
    """``v`` (non-negative) with ``sig`` significant digits, thousands separated, no exponent."""
    if v == 0:
        return "0"
    mag = int(np.floor(np.log10(abs(v))))
    d = min(max(sig - 1 - mag, 0), 20)
    out = f"{v:,.{d}f}"
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return out


def _side(parts: list[tuple[str, float]], sig: int) -> str:
    """A sum written so that no operator is followed by a minus sign ("+ -" never appears)."""
    out = []
    for k, (op, v) in enumerate(parts):
        neg = v < 0
        if k == 0:
            out.append(("−" if neg else "") + _num(abs(v), sig))
            continue
        flip = {"+": "−", "−": "+"}[op] if neg else op
        out.append(f" {flip} {_num(abs(v), sig)}")
    body = "".join(out)
    return f"({body})" if len(parts) > 1 else body


def evaluate_substituted(text: str) -> float:
    """The value of a printed substitution (what a learner gets redoing the sum by hand)."""
    expr = text.replace("−", "-").replace(",", "")
    if not set(expr) <= set("0123456789.+-*/() "):
        raise ValueError(f"not an arithmetic expression: {text!r}")
    return float(eval(expr, {"__builtins__": {}}, {}))  # noqa: S307 - digits and + - / ( ) only


def _substitute(num: list[tuple[str, float]], den: list[tuple[str, float]], price: float) -> str:
    """Numbers with enough digits that the printed sum gives back the printed price."""
    text = ""
    for sig in range(10, 18):
        text = f"{_side(num, sig)} / {_side(den, sig)}"
        if not np.isfinite(price):
            return text
        try:
            if _fmt(evaluate_substituted(text)) == _fmt(price):
                return text
        except ZeroDivisionError:
            return text
    return text


def explain_liquidation(acct: Account, i: int, marks: Marks) -> Explanation:
    """Explain position ``i``'s liquidation price at ``marks``.

    Examples
    --------
    >>> from margin_widgets.core import Account, Position, RiskTiers, Venue
    >>> v = Venue("demo", tiers=RiskTiers.flat(0.005), mm_basis="entry")
    >>> a = Account(v, 1_000, [Position("BTCUSDT", "long", 1, 20_000, 50, "isolated")])
    >>> ex = a.explain(0, {"BTCUSDT": 20_000})
    >>> round(ex.price, 2), ex.formula
    (19700.0, 'LP = (Σ s·q·EP − WB + TMM1 − UPNL1 + MM_entry) / Σ s·q')
    """
    acct._check_index(i)
    book = acct.book
    venue = acct.venue
    pos = acct.positions[i]
    x = acct._x(marks)
    legs, k = acct._legs_and_k(i, x, True)
    mark = float(marks[pos.symbol])
    price, seg = book.solve(legs, k, mark)
    price = float(price)
    bankrupt = acct.bankruptcy_price(i, marks)
    cur = acct.currency
    if pos.mode == "isolated":
        wb = float(acct.isolated_margins[i])
        others: list[int] = []
    else:
        wb = acct.cross_wallet
        others = [j for j in acct.cross_indices if j not in legs]
    tmm1 = float(sum(book.mm(j, x[j]) for j in others))
    upnl1 = float(sum(book.upnl(j, x[j]) for j in others))
    seg_i = int(seg)
    segs = book.segments(legs)
    chosen = segs[seg_i] if seg_i >= 0 else book.segments(legs)[0]
    brackets = []
    cum = 0.0
    mmr_q = 0.0
    for leg, b in zip(legs, chosen.brackets, strict=True):
        t = book.tiers[leg]
        br = t.bracket(b)
        cum += br.cum
        mmr_q += book.u[leg] * (br.mmr + book.extra)
        n_at = (book.notional_entry[leg] if book.entry_basis
                else (book.u[leg] * book.x(price) if np.isfinite(price) else np.nan))
        brackets.append({
            "symbol": acct.positions[leg].symbol, "side": acct.positions[leg].side,
            "bracket": b + 1, "floor": br.floor, "mmr": br.mmr, "cum": br.cum,
            "notional_at_price": float(n_at),
        })
    sq = float(sum(book.s[j] * book.u[j] for j in legs))
    sqep = float(sum(book.s[j] * book.u[j] * acct.positions[j].entry_price for j in legs))
    sq_over_ep = float(sum(book.s[j] * book.u[j] / acct.positions[j].entry_price for j in legs))
    mm_entry = float(sum(book.mm_entry[j] for j in legs))
    q_unit = "USD" if book.inverse else base_asset(pos.symbol)
    rate = "(MMR + fee)" if book.extra else "MMR"

    terms = [
        Term("WB", wb, cur, "cross wallet balance" if pos.mode == "cross"
             else "isolated margin of this position"),
        Term("TMM1", tmm1, cur, "maintenance margin of the other cross positions, at their marks"),
        Term("UPNL1", upnl1, cur, "unrealized PnL of the other cross positions, at their marks"),
    ]
    if book.inverse:
        if book.entry_basis:
            formula = "LP = Σ s·Q / (WB − TMM1 + UPNL1 − MM_entry + Σ s·Q/EP)"
            num = [("", sq)]
            den = [("", wb), ("−", tmm1), ("+", upnl1), ("−", mm_entry), ("+", sq_over_ep)]
            terms += [Term("MM_entry", mm_entry, cur, "maintenance margin at entry"),
                      Term("Σ s·Q", sq, "USD", "signed face value (contracts × contract size)"),
                      Term("Σ s·Q/EP", sq_over_ep, cur, "signed face value at the entry price")]
        else:
            formula = f"LP = (Σ Q·{rate} + Σ s·Q) / (WB − TMM1 + UPNL1 + cum + Σ s·Q/EP)"
            num = [("", mmr_q), ("+", sq)]
            den = [("", wb), ("−", tmm1), ("+", upnl1), ("+", cum), ("+", sq_over_ep)]
            terms += [Term(f"Σ Q·{rate}", mmr_q, "USD", "face value times the maintenance rate"),
                      Term("cum", cum, cur, "maintenance amount of the bracket at the price"),
                      Term("Σ s·Q", sq, "USD", "signed face value (contracts × contract size)"),
                      Term("Σ s·Q/EP", sq_over_ep, cur, "signed face value at the entry price")]
    else:
        if book.entry_basis:
            formula = "LP = (Σ s·q·EP − WB + TMM1 − UPNL1 + MM_entry) / Σ s·q"
            num = [("", sqep), ("−", wb), ("+", tmm1), ("−", upnl1), ("+", mm_entry)]
            den = [("", sq)]
            terms += [Term("MM_entry", mm_entry, cur,
                           "maintenance margin measured at the entry price (venue rule)"),
                      Term("Σ s·q·EP", sqep, cur, "signed entry value"),
                      Term("Σ s·q", sq, q_unit, "signed quantity (long +, short −)")]
        else:
            formula = f"LP = (WB − TMM1 + UPNL1 + cum − Σ s·q·EP) / (Σ q·{rate} − Σ s·q)"
            num = [("", wb), ("−", tmm1), ("+", upnl1), ("+", cum), ("−", sqep)]
            den = [("", mmr_q), ("−", sq)]
            terms += [Term("cum", cum, cur, "maintenance amount of the bracket at the price"),
                      Term("Σ s·q·EP", sqep, cur, "signed entry value"),
                      Term(f"Σ q·{rate}", mmr_q, q_unit, "quantity times the maintenance rate"),
                      Term("Σ s·q", sq, q_unit, "signed quantity (long +, short −)")]
    sub = _substitute(num, den, price)

    notes = []
    if pos.mode == "cross":
        notes.append("Cross price: conditional on every other symbol staying at its current "
                     "mark; it moves when they move, when the wallet changes or a bracket does.")
        if len(legs) > 1:
            notes.append(f"{len(legs)} cross positions on {pos.symbol} share this price.")
        notes.append("In cross mode the leverage setting does not enter the formula.")
    else:
        notes.append("Isolated price: only this position's own margin and PnL enter.")
    if book.entry_basis:
        notes.append(f"{venue.name} measures maintenance margin at the entry price.")
    if book.extra:
        notes.append(f"{venue.name} adds a fee of {book.extra:.3%} to the maintenance rate.")
    if np.isfinite(price):
        start = [int(t.bracket_index(book.u[j] * (book.xE[j] if book.entry_basis else x[j])))
                 for j, t in ((j, book.tiers[j]) for j in legs)]
        if tuple(start) != chosen.brackets:
            notes.append("The bracket at the current mark differs from the one at the "
                         "liquidation price; the price is solved with the latter (re-check).")
    else:
        notes.append("No positive price liquidates this pool: it can absorb any move.")
    return Explanation(
        position=i, symbol=pos.symbol, mode=pos.mode, price=price,
        bankruptcy_price=bankrupt, currency=cur, formula=formula, substituted=sub,
        terms=terms, brackets=brackets, notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# What happened along a path, in words


@dataclass(frozen=True)
class EventNote:
    """One event of a single-path result in plain words, with the trader's loss.

    ``kind`` is ``"liquidation"`` (a full or partial liquidation) or ``"transfer"`` (margin
    moved, deposits, withdrawals, automatic top-ups); ``price`` is the mark at the event.
    """

    step: int
    kind: str
    symbol: str
    price: float
    position: int | None
    text: str
    loss: float = 0.0


def event_notes(result: SimulationResult) -> list[EventNote]:
    """Liquidations and transfers of a single-path result, each with a plain-words text.

    The trader's loss on a liquidated pool is the engine's realized loss plus the margin it
    forfeited, minus what the insurance fund paid when the price gapped past bankruptcy
    (``Event.loss + Event.fee - Event.insurance_payout``, summed over the pool). What happens
    to the rest of the margin is the venue's rule, read from its data: with no
    ``liquidation_fee_rate`` it is forfeited, with one the venue charges that fee and the
    trader keeps the rest.
    """
    acct = result.account
    venue = acct.venue
    cur = acct.currency

    def money(v: float) -> str:
        return fmt_money(v, cur, venue=venue)

    def price(v: float) -> str:
        return fmt_price(v, venue=venue)

    events = result.events()
    cross_loss = sum(e.loss + e.fee - e.insurance_payout for e in events
                     if e.kind == "liquidation" and e.position is not None
                     and acct.positions[e.position].mode == "cross")
    forfeit = venue.liquidation_fee_rate is None
    out: list[EventNote] = []
    for e in events:
        if e.kind == "liquidation" and e.position is not None:
            p = acct.positions[e.position]
            where = f"#{e.position + 1} {p.symbol} {p.side}"
            if p.mode == "cross":
                loss = cross_loss
                text = (f"{where} closed with the cross pool at step {e.step:,} (mark "
                        f"{price(e.mark)}): the cross pool lost {money(loss)}")
                text += (", its whole margin balance" if forfeit else
                         f", a liquidation fee of {money(e.fee)} included; "
                         "what remained stays in the wallet")
            else:
                loss = e.loss + e.fee - e.insurance_payout
                text = (f"{where} (isolated) liquidated at step {e.step:,} (mark "
                        f"{price(e.mark)}): loss {money(loss)}")
                text += (", what was left of its isolated margin" if forfeit else
                         f", a liquidation fee of {money(e.fee)} included; "
                         "what remained returns to the cross wallet")
            if e.insurance_payout > 0:
                text += (f"; the price gapped past bankruptcy and the insurance fund paid "
                         f"{money(e.insurance_payout)}")
            out.append(EventNote(e.step, "liquidation", p.symbol, e.mark, e.position, text,
                                 loss))
        elif e.kind == "partial liquidation" and e.position is not None:
            p = acct.positions[e.position]
            text = (f"#{e.position + 1} {p.symbol} {p.side} partly liquidated at step "
                    f"{e.step:,} (mark {price(e.mark)}): {e.quantity:,.6g} closed at "
                    f"{'a loss' if e.loss >= 0 else 'a gain'} of {money(abs(e.loss))}, fee "
                    f"{money(e.fee)}; the rest stays open with a new liquidation price")
            out.append(EventNote(e.step, "liquidation", p.symbol, e.mark, e.position, text,
                                 e.loss + e.fee))
        elif e.kind == "auto-add margin" and e.position is not None:
            p = acct.positions[e.position]
            text = (f"auto-add margin #{e.position + 1} {p.symbol} at step {e.step:,}: "
                    f"{money(e.amount)} moved from the available balance into the isolated "
                    "margin, before liquidation")
            out.append(EventNote(e.step, "transfer", p.symbol, e.mark, e.position, text))
        elif e.kind.startswith(("add_margin", "remove_margin", "deposit", "withdraw")):
            sym = e.symbol or (acct.positions[0].symbol if acct.positions else "")
            verb = e.kind.replace("_", " ")
            target = f" #{e.position + 1} {e.symbol}" if e.position is not None else ""
            text = f"{verb}{target} at step {e.step:,}: {money(e.amount)} ({e.note})"
            out.append(EventNote(e.step, "transfer", sym, e.mark, e.position, text))
    return out


# ---------------------------------------------------------------------------------------------
# The margin ratio as a venue prints it


@dataclass(frozen=True)
class VenueRatio:
    """A venue's own way of printing the margin ratio: a label, its definition, its value."""

    label: str
    definition: str
    value: float


def venue_margin_ratio(venue: Venue, ratio: float) -> VenueRatio | None:
    """The kit's margin ratio (MM ÷ margin balance) as ``venue`` prints it, if it differs.

    From :attr:`Venue.margin_ratio_style`: ``"mm/equity"`` is the kit's own ratio (``None``:
    nothing more to show); ``"equity/mm"`` prints the reciprocal, margin balance ÷
    maintenance margin, liquidated when it falls to 100 %; ``"equity vs mm"`` compares the
    two amounts and prints no ratio (``None``).

    >>> from margin_widgets.core import venues
    >>> r = venue_margin_ratio(venues["okx_linear"], 0.25)
    >>> r.label, r.value
    ('Margin ratio as OKX USDT swap prints it', 4.0)
    >>> venue_margin_ratio(venues["binance_usdm"], 0.25) is None
    True
    >>> venue_margin_ratio(venues["okx_linear"], 0.0).value
    nan
    """
    if venue.margin_ratio_style != "equity/mm":
        return None
    r = float(ratio)
    value = 1.0 / r if np.isfinite(r) and r > 0 else float("nan")
    return VenueRatio(
        label=f"Margin ratio as {venue.name} prints it",
        definition=(f"How {venue.name} prints it: margin balance ÷ maintenance margin, the "
                    "reciprocal of the kit's ratio. Liquidation when it falls to 100 %."),
        value=value)

