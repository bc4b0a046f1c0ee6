"""SPSS export: .sav with full labels, companion .sps syntax, tables as .sav (reading is :mod:`survey.read.sav`).

The module works on a generic variable dictionary (:class:`Variable`, :class:`MultiSet`) and
needs no instrument; the caller maps questions to variables and removes personal data.

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
import re
import struct
import tempfile
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from survey.errors import ExportError
from survey.read.sav import _is_real
from survey.write.output import FILE_MODE
from survey.write.savdata import _TIME_UNITS, _Column, _columns, _data_chunks

__all__ = [
    "MultiSet",
    "Variable",
    "check_labels",
    "validate_names",
    "write_sav",
    "write_sps",
    "write_table_sav",
]

RESERVED = frozenset(
    ["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"]
)
MEASURES = ("nominal", "ordinal", "scale")
MAX_NAME_BYTES = 64
MAX_VARIABLE_LABEL_BYTES = 256
MAX_VALUE_LABEL_BYTES = 120
MAX_FILE_LABEL_BYTES = 64
#: Longest string value written (bytes of UTF-8); SPSS short strings end here.
MAX_STRING_BYTES = 255
#: Creation date and time written into every .sav header (``dd Mon yy``, ``hh:mm:ss``).
FIXED_DATE, FIXED_TIME = b"01 Jan 00", b"00:00:00"
# "$FL2", product name (60), layout, case size, compression, weight index, case count, bias
_HEADER_DATE_OFFSET = 92
_HEADER_WEIGHT_OFFSET = 76
_HEADER_SIZE = 176
_SPS_WIDTH = 79  # longest syntax line, in bytes (so also in display columns, even for CJK)

_NAME_RE = re.compile(r"[^\W\d_][\w.$@#]*")
_FORMAT_RE = re.compile(r"([A-Z]+)(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class Variable:
    """One SPSS variable: a column of the frame and its dictionary entry.

    Parameters
    ----------
    name : str
        SPSS variable name, also the frame's column name.
    label : str
        Variable label (question text, any language).
    value_labels : Mapping[int | float, str]
        Code to label.
    missing : tuple of float
        User-missing (non-substantive) codes, at most three.
    measure : {"nominal", "ordinal", "scale"}
    format : str or None
        SPSS format such as ``"F2.0"``, ``"F8.4"``, ``"A200"``; None derives it from the data.

    Examples
    --------
    >>> Variable("q1", "Agree?", {1: "Yes", 2: "No", 9: "DK"}, missing=(9,))  # doctest: +ELLIPSIS
    Variable(name='q1', label='Agree?', ...)
    """

    name: str
    label: str
    value_labels: Mapping[int | float, str] = field(default_factory=dict)
    missing: tuple[float, ...] = ()
    measure: str = "nominal"
    format: str | None = None


@dataclass(frozen=True)
class MultiSet:
    """A multiple-dichotomy set (SPSS ``MRSETS /MDGROUP``).

    Examples
    --------
    >>> MultiSet("$how", "How did you hear of us?", ("how_1", "how_2"))
    MultiSet(name='$how', label='How did you hear of us?', variables=('how_1', 'how_2'), counted_value=1)
    """

    name: str
    label: str
    variables: tuple[str, ...]
    counted_value: int = 1


# ---------------------------------------------------------------------------------------------
# Names and labels


def _name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return "is empty or not text"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"is {len(name.encode('utf-8'))} bytes in UTF-8 (at most {MAX_NAME_BYTES})"
    if not _NAME_RE.fullmatch(name):
        return "must start with a letter and hold only letters, digits and . _ $ @ #"
    if name.endswith("."):
        return "must not end with '.'"
    if name.upper() in RESERVED:
        return "is a reserved word"
    return None


def validate_names(names: Iterable[str]) -> None:
    """Check that every name is a legal SPSS variable name; report all bad names at once.

    Legal: at most 64 bytes of UTF-8, a letter first, then letters, digits or ``. _ $ @ #``,
    not ending in ``.``, not a reserved word (``ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH``)
    and unique ignoring case.

    Raises
    ------
    ExportError
        Naming every bad name and why.

    Examples
    --------
    >>> validate_names(["q1", "年龄", "q2.a"])
    >>> validate_names(["1q", "BY"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.ExportError: illegal SPSS variable names: '1q' must start with a letter ...
    """
    names = list(names)
    problems = [f"{n!r} {p}" for n in names if (p := _name_problem(n))]
    seen: dict[str, str] = {}
    for n in names:
        if isinstance(n, str) and n:
            key = n.casefold()
            if key in seen:
                problems.append(f"{n!r} collides with {seen[key]!r} (names ignore case)")
            else:
                seen[key] = n
    if problems:
        raise ExportError("illegal SPSS variable names: " + "; ".join(problems))


def _truncate_utf8(text: str, limit: int) -> str:
    """Longest prefix of ``text`` whose UTF-8 encoding fits in ``limit`` bytes."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _label_warning(what: str, text: str, limit: int) -> str | None:
    size = len(text.encode("utf-8"))
    if size <= limit:
        return None
    kept = len(_truncate_utf8(text, limit).encode("utf-8"))
    return (
        f"{what} is {size} bytes in UTF-8 (SPSS limit {limit}): "
        f"truncated to {kept} bytes at a character boundary"
    )


def check_labels(variables: Sequence[Variable]) -> list[str]:
    """Warnings for labels longer than SPSS allows; :func:`write_sav` truncates them.

    Variable labels are limited to 256 bytes and value labels to 120 bytes of UTF-8 (about 85
    and 40 Chinese characters).  Truncation keeps whole characters, never part of one.

    Examples
    --------
    >>> check_labels([Variable("q1", "问" * 100)])
    ['variable label of q1 is 300 bytes in UTF-8 (SPSS limit 256): truncated to 255 bytes at a character boundary']
    """
    warnings = []
    for v in variables:
        w = _label_warning(f"variable label of {v.name}", v.label, MAX_VARIABLE_LABEL_BYTES)
        warnings += [w] if w else []
        for code, text in v.value_labels.items():
            w = _label_warning(f"value label {code!r} of {v.name}", text, MAX_VALUE_LABEL_BYTES)
            warnings += [w] if w else []
    return warnings


# ---------------------------------------------------------------------------------------------
# Columns to SPSS types and formats



def _finite_summary(values: np.ndarray) -> tuple[float, float, bool] | None:
    """``(min, max, all whole numbers)`` of the finite values; None if there are none."""
    finite_mask = np.isfinite(values)
    finite = values if finite_mask.all() else values[finite_mask]
    if finite.size == 0:
        return None
    return float(finite.min()), float(finite.max()), bool(np.all(finite == np.round(finite)))


def _range_width(low: float, high: float) -> int:
    """Digits of the integer part of the widest of ``low`` and ``high``, plus one for a sign."""
    widest = max(abs(low), abs(high))
    digits = len(str(math.floor(widest))) if widest >= 1 else 1
    return digits + int(low < 0)


def _numeric_width(values: np.ndarray) -> int:
    summary = _finite_summary(np.asarray(values, dtype=float))
    return 1 if summary is None else _range_width(summary[0], summary[1])


def _utf8_lengths(series: pd.Series) -> np.ndarray:
    """UTF-8 byte length of every non-missing value of a text column."""
    values = series.dropna().to_numpy(dtype=object)
    return np.fromiter(map(len, map(str.encode, values)), dtype=np.int64, count=len(values))


def _derived_format(kind: str, values: np.ndarray | pd.Series, v: Variable) -> str:
    if kind == "string":
        lengths = _utf8_lengths(pd.Series(values))
        return f"A{max(1, int(lengths.max()) if lengths.size else 0)}"
    extra = [float(k) for k in v.value_labels] + [float(m) for m in v.missing]
    parts = (np.asarray(values, dtype=float), np.asarray(extra, dtype=float))
    summaries = [s for s in map(_finite_summary, parts) if s is not None]
    integral = all(s[2] for s in summaries)
    low = min((s[0] for s in summaries), default=0.0)
    high = max((s[1] for s in summaries), default=0.0)
    width = _range_width(low, high) if summaries else 1
    if integral and v.measure != "scale":
        return f"F{max(2, width)}.0"
    return f"F{max(8, width + 3)}.2"


def _check_format(fmt: str, kind: str, name: str) -> str | None:
    match = _FORMAT_RE.fullmatch(fmt)
    if not match:
        return f"{name}: format {fmt!r} is not an SPSS format such as F2.0 or A20"
    letters, width, decimals = match.group(1), int(match.group(2)), match.group(3)
    if (letters == "A") != (kind == "string"):
        return f"{name}: format {fmt!r} does not fit a {kind} column"
    if decimals is not None and int(decimals) >= width:
        return f"{name}: format {fmt!r} has no room for its {decimals} decimals"
    if letters == "A" and width > MAX_STRING_BYTES:
        return f"{name}: format {fmt!r} is wider than {MAX_STRING_BYTES} bytes"
    return None


def _column_kind(series: pd.Series) -> str:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return "numeric"
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return "datetime"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "datetime_tz"
    values = series.dropna().to_numpy(dtype=object)
    if all(isinstance(x, str) for x in values):
        return "string"
    if all(map(_is_real, values)):
        return "numeric"
    return "mixed"


_KIND_PROBLEMS = {
    "categorical": "is a pandas categorical: write integer codes plus value_labels",
    "datetime_tz": "holds timezone-aware datetimes: convert to naive local time first",
    "mixed": "mixes text and non-text values",
}


def _variable_problems(series: pd.Series, kind: str, v: Variable) -> list[str]:
    name = v.name
    problems = [f"{name} {_KIND_PROBLEMS[kind]}"] if kind in _KIND_PROBLEMS else []
    if v.measure not in MEASURES:
        problems.append(f"{name}: measure {v.measure!r} is not one of {', '.join(MEASURES)}")
    if len(v.missing) > 3:
        problems.append(f"{name}: {len(v.missing)} missing codes (SPSS allows at most 3)")
    if kind != "numeric" and (v.value_labels or v.missing):
        problems.append(f"{name}: value labels and missing codes need a numeric column")
    if kind == "string":
        if v.measure == "scale":
            problems.append(f"{name}: a string variable cannot be measured as scale")
        nbytes = _utf8_lengths(series)
        too_long = int((nbytes > MAX_STRING_BYTES).sum())
        if too_long:
            problems.append(
                f"{name}: {too_long} values longer than {MAX_STRING_BYTES} bytes "
                f"(longest {int(nbytes.max())}); export long open text to a separate file"
            )
    bad_keys = [k for k in [*v.value_labels, *v.missing] if not _is_real(k)]
    if bad_keys:
        problems.append(f"{name}: codes must be numbers, got {bad_keys!r}")
    if v.format is not None and kind in ("numeric", "string"):
        problem = _check_format(v.format, kind, name)
        problems += [problem] if problem else []
    return problems



# ---------------------------------------------------------------------------------------------
# write_sav


def _match_columns(frame: pd.DataFrame, variables: Sequence[Variable]) -> None:
    names = [v.name for v in variables]
    validate_names(names)
    undeclared = [str(c) for c in frame.columns if c not in set(names)]
    absent = [n for n in names if n not in set(frame.columns)]
    duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    problems = []
    if undeclared:
        problems.append("columns without a Variable: " + ", ".join(undeclared))
    if absent:
        problems.append("Variables without a column: " + ", ".join(absent))
    if duplicated:
        problems.append("duplicated columns: " + ", ".join(duplicated))
    if problems:
        raise ExportError("; ".join(problems))


def _check_personal(columns: Iterable[object], personal: Collection[str]) -> None:
    wanted = {p.casefold() for p in personal}
    found = [str(c) for c in columns if str(c).casefold() in wanted]
    if found:
        raise ExportError(
            "personal data columns must not be exported: "
            + ", ".join(found)
            + " (drop them before writing)"
        )


def _check_extras(
    frame: pd.DataFrame, multisets: Sequence[MultiSet], weight: str | None
) -> list[str]:
    problems = []
    columns = set(frame.columns)
    if weight is not None:
        if weight not in columns:
            problems.append(f"weight {weight!r} is not a column")
        elif _column_kind(frame[weight]) != "numeric":
            problems.append(f"weight {weight!r} is not numeric")
        elif (frame[weight].astype(float) < 0).any():
            problems.append(f"weight {weight!r} has negative values")
    problems += _multiset_problems(multisets, columns)
    for ms in multisets:
        for name in ms.variables:
            if name in columns and _column_kind(frame[name]) != "numeric":
                problems.append(f"{ms.name}: member {name!r} is not numeric")
    return problems


def _multiset_problems(multisets: Sequence[MultiSet], names: Collection[str]) -> list[str]:
    problems = []
    seen: set[str] = set()
    for ms in multisets:
        rest = ms.name[1:] if ms.name.startswith("$") else ""
        if not rest or _name_problem(rest):
            problems.append(f"multiple response set name {ms.name!r} must be '$' + a legal name")
        if ms.name.casefold() in seen:
            problems.append(f"multiple response set {ms.name!r} is defined twice")
        seen.add(ms.name.casefold())
        if len(ms.variables) < 2:
            problems.append(f"{ms.name}: a multiple response set needs at least 2 variables")
        missing = [n for n in ms.variables if n not in names]
        if missing:
            problems.append(f"{ms.name}: unknown variables {', '.join(missing)}")
    return problems


def _prepare(
    frame: pd.DataFrame, variables: Sequence[Variable]
) -> tuple[dict[str, pd.Series], dict[str, Any]]:
    """Validate every variable (all problems at once) and build pyreadstat's arguments.

    Returns the columns to write (numbers as float64, text as str or None, in the order of
    ``variables``) and pyreadstat's keyword arguments.  The columns stay separate: a
    DataFrame of them (a copy of all the data) is only built if pyreadstat writes the data.
    """
    problems: list[str] = []
    columns: dict[str, pd.Series] = {}
    labels, value_labels, missing, formats, measures = {}, {}, {}, {}, {}
    for v in variables:
        series = frame[v.name].reset_index(drop=True)  # a filtered frame keeps its old index
        if isinstance(series.dtype, pd.StringDtype):  # from Arrow once, not in every check
            series = series.astype(object)
        kind = _column_kind(series)
        problems += _variable_problems(series, kind, v)
        if kind == "numeric":
            series = series.astype(float)
        elif kind == "datetime" and np.datetime_data(series.dtype)[0] not in _TIME_UNITS:
            series = series.astype("datetime64[us]")  # pyreadstat writes seconds as 1970-01-01
        elif kind == "string":
            series = series.astype(object).where(series.notna(), None)
        columns[v.name] = series
        labels[v.name] = _truncate_utf8(v.label, MAX_VARIABLE_LABEL_BYTES)
        measures[v.name] = v.measure
        if kind in ("numeric", "string"):
            formats[v.name] = v.format or _derived_format(kind, series, v)
        elif v.format is not None:
            formats[v.name] = v.format
        if v.value_labels and kind == "numeric":
            value_labels[v.name] = {
                float(k): _truncate_utf8(t, MAX_VALUE_LABEL_BYTES)
                for k, t in v.value_labels.items()
                if _is_real(k)
            }
        if v.missing and kind == "numeric":
            missing[v.name] = [float(m) for m in v.missing if _is_real(m)]
    if problems:
        raise ExportError("cannot write SPSS file: " + "; ".join(problems))
    kwargs = {
        "column_labels": labels,
        "variable_value_labels": value_labels,
        "missing_ranges": missing,
        "variable_format": formats,
        "variable_measure": measures,
    }
    return columns, kwargs


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


def _write_atomic(path: Path, write: Any, suffix: str) -> None:
    """Call ``write(tmp_path)`` on a temp file in ``path``'s folder, then move it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, FILE_MODE)  # mkstemp makes the file private; an export follows the umask
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    if layout is None or len(layout) != len(columns) or any(
        (var_type == 0) != (c.text is None) or (c.text is not None and c.text.dtype.itemsize > size)
        for c, (var_type, size) in zip(columns, layout)
    ):
        return None
    widths = [size for _, size in layout]
    row = [
        _Column(numbers=c.numbers[:1]) if c.text is None else _Column(text=c.text[[c.longest]])
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
        for chunk in _data_chunks(columns, widths, rows, compress):
            out.write(chunk.data)
    return True


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
    warnings = check_labels(variables)
    label_warning = _label_warning("file label", file_label, MAX_FILE_LABEL_BYTES)
    warnings += [label_warning] if label_warning else []
    if multisets:
        warnings.append(
            "multiple response sets "
            + ", ".join(m.name for m in multisets)
            + " are not stored in the .sav (pyreadstat cannot): declare them in the .sps"
        )
    names = [v.name for v in variables]
    weight_position = names.index(weight) if weight is not None else None
    target = Path(path)

    kwargs["file_label"] = _truncate_utf8(file_label, MAX_FILE_LABEL_BYTES)
    kwargs["row_compress"] = row_compress

    def write(tmp: Path) -> None:
        if not _write_fast(data, tmp, kwargs, weight_position):
            pyreadstat.write_sav(pd.DataFrame(data), str(tmp), **kwargs)
            tmp.write_bytes(_patch_header(tmp.read_bytes(), weight_position))

    _write_atomic(target, write, ".sav")
    return warnings


# ---------------------------------------------------------------------------------------------
# write_sps


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _split_bytes(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` UTF-8 bytes, never inside a character."""
    pieces, current, size = [], "", 0
    for char in text:
        n = len(char.encode("utf-8")) + (1 if char == "'" else 0)
        if current and size + n > limit:
            pieces.append(current)
            current, size = "", 0
        current, size = current + char, size + n
    return [*pieces, current] if current or not pieces else pieces


def _string_tokens(text: str, room: int) -> list[str]:
    """A quoted literal, split into ``'a' +`` ``'b'`` tokens when longer than ``room`` bytes."""
    pieces = _split_bytes(text, room - 4)
    quoted = [_quote(p) for p in pieces]
    return [q + " +" for q in quoted[:-1]] + quoted[-1:]


def _wrap(tokens: Sequence[str], indent: str = "  ") -> list[str]:
    """Lay tokens on lines of at most :data:`_SPS_WIDTH` bytes; continuations indented."""
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = f"{current} {token}" if current else token
        if current and len(candidate.encode("utf-8")) > _SPS_WIDTH:
            lines.append(current)
            candidate = indent + token
        current = candidate
    return lines + [current]


def _command(*parts: str | list[str]) -> list[str]:
    """Tokens of one command (strings are single tokens, lists are token runs), wrapped."""
    tokens: list[str] = []
    for part in parts:
        tokens += part if isinstance(part, list) else [part]
    tokens[-1] += "."
    return _wrap(tokens)


def _sps_problems(
    variables: Sequence[Variable],
    multisets: Sequence[MultiSet],
    weight: str | None,
    crosstabs: Sequence[tuple[str, str]],
    sav_name: str,
    save_as: str,
) -> list[str]:
    names = {v.name for v in variables}
    problems = _multiset_problems(multisets, names)
    if weight is not None and weight not in names:
        problems.append(f"weight {weight!r} is not a variable")
    for row, col in crosstabs:
        unknown = [n for n in (row, col) if n not in names]
        if unknown:
            problems.append(f"crosstab {row} BY {col}: unknown {', '.join(unknown)}")
    if Path(sav_name) == Path(save_as):
        problems.append(f"save_as {save_as!r} would overwrite the input file")
    for label, value in (("sav_name", sav_name), ("save_as", save_as)):
        if not value or any(unicodedata.category(c).startswith("C") for c in value):
            problems.append(f"{label} {value!r} is empty or holds control characters")
    return problems


def write_sps(
    path: str | os.PathLike[str],
    *,
    sav_name: str,
    variables: Sequence[Variable],
    multisets: Sequence[MultiSet] = (),
    weight: str | None = None,
    crosstabs: Sequence[tuple[str, str]] = (),
    save_as: str,
) -> None:
    """Write companion SPSS/PSPP syntax for a .sav written by :func:`write_sav`.

    The file is UTF-8 with a byte-order mark, starts with ``* Encoding: UTF-8.``, then
    ``GET FILE``, ``MRSETS /MDGROUP`` per set, ``WEIGHT BY`` (if given), one ``CROSSTABS``
    (counts, column %, Pearson chi-square; ``/COUNT=ASIS`` so fractional weights are used as
    they are, not rounded per cell) per ``(row, column)`` pair, and ``SAVE OUTFILE``.
    Quotes in labels are doubled; lines are at most 79 bytes (long labels are split into
    ``'...' + '...'`` pieces).

    File names are written as given.  PSPP and SPSS resolve relative names against the
    *current directory*, not the syntax file's folder, so run the syntax from its folder:
    ``cd <folder> && pspp -o out.csv -O format=csv <file>.sps`` (a header comment says so).

    Parameters
    ----------
    path : path-like
        Target .sps (written atomically).
    sav_name : str
        The .sav to read, normally a bare file name beside the syntax file.
    variables : sequence of Variable
        The dictionary; names used below must be in it.
    multisets, weight, crosstabs
        What to declare and tabulate.
    save_as : str
        The .sav that ``SAVE OUTFILE`` writes (with sets and weight); must differ from
        ``sav_name`` so that the exported file stays as written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "w1.sps"
    >>> write_sps(out, sav_name="w1.sav", variables=[Variable("q1", "Agree?")],
    ...           crosstabs=[], save_as="w1_full.sav")
    >>> out.read_text(encoding="utf-8-sig").splitlines()[0]
    '* Encoding: UTF-8.'
    """
    problems = _sps_problems(variables, multisets, weight, crosstabs, sav_name, save_as)
    if problems:
        raise ExportError(f"cannot write syntax {Path(path).name}: " + "; ".join(problems))
    lines = [
        "* Encoding: UTF-8.",
        "* Written by survey.spss. File names are relative to the current directory.",
        "* Run from this folder, e.g. pspp -o out.csv -O format=csv this-file.sps.",
        *_command("GET FILE=" + _quote(sav_name)),
    ]
    for ms in multisets:
        lines += _command(
            "MRSETS",
            "/MDGROUP",
            f"NAME={ms.name}",
            "LABEL=",
            _string_tokens(ms.label, _SPS_WIDTH - 8),
            "VARIABLES=",
            list(ms.variables),
            f"VALUE={int(ms.counted_value)}",
        )
    if weight is not None:
        lines += _command("WEIGHT BY", weight)
    for row, col in crosstabs:
        if weight is not None:
            # zero-weight cases (outside the weighted population) would draw a PSPP warning
            # and, in PSPP 1.6.2, an empty column that shifts the printed cells
            lines += _command("TEMPORARY") + _command(f"SELECT IF ({weight} > 0)")
        lines += _command(
            "CROSSTABS",
            f"/TABLES={row}",
            "BY",
            col,
            "/CELLS=COUNT COLUMN",
            "/COUNT=ASIS",
            "/STATISTICS=CHISQ",
        )
    lines += _command("SAVE OUTFILE=" + _quote(save_as))
    text = "\ufeff" + "\n".join(lines) + "\n"
    _write_atomic(Path(path), lambda tmp: tmp.write_bytes(text.encode("utf-8")), ".sps")


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
