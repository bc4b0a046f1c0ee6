"""Safe, deterministic CSV files, written whole or not at all: every CSV goes through here.

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
  ``\\n`` line endings.
* **Whole files or none.**  A file is written to a temporary sibling and moved into
  place with :func:`os.replace`, so a reader never sees half a file and a failed
  write leaves the previous file as it was (:func:`write_bytes_atomic`).

Speed: a million respondents are written in seconds, not minutes.  CSV cells are
formatted column by column with numpy and pyarrow (:func:`csv_bytes`), giving the
bytes ``DataFrame.to_csv`` gives, which remains the path for column types the
vectorised one does not handle.

Encoding: CSV files are plain UTF-8 **without** a byte-order mark, like the raw
files in ``raw/``.  R, pandas, Python's ``csv`` and command-line tools read that
as is, while a BOM ends up glued to the first column name in readers that do not
expect it (``\\ufeffid``).  Excel's double-click import assumes the ANSI code page
and garbles Chinese in BOM-less UTF-8: analysts who work in Excel should use the
XLSX exports (or Data > From Text/CSV, which asks for the encoding); pass
``bom=True`` to :func:`write_csv` for a file meant only for Excel.

Only CSV text is neutralised: a CSV file has no cell types, so a spreadsheet
opening it evaluates ``=...``.  Workbooks (:mod:`survey.write.sheets`) write text
as text cells and keep it exactly.  The exact text of floats and datetimes comes
from :mod:`survey.write.numtext`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from survey.errors import ExportError
from survey.formats.files import write_bytes_atomic, write_chunks_atomic  # noqa: F401 (write_bytes_atomic: its old home)
from survey.write.arrowtext import _arrow, _buffer, _has_any, _join, _large_text
from survey.write.numtext import FLOAT_FORMAT, datetime_text, format_g10

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Python's csv writer quotes a field holding "\n" (our line ending) but not a lone "\r",
# which other readers take for a line break: CR and CRLF inside text become LF.
_CR = re.compile(r"\r\n?")


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
    is_str = (
        col.map(type, na_action="ignore").eq(str) if col.dtype == object else col.notna()
    ).to_numpy(bool)
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


def write_csv(
    frame: pd.DataFrame, path: str | Path, *, index: bool = False, bom: bool = False
) -> None:
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
    write_chunks_atomic(Path(path), ([_BOM] if bom else []) + _csv_chunks(table))


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
        if (
            isinstance(column, _Coded)
            and isinstance(last, _Coded)
            and len(last.labels) * len(column.labels) <= _MAX_LABELS
        ):
            out[-1] = _Coded(
                last.codes * len(column.labels) + column.codes,
                tuple(f"{a},{b}" for a in last.labels for b in column.labels),
            )
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
    return ready.to_csv(
        index=False, lineterminator="\n", float_format=FLOAT_FORMAT, na_rep=""
    ).encode("utf-8")


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
            is_bool = (
                col.map(lambda v: isinstance(v, (bool, np.bool_)), na_action="ignore")
                .fillna(False)
                .astype(bool)
            )
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
            return _float_column(
                col.to_numpy(dtype=np.float64, na_value=np.nan) + 0.0
            )  # no negative zero
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
_INT_EA = (
    pd.Int8Dtype,
    pd.Int16Dtype,
    pd.Int32Dtype,
    pd.Int64Dtype,
    pd.UInt8Dtype,
    pd.UInt16Dtype,
    pd.UInt32Dtype,
    pd.UInt64Dtype,
)


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
        values, missing = (
            col.array.to_numpy(dtype=dtype.numpy_dtype, na_value=0),
            col.isna().to_numpy(bool),
        )
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
        whole = bool(
            np.isfinite(present).all()
            and (np.floor(present) == present).all()
            and (not len(present) or np.abs(present).max() < 1e10)
        )
    coded = _range_codes(x, nan) if whole else None
    if coded is None:
        return format_g10(x).fill_null("")
    codes, low, span = coded
    return _Coded(codes, tuple(FLOAT_FORMAT % (low + i) for i in range(span)) + ("",))


def _categorical_column(col: pd.Series) -> _Coded | None:
    """A categorical of text (written as ``str`` of each category, empty when missing); None for other categories."""
    cats = col.cat.categories
    if not (
        isinstance(cats.dtype, pd.StringDtype)
        or (cats.dtype == object and all(type(c) is str for c in cats))
    ):
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
    out = values.copy()
    out[missing] = None
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
