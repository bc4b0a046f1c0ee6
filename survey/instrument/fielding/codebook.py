"""The codebook of the clean respondent file: a tidy frame, CSV or Markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from survey.formats.files import write_bytes_atomic
from survey.instrument import Derived, Instrument, Question
from survey.instrument.fielding.common import _literal, _title, describe, shown_languages, word

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
    rows = [
        row for v in _codebook_variables(instrument) for row in _code_rows(v, instrument.languages)
    ]
    return pd.DataFrame(rows, columns=_codebook_columns(instrument.languages)).astype(
        {"code": "Int64"}
    )


def _codebook_columns(langs: Sequence[str]) -> list[str]:
    return (
        ["variable", "question", "type", "measure"]
        + [f"label_{lang}" for lang in langs]
        + ["code"]
        + [f"code_label_{lang}" for lang in langs]
        + ["missing"]
        + [f"universe_{lang}" for lang in langs]
        + ["personal", "derived_from"]
    )


def _codebook_variables(instrument: Instrument) -> list[dict[str, Any]]:
    """One entry per variable of the clean respondent file."""
    langs = instrument.languages
    universe: dict[str, dict[str, str]] = {}
    out = []
    for q in instrument.questions:
        universe[q.id] = {lang: describe(q.ask_if, instrument, lang) for lang in langs}
        out += _question_variables(q, universe[q.id], langs)
    for d in instrument.derived:
        universe[d.id] = _derived_universe(d, universe, langs)
        out.append(_derived_variable(d, instrument, universe[d.id]))
    return out


def _question_variables(
    q: Question, universe: dict[str, str], langs: Sequence[str]
) -> list[dict[str, Any]]:
    """A question's variables: itself, or (a multi-select question) one 0/1 per option."""
    base = {
        "question": q.id,
        "measure": q.measure,
        "universe": universe,
        "personal": q.personal,
        "derived_from": "",
    }
    if q.type != "multi":
        return [
            {
                **base,
                "variable": q.id,
                "type": _type(q),
                "label": {lang: q.wording(lang) for lang in langs},
                "codes": [(c.code, {lang: c.text(lang) for lang in langs}) for c in q.codes],
                "missing": ", ".join(str(code) for code in q.nonsubstantive_codes),
            }
        ]
    flags = [
        (0, {lang: word("option_not_selected", lang) for lang in langs}),
        (1, {lang: word("option_selected", lang) for lang in langs}),
    ]
    return [
        {
            **base,
            "variable": f"{q.id}_{c.code}",
            "type": "multi option",
            "measure": "nominal",
            "label": {lang: f"{q.wording(lang)}: {c.text(lang)}" for lang in langs},
            "codes": flags,
            "missing": "",
        }
        for c in q.codes
    ]


def _type(q: Question) -> str:
    """A question's type as the codebook shows it: a numeric's with its range, paradata's role."""
    if q.type == "numeric" and q.range is not None:
        return f"numeric [{_literal(q.range[0])}, {_literal(q.range[1])}]"
    return f"paradata ({q.role})" if q.type == "paradata" else q.type


def _derived_variable(
    d: Derived, instrument: Instrument, universe: dict[str, str]
) -> dict[str, Any]:
    langs = instrument.languages
    return {
        "variable": d.id,
        "question": "",
        "type": f"derived ({d.type})",
        "measure": d.measure,
        "label": {lang: d.wording(lang) for lang in langs},
        "codes": [
            (c.code, {lang: c.text(lang) for lang in langs}) for c in instrument.codes_of(d.id)
        ],
        "missing": "",
        "universe": universe,
        "personal": False,
        "derived_from": ", ".join(d.source),
    }


def _derived_universe(
    d: Derived, universe: Mapping[str, Mapping[str, str]], langs: Sequence[str]
) -> dict[str, str]:
    """Who has a derived variable: the respondents asked its sources."""
    out = {}
    for lang in langs:
        parts = [
            universe[s][lang]
            for s in d.source
            if s in universe and universe[s][lang] != word("all", lang)
        ]
        out[lang] = word("and", lang).join(dict.fromkeys(parts)) or word("all", lang)
    return out


def _code_rows(v: Mapping[str, Any], langs: Sequence[str]) -> list[dict[str, Any]]:
    base = {
        "variable": v["variable"],
        "question": v["question"],
        "type": v["type"],
        "measure": v["measure"],
        **{f"label_{lang}": v["label"][lang] for lang in langs},
        "missing": v["missing"],
        **{f"universe_{lang}": v["universe"][lang] for lang in langs},
        "personal": bool(v["personal"]),
        "derived_from": v["derived_from"],
    }
    if not v["codes"]:
        return [{**base, "code": None, **{f"code_label_{lang}": "" for lang in langs}}]
    return [
        {**base, "code": code, **{f"code_label_{lang}": label[lang] for lang in langs}}
        for code, label in v["codes"]
    ]


def codebook_markdown(instrument: Instrument, lang: str | None = None) -> str:
    """The codebook as Markdown: a section per variable with its definition and codes.

    Headings are in ``lang`` (default: English if declared, else the first language);
    labels and universes in every language of the instrument.
    """
    langs = instrument.languages
    lang = shown_languages(instrument, [lang])[0] if lang else ("en" if "en" in langs else langs[0])

    def w(key: str, **fields: Any) -> str:
        return word(key, lang, **fields)

    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|")

    out = [
        "# " + w("codebook", title=" / ".join(_title(instrument, code) for code in langs)),
        "",
        w("study_version", study=instrument.id, version=instrument.version),
        "",
    ]
    for v in _codebook_variables(instrument):
        out += [f"## `{v['variable']}`", "", "| | |", "|---|---|"]
        for code in langs:
            out.append(f"| {w('label_in', language=code)} | {cell(v['label'][code])} |")
        facts = [
            (w("question"), v["question"]),
            (w("type"), v["type"]),
            (w("measure"), v["measure"]),
            (w("missing_codes"), v["missing"] or "—"),
            *[(w("universe_in", language=code), v["universe"][code]) for code in langs],
            (w("personal"), w("yes") if v["personal"] else w("no")),
            (w("derived_from"), v["derived_from"] or "—"),
        ]
        out += [f"| {name} | {cell(value) or '—'} |" for name, value in facts]
        out.append("")
        if v["codes"]:
            out += [
                f"| {w('code')} | "
                + " | ".join(w("label_in", language=code) for code in langs)
                + " |",
                "|---" * (len(langs) + 1) + "|",
            ]
            out += [
                f"| {code} | " + " | ".join(cell(label[lang]) for lang in langs) + " |"
                for code, label in v["codes"]
            ]
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
        return write_bytes_atomic(
            path, book.to_csv(index=False, lineterminator="\n").encode("utf-8")
        )
    return write_bytes_atomic(path, codebook_markdown(instrument, lang).encode("utf-8"))
