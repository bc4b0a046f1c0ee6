"""SPSS ``.sav`` files (written by SPSS, PSPP, pyreadstat or a platform) mapped onto the instrument.

A question's variable is its ``source`` or its id; a text question with boxes has one
variable per box (``<id>_<box>``).  A multi-select is a multiple-response set: a dichotomy
set has one variable per option (the option's ``source``, else ``<id>_<code>``), ticked
where it holds 1; a category set (``source: [v1, v2, ...]``) has variables that each hold
one chosen option (its code, or its ``name`` for a string variable).  What the file's
dictionary says is checked against the instrument: value labels must agree with the
option labels (in some language) and a user-missing code must be non-substantive in the
instrument.  A value with a fraction is never rounded into a code: a coded question with
one is an error naming the variable and the row.  A string variable's values are option
names (``M``/``F``).  A numeric question's declared ``missing`` values and ranges are read
as blank (what SPSS and pyreadstat do with user-missing values of a scale variable).  The
id may be the row number (``source: {row_number: true}``) for a file without an id.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.formats.layouts import norm
from survey.formats.sav import SavMeta, read_sav
from survey.instrument import Instrument, Question
from survey.read.canonical import TIME_FORMAT
from survey.read.platforms.common import (
    Export,
    Mapping,
    decode_codes,
    finish,
    label_index,
    option_by,
    times,
)


def read_spss(
    path: Path,
    instrument: Instrument,
    encoding: str | None,
    allow_extra: bool,
    keep_test: bool = False,
) -> Export:
    """A ``.sav`` file mapped onto the instrument; see the module docstring."""
    data, meta = read_sav(path, encoding=encoding)
    m, claimed = Mapping(), set()
    for q in instrument.questions:
        if q.row_number:
            continue
        if q.type == "multi":
            claimed |= _multi(q, data, m)
            continue
        for column in q.columns:
            var = (q.source or q.id) if column == q.id else column
            if var in data.columns:
                claimed.add(var)
                m.columns[column] = _column(q, var, data[var], meta, m, path, instrument)
    extra = [name for name in data.columns if name not in claimed]
    frame = finish(instrument, m, extra, allow_extra, path, "sav", len(data))
    info = {"encoding": meta.encoding or "file's own", "notes": m.notes}
    return Export(frame, np.arange(1, len(data) + 1), info)


def _column(
    q: Question,
    var: str,
    values: pd.Series,
    meta: SavMeta,
    m: Mapping,
    path: Path,
    instrument: Instrument,
) -> pd.Series:
    """One variable as canonical text for question ``q``."""
    if q.role in ("start", "submit"):
        return times(as_text(values), var, path, instrument)
    if q.coded and q.type != "multi":
        _check_dictionary(q, var, meta, m)
        if pd.api.types.is_numeric_dtype(values):
            return _codes(values, var, q, path)
        return decode_codes(values.fillna("").astype(str), q, var, m)
    if q.type == "numeric" and pd.api.types.is_numeric_dtype(values):
        missing = _user_missing(values, q)
        if missing.any():
            m.notes.append(f"{var}: {int(missing.sum())} user-missing value(s) read as blank")
        return as_text(values.mask(missing))
    return as_text(values)


def as_text(values: pd.Series) -> pd.Series:
    """Numbers (whole numbers without ``.0``), dates, times and strings as text; missing as ''."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime(TIME_FORMAT).fillna("")
    if pd.api.types.is_numeric_dtype(values):
        return values.map(
            lambda v: "" if pd.isna(v) else str(int(v)) if float(v).is_integer() else repr(float(v))
        )
    return values.map(_cell)


def _cell(value: object) -> str:
    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and np.isnan(value))
    ):
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _codes(values: pd.Series, var: str, q: Question, path: Path) -> pd.Series:
    """Numeric codes as text; a value with a fraction is an error (never rounded)."""
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    fraction = np.isfinite(numbers) & (numbers != np.round(numbers))
    if fraction.any():
        row = int(np.flatnonzero(fraction)[0])
        raise DataError(
            f"{path}: column {var}, row {row + 1}: {numbers[row]:g} is not a code, and question "
            f"{q.id} is coded (value labels do not make a number a code: declare it numeric); "
            f"{int(fraction.sum())} row(s) in all"
        )
    return pd.Series(["" if np.isnan(v) else str(int(v)) for v in numbers], index=values.index)


def _user_missing(values: pd.Series, q: Question) -> pd.Series:
    numbers = values.astype(float)
    hit = pd.Series(False, index=values.index)
    for entry in q.missing:
        hit |= numbers.between(*entry) if isinstance(entry, tuple) else numbers == entry
    return hit


def _check_dictionary(q: Question, var: str, meta: SavMeta, m: Mapping) -> None:
    """Value labels agree with the instrument's; user-missing codes are non-substantive there."""
    known = {c.code: {norm(t) for t in c.label.values()} for c in q.codes}
    by_name = {c.name: c.code for c in q.codes if c.name is not None}
    for value, label in meta.value_labels.get(var, {}).items():
        code = by_name.get(str(value)) if isinstance(value, str) else value
        if code is None or not float(code).is_integer() or int(code) not in known:
            m.problem("unknown option code(s)", f"{var}={value} '{label}'")
        elif norm(label) not in known[int(code)]:
            m.problem(
                "value label disagrees with the instrument",
                f"{var}={value} is '{label}', instrument: '{q.label(int(code))}'",
            )
    substantive = set(q.substantive_codes)
    declared = [by_name.get(str(v)) if isinstance(v, str) else v for v in meta.missing.get(var, ())]
    inside = [
        c for c in substantive for lo, hi in meta.missing_ranges.get(var, ()) if lo <= c <= hi
    ]
    wrong = sorted(
        {
            int(c)
            for c in declared
            if c is not None and float(c).is_integer() and int(c) in substantive
        }
        | set(inside)
    )
    if wrong:
        m.problem(
            "user-missing in the file but substantive in the instrument",
            f"{var}={', '.join(map(str, wrong))} (mark them nonsubstantive)",
        )


def _multi(q: Question, data: pd.DataFrame, m: Mapping) -> set[str]:
    """A multiple-response set: dichotomy (one variable per option) or category (``source`` list)."""
    if q.source_columns:
        present = [v for v in q.source_columns if v in data.columns]
        if len(present) < len(q.source_columns):
            m.problem(
                "missing column(s)", ", ".join(v for v in q.source_columns if v not in data.columns)
            )
            return set(present)
        m.columns.update(_category_ticks(q, data[present], m))
        return set(present)
    claimed = set()
    for c, column in zip(q.codes, q.columns):
        var = c.source or column
        if var not in data.columns:
            continue
        claimed.add(var)
        numbers = pd.to_numeric(data[var], errors="coerce")
        m.columns[column] = pd.Series(
            np.where(numbers.isna(), "", np.where(numbers == 1, "1", "0")), index=data.index
        )
    return claimed


def _category_ticks(q: Question, frame: pd.DataFrame, m: Mapping) -> dict[str, pd.Series]:
    """0/1 option columns from variables that each hold one chosen option (blank: none chosen)."""
    labels = label_index(q)
    chosen, unknown = [], set()
    for row in frame.itertuples(index=False):
        codes = set()
        for value in row:
            text = as_text(pd.Series([value])).iloc[0].strip()
            if not text:
                continue
            code = option_by(q, text, names_first=True)
            code = code if code is not None else labels.get(norm(text))
            if code is None:
                unknown.add(text)
            else:
                codes.add(code)
        chosen.append(codes)
    if unknown:
        m.problem(
            "unknown option code(s)",
            f"{q.id} ({', '.join(frame.columns)}): {', '.join(sorted(unknown))}",
        )
    return {
        column: pd.Series(
            ["" if not got else str(int(c.code in got)) for got in chosen], index=frame.index
        )
        for c, column in zip(q.codes, q.columns)
    }
