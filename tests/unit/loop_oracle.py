"""A plain step-by-step loop of the path rules (section 5), written independently of rules.py.

One path, one step at a time, scalar Python: the oracle the vectorised engine is checked
against, and the "plain early-exit loop" of the benchmark. It supports what the tests use:
linear or inverse contracts, mark or entry basis, every tier table, opening fees, full or
partial liquidation (fraction / tier_step_down), forfeit or fee, auto-add margin and scheduled
transfers (add / remove margin, deposit, withdraw), and funding (section 5: at every funding
step ``E, 2E, ...``, before that step's transfers, each open position pays ``s * N * rate`` at
the step's mark from its isolated margin, or from the cross wallet).
"""

from __future__ import annotations

import math
from typing import Any


def loop(acct: Any, paths: dict[str, Any], events: list[dict[str, Any]] = (),
         fees: bool = True, early_exit: bool = False, funding_rate: Any = 0.0,
         funding_every: int | None = None) -> dict[str, Any]:
    """Run one path; return per-step equity, quantities, liquidation steps and event list.

    ``funding_rate``: a number, one number per step, or a mapping of symbol to those.
    """
    v = acct.venue
    pos = acct.positions
    P = len(pos)
    T = len(next(iter(paths.values())))
    inv = v.contract == "inverse"
    tiers = [v.tiers_for(p.symbol) for p in pos]
    q = [p.quantity for p in pos]                        # open quantity
    q0 = list(q)
    cs = [p.contract_size for p in pos]
    s = [1 if p.side == "long" else -1 for p in pos]
    ep = [p.entry_price for p in pos]
    cross = [p.mode == "cross" for p in pos]
    iso = [float(m) for m in acct.isolated_margins]
    rate = v.liquidation_fee_rate
    pl = v.partial_liquidation

    def notional(i: int, price: float) -> float:
        return q[i] * cs[i] / price if inv else q[i] * cs[i] * price

    def upnl(i: int, price: float) -> float:
        if inv:
            return s[i] * q[i] * cs[i] * (1 / ep[i] - 1 / price)
        return s[i] * q[i] * cs[i] * (price - ep[i])

    def mm(i: int, price: float) -> float:
        at = ep[i] if v.mm_basis == "entry" else price
        n = notional(i, at)
        return float(tiers[i].maintenance_margin(n, v.close_fee_rate)) if q[i] > 0 else 0.0

    def im(i: int, price: float) -> float:
        at = ep[i] if v.mm_basis == "entry" else price
        return notional(i, at) / pos[i].leverage

    fee0 = sum(v.taker_fee * (q[i] * cs[i] / ep[i] if inv else q[i] * cs[i] * ep[i])
               for i in range(P)) if fees else 0.0
    wc = acct.cross_wallet - fee0
    liq_at = [-1] * P
    ready = {"cross": 0, **{i: 0 for i in range(P)}}
    log: list[tuple[Any, ...]] = []
    equity = []
    qty = []
    wallets = []
    paid = [0.0] * P

    def rate_at(sym: str, t: int) -> float:
        r = funding_rate.get(sym, 0.0) if isinstance(funding_rate, dict) else funding_rate
        return float(r) if isinstance(r, int | float) else float(r[t])

    def price_of(i: int, t: int) -> float:
        return float(paths[pos[i].symbol][t])

    def pool_members(pool: Any) -> list[int]:
        return [i for i in range(P) if cross[i] and q[i] > 0] if pool == "cross" else (
            [pool] if q[pool] > 0 else [])

    def wallet(pool: Any) -> float:
        return wc if pool == "cross" else iso[pool]

    def add_wallet(pool: Any, d: float) -> None:
        nonlocal wc
        if pool == "cross":
            wc += d
        else:
            iso[pool] += d

    def mb(pool: Any, t: int) -> float:
        return wallet(pool) + sum(upnl(i, price_of(i, t)) for i in pool_members(pool))

    def breach(pool: Any, t: int) -> bool:
        return mb(pool, t) - sum(mm(i, price_of(i, t)) for i in pool_members(pool)) <= 1e-11 * (
            sum(q0[i] * cs[i] * (1 / ep[i] if inv else ep[i]) for i in range(P))
            + acct.wallet_balance)

    def available(t: int) -> float:
        a = wc + sum(upnl(i, price_of(i, t)) - im(i, price_of(i, t))
                     for i in range(P) if cross[i] and q[i] > 0)
        return max(0.0, a)

    for t in range(T):
        if funding_every and t > 0 and t % funding_every == 0:
            for i in range(P):
                if q[i] > 0:
                    pay = s[i] * notional(i, price_of(i, t)) * rate_at(pos[i].symbol, t)
                    paid[i] += pay
                    if cross[i]:
                        wc -= pay
                    else:
                        iso[i] -= pay
        for e in [e for e in events if e["step"] == t]:
            k, amt, i = e["kind"], e["amount"], e.get("position")
            if k == "deposit":
                wc += amt
                log.append((t, k, i, amt))
            elif k == "withdraw":
                lim = min(available(t), max(wc, 0.0))
                if amt <= lim + 1e-9:
                    wc -= amt
                    if pool_members("cross") and breach("cross", t):
                        wc += amt
                    else:
                        log.append((t, k, i, amt))
            elif k == "add_margin" and q[i] > 0:
                if amt <= min(available(t), max(wc, 0.0)) + 1e-9:
                    wc -= amt
                    iso[i] += amt
                    if breach(i, t) or (pool_members("cross") and breach("cross", t)):
                        wc += amt
                        iso[i] -= amt
                    else:
                        log.append((t, k, i, amt))
            elif k == "remove_margin" and q[i] > 0:
                pr = price_of(i, t)
                lim = max(0.0, min(iso[i] - mm(i, pr), iso[i] + upnl(i, pr) - im(i, pr)))
                if amt <= lim + 1e-9:
                    wc += amt
                    iso[i] -= amt
                    if breach(i, t):
                        wc -= amt
                        iso[i] += amt
                    else:
                        log.append((t, k, i, amt))
        pools: list[Any] = [i for i in range(P) if not cross[i]] + ["cross"]
        for pool in pools:
            if not pool_members(pool) or ready[pool] > t or not breach(pool, t):
                continue
            if pool != "cross" and pos[pool].auto_add_margin:
                for _ in range(64):
                    pr = price_of(pool, t)
                    im_used = q[pool] * cs[pool] * (1 / ep[pool] if inv else ep[pool]) / \
                        pos[pool].leverage
                    cap = q[pool] * cs[pool] * (1 / ep[pool] if inv else ep[pool]) - iso[pool]
                    amt = min(im_used, min(available(t), max(wc, 0.0)), max(cap, 0.0))
                    if amt <= 1e-12 * max(1.0, im_used * pos[pool].leverage):
                        break
                    wc -= amt
                    iso[pool] += amt
                    log.append((t, "auto-add margin", pool, amt))
                    if not breach(pool, t):
                        break
                    del pr
                if not breach(pool, t):
                    continue
            for _ in range(200):
                members = pool_members(pool)
                if not members or not breach(pool, t):
                    break
                cand = None
                if pl is not None and mb(pool, t) > 0:
                    best = -math.inf
                    for i in members:
                        n_i = notional(i, price_of(i, t))
                        ok = (n_i > pl.min_notional if pl.kind == "fraction"
                              else int(tiers[i].bracket_index(n_i)) > 0)
                        if ok and n_i > best:
                            cand, best = i, n_i
                if cand is None:               # full close of the pool
                    m = mb(pool, t)
                    n_tot = sum(notional(i, price_of(i, t)) for i in members)
                    fee = max(m, 0.0) if rate is None else min(rate * n_tot, max(m, 0.0))
                    keep = max(m - fee, 0.0)
                    log.append((t, "liquidation", members[0], fee, max(-m, 0.0)))
                    for i in members:
                        q[i] = 0.0
                        liq_at[i] = t
                    if pool == "cross":
                        wc = keep
                    else:
                        iso[pool] = 0.0
                        wc += keep
                    break
                i = cand
                pr = price_of(i, t)
                n_i = notional(i, pr)
                if pl.kind == "fraction":
                    new_q = q[i] * (1 - pl.fraction)
                else:
                    b = int(tiers[i].bracket_index(n_i))
                    new_q = q[i] * float(tiers[i].floors[b]) * (1 - 1e-12) / n_i
                d = q[i] - new_q
                realized = upnl(i, pr) * d / q[i]
                fee = 0.0 if rate is None else rate * n_i * d / q[i]
                fee = min(fee, max(mb(pool, t), 0.0))
                q[i] = new_q
                add_wallet(pool, realized - fee)
                ready[pool] = t + pl.cooldown_steps
                log.append((t, "partial liquidation", i, d, fee))
        eq = wc + sum(iso[i] for i in range(P) if not cross[i]) + sum(
            upnl(i, price_of(i, t)) for i in range(P) if q[i] > 0)
        equity.append(eq)
        qty.append(list(q))
        wallets.append(wc + sum(iso[i] for i in range(P) if not cross[i]))
        if early_exit and all(x == 0 for x in q):
            break
    return {"equity": equity, "quantity": qty, "liquidated_at": liq_at, "log": log,
            "wallet": wc + sum(iso[i] for i in range(P) if not cross[i]),
            "wallets": wallets, "funding_paid": paid}
