"""The instrument format, defined once: pydantic models of the YAML document.

Every key an instrument file may hold is a field here, with its type, default,
description and an example; the JSON Schema in ``docs/schema/`` and the reference
page ``docs/format.md`` are generated from these models
(``python -m survey.instrument.reference``).  :mod:`survey.instrument.loading`
validates a file with them and builds the :class:`~survey.instrument.model.Instrument`.

This module holds the document (:class:`InstrumentDoc`) and its top-level parts: the
study, the changelog, how times are written, the quality rules, item scales and
weighting variables.  The questions (options, scales, questions, sections, repeat
groups) are in :mod:`survey.instrument.questionschema`, the derived variables in
:mod:`survey.instrument.derivedschema`, and the shared building blocks (strict base
model, labels, numbers, conditions) in :mod:`survey.instrument.schemabase`; their
models stay importable from here.

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

from pydantic import (  # noqa: F401 (StrictBool: survey.instrument.reference reads it from here)
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from survey.instrument.derivedschema import (  # noqa: F401 (part of this module's API)
    DERIVED_KEYS,
    Band,
    Derived,
    RecodeGroup,
    RecodeMap,
)
from survey.instrument.model import QUALITY_RULES, SKIP_POLICIES
from survey.instrument.questionschema import (  # noqa: F401 (part of this module's API)
    QUESTION_KEYS,
    Box,
    GridItem,
    HistoryEntry,
    Net,
    Option,
    Options,
    Question,
    QuestionSource,
    Repeat,
    RowNumber,
    Scale,
    Section,
    Source,
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

if TYPE_CHECKING:  # mypy reads Literal[...] of literal values only, not of the tuples of model.py
    RuleName: TypeAlias = str
    SkipPolicy: TypeAlias = str
    SchemaVersion: TypeAlias = int
else:
    RuleName = Literal[QUALITY_RULES]
    SkipPolicy = Literal[SKIP_POLICIES]
    SchemaVersion = Literal[SCHEMA_VERSION]

# --------------------------------------------------------------------------- times


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
    rule: RuleName = Field(
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

    schema_version: SchemaVersion = Field(1, description="Version of this format (absent: 1).")
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
    skip_policy: SkipPolicy = Field(
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
