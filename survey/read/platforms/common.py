"""What every platform reader shares: the mapping so far, cell decoding, times, assembling.

A reader walks an export's columns and puts each one it knows into the canonical layout
(:attr:`Instrument.raw_columns`) through :class:`Mapping`; every disagreement with the
instrument is a problem of a kind, and :func:`finish` raises them all at once.  Messages
name columns, option labels written by the platform and row numbers, never a respondent's
free text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.formats.layouts import norm
from survey.i18n import english_name
from survey.instrument import Instrument, Question
from survey.read.canonical import TIME_FORMAT
from survey.read.times import parse_times

_SHOW = 8
_CELL = 40  # characters of a cell shown in a message

BLANK_MARKERS = {
    "(跳过)",
    "(空)",
}  # WJX: skipped, empty (after NFKC: full-width parentheses become ASCII)
SKIP_CODES = {"-2", "-3"}  # WJX numeric export: skipped, not shown
# what platforms write besides the canonical format and ISO 8601 (tried after them)
TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M %p",
)
PROBLEM_ORDER = [
    "missing column(s)",
    "unexpected column(s)",
    "question text differs",
    "unknown option label(s)",
    "unknown option code(s)",
    "value label disagrees with the instrument",
    "user-missing in the file but substantive in the instrument",
    "option order differs from the instrument",
]
TEST_ROW = "test_response"  # the exclusion reason of a platform's preview/test rows


@dataclass
class Export:
    """A platform export mapped to the canonical layout (strings), with what was done.

    ``excluded`` maps a row position (0-based, in ``frame``) to the detail of a row the
    platform marks as a preview/test response: it is read, then excluded by cleaning.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    info: dict = field(default_factory=dict)
    excluded: dict[int, str] = field(default_factory=dict)


@dataclass
class Mapping:
    """Canonical columns found so far, drift problems by kind, and notes."""

    columns: dict[str, pd.Series] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def problem(self, kind: str, what: str) -> None:
        self.problems.setdefault(kind, []).append(what)


def listing(items: Iterable[str]) -> str:
    """At most eight items joined, with how many more."""
    items = list(dict.fromkeys(items))
    more = f" and {len(items) - _SHOW} more" if len(items) > _SHOW else ""
    return ", ".join(items[:_SHOW]) + more


def shown(cell: object) -> str:
    """A cell quoted for a message, cut to a few words."""
    text = norm(cell)
    return f"'{text[:_CELL]}…'" if len(text) > _CELL else f"'{text}'"


# --------------------------------------------------------------------------- instrument lookups


def by_name(instrument: Instrument) -> dict[str, Question]:
    """Questions by the column name an export uses: ``source`` when declared, and the id."""
    out: dict[str, Question] = {}
    for q in instrument.questions:
        out[q.id] = q
        if q.source:
            out[q.source] = q
    return out


def label_index(q: Question) -> dict[str, int]:
    """Normalised label (any language) and option name -> code."""
    out = {norm(text): c.code for c in q.codes for text in c.label.values()}
    out.update({norm(c.name): c.code for c in q.codes if c.name is not None})
    return out


def label_language(q: Question, labels: Sequence[str]) -> str | None:
    """The first of ``q``'s languages whose option labels include every one of ``labels``."""
    for lang in q.text:
        texts = {norm(c.label.get(lang, "")) for c in q.codes}
        if labels and all(norm(label) in texts for label in labels):
            return lang
    return None


def option_by(q: Question, key: str, names_first: bool = False) -> int | None:
    """The code of option ``key`` of ``q``: by code, or by option name (first, when asked)."""
    by_code = {str(c.code): c.code for c in q.codes}
    by_option_name = {c.name: c.code for c in q.codes if c.name is not None}
    first, second = (by_option_name, by_code) if names_first else (by_code, by_option_name)
    return first.get(key, second.get(key))


def text_index(instrument: Instrument, paradata: bool) -> dict[str, Question]:
    """Normalised question text (any language) and id -> question."""
    out: dict[str, Question] = {}
    for q in instrument.questions:
        if (q.type == "paradata") == paradata:
            out.update({norm(t): q for t in q.text.values()})
            out[q.id] = q
    return out


# --------------------------------------------------------------------------- cell decoding


def decode_codes(values: pd.Series, q: Question, where: str, m: Mapping) -> pd.Series:
    """Codes as text: a code stays, a label or option name becomes its code, markers become blank.

    An unknown label is drift (shown cut to a few words); a code outside the instrument is not
    (cleaning's ``out_of_range`` rule decides about it).
    """
    labels = label_index(q)
    mapping, unknown = {}, []
    for v in values.unique():
        t = norm(v)
        if t == "" or t in BLANK_MARKERS or t in SKIP_CODES:
            mapping[v] = ""
        elif re.fullmatch(r"[+-]?\d+(\.0*)?", t):
            mapping[v] = str(int(float(t)))
        elif t in labels:
            mapping[v] = str(labels[t])
        else:
            mapping[v] = v
            unknown.append(shown(t))
    if unknown:
        m.problem("unknown option label(s)", f"{where}: {listing(sorted(unknown))}")
    return values.map(mapping)


def decode_plain(values: pd.Series, numeric: bool) -> pd.Series:
    """Numbers and text: blank markers (and WJX skip codes in numeric columns) become blank."""
    blank = values.map(norm).isin(BLANK_MARKERS | (SKIP_CODES if numeric else set()))
    return values.mask(blank, "")


def fill_unticked(ticks: dict[int, pd.Series]) -> dict[int, pd.Series]:
    """Blank option cells become 0 where another option of the question is ticked."""
    frame = pd.DataFrame(ticks)
    ticked = (frame == "1").any(axis=1)
    return {code: col.mask(ticked & (col == ""), "0") for code, col in frame.items()}


def joined_ticks(
    values: pd.Series,
    q: Question,
    sep: str,
    where: str,
    m: Mapping,
    empty_means_none: bool,
    check_order: bool = True,
) -> dict[int, pd.Series]:
    """0/1 option columns from joined answers (labels, names or codes separated by ``sep``)."""
    labels = label_index(q)
    order = [c.code for c in q.codes]
    per_value: dict[object, set[int] | None] = {}
    unknown: list[str] = []
    disordered: list[str] = []
    for v in values.unique():
        t = norm(v)
        if t in BLANK_MARKERS or (t == "" and not empty_means_none):
            per_value[v] = None
            continue
        codes = []
        for part in (p.strip() for p in t.split(sep) if p.strip()):
            part = re.sub(r"〖.*〗$", "", part).strip()
            code = int(part) if part.isdigit() else labels.get(part)
            if code is None or code not in order:
                unknown.append(shown(part))
            else:
                codes.append(code)
        if check_order and [order.index(c) for c in codes] != sorted(order.index(c) for c in codes):
            disordered.append(shown(t))
        per_value[v] = set(codes)
    if unknown:
        m.problem("unknown option label(s)", f"{where}: {listing(sorted(unknown))}")
    if disordered:
        m.problem("option order differs from the instrument", f"{where} has {listing(disordered)}")
    return {
        code: values.map(
            {v: "" if got is None else str(int(code in got)) for v, got in per_value.items()}
        )
        for code in order
    }


def times(values: pd.Series, where: str, path: Path, instrument: Instrument) -> pd.Series:
    """Canonical time text (to the second) from a platform's format; blank stays blank.

    Parsed by :func:`survey.read.times.parse_times` (the canonical reader's parser) with
    the platforms' own :data:`TIME_FORMATS` after the instrument's ``times.format``.

    Raises
    ------
    DataError
        Naming the file, the column and the first row whose time no format reads.
    """
    text = values.astype(str).str.strip()
    parsed, bad = parse_times(text, instrument.times, TIME_FORMATS)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: column {where}, row {row + 1}: {shown(text.iloc[row])} is not a time I know "
            f"(declare its format as times.format in the instrument); {int(bad.sum())} row(s) in all"
        )
    return parsed.dt.strftime(TIME_FORMAT).fillna("")


# --------------------------------------------------------------------------- assembling


def put_question(q: Question, values: pd.Series, where: str, m: Mapping) -> None:
    """A non-multi question's column, decoded by its type."""
    if q.coded:
        m.columns[q.id] = decode_codes(values, q, where, m)
    else:
        m.columns[q.id] = decode_plain(values, numeric=q.type == "numeric")


#: A multi-select's option columns found in a header, by question id:
#: ``(question, [(header position, code, values), ...])``.
OptionColumns = dict[str, tuple[Question, list[tuple[int, int, pd.Series]]]]


def put_options(
    q: Question,
    found: list[tuple[int, int, pd.Series]],
    m: Mapping,
    fill: bool = False,
    check_order: bool = True,
    labels: Sequence[str] = (),
) -> None:
    """A multi's option columns from (header position, code, values); order checked when asked.

    ``labels`` are the option labels as the export wrote them: the order message names the
    options in their language (:func:`label_language`), else in the question's first one.
    """
    codes = [code for _, code, _ in sorted(found, key=lambda t: t[0])]
    order = [c.code for c in q.codes]
    known = [c for c in codes if c in order]
    if check_order and known != sorted(known, key=order.index):
        lang = label_language(q, labels) or next(iter(q.text), "en")
        shown = [q.label(c, lang) for c in known]
        m.problem("option order differs from the instrument", f"{q.id} ({' | '.join(shown)})")
    ticks = {code: decode_plain(v, numeric=True) for _, code, v in found if code in order}
    m.columns.update(
        {f"{q.id}_{code}": v for code, v in (fill_unticked(ticks) if fill else ticks).items()}
    )


def put_paradata(
    q: Question,
    values: pd.Series,
    where: str,
    path: Path,
    m: Mapping,
    instrument: Instrument,
    tags: bool = False,
) -> None:
    """A paradata column: times converted, an IP's location suffix dropped, codes decoded."""
    if q.role in ("start", "submit"):
        m.columns[q.id] = times(values, where, path, instrument)
    elif q.role == "ip":
        m.columns[q.id] = values.str.replace(r"\s*[(（].*$", "", regex=True)
    elif q.role == "language" and tags:
        m.columns[q.id] = language_codes(values, q)
    elif q.coded:
        m.columns[q.id] = decode_codes(values, q, where, m)
    else:
        m.columns[q.id] = values


def paradata_by_role(
    instrument: Instrument, role: str, values: pd.Series, where: str, path: Path, m: Mapping
) -> None:
    """Put platform metadata in the instrument's paradata column of ``role`` (unless already given)."""
    q = instrument.by_role(role)
    if q is not None and q.id not in m.columns and not q.row_number:
        put_paradata(q, values, where, path, m, instrument, tags=True)


def language_codes(values: pd.Series, q: Question) -> pd.Series:
    """Platform language tags ("EN", "ZH-S", "zh") -> codes of the language question (by English name)."""
    names = {norm(c.label.get("en", "")).lower(): str(c.code) for c in q.codes}
    tags = values.str.lower().str.split(r"[-_]", regex=True).str[0]
    return tags.map(lambda t: names.get(english_name(t).lower(), "") if t else "")


def metadata(
    header: str, table: MappingABC[str, str | None], m: Mapping
) -> tuple[bool, str | None]:
    """(is a metadata column of the platform, its paradata role or None)."""
    if header in table:
        if table[header] is None:
            m.notes.append(f"ignored metadata column '{header}'")
        return True, table[header]
    return False, None


def finish(
    instrument: Instrument,
    m: Mapping,
    extra: list[str],
    allow_extra: bool,
    path: Path,
    fmt: str,
    n: int,
    platform_lacks: Iterable[str] = (),
) -> pd.DataFrame:
    """Check completeness, raise every drift problem at once, return the canonical string frame.

    A declared row-number id (``source: {row_number: true}``) is filled here: 1, 2, ...
    """
    ident = instrument.by_role("id")
    if ident is not None and ident.row_number:
        m.columns[ident.id] = pd.Series([str(i) for i in range(1, n + 1)])
        m.notes.append(f"{ident.id} is the row number in the file (declared: source row_number)")
    lacks = set(platform_lacks)
    missing = []
    for q in instrument.questions:
        absent = [c for c in q.columns if c not in m.columns]
        if not absent:
            continue
        if q.type == "paradata" and (q.role in lacks or q.role in ("language", "other")):
            m.notes.append(f"{q.id}: not recorded by {fmt}, left blank")
            m.columns[q.id] = pd.Series("", index=range(n))
        else:
            missing += absent
    if missing:
        m.problem("missing column(s)", listing(missing))
    if extra and not allow_extra:
        m.problem(
            "unexpected column(s)",
            listing(shown(c) for c in extra) + " (--allow-extra-columns to ignore)",
        )
    elif extra:
        m.notes.append(f"ignored column(s): {listing(extra)}")
    if m.problems:
        kinds = sorted(
            m.problems,
            key=lambda k: PROBLEM_ORDER.index(k) if k in PROBLEM_ORDER else len(PROBLEM_ORDER),
        )
        listed = "; ".join(f"{kind}: {'; '.join(m.problems[kind])}" for kind in kinds)
        raise DataError(
            f"{path}: {fmt} export does not match instrument {instrument.id} {instrument.version}: "
            f"{listed}"
        )
    return pd.DataFrame({c: m.columns[c].reset_index(drop=True) for c in instrument.raw_columns})
