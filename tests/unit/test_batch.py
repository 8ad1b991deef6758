"""account_prices: many single-position accounts in one call equal the per-account API."""

import numpy as np
import pytest

from margin_widgets.core import (
    Account,
    MarginInputError,
    Position,
    RiskTiers,
    Venue,
    account_prices,
    venues,
)


def _random_book(venue_key, n, seed):
    rng = np.random.default_rng(seed)
    v = venues[venue_key]
    inverse = v.contract == "inverse"
    syms = (["BTCUSD"] if inverse else
            [s for s in v.symbols()] or ["BTCUSDT"])
    sym = rng.choice(syms, n)
    side = rng.choice(["long", "short"], n)
    entry = np.where(np.char.startswith(sym.astype(str), "ETH"), 3_000.0, 60_000.0) * \
        rng.uniform(0.5, 1.5, n)
    if inverse:
        qty = rng.integers(1, 20_000, n).astype(float)
        cs = np.full(n, 100.0)
        notional = qty * cs / entry
    else:
        qty = np.exp(rng.uniform(np.log(0.001), np.log(300), n))
        cs = np.ones(n)
        notional = qty * entry
    lev = rng.uniform(1, 5, n)
    mode = rng.choice(["cross", "isolated"], n)
    wallet = notional / lev * rng.uniform(1.0, 3.0, n)
    iso_m = np.where(rng.random(n) < 0.5, np.nan, notional / lev * rng.uniform(0.5, 1.0, n))
    mark = entry * rng.uniform(0.9, 1.1, n)
    return dict(symbol=sym, side=side, quantity=qty, entry_price=entry, wallet_balance=wallet,
                mode=mode, leverage=lev, isolated_margin=iso_m, contract_size=cs), mark


@pytest.mark.parametrize("venue_key", ["binance_usdm", "binance_usdm_2022", "binance_coinm",
                                       "bybit_linear", "okx_linear", "hyperliquid", "dydx_v4"])
def test_equals_the_per_account_api(venue_key):
    cols, mark = _random_book(venue_key, 400, 7)
    out = account_prices(venue_key, **cols)
    for k in range(400):
        pos = Position(str(cols["symbol"][k]), str(cols["side"][k]), float(cols["quantity"][k]),
                       float(cols["entry_price"][k]), float(cols["leverage"][k]),
                       str(cols["mode"][k]),
                       None if np.isnan(cols["isolated_margin"][k])
                       else float(cols["isolated_margin"][k]),
                       contract_size=float(cols["contract_size"][k]))
        acct = Account(venue_key, float(cols["wallet_balance"][k]), [pos])
        marks = {pos.symbol: float(mark[k])}
        for name, ref in (("liquidation_price", acct.liquidation_price(0, marks)),
                          ("bankruptcy_price", acct.bankruptcy_price(0, marks))):
            got = out[name][k]
            if np.isnan(ref):
                assert np.isnan(got), (k, name)
            else:
                assert got == pytest.approx(ref, rel=1e-9), (k, name)


def test_a_pandas_frame_gets_two_columns():
    pd = pytest.importorskip("pandas")
    cols, _ = _random_book("binance_usdm", 50, 3)
    df = pd.DataFrame(cols)
    out = account_prices("binance_usdm", df)
    assert list(out.columns[-2:]) == ["liquidation_price", "bankruptcy_price"]
    ref = account_prices("binance_usdm", **cols)
    np.testing.assert_array_equal(out["liquidation_price"].to_numpy(), ref["liquidation_price"])


def test_the_margin_model_reference_case():
    # section 5: cross, wallet 10,000, long 1 BTC at 60,000, MMR 0.4 % -> 50,200.80
    out = account_prices(Venue("demo", tiers=RiskTiers.flat(0.004)), symbol="BTCUSDT",
                         side="long", quantity=[1.0], entry_price=60_000, wallet_balance=10_000)
    assert out["liquidation_price"][0] == pytest.approx(50_200.80, abs=0.005)


@pytest.mark.parametrize("kw", [
    dict(side="up"), dict(side=[1, 0]), dict(quantity=[1.0, -1.0]), dict(quantity=True),
    dict(quantity=[1.0, np.nan]), dict(entry_price="60000"), dict(wallet_balance=[0.0, 1.0]),
    dict(mode="both"), dict(leverage=0.5), dict(leverage=1_000.0), dict(symbol=[1, 2]),
    dict(quantity=[1.0, 2.0, 3.0]), dict(isolated_margin=[1e9, 1e9], mode="isolated"),
    dict(symbol="DOGEUSDT"),
])
def test_bad_input_raises(kw):
    base = dict(symbol="BTCUSDT", side=["long", "short"], quantity=[1.0, 2.0],
                entry_price=60_000.0, wallet_balance=[10_000.0, 20_000.0])
    with pytest.raises(MarginInputError):
        account_prices("binance_usdm", **{**base, **kw})
