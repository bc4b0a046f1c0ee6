"""Banner tables: single- and multiple-response crosstabs with column-proportion letters.

A banner table crosses one question (rows) with the categories of a banner
variable (columns) plus a Total column.  Everything works on integer indices of
codes and ``np.bincount`` sums (:mod:`survey.stats.encoding`), so a table on a
million respondents costs a few bincounts.  A table is made in two steps: its
per-cell sums (:class:`TableSums`, from :func:`single_sums` or :func:`multi_sums`),
then the tidy frame with percentages, column letters and bases
(:func:`table_frame`); :mod:`survey.stats.tables` takes the same two steps for the
plan's whole battery, so its tables are these to the last bit.

Column letters follow SPSS CTABLES "compare column proportions"
(:mod:`survey.stats.comparisons`, whose names stay importable from here).  Tests of
independence live in :mod:`survey.stats.association`.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError, PlanError
from survey.stats.comparisons import (  # noqa: F401 (kept importable from here)
    CORRECTIONS,
    adjust_pvalues,
    check_correction,
    column_letters,
    pairwise_z,
    sig_letters,
)
from survey.stats.encoding import (
    cell_sums,
    code_text,
    encode,
    weight_array,
)

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


# --- from per-cell sums to the tidy table -------------------------------------------


@dataclass(frozen=True)
class TableSums:
    """A banner table's sums: per row and column (banner columns, then Total), and per column."""

    count: np.ndarray  # respondents per cell
    wcount: np.ndarray  # their weights' sum (``count`` when unweighted)
    base: np.ndarray  # per column: respondents of the base of the percentages
    wbase: np.ndarray  # their weights' sum
    n_eff: np.ndarray  # Kish's effective base of the weighted percentages
    n_inside: np.ndarray  # respondents of the base with a positive weight (``base`` unweighted)


def single_sums(
    grids: Sequence[np.ndarray],
    inside: np.ndarray | None,
    net_matrix: np.ndarray,
    substantive: np.ndarray,
    total: str,
) -> TableSums:
    """The sums of a single-response table, its nets added as rows.

    ``grids`` are the counts, weights and squared weights of the (rows + missing) x
    (columns + missing) cells; ``inside`` counts the positive weights per cell (None:
    unweighted).  The base is the respondents with a substantive answer.
    """
    n_rows, n_cols = grids[0].shape[0] - 1, grids[0].shape[1] - 1
    count, wcount, w2 = (_with_total(m[:n_rows], n_cols, total) for m in grids)
    count, wcount, w2 = (np.vstack([m, net_matrix @ m]) for m in (count, wcount, w2))
    base = count[:n_rows][substantive].sum(axis=0)
    wbase = wcount[:n_rows][substantive].sum(axis=0)
    n_eff = _kish(wbase, w2[:n_rows][substantive].sum(axis=0))
    n_inside = (
        base
        if inside is None
        else _with_total(inside[:n_rows], n_cols, total)[substantive].sum(axis=0)
    )
    return TableSums(count, wcount, base, wbase, n_eff, n_inside)


def multi_sums(
    ticks: np.ndarray,
    wticks: np.ndarray,
    per_slot: Sequence[np.ndarray],
    inside: np.ndarray | None,
    total: str,
) -> TableSums:
    """The sums of a multi-select table from its sums per banner slot (banner codes, no banner
    code, not asked): ``ticks`` and ``wticks`` per option, ``per_slot`` the counts, weights and
    squared weights of the respondents, ``inside`` their positive weights (None: unweighted)."""
    n_cols = ticks.shape[1] - 2
    count, wcount = _with_total(ticks, n_cols, total), _with_total(wticks, n_cols, total)
    base, wbase, w2base = (_with_total(m, n_cols, total) for m in per_slot)
    n_inside = base if inside is None else _with_total(inside, n_cols, total)
    return TableSums(count, wcount, base, wbase, _kish(wbase, w2base), n_inside)


def table_frame(
    rows: Sequence[Any],
    row_labels: Sequence[str],
    col_labels: Mapping[Any, str],
    sums: TableSums,
    keep: np.ndarray,
    weighted: bool,
    correction: str,
    alpha: float,
    *,
    responses: bool = False,
) -> pd.DataFrame:
    """The tidy table (:data:`TABLE_COLUMNS`) of ``rows`` by the columns of ``col_labels``.

    ``keep`` marks the rows with percentages and letters (not the non-substantive ones);
    ``responses`` adds the percentages of responses of a multi-select
    (:data:`MULTI_COLUMNS`).
    """
    return columns_frame(
        table_columns(
            rows,
            row_labels,
            col_labels,
            sums,
            keep,
            weighted,
            correction,
            alpha,
            responses=responses,
        )
    )


def table_columns(
    rows: Sequence[Any],
    row_labels: Sequence[str],
    col_labels: Mapping[Any, str],
    sums: TableSums,
    keep: np.ndarray,
    weighted: bool,
    correction: str,
    alpha: float,
    *,
    responses: bool = False,
) -> dict[str, np.ndarray]:
    """The columns of :func:`table_frame` as arrays, in its order (before they make a frame:
    :mod:`survey.stats.tables` joins a whole battery's arrays into one frame)."""
    columns = _assemble(
        list(rows),
        list(row_labels),
        list(col_labels),
        col_labels,
        sums.count,
        sums.wcount,
        sums.base,
        sums.wbase,
        keep,
    )
    if responses:
        columns["pct_of_responses"] = _pct(sums.count, sums.count.sum(axis=0)).ravel()
        columns["weighted_pct_of_responses"] = _pct(sums.wcount, sums.wcount.sum(axis=0)).ravel()
    columns["sig_letters"] = _letters(
        sums.count,
        sums.wcount,
        sums.base,
        sums.wbase,
        sums.n_eff,
        keep,
        weighted,
        correction,
        alpha,
    )
    columns.update(base_columns(sums.base, sums.n_inside, weighted, sums.count.shape[0]))
    return {name: columns[name] for name in (MULTI_COLUMNS if responses else TABLE_COLUMNS)}


#: Columns of codes: objects (ints and strings) whatever pandas would infer.
CODE_COLUMNS = ("row_code", "col_code")


def columns_frame(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """A frame of :func:`table_columns` arrays; the codes stay objects."""
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype=object) if name in CODE_COLUMNS else values
            for name, values in columns.items()
        }
    )


# --- single response --------------------------------------------------------------


# Long: public API; its numpydoc docstring (11 parameters, notes, example) is 66 lines, body 28
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
    check_correction(correction)
    row_codes = list(row_labels)
    r = encode(row, row_codes, "row")
    c = encode(col.reindex(row.index), list(col_labels), "banner")
    w = None if weights is None else weight_array(weights, row.index)
    # every respondent falls in a cell of the (rows + missing) x (columns + missing) grid
    shape = (len(row_codes) + 1, len(col_labels) + 1)
    flat, size = r * shape[1] + c, shape[0] * shape[1]
    grids = [m.reshape(shape) for m in cell_sums(flat, w, size)]
    inside = (
        None
        if w is None
        else np.bincount(flat, weights=(w > 0).astype(float), minlength=size).reshape(shape)
    )
    substantive = np.array([code not in set(nonsubstantive) for code in row_codes])
    net_matrix, net_codes, net_labels = _net_matrix(nets or {}, row_codes, substantive)
    keep = np.concatenate([substantive, np.ones(len(net_codes), dtype=bool)])
    return table_frame(
        row_codes + net_codes,
        [row_labels[k] for k in row_codes] + net_labels,
        col_labels,
        single_sums(grids, inside, net_matrix, substantive, total),
        keep,
        weights is not None,
        correction,
        alpha,
    )


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
    return frame.assign(**base_columns(base, n_inside, weighted, len(frame) // len(base)))


def base_columns(
    base: np.ndarray, n_inside: np.ndarray, weighted: bool, n_rows: int
) -> dict[str, np.ndarray]:
    """:data:`BASE_COLUMNS` of a table of ``n_rows`` rows from its columns' bases (Total last)."""
    shown = n_inside if weighted else base
    return {
        "weighted_n": np.tile(np.asarray(n_inside).round().astype(np.int64), n_rows),
        "low_base": np.tile(np.asarray(shown) < LOW_BASE, n_rows),
    }


def _net_matrix(
    nets: Mapping[str, tuple[str, Collection[Hashable]]],
    row_codes: Sequence[Hashable],
    substantive: np.ndarray,
) -> tuple[np.ndarray, list[str], list[str]]:
    matrix = np.zeros((len(nets), len(row_codes)))
    allowed = {code for code, ok in zip(row_codes, substantive) if ok}
    for k, (name, (label, codes)) in enumerate(nets.items()):
        bad = [code for code in codes if code not in allowed]
        if bad:
            listed = ", ".join(map(code_text, bad))
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
) -> dict[str, np.ndarray]:
    """Flatten (rows x columns-with-Total) arrays into the tidy table's first columns."""
    n_rows, n_cols = count.shape
    cols = col_codes + [TOTAL]
    letters = column_letters(len(col_codes)) + [""]
    return {
        "row_code": np.repeat(np.array(row_codes, dtype=object), n_cols),
        "row_label": np.repeat(np.array(row_labels, dtype=object), n_cols),
        "col_code": np.tile(np.array(cols, dtype=object), n_rows),
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


def _letters(
    count: np.ndarray,
    wcount: np.ndarray,
    base: np.ndarray,
    wbase: np.ndarray,
    n_eff: np.ndarray,
    keep: np.ndarray,
    weighted: bool,
    correction: str,
    alpha: float,
) -> np.ndarray:
    """The ``sig_letters`` column, computed on the banner columns (all but the last)."""
    part, whole, n = (wcount, wbase, n_eff) if weighted else (count, base, base)
    with np.errstate(divide="ignore", invalid="ignore"):
        props = np.where(whole > 0, part / whole, np.nan)[:, :-1]
    found = sig_letters(props, n[:-1], correction=correction, alpha=alpha)
    out = np.full(count.shape, "", dtype=object)
    out[:, :-1] = np.where(keep[:, None], found, "")
    return out.ravel()


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


# Long: public API; its numpydoc docstring is 32 lines, the body 30 (checks, slot sums, frame)
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
    check_correction(correction)
    names = list(option_labels)
    columns, not_asked = option_arrays(options, names)
    n_cols = len(col_labels)
    c = encode(col.reindex(options.index), list(col_labels), "banner")
    w = None if weights is None else weight_array(weights, options.index)
    group = np.where(not_asked, n_cols + 1, c)  # slots: banner codes, no banner code, not asked
    size = n_cols + 2
    # a NaN tick only ever lands in the not-asked slot, which is dropped
    ticks = np.vstack([np.bincount(group, weights=v, minlength=size) for v in columns])
    wticks = (
        ticks
        if w is None
        else np.vstack([np.bincount(group, weights=v * w, minlength=size) for v in columns])
    )
    inside = (
        None if w is None else np.bincount(group, weights=(w > 0).astype(float), minlength=size)
    )
    return table_frame(
        names,
        [option_labels[k] for k in names],
        col_labels,
        multi_sums(ticks, wticks, cell_sums(group, w, size), inside, total),
        np.ones(len(names), dtype=bool),
        weights is not None,
        correction,
        alpha,
        responses=True,
    )


def _with_total(per_slot: np.ndarray, n_cols: int, total: str) -> np.ndarray:
    """Banner columns then Total from sums per banner slot (last axis: columns, no-code, ...)."""
    upto = n_cols + 1 if total == "all" else n_cols
    return np.concatenate(
        [per_slot[..., :n_cols], per_slot[..., :upto].sum(axis=-1, keepdims=True)], axis=-1
    )


def _total_mode(total: str) -> str:
    if total not in TOTAL_MODES:
        raise PlanError(f"unknown total {total!r}; valid: {', '.join(TOTAL_MODES)}")
    return total
