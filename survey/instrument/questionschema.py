"""The questions of an instrument: response options, scales, questions, sections, repeat groups.

Part of the instrument format (:mod:`survey.instrument.schema` is the whole document and
re-exports these models): every key of ``scales``, ``questions``, ``sections`` and ``repeats``
is a field here, with its type, default, description and an example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from survey.instrument.model import MEASURES, PARADATA_ROLES, QUESTION_TYPES, SECTION_ROLES
from survey.instrument.schemabase import (
    Condition,
    Doc,
    Label,
    Number,
    Pair,
    Problem,
    Range,
    Text,
    either,
    only_for,
    raise_problems,
    reference,
)

if TYPE_CHECKING:  # mypy reads Literal[...] of literal values only, not of the tuples of model.py
    Measure: TypeAlias = str
    QuestionType: TypeAlias = str
    ParadataRole: TypeAlias = str
    SectionRole: TypeAlias = str
else:
    Measure = Literal[MEASURES]
    QuestionType = Literal[QUESTION_TYPES]
    ParadataRole = Literal[PARADATA_ROLES]
    SectionRole = Literal[SECTION_ROLES]

# --------------------------------------------------------------------------- codes and scales


class Option(Doc):
    """One response option (a code of a scale, or an option of a multi-select question)."""

    code: StrictInt = Field(description="The code the data holds.", examples=[4])
    label: Label
    nonsubstantive: StrictBool = Field(
        False,
        description='A code outside the base of percentages ("Don\'t know", "Prefer not to say").',
    )
    since: Text | None = Field(
        None,
        description="Instrument version that added the option (left out of earlier waves).",
        examples=["1.1.0"],
    )
    other_text: str | None = Field(
        None,
        description='Id of the `text` question holding the "other, '
        'please specify" answer of this option.',
        examples=["q5_other"],
    )
    name: Text | None = Field(
        None,
        description="The value an export writes for this option when it is "
        "neither the code nor the label (Kobo choice name).",
        examples=["apples"],
    )
    exclusive: StrictBool = Field(
        False,
        description="In a multi-select: cannot be ticked with any other "
        'option ("None of these"); see the quality rule `exclusive`.',
    )
    source: str | None = Field(
        None,
        description="A multi-select option's own column in the export when "
        "it is not `<question>_<code>` (an SPSS dichotomy variable).",
        examples=["bool1"],
    )

    @field_validator("other_text")
    @classmethod
    def _other(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "text_questions", "text question")


def _unique_codes(options: list[Option]) -> list[Option]:
    seen: set[int] = set()
    dupes: list[Problem] = []
    for i, o in enumerate(options):
        if o.code in seen:
            dupes.append(((i, "code"), f"duplicate code {o.code}"))
        seen.add(o.code)
    raise_problems(dupes)
    return options


Options = Annotated[list[Option], Field(min_length=1), AfterValidator(_unique_codes)]


class Net(Doc):
    """A named group of a scale's codes, shown as one more row of its tables."""

    id: str = Field(description="Id of the net.", examples=["agree"])
    codes: list[StrictInt] = Field(
        min_length=1, description="The codes it groups.", examples=[[4, 5]]
    )
    label: Label


class Scale(Doc):
    """A response scale (`scales.<id>`), shared by the single-choice questions and grids that name it."""

    codes: Options = Field(description="The scale's options, in display order.")
    nets: list[Net] = Field([], description="Groups of codes shown as extra rows (top-2 box).")
    measure: Measure = Field("nominal", description="Level of measurement (SPSS).")

    @model_validator(mode="after")
    def _nets(self) -> Scale:
        codes = {c.code for c in self.codes}
        out: list[Problem] = [
            (("nets", i, "codes"), f"not codes of the scale: {sorted(set(n.codes) - codes)}")
            for i, n in enumerate(self.nets)
            if set(n.codes) - codes
        ]
        out += [
            (("codes", i, "exclusive"), "only an option of a multi-select can be exclusive")
            for i, c in enumerate(self.codes)
            if c.exclusive
        ]
        raise_problems(out)
        return self


# --------------------------------------------------------------------------- questions


class RowNumber(Doc):
    """The respondent id is the row number of the record in the file (declared, never implicit)."""

    row_number: Literal[True] = Field(description="Always `true`.")


if TYPE_CHECKING:  # mypy cannot read the union either() builds
    Source: TypeAlias = Any
else:
    Source = either(
        Text,
        RowNumber,
        "column",
        "row_number",
        lambda v: "row_number" if isinstance(v, dict) else "column",
    )
#: A question's ``source``: a column, ``{row_number: true}``, or (a multi) the columns of an SPSS category set.
QuestionSource = Annotated[
    Annotated[Text, Tag("~column")]
    | Annotated[RowNumber, Tag("~row_number")]
    | Annotated[list[str], Tag("~columns")],
    Discriminator(
        lambda v: (
            "~row_number"
            if isinstance(v, dict)
            else "~columns"
            if isinstance(v, list)
            else "~column"
        )
    ),
]


class GridItem(Doc):
    """One item of a grid: a column that behaves as a single question with the grid's scale."""

    id: str = Field(description="Item id (its column).", examples=["q7_a"])
    text: Label
    reverse: StrictBool = Field(
        False, description="Reverse-scored (reversed for reliability and scores)."
    )
    source: Source | None = Field(
        None,
        description="The export's column for the item when it differs from the id.",
        examples=["Q7_1"],
    )


class Box(Doc):
    """One box of a multi-textbox `text` question; its column is `<question>_<box>`."""

    id: str = Field(description="Box id.", examples=["email"])
    label: Label
    personal: StrictBool = Field(False, description="The box holds personal data.")


class HistoryEntry(Doc):
    """Earlier wording of a question, used for waves fielded at that version or before."""

    version: Text = Field(
        description="Last instrument version with this wording.", examples=["1.0.0"]
    )
    text: Label


QUESTION_KEYS: dict[str, tuple[str, ...]] = {
    "scale": ("single", "grid", "paradata"),
    "options": ("multi",),
    "items": ("grid",),
    "range": ("numeric",),
    "integer": ("numeric",),
    "unit": ("numeric",),
    "role": ("paradata",),
    "boxes": ("text",),
    "open_ended": ("text",),
    "attention_check": ("single",),
    "comment": ("single", "grid"),
    "reverse": ("single",),
    "missing": ("numeric",),
}
_NEEDS = {
    "single": ("scale",),
    "grid": ("scale", "items"),
    "multi": ("options",),
    "numeric": ("range",),
    "paradata": ("role",),
}


class Question(Doc):
    """One question, or a paradata field the platform records, in questionnaire order."""

    id: str = Field(
        description="Question id: the column of the canonical raw file "
        "(a multi-select has one 0/1 column `<id>_<code>` per option).",
        examples=["q1"],
    )
    type: QuestionType = Field(
        description="`single` (one code of `scale`), `multi` (any of `options`), `numeric`, `text`, "
        "`grid` (items sharing `scale`), `paradata` (recorded by the platform, see `role`)."
    )
    text: Label = Field(description="The question wording per language.")
    scale: str | None = Field(
        None,
        description="Id of the scale (single, grid; optional for paradata).",
        examples=["agree5"],
    )
    options: Options | None = Field(None, description="The options of a multi-select question.")
    items: Annotated[list[GridItem], Field(min_length=2)] | None = Field(
        None, description="The items of a grid."
    )
    range: Range | None = Field(
        None,
        description="Lowest and highest valid value of a numeric question.",
        examples=[[18, 100]],
    )
    integer: StrictBool = Field(
        False, description="A numeric question's answers are whole numbers."
    )
    unit: Label | None = Field(
        None, description="Unit of a numeric answer.", examples=[{"en": "years"}]
    )
    required: StrictBool = Field(
        False,
        description="Every respondent asked must answer "
        "(else the `incomplete` rule excludes them).",
    )
    ask_if: Condition | None = Field(
        None,
        description="Skip logic: who is asked (everyone when absent). "
        "Answers of others follow `skip_policy`.",
        examples=[{"question": "q2", "op": "eq", "value": 1}],
    )
    personal: StrictBool = Field(
        False, description="Personal data: never exported unless asked for."
    )
    role: ParadataRole | None = Field(
        None,
        description="What a paradata field is: `id` (the respondent id), `start`/`submit` "
        "(times), `language`, `ip`, `other`.",
    )
    section: str | None = Field(
        None, description="Id of the question's section (see `sections`).", examples=["background"]
    )
    attention_check: StrictBool = Field(
        False,
        description="An instructed-response item (see the `attention` rule); never tabulated.",
    )
    open_ended: StrictBool = Field(
        False, description="The open-ended accounts coded by the plan's coding frame."
    )
    history: list[HistoryEntry] = Field([], description="Earlier wordings.")
    reverse: StrictBool = Field(
        False, description="Reverse-scored: reversed for reliability and scores."
    )
    source: QuestionSource | None = Field(
        None,
        description="The export's column (or XLSForm/Qualtrics name) for this question when it differs "
        "from the id; for the respondent id also `{row_number: true}` (the row number in the file is the "
        "id); for a multi also a list of columns each holding one chosen option (an SPSS category set).",
        examples=["Q5"],
    )
    missing: list[Number | Pair] | None = Field(
        None,
        description="A numeric question's user-missing values and `[low, high]` ranges, read as blank.",
        examples=[[999, [-999, -1]]],
    )
    comment: str | None = Field(
        None,
        description="Id of the `text` question holding the comment or "
        '"other" box the platform puts after this one.',
        examples=["q5_comment"],
    )
    boxes: Annotated[list[Box], Field(min_length=1)] | None = Field(
        None, description="A multi-textbox `text` question: its boxes; columns `<id>_<box id>`."
    )
    repeat: str | None = Field(
        None,
        description="Id of the repeat group the question belongs to.",
        examples=["household_member"],
    )

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "scales", "scale")

    @field_validator("section")
    @classmethod
    def _section(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "sections", "section")

    @field_validator("comment")
    @classmethod
    def _comment(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "text_questions", "text question")

    @field_validator("repeat")
    @classmethod
    def _repeat(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "repeats", "repeat group")

    @model_validator(mode="after")
    def _by_type(self) -> Question:
        out = only_for(self, self.type, QUESTION_KEYS, "a question of type")
        out += [
            ((need,), f"a {self.type} question needs '{need}'")
            for need in _NEEDS.get(self.type, ())
            if need not in self.model_fields_set
        ]
        raise_problems(out)
        return self


class Section(Doc):
    """A section of the questionnaire.  `role: banner` marks respondent background: its questions are
    banner candidates and are not tabulated against the banner.  Without `sections`, the section
    called `background` has that role."""

    id: str = Field(
        description="Section id (questions name it in `section`).", examples=["background"]
    )
    role: SectionRole | None = Field(None, description="`banner`: respondent background.")
    label: Label | None = Field(
        None,
        description="Heading of the section.",
        examples=[{"en": "About you", "es": "Sobre usted"}],
    )


class Repeat(Doc):
    """A repeat group (Kobo/ODK): read as its own table keyed by the parent respondent id and its index."""

    id: str = Field(
        description="Repeat group id (questions name it in `repeat`).",
        examples=["household_member"],
    )
    sheet: str | None = Field(
        None, description="The export's sheet holding the group.", examples=["members"]
    )
    label: Label | None = Field(
        None, description="What the group is.", examples=[{"en": "Household members"}]
    )
