"""Estimates: toplines of every question and agreement rates of every indicator.

Percentages leave non-substantive codes ("Don't know") and respondents not asked
out of the base, as the instrument declares.  Unweighted intervals are Wilson
intervals from statsmodels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from survey.clean.recode import multi_frame
from survey.clean.rules import asked
from survey.instrument import Instrument

TOPLINE_COLUMNS = [
    "question", "code", "label", "count", "pct", "base", "pct_of_asked", "n_asked", "nonsubstantive",
    "weighted_count", "weighted_pct", "weighted_base",
]


def wilson(count: np.ndarray | int, nobs: np.ndarray | int, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
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
    return np.ones(len(data)) if weights is None else weights.reindex(data.index).to_numpy(dtype=float, na_value=0.0)


def _single_topline(data: pd.DataFrame, instrument: Instrument, name: str, w: np.ndarray, lang: str) -> pd.DataFrame:
    codes = instrument.codes_of(name)
    values = data[name].to_numpy(dtype=float, na_value=np.nan)
    variables = instrument.variables()
    var = variables[name]
    n_asked = int(asked(var, data).sum()) if hasattr(var, "ask_if") else int(np.isfinite(values).sum())
    rows = []
    for c in codes:
        hit = values == c.code
        rows.append((c.code, c.text(lang), int(hit.sum()), float(w[hit].sum()), c.nonsubstantive))
    frame = pd.DataFrame(rows, columns=["code", "label", "count", "weighted_count", "nonsubstantive"])
    substantive = ~frame["nonsubstantive"]
    base = int(frame.loc[substantive, "count"].sum())
    weighted_base = float(frame.loc[substantive, "weighted_count"].sum())
    frame["pct"] = np.where(substantive, 100 * frame["count"] / base if base else np.nan, np.nan)
    frame["weighted_pct"] = np.where(substantive, 100 * frame["weighted_count"] / weighted_base if weighted_base else np.nan, np.nan)
    frame["base"] = base
    frame["weighted_base"] = weighted_base
    frame["n_asked"] = n_asked
    frame["pct_of_asked"] = 100 * frame["count"] / n_asked if n_asked else np.nan
    frame.insert(0, "question", name)
    return frame


def _multi_topline(data: pd.DataFrame, instrument: Instrument, qid: str, w: np.ndarray, lang: str) -> pd.DataFrame:
    q = instrument.question(qid)
    options = multi_frame(data, instrument, qid)
    is_asked = options.notna().all(axis=1).to_numpy()
    base = int(is_asked.sum())
    weighted_base = float(w[is_asked].sum())
    ticks = options.fillna(0).to_numpy(dtype=float) == 1
    counts = ticks.sum(axis=0)
    weighted = (ticks * w[:, None]).sum(axis=0)
    return pd.DataFrame({
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
    })


def toplines(data: pd.DataFrame, instrument: Instrument, weights: pd.Series | None = None, lang: str = "en") -> pd.DataFrame:
    """Frequency distribution of every coded question and derived variable.

    Parameters
    ----------
    data : pandas.DataFrame
        Clean, recoded respondents.
    instrument : Instrument
    weights : pandas.Series, optional
        Respondent weights (NA = outside the weighted population, weight 0).
    lang : {"en", "zh"}
        Language of the labels.

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
    return pd.DataFrame({
        "item": names,
        "estimate": count / n_base,
        "n_base": n_base.astype(int),
        "count": count.astype(int),
        "ci_low": low,
        "ci_high": high,
    })
