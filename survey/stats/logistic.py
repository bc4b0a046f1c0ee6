"""Logistic regression of an indicator on categorical background variables, as R ``glm``/``svyglm``.

statsmodels fits the model (its IRLS, on covariate patterns).  Three parts are ours because no
library does them: the first IRLS step from R's starting values (:func:`_first_step`), so the
fit takes R's path and stops at R's iterate; the covariance of R ``svyglm`` (:func:`_svyglm_cov`);
and the check for separation before fitting (:func:`separated_patterns`: the linear programme of
R brglm2 / detectseparation, which have no Python counterpart), so that infinite estimates are
flagged and left out instead of printed.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Hashable
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning
from threadpoolctl import ThreadpoolController

from survey.errors import DataError
from survey.stats.crosstabs import weight_array
from survey.stats.models import _categories

ODDS_COLUMNS = [
    "term",
    "variable",
    "category",
    "reference",
    "log_odds",
    "se",
    "odds_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
    "separation",
    "note",
    "iterations",
]


def odds_ratios(
    y: pd.Series,
    X: pd.DataFrame,
    weights: pd.Series | None = None,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Odds ratios of a 0/1 indicator on categorical background variables together.

    Parameters
    ----------
    y : Series
        The indicator (0/1, NaN = missing).
    X : DataFrame
        One column of category codes per background variable; treatment coding
        with the first category (categorical order, else smallest code) as the
        reference.
    weights : Series, optional
        Respondent weights.
    level : float
        Confidence level of the odds-ratio intervals.

    Returns
    -------
    DataFrame
        :data:`ODDS_COLUMNS`, one row per non-reference category; ``term`` is
        ``"<variable>=<category>"``, ``n`` the respondents the model was fitted
        on.  ``separation``: the term's maximum-likelihood estimate is infinite
        (every respondent of the category is predicted perfectly, see
        :func:`separated_patterns`); its estimates are NaN and ``note`` says
        why.  ``iterations``: the IRLS iterations to convergence (relative
        deviance change under :data:`IRLS_TOL`).  ``attrs["separation"]`` is
        True when any term is separated.

    Notes
    -----
    Separation is found before fitting, by linear programming on the
    covariate patterns (:func:`separated_patterns`, the check of R brglm2
    ``glm(..., method = "detect_separation")``).  The perfectly predicted
    respondents are set aside and the model is fitted to the others without
    the terms left with no respondents: those are the finite limits of the
    other coefficients as the separated ones run to infinity, i.e. what R
    ``glm`` reports for them when run to convergence, without its
    meaningless estimate for the separated term.

    Complete cases only, fitted on their covariate patterns (see
    :func:`_fit_logit`: the same estimates as a fit with one row per
    respondent), from R's starting values and by R's IRLS steps, so the
    estimates are R's last iterate and not only the same limit.  Unweighted:
    model standard errors and z tests, as R ``glm(family = binomial, control
    = glm.control(epsilon = 1e-14, maxit = 100))``.  Weighted: the
    quasibinomial estimates of R ``svyglm`` (weights rescaled to mean 1, as
    it does) and its covariance (:func:`_svyglm_cov`) times ``N/(N-1)``,
    ``N`` = all respondents passed (R's linearisation keeps the full sample
    size when it drops incomplete cases); p-values from t with ``n - k`` df (respondents fitted
    minus coefficients), as ``summary.svyglm``.  Intervals are Wald
    intervals: with the normal quantile unweighted (R ``confint.default``;
    ``confint.glm`` profiles the likelihood instead), with the t quantile on
    the same df weighted (``confint.svyglm``'s default, ``method = "Wald"``).

    Examples
    --------
    >>> y = pd.Series([1, 0, 1, 1, 0, 0, 1, 0])
    >>> X = pd.DataFrame({"sex": [1, 1, 1, 1, 2, 2, 2, 2]})
    >>> round(float(odds_ratios(y, X)["odds_ratio"].iloc[0]), 4)  # (1/3) / 3
    0.1111
    """
    with _blas().limit(limits=BLAS_THREADS, user_api="blas"):
        fit = _fit_logit(y, X, weights)
    design = fit.design
    terms = list(design.columns[1:])
    separated = [
        t not in fit.aliased and (t not in fit.params.index or t.split("=", 1)[0] in fit.lost)
        for t in terms
    ]
    coef = fit.params.reindex(terms).mask(separated)
    se = fit.bse.reindex(terms).mask(separated)
    if weights is not None:  # t on the residual df, as summary.svyglm and confint.svyglm
        se = se * np.sqrt(len(y) / (len(y) - 1))
        df = max(fit.n - len(fit.params), 1)
        p = 2 * stats.t.sf(np.abs(coef / se), df)
        q = stats.t.ppf(0.5 + level / 2, df)
    else:
        p = 2 * stats.norm.sf(np.abs(coef / se))
        q = stats.norm.ppf(0.5 + level / 2)
    b, half = coef.to_numpy(), q * se.to_numpy()
    notes = [
        _separation_note(t, fit) if gone else ALIASED_NOTE if t in fit.aliased else ""
        for t, gone in zip(terms, separated)
    ]
    frame = pd.DataFrame(
        {
            "term": terms,
            "variable": [t.split("=", 1)[0] for t in terms],
            "category": [design.attrs["categories"][t] for t in terms],
            "reference": [design.attrs["references"][t.split("=", 1)[0]] for t in terms],
            "log_odds": b,
            "se": se.to_numpy(),
            "odds_ratio": np.exp(b),
            "ci_low": np.exp(b - half),
            "ci_high": np.exp(b + half),
            "p_value": np.asarray(p),
            "n": fit.n,
            "separation": separated,
            "note": notes,
            "iterations": fit.iterations,
        }
    )
    frame.attrs["separation"] = any(separated)
    return frame


#: ``note`` of a term collinear with earlier ones (:func:`aliased_columns`): NA, as R ``glm``.
ALIASED_NOTE = (
    "aliased: collinear with the terms before it among these respondents (R glm: NA, "
    "not defined because of singularities); term dropped"
)


def _separation_note(term: str, fit: _LogitFit) -> str:
    if fit.n == 0:
        return "complete separation: the covariates predict every answer; model not estimable"
    var = term.split("=", 1)[0]
    if var in fit.lost and fit.lost[var] in (0.0, 1.0):
        reference = fit.design.attrs["references"][var]
        return (
            f"separation: every respondent in {var}={_code_label(reference)} (the reference) answered "
            f"{int(fit.lost[var])}; odds ratios against it are infinite; term dropped"
        )
    share = fit.constant.get(term)
    if share is None:
        return "separation (linear programming check): not estimable; term dropped"
    answer = "1" if share == 1 else "0"
    return f"separation: every respondent in {term} answered {answer}; term dropped"


def _design_matrix(X: pd.DataFrame) -> pd.DataFrame:
    """Intercept plus treatment dummies; ``attrs`` keep categories and references."""
    columns: dict[str, np.ndarray] = {"intercept": np.ones(len(X))}
    categories: dict[str, Hashable] = {}
    references: dict[str, Hashable] = {}
    for name in X.columns:
        cats = _categories(X[name])
        if len(cats) < 2:
            raise DataError(
                f"background variable {name!r} has fewer than 2 categories among complete cases"
            )
        references[str(name)] = cats[0]
        for cat in cats[1:]:
            term = f"{name}={_code_label(cat)}"
            columns[term] = (X[name] == cat).to_numpy(dtype=float)
            categories[term] = cat
    design = pd.DataFrame(columns, index=X.index)
    design.attrs.update(categories=categories, references=references)
    return design


def _code_label(code: Hashable) -> str:
    return (
        str(int(code))
        if isinstance(code, (float, np.floating)) and float(code).is_integer()
        else str(code)
    )


#: IRLS stops when ``|dev - dev_old| / (|dev| + 0.1)`` is under this (R ``glm.control(epsilon)``).
IRLS_TOL = 1e-14
#: Most IRLS iterations; a fit that needs more is an error (separation is removed before fitting).
IRLS_MAXITER = 100
#: The fits run on one BLAS thread: their matrices are one row per covariate pattern (hundreds
#: to a few thousand rows, a few dozen columns), where OpenBLAS' second thread costs more than it
#: saves, and on a busy machine (both threads waiting for a core) a ``lstsq`` takes 100 ms instead
#: of 3 ms.  (:func:`odds_ratios` sets it with threadpoolctl.)
BLAS_THREADS = 1


@functools.cache
def _blas() -> ThreadpoolController:
    """threadpoolctl's view of the loaded BLAS libraries, found once (a search takes 20 ms)."""
    return ThreadpoolController()


#: A linear-programming direction ``x'b`` larger than this separates a pattern.
_LP_TOL = 1e-7


class _LogitFit(NamedTuple):
    """What :func:`odds_ratios` needs of a fit."""

    params: pd.Series  # intercept first, then the estimable dummies
    bse: pd.Series  # model SEs (unweighted) or svyglm's SEs (weighted, before N/(N-1))
    design: (
        pd.DataFrame
    )  # one row per covariate pattern, every dummy; attrs: categories, references
    n: int  # respondents fitted (complete, not perfectly predicted)
    iterations: int  # IRLS iterations
    constant: dict[
        str, float
    ]  # separated terms whose category's outcome is constant: that share (0 or 1)
    lost: dict[
        str, float
    ]  # variables whose reference category is predicted perfectly: its share of 1s
    aliased: tuple[str, ...] = ()  # terms collinear with earlier ones among the respondents fitted


class _Patterns(NamedTuple):
    """Complete cases collapsed to their covariate patterns (sums per pattern)."""

    design: pd.DataFrame  # intercept + treatment dummies, one row per pattern
    count: np.ndarray  # respondents
    ones: np.ndarray  # respondents with y = 1
    w: np.ndarray  # sum w (count when unweighted)
    wy: np.ndarray  # sum w y
    w2y: np.ndarray  # sum w^2 y
    w2n: np.ndarray  # sum w^2 (1 - y)


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


def _fit_logit(y: pd.Series, X: pd.DataFrame, weights: pd.Series | None) -> _LogitFit:
    """Logistic regression on complete cases, fitted on covariate patterns, separation set aside.

    Parameters
    ----------
    y : Series
        0/1 indicator, NaN = missing.
    X : DataFrame
        Category codes of the background variables (aligned to ``y``'s index).
    weights : Series, optional
        Respondent weights.

    Returns
    -------
    _LogitFit
        Coefficients and standard errors of the estimable terms, the patterns'
        design matrix (every term), the respondents fitted and the iterations.

    Notes
    -----
    Every respondent with the same codes has the same row of the design
    matrix, so the likelihood of the respondents is that of the patterns:
    ``GLM(sum w y / sum w, design, Binomial, var_weights = sum w)`` has the
    same score and Hessian, so the same MLE and model SEs, as the GLM with one
    row per respondent.  Patterns predicted perfectly
    (:func:`separated_patterns`) are left out, and with them the dummies
    that no remaining respondent has.  statsmodels' IRLS then runs until the
    relative deviance change is under :data:`IRLS_TOL` (R's criterion); one
    that does not converge in :data:`IRLS_MAXITER` iterations is an error.
    The weighted covariance is R ``svyglm``'s, from per-pattern sums (:func:`_svyglm_cov`).
    Time and memory grow with the number of patterns, not with the respondents.
    """
    w = weight_array(weights, y.index) if weights is not None else None
    X = X.reindex(y.index)
    complete = (y.notna() & X.notna().all(axis=1)).to_numpy()
    yy = y[complete].astype(float)
    if not yy.isin([0, 1]).all():
        raise DataError(f"indicator {y.name!r} must be 0/1")
    if yy.nunique() < 2:
        raise DataError(f"indicator {y.name!r} does not vary among complete cases")
    wc = np.ones(len(yy)) if w is None else w[complete]
    patterns, pattern = _pattern_sums(X[complete], yy.to_numpy(), None if w is None else wc)
    x_all = patterns.design.to_numpy()
    keep = ~separated_patterns(x_all, patterns.count, patterns.ones)
    columns = [c for k, c in enumerate(patterns.design.columns) if k == 0 or x_all[keep, k].any()]
    constant = _constant_terms(
        patterns, [c for c in patterns.design.columns[1:] if c not in columns]
    )
    lost = _lost_references(patterns, keep, columns)
    for terms in lost.values():  # the first category left is the baseline of the fit (not reported)
        columns.remove(terms[0])
    aliased = aliased_columns(patterns.design.loc[keep, columns].to_numpy())
    aliased_terms = tuple(columns[k] for k in np.flatnonzero(aliased))
    columns = [c for c in columns if c not in aliased_terms]
    kept = _Patterns(
        patterns.design.loc[keep, columns], *(np.asarray(a)[keep] for a in patterns[1:])
    )
    if (
        not 0 < kept.ones.sum() < kept.count.sum()
    ):  # nobody left whose answer the model does not predict
        empty = pd.Series(dtype=float)
        return _LogitFit(empty, empty, patterns.design, 0, 0, constant, {})
    x = kept.design.to_numpy()
    rows = keep[pattern]
    scale = float(
        kept.w.sum() / kept.count.sum()
    )  # R's prior weights have mean 1 (svyglm rescales them)
    start = _first_step(
        x, (np.cumsum(keep) - 1)[pattern[rows]], yy.to_numpy()[rows], wc[rows] / scale
    )
    fit = _irls(kept.design, kept.w / scale, kept.wy / scale, str(y.name), start)
    bse = fit.bse
    if weights is not None:
        params = fit.fit_history["params"]
        mu, mu_last = (fit.model.family.fitted(x @ np.asarray(b)) for b in (params[-1], params[-2]))
        bse = pd.Series(
            np.sqrt(np.diag(_svyglm_cov(x, mu, mu_last, kept, len(y)))), index=fit.params.index
        )
    n = int(kept.count.sum())
    return _LogitFit(
        fit.params,
        bse,
        patterns.design,
        n,
        int(fit.fit_history["iteration"]) + 1,
        constant,
        {var: _share(patterns, _is_reference(patterns.design, var)) for var in lost},
        aliased_terms,
    )


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


def _is_reference(design: pd.DataFrame, var: str) -> np.ndarray:
    """Patterns in the reference category of ``var`` (none of its dummies set)."""
    dummies = [c for c in design.columns[1:] if c.split("=", 1)[0] == var]
    return ~design[dummies].to_numpy().any(axis=1)


def _share(patterns: _Patterns, has: np.ndarray) -> float:
    return float(patterns.ones[has].sum() / patterns.count[has].sum())


def _lost_references(
    patterns: _Patterns, keep: np.ndarray, columns: list[str]
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
        if left and not (_is_reference(patterns.design, var) & keep).any():
            out[var] = left
    return out


def _constant_terms(patterns: _Patterns, terms: list[str]) -> dict[str, float]:
    """Of the separated ``terms``, those whose category's respondents all gave one answer: that answer."""
    out = {}
    for term in terms:
        has = patterns.design[term].to_numpy() == 1
        share = _share(patterns, has)
        if share in (0.0, 1.0):
            out[term] = float(share)
    return out


def _pattern_index(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Covariate pattern of every row, and one row of each pattern.

    Parameters
    ----------
    X : DataFrame
        Codes without missing values.

    Returns
    -------
    pattern : ndarray of int64
        0..P-1, rows with equal codes in every column share a number (in
        the lexicographic order of the columns' codes, each column's codes
        numbered in order of first appearance).
    first : ndarray of int64
        The first row of each pattern.
    """
    key = np.zeros(len(X), dtype=np.int64)
    size = 1
    for name in X.columns:
        codes, uniques = pd.factorize(X[name])
        if (
            size * len(uniques) > 2**62
        ):  # the product of the cardinalities would overflow: renumber first
            key = _renumber(key, size)
            size = int(key.max()) + 1 if len(key) else 1
        key = key * len(uniques) + codes
        size *= max(len(uniques), 1)
    pattern = _renumber(key, size)
    first = np.full(int(pattern.max()) + 1 if len(pattern) else 0, len(pattern), dtype=np.int64)
    np.minimum.at(first, pattern, np.arange(len(pattern)))
    return pattern, first


def _renumber(key: np.ndarray, size: int) -> np.ndarray:
    """Number the distinct values of ``key`` (all in ``0..size-1``) 0, 1, ... in ascending order."""
    if size <= 4 * len(key) + 1024:  # dense enough for a table of every possible key
        seen = np.zeros(size, dtype=bool)
        seen[key] = True
        return (np.cumsum(seen) - 1)[key]
    return np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64, copy=False)


def _pattern_sums(
    X: pd.DataFrame, y: np.ndarray, w: np.ndarray | None
) -> tuple[_Patterns, np.ndarray]:
    """Design matrix and sums of every covariate pattern of the complete cases.

    Parameters
    ----------
    X : DataFrame
        Codes of the complete cases.
    y : ndarray
        Their 0/1 answers.
    w : ndarray or None
        Their weights; None: every weight 1.

    Returns
    -------
    _Patterns
        One design row (:func:`_design_matrix` of each pattern's first
        respondent, so the same categories and references as for all
        respondents) and the sums of each pattern.
    pattern : ndarray of int64
        Each respondent's pattern (:func:`_pattern_index`).
    """
    pattern, first = _pattern_index(X)
    size = len(first)
    count = np.bincount(pattern, minlength=size).astype(float)
    ones = np.bincount(pattern, weights=y, minlength=size)
    if w is None:
        sums = (count, ones, ones, count - ones)
    else:
        ww = w * w
        sums = tuple(
            np.bincount(pattern, weights=v, minlength=size)
            for v in (w, w * y, ww * y, ww * (1 - y))
        )
    return _Patterns(_design_matrix(X.iloc[first]), count, ones, *sums), pattern


def _first_step(x: np.ndarray, pattern: np.ndarray, y: np.ndarray, pw: np.ndarray) -> np.ndarray:
    """The coefficients after R ``glm.fit``'s first IRLS iteration on the respondents.

    R starts every respondent at ``mu = (pw y + 1/2) / (pw + 1)`` (the binomial
    family's ``initialize``, ``pw`` the prior weights) and regresses the working
    response ``z = eta + (y - mu) / (mu (1 - mu))`` on the design with weights
    ``pw mu (1 - mu)``.  Those differ between respondents of one pattern, so
    the pattern sums of the weights and of weight times ``z`` give the same
    normal equations.  From there on every respondent of a pattern has the
    same ``eta`` and the fit on the patterns takes R's steps.
    """
    mu = (pw * y + 0.5) / (pw + 1)
    weight = pw * mu * (1 - mu)
    z = np.log(mu / (1 - mu)) + (y - mu) / (mu * (1 - mu))
    sw = np.bincount(pattern, weights=weight, minlength=len(x))
    swz = np.bincount(pattern, weights=weight * z, minlength=len(x))
    root = np.sqrt(sw)
    return np.linalg.lstsq(
        x * root[:, None], np.divide(swz, root, out=np.zeros_like(sw), where=root > 0), rcond=None
    )[0]


def _irls(
    design: pd.DataFrame,
    w: np.ndarray,
    wy: np.ndarray,
    name: str,  # type: ignore[no-untyped-def]
    start: np.ndarray,
):
    """statsmodels' IRLS on the patterns from R's first step, to R ``glm``'s convergence criterion.

    Parameters
    ----------
    design : DataFrame
        One row per covariate pattern.
    w, wy : ndarray
        Sum of weights and of weight times y per pattern.
    name : str
        The indicator (for the error).
    start : ndarray
        R's coefficients after its first iteration (:func:`_first_step`).

    Returns
    -------
    GLMResultsWrapper
        statsmodels' results after convergence: ``|dev - dev_old| <= IRLS_TOL
        (|dev| + 0.1)`` with ``dev`` the respondents' deviance (the patterns'
        plus :func:`_saturated_deviance`), R's test.  statsmodels' iteration
        ``k`` is R's ``k + 1`` and takes the same step, so the coefficients are
        R's last iterate and the model covariance is R's ``cov.unscaled``: both
        come from the weights of the iteration before the last.

    Raises
    ------
    DataError
        Not converged in :data:`IRLS_MAXITER` iterations.
    """
    share = np.clip(np.divide(wy, w, out=np.zeros_like(w), where=w > 0), 0.0, 1.0)
    model = GLM(share, design, family=Binomial(), var_weights=w)
    saturated = len(design) <= design.shape[1]  # statsmodels' unused WLS scale would divide by 0 df
    with (
        warnings.catch_warnings(),
        np.errstate(**({"divide": "ignore", "invalid": "ignore"} if saturated else {})),
    ):
        warnings.simplefilter(
            "ignore", PerfectSeparationWarning
        )  # separation is removed beforehand
        fit = model.fit(
            start_params=start,
            maxiter=IRLS_MAXITER - 1,
            tol=IRLS_TOL * (_saturated_deviance(w, share) + 0.1),
            rtol=IRLS_TOL,
        )
    if not fit.converged:
        raise DataError(
            f"the logistic regression of {name!r} did not converge in {IRLS_MAXITER} iterations"
        )
    return fit


def _saturated_deviance(w: np.ndarray, share: np.ndarray) -> float:
    """The respondents' deviance minus the patterns': ``-2 sum w (s log s + (1 - s) log(1 - s))``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(
            (share > 0) & (share < 1), share * np.log(share) + (1 - share) * np.log1p(-share), 0.0
        )
    return float(-2 * np.sum(w * terms))


def _svyglm_cov(
    x: np.ndarray, mu: np.ndarray, mu_last: np.ndarray, patterns: _Patterns, n_design: int
) -> np.ndarray:
    """R ``svyglm``'s covariance of the coefficients (before ``N/(N-1)``), from per-pattern sums.

    ``svy.varcoef`` takes ``A = cov.unscaled`` (the inverse of ``sum_i w_i m_i
    (1 - m_i) x_i x_i'`` with ``m`` the fitted values of the iteration before
    the last, as ``glm``'s working weights) and the estimating functions
    ``u_i = x_i w_i m_i (1 - m_i) (y_i - mu_i) / (mu_i (1 - mu_i))`` (working
    residuals at the final ``mu``), and gives ``A U A`` with ``U = sum_i (u_i -
    ubar)(u_i - ubar)'`` over the design's ``N`` rows (``svyrecvar`` pads the
    rows a subset dropped with zeros).  Within a pattern ``x``, ``mu`` and
    ``m`` are shared and y is 0/1, so ``sum w^2 (y - mu)^2 = S2Y (1 - mu)^2 +
    S2N mu^2`` (``S2Y = sum w^2 y``, ``S2N = sum w^2 (1 - y)``), without the
    cancellation of ``S2Y (1 - 2 mu) + mu^2 S2`` near 0 or 1.  ``A`` is a
    pseudo-inverse when the Hessian is singular (statsmodels' model SEs also
    use one).  The scale of the weights cancels.
    """
    hessian = (x * (patterns.w * mu_last * (1 - mu_last))[:, None]).T @ x
    try:
        bread = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:  # collinear dummies, or a category of zero weights only
        bread = np.linalg.pinv(hessian)
    ratio = mu_last * (1 - mu_last) / (mu * (1 - mu))
    meat = (x * (ratio**2 * (patterns.w2y * (1 - mu) ** 2 + patterns.w2n * mu * mu))[:, None]).T @ x
    total = x.T @ (ratio * (patterns.wy - patterns.w * mu))
    return bread @ (meat - np.outer(total, total) / n_design) @ bread
