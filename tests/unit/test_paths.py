"""Price paths: hand-made shapes, simulators, loaders and the shared validator."""

import ast
import csv
import io
import math
import pathlib
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import paths
from margin_widgets.core.errors import MarginInputError
from margin_widgets.core.paths import (
    EXAMPLE_DATASETS,
    constant,
    example_dataset,
    from_pandas,
    gbm,
    jumps,
    linear,
    load_csv,
    parse_csv_text,
    piecewise,
    shock,
    validate_path,
    with_wicks,
)

FAST = settings(max_examples=40, deadline=None)
prices_st = st.floats(1e-3, 1e7, allow_nan=False, allow_infinity=False)


def is_good_path(p, shape):
    return (p.shape == shape and p.dtype == np.float64 and p.flags.c_contiguous
            and p.flags.writeable and bool(np.isfinite(p).all()) and bool((p > 0).all()))


# --------------------------------------------------------------------------- module hygiene


def test_module_imports_no_widget_library_or_pandas_at_top_level():
    files = sorted(pathlib.Path(paths.__file__).parent.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "checks.py", "generators.py", "io.py",
                                       "datasets.py"}
    for f in files:
        tree = ast.parse(f.read_text())
        top = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                top.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top.add(node.module.split(".")[0])
        assert not top & {"ipywidgets", "bqplot", "traitlets", "pandas", "IPython"}, f.name


def test_public_names_exist():
    for name in paths.__all__:
        assert hasattr(paths, name)


# --------------------------------------------------------------------------- shapes and dtypes

BUILDERS = {
    "constant": lambda n: constant(100.0, 50, n_paths=n),
    "linear": lambda n: linear(100.0, 80.0, 50, n_paths=n),
    "gbm": lambda n: gbm(100.0, 50, n_paths=n, seed=1),
    "jumps": lambda n: jumps(100.0, 50, intensity=500.0, jump_mean=-0.05, jump_std=0.02,
                             volatility=0.5, n_paths=n, seed=1),
    "shock": lambda n: shock(None, None, at=10, size=-0.2, base=constant(100.0, 50, n_paths=n)),
    "with_wicks": lambda n: with_wicks(gbm(100.0, 50, n_paths=n, seed=2), seed=3),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("n_paths", [None, 1, 7])
def test_shapes_dtypes_positive(name, n_paths):
    p = BUILDERS[name](n_paths)
    assert is_good_path(p, (50,) if n_paths is None else (n_paths, 50))


def test_piecewise_shape():
    assert is_good_path(piecewise([(0, 1.0), (9, 2.0)], 10), (10,))


@pytest.mark.parametrize("call", [
    lambda: constant(100, 1), lambda: constant(100, 0), lambda: constant(100, 2.5),
    lambda: constant(100, True), lambda: constant(0, 5), lambda: constant(float("nan"), 5),
    lambda: constant(100, 5, n_paths=0), lambda: linear(100, -1, 5),
    lambda: gbm(100, 10, volatility=-0.1), lambda: gbm(100, 10, dt=0),
    lambda: gbm(100, 10, drift=float("inf")), lambda: gbm(100, 10, seed="abc"),
    lambda: gbm(100, 10, seed=-1), lambda: gbm(100, 10**5, n_paths=10**5),
    lambda: jumps(100, 10, intensity=-1, jump_mean=0, jump_std=0),
    lambda: jumps(100, 10, intensity=1, jump_mean=0, jump_std=-1),
])
def test_bad_generator_arguments(call):
    with pytest.raises(MarginInputError):
        call()


def test_error_is_value_error():
    with pytest.raises(ValueError, match="steps"):
        constant(100, 1)


def test_gbm_overflow_is_reported_not_inf():
    with pytest.raises(MarginInputError, match="range"):
        gbm(1e300, 1000, drift=0.0, volatility=50.0, dt=1.0, seed=0)


# --------------------------------------------------------------------------- constant / linear


def test_constant_values():
    assert constant(60_000, 4).tolist() == [60_000.0] * 4
    assert (constant(2.5, 3, n_paths=2) == 2.5).all()


@given(prices_st, prices_st, st.integers(2, 500))
@FAST
def test_linear_inclusive_ends_and_equal_steps(a, b, t):
    p = linear(a, b, t)
    assert p[0] == a and p[-1] == b
    assert np.allclose(np.diff(p), (b - a) / (t - 1), rtol=1e-9, atol=1e-9 * max(a, b))


def test_linear_many_paths_are_identical_rows():
    p = linear(100, 50, 11, n_paths=3)
    assert (p == p[0]).all() and p[0, 5] == 75.0


# --------------------------------------------------------------------------- piecewise


@st.composite
def control_points(draw):
    t = draw(st.integers(2, 300))
    k = draw(st.integers(1, min(t, 8)))
    xs = draw(st.lists(st.integers(0, t - 1), min_size=k, max_size=k, unique=True))
    ps = draw(st.lists(prices_st, min_size=k, max_size=k))
    return t, list(zip(xs, ps, strict=True))


@given(control_points())
@FAST
def test_piecewise_passes_through_control_points_exactly(case):
    t, pts = case
    p = piecewise(pts, t)
    assert is_good_path(p, (t,))
    for x, price in pts:
        assert p[x] == price
    first = min(pts)
    last = max(pts)
    assert (p[: first[0] + 1] == first[1]).all()  # flat before the first point
    assert (p[last[0]:] == last[1]).all()  # flat after the last point
    lo, hi = min(pr for _, pr in pts), max(pr for _, pr in pts)
    assert (p >= lo * (1 - 1e-12)).all() and (p <= hi * (1 + 1e-12)).all()


def test_piecewise_is_linear_between_points_and_order_free():
    a = piecewise([(8, 50.0), (0, 100.0), (4, 60.0)], 10)
    assert a.tolist() == [100.0, 90.0, 80.0, 70.0, 60.0, 57.5, 55.0, 52.5, 50.0, 50.0]
    assert np.array_equal(a, piecewise(np.array([[0, 100.0], [4, 60.0], [8, 50.0]]), 10))


def test_piecewise_fractions():
    p = piecewise([(0.0, 100.0), (0.5, 50.0), (1.0, 100.0)], 11, as_fraction=True)
    assert p[0] == 100.0 and p[5] == 50.0 and p[10] == 100.0
    assert piecewise([(0.25, 80.0)], 5, as_fraction=True).tolist() == [80.0] * 5


@pytest.mark.parametrize("pts,kwargs,needle", [
    ([], {}, "at least one"),
    ([(0, 100), (0, 90)], {}, "same position"),
    ([(10, 100)], {}, "past the last step"),
    ([(-1, 100)], {}, "at least 0"),
    ([(1.5, 100)], {}, "as_fraction"),
    ([(1.5, 100)], {"as_fraction": True}, "between 0 and 1"),
    ([(0, 0.0)], {}, "positive"),
    ([(0, 100, 3)], {}, "pair"),
    (5, {}, "pairs"),
])
def test_piecewise_rejects(pts, kwargs, needle):
    with pytest.raises(MarginInputError, match=needle):
        piecewise(pts, 10, **kwargs)


# --------------------------------------------------------------------------- shock


@given(prices_st, st.integers(2, 200), st.data(),
       st.floats(-0.95, 3.0).filter(lambda s: abs(s) > 1e-6))
@FAST
def test_shock_size_is_exact_at_step(start, t, data, size):
    at = data.draw(st.integers(0, t - 1))
    p = shock(start, t, at=at, size=size)
    assert (p[:at] == start).all()
    assert p[at] == pytest.approx(start * (1 + size), rel=1e-15)
    if at > 0:
        assert p[at] / p[at - 1] - 1 == pytest.approx(size, rel=1e-12, abs=1e-14)
    assert (p[at:] == p[at]).all()


@pytest.mark.parametrize("size,recovery,n_rec", [(-0.2, 0.5, 10), (-0.3, 1.0, 4), (0.5, 0.25, 7)])
def test_shock_recovery_reaches_its_level_linearly(size, recovery, n_rec):
    at, start = 20, 1000.0
    p = shock(start, 60, at=at, size=size, recovery=recovery, recovery_steps=n_rec)
    level = start * (1 + size * (1 - recovery))
    assert p[at] == pytest.approx(start * (1 + size), rel=1e-15)
    assert p[at + n_rec] == pytest.approx(level, rel=1e-14)
    assert np.allclose(p[at + n_rec:], level, rtol=1e-14)
    # equal price steps during the recovery
    steps = np.diff(p[at:at + n_rec + 1])
    assert np.allclose(steps, -start * size * recovery / n_rec, rtol=1e-9)


def test_shock_recovery_cut_by_end_of_path_and_fraction_at():
    p = shock(100.0, 11, at=1.0, size=-0.5, recovery=1.0, recovery_steps=5)
    assert p[-1] == 50.0 and p[-2] == 100.0
    q = shock(100.0, 11, at=0.5, size=-0.5)
    assert q[5] == 50.0 and q[4] == 100.0


def test_shock_applies_to_base_paths():
    base = gbm(100.0, 40, n_paths=5, seed=11)
    p = shock(100.0, 40, at=10, size=-0.25, recovery=0.4, recovery_steps=8, base=base)
    factor = p / base
    assert np.allclose(factor[:, :10], 1.0, rtol=0, atol=1e-15)
    assert np.allclose(factor[:, 10], 0.75, rtol=1e-15)
    assert np.allclose(factor[:, 18:], 1 - 0.25 * 0.6, rtol=1e-14)
    assert np.array_equal(shock(None, None, at=10, size=-0.25, recovery=0.4, recovery_steps=8,
                                base=base), p)


@pytest.mark.parametrize("kwargs,needle", [
    ({"size": -1.0}, "zero"), ({"size": float("nan")}, "finite"),
    ({"size": -0.1, "at": 50}, "outside"), ({"size": -0.1, "at": 1.5}, "between 0 and 1"),
    ({"size": -0.1, "at": True}, "step index"), ({"size": -0.1, "at": "3"}, "step index"),
    ({"size": -0.1, "recovery": 0.5}, "recovery_steps"),
    ({"size": -0.1, "recovery": 1.5, "recovery_steps": 2}, "recovery"),
])
def test_shock_rejects(kwargs, needle):
    args = {"at": 3} | kwargs
    with pytest.raises(MarginInputError, match=needle):
        shock(100.0, 10, **args)


def test_shock_base_mismatches():
    base = constant(100.0, 10)
    with pytest.raises(MarginInputError, match="does not match"):
        shock(100.0, 12, at=3, size=-0.1, base=base)
    with pytest.raises(MarginInputError, match="start=None"):
        shock(90.0, None, at=3, size=-0.1, base=base)
    with pytest.raises(MarginInputError, match="base path"):
        shock(None, None, at=3, size=-0.1, base=[100.0, float("nan"), 100.0])
    with pytest.raises(MarginInputError, match="start price"):
        shock(None, 10, at=3, size=-0.1)


# --------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("make", [
    lambda seed: gbm(100.0, 30, n_paths=4, seed=seed),
    lambda seed: jumps(100.0, 30, intensity=900.0, jump_mean=-0.02, jump_std=0.01,
                       volatility=0.3, n_paths=4, seed=seed),
    lambda seed: with_wicks(constant(100.0, 300), probability=0.1, seed=seed),
])
def test_seed_reproducibility(make):
    a, b, c = make(42), make(42), make(43)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    first, again = make(g1), make(g2)
    assert np.array_equal(first, again)
    assert not np.array_equal(make(g1), first)  # a Generator advances between calls


# --------------------------------------------------------------------------- GBM statistics


def test_gbm_log_return_moments_match_theory():
    mu, sigma, dt, n, t, s0 = 0.5, 0.8, 1 / 365, 20_000, 26, 100.0
    p = gbm(s0, t, drift=mu, volatility=sigma, dt=dt, n_paths=n, seed=2024)
    assert (p[:, 0] == s0).all()
    r = np.diff(np.log(p), axis=1).ravel()
    count = r.size
    # theory, written out independently of the implementation
    mean_th = (mu - sigma**2 / 2) * dt
    sd_th = sigma * math.sqrt(dt)
    assert abs(r.mean() - mean_th) < 4 * sd_th / math.sqrt(count)
    assert abs(r.std(ddof=1) - sd_th) < 4 * sd_th / math.sqrt(2 * count)
    # the -sigma^2/2 term is really there: 20 standard errors away from mu*dt
    assert abs(r.mean() - mu * dt) > 10 * sd_th / math.sqrt(count)
    # independent steps: lag-1 autocorrelation near zero
    steps = np.diff(np.log(p), axis=1)
    x, y = steps[:, :-1].ravel() - mean_th, steps[:, 1:].ravel() - mean_th
    assert abs((x * y).mean() / sd_th**2) < 4 / math.sqrt(x.size)
    # terminal price: E[S_T] = S0 exp(mu T), Var = S0^2 exp(2 mu T)(exp(sigma^2 T) - 1)
    horizon = (t - 1) * dt
    mean_st = s0 * math.exp(mu * horizon)
    sd_st = mean_st * math.sqrt(math.expm1(sigma**2 * horizon))
    assert abs(p[:, -1].mean() - mean_st) < 4 * sd_st / math.sqrt(n)


def test_gbm_without_volatility_is_deterministic_growth():
    p = gbm(100.0, 5, drift=0.1, volatility=0.0, dt=1.0)
    assert np.allclose(p, 100.0 * np.exp(0.1 * np.arange(5)), rtol=1e-14)


def test_gbm_large_fan_shape_and_start():
    # Its speed is measured in benchmarks/bench_core.py, never asserted here (shared machine).
    p = gbm(60_000.0, 1_000, n_paths=10_000, seed=0)
    assert p.shape == (10_000, 1_000) and (p[:, 0] == 60_000.0).all()
    assert np.isfinite(p).all() and (p > 0).all()


# --------------------------------------------------------------------------- jumps


def test_jump_counts_are_poisson():
    lam, dt, m = 876.0, 1 / 8760, -0.05  # lambda * dt = 0.1 jumps per step
    p = jumps(100.0, 51, intensity=lam, jump_mean=m, jump_std=0.0, dt=dt, n_paths=20_000,
              seed=9)
    counts = np.diff(np.log(p), axis=1).ravel() / m
    assert np.allclose(counts, np.round(counts), atol=1e-6)
    k = np.round(counts)
    rate, size = lam * dt, k.size
    assert abs(k.mean() - rate) < 4 * math.sqrt(rate / size)
    assert k.var() == pytest.approx(rate, rel=0.02)  # Poisson: variance = mean


def test_jump_diffusion_step_moments():
    lam, dt, m, s, sigma, mu = 876.0, 1 / 8760, -0.03, 0.02, 0.6, 0.2
    p = jumps(100.0, 51, intensity=lam, jump_mean=m, jump_std=s, volatility=sigma, drift=mu,
              dt=dt, n_paths=20_000, seed=10)
    r = np.diff(np.log(p), axis=1).ravel()
    mean_th = (mu - sigma**2 / 2) * dt + lam * dt * m
    var_th = sigma**2 * dt + lam * dt * (m**2 + s**2)  # compound Poisson: lambda dt E[Y^2]
    assert abs(r.mean() - mean_th) < 4 * math.sqrt(var_th / r.size)
    assert r.var() == pytest.approx(var_th, rel=0.03)


@pytest.mark.parametrize("compensate", [False, True])
def test_jump_compensation_sets_the_mean_price(compensate):
    lam, dt, m, s, sigma, t = 20.0, 1 / 365, -0.1, 0.05, 0.5, 31
    p = jumps(100.0, t, intensity=lam, jump_mean=m, jump_std=s, volatility=sigma, dt=dt,
              compensate=compensate, n_paths=20_000, seed=12)
    horizon = (t - 1) * dt
    k = math.exp(m + s**2 / 2) - 1
    expected = 100.0 * (1.0 if compensate else math.exp(lam * k * horizon))
    final = p[:, -1]
    assert abs(final.mean() - expected) < 4 * final.std() / math.sqrt(final.size)


def test_jumps_without_jumps_or_volatility_are_flat():
    p = jumps(100.0, 20, intensity=0.0, jump_mean=-0.5, jump_std=0.1, n_paths=3, seed=1)
    assert (p == 100.0).all()


# --------------------------------------------------------------------------- wicks


def test_wicks_follow_the_mark_outside_wick_steps():
    mark = gbm(60_000.0, 20_000, seed=3)
    size, prob, noise = 0.05, 0.03, 0.001
    last = with_wicks(mark, size=size, probability=prob, noise=noise, seed=4)
    assert is_good_path(last, mark.shape)
    dev = np.abs(last / mark - 1)
    tol = 1e-12
    wick = dev > noise + tol
    # every step is either ordinary (within the noise) or a wick of size/2 .. size
    assert (dev[~wick] <= noise + tol).all()
    assert (dev[wick] >= size / 2 - tol).all() and (dev[wick] <= size + tol).all()
    count, n = int(wick.sum()), mark.size
    assert abs(count - prob * n) < 4 * math.sqrt(n * prob * (1 - prob))
    up = int((last[wick] > mark[wick]).sum())
    assert abs(up - count / 2) < 4 * math.sqrt(count / 4)


def test_wicks_edge_cases():
    mark = gbm(100.0, 500, n_paths=3, seed=1)
    assert np.array_equal(with_wicks(mark, probability=0.0, noise=0.0, seed=1), mark)
    every = np.abs(with_wicks(mark, size=0.1, probability=1.0, seed=1) / mark - 1)
    assert (every >= 0.05 - 1e-12).all() and (every <= 0.1 + 1e-12).all()


@pytest.mark.parametrize("kwargs", [{"size": 1.0}, {"size": -0.1}, {"probability": 1.5},
                                    {"noise": -1e-4}, {"noise": 2.0}])
def test_wicks_reject(kwargs):
    with pytest.raises(MarginInputError):
        with_wicks(constant(100.0, 10), **kwargs)


def test_wicks_reject_bad_mark():
    with pytest.raises(MarginInputError, match="mark path"):
        with_wicks([100.0, 0.0, 100.0])


# --------------------------------------------------------------------------- validate_path


@given(st.lists(prices_st, min_size=2, max_size=50), st.integers(1, 3))
@FAST
def test_validate_path_accepts_good_paths_unchanged(values, rows):
    arr = np.asfortranarray(np.tile(values, (rows, 1)))
    out = validate_path(arr)
    assert out.flags.c_contiguous and out.dtype == np.float64
    assert np.array_equal(out, arr)
    assert np.array_equal(validate_path(values), np.asarray(values))


def test_validate_path_no_copy_when_already_fine():
    arr = np.array([1.0, 2.0, 3.0])
    assert validate_path(arr) is arr


@pytest.mark.parametrize("value,needle", [
    ([1.0, 2.0, float("nan"), -1.0], "NaN .*at step 2"),
    ([1.0, float("inf")], "inf at step 1"),
    ([1.0, 2.0, 0.0], "positive: found 0 at step 2"),
    ([[1.0, 2.0], [3.0, -4.0]], "found -4 at step 1 of path 1"),
    ([1.0], "at least 2 steps"),
    (5.0, "shape"),
    (np.ones((2, 2, 2)), "shape"),
    (np.ones((0, 5)), "no paths"),
    (["a", "b"], "numbers"),
    ("100", "text"),
    ([1 + 1j, 2.0], "complex"),
    ([None, 1.0], "NaN .*at step 0"),  # a missing value reads as NaN
])
def test_validate_path_rejects_with_first_offending_index(value, needle):
    with pytest.raises(MarginInputError, match=needle):
        validate_path(value)


def test_validate_path_names_the_array():
    with pytest.raises(MarginInputError, match="^base path"):
        validate_path([1.0, -1.0], what="base path")


# --------------------------------------------------------------------------- CSV

GOOD = ("timestamp,price\n"
        "2021-05-10T00:00:00,58000\n"
        "2021-05-10T01:00:00,57900.5\n"
        "2021-05-10T02:00:00,57800\n"
        "2021-05-10T03:00:00,57700\n")


def edit(line_no, new):
    lines = GOOD.splitlines()
    lines[line_no - 1] = new
    return "\n".join(lines) + "\n"


def test_csv_good_file_round_trips(tmp_path):
    ts, p = parse_csv_text(GOOD)
    assert ts.dtype == np.dtype("datetime64[s]")
    assert ts[0] == np.datetime64("2021-05-10T00:00:00")
    assert (np.diff(ts) == np.timedelta64(3600, "s")).all()
    assert p.tolist() == [58000.0, 57900.5, 57800.0, 57700.0] and p.dtype == np.float64
    f = tmp_path / "btc.csv"
    f.write_text(GOOD)
    for source in (f, str(f), io.StringIO(GOOD), io.BytesIO(GOOD.encode()), GOOD.encode(),
                   GOOD, "\ufeff" + GOOD, b"\xef\xbb\xbf" + GOOD.encode(),
                   GOOD.replace("\n", "\r\n").encode()):
        ts2, p2 = load_csv(source)
        assert np.array_equal(ts2, ts) and np.array_equal(p2, p)


@st.composite
def csv_series(draw):
    n = draw(st.integers(2, 40))
    gaps = draw(st.lists(st.integers(1, 10**6), min_size=n - 1, max_size=n - 1))
    t0 = draw(st.integers(0, 2 * 10**9))
    stamps = np.cumsum([t0, *gaps])
    prices = draw(st.lists(st.floats(1e-8, 1e12), min_size=n, max_size=n))
    return stamps, prices


@given(csv_series(), st.booleans())
@FAST
def test_csv_round_trip_property(series, iso):
    stamps, prices = series
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["timestamp", "price"])
    for s, p in zip(stamps, prices, strict=True):
        stamp = str(np.datetime64(int(s), "s")) if iso else repr(float(s))
        w.writerow([stamp, repr(p)])
    ts, got = parse_csv_text(out.getvalue())
    assert got.tolist() == prices
    if iso:
        assert ts.astype(np.int64).tolist() == [int(s) for s in stamps]
    else:
        assert ts.dtype == np.float64 and ts.tolist() == [float(s) for s in stamps]


def test_csv_column_names_and_options():
    ts, p = parse_csv_text("Time,Close,Volume\n1,10,5\n2,11,6\n")
    assert ts.tolist() == [1.0, 2.0] and p.tolist() == [10.0, 11.0]
    _, p = parse_csv_text("timestamp,close,mark\n1,10,20\n2,11,21\n")
    assert p.tolist() == [20.0, 21.0]  # the mark wins when there are several
    _, p = parse_csv_text("timestamp,btc_usd\n1,10\n2,11\n", price_column="BTC_USD")
    assert p.tolist() == [10.0, 11.0]
    ts, _ = parse_csv_text("date,price\n2021-05-10T02:00:00+02:00,1\n2021-05-10T01:00:00Z,2\n")
    assert ts.tolist()[0] == np.datetime64("2021-05-10T00:00:00").item()
    assert ts[1] == np.datetime64("2021-05-10T01:00:00")
    ts, _ = parse_csv_text("timestamp,price\n2021-05-10,1\n2021-05-11 00:00:00,2\n\n\n")
    assert ts[1] - ts[0] == np.timedelta64(86400, "s")


@pytest.mark.parametrize("text,line", [
    (edit(4, "2021-05-10T02:00:00,nan"), 4),
    (edit(4, "2021-05-10T02:00:00,NaN"), 4),
    (edit(3, "2021-05-10T01:00:00,-5"), 3),
    (edit(5, "2021-05-10T03:00:00,0"), 5),
    (edit(2, "2021-05-10T00:00:00,inf"), 2),
    (edit(3, "2021-05-10T01:00:00,"), 3),
    (edit(3, "2021-05-10T01:00:00"), 3),
    (edit(4, "2021-05-10T02:00:00,abc"), 4),
    (edit(4, '2021-05-10T02:00:00,"57,800"'), 4),
    (edit(4, "2021-05-10T01:00:00,57800"), 4),  # duplicate timestamp
    (edit(5, "2021-05-10T00:30:00,57700"), 5),  # decreasing timestamp
    (edit(3, "yesterday,57900"), 3),  # bad timestamp
    (edit(3, ",57900"), 3),
    (edit(3, "1620608400,57900"), 3),  # a number among ISO timestamps
    (edit(1, "timestamp,volume"), 1),  # missing price column
    (edit(1, "when,price"), 1),  # missing timestamp column
    (edit(1, "2021-05-09T23:00:00,58100"), 1),  # no header
    ("timestamp,price\n2021-05-10T00:00:00,58000\n", 2),  # one row
    ("timestamp,price\n", 1),
    ("", 1),
    ("timestamp,price\n1,100\n\n\nnan,3\n", 5),  # blank lines still count
    ("timestamp,price\n1,100\n2,100\n2.5,nan\n", 4),
    ("timestamp,price\n1,100\n2021-05-10,100\n", 3),  # ISO among numbers
])
def test_csv_bad_lines_name_the_line(text, line):
    with pytest.raises(MarginInputError, match=rf"^line {line}:"):
        parse_csv_text(text)
    with pytest.raises(MarginInputError, match=rf"^line {line}:"):
        load_csv(io.StringIO(text))


def test_csv_messages_read_well():
    with pytest.raises(MarginInputError, match="repeats the one on line 3"):
        parse_csv_text(edit(4, "2021-05-10T01:00:00,57800"))
    with pytest.raises(MarginInputError, match="is earlier than the one on line 4"):
        parse_csv_text(edit(5, "2021-05-10T00:30:00,57700"))
    with pytest.raises(MarginInputError, match="NaN"):
        parse_csv_text(edit(4, "2021-05-10T02:00:00,nan"))
    with pytest.raises(MarginInputError, match="'price'"):
        parse_csv_text(edit(1, "timestamp,volume"))


def test_csv_limits(monkeypatch, tmp_path):
    monkeypatch.setattr(paths.io, "_MAX_CSV_ROWS", 3)
    with pytest.raises(MarginInputError, match=r"^line 5: more than 3 rows"):
        parse_csv_text(GOOD)
    monkeypatch.setattr(paths.io, "_MAX_CSV_BYTES", 60)
    f = tmp_path / "big.csv"
    f.write_text(GOOD)
    for source in (GOOD, GOOD.encode(), f, io.StringIO(GOOD)):
        with pytest.raises(MarginInputError, match="MB"):
            load_csv(source)


def test_csv_not_utf8_and_bad_sources(tmp_path):
    with pytest.raises(MarginInputError, match="^line 3: .*UTF-8"):
        parse_csv_text(b"timestamp,price\n1,100\n2,\xff\xfe\n")
    with pytest.raises(MarginInputError, match="cannot read the file"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(MarginInputError):
        load_csv(12345)
    with pytest.raises(MarginInputError):
        parse_csv_text(None)


# --------------------------------------------------------------------------- pandas

HOURS = pd.date_range("2021-05-10", periods=5, freq="h")


def test_pandas_series_and_frames_are_accepted():
    s = pd.Series([100.0, 101.0, 99.0, 98.0, 97.0], index=HOURS)
    ts, p = from_pandas(s)
    assert ts.dtype == np.dtype("datetime64[s]") and ts[0] == np.datetime64("2021-05-10")
    assert p.tolist() == s.tolist() and p.dtype == np.float64
    ts2, p2 = from_pandas(s.to_frame("close"))
    assert np.array_equal(ts2, ts) and np.array_equal(p2, p)
    frame = pd.DataFrame({"Timestamp": [str(t) for t in HOURS], "Mark": s.to_numpy(), "x": 0})
    ts3, p3 = from_pandas(frame)
    assert np.array_equal(ts3, ts) and np.array_equal(p3, p)
    ts4, _ = from_pandas(s.tz_localize("Europe/Paris"))
    assert ts4[0] == np.datetime64("2021-05-09T22:00:00")
    ts5, _ = from_pandas(pd.Series([1.0, 2.0, 3.0], index=[0.0, 60.0, 120.0]))
    assert ts5.dtype == np.float64 and ts5.tolist() == [0.0, 60.0, 120.0]
    _, p6 = from_pandas(pd.DataFrame({"btc": [1, 2]}), price_column="BTC")
    assert p6.tolist() == [1.0, 2.0]
    _, p7 = from_pandas(pd.Series([1.0, 2.0], index=HOURS[:2], dtype="Float64"))
    assert p7.dtype == np.float64


@pytest.mark.parametrize("obj,needle", [
    (pd.Series([100.0, 101.0, np.nan, 98.0, 97.0], index=HOURS), "row position 2.*missing"),
    (pd.Series([100.0, 101.0, 99.0, -98.0, 97.0], index=HOURS), "row position 3.*positive"),
    (pd.Series([100.0, 0.0, 99.0, 98.0, 97.0], index=HOURS), "row position 1"),
    (pd.Series([100.0, 101.0, 99.0, 98.0, np.inf], index=HOURS), "row position 4.*finite"),
    (pd.Series([100.0, 101.0, 99.0, 98.0, 97.0], index=HOURS[[0, 1, 1, 3, 4]]),
     "row position 2.*repeats"),
    (pd.Series([100.0, 101.0, 99.0, 98.0, 97.0], index=HOURS[[0, 1, 2, 4, 3]]),
     "row position 4.*earlier"),
    (pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2021-05-10", None, "2021-05-12"])),
     "row position 1.*NaT"),
    (pd.Series([1.0, 2.0, 3.0], index=["2021-05-10", "soon", "2021-05-12"]),
     "row position 1.*timestamp"),
    (pd.Series(["1", "x", "3"], index=[1, 2, 3]), "row position 1.*not a number"),
    # the first problem wins: a repeat at 1 comes before a NaN at 3
    (pd.Series([1.0, 2.0, 3.0, np.nan], index=[1, 1, 2, 3]), "row position 1"),
    (pd.Series([1.0], index=HOURS[:1]), "at least 2"),
    (pd.DataFrame({"volume": [1, 2]}), "price"),
    ([1.0, 2.0], "Series or DataFrame"),
])
def test_pandas_bad_inputs_are_rejected(obj, needle):
    with pytest.raises(MarginInputError, match=needle):
        from_pandas(obj)


# --------------------------------------------------------------------------- example datasets


def max_drawdown(p):
    return float(np.max(1 - p / np.maximum.accumulate(p)))


def test_btc_example_is_deterministic_and_crashes():
    ts, p = example_dataset("btc_crash_2021")
    ts2, p2 = example_dataset()
    assert np.array_equal(p, p2) and np.array_equal(ts, ts2)
    assert is_good_path(p, (2000,)) and ts.shape == (2000,)
    assert ts.dtype == np.dtype("datetime64[s]") and ts[0] == np.datetime64("2021-05-10T00:00")
    assert (np.diff(ts) == np.timedelta64(1, "h")).all()
    assert p[0] == 58_000.0
    assert max_drawdown(p) >= 0.25
    assert p[1100] / p[1099] < 0.75  # the crash step
    assert p[1300] > p[1100:1200].min()  # and a partial rebound
    p[:] = 1.0  # callers get their own copy
    assert example_dataset()[1][0] == 58_000.0


def test_all_examples_load_and_unknown_names_fail():
    assert set(EXAMPLE_DATASETS) == {"btc_crash_2021", "eth_chop"}
    for name in EXAMPLE_DATASETS:
        ts, p = example_dataset(name)
        assert is_good_path(p, (2000,)) and ts.shape == (2000,)
        assert np.array_equal(p, example_dataset(name)[1])
    _, eth = example_dataset("eth_chop")
    assert eth[-1] == pytest.approx(eth[0], rel=1e-12)
    with pytest.raises(MarginInputError, match="btc_crash_2021"):
        example_dataset("doge_moon")
    with pytest.raises(KeyError):
        example_dataset("doge_moon")


def test_load_csv_reads_a_bounded_amount_from_endless_files(monkeypatch):
    # /dev/zero reports a size of 0 and never ends: at most the limit + 1 byte is read
    monkeypatch.setattr(paths.io, "_MAX_CSV_BYTES", 1_000_000)
    t0 = time.perf_counter()
    with pytest.raises(MarginInputError, match="more than 0.953674 MB"):
        load_csv("/dev/zero")
    assert time.perf_counter() - t0 < 30  # unbounded, it would never return

    class Endless(io.RawIOBase):
        """A reader that ignores the size it is asked for."""

        def read(self, size=-1):
            return b"t,p\n" + b"1" * 2_000_000

    with pytest.raises(MarginInputError, match="MB"):
        load_csv(Endless())


def test_csv_row_bound_can_be_lowered_by_the_caller():
    text = "timestamp,price\n" + "".join(f"{i},{100 + i}\n" for i in range(1, 21))
    with pytest.raises(MarginInputError, match=r"^line 12: more than 10 rows"):
        parse_csv_text(text, max_rows=10)
    with pytest.raises(MarginInputError, match="more than 10 rows"):
        load_csv(io.StringIO(text), max_rows=10)
    assert parse_csv_text(text, max_rows=20)[1].size == 20
    # the ceiling stays the module's limit, and a nonsense bound is refused
    assert paths._row_limit(10**12) == paths._MAX_CSV_ROWS
    with pytest.raises(MarginInputError, match="max_rows"):
        parse_csv_text(text, max_rows=1)
