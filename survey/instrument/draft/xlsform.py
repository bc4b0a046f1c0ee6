"""An instrument drafted from an XLSForm (ODK / KoboToolbox / SurveyCTO).

The ``survey`` sheet gives the questions in order (``type``, ``name``, ``label`` or
``label::<language>``, ``relevant``, ``required``, ``constraint``, ``parameters``), the
``choices`` sheet the options (``list_name``, ``name``, labels) and ``settings`` the form's
title, id and default language.  ``select_one`` is a single-choice question on the list's
scale, ``select_multiple`` a multi-select; choices whose names are all whole numbers are
coded by them, others are coded 1, 2, ... with the choice name as the option's ``name``
(what a Kobo export writes); ``or_other`` adds an "Other" option with its text question.
``integer``/``decimal``/``range`` are numeric (the range from ``parameters`` or a simple
``constraint``), text and media are text, dates, times, geopoints and calculations are
paradata (a geopoint is personal data), notes are left out.  Groups give sections;
repeats give ``repeats`` and their questions ``repeat``.  ``relevant`` becomes ``ask_if``
where it is a comparison, ``selected()``, ``not()``, ``and``/``or`` of those (a group's
relevance applies to its questions); other expressions are a comment.  Languages come
from the ``label::English (en)`` columns.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from survey.errors import InstrumentError
from survey.formats.layouts import Layout, norm
from survey.i18n import language_code
from survey.instrument.draft.common import (
    WIDE,
    Draft,
    clean_text,
    default_quality,
    make_id,
    paradata,
)

SKIPPED = {
    "note",
    "begin_group",
    "end_group",
    "begin_repeat",
    "end_repeat",
    "today",
    "deviceid",
    "username",
    "audit",
    "imei",
    "begin group",
    "end group",
    "begin repeat",
    "end repeat",
}
PERSONAL_META = {"phonenumber", "simserial", "subscriberid", "email", "start-geopoint"}
TEXT = {"text", "barcode", "image", "audio", "video", "file", "acknowledge", "background-audio"}
TIMES = {"date", "datetime", "time"}
NUMBERS = {"integer", "decimal", "range"}


def draft_xlsform(layout: Layout, languages: list[str] | None) -> Draft:
    """Draft an instrument from an XLSForm's sheets.

    Examples
    --------
    >>> from survey.formats.layouts import read_layout
    >>> draft = draft_xlsform(read_layout(Path("form.xlsx")), None)  # doctest: +SKIP
    """
    survey = _table(layout.sheets["survey"])
    choices = _table(layout.sheets.get("choices", pd.DataFrame()))
    settings = _table(layout.sheets.get("settings", pd.DataFrame()))
    first = settings.iloc[0].to_dict() if len(settings) else {}
    default = _language(first.get("default_language") or (languages or ["en"])[0])
    columns = _label_columns(survey, default)
    langs = list(dict.fromkeys(lang for lang, _ in columns)) or [default]
    d = Draft(study={}, languages=langs, source=layout.path.name)
    title = first.get("form_title") or first.get("form_id") or layout.path.stem
    d.study = {
        "id": make_id(first.get("form_id") or layout.path.stem, set(), "study"),
        "title": d.label(title),
    }
    d.add(paradata(d, "id", "respondent_id", "Submission id (_uuid)"))
    form = _Form(d, columns, _lists(d, choices, _label_columns(choices, default)))
    for _, row in survey.iterrows():
        form.row(row)
    default_quality(d)
    return d


def _table(grid: pd.DataFrame) -> pd.DataFrame:
    if grid.empty:
        return pd.DataFrame()
    header = [norm(v) for v in grid.iloc[0]]
    body = grid.iloc[1:].copy()
    body.columns = header
    body = body.loc[:, [h for h in header if h]]
    return body[(body.astype(str).apply(lambda s: s.str.strip()) != "").any(axis=1)].reset_index(
        drop=True
    )


def _language(text: str) -> str:
    """A language code from an XLSForm language name (``English (en)``, ``English``, ``en``)."""
    text = str(text).strip()
    hit = re.search(r"\(([A-Za-z]{2,3}(?:-[A-Za-z]+)?)\)\s*$", text)
    if hit:
        return hit.group(1).split("-")[0].lower()
    return language_code(text) or text.lower()[:8] or "en"


def _label_columns(table: pd.DataFrame, default: str) -> list[tuple[str, str]]:
    """(language, column) of each label column; a plain ``label`` is the default language."""
    out = []
    for col in table.columns:
        if col == "label":
            out.append((default, col))
        elif col.startswith("label::"):
            out.append((_language(col[len("label::") :]), col))
    out.sort(key=lambda t: t[0] != default)
    return out


def _labels(d: Draft, row: Any, columns: list[tuple[str, str]], fallback: str) -> dict[str, str]:
    texts = {lang: clean_text(row.get(col)) for lang, col in columns}
    first = next((t for t in texts.values() if t), "") or fallback
    return {lang: texts.get(lang) or first for lang in d.languages}


def _lists(
    d: Draft, choices: pd.DataFrame, columns: list[tuple[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    """Options per list: coded by whole-number names, else 1, 2, ... with the name kept."""
    out: dict[str, list[dict[str, Any]]] = {}
    if choices.empty or "list_name" not in choices:
        return out
    for name, rows in choices.groupby("list_name", sort=False):
        names = [str(n).strip() for n in rows["name"]]
        numeric = all(re.fullmatch(r"-?\d+", n) for n in names)
        options = []
        for k, (n, (_, row)) in enumerate(zip(names, rows.iterrows()), start=1):
            option: dict[str, Any] = {
                "code": int(n) if numeric else k,
                "label": _labels(d, row, columns, n),
            }
            if not numeric:
                option["name"] = n
            options.append(option)
        out[str(name).strip()] = options
    return out


def _paradata(kind: str, notes: list[str]) -> dict[str, Any] | None:
    """The fields of a metadata, calculated, geo or date/time row (None: a type not drafted)."""
    if kind in ("start", "end"):
        return {"type": "paradata", "role": "start" if kind == "start" else "submit"}
    if not (
        kind in TIMES
        or kind in ("calculate", "hidden", "geopoint", "geotrace", "geoshape")
        or kind in PERSONAL_META
    ):
        return None
    if kind.startswith("geo") or kind in PERSONAL_META:
        notes.append(f"a {kind}: personal data, kept out of exports unless asked for")
        return {"type": "paradata", "role": "other", "personal": True}
    notes.append(f"a {kind} field: kept as text")
    return {"type": "paradata", "role": "other"}


class _Form:
    """Walks the survey sheet: groups and repeats open and close, each question drafted."""

    def __init__(
        self, d: Draft, columns: list[tuple[str, str]], lists: dict[str, list[dict[str, Any]]]
    ) -> None:
        self.d, self.columns, self.lists = d, columns, lists
        self.groups: list[
            tuple[str, str | None, Any]
        ] = []  # (kind, id, ask_if) from the outside in
        self.names: dict[str, dict[str, Any]] = {}  # form name -> drafted question

    def row(self, row: pd.Series) -> None:
        kind, _, rest = str(row.get("type", "")).strip().partition(" ")
        kind = kind.lower()
        name = str(row.get("name", "")).strip()
        if kind in ("begin_group", "begin_repeat") or (kind == "begin" and rest):
            repeat = kind == "begin_repeat" or rest.startswith("repeat")
            ident = self._repeat(name, row) if repeat else make_id(name or "group", set())
            self.groups.append(("repeat" if repeat else "group", ident, self._relevant(row, name)))
            return
        if kind in ("end_group", "end_repeat") or (kind == "end" and rest):
            if self.groups:
                self.groups.pop()
            return
        if not name or kind in SKIPPED:
            return
        self._question(kind, rest.split(), name, row)

    def _repeat(self, name: str, row: pd.Series) -> str:
        ident = self.d.ident(name)
        self.d.repeats.append(
            {"id": ident, "sheet": name[:31], "label": _labels(self.d, row, self.columns, name)}
        )
        return ident

    def _question(self, kind: str, args: list[str], name: str, row: pd.Series) -> None:
        d = self.d
        text = _labels(d, row, self.columns, name)
        qid = d.ident(name)
        notes: list[str] = []
        fields: dict[str, Any] | None
        if kind in ("select_one", "select_multiple"):
            fields = self._select(kind, args, qid, name)
        elif kind in NUMBERS:
            fields = {"type": "numeric", "range": self._range(kind, row, notes)}
        elif kind in TEXT:
            fields = {"type": "text"}
        else:
            fields = _paradata(kind, notes)
        if fields is None:
            d.ids.discard(qid.lower())
            d.note(
                "study",
                f"not drafted: '{name}' of type '{kind}' (add it by hand if the export has it)",
            )
            return
        q: dict[str, Any] = {"id": qid, **fields, "text": text}
        if qid != name:
            q["source"] = name
        self._placement(q, row, name, notes)
        d.add(q, *notes)
        self.names[name] = q
        if kind in ("select_one", "select_multiple") and "or_other" in args:
            d.add(
                {
                    "id": d.ident(f"{qid}_other"),
                    "type": "text",
                    "text": {lang: f"{t} (other)" for lang, t in text.items()},
                }
            )

    def _select(self, kind: str, args: list[str], qid: str, name: str) -> dict[str, Any]:
        """A select_one's scale (drafted here) or a select_multiple's options, with ``or_other``."""
        listname = args[0] if args else ""
        if listname not in self.lists:
            raise InstrumentError(
                f"{self.d.source}: survey sheet, question '{name}': no choices list '{listname}'"
            )
        options = [dict(o) for o in self.lists[listname]]
        other = "or_other" in args
        if other:
            options.append(
                {
                    "code": max(o["code"] for o in options) + 1,
                    "label": self.d.label("Other"),
                    "name": "other",
                    "other_text": f"{qid}_other",
                }
            )
        if kind == "select_multiple":
            return {"type": "multi", "options": options}
        sid = make_id(f"{listname}_{qid}" if other else listname, set())
        self.d.scales.setdefault(sid, {"codes": options})
        return {"type": "single", "scale": sid}

    def _placement(self, q: dict[str, Any], row: pd.Series, name: str, notes: list[str]) -> None:
        """Section, repeat, skip logic and required-ness from the enclosing groups and the row."""
        groups = [g for g in self.groups if g[0] == "group"]
        repeats = [g for g in self.groups if g[0] == "repeat"]
        if groups:
            q["section"] = groups[-1][1]
        if repeats:
            q["repeat"] = repeats[-1][1]
            return
        conditions = [g[2] for g in self.groups if g[2] is not None]
        own = self._relevant(row, name, notes)
        conditions += [own] if own is not None else []
        if conditions:
            q["ask_if"] = conditions[0] if len(conditions) == 1 else {"all": conditions}
        untranslated = bool(str(row.get("relevant", "") or "").strip()) and own is None
        if (
            str(row.get("required", "")).strip().lower() in ("yes", "true", "true()", "1")
            and not untranslated
            and q.get("type") != "paradata"
        ):
            q["required"] = True

    def _relevant(
        self, row: pd.Series, name: str, notes: list[str] | None = None
    ) -> dict[str, Any] | None:
        expr = str(row.get("relevant", "") or "").strip()
        if not expr:
            return None
        try:
            cond = _Relevance(expr, self.names, self.d).parse()
        except ValueError as exc:
            message = f"guessed: relevant '{expr}' is not drafted as ask_if ({exc})"
            if notes is not None:
                notes.append(message)
            else:
                self.d.note("study", f"{message}: group '{name}'")
            return None
        return cond

    def _range(self, kind: str, row: pd.Series, notes: list[str]) -> list[float]:
        params = str(row.get("parameters", "") or "")
        found = dict(re.findall(r"(start|end)\s*=\s*(-?\d+(?:\.\d+)?)", params))
        lo, hi = found.get("start"), found.get("end")
        constraint = str(row.get("constraint", "") or "")
        lo = lo or next(iter(re.findall(r"\.\s*>=?\s*(-?\d+(?:\.\d+)?)", constraint)), None)
        hi = hi or next(iter(re.findall(r"\.\s*<=?\s*(-?\d+(?:\.\d+)?)", constraint)), None)
        if lo is None or hi is None:
            notes.append("guessed: no bound in the form: range wide open")
        out = [float(lo) if lo is not None else WIDE[0], float(hi) if hi is not None else WIDE[1]]
        return [int(v) if float(v).is_integer() else v for v in out]


_TOKEN = re.compile(
    r"\s*(\$\{[^}]+\}|'[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?|!=|<=|>=|=|<|>|\(|\)|,|and\b|or\b|"
    r"not\b|selected\b|[^\s()]+)"
)


class _Relevance:
    """``relevant`` XPath as a condition: comparisons, selected(), not(), and, or, parentheses."""

    def __init__(self, expr: str, names: dict[str, dict[str, Any]], d: Draft) -> None:
        self.tokens = [t for t in _TOKEN.findall(expr) if t.strip()]
        self.names, self.d, self.i = names, d, 0

    def parse(self) -> dict[str, Any]:
        out = self._or()
        if self.i != len(self.tokens):
            raise ValueError(f"unexpected '{self.tokens[self.i]}'")
        return out

    def _peek(self) -> str:
        return self.tokens[self.i] if self.i < len(self.tokens) else ""

    def _take(self, expected: str | None = None) -> str:
        token = self._peek()
        if expected is not None and token != expected:
            raise ValueError(f"expected '{expected}'")
        self.i += 1
        return token

    def _or(self) -> dict[str, Any]:
        parts = [self._and()]
        while self._peek() == "or":
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def _and(self) -> dict[str, Any]:
        parts = [self._unary()]
        while self._peek() == "and":
            self._take()
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def _unary(self) -> dict[str, Any]:
        if self._peek() == "not":
            self._take()
            self._take("(")
            inner = self._or()
            self._take(")")
            return {"not": inner}
        if self._peek() == "(":
            self._take()
            inner = self._or()
            self._take(")")
            return inner
        if self._peek() == "selected":
            self._take()
            self._take("(")
            q = self._ref()
            self._take(",")
            value = self._literal()
            self._take(")")
            return self._selected(q, value)
        q = self._ref()
        op = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}.get(self._take())
        if op is None:
            raise ValueError("not a comparison")
        return self._compare(q, op, self._literal())

    def _ref(self) -> dict[str, Any]:
        token = self._take()
        if not (token.startswith("${") and token.endswith("}")):
            raise ValueError(f"'{token}' is not a question reference")
        name = token[2:-1]
        if name not in self.names:
            raise ValueError(f"'{name}' is not a question drafted before it")
        return self.names[name]

    def _literal(self) -> str:
        token = self._take()
        if token[:1] in ("'", '"'):
            return token[1:-1]
        if re.fullmatch(r"-?\d+(?:\.\d+)?", token):
            return token
        raise ValueError(f"'{token}' is not a value")

    def _code(self, q: dict[str, Any], value: str) -> int:
        codes = q.get("options") or self.d.scales.get(q.get("scale", ""), {}).get("codes") or []
        for c in codes:
            if str(c.get("name", c["code"])) == value:
                return c["code"]
        raise ValueError(f"'{value}' is not a choice of {q['id']}")

    def _selected(self, q: dict[str, Any], value: str) -> dict[str, Any]:
        if q["type"] == "multi":
            return {"question": f"{q['id']}_{self._code(q, value)}", "op": "eq", "value": 1}
        if q["type"] == "single":
            return {"question": q["id"], "op": "eq", "value": self._code(q, value)}
        raise ValueError(f"selected() on {q['id']}, not a select question")

    def _compare(self, q: dict[str, Any], op: str, value: str) -> dict[str, Any]:
        if value == "" and op in ("eq", "ne"):
            return {"question": q["id"], "op": "blank" if op == "eq" else "answered"}
        if q["type"] == "single":
            return {"question": q["id"], "op": op, "value": self._code(q, value)}
        if q["type"] == "numeric" and re.fullmatch(r"-?\d+(?:\.\d+)?", value):
            number = float(value)
            return {
                "question": q["id"],
                "op": op,
                "value": int(number) if number.is_integer() else number,
            }
        raise ValueError(f"a comparison on {q['id']} ({q['type']})")
