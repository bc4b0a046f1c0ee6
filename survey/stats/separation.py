"""Separation and aliasing in a logistic model, found before fitting.

Where a category's respondents all gave one answer (or, generally, a direction of the
coefficients predicts some patterns perfectly), the maximum-likelihood estimate is
infinite; where dummies are collinear among the respondents fitted, R ``glm`` gives NA.
Both are found here on the covariate patterns (:mod:`survey.stats.patterns`), so that such
terms are flagged and left out instead of printed.  The linear programme of
:func:`separated_patterns` is R brglm2 / detectseparation's, which has no Python
counterpart: ours, tested against R (``tests/reference/models``).  A fit's score can prove
that a solve would find nothing (:func:`certifies_no_separation`); the odds ratios of the
study's 18 models then need 8 solves instead of 24 (``linprog`` about 0.25 s down to 0.1 s
under cProfile), with the same patterns set aside (``tests/test_models_separation.py``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from survey.stats.patterns import Design, Patterns


class Estimable(NamedTuple):
    """What :func:`estimable_terms` sets aside, and what is left to fit."""

    keep: np.ndarray  # patterns not predicted perfectly
    columns: list[int]  # the design columns to fit: the intercept and the terms
    constant: dict[str, float]  # separated terms whose category gave one answer: that answer
    lost: dict[str, list[int]]  # variables whose reference is predicted perfectly: their columns
    aliased: tuple[str, ...]  # terms collinear with earlier ones among the patterns kept


def estimable_terms(design: Design, patterns: Patterns, keep: np.ndarray) -> Estimable:
    """The terms a fit on the patterns ``keep`` can estimate: lost references and aliasing set aside.

    ``keep``: the patterns not predicted perfectly (:func:`separated_patterns`).  The
    dummies that no kept respondent has are left out; a variable whose reference category
    is predicted perfectly keeps its other categories, the first as its baseline (not
    reported: :func:`lost_references`); terms collinear with earlier ones are dropped
    (:func:`aliased_columns`).
    """
    x_all = design.x
    present = x_all[keep].any(axis=0)
    columns = [k for k in range(x_all.shape[1]) if k == 0 or present[k]]
    constant = constant_terms(
        design, patterns, [k for k in range(1, x_all.shape[1]) if not present[k]]
    )
    lost = lost_references(design, keep, columns)
    for terms in lost.values():  # the first category left is the baseline of the fit (not reported)
        columns.remove(terms[0])
    aliased = aliased_columns(x_all[np.ix_(keep, np.asarray(columns, dtype=np.intp))])
    aliased_terms = tuple(design.terms[columns[k]] for k in np.flatnonzero(aliased))
    columns = [c for c in columns if design.terms[c] not in aliased_terms]
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
    lp = SeparationLP(x, count, ones)
    found = np.zeros(len(x), dtype=bool)
    while not found[lp.pure].all():
        new = lp.newly_separated(found)
        if not new.any():
            break
        found |= new
    return found


class SeparationLP:
    """The linear programme of :func:`separated_patterns`, one solve at a time.

    :func:`separated_patterns` solves it until it finds no new pattern; a caller that
    can prove otherwise that no pattern is left to find (:func:`certifies_no_separation`)
    may stop before the last solve, which would find nothing.
    """

    def __init__(self, x: np.ndarray, count: np.ndarray, ones: np.ndarray) -> None:
        self.x = x
        self.sign = np.where(ones == count, 1.0, np.where(ones == 0, -1.0, 0.0))
        self.pure, self.mixed = self.sign != 0, self.sign == 0
        self.signed = x[self.pure] * self.sign[self.pure][:, None]

    def newly_separated(self, found: np.ndarray) -> np.ndarray:
        """Patterns a direction separates beyond ``found`` (those of the last solves)."""
        from scipy.optimize import linprog

        mixed = self.mixed
        done = found[self.pure]
        res = linprog(
            -self.signed[~done].sum(axis=0),
            A_ub=-self.signed,
            b_ub=np.zeros(len(self.signed)),
            A_eq=self.x[mixed] if mixed.any() else None,
            b_eq=np.zeros(int(mixed.sum())) if mixed.any() else None,
            bounds=(-1, 1),
            method="highs",
        )
        new = (self.signed @ res.x > _LP_TOL) & ~done if res.status == 0 else np.zeros_like(done)
        out = np.zeros(len(self.x), dtype=bool)
        out[np.flatnonzero(self.pure)] = new
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
    tol = tol * max(1.0, float(np.abs(x).max()))
    if np.linalg.matrix_rank(x, tol=tol) == x.shape[1]:
        return out  # every set of columns has singular values at least the smallest of all (interlacing)
    kept: list[int] = []
    for k in range(x.shape[1]):
        if np.linalg.matrix_rank(x[:, [*kept, k]], tol=tol) > len(kept):
            kept.append(k)
        else:
            out[k] = True
    return out


def certifies_no_separation(
    x: np.ndarray, sign: np.ndarray, keep: np.ndarray, score: np.ndarray
) -> bool:
    """Whether a fit's score terms prove that no kept pattern can be separated.

    A proof that :class:`SeparationLP` would find no pattern among ``keep``, so
    that its solve can be skipped.  By Stiemke's theorem no direction ``b``
    separates a pure pattern exactly when there are multipliers ``v`` over the
    patterns with ``sum_i v_i x_i = 0``, ``sign_i v_i > 0`` on the pure
    patterns, and any sign on the mixed ones; then for every ``b`` of the
    programme (``+-x_i'b >= 0`` on the pure patterns, ``x_m'b = 0`` on the
    mixed, ``|b_j| <= 1``) and every pure pattern ``i``, ``sign_i x_i'b <=
    ||sum v x||_1 / (sign_i v_i)``.  A fit's score terms ``v_i = W_i (s_i -
    mu_i)`` on the kept patterns (weights, shares, fitted means; 0 elsewhere)
    are such multipliers up to its convergence; they are corrected by the
    least-norm step that cancels the rest, and the residual ``sum v x`` is
    summed exactly (``x`` is 0/1, so every term is a float and ``math.fsum``
    rounds the sum once).  The proof holds when that bound is under half
    :data:`_LP_TOL` for every kept pure pattern: the programme's exact optimum
    then separates none of them.  When it does not hold (separation, or too
    little margin) the answer is False and the programme decides.

    Parameters
    ----------
    x : ndarray
        Design rows of all patterns (0/1).
    sign : ndarray
        +1 (all answered 1), -1 (all 0) or 0 (both) per pattern.
    keep : ndarray of bool
        The patterns fitted; the others are already known to be separated.
    score : ndarray
        The fit's ``W (s - mu)`` per kept pattern.
    """
    xk = x[keep]
    if not np.isin(xk, (0.0, 1.0)).all():
        return False
    v = score + np.linalg.lstsq(xk.T, -(xk.T @ score), rcond=None)[0]
    margin = (sign[keep] * v)[sign[keep] != 0]
    if len(margin) == 0:
        return True
    if not (margin > 0).all():
        return False
    residual = np.array([math.fsum(v[column == 1]) for column in xk.T])
    bound = float(np.sum(np.abs(residual) + np.spacing(np.abs(residual))))
    return bound <= 0.5 * _LP_TOL * float(margin.min())


def category_share(patterns: Patterns, has: np.ndarray) -> float:
    return float(patterns.ones[has].sum() / patterns.respondents[has].sum())


def lost_references(design: Design, keep: np.ndarray, columns: list[int]) -> dict[str, list[int]]:
    """Variables whose reference category is predicted perfectly, with their columns still in ``columns``.

    Every odds ratio of such a variable is against a category with an infinite
    log-odds: all its terms are separated.  Its other categories stay in the fit
    (the first as its baseline) so that the other variables' estimates are the
    limits of the maximum-likelihood fit.
    """
    out = {}
    for var in dict.fromkeys(design.variable(k) for k in range(1, len(design.terms))):
        left = [c for c in columns[1:] if design.variable(c) == var]
        if left and not (design.is_reference(var) & keep).any():
            out[var] = left
    return out


def constant_terms(design: Design, patterns: Patterns, columns: list[int]) -> dict[str, float]:
    """Of the separated ``columns``, those whose category's respondents all gave one answer: that answer."""
    out = {}
    for k in columns:
        share = category_share(patterns, design.x[:, k] == 1)
        if share in (0.0, 1.0):
            out[design.terms[k]] = float(share)
    return out
