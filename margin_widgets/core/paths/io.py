"""Real data in: CSV text, files and pandas objects, checked row by row.

:func:`parse_csv_text` / :func:`load_csv` read ``timestamp,price`` CSV and :func:`from_pandas`
a Series or DataFrame; both reject bad rows with the line (or row) at fault.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import MarginInputError
from .checks import FloatArray, _first

__all__ = ["parse_csv_text", "load_csv", "from_pandas"]

# Ceilings that turn a frozen reader into a clear message. Read at call time (tests patch them).
_MAX_CSV_BYTES = 50 * 1024 * 1024
_MAX_CSV_ROWS = 5_000_000

_TIME_NAMES = ("timestamp", "time", "datetime", "date")
_PRICE_NAMES = ("mark", "price", "close")  # order of preference when several are present
_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)


# ---------------------------------------------------------------------------------------------
# loading data


def _parse_iso(text: str) -> int:
    """Parse an ISO-8601 timestamp to whole seconds since 1970 (UTC if it has an offset)."""
    dt = datetime.fromisoformat(text.strip())
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return (dt - _EPOCH) // _SECOND


def _pick_column(names: Sequence[str], wanted: str | None,
                 candidates: tuple[str, ...]) -> int | None:
    """Index of the column for ``kind`` (case-insensitive), or None if absent."""
    lowered = [str(n).strip().lower() for n in names]
    if wanted is not None:
        w = wanted.strip().lower()
        return lowered.index(w) if w in lowered else None
    for c in candidates:
        if c in lowered:
            return lowered.index(c)
    return None


def _columns_message(names: Sequence[str], what: str, wanted: str | None,
                     candidates: tuple[str, ...]) -> str:
    found = ", ".join(repr(str(n).strip()) for n in names) or "nothing"
    if wanted is not None:
        return f"no {what} column named {wanted!r} (found: {found})"
    options = ", ".join(repr(c) for c in candidates)
    return f"no {what} column; name it one of {options} (found: {found})"


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_csv_text(
    text_or_bytes: str | bytes | bytearray | memoryview,
    *,
    price_column: str | None = None,
    max_rows: int | None = None,
) -> tuple[npt.NDArray[Any], FloatArray]:
    r"""Read CSV text (or the raw bytes of an upload) into timestamps and prices.

    Parameters
    ----------
    text_or_bytes : str or bytes
        The whole CSV: a header line, then one row per price. Bytes are decoded as UTF-8
        (a byte-order mark is fine).
    price_column : str or None
        Name of the price column; by default the first of ``mark``, ``price``, ``close`` that
        is present. The timestamp column is ``timestamp`` (or ``time``, ``datetime``,
        ``date``). Names are case-insensitive; other columns are ignored.
    max_rows : int or None
        Most price rows accepted (default and ceiling 5,000,000); a caller that can use
        fewer (a scenario holds at most 1,000,000 steps) refuses a longer file early.

    Returns
    -------
    timestamps : numpy.ndarray
        ``datetime64[s]`` if the timestamps are ISO-8601 (offsets are converted to UTC, fractions
        of a second dropped), or float64 if they are plain numbers (kept as they are).
    prices : numpy.ndarray
        float64, shape ``(T,)``, every price finite and positive.

    Raises
    ------
    MarginInputError
        With the 1-based line number (the header is line 1) of the first offending line: a
        missing, non-numeric, NaN, infinite, zero or negative price; an unreadable timestamp;
        a timestamp not strictly after the previous one; a missing column; fewer than 2 rows;
        more than 5,000,000 rows. Also for text over 50 MB.

    Notes
    -----
    Blank lines are skipped but still counted. Timestamps are all ISO-8601 or all numbers,
    decided by the first row; they must satisfy ``t[i] < t[i+1]``.

    A clean file is read by pandas (several times faster; ``benchmarks/bench_csv.py``); any
    file pandas cannot read with certainty goes to the line-by-line reader, which defines the
    rules above and names the first offending line. Both give the same arrays.

    Examples
    --------
    >>> ts, p = parse_csv_text("timestamp,price\n2021-05-10T00:00:00,58000\n"
    ...                        "2021-05-10T01:00:00,57500.5\n")
    >>> str(ts.dtype), p.tolist()
    ('datetime64[s]', [58000.0, 57500.5])
    >>> parse_csv_text("time,close\n1,100\n2,-5\n")
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: line 3: the price must be positive, got -5
    """
    limit = _MAX_CSV_BYTES
    if isinstance(text_or_bytes, bytes | bytearray | memoryview):
        data = bytes(text_or_bytes)
        if len(data) > limit:
            raise MarginInputError(_too_big(len(data)))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise MarginInputError(
                f"line {line}: the file is not UTF-8 text (save it as CSV UTF-8)"
            ) from None
    elif isinstance(text_or_bytes, str):
        text = text_or_bytes
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
        if size > limit:
            raise MarginInputError(_too_big(size))
        text = text.removeprefix("\ufeff")
    else:
        raise MarginInputError(
            f"expected the CSV as text or bytes, got {type(text_or_bytes).__name__}"
        )
    limit = _row_limit(max_rows)
    fast = _fast_rows(text, price_column, limit)
    return fast if fast is not None else _parse_rows(text, price_column, limit)


def _row_limit(max_rows: int | None) -> int:
    if max_rows is None:
        return _MAX_CSV_ROWS
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 2:
        raise MarginInputError(f"max_rows must be a whole number of at least 2, got {max_rows!r}")
    return min(max_rows, _MAX_CSV_ROWS)


def _too_big(size: int) -> str:
    return (f"the CSV is {size / 1024**2:.1f} MB; the limit is {_MAX_CSV_BYTES / 1024**2:g} MB "
            "(resample it to fewer rows first)")


# ISO layouts the fast reader hands to pandas: digits plus these separators only (no week
# dates, no ordinal dates, no spaces around the text).
_ISO_SEPARATORS = frozenset("-T:.Z+ ")
_ISO_SPOT_CHECKS = 256


def _fast_rows(text: str, price_column: str | None,
               max_rows: int) -> tuple[npt.NDArray[Any], FloatArray] | None:
    """The same result as :func:`_parse_rows`, read by pandas, or ``None``.

    The rules are :func:`_parse_rows`'s, the line-by-line reader that names the offending
    line. This reader only *accepts* a file that obviously follows them, with vectorised
    checks: every price a finite positive float64; the timestamps all numbers (float64), or
    all ISO-8601 strings of one layout (same length, same separators at the same places, digits
    elsewhere) parsed by pandas and spot-checked against the line reader's own parser; strictly
    increasing; 2 to ``max_rows`` rows. For anything else (a bad line, a header to complain
    about, an odd layout, no pandas) it returns ``None`` and the line reader runs: it rejects
    the file naming the line, or accepts it with the very same numbers.
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a runtime dependency
        return None
    buf = io.StringIO(text, newline="")
    reader = csv.reader(buf)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            return None
        t_col = _pick_column(header, None, _TIME_NAMES)
        p_col = _pick_column(header, price_column, _PRICE_NAMES)
    except csv.Error:
        return None
    if t_col is None or p_col is None or t_col == p_col:
        return None
    body = text[buf.tell():]
    try:  # the first row decides, as in the line reader: numeric or ISO timestamps
        first = next((row for row in reader if any(cell.strip() for cell in row)), None)
    except csv.Error:
        return None
    if first is None or t_col >= len(first):
        return None
    numeric = _looks_numeric(first[t_col].strip())
    try:
        frame = pd.read_csv(io.StringIO(body), header=None, usecols=[t_col, p_col],
                            skip_blank_lines=True, engine="c",
                            dtype=None if numeric else {t_col: object})
    except Exception:  # a ragged or unreadable line: the line reader names it
        return None
    n = len(frame)
    if not 2 <= n <= max_rows:
        return None
    price, stamp = frame[p_col], frame[t_col]
    if price.dtype.kind not in "fiu":
        return None
    p = np.ascontiguousarray(price.to_numpy(dtype=np.float64))
    if not (np.isfinite(p).all() and (p > 0.0).all()):
        return None
    if numeric:
        if stamp.dtype.kind not in "fiu":
            return None
        t = np.ascontiguousarray(stamp.to_numpy(dtype=np.float64))
        if not (np.isfinite(t).all() and (np.diff(t) > 0).all()):
            return None
        return t, p
    secs = _fast_iso_seconds(pd, stamp)
    if secs is None or not (np.diff(secs) > 0).all():
        return None
    return secs.astype("datetime64[s]"), p


def _fast_iso_seconds(pd: Any, stamp: Any) -> npt.NDArray[np.int64] | None:
    """Seconds since 1970 of a column of ISO strings of one layout, or ``None``."""
    if stamp.dtype.kind != "O" or stamp.isna().any():
        return None
    values = stamp.to_numpy(dtype=object)
    first = values[0]
    if not isinstance(first, str) or not 10 <= len(first) <= 40 or not first[0].isdigit() \
            or not set(first) <= _ISO_SEPARATORS | set("0123456789"):
        return None
    try:
        codes = values.astype(f"U{len(first)}")
    except (TypeError, ValueError):
        return None
    if (np.char.str_len(codes) != len(first)).any():
        return None
    grid = codes.view(np.uint32).reshape(len(codes), len(first))
    template = grid[0]
    digit = (template >= 48) & (template <= 57)
    if not ((grid[:, ~digit] == template[~digit]).all()
            and ((grid[:, digit] >= 48) & (grid[:, digit] <= 57)).all()):
        return None
    try:
        parsed = pd.to_datetime(stamp, format="ISO8601", utc=True)
        naive = parsed.dt.tz_localize(None).to_numpy()
    except (ValueError, TypeError, OverflowError):
        return None
    unit = np.datetime_data(naive.dtype)[0]
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}.get(unit)
    if per_second is None:
        return None
    secs = naive.view(np.int64) // per_second
    n = len(secs)
    spots = {0, n - 1, *np.random.default_rng(n).integers(0, n, _ISO_SPOT_CHECKS).tolist()}
    try:
        if any(_parse_iso(values[i]) != int(secs[i]) for i in spots):
            return None
    except (ValueError, OverflowError):
        return None
    return np.ascontiguousarray(secs, dtype=np.int64)


def _parse_rows(text: str, price_column: str | None,
                max_rows: int = _MAX_CSV_ROWS) -> tuple[npt.NDArray[Any], FloatArray]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    t_col = p_col = 0
    numeric: bool | None = None
    stamps: list[Any] = []
    prices: list[float] = []
    prev_line = 0
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                t_found = _pick_column(row, None, _TIME_NAMES)
                p_found = _pick_column(row, price_column, _PRICE_NAMES)
                if t_found is None or p_found is None:
                    if (t_found is None and p_found is None and len(row) >= 2
                            and _looks_numeric(row[1])):
                        raise MarginInputError(
                            f"line {line}: this looks like data, not a header; the first line "
                            "must name the columns, e.g. 'timestamp,price'"
                        )
                    what, wanted, cands = (("timestamp", None, _TIME_NAMES) if t_found is None
                                           else ("price", price_column, _PRICE_NAMES))
                    raise MarginInputError(
                        f"line {line}: {_columns_message(row, what, wanted, cands)}"
                    )
                if t_found == p_found:
                    raise MarginInputError(
                        f"line {line}: the timestamp and price must be different columns"
                    )
                t_col, p_col = t_found, p_found
                continue
            if len(prices) >= max_rows:
                raise MarginInputError(
                    f"line {line}: more than {max_rows:,} rows; resample the data first"
                )
            # price
            cell = row[p_col].strip() if p_col < len(row) else ""
            if not cell:
                raise MarginInputError(f"line {line}: the price is missing")
            try:
                price = float(cell)
            except ValueError:
                raise MarginInputError(
                    f"line {line}: the price {cell!r} is not a number "
                    "(write it like 58000.5, without thousands separators or currency signs)"
                ) from None
            if math.isnan(price):
                raise MarginInputError(f"line {line}: the price is NaN (not a number)")
            if math.isinf(price):
                raise MarginInputError(f"line {line}: the price must be finite, got {cell!r}")
            if price <= 0.0:
                raise MarginInputError(f"line {line}: the price must be positive, got {cell}")
            # timestamp
            raw = row[t_col].strip() if t_col < len(row) else ""
            if not raw:
                raise MarginInputError(f"line {line}: the timestamp is missing")
            if numeric is None:
                numeric = _looks_numeric(raw)
            stamp: float | int
            try:
                stamp = float(raw) if numeric else _parse_iso(raw)
            except (ValueError, OverflowError):
                kind = ("a number like the timestamps above" if numeric else
                        "an ISO-8601 time like 2021-05-10T00:00:00 (or a plain number)")
                raise MarginInputError(
                    f"line {line}: cannot read the timestamp {raw!r}; expected {kind}"
                ) from None
            if numeric and not math.isfinite(stamp):
                raise MarginInputError(f"line {line}: the timestamp must be finite, got {raw!r}")
            if stamps and stamp <= stamps[-1]:
                how = "repeats" if stamp == stamps[-1] else "is earlier than"
                note = "" if numeric else " (timestamps are kept to the second)"
                raise MarginInputError(
                    f"line {line}: the timestamp {raw!r} {how} the one on line {prev_line}; "
                    f"timestamps must strictly increase{note}"
                )
            stamps.append(stamp)
            prices.append(price)
            prev_line = line
    except csv.Error as exc:
        raise MarginInputError(f"line {reader.line_num}: cannot read this CSV line ({exc})") \
            from None
    if header is None:
        raise MarginInputError("line 1: the file is empty; expected a header like "
                               "'timestamp,price' and at least 2 rows")
    if len(prices) < 2:
        where = prev_line if prices else line
        raise MarginInputError(
            f"line {where}: only {len(prices)} price row(s); a path needs at least 2"
        )
    p = np.asarray(prices, dtype=np.float64)
    if numeric:
        return np.asarray(stamps, dtype=np.float64), p
    return np.asarray(stamps, dtype=np.int64).astype("datetime64[s]"), p


def load_csv(
    path_or_file: str | os.PathLike[str] | bytes | io.IOBase | Any,
    *,
    price_column: str | None = None,
    max_rows: int | None = None,
) -> tuple[npt.NDArray[Any], FloatArray]:
    r"""Load a ``timestamp,price`` CSV file into timestamps and prices.

    Parameters
    ----------
    path_or_file : str, path-like, bytes or file object
        A file path; an open file (text or binary, e.g. ``io.StringIO``); or the raw bytes of
        an upload. A ``str`` that contains a line break is read as CSV text, not as a path.
    price_column : str or None
        Name of the price column; by default ``mark``, ``price`` or ``close``.
    max_rows : int or None
        Most price rows accepted (default and ceiling 5,000,000).

    Returns
    -------
    timestamps : numpy.ndarray
        ``datetime64[s]`` (ISO-8601 timestamps) or float64 (numeric timestamps).
    prices : numpy.ndarray
        float64 prices, finite and positive.

    Raises
    ------
    MarginInputError
        If the file cannot be read or holds over 50 MB (at most 50 MB and one byte are
        read, so a device such as ``/dev/zero`` is refused too), or for any bad line, as in
        :func:`parse_csv_text` (which does the parsing and names the 1-based line).

    Notes
    -----
    The header is line 1, so the first price is on line 2. Checks per row: ``0 < price < inf``
    and ``t[i-1] < t[i]``; then ``2 <= rows <= 5,000,000``.

    Examples
    --------
    >>> ts, p = load_csv(io.StringIO("timestamp,mark\n0,100\n3600,101\n"))
    >>> ts.tolist(), p.tolist()
    ([0.0, 3600.0], [100.0, 101.0])
    """
    limit = _MAX_CSV_BYTES
    data: str | bytes
    if isinstance(path_or_file, bytes | bytearray | memoryview):
        data = bytes(path_or_file)
    elif isinstance(path_or_file, str) and ("\n" in path_or_file or "\r" in path_or_file):
        data = path_or_file
    elif isinstance(path_or_file, str | os.PathLike):
        path = Path(path_or_file)
        try:
            size = path.stat().st_size
            if size > limit:
                raise MarginInputError(_too_big(size))
            # read at most one byte past the limit: a device or pipe (/dev/zero) reports a
            # size of 0 and never ends
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
            if len(data) > limit:
                raise MarginInputError(
                    f"the file {str(path)[:200]!r} holds more than "
                    f"{limit / 1024**2:g} MB; the limit is {limit / 1024**2:g} MB "
                    "(resample it to fewer rows first)")
        except OSError as exc:
            raise MarginInputError(
                f"cannot read the file {str(path)!r}: {exc.strerror or exc}"
            ) from None
    elif hasattr(path_or_file, "read"):
        data = path_or_file.read(limit + 1)
        if not isinstance(data, str | bytes):
            raise MarginInputError("the file object did not return text or bytes")
        if len(data) > limit:  # also for a reader that ignores the size it is given
            raise MarginInputError(
                f"the file holds more than {limit / 1024**2:g} MB; the limit is "
                f"{limit / 1024**2:g} MB (resample it to fewer rows first)")
    else:
        raise MarginInputError(
            f"load_csv needs a file path, an open file or bytes, got {type(path_or_file).__name__}"
        )
    return parse_csv_text(data, price_column=price_column, max_rows=max_rows)


def _pandas_stamp(value: Any) -> int:
    """Seconds since 1970 from one timestamp-like value of an object index."""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError("NaT")
        return int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return (value - _EPOCH) // _SECOND
    return _parse_iso(str(value))


def from_pandas(
    obj: Any, *, price_column: str | None = None
) -> tuple[npt.NDArray[Any], FloatArray]:
    """Take timestamps and prices from a pandas Series or DataFrame.

    Parameters
    ----------
    obj : pandas.Series or pandas.DataFrame
        A Series of prices indexed by time, or a DataFrame with a price column (``mark``,
        ``price`` or ``close``, or ``price_column``). A DataFrame's timestamps come from a
        ``timestamp`` / ``time`` / ``datetime`` / ``date`` column if it has one, else its index.
    price_column : str or None
        Name of the DataFrame's price column (case-insensitive).

    Returns
    -------
    timestamps : numpy.ndarray
        ``datetime64[s]`` for datetimes (time zones converted to UTC) or ISO strings; float64
        for a numeric index.
    prices : numpy.ndarray
        float64 prices.

    Raises
    ------
    MarginInputError
        For a missing, non-numeric, NaN, infinite, zero or negative price, a missing or
        unreadable timestamp, timestamps not strictly increasing, fewer than 2 rows, or a
        missing price column; the message names the 0-based row position of the first bad row.

    Notes
    -----
    Same rules as :func:`parse_csv_text`: ``0 < price < inf`` and ``t[i-1] < t[i]``.
    pandas is imported only when this function runs.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([100.0, 101.0], index=pd.to_datetime(["2021-05-10", "2021-05-11"]))
    >>> ts, p = from_pandas(s)
    >>> str(ts.dtype), p.tolist()
    ('datetime64[s]', [100.0, 101.0])
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is an optional extra
        raise MarginInputError("from_pandas needs pandas: pip install 'margin_widgets[pandas]'") \
            from None
    if isinstance(obj, pd.Series):
        values = obj
        times = pd.Index(obj.index)
    elif isinstance(obj, pd.DataFrame):
        names = [str(c) for c in obj.columns]
        pcol = _pick_column(names, price_column, _PRICE_NAMES)
        if pcol is None:
            raise MarginInputError(_columns_message(names, "price", price_column, _PRICE_NAMES))
        values = obj.iloc[:, pcol]
        tcol = _pick_column(names, None, _TIME_NAMES)
        times = pd.Index(obj.iloc[:, tcol]) if tcol is not None else pd.Index(obj.index)
    else:
        raise MarginInputError(
            f"from_pandas needs a pandas Series or DataFrame, got {type(obj).__name__}"
        )
    n = len(values)
    if n < 2:
        raise MarginInputError(f"only {n} price row(s); a path needs at least 2")

    labels = obj.index

    def at(i: int) -> str:
        return f"row position {i} (index {labels[i]})"

    problems: list[tuple[int, str]] = []
    numeric_prices = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    p = numeric_prices.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = _first(~(np.isfinite(p) & (p > 0.0)))
    if bad is not None:
        raw = values.iloc[bad]
        if p[bad] != p[bad]:
            problems.append((bad, "the price is missing (NaN)" if pd.isna(raw) else
                             f"the price {str(raw)!r} is not a number"))
        elif math.isinf(p[bad]):
            problems.append((bad, f"the price must be finite, got {p[bad]:g}"))
        else:
            problems.append((bad, f"the price must be positive, got {p[bad]:g}"))

    stamps: npt.NDArray[Any]
    if pd.api.types.is_datetime64_any_dtype(times.dtype):
        if getattr(times, "tz", None) is not None:
            times = times.tz_convert("UTC").tz_localize(None)
        stamps = np.asarray(times.to_numpy()).astype("datetime64[s]")
        missing = _first(np.isnat(stamps))
        if missing is not None:
            problems.append((missing, "the timestamp is missing (NaT)"))
        numeric = False
    elif pd.api.types.is_numeric_dtype(times.dtype) and not pd.api.types.is_bool_dtype(
        times.dtype
    ):
        stamps = times.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = _first(~np.isfinite(stamps))
        if missing is not None:
            problems.append((missing, "the timestamp is missing or not finite"))
        numeric = True
    else:
        seconds = np.zeros(n, dtype=np.int64)
        missing = None
        for i, value in enumerate(times):
            try:
                seconds[i] = _pandas_stamp(value)
            except (ValueError, TypeError, OverflowError):
                missing = i
                problems.append((i, f"cannot read the timestamp {value!r}; expected an "
                                    "ISO-8601 time like 2021-05-10T00:00:00"))
                break
        stamps = seconds.astype("datetime64[s]")
        numeric = False
    upto = n if missing is None else missing
    order = stamps[:upto].astype(np.float64) if numeric else stamps[:upto].astype(np.int64)
    step_back = _first(np.diff(order) <= 0)
    if step_back is not None:
        i = step_back + 1
        how = "repeats" if order[i] == order[i - 1] else "is earlier than"
        problems.append((i, f"the timestamp {how} the previous one; timestamps must "
                            "strictly increase"))
    if problems:
        i, message = min(problems)
        raise MarginInputError(f"{at(i)}: {message}")
    return np.ascontiguousarray(stamps), np.ascontiguousarray(p)
