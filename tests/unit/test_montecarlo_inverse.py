"""Monte Carlo equals simulate path by path on an inverse (COIN-M) account with the preset's
tier step-down: the bracket test of the vectorised engine works in x = 1 / price."""

import numpy as np
import pytest

from margin_widgets.core import Account, Position, monte_carlo, simulate, venues


@pytest.mark.parametrize("chunk_size", [None, 64])
def test_inverse_account_liquidates_on_the_same_steps_as_simulate(chunk_size):
    acct = Account(venues["binance_coinm"], 2.0, [
        Position("BTCUSD", "long", 3_000, 60_000, 20, contract_size=100),
        Position("BTCUSD", "short", 1_000, 60_000, 10, contract_size=100)])
    rng = np.random.default_rng(3)
    p = 60_000 * np.exp(np.cumsum(rng.normal(0, 0.01, (200, 300)), axis=1))
    p[:, 0] = 60_000
    mc = monte_carlo(acct, {"BTCUSD": p}, chunk_size=chunk_size)
    seen = 0
    for mode in ("cross", "isolated"):
        ref = simulate(acct.with_mode(mode), {"BTCUSD": p}, prices=False)
        np.testing.assert_array_equal(mc[mode].liquidated_at, ref.liquidated_at)
        np.testing.assert_allclose(mc[mode].final_equity, ref.equity[:, -1], rtol=1e-9,
                                   atol=1e-9)
        seen += int((ref.liquidated_at >= 0).sum())
    assert seen > 0                         # the paths do liquidate
