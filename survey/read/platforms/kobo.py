"""KoboToolbox / ODK exports (XML values and headers), CSV or XLSX, with their repeat groups.

``group/name`` prefixes are stripped (a question's ``source`` may also give the whole
header); ``start``/``end`` are start and submit; ``_uuid`` is the respondent id.  Select
answers are choice names (an option's ``name``, else its code).  select_multiple comes as
space-separated names or as split ``name/choice`` 0/1 columns (split columns win when both
are present).  Geopoints add ``_<name>_latitude``, ``_longitude``, ``_altitude`` and
``_precision`` columns (ignored: the point itself is the question).  Kobo writes the literal
``None`` for some empty cells: blank in coded, numeric and time columns.

An XLSX export puts each repeat group on its own sheet, joined to the main sheet by
``_submission__uuid`` (and ``_parent_index``).  A sheet the instrument declares under
``repeats`` is read by :func:`read_repeats` as its own table; any other sheet is refused
with a message naming it, so that no answers vanish unread.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.formats.layouts import KOBO_GEO_PARTS as GEO_PARTS
from survey.formats.layouts import KOBO_METADATA, Layout, layout_of, read_layout
from survey.formats.layouts import KOBO_REPEAT_KEYS as REPEAT_KEYS
from survey.instrument import Instrument, Question
from survey.read.platforms.common import (
    Export,
    Mapping,
    OptionColumns,
    by_name,
    decode_codes,
    decode_plain,
    finish,
    joined_ticks,
    metadata,
    option_by,
    paradata_by_role,
    put_options,
    put_paradata,
    put_question,
    times,
)

NONE = "None"


def read_kobo(layout: Layout, instrument: Instrument, allow_extra: bool, keep_test: bool) -> Export:
    """The main sheet (or CSV) of a Kobo export mapped onto the instrument."""
    _check_sheets(layout, instrument)
    header, body, path = layout.headers[0], layout.body, layout.path
    questions = by_name(instrument)
    m, extra = Mapping(), []
    options: OptionColumns = {}
    joined: dict[str, tuple[str, pd.Series]] = {}
    geo = {f"_{name.split('/')[-1]}{part}" for name in header for part in GEO_PARTS}
    for j, h in enumerate(header):
        parts = h.split("/")
        name, values = parts[-1], body[j]
        is_meta, role = metadata(name, KOBO_METADATA, m)
        if is_meta:
            if role:
                paradata_by_role(instrument, role, values, h, path, m)
            continue
        if h in geo:
            m.notes.append(f"ignored geopoint part '{h}'")
            continue
        q = questions.get(h) or questions.get(name)
        parent = questions.get("/".join(parts[:-1])) or (
            questions.get(parts[-2]) if len(parts) >= 2 else None
        )
        if q is None and parent is not None and parent.type == "multi":
            code = option_by(parent, name, names_first=True)
            if code is None:
                m.problem("unknown option code(s)", f"'{h}'")
            else:
                options.setdefault(parent.id, (parent, []))[1].append((j, code, values))
        elif q is None:
            extra.append(h)
        elif q.type == "multi":
            joined[q.id] = (h, values)
        else:
            _put(q, _none_blank(values, q), h, path, m, instrument)
    for q, found in options.values():
        put_options(q, found, m)
    for qid, (h, values) in joined.items():
        if qid in options:
            m.notes.append(f"{h}: split option columns used, joined column ignored")
            continue
        q = instrument.question(qid)
        ticks = joined_ticks(
            _none_blank(values, q), q, " ", h, m, empty_means_none=False, check_order=False
        )
        m.columns.update({f"{q.id}_{c}": v for c, v in ticks.items()})
    frame = finish(
        instrument,
        m,
        extra,
        allow_extra,
        path,
        "kobo",
        len(body),
        platform_lacks=("ip", "language"),
    )
    variant = "split" if options else "joined"
    info = {"variant": variant, "encoding": layout.encoding, "notes": m.notes}
    return Export(frame, np.arange(1, len(body) + 1), info)


def _none_blank(values: pd.Series, q: Question) -> pd.Series:
    """Kobo's literal ``None`` is an empty cell, except in free text (where it may be an answer)."""
    return values if q.type == "text" else values.mask(values == NONE, "")


def _put(
    q: Question, values: pd.Series, where: str, path: Path, m: Mapping, instrument: Instrument
) -> None:
    if q.type == "paradata":
        put_paradata(q, values, where, path, m, instrument)
    else:
        put_question(q, values, where, m)


def _check_sheets(layout: Layout, instrument: Instrument) -> None:
    """Refuse a further sheet (a repeat group) the instrument does not declare."""
    declared = {r.sheet or r.id for r in instrument.repeats}
    for sheet, grid in layout.sheets.items():
        if sheet in declared:
            continue
        first = [str(v) for v in grid.iloc[0]] if len(grid) else []
        kind = "a repeat group" if "_parent_index" in first else "a further sheet"
        raise DataError(
            f"{layout.path}: sheet '{sheet}' holds {kind} ({max(len(grid) - 1, 0)} row(s)) that instrument "
            f"{instrument.id} does not declare: add it under repeats (id, sheet: '{sheet}') and mark its "
            "questions with repeat: <id>, or export the main sheet only"
        )


# --------------------------------------------------------------------------- repeat groups


def read_repeats(
    path: str | Path, instrument: Instrument, respondents: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Every declared repeat group of a Kobo XLSX export as its own typed table.

    Parameters
    ----------
    path : path
        The export (its main sheet is the respondents, each further sheet a repeat group).
    instrument : Instrument
        Declares ``repeats`` (id, sheet) and the questions with ``repeat: <id>``.
    respondents : pandas.DataFrame, optional
        The read main sheet (``raw_row`` and the id column), to give each repeat row the
        respondent id; without it the Kobo ``_submission__uuid`` is the key.

    Returns
    -------
    dict of pandas.DataFrame
        By repeat id: ``<id question>, repeat_index, parent_index, parent_table`` and the
        repeat's questions (codes as ``Int64``, numbers as floats, text as strings).

    Examples
    --------
    >>> tables = read_repeats("kobo.xlsx", inst)   # doctest: +SKIP
    >>> tables["participants"].columns[:3].tolist()  # doctest: +SKIP
    ['respondent_id', 'repeat_index', 'parent_index']
    """
    path = Path(path)
    if not instrument.repeats:
        return {}
    layout = read_layout(path)
    ident = instrument.by_role("id")
    key = ident.id if ident else "respondent_id"
    main_ids = _main_ids(layout, respondents, key)
    out = {}
    for repeat in instrument.repeats:
        name = repeat.sheet or repeat.id  # as the instrument's loader defaults it
        if name not in layout.sheets:
            raise DataError(
                f"{path}: no sheet '{name}' for repeat group '{repeat.id}' "
                f"(sheets: {', '.join(layout.sheets) or 'none'})"
            )
        sheet = layout_of(layout.sheets[name], path, "xlsx", platform="kobo")
        questions = [q for q in instrument.repeat_questions if q.repeat == repeat.id]
        out[repeat.id] = _repeat_table(sheet, questions, instrument, main_ids, key, name)
    return out


def _main_ids(layout: Layout, respondents: pd.DataFrame | None, key: str) -> dict[str, str]:
    """Kobo ``_uuid`` of each main row -> respondent id as read (the uuid itself without them)."""
    header = list(layout.headers[0])
    if respondents is None or "_uuid" not in header:
        return {}
    ids = respondents.set_index("raw_row")[key].astype("string")
    return {
        uuid: str(ids.get(row, ""))
        for row, uuid in enumerate(layout.body[header.index("_uuid")], start=1)
    }


def _repeat_table(
    sheet: Layout,
    questions: list[Question],
    instrument: Instrument,
    main_ids: dict[str, str],
    key: str,
    name: str,
) -> pd.DataFrame:
    """One repeat sheet: keys, then each question's column typed."""
    header = list(sheet.headers[0])
    body = sheet.body
    column = {h.split("/")[-1]: j for j, h in enumerate(header)}
    column.update({h: j for j, h in enumerate(header)})
    missing = [q.id for q in questions if (q.source or q.id) not in column]
    if missing:
        raise DataError(f"{sheet.path}: sheet '{name}': missing column(s) {', '.join(missing)}")
    if "_submission__uuid" not in column:
        raise DataError(
            f"{sheet.path}: sheet '{name}' has no _submission__uuid column to join it to the respondents"
        )
    keys = {new: body[column[old]] for old, new in REPEAT_KEYS.items() if old in column}
    ids = body[column["_submission__uuid"]].map(lambda u: main_ids.get(u, u))
    out = {key: ids, **keys}
    m = Mapping()
    for q in questions:
        values = _none_blank(body[column[q.source or q.id]], q)
        out[q.id] = _typed(q, values, f"{name}/{q.id}", sheet.path, m, instrument)
    if m.problems:
        listed = "; ".join(f"{kind}: {'; '.join(v)}" for kind, v in m.problems.items())
        raise DataError(
            f"{sheet.path}: sheet '{name}' does not match instrument {instrument.id}: {listed}"
        )
    return pd.DataFrame(out)


def _typed(
    q: Question, values: pd.Series, where: str, path: Path, m: Mapping, instrument: Instrument
) -> pd.Series:
    """A repeat question's column typed like the respondents' (codes Int64, numbers float)."""
    if q.coded:
        text = decode_codes(values, q, where, m)
        return pd.to_numeric(text.replace("", None), errors="coerce").astype("Int64")
    if q.type == "numeric":
        text = decode_plain(values, numeric=True)
        numbers = pd.to_numeric(text.replace("", None), errors="coerce")
        bad = numbers.isna() & (text != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{path}: column {where}, row {row + 1}: not a number")
        return numbers.astype(float)
    if q.role in ("start", "submit"):
        return times(values, where, path, instrument)
    return values.where(values != "")
