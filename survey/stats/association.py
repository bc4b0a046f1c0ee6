"""Tests of independence of a banner table: Pearson, Cramér's V, Fisher, Rao-Scott.

The table is the substantive codes of a question by the banner categories;
respondents with another code, no answer or no banner code are outside it,
exactly as R ``subset(design, row %in% substantive & !is.na(col))`` of an
``svydesign(ids = ~1, weights = ~w)`` design treats them before ``svychisq``:
the variance keeps the full sample size, the degrees of freedom count the
table's respondents.  Pass the whole sample, not a pre-filtered one.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.contingency import association

from survey.stats.crosstabs import _code_text, _sums, encode, weight_array

LOW_BASE = 30
LOW_EXPECTED = 5.0
TEST_KEYS = [
    "pearson_chi2", "pearson_df", "pearson_p", "cramers_v",
    "rao_scott_f", "rao_scott_df1", "rao_scott_df2", "rao_scott_p", "rao_scott_chisq", "rao_scott_chisq_p",
    "fisher_p", "min_expected", "low_expected", "low_expected_share", "low_base_columns", "n_base",
]


def table_tests(
    row: pd.Series, col: pd.Series, weights: pd.Series | None = None, *,
    substantive_codes: Collection[Hashable],
) -> dict[str, Any]:
    """Tests of independence of a question by a banner.

    Parameters
    ----------
    row : Series
        Codes of the question (NaN: not asked).
    col : Series
        Banner codes (NaN: outside the banner).
    weights : Series, optional
        Respondent weights; None means weights of 1 for the Rao-Scott test.
    substantive_codes : collection
        Row codes that enter the table; all others are left out.

    Returns
    -------
    dict
        Keys :data:`TEST_KEYS`.  On the table of unweighted counts after
        dropping all-zero rows and columns: ``pearson_*`` (scipy
        ``chi2_contingency(correction=False)``), ``cramers_v`` (scipy
        ``association(method="cramer")``), ``fisher_p`` (scipy ``fisher_exact``,
        2x2 tables with an expected count under 5 only, else NaN),
        ``min_expected``, ``low_expected`` (any expected count < 5) and
        ``low_expected_share`` (share of such cells, as SPSS footnotes).
        Design-based, with the weights: ``rao_scott_f`` with ``rao_scott_df1``,
        ``rao_scott_df2`` and ``rao_scott_p`` equal R ``svychisq(~row + col,
        design, statistic = "F")`` (second-order Rao-Scott); ``rao_scott_chisq``
        is the Pearson X^2 of the weighted table rescaled to the sample size and
        ``rao_scott_chisq_p`` its first-order corrected p-value
        (``statistic = "Chisq"``).  ``low_base_columns``: ";"-joined banner
        codes whose base (respondents in the table) is under 30.  Statistics
        that need a table of at least 2x2 are NaN otherwise.

    Examples
    --------
    >>> r = pd.Series([1, 1, 1, 2, 2, 2, 1, 2] * 5)
    >>> c = pd.Series([1, 1, 2, 2, 2, 2, 1, 1] * 5)
    >>> round(table_tests(r, c, substantive_codes=[1, 2])["pearson_chi2"], 3)
    10.0
    """
    w = None if weights is None else weight_array(weights, row.index)
    col = col.reindex(row.index)
    r_codes = sorted(set(substantive_codes))
    c_codes = sorted(pd.Series(pd.unique(col.to_numpy())).dropna().tolist())
    r = encode(row, r_codes, "row", strict=False)
    c = encode(col, c_codes, "banner")
    grid = (len(r_codes) + 1, len(c_codes) + 1)
    sums = [m.reshape(grid)[:-1, :-1] for m in _sums(r * grid[1] + c, w, grid[0] * grid[1])]
    used_rows, used_cols = sums[0].sum(axis=1) > 0, sums[0].sum(axis=0) > 0
    count, wsum, w2sum = (m[used_rows][:, used_cols] for m in sums)
    c_codes = [k for k, used in zip(c_codes, used_cols) if used]
    shape = count.shape
    result: dict[str, Any] = dict.fromkeys(TEST_KEYS, np.nan)
    col_base = count.sum(axis=0)
    result["low_base_columns"] = ";".join(_code_text(k) for k, b in zip(c_codes, col_base) if b < LOW_BASE)
    result["n_base"] = int(count.sum())
    result["low_expected"] = False
    if min(shape) < 2:
        return result
    result.update(_pearson(count))
    result.update(rao_scott(count, wsum, w2sum, n_design=len(row)))
    return result


def _pearson(count: np.ndarray) -> dict[str, Any]:
    count = count.round().astype(np.int64)
    chi2, p, dof, expected = stats.chi2_contingency(count, correction=False)
    fisher = np.nan
    if count.shape == (2, 2) and expected.min() < LOW_EXPECTED:
        fisher = float(stats.fisher_exact(count).pvalue)
    return {
        "pearson_chi2": float(chi2), "pearson_df": int(dof), "pearson_p": float(p),
        "cramers_v": float(association(count, method="cramer")),
        "fisher_p": fisher, "min_expected": float(expected.min()),
        "low_expected": bool((expected < LOW_EXPECTED).any()),
        "low_expected_share": float((expected < LOW_EXPECTED).mean()),
    }


def rao_scott(count: np.ndarray, wsum: np.ndarray, w2sum: np.ndarray, n_design: int | None = None) -> dict[str, float]:
    """Rao-Scott corrections of Pearson's X^2 for a design ``svydesign(ids=~1, weights=~w)``.

    Follows R ``survey:::svychisq.survey.design`` step by step: cell
    proportions ``p`` with their linearisation covariance ``V`` (``svymean`` of
    the cell indicators: ``N/(N-1) sum w_i^2 (e_i - p)(e_i - p)' / (sum w)^2``
    with ``N`` the respondents of the whole design), the contrasts ``C`` of
    the interaction columns residualised on the main effects,
    ``Delta = (C' D^-1 C / n)^-1 C' D^-1 V D^-1 C`` with ``D = diag(p)``,
    ``F = X^2 / tr(Delta)`` on ``d0 = tr(Delta)^2 / tr(Delta^2)`` and
    ``d0 (n - 1)`` degrees of freedom (``n`` respondents in the table), and the
    first-order p-value of ``X^2 / mean(diag(Delta))`` on ``(r-1)(c-1)`` df.
    ``X^2`` is the Pearson statistic of the weighted table rescaled to total
    ``n``.

    Parameters
    ----------
    count, wsum, w2sum : ndarray, shape (rows, columns)
        Respondents, sums of weights and of squared weights per cell; every
        row and column has a respondent.
    n_design : int, optional
        Respondents in the whole design (``count.sum()`` by default).  R's
        ``subset()`` keeps the design's sample size for the variance (the
        ``fpc$sampsize`` slot) while ``degf()`` counts only the subset, so the
        table's respondents are a domain of the full sample.
    """
    n_rows, n_cols = count.shape
    n = int(count.sum())
    big_n = n if n_design is None else n_design
    w_cells, w2_cells = wsum.ravel(order="F"), w2sum.ravel(order="F")  # R: rows vary fastest
    total, total2 = w_cells.sum(), w2_cells.sum()
    p = w_cells / total
    V = big_n / (big_n - 1) / total**2 * (
        np.diag(w2_cells) - np.outer(w2_cells, p) - np.outer(p, w2_cells) + total2 * np.outer(p, p)
    )
    C = _interaction_contrasts(n_rows, n_cols)
    inv_p = np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0)
    denom = C.T @ (inv_p[:, None] / n * C)
    numer = C.T @ (inv_p[:, None] * V * inv_p[None, :]) @ C
    delta = np.linalg.solve(denom, numer)
    trace, trace2 = np.trace(delta), np.trace(delta @ delta)
    d0 = trace**2 / trace2
    chisq = stats.chi2_contingency(wsum * n / total, correction=False)[0]
    f = chisq / trace
    df = (n_rows - 1) * (n_cols - 1)
    return {
        "rao_scott_f": float(f), "rao_scott_df1": float(d0), "rao_scott_df2": float(d0 * (n - 1)),
        "rao_scott_p": float(stats.f.sf(f, d0, d0 * (n - 1))),
        "rao_scott_chisq": float(chisq),
        "rao_scott_chisq_p": float(stats.chi2.sf(chisq / (trace / df), df)),
    }


def _interaction_contrasts(n_rows: int, n_cols: int) -> np.ndarray:
    """Interaction columns of ``~rows*cols`` residualised on ``~rows+cols`` (R's Cmat)."""
    rows = np.tile(np.arange(n_rows), n_cols)
    cols = np.repeat(np.arange(n_cols), n_rows)
    row_dummies = (rows[:, None] == np.arange(1, n_rows)).astype(float)
    col_dummies = (cols[:, None] == np.arange(1, n_cols)).astype(float)
    main = np.column_stack([np.ones(len(rows)), row_dummies, col_dummies])
    inter = (row_dummies[:, :, None] * col_dummies[:, None, :]).reshape(len(rows), -1)
    coef, *_ = np.linalg.lstsq(main, inter, rcond=None)
    return inter - main @ coef
