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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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
        codes = data[name].astype("Float64").where(data[name].isin(list(labels)))
        out.append(Banner(name, codes.astype(float), labels))
    for net in plan.banner_nets:
        source = data[net["from"]].astype("Float64").astype(float)
        codes = pd.Series(np.nan, index=data.index)
        labels = {}
        for group in net["groups"]:
            codes = codes.mask(source.isin(group["codes"]), float(group["code"]))
            labels[int(group["code"])] = group["label"].get(lang) or group["label"]["en"]
        out.append(Banner(str(net["id"]), codes, labels))
    return out


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
# and :func:`survey.stats.association.table_tests` (their private helpers), so the numbers
# are those functions' to the last bit: np.bincount adds each cell's respondents in
# row order whichever other cells share the index, and a weight of 0 adds nothing.


@dataclass(frozen=True)
class _Design:
    """Weights of the battery, checked once: w, w^2, who is in the weighted population."""

    w: np.ndarray | None
    w2: np.ndarray | None
    inside: np.ndarray | None  # w > 0 (the Rao-Scott design), as 0/1 int64
    n_inside: int


def _design(w: pd.Series | None, index: pd.Index) -> _Design:
    if w is None:
        return _Design(None, None, None, 0)
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


def _coded(b: Banner) -> _Coded:
    codes = list(b.labels)
    index = crosstabs.encode(b.codes, codes, "banner")
    return _Coded(b, codes, index, sorted(range(len(codes)), key=lambda k: codes[k]))


def _tests(
    count: np.ndarray,
    wsum: np.ndarray,
    w2sum: np.ndarray,
    n_design: int,
    c_codes: list[Any],
    pearson: bool,
    rao: bool,
) -> dict[str, Any]:
    """:func:`survey.stats.association.table_tests` from the table's per-cell sums (rows and columns in sorted code order)."""
    used_rows, used_cols = count.sum(axis=1) > 0, count.sum(axis=0) > 0
    count, wsum, w2sum = (m[used_rows][:, used_cols] for m in (count, wsum, w2sum))
    c_codes = [k for k, used in zip(c_codes, used_cols) if used]
    result = association.empty_result(c_codes, count)
    if pearson:
        result.update(association.table_shape(count, "pearson"))
    if rao:
        result.update(association.table_shape(count, "rao_scott"))
    if min(count.shape) < 2:
        return result
    if pearson:
        result.update(association._pearson(count))
    if rao:
        result.update(association.rao_scott(count, wsum, w2sum, n_design=n_design))
    return result


def _with_design_tests(tests: dict[str, Any], design_tests: dict[str, Any]) -> dict[str, Any]:
    """The unweighted tests with the Rao-Scott keys of the weighted population's table."""
    return {**tests, **{k: v for k, v in design_tests.items() if k.startswith("rao_scott")}}


def _single_tables(
    q: Question, data: pd.DataFrame, coded: list[_Coded], design: _Design, plan: Plan, lang: str
) -> list[tuple[Banner, pd.DataFrame, dict[str, Any]]]:
    """The question by every banner variable: (banner, table, tests) as ``crosstab`` and ``table_tests`` give them."""
    row = data[q.id].astype("Float64").astype(float)
    row_labels = {c.code: c.text(lang) for c in q.codes}
    row_codes = list(row_labels)
    r = crosstabs.encode(row, row_codes, "row")
    n_rows = len(row_codes)
    nonsubstantive = set(q.nonsubstantive_codes)
    substantive = np.array([code not in nonsubstantive for code in row_codes])
    nets = {n.id: (n.label.get(lang) or n.label["en"], n.codes) for n in q.nets}
    net_matrix, net_codes, net_labels = crosstabs._net_matrix(nets, row_codes, substantive)
    keep = np.concatenate([substantive, np.ones(len(net_codes), dtype=bool)])
    test_rows = [row_codes.index(k) for k in sorted(set(q.substantive_codes)) if k in row_codes]
    weighted = design.w is not None
    out = []
    for cb in coded:
        if cb.banner.id == q.id:
            continue
        n_cols = len(cb.codes)
        flat, size = r * (n_cols + 1) + cb.index, (n_rows + 1) * (n_cols + 1)
        shape = (n_rows + 1, n_cols + 1)
        if weighted:
            split = np.bincount(flat + size * design.inside, minlength=2 * size)
            count_in = split[size:].astype(float)
            count_all = (split[:size] + split[size:]).astype(float)
            sums = [
                count_all,
                np.bincount(flat, weights=design.w, minlength=size),
                np.bincount(flat, weights=design.w2, minlength=size),
            ]
        else:
            count_all = np.bincount(flat, minlength=size).astype(float)
            sums = [count_all, count_all, count_all]
        full = [m.reshape(shape) for m in sums]
        count, wcount, w2 = (crosstabs._with_total(m[:n_rows], n_cols, "all") for m in full)
        count, wcount, w2 = (np.vstack([m, net_matrix @ m]) for m in (count, wcount, w2))
        base = count[:n_rows][substantive].sum(axis=0)
        wbase = wcount[:n_rows][substantive].sum(axis=0)
        n_eff = crosstabs._kish(wbase, w2[:n_rows][substantive].sum(axis=0))
        n_inside = (
            base
            if not weighted
            else crosstabs._with_total(count_in.reshape(shape)[:n_rows], n_cols, "all")[
                substantive
            ].sum(axis=0)
        )
        frame = crosstabs._assemble(
            row_codes + net_codes,
            [row_labels[k] for k in row_codes] + net_labels,
            cb.codes,
            cb.banner.labels,
            count,
            wcount,
            base,
            wbase,
            keep,
        )
        table = crosstabs.with_bases(
            crosstabs._with_letters(
                frame,
                count,
                wcount,
                base,
                wbase,
                n_eff,
                keep,
                weighted,
                plan.correction,
                plan.alpha,
            ),
            base,
            n_inside,
            weighted,
        )
        # the tests: substantive rows and banner codes in sorted order, no missing slots
        cols = cb.sorted_positions
        c_codes = [cb.codes[k] for k in cols]
        pick = lambda m, cols=cols: m[test_rows][:, cols]
        cnt = pick(full[0])
        tests = _tests(cnt, cnt, cnt, len(row), c_codes, pearson=True, rao=not weighted)
        if weighted:  # Rao-Scott on the weighted population's design only
            inner = pick(count_in.reshape(shape))
            design_tests = _tests(
                inner,
                pick(full[1]),
                pick(full[2]),
                design.n_inside,
                c_codes,
                pearson=False,
                rao=True,
            )
            tests = _with_design_tests(tests, design_tests)
        out.append((cb.banner, table, [tests]))
    return out


def _option_tests(
    columns: list[np.ndarray],
    names: list[str],
    group: np.ndarray,
    cb: _Coded,
    design: _Design,
    n_design: int,
) -> list[dict[str, Any]]:
    """Per option, the tests of the 2 x C table ticked / not ticked by banner; then the overall MMI test.

    ``group`` holds each respondent's banner slot (``len(cb.codes)``: no code,
    ``+ 1``: not asked), as in :func:`_multi_tables`.
    """
    n_cols = len(cb.codes)
    cols = cb.sorted_positions
    c_codes = [cb.codes[k] for k in cols]
    in_table = group < n_cols
    weighted = design.w is not None
    size = 2 * n_cols + 1

    def grid(m: np.ndarray) -> np.ndarray:
        return m[:-1].reshape(2, n_cols)[:, cols]

    out = []
    for name, v in zip(names, columns):
        tick = np.where(in_table, np.nan_to_num(v), 0).astype(np.int64)
        flat = np.where(
            in_table, tick * n_cols + group, 2 * n_cols
        )  # slot 2 * n_cols: outside the table
        cnt = grid(np.bincount(flat, minlength=size).astype(float))
        tests = _tests(cnt, cnt, cnt, n_design, c_codes, pearson=True, rao=not weighted)
        if (
            weighted
            and design.inside is not None
            and design.w is not None
            and design.w2 is not None
        ):
            inner = grid(np.bincount(flat, weights=design.inside, minlength=size))
            sums = [
                grid(np.bincount(flat, weights=x, minlength=size)) for x in (design.w, design.w2)
            ]
            tests = _with_design_tests(
                tests, _tests(inner, *sums, design.n_inside, c_codes, pearson=False, rao=True)
            )
        out.append({"option": name, **tests})
    ticks = np.column_stack([np.nan_to_num(v[in_table]) for v in columns])
    overall = dict.fromkeys(association.TEST_KEYS, np.nan)
    overall.update(
        association.mmi_test(ticks, group[in_table]),
        option=ALL_OPTIONS,
        rao_scott_note="",
        low_expected=pd.NA,
        low_base_columns="",
        n_base=int(in_table.sum()),
    )
    return out + [overall]


def _multi_tables(
    q: Question,
    data: pd.DataFrame,
    coded: list[_Coded],
    design: _Design,
    plan: Plan,
    lang: str,
    instrument: Instrument,
) -> list[tuple[Banner, pd.DataFrame, dict[str, Any]]]:
    """A multi-select question by every banner variable, as ``multi_response`` gives them."""
    options = multi_frame(data, instrument, q.id)
    option_labels = {f"{q.id}_{c.code}": c.text(lang) for c in q.codes}
    names = list(option_labels)
    columns, not_asked = crosstabs.option_arrays(options, names)
    weighted = design.w is not None
    weighted_ticks = [v * design.w for v in columns] if weighted else columns
    keep = np.ones(len(names), dtype=bool)
    out = []
    for cb in coded:
        if cb.banner.id == q.id:
            continue
        n_cols = len(cb.codes)
        group = np.where(
            not_asked, n_cols + 1, cb.index
        )  # slots: banner codes, no banner code, not asked
        size = n_cols + 2
        count = np.vstack([np.bincount(group, weights=v, minlength=size) for v in columns])
        wcount = (
            count
            if not weighted
            else np.vstack(
                [np.bincount(group, weights=vw, minlength=size) for vw in weighted_ticks]
            )
        )
        count, wcount = (
            crosstabs._with_total(count, n_cols, "all"),
            crosstabs._with_total(wcount, n_cols, "all"),
        )
        n = np.bincount(group, minlength=size).astype(float)
        sums = (
            (n, n, n)
            if not weighted
            else (
                n,
                np.bincount(group, weights=design.w, minlength=size),
                np.bincount(group, weights=design.w2, minlength=size),
            )
        )
        base, wbase, w2base = (crosstabs._with_total(m, n_cols, "all") for m in sums)
        n_eff = crosstabs._kish(wbase, w2base)
        n_inside = (
            base
            if not weighted
            else crosstabs._with_total(
                np.bincount(group, weights=design.inside, minlength=size).astype(float),
                n_cols,
                "all",
            )
        )
        frame = crosstabs._assemble(
            names,
            [option_labels[k] for k in names],
            cb.codes,
            cb.banner.labels,
            count,
            wcount,
            base,
            wbase,
            keep,
        )
        frame = frame.assign(
            pct_of_responses=crosstabs._pct(count, count.sum(axis=0)).ravel(),
            weighted_pct_of_responses=crosstabs._pct(wcount, wcount.sum(axis=0)).ravel(),
        )
        frame = crosstabs.with_bases(
            crosstabs._with_letters(
                frame,
                count,
                wcount,
                base,
                wbase,
                n_eff,
                keep,
                weighted,
                plan.correction,
                plan.alpha,
            ),
            base,
            n_inside,
            weighted,
        )
        tests = _option_tests(columns, names, group, cb, design, len(data))
        out.append((cb.banner, frame[crosstabs.MULTI_COLUMNS], tests))
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
    crosstabs._correction(plan.correction)
    design = _design(w, data.index)
    tables, tests = [], []
    coded = [_coded(b) for b in banners(data, instrument, plan, lang)]
    for q in tabulated(instrument):
        if q.type == "multi":
            parts = _multi_tables(q, data, coded, design, plan, lang, instrument)
        else:
            parts = _single_tables(q, data, coded, design, plan, lang)
        total_done = False
        for b, table, test in parts:
            if progress:
                progress(f"{q.id} by {b.id}")
            table = table.assign(question=q.id, banner=b.id)
            table.loc[table["col_code"] == crosstabs.TOTAL, "banner"] = crosstabs.TOTAL
            is_total = table["banner"] == crosstabs.TOTAL
            # the question's Total column once, before its first banner
            table = (
                table[~is_total] if total_done else pd.concat([table[is_total], table[~is_total]])
            )
            total_done = True
            tables.append(table)
            tests += [{"question": q.id, "banner": b.id, **t} for t in test]
    frame = pd.concat(tables, ignore_index=True).reindex(columns=TABLE_COLUMNS)
    test_frame = pd.DataFrame(tests).reindex(columns=TEST_COLUMNS)
    test_frame = test_frame.astype(
        {**{c: "Int64" for c in COUNT_COLUMNS}, "low_expected": "boolean"}
    )
    test_frame["option"] = test_frame["option"].astype("string").fillna("").astype(str)
    return frame, test_frame
