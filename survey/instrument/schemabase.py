"""Building blocks of the file formats: the strict base model, error helpers, shared types, conditions.

:mod:`survey.instrument.schema` (the instrument) and :mod:`survey.instrument.planschema`
(the plan and the coding frame) are made of these.  A problem a validator finds is
raised with :func:`problem`, whose ``problems`` list lets one check report several
problems, each at its own sub-path; :mod:`survey.instrument.loading` turns them into
``<YAML path>: <what is wrong>`` lines.  References to other parts of a document are
checked against a *context* of names the loader computes beforehand (:func:`context`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictFloat,
    StrictInt,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from survey.instrument import conditions

SCHEMA_VERSION = 1
Problem = tuple[tuple[str | int, ...], str]  # (path below the model, what is wrong)


class Doc(BaseModel):
    """Base of every mapping of the format: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def problem(message: str, problems: Iterable[Problem] = ()) -> PydanticCustomError:
    """A validation error in our words (``problems`` adds several, each at its own sub-path)."""
    return PydanticCustomError(
        "survey", "{message}", {"message": message, "problems": list(problems)}
    )


def raise_problems(problems: list[Problem]) -> None:
    if problems:
        raise problem("; ".join(m for _, m in problems), problems)


def context(info: ValidationInfo, key: str) -> Any:
    """A name set of the document being validated (None: not checked)."""
    return (info.context or {}).get(key)


def reference(name: str, info: ValidationInfo, key: str, what: str) -> str:
    """``name`` if the context's ``key`` set holds it (or is absent), else an error naming ``what``."""
    known = context(info, key)
    if known is not None and name not in known:
        raise problem(f"unknown {what} '{name}'")
    return name


def references(names: list[str], info: ValidationInfo, key: str, what: str) -> list[str]:
    """As :func:`reference` for a list (each unknown name at its index)."""
    known = context(info, key)
    if known is not None:
        raise_problems(
            [((i,), f"unknown {what} '{n}'") for i, n in enumerate(names) if n not in known]
        )
    return names


def only_for(
    model: BaseModel, kind: str, applies: dict[str, tuple[str, ...]], what: str
) -> list[Problem]:
    """Keys set on ``model`` that its ``kind`` (a question type, a rule) does not take."""
    fields = type(model).model_fields
    return [
        ((fields[k].alias or k,), f"not a key of {what} '{kind}' (only of {', '.join(kinds)})")
        for k, kinds in applies.items()
        if k in model.model_fields_set and kind not in kinds
    ]


# --------------------------------------------------------------------------- shared types


def _languages(value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    missing = [
        lang for lang in context(info, "languages") or () if not str(value.get(lang) or "").strip()
    ]
    if missing:
        raise problem(f"missing {', '.join(repr(m) for m in missing)} text")
    return value


def _text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


Text = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": ["string", "number"]})]
Label = Annotated[
    dict[str, Text],
    AfterValidator(_languages),
    Field(
        description="Text per language code, one entry for every language of the instrument.",
        examples=[{"en": "Agree", "zh": "同意"}],
    ),
]
FreeLabel = Annotated[dict[str, Text], Field(description="Text per language code.")]


def either(first: Any, second: Any, first_tag: str, second_tag: str, pick: Any) -> Any:
    """A union that validates one member only, chosen by ``pick(value)``; the tag is left out of error paths."""
    return Annotated[
        Annotated[first, Tag(f"~{first_tag}")] | Annotated[second, Tag(f"~{second_tag}")],
        Discriminator(lambda v: f"~{pick(v)}"),
    ]


# mypy cannot read the validated unions built by either(), nor a Literal of a constant; it sees
# what they hold
if TYPE_CHECKING:
    Operator: TypeAlias = str
    TextOrLabel: TypeAlias = Any
    Number: TypeAlias = float
else:
    Operator = Literal[tuple(conditions.OPERATORS)]
    TextOrLabel = either(
        Text, FreeLabel, "text", "label", lambda v: "label" if isinstance(v, dict) else "text"
    )
    Number = Annotated[
        either(
            StrictInt,
            StrictFloat,
            "int",
            "float",
            lambda v: "int" if isinstance(v, int) and not isinstance(v, bool) else "float",
        ),
        WithJsonSchema({"type": "number"}),
    ]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Names = Annotated[
    list[str],
    BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]
Pair = Annotated[list[Number], Field(min_length=2, max_length=2)]


def _ordered(value: list[float]) -> list[float]:
    if value[0] > value[1]:
        raise problem("must be [min, max] with min <= max")
    return value


Range = Annotated[Pair, AfterValidator(_ordered)]


class Condition(Doc):
    """A condition (skip logic, a quality rule, a weighting scope): one comparison, or
    ``all``/``any``/``not`` of conditions.  A missing answer never satisfies a comparison;
    ``answered`` and ``blank`` test for it.  Example:
    ``{all: [{question: age, op: ge, value: 18}, {question: country, op: in, value: [1, 2]}]}``."""

    all: list[Condition] | None = Field(None, description="Every one of these conditions holds.")
    any: list[Condition] | None = Field(None, description="At least one of these conditions holds.")
    not_: Condition | None = Field(None, alias="not", description="This condition does not hold.")
    question: str | None = Field(
        None,
        description="The column compared: a question id, a multi-select "
        "option column `<id>_<code>` or a grid item.",
        examples=["age"],
    )
    op: Operator | None = Field(None, description="The comparison.", examples=["lt"])
    value: Any = Field(
        None,
        description="What the column is compared with (a list for `in`, `not_in`; "
        "none for `answered`, `blank`).",
        examples=[18],
    )

    @field_validator("question")
    @classmethod
    def _known(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "columns", "question")

    @model_validator(mode="after")
    def _form(self) -> Condition:
        forms = [k for k in ("all", "any", "not_", "question") if getattr(self, k) is not None]
        if len(forms) != 1:
            raise problem(
                "a condition is one of {question, op, value}, {all: [...]}, {any: [...]} or {not: ...}"
            )
        if self.question is None:
            for key in ("op", "value"):
                if key in self.model_fields_set:
                    raise problem(f"'{key}' goes with 'question', not with all/any/not")
            if (self.all if self.all is not None else self.any) == []:
                raise problem("must be a non-empty list of conditions")
            return self
        if self.op is None:
            raise_problems([(("op",), "missing")])
        if self.op not in conditions.NO_VALUE and "value" not in self.model_fields_set:
            raise_problems([(("value",), f"operator '{self.op}' needs a value")])
        if self.op in conditions.LIST_VALUE and not isinstance(self.value, list):
            raise_problems([(("value",), f"operator '{self.op}' needs a list")])
        return self

    def plain(self) -> dict[str, Any]:
        """The condition as the mapping :mod:`survey.instrument.conditions` evaluates."""
        return self.model_dump(by_alias=True, exclude_unset=True)


Condition.model_rebuild()


# --------------------------------------------------------------------------- YAML documents


def path(loc: tuple[Any, ...]) -> str:
    """A YAML path from a pydantic error location.

    Examples
    --------
    >>> path(("questions", 3, "ask_if", "value"))
    'questions[3].ask_if.value'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def dicts(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a YAML list (nothing when it is not a list)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
