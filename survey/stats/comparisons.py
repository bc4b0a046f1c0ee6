"""Column-proportion comparisons: pairwise z tests, multiple-comparison corrections, letters.

Column letters follow SPSS CTABLES "compare column proportions": the banner
columns are lettered A, B, C... in the order of their labels; in every row,
each pair of columns gets a pooled two-proportion z test (:func:`pairwise_z`),
the p-values of the row are adjusted together (:data:`CORRECTIONS`), and a
column shows the letter of every column it is significantly larger than
(:func:`sig_letters`).  The banner tables of :mod:`survey.stats.crosstabs` use them.

The corrections are vectorised over the rows of a table (one family per row, NaN =
no test).  They reproduce statsmodels ``multipletests`` (tests/test_crosstabs.py
checks that); statsmodels itself is not called per row because its "holm" branch
runs ``gc.collect()`` on every call (30 ms each with a large frame in memory).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from string import ascii_uppercase

import numpy as np
from scipy import special

from survey.errors import PlanError

# --- multiple-comparison corrections -------------------------------------------


def _bonferroni(p: np.ndarray) -> np.ndarray:
    m = np.isfinite(p).sum(axis=1, keepdims=True)
    return np.minimum(p * m, 1.0)


def _holm(p: np.ndarray) -> np.ndarray:
    m = np.isfinite(p).sum(axis=1, keepdims=True)
    order = np.argsort(np.where(np.isfinite(p), p, np.inf), axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1)
    steps = (m - np.arange(p.shape[1])) * ranked
    adjusted = np.minimum(np.maximum.accumulate(np.nan_to_num(steps, nan=-np.inf), axis=1), 1.0)
    out = np.full_like(p, np.nan)
    np.put_along_axis(out, order, adjusted, axis=1)
    return np.where(np.isfinite(p), out, np.nan)


def _fdr_bh(p: np.ndarray) -> np.ndarray:
    m = np.isfinite(p).sum(axis=1, keepdims=True)
    order = np.argsort(np.where(np.isfinite(p), p, np.inf), axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1)
    steps = np.where(np.isfinite(ranked), m * ranked / np.arange(1, p.shape[1] + 1), np.inf)
    adjusted = np.minimum(np.minimum.accumulate(steps[:, ::-1], axis=1)[:, ::-1], 1.0)
    out = np.full_like(p, np.nan)
    np.put_along_axis(out, order, adjusted, axis=1)
    return np.where(np.isfinite(p), out, np.nan)


CORRECTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "bonferroni": _bonferroni,
    "holm": _holm,
    "fdr_bh": _fdr_bh,
    "none": lambda p: p,
}


def adjust_pvalues(p: np.ndarray, correction: str = "bonferroni") -> np.ndarray:
    """Adjust p-values within each row of a 2-D array; NaN entries are not tests.

    Parameters
    ----------
    p : ndarray
        Shape (rows, tests); each row is one family.
    correction : str
        A key of :data:`CORRECTIONS` (statsmodels ``multipletests`` method names).

    Examples
    --------
    >>> adjust_pvalues(np.array([[0.01, 0.04, np.nan]]), "bonferroni").tolist()
    [[0.02, 0.08, nan]]
    """
    return CORRECTIONS[check_correction(correction)](np.atleast_2d(np.asarray(p, dtype=float)))


def check_correction(name: str) -> str:
    """``name`` when it is a key of :data:`CORRECTIONS`; else a :class:`PlanError` listing them."""
    if name not in CORRECTIONS:
        raise PlanError(f"unknown correction {name!r}; valid: {', '.join(CORRECTIONS)}")
    return name


# --- column letters ---------------------------------------------------------------


def column_letters(n: int) -> list[str]:
    """Letters of ``n`` banner columns: A..Z, then AA, AB...

    Examples
    --------
    >>> column_letters(3)
    ['A', 'B', 'C']
    """
    out = list(ascii_uppercase[:n])
    for first in ascii_uppercase:
        if len(out) >= n:
            break
        out += [first + second for second in ascii_uppercase][: n - len(out)]
    return out


def pairwise_z(props: np.ndarray, bases: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled two-proportion z tests between every pair of columns of every row.

    ``z = (p_i - p_j) / sqrt(p (1 - p) (1/n_i + 1/n_j))`` with the pooled
    ``p = (n_i p_i + n_j p_j) / (n_i + n_j)``, two-sided ``p = 2 (1 - Phi(|z|))``,
    the statistic of statsmodels ``proportions_ztest`` and SPSS CTABLES.  A column
    takes part in a row only if its base is at least 2 and its proportion lies
    strictly between 0 and 1 (SPSS leaves such columns out of the comparisons);
    other pairs get NaN.

    Parameters
    ----------
    props : ndarray, shape (rows, columns)
        Proportions (0-1).
    bases : ndarray, shape (columns,) or (rows, columns)
        The n of each proportion (effective n for weighted tables).

    Returns
    -------
    (i, j, p_value)
        Column indices of each pair (``i < j``) and p-values, shape (rows, pairs).
    """
    props = np.atleast_2d(props)
    bases = np.broadcast_to(bases, props.shape)
    i, j = np.triu_indices(props.shape[1], 1)
    usable = (bases >= 2) & (props > 0) & (props < 1)
    n1, n2, p1, p2 = bases[:, i], bases[:, j], props[:, i], props[:, j]
    pooled = (n1 * p1 + n2 * p2) / np.where(n1 + n2 > 0, n1 + n2, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    # scipy.stats.norm.sf is special.ndtr(-x); called directly (the generic distribution's
    # argument handling cost more than the arithmetic; it differs only where z is not finite,
    # and those pairs are not usable)
    pvalue = np.where(usable[:, i] & usable[:, j], 2 * special.ndtr(-np.abs(z)), np.nan)
    return i, j, pvalue


def sig_letters(
    props: np.ndarray,
    bases: np.ndarray,
    *,
    correction: str = "bonferroni",
    alpha: float = 0.05,
    letters: Sequence[str] | None = None,
) -> np.ndarray:
    """Letters of the columns each column is significantly larger than, per row.

    Parameters
    ----------
    props, bases
        As for :func:`pairwise_z`.
    correction : str
        How the p-values of one row are adjusted (:data:`CORRECTIONS`).
    alpha : float
        Two-sided significance level applied to the adjusted p-values.
    letters : sequence of str, optional
        The columns' letters; :func:`column_letters` by default.

    Returns
    -------
    ndarray of str, shape (rows, columns)

    Examples
    --------
    >>> sig_letters(np.array([[0.5, 0.2]]), np.array([100, 100])).tolist()
    [['B', '']]
    """
    props = np.atleast_2d(np.asarray(props, dtype=float))
    letters = list(letters) if letters is not None else column_letters(props.shape[1])
    i, j, pvalue = pairwise_z(props, np.asarray(bases, dtype=float))
    significant = adjust_pvalues(pvalue, correction) < alpha
    beats = np.zeros(props.shape + (props.shape[1],), dtype=bool)  # beats[row, winner, loser]
    first_larger = props[:, i] > props[:, j]
    rows = np.arange(props.shape[0])[:, None]
    beats[rows, i, j] = significant & first_larger
    beats[rows, j, i] = significant & ~first_larger
    out = np.full(props.shape, "", dtype=object)
    for loser, letter in enumerate(letters):
        out = out + np.where(beats[:, :, loser], letter, "")
    return out
