"""Checking recomputed estimates against a report's published figures.

Two questions are asked of each published percentage:

1. *Reproduced*: does the estimate recomputed from the data, rounded to the
   report's precision, equal the published value (or lie within the figure's
   ``tolerance_pp``)?  A figure the plan marks ``weighted`` is compared with the
   weighted estimate; a ``mean`` or ``median`` figure with that statistic of its
   numeric question.
2. *Consistent* (a GRIM-style test, Brown & Heathers 2017): can the published
   value be k/n for a whole k at the stated n, given rounding to the report's
   precision?  If not, which nearby bases would make it attainable?  The test is
   for unweighted percentages only; for other figures it does not apply (None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def attainable_counts(pct: float, n: int, decimals: int = 2) -> list[int]:
    """Whole counts k for which ``100 k / n`` rounds (half up) to ``pct``.

    Examples
    --------
    >>> attainable_counts(20.83, 1776)
    [370]
    >>> attainable_counts(98.43, 1776)
    []
    """
    if n <= 0:
        return []
    half = 0.5 * 10.0 ** (-decimals)
    lo = math.ceil((pct - half) * n / 100 - 1e-9)
    hi = math.floor((pct + half) * n / 100 + 1e-9)
    ks = np.arange(max(lo - 1, 0), min(hi + 1, n) + 1)
    return [int(k) for k in ks if round_half_up(100 * k / n, decimals) == round(pct, decimals)]


def round_half_up(value: float, decimals: int) -> float:
    """Round half away from zero, as reports do (Python's round() rounds half to even)."""
    scale = 10**decimals
    return math.floor(abs(value) * scale + 0.5 + 1e-9) / scale * (1 if value >= 0 else -1)


def consistent(pct: float, n: int, decimals: int = 2) -> bool:
    """Whether ``pct`` is attainable as k/n at the report's precision."""
    return bool(attainable_counts(pct, n, decimals))


def nearby_bases(
    pct: float, n: int, decimals: int = 2, *, below: int = 3, above: int = 3, span: int = 200
) -> list[int]:
    """The closest bases below and above ``n`` at which ``pct`` is attainable.

    Examples
    --------
    >>> nearby_bases(98.43, 1776, below=2, above=2)
    [1724, 1725, 1782, 1783]
    """
    lower = [m for m in range(n - 1, max(n - span, 0), -1) if consistent(pct, m, decimals)][:below]
    upper = [m for m in range(n + 1, n + span) if consistent(pct, m, decimals)][:above]
    return sorted(lower) + upper


def reproduced(published: float, estimate_pct: float, decimals: int = 2) -> bool:
    """Whether the estimate rounds to the published value at the report's precision."""
    return round_half_up(estimate_pct, decimals) == round(published, decimals)


def describe(pct: float, n: int, decimals: int = 2, bases: Sequence[int] = ()) -> str:
    """One sentence on a published figure's consistency at its stated base."""
    ks = attainable_counts(pct, n, decimals)
    if ks:
        return f"{pct:.{decimals}f}% = {ks[0]}/{n}: attainable at the stated n"
    near = ", ".join(str(m) for m in bases) or "none within reach"
    return f"{pct:.{decimals}f}% is not k/{n} for any whole k; attainable at n = {near}"


def matches(
    published: float, estimate: float, decimals: int = 2, tolerance: float | None = None
) -> bool:
    """Reproduced: within ``tolerance`` when given, else equal after rounding to ``decimals``.

    Examples
    --------
    >>> matches(64.2, 64.46, 1), matches(64.2, 64.46, 1, tolerance=0.5)
    (False, True)
    """
    if not math.isfinite(estimate):
        return False
    if tolerance is not None:
        return abs(estimate - published) <= tolerance + 1e-9
    return reproduced(published, estimate, decimals)


def _estimate(f, data, weights, level: float) -> dict:
    """The recomputed figure in percent (pct) or in the question's units (mean, median), with its interval."""
    import pandas as pd
    from scipy import stats

    from survey.stats import estimates, inference

    y = data[f.variable].astype("Float64").astype(float)
    w = weights if f.weighted else None
    if f.statistic == "pct":
        r = inference.proportion(y, w, level=level) if w is not None else None
        if r is None:
            rate = estimates.agreement_rates(data, [f.variable], level).iloc[0]
            return {
                "estimate": 100 * float(rate["estimate"]),
                "n": int(rate["n_base"]),
                "low": 100 * float(rate["ci_low"]),
                "high": 100 * float(rate["ci_high"]),
            }
        return {
            "estimate": 100 * r["estimate"],
            "n": r["n_base"],
            "low": 100 * r["ci_low"],
            "high": 100 * r["ci_high"],
        }
    if f.statistic == "median":
        value = estimates.weighted_median(y, w) if w is not None else float(y.median())
        return {
            "estimate": value,
            "n": int(y.notna().sum()),
            "low": float("nan"),
            "high": float("nan"),
        }
    r = estimates.weighted_mean(y, w if w is not None else pd.Series(1.0, index=y.index))
    half = (
        stats.t.ppf(1 - (1 - level) / 2, r["n_base"] - 1) * r["se"]
        if r["n_base"] > 1
        else float("nan")
    )
    return {
        "estimate": r["estimate"],
        "n": r["n_base"],
        "low": r["estimate"] - half,
        "high": r["estimate"] + half,
    }


def headline_table(figures: Sequence, data, decimals: int = 2, level: float = 0.95, weights=None):
    """Compare every published figure with its recomputation.

    Parameters
    ----------
    figures : sequence of :class:`survey.instrument.plan.Figure`
    data : pandas.DataFrame
        Clean, recoded respondents with each figure's indicator column (0/1/NA) or
        numeric question.
    decimals : int
        The report's precision.
    weights : pandas.Series, optional
        Respondent weights, for the figures marked ``weighted``.

    Returns
    -------
    pandas.DataFrame
        ``id, statement, published_pct, stated_n, estimate_pct, n_base, ci_low,
        ci_high, diff_pp, reproduced, grim_consistent, attainable_bases, consistency``
        (percentages; interval: Wilson, 95%, for an unweighted percentage, logit for a
        weighted one, t for a mean).  When a figure is weighted or not a percentage,
        also ``statistic, weighted``; ``published_pct`` and ``estimate_pct`` then hold
        the figure's value in its own units, and ``grim_consistent`` is None where the
        k/n test does not apply.
    """
    import pandas as pd

    table = pd.DataFrame([_headline(f, data, weights, decimals, level) for f in figures])
    if all(f.statistic == "pct" and not f.weighted for f in figures):
        table = table.drop(columns=["statistic", "weighted"], errors="ignore")
    return table


def _headline(f, data, weights, decimals: int, level: float) -> dict:
    """One row of :func:`headline_table`: the published figure, its recomputation and checks."""
    got = _estimate(f, data, weights, level)
    plain = f.statistic == "pct" and not f.weighted
    bases = (
        []
        if not plain or consistent(f.value, f.stated_n, decimals)
        else nearby_bases(f.value, f.stated_n, decimals)
    )
    return {
        "id": f.id,
        "statement": f.quote,
        "published_pct": f.value,
        "stated_n": f.stated_n,
        "estimate_pct": got["estimate"],
        "n_base": got["n"],
        "ci_low": got["low"],
        "ci_high": got["high"],
        "diff_pp": got["estimate"] - f.value,
        "reproduced": matches(f.value, got["estimate"], decimals, f.tolerance_pp),
        "grim_consistent": consistent(f.value, f.stated_n, decimals) if plain else None,
        "attainable_bases": ";".join(str(m) for m in bases),
        "consistency": describe(f.value, f.stated_n, decimals, bases)
        if plain
        else f"does not apply ({'weighted ' if f.weighted else ''}{'estimate' if f.statistic == 'pct' else f.statistic})",
        "statistic": f.statistic,
        "weighted": f.weighted,
    }
