"""The instrument keys that real platform exports need: their classes, parsing and validation.

``source``, ``comment``, ``boxes``, ``repeat``, ``missing`` (numeric user-missing values),
option ``name`` and ``source``, ``times`` and ``repeats`` (their meaning: the README's
"Instrument keys for platform exports").  The messages follow
:class:`survey.instrument.model._Validator`: every problem with its path in the file.
Kept beside the model so that the one validated schema can take these keys over whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

if TYPE_CHECKING:
    from survey.instrument.model import _Validator


@dataclass(frozen=True)
class Box:
    """One box of a multi-textbox question (its column is ``<question id>_<box id>``)."""

    id: str
    label: Mapping[str, str]
    personal: bool = False


@dataclass(frozen=True)
class Repeat:
    """A repeat group (Kobo/ODK): its questions are read as their own table, keyed by respondent."""

    id: str
    sheet: str
    label: Mapping[str, str]


def repeats_of(doc: Mapping[str, Any]) -> tuple[Repeat, ...]:
    """The instrument's ``repeats`` (a repeat's sheet defaults to its id)."""
    return tuple(Repeat(r["id"], str(r.get("sheet", r["id"])), dict(r.get("label") or {}))
                 for r in doc.get("repeats") or [])


def export_fields(q: Mapping[str, Any]) -> dict[str, Any]:
    """The Question fields of the keys real exports need (``source``, ``comment``, ``boxes`` ...)."""
    source = q.get("source")
    return {
        "source": source if isinstance(source, str) else None,
        "source_columns": tuple(source) if isinstance(source, list) else (),
        "row_number": isinstance(source, Mapping) and bool(source.get("row_number")),
        "comment": q.get("comment"),
        "boxes": tuple(Box(b["id"], dict(b["label"]), bool(b.get("personal", False))) for b in q.get("boxes") or []),
        "repeat": q.get("repeat"),
        "missing": tuple(tuple(float(v) for v in m) if isinstance(m, list) else float(m)
                         for m in q.get("missing") or []),
    }


def times_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The instrument's ``times`` as ``{"format": (strptime, ...), "timezone": zone or None}``."""
    times = doc.get("times") or {}
    fmt = times.get("format")
    return {"format": tuple(fmt) if isinstance(fmt, list) else (fmt,) if fmt else (), "timezone": times.get("timezone")}


def check(v: _Validator, d: Mapping[str, Any], scales: Mapping[str, Any]) -> None:
    """Append to ``v.out`` every problem of the export keys of instrument document ``d``.

    Examples
    --------
    >>> from survey.instrument.model import _Validator
    >>> v = _Validator({"languages": ["en"]}); v.langs = ["en"]
    >>> check(v, {"questions": [{"id": "q", "type": "numeric", "missing": ["x"]}]}, {})
    >>> v.out
    ["questions[0].missing: a numeric question's user-missing values: a list of numbers and [low, high] ranges"]
    """
    questions = [q for q in d["questions"] if isinstance(q, Mapping) and isinstance(q.get("id"), str)]
    types = {q["id"]: q.get("type") for q in questions}
    repeats = _repeats(v, d.get("repeats"))
    _times(v, d.get("times"))
    for sid, scale in scales.items():
        if isinstance(scale, Mapping):
            _option_keys(v, scale.get("codes"), f"scales.{sid}.codes", multi=False, types=types)
    for i, q in enumerate(d["questions"]):
        if not isinstance(q, Mapping) or not isinstance(q.get("id"), str):
            continue
        where = f"questions[{i}]"
        _source(v, q, where)
        if q.get("type") == "multi":
            _option_keys(v, q.get("options"), f"{where}.options", multi=True, types=types)
        if "comment" in q:
            if q.get("type") not in ("single", "paradata"):
                v.out.append(f"{where}.comment: only a single-choice question has a comment box")
            elif types.get(q["comment"]) != "text":
                v.out.append(f"{where}.comment: '{q['comment']}' is not a text question")
        if "boxes" in q:
            _boxes(v, q, where)
        if "repeat" in q and q["repeat"] not in repeats:
            v.out.append(f"{where}.repeat: unknown repeat '{q['repeat']}' (declared: {', '.join(repeats) or 'none'})")
        if "missing" in q:
            _missing(v, q, where)


def _source(v: _Validator, q: Mapping[str, Any], where: str) -> None:
    source = q.get("source")
    if source is None or isinstance(source, str):
        return
    if isinstance(source, Mapping):
        if set(source) != {"row_number"} or source["row_number"] is not True:
            v.out.append(f"{where}.source: a mapping source must be {{row_number: true}}")
        elif q.get("role") != "id":
            v.out.append(f"{where}.source: row_number is the id's source only (role: id)")
    elif isinstance(source, list) and q.get("type") == "multi" and all(isinstance(c, str) for c in source):
        return
    else:
        v.out.append(f"{where}.source: must be a column name, {{row_number: true}} (the id) "
                     "or, on a multi, a list of column names")


def _option_keys(v: _Validator, codes: Any, where: str, multi: bool, types: Mapping[str, Any]) -> None:
    names: set[str] = set()
    for i, c in enumerate(codes if isinstance(codes, list) else []):
        if not isinstance(c, Mapping):
            continue
        if "name" in c:
            if not isinstance(c["name"], (str, int)) or isinstance(c["name"], bool):
                v.out.append(f"{where}[{i}].name: must be text")
            elif str(c["name"]) in names:
                v.out.append(f"{where}[{i}].name: duplicate name '{c['name']}'")
            names.add(str(c.get("name")))
        if "source" in c and (not multi or not isinstance(c["source"], str)):
            v.out.append(f"{where}[{i}].source: only a multi-select option has its own column name")
        if c.get("other_text") is not None and types.get(c["other_text"]) != "text":
            v.out.append(f"{where}[{i}].other_text: '{c['other_text']}' is not a text question")


def _boxes(v: _Validator, q: Mapping[str, Any], where: str) -> None:
    boxes = q["boxes"]
    if q.get("type") != "text":
        v.out.append(f"{where}.boxes: only a text question has boxes")
        return
    if not isinstance(boxes, list) or not boxes:
        v.out.append(f"{where}.boxes: must be a non-empty list")
        return
    seen: set[str] = set()
    for j, b in enumerate(boxes):
        if not isinstance(b, Mapping) or not isinstance(b.get("id"), str):
            v.out.append(f"{where}.boxes[{j}].id: missing")
            continue
        if b["id"] in seen:
            v.out.append(f"{where}.boxes[{j}].id: duplicate box id '{b['id']}'")
        seen.add(b["id"])
        v._labels(b.get("label"), f"{where}.boxes[{j}].label")


def _missing(v: _Validator, q: Mapping[str, Any], where: str) -> None:
    entries = q["missing"]
    number = (int, float)
    ok = q.get("type") == "numeric" and isinstance(entries, list) and all(
        (isinstance(m, number) and not isinstance(m, bool))
        or (isinstance(m, list) and len(m) == 2 and all(isinstance(x, number) for x in m) and m[0] <= m[1])
        for m in entries)
    if not ok:
        v.out.append(f"{where}.missing: a numeric question's user-missing values: a list of numbers "
                     "and [low, high] ranges")


def _repeats(v: _Validator, repeats: Any) -> set[str]:
    if repeats is None:
        return set()
    if not isinstance(repeats, list):
        v.out.append("repeats: must be a list of {id, sheet, label}")
        return set()
    ids: set[str] = set()
    for i, r in enumerate(repeats):
        if not isinstance(r, Mapping) or not isinstance(r.get("id"), str):
            v.out.append(f"repeats[{i}].id: missing")
            continue
        if r["id"] in ids:
            v.out.append(f"repeats[{i}].id: duplicate repeat id '{r['id']}'")
        ids.add(r["id"])
        if "sheet" in r and not isinstance(r["sheet"], str):
            v.out.append(f"repeats[{i}].sheet: must be a sheet name")
        if "label" in r:
            v._labels(r["label"], f"repeats[{i}].label")
    return ids


def _times(v: _Validator, times: Any) -> None:
    if times is None:
        return
    if not isinstance(times, Mapping) or set(times) - {"format", "timezone"}:
        v.out.append("times: must be a mapping with 'format' and/or 'timezone'")
        return
    fmt = times.get("format")
    formats = fmt if isinstance(fmt, list) else [fmt] if fmt is not None else []
    if not all(isinstance(f, str) and "%" in f for f in formats):
        v.out.append("times.format: must be a strptime format such as '%m/%d/%Y %H:%M' or a list of them")
    zone = times.get("timezone")
    if zone is not None and zone not in available_timezones():
        v.out.append(f"times.timezone: unknown time zone '{zone}' (an IANA name such as 'America/New_York')")
