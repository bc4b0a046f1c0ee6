"""What the three fielding documents share: their words, and skip logic as XPath and in words.

:func:`relevant` writes an instrument condition as XLSForm ``relevant`` XPath,
:func:`describe` as a sentence in one of the instrument's languages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from survey.errors import ExportError
from survey.i18n import N_, check_language, english_name, translator
from survey.instrument import Instrument, Question

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


def _resolve(
    name: str, columns: Mapping[str, tuple[Question, int | None]]
) -> tuple[Question, int | None]:
    if name not in columns:
        raise ExportError(
            f"skip logic refers to '{name}', not a question or option of this instrument version"
        )
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
    if op in ("in", "not_in"):  # validated: the value is a list
        either = " or ".join(f"{ref} = {_literal(v)}" for v in cond["value"])
        return f"({either})" if op == "in" else f"({ref} != '' and not({either}))"
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

    if op in ("in", "not_in"):  # validated: the value is a list
        listed: list[Any] = cond["value"]
        if op == "in" and len(listed) == 1:
            return f"{ref} = {show(listed[0])}"
        values = word("list_sep", lang).join(show(v) for v in listed)
        return word("one_of" if op == "in" else "none_of", lang, ref=ref, values=values)
    return f"{ref} {_SYMBOLS[op]} {show(value)}"


def _numbers(instrument: Instrument) -> dict[str, int]:
    """Question numbers of the printed questionnaire (paradata are not numbered)."""
    asked = [q.id for q in instrument.questions if q.type != "paradata"]
    return {qid: i for i, qid in enumerate(asked, start=1)}


def _title(instrument: Instrument, lang: str) -> str:
    """The study's title in ``lang`` (its first language's when it has none in ``lang``)."""
    title = instrument.study.get("title", instrument.id)
    if not isinstance(title, Mapping):
        return str(title)
    return title.get(lang) or next(
        (title[k] for k in instrument.languages if title.get(k)), instrument.id
    )


def shown_languages(instrument: Instrument, languages: Sequence[str] | None) -> list[str]:
    """``languages`` (default: all the instrument's); LanguageError for one it does not declare."""
    langs = list(languages or instrument.languages)
    for lang in langs:
        check_language(lang, instrument.languages, instrument.path or f"instrument {instrument.id}")
    return langs
