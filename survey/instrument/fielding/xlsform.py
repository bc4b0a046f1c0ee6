"""The instrument as an XLSForm (ODK / KoboToolbox / SurveyCTO): :func:`to_xlsform`.

Every language is a ``label::English (en)`` column, skip logic is ``relevant`` XPath;
the workbook's bytes are fixed (:data:`FIXED_TIME`), so two exports are identical.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from survey.errors import ExportError
from survey.formats.files import write_bytes_atomic
from survey.i18n import N_, translator
from survey.instrument import Instrument, Question
from survey.instrument.fielding.common import (
    _literal,
    _title,
    language_column,
    relevant,
    shown_languages,
    word,
)

# Fixed timestamp of every generated workbook, so that two exports are byte-identical.
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- XLSForm


def _metadata_type(q: Question) -> str | None:
    """The XLSForm metadata type of a paradata field, or None when the form omits it."""
    return {"start": "start", "submit": "end"}.get(q.role or "")


# Notes of the XLSForm's notes sheet, in the form's default language.
OMITTED = {
    "id": N_("omitted: the platform generates meta/instanceID; map it to {id} on import"),
    "ip": N_(
        "omitted: a form cannot record the IP address; take it from the hosting platform's export "
        "if it records one (personal data)"
    ),
    "language": N_(
        "omitted: XForms do not record the display language; if needed, add a question or "
        "take it from the platform's metadata"
    ),
    "other": N_("omitted: paradata recorded by the platform"),
}
METADATA_NOTE = N_("XLSForm metadata '{kind}'")


def xlsform_sheets(
    instrument: Instrument, default_language: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The rows of the XLSForm sheets ``survey``, ``choices``, ``settings`` and ``notes``.

    Parameters
    ----------
    instrument : Instrument
    default_language : str, optional
        Language code shown first by the form (``settings.default_language``), also
        the language of ``form_title`` and of the notes sheet; English if the
        instrument has it, else its first language.

    Returns
    -------
    dict of sheet name to list of row mappings (column name to value)

    Examples
    --------
    >>> sheets = xlsform_sheets(inst)  # doctest: +SKIP
    >>> sheets["settings"][0]["form_id"]  # doctest: +SKIP
    'my-study'
    """
    default_language = default_language or (
        "en" if "en" in instrument.languages else instrument.languages[0]
    )
    shown_languages(instrument, [default_language])
    t = translator(default_language)
    langs = [language_column(lang) for lang in instrument.languages]
    survey: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    grid = None
    for q in instrument.questions:
        if q.grid != grid:  # a grid's items on one screen, under the grid's wording
            survey += _group_rows(instrument, grid, q.grid, langs)
            grid = q.grid
        if q.type != "paradata":
            survey.append({"name": q.id, **_survey_row(q, instrument, langs)})
            continue
        kind = _metadata_type(q)
        if kind is None:
            note = t.gettext(OMITTED.get(q.role or "other", OMITTED["other"])).format(id=q.id)
        else:
            survey.append({"name": q.id, "type": kind})
            note = t.gettext(METADATA_NOTE, kind=kind)
        notes.append({"name": q.id, "role": q.role, "note": note})
    survey += _group_rows(instrument, grid, None, langs)
    settings = {
        "form_title": _title(instrument, default_language),
        "form_id": instrument.id,
        "version": instrument.version,
        "default_language": language_column(default_language),
    }
    choices = _choice_rows(instrument, langs)
    return {"survey": survey, "choices": choices, "settings": [settings], "notes": notes}


def _group_rows(
    instrument: Instrument, ended: str | None, begun: str | None, langs: list[str]
) -> list[dict[str, Any]]:
    """The survey rows between two questions: the end of grid ``ended``, the start of ``begun``."""
    rows: list[dict[str, Any]] = []
    if ended is not None:
        rows.append({"type": "end_group", "name": ended})
    if begun is not None:
        stem = instrument.grid(begun)
        labels = {
            f"label::{col}": stem.wording(lang) for col, lang in zip(langs, instrument.languages)
        }
        rows.append({"type": "begin_group", "name": begun, "appearance": "field-list", **labels})
    return rows


def _choice_rows(instrument: Instrument, langs: list[str]) -> list[dict[str, Any]]:
    """The choices sheet: one list per scale (named by its id) and per multi (by the question's)."""
    rows: list[dict[str, Any]] = []
    lists: set[str] = set()
    for q in instrument.questions:
        listed = q.scale_id or q.id
        if q.coded and listed not in lists:
            lists.add(listed)
            for c in q.codes:
                labels = {
                    f"label::{col}": c.text(lang) for col, lang in zip(langs, instrument.languages)
                }
                rows.append({"list_name": listed, "name": str(c.code), **labels})
    return rows


def _survey_row(q: Question, instrument: Instrument, langs: list[str]) -> dict[str, Any]:
    """One question's row of the survey sheet (without its name)."""
    pairs = list(zip(langs, instrument.languages))
    row: dict[str, Any] = {f"label::{col}": q.wording(lang) for col, lang in pairs}
    if q.type == "single":
        row["type"] = f"select_one {q.scale_id}"
    elif q.type == "multi":
        row["type"] = f"select_multiple {q.id}"
        row.update({f"hint::{col}": word("multi", lang) for col, lang in pairs})
        row.update(exclusive_constraint(q, pairs))
    elif q.type == "numeric":
        row.update(_range_row(q.range, pairs))
    else:
        row["type"] = "text"
    row["required"] = "yes" if q.required else None
    row["relevant"] = relevant(q.ask_if, instrument) if q.ask_if is not None else None
    return row


def _range_row(
    bounds: tuple[float, float] | None, pairs: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """A numeric question's type, its range constraint and the range as message and hint."""
    if bounds is None:  # only an instrument built in code: a YAML numeric declares its range
        return {"type": "decimal"}
    lo, hi = bounds
    message = {col: word("range", lang, lo=_literal(lo), hi=_literal(hi)) for col, lang in pairs}
    return {
        "type": "integer" if float(lo).is_integer() and float(hi).is_integer() else "decimal",
        "constraint": f". >= {_literal(lo)} and . <= {_literal(hi)}",
        **{f"constraint_message::{col}": text for col, text in message.items()},
        **{f"hint::{col}": text for col, text in message.items()},
    }


def exclusive_constraint(q: Question, pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The XLSForm constraint of a multi-select's exclusive options ("None of these" alone) and its messages.

    Examples
    --------
    >>> exclusive_constraint(q, [("English (en)", "en")])["constraint"]  # doctest: +SKIP
    "not(selected(., '99') and count-selected(.) > 1)"
    """
    if not q.exclusive_codes:
        return {}
    out = {
        "constraint": " and ".join(
            f"not(selected(., '{code}') and count-selected(.) > 1)" for code in q.exclusive_codes
        )
    }
    for col, lang in pairs:
        labels = word("list_sep", lang).join(
            f"'{q.label(code, lang)}'" for code in q.exclusive_codes
        )
        out[f"constraint_message::{col}"] = word("exclusive", lang, labels=labels)
    return out


def _sheet_columns(rows: list[dict[str, Any]], first: Sequence[str]) -> list[str]:
    """Columns in a fixed order: ``first``, then the rest in order of appearance."""
    seen = list(first)
    for row in rows:
        seen.extend(k for k in row if k not in seen)
    return [c for c in seen if any(row.get(c) not in (None, "") for row in rows)]


def xlsform_bytes(instrument: Instrument, default_language: str | None = None) -> bytes:
    """The XLSForm workbook as bytes, identical for identical instruments."""
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    sheets = xlsform_sheets(instrument, default_language)
    order = {
        "survey": ["type", "name"],
        "choices": ["list_name", "name"],
        "settings": ["form_title", "form_id", "version", "default_language"],
        "notes": ["name", "role", "note"],
    }
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        columns = _sheet_columns(rows, order[name])
        ws.append(columns)
        for row in rows:
            ws.append([row.get(c) for c in columns])
    wb.properties.creator = "survey"
    wb.properties.lastModifiedBy = "survey"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    # openpyxl stamps the modification time on save: write the core properties again.
    wb.properties.modified = FIXED_TIME
    core = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + tostring(
        wb.properties.to_tree()
    )
    return _fixed_zip(buffer.getvalue(), {"docProps/core.xml": core})


def _fixed_zip(data: bytes, members: Mapping[str, bytes]) -> bytes:
    """Rewrite a zip archive with fixed entry dates (members carry the time of writing) and some members replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, members.get(info.filename) or src.read(info.filename))
    return out.getvalue()


def to_xlsform(
    instrument: Instrument, path: str | Path, default_language: str | None = None
) -> Path:
    """Write the instrument as an XLSForm workbook (.xlsx) for ODK / KoboToolbox.

    Sheets: ``survey`` (type, name, ``label::<Language> (<code>)`` per language, hint,
    required, relevant, constraint, constraint_message), ``choices`` (one list per
    scale, named by the scale id, and one per multi-select question, named by the
    question id), ``settings`` (form_title, form_id = study id, version,
    default_language) and ``notes`` (what happens to each paradata field: start and
    submit times become the metadata types ``start`` and ``end``; the respondent id,
    IP address and language are left to the platform).  pyxform ignores ``notes``.

    Examples
    --------
    >>> to_xlsform(load_instrument("instruments/study.yaml"), "form.xlsx")  # doctest: +SKIP
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ExportError(f"{path}: an XLSForm must be written as .xlsx")
    return write_bytes_atomic(path, xlsform_bytes(instrument, default_language))
