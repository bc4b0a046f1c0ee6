"""The format reference, generated from the schema: ``docs/format.md`` and ``docs/schema/*.json``.

``python -m survey.instrument.reference`` writes the reference page (every key of
the instrument, plan and coding-frame formats with its type, default, description
and an example) and the three JSON Schema files; ``--check`` only compares them with
the committed ones (exit status 1 when they differ).  Both come from the pydantic
models of :mod:`survey.instrument.schema` and :mod:`survey.instrument.planschema`,
so the documentation cannot drift from what the loader accepts.  The page is written
here (pydantic exports JSON Schema, not prose); the JSON Schema is pydantic's.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from survey.instrument import planschema as ps
from survey.instrument import schema as s
from survey.instrument import schemabase

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS: dict[str, tuple[type[BaseModel], str]] = {
    "instrument": (s.InstrumentDoc, "instruments/<study>.yaml"),
    "plan": (ps.PlanDoc, "analysis/<study>.yaml"),
    "coding-frame": (ps.CodingFrameDoc, "analysis/<study>-coding.yaml"),
}
_NAMED = [
    (s.Label, "label"),
    (s.FreeLabel, "text per language"),
    (s.TextOrLabel, "text, or text per language"),
    (s.Names, "name, or list of names"),
    (s.Number, "number"),
    (s.Range, "[min, max]"),
    (s.Pair, "[min, max]"),
    (s.Source, "text, or `{row_number: true}`"),
    (s.RecodeMap, "mapping of code to new code, or list of [RecodeGroup](#recodegroup)"),
    (s.Options, "list of [Option](#option)"),
]
_BASIC = {str: "text", int: "integer", float: "number", bool: "true/false", type(None): "null"}

INTRO = """\
# File formats: instrument, analysis plan, coding frame

*Generated from the schema by `python -m survey.instrument.reference`; do not edit by hand.
The same definitions are published as JSON Schema in [`docs/schema/`](schema/).*

A study is three YAML files: the **instrument** (`{instrument}`: questions, wording per
language, codes, skip logic, quality rules, derived variables), the **analysis plan**
(`{plan}`: waves, published figures, weighting, banner) and, for open-ended answers, a
**coding frame** (`{frame}`). Each file declares `schema_version: 1` (a file without it is
read as version 1).

Every file is checked when it loads, and every problem is reported at once, each with the
file, its YAML path and what is wrong, for example:

```
instruments/health.yaml: questions[3].requird: unknown key; did you mean `required`?;
derived[2].from: unknown question 'smoke_q'; scales.agree4.codes[1].code: duplicate code 1
```

A YAML syntax error names the file, line and column. Unknown keys are errors, never ignored.
A **label** is text per language code (`{{en: Agree, es: De acuerdo}}`) with an entry for
every language the instrument declares. A **condition** (skip logic, rule, weighting scope)
is described under [Condition](#condition).

Complete examples: [`instruments/ccg-2020.yaml`](../instruments/ccg-2020.yaml) with its plan
[`analysis/ccg-2020.yaml`](../analysis/ccg-2020.yaml) and coding frame, and
[`tests/fixtures/features/instrument.yaml`](../tests/fixtures/features/instrument.yaml), a small
English/Spanish study with a grid, a reversed item, an exclusive option, skip logic, recodes,
boxes, a score, a cross, sections with roles and a declared time format.

"""


def _label(tp: Any) -> str | None:
    for named, text in _NAMED:
        if tp == named:
            return text
    return None


def type_text(tp: Any) -> str:
    """A field's type in words, with links to the mappings it holds."""
    named = _label(tp)
    if named:
        return named
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return type_text(args[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        return " or ".join(type_text(a) for a in members)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{v}`" for v in args)
    if origin in (list, tuple):
        return f"list of {type_text(args[0])}"
    if origin is dict:
        return f"mapping of {type_text(args[0])} to {type_text(args[1])}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    if tp is Any:
        return "any value"
    return _BASIC.get(tp, getattr(tp, "__name__", str(tp)))


def field_type(field: Any) -> str:
    """A field's type in words; a named type used directly (``text: Label``) is known by its metadata."""
    funcs = {getattr(m, "func", None) for m in field.metadata}
    schemas = [getattr(m, "json_schema", None) for m in field.metadata]
    if schemabase._languages in funcs:
        return "label"
    if schemabase._one_or_many in funcs:
        return "name, or list of names"
    if schemabase._ordered in funcs:
        return "[min, max]"
    if {"type": "number"} in schemas:
        return "number"
    return type_text(field.annotation)


def _flow(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True, exclude_defaults=True)
    if isinstance(value, str):
        return value
    text = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=1000
    ).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def _default(field: Any) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.default_factory() if field.default is PydanticUndefined else field.default
    if value is None:
        return "–"
    if isinstance(value, BaseModel):
        return "see below"
    return f"`{_flow(value)}`"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _models(tp: Any) -> list[type[BaseModel]]:
    """The models a field type holds, in order."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for a in args for m in _models(a)] if origin is not None else []


def _container(tp: Any) -> str:
    """How a field holds its mappings in a YAML path: ``[]`` (a list), ``.<id>`` (a mapping) or nothing."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return _container(args[0])
    if origin in (typing.Union, types.UnionType):
        return next((c for c in map(_container, args) if c), "")
    return {list: "[]", dict: ".<id>"}.get(origin, "")


def _walk(
    root: type[BaseModel], seen: set[type[BaseModel]]
) -> list[tuple[type[BaseModel], list[str]]]:
    """Models reachable from ``root`` (not documented before) with the YAML paths where each appears."""
    order: list[type[BaseModel]] = [root]
    where: dict[type[BaseModel], list[str]] = {root: ["(top)"]}
    for model in order:
        base = "" if model is root else where[model][0]
        for name, field in model.model_fields.items():
            path = f"{base}.{field.alias or name}{_container(field.annotation)}".lstrip(".")
            for child in _models(field.annotation):
                if child is model:
                    continue
                where.setdefault(child, [])
                if path not in where[child]:
                    where[child].append(path)
                if child not in order and child not in seen:
                    order.append(child)
    return [(m, where[m]) for m in order]


def example(field: Any) -> str:
    """A field's example: its own, else one that follows from its type (a link for mappings)."""
    if field.examples:
        return f"`{_cell(_flow(field.examples[0]))}`"
    tp = field.annotation
    models = _models(tp)
    if models:
        return f"see [{models[0].__name__}](#{models[0].__name__.lower()})"
    literal = _literal(tp)
    if literal:
        other = [v for v in literal if v != field.default] or list(literal)
        return f"`{_flow(other[0])}`"
    return ""


def _literal(tp: Any) -> tuple[Any, ...]:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return args
    if tp is bool or tp == s.StrictBool:
        return (True, False)
    return next((lit for lit in map(_literal, args) if lit), ()) if origin is not None else ()


def _section(model: type[BaseModel], paths: list[str]) -> list[str]:
    doc = " ".join((model.__doc__ or "").split())
    out = [f"### {model.__name__}", ""]
    if paths != ["(top)"]:
        out += ["At " + ", ".join(f"`{p}`" for p in paths[:4]) + ".", ""]
    out += [doc, "", "| key | type | default | description | example |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        out.append(
            f"| `{field.alias or name}` | {_cell(field_type(field))} | {_cell(_default(field))} | "
            f"{_cell(field.description or '')} | {example(field)} |"
        )
    return out + [""]


def reference_page() -> str:
    """The whole reference page (Markdown)."""
    out = [
        INTRO.format(
            instrument=DOCUMENTS["instrument"][1],
            plan=DOCUMENTS["plan"][1],
            frame=DOCUMENTS["coding-frame"][1],
        )
    ]
    seen: set[type[BaseModel]] = set()
    titles = {
        "instrument": "The instrument",
        "plan": "The analysis plan",
        "coding-frame": "The coding frame",
    }
    for name, (root, where) in DOCUMENTS.items():
        schema_link = f"[`docs/schema/{name}.schema.json`](schema/{name}.schema.json)"
        out += [f"## {titles[name]}", "", f"File `{where}`; JSON Schema {schema_link}.", ""]
        for model, paths in _walk(root, seen):
            out += _section(model, paths)
            seen.add(model)
    return "\n".join(out).rstrip() + "\n"


def json_schema(name: str) -> str:
    """The JSON Schema of a document (``instrument``, ``plan`` or ``coding-frame``) as text."""
    model = DOCUMENTS[name][0]
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://example.invalid/survey/{name}.schema.json",
        **model.model_json_schema(by_alias=True),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated() -> dict[Path, str]:
    """Every generated file (relative to the repository) and its text."""
    files = {Path("docs/format.md"): reference_page()}
    files.update({Path(f"docs/schema/{name}.schema.json"): json_schema(name) for name in DOCUMENTS})
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or ``--check``) the reference page and JSON Schema files under ``--root``."""
    parser = argparse.ArgumentParser(
        prog="python -m survey.instrument.reference", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository root (default: this checkout)"
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the files, write nothing"
    )
    args = parser.parse_args(argv)
    stale = []
    for relative, text in generated().items():
        target = args.root / relative
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        stale.append(str(relative))
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
    verb = "out of date" if args.check else "written"
    print(f"{verb}: {', '.join(stale)}" if stale else "up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
