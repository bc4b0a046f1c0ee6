"""Design-based estimates of proportions under a weights-only design, optionally raked.

The design is R's ``svydesign(ids = ~1, weights = ~w, data = d)``: one stage, no
strata, no finite-population correction.  Respondents outside an item's domain
(a non-substantive answer, skipped by routing, outside a subgroup) carry ``NaN``
in the 0/1 indicator; they stay in the design with zero contribution, exactly
as ``svymean(~y, design, na.rm = TRUE)`` and ``subset(design, !is.na(y))`` treat
them.  So the variance of the ratio ``p = sum(w y) / sum(w)`` over the domain is

    z_i = w_i (y_i - p) / sum_domain(w)      (0 outside the domain)
    var = n / (n - 1) * sum_i (z_i - mean(z))^2

with ``n`` every respondent of the design, not the item base (FIELD-NOTES).

Raked weights (``calibration``): R ``survey::rake`` post-stratifies on each margin
in turn and keeps, from the last sweep, each margin's categories and the weights
after that step.  ``svyrecvar`` then replaces the influence values ``z`` by their
residuals from the margins with a fixed ten back-fitting sweeps of
``z <- z - w * ave(z / w, margin)`` (``ave`` an unweighted category mean over the
design's rows).  This module does the same ten sweeps, using the final raked
weights for every margin: after convergence (``epsilon = 1e-12``) those differ
from R's per-step weights by far less than the 1e-4 tolerance, and the sweeps'
count matches R's, so the calibrated SE agrees with R to about 1e-10 rather than
only approximately (a GREG projection to convergence would differ slightly).

Bounded raking (``calibration_method="calibrate"``) is R ``calibrate(design,
~a + b + ..., population, calfun = "raking", bounds = ...)``, whose design carries
a GREG calibration instead: ``svyrecvar`` replaces ``z`` by ``qr.resid(qr(X sqrt(d)),
z / (g sqrt(d))) g sqrt(d)``, the residual of the least-squares fit of ``z / (g
sqrt(d))`` on the margins' model matrix ``X`` (one column per category: the same
column space as R's ``model.matrix``) weighted by the base weights ``d``, with
``g = w / d``.  The scale of ``d`` cancels.

Intervals (:data:`CI_METHODS`):

- ``logit``: ``svyciprop(~y, subset(design, !is.na(y)), method = "xlogit")``:
  ``expit(logit(p) +- t(df) * se / (p (1 - p)))`` with ``df`` the domain's
  degrees of freedom (``n_base - 1``).  R's ``method = "logit"`` is the same
  interval reached through ``svyglm(y ~ 1)`` at glm's default tolerance (1e-8),
  so it is up to 2e-8 away from its limit, this one.  At ``p = 0`` or ``1`` (no logit, zero
  variance) it gives the ``beta`` interval, which is then Clopper-Pearson on the
  domain's respondents (R ``binom.test(x, n)$conf.int``).
- ``beta``: Korn-Graubard, ``svyciprop(~y, design, method = "beta", na.rm = TRUE)``:
  Clopper-Pearson on ``p (1 - p) / var`` effective cases.  R multiplies that by
  ``(qt(a/2, nrow(design) - 1) / qt(a/2, degf(design)))^2``, which is 1 on every
  route that works (``na.rm`` on the whole design; ``subset()`` of a weights-only
  design, which drops the rows), so no factor is applied.  At ``p = 0`` or ``1``
  the design variance is 0 and R's effective size is 0/0 (NaN); Korn and Graubard
  (1998) take the domain's respondents as the effective size there, which is
  Clopper-Pearson (R ``binom.test``).
- ``wilson``: statsmodels ``proportion_confint(method="wilson")`` on the item base
  when unweighted, on the effective sample size ``n_eff`` when weighted.

Examples
--------
>>> import pandas as pd, numpy as np
>>> y = pd.Series([1, 0, 1, np.nan, 1])
>>> round(proportion(y)["estimate"], 4)
0.75
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit
from statsmodels.stats.proportion import proportion_confint

from survey.errors import DataError

RAKING_SWEEPS = 10  # svyrecvar's fixed number of back-fitting sweeps for raked designs

RESULT_KEYS = ("estimate", "se", "ci_low", "ci_high", "n_base", "deff", "n_eff", "weighted_base")


@dataclass(frozen=True)
class Domain:
    """What an interval method needs to know about one domain estimate."""

    estimate: float
    se: float
    n_base: int  # domain respondents with a non-zero weight (R's degf + 1)
    n_eff: float
    weighted: bool

    @property
    def df(self) -> int:
        return self.n_base - 1


def _logit_ci(d: Domain, level: float) -> tuple[float, float]:
    p = d.estimate
    if p in (
        0.0,
        1.0,
    ):  # the logit interval does not exist there: Korn-Graubard's (Clopper-Pearson on n)
        return _beta_ci(d, level)
    if not 0 < p < 1 or d.df < 1:
        return np.nan, np.nan
    half = stats.t.ppf(1 - (1 - level) / 2, d.df) * d.se / (p * (1 - p))
    return float(expit(logit(p) - half)), float(expit(logit(p) + half))


def _beta_ci(d: Domain, level: float) -> tuple[float, float]:
    p, alpha = d.estimate, 1 - level
    if d.df < 1:
        return np.nan, np.nan
    # zero design variance (p at 0 or 1): fall back to the base as effective size, i.e. Clopper-Pearson
    n = p * (1 - p) / d.se**2 if d.se > 0 else float(d.n_base)
    low = stats.beta.ppf(alpha / 2, n * p, n * (1 - p) + 1) if p > 0 else 0.0
    high = stats.beta.ppf(1 - alpha / 2, n * p + 1, n * (1 - p)) if p < 1 else 1.0
    return float(low), float(high)


def _wilson_ci(d: Domain, level: float) -> tuple[float, float]:
    n = d.n_eff if d.weighted else float(d.n_base)
    if not np.isfinite(n) or n <= 0:
        n = float(d.n_base)
    low, high = proportion_confint(d.estimate * n, n, alpha=1 - level, method="wilson")
    # the exact ends at 0 and 1 (statsmodels leaves a rounding error there), as estimates.wilson
    return (0.0 if d.estimate == 0 else float(low)), (1.0 if d.estimate == 1 else float(high))


CI_METHODS: dict[str, Callable[[Domain, float], tuple[float, float]]] = {
    "logit": _logit_ci,
    "beta": _beta_ci,
    "wilson": _wilson_ci,
}


# ---------------------------------------------------------------------------- design


def _design(
    y: pd.Series, weights: pd.Series | None, calibration: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Indicator values, weights and margin codes of the respondents in the design, and who they are."""
    values = pd.Series(y).to_numpy(dtype=float, na_value=np.nan)
    w = (
        np.ones(len(values))
        if weights is None
        else pd.Series(weights).reindex(y.index).to_numpy(dtype=float, na_value=np.nan)
    )
    inside = np.isfinite(w)
    codes = None
    if calibration is not None:
        cal = pd.DataFrame(calibration).reindex(y.index)
        inside &= cal.notna().all(axis=1).to_numpy()
        codes = np.column_stack([pd.factorize(cal.loc[inside, c])[0] for c in cal.columns])
    if (w[inside] < 0).any():
        raise DataError(f"weights for '{y.name}': {int((w[inside] < 0).sum())} negative weight(s)")
    values, w = values[inside], w[inside]
    bad = np.isfinite(values) & (values != 0) & (values != 1)
    if bad.any():
        raise DataError(
            f"'{y.name}': a proportion needs a 0/1 indicator (NaN outside the domain); "
            f"found {int(bad.sum())} other value(s), e.g. {values[bad][0]:g}"
        )
    return values, w, codes, inside


def _influence(values: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    domain = np.isfinite(values)
    wd = np.where(domain, w, 0.0)
    total = wd.sum()
    p = float(np.sum(wd * np.nan_to_num(values)) / total)
    z = np.where(domain, wd * (np.nan_to_num(values) - p), 0.0) / total
    return p, z, domain


def _greg(z: np.ndarray, w: np.ndarray, d: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Residuals of the influence values from a calibration on the margins (R ``calibrate``'s linearisation)."""
    x = np.column_stack(
        [codes[:, k] == c for k in range(codes.shape[1]) for c in range(codes[:, k].max() + 1)]
    )
    root = np.sqrt(d)
    scale = np.divide(w, root, out=np.zeros_like(w), where=root > 0)  # g sqrt(d)
    e = np.divide(z, scale, out=np.zeros_like(z), where=scale > 0)
    m = x * root[:, None]
    coef = np.linalg.lstsq(m, e, rcond=None)[0]
    return (e - m @ coef) * scale


def _calibrate(z: np.ndarray, w: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Residuals of the influence values from the raking margins (R ``svyrecvar``'s sweeps)."""
    safe = np.where(w > 0, w, 1.0)
    for _ in range(RAKING_SWEEPS):
        for k in range(codes.shape[1]):
            c = codes[:, k]
            means = np.bincount(c, weights=z / safe) / np.bincount(c)
            z = z - w * means[c]
    return z


def _variance(z: np.ndarray) -> float:
    n = len(z)
    return float(n / (n - 1) * np.sum((z - z.mean()) ** 2)) if n > 1 else np.nan


# Long: public API; its numpydoc docstring (the R calls it equals) is 45 lines, the body 35
def proportion(
    y: pd.Series,
    weights: pd.Series | None = None,
    *,
    level: float = 0.95,
    ci_method: str = "logit",
    calibration: pd.DataFrame | None = None,
    calibration_method: str = "rake",
    base_weights: pd.Series | None = None,
) -> dict[str, Any]:
    """Design-based proportion of a 0/1 indicator over its domain, with SE and interval.

    Parameters
    ----------
    y : pandas.Series
        1 = has the attribute, 0 = has not, NaN = outside the item's domain.
    weights : pandas.Series, optional
        Weights aligned on ``y.index``; NaN = not in the weighted population (left
        out of the design altogether).  None: every weight 1.
    level : float
        Confidence level.
    ci_method : str
        A key of :data:`CI_METHODS`: ``logit`` (default), ``beta`` or ``wilson``.
    calibration : pandas.DataFrame, optional
        The raking variables' categories for each respondent (index as ``y``); a
        respondent with any of them missing, or absent, is not in the design.
        ``weights`` must then be the weights raked on exactly these margins
        (e.g. from :func:`survey.stats.weighting.rake`): the SE is that of
        ``svymean(~y, rake(design, ...), na.rm = TRUE)``.
    calibration_method : {"rake", "calibrate"}
        How ``weights`` were calibrated to the margins: ``rake`` (R ``rake()``,
        its back-fitting sweeps) or ``calibrate`` (R ``calibrate(...,
        calfun = "raking", bounds = ...)``, bounded raking: the GREG
        linearisation; the SE of ``svymean(~y, calibrate(...), na.rm = TRUE)``).
    base_weights : pandas.Series, optional
        The weights before calibration (index as ``y``; None: all 1), for
        ``calibration_method="calibrate"``.

    Returns
    -------
    dict
        ``estimate, se, ci_low, ci_high, n_base`` (unweighted domain n), ``deff``,
        ``n_eff``, ``weighted_base``, plus ``ci_method`` and ``level``.  ``deff`` is
        R's ``svymean(..., deff = "replace")``: the design variance over the
        with-replacement SRS variance ``p (1 - p) / (n_base - 1)`` (R's
        ``deff = TRUE`` divides by an FPC-corrected variance that is meaningless
        for weights scaled to the sample size); ``n_eff = n_base / deff``.

    Examples
    --------
    >>> y = pd.Series([1, 0, 1, 1, np.nan])
    >>> r = proportion(y, pd.Series([1.0, 2.0, 1.0, 0.5, 1.0]), ci_method="beta")
    >>> round(r["estimate"], 4), r["n_base"]
    (0.5556, 4)
    """
    _check_methods(ci_method, calibration_method)
    values, w, codes, inside = _design(y, weights, calibration)
    domain = np.isfinite(values)
    n_base = int(np.sum(domain & (w > 0)))
    nan_result = {
        "estimate": np.nan,
        "se": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "n_base": n_base,
        "deff": np.nan,
        "n_eff": np.nan,
        "weighted_base": float(w[domain].sum()),
        "ci_method": ci_method,
        "level": level,
    }
    if n_base == 0:
        return nan_result
    p, z, _ = _influence(values, w)
    z = _residuals(z, w, codes, inside, calibration_method, base_weights, y.index)
    var = _variance(z)
    se = float(np.sqrt(var))
    srs = p * (1 - p) / (n_base - 1) if n_base > 1 else np.nan
    deff = float(var / srs) if srs > 0 else np.nan
    n_eff = float(n_base / deff) if deff > 0 else np.nan
    low, high = CI_METHODS[ci_method](Domain(p, se, n_base, n_eff, weights is not None), level)
    return {
        **nan_result,
        "estimate": p,
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "deff": deff,
        "n_eff": n_eff,
    }


def _check_methods(ci_method: str, calibration_method: str) -> None:
    if ci_method not in CI_METHODS:
        raise ValueError(
            f"unknown interval method '{ci_method}' (valid: {', '.join(sorted(CI_METHODS))})"
        )
    if calibration_method not in ("rake", "calibrate"):
        raise ValueError(
            f"unknown calibration method '{calibration_method}' (valid: calibrate, rake)"
        )


def _residuals(
    z: np.ndarray,
    w: np.ndarray,
    codes: np.ndarray | None,
    inside: np.ndarray,
    method: str,
    base_weights: pd.Series | None,
    index: pd.Index,
) -> np.ndarray:
    """The influence values net of the calibration on the margins ``codes`` (None: as they are)."""
    if codes is None:
        return z
    if method != "calibrate":
        return _calibrate(z, w, codes)
    d = (
        np.ones(len(index))
        if base_weights is None
        else pd.Series(base_weights).reindex(index).to_numpy(float)
    )
    return _greg(z, w, d[inside], codes)


def difference(
    y1: pd.Series,
    w1: pd.Series | None,
    y2: pd.Series,
    w2: pd.Series | None,
    *,
    level: float = 0.95,
    calibration1: pd.DataFrame | None = None,
    calibration2: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Change in a proportion between two independent samples (e.g. two waves).

    ``estimate = p2 - p1`` with ``se = sqrt(se1**2 + se2**2)`` and a two-sided z
    test.  This is R's ``svycontrast`` of ``svyby(~y, ~wave, svymean)`` on the
    two samples stacked into one design *with wave as stratum*: stratifying by
    wave makes the two estimates independent (no covariance term) and gives
    each wave its own ``n / (n - 1)``, so the SE equals the root sum of squares.

    Returns
    -------
    dict
        ``estimate, se, ci_low, ci_high`` (normal), ``z, p_value``, and
        ``estimate1, se1, n_base1, estimate2, se2, n_base2``.

    Examples
    --------
    >>> a = pd.Series([1, 0, 0, 1]); b = pd.Series([1, 1, 0, 1])
    >>> round(difference(a, None, b, None)["estimate"], 2)
    0.25
    """
    r1 = proportion(y1, w1, level=level, calibration=calibration1)
    r2 = proportion(y2, w2, level=level, calibration=calibration2)
    est = r2["estimate"] - r1["estimate"]
    se = float(np.hypot(r1["se"], r2["se"]))
    z = est / se if se > 0 else np.nan
    q = stats.norm.ppf(1 - (1 - level) / 2)
    return {
        "estimate": est,
        "se": se,
        "ci_low": est - q * se,
        "ci_high": est + q * se,
        "z": z,
        "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan,
        "estimate1": r1["estimate"],
        "se1": r1["se"],
        "n_base1": r1["n_base"],
        "estimate2": r2["estimate"],
        "se2": r2["se"],
        "n_base2": r2["n_base"],
    }
