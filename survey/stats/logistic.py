"""Odds ratios of an indicator on categorical background variables, as R ``glm``/``svyglm``.

One fit per indicator (:func:`odds_ratios`): the respondents collapse to covariate patterns
(:mod:`survey.stats.patterns`), separated and aliased terms are found and set aside before
fitting (:mod:`survey.stats.separation`), the model is fitted by IRLS as R does
(:mod:`survey.stats.glmfit`), and each term gets its odds ratio, interval, p-value and a note
saying why it is NA where it is.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from survey.errors import DataError
from survey.stats.crosstabs import weight_array
from survey.stats.glmfit import BLAS_THREADS, blas_controller, first_step, irls, svyglm_cov
from survey.stats.patterns import Columns, Design, Patterns, code_label, pattern_sums
from survey.stats.separation import (
    SeparationLP,
    category_share,
    certifies_no_separation,
    estimable_terms,
)

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


# Long: the public function's numpydoc, with R's calls for each quantity (the body is 46 lines)
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
    it does) and its covariance (:func:`svyglm_cov`) times ``N/(N-1)``,
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
    with blas_controller().limit(limits=BLAS_THREADS, user_api="blas"):
        fit = _fit_logit(y, X, weights)
    design = fit.design
    terms = design.terms[1:]
    variables = [t.split("=", 1)[0] for t in terms]
    fitted = {t: k for k, t in enumerate(fit.terms)}
    separated = [
        t not in fit.aliased and (t not in fitted or var in fit.lost)
        for t, var in zip(terms, variables)
    ]
    at = [fitted.get(t, -1) for t in terms]
    coef = np.array([np.nan if gone or k < 0 else fit.params[k] for k, gone in zip(at, separated)])
    se = np.array([np.nan if gone or k < 0 else fit.bse[k] for k, gone in zip(at, separated)])
    if weights is not None:  # t on the residual df, as summary.svyglm and confint.svyglm
        se = se * np.sqrt(len(y) / (len(y) - 1))
        df = max(fit.n - len(fit.params), 1)
        p = 2 * stats.t.sf(np.abs(coef / se), df)
        q = stats.t.ppf(0.5 + level / 2, df)
    else:
        p = 2 * stats.norm.sf(np.abs(coef / se))
        q = stats.norm.ppf(0.5 + level / 2)
    half = q * se
    notes = [
        _separation_note(t, fit) if gone else ALIASED_NOTE if t in fit.aliased else ""
        for t, gone in zip(terms, separated)
    ]
    frame = pd.DataFrame(
        {
            "term": terms,
            "variable": variables,
            "category": [design.categories[t] for t in terms],
            "reference": [design.references[v] for v in variables],
            "log_odds": coef,
            "se": se,
            "odds_ratio": np.exp(coef),
            "ci_low": np.exp(coef - half),
            "ci_high": np.exp(coef + half),
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
        reference = fit.design.references[var]
        return (
            f"separation: every respondent in {var}={code_label(reference)} (the reference) answered "
            f"{int(fit.lost[var])}; odds ratios against it are infinite; term dropped"
        )
    share = fit.constant.get(term)
    if share is None:
        return "separation (linear programming check): not estimable; term dropped"
    answer = "1" if share == 1 else "0"
    return f"separation: every respondent in {term} answered {answer}; term dropped"


class _LogitFit(NamedTuple):
    """What :func:`odds_ratios` needs of a fit."""

    params: np.ndarray  # intercept first, then the estimable dummies
    bse: np.ndarray  # model SEs (unweighted) or svyglm's SEs (weighted, before N/(N-1))
    terms: list[str]  # the terms of params
    design: Design  # one row per covariate pattern, every dummy
    n: int  # respondents fitted (complete, not perfectly predicted)
    iterations: int  # IRLS iterations
    constant: dict[str, float]  # separated terms whose category's outcome is constant: that share
    lost: dict[str, float]  # variables whose reference category is predicted perfectly: its share
    aliased: tuple[str, ...] = ()  # terms collinear with earlier ones among the respondents fitted


def _svyglm_se(fit: Any, x: np.ndarray, kept: Patterns, n_design: int) -> np.ndarray:
    """R ``svyglm``'s standard errors (before ``N/(N-1)``) of a fit on the kept patterns."""
    params = fit.fit_history["params"]
    mu, mu_last = (fit.model.family.fitted(x @ np.asarray(b)) for b in (params[-1], params[-2]))
    return np.sqrt(np.diag(svyglm_cov(x, mu, mu_last, kept, n_design)))


def _complete_cases(
    y: pd.Series, X: pd.DataFrame, weights: pd.Series | None
) -> tuple[Columns, np.ndarray, np.ndarray]:
    """The codes of the respondents with an answer and every code, their 0/1 answers and weights.

    Weights are 1 unweighted.  Columns of numpy numbers are taken as arrays, the others
    as Series (:func:`~survey.stats.patterns.code_columns`).
    """
    w = weight_array(weights, y.index) if weights is not None else None
    values = y.to_numpy(dtype=float, na_value=np.nan)
    columns = {
        name: codes.to_numpy()
        if isinstance(codes.dtype, np.dtype) and codes.dtype.kind in "iuf"
        else codes
        for name, codes in X.items()
    }
    complete = ~np.isnan(values)
    for codes in columns.values():
        complete &= ~pd.isna(codes) if isinstance(codes, np.ndarray) else codes.notna().to_numpy()
    yy = values[complete]
    if not np.isin(yy, [0, 1]).all():
        raise DataError(f"indicator {y.name!r} must be 0/1")
    if len(np.unique(yy)) < 2:
        raise DataError(f"indicator {y.name!r} does not vary among complete cases")
    kept = {name: codes[complete] for name, codes in columns.items()}
    return kept, yy, np.ones(len(yy)) if w is None else w[complete]


class _Sample(NamedTuple):
    """The complete cases of one model, as :func:`_fit_kept` fits them."""

    name: str
    y: np.ndarray  # their 0/1 answers
    w: np.ndarray  # their weights (1 unweighted)
    weighted: bool
    n_design: int  # respondents passed (R svyglm's N)
    design: Design
    patterns: Patterns
    pattern: np.ndarray  # each respondent's pattern


def _fit_kept(sample: _Sample, keep: np.ndarray) -> tuple[_LogitFit, np.ndarray | None]:
    """The fit on the patterns ``keep``, and its score terms (:func:`certifies_no_separation`).

    The score terms are None when no respondent is left whose answer the model does not
    predict (then nothing is fitted).
    """
    design, patterns, pattern = sample.design, sample.patterns, sample.pattern
    columns, constant, lost, aliased_terms = estimable_terms(design, patterns, keep)[1:]
    kept = patterns.subset(keep, columns)
    if not 0 < kept.ones.sum() < kept.respondents.sum():
        empty = np.zeros(0)
        return _LogitFit(empty, empty, [], design, 0, 0, constant, {}), None
    x = kept.x
    rows = keep[pattern]
    scale = float(
        kept.w.sum() / kept.respondents.sum()
    )  # R's prior weights have mean 1 (svyglm rescales them)
    start = first_step(
        x, (np.cumsum(keep) - 1)[pattern[rows]], sample.y[rows], sample.w[rows] / scale
    )
    fit = irls(x, kept.w / scale, kept.wy / scale, sample.name, start)
    w = kept.w / scale
    share = np.clip(np.divide(kept.wy / scale, w, out=np.zeros_like(w), where=w > 0), 0.0, 1.0)
    result = _LogitFit(
        np.asarray(fit.params),
        np.asarray(fit.bse) if not sample.weighted else _svyglm_se(fit, x, kept, sample.n_design),
        [design.terms[k] for k in columns],
        design,
        int(kept.respondents.sum()),
        int(fit.fit_history["iteration"]) + 1,
        constant,
        {var: category_share(patterns, design.is_reference(var)) for var in lost},
        aliased_terms,
    )
    return result, w * (share - np.asarray(fit.mu))


class _Attempt(NamedTuple):
    """A fit made before knowing it is the last: its result or error, and its warnings."""

    keep: np.ndarray
    fit: _LogitFit | None
    score: np.ndarray | None
    error: DataError | None
    caught: list[warnings.WarningMessage]

    def certified(self, sample: _Sample, sign: np.ndarray) -> bool:
        return self.score is not None and certifies_no_separation(
            sample.design.x, sign, self.keep, self.score
        )

    def result(self) -> _LogitFit:
        """The fit, its warnings given now; or its error raised."""
        for w in self.caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if self.error is not None:
            raise self.error
        assert self.fit is not None
        return self.fit


def _attempt(sample: _Sample, keep: np.ndarray) -> _Attempt:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit, score = _fit_kept(sample, keep)
        except DataError as error:
            return _Attempt(keep, None, None, error, list(caught))
    return _Attempt(keep, fit, score, None, list(caught))


# Long: its Notes say why a fit on the patterns is R's, and when a solve is skipped (the body is 23 lines)
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
    The weighted covariance is R ``svyglm``'s, from per-pattern sums (:func:`svyglm_cov`).
    Time and memory grow with the number of patterns, not with the respondents.

    The linear programmes of :func:`separated_patterns` are solved only until
    a fit proves that none is left to find (:func:`certifies_no_separation`):
    where no category's answers are constant, the fit on every pattern is tried
    first, and where it proves that nothing is separated no programme is
    solved; after a solve that found patterns, the fit without them is tried
    before the next solve.  The patterns left out, and so the fit, are the
    same as those of solving until nothing new is found.
    """
    X = X if X.index.equals(y.index) else X.reindex(y.index)
    codes, yy, wc = _complete_cases(y, X, weights)
    design, patterns, pattern = pattern_sums(codes, yy, None if weights is None else wc)
    sample = _Sample(str(y.name), yy, wc, weights is not None, len(y), design, patterns, pattern)
    lp = SeparationLP(design.x, patterns.respondents, patterns.ones)
    found = np.zeros(len(design.x), dtype=bool)
    last = None
    if not _separation_evident(design, patterns, lp.sign, ~found):
        last = _attempt(sample, ~found)
        if last.certified(sample, lp.sign):
            return last.result()
    while not found[lp.pure].all():
        new = lp.newly_separated(found)
        if not new.any():
            break
        found |= new
        if not _separation_evident(design, patterns, lp.sign, ~found):
            last = _attempt(sample, ~found)
            if last.certified(sample, lp.sign):
                break
    if last is None or (last.keep != ~found).any():
        return _fit_kept(sample, ~found)[0]
    return last.result()


def _separation_evident(
    design: Design, patterns: Patterns, sign: np.ndarray, keep: np.ndarray
) -> bool:
    """Whether separation among the patterns ``keep`` is plain without a linear programme.

    No pattern with both answers, or a category (a dummy's, or a variable's reference)
    whose kept respondents all gave one answer: the programme then finds more, and a fit
    before it would be wasted.  Only the order of the work depends on it.
    """
    if not (sign[keep] == 0).any():
        return True
    x = design.x
    # respondents and 1s of every dummy's category, then of every reference (exact: counts)
    count, ones = x.T @ (patterns.respondents * keep), x.T @ (patterns.ones * keep)
    for var in design.references:
        dummies = [k for k in range(1, x.shape[1]) if design.variable(k) == var]
        count = np.append(count, count[0] - count[dummies].sum())
        ones = np.append(ones, ones[0] - ones[dummies].sum())
    count, ones = count[1:], ones[1:]
    return bool(((count > 0) & ((ones == 0) | (ones == count))).any())
