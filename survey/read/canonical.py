"""Reading raw response files in the instrument's canonical layout.

The canonical layout is a CSV (or XLSX) file with one column per raw column of the
instrument (:attr:`Instrument.raw_columns`): question ids, and ``<id>_<code>`` 0/1
columns for multi-select options.  Reading checks the file against the instrument
before anything runs and returns typed data with a ``raw_row`` column (the 1-based
number of the data record in the file).  Problems are :class:`DataError` with one
line naming the file and the place; every problem of a kind is listed at once.

Files as people save them: the field separator is sniffed (comma, semicolon or tab,
:func:`survey.formats.cells.sniff_separator`; ``sep`` forces it), a file that is not UTF-8 is
refused with the encoding it looks like (:func:`survey.formats.cells.decode`), and the empty
rows and unnamed empty columns a spreadsheet leaves at the end are dropped and counted
(``attrs["ignored"]``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from survey.errors import DataError
from survey.formats.cells import SEPARATORS, decode, sniff_separator
from survey.instrument import Instrument
from survey.read.times import formats as time_formats
from survey.read.times import parse_times

RAW_ROW = "raw_row"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_TEXT = 65_535  # characters in one cell; longer is not an answer but a broken file
_SHOW = 5  # problems of one kind named in a message


def _listing(items: Iterable[str]) -> str:
    items = list(items)
    more = f" and {len(items) - _SHOW} more" if len(items) > _SHOW else ""
    return ", ".join(items[:_SHOW]) + more


def read_table(path: Path, encoding: str | None = None, sep: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file as strings, checking the header; no type conversion.

    ``sep`` is the CSV field separator (sniffed when not given).  Empty rows and unnamed
    empty columns at the end (as spreadsheets save them) are dropped; ``attrs["ignored"]``
    counts them, ``attrs["sep"]`` is the separator used.
    """
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            grid = pd.read_excel(path, header=None, dtype=str, keep_default_na=False).fillna("")
        except Exception as exc:  # noqa: BLE001  (openpyxl raises many types for a broken workbook)
            raise DataError(
                f"{path}: not a readable XLSX workbook ({type(exc).__name__})"
            ) from None
        if grid.empty:
            raise DataError(f"{path}: no header row")
        header = [str(c) for c in grid.iloc[0]]
        frame = grid.iloc[1:].reset_index(drop=True)
        sep = None
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DataError(
                f"{path}: cannot be read ({exc.strerror}): check its permissions"
            ) from None
        text = decode(data, path, encoding)
        sep = sep or sniff_separator(text)
        header = _header(text, path, sep)
        frame = _parse_csv(text, len(header), path, sep)
    frame, header, ignored = _trimmed(frame, header)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise DataError(f"{path}: duplicated column name(s): {_listing(dupes)}")
    if frame.empty:
        raise DataError(f"{path}: header only, no data rows")
    frame.columns = header
    frame.attrs.update(ignored=ignored, sep=sep)
    return frame


def _trimmed(
    frame: pd.DataFrame, header: list[str]
) -> tuple[pd.DataFrame, list[str], dict[str, int]]:
    """Drop the unnamed empty columns and the empty rows at the end of a table of strings."""
    header = list(header)
    columns = 0
    while (
        len(header) > 1
        and not header[-1].strip()
        and not frame.iloc[:, len(header) - 1].str.strip().astype(bool).any()
    ):
        header.pop()
        columns += 1
    frame = frame.iloc[:, : len(header)]
    rows, size = 0, 1
    while rows < len(
        frame
    ):  # look at the end only, in growing windows: a full scan costs seconds at 1M
        window = frame.iloc[max(len(frame) - rows - size, 0) : len(frame) - rows]
        filled = window.apply(lambda col: col.str.strip().astype(bool)).any(axis=1).to_numpy()
        blank = len(filled) - (int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0)
        rows += blank
        if blank < len(window):
            break
        size *= 2
    return frame.iloc[: len(frame) - rows], header, {"rows": rows, "columns": columns}


def _header(text: str, path: Path, sep: str = ",") -> list[str]:
    """The first record of CSV text (read from the start of the text when that holds it)."""
    for size in (1 << 16, len(text)):
        reader = csv.reader(io.StringIO(text[:size]), delimiter=sep)
        try:
            header = next(reader)
            complete = size >= len(text) or next(reader, None) is not None  # a second record began
        except StopIteration:
            raise DataError(f"{path}: no header row") from None
        except csv.Error:
            if size >= len(text):
                raise DataError(f"{path}: no header row") from None
            continue
        if complete:
            return header
    raise DataError(f"{path}: no header row")


def _parse_csv(text: str, n_fields: int, path: Path, sep: str = ",") -> pd.DataFrame:
    """Parse CSV text as strings: Arrow first (fast), the C parser for fields Arrow's blocks cannot hold."""
    try:  # Arrow reads UTF-8 bytes; a StringIO would be copied as 4 bytes per character first
        return pd.read_csv(
            io.BytesIO(text.encode("utf-8")),
            dtype=str,
            keep_default_na=False,
            engine="pyarrow",
            sep=sep,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        if "straddle" not in str(exc):
            raise DataError(
                f"{path}: malformed CSV: {_parse_problem(text, n_fields, exc, sep)}"
            ) from None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, engine="c", sep=sep)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(
            f"{path}: malformed CSV: {_parse_problem(text, n_fields, exc, sep)}"
        ) from None


def _parse_problem(text: str, n_fields: int, exc: Exception, sep: str = ",") -> str:
    """Name the first record whose field count differs from the header's (slow path, on error only)."""
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=sep)):
            if record and len(record) != n_fields:
                what = "fewer" if len(record) < n_fields else "more"
                return (
                    f"row {number} (line {number + 1}) has {len(record)} fields, {what} than the "
                    f"header's {n_fields} (truncated line?)"
                )
    except csv.Error as err:
        return str(err)
    return str(exc).split(":")[0 if "CSV parse error" not in str(exc) else 1].strip()


def check_columns(
    columns: Iterable[str],
    instrument: Instrument,
    path: Path,
    allow_extra: bool = False,
    sep: str | None = None,
) -> None:
    """Raise one DataError listing every missing and every unexpected column (``sep``: the one used)."""
    columns = list(columns)
    expected = instrument.raw_columns
    missing = [c for c in expected if c not in columns]
    extra = [
        c if c.strip() else f"column {i + 1} (no name)"
        for i, c in enumerate(columns)
        if c not in expected
    ]
    problems = []
    if missing:
        problems.append(f"missing column(s) {_listing(missing)}")
    if extra and not allow_extra:
        problems.append(f"unexpected column(s) {_listing(extra)} (--allow-extra-columns to ignore)")
    if problems:
        used = f"read as {SEPARATORS.get(sep, repr(sep))}-separated; " if sep else ""
        hint = (
            f" — one column only: wrong separator? ({used}pass --sep: comma, semicolon or tab)"
            if len(columns) == 1
            else ""
        )
        raise DataError(
            f"{path}: "
            + "; ".join(problems)
            + f" for instrument {instrument.id} {instrument.version}{hint}"
        )


def _nulled(text: pd.Series) -> pa.Array:
    """Trimmed strings as Arrow, blanks as null."""
    trimmed = pc.utf8_trim_whitespace(pa.array(text))
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)


def _to_int(text: pd.Series) -> pd.api.extensions.ExtensionArray | None:
    """Whole-number text as ``Int64`` (blanks missing); None when any cell is not plain digits."""
    try:
        ints = pc.cast(_nulled(text), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    mask = pc.is_null(ints).to_numpy(zero_copy_only=False)
    return pd.arrays.IntegerArray(pc.fill_null(ints, 0).to_numpy(), mask)


def _to_float(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse strings as floats with Arrow; returns values (NaN for blanks) and a mask of unparseable cells."""
    nulled = _nulled(text)
    blank = pc.is_null(nulled)
    try:
        values = pc.cast(nulled, pa.float64()).to_numpy(zero_copy_only=False)
        return values, np.zeros(len(text), dtype=bool)
    except pa.ArrowInvalid:
        values = pd.to_numeric(pd.Series(nulled.to_pandas()), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
        return values, np.isnan(values) & ~pc.fill_null(blank, True).to_numpy(zero_copy_only=False)


def _numbers(frame: pd.DataFrame, columns: list[str], path: Path, integer: bool) -> pd.DataFrame:
    """Convert text columns to numbers; text or fractions in them are one DataError."""
    out = {}
    problems = []
    for col in columns:
        codes = _to_int(frame[col]) if integer else None
        if codes is not None:
            out[col] = codes
            continue
        values, bad = _to_float(frame[col])
        if integer:
            bad |= np.isfinite(values) & (values != np.round(values))
        for idx in np.flatnonzero(bad)[:_SHOW]:
            shown = str(frame[col].iloc[idx]).strip()[:20]
            problems.append(
                f"row {idx + 1}, column {col}: '{shown}' is not {'a code' if integer else 'a number'}"
            )
        out[col] = (
            pd.array(values, dtype="Float64").astype("Int64")
            if integer and not bad.any()
            else values
        )
    if problems:
        more = f" and {len(problems) - _SHOW} more" if len(problems) > _SHOW else ""
        raise DataError(f"{path}: " + "; ".join(problems[:_SHOW]) + more)
    return pd.DataFrame(out, index=frame.index)


def _times(frame: pd.DataFrame, instrument: Instrument, path: Path) -> pd.DataFrame:
    out = {}
    for role in ("start", "submit"):
        q = instrument.by_role(role)
        if q is None:
            continue
        text = frame[q.id].str.strip()
        parsed, bad = parse_times(text, instrument.times)
        if bad.any():
            idx = np.flatnonzero(bad.to_numpy())
            raise DataError(
                f"{path}: row {idx[0] + 1}, column {q.id}: '{text.iloc[idx[0]][:30]}' is not a time "
                f"({', '.join(time_formats(instrument.times))}); {len(idx)} row(s) in all"
            )
        out[q.id] = parsed
    start, submit = instrument.by_role("start"), instrument.by_role("submit")
    if start and submit:
        backwards = (out[submit.id] < out[start.id]).fillna(False)
        if backwards.any():
            idx = np.flatnonzero(backwards.to_numpy())
            raise DataError(
                f"{path}: row {idx[0] + 1}: {submit.id} is before {start.id} (negative duration); "
                f"{len(idx)} row(s) in all"
            )
    return pd.DataFrame(out, index=frame.index)


def typed(frame: pd.DataFrame, instrument: Instrument, path: Path) -> pd.DataFrame:
    """Convert a canonical frame of strings to typed columns and check ids and text sizes."""
    coded = [c for q in instrument.questions if q.coded for c in q.columns]
    numeric = [q.id for q in instrument.questions if q.type == "numeric"]
    text_cols = [
        c for c in frame.columns if c in instrument.raw_columns and c not in coded + numeric
    ]
    for col in text_cols:
        lengths = frame[col].str.len()
        if (lengths > MAX_TEXT).any():
            idx = int(np.argmax(lengths.to_numpy() > MAX_TEXT))
            raise DataError(
                f"{path}: row {idx + 1}, column {col}: text of {lengths.iloc[idx]:,} characters exceeds {MAX_TEXT:,}"
            )
    parts = [
        _numbers(frame, coded, path, integer=True),
        _numbers(frame, numeric, path, integer=False),
        _times(frame, instrument, path),
    ]
    times = set(parts[2].columns)
    strings = frame[[c for c in text_cols if c not in times]].apply(
        lambda s: s.where(s.str.strip() != "")
    )
    out = pd.concat([strings] + parts, axis=1)[[c for c in instrument.raw_columns]]
    ident = instrument.by_role("id")
    if ident is not None:
        ids = out[ident.id]
        if ids.isna().any():
            row = int(np.flatnonzero(ids.isna().to_numpy())[0]) + 1
            raise DataError(f"{path}: row {row}, column {ident.id}: respondent id is empty")
        dup = ids.duplicated(keep=False)
        if dup.any():
            rows = [f"'{ids.iloc[i]}' (row {i + 1})" for i in np.flatnonzero(dup.to_numpy())]
            raise DataError(
                f"{path}: column {ident.id}: duplicate respondent id(s) {_listing(rows)}"
            )
    out.insert(0, RAW_ROW, np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def read_raw(
    path: str | Path,
    instrument: Instrument,
    *,
    encoding: str | None = None,
    allow_extra_columns: bool = False,
    sep: str | None = None,
) -> pd.DataFrame:
    """Read a raw file in the canonical layout and check it against the instrument.

    Parameters
    ----------
    path : str or Path
        CSV (UTF-8 unless ``encoding`` says otherwise) or XLSX file.
    instrument : Instrument
        The instrument, at the version the file was fielded with.
    encoding : str, optional
        The file's text encoding.
    allow_extra_columns : bool
        Ignore columns the instrument does not know instead of failing.
    sep : str, optional
        The CSV field separator (``,``, ``;`` or tab); sniffed by default.

    Returns
    -------
    pandas.DataFrame
        ``raw_row`` then the instrument's raw columns, typed: codes as ``Int64``,
        numbers as float, times as datetimes, text as strings (missing as NA).
        ``attrs["ignored"]`` counts the empty rows and columns dropped at the end.

    Raises
    ------
    DataError
        One line naming the file and the row, column or question at fault.
    """
    path = Path(path)
    frame = read_table(path, encoding, sep)
    check_columns(frame.columns, instrument, path, allow_extra_columns, frame.attrs.get("sep"))
    out = typed(frame, instrument, path)
    out.attrs["ignored"] = frame.attrs["ignored"]
    return out
