"""The IRLS fit of a logistic model on covariate patterns, as R ``glm`` and ``svyglm``.

statsmodels fits the model (its IRLS on the patterns, :func:`irls`).  Two parts are ours
because no library does them: the first IRLS step from R's starting values
(:func:`first_step`), so that the fit takes R's path and stops at R's iterate; and the
covariance of R ``svyglm`` from per-pattern sums (:func:`svyglm_cov`).  statsmodels is
imported when a model is first fitted, not with the package.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from survey.errors import DataError
from survey.stats.patterns import Patterns

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
def blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the loaded BLAS libraries, found once (a search takes 20 ms)."""
    return ThreadpoolController()


def first_step(x: np.ndarray, pattern: np.ndarray, y: np.ndarray, pw: np.ndarray) -> np.ndarray:
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


def irls(
    design: np.ndarray,
    w: np.ndarray,
    wy: np.ndarray,
    name: str,
    start: np.ndarray,
) -> Any:
    """statsmodels' IRLS on the patterns from R's first step, to R ``glm``'s convergence criterion.

    Parameters
    ----------
    design : ndarray
        One row per covariate pattern (Fortran order, as a DataFrame's values).
    w, wy : ndarray
        Sum of weights and of weight times y per pattern.
    name : str
        The indicator (for the error).
    start : ndarray
        R's coefficients after its first iteration (:func:`first_step`).

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
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    share = np.clip(np.divide(wy, w, out=np.zeros_like(w), where=w > 0), 0.0, 1.0)
    model = GLM(share, design, family=Binomial(), var_weights=w)
    saturated = len(design) <= design.shape[1]  # statsmodels' unused WLS scale would divide by 0 df
    with (
        warnings.catch_warnings(),
        np.errstate(divide="ignore", invalid="ignore") if saturated else contextlib.nullcontext(),
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


def svyglm_cov(
    x: np.ndarray, mu: np.ndarray, mu_last: np.ndarray, patterns: Patterns, n_design: int
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
