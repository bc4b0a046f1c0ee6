"""One wave for a :class:`~survey.study.Study`: its raw file read, its repeat groups, its weighting.

Also the plan of a run without one (:func:`instrument_plan`).  These are the steps
:meth:`Study.from_plan` and :meth:`Study.from_instrument` take; the
:class:`~survey.study.Study` module keeps the object and its estimates.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from survey.errors import PlanError
from survey.instrument import Instrument, conditions
from survey.instrument.plan import Plan, Wave
from survey.read import canonical as readers
from survey.stats import weighting
from survey.stats.weighting import WeightingResult

CANONICAL_FORMATS = (
    "canonical",
    "csv",
    "xlsx",
    None,
)  # read by survey.read.canonical (``sep`` applies)


def read_wave(
    path: Path,
    instrument: Instrument,
    fmt: str | None,
    encoding: str | None,
    allow_extra: bool,
    keep_test: bool = False,
    sep: str | None = None,
) -> pd.DataFrame:
    """Read a wave's raw file in its platform format into the canonical typed layout."""
    if fmt in CANONICAL_FORMATS:
        return readers.read_raw(
            path, instrument, encoding=encoding, allow_extra_columns=allow_extra, sep=sep
        )
    from survey.read.platforms import read_platform

    return read_platform(
        path,
        instrument,
        fmt,
        encoding=encoding,
        allow_extra_columns=allow_extra,
        keep_test_rows=keep_test,
    )


def instrument_plan(
    instrument: Instrument, raw: Path, fmt: str | None = None, encoding: str | None = None
) -> Plan:
    """The plan of a run without one: one wave, no figures, no weighting, background banner.

    The banner is the instrument's single-choice questions of section ``background``;
    with none, there are no crosstabs.

    Examples
    --------
    >>> plan = instrument_plan(load_instrument("draft.yaml"), Path("export.csv"))  # doctest: +SKIP
    >>> plan.figures, plan.weighting  # doctest: +SKIP
    ((), {})
    """
    banner = tuple(
        q.id for q in instrument.questions if q.section == "background" and q.type == "single"
    )
    wave = Wave(
        id="1",
        label=raw.stem,
        raw=raw,
        format=fmt or "auto",
        instrument_version="",
        field_dates=(),
        weighting=None,
        encoding=encoding,
    )
    path = Path(instrument.path)
    return Plan(
        path=path,
        study=instrument.id,
        title=dict(instrument.study.get("title") or {}),
        instrument_path=path,
        waves=(wave,),
        published_wave=None,
        published_source="",
        decimals=2,
        figures=(),
        weighting={},
        banner=banner,
        banner_nets=(),
        correction="bonferroni",
        alpha=0.05,
        open_ended={},
    )


def _valid_repeats(
    path: Path, instrument: Instrument, raw: pd.DataFrame, data: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The repeat groups' tables, keeping the rows of valid respondents only."""
    from survey.read.platforms import read_repeats

    ident = instrument.by_role("id")
    tables = read_repeats(path, instrument, raw)
    if ident is None:
        return tables
    valid = set(data[ident.id].astype(str))
    return {
        rid: t[t[ident.id].astype(str).isin(valid)].reset_index(drop=True)
        for rid, t in tables.items()
    }


def weight_wave(data: pd.DataFrame, spec: Mapping[str, Any], name: str) -> WeightingResult:
    """Run the plan's weighting ``spec`` (named ``name``) on the clean data (:meth:`Study.weight`).

    Respondents outside the plan's ``scope`` get a missing weight: they stay in
    every unweighted estimate and are left out of every weighted one.  The
    diagnostics add the scope, the targets' sources and the weighted n.

    Examples
    --------
    >>> weight_wave(study.data, study.plan.weighting["main"], "main").diagnostics["n_weighted"]  # doctest: +SKIP
    """
    scope = (
        conditions.evaluate(spec["scope"], data).fillna(False).astype(bool)
        if spec.get("scope")
        else pd.Series(True, index=data.index)
    )
    inside = data[scope.to_numpy()]
    opts: dict[str, Any] = {
        "max_iter": int(spec.get("max_iter", 100)),
        "tol": float(spec.get("tol", 1e-10)),
    }
    if spec.get("trim"):
        raise PlanError(
            f"weighting.{name}.trim: trimming inside raking had no published definition or outside "
            "reference and was removed; use bounds: [lo, hi] (bounded raking, as R calibrate(..., "
            'calfun = "raking", bounds = c(lo, hi)))'
        )
    if spec.get("bounds"):
        opts["bounds"] = tuple(float(b) for b in spec["bounds"])
    result = weighting.weight(inside, spec.get("method", "rake"), spec["targets"], **opts)
    weights = result.weights.reindex(data.index).rename("weight")
    diagnostics = {
        **result.diagnostics,
        "plan": name,
        "sources": dict(spec.get("sources") or {}),
        "approximate": list(spec.get("approximate") or []),
        "scope": spec.get("scope"),
        "n_weighted": len(inside),
        "n_outside_scope": int(len(data) - len(inside)),
    }
    return WeightingResult(weights, diagnostics)
