"""Loading YAML documents against their schema, and building the instrument.

:func:`validate` runs a pydantic model of :mod:`survey.instrument.schema` (or of
:mod:`survey.instrument.planschema`) over a YAML document and turns every problem
pydantic finds into one line ``<YAML path>: <what is wrong>``, e.g.
``questions[3].requird: unknown key; did you mean `required`?``.  The nearest valid
key is found by walking the model's field types along the error's path (pydantic
reports an unknown key but not the keys that were possible there): that walk and the
wording of the messages are ours because no library does them.

:func:`load_instrument` reads an instrument file, validates it (every problem at
once, one :class:`~survey.errors.InstrumentError` line naming the file), builds the
:class:`~survey.instrument.model.Instrument` and runs the whole-document checks of
:mod:`survey.instrument.checks`.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

import yaml
from pydantic import BaseModel, ValidationError

from survey.errors import InstrumentError
from survey.instrument import model as m
from survey.instrument import schema as s
from survey.instrument.schemabase import dicts, path

#: libyaml's parser with PyYAML's safe constructor (the objects of ``yaml.safe_load``), where
#: PyYAML was built with libyaml: ten times faster on an instrument.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` through libyaml where it is there; a document it refuses is read again
    by PyYAML itself, so that the error (and its line and column) are PyYAML's.

    Examples
    --------
    >>> safe_load("a: [1, 2]")
    {'a': [1, 2]}
    """
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)


def read_yaml(path: Path, error: type[Exception]) -> Any:
    """Load a YAML file with the safe loader; any failure is ``error`` naming the file (and line, column)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    try:
        doc = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{path}:{where}: invalid YAML: {problem}") from None
    if not isinstance(doc, dict):
        raise error(f"{path}: expected a YAML mapping at the top, got {type(doc).__name__}")
    return doc


# --------------------------------------------------------------------------- messages


def validate(
    doc: Mapping[str, Any], schema: type[BaseModel], ctx: Mapping[str, Any]
) -> tuple[Any, list[str]]:
    """Validate ``doc`` with ``schema``; returns the model (None on failure) and every problem.

    Examples
    --------
    >>> from survey.instrument.schema import Net
    >>> validate({"id": "a", "codes": [1], "lable": {"en": "A"}}, Net, {})[1]
    ['label: missing', 'lable: unknown key; did you mean `label`?']
    """
    try:
        return schema.model_validate(doc, context=dict(ctx)), []
    except ValidationError as exc:
        return None, ordered(line for e in exc.errors() for line in _lines(e, schema))


def ordered(problems: Any) -> list[str]:
    """Problems without repeats, in the order of their paths in the file."""
    return sorted(dict.fromkeys(problems), key=_path_order)


def _lines(error: Mapping[str, Any], schema: type[BaseModel]) -> list[str]:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("~")))
    ctx = error.get("ctx") or {}
    if ctx.get("problems"):
        return [f"{path(loc + tuple(sub)) or '(top)'}: {text}" for sub, text in ctx["problems"]]
    return [f"{path(loc) or '(top)'}: {_message(error, schema, error['loc'])}"]


def _path_order(line: str) -> list[Any]:
    head = line.split(": ", 1)[0].replace("]", "").replace("[", ".")
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in head.split(".")]


_TYPES = {
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "tuple_type": "must be a list",
}


def _message(error: Mapping[str, Any], schema: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind, got = error["type"], error.get("input")
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return unknown_key(str(loc[-1]), valid_keys(schema, loc[:-1]))
    if kind == "literal_error":
        expected = [
            str(x).strip("'") for x in error["ctx"]["expected"].replace(" or ", ", ").split(", ")
        ]
        near = difflib.get_close_matches(str(got), expected, n=1, cutoff=0.7)
        hint = f"; did you mean `{near[0]}`?" if near else ""
        noun = loc[-1] if isinstance(loc[-1], str) and not loc[-1].startswith("~") else "value"
        noun = {"op": "operator"}.get(noun, noun)
        return f"unknown {noun} '{got}' (valid: {', '.join(expected)}){hint}"
    if kind in _TYPES:
        return f"{_TYPES[kind]}, got {_show(got)}"
    bounds = {
        "greater_than": ("gt", "greater than"),
        "greater_than_equal": ("ge", "at least"),
        "less_than": ("lt", "less than"),
        "less_than_equal": ("le", "at most"),
    }
    if kind in bounds:
        key, words = bounds[kind]
        return f"must be {words} {error['ctx'][key]}, got {_show(got)}"
    if kind == "too_short":
        return f"must have at least {error['ctx']['min_length']} item(s)"
    if kind == "too_long":
        return f"must have at most {error['ctx']['max_length']} item(s)"
    if kind == "union_tag_invalid":
        return f"must be {error['ctx'].get('expected_tags', '').replace('~', '')}, got {_show(got)}"
    text = str(error["msg"])
    return text[0].lower() + text[1:] if text else kind


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value) if isinstance(value, str) else str(value)


def unknown_key(key: str, valid: list[str]) -> str:
    """``unknown key; did you mean `required`?`` (or the valid keys when none is near).

    Examples
    --------
    >>> unknown_key("requird", ["id", "type", "required"])
    'unknown key; did you mean `required`?'
    >>> unknown_key("colour", ["format", "timezone"])
    'unknown key (valid: format, timezone)'
    """
    near = difflib.get_close_matches(key, valid, n=1, cutoff=0.7)
    if near:
        return f"unknown key; did you mean `{near[0]}`?"
    return f"unknown key (valid: {', '.join(valid)})" if valid else "unknown key"


def valid_keys(schema: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``loc`` takes (walking field types: models, lists, mappings, unions).

    Examples
    --------
    >>> from survey.instrument.schema import InstrumentDoc
    >>> valid_keys(InstrumentDoc, ("times",))
    ['format', 'timezone']
    """
    current: Any = schema
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    model = _model_in(current)
    return [f.alias or name for name, f in model.model_fields.items()] if model else []


def _members(tp: Any) -> list[Any]:
    """``tp`` without Annotated and Optional, as the list of its union members."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [x for arg in typing.get_args(tp) for x in _members(arg) if x is not type(None)]
    return [tp]


def _model_in(tp: Any) -> type[BaseModel] | None:
    return next((x for x in _members(tp) if isinstance(x, type) and issubclass(x, BaseModel)), None)


def _step(tp: Any, part: Any) -> Any:
    if isinstance(part, str) and part.startswith("~"):
        return tp
    for member in _members(tp):
        if isinstance(member, type) and issubclass(member, BaseModel):
            fields = {f.alias or n: f for n, f in member.model_fields.items()}
            if part in fields:
                return fields[part].annotation
        elif typing.get_origin(member) in (list, tuple) and isinstance(part, int):
            return typing.get_args(member)[0]
        elif typing.get_origin(member) is dict:
            return typing.get_args(member)[1]
    return None


# --------------------------------------------------------------------------- the instrument


def instrument_context(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The names an instrument document defines, read leniently (for the schema's reference checks)."""
    declared, scales = doc.get("languages"), doc.get("scales")
    languages = [x for x in declared if isinstance(x, str)] if isinstance(declared, list) else []
    if not isinstance(scales, Mapping):
        scales = {}
    columns: set[str] = set()
    text_questions: set[str] = set()
    grids: set[str] = set()
    for q in dicts(doc.get("questions")):
        qid = q.get("id")
        if not isinstance(qid, str):
            continue
        boxes = [f"{qid}_{b.get('id')}" for b in dicts(q.get("boxes"))]
        items = [str(i.get("id")) for i in dicts(q.get("items"))]
        options = [f"{qid}_{o.get('code')}" for o in dicts(q.get("options"))]
        columns |= {qid, *boxes, *items, *options}
        if q.get("type") == "text":
            text_questions.add(qid)
        if q.get("type") == "grid":
            grids.add(qid)
    derived = {str(d.get("id")) for d in dicts(doc.get("derived"))}
    sections = {str(x.get("id")) for x in dicts(doc.get("sections"))} if "sections" in doc else None
    return {
        "languages": languages,
        "scales": set(scales),
        "columns": columns,
        "variables": columns | derived,
        "text_questions": text_questions,
        "grids": grids,
        "sections": sections,
        "repeats": {str(r.get("id")) for r in dicts(doc.get("repeats"))},
    }


def load_instrument(path: str | Path) -> m.Instrument:
    """Read and validate an instrument YAML file.

    Parameters
    ----------
    path : str or Path
        The instrument file.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        With every problem found, each prefixed by its path in the file.

    Examples
    --------
    >>> inst = load_instrument("instruments/ccg-2020.yaml")  # doctest: +SKIP
    """
    path = Path(path)
    return from_document(read_yaml(path, InstrumentError), str(path))


def from_document(raw: Mapping[str, Any], where: str) -> m.Instrument:
    """Validate an instrument document (the YAML's mapping) and build it; errors name ``where``."""
    from survey.instrument.checks import instrument_problems, raw_problems

    doc, problems = validate(raw, s.InstrumentDoc, instrument_context(raw))
    problems = ordered(problems + raw_problems(raw))
    if not problems:
        instrument = build(doc, where)
        problems = instrument_problems(doc, instrument)
    if problems:
        raise InstrumentError(f"{where}: " + "; ".join(problems))
    return instrument


def _code(c: s.Option) -> m.Code:
    return m.Code(
        code=c.code,
        label=dict(c.label),
        nonsubstantive=c.nonsubstantive,
        since=c.since,
        other_text=c.other_text,
        name=c.name,
        exclusive=c.exclusive,
        source=c.source,
    )


def _scale(sid: str, sc: s.Scale) -> m.Scale:
    nets = tuple(m.Net(n.id, tuple(n.codes), dict(n.label)) for n in sc.nets)
    return m.Scale(sid, tuple(_code(c) for c in sc.codes), nets, sc.measure)


class _SourceFields(TypedDict, total=False):
    """The Question fields a ``source`` key sets (one of them)."""

    source: str | None
    source_columns: tuple[str, ...]
    row_number: bool


class _Shared(TypedDict):
    """The Question fields a grid's items take from the grid."""

    codes: tuple[m.Code, ...]
    nets: tuple[m.Net, ...]
    measure: str
    scale_id: str | None
    required: bool
    ask_if: Mapping[str, Any] | None
    personal: bool
    section: str | None
    repeat: str | None
    comment: str | None
    background: bool


def _source(value: Any) -> _SourceFields:
    """The Question fields of a ``source`` key: a column, the row number, or a category set's columns."""
    if isinstance(value, BaseModel):  # {row_number: true}
        return {"row_number": True}
    if isinstance(value, list):
        return {"source_columns": tuple(value)}
    return {"source": value}


def _shared(q: s.Question, scales: Mapping[str, m.Scale], banner: set[str]) -> _Shared:
    scale = scales.get(q.scale or "")
    return {
        "codes": scale.codes if scale else tuple(_code(c) for c in q.options or []),
        "nets": scale.nets if scale else (),
        "measure": scale.measure if scale else ("scale" if q.type == "numeric" else "nominal"),
        "scale_id": q.scale,
        "required": q.required,
        "ask_if": q.ask_if.plain() if q.ask_if else None,
        "personal": q.personal,
        "section": q.section,
        "repeat": q.repeat,
        "comment": q.comment,
        "background": q.section in banner,
    }


def _missing(values: list[float | list[float]] | None) -> tuple[float | tuple[float, float], ...]:
    """A numeric question's user-missing values and ``[low, high]`` ranges (validated pairs)."""
    return tuple(
        (float(x[0]), float(x[1])) if isinstance(x, list) else float(x) for x in values or ()
    )


def _question(q: s.Question, shared: _Shared) -> m.Question:
    return m.Question(
        id=q.id,
        type=q.type,
        text=dict(q.text),
        **shared,
        range=(q.range[0], q.range[1]) if q.range else None,
        role=q.role,
        attention_check=q.attention_check,
        open_ended=q.open_ended,
        history=tuple({"version": h.version, "text": dict(h.text)} for h in q.history),
        reverse=q.reverse,
        integer=q.integer,
        unit=dict(q.unit) if q.unit else None,
        **_source(q.source),
        missing=_missing(q.missing),
        boxes=tuple(m.Box(b.id, dict(b.label), b.personal) for b in q.boxes or []),
    )


def _questions(
    doc: s.InstrumentDoc, scales: Mapping[str, m.Scale], banner: set[str]
) -> list[m.Question]:
    out = []
    for q in doc.questions:
        shared = _shared(q, scales, banner)
        if q.type != "grid":
            out.append(_question(q, shared))
            continue
        out += [
            m.Question(
                id=item.id,
                type="single",
                text=dict(item.text),
                grid=q.id,
                reverse=item.reverse,
                **_source(item.source),
                **shared,
            )
            for item in q.items or []
        ]
    return out


def _recode_map(d: s.Derived) -> tuple[dict[int, int], dict[int, dict[str, str]]]:
    labels = {code: dict(label) for code, label in d.labels.items()}
    if isinstance(d.map, list):
        labels.update({g.code: dict(g.label) for g in d.map if g.label})
        return {old: g.code for g in d.map for old in g.codes}, labels
    return dict(d.map or {}), labels


def _derived(d: s.Derived, measures: Mapping[str, str]) -> m.Derived:
    recode_map, recode_labels = _recode_map(d)
    default = {
        "recode": measures.get(d.from_[0], "nominal"),
        "reverse": measures.get(d.from_[0], "nominal"),
        "score": "scale",
    }.get(d.type, "nominal")
    return m.Derived(
        id=d.id,
        type=d.type,
        source=tuple(d.from_),
        label=dict(d.label),
        codes=tuple(d.codes),
        bands=tuple(b.model_dump() for b in d.bands),
        measure=d.measure or default,
        recode_map=recode_map,
        recode_labels=recode_labels,
        unmapped=d.else_,
        top=d.top,
        bottom=d.bottom,
        method=d.method,
        reverse=tuple(d.reverse),
        min_valid=d.min_valid,
    )


def _banner_sections(doc: s.InstrumentDoc) -> set[str]:
    if doc.sections is None:
        return {m.DEFAULT_BANNER_SECTION}
    return {x.id for x in doc.sections if x.role == "banner"}


def build(doc: s.InstrumentDoc, path: str) -> m.Instrument:
    """The :class:`~survey.instrument.model.Instrument` of a validated document."""
    scales = {sid: _scale(sid, sc) for sid, sc in doc.scales.items()}
    questions = _questions(doc, scales, _banner_sections(doc))
    measures = {q.id: q.measure for q in questions}
    derived = []
    for d in doc.derived:
        derived.append(_derived(d, measures))
        measures[d.id] = derived[-1].measure
    grids = tuple(
        m.Grid(
            q.id,
            dict(q.text),
            str(q.scale),
            tuple(i.id for i in q.items or []),
            q.section,
            q.comment,
        )
        for q in doc.questions
        if q.type == "grid"
    )
    study = {
        k: (dict(v) if isinstance(v, Mapping) else v)
        for k, v in doc.study.model_dump(exclude_unset=True).items()
    }
    base = m.Instrument(
        study={**study, "countries": list(doc.study.countries)},
        version=str(doc.version),
        changelog=tuple(e.model_dump(exclude_unset=True) for e in doc.changelog),
        languages=tuple(doc.languages),
        questions=(),
        derived=tuple(derived),
        quality=tuple(
            m.QualityRule(r.id, r.rule, r.params(), dict(r.description or {})) for r in doc.quality
        ),
        weighting_variables=tuple(doc.weighting.variables),
        item_scales=tuple(
            {"id": x.id, "label": dict(x.label), "items": list(x.items)}
            for x in doc.scales_of_items
        ),
        path=path,
        schema_version=doc.schema_version,
        grids=grids,
        sections=tuple(m.Section(x.id, x.role, dict(x.label or {})) for x in doc.sections or []),
        repeats=tuple(m.Repeat(r.id, r.sheet or r.id, dict(r.label or {})) for r in doc.repeats),
        times=m.Times(tuple(doc.times.format), doc.times.timezone),
        skip_policy=doc.skip_policy,
        repeat_questions=tuple(q for q in questions if q.repeat),
    )
    return m.with_questions(base, [q for q in questions if not q.repeat], str(doc.version))
