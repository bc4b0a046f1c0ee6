"""Pearson's chi-square of a two-way table, Cramér's V, and the F and chi-square tail p-values.

These are scipy's numbers, computed here for speed: the crosstab battery tests about a
hundred small tables, and each went through ``scipy.stats.chi2_contingency`` three times
(directly, inside ``scipy.stats.contingency.association`` for Cramér's V, and for the
Rao-Scott statistic), about 0.65 ms a call (0.04 ms here) of argument handling around a few
microseconds of arithmetic, plus ``stats.f.sf`` / ``stats.chi2.sf``'s generic-distribution
overhead (0.13 ms each).  :func:`chi2_independence` does the arithmetic of scipy 1.17's
``expected_freq`` and ``_power_divergence`` in the same operation order (the same sums over
the same arrays), so its statistic, p-value and expected counts are scipy's to the last bit;
:func:`f_sf` and :func:`chi2_sf` call the ``scipy.special`` functions that
``stats.f._sf`` and ``stats.chi2._sf`` call.  Anything outside the plain case (a negative,
NaN or infinite cell, an expected count of zero, a p-value argument at or outside the
support) goes to scipy itself, so errors and edge values stay scipy's.
tests/test_pearson.py compares every result with scipy's for exact equality on thousands
of random tables (2x2, zero cells, large counts, weighted non-integer tables).  Measured on
the ccg-2020 battery (106 tables, 1,776 respondents): 0.32 s of CPU with scipy's calls,
0.13 s with these.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import special, stats


class Chi2Result(NamedTuple):
    """What ``scipy.stats.chi2_contingency(correction=False)`` returns."""

    statistic: float
    pvalue: float
    dof: int
    expected_freq: np.ndarray


def chi2_independence(observed: np.ndarray) -> Chi2Result:
    """``scipy.stats.chi2_contingency(observed, correction=False)`` of a two-way table, bit for bit.

    Examples
    --------
    >>> round(float(chi2_independence(np.array([[10, 10, 20], [20, 20, 20]])).statistic), 6)
    2.777778
    """
    raw = np.asarray(observed)
    table = np.asarray(raw, dtype=np.float64)
    if table.ndim != 2 or table.size == 0 or not (np.isfinite(table).all() and table.min() >= 0):
        return _scipy_chi2(raw)
    # scipy's expected_freq: the product of the margins over the total
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    if not expected.min() > 0:
        return _scipy_chi2(raw)
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:
        return Chi2Result(0.0, 1.0, dof, expected)
    # scipy's _power_divergence with lambda_=1 on the flattened tables
    f_obs, f_exp = table.ravel(), expected.ravel()
    stat = ((f_obs - f_exp) ** 2 / f_exp).sum()
    return Chi2Result(stat, special.chdtrc(np.float64(dof), stat), dof, expected)


def _scipy_chi2(observed: np.ndarray) -> Chi2Result:
    chi2, p, dof, expected = stats.chi2_contingency(observed, correction=False)
    return Chi2Result(chi2, p, dof, expected)


def cramers_v(count: np.ndarray, statistic: float) -> float:
    """``scipy.stats.contingency.association(count, method="cramer")`` from the table's
    :func:`chi2_independence` statistic (``count`` of an integer dtype, as scipy requires).

    Examples
    --------
    >>> count = np.array([[100, 150], [203, 322], [420, 700], [320, 210]])
    >>> cramers_v(count, chi2_independence(count).statistic)
    0.18617813077483678
    """
    phi2 = statistic / count.sum()
    return math.sqrt(phi2 / min(count.shape[1] - 1, count.shape[0] - 1))


def f_sf(x: float, dfn: float, dfd: float) -> float:
    """``scipy.stats.f.sf(x, dfn, dfd)`` for scalars (``scipy.special.fdtrc`` inside the support)."""
    if 0 < x < math.inf and 0 < dfn < math.inf and 0 < dfd < math.inf:
        return float(special.fdtrc(dfn, dfd, x))
    return float(stats.f.sf(x, dfn, dfd))


def chi2_sf(x: float, df: float) -> float:
    """``scipy.stats.chi2.sf(x, df)`` for scalars (``scipy.special.chdtrc`` inside the support)."""
    if 0 < x < math.inf and 0 < df < math.inf:
        return float(special.chdtrc(df, x))
    return float(stats.chi2.sf(x, df))
