"""Many single-position accounts in one call: liquidation and bankruptcy prices.

For analysts with a book of accounts (a table of positions, each its own account): the same
numbers as ``Account(venue, wallet, [position]).liquidation_price(0, marks)``, computed for
every row at once with the closed form of each bracket (section 3 of the margin model).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import MarginInputError
from .venue import Venue, venues

__all__ = ["account_prices"]

_NUMERIC = ("quantity", "entry_price", "wallet_balance", "leverage", "contract_size")


def _column(name: str, value: Any, n: int | None) -> np.ndarray:
    a = np.asarray(value)
    if a.ndim > 1:
        raise MarginInputError(f"{name} must be one value per account (a 1-d array)")
    return a


def _numbers(name: str, a: np.ndarray, allow_nan: bool = False) -> np.ndarray:
    if a.dtype == bool or a.dtype.kind not in "iuf":
        raise MarginInputError(f"{name} must be numbers, got values of type {a.dtype}")
    a = a.astype(float, copy=False)         # never written to: the caller's array may be it
    if not allow_nan and a.size:
        lo, hi = float(a.min()), float(a.max())     # NaN fails both tests
        if lo > 0 and hi < np.inf:
            return a
    bad = ~np.isfinite(a) | (a <= 0)
    if allow_nan:
        bad &= ~np.isnan(a)
    if bad.any():
        k = int(np.argmax(bad))
        raise MarginInputError(f"{name} must be positive finite numbers; row {k} has {a[k]!r}")
    return a


def account_prices(
    venue: Venue | str,
    frame: Any = None,
    *,
    symbol: Any = None,
    side: Any = None,
    quantity: Any = None,
    entry_price: Any = None,
    wallet_balance: Any = None,
    mode: Any = "cross",
    leverage: Any = 1.0,
    isolated_margin: Any = None,
    contract_size: Any = 1.0,
) -> Any:
    """Liquidation and bankruptcy prices of many single-position accounts at once.

    Each row is one account holding one position; arguments are arrays (one value per
    account) or scalars (the same for every account), or columns of ``frame`` (a pandas
    DataFrame or a mapping of column name to array) with the parameter names below.

    Parameters
    ----------
    venue : Venue or str
        The venue's rules (or a preset key).
    frame : DataFrame or mapping, optional
        The accounts as columns; keywords given explicitly override columns.
    symbol : str or array of str
        Contract symbol (picks the tier table).
    side : "long" / "short" / +1 / -1, or an array of them
    quantity, entry_price, wallet_balance : float or array
        As in :class:`Position` and :class:`Account`.
    mode : "cross" / "isolated", or an array of them
    leverage, contract_size : float or array
    isolated_margin : float or array, optional
        Isolated margin (NaN or ``None``: the initial margin at entry).

    Returns
    -------
    dict or DataFrame
        ``{"liquidation_price": array, "bankruptcy_price": array}`` (NaN where no positive
        price exists), or, for a DataFrame input, a copy of it with those two columns.

    Raises
    ------
    MarginInputError
        For a bad value, naming the first bad row; for a leverage above the bracket's
        maximum; for an isolated margin larger than the wallet.

    Examples
    --------
    >>> from margin_widgets.core import RiskTiers, Venue
    >>> out = account_prices(Venue("demo", tiers=RiskTiers.flat(0.004)), symbol="BTCUSDT",
    ...                      side=["long", "short"], quantity=1, entry_price=60_000,
    ...                      wallet_balance=10_000)
    >>> out["liquidation_price"].round(2).tolist()
    [50200.8, 69721.12]
    """
    if isinstance(venue, str):
        venue = venues[venue]
    if not isinstance(venue, Venue):
        raise MarginInputError("venue must be a Venue or a preset key such as 'binance_usdm'")
    given = {"symbol": symbol, "side": side, "quantity": quantity, "entry_price": entry_price,
             "wallet_balance": wallet_balance, "mode": mode, "leverage": leverage,
             "isolated_margin": isolated_margin, "contract_size": contract_size}
    is_frame = False
    if frame is not None:
        cols = getattr(frame, "columns", None)
        if cols is not None:
            is_frame = True
            names = [str(c) for c in cols]
        elif isinstance(frame, Mapping):
            names = [str(c) for c in frame]
        else:
            raise MarginInputError("frame must be a pandas DataFrame or a mapping of columns")
        for c in names:
            if c in given and (given[c] is None or (c in ("mode", "leverage", "contract_size")
                                                     and _is_default(c, given[c]))):
                given[c] = np.asarray(frame[c])
    for req in ("symbol", "side", "quantity", "entry_price", "wallet_balance"):
        if given[req] is None:
            raise MarginInputError(f"{req} is required (a value or one per account)")
    arrays = {k: _column(k, v, None) for k, v in given.items() if v is not None}
    lengths = {a.shape[0] for a in arrays.values() if a.ndim == 1}
    if len(lengths) > 1:
        raise MarginInputError(f"every column must have one value per account; lengths "
                               f"{sorted(lengths)} differ")
    n = lengths.pop() if lengths else 1
    if n == 0:
        raise MarginInputError("no accounts given")
    if n > 10_000_000:
        raise MarginInputError("at most 10,000,000 accounts per call")
    b = {k: np.broadcast_to(a, (n,)) for k, a in arrays.items()}
    num = {k: _numbers(k, b[k]) for k in _NUMERIC}
    if (num["leverage"] < 1).any():
        k = int(np.argmax(num["leverage"] < 1))
        raise MarginInputError(f"leverage must be at least 1; row {k} has {num['leverage'][k]:g}")
    s = _sides(b["side"])
    iso = _modes(b["mode"])
    if "isolated_margin" in b:
        im_given = _numbers("isolated_margin", b["isolated_margin"].astype(float)
                            if b["isolated_margin"].dtype == object else b["isolated_margin"],
                            allow_nan=True)
    else:
        im_given = np.full(n, np.nan)
    sym = b["symbol"]
    if sym.dtype.kind not in "US":
        if sym.dtype == object and all(isinstance(v, str) for v in sym[:1000]):
            sym = sym.astype(str)
        else:
            raise MarginInputError("symbol must be text, e.g. 'BTCUSDT'")

    inverse = venue.contract == "inverse"
    u = num["quantity"] * num["contract_size"]
    ep = num["entry_price"]
    xE = 1.0 / ep if inverse else ep
    sigma = -s if inverse else s
    n_entry = u * xE
    lev = num["leverage"]
    im = n_entry / lev
    margin = np.where(np.isnan(im_given), im, im_given)
    wallet = num["wallet_balance"]
    over = iso & (margin > wallet * (1 + 1e-12))
    if over.any():
        k = int(np.argmax(over))
        raise MarginInputError(f"row {k}: isolated margin {margin[k]:,.2f} is more than the "
                               f"wallet of {wallet[k]:,.2f}")
    K = np.where(iso, margin, wallet)
    extra = float(venue.close_fee_rate)
    entry_basis = venue.mm_basis == "entry"
    lp_x = np.full(n, np.nan)
    su = sigma * u
    for name, rows in _groups(sym):
        t = venue.tiers_for(name)
        br = np.asarray(t.bracket_index(n_entry[rows]))
        max_lev = t.max_leverages[br]
        too = lev[rows] > max_lev * (1 + 1e-12)
        if too.any():
            k = int(rows[np.argmax(too)])
            raise MarginInputError(
                f"row {k}: leverage {lev[k]:g}x is above {venue.name}'s maximum of "
                f"{float(max_lev[np.argmax(too)]):g}x for a {name} position of "
                f"{n_entry[k]:,.2f}")
        Kr, sur, ur, xEr = K[rows], su[rows], u[rows], xE[rows]
        if entry_basis:
            mm = np.asarray(t.maintenance_margin(n_entry[rows], extra), dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                root = -(Kr - sur * xEr - mm) / sur
            lp_x[rows] = root
            continue
        floors = np.asarray(t.floors, dtype=float)
        rates = np.asarray(t.mmrs, dtype=float) + extra
        cums = np.asarray(t.cums, dtype=float)
        nb = len(floors)
        c0 = Kr - sur * xEr
        # single leg: g is monotone and piecewise linear; start in the bracket at entry, solve,
        # move to the root's bracket, repeat (at most one pass per bracket)
        b_cur = br.astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            for _ in range(nb + 1):
                root = -(c0 + cums[b_cur]) / (sur - ur * rates[b_cur])
                b_new = np.clip(np.searchsorted(floors, ur * root, side="right") - 1, 0, nb - 1)
                if np.array_equal(b_new, b_cur):
                    break
                b_cur = b_new
        best = root
        lp_x[rows] = best
    with np.errstate(divide="ignore", invalid="ignore"):
        bp_x = xE - K / su
    ok_l = np.isfinite(lp_x) & (lp_x > 0)
    ok_b = np.isfinite(bp_x) & (bp_x > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(ok_l, 1.0 / lp_x if inverse else lp_x, np.nan)
        bp = np.where(ok_b, 1.0 / bp_x if inverse else bp_x, np.nan)
    if is_frame:
        out = frame.copy()
        out["liquidation_price"] = lp
        out["bankruptcy_price"] = bp
        return out
    return {"liquidation_price": lp, "bankruptcy_price": bp}


def _groups(sym: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Rows per distinct symbol (a few symbols: equality scans beat sorting strings)."""
    out: list[tuple[str, np.ndarray]] = []
    left = np.arange(sym.shape[0])
    while left.size:
        if len(out) >= 32:
            uniq, inv = np.unique(sym[left], return_inverse=True)
            out += [(str(u), left[inv == g]) for g, u in enumerate(uniq.tolist())]
            break
        first = sym[left[0]]
        same = sym[left] == first
        out.append((str(first), left[same]))
        left = left[~same]
    return out


def _is_default(name: str, v: Any) -> bool:
    return (name == "mode" and isinstance(v, str) and v == "cross") or (
        name in ("leverage", "contract_size") and isinstance(v, float) and v == 1.0)


def _sides(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iuf" and a.dtype != bool:
        v = a.astype(float)
        if not np.isin(v, (1.0, -1.0)).all():
            k = int(np.argmax(~np.isin(v, (1.0, -1.0))))
            raise MarginInputError(f"side must be +1 or -1 (or 'long'/'short'); row {k} has "
                                   f"{a[k]!r}")
        return v
    if a.dtype.kind not in "USO":
        raise MarginInputError("side must be 'long' / 'short' or +1 / -1")
    t = a.astype(str, copy=False)
    long_, short = t == "long", t == "short"
    if not (long_ | short).all():           # rare: other spellings ("Long", "SHORT")
        t = np.char.lower(t)
        long_, short = t == "long", t == "short"
    bad = ~(long_ | short)
    if bad.any():
        k = int(np.argmax(bad))
        raise MarginInputError(f"side must be 'long' or 'short'; row {k} has {a[k]!r}")
    return np.where(long_, 1.0, -1.0)


def _modes(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind not in "USO":
        raise MarginInputError("mode must be 'cross' or 'isolated'")
    t = a.astype(str, copy=False)
    iso, cross = t == "isolated", t == "cross"
    bad = ~(iso | cross)
    if bad.any():
        k = int(np.argmax(bad))
        raise MarginInputError(f"mode must be 'cross' or 'isolated'; row {k} has {a[k]!r}")
    return iso
