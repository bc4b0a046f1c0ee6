"""Raking (iterative proportional fitting) and bounded raking to marginal proportions.

Raked weights are those of R ``survey::rake(design, sample.margins,
population.margins, control = list(maxit = 100, epsilon = 1e-12))`` rescaled to
sum to n (the fixed point of iterative proportional fitting is unique); see
``tests/reference/weighting/``.  The raking runs on the table of cells of the
weighting variables (:mod:`survey.stats.weightcells`): a million rows on three
margins rake in a few hundredths of a second.

Bounded raking (``bounds``) gives the weights of R ``calibrate(design, ~a + b + ...,
population, calfun = "raking", bounds = c(lo, hi))`` (Deville and Särndal 1992: the
raking distance with the ratio ``g = w / d`` of final to base weight kept within
``[lo, hi]``; base weights ``d`` rescaled to sum to n).  It is solved here, not by
R's Newton iteration, because that one cycles on some tables R cannot then weight
(:func:`_bounded_rake`); where R converges the two agree (``tests/reference/weighting``).
The earlier trimming (clipping inside each raking step) had no published definition
or outside reference and is gone.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"sex": [1, 1, 1, 2], "age": [1, 2, 2, 1]})
>>> w = rake(d, {"sex": {1: 0.6, 2: 0.4}, "age": {1: 0.5, 2: 0.5}})
>>> round(float(w.sum()), 6)
4.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import WeightingError
from survey.stats.weightcells import (
    category_problems,
    checked_base,
    code_cells,
    column_problems,
    raise_problems,
    share_problems,
    target_vector,
)


@dataclass
class _Fit:
    w: np.ndarray  # unit totals
    iterations: int
    converged: bool
    gaps: np.ndarray  # per margin: max |achieved - target| proportion


def _gaps(w: np.ndarray, cats: Sequence[np.ndarray], totals: Sequence[np.ndarray]) -> np.ndarray:
    n = w.sum()
    return np.array(
        [
            np.max(np.abs(np.bincount(c, weights=w, minlength=len(t)) - t)) / n
            for c, t in zip(cats, totals)
        ]
    )


def _ipf(
    w: np.ndarray,
    cats: Sequence[np.ndarray],
    totals: Sequence[np.ndarray],
    max_iter: int,
    tol: float,
) -> _Fit:
    """Rake unit totals ``w`` to ``totals`` (iterative proportional fitting)."""
    w = w.copy()
    for it in range(1, max_iter + 1):
        for c, t in zip(cats, totals):
            w *= (t / np.bincount(c, weights=w, minlength=len(t)))[c]
        gaps = _gaps(w, cats, totals)
        if gaps.max() < tol:
            return _Fit(w, it, True, gaps)
    return _Fit(w, max_iter, False, _gaps(w, cats, totals))


def rake_fit(
    data: pd.DataFrame,
    targets: Mapping[str, Mapping[Any, float]],
    *,
    base_weights: pd.Series | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
    bounds: tuple[float, float] | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """The weights of :func:`rake` and how the raking went (``iterations``, ``converged``,
    ``trimmed_share``): the ``rake`` method of :data:`survey.stats.weighting.METHODS`."""
    columns = _checked_targets(data, targets, bounds)
    cells = code_cells(data, columns, checked_base(data, base_weights))
    raise_problems(
        [
            p
            for c, levels in zip(columns, cells.levels)
            for p in category_problems(c, levels, targets[c])
        ]
    )
    n = len(data)
    totals = [n * target_vector(levels, targets[c]) for c, levels in zip(columns, cells.levels)]
    start = cells.base * cells.count
    start = start * (n / start.sum())
    if bounds is None:
        fit = _ipf(start, cells.cats, totals, max_iter, tol)
    else:
        fit = _bounded_rake(
            start, cells.cats, totals, max_iter, tol, (float(bounds[0]), float(bounds[1]))
        )
    if not fit.converged:
        raise _not_converged(columns, fit, max_iter, tol, bounds)
    info: dict[str, Any] = {"iterations": fit.iterations, "converged": True, "trimmed_share": 0.0}
    if bounds is not None:
        info["trimmed_share"] = _share_at_bounds(fit.w / start, cells.count, n, bounds)
    weights = pd.Series(cells.spread(fit.w / cells.count), index=data.index, name="weight")
    return weights, info


def _checked_targets(
    data: pd.DataFrame,
    targets: Mapping[str, Mapping[Any, float]],
    bounds: tuple[float, float] | None,
) -> list[str]:
    """The raking variables, once the targets, the data's columns and the bounds are checked."""
    if not targets:
        raise WeightingError("rake: no targets given")
    columns = list(targets)
    if len(data) == 0:
        raise WeightingError("rake: the data have no rows")
    _check_bounds(bounds)
    raise_problems(
        column_problems(data, columns) + [p for c in columns for p in share_problems(c, targets[c])]
    )
    return columns


def _not_converged(
    columns: Sequence[str],
    fit: _Fit,
    max_iter: int,
    tol: float,
    bounds: tuple[float, float] | None,
) -> WeightingError:
    """The error of a raking that did not converge, naming the margins not reached."""
    what = "raking" if bounds is None else f"bounded raking within ({bounds[0]:g}, {bounds[1]:g})"
    hint = (
        "the targets may be unreachable with these respondents"
        if bounds is None
        else "the margins and the bounds cannot both hold; widen the bounds"
    )
    bad = ", ".join(f"{c} (off by {g:.3g})" for c, g in zip(columns, fit.gaps) if g >= tol)
    return WeightingError(
        f"{what} did not converge in {max_iter} iterations (tol {tol:g}); margins not reached: "
        f"{bad}; {hint}"
    )


def _share_at_bounds(
    g: np.ndarray, count: np.ndarray, n: int, bounds: tuple[float, float]
) -> float:
    """Share of the ``n`` respondents whose ratio ``g`` of final to base weight is at a bound."""
    at_bound = np.isclose(g, bounds[0], rtol=1e-9, atol=0) | np.isclose(
        g, bounds[1], rtol=1e-9, atol=0
    )
    return float(count[at_bound].sum() / n)


def _check_bounds(bounds: tuple[float, float] | None) -> None:
    if bounds is None:
        return
    lo, hi = (float(b) for b in bounds)
    if not (0 <= lo < 1 < hi):
        raise WeightingError(
            f"bounds ({lo:g}, {hi:g}): need 0 <= lower < 1 < upper, as multiples of the base weight"
        )


def _margin_matrix(
    cats: Sequence[np.ndarray], totals: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Units x columns of R's ``model.matrix(~a + b + ...)`` (intercept, then categories 2.. of each margin), totals."""
    n_units = len(cats[0])
    columns, target = [np.ones(n_units)], [float(totals[0].sum())]
    for c, t in zip(cats, totals):
        for k in range(1, len(t)):
            columns.append((c == k).astype(float))
            target.append(float(t[k]))
    return np.column_stack(columns), np.array(target)


def _bounded_rake(
    d: np.ndarray,
    cats: Sequence[np.ndarray],
    totals: Sequence[np.ndarray],
    max_iter: int,
    tol: float,
    bounds: tuple[float, float],
) -> _Fit:
    """Bounded raking of unit base totals ``d``: ``w = d * clip(exp(x'eta), lo, hi)`` meeting every margin.

    The calibration equations of R ``calibrate(calfun = "raking", bounds = c(lo, hi))`` are the
    gradient of the convex dual ``phi(eta) = sum_u d_u G(x_u'eta) - T'eta`` with ``G' = clip(exp, lo,
    hi)``; this minimises ``phi`` by Levenberg-Marquardt steps (Newton steps damped by the largest
    misfit) with backtracking on ``phi``, so it converges also where R's undamped Newton steps cycle
    (R's ``cal.raking`` also takes the derivative as 0 below ``exp(lo - 1)``).  Converged as R's
    ``grake``: every ``|misfit| / (1 + |total|) < tol``.
    """
    X, T = _margin_matrix(cats, totals)
    dual = _Dual(d, X, T, *bounds)
    eta = np.zeros(X.shape[1])
    for it in range(1, max_iter + 1):
        u = X @ eta
        g = dual.ratio(u)
        misfit = dual.misfit(g)
        if np.all(np.abs(misfit) / (1 + np.abs(T)) < tol):
            return _Fit(d * g, it - 1, True, np.abs(misfit) / (1 + np.abs(T)))
        eta = _damped_step(dual, eta, u, g, misfit)
    g = dual.ratio(X @ eta)
    misfit = dual.misfit(g)
    return _Fit(d * g, max_iter, False, np.abs(misfit) / (1 + np.abs(T)))


@dataclass(frozen=True)
class _Dual:
    """The dual of bounded raking: ``phi(eta) = sum_u d_u G(x_u'eta) - T'eta``, ``G'`` clipped exp."""

    d: np.ndarray  # unit base totals
    X: np.ndarray  # units x margin columns (_margin_matrix)
    T: np.ndarray  # the margins' totals
    lo: float
    hi: float

    @property
    def a(self) -> float:
        return float(np.log(self.lo)) if self.lo > 0 else -np.inf

    @property
    def b(self) -> float:
        return float(np.log(self.hi))

    def ratio(self, u: np.ndarray) -> np.ndarray:
        """``g = G'(u)``: each unit's final weight over its base weight."""
        return np.clip(np.exp(np.minimum(u, self.b)), self.lo, self.hi)

    def phi(self, u: np.ndarray, eta: np.ndarray) -> float:
        """``phi(eta)``, with ``u = X @ eta``."""
        inside = np.exp(np.clip(u, self.a, self.b))
        return float(
            np.sum(self.d * (inside + self.ratio(u) * (u - np.clip(u, self.a, self.b))))
            - self.T @ eta
        )

    def misfit(self, g: np.ndarray) -> np.ndarray:
        """The margins' totals minus those of the weights ``d * g`` (minus the gradient of phi)."""
        return self.T - self.X.T @ (self.d * g)


def _damped_step(
    dual: _Dual, eta: np.ndarray, u: np.ndarray, g: np.ndarray, misfit: np.ndarray
) -> np.ndarray:
    """``eta`` after one Levenberg-Marquardt step, halved until :func:`_better` takes it."""
    X = dual.X
    slope = np.where((u > dual.a) & (u < dual.b), g, 0.0)
    hessian = X.T @ (X * (dual.d * slope)[:, None])
    # Levenberg-Marquardt: a Newton step as the misfit vanishes, a gradient step along the
    # directions a weight held at a bound leaves flat (singular Hessian)
    step = np.linalg.solve(hessian + np.max(np.abs(misfit)) * np.eye(len(eta)), misfit)
    current, worst, t = dual.phi(u, eta), np.max(np.abs(misfit)), 1.0
    while t > 1e-12 and not _better(dual, eta + t * step, t, float(misfit @ step), current, worst):
        t /= 2
    return eta + t * step


def _better(
    dual: _Dual, eta: np.ndarray, t: float, rate: float, current: float, worst: float
) -> bool:
    """Whether ``eta``, ``t`` of the way along a step down which phi falls at ``rate``,
    lowers phi from ``current`` enough or shrinks the largest misfit below ``worst``."""
    # Armijo on phi; near the solution phi's decrease drowns in its rounding, so a step
    # that shrinks the largest misfit is taken as well
    u = dual.X @ eta
    return bool(
        dual.phi(u, eta) <= current - 1e-4 * t * rate
        or np.max(np.abs(dual.misfit(dual.ratio(u)))) < worst
    )


def rake(
    data: pd.DataFrame,
    targets: Mapping[str, Mapping[Any, float]],
    *,
    base_weights: pd.Series | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
    bounds: tuple[float, float] | None = None,
) -> pd.Series:
    """Rake weights to marginal population proportions (iterative proportional fitting).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents; must contain every variable named in ``targets``, none missing.
    targets : mapping
        ``{variable: {category: proportion}}``; each variable's proportions sum to 1.
        Every category found among respondents needs a target, and every positive
        target needs respondents.
    base_weights : pandas.Series, optional
        Design or prior weights (positive), aligned on ``data.index``.  Only their
        relative sizes within cells matter.
    max_iter : int
        Sweeps over all margins before giving up.
    tol : float
        Converged when every achieved margin proportion is within ``tol`` of its target.
    bounds : (float, float), optional
        Bounded raking: every weight stays within ``[lo, hi]`` times its base weight
        (base weights rescaled to sum to n; without base weights, multiples of the
        mean weight), as R ``calibrate(..., calfun = "raking", bounds = c(lo, hi))``.
        If the margins cannot be met within the bounds, a :class:`WeightingError`
        says so.

    Returns
    -------
    pandas.Series
        Weights named ``weight`` on ``data.index``, summing to ``len(data)``.

    Raises
    ------
    WeightingError
        Invalid targets (naming the variable and category), missing values in a
        weighting variable, non-convergence (naming the margins), infeasible bounds.

    Examples
    --------
    >>> d = pd.DataFrame({"sex": [1, 1, 2, 2], "age": [1, 2, 2, 1]})
    >>> rake(d, {"sex": {1: 0.5, 2: 0.5}, "age": {1: 0.4, 2: 0.6}}).round(3).tolist()
    [0.8, 1.2, 1.2, 0.8]
    """
    return rake_fit(
        data, targets, base_weights=base_weights, max_iter=max_iter, tol=tol, bounds=bounds
    )[0]
