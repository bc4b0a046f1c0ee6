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

Encoding: CSV files are plain UTF-8 **without** a byte-order mark, like the raw
files in ``raw/``.  R, pandas, Python's ``csv`` and command-line tools read that
as is, while a BOM ends up glued to the first column name in readers that do not
expect it (``\\ufeffid``).  Excel's double-click import assumes the ANSI code page
and garbles Chinese in BOM-less UTF-8: analysts who work in Excel should use the
XLSX exports (or Data > From Text/CSV, which asks for the encoding); pass
``bom=True`` to :func:`write_csv` for a file meant only for Excel.
"""

from __future__ import annotations

import datetime as dt
import io
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
    """Which cells of a series of ``str`` need the quote (vectorised)."""
    first = text.str[:1]
    return first.isin(FORMULA_TRIGGERS) & ~text.str.fullmatch(_PLAIN_NUMBER.pattern).astype(bool)


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
    table = _csv_ready(neutralise(table))
    text = table.to_csv(index=False, lineterminator="\n", float_format=FLOAT_FORMAT, na_rep="")
    write_bytes_atomic(Path(path), text.encode("utf-8-sig" if bom else "utf-8"))


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


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary sibling of ``path``, then move it into place.

    Examples
    --------
    >>> write_bytes_atomic(Path("out/x.bin"), b"abc")  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
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
    """The workbook of :func:`write_xlsx` as bytes (deterministic)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
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
        _set_widths(ws, table)
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


def _set_widths(ws: Any, table: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for i, column in enumerate(table.columns, start=1):
        width = max(_display_width(pd.Series([str(column)])), _display_width(table[column].head(1000)))
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)


def _fixed_zip(data: bytes, members: Mapping[str, bytes]) -> bytes:
    """The zip archive again, entries in the same order, with fixed dates and some members replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, members.get(info.filename) or src.read(info.filename))
    return out.getvalue()
