"""Instrument-driven survey analysis.

The entry object is :class:`Study` (one wave: instrument, clean data, weights);
the functions below are the building blocks it uses, for use on any frame.

Examples
--------
>>> import survey
>>> study = survey.Study.from_plan("analysis/ccg-2020.yaml")   # doctest: +SKIP
>>> study.headlines()[["id", "published_pct", "estimate_pct", "weighted_pct"]]  # doctest: +SKIP
"""

from importlib import import_module
from typing import Any

# Imported on first use, so that ``python -m survey.instrument`` (and the other
# command modules) are not already loaded when runpy executes them.
_WHERE = {
    "crosstab": "stats.crosstabs", "multi_response": "stats.crosstabs", "battery": "stats.tables",
    "DataError": "errors", "PlanError": "errors", "SurveyError": "errors", "WeightingError": "errors",
    "difference": "stats.inference", "proportion": "stats.inference", "load_instrument": "instrument",
    "load_plan": "instrument.plan", "Study": "study", "poststratify": "stats.weighting", "rake": "stats.weighting",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"survey.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = sorted(_WHERE)
