"""Separation and aliasing in a logistic model, found before fitting.

Where a category's respondents all gave one answer (or, generally, a direction of the
coefficients predicts some patterns perfectly), the maximum-likelihood estimate is
infinite; where dummies are collinear among the respondents fitted, R ``glm`` gives NA.
Both are found here on the covariate patterns (:mod:`survey.stats.patterns`), so that such
terms are flagged and left out instead of printed.  The linear programme of
:func:`separated_patterns` is R brglm2 / detectseparation's, which has no Python
counterpart: ours, tested against R (``tests/reference/models``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from survey.stats.patterns import Patterns


class Estimable(NamedTuple):
    """What :func:`estimable_terms` sets aside, and what is left to fit."""

    keep: np.ndarray  # patterns not predicted perfectly
    columns: list[str]  # the intercept and the terms to fit
    constant: dict[str, float]  # separated terms whose category gave one answer: that answer
    lost: dict[str, list[str]]  # variables whose reference is predicted perfectly: their terms
    aliased: tuple[str, ...]  # terms collinear with earlier ones among the patterns kept


def estimable_terms(patterns: Patterns) -> Estimable:
    """The patterns and terms a fit can estimate: separation, lost references and aliasing set aside.

    Patterns predicted perfectly (:func:`separated_patterns`) are left out, and with them
    the dummies that no remaining respondent has; a variable whose reference category is
    predicted perfectly keeps its other categories, the first as its baseline (not
    reported: :func:`lost_references`); terms collinear with earlier ones are dropped
    (:func:`aliased_columns`).
    """
    x_all = patterns.design.to_numpy()
    keep = ~separated_patterns(x_all, patterns.respondents, patterns.ones)
    columns = [c for k, c in enumerate(patterns.design.columns) if k == 0 or x_all[keep, k].any()]
    constant = constant_terms(
        patterns, [c for c in patterns.design.columns[1:] if c not in columns]
    )
    lost = lost_references(patterns, keep, columns)
    for terms in lost.values():  # the first category left is the baseline of the fit (not reported)
        columns.remove(terms[0])
    aliased = aliased_columns(patterns.design.loc[keep, columns].to_numpy())
    aliased_terms = tuple(columns[k] for k in np.flatnonzero(aliased))
    columns = [c for c in columns if c not in aliased_terms]
    return Estimable(keep, columns, constant, lost, aliased_terms)


#: A linear-programming direction ``x'b`` larger than this separates a pattern.
_LP_TOL = 1e-7


def separated_patterns(x: np.ndarray, count: np.ndarray, ones: np.ndarray) -> np.ndarray:
    """Covariate patterns a logistic model predicts perfectly (complete or quasi-complete separation).

    The maximum-likelihood estimate is infinite exactly when some direction
    ``b`` has ``x'b >= 0`` on every pattern whose respondents all answered 1,
    ``x'b <= 0`` on every pattern whose respondents all answered 0, ``x'b =
    0`` on patterns with both answers, and ``x'b != 0`` somewhere (Albert and
    Anderson 1984).  The linear programme of Konis (2007), as R brglm2's
    ``detect_separation``, maximises the sum of ``+-x'b`` over the pure
    patterns within ``-1 <= b <= 1`` (scipy ``linprog``, HiGHS); the patterns
    with ``+-x'b > 0`` are separated, and the programme is solved again with
    only the others in the objective (all constraints kept) until it finds no
    new one: the directions form a convex cone, so this collects every
    pattern any direction separates.  A category whose outcome is constant
    is the common case.

    Parameters
    ----------
    x : ndarray, shape (patterns, coefficients)
        Design rows of the patterns.
    count, ones : ndarray
        Respondents and respondents with y = 1 per pattern.

    Returns
    -------
    ndarray of bool
        True for the patterns predicted perfectly.

    Examples
    --------
    >>> x = np.array([[1, 0], [1, 1]])  # intercept; group 2
    >>> separated_patterns(x, np.array([10, 5]), np.array([4, 5])).tolist()  # group 2: everyone 1
    [False, True]
    """
    from scipy.optimize import linprog

    sign = np.where(ones == count, 1.0, np.where(ones == 0, -1.0, 0.0))
    pure, mixed = sign != 0, sign == 0
    signed = x[pure] * sign[pure][:, None]
    found = np.zeros(int(pure.sum()), dtype=bool)
    while not found.all():
        res = linprog(
            -signed[~found].sum(axis=0),
            A_ub=-signed,
            b_ub=np.zeros(len(signed)),
            A_eq=x[mixed] if mixed.any() else None,
            b_eq=np.zeros(int(mixed.sum())) if mixed.any() else None,
            bounds=(-1, 1),
            method="highs",
        )
        new = (signed @ res.x > _LP_TOL) & ~found if res.status == 0 else np.zeros_like(found)
        if not new.any():
            break
        found |= new
    out = np.zeros(len(x), dtype=bool)
    out[np.flatnonzero(pure)] = found
    return out


def aliased_columns(x: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Columns of ``x`` that are linear combinations of the columns before them.

    R ``glm`` (its QR with ``tol = 1e-7``) gives such a coefficient as NA, "not
    defined because of singularities", and fits the others without it; with few
    respondents two banner variables' dummies often coincide.  Greedy in column
    order, as R's pivoting moves only the dependent columns to the end.

    Examples
    --------
    >>> x = np.array([[1, 0, 0], [1, 1, 1], [1, 0, 0]])  # the last dummy repeats the second
    >>> aliased_columns(x).tolist()
    [False, False, True]
    """
    out = np.zeros(x.shape[1], dtype=bool)
    if len(x) == 0:
        return out
    kept: list[int] = []
    for k in range(x.shape[1]):
        if np.linalg.matrix_rank(
            x[:, [*kept, k]], tol=tol * max(1.0, float(np.abs(x).max()))
        ) > len(kept):
            kept.append(k)
        else:
            out[k] = True
    return out


def is_reference(design: pd.DataFrame, var: str) -> np.ndarray:
    """Patterns in the reference category of ``var`` (none of its dummies set)."""
    dummies = [c for c in design.columns[1:] if c.split("=", 1)[0] == var]
    return ~design[dummies].to_numpy().any(axis=1)


def category_share(patterns: Patterns, has: np.ndarray) -> float:
    return float(patterns.ones[has].sum() / patterns.respondents[has].sum())


def lost_references(
    patterns: Patterns, keep: np.ndarray, columns: list[str]
) -> dict[str, list[str]]:
    """Variables whose reference category is predicted perfectly, with their terms still in ``columns``.

    Every odds ratio of such a variable is against a category with an infinite
    log-odds: all its terms are separated.  Its other categories stay in the fit
    (the first as its baseline) so that the other variables' estimates are the
    limits of the maximum-likelihood fit.
    """
    out = {}
    for var in dict.fromkeys(c.split("=", 1)[0] for c in patterns.design.columns[1:]):
        left = [c for c in columns[1:] if c.split("=", 1)[0] == var]
        if left and not (is_reference(patterns.design, var) & keep).any():
            out[var] = left
    return out


def constant_terms(patterns: Patterns, terms: list[str]) -> dict[str, float]:
    """Of the separated ``terms``, those whose category's respondents all gave one answer: that answer."""
    out = {}
    for term in terms:
        has = patterns.design[term].to_numpy() == 1
        share = category_share(patterns, has)
        if share in (0.0, 1.0):
            out[term] = float(share)
    return out
