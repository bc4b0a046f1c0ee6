"""Fielding the instrument: XLSForm, printable questionnaire, codebook.

Everything here is read off the :class:`~survey.instrument.Instrument`; nothing
knows a study.  Three documents come out of one instrument:

- an XLSForm (ODK / KoboToolbox / SurveyCTO) with every language as
  ``label::English (en)`` columns and skip logic as ``relevant`` XPath;
- a printable bilingual questionnaire (Markdown or self-contained HTML);
- a codebook of the clean respondent file (Markdown, or a tidy CSV).

Each writer builds the whole file in memory and replaces the target atomically.
``python -m survey.instrument export ...`` runs :func:`main`.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from survey.errors import ExportError, InstrumentError
from survey.formats.files import write_bytes_atomic
from survey.i18n import N_, check_language, english_name, translator
from survey.instrument import Derived, Instrument, Question

FORMATS = ("xlsform", "questionnaire", "codebook")
# Fixed timestamp of every generated workbook, so that two exports are byte-identical.
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)

# Words of the generated documents (not of any study), translated into each language shown
# by the message catalogues (survey/locale/, see survey.i18n); English where a catalogue lacks one.
WORDS: dict[str, str] = {
    "ask_if": N_("Ask if {cond}"),
    "all": N_("All respondents"),
    # Translators: joins two conditions ("A and B"); mind the spaces.
    "and": N_(" and "),
    "or": N_(" or "),
    "not": N_("not ({cond})"),
    "answered": N_("{ref} answered"),
    "blank": N_("{ref} not answered"),
    "one_of": N_("{ref} is one of {values}"),
    "none_of": N_("{ref} is none of {values}"),
    "selected": N_("'{label}' selected at {ref}"),
    "not_selected": N_("'{label}' not selected at {ref}"),
    "list_sep": N_(", "),
    "multi": N_("(select all that apply)"),
    "range": N_("Number from {lo} to {hi}"),
    # Translators: brackets around a note; {text} is left as it is.
    "paren": N_("({text})"),
    "open": N_("(open answer)"),
    "optional": N_("(optional)"),
    "specify": N_("specify at {ref}"),
    "version": N_("Instrument version"),
    "paradata": N_("Appendix: paradata recorded by the platform"),
    "personal": N_("personal data"),
    "option_selected": N_("Selected"),
    "option_not_selected": N_("Not selected"),
    "exclusive": N_("{labels} cannot be combined with another answer"),
    # Codebook (Markdown) headings.
    "codebook": N_("Codebook: {title}"),
    "study_version": N_("Study `{study}`, instrument version {version}."),
    "label_in": N_("label ({language})"),
    "question": N_("question"),
    "type": N_("type"),
    "measure": N_("measure"),
    "missing_codes": N_("missing codes"),
    "universe_in": N_("universe ({language})"),
    "derived_from": N_("derived from"),
    "code": N_("code"),
    "yes": N_("yes"),
    "no": N_("no"),
}
_SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
_XPATH_OPS = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def word(key: str, lang: str, **fields: Any) -> str:
    """A generated phrase in ``lang`` (English when its catalogue has none)."""
    return translator(lang).gettext(WORDS[key]).format(**fields)


def language_column(lang: str) -> str:
    """The XLSForm name of a language: ``"English (en)"`` (English name from CLDR)."""
    return f"{english_name(lang)} ({lang})"


# --------------------------------------------------------------------------- conditions


def _columns(instrument: Instrument) -> dict[str, tuple[Question, int | None]]:
    """Every name a condition may use: question ids, and multi option columns with their code."""
    out: dict[str, tuple[Question, int | None]] = {}
    for q in instrument.questions:
        out[q.id] = (q, None)
        if q.type == "multi":
            out.update({f"{q.id}_{c.code}": (q, c.code) for c in q.codes})
    return out


def _resolve(name: str, columns: Mapping[str, tuple[Question, int | None]]) -> tuple[Question, int | None]:
    if name not in columns:
        raise ExportError(f"skip logic refers to '{name}', not a question or option of this instrument version")
    return columns[name]


def _literal(value: Any) -> str:
    """An XPath literal: numbers as numbers, text quoted."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value)
    return f'"{text}"' if "'" in text else f"'{text}'"


def relevant(cond: Mapping[str, Any], instrument: Instrument) -> str:
    """Translate a declarative condition into an XLSForm ``relevant`` XPath expression.

    A missing answer never satisfies a comparison (as in :func:`survey.instrument.conditions.evaluate`),
    so ``ne`` and ``not_in`` also require an answer.  A multi-select option column
    ``<id>_<code>`` becomes ``selected(${<id>}, '<code>')``.

    Examples
    --------
    >>> relevant({"question": "q1", "op": "in", "value": [1, 2]}, inst)  # doctest: +SKIP
    '(${q1} = 1 or ${q1} = 2)'
    """
    return _xpath(cond, _columns(instrument))


def _xpath(cond: Mapping[str, Any], columns: Mapping[str, tuple[Question, int | None]]) -> str:
    if "all" in cond:
        return "(" + " and ".join(_xpath(c, columns) for c in cond["all"]) + ")"
    if "any" in cond:
        return "(" + " or ".join(_xpath(c, columns) for c in cond["any"]) + ")"
    if "not" in cond:
        return f"not({_xpath(cond['not'], columns)})"
    question, code = _resolve(cond["question"], columns)
    ref, op, value = f"${{{question.id}}}", cond["op"], cond.get("value")
    if op == "answered":
        return f"{ref} != ''"
    if op == "blank":
        return f"{ref} = ''"
    if code is not None:
        return _option_xpath(ref, code, op, value)
    if op == "in":
        return "(" + " or ".join(f"{ref} = {_literal(v)}" for v in value) + ")"
    if op == "not_in":
        return f"({ref} != '' and not(" + " or ".join(f"{ref} = {_literal(v)}" for v in value) + "))"
    if op == "ne":
        return f"({ref} != '' and {ref} != {_literal(value)})"
    return f"{ref} {_XPATH_OPS[op]} {_literal(value)}"


def _option_xpath(ref: str, code: int, op: str, value: Any) -> str:
    """A comparison on a 0/1 option column of a multi-select question."""
    chosen = f"selected({ref}, '{code}')"
    if op in ("in", "not_in"):
        hits = {int(v) for v in value if v in (0, 1)}
        if op == "not_in":
            hits = {0, 1} - hits
    else:
        number = f"if({chosen}, 1, 0)"
        if op in ("lt", "le", "gt", "ge"):
            return f"({ref} != '' and {number} {_XPATH_OPS[op]} {_literal(value)})"
        hits = {int(value)} if value in (0, 1) else set()
        if op == "ne":
            hits = {0, 1} - hits
    if hits == {1}:
        return chosen
    if hits == {0}:
        return f"({ref} != '' and not({chosen}))"
    return f"{ref} != ''" if hits else "false()"


def describe(
    cond: Mapping[str, Any] | None,
    instrument: Instrument,
    lang: str = "en",
    numbers: Mapping[str, int] | None = None,
) -> str:
    """A condition in words, with value labels: ``"Q3 member = Yes"``.

    ``None`` (no skip logic) reads "All respondents".  ``numbers`` maps question ids
    to their number in the printed questionnaire (shown as ``Q<n>``).

    Examples
    --------
    >>> describe({"question": "q1", "op": "eq", "value": 1}, inst)  # doctest: +SKIP
    'q1 = Yes'
    """
    if cond is None:
        return word("all", lang)
    return _words(cond, _columns(instrument), lang, numbers or {})


def _words(cond: Mapping[str, Any], columns: Mapping, lang: str, numbers: Mapping[str, int]) -> str:
    for key, joiner in (("all", "and"), ("any", "or")):
        if key in cond:
            parts = [_words(c, columns, lang, numbers) for c in cond[key]]
            text = word(joiner, lang).join(parts)
            return f"({text})" if len(parts) > 1 else text
    if "not" in cond:
        return word("not", lang, cond=_words(cond["not"], columns, lang, numbers))
    question, code = _resolve(cond["question"], columns)
    ref = f"Q{numbers[question.id]} {question.id}" if question.id in numbers else question.id
    op, value = cond["op"], cond.get("value")
    if op in ("answered", "blank") and code is None:
        return word(op, lang, ref=ref)
    if code is not None:
        label = question.label(code, lang)
        if op in ("eq", "in") and value in (1, [1]):
            return word("selected", lang, label=label, ref=ref)
        if op in ("eq", "in") and value in (0, [0]) or op == "ne" and value == 1:
            return word("not_selected", lang, label=label, ref=ref)
        ref = f"{ref}_{code}"
        if op in ("answered", "blank"):
            return word(op, lang, ref=ref)

    def show(v: Any) -> str:
        known = {c.code: c for c in question.codes} if code is None else {}
        return known[v].text(lang) if v in known else str(v)

    if op in ("in", "not_in"):
        if op == "in" and len(value) == 1:
            return f"{ref} = {show(value[0])}"
        values = word("list_sep", lang).join(show(v) for v in value)
        return word("one_of" if op == "in" else "none_of", lang, ref=ref, values=values)
    return f"{ref} {_SYMBOLS[op]} {show(value)}"


# --------------------------------------------------------------------------- XLSForm


def _metadata_type(q: Question) -> str | None:
    """The XLSForm metadata type of a paradata field, or None when the form omits it."""
    return {"start": "start", "submit": "end"}.get(q.role or "")


# Notes of the XLSForm's notes sheet, in the form's default language.
OMITTED = {
    "id": N_("omitted: the platform generates meta/instanceID; map it to {id} on import"),
    "ip": N_("omitted: a form cannot record the IP address; take it from the hosting platform's export "
             "if it records one (personal data)"),
    "language": N_("omitted: XForms do not record the display language; if needed, add a question or "
                   "take it from the platform's metadata"),
    "other": N_("omitted: paradata recorded by the platform"),
}
METADATA_NOTE = N_("XLSForm metadata '{kind}'")


def xlsform_sheets(instrument: Instrument, default_language: str | None = None) -> dict[str, list[dict[str, Any]]]:
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
    default_language = default_language or ("en" if "en" in instrument.languages else instrument.languages[0])
    _languages(instrument, [default_language])
    t = translator(default_language)
    langs = [language_column(lang) for lang in instrument.languages]
    survey, choices, notes, lists = [], [], [], set()
    grid = None
    for q in instrument.questions:
        if q.grid != grid:  # a grid's items on one screen, under the grid's wording
            if grid is not None:
                survey.append({"type": "end_group", "name": grid})
            if q.grid is not None:
                stem = instrument.grid(q.grid)
                survey.append({"type": "begin_group", "name": q.grid, "appearance": "field-list",
                               **{f"label::{col}": stem.wording(lang) for col, lang in zip(langs, instrument.languages)}})
            grid = q.grid
        row: dict[str, Any] = {"name": q.id}
        if q.type == "paradata":
            kind = _metadata_type(q)
            if kind is None:
                note = t.gettext(OMITTED.get(q.role or "other", OMITTED["other"])).format(id=q.id)
                notes.append({"name": q.id, "role": q.role, "note": note})
            else:
                survey.append({**row, "type": kind})
                notes.append({"name": q.id, "role": q.role, "note": t.gettext(METADATA_NOTE, kind=kind)})
        else:
            survey.append({**row, **_survey_row(q, instrument, langs)})
        listed = q.scale_id or q.id
        if q.coded and listed not in lists:
            lists.add(listed)
            for c in q.codes:
                labels = {f"label::{col}": c.text(lang) for col, lang in zip(langs, instrument.languages)}
                choices.append({"list_name": listed, "name": str(c.code), **labels})
    if grid is not None:
        survey.append({"type": "end_group", "name": grid})
    settings = {
        "form_title": _title(instrument, default_language),
        "form_id": instrument.id,
        "version": instrument.version,
        "default_language": language_column(default_language),
    }
    return {"survey": survey, "choices": choices, "settings": [settings], "notes": notes}


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
        lo, hi = q.range
        row["type"] = "integer" if float(lo).is_integer() and float(hi).is_integer() else "decimal"
        row["constraint"] = f". >= {_literal(lo)} and . <= {_literal(hi)}"
        message = {col: word("range", lang, lo=_literal(lo), hi=_literal(hi)) for col, lang in pairs}
        row.update({f"constraint_message::{col}": text for col, text in message.items()})
        row.update({f"hint::{col}": text for col, text in message.items()})
    else:
        row["type"] = "text"
    row["required"] = "yes" if q.required else None
    row["relevant"] = relevant(q.ask_if, instrument) if q.ask_if is not None else None
    return row


def exclusive_constraint(q: Question, pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The XLSForm constraint of a multi-select's exclusive options ("None of these" alone) and its messages.

    Examples
    --------
    >>> exclusive_constraint(q, [("English (en)", "en")])["constraint"]  # doctest: +SKIP
    "not(selected(., '99') and count-selected(.) > 1)"
    """
    if not q.exclusive_codes:
        return {}
    out = {"constraint": " and ".join(f"not(selected(., '{code}') and count-selected(.) > 1)"
                                      for code in q.exclusive_codes)}
    for col, lang in pairs:
        labels = word("list_sep", lang).join(f"'{q.label(code, lang)}'" for code in q.exclusive_codes)
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
    core = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + tostring(wb.properties.to_tree())
    return _fixed_zip(buffer.getvalue(), {"docProps/core.xml": core})


def _fixed_zip(data: bytes, members: Mapping[str, bytes]) -> bytes:
    """Rewrite a zip archive with fixed entry dates (members carry the time of writing) and some members replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, members.get(info.filename) or src.read(info.filename))
    return out.getvalue()


def to_xlsform(instrument: Instrument, path: str | Path, default_language: str | None = None) -> Path:
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


# --------------------------------------------------------------------------- questionnaire


def _numbers(instrument: Instrument) -> dict[str, int]:
    """Question numbers of the printed questionnaire (paradata are not numbered)."""
    asked = [q.id for q in instrument.questions if q.type != "paradata"]
    return {qid: i for i, qid in enumerate(asked, start=1)}


def _title(instrument: Instrument, lang: str) -> str:
    """The study's title in ``lang`` (its first language's when it has none in ``lang``)."""
    title = instrument.study.get("title", instrument.id)
    if not isinstance(title, Mapping):
        return str(title)
    return title.get(lang) or next((title[k] for k in instrument.languages if title.get(k)), instrument.id)


def questionnaire_items(instrument: Instrument, languages: Sequence[str]) -> list[dict[str, Any]]:
    """What the printed questionnaire shows of each asked question, language by language."""
    numbers = _numbers(instrument)
    items = []
    for q in instrument.questions:
        if q.type == "paradata":
            continue
        notes = {lang: [] for lang in languages}
        for lang in languages:
            if q.type == "multi":
                notes[lang].append(word("multi", lang))
            if q.type == "numeric":
                rng = word("range", lang, lo=_literal(q.range[0]), hi=_literal(q.range[1]))
                notes[lang].append(word("paren", lang, text=rng))
            if q.type == "text":
                notes[lang].append(word("open", lang))
            if not q.required:
                notes[lang].append(word("optional", lang))
        options = []
        for c in q.codes:
            specify = {}
            if c.other_text and c.other_text in numbers:
                ref = f"Q{numbers[c.other_text]}"
                specify = {lang: word("specify", lang, ref=ref) for lang in languages}
            options.append({"code": c.code, "label": {lang: c.text(lang) for lang in languages}, "specify": specify})
        skip = None
        if q.ask_if is not None:
            skip = {lang: word("ask_if", lang, cond=describe(q.ask_if, instrument, lang, numbers))
                    for lang in languages}
        first_item = q.grid is not None and instrument.grid(q.grid).items[0] == q.id
        items.append({
            "number": numbers[q.id], "id": q.id, "section": q.section,
            "text": {lang: (f"{instrument.grid(q.grid).wording(lang)} " if first_item else "") + q.wording(lang)
                     for lang in languages},
            "notes": notes, "options": options, "skip": skip,
        })
    return items


_STYLE = (
    "body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}"
    ".q{break-inside:avoid;margin:1.2em 0}.num{font-weight:bold;margin-bottom:.2em}"
    ".skip{font-style:italic;color:#555}ul{list-style:none;padding-left:1em}@media print{body{margin:0}}"
)
# How each part of the questionnaire is marked up; None leaves the part out.
_MARKUP: dict[str, dict[str, Any]] = {
    "md": {
        "escape": lambda text: text, "title": "# {}\n", "version": "{}", "section": "\n## {}",
        "question": "\n**Q{n}** `{id}`  ", "text": "{text}  ", "skip": "*{}*  ", "list_start": "",
        "option": "- [{code}] {label}", "list_end": None, "question_end": None,
        "appendix_item": "- `{id}` ({role}): {text}",
        "page": lambda title, lang, body: body + "\n",
    },
    "html": {
        "escape": html.escape, "title": "<h1>{}</h1>", "version": "<p>{}</p>", "section": "<h2>{}</h2>",
        "question": "<div class='q'><p class='num'>Q{n} <code>{id}</code></p>", "text": "<p lang='{lang}'>{text}</p>",
        "skip": "<p class='skip'>{}</p>", "list_start": "<ul>", "option": "<li>☐ [{code}] {label}</li>",
        "list_end": "</ul>", "question_end": "</div>",
        "appendix_item": "<li><code>{id}</code> ({role}): {text}</li>",
        "page": lambda title, lang, body: (
            f"<!DOCTYPE html>\n<html lang='{lang}'>\n<head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{_STYLE}</style></head>\n<body>\n{body}\n</body>\n</html>\n"
        ),
    },
}


def questionnaire_text(instrument: Instrument, fmt: str = "md", languages: Sequence[str] | None = None) -> str:
    """The printable questionnaire as Markdown (``fmt="md"``) or one self-contained HTML page.

    Every question is numbered and shown in every language, with its options and
    codes, its skip instruction in words and notes such as "(select all that apply)";
    paradata are listed in an appendix.

    Examples
    --------
    >>> print(questionnaire_text(inst, "md")[:40])  # doctest: +SKIP
    """
    if fmt not in _MARKUP:
        raise ExportError(f"unknown questionnaire format '{fmt}' (valid: {', '.join(_MARKUP)})")
    langs, m = _languages(instrument, languages), _MARKUP[fmt]
    esc = m["escape"]

    def both(texts: Any) -> str:
        return esc(" / ".join(texts))

    title = both(_title(instrument, lang) for lang in langs)
    version = both(f"{word('version', lang)}: {instrument.version}" for lang in langs)
    out = [m["title"].format(title), m["version"].format(version)]
    section = None
    for item in questionnaire_items(instrument, langs):
        if item["section"] and item["section"] != section:
            section = item["section"]
            out.append(m["section"].format(esc(section)))
        out.append(m["question"].format(n=item["number"], id=esc(item["id"])))
        for lang in langs:
            text = " ".join([item["text"][lang], *item["notes"][lang]])
            out.append(m["text"].format(lang=lang, text=esc(text)))
        if item["skip"]:
            out.append(m["skip"].format(both(item["skip"][lang] for lang in langs)))
        if item["options"]:
            out.append(m["list_start"])
            for option in item["options"]:
                specify = " → " + " / ".join(option["specify"][lang] for lang in langs) if option["specify"] else ""
                label = " / ".join(option["label"][lang] for lang in langs) + specify
                out.append(m["option"].format(code=option["code"], label=esc(label)))
            out.append(m["list_end"])
        out.append(m["question_end"])
    out += [m["section"].format(both(word("paradata", lang) for lang in langs)), m["list_start"]]
    for q in (q for q in instrument.questions if q.type == "paradata"):
        personal = f" ({' / '.join(word('personal', lang) for lang in langs)})" if q.personal else ""
        text = esc(" / ".join(q.wording(lang) for lang in langs) + personal)
        out.append(m["appendix_item"].format(id=esc(q.id), role=esc(q.role or ""), text=text))
    out.append(m["list_end"])
    return m["page"](title, langs[0], "\n".join(part for part in out if part is not None))


def to_questionnaire(
    instrument: Instrument, path: str | Path, fmt: str | None = None, languages: Sequence[str] | None = None
) -> Path:
    """Write the printable questionnaire: Markdown, or HTML when ``fmt="html"`` or the path ends in .html.

    Examples
    --------
    >>> to_questionnaire(inst, "questionnaire.html")  # doctest: +SKIP
    """
    path = Path(path)
    fmt = fmt or ("html" if path.suffix.lower() in (".html", ".htm") else "md")
    return write_bytes_atomic(path, questionnaire_text(instrument, fmt, languages).encode("utf-8"))


def _languages(instrument: Instrument, languages: Sequence[str] | None) -> list[str]:
    """``languages`` (default: all the instrument's); LanguageError for one it does not declare."""
    langs = list(languages or instrument.languages)
    for lang in langs:
        check_language(lang, instrument.languages, instrument.path or f"instrument {instrument.id}")
    return langs


# --------------------------------------------------------------------------- codebook


def codebook(instrument: Instrument) -> pd.DataFrame:
    """The codebook of the clean respondent file as a tidy frame: one row per variable and code.

    Variables are the raw columns in questionnaire order (a multi-select question as
    one 0/1 variable per option) followed by the derived variables.  A variable
    without codes has one row with a blank ``code``.  Columns: ``variable, question,
    type, measure, label_<lang>..., code, code_label_<lang>..., missing, universe_<lang>...,
    personal, derived_from``.

    Examples
    --------
    >>> book = codebook(inst)  # doctest: +SKIP
    >>> book.loc[book.variable == "ip_address", "personal"].iloc[0]  # doctest: +SKIP
    True
    """
    rows = [row for v in _codebook_variables(instrument) for row in _code_rows(v, instrument.languages)]
    return pd.DataFrame(rows, columns=_codebook_columns(instrument.languages)).astype({"code": "Int64"})


def _codebook_columns(langs: Sequence[str]) -> list[str]:
    return (
        ["variable", "question", "type", "measure"] + [f"label_{lang}" for lang in langs] + ["code"]
        + [f"code_label_{lang}" for lang in langs] + ["missing"] + [f"universe_{lang}" for lang in langs]
        + ["personal", "derived_from"]
    )


def _codebook_variables(instrument: Instrument) -> list[dict[str, Any]]:
    """One entry per variable of the clean respondent file."""
    langs = instrument.languages
    universe: dict[str, dict[str, str]] = {}
    out = []
    for q in instrument.questions:
        universe[q.id] = {lang: describe(q.ask_if, instrument, lang) for lang in langs}
        base = {"question": q.id, "measure": q.measure, "universe": universe[q.id], "personal": q.personal,
                "derived_from": ""}
        if q.type == "multi":
            flags = [(0, {lang: word("option_not_selected", lang) for lang in langs}),
                     (1, {lang: word("option_selected", lang) for lang in langs})]
            for c in q.codes:
                label = {lang: f"{q.wording(lang)}: {c.text(lang)}" for lang in langs}
                out.append({**base, "variable": f"{q.id}_{c.code}", "type": "multi option", "measure": "nominal",
                            "label": label, "codes": flags, "missing": ""})
            continue
        kind = f"paradata ({q.role})" if q.type == "paradata" else q.type
        if q.type == "numeric":
            kind = f"numeric [{_literal(q.range[0])}, {_literal(q.range[1])}]"
        codes = [(c.code, {lang: c.text(lang) for lang in langs}) for c in q.codes]
        missing = ", ".join(str(code) for code in q.nonsubstantive_codes)
        out.append({**base, "variable": q.id, "type": kind, "label": {lang: q.wording(lang) for lang in langs},
                    "codes": codes, "missing": missing})
    for d in instrument.derived:
        universe[d.id] = _derived_universe(d, universe, langs)
        codes = [(c.code, {lang: c.text(lang) for lang in langs}) for c in instrument.codes_of(d.id)]
        out.append({"variable": d.id, "question": "", "type": f"derived ({d.type})", "measure": d.measure,
                    "label": {lang: d.wording(lang) for lang in langs}, "codes": codes, "missing": "",
                    "universe": universe[d.id], "personal": False, "derived_from": ", ".join(d.source)})
    return out


def _derived_universe(d: Derived, universe: Mapping[str, Mapping[str, str]], langs: Sequence[str]) -> dict[str, str]:
    """Who has a derived variable: the respondents asked its sources."""
    out = {}
    for lang in langs:
        parts = [universe[s][lang] for s in d.source if s in universe and universe[s][lang] != word("all", lang)]
        out[lang] = word("and", lang).join(dict.fromkeys(parts)) or word("all", lang)
    return out


def _code_rows(v: Mapping[str, Any], langs: Sequence[str]) -> list[dict[str, Any]]:
    base = {"variable": v["variable"], "question": v["question"], "type": v["type"], "measure": v["measure"],
            **{f"label_{lang}": v["label"][lang] for lang in langs}, "missing": v["missing"],
            **{f"universe_{lang}": v["universe"][lang] for lang in langs},
            "personal": bool(v["personal"]), "derived_from": v["derived_from"]}
    if not v["codes"]:
        return [{**base, "code": None, **{f"code_label_{lang}": "" for lang in langs}}]
    return [{**base, "code": code, **{f"code_label_{lang}": label[lang] for lang in langs}}
            for code, label in v["codes"]]


def codebook_markdown(instrument: Instrument, lang: str | None = None) -> str:
    """The codebook as Markdown: a section per variable with its definition and codes.

    Headings are in ``lang`` (default: English if declared, else the first language);
    labels and universes in every language of the instrument.
    """
    langs = instrument.languages
    lang = _languages(instrument, [lang])[0] if lang else ("en" if "en" in langs else langs[0])

    def w(key: str, **fields: Any) -> str:
        return word(key, lang, **fields)

    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|")

    out = ["# " + w("codebook", title=" / ".join(_title(instrument, code) for code in langs)), "",
           w("study_version", study=instrument.id, version=instrument.version), ""]
    for v in _codebook_variables(instrument):
        out += [f"## `{v['variable']}`", "", "| | |", "|---|---|"]
        for code in langs:
            out.append(f"| {w('label_in', language=code)} | {cell(v['label'][code])} |")
        facts = [(w("question"), v["question"]), (w("type"), v["type"]), (w("measure"), v["measure"]),
                 (w("missing_codes"), v["missing"] or "—"),
                 *[(w("universe_in", language=code), v["universe"][code]) for code in langs],
                 (w("personal"), w("yes") if v["personal"] else w("no")),
                 (w("derived_from"), v["derived_from"] or "—")]
        out += [f"| {name} | {cell(value) or '—'} |" for name, value in facts]
        out.append("")
        if v["codes"]:
            out += [f"| {w('code')} | " + " | ".join(w("label_in", language=code) for code in langs) + " |",
                    "|---" * (len(langs) + 1) + "|"]
            out += [f"| {code} | " + " | ".join(cell(label[lang]) for lang in langs) + " |"
                    for code, label in v["codes"]]
            out.append("")
    return "\n".join(out)


def to_codebook(instrument: Instrument, path: str | Path, lang: str | None = None) -> Path:
    """Write the codebook: a tidy CSV (one row per variable and code) if the path ends in .csv, else Markdown.

    ``lang`` is the language of the Markdown's headings (see :func:`codebook_markdown`).

    Examples
    --------
    >>> to_codebook(inst, "codebook.csv")  # doctest: +SKIP
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        book = codebook(instrument)
        return write_bytes_atomic(path, book.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return write_bytes_atomic(path, codebook_markdown(instrument, lang).encode("utf-8"))


# --------------------------------------------------------------------------- files and command line


def default_instrument(folder: str | Path = "instruments") -> Path:
    """The one instrument YAML file in ``folder`` (an error names what was found)."""
    folder = Path(folder)
    found = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if len(found) != 1:
        names = ", ".join(map(str, found)) or "none"
        raise InstrumentError(
            f"{folder.resolve()}: expected exactly one instrument file, found {names}: pass --instrument"
        )
    return found[0]
