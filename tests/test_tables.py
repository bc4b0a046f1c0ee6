"""The battery (survey.stats.tables) against the one-table functions it must agree with.

``battery`` computes all tables of a wave from shared encodings; each of its
tables must equal what :func:`survey.stats.crosstabs.crosstab`,
:func:`survey.stats.crosstabs.multi_response` and :func:`survey.stats.association.table_tests`
give for that one table (themselves checked against R and scipy elsewhere).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from survey.clean.recode import multi_frame
from survey.stats import association, crosstabs, tables
from survey.study import Study

from .conftest import PLAN, make_raw, write_raw


@pytest.fixture(scope="module", params=[False, True], ids=["unweighted", "weighted"])
def study(request, tmp_path_factory, instrument) -> Study:
    raw = write_raw(make_raw(instrument, n=400, seed=11), tmp_path_factory.mktemp("t") / "w.csv")
    s = Study.from_plan(PLAN, raw=raw, weight=request.param)
    if request.param:
        assert (
            s.weights is not None and s.weights.isna().any()
        )  # some respondents outside the scope
    return s


def test_battery_equals_one_table_functions(study):
    frame, tests = tables.battery(study.data, study.instrument, study.plan, study.weights)
    w = None if study.weights is None else study.weights.fillna(0.0)
    plan, inst = study.plan, study.instrument
    checked = 0
    for b in tables.banners(study.data, inst, plan):
        for q in tables.tabulated(inst):
            if q.id == b.id:
                continue
            got = frame[(frame["question"] == q.id) & (frame["banner"] == b.id)].reset_index(
                drop=True
            )
            if q.type == "multi":
                want = crosstabs.multi_response(
                    multi_frame(study.data, inst, q.id),
                    b.codes,
                    w,
                    option_labels={f"{q.id}_{c.code}": c.text("en") for c in q.codes},
                    col_labels=b.labels,
                    correction=plan.correction,
                    alpha=plan.alpha,
                )
            else:
                row = study.data[q.id].astype("Float64").astype(float)
                want = crosstabs.crosstab(
                    row,
                    b.codes,
                    w,
                    row_labels={c.code: c.text("en") for c in q.codes},
                    col_labels=b.labels,
                    nonsubstantive=q.nonsubstantive_codes,
                    nets={n.id: (n.label["en"], n.codes) for n in q.nets},
                    correction=plan.correction,
                    alpha=plan.alpha,
                )
                expected = association.table_tests(
                    row, b.codes, None, substantive_codes=q.substantive_codes
                )
                if w is not None:
                    inside = w > 0
                    design = association.table_tests(
                        row[inside],
                        b.codes[inside],
                        w[inside],
                        substantive_codes=q.substantive_codes,
                    )
                    expected.update({k: v for k, v in design.items() if k.startswith("rao_scott")})
                t = tests[(tests["question"] == q.id) & (tests["banner"] == b.id)].iloc[0]
                for key in [k for k in tables.TEST_COLUMNS[2:] if k in expected]:
                    a, e = t[key], expected[key]
                    if isinstance(e, (str, bool, np.bool_)):
                        assert a == e, (q.id, b.id, key)
                    else:
                        assert a == pytest.approx(e, rel=1e-12, nan_ok=True), (q.id, b.id, key)
            want = want[want["col_code"] != crosstabs.TOTAL].reset_index(drop=True)
            columns = [c for c in want.columns]
            pdt.assert_frame_equal(got[columns], want[columns], check_dtype=False, rtol=1e-12)
            checked += 1
    assert (
        checked
        == len(frame[["question", "banner"]].drop_duplicates()) - frame["question"].nunique()
    )


def _pandas_banners(data, instrument, plan, lang="en"):
    """The banner codes as pandas made them before banners() took NumPy's shortcut."""
    out = {}
    for name in plan.banner:
        labels = {c.code: c.text(lang) for c in instrument.codes_of(name) if not c.nonsubstantive}
        codes = data[name].astype("Float64").where(data[name].isin(list(labels)))
        out[name] = codes.astype(float)
    for net in plan.banner_nets:
        source = data[net["from"]].astype("Float64").astype(float)
        codes = pd.Series(np.nan, index=data.index)
        for group in net["groups"]:
            codes = codes.mask(source.isin(group["codes"]), float(group["code"]))
        out[str(net["id"])] = codes
    return out


def test_banners_codes_are_pandas_ones() -> None:
    rng = np.random.default_rng(3)
    n = 500
    index = pd.Index(rng.permutation(n) + 1000)  # not a RangeIndex
    raw = rng.choice([1, 2, 3, 4, 9], n).astype(float)
    raw[rng.random(n) < 0.1] = np.nan
    data = pd.DataFrame(
        {
            "a": pd.array(np.where(np.isnan(raw), None, raw), dtype="Int64"),
            "b": raw + np.where(rng.random(n) < 0.05, 0.5, 0.0),  # float, some off-code values
            "c": pd.Series(raw, dtype="Float64"),
            "d": pd.Series(np.nan_to_num(raw, nan=0.0).astype(np.int64)),
            "e": pd.Series(np.where(np.isnan(raw), None, raw.astype(str)), dtype=object),
        }
    ).set_axis(index)

    def code(k: object, nonsubstantive: bool = False) -> SimpleNamespace:
        return SimpleNamespace(code=k, text=lambda lang: f"c{k}", nonsubstantive=nonsubstantive)

    codes = {
        name: [code(1), code(2), code(3), code(4), code(9, True)] for name in ["a", "b", "c", "d"]
    }
    codes["e"] = [code("1.0"), code("2.0"), code("9.0", True)]  # string codes: pandas' path
    instrument = SimpleNamespace(codes_of=lambda name: codes[name])
    groups = [
        {"code": 1, "codes": [1, 2], "label": {"en": "low"}},
        {"code": 2, "codes": [2, 3, 4], "label": {"en": "high"}},  # 2 in both: the later wins
    ]
    nets = tuple({"id": f"net_{s}", "from": s, "groups": groups} for s in ["a", "b", "c", "d"])
    plan = SimpleNamespace(banner=["a", "b", "c", "d", "e"], banner_nets=nets)
    expected = _pandas_banners(data, instrument, plan)
    got = tables.banners(data, instrument, plan)
    assert [b.id for b in got] == list(expected)
    for b in got:
        pdt.assert_series_equal(b.codes, expected[b.id], check_exact=True)
        assert b.codes.index.equals(index)
