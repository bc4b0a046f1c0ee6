"""Agreement by background, logistic regression on background, scale reliability.

Weighted results follow R ``survey`` for a design ``svydesign(ids = ~1,
weights = ~w)`` of the whole sample: pass every respondent, not a filtered
frame, because R keeps the full sample size in domain variances.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import NamedTuple

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from survey.stats.crosstabs import weight_array
from survey.errors import DataError

AGREEMENT_COLUMNS = ["item", "banner", "category", "estimate", "n_base", "ci_low", "ci_high"]
WEIGHTED_COLUMNS = ["weighted_estimate", "weighted_se", "weighted_ci_low", "weighted_ci_high", "deff", "n_eff"]
ODDS_COLUMNS = [
    "term", "variable", "category", "reference", "log_odds", "se",
    "odds_ratio", "ci_low", "ci_high", "p_value", "n",
]


def _categories(values: pd.Series) -> list[Hashable]:
    """Categories in order: a categorical's own order, else sorted observed codes."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique())
        return [c for c in values.cat.categories if c in present]
    return sorted(values.dropna().unique().tolist())


def _indicator_matrix(indicators: pd.DataFrame) -> np.ndarray:
    y = indicators.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(y) & (y != 0) & (y != 1)
    if bad.any():
        name = indicators.columns[int(np.argmax(bad.any(axis=0)))]
        raise DataError(f"indicator {name!r} has values other than 0, 1 and missing")
    return y


def agreement_by(
    indicators: pd.DataFrame, banner: pd.DataFrame, weights: pd.Series | None = None, *, level: float = 0.95,
) -> pd.DataFrame:
    """Share of 1s of every indicator in every category of every banner variable.

    Parameters
    ----------
    indicators : DataFrame
        One 0/1 column per item; NaN = not asked or no substantive answer
        (outside that item's base).
    banner : DataFrame
        One column of codes per banner variable (same index); NaN = outside.
    weights : Series, optional
        Respondent weights; adds the weighted columns.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        :data:`AGREEMENT_COLUMNS` (unweighted share, base and Wilson interval
        from statsmodels ``proportion_confint``), plus with weights
        :data:`WEIGHTED_COLUMNS`: the weighted share and its domain standard
        error as R ``svyby(~y, ~banner, design, svymean, na.rm = TRUE)``
        (``sqrt(N/(N-1) sum w^2 (y - p)^2) / sum w`` over the domain's
        respondents with an answer, ``N`` = all respondents passed), the logit
        interval of R ``svyby(..., svyciprop, method = "logit")``
        (``expit(logit p +- t * se / (p (1 - p)))``, t with the domain's
        respondents minus 1 as df), ``deff`` as R ``svymean(..., deff =
        "replace")`` (variance over ``p (1 - p) / (n_base - 1)``) and ``n_eff =
        n_base / deff`` (the definitions of :func:`survey.stats.inference.proportion`).
        Categories are a categorical's order or the sorted codes.

    Examples
    --------
    >>> y = pd.DataFrame({"agree": [1, 0, 1, 1, np.nan, 0]})
    >>> b = pd.DataFrame({"sex": [1, 1, 1, 2, 2, 2]})
    >>> agreement_by(y, b)[["category", "estimate", "n_base"]].values.tolist()
    [[1, 0.6666666666666666, 3], [2, 0.5, 2]]
    """
    y = _indicator_matrix(indicators)
    w = weight_array(weights, indicators.index) if weights is not None else None
    banners = []
    for name in banner.columns:
        codes = banner[name].reindex(indicators.index)
        cats = _categories(codes)
        idx = _category_index(codes, cats)
        banners.append((name, cats, np.where(idx >= 0, idx, len(cats))))  # outside: an extra last bin
    sums = _domain_sums(y, w, [(bins, len(cats)) for _, cats, bins in banners])
    frames = []
    for (name, cats, bins), banner_sums in zip(banners, sums):
        frame = _domain_frame(banner_sums, list(indicators.columns), name, cats, level)
        if weights is not None:
            domain_n = np.bincount(bins, minlength=len(cats) + 1)[:len(cats)]
            frame = frame.join(_weighted_frame(banner_sums, len(y), domain_n, level))
        frames.append(frame)
    columns = AGREEMENT_COLUMNS + (WEIGHTED_COLUMNS if weights is not None else [])
    return pd.concat(frames, ignore_index=True)[columns]


def _category_index(codes: pd.Series, cats: list[Hashable]) -> np.ndarray:
    """Position of every respondent's code in ``cats``; -1 for missing codes.

    Parameters
    ----------
    codes : Series
        One banner variable's codes.
    cats : list
        Its categories (:func:`_categories`).

    Returns
    -------
    ndarray of int64
        The same positions as ``pd.Index(cats).get_indexer`` of the codes as
        Python objects, found without converting every code to an object.
    """
    if isinstance(codes.dtype, pd.CategoricalDtype):
        remap = np.full(len(codes.cat.categories) + 1, -1, dtype=np.int64)  # the last slot takes code -1 (NaN)
        remap[codes.cat.categories.get_indexer(cats)] = np.arange(len(cats))
        return remap[codes.cat.codes.to_numpy()]
    if pd.api.types.is_numeric_dtype(codes.dtype):
        values = codes.to_numpy(dtype=float, na_value=np.nan)
        return pd.Index(np.asarray(cats, dtype=float)).get_indexer(values).astype(np.int64, copy=False)
    return pd.Index(cats).get_indexer(codes.astype(object).where(codes.notna(), None)).astype(np.int64, copy=False)


def _domain_sums(
    y: np.ndarray, w: np.ndarray | None, banners: list[tuple[np.ndarray, int]],
) -> list[dict[str, np.ndarray]]:
    """Per-category sums of every item, for every banner variable.

    Parameters
    ----------
    y : ndarray
        Respondents x items, 0/1 or NaN (:func:`_indicator_matrix`).
    w : ndarray or None
        Respondent weights; None: only the unweighted sums ``n`` and ``x``.
    banners : list of (ndarray, int)
        Each banner variable's bins and number of categories ``k``: the
        category positions of :func:`_category_index`, ``k`` for
        respondents outside the banner.

    Returns
    -------
    list of dict
        Per banner variable, categories x items arrays: ``n`` answers, ``x``
        ones, and with weights ``w`` = sum w, ``wy`` = sum w y, ``w2`` = sum
        w^2, ``w2y`` = sum w^2 y over the respondents with an answer.

    Notes
    -----
    One item's products are made once and summed into every banner with
    ``np.bincount`` (the extra bin of respondents outside is dropped), so
    memory holds one item's products at a time.  bincount adds each
    category's respondents in row order, as the sparse one-hot matrix product
    this replaces did, so the sums are bit-identical.
    """
    kinds = ["n", "x"] if w is None else ["n", "x", "w", "wy", "w2", "w2y"]
    out = [{kind: np.zeros((size, y.shape[1])) for kind in kinds} for _, size in banners]
    ww = w * w if w is not None else None
    for item in range(y.shape[1]):
        column = y[:, item]
        valid = ~np.isnan(column)
        y0 = np.where(valid, column, 0.0)
        products = {"n": valid.astype(float), "x": y0}
        if w is not None and ww is not None:
            products.update(w=valid * w, wy=y0 * w, w2=valid * ww, w2y=y0 * ww)
        for sums, (bins, size) in zip(out, banners):
            for kind, values in products.items():
                sums[kind][:, item] = np.bincount(bins, weights=values, minlength=size + 1)[:size]
    return out


def _domain_frame(
    sums: dict[str, np.ndarray], items: list[str], banner: str, cats: list[Hashable], level: float,
) -> pd.DataFrame:
    n, x = sums["n"].T.ravel(), sums["x"].T.ravel()  # item-major: every category of item 1 first
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = proportion_confint(x, np.where(n > 0, n, 1), alpha=1 - level, method="wilson")
        estimate = np.where(n > 0, x / n, np.nan)
    return pd.DataFrame({
        "item": np.repeat(items, len(cats)), "banner": banner,
        "category": pd.Series(cats * len(items), dtype=object),
        "estimate": estimate, "n_base": n.round().astype(np.int64),
        "ci_low": np.where(n > 0, low, np.nan), "ci_high": np.where(n > 0, high, np.nan),
    })


def _weighted_frame(sums: dict[str, np.ndarray], n_design: int, domain_n: np.ndarray, level: float) -> pd.DataFrame:
    wsum, wy, w2, w2y = (sums[k].T.ravel() for k in ("w", "wy", "w2", "w2y"))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(wsum > 0, wy / wsum, np.nan)
        squares = w2y * (1 - 2 * p) + p * p * w2  # sum w^2 (y - p)^2
        se = np.sqrt(n_design / (n_design - 1) * squares) / wsum
        df = np.tile(domain_n, sums["w"].shape[1]) - 1
        half = stats.t.ppf(0.5 + level / 2, np.where(df > 0, df, np.nan)) * se / (p * (1 - p))
        logit = np.log(p / (1 - p))
        expit = lambda v: 1 / (1 + np.exp(-v))
        n = sums["n"].T.ravel()
        deff = se**2 / (p * (1 - p) / (n - 1))
        return pd.DataFrame({
            "weighted_estimate": p, "weighted_se": se,
            "weighted_ci_low": expit(logit - half), "weighted_ci_high": expit(logit + half),
            "deff": deff, "n_eff": n / deff,
        })


def odds_ratios(
    y: pd.Series, X: pd.DataFrame, weights: pd.Series | None = None, *, level: float = 0.95,
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
        ``"<variable>=<category>"``, ``n`` the complete cases used.
        ``attrs["separation"]`` is True when statsmodels' perfect-separation test
        held (the model's odds ratios are not identified; a
        :class:`~statsmodels.tools.sm_exceptions.PerfectSeparationWarning` is
        issued too).

    Notes
    -----
    Complete cases only, fitted on their covariate patterns (see
    :func:`_fit_logit`: the same estimates as a fit with one row per
    respondent, in time and memory that do not grow with the respondents).
    Unweighted: statsmodels ``GLM(Binomial)`` with model standard errors and
    z tests, as R ``glm(family = binomial)``.  Weighted:
    the same GLM with ``var_weights = w`` (the quasibinomial point estimates of
    R ``svyglm``) and the HC0 sandwich covariance times ``N/(N-1)``, ``N`` =
    all respondents passed (R's linearisation keeps the full sample size when
    it drops incomplete cases); p-values from t with ``n - k`` df (complete
    cases minus coefficients), as ``summary.svyglm``.  Intervals are Wald
    intervals with the normal quantile in both cases (``confint.svyglm``'s
    default; R's ``confint.glm`` profiles the likelihood instead).

    Examples
    --------
    >>> y = pd.Series([1, 0, 1, 1, 0, 0, 1, 0])
    >>> X = pd.DataFrame({"sex": [1, 1, 1, 1, 2, 2, 2, 2]})
    >>> round(float(odds_ratios(y, X)["odds_ratio"].iloc[0]), 4)  # (1/3) / 3
    0.1111
    """
    fit = _fit_logit(y, X, weights)
    coef, se = fit.params.iloc[1:], fit.bse.iloc[1:]
    if weights is not None:
        se = se * np.sqrt(len(y) / (len(y) - 1))
        p = 2 * stats.t.sf(np.abs(coef / se), fit.n - len(fit.params))
    else:
        p = 2 * stats.norm.sf(np.abs(coef / se))
    q = stats.norm.ppf(0.5 + level / 2)
    design = fit.design
    terms = design.columns[1:]
    b, half = coef.to_numpy(), q * se.to_numpy()
    with np.errstate(over="ignore"):  # a separated model's interval runs to infinity, and says so
        odds, low, high = np.exp(b), np.exp(b - half), np.exp(b + half)
    return pd.DataFrame({
        "term": terms,
        "variable": [t.split("=", 1)[0] for t in terms],
        "category": [design.attrs["categories"][t] for t in terms],
        "reference": [design.attrs["references"][t.split("=", 1)[0]] for t in terms],
        "log_odds": b, "se": se.to_numpy(), "odds_ratio": odds, "ci_low": low, "ci_high": high,
        "p_value": np.asarray(p), "n": fit.n,
    }).pipe(_with_separation, fit.separated)


def _with_separation(frame: pd.DataFrame, separated: bool) -> pd.DataFrame:
    frame.attrs["separation"] = separated
    return frame


def _design_matrix(X: pd.DataFrame) -> pd.DataFrame:
    """Intercept plus treatment dummies; ``attrs`` keep categories and references."""
    columns: dict[str, np.ndarray] = {"intercept": np.ones(len(X))}
    categories: dict[str, Hashable] = {}
    references: dict[str, Hashable] = {}
    for name in X.columns:
        cats = _categories(X[name])
        if len(cats) < 2:
            raise DataError(f"background variable {name!r} has fewer than 2 categories among complete cases")
        references[str(name)] = cats[0]
        for cat in cats[1:]:
            term = f"{name}={_code_label(cat)}"
            columns[term] = (X[name] == cat).to_numpy(dtype=float)
            categories[term] = cat
    design = pd.DataFrame(columns, index=X.index)
    design.attrs.update(categories=categories, references=references)
    return design


def _code_label(code: Hashable) -> str:
    return str(int(code)) if isinstance(code, (float, np.floating)) and float(code).is_integer() else str(code)


#: IRLS stops when the deviance changes by at most this between iterations:
#: statsmodels' default, as the per-respondent fit (see :func:`_fit_logit`).
_IRLS_TOL = 1e-8
#: Most IRLS iterations, counting the first step from statsmodels' starting values.
_IRLS_MAXITER = 100
#: statsmodels flags perfect separation when ``np.allclose(mu - y, 0)``: every
#: respondent's fitted probability within this of their 0/1 answer.
_SEPARATION_ATOL = 1e-8


class _LogitFit(NamedTuple):
    """What :func:`odds_ratios` needs of a fit."""

    params: pd.Series  # intercept first, then the design's dummies
    bse: pd.Series  # model SEs (unweighted) or HC0 sandwich SEs (weighted, before N/(N-1))
    design: pd.DataFrame  # one row per covariate pattern; attrs: categories, references
    n: int  # complete respondents
    separated: bool  # statsmodels' perfect-separation test held (a warning was issued)


class _Patterns(NamedTuple):
    """Complete cases collapsed to their covariate patterns (sums per pattern)."""

    design: pd.DataFrame  # intercept + treatment dummies, one row per pattern
    count: np.ndarray  # respondents
    ones: np.ndarray  # respondents with y = 1
    w: np.ndarray  # sum w (count when unweighted)
    wy: np.ndarray  # sum w y
    w2y: np.ndarray  # sum w^2 y
    w2n: np.ndarray  # sum w^2 (1 - y)


def _fit_logit(y: pd.Series, X: pd.DataFrame, weights: pd.Series | None) -> _LogitFit:
    """Logistic regression on complete cases, fitted on covariate patterns.

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
        Coefficients, standard errors, the patterns' design matrix and the
        number of complete respondents.

    Notes
    -----
    Every respondent with the same codes has the same row of the design
    matrix, so the likelihood of the respondents is that of the patterns:
    ``GLM(sum w y / sum w, design, Binomial, var_weights = sum w)`` has the
    same score and Hessian, so the same MLE and model SEs, as the GLM with one
    row per respondent, and its deviance differs from theirs by a constant.
    Started from the coefficients of statsmodels' first iteration on the
    respondents (:func:`_first_irls_step`), IRLS on the patterns takes the
    same steps as on the respondents and, the deviance changes being equal,
    stops at the same iteration (``tol = _IRLS_TOL``, statsmodels' default):
    the results agree with the per-respondent fit to rounding, separated
    models included.  A tighter tolerance is not wanted: statsmodels, like R
    ``glm``, takes the model SEs from the last iteration's weights, so it
    would move them away from R's, and it would run separated models on
    until their Hessian is singular.

    The weighted HC0 sandwich comes from per-pattern sums (:func:`_hc0_cov`).
    statsmodels' perfect-separation test is applied to the respondents
    (:func:`_predicts_everyone`), not to the patterns (a saturated model fits
    every pattern's share exactly); when it holds, a
    :class:`~statsmodels.tools.sm_exceptions.PerfectSeparationWarning` is
    issued, as by the per-respondent fit.

    Time and memory grow with the number of patterns (at most the product of
    the variables' numbers of categories), not with the respondents.
    """
    w = weight_array(weights, y.index) if weights is not None else None
    X = X.reindex(y.index)
    complete = (y.notna() & X.notna().all(axis=1)).to_numpy()
    yy = y[complete].astype(float)
    if not yy.isin([0, 1]).all():
        raise DataError(f"indicator {y.name!r} must be 0/1")
    if yy.nunique() < 2:
        raise DataError(f"indicator {y.name!r} does not vary among complete cases")
    patterns = _pattern_sums(X[complete], yy.to_numpy(), None if w is None else w[complete])
    x = patterns.design.to_numpy()
    fit, iterates = _irls(patterns.design, patterns.w, patterns.wy)
    separated = _predicts_everyone(iterates, x, patterns.count, patterns.ones)
    if separated:
        warnings.warn("Perfect separation or prediction detected, parameter may not be identified",
                      PerfectSeparationWarning, stacklevel=3)
    bse = fit.bse
    if weights is not None:
        mu = fit.model.family.fitted(x @ fit.params.to_numpy())
        bse = pd.Series(np.sqrt(np.diag(_hc0_cov(x, mu, patterns))), index=fit.params.index)
    return _LogitFit(fit.params, bse, patterns.design, int(complete.sum()), bool(separated))


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
        if size * len(uniques) > 2**62:  # the product of the cardinalities would overflow: renumber first
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


def _pattern_sums(X: pd.DataFrame, y: np.ndarray, w: np.ndarray | None) -> _Patterns:
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
    """
    pattern, first = _pattern_index(X)
    size = len(first)
    count = np.bincount(pattern, minlength=size).astype(float)
    ones = np.bincount(pattern, weights=y, minlength=size)
    if w is None:
        sums = (count, ones, ones, count - ones)
    else:
        ww = w * w
        sums = tuple(np.bincount(pattern, weights=v, minlength=size) for v in (w, w * y, ww * y, ww * (1 - y)))
    return _Patterns(_design_matrix(X.iloc[first]), count, ones, *sums)


def _first_irls_step(x: np.ndarray, w: np.ndarray, share: np.ndarray, family: sm.families.Family) -> np.ndarray:
    """The coefficients after statsmodels' first IRLS iteration on the respondents.

    statsmodels starts every respondent at ``mu = (y + 1/2) / 2`` and regresses
    the working response ``z(y) = eta(mu) + g'(mu) (y - mu)`` on the design
    with weights ``w mu (1 - mu)``.  For y in {0, 1} that is one weight for
    everyone and two values of ``z``, so the regression on the patterns with
    weights ``sum w`` and response ``(1 - share) z(0) + share z(1)`` has the
    same solution.
    """
    mu = family.starting_mu(np.array([0.0, 1.0]))
    z0, z1 = family.predict(mu) + family.link.deriv(mu) * (np.array([0.0, 1.0]) - mu)
    root = np.sqrt(w)
    return np.linalg.lstsq(x * root[:, None], root * ((1 - share) * z0 + share * z1), rcond=-1)[0]


def _irls(design: pd.DataFrame, w: np.ndarray, wy: np.ndarray):  # type: ignore[no-untyped-def]
    """statsmodels' IRLS on the patterns; returns (results, every iterate's coefficients).

    Parameters
    ----------
    design : DataFrame
        One row per covariate pattern.
    w, wy : ndarray
        Sum of weights and of weight times y per pattern.

    Returns
    -------
    results : GLMResultsWrapper
        statsmodels' results (model SEs), fitted with ``tol = _IRLS_TOL``.
    iterates : list of ndarray
        The coefficients after each iteration, the first step included.
    """
    share = np.clip(np.divide(wy, w, out=np.zeros_like(w), where=w > 0), 0.0, 1.0)
    family = sm.families.Binomial()
    start = _first_irls_step(design.to_numpy(), w, share, family)
    model = sm.GLM(share, design, family=family, var_weights=w)
    saturated = len(design) <= design.shape[1]  # statsmodels' unused WLS scale would divide by 0 df
    with warnings.catch_warnings(), np.errstate(**({"divide": "ignore", "invalid": "ignore"} if saturated else {})):
        warnings.simplefilter("ignore", PerfectSeparationWarning)  # it would test the patterns, see _fit_logit
        fit = model.fit(start_params=start, maxiter=_IRLS_MAXITER - 1, tol=_IRLS_TOL)
    return fit, [np.asarray(p) for p in fit.fit_history["params"][1:]]


def _predicts_everyone(iterates: list[np.ndarray], x: np.ndarray, count: np.ndarray, ones: np.ndarray) -> bool:
    """statsmodels' perfect-separation test of a per-respondent fit, on patterns.

    statsmodels warns when, after some iteration, ``np.allclose(mu - y, 0)``
    over the respondents: every fitted probability within
    ``_SEPARATION_ATOL`` of the respondent's 0/1 answer.  A pattern's
    respondents share ``mu``, so this holds when every pattern with a 0 has
    ``mu`` within that of 0 and every pattern with a 1 within that of 1.
    """
    has0, has1 = ones < count, ones > 0
    family = sm.families.Binomial()
    for params in iterates:
        mu = family.fitted(x @ params)
        if np.all((~has0 | (np.abs(mu) <= _SEPARATION_ATOL)) & (~has1 | (np.abs(mu - 1.0) <= _SEPARATION_ATOL))):
            return True
    return False


def _hc0_cov(x: np.ndarray, mu: np.ndarray, patterns: _Patterns) -> np.ndarray:
    """HC0 sandwich covariance of the weighted logit from per-pattern sums.

    The per-respondent sandwich is ``B M B`` with bread ``B = (sum_i w_i mu_i
    (1 - mu_i) x_i x_i')^-1`` and meat ``M = sum_i w_i^2 (y_i - mu_i)^2 x_i
    x_i'`` (statsmodels' ``cov_type="HC0"`` for the canonical link, scale 1).
    Within a pattern ``x`` and ``mu`` are shared and y is 0/1, so ``sum w^2 (y
    - mu)^2 = S2Y (1 - mu)^2 + S2N mu^2`` with ``S2Y = sum w^2 y`` and ``S2N =
    sum w^2 (1 - y)``: the same as ``S2Y (1 - 2 mu) + mu^2 S2``, ``S2 = sum
    w^2``, without its cancellation when ``mu`` is near 0 or 1 (a category
    where everyone agrees).  ``B`` uses the patterns' ``sum w``; its
    pseudo-inverse when the Hessian is singular (statsmodels' unweighted SEs
    also use one).
    """
    hessian = (x * (patterns.w * mu * (1 - mu))[:, None]).T @ x
    try:
        bread = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:  # collinear dummies, or a category of zero weights only
        bread = np.linalg.pinv(hessian)
    meat = (x * (patterns.w2y * (1 - mu) ** 2 + patterns.w2n * mu * mu)[:, None]).T @ x
    return bread @ meat @ bread


def reliability(items: pd.DataFrame, *, level: float = 0.95) -> dict[str, float | int]:
    """Cronbach's alpha of a scale with its confidence interval (pingouin).

    Parameters
    ----------
    items : DataFrame
        One numeric column per item; respondents with any missing item are
        dropped (listwise, as SPSS RELIABILITY).
    level : float
        Confidence level of the interval.

    Returns
    -------
    dict
        ``alpha``, ``ci_low``, ``ci_high`` (pingouin's F-based interval; pingouin
        rounds the bounds to 3 decimals), ``n`` complete respondents, ``n_items``.

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(reliability(items)["alpha"], 3)  # 1.5 * (1 - (2.5 + 2.3 + 1.5) / 17.3)
    0.954
    """
    if items.shape[1] < 2:
        raise DataError("reliability needs at least 2 items")
    complete = items.dropna()
    if len(complete) < 2:
        raise DataError("reliability needs at least 2 respondents with every item answered")
    import pingouin  # imports matplotlib: loaded only when an alpha is asked for

    alpha, ci = pingouin.cronbach_alpha(data=complete, ci=level, nan_policy="listwise")
    return {"alpha": float(alpha), "ci_low": float(ci[0]), "ci_high": float(ci[1]),
            "n": len(complete), "n_items": int(items.shape[1])}
