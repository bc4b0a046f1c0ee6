"""Checking recomputed estimates against a report's published figures.

Two questions are asked of each published percentage:

1. *Reproduced*: does the estimate recomputed from the data, rounded to the
   report's precision, equal the published value?
2. *Consistent* (a GRIM-style test, Brown & Heathers 2017): can the published
   value be k/n for a whole k at the stated n, given rounding to the report's
   precision?  If not, which nearby bases would make it attainable?
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


def nearby_bases(pct: float, n: int, decimals: int = 2, *, below: int = 3, above: int = 3, span: int = 200) -> list[int]:
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


def headline_table(figures: Sequence, data, decimals: int = 2, level: float = 0.95):
    """Compare every published figure with its unweighted recomputation.

    Parameters
    ----------
    figures : sequence of :class:`survey.instrument.plan.Figure`
    data : pandas.DataFrame
        Clean, recoded respondents with each figure's indicator column (0/1/NA).
    decimals : int
        The report's precision.

    Returns
    -------
    pandas.DataFrame
        ``id, statement, published_pct, stated_n, estimate_pct, n_base, ci_low,
        ci_high, diff_pp, reproduced, grim_consistent, attainable_bases, consistency``
        (percentages; interval: Wilson, 95%).
    """
    import pandas as pd

    from survey.stats.estimates import agreement_rates

    rates = agreement_rates(data, [f.indicator for f in figures], level).set_index("item")
    rows = []
    for f in figures:
        r = rates.loc[f.indicator]
        estimate = 100 * float(r["estimate"])
        bases = [] if consistent(f.value, f.stated_n, decimals) else nearby_bases(f.value, f.stated_n, decimals)
        rows.append({
            "id": f.id,
            "statement": f.quote,
            "published_pct": f.value,
            "stated_n": f.stated_n,
            "estimate_pct": estimate,
            "n_base": int(r["n_base"]),
            "ci_low": 100 * float(r["ci_low"]),
            "ci_high": 100 * float(r["ci_high"]),
            "diff_pp": estimate - f.value,
            "reproduced": reproduced(f.value, estimate, decimals),
            "grim_consistent": consistent(f.value, f.stated_n, decimals),
            "attainable_bases": ";".join(str(m) for m in bases),
            "consistency": describe(f.value, f.stated_n, decimals, bases),
        })
    return pd.DataFrame(rows)
