"""Instrument-driven survey analysis.

The entry object is :class:`Study` (one wave: instrument, clean data, weights);
its methods return tidy DataFrames.  The functions below are the building blocks
it uses, for use on any frame.  Everything is imported on first use.

Public API
----------
Study
    ``Study.from_plan(plan, wave)``; methods ``headlines``, ``toplines``, ``agreement``,
    ``crosstabs`` (the plan's battery), ``crosstab``, ``table`` and ``mean`` (ad-hoc tables
    with ``by``, ``filter`` and ``weighted``), ``filtered``, ``with_banner``, ``agreement_by``,
    ``odds_ratios``, ``reliability``, ``themes``, ``trends``, ``respondents``.
load_instrument, load_plan
    Read and validate an instrument or analysis plan (YAML).
crosstab, multi_response, battery
    Banner tables of any frame, with column letters; the plan's whole battery.
proportion, difference
    Design-based proportions and differences (R ``survey``'s ``svymean``/``svycontrast``).
rake, poststratify
    Weighting to target margins.
SurveyError, DataError, PlanError, WeightingError
    The errors a bad input raises (one line naming the file and place).

Examples
--------
>>> import survey
>>> study = survey.Study.from_plan("analysis/ccg-2020.yaml")   # doctest: +SKIP
>>> study.headlines()[["id", "published_pct", "estimate_pct", "weighted_pct"]]  # doctest: +SKIP
"""

from importlib import import_module
from typing import Any

# Imported on first use, so that ``import survey`` stays cheap and ``python -m survey.instrument``
# (and the other command modules) are not already loaded when runpy executes them.
_WHERE = {
    "crosstab": "stats.crosstabs",
    "multi_response": "stats.crosstabs",
    "battery": "stats.tables",
    "DataError": "errors",
    "PlanError": "errors",
    "SurveyError": "errors",
    "WeightingError": "errors",
    "difference": "stats.inference",
    "proportion": "stats.inference",
    "load_instrument": "instrument",
    "load_plan": "instrument.plan",
    "Study": "study",
    "poststratify": "stats.weighting",
    "rake": "stats.weighting",
}

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "PlanError",
    "Study",
    "SurveyError",
    "WeightingError",
    "battery",
    "crosstab",
    "difference",
    "load_instrument",
    "load_plan",
    "multi_response",
    "poststratify",
    "proportion",
    "rake",
]  # = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"survey.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API (``dir(survey)``, and so ``help(survey)``) without importing it."""
    return sorted([*__all__, "__version__"])
