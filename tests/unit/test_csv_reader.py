"""The pandas CSV reader accepts only what the line-by-line reader accepts, with the same numbers.

The line reader (``paths.io._parse_rows``) is the definition of the rules and names the offending
line; the pandas reader (``paths.io._fast_rows``) may only speed up a file that follows them.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin_widgets.core import MarginInputError
from margin_widgets.core.paths import io as path_io
from margin_widgets.core.paths import load_csv, parse_csv_text

LIMIT = path_io._MAX_CSV_ROWS


def line_reader(text):
    return path_io._parse_rows(text, None, LIMIT)


def agree(text):
    """Both readers reject, or the fast one declines, or both give identical arrays."""
    try:
        want = line_reader(text)
    except MarginInputError:
        want = None
    got = path_io._fast_rows(text, None, LIMIT)
    if got is None:
        return
    assert want is not None, f"pandas accepted a file the line reader rejects:\n{text[:300]}"
    assert got[0].dtype == want[0].dtype
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


CELLS = st.sampled_from([
    "100", "100.5", "1e3", "-5", "0", "nan", "inf", "", " 7 ", "1,5", "abc", "1_000", '"42"',
    "2021-05-10T00:00:00", "2021-05-10T01:00:00Z", "2021-05-10 02:00", "2021-05-10",
    "2021-05-10T03:00:00+02:00", "2021-05-10T00:00:00.5", "2021-02-30T00:00:00", "24:00",
    "2021-W19-1", "20210510T040000", "3600", "7200.5", "True",
])


@given(st.lists(st.tuples(CELLS, CELLS), min_size=0, max_size=8),
       st.sampled_from(["timestamp,price", "time,close", "price,timestamp", "date,mark,x"]),
       st.booleans())
@settings(max_examples=400, deadline=None)
def test_fast_reader_never_disagrees(rows, header, blank):
    lines = [header] + [f"{a},{b}" for a, b in rows]
    if blank and len(lines) > 2:
        lines.insert(2, "")
    agree("\n".join(lines) + "\n")


@given(st.lists(st.floats(1e-6, 1e9), min_size=2, max_size=50),
       st.integers(0, 2_000_000_000), st.sampled_from(["iso", "isoz", "offset", "num"]))
@settings(max_examples=150, deadline=None)
def test_clean_files_take_the_fast_path_with_identical_numbers(prices, start, kind):
    t0 = np.datetime64(start, "s")
    rows = []
    for i, p in enumerate(prices):
        t = t0 + np.timedelta64(61 * i, "s")
        stamp = {"iso": str(t), "isoz": f"{t}Z", "offset": f"{t}+01:30",
                 "num": str(start + 61 * i)}[kind]
        rows.append(f"{stamp},{p!r}")
    text = "timestamp,price\n" + "\n".join(rows) + "\n"
    fast = path_io._fast_rows(text, None, LIMIT)
    assert fast is not None
    want = line_reader(text)
    assert np.array_equal(fast[0], want[0]) and np.array_equal(fast[1], want[1])


def test_parse_csv_text_uses_the_fast_reader_for_a_clean_file(monkeypatch):
    text = "timestamp,price\n" + "".join(f"2021-05-10T{h:02d}:00:00,{100 + h}\n"
                                         for h in range(24))

    def refuse(*args, **kwargs):
        raise AssertionError("the line reader ran on a clean file")

    monkeypatch.setattr(path_io, "_parse_rows", refuse)
    ts, p = parse_csv_text(text)
    assert p.tolist() == [100.0 + h for h in range(24)]
    assert str(ts[-1]) == "2021-05-10T23:00:00"


@pytest.mark.parametrize("bad_line,message", [
    ("2021-05-10T05:00:00,-1", "line 7: the price must be positive"),
    ("2021-05-10T05:00:00,", "line 7: the price is missing"),
    ("2021-05-10T03:00:00,100", "line 7: the timestamp '2021-05-10T03:00:00' is earlier"),
    ("yesterday,100", "line 7: cannot read the timestamp 'yesterday'"),
])
def test_a_bad_line_deep_in_a_file_is_still_named(bad_line, message):
    good = [f"2021-05-10T0{h}:00:00,{100 + h}" for h in range(5)]
    text = "timestamp,price\n" + "\n".join(good) + "\n" + bad_line + "\n" \
        + "2021-05-10T09:00:00,110\n"
    with pytest.raises(MarginInputError, match=f"^{message}"):
        load_csv(text)
