"""Reading survey-platform exports into the instrument's canonical layout.

Each platform export (WJX/问卷星, Qualtrics, SurveyMonkey, KoboToolbox/ODK, SPSS ``.sav``)
is mapped onto :attr:`Instrument.raw_columns` by a rule DECLARED per platform (one module
each: :mod:`.wjx`, :mod:`.qualtrics`, :mod:`.surveymonkey`, :mod:`.kobo`, :mod:`.spss`;
shared steps in :mod:`.common`; which platform a file is: :func:`detect_format`), never
guessed column by column, then typed exactly like :func:`survey.read.canonical.read_raw`.
Before anything is converted, the export is compared with the instrument and every
disagreement (drift) is reported in one :class:`DataError`: missing questions or options,
unexpected columns, option labels or codes the instrument does not have, options in
another order.

Common to every platform: a paradata question (start, submit, language, ip, ...) may also
be given as a column named by its id or by its text in any instrument language.  Paradata
that a platform does not record (Kobo: ip and language; SurveyMonkey and WJX: language) is
left blank and said so in the notes.  Coded cells may hold a code, a label in any language
or an option's ``name``; an unknown label is drift.  A code outside the instrument is NOT
drift here: it reaches cleaning's ``out_of_range`` rule.  Times are read in the
instrument's ``times.format`` or the platform's own formats (fractional seconds and UTC
offsets accepted).  Rows the platform marks as previews or tests are read and then
excluded by cleaning with reason ``test_response`` (``keep_test_rows`` keeps them).  An
explicit format that does not match the file is refused, saying what the file looks like.

Examples
--------
>>> frame = read_platform("raw/wave2.csv", inst, "auto")  # doctest: +SKIP
>>> frame.attrs["platform"]["format"], frame.attrs["platform"]["encoding"]  # doctest: +SKIP
('wjx', 'gb18030')
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.formats.cells import read_text
from survey.formats.layouts import Layout, read_layout
from survey.instrument import Instrument
from survey.read.canonical import RAW_ROW, check_columns, read_table, typed
from survey.read.platforms.common import TEST_ROW, Export
from survey.read.platforms.kobo import read_kobo, read_repeats
from survey.read.platforms.qualtrics import read_qualtrics
from survey.read.platforms.spss import read_spss
from survey.read.platforms.surveymonkey import read_surveymonkey
from survey.read.platforms.wjx import read_wjx, wjx_numbering

__all__ = [
    "READERS",
    "check_format",
    "detect_format",
    "read_platform",
    "read_repeats",
    "read_text",
    "wjx_numbering",
]

_BY_LAYOUT: dict[str, Callable[[Layout, Instrument, bool, bool], Export]] = {
    "wjx": read_wjx,
    "qualtrics": read_qualtrics,
    "surveymonkey": read_surveymonkey,
    "kobo": read_kobo,
}
# Formats whose header rows a wrong guess would take for respondents (or respondents for headers).
_SIGNED = {"qualtrics", "surveymonkey"}


def read_canonical(
    path: Path,
    instrument: Instrument,
    encoding: str | None,
    allow_extra: bool,
    keep_test: bool = False,
) -> Export:
    """The instrument's own layout (see :func:`survey.read.canonical.read_raw`)."""
    frame = read_table(path, encoding)
    check_columns(frame.columns, instrument, path, allow_extra)
    return Export(
        frame[list(instrument.raw_columns)],
        np.arange(1, len(frame) + 1),
        {"encoding": encoding or "utf-8", "notes": []},
    )


def _by_layout(platform: str) -> Callable[..., Export]:
    def reader(
        path: Path,
        instrument: Instrument,
        encoding: str | None,
        allow_extra: bool,
        keep_test: bool = False,
    ) -> Export:
        layout = read_layout(path, encoding)
        check_format(layout, platform)
        return _BY_LAYOUT[platform](layout, instrument, allow_extra, keep_test)

    reader.__name__ = f"read_{platform}"
    return reader


READERS: dict[str, Callable[..., Export]] = {
    **{name: _by_layout(name) for name in _BY_LAYOUT},
    "sav": read_spss,
    "canonical": read_canonical,
}


def check_format(layout: Layout, fmt: str) -> None:
    """Refuse a format the file does not look like, saying what it looks like.

    Qualtrics and SurveyMonkey take two or three rows as headers: on a file of another
    layout that would silently lose respondents, so an unknown layout is refused too.
    """
    if layout.platform == fmt or (layout.platform == "unknown" and fmt not in _SIGNED):
        return
    hint = (
        "leave --format out to detect it" if layout.platform != "unknown" else "is it a raw export?"
    )
    raise DataError(
        f"{layout.path}: --format {fmt} does not match the file: it looks like {layout.describe()} "
        f"({hint})"
    )


def detect_format(
    path: str | Path, encoding: str | None = None, instrument: Instrument | None = None
) -> str:
    """The platform of an export, from its extension and header rows.

    Examples
    --------
    >>> detect_format("raw/ccg-2020-wave2-wjx.csv")  # doctest: +SKIP
    'wjx'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".sav", ".zsav"):
        return "sav"
    if suffix == ".qsf":
        raise DataError(
            f"{path}: a Qualtrics survey definition (.qsf), not responses: draft an instrument "
            "from it with python -m survey.instrument import, and read the CSV export"
        )
    layout = read_layout(path, encoding)
    if layout.platform == "xlsform":
        raise DataError(
            f"{path}: {layout.describe()}: draft an instrument from it with "
            "python -m survey.instrument import, and read the responses export"
        )
    if layout.platform != "unknown":
        return layout.platform
    first = set(layout.headers[0])
    if (
        instrument is not None
        and len(first & set(instrument.raw_columns)) > len(instrument.raw_columns) / 2
    ):
        return "canonical"  # read_raw then names any missing or unexpected column
    raise DataError(
        f"{path}: cannot tell the export's platform from its header: it has {layout.describe()} "
        f"(pass a format: {', '.join(READERS)})"
    )


def read_platform(
    path: str | Path,
    instrument: Instrument,
    fmt: str | None = None,
    *,
    encoding: str | None = None,
    allow_extra_columns: bool = False,
    keep_test_rows: bool = False,
) -> pd.DataFrame:
    """Read a survey-platform export into the canonical typed layout.

    Parameters
    ----------
    path : str or Path
        The export (CSV or XLSX; ``.sav`` for SPSS).
    instrument : Instrument
        The instrument at the version the wave was fielded with.
    fmt : str, optional
        A key of :data:`READERS`; ``None`` or ``"auto"`` detects it from the header.
    encoding : str, optional
        Text encoding; by default UTF-8 (with or without BOM), then GB18030.
    allow_extra_columns : bool
        Ignore columns the mapping does not know instead of failing.
    keep_test_rows : bool
        Keep the rows the platform marks as previews or tests (Qualtrics Status 1/2)
        as respondents; by default cleaning excludes them (reason ``test_response``).

    Returns
    -------
    pandas.DataFrame
        Exactly what :func:`survey.read.canonical.read_raw` returns for the canonical
        layout.  ``frame.attrs["platform"]`` says what was read: ``format``,
        ``variant``, ``encoding``, ``detected`` and ``notes`` (ignored metadata,
        where the respondent id came from, test rows, ...).  ``raw_row`` is the number
        of the data record in the export (after its header rows).
        ``frame.attrs["excluded"]`` maps the ``raw_row`` of each test row to
        ``(reason, detail)`` for cleaning.

    Raises
    ------
    DataError
        One line naming the file and every drift problem (missing, unexpected,
        unknown option labels or codes, changed option order), or a reading problem
        (naming the column and row), or a format that does not match the file.

    Examples
    --------
    >>> inst = load_instrument("instruments/ccg-2020.yaml").at_version("1.1.0")  # doctest: +SKIP
    >>> frame = read_platform("raw/ccg-2020-wave2-wjx.csv", inst, "wjx")  # doctest: +SKIP
    """
    path = Path(path)
    detected = (fmt or "auto").lower() == "auto"
    name = detect_format(path, encoding, instrument) if detected else _known_format(path, fmt)
    export = READERS[name](path, instrument, encoding, allow_extra_columns, keep_test_rows)
    out = typed(export.frame, instrument, path)
    out[RAW_ROW] = export.rows
    out.attrs.update(_attrs(export, name, detected))
    return out


def _known_format(path: Path, fmt: str | None) -> str:
    """``fmt`` as a key of :data:`READERS`, or a one-line error listing the valid ones."""
    name = (fmt or "").lower()
    if name not in READERS:
        raise DataError(
            f"{path}: unknown platform format '{fmt}' (valid: auto, {', '.join(READERS)})"
        )
    return name


def _attrs(export: Export, name: str, detected: bool) -> dict[str, Any]:
    """The frame's ``platform`` (what was read) and ``excluded`` (test rows by ``raw_row``)."""
    platform = {
        "format": name,
        "detected": detected,
        "variant": export.info.get("variant"),
        "encoding": export.info.get("encoding"),
        "notes": list(export.info.get("notes", [])),
    }
    excluded = {
        int(export.rows[pos]): (TEST_ROW, detail) for pos, detail in export.excluded.items()
    }
    return {"platform": platform, "excluded": excluded}
