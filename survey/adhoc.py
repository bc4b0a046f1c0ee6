"""Ad-hoc tables of a study: any question by any banner, for any subset, from Python.

:meth:`Study.crosstab <survey.study.Study.crosstab>`, :meth:`~survey.study.Study.table`
and :meth:`~survey.study.Study.mean` call the functions here.  Tables are the
battery's own (:func:`survey.stats.tables.battery`, run for the one question and
the banner asked for), so every number, letter and test is the one the run
writes; weights outside the weighting scope count as 0, as in the battery.  A
filter is a pandas expression over the clean, recoded respondents
(``"country == 2"``, ``"age >= 30 and gender == 1"``); respondents for whom it
is missing are left out.

Examples
--------
>>> study = Study.from_plan("analysis/ccg-2020.yaml")                        # doctest: +SKIP
>>> study.crosstab("relations_q", by=["ties", "country"], filter="country == 2")  # doctest: +SKIP
>>> study.mean("age", by="country")                                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from survey.errors import PlanError
from survey.stats import tables
from survey.stats.crosstabs import TOTAL
from survey.stats.estimates import domain_mean

MEAN_COLUMNS = [
    "variable",
    "banner",
    "category",
    "category_label",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n_base",
    "weighted",
]


def selection(data: pd.DataFrame, expression: str | None) -> pd.Series:
    """Who the filter ``expression`` keeps (True/False per respondent; missing counts as False).

    Raises
    ------
    PlanError
        The expression does not parse, names an unknown variable or is not a condition.

    Examples
    --------
    >>> selection(pd.DataFrame({"country": pd.array([1, 2, None], dtype="Int64")}), "country == 2").tolist()
    [False, True, False]
    """
    if expression is None or not str(expression).strip():
        return pd.Series(True, index=data.index)
    try:
        kept = data.eval(str(expression), engine="python")
    except Exception as error:  # noqa: BLE001 - pandas raises many kinds (SyntaxError, UndefinedVariableError ...)
        raise PlanError(
            f"filter {expression!r}: {type(error).__name__}: {error}".rstrip()
        ) from None
    if not isinstance(kept, pd.Series) or not (
        pd.api.types.is_bool_dtype(kept.dtype) or kept.dropna().isin([True, False]).all()
    ):
        raise PlanError(f'filter {expression!r} is not a condition (e.g. "country == 2")')
    return kept.astype("boolean").fillna(False).astype(bool)


def banner_plan(plan: Any, instrument: Any, by: str | Sequence[str] | None) -> Any:
    """The plan with ``by`` as its banner (variables, or the plan's banner nets by id)."""
    if by is None:
        return plan
    names = [by] if isinstance(by, str) else list(by)
    nets = {str(n["id"]): n for n in plan.banner_nets}
    known = set(instrument.variables()) | set(nets)
    unknown = [b for b in names if b not in known]
    if unknown:
        raise PlanError(
            f"banner: unknown variable(s) {', '.join(unknown)}; the plan's banner is "
            f"{', '.join([*plan.banner, *nets])}"
        )
    return replace(
        plan,
        banner=tuple(b for b in names if b not in nets),
        banner_nets=tuple(nets[b] for b in names if b in nets),
    )


def _question(study: Any, question: str) -> Any:
    inst = study.instrument
    if not inst.has_question(question) or not inst.question(question).coded:
        coded = [q.id for q in inst.questions if q.coded and q.type != "paradata"]
        raise PlanError(
            f"crosstab: {question!r} is not a coded question of the instrument "
            f"(coded questions: {', '.join(coded)}); for a number use mean()"
        )
    return inst.question(question)


def crosstab(
    study: Any,
    question: str,
    by: str | Sequence[str] | None = None,
    *,
    filter: str | None = None,
    weighted: bool = True,
    lang: str = "en",
) -> pd.DataFrame:
    """``question`` by every variable of ``by`` (default: the plan's banner), tidy, with letters.

    Returns
    -------
    pandas.DataFrame
        The battery's :data:`survey.stats.tables.TABLE_COLUMNS` for the question, plus
        ``question_label`` and ``banner_label`` in ``lang``; the Total column first,
        then each banner in the order of ``by``.  ``attrs["tests"]`` holds the
        tests of independence (one row per banner variable).
    """
    q = _question(study, question)
    plan = banner_plan(study.plan, study.instrument, by)
    keep = selection(study.data, filter)
    data = study.data[keep.to_numpy()]
    weights = study.weights[keep.to_numpy()] if weighted and study.weights is not None else None
    one = replace(
        study.instrument,
        questions=(replace(q, section="", background=False) if q.background else q,),
    )
    frame, tests = tables.battery(data, one, plan, weights, lang=lang)
    order = {
        b: k for k, b in enumerate([TOTAL, *plan.banner, *(n["id"] for n in plan.banner_nets)])
    }
    frame = frame.sort_values("banner", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )
    labels = {b: _banner_label(study, b, lang) for b in frame["banner"].unique()}
    frame = frame.assign(question_label=q.wording(lang), banner_label=frame["banner"].map(labels))
    frame.attrs["tests"] = tests.reset_index(drop=True)
    frame.attrs["filter"] = filter
    frame.attrs["weighted"] = weights is not None
    return frame


def _banner_label(study: Any, banner: str, lang: str) -> str:
    if banner == TOTAL:
        return TOTAL
    for net in study.plan.banner_nets:
        if net["id"] == banner:
            return str(net["label"].get(lang) or net["label"]["en"])
    return study.instrument.variables()[banner].wording(lang)


def table(
    study: Any, question: str, *, filter: str | None = None, weighted: bool = True, lang: str = "en"
) -> pd.DataFrame:
    """One question's distribution (the Total column of :func:`crosstab`), tidy.

    Returns
    -------
    pandas.DataFrame
        ``question, question_label, row_code, row_label, count, weighted_count,
        col_pct, weighted_col_pct, base, weighted_base`` (percentages 0-100 of the
        substantive base; non-substantive rows have counts only).
    """
    first = (
        study.plan.banner
        or [b.id for b in tables.banners(study.data, study.instrument, study.plan)]
    )[:1]
    frame = crosstab(
        study, question, list(first) or None, filter=filter, weighted=weighted, lang=lang
    )
    total = frame[frame["banner"] == TOTAL]
    columns = [
        "question",
        "question_label",
        "row_code",
        "row_label",
        "count",
        "weighted_count",
        "col_pct",
        "weighted_col_pct",
        "base",
        "weighted_base",
    ]
    return total[columns].reset_index(drop=True)


def mean(
    study: Any,
    variable: str,
    by: str | Sequence[str] | None = None,
    *,
    filter: str | None = None,
    weighted: bool = True,
    level: float = 0.95,
    lang: str = "en",
) -> pd.DataFrame:
    """Design-based mean of a numeric variable, overall and in every category of ``by``.

    The SE is R's ``svymean(~x, design, na.rm = TRUE)`` on ``svyby`` domains (the
    linearised variance of a ratio, with-replacement), the interval the normal one
    of ``confint``; unweighted, every weight is 1.  Respondents outside the
    weighting scope are left out of a weighted mean.

    Returns
    -------
    pandas.DataFrame
        :data:`MEAN_COLUMNS`; the overall mean has ``banner`` "Total".
    """
    _check_numeric(study.data, variable)
    plan = banner_plan(study.plan, study.instrument, by if by is not None else [])
    keep = selection(study.data, filter).to_numpy()
    data = study.data[keep]
    use_weights = weighted and study.weights is not None
    w = (
        study.weights[keep].to_numpy(dtype=float, na_value=np.nan)
        if use_weights
        else np.ones(len(data))
    )
    inside = np.isfinite(w)
    x = data[variable].to_numpy(dtype=float, na_value=np.nan)[inside]
    w = w[inside]
    rows = [
        {
            "banner": TOTAL,
            "category": TOTAL,
            "category_label": TOTAL,
            **_design_mean(x, w, np.ones(len(x), dtype=bool), level),
        }
    ]
    for b in tables.banners(data, study.instrument, plan, lang):
        codes = b.codes.to_numpy(dtype=float)[inside]
        rows += [
            {
                "banner": b.id,
                "category": code,
                "category_label": label,
                **_design_mean(x, w, codes == code, level),
            }
            for code, label in b.labels.items()
        ]
    out = pd.DataFrame(rows).assign(variable=variable, weighted=use_weights)
    return out[MEAN_COLUMNS]


def _check_numeric(data: pd.DataFrame, variable: str) -> None:
    """Refuse a variable that is not a numeric column, listing the numeric ones."""
    if variable in data.columns and pd.api.types.is_numeric_dtype(data[variable].dtype):
        return
    numeric = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c].dtype)]
    raise PlanError(f"mean: {variable!r} is not a numeric variable (numeric: {', '.join(numeric)})")


def _design_mean(x: np.ndarray, w: np.ndarray, domain: np.ndarray, level: float) -> dict[str, Any]:
    """:func:`survey.stats.estimates.domain_mean` of ``x`` over ``domain``, with the normal interval."""
    r = domain_mean(x, w, domain)
    half = float(norm.ppf(0.5 + level / 2)) * r["se"]
    return {
        "estimate": r["estimate"],
        "se": r["se"],
        "ci_low": r["estimate"] - half,
        "ci_high": r["estimate"] + half,
        "n_base": r["n_base"],
    }
