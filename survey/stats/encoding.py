"""Codes as indices and weights as arrays: what every banner table and test counts with.

:func:`encode` turns a column of codes into their positions among the labelled codes
(one extra slot for missing), so that a table's cells are one flat index and its sums
a few :func:`numpy.bincount` calls (:func:`cell_sums`) whatever the number of
respondents; the only Python loops run over the few columns or options of a table.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError


def encode(
    values: pd.Series, codes: Sequence[Hashable], what: str, *, strict: bool = True
) -> np.ndarray:
    """Index of each value in ``codes``; ``len(codes)`` for missing values.

    A value that is not one of ``codes`` raises :class:`DataError` naming it
    (``strict``) or counts as missing.  Missing maps to an extra slot rather
    than being masked out so that callers can ``np.bincount`` a flat cell index
    and slice the slot away: random boolean masks cost more than the counting.

    Examples
    --------
    >>> encode(pd.Series([2, None, 1]), [1, 2], "row").tolist()
    [1, 2, 0]
    """
    codes = list(codes)
    numeric = pd.api.types.is_numeric_dtype(values.dtype) and all(
        isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool)
        for c in codes
    )
    if numeric and codes:
        v = values.to_numpy(dtype=float, na_value=np.nan)
        idx, off = _lookup(v, np.asarray(codes, dtype=float))
    else:
        missing = values.isna().to_numpy()
        objects = values.astype(object).where(~missing, None)
        idx = pd.Index(codes).get_indexer(objects) if codes else np.full(len(values), -1)
        idx = np.where(missing, len(codes), idx)
        off = idx < 0
    if off is not None and off.any():
        if strict:
            bad = pd.unique(values[off])[:5]
            raise DataError(
                f"{what} {values.name!r} has codes without a label: {', '.join(map(code_text, bad))}"
            )
        idx[off] = len(codes)
    return np.asarray(idx, dtype=np.int64)


def _lookup(v: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(index of each value in ``keys``, ``len(keys)`` for NaN; mask of unknown values or None)."""
    k = len(keys)
    if ((keys == np.round(keys)) & (keys >= 0)).all() and keys.max() < 100_000:
        top = int(keys.max()) + 1
        table = np.full(top + 2, -1, dtype=np.int64)  # slot top: out of range; slot -1: NaN
        table[keys.astype(np.int64)] = np.arange(k)
        table[-1] = k
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            slot = v.astype(np.int64)  # NaN becomes a huge negative number, clipped to -1
        np.clip(slot, -1, top, out=slot)
        idx = table[slot]
        nan = np.isnan(v)
        # NaN is the only value allowed to differ from its slot (1.5 is not code 1)
        if np.count_nonzero(idx < 0) == 0 and np.count_nonzero(slot != v) == np.count_nonzero(nan):
            return idx, None
        return idx, ~nan & ((idx < 0) | (slot != v))
    order = np.argsort(keys)
    pos = np.clip(np.searchsorted(keys[order], v), 0, k - 1)
    nan = np.isnan(v)
    idx = np.where(keys[order][pos] == v, order[pos], np.where(nan, k, -1))
    return idx, idx < 0


def weight_array(weights: pd.Series | None, index: pd.Index, what: str = "weights") -> np.ndarray:
    """Weights aligned to ``index`` as floats; ones when ``weights`` is None."""
    if weights is None:
        return np.ones(len(index))
    aligned = (
        weights if weights.index is index or weights.index.equals(index) else weights.reindex(index)
    )
    w = aligned.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(w).all() or (w < 0).any():
        raise DataError(
            f"{what} {weights.name!r} must be finite and non-negative for every respondent"
        )
    return w


def code_text(code: Any) -> str:
    """A code as a message writes it (``2.0`` as ``2``)."""
    if isinstance(code, (float, np.floating)) and float(code).is_integer():
        return str(int(code))
    return str(code)


def cell_sums(
    flat: np.ndarray, w: np.ndarray | None, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts, weight sums and squared-weight sums per cell of a flat index (``w`` None: all 1)."""
    count = np.bincount(flat, minlength=size).astype(float)
    if w is None:
        return count, count, count
    return (
        count,
        np.bincount(flat, weights=w, minlength=size),
        np.bincount(flat, weights=w * w, minlength=size),
    )
