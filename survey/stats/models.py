"""Agreement by background and scale reliability (logistic regression: :mod:`survey.stats.logistic`).

Weighted results follow R ``survey`` for a design ``svydesign(ids = ~1,
weights = ~w)`` of the whole sample: pass every respondent, not a filtered
frame, because R keeps the full sample size in domain variances.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from survey.errors import DataError
from survey.stats.crosstabs import weight_array
from survey.stats.estimates import wilson

AGREEMENT_COLUMNS = ["item", "banner", "category", "estimate", "n_base", "ci_low", "ci_high"]
WEIGHTED_COLUMNS = [
    "weighted_estimate",
    "weighted_se",
    "weighted_ci_low",
    "weighted_ci_high",
    "deff",
    "n_eff",
    "weighted_ci_method",
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
    indicators: pd.DataFrame,
    banner: pd.DataFrame,
    weights: pd.Series | None = None,
    *,
    level: float = 0.95,
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
        interval of R ``svyby(..., svyciprop, method = "xlogit")`` (``"logit"``
        reaches it by an svyglm at glm's default tolerance, to 2e-8)
        (``expit(logit p +- t * se / (p (1 - p)))``, t with the domain's
        respondents minus 1 as df), ``deff`` as R ``svymean(..., deff =
        "replace")`` (variance over ``p (1 - p) / (n_base - 1)``) and ``n_eff =
        n_base / deff`` (the definitions of :func:`survey.stats.inference.proportion`).
        Where the weighted share is 0 or 1 the logit interval does not exist:
        the interval is Korn-Graubard's there, Clopper-Pearson on the domain's
        respondents (R ``binom.test``), and ``weighted_ci_method`` says
        ``beta`` instead of ``logit``.
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
    banners = _banner_bins(banner, indicators.index)
    sums = _domain_sums(y, w, [(bins, len(cats)) for _, cats, bins in banners])
    items = list(indicators.columns)
    frames = [_banner_frame(s, items, b, len(y), level) for b, s in zip(banners, sums)]
    columns = AGREEMENT_COLUMNS + (WEIGHTED_COLUMNS if weights is not None else [])
    return pd.concat(frames, ignore_index=True)[columns]


def _banner_frame(
    sums: dict[str, np.ndarray],
    items: list[Any],
    banner: tuple[Any, list[Hashable], np.ndarray],
    n: int,
    level: float,
) -> pd.DataFrame:
    """The rows of one banner variable (weighted columns when ``sums`` has weighted sums)."""
    name, cats, bins = banner
    frame = _domain_frame(sums, items, name, cats, level)
    if "w" not in sums:
        return frame
    domain_n = np.bincount(bins, minlength=len(cats) + 1)[: len(cats)]
    return frame.join(_weighted_frame(sums, n, domain_n, level))


def _banner_bins(
    banner: pd.DataFrame, index: pd.Index
) -> list[tuple[Any, list[Hashable], np.ndarray]]:
    """Each banner variable's name, categories and every respondent's category position
    (respondents outside the banner: an extra last bin)."""
    out = []
    for name in banner.columns:
        codes = banner[name].reindex(index)
        cats = _categories(codes)
        idx = _category_index(codes, cats)
        out.append((name, cats, np.where(idx >= 0, idx, len(cats))))
    return out


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
        remap = np.full(
            len(codes.cat.categories) + 1, -1, dtype=np.int64
        )  # the last slot takes code -1 (NaN)
        remap[codes.cat.categories.get_indexer(cats)] = np.arange(len(cats))
        return remap[codes.cat.codes.to_numpy()]
    if pd.api.types.is_numeric_dtype(codes.dtype):
        values = codes.to_numpy(dtype=float, na_value=np.nan)
        return (
            pd.Index(np.asarray(cats, dtype=float)).get_indexer(values).astype(np.int64, copy=False)
        )
    return (
        pd.Index(cats)
        .get_indexer(codes.astype(object).where(codes.notna(), None))
        .astype(np.int64, copy=False)
    )


def _domain_sums(
    y: np.ndarray,
    w: np.ndarray | None,
    banners: list[tuple[np.ndarray, int]],
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
    sums: dict[str, np.ndarray],
    items: list[str],
    banner: str,
    cats: list[Hashable],
    level: float,
) -> pd.DataFrame:
    n, x = sums["n"].T.ravel(), sums["x"].T.ravel()  # item-major: every category of item 1 first
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = wilson(x, np.where(n > 0, n, 1), level)
        estimate = np.where(n > 0, x / n, np.nan)
    return pd.DataFrame(
        {
            "item": np.repeat(items, len(cats)),
            "banner": banner,
            "category": pd.Series(cats * len(items), dtype=object),
            "estimate": estimate,
            "n_base": n.round().astype(np.int64),
            "ci_low": np.where(n > 0, low, np.nan),
            "ci_high": np.where(n > 0, high, np.nan),
        }
    )


def _weighted_frame(
    sums: dict[str, np.ndarray], n_design: int, domain_n: np.ndarray, level: float
) -> pd.DataFrame:
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
        edge = (p == 0) | (p == 1)
        low, high = expit(logit - half), expit(logit + half)
        if (
            edge.any()
        ):  # no logit interval: Korn-Graubard, Clopper-Pearson on the domain's respondents
            x = np.where(edge, p * n, 0).round()
            cp_low, cp_high = proportion_confint(
                x, np.where(n > 0, n, 1), alpha=1 - level, method="beta"
            )
            low, high = np.where(edge, cp_low, low), np.where(edge, cp_high, high)
        return pd.DataFrame(
            {
                "weighted_estimate": p,
                "weighted_se": se,
                "weighted_ci_low": low,
                "weighted_ci_high": high,
                "deff": deff,
                "n_eff": n / deff,
                "weighted_ci_method": np.where(edge, "beta", np.where(np.isfinite(p), "logit", "")),
            }
        )


def reliability(items: pd.DataFrame, *, level: float = 0.95) -> dict[str, float | int]:
    """Cronbach's alpha of a scale with its confidence interval (pingouin's ``cronbach_alpha``).

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
        ``alpha``, ``ci_low``, ``ci_high`` (Feldt's F-based interval, as
        pingouin, which rounds the bounds to 3 decimals), ``n`` complete
        respondents, ``n_items``.

    Notes
    -----
    The arithmetic of pingouin 0.5 ``cronbach_alpha(data, ci=level, nan_policy="listwise")``,
    step for step (tests/test_models.py compares the two): importing pingouin costs a
    run a second (it imports seaborn, scikit-learn, xarray and tabulate) for five lines.

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
    n, k = complete.shape
    cov = complete.cov(numeric_only=True)
    alpha = (k / (k - 1)) * (1 - np.trace(cov) / cov.sum().sum())
    df1 = n - 1
    df2 = df1 * (k - 1)
    low = 1 - (1 - alpha) * stats.f.isf((1 - level) / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - (1 - level) / 2, df1, df2)
    ci = np.round([low, high], 3)
    return {
        "alpha": float(alpha),
        "ci_low": float(ci[0]),
        "ci_high": float(ci[1]),
        "n": len(complete),
        "n_items": int(items.shape[1]),
    }
