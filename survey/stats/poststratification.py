"""Post-stratification to the population proportions of the cells of one or more variables.

The weights are those of R ``postStratify(design, ~a + b, population)`` rescaled to sum
to n: each respondent's base weight times its cell's target over the cell's weighted
count.  Like raking it works on the table of occupied cells
(:mod:`survey.stats.weightcells`), never respondent by respondent.

Examples
--------
>>> import pandas as pd
>>> poststratify(pd.DataFrame({"sex": [1, 1, 2]}), ["sex"], {1: 0.5, 2: 0.5}).tolist()
[0.75, 0.75, 1.5]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import WeightingError
from survey.stats.weightcells import (
    checked_base,
    code_cells,
    column_problems,
    plain,
    raise_problems,
    share_problems,
)


def cell_key(columns: Sequence[str], key: Any) -> tuple[Any, ...]:
    """A target's cell as a tuple of plain values, one per column (a bare category: one column)."""
    key = key if isinstance(key, tuple) else (key,)
    if len(key) != len(columns):
        raise WeightingError(
            f"poststratify: target cell {key} does not have one category per variable "
            f"({', '.join(columns)})"
        )
    return tuple(plain(k) for k in key)


def poststratify_fit(
    data: pd.DataFrame,
    targets: Mapping[Any, float],
    *,
    base_weights: pd.Series | None = None,
    columns: Sequence[str] = (),
) -> tuple[pd.Series, dict[str, Any]]:
    """The weights of :func:`poststratify` and an account as raking gives one (one iteration):
    the ``poststratify`` method of :data:`survey.stats.weighting.METHODS`."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    if not columns:
        raise WeightingError("poststratify: no columns given")
    where = " x ".join(columns)
    raise_problems(column_problems(data, columns) + share_problems(where, targets))
    base = checked_base(data, base_weights)
    base = np.ones(len(data)) if base is None else base
    cells = code_cells(data, columns, None)  # pure cells: base weights are applied per row below
    lookup = {cell_key(columns, k): float(v) for k, v in targets.items()}
    # one entry per occupied cell (few), never per respondent
    keys = list(
        zip(*(np.asarray(levels, dtype=object)[c] for levels, c in zip(cells.levels, cells.cats)))
    )
    present = set(keys)
    raise_problems(
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
    return poststratify_fit(data, targets, base_weights=base_weights, columns=columns)[0]
