"""An instrument drafted from a .sav dictionary (variable and value labels, missing values, MR sets).

- a numeric variable with value labels and whole-number values is a single-choice
  question: its codes are the labelled values, the user-missing values and the values
  seen in the data; user-missing codes (discrete or in a range) are non-substantive;
  the measure is the file's (nominal or ordinal);
- a string variable with value labels (``M``/``F``) is a single-choice question whose
  options carry the strings as ``name``;
- a numeric variable with fractions is numeric even under value labels (nothing is
  rounded into a code); its user-missing values and ranges become ``missing``, its range
  is the one seen in the data;
- a multiple-response set is a multi-select question: a dichotomy set's options name
  their variables (``source``), a category set names its variables as the question's
  ``source``;
- date and time variables are paradata (kept as text); other strings are text;
- an id variable is recognised by its name (``id``, ``ResponseId``, ``record`` ...) and
  unique values; without one the row number is the id, declared.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.formats.sav import SavMeta, read_sav, read_sav_dictionary
from survey.instrument.draft.common import (
    WIDE,
    Draft,
    clean_text,
    default_quality,
    make_id,
    paradata,
)

ID_NAME = re.compile(
    r"^(id|respondent_?id|respid|response_?id|case_?id|caseno|record(_?id)?|serial|_?uuid|resp_?no)$",
    re.IGNORECASE,
)
START_NAME = re.compile(r"^(start_?date|start_?time|start)$", re.IGNORECASE)
SUBMIT_NAME = re.compile(r"^(end_?date|end_?time|end|submit_?date|recorded_?date)$", re.IGNORECASE)
DATE_FORMAT = re.compile(
    r"^(DATE|ADATE|EDATE|SDATE|JDATE|DATETIME|YMDHMS|MOYR|QYR|WKYR|TIME|DTIME|MTIME)", re.IGNORECASE
)


def draft_sav(path: Path, languages: list[str]) -> Draft:
    """Draft an instrument from a .sav file's dictionary (and its data, for the codes seen).

    Examples
    --------
    >>> draft = draft_sav(Path("wave.sav"), ["en"])  # doctest: +SKIP
    >>> [q["id"] for q in draft.questions][:3]  # doctest: +SKIP
    ['respondent_id', 'q1', 'q2']
    """
    try:
        data, meta = read_sav(path)
    except DataError as exc:
        data, meta = None, read_sav_dictionary(path)
        reason = str(exc).split(": ", 1)[-1]
    d = Draft(study={}, languages=languages, source=path.name)
    d.study = {
        "id": make_id(path.stem, set(), "study"),
        "title": d.label(meta.file_label or path.stem),
    }
    if data is None:
        d.note(
            "study",
            f"guessed: the data cannot be read ({reason}); codes and ranges come from the dictionary "
            "alone, and reading this file will stop with the same message",
        )
    sets = {name: s for name, s in meta.mr_sets.items() if _usable(s, d, name)}
    members = {v: name for name, s in sets.items() for v in s["variable_list"]}
    id_var = _id_variable(data, meta)
    if id_var is None:
        d.add(
            paradata(d, "id", "respondent_id", "Respondent id", {"row_number": True}),
            "guessed: the file has no id variable; the row number in the file is the respondent id",
        )
    for name in meta.formats:
        values = data[name] if data is not None else pd.Series(dtype=float)
        if name == id_var:
            d.add(
                paradata(d, "id", "respondent_id", meta.variable_labels.get(name) or name, name),
                f"guessed: {name} is the respondent id (its name, unique values)",
            )
        elif name in members:
            if sets[members[name]]["variable_list"][0] == name:
                _mr_set(d, members[name], sets[members[name]], data, meta)
        else:
            _variable(d, name, values, meta)
    default_quality(d)
    return d


def _usable(mr: dict[str, Any], d: Draft, name: str) -> bool:
    if mr.get("is_dichotomy") and mr.get("counted_value") not in (1, 1.0, "1"):
        d.note(
            "study",
            f"guessed: multiple-response set {name} counts {mr.get('counted_value')!r}, not 1: "
            "its variables are drafted as separate questions",
        )
        return False
    return True


def _id_variable(data: pd.DataFrame | None, meta: SavMeta) -> str | None:
    for name in meta.formats:
        label = meta.variable_labels.get(name) or ""
        if ID_NAME.match(name) or re.search(
            r"\b(record number|respondent id|response id)\b", label, re.IGNORECASE
        ):
            values = data[name] if data is not None else None
            if values is None or (
                values.notna().all()
                and values.is_unique
                and (values.astype(str).str.strip() != "").all()
            ):
                return name
    return None


def _source(d: Draft, name: str, qid: str) -> dict[str, Any]:
    return {} if qid == name else {"source": name}


def _variable(d: Draft, name: str, values: pd.Series, meta: SavMeta) -> None:
    fmt = meta.formats.get(name, "")
    text = meta.variable_labels.get(name) or name
    qid = d.ident(name)
    labels = meta.value_labels.get(name, {})
    is_string = fmt.upper().startswith("A")
    role = "start" if START_NAME.match(name) else "submit" if SUBMIT_NAME.match(name) else None
    if role and not any(q.get("role") == role for q in d.questions):
        d.add(
            {
                "id": qid,
                "type": "paradata",
                "role": role,
                "text": d.label(text),
                **_source(d, name, qid),
            },
            f"guessed: {name} is the {role} time (its name)",
        )
    elif DATE_FORMAT.match(fmt):
        d.add(
            {
                "id": qid,
                "type": "paradata",
                "role": "other",
                "text": d.label(text),
                **_source(d, name, qid),
            },
            f"date/time variable ({fmt}): kept as text (ISO 8601; what pyreadstat cannot convert, "
            "e.g. QYR, as its number of seconds since 1582-10-14)",
        )
    elif labels and (is_string or _whole(values, labels)):
        _single(d, qid, name, text, values, meta, is_string)
    elif is_string:
        d.add({"id": qid, "type": "text", "text": d.label(text), **_source(d, name, qid)})
    else:
        _numeric(d, qid, name, text, values, meta)


def _whole(values: pd.Series, labels: dict[Any, str]) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    keys = [k for k in labels if not isinstance(k, str)]
    return bool(np.all(numbers == np.round(numbers))) and all(float(k).is_integer() for k in keys)


def _single(
    d: Draft, qid: str, name: str, text: str, values: pd.Series, meta: SavMeta, is_string: bool
) -> None:
    # A string variable's value labels and user-missing values are strings (SavMeta's types
    # say numbers, the other case).
    labels: dict[Any, str] = meta.value_labels.get(name, {})
    missing: list[Any] = list(meta.missing.get(name, ()))
    seen = [
        v for v in values.dropna().unique().tolist() if not (isinstance(v, str) and v.strip() == "")
    ]
    if is_string:
        codes, unlabelled = _string_codes(d, labels, seen, missing)
    else:
        ranges = meta.missing_ranges.get(name, ())
        codes, unlabelled = _number_codes(d, labels, seen, missing, ranges)
    declared = meta.measures.get(name)
    measure = declared if declared in ("nominal", "ordinal") else "nominal"
    sid = _scale(d, qid, codes, measure)
    notes = []
    if unlabelled:
        notes.append(
            f"guessed: values without a value label: {', '.join(unlabelled)} (labelled by the value)"
        )
    user_missing = [c["label"][d.languages[0]] for c in codes if c.get("nonsubstantive")]
    if user_missing:
        notes.append(
            f"user-missing in the file, non-substantive here: {', '.join(map(str, user_missing))}"
        )
    if meta.measures.get(name) == "scale":
        notes.append("the file says measure 'scale' for a labelled variable: drafted as nominal")
    d.add(
        {"id": qid, "type": "single", "scale": sid, "text": d.label(text), **_source(d, name, qid)},
        *notes,
    )


def _string_codes(
    d: Draft, labels: dict[Any, str], seen: list[Any], missing: list[Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """A string variable's codes (1, 2, ... in the order of the strings, named by them) and the
    strings without a value label."""
    keys = sorted(
        {str(k) for k in labels} | {str(v).strip() for v in seen} | {str(v) for v in missing}
    )
    absent = {str(m) for m in missing}
    codes = [
        {
            "code": k,
            "label": d.label(labels.get(v) or v),
            "name": v,
            **({"nonsubstantive": True} if v in absent else {}),
        }
        for k, v in enumerate(keys, start=1)
    ]
    labelled = {str(k) for k in labels}
    return codes, [v for v in keys if v not in labelled]


def _number_codes(
    d: Draft,
    labels: dict[Any, str],
    seen: list[Any],
    missing: list[Any],
    ranges: tuple[tuple[float, float], ...],
) -> tuple[list[dict[str, Any]], list[str]]:
    """A numeric variable's codes (labelled, seen and whole user-missing values; user-missing
    ones non-substantive) and the codes without a value label."""
    keys = sorted(
        {int(k) for k in labels}
        | {int(v) for v in seen}
        | {int(m) for m in missing if float(m).is_integer()}
    )
    codes = [
        {
            "code": k,
            "label": d.label(labels.get(k) or labels.get(float(k)) or str(k)),
            **(
                {"nonsubstantive": True}
                if k in missing or any(lo <= k <= hi for lo, hi in ranges)
                else {}
            ),
        }
        for k in keys
    ]
    return codes, [str(k) for k in keys if k not in labels and float(k) not in labels]


def _scale(d: Draft, qid: str, codes: list[dict[str, Any]], measure: str) -> str:
    """The scale of these codes: an identical one already drafted, else a new one."""
    for sid, scale in d.scales.items():
        if scale["codes"] == codes and scale.get("measure") == measure:
            return sid
    sid = make_id(qid, {s.lower() for s in d.scales})
    d.scales[sid] = {"measure": measure, "codes": codes}
    return sid


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _numeric(d: Draft, qid: str, name: str, text: str, values: pd.Series, meta: SavMeta) -> None:
    missing = [_number(v) for v in meta.missing.get(name, ())] + [
        [_number(lo), _number(hi)] for lo, hi in meta.missing_ranges.get(name, ())
    ]
    numbers = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    for m in missing:
        numbers = numbers[~(numbers.between(*m) if isinstance(m, list) else numbers == m)]
    notes = []
    if len(numbers):
        rng = [_number(math.floor(numbers.min())), _number(math.ceil(numbers.max()))]
        notes.append(f"guessed: range {rng} is the one seen in the data")
    else:
        rng = list(WIDE)
        notes.append("guessed: no values to bound the range")
    labels = meta.value_labels.get(name, {})
    if labels:
        shown = ", ".join(f"{_number(k)} '{v}'" for k, v in labels.items())
        notes.append(
            f"value labels on a variable with fractions, read as a number (labels: {shown})"
        )
    q: dict[str, Any] = {
        "id": qid,
        "type": "numeric",
        "range": rng,
        "text": d.label(text),
        **_source(d, name, qid),
    }
    if missing:
        q["missing"] = missing
        notes.append("user-missing values in the file are read as blank")
    d.add(q, *notes)


def _mr_set(
    d: Draft, name: str, mr: dict[str, Any], data: pd.DataFrame | None, meta: SavMeta
) -> None:
    qid = d.ident(name.lstrip("$"))
    text = clean_text(mr.get("label")) or name
    variables = list(mr["variable_list"])
    if mr.get("is_dichotomy"):
        options = [
            {"code": k, "label": d.label(meta.variable_labels.get(v) or v), "source": v}
            for k, v in enumerate(variables, start=1)
        ]
        d.add(
            {"id": qid, "type": "multi", "text": d.label(text), "options": options},
            f"multiple-response set {name} (dichotomies counting 1): one option per variable",
        )
        return
    labels: dict[Any, str] = {}
    for v in variables:
        labels.update(meta.value_labels.get(v, {}))
    seen = set()
    if data is not None:
        for v in variables:
            seen |= {x for x in data[v].dropna().unique().tolist() if str(x).strip() != ""}
    keys = sorted({*labels, *seen}, key=lambda k: (isinstance(k, str), k))
    strings = any(isinstance(k, str) for k in keys)
    options = []
    for k, key in enumerate(keys, start=1):
        option = {"code": k if strings else int(key), "label": d.label(labels.get(key) or key)}
        if strings:
            option["name"] = str(key)
        options.append(option)
    d.add(
        {
            "id": qid,
            "type": "multi",
            "text": d.label(text),
            "options": options,
            "source": variables,
        },
        f"multiple-response set {name} (categories): each of {', '.join(variables)} holds one chosen option",
    )
