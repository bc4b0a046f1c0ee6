"""Covariate patterns of categorical predictors: the design matrix, each row's pattern, the sums.

Every respondent with the same codes has the same row of a model's design matrix, so a
logistic regression on categorical background variables needs only one row per pattern
and a few sums per pattern (:func:`pattern_sums`): time and memory grow with the
patterns, not with the respondents.  Ours because no library collapses a design this way
while keeping R's treatment coding (first category the reference, ``var=code`` terms).
Columns of numpy numbers are handled as arrays (:func:`code_columns`): pandas' ``unique``,
``factorize`` and ``==`` on the array instead of a Series per operation, the same codes,
categories and dummies (tested against the Series path); with the designs as arrays
instead of DataFrames this took the odds ratios' pandas overhead from about 0.3 s to a
few hundredths.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import NamedTuple

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.stats.models import _categories


class Design(NamedTuple):
    """A treatment-coded design: the matrix and what its columns are."""

    x: np.ndarray  # Fortran order (as a DataFrame's values): intercept, then the dummies
    terms: list[str]  # "intercept", then "<variable>=<category>"
    categories: dict[str, Hashable]  # each dummy's category
    references: dict[str, Hashable]  # each variable's reference category

    def variable(self, k: int) -> str:
        """The variable of column ``k`` (its term up to the first ``=``)."""
        return self.terms[k].split("=", 1)[0]

    def is_reference(self, var: str) -> np.ndarray:
        """Rows in the reference category of ``var`` (none of its dummies set)."""
        dummies = [k for k in range(1, len(self.terms)) if self.variable(k) == var]
        return np.logical_not(self.x[:, dummies].any(axis=1))


#: Codes by variable: a numpy array of numbers without NaN, or a Series (:func:`code_columns`).
Columns = dict[Hashable, "pd.Series | np.ndarray"]


def code_columns(X: pd.DataFrame | Columns) -> Columns:
    """The columns of ``X``, those of numpy numbers without NaN as arrays.

    For those the Series' ``unique``, ``factorize`` and ``==`` are numpy's on the
    array, without a Series per operation; the others stay Series.
    """
    return {name: _plain(values) for name, values in X.items()}


def _plain(values: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    if isinstance(values, pd.Series):
        if not isinstance(values.dtype, np.dtype):
            return values
        codes = values.to_numpy()
    else:
        codes = values
    if codes.dtype.kind in "iu" or (codes.dtype.kind == "f" and not np.isnan(codes).any()):
        return codes
    return values if isinstance(values, pd.Series) else pd.Series(values)


def _take(values: pd.Series | np.ndarray, rows: np.ndarray | None) -> pd.Series | np.ndarray:
    if rows is None:
        return values
    return values[rows] if isinstance(values, np.ndarray) else values.iloc[rows]


def treatment_design(X: pd.DataFrame | Columns, rows: np.ndarray | None = None) -> Design:
    """Intercept plus treatment dummies of the codes in ``X`` (no missing values).

    Each column's categories are :func:`~survey.stats.models._categories` (a
    categorical's order, else the sorted codes); the first is the reference.
    ``rows``: positions of the rows to take (all: None), as ``X.iloc[rows]``.
    """
    columns: list[np.ndarray] = []
    terms = ["intercept"]
    categories: dict[str, Hashable] = {}
    references: dict[str, Hashable] = {}
    n = len(rows) if rows is not None else len(X) if isinstance(X, pd.DataFrame) else 0
    for name, whole in code_columns(X).items():
        values = _take(whole, rows)
        n = len(values)
        if isinstance(values, np.ndarray):  # as the Series would, without a Series per category
            cats: list[Hashable] = sorted(pd.unique(values).tolist())
        else:
            cats = _categories(values)
        if len(cats) < 2:
            raise DataError(
                f"background variable {name!r} has fewer than 2 categories among complete cases"
            )
        references[str(name)] = cats[0]
        for cat in cats[1:]:
            term = f"{name}={code_label(cat)}"
            columns.append(
                (values == cat).astype(float)
                if isinstance(values, np.ndarray)
                else (values == cat).to_numpy(dtype=float)
            )
            terms.append(term)
            categories[term] = cat
    return Design(np.array([np.ones(n), *columns]).T, terms, categories, references)


def design_matrix(X: pd.DataFrame) -> pd.DataFrame:
    """Intercept plus treatment dummies (:func:`treatment_design`); ``attrs`` keep categories and references."""
    design = treatment_design(X)
    frame = pd.DataFrame(design.x, index=X.index, columns=design.terms)
    frame.attrs.update(categories=design.categories, references=design.references)
    return frame


def code_label(code: Hashable) -> str:
    return (
        str(int(code))
        if isinstance(code, (float, np.floating)) and float(code).is_integer()
        else str(code)
    )


class Patterns(NamedTuple):
    """Complete cases collapsed to their covariate patterns (sums per pattern)."""

    x: np.ndarray  # design rows (Fortran order), one per pattern
    respondents: np.ndarray  # respondents per pattern
    ones: np.ndarray  # respondents with y = 1
    w: np.ndarray  # sum w (count when unweighted)
    wy: np.ndarray  # sum w y
    w2y: np.ndarray  # sum w^2 y
    w2n: np.ndarray  # sum w^2 (1 - y)

    def subset(self, rows: np.ndarray, columns: list[int]) -> Patterns:
        """The patterns ``rows`` (a mask) with the design columns ``columns``."""
        return Patterns(
            np.asfortranarray(self.x[np.ix_(rows, np.asarray(columns, dtype=np.intp))]),
            *(a[rows] for a in self[1:]),
        )


def pattern_index(X: pd.DataFrame | Columns) -> tuple[np.ndarray, np.ndarray]:
    """Covariate pattern of every row, and one row of each pattern.

    Parameters
    ----------
    X : DataFrame or Columns
        Codes without missing values.

    Returns
    -------
    pattern : ndarray of int64
        0..P-1, rows with equal codes in every column share a number (in
        the lexicographic order of the columns' codes, each column's codes
        numbered in order of first appearance).
    first : ndarray of int64
        The first row of each pattern.
    """
    columns = code_columns(X)
    key = np.zeros(len(next(iter(columns.values()))) if columns else 0, dtype=np.int64)
    size = 1
    for values in columns.values():
        codes, uniques = pd.factorize(values)
        if (
            size * len(uniques) > 2**62
        ):  # the product of the cardinalities would overflow: renumber first
            key = _renumber(key, size)
            size = int(key.max()) + 1 if len(key) else 1
        key = key * len(uniques) + codes
        size *= max(len(uniques), 1)
    pattern = _renumber(key, size)
    first = np.full(int(pattern.max()) + 1 if len(pattern) else 0, len(pattern), dtype=np.int64)
    np.minimum.at(first, pattern, np.arange(len(pattern)))
    return pattern, first


def _renumber(key: np.ndarray, size: int) -> np.ndarray:
    """Number the distinct values of ``key`` (all in ``0..size-1``) 0, 1, ... in ascending order."""
    if size <= 4 * len(key) + 1024:  # dense enough for a table of every possible key
        seen = np.zeros(size, dtype=bool)
        seen[key] = True
        return (np.cumsum(seen) - 1)[key]
    return np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64, copy=False)


def pattern_sums(
    X: pd.DataFrame | Columns, y: np.ndarray, w: np.ndarray | None
) -> tuple[Design, Patterns, np.ndarray]:
    """Design matrix and sums of every covariate pattern of the complete cases.

    Parameters
    ----------
    X : DataFrame or Columns
        Codes of the complete cases.
    y : ndarray
        Their 0/1 answers.
    w : ndarray or None
        Their weights; None: every weight 1.

    Returns
    -------
    Design
        One design row per pattern (:func:`treatment_design` of each
        pattern's first respondent, so the same categories and references as
        for all respondents).
    Patterns
        Those rows and the sums of each pattern.
    pattern : ndarray of int64
        Each respondent's pattern (:func:`pattern_index`).
    """
    X = code_columns(X)
    pattern, first = pattern_index(X)
    size = len(first)
    count = np.bincount(pattern, minlength=size).astype(float)
    ones = np.bincount(pattern, weights=y, minlength=size)
    if w is None:
        sums: tuple[np.ndarray, ...] = (count, ones, ones, count - ones)
    else:
        ww = w * w
        sums = tuple(
            np.bincount(pattern, weights=v, minlength=size)
            for v in (w, w * y, ww * y, ww * (1 - y))
        )
    design = treatment_design(X, first)
    return design, Patterns(design.x, count, ones, *sums), pattern
