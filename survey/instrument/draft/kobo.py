"""An instrument drafted from a KoboToolbox/ODK export itself (no XLSForm at hand).

Metadata (``start``, ``end``, ``_uuid`` ...) becomes paradata by role.  A question is named
by its header's last ``/`` part (``source`` when that is not a valid id).  By the answers:
numbers are numeric (the range seen), dates and times are paradata, ``name/choice``
columns of 0/1 beside a ``name`` column are a multi-select with those choice names, short
answers without spaces (``apples``) are a single choice whose options carry the choice
names, anything else is text.  A geopoint (a column with ``_<name>_latitude`` beside it)
is personal paradata.  Each further sheet of an XLSX export is a repeat group: its
columns become the repeat's questions.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from survey.formats.layouts import (
    KOBO_GEO_PARTS,
    KOBO_METADATA,
    KOBO_REPEAT_KEYS,
    Layout,
    layout_of,
)
from survey.instrument.draft.common import Draft, default_quality, make_id, paradata

ROLE_IDS = {"id": "respondent_id", "start": "start_time", "submit": "submit_time"}
NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
TIME = re.compile(r"^\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d|Z)?)?$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def draft_export(layout: Layout, languages: list[str]) -> Draft:
    """Draft an instrument from a Kobo CSV/XLSX export and its repeat-group sheets.

    Examples
    --------
    >>> from survey.formats.layouts import read_layout
    >>> draft = draft_export(read_layout(Path("kobo.xlsx")), ["en"])  # doctest: +SKIP
    """
    d = Draft(study={}, languages=languages, source=layout.path.name)
    d.study = {"id": make_id(layout.path.stem, set(), "study"), "title": d.label(layout.path.stem)}
    d.note(
        "study",
        "guessed from a KoboToolbox export: types and options come from the answers seen; "
        "import the XLSForm instead for its labels and skip logic",
    )
    _columns(d, list(layout.headers[0]), layout.body, repeat=None)
    for sheet, grid in layout.sheets.items():
        table = layout_of(grid, layout.path, "xlsx", platform="kobo")
        rid = d.ident(sheet)
        d.repeats.append({"id": rid, "sheet": sheet, "label": d.label(sheet)})
        keep = [
            (j, h)
            for j, h in enumerate(table.headers[0])
            if h.split("/")[-1] not in KOBO_REPEAT_KEYS and not h.startswith("_submission_")
        ]
        _columns(
            d,
            [h for _, h in keep],
            table.body[[j for j, _ in keep]].set_axis(range(len(keep)), axis=1),
            repeat=rid,
        )
    if not any(q.get("role") == "id" for q in d.questions):
        d.questions.insert(
            0, paradata(d, "id", "respondent_id", "Row number", {"row_number": True})
        )
        d.note(
            "question:respondent_id",
            "guessed: no _uuid column: the row number is the respondent id",
        )
    default_quality(d)
    return d


def _columns(d: Draft, header: list[str], body: pd.DataFrame, repeat: str | None) -> None:
    names = [h.split("/")[-1] for h in header]
    geo = {f"_{n}{part}" for n in names for part in KOBO_GEO_PARTS}
    multis = {h.rsplit("/", 1)[0] for h in header if "/" in h and h.rsplit("/", 1)[0] in header}
    for j, (h, name) in enumerate(zip(header, names)):
        values = [v for v in body[j] if v not in ("", "None")]
        if repeat is None and name in KOBO_METADATA:
            role = KOBO_METADATA[name]
            if role and not any(q.get("role") == role for q in d.questions):
                d.add(paradata(d, role, ROLE_IDS[role], name))
            continue
        if h in geo or (("/" in h) and h.rsplit("/", 1)[0] in multis):
            continue
        q: dict[str, Any] = {"id": d.ident(name)}
        if h in multis:
            choices = [x.rsplit("/", 1)[1] for x in header if x.startswith(h + "/")]
            q.update(
                type="multi",
                options=[
                    {"code": k, "label": d.label(c), "name": c}
                    for k, c in enumerate(choices, start=1)
                ],
            )
            note = "guessed: a select_multiple (its choice columns); labels are the choice names"
        elif any(f"_{name}{part}" in geo and f"_{name}{part}" in header for part in KOBO_GEO_PARTS):
            q.update(type="paradata", role="other", personal=True)
            note = "a geopoint: personal data, kept out of exports unless asked for"
        else:
            note = _by_answers(d, q, name, values)
        q["text"] = d.label(name.replace("_", " ").strip())
        if q["id"] != name:
            q["source"] = h
        if repeat is not None:
            q["repeat"] = repeat
        d.add(q, *([note] if note else []))


def _by_answers(d: Draft, q: dict[str, Any], name: str, values: list[str]) -> str:
    if values and all(NUMBER.match(v) for v in values):
        numbers = [float(v) for v in values]
        rng = [min(numbers), max(numbers)]
        q.update(type="numeric", range=[int(v) if v.is_integer() else v for v in rng])
        return f"guessed: a number; range {q['range']} is the one seen"
    if values and all(TIME.match(v) for v in values):
        q.update(type="paradata", role="other")
        return "a date or time: kept as text"
    if (
        len(values) >= 3
        and all(NAME.match(v) for v in values)
        and len(set(values)) <= 0.6 * len(values)
    ):
        choices = list(dict.fromkeys(values))
        sid = make_id(q["id"], {s.lower() for s in d.scales})
        d.scales[sid] = {
            "codes": [
                {"code": k, "label": d.label(c), "name": c} for k, c in enumerate(choices, start=1)
            ]
        }
        q.update(type="single", scale=sid)
        return (
            "guessed: a select_one by the choice names answered (coded 1, 2, ... in the order seen; "
            "labels are the names); choices nobody chose are missing"
        )
    q["type"] = "text"
    return "" if values else "guessed: no answers seen: drafted as text"
