"""Banner tables: single- and multiple-response crosstabs with column-proportion letters.

A banner table crosses one question (rows) with the categories of a banner
variable (columns) plus a Total column.  Everything works on integer indices of
codes and ``np.bincount`` sums, so a table on a million respondents costs a few
bincounts; the only Python loops run over the few columns or options of a table.

Column letters follow SPSS CTABLES "compare column proportions": the banner
columns are lettered A, B, C... in the order of ``col_labels``; in every row,
each pair of columns gets a pooled two-proportion z test, the p-values of the
row are adjusted together, and a column shows the letter of every column it is
significantly larger than.  Tests of independence live in
:mod:`survey.stats.association`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from string import ascii_uppercase
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from survey.errors import DataError, PlanError

TOTAL = "Total"
#: A column whose percentages rest on fewer respondents than this is a low-base column.
LOW_BASE = 30
#: Per column: respondents of the base in the weighted population, and whether the base is low.
BASE_COLUMNS = ["weighted_n", "low_base"]
TABLE_COLUMNS = [
    "row_code",
    "row_label",
    "col_code",
    "col_label",
    "col_letter",
    "count",
    "weighted_count",
    "col_pct",
    "weighted_col_pct",
    "base",
    "weighted_base",
    "sig_letters",
    *BASE_COLUMNS,
]
MULTI_COLUMNS = (
    TABLE_COLUMNS[:9] + ["pct_of_responses", "weighted_pct_of_responses"] + TABLE_COLUMNS[9:]
)
TOTAL_MODES = ("all", "banner")


# --- multiple-comparison corrections -------------------------------------------
# Vectorised over the rows of a table (one family per row, NaN = no test).  They
# reproduce statsmodels ``multipletests`` (tests/test_crosstabs.py checks that);
# statsmodels itself is not called per row because its "holm" branch runs
# ``gc.collect()`` on every call (30 ms each with a large frame in memory).


def _bonferroni(p: np.ndarray) -> np.ndarray:
    m = np.isfinite(p).sum(axis=1, keepdims=True)
    return np.minimum(p * m, 1.0)


def _holm(p: np.ndarray) -> np.ndarray:
    m = np.isfinite(p).sum(axis=1, keepdims=True)
    order = np.argsort(np.where(np.isfinite(p), p, np.inf), axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1)
    steps = (m - np.arange(p.shape[1])) * ranked
    adjusted = np.minimum(np.maximum.accumulate(np.nan_to_num(steps, nan=-np.inf), axis=1), 1.0)
    out = np.full_like(p, np.nan)
    np.put_along_axis(out, order, adjusted, axis=1)
    return np.where(np.isfinite(p), out, np.nan)


def _fdr_bh(p: np.ndarray) -> np.ndarray:
    m = np.isfinite(p).sum(axis=1, keepdims=True)
    order = np.argsort(np.where(np.isfinite(p), p, np.inf), axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1)
    steps = np.where(np.isfinite(ranked), m * ranked / np.arange(1, p.shape[1] + 1), np.inf)
    adjusted = np.minimum(np.minimum.accumulate(steps[:, ::-1], axis=1)[:, ::-1], 1.0)
    out = np.full_like(p, np.nan)
    np.put_along_axis(out, order, adjusted, axis=1)
    return np.where(np.isfinite(p), out, np.nan)


CORRECTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "bonferroni": _bonferroni,
    "holm": _holm,
    "fdr_bh": _fdr_bh,
    "none": lambda p: p,
}


def adjust_pvalues(p: np.ndarray, correction: str = "bonferroni") -> np.ndarray:
    """Adjust p-values within each row of a 2-D array; NaN entries are not tests.

    Parameters
    ----------
    p : ndarray
        Shape (rows, tests); each row is one family.
    correction : str
        A key of :data:`CORRECTIONS` (statsmodels ``multipletests`` method names).

    Examples
    --------
    >>> adjust_pvalues(np.array([[0.01, 0.04, np.nan]]), "bonferroni").tolist()
    [[0.02, 0.08, nan]]
    """
    return CORRECTIONS[_correction(correction)](np.atleast_2d(np.asarray(p, dtype=float)))


def _correction(name: str) -> str:
    if name not in CORRECTIONS:
        raise PlanError(f"unknown correction {name!r}; valid: {', '.join(CORRECTIONS)}")
    return name


# --- column letters ---------------------------------------------------------------


def column_letters(n: int) -> list[str]:
    """Letters of ``n`` banner columns: A..Z, then AA, AB...

    Examples
    --------
    >>> column_letters(3)
    ['A', 'B', 'C']
    """
    out = list(ascii_uppercase[:n])
    for first in ascii_uppercase:
        if len(out) >= n:
            break
        out += [first + second for second in ascii_uppercase][: n - len(out)]
    return out


def pairwise_z(props: np.ndarray, bases: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled two-proportion z tests between every pair of columns of every row.

    ``z = (p_i - p_j) / sqrt(p (1 - p) (1/n_i + 1/n_j))`` with the pooled
    ``p = (n_i p_i + n_j p_j) / (n_i + n_j)``, two-sided ``p = 2 (1 - Phi(|z|))``,
    the statistic of statsmodels ``proportions_ztest`` and SPSS CTABLES.  A column
    takes part in a row only if its base is at least 2 and its proportion lies
    strictly between 0 and 1 (SPSS leaves such columns out of the comparisons);
    other pairs get NaN.

    Parameters
    ----------
    props : ndarray, shape (rows, columns)
        Proportions (0-1).
    bases : ndarray, shape (columns,) or (rows, columns)
        The n of each proportion (effective n for weighted tables).

    Returns
    -------
    (i, j, p_value)
        Column indices of each pair (``i < j``) and p-values, shape (rows, pairs).
    """
    props = np.atleast_2d(props)
    bases = np.broadcast_to(bases, props.shape)
    i, j = np.triu_indices(props.shape[1], 1)
    usable = (bases >= 2) & (props > 0) & (props < 1)
    n1, n2, p1, p2 = bases[:, i], bases[:, j], props[:, i], props[:, j]
    pooled = (n1 * p1 + n2 * p2) / np.where(n1 + n2 > 0, n1 + n2, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    pvalue = np.where(usable[:, i] & usable[:, j], 2 * norm.sf(np.abs(z)), np.nan)
    return i, j, pvalue


def sig_letters(
    props: np.ndarray,
    bases: np.ndarray,
    *,
    correction: str = "bonferroni",
    alpha: float = 0.05,
    letters: Sequence[str] | None = None,
) -> np.ndarray:
    """Letters of the columns each column is significantly larger than, per row.

    Parameters
    ----------
    props, bases
        As for :func:`pairwise_z`.
    correction : str
        How the p-values of one row are adjusted (:data:`CORRECTIONS`).
    alpha : float
        Two-sided significance level applied to the adjusted p-values.
    letters : sequence of str, optional
        The columns' letters; :func:`column_letters` by default.

    Returns
    -------
    ndarray of str, shape (rows, columns)

    Examples
    --------
    >>> sig_letters(np.array([[0.5, 0.2]]), np.array([100, 100])).tolist()
    [['B', '']]
    """
    props = np.atleast_2d(np.asarray(props, dtype=float))
    letters = list(letters) if letters is not None else column_letters(props.shape[1])
    i, j, pvalue = pairwise_z(props, np.asarray(bases, dtype=float))
    significant = adjust_pvalues(pvalue, correction) < alpha
    beats = np.zeros(props.shape + (props.shape[1],), dtype=bool)  # beats[row, winner, loser]
    first_larger = props[:, i] > props[:, j]
    rows = np.arange(props.shape[0])[:, None]
    beats[rows, i, j] = significant & first_larger
    beats[rows, j, i] = significant & ~first_larger
    out = np.full(props.shape, "", dtype=object)
    for loser, letter in enumerate(letters):
        out = out + np.where(beats[:, :, loser], letter, "")
    return out


# --- encoding ---------------------------------------------------------------------


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
                f"{what} {values.name!r} has codes without a label: {', '.join(map(_code_text, bad))}"
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


def _code_text(code: Any) -> str:
    if isinstance(code, (float, np.floating)) and float(code).is_integer():
        return str(int(code))
    return str(code)


def _sums(
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


def _total_mode(total: str) -> str:
    if total not in TOTAL_MODES:
        raise PlanError(f"unknown total {total!r}; valid: {', '.join(TOTAL_MODES)}")
    return total


# --- single response --------------------------------------------------------------


def crosstab(
    row: pd.Series,
    col: pd.Series,
    weights: pd.Series | None = None,
    *,
    row_labels: Mapping[Hashable, str],
    col_labels: Mapping[Hashable, str],
    nonsubstantive: Collection[Hashable] = (),
    nets: Mapping[str, tuple[str, Collection[Hashable]]] | None = None,
    correction: str = "bonferroni",
    alpha: float = 0.05,
    total: str = "all",
) -> pd.DataFrame:
    """Banner table of a single-response question, tidy, with column letters.

    Parameters
    ----------
    row : Series
        Codes of the question; NaN for respondents not asked.
    col : Series
        Codes of the banner variable; a respondent with NaN is left out of the
        banner columns.
    weights : Series, optional
        Respondent weights (same index); None gives an unweighted table whose
        ``weighted_*`` columns equal the unweighted ones.
    row_labels, col_labels : Mapping
        Code -> label, in display order.  A code in the data without a label
        raises :class:`DataError`.
    nonsubstantive : collection
        Row codes ("don't know") listed with counts but without percentages;
        they are outside every base.
    nets : Mapping, optional
        ``name -> (label, codes)``: extra rows counting respondents whose code is
        one of ``codes`` (substantive codes only), after the categories, with
        ``row_code`` ``"net:<name>"``.
    correction : str
        Adjustment of the pairwise p-values of one row: "bonferroni" (default),
        "holm", "fdr_bh" or "none".
    alpha : float
        Significance level of the letters.
    total : str
        "all" (default): the Total column counts every respondent with an
        answer, including those without a banner code, so it equals the
        topline; "banner": only respondents in a banner column (SPSS CTABLES).

    Returns
    -------
    DataFrame
        One row per (row category or net, column), the banner columns in the
        order of ``col_labels`` then ``col_code == "Total"``.  Columns
        :data:`TABLE_COLUMNS`; ``col_pct``/``weighted_col_pct`` are percentages
        (0-100) of the column's base, the respondents in the column with a
        substantive answer (``base``; ``weighted_base`` sums their weights).
        ``weighted_n``: the respondents of the base with a positive weight (the
        weighted population, the unweighted base of ``weighted_col_pct``;
        ``base`` when unweighted).  ``low_base``: the base of the percentages
        a reader is shown (``weighted_n`` when weighted, else ``base``) is
        under :data:`LOW_BASE`.

    Notes
    -----
    Letters: in every substantive or net row, each pair of banner columns is
    compared with the pooled z test of :func:`pairwise_z`, the row's p-values
    are adjusted with ``correction`` over the pairs actually tested, and a
    column's ``sig_letters`` lists, in letter order, the columns it is larger
    than at ``alpha``.  Weighted tables compare the weighted proportions with
    each column's Kish effective base ``(sum w)^2 / sum w^2`` over its base
    respondents as n.  Columns with a base under 2 or a proportion of exactly
    0 or 1 in a row are not compared in that row.  Total and non-substantive
    rows get no letters.

    Examples
    --------
    >>> t = crosstab(pd.Series([1, 2, 1, 9]), pd.Series([1, 1, 2, 2]),
    ...              row_labels={1: "Yes", 2: "No", 9: "DK"}, col_labels={1: "M", 2: "F"},
    ...              nonsubstantive=[9])
    >>> t.loc[t.col_code == "Total", "col_pct"].round(1).tolist()
    [66.7, 33.3, nan]
    """
    _total_mode(total)
    _correction(correction)
    row_codes, col_codes = list(row_labels), list(col_labels)
    r = encode(row, row_codes, "row")
    c = encode(col.reindex(row.index), col_codes, "banner")
    w = None if weights is None else weight_array(weights, row.index)
    n_rows, n_cols = len(row_codes), len(col_codes)
    # every respondent falls in a cell of the (rows + missing) x (columns + missing) grid
    flat, size = r * (n_cols + 1) + c, (n_rows + 1) * (n_cols + 1)
    grid = [m.reshape(n_rows + 1, n_cols + 1)[:n_rows] for m in _sums(flat, w, size)]
    count, wcount, w2 = (_with_total(m, n_cols, total) for m in grid)

    substantive = np.array([code not in set(nonsubstantive) for code in row_codes])
    net_matrix, net_codes, net_labels = _net_matrix(nets or {}, row_codes, substantive)
    count, wcount, w2 = (np.vstack([m, net_matrix @ m]) for m in (count, wcount, w2))
    keep = np.concatenate([substantive, np.ones(len(net_codes), dtype=bool)])

    base = count[:n_rows][substantive].sum(axis=0)
    wbase = wcount[:n_rows][substantive].sum(axis=0)
    n_eff = _kish(wbase, w2[:n_rows][substantive].sum(axis=0))
    n_inside = (
        base
        if w is None
        else _with_total(
            np.bincount(flat, weights=(w > 0).astype(float), minlength=size).reshape(
                n_rows + 1, n_cols + 1
            )[:n_rows],
            n_cols,
            total,
        )[substantive].sum(axis=0)
    )
    frame = _assemble(
        row_codes + net_codes,
        [row_labels[k] for k in row_codes] + net_labels,
        col_codes,
        col_labels,
        count,
        wcount,
        base,
        wbase,
        keep,
    )
    frame = _with_letters(
        frame, count, wcount, base, wbase, n_eff, keep, weights is not None, correction, alpha
    )
    return with_bases(frame, base, n_inside, weights is not None)


def with_bases(
    frame: pd.DataFrame, base: np.ndarray, n_inside: np.ndarray, weighted: bool
) -> pd.DataFrame:
    """Add :data:`BASE_COLUMNS` to a table from its columns' bases (Total last).

    Examples
    --------
    >>> t = pd.DataFrame({"col_code": [1, 2, "Total"]})
    >>> with_bases(t, np.array([40, 25, 65]), np.array([31, 0, 31]), True).low_base.tolist()
    [False, True, False]
    """
    n_rows = len(frame) // len(base)
    shown = n_inside if weighted else base
    return frame.assign(
        weighted_n=np.tile(np.asarray(n_inside).round().astype(np.int64), n_rows),
        low_base=np.tile(np.asarray(shown) < LOW_BASE, n_rows),
    )


def _net_matrix(
    nets: Mapping[str, tuple[str, Collection[Hashable]]],
    row_codes: list[Hashable],
    substantive: np.ndarray,
) -> tuple[np.ndarray, list[str], list[str]]:
    matrix = np.zeros((len(nets), len(row_codes)))
    allowed = {code for code, ok in zip(row_codes, substantive) if ok}
    for k, (name, (label, codes)) in enumerate(nets.items()):
        bad = [code for code in codes if code not in allowed]
        if bad:
            listed = ", ".join(map(_code_text, bad))
            raise PlanError(
                f"net {name!r} names codes that are not substantive row codes: {listed}"
            )
        matrix[k] = [code in set(codes) for code in row_codes]
    return matrix, [f"net:{name}" for name in nets], [label for label, _ in nets.values()]


def _kish(wsum: np.ndarray, w2sum: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w2sum > 0, wsum**2 / w2sum, 0.0)


def _pct(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, 100 * part / whole, np.nan)


def _assemble(
    row_codes: list[Any],
    row_labels: list[str],
    col_codes: list[Any],
    col_labels: Mapping[Hashable, str],
    count: np.ndarray,
    wcount: np.ndarray,
    base: np.ndarray,
    wbase: np.ndarray,
    keep: np.ndarray,
) -> pd.DataFrame:
    """Flatten (rows x columns-with-Total) arrays into the tidy frame."""
    n_rows, n_cols = count.shape
    cols = col_codes + [TOTAL]
    letters = column_letters(len(col_codes)) + [""]
    frame = pd.DataFrame(
        {
            "row_code": pd.Series(
                np.repeat(np.array(row_codes, dtype=object), n_cols), dtype=object
            ),
            "row_label": np.repeat(np.array(row_labels, dtype=object), n_cols),
            "col_code": pd.Series(np.tile(np.array(cols, dtype=object), n_rows), dtype=object),
            "col_label": np.tile(
                np.array([col_labels[k] for k in col_codes] + [TOTAL], dtype=object), n_rows
            ),
            "col_letter": np.tile(np.array(letters, dtype=object), n_rows),
            "count": count.ravel().round().astype(np.int64),
            "weighted_count": wcount.ravel(),
            "col_pct": np.where(keep[:, None], _pct(count, base), np.nan).ravel(),
            "weighted_col_pct": np.where(keep[:, None], _pct(wcount, wbase), np.nan).ravel(),
            "base": np.tile(base.round().astype(np.int64), n_rows),
            "weighted_base": np.tile(wbase, n_rows),
        }
    )
    return frame


def _with_letters(
    frame: pd.DataFrame,
    count: np.ndarray,
    wcount: np.ndarray,
    base: np.ndarray,
    wbase: np.ndarray,
    n_eff: np.ndarray,
    keep: np.ndarray,
    weighted: bool,
    correction: str,
    alpha: float,
) -> pd.DataFrame:
    """Add ``sig_letters`` computed on the banner columns (all but the last)."""
    part, whole, n = (wcount, wbase, n_eff) if weighted else (count, base, base)
    with np.errstate(divide="ignore", invalid="ignore"):
        props = np.where(whole > 0, part / whole, np.nan)[:, :-1]
    found = sig_letters(props, n[:-1], correction=correction, alpha=alpha)
    out = np.full(count.shape, "", dtype=object)
    out[:, :-1] = np.where(keep[:, None], found, "")
    return frame.assign(sig_letters=out.ravel())


# --- multiple response ------------------------------------------------------------


def option_arrays(
    options: pd.DataFrame, names: Sequence[str]
) -> tuple[list[np.ndarray], np.ndarray]:
    """The 0/1 option columns as float arrays, and who was not asked (NaN in any option).

    Raises
    ------
    DataError
        An option is missing from ``options`` or holds values other than 0, 1 and missing.
    """
    missing = [name for name in names if name not in options.columns]
    if missing:
        raise DataError(f"multi-response options missing from the data: {', '.join(missing)}")
    columns = [options[name].to_numpy(dtype=float, na_value=np.nan) for name in names]
    not_asked = np.zeros(len(options), dtype=bool)
    for name, v in zip(names, columns):
        nan = np.isnan(v)
        if np.count_nonzero(v == 0) + np.count_nonzero(v == 1) + np.count_nonzero(nan) != len(v):
            raise DataError(
                f"multi-response option {name!r} has values other than 0, 1 and missing"
            )
        not_asked |= nan
    return columns, not_asked


def multi_response(
    options: pd.DataFrame,
    col: pd.Series,
    weights: pd.Series | None = None,
    *,
    option_labels: Mapping[str, str],
    col_labels: Mapping[Hashable, str],
    correction: str = "bonferroni",
    alpha: float = 0.05,
    total: str = "all",
) -> pd.DataFrame:
    """Banner table of a multi-select question (SPSS multiple dichotomy set).

    Parameters
    ----------
    options : DataFrame
        One 0/1 column per option; a respondent with NaN in any option was not
        asked and is outside the base.
    col, weights, correction, alpha, total
        As for :func:`crosstab`.
    option_labels : Mapping
        Option column -> label, in display order (``row_code`` is the column).
    col_labels : Mapping
        Banner code -> label, in display order.

    Returns
    -------
    DataFrame
        Columns :data:`MULTI_COLUMNS`.  ``base`` = respondents asked in the
        column (those who ticked nothing included); ``col_pct`` = % of
        respondents (cases) ticking the option; ``pct_of_responses`` = % of all
        ticks in the column (SPSS MULT RESPONSE "Pct of Responses"; sums to 100).
        Letters compare the % of cases as in :func:`crosstab`.  Unlike SPSS MULT
        RESPONSE's default, respondents asked who ticked nothing stay in the base.

    Examples
    --------
    >>> opts = pd.DataFrame({"a": [1, 1, 0, np.nan], "b": [1, 0, 0, np.nan]})
    >>> t = multi_response(opts, pd.Series([1, 1, 1, 1]), option_labels={"a": "A", "b": "B"},
    ...                    col_labels={1: "All"})
    >>> t.loc[t.col_code == "Total", ["col_pct", "pct_of_responses"]].round(1).values.tolist()
    [[66.7, 66.7], [33.3, 33.3]]
    """
    _total_mode(total)
    _correction(correction)
    names = list(option_labels)
    columns, not_asked = option_arrays(options, names)
    col_codes = list(col_labels)
    n_cols = len(col_codes)
    c = encode(col.reindex(options.index), col_codes, "banner")
    w = None if weights is None else weight_array(weights, options.index)
    group = np.where(not_asked, n_cols + 1, c)  # slots: banner codes, no banner code, not asked
    size = n_cols + 2
    # a NaN tick only ever lands in the not-asked slot, which is dropped
    count = np.vstack([np.bincount(group, weights=v, minlength=size) for v in columns])
    wcount = (
        count
        if w is None
        else np.vstack([np.bincount(group, weights=v * w, minlength=size) for v in columns])
    )
    count, wcount = _with_total(count, n_cols, total), _with_total(wcount, n_cols, total)
    base, wbase, w2base = (_with_total(m, n_cols, total) for m in _sums(group, w, size))
    n_eff = _kish(wbase, w2base)
    n_inside = (
        base
        if w is None
        else _with_total(
            np.bincount(group, weights=(w > 0).astype(float), minlength=size), n_cols, total
        )
    )
    keep = np.ones(len(names), dtype=bool)
    frame = _assemble(
        names,
        [option_labels[k] for k in names],
        col_codes,
        col_labels,
        count,
        wcount,
        base,
        wbase,
        keep,
    )
    frame = frame.assign(
        pct_of_responses=_pct(count, count.sum(axis=0)).ravel(),
        weighted_pct_of_responses=_pct(wcount, wcount.sum(axis=0)).ravel(),
    )
    frame = _with_letters(
        frame, count, wcount, base, wbase, n_eff, keep, weights is not None, correction, alpha
    )
    return with_bases(frame, base, n_inside, weights is not None)[MULTI_COLUMNS]


def _with_total(per_slot: np.ndarray, n_cols: int, total: str) -> np.ndarray:
    """Banner columns then Total from sums per banner slot (last axis: columns, no-code, ...)."""
    upto = n_cols + 1 if total == "all" else n_cols
    return np.concatenate(
        [per_slot[..., :n_cols], per_slot[..., :upto].sum(axis=-1, keepdims=True)], axis=-1
    )
