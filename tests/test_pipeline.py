"""The whole run on the embedded study: every output, checked against its sources.

One full run of ``python -m survey.analyze`` on the synthetic wave 1 (charts
included) and one of wave 2 from its WJX export are shared by the tests here.
Values are checked against scipy, statsmodels-based estimators run directly,
GNU PSPP running the exported syntax, and the numbers ``raw/README.md``
documents for the synthetic files.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from scipy.stats import chi2_contingency

from survey.analyze import main
from survey.stats import inference
from survey.study import Study

from .conftest import PLAN, ROOT
from .test_spss_pspp import _run_pspp

PLANTED = [
    line.strip()
    for line in (ROOT / "raw" / "planted_personal_data.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
]


def _run(out: Path, *args: str) -> Path:
    """Run from ``out``'s parent with ``--out <name>``: the command the report records is the same."""
    cwd = Path.cwd()
    os.chdir(out.parent)
    try:
        assert main(["--plan", str(PLAN), "--out", out.name, "--quiet", *args]) == 0
    finally:
        os.chdir(cwd)
    return out


@pytest.fixture(scope="module")
def run1(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("wave1") / "out")


@pytest.fixture(scope="module")
def run2(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("wave2") / "out", "--wave", "2", "--no-charts")


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_plan(PLAN)


def csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype={"row_code": str, "col_code": str})


# ------------------------------------------------------------------ headlines and weighting


def test_headlines_reproduced_and_weighted_columns(run1, study):
    h = csv(run1, "headlines.csv")
    assert len(h) == 9 and h["reproduced"].all()
    assert sorted(h.loc[h["grim_consistent"], "id"]) == ["no_idea", "participated"]
    for r in h.itertuples():
        y = study.data[r.id].astype("Float64").astype(float)
        plain = inference.proportion(y, study.weights)
        raked = inference.proportion(
            y, study.weights, calibration=study.data[["country", "country_gender", "country_age"]]
        )
        assert r.weighted_pct == pytest.approx(100 * plain["estimate"], rel=1e-9)
        assert r.weighted_se_pct == pytest.approx(100 * plain["se"], rel=1e-9)
        assert r.calibrated_se_pct == pytest.approx(100 * raked["se"], rel=1e-9)
        assert r.weighted_ci_low < r.weighted_pct < r.weighted_ci_high
        assert r.deff == pytest.approx(plain["deff"], rel=1e-9)
        assert r.n_eff == pytest.approx(plain["n_base"] / plain["deff"], rel=1e-9)


def test_weighting_json_meets_targets_and_bounds(run1):
    w = json.loads((run1 / "weighting.json").read_text())
    assert w["converged"] and w["method"] == "rake"
    assert w["n_weighted"] + w["n_outside_scope"] == 1776
    for column, cats in w["margins"].items():
        for cat in cats.values():
            assert abs(cat["difference"]) < 1e-8, column
    # plain raking, as R rake() (the plan explains why there are no bounds; tests/test_ccg_reference.py
    # compares the weights with R's): the largest weight is 5.6
    assert (
        w["algorithm"] == "raking"
        and "bounds" not in w
        and 0 < w["weight_min"] < 1 < w["weight_max"] < 6
    )
    resp = csv(run1, "data/respondents.csv")
    weighted = resp["weight"].notna()
    assert weighted.sum() == w["n_weighted"]
    assert resp.loc[weighted, "weight"].sum() == pytest.approx(w["n_weighted"])
    assert set(resp.loc[~weighted, "country"]) | set(resp.loc[~weighted, "gender"]) - {1, 2}


def test_reconciliation(run1):
    rec = json.loads((run1 / "reconciliation.json").read_text())
    ex = csv(run1, "exclusions.csv")
    assert rec["raw"] == rec["valid"] + rec["excluded"] == 1995
    assert rec["valid"] == 1776 and len(ex) == rec["excluded"]
    assert ex["reason"].value_counts().to_dict() == {
        k: v for k, v in rec.items() if k not in ("raw", "valid", "excluded")
    }


# ------------------------------------------------------------------ crosstabs


def test_crosstab_columns_sum_to_bases_and_total_equals_topline(run1):
    t = csv(run1, "crosstabs.csv")
    top = csv(run1, "toplines.csv")
    single = t[
        (t["question"] != "how_participated")
        & ~t["row_code"].str.startswith("net:")
        & t["col_pct"].notna()
    ]
    sums = single.groupby(["question", "banner", "col_code"]).agg(
        count=("count", "sum"), base=("base", "first")
    )
    assert (sums["count"] == sums["base"]).all()
    assert (t[t["banner"] == "Total"].groupby("question")["col_code"].nunique() == 1).all()
    total = t[
        (t["banner"] == "Total")
        & (t["question"] == "support_q")
        & ~t["row_code"].str.startswith("net:")
    ]
    ref = top[top["question"] == "support_q"]
    assert total["count"].tolist() == ref["count"].tolist()
    banners = set(t["banner"]) - {"Total"}
    assert banners == {
        "country",
        "gender",
        "age_band",
        "education",
        "sector",
        "ties",
        "participated_q",
        "age_2way",
    }


def test_pearson_against_scipy(run1, study):
    tests = csv(run1, "crosstab_tests.csv").set_index(["question", "banner"])
    d = study.data
    keep = d["support_q"].isin([1, 2, 3, 4, 5]) & d["country"].isin([1, 2, 3])
    table = pd.crosstab(d.loc[keep, "support_q"], d.loc[keep, "country"]).to_numpy()
    table = table[table.sum(axis=1) > 0]
    chi2, p, dof, _ = chi2_contingency(table, correction=False)
    row = tests.loc[("support_q", "country")]
    assert row["pearson_chi2"] == pytest.approx(chi2, rel=1e-9)
    assert row["pearson_p"] == pytest.approx(p, rel=1e-9)
    assert row["pearson_df"] == dof
    assert np.isfinite(row["rao_scott_f"]) and 0 <= row["rao_scott_p"] <= 1


def test_multi_select_semantics(run1, study):
    t = csv(run1, "crosstabs.csv")
    m = t[(t["question"] == "how_participated") & (t["banner"] == "Total")]
    asked = int((study.data["participated_q"] == 1).sum())
    assert (m["base"] == asked).all()
    ticks = study.data[[f"how_participated_{k}" for k in range(1, 6)]].sum()
    assert m["count"].tolist() == ticks.astype(int).tolist()
    assert m["pct_of_responses"].sum() == pytest.approx(100)


def test_agreement_by_and_models(run1):
    a = csv(run1, "agreement_by.csv")
    assert {"weighted_estimate", "weighted_se", "deff"} <= set(a.columns)
    assert a[(a["banner"] == "country") & (a["item"] == "support")]["n_base"].sum() == 1751
    o = csv(run1, "odds_ratios.csv")
    assert set(o["item"]) == {
        "solidarity",
        "nongov_necessary",
        "support",
        "no_idea",
        "relations_affect",
        "media_more",
        "positive_role",
        "participated",
        "plan_future",
    }
    ok = o[~o["separation"]]
    assert np.allclose(ok["odds_ratio"], np.exp(ok["log_odds"]))
    rel = csv(run1, "reliability.csv")
    assert rel.loc[0, "n_items"] == 5 and 0 < rel.loc[0, "alpha"] < 1


def test_crosstabs_workbook_is_one_wide_banner(run1):
    names = zipfile.ZipFile(run1 / "crosstabs.xlsx").namelist()
    sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 4  # contents, the banner, tests, notes


# ------------------------------------------------------------------ SPSS


def test_sav_dictionary(run1):
    data, meta = pyreadstat.read_sav(run1 / "spss" / "ccg-2020-wave1.sav", user_missing=True)
    assert len(data) == 1776
    assert meta.variable_value_labels["solidarity_q"][9.0] == "Don't know"
    assert meta.missing_ranges["solidarity_q"] == [{"lo": 9.0, "hi": 9.0}]
    assert meta.original_variable_types["solidarity_q"] == "F2.0"  # never pyreadstat's default F8.2
    assert meta.variable_measure["solidarity_q"] == "ordinal"
    assert "ip_address" not in data.columns and "account" not in data.columns
    assert data["weight"].sum() == pytest.approx(1644)


@pytest.mark.skipif(
    shutil.which("pspp") is None and not os.environ.get("CI"), reason="pspp not installed"
)
def test_pspp_reproduces_weighted_counts(run1, tmp_path):
    folder = tmp_path / "spss"
    shutil.copytree(run1 / "spss", folder)
    output = _run_pspp(folder, "ccg-2020-wave1.sps")
    tables = [(title, rows) for title, rows in _tables(output) if rows and rows[0][-1] == "Total"]
    t = csv(run1, "crosstabs.csv")
    pairs = t[(t["banner"] != "Total") & (t["question"] != "how_participated")][
        ["question", "banner"]
    ].drop_duplicates()
    pairs = pairs[pairs["banner"] != "age_2way"]
    assert len(tables) == len(pairs)
    checked = 0
    for (title, rows), (q, b) in zip(tables, pairs.itertuples(index=False)):
        ours = t[
            (t["question"] == q)
            & (t["banner"] == b)
            & t["col_pct"].notna()
            & ~t["row_code"].str.startswith("net:")
        ]
        labels = [c for c in rows[1][3:-1]]
        for row in rows[2:]:
            if row[2] != "Count" or row[0] == "Total":
                continue
            for label, value in zip(labels, row[3:-1]):
                cell = ours[(ours["row_label"] == row[1]) & (ours["col_label"] == label)]
                assert len(cell) == 1, (q, b, row[1], label)
                assert float(value) == pytest.approx(
                    cell["weighted_count"].iat[0], abs=1e-5, rel=1e-6
                )
                checked += 1
    assert checked > 500


def test_export_command_relabels_in_chinese(run1, tmp_path):
    from survey.export import main as export_main

    assert export_main([str(run1), "--lang", "zh", "--out", str(tmp_path / "zh"), "--quiet"]) == 0
    _, meta = pyreadstat.read_sav(tmp_path / "zh" / "ccg-2020-wave1.sav")
    assert meta.column_names_to_labels["gender"] == "您的性别是？"
    assert meta.variable_value_labels["gender"][1.0] == "男"


# ------------------------------------------------------------------ privacy, open-ended


def _tables(output: str) -> list[tuple[str, list[list[str]]]]:
    """(title, rows) of every table in PSPP's CSV output; a title with commas comes quoted."""
    import csv as csv_module

    blocks = []
    for chunk in output.split("\n\n"):
        rows = list(csv_module.reader(io.StringIO(chunk.strip("\n"))))
        if rows and rows[0] and rows[0][0].startswith("Table: "):
            blocks.append((rows[0][0][len("Table: ") :], rows[1:]))
    return blocks


def _all_text(folder: Path) -> str:
    """Every output file as text: XLSX unzipped, .sav files read (values, labels), the rest as bytes."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        if path.suffix == ".parquet":  # compressed: look at its values
            data = pq.read_table(path).to_pandas().to_csv().encode("utf-8")
        if path.suffix == ".sav":
            frame, meta = pyreadstat.read_sav(str(path))
            parts += [
                frame.astype(str).to_csv(),
                json.dumps(meta.column_names_to_labels, ensure_ascii=False),
                json.dumps(
                    {
                        k: {str(c): v for c, v in d.items()}
                        for k, d in meta.variable_value_labels.items()
                    },
                    ensure_ascii=False,
                ),
                str(meta.file_label),
            ]
        parts.append(data.decode("utf-8", errors="ignore"))
    return "\n".join(parts)


def test_no_planted_personal_data_in_any_output(run1):
    assert len(PLANTED) >= 10 and "110101199003074514" in PLANTED
    files = [p for p in run1.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {
        ".csv",
        ".xlsx",
        ".sav",
        ".sps",
        ".md",
        ".html",
        ".json",
        ".png",
    }
    text = _all_text(run1)
    found = [p for p in PLANTED if p in text]
    assert found == []


def test_no_redact_keeps_the_planted_data(tmp_path):
    # The scan above can see the planted strings when they are there.
    out = _run(tmp_path / "out", "--no-redact", "--no-charts")
    missing = [p for p in PLANTED if p not in _all_text(out)]
    # the two planted in excluded rows (a speeder, a break-off: raw/README.md) reach no output at all
    assert missing == ["john.doe.volunteer@example.net", "13700001111"]


def test_open_ended_outputs(run1):
    accounts = csv(run1, "open_ended.csv")
    assert len(accounts) > 200
    assert set(accounts["language"]) == {"en", "zh"}
    assert any(c.startswith("human_") for c in accounts.columns)
    themes = csv(run1, "themes.csv")
    assert (
        themes.loc[themes["theme"] != "uncoded", "count"].sum()
        >= len(accounts) - themes.set_index("theme").loc["uncoded", "count"]
    )
    by = csv(run1, "themes_by_banner.csv")
    assert (by.loc[by["banner"] == "Total", "base"] == len(accounts)).all()


def test_human_codes_give_kappa(run1, tmp_path):
    accounts = csv(run1, "open_ended.csv")
    themes = csv(run1, "themes.csv")["theme"].tolist()
    human = accounts[["respondent_id"]].copy()
    for t in themes[
        :-1
    ]:  # the human agrees with the rules, except on the first 20 accounts of the first theme
        human[f"human_{t}"] = (
            accounts["themes"].fillna("").str.split(";").map(lambda ts, t=t: int(t in ts))
        )
    first = f"human_{themes[0]}"
    human.loc[:19, first] = 1 - human.loc[:19, first]
    path = tmp_path / "coded.csv"
    human.to_csv(path, index=False)
    out = _run(tmp_path / "out", "--human-codes", str(path), "--no-charts", "--no-spss")
    kappa = csv(out, "coder_agreement.csv").set_index("theme")
    assert kappa.loc[themes[1], "kappa"] == pytest.approx(1.0)
    assert kappa.loc[themes[0], "pct_agreement"] == pytest.approx(
        100 * (len(human) - 20) / len(human)
    )
    assert kappa.loc[themes[0], "kappa"] < 1


# ------------------------------------------------------------------ waves


def test_wave2_from_wjx_export_and_trends(run2):
    rec = json.loads((run2 / "reconciliation.json").read_text())
    assert rec["raw"] == 1200 and rec["valid"] == 1100
    assert not (run2 / "headlines.csv").exists()  # published figures belong to wave 1
    trends = csv(run2, "trends.csv").set_index(["id", "wave"])
    documented = {
        "support": (94.71, -2.03),
        "no_idea": (15.82, -5.01),
        "relations_affect": (89.95, 6.10),
        "participated": (50.00, 5.97),
    }
    for item, (pct, change) in documented.items():
        assert round(trends.loc[(item, 2), "estimate_pct"], 2) == pct
        # raw/README.md gives the change against the published (rounded) wave-1 figure
        assert round(pct - round(trends.loc[(item, 1), "estimate_pct"], 2), 2) == change
    assert bool(trends.loc[("media_more", 2), "wording_changed"]) is True
    assert bool(trends.loc[("support", 2), "wording_changed"]) is False
    assert trends.loc[("support", 2), "change_basis"] == "weighted"
    stacked = csv(run2, "data/all_waves.csv")
    assert stacked["wave"].value_counts().to_dict() == {1: 1776, 2: 1100}


# ------------------------------------------------------------------ determinism, committed report


def test_two_runs_are_byte_identical(run1, tmp_path):
    again = _run(tmp_path / "out")
    first = sorted(p.relative_to(run1) for p in run1.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    differ = [str(p) for p in first if (run1 / p).read_bytes() != (again / p).read_bytes()]
    assert differ == []


def test_committed_report_matches_a_fresh_run(run1, run2):
    # the statistics files are also compared with R, number by number, in tests/test_ccg_reference.py
    statistics = [
        "crosstabs.csv",
        "crosstab_tests.csv",
        "odds_ratios.csv",
        "agreement_by.csv",
        "weighting.json",
    ]
    for run, wave, names in [
        (
            run1,
            "wave1",
            [
                "report.md",
                "headlines.csv",
                "toplines.csv",
                "exclusions.csv",
                "numeric.csv",
                "skip_violations.csv",
                *statistics,
            ],
        ),
        (run2, "wave2", ["trends.csv", "toplines.csv", *statistics]),  # wave 2's run has no charts
    ]:
        committed = ROOT / "reports" / "ccg-2020" / wave
        for name in names:
            fresh = (run / name).read_text(encoding="utf-8")
            stored = (committed / name).read_text(encoding="utf-8")
            if name == "report.md":  # the footer records the command, which names the output folder
                fresh, stored = (s.split("\n## ")[:-1] for s in (fresh, stored))
            assert fresh == stored, f"{wave}/{name}"
