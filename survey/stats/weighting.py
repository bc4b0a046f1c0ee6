"""Weighting: raking (iterative proportional fitting), bounded raking and post-stratification.

Every method takes respondents and population *proportions* and returns weights
named ``weight``, aligned with the data's index and summing to the number of
rows (so the mean weight is 1).

The work is done on the table of unique cells of the weighting variables, never
respondent by respondent: the rows are coded once, their base weights summed per
cell with :func:`numpy.bincount`, the cell table raked, and each respondent's
weight is its base weight times its cell's factor.  A million rows on three
margins rake in a few hundredths of a second.

Raked weights are those of R ``survey::rake(design, sample.margins,
population.margins, control = list(maxit = 100, epsilon = 1e-12))`` rescaled to
sum to n (the fixed point of iterative proportional fitting is unique); see
``tests/reference/weighting/``.

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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import WeightingError

TARGET_TOL = 1e-6  # targets of one variable must sum to 1 within this
_DENSE_CELLS = 50_000_000  # above this many possible cells, find the occupied ones by sorting


# ---------------------------------------------------------------------------- coding


@dataclass(frozen=True)
class _Cells:
    """Respondents coded into the cells of the weighting variables.

    Each respondent has a ``key`` in the space of all combinations (times distinct base
    weights); ``lookup[key]`` is its unit, a cell split further by distinct base weight
    so that everyone in a unit always shares one weight.  ``cats[k]`` gives each unit's
    category code on variable ``k``, and ``levels[k]`` the category values in code order.
    """

    key: np.ndarray
    lookup: np.ndarray
    count: np.ndarray
    base: np.ndarray
    cats: tuple[np.ndarray, ...]
    levels: tuple[tuple[Any, ...], ...]

    @property
    def unit(self) -> np.ndarray:
        return self.lookup[self.key]

    def spread(self, per_unit: np.ndarray) -> np.ndarray:
        """One value per respondent from one value per unit."""
        if len(self.lookup) == len(per_unit):
            return per_unit[self.key]
        per_key = np.zeros(len(self.lookup))
        per_key[self.occupied] = per_unit
        return per_key[self.key]

    @property
    def occupied(self) -> np.ndarray:
        return np.flatnonzero(self.lookup >= 0)


def _code(data: pd.DataFrame, column: str) -> tuple[np.ndarray, int, Sequence[Any]]:
    """(codes, offset, labels): ``labels[codes - offset]`` are the values, with codes >= offset."""
    values = data[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(dtype=np.int64), 0, list(values.cat.categories)
    if values.dtype.kind in "iu" and len(values):
        arr = values.to_numpy()
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 1_000_000:
            return arr.astype(np.int64, copy=False), lo, range(lo, hi + 1)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), 0, list(uniques)


def _plain(value: Any) -> Any:
    """numpy scalars as Python scalars (float 1.0 becomes int 1) for messages and keys."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _base(data: pd.DataFrame, base_weights: pd.Series | None) -> np.ndarray | None:
    """Checked base weights as an array; None when there are none (all equal to 1)."""
    if base_weights is None:
        return None
    b = pd.Series(base_weights).reindex(data.index).to_numpy(dtype=float, na_value=np.nan)
    bad = int((~np.isfinite(b)).sum())
    if bad:
        raise WeightingError(f"base_weights: {bad} row(s) of the data have no finite base weight")
    if (b <= 0).any():
        raise WeightingError(
            f"base_weights: {int((b <= 0).sum())} base weight(s) are zero or negative"
        )
    return b


def _cells(data: pd.DataFrame, columns: Sequence[str], base: np.ndarray | None) -> _Cells:
    """Code respondents into units; ``base`` None means every base weight is 1."""
    coded = [_code(data, c) for c in columns]
    sizes = [max(len(labels), 1) for _, _, labels in coded]
    key = np.zeros(len(data), dtype=np.int64)
    shift = 0
    for (codes, offset, _), size in zip(coded, sizes):
        key *= size
        key += codes
        shift = shift * size + offset
    if shift:
        key -= shift
    space = int(np.prod(sizes, dtype=np.float64))
    uniform = base is None or (bool(np.all(base == base[0])) if len(base) else True)
    if not uniform:
        bcodes, buniq = pd.factorize(base)
        key = key * len(buniq) + bcodes
        space *= len(buniq)
    if space <= _DENSE_CELLS:
        counts = np.bincount(key, minlength=space)
        occupied = np.flatnonzero(counts)
        lookup = np.full(space, -1, dtype=np.int64)
        lookup[occupied] = np.arange(len(occupied))
        ukeys, count = occupied, counts[occupied]
    else:  # sparse: number the occupied keys 0..m-1 and make that the key space
        ukeys, key, count = np.unique(key, return_inverse=True, return_counts=True)
        lookup = np.arange(len(ukeys))
    if base is None:
        base_unit = np.ones(len(count))
    else:
        base_unit = np.bincount(lookup[key], weights=base, minlength=len(count)) / count
    if not uniform:
        ukeys = ukeys // len(buniq)
    raw_cats = []
    for size in reversed(sizes):
        raw_cats.append(ukeys % size)
        ukeys = ukeys // size
    cats, levels = [], []
    for raw, (_, _, labels) in zip(reversed(raw_cats), coded):
        present, code = np.unique(raw, return_inverse=True)  # categories nobody has are dropped
        cats.append(code.astype(np.int64))
        levels.append(tuple(_plain(labels[i]) for i in present.tolist()))
    return _Cells(key, lookup, count, base_unit, tuple(cats), tuple(levels))


# ---------------------------------------------------------------------------- validation


def _column_problems(data: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    out = []
    for column in columns:
        if column not in data.columns:
            out.append(
                f"target variable '{column}' is not a column of the data "
                f"(columns: {', '.join(map(str, data.columns))})"
            )
            continue
        missing = int(data[column].isna().sum())
        if missing:
            out.append(
                f"weighting variable '{column}' has {missing} missing value(s): "
                "give them a category or leave those rows out before weighting"
            )
    return out


def _share_problems(where: str, shares: Mapping[Any, float]) -> list[str]:
    bad = []
    for cat, share in shares.items():
        try:
            ok = share is not None and bool(np.isfinite(float(share))) and float(share) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            bad.append(
                f"targets for '{where}': category {cat} has an invalid target {share} "
                "(targets must be finite and non-negative)"
            )
    if bad:
        return bad
    total = float(sum(float(s) for s in shares.values()))
    return (
        [f"targets for '{where}' sum to {total:.10g}, not 1"] if abs(total - 1) > TARGET_TOL else []
    )


def _raise(problems: Sequence[str]) -> None:
    if problems:
        raise WeightingError("; ".join(problems))


def _category_problems(where: str, levels: Sequence[Any], shares: Mapping[Any, float]) -> list[str]:
    """Mismatches between the categories respondents have and those with targets."""
    lookup = {_plain(k): float(v) for k, v in shares.items()}
    present = set(levels)
    out = [
        f"'{where}': category {lev} has respondents but no target"
        for lev in levels
        if lev not in lookup
    ]
    out += [
        f"'{where}': category {k} has a target of {v:g} but no respondents (zero-count category)"
        for k, v in lookup.items()
        if k not in present and v > 0
    ]
    out += [
        f"'{where}': category {lev} has respondents but a target of 0 (leave them out before weighting)"
        for lev in levels
        if lookup.get(lev) == 0
    ]
    return out


def _target_vector(levels: Sequence[Any], shares: Mapping[Any, float]) -> np.ndarray:
    lookup = {_plain(k): float(v) for k, v in shares.items()}
    return np.array([lookup[lev] for lev in levels])


# ---------------------------------------------------------------------------- raking


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


def _not_converged(columns: Sequence[str], fit: _Fit, tol: float) -> str:
    bad = [f"{c} (off by {g:.3g})" for c, g in zip(columns, fit.gaps) if g >= tol]
    return ", ".join(bad)


def _rake_fit(
    data: pd.DataFrame,
    targets: Mapping[str, Mapping[Any, float]],
    base_weights: pd.Series | None,
    max_iter: int,
    tol: float,
    bounds: tuple[float, float] | None,
) -> tuple[pd.Series, dict[str, Any]]:
    if not targets:
        raise WeightingError("rake: no targets given")
    columns = list(targets)
    if len(data) == 0:
        raise WeightingError("rake: the data have no rows")
    _check_bounds(bounds)
    _raise(
        _column_problems(data, columns)
        + [p for c in columns for p in _share_problems(c, targets[c])]
    )
    cells = _cells(data, columns, _base(data, base_weights))
    _raise(
        [
            p
            for c, levels in zip(columns, cells.levels)
            for p in _category_problems(c, levels, targets[c])
        ]
    )
    n = len(data)
    totals = [n * _target_vector(levels, targets[c]) for c, levels in zip(columns, cells.levels)]
    start = cells.base * cells.count
    start = start * (n / start.sum())
    if bounds is None:
        fit = _ipf(start, cells.cats, totals, max_iter, tol)
    else:
        fit = _bounded_rake(
            start, cells.cats, totals, max_iter, tol, (float(bounds[0]), float(bounds[1]))
        )
    if not fit.converged:
        what = (
            "raking" if bounds is None else f"bounded raking within ({bounds[0]:g}, {bounds[1]:g})"
        )
        hint = (
            "the targets may be unreachable with these respondents"
            if bounds is None
            else "the margins and the bounds cannot both hold; widen the bounds"
        )
        raise WeightingError(
            f"{what} did not converge in {max_iter} iterations (tol {tol:g}); margins not reached: "
            f"{_not_converged(columns, fit, tol)}; {hint}"
        )
    per = fit.w / cells.count
    info: dict[str, Any] = {"iterations": fit.iterations, "converged": True, "trimmed_share": 0.0}
    if bounds is not None:
        g = fit.w / start
        at_bound = np.isclose(g, bounds[0], rtol=1e-9, atol=0) | np.isclose(
            g, bounds[1], rtol=1e-9, atol=0
        )
        info["trimmed_share"] = float(cells.count[at_bound].sum() / n)
    weights = pd.Series(cells.spread(per), index=data.index, name="weight")
    return weights, info


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
    lo, hi = bounds
    a, b = (np.log(lo) if lo > 0 else -np.inf), np.log(hi)
    X, T = _margin_matrix(cats, totals)

    def g_of(u: np.ndarray) -> np.ndarray:
        return np.clip(np.exp(np.minimum(u, b)), lo, hi)

    def phi(u: np.ndarray, eta: np.ndarray) -> float:
        inside = np.exp(np.clip(u, a, b))
        return float(np.sum(d * (inside + g_of(u) * (u - np.clip(u, a, b)))) - T @ eta)

    eta = np.zeros(X.shape[1])
    for it in range(1, max_iter + 1):
        u = X @ eta
        g = g_of(u)
        misfit = T - X.T @ (d * g)
        if np.all(np.abs(misfit) / (1 + np.abs(T)) < tol):
            return _Fit(d * g, it - 1, True, np.abs(misfit) / (1 + np.abs(T)))
        slope = np.where((u > a) & (u < b), g, 0.0)
        hessian = X.T @ (X * (d * slope)[:, None])
        # Levenberg-Marquardt: a Newton step as the misfit vanishes, a gradient step along the
        # directions a weight held at a bound leaves flat (singular Hessian)
        step = np.linalg.solve(hessian + np.max(np.abs(misfit)) * np.eye(len(eta)), misfit)
        current, worst, t = phi(u, eta), np.max(np.abs(misfit)), 1.0

        def better(
            e: np.ndarray,
            t: float,
            current: float = current,
            worst: float = worst,
            step: np.ndarray = step,
            misfit: np.ndarray = misfit,
        ) -> bool:
            # Armijo on phi; near the solution phi's decrease drowns in its rounding, so a step
            # that shrinks the largest misfit is taken as well
            u_new = X @ e
            return (
                phi(u_new, e) <= current - 1e-4 * t * (misfit @ step)
                or np.max(np.abs(T - X.T @ (d * g_of(u_new)))) < worst
            )

        while t > 1e-12 and not better(eta + t * step, t):
            t /= 2
        eta = eta + t * step
    g = g_of(X @ eta)
    misfit = T - X.T @ (d * g)
    return _Fit(d * g, max_iter, False, np.abs(misfit) / (1 + np.abs(T)))


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
    return _rake_fit(data, targets, base_weights, max_iter, tol, bounds)[0]


# ---------------------------------------------------------------------------- post-stratification


def _cell_key(columns: Sequence[str], key: Any) -> tuple[Any, ...]:
    key = key if isinstance(key, tuple) else (key,)
    if len(key) != len(columns):
        raise WeightingError(
            f"poststratify: target cell {key} does not have one category per variable "
            f"({', '.join(columns)})"
        )
    return tuple(_plain(k) for k in key)


def _poststratify_fit(
    data: pd.DataFrame,
    targets: Mapping[Any, float],
    base_weights: pd.Series | None,
    columns: Sequence[str],
) -> tuple[pd.Series, dict[str, Any]]:
    columns = [columns] if isinstance(columns, str) else list(columns)
    if not columns:
        raise WeightingError("poststratify: no columns given")
    where = " x ".join(columns)
    _raise(_column_problems(data, columns) + _share_problems(where, targets))
    base = _base(data, base_weights)
    base = np.ones(len(data)) if base is None else base
    cells = _cells(data, columns, None)  # pure cells: base weights are applied per row below
    lookup = {_cell_key(columns, k): float(v) for k, v in targets.items()}
    # one entry per occupied cell (few), never per respondent
    keys = list(
        zip(*(np.asarray(levels, dtype=object)[c] for levels, c in zip(cells.levels, cells.cats)))
    )
    present = set(keys)
    _raise(
        [f"'{where}': cell {k} has respondents but no target" for k in keys if k not in lookup]
        + [
            f"'{where}': cell {k} has respondents but a target of 0"
            for k in keys
            if lookup.get(k) == 0
        ]
        + [
            f"'{where}': cell {k} has a target of {v:g} but no respondents (zero-count cell)"
            for k, v in lookup.items()
            if v > 0 and k not in present
        ]
    )
    target = np.array([lookup[k] for k in keys]) * len(data)
    factor = target / np.bincount(cells.unit, weights=base, minlength=len(keys))
    weights = pd.Series(base * cells.spread(factor), index=data.index, name="weight")
    return weights, {"iterations": 1, "converged": True, "trimmed_share": 0.0}


def poststratify(
    data: pd.DataFrame,
    columns: Sequence[str],
    targets: Mapping[Any, float],
    *,
    base_weights: pd.Series | None = None,
) -> pd.Series:
    """Post-stratify to population proportions of the full cross-classification of ``columns``.

    Parameters
    ----------
    data : pandas.DataFrame
    columns : sequence of str
        The stratifying variables.
    targets : mapping
        ``{(category, category, ...): proportion}``, one key per cell, summing to 1
        (a bare category is accepted when there is one column).
    base_weights : pandas.Series, optional

    Returns
    -------
    pandas.Series
        Weights named ``weight``, summing to ``len(data)``: R
        ``postStratify(design, ~a + b, population)`` rescaled.

    Examples
    --------
    >>> d = pd.DataFrame({"sex": [1, 1, 2]})
    >>> poststratify(d, ["sex"], {(1,): 0.5, (2,): 0.5}).tolist()
    [0.75, 0.75, 1.5]
    """
    return _poststratify_fit(data, targets, base_weights, columns)[0]


# ---------------------------------------------------------------------------- one entry with diagnostics


@dataclass
class WeightingResult:
    """Weights and a JSON-serialisable account of how they were made."""

    weights: pd.Series
    diagnostics: dict[str, Any] = field(default_factory=dict)


def _rake_method(
    data: pd.DataFrame,
    targets: Mapping[Any, Any],
    *,
    base_weights: pd.Series | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
    bounds: tuple[float, float] | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    return _rake_fit(data, targets, base_weights, max_iter, tol, bounds)


def _poststratify_method(
    data: pd.DataFrame,
    targets: Mapping[Any, Any],
    *,
    base_weights: pd.Series | None = None,
    columns: Sequence[str] = (),
) -> tuple[pd.Series, dict[str, Any]]:
    return _poststratify_fit(data, targets, base_weights, columns)


WeightingMethod = Callable[..., tuple[pd.Series, dict[str, Any]]]
METHODS: dict[str, WeightingMethod] = {"rake": _rake_method, "poststratify": _poststratify_method}
#: What :func:`weight` reports as the ``algorithm`` of each method (without bounds).
ALGORITHMS = {"rake": "raking", "poststratify": "post-stratification"}


def weighting_summary(weights: pd.Series) -> dict[str, float]:
    """Spread of a set of weights: min, max, mean, CV, Kish design effect and effective n.

    ``deff = n * sum(w**2) / sum(w)**2`` (Kish's design effect of unequal weights)
    and ``n_eff = n / deff``.

    Examples
    --------
    >>> weighting_summary(pd.Series([0.5, 1.5]))["deff"]
    1.25
    """
    w = weights.dropna().to_numpy(dtype=float)
    n = len(w)
    deff = float(n * np.sum(w**2) / np.sum(w) ** 2)
    return {
        "n": int(n),
        "weight_min": float(w.min()),
        "weight_max": float(w.max()),
        "weight_mean": float(w.mean()),
        "weight_cv": float(w.std(ddof=0) / w.mean()),
        "deff": deff,
        "n_eff": float(n / deff),
    }


def _shares(
    weights: pd.Series, data: pd.DataFrame, cols: Sequence[str]
) -> dict[tuple[Any, ...], float]:
    """Weighted share of each observed cell of ``cols``, keyed by tuples of plain values."""
    sums = weights.groupby([data[c] for c in cols], observed=True).sum() / weights.sum()
    return {
        tuple(_plain(v) for v in (k if isinstance(k, tuple) else (k,))): float(v)
        for k, v in sums.items()
    }


def _achieved(
    data: pd.DataFrame,
    weights: pd.Series,
    method: str,
    targets: Mapping[Any, Any],
    columns: Sequence[str],
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    if method == "poststratify":
        cols = [columns] if isinstance(columns, str) else list(columns)
        got = _shares(weights, data, cols)
        keyed = {_cell_key(cols, c): float(v) for c, v in targets.items()}
        name = "|".join(cols)
        return (
            {name: {"|".join(map(str, k)): v for k, v in keyed.items()}},
            {name: {"|".join(map(str, k)): got.get(k, 0.0) for k in keyed}},
        )
    tgt_out, got_out = {}, {}
    for col, shares_t in targets.items():
        got = _shares(weights, data, [col])
        tgt_out[str(col)] = {str(_plain(k)): float(v) for k, v in shares_t.items()}
        got_out[str(col)] = {str(_plain(k)): got.get((_plain(k),), 0.0) for k in shares_t}
    return tgt_out, got_out


def weight(
    data: pd.DataFrame, method: str, targets: Mapping[Any, Any], **opts: Any
) -> WeightingResult:
    """Weight respondents by a named method and report diagnostics.

    Parameters
    ----------
    data : pandas.DataFrame
    method : str
        A key of :data:`METHODS` (``"rake"`` or ``"poststratify"``).
    targets : mapping
        As :func:`rake` or :func:`poststratify` take them.
    **opts
        The method's options (``base_weights``, ``max_iter``, ``tol``, ``bounds``
        for raking; ``columns`` and ``base_weights`` for post-stratification).

    Returns
    -------
    WeightingResult
        ``weights`` and ``diagnostics`` with keys ``method, targets, achieved,
        margins, iterations, converged, n, weight_min, weight_max, weight_mean,
        weight_cv, deff, n_eff, trimmed_share`` (plain floats and str keys;
        ``trimmed_share``: share of respondents whose weight is at a bound), plus
        ``algorithm``: which procedure ran (``"raking"``: R ``rake()``;
        ``"bounded raking"``: R ``calibrate(calfun = "raking", bounds = ...)``, with
        ``bounds``; ``"post-stratification"``: R ``postStratify()``).

    Examples
    --------
    >>> d = pd.DataFrame({"sex": [1, 1, 2]})
    >>> weight(d, "rake", {"sex": {1: 0.5, 2: 0.5}}).diagnostics["deff"]
    1.125
    """
    if method not in METHODS:
        raise WeightingError(
            f"unknown weighting method '{method}' (valid: {', '.join(sorted(METHODS))})"
        )
    weights, info = METHODS[method](data, targets, **opts)
    tgt, got = _achieved(data, weights, method, targets, opts.get("columns", ()))
    margins = {
        col: {
            cat: {"target": t, "achieved": got[col][cat], "difference": got[col][cat] - t}
            for cat, t in cats.items()
        }
        for col, cats in tgt.items()
    }
    diagnostics = {
        "method": method,
        "targets": tgt,
        "achieved": got,
        "margins": margins,
        "iterations": int(info["iterations"]),
        "converged": bool(info["converged"]),
        **weighting_summary(weights),
        "trimmed_share": float(info["trimmed_share"]),
    }
    if opts.get("bounds") is not None:
        diagnostics["bounds"] = [float(b) for b in opts["bounds"]]
    diagnostics["algorithm"] = (
        ALGORITHMS[method] if opts.get("bounds") is None else "bounded raking"
    )
    return WeightingResult(weights, diagnostics)
