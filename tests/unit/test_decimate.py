import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core.decimate import decimate, decimate_indices


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 5000), st.integers(4, 400), st.integers(0, 2**31),
       st.lists(st.integers(0, 4999), max_size=5))
def test_keeps_events_extremes_and_ends(T, n_out, seed, events):
    rng = np.random.default_rng(seed)
    ys = np.cumsum(rng.normal(size=(2, T)), axis=1)
    idx = decimate_indices(ys, n_out, keep=events)
    assert idx[0] == 0 and idx[-1] == T - 1
    assert np.all(np.diff(idx) > 0)
    for e in events:
        if e < T:
            assert e in idx
    for y in ys:
        assert np.argmin(y) in idx and np.argmax(y) in idx
    if T > n_out:
        assert len(idx) <= 2 * 2 * (n_out // 2) + 2 + len(events) + 2


def test_bounded_size_for_a_million_steps():
    y = np.sin(np.linspace(0, 100, 1_000_000))
    x, ys = decimate(np.arange(1_000_000), [y], n_out=1600)
    assert len(x) <= 1_602 + 2 and ys.shape == (1, len(x))


def test_nan_tolerant():
    y = np.array([1.0, np.nan, np.nan, 4.0, 0.5, np.nan, 7.0, 2.0])
    idx = decimate_indices(y, n_out=4)
    assert 4 in idx and 6 in idx
