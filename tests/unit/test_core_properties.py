"""Properties of the engine over random venues, tiers, sides and contracts (hypothesis)."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from margin_widgets.core import Account, Position, RiskTiers, Venue

SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def tier_tables(draw):
    n = draw(st.integers(1, 5))
    floors = [0.0] + sorted(draw(st.lists(st.floats(1e3, 5e6), min_size=n - 1, max_size=n - 1,
                                          unique=True)))
    rates = sorted(draw(st.lists(st.floats(0.001, 0.2), min_size=n, max_size=n)))
    return RiskTiers.from_brackets([(f, r, None) for f, r in zip(floors, rates, strict=True)])


@st.composite
def venues_(draw):
    return Venue(
        "random",
        contract=draw(st.sampled_from(["linear", "inverse"])),
        mm_basis=draw(st.sampled_from(["mark", "entry"])),
        close_fee_rate=draw(st.sampled_from([0.0, 0.0005])),
        tiers=draw(tier_tables()),
    )


@st.composite
def single(draw, mode=None):
    venue = draw(venues_())
    inverse = venue.contract == "inverse"
    side = draw(st.sampled_from(["long", "short"]))
    entry = draw(st.floats(100, 100_000))
    lev = draw(st.floats(1, 100))
    if inverse:
        qty, cs = draw(st.integers(1, 50_000)), 100.0
        notional_entry = qty * cs / entry
    else:
        qty, cs = draw(st.floats(0.01, 50)), 1.0
        notional_entry = qty * entry
    im = notional_entry / lev
    wallet = im * draw(st.floats(1.0, 20.0))
    mode = mode or draw(st.sampled_from(["cross", "isolated"]))
    pos = Position("BTCUSDT" if not inverse else "BTCUSD", side, qty, entry, lev, mode,
                   contract_size=cs)
    mark = entry * draw(st.floats(0.9, 1.1))
    return venue, pos, wallet, mark


def _pool_of(acct, marks, i=0):
    return acct.pool_of(i, marks)


@SETTINGS
@given(single())
def test_margin_ratio_is_one_at_the_liquidation_price(case):
    venue, pos, wallet, mark = case
    acct = Account(venue, wallet, [pos])
    lp = acct.liquidation_price(0, {pos.symbol: mark})
    # a root at a price that rounds to ~0 (wallet = notional, long) is ill-conditioned
    assume(math.isfinite(lp) and 1e-6 * pos.entry_price < lp < 1e12)
    pool = _pool_of(acct, {pos.symbol: lp})
    assert pool.margin_ratio == pytest.approx(1.0, rel=1e-9)


@SETTINGS
@given(single())
def test_margin_balance_is_zero_at_the_bankruptcy_price(case):
    venue, pos, wallet, mark = case
    acct = Account(venue, wallet, [pos])
    bp = acct.bankruptcy_price(0, {pos.symbol: mark})
    assume(math.isfinite(bp) and bp < 1e12)
    pool = _pool_of(acct, {pos.symbol: bp})
    assert abs(pool.margin_balance) <= 1e-9 * max(1.0, pool.wallet)


def _bisect(acct, symbol, lo, hi, f):
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (f(mid) > 0) == (f(lo) > 0):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@SETTINGS
@given(single())
def test_closed_form_equals_bisection_including_bracket_crossings(case):
    venue, pos, wallet, mark = case
    acct = Account(venue, wallet, [pos])
    sym = pos.symbol

    def g(p):
        pool = acct.pool_of(0, {sym: p})
        return pool.margin_balance - pool.maintenance_margin

    assume(g(mark) > 0)
    # the adverse direction: a long loses when the price falls, a short when it rises
    far = mark * 1e-6 if pos.side == "long" else mark * 1e6
    lp = acct.liquidation_price(0, {sym: mark})
    if g(far) > 0:
        assert math.isnan(lp) or not (min(far, mark) < lp < max(far, mark))
        return
    root = _bisect(acct, sym, mark, far, g)
    assert lp == pytest.approx(root, rel=1e-9)


@SETTINGS
@given(single(mode="isolated"), st.floats(0.5, 2.0), st.sampled_from(["long", "short"]))
def test_isolated_price_ignores_other_positions(case, other_move, other_side):
    venue, pos, wallet, mark = case
    alone = Account(venue, wallet, [pos])
    other = Position("ETHUSD" if venue.contract == "inverse" else "ETHUSDT", other_side,
                     pos.quantity, 2_000.0, 1.0, "cross", contract_size=pos.contract_size)
    both = Account(venue, wallet * 3, [pos, other])
    marks = {pos.symbol: mark, other.symbol: 2_000.0 * other_move}
    a = alone.liquidation_price(0, {pos.symbol: mark})
    b = both.liquidation_price(0, marks)
    assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12)


@SETTINGS
@given(single(mode="cross"), st.floats(1, 100))
def test_cross_price_ignores_leverage(case, new_lev):
    venue, pos, wallet, mark = case
    a = Account(venue, wallet, [pos]).liquidation_price(0, {pos.symbol: mark})
    b = Account(venue, wallet, [pos.with_(leverage=new_lev)]).liquidation_price(
        0, {pos.symbol: mark})
    assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12)


@SETTINGS
@given(st.floats(0.001, 0.05), st.floats(0.1, 10), st.floats(1_000, 100_000),
       st.floats(2, 100), st.floats(0.01, 0.5))
def test_adding_margin_to_isolated_long_lowers_price_by_formula(mmr, q, entry, lev, frac):
    venue = Venue("flat", tiers=RiskTiers.flat(mmr))
    pos = Position("BTCUSDT", "long", q, entry, lev, "isolated")
    acct = Account(venue, q * entry * 10, [pos])
    marks = {"BTCUSDT": entry}
    x = frac * acct.max_addable_margin(0, marks)
    assume(x > 0)
    before = acct.liquidation_price(0, marks)
    after = acct.add_margin(0, x, marks).liquidation_price(0, marks)
    assume(math.isfinite(after))
    assert before - after == pytest.approx(x / (q * (1 - mmr)), rel=1e-9)


@SETTINGS
@given(single(mode="cross"), st.floats(1.0, 5.0))
def test_more_wallet_never_moves_a_cross_price_closer(case, factor):
    venue, pos, wallet, mark = case
    marks = {pos.symbol: mark}
    acct = Account(venue, wallet, [pos])
    assume(acct.margin_ratio(marks) < 1)  # healthy to begin with
    a = acct.liquidation_price(0, marks)
    b = Account(venue, wallet * factor, [pos]).liquidation_price(0, marks)
    if math.isnan(a):
        assert math.isnan(b)
    elif not math.isnan(b):
        assert abs(b - mark) >= abs(a - mark) * (1 - 1e-12)


def test_bracket_recheck_crosses_brackets():
    """A price solved with the bracket at the mark would be wrong: the re-check moves it."""
    t = RiskTiers.from_brackets([(0, 0.01, 100), (100_000, 0.05, 20)])
    venue = Venue("two brackets", tiers=t)
    # short 1 @ 90,000: at the mark notional is 90,000 (bracket 1); liquidation is far above
    # 100,000, where bracket 2 holds.
    acct = Account(venue, 40_000, [Position("BTCUSDT", "short", 1, 90_000)])
    lp = acct.liquidation_price(0, {"BTCUSDT": 90_000})
    naive = (40_000 + 90_000) / (1 + 0.01)   # bracket 1 formula
    exact = (40_000 + t.cums[1] + 90_000) / (1 + 0.05)
    assert naive > 100_000 and exact > 100_000
    assert lp == pytest.approx(exact, rel=1e-12)
    assert acct.explain(0, {"BTCUSDT": 90_000}).brackets[0]["bracket"] == 2


def test_hedge_legs_share_one_cross_price():
    venue = Venue("flat", tiers=RiskTiers.flat(0.005))
    acct = Account(venue, 2_000, [Position("BTCUSDT", "long", 1, 60_000),
                                  Position("BTCUSDT", "short", 0.5, 61_000),
                                  Position("ETHUSDT", "long", 2, 3_000)])
    marks = {"BTCUSDT": 60_000, "ETHUSDT": 3_000}
    lp = acct.liquidation_prices(marks)
    assert lp[0] == lp[1]
    # at that price the cross pool is exactly at its requirement
    pool = acct.pools({**marks, "BTCUSDT": lp[0]})[0]
    assert pool.margin_ratio == pytest.approx(1.0, rel=1e-9)


def test_vectorised_maintenance_margin_matches_scalar():
    t = RiskTiers.from_brackets([(0, 0.004, 125), (50_000, 0.005, 100), (600_000, 0.0065, 75)])
    n = np.linspace(0, 1e6, 1001)
    vec = t.maintenance_margin(n)
    assert vec.shape == n.shape
    assert np.array_equal(vec, [t.maintenance_margin(float(v)) for v in n])
