"""Estimates: toplines, agreement rates of every indicator, summaries of numeric questions.

Percentages leave non-substantive codes ("Don't know") and respondents not asked
out of the base, as the instrument declares.  Unweighted intervals are Wilson
intervals from statsmodels.  Weighted means and their standard errors are those of
R ``svymean(~y, svydesign(ids = ~1, weights = ~w), na.rm = TRUE)`` (see
:func:`weighted_mean`); a weighted median is R ``svyquantile``'s default
(``qrule = "math"``): the smallest value whose weighted cumulative share reaches 1/2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from survey.clean.recode import multi_frame
from survey.clean.rules import asked
from survey.instrument import Instrument, Question

TOPLINE_COLUMNS = [
    "question",
    "code",
    "label",
    "count",
    "pct",
    "base",
    "pct_of_asked",
    "n_asked",
    "nonsubstantive",
    "weighted_count",
    "weighted_pct",
    "weighted_base",
]


def wilson(
    count: np.ndarray | int, nobs: np.ndarray | int, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (statsmodels ``proportion_confint(method="wilson")``, R ``prop.test(x, n,
    correct = FALSE)$conf.int``), with its exact ends at ``count = 0`` (0) and ``count = nobs`` (1).

    Examples
    --------
    >>> low, high = wilson(0, 10)  # statsmodels leaves a rounding error at 0 for some n (2e-19)
    >>> float(low), round(float(high), 6)
    (0.0, 0.277533)
    """
    low, high = proportion_confint(count, nobs, alpha=1 - level, method="wilson")
    count, nobs = np.asarray(count), np.asarray(nobs)
    return np.where(count == 0, 0.0, low), np.where(count == nobs, 1.0, high)


def _weights(data: pd.DataFrame, weights: pd.Series | None) -> np.ndarray:
    return (
        np.ones(len(data))
        if weights is None
        else weights.reindex(data.index).to_numpy(dtype=float, na_value=0.0)
    )


def _single_topline(
    data: pd.DataFrame, instrument: Instrument, name: str, w: np.ndarray, lang: str
) -> pd.DataFrame:
    codes = instrument.codes_of(name)
    values = data[name].to_numpy(dtype=float, na_value=np.nan)
    variables = instrument.variables()
    var = variables[name]
    n_asked = (
        int(asked(var, data).sum()) if isinstance(var, Question) else int(np.isfinite(values).sum())
    )
    rows = []
    for c in codes:
        hit = values == c.code
        rows.append((c.code, c.text(lang), int(hit.sum()), float(w[hit].sum()), c.nonsubstantive))
    frame = pd.DataFrame(
        rows, columns=["code", "label", "count", "weighted_count", "nonsubstantive"]
    )
    substantive = ~frame["nonsubstantive"]
    base = int(frame.loc[substantive, "count"].sum())
    weighted_base = float(frame.loc[substantive, "weighted_count"].sum())
    frame["pct"] = np.where(substantive, 100 * frame["count"] / base if base else np.nan, np.nan)
    frame["weighted_pct"] = np.where(
        substantive,
        100 * frame["weighted_count"] / weighted_base if weighted_base else np.nan,
        np.nan,
    )
    frame["base"] = base
    frame["weighted_base"] = weighted_base
    frame["n_asked"] = n_asked
    frame["pct_of_asked"] = 100 * frame["count"] / n_asked if n_asked else np.nan
    frame.insert(0, "question", name)
    return frame


def _multi_topline(
    data: pd.DataFrame, instrument: Instrument, qid: str, w: np.ndarray, lang: str
) -> pd.DataFrame:
    q = instrument.question(qid)
    options = multi_frame(data, instrument, qid)
    is_asked = options.notna().all(axis=1).to_numpy()
    base = int(is_asked.sum())
    weighted_base = float(w[is_asked].sum())
    ticks = options.fillna(0).to_numpy(dtype=float) == 1
    counts = ticks.sum(axis=0)
    weighted = (ticks * w[:, None]).sum(axis=0)
    return pd.DataFrame(
        {
            "question": qid,
            "code": [c.code for c in q.codes],
            "label": [c.text(lang) for c in q.codes],
            "count": counts.astype(int),
            "pct": 100 * counts / base if base else np.nan,
            "base": base,
            "pct_of_asked": 100 * counts / base if base else np.nan,
            "n_asked": base,
            "nonsubstantive": [c.nonsubstantive for c in q.codes],
            "weighted_count": weighted,
            "weighted_pct": 100 * weighted / weighted_base if weighted_base else np.nan,
            "weighted_base": weighted_base,
        }
    )


def toplines(
    data: pd.DataFrame, instrument: Instrument, weights: pd.Series | None = None, lang: str = "en"
) -> pd.DataFrame:
    """Frequency distribution of every coded question and derived variable.

    Parameters
    ----------
    data : pandas.DataFrame
        Clean, recoded respondents.
    instrument : Instrument
    weights : pandas.Series, optional
        Respondent weights (NA = outside the weighted population, weight 0).
    lang : str
        Language of the labels: one the instrument declares.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``question, code, label, count, pct, base`` (``pct`` of the
        substantive base, empty for non-substantive codes), ``pct_of_asked,
        n_asked, nonsubstantive`` and weighted counterparts.
    """
    w = _weights(data, weights)
    parts = []
    for q in instrument.questions:
        if q.type == "multi":
            parts.append(_multi_topline(data, instrument, q.id, w, lang))
        elif q.coded and q.type != "paradata":
            parts.append(_single_topline(data, instrument, q.id, w, lang))
    for d in instrument.derived:
        if not d.numeric:
            parts.append(_single_topline(data, instrument, d.id, w, lang))
    return pd.concat(parts, ignore_index=True)[TOPLINE_COLUMNS]


def agreement_rates(data: pd.DataFrame, names: list[str], level: float = 0.95) -> pd.DataFrame:
    """Unweighted rate of every 0/1 indicator with its base and Wilson interval.

    Returns
    -------
    pandas.DataFrame
        ``item, estimate, n_base, count, ci_low, ci_high`` (proportions 0-1).
    """
    values = data[names].to_numpy(dtype=float, na_value=np.nan)
    n_base = np.isfinite(values).sum(axis=0)
    count = np.nansum(values, axis=0)
    low, high = wilson(count, n_base, level)
    return pd.DataFrame(
        {
            "item": names,
            "estimate": count / n_base,
            "n_base": n_base.astype(int),
            "count": count.astype(int),
            "ci_low": low,
            "ci_high": high,
        }
    )


# --------------------------------------------------------------------------- numeric questions

NUMERIC_COLUMNS = [
    "question",
    "label",
    "n",
    "mean",
    "sd",
    "min",
    "median",
    "max",
    "weighted_base",
    "weighted_mean",
    "weighted_se",
    "weighted_median",
]


def domain_mean(x: np.ndarray, w: np.ndarray, domain: np.ndarray | None = None) -> dict[str, float]:
    """Design-based mean of ``x`` over a domain of a weights-only design, with its standard error.

    The design is R's ``svydesign(ids = ~1, weights = ~w)`` over every element of ``x``
    and ``w`` (all weights finite); the domain is ``domain`` (default: everyone) where
    ``x`` is not missing and the weight is positive, as ``svymean(~x, design, na.rm =
    TRUE)`` and ``svyby`` treat it: ``z_i = w_i (x_i - mean) / sum(w)`` over the domain
    (0 elsewhere) and ``var = n / (n - 1) * sum((z - mean(z))^2)`` with ``n`` every
    respondent of the design.  The numeric summaries and the ad-hoc means both use it.

    Returns
    -------
    dict
        ``estimate, se, n_base`` (the domain's respondents), ``weighted_base`` (their weight).

    Examples
    --------
    >>> r = domain_mean(np.array([1.0, 2.0, 4.0, 8.0]), np.ones(4), np.array([True, True, True, False]))
    >>> round(r["estimate"], 4), r["n_base"]
    (2.3333, 3)
    """
    d = np.isfinite(x) & (w > 0)
    if domain is not None:
        d &= domain
    total = float(w[d].sum())
    out = {"estimate": np.nan, "se": np.nan, "n_base": int(d.sum()), "weighted_base": total}
    if not d.any():
        return out
    mean = float(np.sum(w[d] * x[d]) / total)
    z = np.where(d, w * (np.nan_to_num(x) - mean), 0.0) / total
    n = len(z)
    var = float(n / (n - 1) * np.sum((z - z.mean()) ** 2)) if n > 1 else np.nan
    return {**out, "estimate": mean, "se": float(np.sqrt(var))}


def weighted_mean(y: pd.Series, weights: pd.Series | None = None) -> dict[str, float]:
    """:func:`domain_mean` of ``y`` over the respondents with a weight (NaN weight: not in the design).

    Returns
    -------
    dict
        ``estimate, se, n_base`` (respondents with a value and a weight), ``weighted_base``.

    Examples
    --------
    >>> r = weighted_mean(pd.Series([1.0, 2.0, 4.0, np.nan]), pd.Series([1.0, 1.0, 2.0, 1.0]))
    >>> round(r["estimate"], 4), r["n_base"]
    (2.75, 3)
    """
    values = pd.Series(y).to_numpy(dtype=float, na_value=np.nan)
    w = (
        np.ones(len(values))
        if weights is None
        else pd.Series(weights).reindex(y.index).to_numpy(dtype=float, na_value=np.nan)
    )
    inside = np.isfinite(w)
    return domain_mean(values[inside], w[inside])


def weighted_median(y: pd.Series, weights: pd.Series | None = None) -> float:
    """Smallest value whose weighted cumulative share reaches 1/2 (R ``svyquantile``, ``qrule = "math"``).

    Examples
    --------
    >>> weighted_median(pd.Series([1.0, 2.0, 3.0]), pd.Series([1.0, 1.0, 3.0]))
    3.0
    """
    values = pd.Series(y).to_numpy(dtype=float, na_value=np.nan)
    w = (
        np.ones(len(values))
        if weights is None
        else pd.Series(weights).reindex(y.index).to_numpy(dtype=float, na_value=np.nan)
    )
    keep = np.isfinite(values) & np.isfinite(w) & (w > 0)
    if not keep.any():
        return np.nan
    order = np.argsort(values[keep], kind="stable")
    sorted_values, share = values[keep][order], np.cumsum(w[keep][order]) / w[keep].sum()
    return float(sorted_values[np.searchsorted(share, 0.5 - 1e-12)])


def numeric_variables(instrument: Instrument) -> list[str]:
    """Numeric questions and numeric derived variables (scores), in order."""
    return [q.id for q in instrument.questions if q.type == "numeric"] + [
        d.id for d in instrument.derived if d.numeric
    ]


def numeric_summary(
    data: pd.DataFrame, instrument: Instrument, weights: pd.Series | None = None, lang: str = "en"
) -> pd.DataFrame:
    """n, mean, SD, min, median, max of every numeric question and score, unweighted and weighted.

    Parameters
    ----------
    data : pandas.DataFrame
        Clean, recoded respondents.
    instrument : Instrument
    weights : pandas.Series, optional
        Respondent weights (NA = outside the weighted population); without them the
        weighted columns are empty.
    lang : str
        Language of the labels: one the instrument declares.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per variable: ``question, label, n, mean, sd`` (n - 1 in the
        denominator) ``, min, median, max, weighted_base, weighted_mean, weighted_se,
        weighted_median`` (:func:`weighted_mean`, :func:`weighted_median`).

    Examples
    --------
    >>> numeric_summary(study.data, study.instrument, study.weights)  # doctest: +SKIP
    """
    variables = instrument.variables()
    rows = []
    for name in numeric_variables(instrument):
        y = data[name].astype("Float64").astype(float)
        present = y.dropna()
        row = {
            "question": name,
            "label": variables[name].wording(lang),
            "n": len(present),
            "mean": present.mean(),
            "sd": present.std(ddof=1),
            "min": present.min(),
            "median": present.median(),
            "max": present.max(),
        }
        if weights is None:
            row.update(
                weighted_base=np.nan,
                weighted_mean=np.nan,
                weighted_se=np.nan,
                weighted_median=np.nan,
            )
        else:
            r = weighted_mean(y, weights)
            row.update(
                weighted_base=r["weighted_base"],
                weighted_mean=r["estimate"],
                weighted_se=r["se"],
                weighted_median=weighted_median(y, weights),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=NUMERIC_COLUMNS)
