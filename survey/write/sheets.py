"""Workbooks through XlsxWriter: deterministic bytes, atomic files, plain table sheets.

Every workbook the package writes is made by XlsxWriter (the package, styles,
panes, page setup, links, merged cells).  This module adds what every workbook of
ours needs on top of it:

* **Identical input, identical bytes.**  XlsxWriter stamps the time of writing
  into ``docProps/core.xml``; :func:`workbook` fixes it to :data:`FIXED_TIME`
  through the workbook properties.  Zip entries get XlsxWriter's own fixed date.
* **Written whole or not at all**: into a temporary sibling, then moved into place.
* **Formula safety without changing the text**: text goes in as text cells
  (``write_string``), which no spreadsheet evaluates, so ``=1+1`` or ``+1 for
  this`` keep the respondent's exact characters; no apostrophe is added (a prefix
  is needed only in CSV files, see :mod:`survey.write.tabular`).
* **Tables of a million rows in seconds**: :meth:`BulkSheet.write_frame`.

Why the data rows of :class:`BulkSheet` are ours: XlsxWriter writes a cell in
Python at 3-10 microseconds, so the verbatims of a 1,000,000-respondent run
(270,000 rows of 11 cells) would take 15-30 s alone.  :meth:`BulkSheet.write_frame`
builds the same ``<row>``/``<c>`` XML that XlsxWriter's ``constant_memory`` mode
writes for ``write_string``/``write_number``/``write_boolean`` (same escapes, same
number text), column by column with Arrow kernels, and hands it to the
worksheet's row stream; ``tests/test_workbook.py`` checks that the bytes equal
XlsxWriter's own, cell for cell.  Everything else in the file is XlsxWriter's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from survey.errors import ExportError
from survey.write.arrowtext import _buffer, _has_any, _join, _large_text
from survey.write.numtext import datetime_text, format_g16

#: Date written into the document properties instead of "now".
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
#: Excel's limits.
MAX_SHEET_NAME = 31
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
#: XlsxWriter options of every workbook: text stays text, whatever it looks like.
OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}

_SHEET_INVALID = re.compile(r"[\[\]:*?/\\]")
_WIDE = re.compile(
    r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)
#: Characters XlsxWriter writes as ``_xHHHH_`` (XML cannot hold them), as it does.
_CONTROL = "".join(chr(c) for c in [*range(0x09), *range(0x0B, 0x20)])
#: Python's ``\s`` (XlsxWriter's test for ``xml:space="preserve"``) as an RE2 class.
_SPACE = "".join(re.escape(c) for c in map(chr, range(0x3001)) if c.isspace())
_PRESERVE = f"^[{_SPACE}]|[{_SPACE}]$"
#: Rows of XML built at a time (bounds the memory of the pieces).
_BLOCK = 100_000


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


@contextlib.contextmanager
def workbook(path: str | Path, *, constant_memory: bool = False) -> Iterator[xlsxwriter.Workbook]:
    """An XlsxWriter workbook that becomes ``path`` when the block ends without error.

    ``constant_memory`` streams rows to disk as they are written (rows must then be
    written in order; :class:`BulkSheet` needs it).  Text is never turned into
    numbers, formulas or links (:data:`OPTIONS`).

    Examples
    --------
    >>> with workbook("t.xlsx") as book:                      # doctest: +SKIP
    ...     book.add_worksheet("a").write_string(0, 0, "=1+1")  # a text cell
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(
        tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent)
    )  # XlsxWriter's parts, then the file
    tmp = scratch / path.name
    try:
        book = xlsxwriter.Workbook(
            str(tmp), {**OPTIONS, "constant_memory": constant_memory, "tmpdir": str(scratch)}
        )
        book.set_properties({"author": "survey", "created": FIXED_TIME})
        yield book
        book.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # an export is an ordinary file
        os.replace(tmp, path)
    finally:
        for handle in getattr(locals().get("book"), "worksheets_objs", []):
            if (
                getattr(handle, "row_data_fh", None) is not None
            ):  # a constant_memory row file still open
                handle.row_data_fh.close()
        shutil.rmtree(scratch, ignore_errors=True)


def display_width(text: Any) -> int:
    """Width of ``text`` in characters, CJK characters counting double.

    Examples
    --------
    >>> display_width("合计 n")
    6
    """
    text = str(text)
    return len(text) + len(_WIDE.findall(text))


def column_widths(frame: pd.DataFrame) -> list[int]:
    """Column widths: the longest of the label and the first 1,000 cells (CJK double), plus 2, in 8..60."""
    widths = []
    for position, column in enumerate(frame.columns):
        cells = frame.iloc[:1000, position].dropna().astype(str)
        longest = max([display_width(column), *(display_width(c) for c in cells.unique())])
        widths.append(min(max(longest + 2, 8), 60))
    return widths


class BulkSheet(Worksheet):
    """A ``constant_memory`` worksheet that takes a whole DataFrame of plain cells at once.

    Use it as ``book.add_worksheet(name, worksheet_class=BulkSheet)`` in a workbook
    opened with ``constant_memory=True``.
    """

    def write_frame(self, first_row: int, frame: pd.DataFrame) -> None:
        """Write ``frame``'s cells from row ``first_row`` down (no header; no formats).

        Cells are what XlsxWriter writes for ``write_string`` (text, as is),
        ``write_number`` (numbers, ``%.16G``) and ``write_boolean``; missing values and
        infinities write no cell; datetimes are written as ISO text, categoricals as
        their values.

        Raises
        ------
        ExportError
            More rows than Excel holds, or a text of more than 32,767 characters.
        """
        n, width = frame.shape
        if first_row + n > MAX_ROWS:
            raise ExportError(
                f"sheet '{self.name}': {n} rows exceed Excel's limit of {MAX_ROWS - 1}"
            )
        if n == 0 or width == 0:
            return
        cells = [_cells(frame.iloc[:, k], self.name, frame.columns[k]) for k in range(width)]
        heads = [f'<c r="{xl_col_to_name(k)}' for k in range(width)]
        self._write_single_row(first_row)  # flush the rows XlsxWriter holds (the header)
        self.fh.flush()
        for lo in range(0, n, _BLOCK):
            hi = min(n, lo + _BLOCK)
            self.fh.buffer.write(
                _rows_xml([c.slice(lo, hi) for c in cells], heads, first_row + lo + 1)
            )
        grid = np.column_stack([c.present for c in cells])
        rows, cols = np.flatnonzero(grid.any(axis=1)), np.flatnonzero(grid.any(axis=0))
        if len(rows):  # the sheet's dimension, as the cells would have set it one by one
            self._check_dimensions(first_row + int(rows[0]), int(cols[0]))
            self._check_dimensions(first_row + int(rows[-1]), int(cols[-1]))
        self.previous_row = first_row + n - 1


@dataclass(frozen=True)
class _Cells:
    """One column's cells as the pieces after ``<c r="A12"``: per cell, :data:`_SLOTS` texts or constants."""

    present: np.ndarray  # bool: the row has this cell
    slots: list[pa.Array | str]

    def slice(self, lo: int, hi: int) -> _Cells:
        return _Cells(
            self.present[lo:hi],
            [v if isinstance(v, str) else v.slice(lo, hi - lo) for v in self.slots],
        )


_SLOTS = 4
_NUMBER = ("><v>", "</v></c>")
_TEXT_OPEN, _TEXT_CLOSE = ' t="inlineStr"><is><t', "</t></is></c>"


def _rows_xml(columns: Sequence[_Cells], heads: Sequence[str], first: int) -> pa.Buffer:
    """``<row>`` elements of a block of rows (numbered from ``first``); a row without cells is left out.

    Every piece (row tags, row numbers, constants, cell texts) goes into one array,
    and one ``take`` lays them out row by row and cell by cell: the bytes are copied once.
    """
    n = len(columns[0].present)
    used = [(h, c) for h, c in zip(heads, columns) if c.present.any()]
    numbers = pa.array(np.arange(first, first + n)).cast(pa.large_string())
    arrays: list[pa.Array] = []
    constants: dict[str, int] = {}

    def add(values: pa.Array) -> int:
        start = sum(len(a) for a in arrays)
        arrays.append(values.cast(pa.large_string()))
        return start

    def constant(text: str) -> int:
        if text not in constants:
            constants[text] = add(pa.array([text], pa.large_string()))
        return constants[text]

    rows = np.arange(n)
    row_open, number = add(_join(['<row r="', numbers, '">'])), add(_join([numbers, '"']))
    null = add(pa.nulls(1, pa.large_string()))
    has_cell = np.zeros(n, dtype=bool)
    index = []
    for head, col in used:
        has_cell |= col.present
        parts = [np.full(n, constant(head)), rows + number]
        parts += [
            np.full(n, constant(v)) if isinstance(v, str) else rows + add(v) for v in col.slots
        ]
        index += [np.where(col.present, p, null) for p in parts]
    index.insert(0, np.where(has_cell, rows + row_open, null))
    index.append(np.where(has_cell, constant("</row>"), null))
    laid = pa.concat_arrays(arrays).take(pa.array(np.column_stack(index).ravel()))
    return _buffer(laid)


def _cells(col: pd.Series, sheet: str, label: Any) -> _Cells:
    """The cells of one column, as XlsxWriter writes them for its value types (missing: no cell)."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        col = col.astype(object)
        dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        flags = pa.array(col.to_numpy(dtype=object, na_value=None), type=pa.bool_())
        present = ~np.asarray(col.isna(), dtype=bool)
        return _Cells(
            present, [pc.if_else(flags, ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>'), "", "", ""]
        )
    if pd.api.types.is_numeric_dtype(dtype):
        return _number_cells(col.to_numpy(dtype=np.float64, na_value=np.nan))
    if isinstance(dtype, pd.DatetimeTZDtype):
        text = col.map(lambda t: t.isoformat(), na_action="ignore").to_numpy(
            dtype=object, na_value=None
        )
        return _text_cells(pa.array(text, type=pa.large_string()), sheet, label)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _text_cells(datetime_text(col.to_numpy()), sheet, label)
    if isinstance(dtype, pd.StringDtype):
        return _text_cells(_large_text(col), sheet, label)
    return _object_cells(col.to_numpy(dtype=object, na_value=None), sheet, label)


def _kind(value: Any) -> int:
    """0 missing, 1 text, 2 boolean, 3 number, 4 anything else (written as its ``str``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return 0
    if isinstance(value, str):
        return 1
    if isinstance(value, (bool, np.bool_)):
        return 2
    return 3 if isinstance(value, (int, float, np.integer, np.floating)) else 4


def _object_cells(values: np.ndarray, sheet: str, label: Any) -> _Cells:
    """Cells of an object column: text, booleans, numbers (anything else as its ``str``)."""
    kinds = np.fromiter((_kind(v) for v in values), dtype=np.int8, count=len(values))
    if (kinds <= 1).all():
        return _text_cells(pa.array(values, type=pa.large_string()), sheet, label)
    present = np.zeros(len(values), dtype=bool)
    slots: list[pa.Array | str] = [pa.nulls(len(values), pa.large_string()) for _ in range(_SLOTS)]
    for kind in (1, 2, 3, 4):
        chosen = kinds == kind
        if not chosen.any():
            continue
        items = values[chosen]
        if kind in (1, 4):
            part = _text_cells(
                pa.array([str(v) for v in items], type=pa.large_string()), sheet, label
            )
        elif kind == 2:
            part = _cells(pd.Series(items.astype(bool)), sheet, label)
        else:
            part = _number_cells(items.astype(np.float64))
        present[np.flatnonzero(chosen)[part.present]] = True
        mask = pa.array(chosen)
        for s, piece in enumerate(part.slots):
            piece = (
                pa.array([piece] * len(items), pa.large_string())
                if isinstance(piece, str)
                else piece
            )
            slots[s] = pc.replace_with_mask(slots[s], mask, piece.cast(pa.large_string()))
    return _Cells(present, slots)


def _number_cells(x: np.ndarray) -> _Cells:
    """Number cells as XlsxWriter writes them (``%.16G``); NaN and infinities: no cell."""
    finite = np.isfinite(x)
    text = pc.replace_substring(format_g16(np.where(finite, x, np.nan)), "e", "E")
    return _Cells(finite, [_NUMBER[0], text, _NUMBER[1], ""])


def _text_cells(text: pa.Array, sheet: str, label: Any) -> _Cells:
    """Inline-string cells, escaped as XlsxWriter escapes them (null: no cell)."""
    longest = pc.max(pc.utf8_length(text)).as_py()
    if longest is not None and longest > MAX_CELL_CHARS:
        raise ExportError(
            f"sheet '{sheet}', column '{label}': a cell has {longest} characters, more than Excel's {MAX_CELL_CHARS}"
        )
    if _has_any(text, "_"):
        text = pc.replace_substring_regex(text, "(_x[0-9a-fA-F]{4}_)", r"_x005F\1")
    if _has_any(text, _CONTROL):
        for char in _CONTROL:
            if _has_any(text, char):
                text = pc.replace_substring(text, char, f"_x{ord(char):04X}_")
    for char in ("\ufffe", "\uffff"):
        if pc.any(pc.match_substring(text, char)).as_py():
            text = pc.replace_substring(text, char, f"_x{ord(char):04X}_")
    space = pc.if_else(pc.match_substring_regex(text, _PRESERVE), ' xml:space="preserve">', ">")
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if _has_any(text, char):
            text = pc.replace_substring(text, char, entity)
    present = np.asarray(text.is_valid(), dtype=bool)
    return _Cells(present, [_TEXT_OPEN, space, text, _TEXT_CLOSE])
