"""Weighting: one entry, :func:`weight`, over the methods by name, with diagnostics.

Every method takes respondents and population *proportions* and returns weights
named ``weight``, aligned with the data's index and summing to the number of
rows (so the mean weight is 1).  The methods are in :data:`METHODS`, one module
each: raking and bounded raking (:mod:`survey.stats.raking`, R ``rake`` and
``calibrate(calfun = "raking", bounds = ...)``) and post-stratification
(:mod:`survey.stats.poststratification`, R ``postStratify``); both work on the
table of cells of :mod:`survey.stats.weightcells`.  :func:`rake` and
:func:`poststratify` stay importable from here.

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
from survey.stats.poststratification import (  # noqa: F401 (poststratify: kept importable from here)
    cell_key,
    poststratify,
    poststratify_fit,
)
from survey.stats.raking import rake, rake_fit  # noqa: F401 (rake: kept importable from here)
from survey.stats.weightcells import TARGET_TOL, plain  # noqa: F401 (TARGET_TOL: as above)


@dataclass
class WeightingResult:
    """Weights and a JSON-serialisable account of how they were made."""

    weights: pd.Series
    diagnostics: dict[str, Any] = field(default_factory=dict)


WeightingMethod = Callable[..., tuple[pd.Series, dict[str, Any]]]
METHODS: dict[str, WeightingMethod] = {"rake": rake_fit, "poststratify": poststratify_fit}
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
        tuple(plain(v) for v in (k if isinstance(k, tuple) else (k,))): float(v)
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
        keyed = {cell_key(cols, c): float(v) for c, v in targets.items()}
        name = "|".join(cols)
        return (
            {name: {"|".join(map(str, k)): v for k, v in keyed.items()}},
            {name: {"|".join(map(str, k)): got.get(k, 0.0) for k in keyed}},
        )
    tgt_out, got_out = {}, {}
    for col, shares_t in targets.items():
        got = _shares(weights, data, [col])
        tgt_out[str(col)] = {str(plain(k)): float(v) for k, v in shares_t.items()}
        got_out[str(col)] = {str(plain(k)): got.get((plain(k),), 0.0) for k in shares_t}
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
    return WeightingResult(
        weights, _diagnostics(method, weights, info, tgt, got, opts.get("bounds"))
    )


def _diagnostics(
    method: str,
    weights: pd.Series,
    info: Mapping[str, Any],
    targets: dict[str, dict[str, float]],
    achieved: dict[str, dict[str, float]],
    bounds: Sequence[float] | None,
) -> dict[str, Any]:
    """The ``diagnostics`` of :func:`weight`, keys in the order ``weighting.json`` shows them."""
    margins = {
        col: {
            cat: {"target": t, "achieved": achieved[col][cat], "difference": achieved[col][cat] - t}
            for cat, t in cats.items()
        }
        for col, cats in targets.items()
    }
    diagnostics = {
        "method": method,
        "targets": targets,
        "achieved": achieved,
        "margins": margins,
        "iterations": int(info["iterations"]),
        "converged": bool(info["converged"]),
        **weighting_summary(weights),
        "trimmed_share": float(info["trimmed_share"]),
    }
    if bounds is not None:
        diagnostics["bounds"] = [float(b) for b in bounds]
    diagnostics["algorithm"] = ALGORITHMS[method] if bounds is None else "bounded raking"
    return diagnostics
