"""Whole-document checks of an instrument.

The schema (:mod:`survey.instrument.schema`) checks each mapping and its references.
What needs the whole document is here, in two parts: :func:`raw_problems` (repeated
ids, the respondent id) reads the raw YAML leniently and runs together with the
schema, so that a repeated id is reported with the problems it causes elsewhere;
:func:`instrument_problems` runs on the built model once the schema passed: derived
variables in order and their codes (cross codes that cannot collide, recode maps
that cover the scale, reversible scales, box sizes, scores), rules that name a grid
or need an exclusive option.  Each problem is ``<YAML path>: <what is wrong>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from survey.instrument import model as m
from survey.instrument import schema as s
from survey.instrument.schemabase import dicts, path


def raw_problems(doc: Mapping[str, Any]) -> list[str]:
    """Repeated ids and a missing respondent id, read leniently from the raw document."""
    found: list[s.Problem] = []
    seen: set[Any] = set()
    questions = dicts(doc.get("questions"))
    for i, q in enumerate(questions):
        names = [((i, "id"), q.get("id"))] + [
            ((i, "items", j, "id"), x.get("id")) for j, x in enumerate(dicts(q.get("items")))
        ]
        for loc, name in names:
            if isinstance(name, str) and name in seen:
                found.append((("questions", *loc), f"duplicate question id '{name}'"))
            seen.add(name)
    if questions and not any(q.get("role") == "id" for q in questions):
        found.append((("questions",), "no paradata question with role 'id' (the respondent id)"))
    for key, what in (("derived", "id"), ("quality", "rule id")):
        ids: set[Any] = set(seen) if key == "derived" else set()
        for i, x in enumerate(dicts(doc.get(key))):
            if isinstance(x.get("id"), str) and x["id"] in ids:
                found.append(((key, i, "id"), f"duplicate {what} '{x['id']}'"))
            ids.add(x.get("id"))
    return [f"{path(loc)}: {text}" for loc, text in found]


def instrument_problems(doc: s.InstrumentDoc, inst: m.Instrument) -> list[str]:
    """Every whole-document problem of a schema-valid instrument (empty when there is none)."""
    found = [*_derived_problems(doc, inst), *_rule_problems(doc, inst), *_export_problems(doc)]
    for i, item in enumerate(doc.scales_of_items):
        for j, qid in enumerate(item.items):
            if not inst.has_question(qid) or not inst.question(qid).coded:
                found.append(
                    (("scales_of_items", i, "items", j), f"'{qid}' is not a coded question")
                )
    for i, name in enumerate(doc.weighting.variables):
        if not _codes(inst, name):
            found.append((("weighting", "variables", i), f"'{name}' has no codes to weight on"))
    return [f"{path(loc)}: {text}" for loc, text in found]


def _codes(inst: m.Instrument, name: str) -> tuple[m.Code, ...]:
    try:
        return inst.codes_of(name)
    except (KeyError, ValueError):
        return ()


def _kind(inst: m.Instrument, name: str) -> str:
    """``coded``, ``numeric`` or ``other``: what a derived variable's source is."""
    var = inst.variables().get(name)
    if isinstance(var, m.Question):
        return (
            "coded"
            if var.coded and var.type != "multi"
            else ("numeric" if var.type == "numeric" else "other")
        )
    if isinstance(var, m.Derived):
        return "numeric" if var.numeric else "coded"
    return "other"


def _derived_problems(doc: s.InstrumentDoc, inst: m.Instrument) -> Iterator[s.Problem]:
    known = set(inst.raw_columns) | {q.id for q in inst.questions}
    for i, (d, built) in enumerate(zip(doc.derived, inst.derived, strict=True)):
        where = ("derived", i)
        later = [x for x in d.from_ if x not in known]
        known.add(d.id)
        if later:
            yield (*where, "from"), f"'{later[0]}' is not defined before '{d.id}'"
            continue
        wanted = "numeric" if d.type == "bands" else "coded"
        wrong = [x for x in d.from_ if _kind(inst, x) != wanted]
        if wrong:
            yield (
                (*where, "from"),
                f"a {d.type} needs {wanted} variables; '{wrong[0]}' is not {wanted}",
            )
            continue
        yield from _derived_codes(where, built, inst)


def _derived_codes(where: tuple[Any, ...], d: m.Derived, inst: m.Instrument) -> Iterator[s.Problem]:
    source = _codes(inst, d.source[0])
    codes = {c.code for c in source}
    substantive = sorted(c.code for c in source if not c.nonsubstantive)
    if d.type == "indicator" and set(d.codes) - codes:
        yield (*where, "codes"), f"not codes of '{d.source[0]}': {sorted(set(d.codes) - codes)}"
    if d.type == "cross":
        for name in d.source:
            negative = [c.code for c in _codes(inst, name) if c.code < 0]
            if negative:
                yield (
                    (*where, "from"),
                    f"a cross needs codes >= 0 (so that none collide); '{name}' has {negative}",
                )
    if d.type == "reverse" and substantive:
        lo, hi = substantive[0], substantive[-1]
        if sorted(lo + hi - c for c in substantive) != substantive:
            yield (
                (*where, "from"),
                (
                    f"the codes of '{d.source[0]}' ({substantive}) cannot be reversed: "
                    f"{lo}+{hi}-code is not always one of them"
                ),
            )
    if d.type == "box":
        k = d.top or d.bottom or 0
        if k >= len(substantive):
            yield (
                (*where, "top" if d.top else "bottom"),
                (f"must be less than the {len(substantive)} substantive codes of '{d.source[0]}'"),
            )
    if d.type == "recode":
        yield from _recode_problems(where, d, source)
    if d.type == "score" and d.min_valid is not None and d.min_valid > len(d.source):
        yield (*where, "min_valid"), f"more than the {len(d.source)} items"


def _recode_problems(
    where: tuple[Any, ...], d: m.Derived, source: tuple[m.Code, ...]
) -> Iterator[s.Problem]:
    codes = {c.code for c in source}
    unknown = sorted(set(d.recode_map) - codes)
    if unknown:
        yield (*where, "map"), f"not codes of '{d.source[0]}': {unknown}"
    left = [c.code for c in source if not c.nonsubstantive and c.code not in d.recode_map]
    if left and d.unmapped is None:
        yield (
            (*where, "map"),
            (
                f"codes {left} of '{d.source[0]}' are not mapped (map them, or say "
                "`else: keep` or `else: blank`)"
            ),
        )
    unlabelled = sorted(set(d.recode_map.values()) - set(d.recode_labels))
    if unlabelled:
        yield (*where, "labels"), f"no label for new code(s) {unlabelled}"
    kept = {c.code for c in m.recode_kept(source, d)}
    clash = sorted(kept & set(d.recode_map.values()))
    if clash:
        yield (
            (*where, "map"),
            f"new code(s) {clash} are also kept source codes (choose other codes)",
        )


def _rule_problems(doc: s.InstrumentDoc, inst: m.Instrument) -> Iterator[s.Problem]:
    for i, r in enumerate(doc.quality):
        if r.rule == "straightlining":
            items = list(inst.grid(r.grid).items) if r.grid else list(r.items)
            if len(items) < 2:
                yield ("quality", i, "items"), "needs at least 2 items"
            if r.min_items is not None and r.min_items > len(items):
                yield ("quality", i, "min_items"), f"more than the {len(items)} items"
            not_coded = [
                x for x in items if not inst.question(x).coded or inst.question(x).type == "multi"
            ]
            if not_coded:
                yield ("quality", i, "items"), f"'{not_coded[0]}' is not a single-choice question"
        if r.rule == "exclusive" and not any(
            q.exclusive_codes for q in inst.questions if q.type == "multi"
        ):
            yield ("quality", i, "rule"), "no multi-select question has an exclusive option"


def _export_problems(doc: s.InstrumentDoc) -> Iterator[s.Problem]:
    """What the keys of platform exports need beyond their own types (``source``, ``name``, ``missing``, ``times``)."""
    for i, fmt in enumerate(doc.times.format):
        if "%" not in fmt:
            yield ("times", "format", i), f"{fmt!r} must be a strptime format (e.g. %d.%m.%Y %H:%M)"
    for sid, scale in doc.scales.items():
        yield from _option_problems(("scales", sid, "codes"), scale.codes, multi=False)
    for i, q in enumerate(doc.questions):
        where = ("questions", i)
        if isinstance(q.source, s.RowNumber) and q.role != "id":
            yield (*where, "source"), "row_number is the id's source only (role: id)"
        if isinstance(q.source, list) and q.type != "multi":
            yield (
                (*where, "source"),
                "a list of columns is a multi-select's source only (an SPSS category set)",
            )
        if q.options:
            yield from _option_problems((*where, "options"), q.options, multi=True)
        for j, entry in enumerate(q.missing or ()):
            if isinstance(entry, list) and entry[0] > entry[1]:
                yield (
                    (*where, "missing", j),
                    f"the range {entry} must be [low, high] with low <= high",
                )


def _option_problems(
    where: tuple[Any, ...], options: list[s.Option], multi: bool
) -> Iterator[s.Problem]:
    names: set[str] = set()
    for j, o in enumerate(options):
        if o.name is not None:
            if o.name in names:
                yield (*where, j, "name"), f"duplicate name '{o.name}'"
            names.add(o.name)
        if o.source is not None and not multi:
            yield (*where, j, "source"), "only a multi-select option has its own column name"
