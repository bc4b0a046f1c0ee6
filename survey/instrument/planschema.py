"""The analysis-plan and coding-frame formats, defined once: pydantic models of the YAML documents.

Like :mod:`survey.instrument.schema` for the instrument: every key with its type,
default, description and example; the JSON Schema and the reference page are
generated from these models.  References to the instrument (indicators, weighting
variables and their codes, versions, languages) are checked against a context built
from the loaded instrument (:func:`survey.instrument.plan.plan_context`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import (
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

from survey.instrument.schemabase import (
    SCHEMA_VERSION,
    Condition,
    Doc,
    FreeLabel,
    Label,
    Names,
    Number,
    Problem,
    Range,
    Text,
    context,
    problem,
    raise_problems,
    reference,
    references,
)

#: Multiple-comparison corrections of the banner (the keys of survey.stats.crosstabs.CORRECTIONS).
CORRECTIONS = ("bonferroni", "holm", "fdr_bh", "none")
STATISTICS = ("pct", "mean", "median")
THEME_ID = re.compile(r"[a-z][a-z0-9_]*")
UNCODED = "uncoded"

if TYPE_CHECKING:  # a Literal of a constant is not a type to mypy
    SchemaVersion: TypeAlias = int
    Statistic: TypeAlias = str
    Correction: TypeAlias = str
else:
    SchemaVersion = Literal[SCHEMA_VERSION]
    Statistic = Literal[STATISTICS]
    Correction = Literal[CORRECTIONS]


class Wave(Doc):
    """One fielding of the instrument."""

    id: Text = Field(description="Wave id (`--wave`).", examples=["1"])
    label: Text | None = Field(
        None, description="How the wave is called (default: its id).", examples=["2024"]
    )
    raw: Text = Field(
        description="The raw file, relative to the plan.", examples=["../raw/health-wave1.csv"]
    )
    format: Text = Field(
        "canonical",
        description="The raw file's format: canonical (csv, xlsx), wjx, "
        "qualtrics, surveymonkey, kobo, sav.",
        examples=["qualtrics"],
    )
    instrument_version: Text | None = Field(
        None,
        description="Instrument version fielded (default: the "
        "current one); must be in the change log.",
        examples=["1.0.0"],
    )
    field_dates: list[Text] = Field(
        [], description="First and last day of fieldwork.", examples=[["2024-03-01", "2024-03-31"]]
    )
    weighting: Text | None = Field(
        None, description="Name of the weighting plan (under `weighting`).", examples=["default"]
    )
    encoding: Text | None = Field(
        None, description="Text encoding of the raw file.", examples=["gb18030"]
    )
    synthetic: StrictBool = Field(
        False, description="The data are synthetic (said in every output)."
    )

    @field_validator("instrument_version")
    @classmethod
    def _version(cls, v: str | None, info: ValidationInfo) -> str | None:
        known = context(info, "versions")
        if v is not None and known is not None and v not in known:
            raise problem(
                f"'{v}' not in the instrument's change log (known: {', '.join(sorted(known))})"
            )
        return v

    @field_validator("weighting")
    @classmethod
    def _weighting(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "weighting_plans", "weighting plan")


class Figure(Doc):
    """A published figure, quoted, with the value and base the report states."""

    id: Text = Field(description="Figure id.", examples=["vaccinated"])
    statistic: Statistic = Field(
        "pct",
        description="`pct` (a percentage of an indicator), `mean` or `median` (of a numeric `question`).",
    )
    indicator: str | None = Field(
        None,
        description="`pct`: the indicator (a derived `indicator` or `box`).",
        examples=["vaccinated"],
    )
    question: str | None = Field(
        None, description="`mean`/`median`: the numeric question or score.", examples=["age"]
    )
    value: Number = Field(
        description="The published value (a percentage 0-100 for `pct`).", examples=[64.2]
    )
    stated_n: Annotated[StrictInt, Field(ge=0)] = Field(
        description="The base the report states.", examples=[1200]
    )
    quote: Text = Field(
        description="The report's sentence, verbatim.", examples=["64.2% are vaccinated."]
    )
    weighted: StrictBool = Field(
        False,
        description="The figure is a weighted estimate: checked against the "
        "weighted estimate (the k/n consistency test does not apply).",
    )
    tolerance_pp: Annotated[StrictFloat, Field(ge=0)] | None = Field(
        None,
        description="Largest difference still counted as reproduced, in points (units for a "
        "mean or median); default: equal after rounding to `decimals`.",
        examples=[0.5],
    )

    @field_validator("indicator")
    @classmethod
    def _indicator(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "indicators", "indicator")

    @field_validator("question")
    @classmethod
    def _question(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else reference(v, info, "numeric", "numeric question")

    @model_validator(mode="after")
    def _by_statistic(self) -> Figure:
        out: list[Problem] = []
        need, other = (
            ("indicator", "question") if self.statistic == "pct" else ("question", "indicator")
        )
        if getattr(self, need) is None:
            out.append(((need,), f"missing (a '{self.statistic}' figure needs its {need})"))
        if getattr(self, other) is not None:
            out.append(((other,), f"not a key of a '{self.statistic}' figure"))
        if self.statistic == "pct" and not 0 <= self.value <= 100:
            out.append((("value",), "must be a percentage between 0 and 100"))
        raise_problems(out)
        return self


def _unique_figures(figures: list[Figure]) -> list[Figure]:
    ids = [f.id for f in figures]
    raise_problems(
        [
            ((i, "id"), f"figure id '{f}' appears {ids.count(f)} times")
            for i, f in enumerate(ids)
            if f in ids[:i]
        ]
    )
    return figures


class Published(Doc):
    """The report's published figures, checked against the data of one wave."""

    wave: Text = Field(description="The wave the figures describe.", examples=["1"])
    source: Text = Field(
        "", description="The report (citation).", examples=["Ministry of Health (2024), table 3"]
    )
    decimals: Annotated[StrictInt, Field(ge=0, le=6)] = Field(
        2, description="The report's precision (decimals of a percentage).", examples=[1]
    )
    figures: Annotated[list[Figure], AfterValidator(_unique_figures)] = Field(
        [], description="The figures (each id once: a figure is a row of the headline table)."
    )

    @field_validator("wave")
    @classmethod
    def _wave(cls, v: str, info: ValidationInfo) -> str:
        return reference(v, info, "waves", "wave")


class WeightingPlan(Doc):
    """A weighting plan (`weighting.<name>`): raking to population margins."""

    method: Literal["rake"] = Field("rake", description="The method (`rake`).")
    scope: Condition | None = Field(
        None,
        description="Who is weighted; everyone else has no weight and is "
        "left out of weighted estimates.",
        examples=[{"question": "country", "op": "in", "value": [1, 2]}],
    )
    trim: Range | None = Field(
        None, description="Weights trimmed into [lo, hi] after raking.", examples=[[0.2, 5.0]]
    )
    bounds: Range | None = Field(
        None,
        description='Bounded raking, as R `calibrate(..., calfun = "raking", bounds = c(lo, hi))`.',
        examples=[[0.3, 3.0]],
    )
    max_iter: Annotated[StrictInt, Field(ge=1)] = Field(
        100, description="Most raking sweeps.", examples=[200]
    )
    tol: Annotated[StrictFloat, Field(gt=0)] = Field(
        1e-10, description="Convergence tolerance.", examples=[1e-8]
    )
    targets: Annotated[dict[str, dict[StrictInt, Number]], Field(min_length=1)] = Field(
        description="Population share of every category of every weighting variable.",
        examples=[{"sex": {1: 0.49, 2: 0.51}}],
    )
    sources: dict[str, Text] = Field(
        {},
        description="Where each variable's targets come from.",
        examples=[{"sex": "Census 2021, table 1"}],
    )
    approximate: list[str] = Field(
        [], description="Variables whose targets are approximate.", examples=[["sex"]]
    )

    @model_validator(mode="after")
    def _targets(self, info: ValidationInfo) -> WeightingPlan:
        allowed, codes = context(info, "weighting_variables"), context(info, "codes") or {}
        out: list[Problem] = []
        for column, shares in self.targets.items():
            if allowed is not None and column not in allowed:
                out.append(
                    (
                        ("targets", column),
                        (
                            "not a weighting variable of the instrument "
                            f"(allowed: {', '.join(sorted(allowed))})"
                        ),
                    )
                )
                continue
            total = sum(float(v) for v in shares.values())
            if abs(total - 1) > 1e-6:
                out.append((("targets", column), f"targets for '{column}' sum to {total:g}, not 1"))
            out += [
                (("targets", column), f"category {code} is not a code of '{column}'")
                for code in shares
                if column in codes and code not in codes[column]
            ]
        raise_problems(out)
        return self


class NetGroup(Doc):
    """One column of a banner net: these codes of the variable."""

    code: StrictInt = Field(description="The column's code.", examples=[1])
    codes: Annotated[list[StrictInt], Field(min_length=1)] = Field(
        description="The variable's codes in it.", examples=[[1, 2]]
    )
    label: Label


class BannerNet(Doc):
    """A regrouping of a banner variable shown as one more banner (e.g. two age groups)."""

    id: str = Field(description="The net's banner id.", examples=["age_2way"])
    from_: str = Field(
        alias="from", description="The banner variable regrouped.", examples=["age_band"]
    )
    label: Label
    groups: Annotated[list[NetGroup], Field(min_length=1)] = Field(description="Its columns.")

    @field_validator("from_")
    @classmethod
    def _from(cls, v: str, info: ValidationInfo) -> str:
        return reference(v, info, "variables", "question")


class Banner(Doc):
    """The variables across the top of every crosstab."""

    variables: list[str] = Field(
        [],
        description="Background (role banner) questions or derived variables.",
        examples=[["region", "age_band", "sex"]],
    )
    nets: list[BannerNet] = Field([], description="Regroupings shown as extra banners.")
    correction: Correction = Field(
        "bonferroni", description="Multiple-comparison correction of the column tests."
    )
    alpha: Annotated[StrictFloat, Field(gt=0, lt=1)] = Field(
        0.05, description="Significance level.", examples=[0.01]
    )

    @field_validator("variables")
    @classmethod
    def _variables(cls, v: list[str], info: ValidationInfo) -> list[str]:
        references(v, info, "variables", "question")
        coded = context(info, "coded")
        if coded is not None:
            raise_problems(
                [
                    ((i,), f"'{n}' has no codes to tabulate")
                    for i, n in enumerate(v)
                    if n not in coded
                ]
            )
        return v


class OpenEnded(Doc):
    """Open-ended accounts."""

    coding_frame: Text | None = Field(
        None,
        description="The coding frame file, relative to the plan.",
        examples=["health-coding.yaml"],
    )


class PlanDoc(Doc):
    """An analysis plan: waves, published figures, weighting plans, the banner."""

    model_config = ConfigDict(title="survey analysis plan")

    schema_version: SchemaVersion = Field(1, description="Version of this format (absent: 1).")
    study: Text = Field(
        description="Study id (output folders and file stems).", examples=["health-2024"]
    )
    instrument: Text = Field(
        description="The instrument file, relative to the plan.",
        examples=["../instruments/health-2024.yaml"],
    )
    title: FreeLabel | None = Field(
        None,
        description="Title of the report, per language.",
        examples=[{"en": "Health survey: analysis", "es": "Encuesta de salud: análisis"}],
    )
    waves: Annotated[list[Wave], Field(min_length=1)] = Field(description="Waves in order.")
    published: Published | None = Field(None, description="Published figures to check.")
    weighting: dict[str, WeightingPlan] = Field({}, description="Weighting plans by name.")
    banner: Banner = Field(Banner(), description="The crosstab banner.")
    open_ended: OpenEnded = Field(OpenEnded(), description="Open-ended accounts.")


# --------------------------------------------------------------------------- coding frame


def _theme_id(value: str) -> str:
    if not THEME_ID.fullmatch(value) or value == UNCODED:
        raise problem(f"'{value}' must be snake_case (and not '{UNCODED}')")
    return value


def _patterns(value: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
    languages = context(info, "languages")
    out: list[Problem] = []
    for lang, patterns in value.items():
        if languages is not None and lang not in languages:
            out.append(
                ((lang,), f"'{lang}' is not a language of the instrument ({', '.join(languages)})")
            )
        for i, p in enumerate(patterns):
            if not p:
                out.append(((lang, i), "empty pattern"))
                continue
            try:
                re.compile(p, re.IGNORECASE)
            except re.error as exc:
                out.append(((lang, i), f"pattern {p!r} does not compile: {exc}"))
    if not any(value.values()):
        out.append(((), "no patterns"))
    raise_problems(out)
    return value


def _declared(value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    languages = context(info, "languages")
    raise_problems(
        [
            ((lang,), f"'{lang}' is not a language of the instrument ({', '.join(languages)})")
            for lang in value
            if languages is not None and lang not in languages
        ]
    )
    return value


class Theme(Doc):
    """One theme of the coding frame: an account carries it when any of its patterns matches."""

    id: Annotated[str, AfterValidator(_theme_id)] = Field(
        description="Theme id (a column name).", examples=["access"]
    )
    label: Annotated[Label, AfterValidator(_declared)]
    patterns: Annotated[dict[str, Names], AfterValidator(_patterns)] = Field(
        description="Regular expressions per language (Python `re`, case-insensitive, matched anywhere); "
        "all patterns of all languages apply to every account.",
        examples=[{"en": ["\\bwait(ing)? times?\\b"], "es": ["lista de espera"]}],
    )


def _unique_themes(themes: list[Theme]) -> list[Theme]:
    ids = [t.id for t in themes]
    raise_problems(
        [
            ((i, "id"), f"theme id '{t}' appears {ids.count(t)} times")
            for i, t in enumerate(ids)
            if t in ids[:i]
        ]
    )
    return themes


class CodingFrameDoc(Doc):
    """A coding frame of open-ended accounts (named by the plan's `open_ended.coding_frame`)."""

    model_config = ConfigDict(title="survey coding frame")

    schema_version: SchemaVersion = Field(1, description="Version of this format (absent: 1).")
    themes: Annotated[list[Theme], Field(min_length=1), AfterValidator(_unique_themes)] = Field(
        description="Themes in order."
    )


def coding_frame_context(languages: Any) -> dict[str, Any]:
    """What a coding frame is checked against: the instrument's languages."""
    return {"languages": list(languages)}
