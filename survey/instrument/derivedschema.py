"""The derived variables of an instrument: indicators, bands, crosses, recodes, boxes, scores.

Part of the instrument format (:mod:`survey.instrument.schema` is the whole document and
re-exports these models): every key of a ``derived`` entry is a field here, with its type,
default, description and an example.  The variables are computed by :mod:`survey.clean.recode`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import Field, StrictInt, ValidationInfo, field_validator, model_validator

from survey.instrument.model import DERIVED_TYPES
from survey.instrument.questionschema import Measure
from survey.instrument.schemabase import (
    Doc,
    Label,
    Names,
    Number,
    either,
    only_for,
    raise_problems,
    reference,
    references,
)

if TYPE_CHECKING:  # mypy reads Literal[...] of literal values only, not of the tuples of model.py
    DerivedType: TypeAlias = str
else:
    DerivedType = Literal[DERIVED_TYPES]


class Band(Doc):
    """One band of a `bands` variable (min and max inclusive)."""

    code: StrictInt = Field(description="The band's code.", examples=[1])
    min: Number = Field(description="Lowest value in the band.", examples=[18])
    max: Number = Field(description="Highest value in the band.", examples=[29])
    label: Label


class RecodeGroup(Doc):
    """One group of a `recode` map in list form: these source codes become `code`."""

    codes: list[StrictInt] = Field(min_length=1, description="Source codes.", examples=[[1, 2]])
    code: StrictInt = Field(description="The new code.", examples=[1])
    label: Label | None = Field(
        None, description="Label of the new code.", examples=[{"en": "Agree"}]
    )


if TYPE_CHECKING:  # mypy cannot read the union either() builds
    RecodeMap: TypeAlias = Any
else:
    RecodeMap = either(
        dict[StrictInt, StrictInt],
        list[RecodeGroup],
        "mapping",
        "groups",
        lambda v: "groups" if isinstance(v, list) else "mapping",
    )

DERIVED_KEYS: dict[str, tuple[str, ...]] = {
    "codes": ("indicator",),
    "bands": ("bands",),
    "map": ("recode",),
    "labels": ("recode",),
    "else_": ("recode",),
    "top": ("box",),
    "bottom": ("box",),
    "method": ("score",),
    "reverse": ("score",),
    "min_valid": ("score",),
}
_SOURCES = {"cross": 2, "score": None}
PositiveInt = Annotated[StrictInt, Field(ge=1)]


class Derived(Doc):
    """A variable computed after cleaning, in declaration order (a derived variable may use earlier ones)."""

    id: str = Field(description="Variable id.", examples=["agree_q1"])
    type: DerivedType = Field(
        description="`indicator` (1 for `codes`, 0 other substantive codes, blank otherwise), `bands` "
        "(a number cut into coded bands), `cross` (two coded variables combined: code = first x 10^k + "
        "second, k the digits of the second's largest code), `recode` (a code map), `reverse` (a scale "
        "reversed: min+max-code), `box` (1 for the top/bottom k substantive codes), `score` "
        "(mean or sum of items)."
    )
    from_: Names = Field(
        alias="from",
        description="The source variable(s); a list for `cross` (two) and `score` (its items).",
        examples=["q1"],
    )
    label: Label
    codes: list[StrictInt] = Field(
        [], description="`indicator`: the codes counted as 1.", examples=[[4, 5]]
    )
    bands: list[Band] = Field([], description="`bands`: the bands.")
    measure: Measure | None = Field(
        None,
        description="Level of measurement (default: the source's for recode/reverse, scale for "
        "score, nominal otherwise).",
    )
    map: RecodeMap | None = Field(
        None,
        description="`recode`: source code to new code, or a list of "
        "`{codes, code, label}` groups.",
        examples=[{1: 1, 2: 1, 3: 2, 4: 2}],
    )
    labels: dict[StrictInt, Label] = Field(
        {},
        description="`recode`: labels of the new codes.",
        examples=[{1: {"en": "Agree"}, 2: {"en": "Disagree"}}],
    )
    else_: Literal["keep", "blank"] | None = Field(
        None,
        alias="else",
        description="`recode`: what happens to substantive codes the map leaves out "
        "(absent: they are an error). Non-substantive codes left out are kept.",
    )
    top: PositiveInt | None = Field(
        None, description="`box`: the highest k substantive codes.", examples=[2]
    )
    bottom: PositiveInt | None = Field(
        None, description="`box`: the lowest k substantive codes.", examples=[2]
    )
    method: Literal["mean", "sum"] = Field(
        "mean", description="`score`: mean or sum of the answered items."
    )
    reverse: list[str] = Field(
        [],
        description="`score`: items reversed before scoring (default: the "
        "items marked `reverse: true`).",
        examples=[["q7_b"]],
    )
    min_valid: PositiveInt | None = Field(
        None, description="`score`: fewest answered items for a score (default: all).", examples=[3]
    )

    @field_validator("from_")
    @classmethod
    def _sources(cls, v: list[str], info: ValidationInfo) -> list[str]:
        if len(v) == 1:  # written as one name: no index in the path
            return [reference(v[0], info, "variables", "question")]
        return references(v, info, "variables", "question")

    @model_validator(mode="after")
    def _by_type(self) -> Derived:
        out = only_for(self, self.type, DERIVED_KEYS, "a derived variable of type")
        count = _SOURCES.get(self.type, 1)
        if count is not None and len(self.from_) != count:
            out.append(
                (
                    ("from",),
                    f"a {self.type} needs exactly {'two variables' if count == 2 else 'one variable'}",
                )
            )
        if self.type == "score" and not set(self.reverse) <= set(self.from_):
            out.append(
                (
                    ("reverse",),
                    f"not items of the score: {sorted(set(self.reverse) - set(self.from_))}",
                )
            )
        needs = {"indicator": "codes", "bands": "bands", "recode": "map"}
        if self.type in needs and not getattr(self, needs[self.type]):
            out.append(((needs[self.type],), f"a {self.type} needs '{needs[self.type]}'"))
        if self.type == "box" and (self.top is None) == (self.bottom is None):
            out.append((("top",), "a box needs one of 'top' or 'bottom'"))
        raise_problems(out)
        return self
