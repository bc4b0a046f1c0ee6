"""The plan's table battery: every question by every banner variable, with tests.

The banner (which background variables go across the top, and their nets) is
the analysis plan's; the rows (questions, codes, labels, nets, non-substantive
codes, skip logic) are the instrument's.  This module only pairs them and calls
:func:`survey.stats.crosstabs.crosstab`, :func:`survey.stats.crosstabs.multi_response` and
:func:`survey.stats.association.table_tests` once per table.

Examples
--------
>>> from survey import Study
>>> study = Study.from_plan("analysis/ccg-2020.yaml")           # doctest: +SKIP
>>> tables, tests = battery(study.data, study.instrument, study.plan, study.weights)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from survey.clean.recode import multi_frame
from survey.instrument import Instrument, Question
from survey.instrument.plan import Plan
from survey.stats import association, crosstabs

TABLE_COLUMNS = [
    "question",
    "banner",
    *[c for c in crosstabs.TABLE_COLUMNS if c not in crosstabs.BASE_COLUMNS],
    "pct_of_responses",
    "weighted_pct_of_responses",
    *crosstabs.BASE_COLUMNS,
]
TEST_COLUMNS = [
    "question",
    "banner",
    "pearson_chi2",
    "pearson_df",
    "pearson_p",
    "cramers_v",
    "rao_scott_f",
    "rao_scott_df1",
    "rao_scott_df2",
    "rao_scott_p",
    "fisher_p",
    "min_expected",
    "low_base_columns",
    "rao_scott_chisq",
    "rao_scott_chisq_p",
    "low_expected",
    "option",
    "rao_scott_note",
    "pearson_rows",
    "pearson_cols",
    "pearson_n",
    "rao_scott_rows",
    "rao_scott_cols",
    "rao_scott_n",
    *association.MMI_KEYS,
]
#: Test columns holding counts (nullable integers: empty where a test is not computed)
COUNT_COLUMNS = [
    "pearson_df",
    "pearson_rows",
    "pearson_cols",
    "pearson_n",
    "rao_scott_rows",
    "rao_scott_cols",
    "rao_scott_n",
    "mmi_options",
    "mmi_rows",
    "mmi_n",
]
#: ``option`` of the row holding a multi-select's overall test (multiple marginal independence)
ALL_OPTIONS = "all"


@dataclass(frozen=True)
class Banner:
    """One banner variable: its codes per respondent and its column labels in order."""

    id: str
    codes: pd.Series
    labels: dict[int, str]


def banners(
    data: pd.DataFrame, instrument: Instrument, plan: Plan, lang: str = "en"
) -> list[Banner]:
    """The plan's banner variables, then its nets (regroupings of a banner variable)."""
    out = []
    for name in plan.banner:
        labels = {c.code: c.text(lang) for c in instrument.codes_of(name) if not c.nonsubstantive}
        values = _numeric_codes(data[name], labels)
        if values is None:
            codes = data[name].astype("Float64").where(data[name].isin(list(labels)))
            codes = codes.astype(float)
        else:  # the same codes, without pandas' extension-array steps
            kept = np.where(np.isin(values, list(labels)), values, np.nan)
            codes = pd.Series(kept, index=data.index, name=name)
        out.append(Banner(name, codes, labels))
    for net in plan.banner_nets:
        out.append(_net_banner(data, net, lang))
    return out


def _net_banner(data: pd.DataFrame, net: Mapping[str, Any], lang: str) -> Banner:
    """A banner net: each group's code for the respondents with one of its source codes."""
    column = data[net["from"]]
    values = _numeric_codes(column, [code for g in net["groups"] for code in g["codes"]])
    labels = {int(g["code"]): g["label"].get(lang) or g["label"]["en"] for g in net["groups"]}
    if values is None:
        source = column.astype("Float64").astype(float)
        codes = pd.Series(np.nan, index=data.index)
        for group in net["groups"]:
            codes = codes.mask(source.isin(group["codes"]), float(group["code"]))
        return Banner(str(net["id"]), codes, labels)
    grouped = np.full(len(data), np.nan)
    for group in net["groups"]:  # a later group takes a code an earlier one has, as mask does
        grouped = np.where(np.isin(values, group["codes"]), float(group["code"]), grouped)
    return Banner(str(net["id"]), pd.Series(grouped, index=data.index), labels)


def _numeric_codes(column: pd.Series, codes: Iterable[Any]) -> np.ndarray | None:
    """A numeric column as floats (NaN for missing) when ``codes`` are all numbers, so that
    NumPy compares them as pandas would; None otherwise (then pandas does the work)."""
    numbers = all(
        isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, (bool, np.bool_))
        for c in codes
    )
    dtype = column.dtype
    if not numbers or not is_numeric_dtype(dtype) or is_bool_dtype(dtype):
        return None
    return column.to_numpy(dtype=float, na_value=np.nan)


def tabulated(instrument: Instrument) -> list[Question]:
    """Questions that get banner tables: coded, not paradata, not attention checks, not background (role banner)."""
    return [
        q
        for q in instrument.questions
        if q.coded and q.type != "paradata" and not q.attention_check and not q.background
    ]


# The battery encodes every question and every banner variable once and gets each
# table's cells from one flat index; the per-cell sums then go through the same
# steps as :func:`survey.stats.crosstabs.crosstab`, :func:`survey.stats.crosstabs.multi_response`
# and :func:`survey.stats.association.table_tests` (crosstabs.single_sums / multi_sums /
# table_columns and association.tests_from_sums), so the numbers are those functions' to the
# last bit: np.bincount adds each cell's respondents in row order whichever other cells
# share the index, and a weight of 0 adds nothing.  The tables stay arrays until the whole
# battery is one frame (a frame per table, renamed and reordered, cost 0.45 s of the 0.57 s
# the ccg-2020 battery took).


@dataclass(frozen=True)
class _Design:
    """Weights of the battery, checked once: w, w^2, who is in the weighted population."""

    w: np.ndarray
    w2: np.ndarray
    inside: np.ndarray  # w > 0 (the Rao-Scott design), as 0/1 int64
    n_inside: int


def _design(w: pd.Series | None, index: pd.Index) -> _Design | None:
    """The battery's weights; None when it is unweighted."""
    if w is None:
        return None
    arr = crosstabs.weight_array(w, index)
    inside = (w > 0).to_numpy(dtype=np.int64)
    return _Design(arr, arr * arr, inside, int(inside.sum()))


@dataclass(frozen=True)
class _Coded:
    """One banner variable's codes as indices in label order (``len(codes)`` = no code)."""

    banner: Banner
    codes: list[Any]
    index: np.ndarray
    sorted_positions: list[int]  # label positions of the codes in sorted order (the tests' order)

    @property
    def sorted_codes(self) -> list[Any]:
        """The codes in sorted order (the tests' columns)."""
        return [self.codes[k] for k in self.sorted_positions]


def _coded(b: Banner) -> _Coded:
    codes = list(b.labels)
    index = crosstabs.encode(b.codes, codes, "banner")
    return _Coded(b, codes, index, sorted(range(len(codes)), key=lambda k: codes[k]))


def _with_design_tests(tests: dict[str, Any], design_tests: dict[str, Any]) -> dict[str, Any]:
    """The unweighted tests with the Rao-Scott keys of the weighted population's table."""
    return {**tests, **{k: v for k, v in design_tests.items() if k.startswith("rao_scott")}}


#: (banner, table columns (:func:`survey.stats.crosstabs.table_columns`), tests) of one
#: question by one banner variable.
Part = tuple[Banner, dict[str, np.ndarray], list[dict[str, Any]]]


@dataclass(frozen=True)
class _Rows:
    """A single-response question's rows: codes, labels, nets, and which rows are tested."""

    codes: list[Any]
    labels: list[str]  # of the codes, then of the nets
    net_codes: list[str]
    net_matrix: np.ndarray
    substantive: np.ndarray
    test_rows: list[int]  # positions of the substantive codes in sorted order

    @property
    def keep(self) -> np.ndarray:
        """Rows with percentages and letters: the substantive codes and the nets."""
        return np.concatenate([self.substantive, np.ones(len(self.net_codes), dtype=bool)])


def _rows(q: Question, lang: str) -> _Rows:
    row_labels = {c.code: c.text(lang) for c in q.codes}
    codes = list(row_labels)
    nonsubstantive = set(q.nonsubstantive_codes)
    substantive = np.array([code not in nonsubstantive for code in codes])
    nets = {n.id: (n.label.get(lang) or n.label["en"], n.codes) for n in q.nets}
    net_matrix, net_codes, net_labels = crosstabs._net_matrix(nets, codes, substantive)
    test_rows = [codes.index(k) for k in sorted(set(q.substantive_codes)) if k in codes]
    labels = [row_labels[k] for k in codes] + net_labels
    return _Rows(codes, labels, net_codes, net_matrix, substantive, test_rows)


def _single_grids(
    flat: np.ndarray, shape: tuple[int, int], design: _Design | None
) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Counts, weights and squared weights per cell of the (rows + missing) x (columns +
    missing) grid, and the count of the weighted population per cell (None: unweighted)."""
    size = shape[0] * shape[1]
    if design is None:
        count_all = np.bincount(flat, minlength=size).astype(float)
        return [count_all.reshape(shape)] * 3, None
    split = np.bincount(flat + size * design.inside, minlength=2 * size)
    count_in = split[size:].astype(float)
    count_all = (split[:size] + split[size:]).astype(float)
    sums = [
        count_all,
        np.bincount(flat, weights=design.w, minlength=size),
        np.bincount(flat, weights=design.w2, minlength=size),
    ]
    return [m.reshape(shape) for m in sums], count_in.reshape(shape)


def _single_tests(
    grids: list[np.ndarray],
    inside: np.ndarray | None,
    rows: _Rows,
    cb: _Coded,
    n: int,
    design: _Design | None,
) -> dict[str, Any]:
    """The tests of one table: substantive rows and banner codes in sorted order, no missing slots."""
    cols = cb.sorted_positions

    def pick(m: np.ndarray) -> np.ndarray:
        return m[rows.test_rows][:, cols]

    cnt = pick(grids[0])
    tests = association.tests_from_sums(
        cnt, cnt, cnt, n, cb.sorted_codes, pearson=True, rao=design is None
    )
    if design is None or inside is None:
        return tests
    # Rao-Scott on the weighted population's design only
    design_tests = association.tests_from_sums(
        pick(inside),
        pick(grids[1]),
        pick(grids[2]),
        design.n_inside,
        cb.sorted_codes,
        pearson=False,
        rao=True,
    )
    return _with_design_tests(tests, design_tests)


def _single_tables(
    q: Question,
    data: pd.DataFrame,
    coded: list[_Coded],
    design: _Design | None,
    plan: Plan,
    lang: str,
) -> list[Part]:
    """The question by every banner variable: (banner, table, tests) as ``crosstab`` and ``table_tests`` give them."""
    row = data[q.id].astype("Float64").astype(float)
    rows = _rows(q, lang)
    r = crosstabs.encode(row, rows.codes, "row")
    out = []
    for cb in coded:
        if cb.banner.id == q.id:
            continue
        shape = (len(rows.codes) + 1, len(cb.codes) + 1)
        grids, inside = _single_grids(r * shape[1] + cb.index, shape, design)
        table = crosstabs.table_columns(
            rows.codes + rows.net_codes,
            rows.labels,
            cb.banner.labels,
            crosstabs.single_sums(grids, inside, rows.net_matrix, rows.substantive, "all"),
            rows.keep,
            design is not None,
            plan.correction,
            plan.alpha,
        )
        tests = _single_tests(grids, inside, rows, cb, len(row), design)
        out.append((cb.banner, table, [tests]))
    return out


def _option_tests(
    ticked: list[np.ndarray],
    names: list[str],
    group: np.ndarray,
    cb: _Coded,
    design: _Design | None,
    n_design: int,
) -> list[dict[str, Any]]:
    """Per option, the tests of the 2 x C table ticked / not ticked by banner; then the overall MMI test.

    ``ticked``: the options' 0/1 columns, 0 for not asked (NaN); ``group`` holds each
    respondent's banner slot (``len(cb.codes)``: no code, ``+ 1``: not asked), as in
    :func:`_multi_tables`.
    """
    n_cols = len(cb.codes)
    in_table = group < n_cols
    size = 2 * n_cols + 1

    def grid(m: np.ndarray) -> np.ndarray:
        return m[:-1].reshape(2, n_cols)[:, cb.sorted_positions]

    out = []
    for name, v in zip(names, ticked):
        # slot 2 * n_cols: outside the table
        flat = np.where(in_table, v.astype(np.int64) * n_cols + group, 2 * n_cols)
        cnt = grid(np.bincount(flat, minlength=size).astype(float))
        tests = association.tests_from_sums(
            cnt, cnt, cnt, n_design, cb.sorted_codes, pearson=True, rao=design is None
        )
        if design is not None:
            design_tests = association.tests_from_sums(
                grid(np.bincount(flat, weights=design.inside, minlength=size)),
                grid(np.bincount(flat, weights=design.w, minlength=size)),
                grid(np.bincount(flat, weights=design.w2, minlength=size)),
                design.n_inside,
                cb.sorted_codes,
                pearson=False,
                rao=True,
            )
            tests = _with_design_tests(tests, design_tests)
        out.append({"option": name, **tests})
    return out + [_overall_test(ticked, group, in_table)]


def _overall_test(
    ticked: list[np.ndarray], group: np.ndarray, in_table: np.ndarray
) -> dict[str, Any]:
    """The row of a multi-select's test of multiple marginal independence (``option`` "all")."""
    ticks = np.column_stack([v[in_table] for v in ticked])
    overall: dict[str, Any] = dict.fromkeys(association.TEST_KEYS, np.nan)
    overall.update(
        association.mmi_test(ticks, group[in_table]),
        option=ALL_OPTIONS,
        rao_scott_note="",
        low_expected=pd.NA,
        low_base_columns="",
        n_base=int(in_table.sum()),
    )
    return overall


def _multi_sums(
    columns: list[np.ndarray],
    weighted_ticks: list[np.ndarray],
    group: np.ndarray,
    size: int,
    design: _Design | None,
) -> crosstabs.TableSums:
    """The sums of a multi-select table from each respondent's banner slot ``group``."""
    count = np.vstack([np.bincount(group, weights=v, minlength=size) for v in columns])
    n = np.bincount(group, minlength=size).astype(float)
    if design is None:
        return crosstabs.multi_sums(count, count, (n, n, n), None, "all")
    wcount = np.vstack([np.bincount(group, weights=vw, minlength=size) for vw in weighted_ticks])
    per_slot = (
        n,
        np.bincount(group, weights=design.w, minlength=size),
        np.bincount(group, weights=design.w2, minlength=size),
    )
    inside = np.bincount(group, weights=design.inside, minlength=size).astype(float)
    return crosstabs.multi_sums(count, wcount, per_slot, inside, "all")


def _multi_tables(
    q: Question,
    data: pd.DataFrame,
    coded: list[_Coded],
    design: _Design | None,
    plan: Plan,
    lang: str,
    instrument: Instrument,
) -> list[Part]:
    """A multi-select question by every banner variable, as ``multi_response`` gives them."""
    options = multi_frame(data, instrument, q.id)
    option_labels = {f"{q.id}_{c.code}": c.text(lang) for c in q.codes}
    names = list(option_labels)
    columns, not_asked = crosstabs.option_arrays(options, names)
    weighted_ticks = columns if design is None else [v * design.w for v in columns]
    ticked = [np.nan_to_num(v) for v in columns]  # not asked: 0 (outside every test's table)
    out = []
    for cb in coded:
        if cb.banner.id == q.id:
            continue
        n_cols = len(cb.codes)
        # slots: banner codes, no banner code, not asked
        group = np.where(not_asked, n_cols + 1, cb.index)
        table = crosstabs.table_columns(
            names,
            [option_labels[k] for k in names],
            cb.banner.labels,
            _multi_sums(columns, weighted_ticks, group, n_cols + 2, design),
            np.ones(len(names), dtype=bool),
            design is not None,
            plan.correction,
            plan.alpha,
            responses=True,
        )
        tests = _option_tests(ticked, names, group, cb, design, len(data))
        out.append((cb.banner, table, tests))
    return out


def battery(
    data: pd.DataFrame,
    instrument: Instrument,
    plan: Plan,
    weights: pd.Series | None = None,
    *,
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every tabulated question by every banner variable, with its tests.

    Parameters
    ----------
    data : pandas.DataFrame
        Clean, recoded respondents.
    instrument : Instrument
    plan : Plan
        Gives the banner, its nets, the multiple-comparison correction and alpha.
    weights : pandas.Series, optional
        Respondent weights; NA (outside the weighted population) counts as 0, so
        those respondents are in the unweighted counts and out of the weighted ones.
    lang : str
        Language of the labels: one the instrument declares.

    Returns
    -------
    tables : pandas.DataFrame
        :data:`TABLE_COLUMNS`, tidy.  The Total column appears once per question,
        with ``banner`` = ``"Total"``; net rows have ``row_code`` ``net:<id>``;
        non-substantive rows have counts and an empty ``col_pct``; for a
        multi-select question each option is a row, ``base`` = respondents asked.
    tests : pandas.DataFrame
        :data:`TEST_COLUMNS`, one row per single-response table; per multi-select
        and banner variable one row per option (``option``: the option's
        column; its 2 x C table of ticked / not ticked by banner) and one with
        ``option`` = ``"all"`` holding Bilder and Loughin's test of multiple
        marginal independence (``mmi_*``, unweighted, see
        :func:`survey.stats.association.mmi_test`).  ``pearson_rows/cols/n`` and
        ``rao_scott_rows/cols/n`` give the table each test used: Pearson on
        every respondent's unweighted counts, Rao-Scott on the weighted
        population (the respondents with a weight) when weighted.
    """
    w = None if weights is None else weights.reindex(data.index).fillna(0.0).astype(float)
    crosstabs.check_correction(plan.correction)
    design = _design(w, data.index)
    tables: list[dict[str, np.ndarray]] = []
    tests = []
    coded = [_coded(b) for b in banners(data, instrument, plan, lang)]
    for q in tabulated(instrument):
        if q.type == "multi":
            parts = _multi_tables(q, data, coded, design, plan, lang, instrument)
        else:
            parts = _single_tables(q, data, coded, design, plan, lang)
        tables += _question_tables(q, parts, progress)
        tests += [{"question": q.id, "banner": b.id, **t} for b, _, test in parts for t in test]
    return _table_frame(tables), _test_frame(tests)


def _question_tables(
    q: Question, parts: list[Part], progress: Callable[[str], None] | None
) -> list[dict[str, np.ndarray]]:
    """A question's tables by banner, named, with its Total column once, before the first banner."""
    out: list[dict[str, np.ndarray]] = []
    for b, table, _ in parts:
        if progress:
            progress(f"{q.id} by {b.id}")
        is_total = np.array([code == crosstabs.TOTAL for code in table["col_code"]], dtype=bool)
        n = len(is_total)
        banner = np.where(is_total, crosstabs.TOTAL, np.array(b.id, dtype=object)).astype(object)
        named = {"question": np.full(n, q.id, dtype=object), "banner": banner, **table}
        banner_rows = np.flatnonzero(~is_total)
        order = banner_rows if out else np.concatenate([np.flatnonzero(is_total), banner_rows])
        out.append({name: values[order] for name, values in named.items()})
    return out


def _table_frame(tables: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """The battery's tables joined into :data:`TABLE_COLUMNS` (NaN where a column is not one
    of a table's, as the percentages of responses of a single-response table)."""
    n = [len(t["question"]) for t in tables]
    columns = {
        name: np.concatenate(
            [t[name] if name in t else np.full(k, np.nan) for t, k in zip(tables, n)]
        )
        for name in TABLE_COLUMNS
    }
    return crosstabs.columns_frame(columns)


def _test_frame(tests: list[dict[str, Any]]) -> pd.DataFrame:
    """The tests as :data:`TEST_COLUMNS`, counts as nullable integers."""
    frame = pd.DataFrame(tests).reindex(columns=TEST_COLUMNS)
    dtypes: dict[str, str] = {**{c: "Int64" for c in COUNT_COLUMNS}, "low_expected": "boolean"}
    frame = frame.astype(dtypes)
    frame["option"] = frame["option"].astype("string").fillna("").astype(str)
    return frame
