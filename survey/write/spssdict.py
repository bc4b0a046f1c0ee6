"""The SPSS dictionary of an export: variables, multiple-response sets, names, labels, formats.

:class:`Variable` and :class:`MultiSet` describe what :func:`survey.write.spss.write_sav`
and :func:`survey.write.sps.write_sps` write; the checks here (names SPSS accepts, labels
within its byte limits, formats that hold the values, no personal data unless asked) run
before any file is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import ExportError
from survey.read.sav import _is_real
from survey.write.savdata import _TIME_UNITS

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
