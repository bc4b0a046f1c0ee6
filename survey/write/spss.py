"""SPSS export: .sav with full labels, companion .sps syntax, tables as .sav (reading is :mod:`survey.read.sav`).

The module works on a generic variable dictionary (:class:`Variable`, :class:`MultiSet`) and
needs no instrument; the caller maps questions to variables and removes personal data.
This module writes the .sav; the dictionary and its checks are :mod:`survey.write.spssdict`,
the companion syntax :mod:`survey.write.sps` (their names stay importable from here).

What goes where, and why:

* :func:`write_sav` writes data, variable labels, value labels, user-missing codes, formats,
  measurement levels and the file label with pyreadstat.  pyreadstat cannot write the
  dictionary weight nor multiple-response sets: the weight is set here by patching the
  ``weight_index`` field of the file header; multiple-response sets go into the companion
  syntax (:func:`write_sps`), whose ``SAVE OUTFILE`` gives a .sav holding them.
* Speed: pyreadstat writes cells one at a time from Python (about 11 s for a million
  respondents by 40 variables).  Here pyreadstat writes only the dictionary, from a one-row
  frame, and the data section is encoded with numpy (:mod:`survey.write.savdata`), byte for byte
  as pyreadstat would (about 1.5 s); anything it does not reproduce goes through pyreadstat
  as before.  Data are uncompressed as pyreadstat's default; ``row_compress=True`` writes
  SPSS bytecode compression (a quarter of the size for coded survey data).
* Output is deterministic: the header's creation date and time (ReadStat stamps the wall
  clock) are overwritten with a fixed value, so two writes of the same data are identical
  byte for byte.  Files are written to a temporary file in the target folder, then
  ``os.replace``-d, so a reader never sees half a file.
* Labels over SPSS's byte limits (256 bytes for variable labels, 120 for value labels, 64 for
  the file label, all in UTF-8) are truncated here at a character boundary, with a warning:
  ReadStat would cut them at the byte, possibly inside a Chinese character.
* Strings longer than :data:`MAX_STRING_BYTES` bytes raise :class:`ExportError`: long open text
  belongs in a separate verbatim file, not in segmented SPSS long strings.
* SPSS pads text with spaces, so trailing spaces of text values and labels do not survive a
  round trip (leading ones do).
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from survey.errors import ExportError
from survey.formats.files import write_file_atomic
from survey.write.savdata import _Column, _columns, _data_chunks
from survey.write.sps import write_sps
from survey.write.spssdict import (  # noqa: F401 (kept importable from here)
    MAX_FILE_LABEL_BYTES,
    MAX_NAME_BYTES,
    MAX_STRING_BYTES,
    MAX_VALUE_LABEL_BYTES,
    MAX_VARIABLE_LABEL_BYTES,
    MEASURES,
    RESERVED,
    MultiSet,
    Variable,
    _check_extras,
    _check_personal,
    _column_kind,
    _label_warning,
    _match_columns,
    _numeric_width,
    _prepare,
    _truncate_utf8,
    check_labels,
    validate_names,
)

__all__ = [
    "MultiSet",
    "Variable",
    "check_labels",
    "validate_names",
    "write_sav",
    "write_sps",
    "write_table_sav",
]
#: Creation date and time written into every .sav header (``dd Mon yy``, ``hh:mm:ss``).
FIXED_DATE, FIXED_TIME = b"01 Jan 00", b"00:00:00"
# "$FL2", product name (60), layout, case size, compression, weight index, case count, bias
_HEADER_DATE_OFFSET = 92
_HEADER_WEIGHT_OFFSET = 76
_HEADER_SIZE = 176


def _variable_types(data: bytes) -> list[int]:
    """Type field of every variable record (rec_type 2) after the header of a .sav.

    0 numeric, w > 0 string of width w, -1 continuation of the string before.
    """
    offset, types = _HEADER_SIZE, []
    while struct.unpack_from("<i", data, offset)[0] == 2:
        var_type, has_label, n_missing = struct.unpack_from("<3i", data, offset + 4)
        types.append(var_type)
        offset += 32
        if has_label:
            offset += 4 + 4 * math.ceil(struct.unpack_from("<i", data, offset)[0] / 4)
        offset += 8 * abs(n_missing)
    return types


def _weight_index(data: bytes, position: int) -> int:
    """1-based case-slot index of the ``position``-th variable (what the header stores)."""
    starts = [slot for slot, t in enumerate(_variable_types(data), start=1) if t != -1]
    if position >= len(starts):
        raise ExportError(f"weight variable number {position + 1} not found in the written file")
    return starts[position]


def _patch_header(data: bytes, weight_position: int | None) -> bytes:
    """Fix the creation date/time, and set the dictionary weight, in a ReadStat .sav."""
    if data[:4] != b"$FL2" or struct.unpack_from("<i", data, 64)[0] != 2:
        raise ExportError("unexpected .sav header from pyreadstat (not little-endian $FL2)")
    out = bytearray(data)
    out[_HEADER_DATE_OFFSET : _HEADER_DATE_OFFSET + 17] = FIXED_DATE + FIXED_TIME
    if weight_position is not None:
        struct.pack_into("<i", out, _HEADER_WEIGHT_OFFSET, _weight_index(data, weight_position))
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Data section with numpy
#
# A .sav is the dictionary (header, variable records, labels, extension records, the
# termination record 999) followed by the data.  pyreadstat writes the data one cell at a time
# from Python; at a million respondents that is most of the run.  The dictionary depends on
# the data only through the case count and each string variable's longest value, so
# pyreadstat writes it from a one-row frame holding those values, and the data are encoded
# by :mod:`survey.write.savdata`; here the dictionary is split off pyreadstat's file and its case
# count set.

_TERMINATION = struct.pack("<2i", 999, 0)
_CASES_RECORD = struct.pack("<4iq", 7, 16, 8, 2, 1)  # subtype 16 before its int64 case count
_HEADER_CASES_OFFSET = 80


def _dictionary_frame(data: Mapping[str, pd.Series], columns: Sequence[_Column]) -> pd.DataFrame:
    """One row with ``data``'s dtypes; text columns hold their longest value (sets the width)."""
    return pd.DataFrame(
        {
            name: series.iloc[[column.longest]].reset_index(drop=True)
            for (name, series), column in zip(data.items(), columns)
        }
    )


def _variable_layout(types: Sequence[int]) -> list[tuple[int, int]] | None:
    """``(type, storage bytes)`` of each variable from the variable records' types.

    Type 0 is numeric (8 bytes), w > 0 a string of width w taking ``ceil(w / 8)`` segments:
    its record and one continuation record (type -1) per further segment.  None for
    anything else.

    Examples
    --------
    >>> _variable_layout([0, 9, -1, 0])
    [(0, 8), (9, 16), (0, 8)]
    """
    layout: list[tuple[int, int]] = []
    for var_type in types:
        if var_type == -1 and layout and layout[-1][0] > 0:
            layout[-1] = (layout[-1][0], layout[-1][1] + 8)
        elif var_type >= 0:
            layout.append((var_type, 8))
        else:
            return None
    return layout


def _cases_record_offset(dictionary: bytes) -> int | None:
    """Offset of the number-of-cases record (subtype 16) that ends a ReadStat dictionary."""
    offset = len(dictionary) - len(_TERMINATION) - len(_CASES_RECORD) - 8
    record = dictionary[offset : offset + len(_CASES_RECORD)]
    found = offset >= _HEADER_SIZE and record == _CASES_RECORD and dictionary.endswith(_TERMINATION)
    return offset if found else None


def _set_case_count(dictionary: bytes, rows: int) -> bytes:
    """Set the case count in the header and in the number-of-cases record (subtype 16)."""
    record = _cases_record_offset(dictionary)
    if record is None:
        raise ExportError("unexpected .sav dictionary from pyreadstat (number of cases record)")
    if rows > 2**31 - 1:
        raise ExportError(f"{rows} cases: a .sav header holds at most 2**31 - 1")
    out = bytearray(dictionary)
    struct.pack_into("<i", out, _HEADER_CASES_OFFSET, rows)
    struct.pack_into("<q", out, record + len(_CASES_RECORD), rows)
    return bytes(out)


def _split_dictionary(
    written: bytes, columns: Sequence[_Column], compress: bool
) -> tuple[bytes, list[int]] | None:
    """Dictionary and storage widths of the one-row .sav pyreadstat wrote, or None.

    Parameters
    ----------
    written : bytes
        The file pyreadstat wrote from :func:`_dictionary_frame`.
    columns : sequence of _Column
        All rows of every column (the frame's row is taken from them).
    compress : bool
        Whether ``written`` is bytecode-compressed.

    Returns
    -------
    (bytes, list of int) or None
        Every byte before the data, and each variable's storage bytes.  None unless the
        variable records match the columns (numbers 8 bytes, text wide enough), the row
        encoded here equals the file's tail, and the dictionary ends with the
        number-of-cases and termination records: then this module cannot promise
        pyreadstat's bytes, and pyreadstat writes the file.
    """
    layout = _variable_layout(_variable_types(written))
    if (
        layout is None
        or len(layout) != len(columns)
        or any(
            c.text != (var_type != 0)  # a text variable for every text column, and only there
            or (c.text and c.values.dtype.itemsize > size)
            for c, (var_type, size) in zip(columns, layout)
        )
    ):
        return None
    widths = [size for _, size in layout]
    row = [
        _Column(c.values[[c.longest]], text=True) if c.text else _Column(c.values[:1])
        for c in columns
    ]
    tail = b"".join(chunk.tobytes() for chunk in _data_chunks(row, widths, 1, compress))
    dictionary = written[: len(written) - len(tail)]
    if not written.endswith(tail) or _cases_record_offset(dictionary) is None:
        return None
    return dictionary, widths


def _write_fast(
    data: Mapping[str, pd.Series], tmp: Path, kwargs: Mapping[str, Any], weight_position: int | None
) -> bool:
    """Write ``data`` to ``tmp``: dictionary by pyreadstat from one row, data with numpy.

    The result is byte for byte what ``pyreadstat.write_sav(pd.DataFrame(data), tmp,
    **kwargs)`` followed by :func:`_patch_header` gives, in a fraction of the time.

    Parameters
    ----------
    data : mapping of str to Series
        The columns from :func:`_prepare`, all of one length.
    tmp : Path
        File to write (overwritten).
    kwargs : mapping
        pyreadstat's keyword arguments (``row_compress`` chooses the data encoding).
    weight_position : int or None
        Position of the weight variable among the columns.

    Returns
    -------
    bool
        False when that cannot be promised (no rows or no columns, a column type or value
        this module does not encode, a dictionary it does not recognise); ``tmp`` then
        holds nothing usable and the caller writes with pyreadstat.
    """
    rows = len(next(iter(data.values()))) if data else 0
    columns = _columns(data) if rows else None
    if columns is None:
        return False
    pyreadstat.write_sav(_dictionary_frame(data, columns), str(tmp), **kwargs)
    compress = bool(kwargs.get("row_compress"))
    split = _split_dictionary(tmp.read_bytes(), columns, compress)
    if split is None:
        return False
    dictionary, widths = split
    dictionary = _set_case_count(_patch_header(dictionary, weight_position), rows)
    with open(tmp, "wb") as out:
        out.write(dictionary)
        out.writelines(chunk.data for chunk in _data_chunks(columns, widths, rows, compress))
    return True


# Long: public API; its numpydoc docstring (parameters, notes, example) is 57 lines, body 19
def write_sav(
    frame: pd.DataFrame,
    variables: Sequence[Variable],
    path: str | os.PathLike[str],
    *,
    file_label: str,
    multisets: Sequence[MultiSet] = (),
    weight: str | None = None,
    personal: Collection[str] = (),
    row_compress: bool = False,
) -> list[str]:
    """Write ``frame`` as an SPSS .sav with the dictionary in ``variables``.

    Every column needs exactly one :class:`Variable`; columns are written in the order of
    ``variables``.  Numeric columns are written as doubles: codes get ``F<w>.0`` formats
    (never pyreadstat's default F8.2), scale or non-integer variables ``F8.2`` unless
    ``Variable.format`` says otherwise; text columns get ``A<longest byte length>``.
    The creation date/time in the header is fixed (:data:`FIXED_DATE`, :data:`FIXED_TIME`),
    so the output is byte-identical for identical input.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent; numeric codes (not categoricals), text, or naive datetimes.
    variables : sequence of Variable
    path : path-like
        Target .sav; written atomically.
    file_label : str
        Truncated to 64 bytes at a character boundary (with a warning).
    multisets : sequence of MultiSet
        Checked here (members exist and are numeric); pyreadstat cannot store them: declare
        them with :func:`write_sps`.  A warning says so.
    weight : str, optional
        Column set as the file's weight variable (header patch), as ``WEIGHT BY`` would.
    personal : collection of str
        Names of personal-data columns; any present raises (defence in depth).
    row_compress : bool
        Write the data bytecode-compressed (SPSS compression 1: integers -99..151 take one
        byte; about a quarter of the size for coded survey data) instead of uncompressed
        (the default, as pyreadstat's).  Compression stores -0.0 as 0.

    Returns
    -------
    list of str
        Warnings (truncated labels, multiple response sets left to the syntax file).

    Notes
    -----
    pyreadstat writes the dictionary (every record before the data) from a one-row frame
    with the same columns; the data section is written here with numpy, byte for byte as
    pyreadstat would write it (:func:`_write_fast`), which is many times faster for large
    files.  Columns this cannot encode make the whole file go through pyreadstat.

    Raises
    ------
    ExportError
        Illegal or colliding names, columns without variables, text over 255 bytes, bad
        formats or codes, personal columns, unknown weight or set members.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> frame = pd.DataFrame({"q1": [1, 2, 9]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "w1.sav"
    >>> write_sav(frame, [Variable("q1", "Agree?", {1: "Yes", 2: "No", 9: "DK"}, (9,))],
    ...           out, file_label="Wave 1")
    []
    """
    _check_personal(frame.columns, personal)
    _match_columns(frame, variables)
    problems = _check_extras(frame, multisets, weight)
    if problems:
        raise ExportError("cannot write SPSS file: " + "; ".join(problems))
    data, kwargs = _prepare(frame, variables)
    warnings = _sav_warnings(variables, file_label, multisets)
    names = [v.name for v in variables]
    weight_position = names.index(weight) if weight is not None else None
    kwargs["file_label"] = _truncate_utf8(file_label, MAX_FILE_LABEL_BYTES)
    kwargs["row_compress"] = row_compress

    def write(tmp: Path) -> None:
        if not _write_fast(data, tmp, kwargs, weight_position):
            pyreadstat.write_sav(pd.DataFrame(data), str(tmp), **kwargs)
            tmp.write_bytes(_patch_header(tmp.read_bytes(), weight_position))

    write_file_atomic(Path(path), write, ".sav")
    return warnings


def _sav_warnings(
    variables: Sequence[Variable], file_label: str, multisets: Sequence[MultiSet]
) -> list[str]:
    """What :func:`write_sav` truncates (labels) or leaves to the syntax file (multiple response sets)."""
    warnings = check_labels(variables)
    label_warning = _label_warning("file label", file_label, MAX_FILE_LABEL_BYTES)
    warnings += [label_warning] if label_warning else []
    if multisets:
        warnings.append(
            "multiple response sets "
            + ", ".join(m.name for m in multisets)
            + " are not stored in the .sav (pyreadstat cannot): declare them in the .sps"
        )
    return warnings


# ---------------------------------------------------------------------------------------------
# write_table_sav


def _table_variable(name: str, series: pd.Series, label: str, measure: str | None) -> Variable:
    kind = _column_kind(series)
    if kind != "numeric":
        return Variable(name, label, measure=measure or "nominal")
    values = series.astype(float).to_numpy()
    finite = values[np.isfinite(values)]
    width = _numeric_width(values)
    if finite.size == 0 or bool(np.all(finite == np.round(finite))):
        fmt = f"F{max(2, width)}.0"
    elif finite.min() >= -1 and finite.max() <= 1:
        fmt = "F7.4"  # proportions (0-1)
    else:
        fmt = f"F{max(8, width + 3)}.2"
    return Variable(name, label, measure=measure or "scale", format=fmt)


def write_table_sav(
    tables: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    labels: Mapping[str, str],
    measures: Mapping[str, str] | None = None,
    file_label: str = "Tables",
) -> list[str]:
    """Write a long-form table (one row per cell) as a labelled .sav.

    Text columns become string variables (nominal); numeric columns get formats from their
    values: whole numbers ``F<w>.0``, values within [-1, 1] (proportions) ``F7.4``, others
    ``F<w>.2``; their measure is scale unless ``measures`` says otherwise.  Variable labels
    come from ``labels`` (columns not in it get an empty label).

    Returns
    -------
    list of str
        Warnings from :func:`write_sav`.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> t = pd.DataFrame({"question": ["q1"], "row_code": [1], "col_pct": [0.25]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tables.sav"
    >>> write_table_sav(t, out, labels={"col_pct": "Column proportion"})
    []
    """
    measures = measures or {}
    variables = [
        _table_variable(str(c), tables[c], labels.get(str(c), ""), measures.get(str(c)))
        for c in tables.columns
    ]
    return write_sav(tables, variables, path, file_label=file_label)
