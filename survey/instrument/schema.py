"""The instrument format, defined once: pydantic models of the YAML document.

Every key an instrument file may hold is a field here, with its type, default,
description and an example; the JSON Schema in ``docs/schema/`` and the reference
page ``docs/format.md`` are generated from these models
(``python -m survey.instrument.reference``).  :mod:`survey.instrument.loading`
validates a file with them and builds the :class:`~survey.instrument.model.Instrument`.
The shared building blocks (strict base model, labels, numbers, conditions) are in
:mod:`survey.instrument.schemabase`.

Checks that need the rest of the document (does ``scale: agree5`` exist? is the
label in every language?) read a *context* computed beforehand from the raw
document (:func:`survey.instrument.loading.instrument_context`), so that one pass
reports every problem of the file at once.  Whole-document checks on codes (cross
codes, recode maps) run on the built instrument afterwards
(:mod:`survey.instrument.checks`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from survey.instrument.model import (
    DERIVED_TYPES,
    MEASURES,
    PARADATA_ROLES,
    QUALITY_RULES,
    QUESTION_TYPES,
    SECTION_ROLES,
    SKIP_POLICIES,
)
from survey.instrument.schemabase import (  # noqa: F401 (the shared types are part of this module's API)
    SCHEMA_VERSION,
    Condition,
    Doc,
    FreeLabel,
    Label,
    Names,
    Number,
    Pair,
    Problem,
    Range,
    Text,
    TextOrLabel,
    context,
    either,
    only_for,
    problem,
    raise_problems,
    reference,
    references,
)

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
    dupes = []
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
    measure: Literal[MEASURES] = Field("nominal", description="Level of measurement (SPSS).")  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _nets(self) -> Scale:
        codes = {c.code for c in self.codes}
        raise_problems(
            [
                (("nets", i, "codes"), f"not codes of the scale: {sorted(set(n.codes) - codes)}")
                for i, n in enumerate(self.nets)
                if set(n.codes) - codes
            ]
            + [
                (("codes", i, "exclusive"), "only an option of a multi-select can be exclusive")
                for i, c in enumerate(self.codes)
                if c.exclusive
            ]
        )
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
    type: Literal[QUESTION_TYPES] = Field(  # type: ignore[valid-type]
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
    role: Literal[PARADATA_ROLES] | None = Field(  # type: ignore[valid-type]
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
    role: Literal[SECTION_ROLES] | None = Field(
        None, description="`banner`: respondent background."
    )  # type: ignore[valid-type]
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


def _zone(value: str | None) -> str | None:
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise problem(
                f"unknown time zone '{value}' (an IANA name such as Europe/Madrid)"
            ) from None
    return value


class Times(Doc):
    """How the raw file writes times.  ISO 8601 (`2023-03-06T07:01:07Z`, fractional seconds, offsets)
    and the canonical `%Y-%m-%d %H:%M:%S` are always accepted; times are kept to the second."""

    format: Names = Field(
        [],
        description="strptime format(s) tried in order before the ones always accepted.",
        examples=["%m/%d/%Y %I:%M:%S %p"],
    )
    timezone: Annotated[str | None, AfterValidator(_zone)] = Field(
        None,
        description="IANA zone of times written without an offset; times with an offset are "
        "converted to it (when absent they keep the wall-clock time recorded: a `Z` time is its UTC time).",
        examples=["America/New_York"],
    )


# --------------------------------------------------------------------------- derived variables


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
    type: Literal[DERIVED_TYPES] = Field(  # type: ignore[valid-type]
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
    measure: Literal[MEASURES] | None = Field(  # type: ignore[valid-type]
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


# --------------------------------------------------------------------------- rules, study, document


RULE_KEYS: dict[str, tuple[str, ...]] = {
    "max_share": ("out_of_range",),
    "when": ("condition",),
    "pass_codes": ("attention",),
    "fraction_of_median": ("speeder",),
    "keys": ("duplicate",),
    "compare": ("duplicate",),
    "grid": ("straightlining",),
    "items": ("straightlining",),
    "min_items": ("straightlining",),
    "action": ("exclusive",),
}


class QualityRule(Doc):
    """A data-quality rule, applied in order; its id is the reason code in `exclusions.csv`."""

    id: str = Field(description="Rule id (the exclusion reason).", examples=["speeder"])
    rule: Literal[QUALITY_RULES] = Field(  # type: ignore[valid-type]
        description="`incomplete`, `out_of_range`, `condition`, `attention`, `speeder`, `duplicate`, "
        "`straightlining` (identical answers on every item of a grid), `exclusive` (an exclusive "
        "option ticked with another)."
    )
    description: Label | None = Field(
        None,
        description="What the rule excludes, per language.",
        examples=[{"en": "Completed too fast", "es": "Demasiado rápido"}],
    )
    max_share: Annotated[StrictFloat, Field(gt=0, le=1)] | None = Field(
        None,
        description="`out_of_range`: more bad codes than this share of rows stops the run (drift).",
        examples=[0.02],
    )
    when: Condition | None = Field(
        None,
        description="`condition`: who is excluded.",
        examples=[{"question": "age", "op": "lt", "value": 18}],
    )
    pass_codes: list[StrictInt] = Field(
        [], description="`attention`: the codes that pass.", examples=[[4]]
    )
    fraction_of_median: Annotated[StrictFloat, Field(gt=0, lt=1)] | None = Field(
        None,
        description="`speeder`: completion under this fraction of the median duration.",
        examples=[0.3],
    )
    keys: list[str] = Field(
        [],
        description="`duplicate`: columns that identify a repeat submission.",
        examples=[["ip_address"]],
    )
    compare: Literal["answers"] | None = Field(
        None, description="`duplicate`: also require identical answers."
    )
    grid: str | None = Field(None, description="`straightlining`: the grid.", examples=["q7"])
    items: list[str] = Field(
        [],
        description="`straightlining`: the items, instead of `grid`.",
        examples=[["q7_a", "q7_b", "q7_c"]],
    )
    min_items: Annotated[StrictInt, Field(ge=2)] | None = Field(
        None,
        description="`straightlining`: fewest answered items for the rule to apply (default: all "
        "items).",
        examples=[4],
    )
    action: Literal["exclude", "blank_others"] = Field(
        "exclude",
        description="`exclusive`: exclude the respondent, or blank the other options (logged "
        "in `exclusive_violations.csv`).",
    )

    @field_validator("keys", "items")
    @classmethod
    def _columns(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return references(v, info, "columns", "question")

    @field_validator("grid")
    @classmethod
    def _grid(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "grids", "grid")

    @model_validator(mode="after")
    def _by_rule(self) -> QualityRule:
        out = only_for(self, self.rule, RULE_KEYS, "rule")
        needs = {"condition": "when", "speeder": "fraction_of_median"}
        if self.rule in needs and getattr(self, needs[self.rule]) is None:
            out.append(((needs[self.rule],), f"rule '{self.rule}' needs '{needs[self.rule]}'"))
        if self.rule == "straightlining" and (self.grid is None) == (not self.items):
            out.append((("grid",), "rule 'straightlining' needs one of 'grid' or 'items'"))
        raise_problems(out)
        return self

    def params(self) -> dict[str, Any]:
        """The rule's own keys, as written (defaults of the keys it takes filled in)."""
        keys = [k for k, kinds in RULE_KEYS.items() if self.rule in kinds]
        return {
            type(self).model_fields[k].alias or k: _plain(getattr(self, k))
            for k in keys
            if k in self.model_fields_set or getattr(self, k) not in (None, [])
        }


def _plain(value: Any) -> Any:
    return value.plain() if isinstance(value, Condition) else value


class ChangeNote(Doc):
    """One change of a version."""

    type: Text = Field(
        description="Kind of change (added, reworded, option_added, ...).", examples=["reworded"]
    )
    question: str | None = Field(
        None, description="The question changed (`*`: all).", examples=["q3"]
    )
    option: StrictInt | Text | None = Field(None, description="The option changed.", examples=[6])
    note: Text | None = Field(
        None, description="The change in words.", examples=["'share' became 'report'."]
    )


class ChangelogEntry(Doc):
    """One version of the instrument."""

    version: Text = Field(description="The version.", examples=["1.1.0"])
    date: Text | None = Field(None, description="When it was released.", examples=["2021-04-01"])
    changes: list[ChangeNote] = Field([], description="What changed.")


def _country(code: str) -> str:
    if len(code) != 2 or not code.isascii() or not code.isupper():
        raise problem(f"'{code}' is not an ISO 3166-1 alpha-2 code (two capital letters)")
    from phonenumbers import (
        SUPPORTED_REGIONS,  # the regions libphonenumber knows, used by redaction
    )

    if code not in SUPPORTED_REGIONS:
        raise problem(
            f"'{code}' is not a country code libphonenumber knows (ISO 3166-1 alpha-2, e.g. CN, US)"
        )
    return code


class Study(Doc):
    """Who made the study and for whom (the report's disclosure table)."""

    id: str = Field(description="Study id (file stems, XLSForm form_id).", examples=["health-2024"])
    title: TextOrLabel | None = Field(
        None,
        description="Title, per language.",
        examples=[{"en": "Health survey 2024", "es": "Encuesta de salud 2024"}],
    )
    sponsor: TextOrLabel | None = Field(
        None,
        description="Who paid for the study (AAPOR disclosure).",
        examples=["Ministry of Health"],
    )
    conductor: TextOrLabel | None = Field(
        None, description="Who carried it out.", examples=["Institute X"]
    )
    population: TextOrLabel | None = Field(
        None,
        description="The population the sample represents.",
        examples=[{"en": "Adults 18+ in Spain", "es": "Adultos en España"}],
    )
    recruitment: TextOrLabel | None = Field(
        None,
        description="How respondents were recruited (probability or opt-in).",
        examples=[{"en": "Online opt-in panel"}],
    )
    mode: TextOrLabel | None = Field(
        None, description="Mode of data collection.", examples=[{"en": "Web"}]
    )
    notes: TextOrLabel | None = Field(
        None,
        description="Anything else a reader must know.",
        examples=[{"en": "Wording reconstructed from the report."}],
    )
    countries: list[Annotated[str, AfterValidator(_country)]] = Field(
        [],
        description="ISO 3166-1 alpha-2 codes of the countries the study covers (phone-number "
        "regions and national identifiers for redaction); `[]`: international `+` numbers only.",
        examples=[["CN", "US"]],
    )


class ItemScale(Doc):
    """Items that form one scale (Cronbach's alpha; items marked `reverse` are reversed)."""

    id: str = Field(description="Scale id (a row of `reliability.csv`).", examples=["attitudes"])
    label: Label
    items: list[str] = Field(
        min_length=2,
        description="Its items (coded questions or grid items).",
        examples=[["q1", "q2", "q3"]],
    )

    @field_validator("items")
    @classmethod
    def _items(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return references(v, info, "columns", "question")


class WeightingVariables(Doc):
    """Variables a weighting plan may rake on."""

    variables: list[str] = Field(
        [],
        description="Coded questions or derived variables a plan's targets may name.",
        examples=[["region", "age_band", "sex"]],
    )

    @field_validator("variables")
    @classmethod
    def _variables(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return references(v, info, "variables", "variable")


class InstrumentDoc(Doc):
    """An instrument file: the study's questions, wording, codes, rules and derived variables."""

    model_config = ConfigDict(title="survey instrument")

    schema_version: Literal[SCHEMA_VERSION] = Field(
        1, description="Version of this format (absent: 1)."
    )  # type: ignore[valid-type]
    study: Study = Field(description="Who made the study and for whom.")
    version: Text = Field(description="Instrument version (dotted numbers).", examples=["1.0.0"])
    changelog: list[ChangelogEntry] = Field([], description="Versions and their changes.")
    languages: Annotated[list[str], Field(min_length=1)] = Field(
        description="Language codes of every text.", examples=[["en", "es"]]
    )
    scales: dict[str, Scale] = Field({}, description="Response scales by id.")
    sections: list[Section] | None = Field(None, description="Sections and their roles.")
    repeats: list[Repeat] = Field([], description="Repeat groups.")
    times: Times = Field(Times(), description="How the raw file writes times.")
    skip_policy: Literal[SKIP_POLICIES] = Field(  # type: ignore[valid-type]
        "blank",
        description="An answer from a respondent whom `ask_if` did not ask: `blank` (blanked and "
        "logged in `skip_violations.csv`) or `exclude` (respondent excluded, reason `skip_violation`).",
    )
    questions: Annotated[list[Question], Field(min_length=1)] = Field(
        description="Questions in questionnaire order."
    )
    quality: list[QualityRule] = Field([], description="Quality rules, applied in order.")
    derived: list[Derived] = Field([], description="Derived variables, computed in order.")
    scales_of_items: list[ItemScale] = Field([], description="Item scales (reliability).")
    weighting: WeightingVariables = Field(WeightingVariables(), description="Weighting variables.")
