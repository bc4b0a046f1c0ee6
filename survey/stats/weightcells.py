"""The common ground of the weighting methods: respondents coded into cells, targets checked.

Every method works on the table of unique cells of the weighting variables, never
respondent by respondent: the rows are coded once (:func:`code_cells`), their base
weights summed per cell with :func:`numpy.bincount`, the cell table weighted, and each
respondent's weight is its base weight times its cell's factor (:meth:`Cells.spread`).
The checks here name every bad target, category and base weight at once
(:class:`~survey.errors.WeightingError`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import WeightingError

TARGET_TOL = 1e-6  # targets of one variable must sum to 1 within this
_DENSE_CELLS = 50_000_000  # above this many possible cells, find the occupied ones by sorting


# ---------------------------------------------------------------------------- coding


@dataclass(frozen=True)
class Cells:
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


def code_column(data: pd.DataFrame, column: str) -> tuple[np.ndarray, int, Sequence[Any]]:
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


def plain(value: Any) -> Any:
    """numpy scalars as Python scalars (float 1.0 becomes int 1) for messages and keys."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def checked_base(data: pd.DataFrame, base_weights: pd.Series | None) -> np.ndarray | None:
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


def code_cells(data: pd.DataFrame, columns: Sequence[str], base: np.ndarray | None) -> Cells:
    """Code respondents into units; ``base`` None means every base weight is 1."""
    coded = [code_column(data, c) for c in columns]
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
        levels.append(tuple(plain(labels[i]) for i in present.tolist()))
    return Cells(key, lookup, count, base_unit, tuple(cats), tuple(levels))


# ---------------------------------------------------------------------------- validation


def column_problems(data: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """Weighting variables that are not columns of ``data`` or have missing values."""
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


def share_problems(where: str, shares: Mapping[Any, float]) -> list[str]:
    """Targets of ``where`` that are not finite and non-negative, or do not sum to 1."""
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


def raise_problems(problems: Sequence[str]) -> None:
    """One :class:`WeightingError` listing every problem (none: nothing happens)."""
    if problems:
        raise WeightingError("; ".join(problems))


def category_problems(where: str, levels: Sequence[Any], shares: Mapping[Any, float]) -> list[str]:
    """Mismatches between the categories respondents have and those with targets."""
    lookup = {plain(k): float(v) for k, v in shares.items()}
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


def target_vector(levels: Sequence[Any], shares: Mapping[Any, float]) -> np.ndarray:
    """The target of each of ``levels``, in their order."""
    lookup = {plain(k): float(v) for k, v in shares.items()}
    return np.array([lookup[lev] for lev in levels])
