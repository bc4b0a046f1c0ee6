"""Safe, deterministic CSV and XLSX files: every table the package writes goes through here.

Three promises, for every file:

* **No formula injection.**  A text cell beginning with ``=``, ``+``, ``-``, ``@``,
  tab or carriage return is what Excel, LibreOffice and Google Sheets read as a
  formula (OWASP "CSV Injection").  :func:`neutralise` prefixes such a cell with a
  single quote ``'`` (the OWASP recommendation), which spreadsheets show as text.
  Open-ended answers are written by respondents, so this matters: ``=HYPERLINK(...)``
  in an account must not become a live link in the analyst's workbook.
  Numbers are not touched: a numeric column's ``-3`` is a number, not text; and a
  text cell that is *entirely* a plain decimal number (``"-2"``, ``"+1.5"``,
  ``"1e-3"``) is left alone as well, because a spreadsheet parses it as a number and
  evaluates nothing.  ``"-2+3"`` is a formula and is neutralised.
* **Identical input, identical bytes.**  CSV floats are written with ``%.10g``
  (ten significant digits: far finer than any survey estimate, coarse enough that
  last-bit differences between numpy versions or summation orders do not show),
  ``-0.0`` as ``0``, missing values as empty cells, booleans as ``true``/``false``,
  ``\\n`` line endings.  XLSX files get fixed document-property dates and fixed zip
  entry dates (openpyxl stamps the time of saving on both).
* **Whole files or none.**  A file is written to a temporary sibling and moved into
  place with :func:`os.replace`, so a reader never sees half a file and a failed
  write leaves the previous file as it was.

Speed: a million respondents are written in seconds, not minutes.  CSV cells are
formatted column by column with numpy and pyarrow (:func:`csv_bytes`), giving the
bytes ``DataFrame.to_csv`` gives, which remains the path for column types the
vectorised one does not handle.  Worksheets are streamed straight to XML
(:func:`xlsx_bytes`) with the cell values, types, fonts, panes and widths openpyxl
gave them; openpyxl still builds workbooks whose sheets need a worksheet object
(a ``format`` callback) or hold dates.

Encoding: CSV files are plain UTF-8 **without** a byte-order mark, like the raw
files in ``raw/``.  R, pandas, Python's ``csv`` and command-line tools read that
as is, while a BOM ends up glued to the first column name in readers that do not
expect it (``\\ufeffid``).  Excel's double-click import assumes the ANSI code page
and garbles Chinese in BOM-less UTF-8: analysts who work in Excel should use the
XLSX exports (or Data > From Text/CSV, which asks for the encoding); pass
``bom=True`` to :func:`write_csv` for a file meant only for Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from survey.errors import ExportError

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FLOAT_FORMAT = "%.10g"
#: Date written into XLSX document properties and zip entries instead of "now".
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
#: Excel's limits.
MAX_SHEET_NAME = 31
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SHEET_INVALID = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 forbids (openpyxl refuses them): C0 controls except tab, LF, CR.
# Python's csv writer quotes a field holding "\n" (our line ending) but not a lone "\r",
# which other readers take for a line break: CR and CRLF inside text become LF.
_CR = re.compile(r"\r\n?")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_ILLEGAL_CHARS = "".join(chr(c) for c in range(32) if _XML_ILLEGAL.match(chr(c)))
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")


# --------------------------------------------------------------------------- neutralising


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose formula-like text cells start with ``'``.

    Text cells (in object, string or categorical columns) that begin with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return get a leading single quote, unless the
    whole cell is a plain decimal number such as ``"-2"``.  Column labels are
    treated the same way.  Numeric, boolean and date columns are returned unchanged.
    Cells that already start with ``'`` are left alone, so neutralising twice
    changes nothing.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table; it is not modified.

    Returns
    -------
    pandas.DataFrame
        Same shape, index and dtypes (categorical categories are renamed).

    Examples
    --------
    >>> neutralise(pd.DataFrame({"a": ["=1+1", "ok", "-2"], "n": [-1, 0, 1]}))
           a  n
    0  '=1+1 -1
    1     ok  0
    2     -2  1
    """
    out = frame.copy()
    for column in out.columns:
        out[column] = _neutralise_column(out[column])
    out.columns = [_neutralise_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _neutralise_text(value: str) -> str:
    risky = value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value)
    return "'" + value if risky else value


def _risky(text: pd.Series) -> pd.Series:
    """Which cells of a series of ``str`` need the quote (vectorised).

    Only cells that begin with a trigger are matched against the plain-number
    pattern, which is what makes this cheap on long columns of free text.
    """
    hit = np.array(text.str[:1].isin(FORMULA_TRIGGERS), dtype=bool)
    if hit.any():
        hit[hit] = ~text[hit].str.fullmatch(_PLAIN_NUMBER.pattern).to_numpy(bool)
    return pd.Series(hit, index=text.index)


def _neutralise_column(col: pd.Series) -> pd.Series:
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        if not (pd.api.types.is_object_dtype(cats) or pd.api.types.is_string_dtype(cats)):
            return col
        renamed = [_neutralise_text(c) if isinstance(c, str) else c for c in cats]
        if len(set(renamed)) < len(renamed):  # "=x" and "'=x" both present: give up the categorical
            return _neutralise_column(col.astype(object))
        return col.cat.rename_categories(renamed)
    if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
        return col
    if col.dtype == object and not col.notna().any():  # nothing but missing values (cheap to see)
        return col
    is_str = (col.map(type, na_action="ignore").eq(str) if col.dtype == object else col.notna()).to_numpy(bool)
    if not is_str.any():
        return col
    text = col[is_str].astype(str)
    hit = _risky(text).to_numpy(bool)
    if not hit.any():
        return col
    values = col.to_numpy(dtype=object, copy=True)
    positions = np.flatnonzero(is_str)[hit]  # positional: the index may repeat labels
    values[positions] = ("'" + text[hit]).to_numpy(dtype=object)
    return pd.Series(values, index=col.index, name=col.name, dtype=col.dtype)


# --------------------------------------------------------------------------- CSV


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False, bom: bool = False) -> None:
    """Write ``frame`` as a neutralised, deterministic UTF-8 CSV file, atomically.

    Floats as ``%.10g``, missing values as empty cells, booleans as ``true`` /
    ``false``, ``\\n`` line endings, no byte-order mark unless ``bom=True``.
    Line breaks inside text cells are written as ``\\n`` (a lone ``\\r`` would not
    be quoted by Python's csv writer and would split the row for other readers).
    Fields are quoted as pandas' ``to_csv`` quotes them (``QUOTE_MINIMAL``).

    The cells are formatted column by column with numpy and pyarrow (see
    :func:`csv_bytes`); the bytes are those of ``DataFrame.to_csv`` on the
    neutralised table, which is still used for column types the fast path does
    not handle.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; not modified.
    path : str or Path
        Destination; its folder is created if missing.
    index : bool, default False
        Write the index as the first column(s) (named after the index).
    bom : bool, default False
        Start the file with a UTF-8 byte-order mark, for Excel's double-click import.

    Examples
    --------
    >>> write_csv(pd.DataFrame({"ok": [True, False], "x": [0.1, None]}), "t.csv")  # doctest: +SKIP
    >>> open("t.csv").read()  # doctest: +SKIP
    'ok,x\\ntrue,0.1\\nfalse,\\n'
    """
    table = frame.reset_index() if index else frame
    if table.columns.duplicated().any():
        dup = table.columns[table.columns.duplicated()].unique().tolist()
        raise ExportError(f"cannot write {Path(path).name}: duplicate column names {dup}")
    _write_atomic(Path(path), ([_BOM] if bom else []) + _csv_chunks(table))


_BOM = "\ufeff".encode()


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The UTF-8 CSV text :func:`write_csv` writes for ``table`` (no index, no BOM).

    Each column becomes either a pyarrow array of its fields or, when it holds
    few distinct fields (booleans, small integer codes, categoricals), codes into
    a short list of fields (see :func:`_csv_column`).  Neighbouring coded
    columns are merged into one coded column of ``"a,b"`` fields, and the rows
    are joined in one vectorised pass.  A table with a column of another type
    (intervals, periods, timedeltas, categoricals of non-text, Arrow-backed
    numbers, ...) or with MultiIndex columns goes through
    :func:`_csv_bytes_pandas` instead.

    Parameters
    ----------
    table : pandas.DataFrame
        Unique column labels; not modified.

    Returns
    -------
    bytes
        Identical to ``_csv_bytes_pandas(table)``.

    Examples
    --------
    >>> csv_bytes(pd.DataFrame({"a": [1, 2], "b": ["x,y", None]}))
    b'a,b\\n1,"x,y"\\n2,\\n'
    """
    return b"".join(_csv_chunks(table))


def _csv_chunks(table: pd.DataFrame) -> list[bytes | pa.Buffer]:
    """:func:`csv_bytes` as pieces to write one after the other (the header, then the rows)."""
    if len(table) == 0 or table.shape[1] == 0 or isinstance(table.columns, pd.MultiIndex):
        return [_csv_bytes_pandas(table)]
    columns = []
    for position in range(table.shape[1]):
        column = _csv_column(_neutralise_column(table.iloc[:, position]))
        if column is None:
            return [_csv_bytes_pandas(table)]
        columns.append(column)
    if len(columns) == 1:  # the csv module writes a row holding one empty field as ""
        field = _expanded(columns[0])
        columns = [pc.if_else(pc.equal(field, ""), '""', field).cast(pa.large_string())]
    columns[-1] = _with_suffix(columns[-1], "\n")
    rows = _join([_expanded(c) for c in _merged(columns)], ",")
    return [_csv_bytes_pandas(table.iloc[:0]), _buffer(rows)]


@dataclass(frozen=True)
class _Coded:
    """A column of few distinct CSV fields: row ``i`` holds ``labels[codes[i]]`` (already quoted)."""

    codes: np.ndarray
    labels: tuple[str, ...]


#: Largest number of fields of a coded column (also after merging neighbours).
_MAX_LABELS = 4096
#: Widest range of integers written through a coded column.
_MAX_RANGE = 1024


def _merged(columns: Sequence[pa.Array | _Coded]) -> list[pa.Array | _Coded]:
    """Neighbouring coded columns merged while their fields number at most :data:`_MAX_LABELS`."""
    out: list[pa.Array | _Coded] = []
    for column in columns:
        last = out[-1] if out else None
        if (isinstance(column, _Coded) and isinstance(last, _Coded)
                and len(last.labels) * len(column.labels) <= _MAX_LABELS):
            out[-1] = _Coded(last.codes * len(column.labels) + column.codes,
                             tuple(f"{a},{b}" for a in last.labels for b in column.labels))
        else:
            out.append(column)
    return out


def _with_suffix(column: pa.Array | _Coded, suffix: str) -> pa.Array | _Coded:
    """Every field of a column followed by ``suffix``."""
    if isinstance(column, _Coded):
        return _Coded(column.codes, tuple(label + suffix for label in column.labels))
    return _join([column, suffix])


def _expanded(column: pa.Array | _Coded) -> pa.Array:
    """The fields of a column, one per row."""
    if isinstance(column, _Coded):
        return pa.array(column.labels, type=pa.large_string()).take(pa.array(column.codes))
    return column


def _csv_bytes_pandas(table: pd.DataFrame) -> bytes:
    """:func:`csv_bytes` through ``DataFrame.to_csv`` (the reference, and the fallback)."""
    ready = _csv_ready(neutralise(table))
    return ready.to_csv(index=False, lineterminator="\n", float_format=FLOAT_FORMAT, na_rep="").encode("utf-8")


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as ``true``/``false`` and no negative zero (a new frame)."""
    out = frame.copy()
    for column in out.columns:
        col = out[column]
        if pd.api.types.is_bool_dtype(col.dtype):
            out[column] = col.map({True: "true", False: "false"}).astype(object)
        elif pd.api.types.is_float_dtype(col.dtype):
            out[column] = col + 0.0  # -0.0 + 0.0 == +0.0; NaN stays NaN
        elif pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
            out[column] = col.str.replace(_CR, "\n", regex=True)
        elif col.dtype == object:
            col = out[column] = _object_newlines(col)
            is_bool = col.map(lambda v: isinstance(v, (bool, np.bool_)), na_action="ignore").fillna(False).astype(bool)
            if is_bool.any():
                out[column] = col.where(~is_bool, col[is_bool].map({True: "true", False: "false"}))
    return out


def _object_newlines(col: pd.Series) -> pd.Series:
    is_str = col.map(type, na_action="ignore").eq(str).to_numpy(bool)
    if not is_str.any():
        return col
    values = col.to_numpy(dtype=object, copy=True)
    values[is_str] = col[is_str].str.replace(_CR, "\n", regex=True).to_numpy(dtype=object)
    return pd.Series(values, index=col.index, name=col.name)


def _csv_column(col: pd.Series) -> pa.Array | _Coded | None:
    """The CSV fields of a neutralised column, quoted; None for a type not handled here.

    The texts are those ``DataFrame.to_csv`` writes after :func:`_csv_ready`:
    ``%.10g`` floats without negative zero, ``str`` of integers, ``true`` /
    ``false``, text with CR and CRLF as LF, pandas' datetime format, and an
    empty field for every missing value.

    Parameters
    ----------
    col : pandas.Series
        One column, already neutralised.

    Returns
    -------
    pyarrow.LargeStringArray, _Coded or None
        One field per row (no nulls), or codes into a few fields.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_column(col)
    if pd.api.types.is_bool_dtype(dtype):  # _csv_ready's order: booleans first
        if dtype == np.bool_ or isinstance(dtype, pd.BooleanDtype):
            missing = col.isna().to_numpy(bool)
            codes = np.where(missing, 2, col.to_numpy(dtype=bool, na_value=False))
            return _Coded(codes.astype(np.int64), ("false", "true", ""))
        return None
    if pd.api.types.is_float_dtype(dtype):
        if isinstance(dtype, (np.dtype, *_FLOAT_EA)):
            return _float_column(col.to_numpy(dtype=np.float64, na_value=np.nan) + 0.0)  # no negative zero
        return None
    if pd.api.types.is_integer_dtype(dtype):
        if isinstance(dtype, (np.dtype, *_INT_EA)):
            return _integer_column(col)
        return None
    if isinstance(dtype, pd.StringDtype):
        return _csv_quoted(_lf(_large_text(col)).fill_null(""))
    if dtype == object:
        return _object_column(col)
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return datetime_text(col.to_numpy()).fill_null("")
    if isinstance(dtype, pd.DatetimeTZDtype):
        text = col.astype(str)  # the format to_csv uses, with the UTC offset
        return pa.array(text.where(col.notna(), "").to_numpy(dtype=object), type=pa.large_string())
    return None


_FLOAT_EA = (pd.Float32Dtype, pd.Float64Dtype)
_INT_EA = (pd.Int8Dtype, pd.Int16Dtype, pd.Int32Dtype, pd.Int64Dtype,
           pd.UInt8Dtype, pd.UInt16Dtype, pd.UInt32Dtype, pd.UInt64Dtype)


def _arrow(col: pd.Series) -> pa.Array:
    """A numpy-typed or nullable (masked) column as a pyarrow array, nulls for missing."""
    return pa.array(col.to_numpy() if isinstance(col.dtype, np.dtype) else col.array)


def _range_codes(values: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, Any, int] | None:
    """Codes ``value - low`` (``high - low + 1`` for missing) when the present values span few integers."""
    wide_type = {"i": np.int64, "u": np.uint64}.get(values.dtype.kind, np.float64)
    wide = values.astype(wide_type, copy=False)  # no wrap-around of int8 and friends
    gaps = bool(missing.any())
    present = wide[~missing] if gaps else wide
    if not len(present):
        return np.zeros(len(values), dtype=np.int64), 0, 0
    low, high = present.min(), present.max()
    span = int(high) - int(low) + 1
    if span > _MAX_RANGE:
        return None
    with np.errstate(invalid="ignore"):  # missing values hold anything (NaN): overwritten below
        codes = (wide - low).astype(np.int64, copy=False)
    if gaps:
        codes[missing] = span
    return codes, low, span


def _integer_column(col: pd.Series) -> pa.Array | _Coded:
    """Integers as ``str`` (empty when missing): coded when they span few values."""
    dtype = col.dtype
    if isinstance(dtype, np.dtype):
        values, missing = col.to_numpy(), np.zeros(len(col), dtype=bool)
    else:
        values, missing = col.array.to_numpy(dtype=dtype.numpy_dtype, na_value=0), col.isna().to_numpy(bool)
    coded = _range_codes(values, missing)
    if coded is None:
        return _arrow(col).cast(pa.large_string()).fill_null("")
    codes, low, span = coded
    return _Coded(codes, tuple(str(int(low) + i) for i in range(span)) + ("",))


def _float_column(x: np.ndarray) -> pa.Array | _Coded:
    """Floats as ``%.10g`` (empty for NaN): coded when they are whole numbers spanning few values."""
    nan = np.isnan(x)
    present = x[~nan]
    with np.errstate(invalid="ignore"):
        whole = bool(np.isfinite(present).all() and (np.floor(present) == present).all()
                     and (not len(present) or np.abs(present).max() < 1e10))
    coded = _range_codes(x, nan) if whole else None
    if coded is None:
        return format_g10(x).fill_null("")
    codes, low, span = coded
    return _Coded(codes, tuple(FLOAT_FORMAT % (low + i) for i in range(span)) + ("",))


_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
#: Seconds since the epoch of 1000-01-01 and 10000-01-01: years of four digits.
_FOUR_DIGIT_YEARS = (-30_610_224_000, 253_402_300_800)


def datetime_text(values: np.ndarray) -> pa.Array:
    """Naive datetimes as pandas' ``to_csv`` writes them; NaT gives null.

    ``YYYY-MM-DD`` when every value is midnight, else ``YYYY-MM-DD HH:MM:SS``
    followed by ``.fff``, ``.ffffff`` or ``.fffffffff`` when some value has a
    fraction of a second at that precision (pandas picks one precision for the
    whole column).  Years outside 1000-9999 and other units are formatted by
    pandas.

    Parameters
    ----------
    values : numpy.ndarray
        ``datetime64`` values of any unit.

    Returns
    -------
    pyarrow.LargeStringArray

    Examples
    --------
    >>> datetime_text(np.array(["2020-04-20T00:09:00", "NaT"], dtype="datetime64[us]")).to_pylist()
    ['2020-04-20 00:09:00', None]
    """
    unit, count = np.datetime_data(values.dtype)
    nat = np.isnat(values)
    ticks = values.view(np.int64)
    per_second = _PER_SECOND.get(unit, 0) if count == 1 else 0
    seconds = ticks[~nat] // per_second if per_second else ticks[:0]
    low, high = _FOUR_DIGIT_YEARS
    if not per_second or (len(seconds) and (seconds.min() < low or seconds.max() >= high)):
        text = pd.Series(values).astype(str).to_numpy(dtype=object)
        return pa.array(np.where(nat, None, text), type=pa.large_string())
    seconds = np.where(nat, 0, ticks) // per_second
    fraction = np.where(nat, 0, ticks) - seconds * per_second
    if not (seconds % 86_400).any() and not fraction.any():
        days = pa.array((seconds // 86_400).astype(np.int32), type=pa.date32(), mask=nat)
        return days.cast(pa.large_string())
    text = pa.array(seconds, type=pa.timestamp("s"), mask=nat).cast(pa.large_string())
    nanos = fraction * (10**9 // per_second)
    digits = 9 if (nanos % 10**3).any() else 6 if (nanos % 10**6).any() else 3 if nanos.any() else 0
    if not digits:
        return text
    scaled = nanos // 10 ** (9 - digits) + 10**digits  # a leading 1 keeps the zero padding through the cast
    return _join([text, ".", pc.utf8_slice_codeunits(pa.array(scaled).cast(pa.large_string()), 1)])


def _large_text(col: pd.Series) -> pa.Array:
    """A string-dtype column as a pyarrow large_string array (nulls for missing)."""
    if col.dtype.storage == "pyarrow":
        arr = pa.array(col.array)
    else:
        arr = pa.array(col.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def _categorical_column(col: pd.Series) -> _Coded | None:
    """A categorical of text (written as ``str`` of each category, empty when missing); None for other categories."""
    cats = col.cat.categories
    if not (isinstance(cats.dtype, pd.StringDtype) or (cats.dtype == object and all(type(c) is str for c in cats))):
        return None
    codes = col.cat.codes.to_numpy().astype(np.int64)
    labels = _csv_quoted(pa.array(cats.to_numpy(dtype=object), type=pa.large_string())).to_pylist()
    return _Coded(np.where(codes < 0, len(labels), codes), tuple(labels) + ("",))


def _object_column(col: pd.Series) -> pa.Array | _Coded:
    """Cells of an object column as the csv module writes them, quoted; empty when missing.

    ``str`` cells get LF for CR and CRLF, ``bool`` and ``numpy.bool_`` cells become
    ``true`` / ``false``, and every other value is written as ``str(value)``, which
    is what :class:`csv.writer` does with a non-string field.
    """
    values = col.to_numpy(dtype=object)
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.all():
        return _Coded(np.zeros(len(values), dtype=np.int64), ("",))
    is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values)) & ~missing
    out = np.where(missing, None, values)
    others = ~missing & ~is_str
    if others.any():
        out[others] = [_scalar_text(v) for v in values[others]]
    text = pa.array(out, type=pa.large_string())
    if is_str.any():
        text = _lf(text)
    return _csv_quoted(text.fill_null(""))


def _lf(text: pa.Array) -> pa.Array:
    """Text with CR and CRLF as LF."""
    return pc.replace_substring_regex(text, _CR.pattern, "\n") if _has_any(text, "\r") else text


def _scalar_text(value: Any) -> str:
    """One non-text object cell as CSV text (``csv.writer`` calls ``str``)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


def _csv_specials() -> str:
    """A regex class of the characters that make Python's csv writer quote a field."""
    probe = io.StringIO()
    writer = csv.writer(probe, lineterminator="\n")
    found = []
    for char in [",", '"', "\n", "\r", "\t", " ", ";"]:
        probe.seek(0)
        probe.truncate()
        writer.writerow([f"a{char}b", "x"])
        if probe.getvalue().startswith('"'):
            found.append(f"\\x{ord(char):02x}")  # RE2 (pyarrow) and re both read \xhh
    return "[" + "".join(found) + "]"


_CSV_SPECIALS = _csv_specials()
_CSV_SPECIAL_CHARS = "".join(chr(int(h, 16)) for h in re.findall(r"x([0-9a-f]{2})", _CSV_SPECIALS))


def _csv_quoted(fields: pa.Array) -> pa.Array:
    """Text fields quoted as ``csv.QUOTE_MINIMAL`` quotes them: in ``"``, with ``"`` doubled."""
    if not _has_any(fields, _CSV_SPECIAL_CHARS):
        return fields
    need = pc.match_substring_regex(fields, _CSV_SPECIALS)
    if not pc.any(need).as_py():
        return fields
    quoted = _join(['"', pc.replace_substring(fields, '"', '""'), '"'])
    return pc.if_else(need, quoted, fields)


def _has_any(text: pa.Array, chars: str) -> bool:
    """Whether some string of ``text`` may hold one of the ASCII ``chars`` (a scan of the raw bytes).

    False means certainly not; True can come from bytes outside a sliced
    array's range, so callers then run the exact string kernel.
    """
    if isinstance(text, pa.ChunkedArray):
        return any(_has_any(chunk, chars) for chunk in text.chunks)
    data = text.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)  # UTF-8: an ASCII byte is always that character
    if len(chars) <= 3:
        return any(bool((raw == ord(c)).any()) for c in chars)
    table = np.zeros(256, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return bool(table[raw].any())


def _join(parts: Sequence[pa.Array | str], sep: str = "") -> pa.Array:
    """Element-wise concatenation of arrays and constant strings, as large_string."""
    def large(part: pa.Array | str) -> pa.Array | pa.Scalar:
        return pa.scalar(part, pa.large_string()) if isinstance(part, str) else part.cast(pa.large_string())

    return pc.binary_join_element_wise(*[large(p) for p in parts], pa.scalar(sep, pa.large_string()))


def _buffer(text: pa.Array) -> pa.Buffer:
    """All strings of a (large) string array back to back, as one UTF-8 buffer (no copy)."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.cast(pa.large_string())
    if len(text) == 0:
        return pa.py_buffer(b"")
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset: text.offset + len(text) + 1]
    return text.buffers()[2][int(offsets[0]): int(offsets[-1])]


# --------------------------------------------------------------------------- float formatting

#: 10**k for k = 0..22, all exact in float64.
_POW10 = np.array([float(10**k) for k in range(23)])
_IPOW10 = np.array([10**k for k in range(19)], dtype=np.int64)
_G_DIGITS = 10


def format_g10(values: np.ndarray) -> pa.Array:
    """``'%.10g' % x`` for every float, vectorised; NaN gives null.

    Whole numbers below 1e10 are their integer digits.  Other values are scaled
    by an exact power of ten to ten significant digits with one correctly rounded
    float64 operation, so the rounded mantissa is exact unless the scaled value
    lies within 1e-5 of a rounding tie; those values, infinities and magnitudes
    outside 1e-12..1e30 are formatted by Python.

    Parameters
    ----------
    values : numpy.ndarray
        float64 values.

    Returns
    -------
    pyarrow.LargeStringArray

    Examples
    --------
    >>> format_g10(np.array([0.1 + 0.2, 1e16, -1e-5, 1776.0, -0.0, np.nan])).to_pylist()
    ['0.3', '1e+16', '-1e-05', '1776', '-0', None]
    """
    x = np.asarray(values, dtype=np.float64)
    nan = np.isnan(x)
    with np.errstate(invalid="ignore"):
        whole = (np.abs(x) < 1e10) & (np.floor(x) == x) & ~((x == 0) & np.signbit(x))
    text = pa.array(np.where(whole, x, 0).astype(np.int64)).cast(pa.large_string())
    rest = ~whole & ~nan
    if rest.any():
        text = pc.replace_with_mask(text, pa.array(rest), _g10_fractional(x[rest]))
    if nan.any():
        text = pc.if_else(pa.array(nan), pa.scalar(None, pa.large_string()), text)
    return text


def _g10_fractional(x: np.ndarray) -> pa.Array:
    """``'%.10g' % x`` of values that are not NaN (vectorised where exact, else Python)."""
    mantissa, exponent, exact = _decimal_digits(x)
    text = _render_g(np.signbit(x), mantissa, exponent)
    if not exact.all():
        python = [FLOAT_FORMAT % v for v in x[~exact].tolist()]
        text = pc.replace_with_mask(text, pa.array(~exact), pa.array(python, type=pa.large_string()))
    return text


def _scaled(a: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """``a * 10**(9 - exponent)`` in one correctly rounded step (requires |9 - exponent| <= 22)."""
    k = (_G_DIGITS - 1) - exponent
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(k >= 0, a * _POW10[np.clip(k, 0, 22)], a / _POW10[np.clip(-k, 0, 22)])


def _decimal_digits(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten-digit mantissa and decimal exponent of ``|x|``, rounded half to even; and where they are exact."""
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.floor(np.log10(a))
    exact = np.isfinite(guess) & (guess >= -12) & (guess <= 30)
    a = np.where(exact, a, 1.0)
    exponent = np.where(exact, guess, 0.0).astype(np.int64)
    low, high = _POW10[_G_DIGITS - 1], _POW10[_G_DIGITS]
    q = _scaled(a, exponent)
    exponent = exponent - (q < low) + (q >= high)  # log10 is off by one next to powers of ten
    q = _scaled(a, exponent)
    frac = q - np.floor(q)
    exact &= (q >= low) & (q < high) & (np.abs(frac - 0.5) > 1e-5)  # |error of q| < 2e-6
    mantissa = np.rint(q)
    carry = mantissa >= high  # 9999999999.5 and above round to 1e10: one more digit of exponent
    mantissa = np.where(carry, low, mantissa).astype(np.int64)
    exponent = exponent + carry
    return np.where(exact, mantissa, _IPOW10[_G_DIGITS - 1]), np.where(exact, exponent, 0), exact


def _render_g(negative: np.ndarray, mantissa: np.ndarray, exponent: np.ndarray) -> pa.Array:
    """``%g`` text of ``±mantissa * 10**(exponent - 9)`` (mantissa of ten digits), trailing zeros removed."""
    digits = _G_DIGITS
    fixed = (exponent >= -4) & (exponent < digits)
    decimals = np.where(fixed, digits - 1 - exponent, digits - 1)
    zeros = np.zeros_like(mantissa)
    divisible = mantissa % 10 == 0
    for k in range(2, digits + 1):
        if not divisible.any():
            break
        zeros += divisible
        divisible &= mantissa % _IPOW10[k] == 0
    cut = np.minimum(zeros, decimals)
    mantissa = mantissa // _IPOW10[cut]
    decimals = decimals - cut
    scale = _IPOW10[decimals]
    pieces: list[pa.Array | str] = []
    if negative.any():
        pieces.append(pc.if_else(pa.array(negative), "-", ""))
    pieces.append(pa.array(mantissa // scale).cast(pa.large_string()))
    point = decimals > 0
    if point.any():
        padded = pa.array(mantissa % scale + scale).cast(pa.large_string())  # "1" then the zero-padded digits
        fraction = pc.utf8_slice_codeunits(padded, 1)
        pieces += [".", fraction] if point.all() else [pc.if_else(pa.array(point), ".", ""), fraction]
    if not fixed.all():
        power = pc.utf8_slice_codeunits(pa.array(np.abs(exponent) + 100).cast(pa.large_string()), 1)  # two digits
        sign = pc.if_else(pa.array(exponent < 0), "e-", "e+")
        pieces += [pc.if_else(pa.array(fixed), "", sign), pc.if_else(pa.array(fixed), "", power)]
    return _join(pieces)


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary sibling of ``path``, then move it into place.

    Examples
    --------
    >>> write_bytes_atomic(Path("out/x.bin"), b"abc")  # doctest: +SKIP
    """
    return _write_atomic(Path(path), [data])


def _write_atomic(path: Path, chunks: Iterable[bytes | pa.Buffer]) -> Path:
    """:func:`write_bytes_atomic` of the concatenated ``chunks`` (buffers are written without a copy)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- XLSX


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a table plus optional formatting.

    Attributes
    ----------
    name : str
        Wanted sheet name; cleaned and made unique by :func:`sheet_names`.
    frame : pandas.DataFrame
        The table; its column labels form the bold header row.
    bold_rows : tuple of int
        0-based positions of data rows to set in bold (e.g. totals, nets).
    index : bool
        Write the index as the first column(s).
    format : callable, optional
        ``format(worksheet)`` is called after the table is written, for anything
        richer (banner layouts, number formats).  It must be deterministic.
    """

    name: str
    frame: pd.DataFrame
    bold_rows: tuple[int, ...] = ()
    index: bool = False
    format: Callable[[Any], None] | None = field(default=None, compare=False)


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame] | Sequence[Sheet],
    path: str | Path,
    *,
    freeze_header: bool = True,
    notes: Iterable[str] | None = None,
) -> None:
    """Write tables as a workbook with byte-identical output for identical input.

    Text is neutralised (see :func:`neutralise`), the header row is bold and (by
    default) frozen, columns are sized to their content (CJK characters count
    double, at most 60).  Sheet names are cleaned: ``[]:*?/\\`` become ``_``, names
    are cut to 31 characters and made unique.  Control characters that XML cannot
    hold are removed from text cells.

    Parameters
    ----------
    sheets : mapping of name to DataFrame, or sequence of Sheet
        The tables, in sheet order.
    path : str or Path
        Destination, written atomically.
    freeze_header : bool, default True
        Freeze the first row.
    notes : iterable of str, optional
        Lines written one per row to a last sheet named ``notes``.

    Raises
    ------
    ExportError
        A table exceeds Excel's limits (rows, 32,767 characters per cell) or
        there is no sheet at all.

    Examples
    --------
    >>> write_xlsx({"toplines": pd.DataFrame({"q": ["a"], "pct": [51.2]})}, "t.xlsx")  # doctest: +SKIP
    """
    specs = [Sheet(n, f) for n, f in sheets.items()] if isinstance(sheets, Mapping) else list(sheets)
    if notes is not None:
        specs.append(Sheet("notes", pd.DataFrame({"notes": list(notes)})))
    if not specs:
        raise ExportError(f"cannot write {Path(path).name}: no sheets")
    write_bytes_atomic(Path(path), xlsx_bytes(specs, freeze_header=freeze_header))


def xlsx_bytes(specs: Sequence[Sheet], *, freeze_header: bool = True) -> bytes:
    """The workbook of :func:`write_xlsx` as bytes (deterministic).

    Sheets are streamed straight to worksheet XML (:func:`_sheet_xml`): text as
    inline strings, numbers as openpyxl writes them (``%.16g``), bold header and
    bold rows, frozen header and column widths as before.  A workbook with a
    sheet that has a ``format`` callback (it needs an openpyxl worksheet), or with
    cells of a type the stream does not write (dates, times, decimals in object
    columns, ...), is built with openpyxl instead (:func:`_xlsx_bytes_openpyxl`).
    Both give the same cell values, types, fonts, frozen panes and widths.
    """
    names = sheet_names([s.name for s in specs])
    if all(spec.format is None for spec in specs):
        sheets = []
        for name, spec in zip(names, specs):
            xml = _sheet_xml(spec, name, freeze_header)
            if xml is None:
                break
            sheets.append(xml)
        else:
            return _workbook_zip(names, sheets)
    return _xlsx_bytes_openpyxl(specs, freeze_header=freeze_header)


def _xlsx_bytes_openpyxl(specs: Sequence[Sheet], *, freeze_header: bool = True) -> bytes:
    """:func:`xlsx_bytes` through openpyxl cell objects (for ``format`` callbacks and other cell types)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.xml.functions import tostring

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, spec in zip(sheet_names([s.name for s in specs]), specs):
        ws = wb.create_sheet(name)
        table = _xlsx_ready(spec.frame.reset_index() if spec.index else spec.frame, name)
        ws.append([str(c) for c in table.columns])
        for row in table.itertuples(index=False, name=None):
            ws.append(row)
        for cell in ws[1]:
            cell.font = bold
        for position in spec.bold_rows:
            for cell in ws[position + 2]:
                cell.font = bold
        if freeze_header:
            ws.freeze_panes = "A2"
        for i, width in enumerate(_column_widths(table), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if spec.format is not None:
            spec.format(ws)
    for attr in ("creator", "lastModifiedBy"):
        setattr(wb.properties, attr, "survey")
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    wb.properties.modified = FIXED_TIME  # openpyxl stamped "now" while saving: write core.xml again
    core = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + tostring(wb.properties.to_tree())
    return _fixed_zip(buffer.getvalue(), {"docProps/core.xml": core})


def sheet_names(wanted: Sequence[str]) -> list[str]:
    """Valid, unique Excel sheet names for ``wanted``, in order.

    Examples
    --------
    >>> sheet_names(["a/b", "x" * 40, "x" * 40])
    ['a_b', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx~2']
    """
    out: list[str] = []
    taken: set[str] = set()  # Excel compares sheet names case-insensitively
    for raw in wanted:
        base = _SHEET_INVALID.sub("_", str(raw)).strip("'").strip() or "sheet"
        name, k = base[:MAX_SHEET_NAME], 1
        while name.casefold() in taken:
            k += 1
            suffix = f"~{k}"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def _xlsx_ready(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """Neutralised cells as plain Python values openpyxl writes faithfully (None for missing)."""
    if len(frame) + 1 > MAX_ROWS:
        raise ExportError(f"sheet '{sheet}': {len(frame)} rows exceed Excel's limit of {MAX_ROWS - 1}")
    table = neutralise(frame)
    out = {}
    for column in table.columns:
        col = table[column]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            col = col.map(lambda t: t.isoformat(), na_action="ignore")
        col = col.astype(object).where(col.notna(), None)
        is_str = col.map(type).eq(str)
        if is_str.any():
            text = col[is_str].astype(str).str.replace(_XML_ILLEGAL, "", regex=True)
            text = _neutralise_column(text)  # "\x01=1+1" is "=1+1" once the control character is gone
            too_long = text.str.len() > MAX_CELL_CHARS
            if too_long.any():
                raise ExportError(
                    f"sheet '{sheet}', column '{column}': a cell has {text.str.len().max()} characters, "
                    f"more than Excel's {MAX_CELL_CHARS}"
                )
            col = col.copy()
            col[is_str] = text
        out[column] = col
    return pd.DataFrame(out, index=table.index, columns=table.columns).reset_index(drop=True)


def _display_width(values: pd.Series) -> int:
    text = values.dropna().astype(str)
    if text.empty:
        return 0
    return int((text.str.len() + text.str.count(_WIDE.pattern)).max())


def _column_widths(table: pd.DataFrame) -> list[int]:
    """Column widths: the longest of the label and the first 1,000 cells (CJK counts double), plus 2, in 8..60."""
    widths = []
    for position, column in enumerate(table.columns):
        width = max(_display_width(pd.Series([str(column)])), _display_width(table.iloc[:1000, position]))
        widths.append(min(max(width + 2, 8), 60))
    return widths


def _fixed_zip(data: bytes, members: Mapping[str, bytes]) -> bytes:
    """The zip archive again, entries in the same order, with fixed dates and some members replaced."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return _zip_bytes([(i.filename, members.get(i.filename) or src.read(i.filename)) for i in src.infolist()])


def _zip_bytes(entries: Sequence[tuple[str, bytes]], *, level: int | None = None) -> bytes:
    """A deflated zip archive of ``(name, data)`` entries, in order, dated :data:`FIXED_TIME`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            fixed = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data, compresslevel=level)
    return out.getvalue()


# --------------------------------------------------------------------------- streamed XLSX

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Strings openpyxl stores as Excel error values (``t="e"``) rather than text.
_ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
#: The stylesheet openpyxl writes for a workbook whose only style is a bold font: xf 1 is bold.
_STYLES = (
    f'<styleSheet xmlns="{_MAIN_NS}"><numFmts count="0"/>'
    '<fonts count="2"><font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
    '<scheme val="minor"/></font><font><b val="1"/></font></fonts>'
    '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" pivotButton="0" quotePrefix="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" pivotButton="0" quotePrefix="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0"/></cellStyles>'
    '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
    "</styleSheet>"
)
_CORE = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>survey</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{time}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{time}</dcterms:modified>'
    '<cp:lastModifiedBy>survey</cp:lastModifiedBy></cp:coreProperties>'
)
_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>Microsoft Excel Compatible / survey</Application><AppVersion>3.1</AppVersion></Properties>')
_SHEET_HEAD = (
    f'<worksheet xmlns="{_MAIN_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr>'
    '<dimension ref="{dimension}"/><sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
    '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>{cols}<sheetData>'
)
_SHEET_TAIL = ('</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
               "</worksheet>")
_FROZEN = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
           '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>')
_NOT_FROZEN = '<selection activeCell="A1" sqref="A1"/>'
#: Row blocks streamed at a time (bounds the memory of the XML pieces).
_XLSX_BLOCK = 100_000
#: Deflate level of streamed workbooks: 270,000 x 20 cells (219 MB of XML) take 0.9 s and 34.5 MB at
#: level 1, against 2.1 s and 29.7 MB at zlib's default level 6.
_XLSX_ZIP_LEVEL = 1


def _workbook_zip(names: Sequence[str], sheets: Sequence[bytes]) -> bytes:
    """The package around streamed worksheets: content types, relationships, workbook, styles, properties."""
    from openpyxl.writer.theme import theme_xml

    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/theme/theme1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}"/>'
                  for i in range(1, len(sheets) + 1))
        + "</Types>"
    )
    root_rels = (
        f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    k = len(sheets)
    workbook_rels = (
        f'<Relationships xmlns="{_PKG_REL_NS}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, k + 1))
        + f'<Relationship Id="rId{k + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{k + 2}" Type="{_REL_NS}/theme" Target="theme/theme1.xml"/>'
        "</Relationships>"
    )
    workbook = (
        f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><workbookPr/><bookViews>'
        '<workbookView visibility="visible" minimized="0" showHorizontalScroll="1" showVerticalScroll="1" '
        'showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" autoFilterDateGrouping="1"/></bookViews>'
        "<sheets>"
        + "".join(f'<sheet name="{_xml_attribute(name)}" sheetId="{i}" state="visible" r:id="rId{i}"/>'
                  for i, name in enumerate(names, start=1))
        + '</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )
    core = _CORE.format(time=FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ"))
    parts = [
        ("[Content_Types].xml", content_types), ("_rels/.rels", root_rels), ("docProps/app.xml", _APP),
        ("docProps/core.xml", core), ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels),
        ("xl/styles.xml", _STYLES),
    ]
    entries = [(name, (_XML_DECLARATION + text).encode("utf-8")) for name, text in parts]
    entries.append(("xl/theme/theme1.xml", theme_xml.encode("utf-8")))  # has its own XML declaration
    entries += [(f"xl/worksheets/sheet{i}.xml", xml) for i, xml in enumerate(sheets, start=1)]
    return _zip_bytes(entries, level=_XLSX_ZIP_LEVEL)


def _xml_attribute(text: str) -> str:
    """Text escaped for a double-quoted XML attribute."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def _column_letter(index: int) -> str:
    """Excel's letters of the 0-based column ``index`` (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_xml(spec: Sheet, sheet: str, freeze_header: bool) -> bytes | None:
    """One worksheet's XML, streamed from the table; None if a cell needs openpyxl.

    Raises the same :class:`ExportError` as :func:`_xlsx_ready` for tables beyond
    Excel's row limit or cells over 32,767 characters.
    """
    frame = spec.frame.reset_index() if spec.index else spec.frame
    if len(frame) + 1 > MAX_ROWS:
        raise ExportError(f"sheet '{sheet}': {len(frame)} rows exceed Excel's limit of {MAX_ROWS - 1}")
    n, width = frame.shape
    labels = [_neutralise_text(c) if isinstance(c, str) else c for c in frame.columns]
    header = [str(c)[:MAX_CELL_CHARS] for c in labels]
    if (pd.Index(labels).duplicated().any() or any(_XML_ILLEGAL.search(h) for h in header)
            or any(len(h) > 1 and h.startswith("=") for h in header)
            or any(not 0 <= p < n for p in spec.bold_rows)):
        return None
    bodies = []
    for position, label in enumerate(labels):
        body = _xlsx_cells(_neutralise_column(frame.iloc[:, position]), sheet, label)
        if body is None:
            return None
        bodies.append(body)
    letters = [_column_letter(i) for i in range(width)]
    bold = np.zeros(n, dtype=bool)
    bold[list(spec.bold_rows)] = True
    widths = _column_widths(_xlsx_ready(frame.iloc[:1000], sheet))
    cols = "".join(f'<col width="{w}" customWidth="1" min="{i}" max="{i}"/>' for i, w in enumerate(widths, start=1))
    head = _SHEET_HEAD.format(
        dimension=f"A1:{letters[-1]}{n + 1}" if letters else "A1:A1",
        pane=_FROZEN if freeze_header else _NOT_FROZEN,
        cols=f"<cols>{cols}</cols>" if cols else "",
    )
    header_cells = "".join(f'<c r="{letter}1" s="1"{_text_body(text)}' for letter, text in zip(letters, header))
    parts = [head.encode("utf-8"), f'<row r="1">{header_cells}</row>'.encode("utf-8")]
    for lo in range(0, n, _XLSX_BLOCK):
        hi = min(n, lo + _XLSX_BLOCK)
        parts.append(_rows_xml([b.slice(lo, hi - lo) for b in bodies], letters, lo + 2, bold[lo:hi]))
    parts.append(_SHEET_TAIL.encode("utf-8"))
    return b"".join(parts)


def _text_body(text: str) -> str:
    """The rest of a ``<c>`` element after ``r`` and ``s`` for one text cell, as openpyxl types it."""
    if text == "":
        return ' t="inlineStr"/>'
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text in _ERROR_CODES:
        return f' t="e"><v>{escaped}</v></c>'
    space = ' xml:space="preserve"' if text.strip() != text else ""
    return f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _rows_xml(bodies: Sequence[pa.Array], letters: Sequence[str], first: int, bold: np.ndarray) -> bytes:
    """``<row>`` elements for a block of rows: cell bodies of each column (null: no cell), rows from ``first``."""
    n = len(bold)
    numbers = pa.array(np.arange(first, first + n)).cast(pa.large_string())
    styled = bool(bold.any())
    style = pc.if_else(pa.array(bold), ' s="1"', "")
    empty_bold = pc.if_else(pa.array(bold), ' s="1" t="n"/>', pa.scalar(None, pa.string())).cast(pa.large_string())
    cells = []
    for letter, body in zip(letters, bodies):
        if body.null_count == n and not styled:
            continue
        if styled:
            body = pc.coalesce(_join([style, body]), empty_bold)  # null: no cell, unless the row is bold
        cells.append(pc.fill_null(_join([f'<c r="{letter}', numbers, '"', body]), ""))
    if not letters:
        return b""
    content = _join(cells) if cells else ""
    return _buffer(_join(['<row r="', numbers, '">', content, "</row>"]))  # openpyxl keeps empty rows too


def _xlsx_cells(col: pd.Series, sheet: str, label: Any) -> pa.Array | None:
    """Each cell of a neutralised column as the end of its ``<c>`` element (null: no cell); None: needs openpyxl.

    The values and types are those openpyxl gives the values of
    :func:`_xlsx_ready`: text as inline strings (or error values), numbers as
    ``%.16g``, booleans as ``t="b"``; missing values write no cell.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        col = col.map(lambda t: t.isoformat(), na_action="ignore").astype(object)
        dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        col = col.astype(object)
        dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "b" or isinstance(dtype, pd.BooleanDtype):
        return pc.if_else(_arrow(col), ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>').cast(pa.large_string())
    if isinstance(dtype, np.dtype) and dtype.kind in "iu" or isinstance(dtype, _INT_EA):
        return _number_cells(_integer_text(col))
    if isinstance(dtype, np.dtype) and dtype.kind == "f" or isinstance(dtype, _FLOAT_EA):
        return _number_cells(format_g16(col.to_numpy(dtype=np.float64, na_value=np.nan)))
    if isinstance(dtype, pd.StringDtype):
        return _text_cells(_large_text(col), sheet, label)
    if dtype == object:
        return _object_cells(col, sheet, label)
    return None


def _number_cells(text: pa.Array) -> pa.Array:
    """Number cells from ``%.16g`` texts (null: no cell, ``""``: infinity, written as an empty value)."""
    body = _join([' t="n"><v>', text, "</v></c>"])
    return pc.if_else(pc.equal(text, ""), ' t="n"><v/></c>', body).cast(pa.large_string())


def _integer_text(col: pd.Series) -> pa.Array:
    """``%.16g`` of integers (exact digits below 1e16), null for missing."""
    arr = _arrow(col)
    big = pc.fill_null(pc.greater_equal(pc.abs(arr.cast(pa.float64(), safe=False)), 1e16), False)  # float: monotonic
    text = arr.cast(pa.large_string())
    if pc.any(big).as_py():
        values = pc.filter(arr, big).to_pylist()
        text = pc.replace_with_mask(text, big, pa.array(["%.16g" % v for v in values], type=pa.large_string()))
    return text


def format_g16(values: np.ndarray) -> pa.Array:
    """openpyxl's text of floats (``'%.16g' % x``, ``""`` for infinities), vectorised where exact; NaN gives null.

    Integral values below 1e16 are their integer digits; the others are formatted
    by Python.

    Examples
    --------
    >>> format_g16(np.array([3.0, 0.1 + 0.2, np.inf, np.nan, -0.0])).to_pylist()
    ['3', '0.3', '', None, '-0']
    """
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        whole = (np.abs(x) < 1e16) & (np.floor(x) == x) & ~((x == 0) & np.signbit(x))
    text = pa.array(np.where(whole, x, 0).astype(np.int64)).cast(pa.large_string())
    rest = ~whole & np.isfinite(x)
    if rest.any():
        python = pa.array(["%.16g" % v for v in x[rest].tolist()], type=pa.large_string())
        text = pc.replace_with_mask(text, pa.array(rest), python)
    infinite = np.isinf(x)
    if infinite.any():
        text = pc.if_else(pa.array(infinite), "", text).cast(pa.large_string())
    nan = np.isnan(x)
    if nan.any():
        text = pc.if_else(pa.array(nan), pa.scalar(None, pa.large_string()), text)
    return text


def _text_cells(text: pa.Array, sheet: str, label: Any) -> pa.Array:
    """Text cells (null: missing): control characters removed, length checked, XML-escaped."""
    if _has_any(text, _XML_ILLEGAL_CHARS) and pc.any(pc.match_substring_regex(text, _XML_ILLEGAL.pattern)).as_py():
        cleaned = pc.replace_substring_regex(text, _XML_ILLEGAL.pattern, "")
        changed = pc.fill_null(pc.not_equal(cleaned, text), False)
        fixed = _neutralise_column(pd.Series(pc.filter(cleaned, changed).to_pylist(), dtype=object))
        text = pc.replace_with_mask(cleaned, changed, pa.array(fixed.tolist(), type=pa.large_string()))
    lengths = pc.utf8_length(text)
    longest = pc.max(lengths).as_py()
    if longest is not None and longest > MAX_CELL_CHARS:
        raise ExportError(
            f"sheet '{sheet}', column '{label}': a cell has {longest} characters, more than Excel's {MAX_CELL_CHARS}"
        )
    escaped = text
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if _has_any(escaped, char):
            escaped = pc.replace_substring(escaped, char, entity)
    stripped = pc.utf8_trim_whitespace(text)
    space = pc.if_else(pc.equal(stripped, text), "", ' xml:space="preserve"')
    body = _join([' t="inlineStr"><is><t', space, ">", escaped, "</t></is></c>"])
    body = pc.if_else(pc.equal(lengths, 0), ' t="inlineStr"/>', body)
    errors = pc.is_in(text, value_set=pa.array(_ERROR_CODES, type=pa.large_string()))
    if pc.any(errors).as_py():
        body = pc.if_else(errors, _join([' t="e"><v>', escaped, "</v></c>"]), body)
    return body.cast(pa.large_string())


def _object_cells(col: pd.Series, sheet: str, label: Any) -> pa.Array | None:
    """Cells of an object column: text, ``bool``, numbers, missing; None if another type is present."""
    from openpyxl.compat.numbers import NUMERIC_TYPES

    values = col.to_numpy(dtype=object)
    missing = np.asarray(pd.isna(values), dtype=bool)
    present = values[~missing]
    kinds = np.array([0 if type(v) is str else 1 if type(v) is bool else 2 if isinstance(v, NUMERIC_TYPES) else 3
                      for v in present], dtype=np.int8)
    if (kinds == 3).any():
        return None
    out = pa.nulls(len(values), pa.large_string())
    where = np.flatnonzero(~missing)
    for kind in (0, 1, 2):
        chosen = where[kinds == kind]
        if not len(chosen):
            continue
        items = present[kinds == kind].tolist()
        if kind == 0:
            body = _text_cells(pa.array(items, type=pa.large_string()), sheet, label)
        elif kind == 1:
            body = pc.if_else(pa.array(items, type=pa.bool_()), ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>')
            body = body.cast(pa.large_string())
        else:
            body = _number_cells(pa.array([_g16_scalar(v) for v in items], type=pa.large_string()))
        mask = np.zeros(len(values), dtype=bool)
        mask[chosen] = True
        out = pc.replace_with_mask(out, pa.array(mask), body)
    return out


def _g16_scalar(value: Any) -> str:
    """openpyxl's text of one number (``safe_string``): ``%.16g``, ``""`` for NaN and infinities."""
    try:
        if math.isnan(value) or math.isinf(value):
            return ""
    except TypeError:
        pass
    return "%.16g" % value
