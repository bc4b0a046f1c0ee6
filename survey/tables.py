"""The plan's table battery: every question by every banner variable, with tests.

The banner (which background variables go across the top, and their nets) is
the analysis plan's; the rows (questions, codes, labels, nets, non-substantive
codes, skip logic) are the instrument's.  This module only pairs them and calls
:func:`survey.crosstabs.crosstab`, :func:`survey.crosstabs.multi_response` and
:func:`survey.association.table_tests` once per table.

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

from survey import association, crosstabs
from survey.instrument import Instrument, Question
from survey.plan import Plan
from survey.recode import multi_frame

TABLE_COLUMNS = ["question", "banner", *crosstabs.TABLE_COLUMNS, "pct_of_responses", "weighted_pct_of_responses"]
TEST_COLUMNS = ["question", "banner", "pearson_chi2", "pearson_df", "pearson_p", "cramers_v", "rao_scott_f",
                "rao_scott_df1", "rao_scott_df2", "rao_scott_p", "rao_scott_chisq", "rao_scott_chisq_p",
                "fisher_p", "min_expected", "low_expected", "low_base_columns"]


@dataclass(frozen=True)
class Banner:
    """One banner variable: its codes per respondent and its column labels in order."""

    id: str
    codes: pd.Series
    labels: dict[int, str]


def banners(data: pd.DataFrame, instrument: Instrument, plan: Plan, lang: str = "en") -> list[Banner]:
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
    """Questions that get banner tables: coded, not paradata, not attention checks."""
    return [q for q in instrument.questions
            if q.coded and q.type != "paradata" and not q.attention_check and q.section != "background"]


def _single(q: Question, data: pd.DataFrame, b: Banner, weights: pd.Series | None, plan: Plan,
            lang: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    row = data[q.id].astype("Float64").astype(float)
    table = crosstabs.crosstab(
        row, b.codes, weights,
        row_labels={c.code: c.text(lang) for c in q.codes}, col_labels=b.labels,
        nonsubstantive=q.nonsubstantive_codes,
        nets={n.id: (n.label.get(lang) or n.label["en"], n.codes) for n in q.nets},
        correction=plan.correction, alpha=plan.alpha,
    )
    tests = association.table_tests(row, b.codes, None, substantive_codes=q.substantive_codes)
    if weights is not None:  # Rao-Scott on the weighted population's design only
        inside = weights > 0
        design = association.table_tests(row[inside], b.codes[inside], weights[inside],
                                         substantive_codes=q.substantive_codes)
        tests.update({k: v for k, v in design.items() if k.startswith("rao_scott")})
    return table, tests


def _multi(q: Question, data: pd.DataFrame, b: Banner, weights: pd.Series | None, plan: Plan,
           lang: str, instrument: Instrument) -> tuple[pd.DataFrame, dict[str, Any]]:
    options = multi_frame(data, instrument, q.id)
    table = crosstabs.multi_response(
        options, b.codes, weights,
        option_labels={f"{q.id}_{c.code}": c.text(lang) for c in q.codes}, col_labels=b.labels,
        correction=plan.correction, alpha=plan.alpha,
    )
    return table, {}


def battery(
    data: pd.DataFrame, instrument: Instrument, plan: Plan, weights: pd.Series | None = None, *,
    lang: str = "en", progress: Callable[[str], None] | None = None,
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
    lang : {"en", "zh"}
        Language of the labels.

    Returns
    -------
    tables : pandas.DataFrame
        :data:`TABLE_COLUMNS`, tidy.  The Total column appears once per question,
        with ``banner`` = ``"Total"``; net rows have ``row_code`` ``net:<id>``;
        non-substantive rows have counts and an empty ``col_pct``; for a
        multi-select question each option is a row, ``base`` = respondents asked.
    tests : pandas.DataFrame
        :data:`TEST_COLUMNS`, one row per single-response table.
    """
    w = None if weights is None else weights.reindex(data.index).fillna(0.0).astype(float)
    tables, tests = [], []
    columns = banners(data, instrument, plan, lang)
    for q in tabulated(instrument):
        total_done = False
        for b in columns:
            if b.id == q.id:
                continue
            if progress:
                progress(f"{q.id} by {b.id}")
            if q.type == "multi":
                table, test = _multi(q, data, b, w, plan, lang, instrument)
            else:
                table, test = _single(q, data, b, w, plan, lang)
            table = table.assign(question=q.id, banner=b.id)
            table.loc[table["col_code"] == crosstabs.TOTAL, "banner"] = crosstabs.TOTAL
            is_total = table["banner"] == crosstabs.TOTAL
            # the question's Total column once, before its first banner
            table = table[~is_total] if total_done else pd.concat([table[is_total], table[~is_total]])
            total_done = True
            tables.append(table)
            if test:
                tests.append({"question": q.id, "banner": b.id, **test})
    frame = pd.concat(tables, ignore_index=True).reindex(columns=TABLE_COLUMNS)
    test_frame = pd.DataFrame(tests).reindex(columns=TEST_COLUMNS)
    return frame, test_frame
