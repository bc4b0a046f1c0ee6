"""Tests of independence of a banner table: Pearson, Cramér's V, Fisher, Rao-Scott; multiple response.

The table is the substantive codes of a question by the banner categories;
respondents with another code, no answer or no banner code are outside it,
exactly as R ``subset(design, row %in% substantive & !is.na(col))`` of an
``svydesign(ids = ~1, weights = ~w)`` design treats them before ``svychisq``:
the variance keeps the full sample size, the degrees of freedom count the
table's respondents.  Pass the whole sample, not a pre-filtered one.

Rao-Scott refuses, as R does, when its design matrix is singular: empty cells
that close a cycle of the bipartite graph of rows and columns (a 2x2 rectangle
of empty cells, or a longer cycle) make the interaction contrasts restricted to
the non-empty cells rank-deficient, which is where R's ``solve()`` stops with
"system is computationally singular".  That is decided on the integer counts
(:func:`empty_cell_cycles`), so it never depends on rounding or the BLAS; a
table that is not singular but whose ``C' D^-1 C`` has a reciprocal condition
number under :data:`RCOND_LIMIT` is refused too.  Either way the statistic is
NA and ``rao_scott_note`` says why.

The multiple-response tests (:func:`mmi_test`) are ours because no maintained
Python library has them: Bilder and Loughin (2004), written from the paper's
Appendix A (the formulas of the R package MRCV's ``MI.test(type = "rs2")``).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from survey.stats import pearson
from survey.stats.crosstabs import LOW_BASE
from survey.stats.encoding import cell_sums, code_text, encode, weight_array

LOW_EXPECTED = 5.0
#: Rao-Scott is refused when ``C' D^-1 C`` has a reciprocal condition number under this.
RCOND_LIMIT = 1e-10
RAO_SCOTT_KEYS = [
    "rao_scott_f",
    "rao_scott_df1",
    "rao_scott_df2",
    "rao_scott_p",
    "rao_scott_chisq",
    "rao_scott_chisq_p",
]
TEST_KEYS = [
    "pearson_chi2",
    "pearson_df",
    "pearson_p",
    "cramers_v",
    *RAO_SCOTT_KEYS,
    "fisher_p",
    "min_expected",
    "low_expected",
    "low_expected_share",
    "low_base_columns",
    "n_base",
    "pearson_rows",
    "pearson_cols",
    "pearson_n",
    "rao_scott_rows",
    "rao_scott_cols",
    "rao_scott_n",
    "rao_scott_note",
]
MMI_KEYS = [
    "mmi_chi2",
    "mmi_rs2_chi2",
    "mmi_rs2_df",
    "mmi_rs2_p",
    "mmi_bonferroni_p",
    "mmi_options",
    "mmi_rows",
    "mmi_n",
]


# Long: public API; its numpydoc docstring (every key returned) is 43 lines, the body 11
def table_tests(
    row: pd.Series,
    col: pd.Series,
    weights: pd.Series | None = None,
    *,
    substantive_codes: Collection[Any],
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
        that need a table of at least 2x2 are NaN otherwise.  ``pearson_rows``,
        ``pearson_cols``, ``pearson_n`` and ``rao_scott_rows``, ``rao_scott_cols``,
        ``rao_scott_n``: the table each test used (empty rows and columns are
        left out).  ``rao_scott_note``: why the Rao-Scott test is NA (a
        singular or ill-conditioned design), else empty.

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
    count, wsum, w2sum = (
        m.reshape(grid)[:-1, :-1] for m in cell_sums(r * grid[1] + c, w, grid[0] * grid[1])
    )
    return tests_from_sums(count, wsum, w2sum, len(row), c_codes)


def tests_from_sums(
    count: np.ndarray,
    wsum: np.ndarray,
    w2sum: np.ndarray,
    n_design: int,
    c_codes: list[Any],
    *,
    pearson: bool = True,
    rao: bool = True,
) -> dict[str, Any]:
    """:func:`table_tests` from a table's per-cell sums (rows and columns in sorted code order).

    Empty rows and columns are left out first; ``pearson`` and ``rao`` choose the tests
    (the others' keys stay NaN).
    """
    used_rows, used_cols = count.sum(axis=1) > 0, count.sum(axis=0) > 0
    count, wsum, w2sum = (m[used_rows][:, used_cols] for m in (count, wsum, w2sum))
    c_codes = [k for k, used in zip(c_codes, used_cols) if used]
    result = empty_result(c_codes, count)
    if pearson:
        result.update(table_shape(count, "pearson"))
    if rao:
        result.update(table_shape(count, "rao_scott"))
    if min(count.shape) < 2:
        return result
    if pearson:
        result.update(_pearson(count))
    if rao:
        result.update(rao_scott(count, wsum, w2sum, n_design=n_design))
    return result


def empty_result(c_codes: list[Any], count: np.ndarray) -> dict[str, Any]:
    """:data:`TEST_KEYS` with NaN statistics, the low-base columns and the base of a table."""
    result: dict[str, Any] = dict.fromkeys(TEST_KEYS, np.nan)
    col_base = count.sum(axis=0)
    result["low_base_columns"] = ";".join(
        code_text(k) for k, b in zip(c_codes, col_base) if b < LOW_BASE
    )
    result["n_base"] = int(count.sum())
    result["low_expected"] = False
    result["rao_scott_note"] = ""
    return result


def table_shape(count: np.ndarray, test: str) -> dict[str, int]:
    """``<test>_rows``, ``<test>_cols``, ``<test>_n``: the dimensions and respondents of a test's table."""
    return {
        f"{test}_rows": int(count.shape[0]),
        f"{test}_cols": int(count.shape[1]),
        f"{test}_n": int(count.sum()),
    }


def empty_cell_cycles(count: np.ndarray) -> int:
    """Rank lost by the Rao-Scott contrasts to the table's empty cells.

    The interaction contrasts restricted to the non-empty cells lose one rank
    for every independent cycle of the bipartite graph whose nodes are the
    rows and columns and whose edges are the empty cells (a vector with zero
    row and column sums supported on the empty cells is such a cycle):
    ``edges - nodes touched + connected components``.  Integer arithmetic only.

    Examples
    --------
    >>> empty_cell_cycles(np.array([[0, 0, 3], [0, 0, 4], [5, 6, 7]]))  # a 2x2 block of empty cells
    1
    >>> empty_cell_cycles(np.array([[0, 0, 3], [0, 2, 4], [5, 6, 7]]))  # three empty cells, no cycle
    0
    """
    n_rows = count.shape[0]
    parent = list(range(n_rows + count.shape[1]))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    cycles = 0
    for i, j in zip(*np.nonzero(count == 0)):
        a, b = root(int(i)), root(n_rows + int(j))
        if a == b:
            cycles += 1
        else:
            parent[a] = b
    return cycles


def _pearson(count: np.ndarray) -> dict[str, Any]:
    count = count.round().astype(np.int64)
    chi2, p, dof, expected = pearson.chi2_independence(count)
    fisher = np.nan
    if count.shape == (2, 2) and expected.min() < LOW_EXPECTED:
        fisher = float(stats.fisher_exact(count).pvalue)
    return {
        "pearson_chi2": float(chi2),
        "pearson_df": int(dof),
        "pearson_p": float(p),
        "cramers_v": float(pearson.cramers_v(count, chi2)),
        "fisher_p": fisher,
        "min_expected": float(expected.min()),
        "low_expected": bool((expected < LOW_EXPECTED).any()),
        "low_expected_share": float((expected < LOW_EXPECTED).mean()),
    }


# Long: R survey:::svychisq.survey.design step by step; the docstring gives each formula
def rao_scott(
    count: np.ndarray, wsum: np.ndarray, w2sum: np.ndarray, n_design: int | None = None
) -> dict[str, Any]:
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

    Returns
    -------
    dict
        :data:`RAO_SCOTT_KEYS` and ``rao_scott_note``.  A singular design
        (:func:`empty_cell_cycles` > 0), where R stops, or one whose
        ``C' D^-1 C`` has a reciprocal condition number (smallest over largest
        eigenvalue) under :data:`RCOND_LIMIT` gives NaN statistics and the
        reason in ``rao_scott_note``.

    Examples
    --------
    >>> count = np.array([[0, 0, 3], [0, 0, 4], [5, 6, 7]], dtype=float)
    >>> rao_scott(count, count, count)["rao_scott_note"]
    'singular: 4 empty cells; collapse categories'
    """
    refused = dict.fromkeys(RAO_SCOTT_KEYS, np.nan)
    if empty_cell_cycles(count):
        return {
            **refused,
            "rao_scott_note": f"singular: {int((count == 0).sum())} empty cells; collapse categories",
        }
    n_rows, n_cols = count.shape
    n = int(count.sum())
    big_n = n if n_design is None else n_design
    w_cells, w2_cells = wsum.ravel(order="F"), w2sum.ravel(order="F")  # R: rows vary fastest
    total, total2 = w_cells.sum(), w2_cells.sum()
    p = w_cells / total
    V = (
        big_n
        / (big_n - 1)
        / total**2
        * (
            np.diag(w2_cells)
            - np.outer(w2_cells, p)
            - np.outer(p, w2_cells)
            + total2 * np.outer(p, p)
        )
    )
    C = _interaction_contrasts(n_rows, n_cols)
    inv_p = np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0)
    denom = C.T @ (inv_p[:, None] / n * C)
    eigen = np.linalg.eigvalsh(denom)
    if not eigen[0] > RCOND_LIMIT * eigen[-1]:
        return {
            **refused,
            "rao_scott_note": f"ill-conditioned: reciprocal condition number under {RCOND_LIMIT:g}; "
            "collapse categories",
        }
    numer = C.T @ (inv_p[:, None] * V * inv_p[None, :]) @ C
    delta = np.linalg.solve(denom, numer)
    trace, trace2 = np.trace(delta), np.trace(delta @ delta)
    d0 = trace**2 / trace2
    chisq = pearson.chi2_independence(wsum * n / total).statistic
    f = chisq / trace
    df = (n_rows - 1) * (n_cols - 1)
    return {
        "rao_scott_f": float(f),
        "rao_scott_df1": float(d0),
        "rao_scott_df2": float(d0 * (n - 1)),
        "rao_scott_p": pearson.f_sf(f, d0, d0 * (n - 1)),
        "rao_scott_chisq": float(chisq),
        "rao_scott_chisq_p": pearson.chi2_sf(chisq / (trace / df), df),
        "rao_scott_note": "",
    }


@functools.lru_cache(maxsize=64)
def _interaction_contrasts(n_rows: int, n_cols: int) -> np.ndarray:
    """Interaction columns of ``~rows*cols`` residualised on ``~rows+cols`` (R's Cmat);
    made once per shape (read-only)."""
    rows = np.tile(np.arange(n_rows), n_cols)
    cols = np.repeat(np.arange(n_cols), n_rows)
    row_dummies = (rows[:, None] == np.arange(1, n_rows)).astype(float)
    col_dummies = (cols[:, None] == np.arange(1, n_cols)).astype(float)
    main = np.column_stack([np.ones(len(rows)), row_dummies, col_dummies])
    inter = (row_dummies[:, :, None] * col_dummies[:, None, :]).reshape(len(rows), -1)
    coef, *_ = np.linalg.lstsq(main, inter, rcond=None)
    contrasts = inter - main @ coef
    contrasts.flags.writeable = False
    return contrasts


# Long: Bilder and Loughin (2004) Appendix A formula by formula, in the paper's order
def mmi_test(ticks: np.ndarray, group: np.ndarray) -> dict[str, Any]:
    """Bilder and Loughin's (2004) test of multiple marginal independence, and its Bonferroni version.

    A single-response variable (``group``, ``r`` categories) and a multi-select
    question (``ticks``, ``c`` options) are marginally independent when every
    option's share is the same in every category.  The statistic is the sum
    of the options' Pearson statistics, ``X2_S = sum_j X2_j`` (each on the
    ``r x 2`` table of the categories by ticked / not ticked).  Its reference
    distribution is a sum of ``lambda_k chi2_1``; the second-order Rao-Scott
    correction of the paper's Appendix A (as R MRCV ``MI.test(type = "rs2")``)
    uses ``sum lambda^2 = tr(M^2)``, ``M = D^-1 H B H'``: ``B`` block-diagonal
    with the within-category covariance of the ticks over ``a_i = n_i / n``,
    ``H`` subtracting the ``a``-weighted mean over categories, ``D =
    diag(pi_j (1 - pi_j) / a_i)`` with ``pi_j`` the option's overall share.
    ``X2_RS2 = (r - 1) c X2_S / tr(M^2)`` on ``((r - 1) c)^2 / tr(M^2)`` df.
    Bonferroni: ``min(1, c min_j p_j)`` with ``p_j`` the chi-square p-value
    of ``X2_j`` on ``r - 1`` df.  Unweighted (simple random sampling), as the
    paper.

    Parameters
    ----------
    ticks : ndarray, shape (n, c)
        0/1 of the respondents in the table (asked, with a category).
    group : ndarray of int, shape (n,)
        Their category, any integer codes.

    Returns
    -------
    dict
        :data:`MMI_KEYS`: ``mmi_chi2`` (``X2_S``), ``mmi_rs2_chi2``,
        ``mmi_rs2_df``, ``mmi_rs2_p``, ``mmi_bonferroni_p``, and the table used:
        ``mmi_options`` (``c``, options ticked by some but not all
        respondents), ``mmi_rows`` (``r``), ``mmi_n``.  NaN statistics when
        ``r < 2`` or ``c < 1``.

    Examples
    --------
    >>> ticks = np.array([[1, 0], [1, 1], [0, 0], [0, 1], [1, 0], [0, 0]])
    >>> round(mmi_test(ticks, np.array([1, 1, 1, 2, 2, 2]))["mmi_chi2"], 4)  # 0 + 0.6667
    0.6667
    """
    _, g = np.unique(group, return_inverse=True)
    g = g.ravel()
    y = np.asarray(ticks, dtype=float)
    n, r = len(g), int(g.max()) + 1 if len(g) else 0
    out: dict[str, Any] = dict.fromkeys(MMI_KEYS, np.nan)
    share = y.mean(axis=0) if n else np.zeros(y.shape[1])
    y = y[:, (share > 0) & (share < 1)]
    c = y.shape[1]
    out.update(mmi_options=c, mmi_rows=r, mmi_n=n)
    if r < 2 or c < 1:
        return out
    n_i = np.bincount(g, minlength=r).astype(float)
    t = np.vstack([np.bincount(g, weights=y[:, j], minlength=r) for j in range(c)]).T  # r x c ticks
    x2 = np.array(
        [
            pearson.chi2_independence(np.column_stack([n_i - t[:, j], t[:, j]])).statistic
            for j in range(c)
        ]
    )
    a, pi_i, pi = n_i / n, t / n_i[:, None], t.sum(axis=0) / n
    blocks = np.zeros((r * c, r * c))
    for i in range(r):
        yi = y[g == i]
        cov = yi.T @ yi / n_i[i] - np.outer(pi_i[i], pi_i[i])
        blocks[i * c : (i + 1) * c, i * c : (i + 1) * c] = cov / a[i]
    H = np.eye(r * c) - np.kron(np.outer(np.ones(r), a), np.eye(c))
    d = np.repeat(1 / a, c) * np.tile(pi * (1 - pi), r)
    M = (H @ blocks @ H.T) / d[:, None]
    sum_sq = float(np.sum(M * M.T))
    nu = (r - 1) * c
    stat, df = nu * float(x2.sum()) / sum_sq, nu**2 / sum_sq
    out.update(
        mmi_chi2=float(x2.sum()),
        mmi_rs2_chi2=stat,
        mmi_rs2_df=df,
        mmi_rs2_p=pearson.chi2_sf(stat, df),
        mmi_bonferroni_p=float(min(1.0, c * stats.chi2.sf(x2, r - 1).min())),
    )
    return out
