"""Agreement by background, logistic regression on background, scale reliability.

Weighted results follow R ``survey`` for a design ``svydesign(ids = ~1,
weights = ~w)`` of the whole sample: pass every respondent, not a filtered
frame, because R keeps the full sample size in domain variances.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
import pingouin
import statsmodels.api as sm
from scipy import sparse, stats
from statsmodels.stats.proportion import proportion_confint

from survey.crosstabs import weight_array
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
        n_base / deff`` (the definitions of :func:`survey.inference.proportion`).
        Categories are a categorical's order or the sorted codes.

    Examples
    --------
    >>> y = pd.DataFrame({"agree": [1, 0, 1, 1, np.nan, 0]})
    >>> b = pd.DataFrame({"sex": [1, 1, 1, 2, 2, 2]})
    >>> agreement_by(y, b)[["category", "estimate", "n_base"]].values.tolist()
    [[1, 0.6666666666666666, 3], [2, 0.5, 2]]
    """
    y = _indicator_matrix(indicators)
    w = weight_array(weights, indicators.index)
    valid = ~np.isnan(y)
    y0 = np.nan_to_num(y)
    frames = []
    for name in banner.columns:
        codes = banner[name].reindex(indicators.index)
        cats = _categories(codes)
        idx = pd.Index(cats).get_indexer(codes.astype(object).where(codes.notna(), None))
        inside = idx >= 0
        onehot = sparse.csr_matrix(
            (np.ones(inside.sum()), (idx[inside], np.flatnonzero(inside))), shape=(len(cats), len(y))
        )
        sums = {k: onehot @ m for k, m in {
            "n": valid, "x": y0, "w": valid * w[:, None], "wy": y0 * w[:, None],
            "w2": valid * (w * w)[:, None], "w2y": y0 * (w * w)[:, None],
        }.items()}
        frame = _domain_frame(sums, list(indicators.columns), name, cats, level)
        if weights is not None:
            domain_n = np.bincount(idx[inside], minlength=len(cats))
            frame = frame.join(_weighted_frame(sums, len(y), domain_n, level))
        frames.append(frame)
    columns = AGREEMENT_COLUMNS + (WEIGHTED_COLUMNS if weights is not None else [])
    return pd.concat(frames, ignore_index=True)[columns]


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

    Notes
    -----
    Complete cases only.  Unweighted: statsmodels ``GLM(Binomial)`` with model
    standard errors and z tests, as R ``glm(family = binomial)``.  Weighted:
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
    fit, design, n = _fit_logit(y, X, weights)
    coef, se = fit.params.iloc[1:], fit.bse.iloc[1:]
    if weights is not None:
        se = se * np.sqrt(len(y) / (len(y) - 1))
        p = 2 * stats.t.sf(np.abs(coef / se), n - len(fit.params))
    else:
        p = 2 * stats.norm.sf(np.abs(coef / se))
    q = stats.norm.ppf(0.5 + level / 2)
    terms = design.columns[1:]
    return pd.DataFrame({
        "term": terms,
        "variable": [t.split("=", 1)[0] for t in terms],
        "category": [design.attrs["categories"][t] for t in terms],
        "reference": [design.attrs["references"][t.split("=", 1)[0]] for t in terms],
        "log_odds": coef.to_numpy(), "se": se.to_numpy(),
        "odds_ratio": np.exp(coef.to_numpy()),
        "ci_low": np.exp(coef.to_numpy() - q * se.to_numpy()), "ci_high": np.exp(coef.to_numpy() + q * se.to_numpy()),
        "p_value": np.asarray(p), "n": n,
    })


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


def _fit_logit(y: pd.Series, X: pd.DataFrame, weights: pd.Series | None):  # type: ignore[no-untyped-def]
    """Fit on complete cases; returns (statsmodels results, design matrix, n)."""
    w = weight_array(weights, y.index)
    X = X.reindex(y.index)
    complete = y.notna() & X.notna().all(axis=1)
    yy = y[complete].astype(float)
    if not yy.isin([0, 1]).all():
        raise DataError(f"indicator {y.name!r} must be 0/1")
    if yy.nunique() < 2:
        raise DataError(f"indicator {y.name!r} does not vary among complete cases")
    design = _design_matrix(X[complete])
    model = sm.GLM(yy.to_numpy(), design, family=sm.families.Binomial(),
                   var_weights=w[complete.to_numpy()] if weights is not None else None)
    fit = model.fit(cov_type="HC0") if weights is not None else model.fit()
    return fit, design, int(complete.sum())


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
    alpha, ci = pingouin.cronbach_alpha(data=complete, ci=level, nan_policy="listwise")
    return {"alpha": float(alpha), "ci_low": float(ci[0]), "ci_high": float(ci[1]),
            "n": len(complete), "n_items": int(items.shape[1])}
