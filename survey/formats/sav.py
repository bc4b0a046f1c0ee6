"""Reading a .sav (a platform's or a colleague's SPSS file) with its dictionary.

Shared by :mod:`survey.read` (a .sav export mapped onto the instrument) and instrument
drafting (a .sav dictionary as a draft instrument).

The data keep their numeric codes (value labels are not applied, user-missing codes are kept
as values and listed in :class:`SavMeta`), so that the instrument decides what they mean.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from survey.errors import DataError

__all__ = ["SavMeta", "read_sav", "read_sav_dictionary"]


@dataclass(frozen=True)
class SavMeta:
    """Dictionary of a .sav read by :func:`read_sav`.

    ``missing`` holds discrete user-missing codes; ``missing_ranges`` holds ``(low, high)``
    ranges.  Value-label keys that are whole numbers are given as ``int``.
    """

    file_label: str
    encoding: str
    variable_labels: dict[str, str]
    value_labels: dict[str, dict[int | float, str]]
    missing: dict[str, tuple[float, ...]]
    missing_ranges: dict[str, tuple[tuple[float, float], ...]]
    formats: dict[str, str]
    measures: dict[str, str]
    mr_sets: dict[str, dict[str, Any]]


def _plain_number(value: Any) -> int | float:
    """A plain Python int/float (pyreadstat rejects numpy scalars as label keys)."""
    number = float(value)
    return int(number) if number.is_integer() else number


def _is_real(value: object) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _read(path: Path, encoding: str | None) -> tuple[pd.DataFrame, Any]:
    try:
        return pyreadstat.read_sav(
            str(path), user_missing=True, apply_value_formats=False, encoding=encoding
        )
    except OverflowError:  # a date pyreadstat cannot convert: name it
        data, meta = pyreadstat.read_sav(
            str(path),
            user_missing=True,
            apply_value_formats=False,
            encoding=encoding,
            disable_datetime_conversion=True,
        )
        raise DataError(_overflow(path, data, meta)) from None


# SPSS dates count seconds from 1582-10-14; Python's datetimes hold years 1 to 9999.
_SPSS_EPOCH = dt.datetime(1582, 10, 14)
_DATE_FORMATS = re.compile(
    r"^(DATE|ADATE|EDATE|SDATE|JDATE|DATETIME|YMDHMS|MOYR|QYR|WKYR|DTIME)", re.IGNORECASE
)


def _overflow(path: Path, data: pd.DataFrame, meta: Any) -> str:
    """One line naming the first date value pyreadstat could not convert (column and row)."""
    lowest = (dt.datetime.min - _SPSS_EPOCH).total_seconds()
    highest = (dt.datetime.max - _SPSS_EPOCH).total_seconds()
    for name, fmt in meta.original_variable_types.items():
        if not _DATE_FORMATS.match(fmt or "") or name not in data:
            continue
        values = pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(np.isfinite(values) & ((values < lowest) | (values > highest)))
        if len(bad):
            return (
                f"{path}: column {name}, row {bad[0] + 1}: {fmt} value {values[bad[0]]:.0f} seconds "
                f"is not a date from year 1 to 9999; {len(bad)} row(s) in all (fix or blank them "
                "in SPSS, or export the column as a number)"
            )
    return f"{path}: a date value is out of range and cannot be converted"


def _meta(meta: Any, encoding: str) -> SavMeta:
    ranges = getattr(meta, "missing_ranges", {}) or {}
    discrete = {
        name: tuple(r["lo"] for r in rs if r["lo"] == r["hi"]) for name, rs in ranges.items()
    }
    spans = {
        name: tuple((r["lo"], r["hi"]) for r in rs if r["lo"] != r["hi"])
        for name, rs in ranges.items()
    }
    return SavMeta(
        file_label=meta.file_label or "",
        encoding=encoding,
        variable_labels={k: v or "" for k, v in meta.column_names_to_labels.items()},
        value_labels={
            name: {_plain_number(k) if _is_real(k) else k: t for k, t in labels.items()}
            for name, labels in meta.variable_value_labels.items()
        },
        missing={k: v for k, v in discrete.items() if v},
        missing_ranges={k: v for k, v in spans.items() if v},
        formats=dict(meta.original_variable_types),
        measures=dict(meta.variable_measure),
        mr_sets=dict(getattr(meta, "mr_sets", {}) or {}),
    )


def read_sav(
    path: str | os.PathLike[str], *, encoding: str | None = None
) -> tuple[pd.DataFrame, SavMeta]:
    """Read a .sav (e.g. a survey platform's export) keeping numeric codes.

    User-missing codes are kept as their values (listed in the metadata), value labels are
    not applied.  The file's own encoding is used unless ``encoding`` is given; when decoding
    fails, GB18030 (older Chinese files) is tried before giving up.

    Returns
    -------
    data : DataFrame
        Numeric columns as float64 (system-missing is NaN), text as strings.
    meta : SavMeta

    Raises
    ------
    DataError
        The file is missing or unreadable (message names the file).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from survey.write.spss import Variable, write_sav
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "w1.sav"
    >>> _ = write_sav(pd.DataFrame({"q1": [1, 9]}), [Variable("q1", "Agree?", {1: "Yes"}, (9,))],
    ...               out, file_label="Wave 1")
    >>> data, meta = read_sav(out)
    >>> data["q1"].tolist(), meta.missing, meta.value_labels
    ([1.0, 9.0], {'q1': (9.0,)}, {'q1': {1: 'Yes'}})
    """
    source = Path(path)
    if not source.is_file():
        raise DataError(f"{source}: no such .sav file")
    attempts = [encoding] if encoding else [None, "GB18030"]
    errors = []
    for attempt in attempts:
        try:
            data, meta = _read(source, attempt)
        except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, UnicodeError) as error:
            errors.append(f"{attempt or 'declared encoding'}: {error}")
            continue
        return data, _meta(meta, attempt or meta.file_encoding or "")
    raise DataError(f"{source}: cannot read as SPSS .sav ({'; '.join(errors)})")


def read_sav_dictionary(path: str | os.PathLike[str], *, encoding: str | None = None) -> SavMeta:
    """The dictionary of a .sav without its data (readable even where a data value is not).

    Examples
    --------
    >>> meta = read_sav_dictionary("wave.sav")  # doctest: +SKIP
    >>> meta.value_labels["q1"]  # doctest: +SKIP
    {1: 'Yes', 2: 'No'}
    """
    source = Path(path)
    if not source.is_file():
        raise DataError(f"{source}: no such .sav file")
    try:
        _, meta = pyreadstat.read_sav(
            str(source), metadataonly=True, user_missing=True, encoding=encoding
        )
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, UnicodeError) as error:
        raise DataError(f"{source}: cannot read as SPSS .sav ({error})") from None
    return _meta(meta, encoding or meta.file_encoding or "")
