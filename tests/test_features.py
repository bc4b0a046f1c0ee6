"""What a questionnaire needs (issue 15, part 3), on the small study in tests/fixtures/features/.

Every expected value is worked out by hand from the ten valid rows below (the
comments give the arithmetic); weighted values use the weights raking on sex to
50/50 gives, which for one margin are 0.5 * 10 / 6 for the six men and
0.5 * 10 / 4 for the four women.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from pyxform.xls2xform import convert

from survey.clean import recode
from survey.clean import rules as cleaning
from survey.instrument import load_instrument
from survey.instrument.fielding import xlsform_sheets
from survey.read.canonical import read_raw
from survey.stats import tables
from survey.stats.estimates import toplines
from survey.study import Study

FIXTURE = Path(__file__).parent / "fixtures" / "features"
COLUMNS = [
    "rid",
    "start",
    "submit",
    "sex",
    "age",
    "sat",
    "q7_a",
    "q7_b",
    "q7_c",
    "q7_d",
    "smoke",
    "cigs",
    "services_1",
    "services_2",
    "services_3",
    "services_99",
]
T0, T1 = "01/03/2024 10:00", "01/03/2024 10:12"
ROWS = [
    ["R01", T0, T1, 1, 30, 8, 3, 2, 3, 3, 1, 10, 1, 0, 0, 0],
    ["R02", T0, T1, 2, 45, 5, 4, 1, 4, 3, 2, "", 0, 1, 1, 0],
    [
        "R03",
        T0,
        T1,
        1,
        52,
        10,
        2,
        3,
        2,
        1,
        2,
        5,
        0,
        0,
        1,
        0,
    ],  # cigs given but not asked (smoke = 2)
    ["R04", T0, T1, 2, 23, 0, 3, 9, 3, 4, 1, 20, 0, 0, 0, 1],
    ["R05", T0, T1, 1, 61, 98, 4, 2, 4, 4, 2, "", 1, 1, 0, 0],
    [
        "R06",
        T0,
        T1,
        2,
        38,
        7,
        2,
        2,
        2,
        2,
        2,
        "",
        0,
        0,
        1,
        0,
    ],  # straight-lining: 2 on all four items
    ["R07", T0, T1, 1, 29, 6, 3, 1, "", 4, 1, 3, 0, 0, 0, 1],
    ["R08", T0, T1, 2, 70, 9, 1, 4, 1, 2, 2, "", 1, 0, 0, 1],  # "None of these" ticked with GP
    ["R09", T0, T1, 2, 33, 99, 3, 2, 9, 3, 2, "", 0, 0, 1, 0],
    ["R10", T0, T1, 1, 47, 3, "", "", "", 2, 1, 15, 1, 0, 0, 0],
    [
        "R11",
        "2024-03-01T09:00:00Z",
        "2024-03-01T09:10:30Z",
        2,
        56,
        4,
        4,
        1,
        3,
        4,
        2,
        "",
        0,
        1,
        0,
        0,
    ],
    ["R12", T0, T1, 1, "", 8, 3, 2, 4, 3, 2, "", 0, 0, 1, 0],
]
VALID = ["R01", "R02", "R03", "R04", "R05", "R07", "R09", "R10", "R11", "R12"]
W_MAN, W_WOMAN = 0.5 * 10 / 6, 0.5 * 10 / 4


def study_files(tmp_path: Path, *, instrument=None, figures=(), rows=ROWS) -> Path:
    """The fixture's instrument (changed by ``instrument``), a plan with ``figures``, and the raw rows."""
    doc = yaml.safe_load((FIXTURE / "instrument.yaml").read_text(encoding="utf-8"))
    if instrument:
        instrument(doc)
    (tmp_path / "instrument.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8"
    )
    plan = yaml.safe_load((FIXTURE / "plan.yaml").read_text(encoding="utf-8"))
    plan["published"]["figures"] = list(figures)
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    pd.DataFrame(rows, columns=COLUMNS).to_csv(tmp_path / "raw.csv", index=False)
    return tmp_path / "plan.yaml"


@pytest.fixture
def study(tmp_path):
    return Study.from_plan(study_files(tmp_path))


def by_id(study, column):
    return study.data.set_index("rid")[column]


# --------------------------------------------------------------------------- cleaning


def test_rules_exclude_straightliners_and_exclusive_violations(study):
    assert study.cleaned.exclusions.set_index("respondent_id")["reason"].to_dict() == {
        "R06": "straight",
        "R08": "exclusive",
    }
    details = study.cleaned.exclusions.set_index("respondent_id")["detail"]
    assert details["R06"] == "q7: 4 items all 2"
    assert details["R08"] == "services_99 (exclusive) ticked with services_1"
    assert study.data["rid"].tolist() == VALID
    assert study.cleaned.reconciliation() == {
        "raw": 12,
        "valid": 10,
        "excluded": 2,
        "straight": 1,
        "exclusive": 1,
    }


def test_skip_violation_is_blanked_and_logged(study):
    log = study.cleaned.skip_violations
    assert log[["respondent_id", "question", "column", "value"]].to_dict("records") == [
        {"respondent_id": "R03", "question": "cigs", "column": "cigs", "value": "5.0"}
    ]
    assert pd.isna(by_id(study, "cigs")["R03"])
    row = study.numeric().set_index("question").loc["cigs"]
    assert row["n"] == 4 and row["mean"] == pytest.approx(
        (10 + 20 + 3 + 15) / 4
    )  # R03's 5 not counted


def test_skip_policy_exclude(tmp_path):
    s = Study.from_plan(study_files(tmp_path, instrument=lambda d: d.update(skip_policy="exclude")))
    reasons = s.cleaned.exclusions.set_index("respondent_id")["reason"]
    assert reasons["R03"] == "skip_violation"
    assert (
        s.cleaned.exclusions.set_index("respondent_id")["detail"]["R03"]
        == "cigs answered but not asked"
    )
    assert s.cleaned.skip_violations.empty


def test_skip_answers_never_counted_in_toplines(tmp_path):
    """Percentages of those asked add to 100: answers of respondents not asked are not counted."""

    def sat_for_smokers(d):
        d["questions"][5]["ask_if"] = {"question": "smoke", "op": "eq", "value": 1}

    plan = study_files(tmp_path, instrument=sat_for_smokers)
    inst = load_instrument(plan.parent / "instrument.yaml")
    cleaned = cleaning.clean(read_raw(plan.parent / "raw.csv", inst), inst)
    # smokers: R01, R04, R07, R10; the other six valid respondents answered sat without being asked
    log = cleaned.skip_violations
    assert log.loc[log.question == "sat", "respondent_id"].tolist() == [
        "R02",
        "R03",
        "R05",
        "R09",
        "R11",
        "R12",
    ]
    top = toplines(recode.recode(cleaned.data, inst), inst).query("question == 'sat'")
    assert top["n_asked"].iloc[0] == 4 and top["count"].sum() == 4
    assert top["pct_of_asked"].sum() == pytest.approx(100)


def test_exclusive_blank_others_keeps_the_respondent(tmp_path):
    def blank_others(d):
        d["quality"][2]["action"] = "blank_others"

    s = Study.from_plan(study_files(tmp_path, instrument=blank_others))
    assert "R08" in s.data["rid"].tolist()
    assert by_id(s, "services_1")["R08"] == 0 and by_id(s, "services_99")["R08"] == 1
    log = s.cleaned.blanked[s.cleaned.blanked["reason"] != "skip_violation"]
    assert log[["respondent_id", "reason", "column", "value"]].to_dict("records") == [
        {"respondent_id": "R08", "reason": "exclusive", "column": "services_1", "value": "1"}
    ]


def test_times_declared_format_zone_and_iso(study):
    start = by_id(study, "start")
    assert start["R01"] == pd.Timestamp("2024-03-01 10:00")  # %d/%m/%Y %H:%M, Madrid wall clock
    assert start["R11"] == pd.Timestamp(
        "2024-03-01 10:00"
    )  # 09:00Z is 10:00 in Madrid (CET, UTC+1)
    assert by_id(study, "submit")["R11"] == pd.Timestamp("2024-03-01 10:10:30")


def test_bad_time_names_the_formats(tmp_path):
    rows = [r[:] for r in ROWS]
    rows[0][1] = "1 March 2024"
    with pytest.raises(
        Exception,
        match=r"row 1, column start: '1 March 2024' is not a time "
        r"\(%d/%m/%Y %H:%M, %Y-%m-%d %H:%M:%S, ISO8601\)",
    ):
        Study.from_plan(study_files(tmp_path, rows=rows))


# --------------------------------------------------------------------------- grids, recodes, scores


def test_grid_items_are_single_questions(study):
    inst = study.instrument
    assert inst.grid("q7").items == ("q7_a", "q7_b", "q7_c", "q7_d")
    item = inst.question("q7_b")
    assert (item.type, item.scale_id, item.grid, item.reverse) == ("single", "agree4", "q7", True)
    assert [c.code for c in item.codes] == [1, 2, 3, 4, 9]
    assert {"q7_a", "q7_d"} <= {q.id for q in tables.tabulated(inst)}


def test_box_recode_reverse_and_indicator(study):
    # sat 8, 9, 10 are the top 3 substantive codes; 98/99 are out of the base
    assert by_id(study, "sat_top3").tolist() == [1, 0, 1, 0, pd.NA, 0, pd.NA, 0, 0, 1]
    assert by_id(study, "sat3").tolist() == [3, 2, 3, 1, 98, 2, 99, 1, 1, 3]
    assert [c.code for c in study.instrument.codes_of("sat3")] == [1, 2, 3, 98, 99]
    assert study.instrument.codes_of("sat3")[3].nonsubstantive
    # reversed: 1+4-code; "Don't know" (9) kept as it is
    assert by_id(study, "q7_b_rev").tolist() == [3, 4, 2, 9, 3, 4, 3, pd.NA, 4, 3]
    assert (
        study.instrument.codes_of("q7_b_rev")[0].text("en") == "Strongly agree"
    )  # code 1 = answer 4
    assert by_id(study, "sleeps_well").tolist() == [1, 1, 0, 1, 1, 1, 1, pd.NA, 1, 1]


def test_score_reverses_flagged_items_and_needs_min_valid(study):
    expected = [12 / 4, 15 / 4, 7 / 4, 10 / 3, 15 / 4, 11 / 3, 9 / 3, np.nan, 15 / 4, 13 / 4]
    np.testing.assert_allclose(by_id(study, "wellbeing").to_numpy(dtype=float), expected)


def test_cross_codes_cannot_collide(study):
    # largest code of sat is 99 (2 digits): code = sex * 100 + sat
    assert by_id(study, "sex_sat").tolist()[:4] == [108, 205, 110, 200]
    codes = [c.code for c in study.instrument.codes_of("sex_sat")]
    assert (
        len(codes) == len(set(codes)) == 22 and 110 in codes and 200 in codes
    )  # Male x 10, Female x 0
    assert pd.isna(by_id(study, "sex_sat")["R05"])  # 98 is non-substantive


def test_ccg_cross_codes_unchanged():
    inst = load_instrument(Path(__file__).parent.parent / "instruments" / "ccg-2020.yaml")
    assert [c.code for c in inst.codes_of("country_gender")] == [11, 12, 13, 21, 22, 23, 31, 32, 33]
    assert [c.code for c in inst.codes_of("country_age")][:5] == [11, 12, 13, 14, 21]


def test_reliability_uses_reversed_items(study):
    complete = [
        [3, 3, 3, 3],
        [4, 4, 4, 3],
        [2, 2, 2, 1],
        [4, 3, 4, 4],
        [4, 4, 3, 4],
        [3, 3, 4, 3],
    ]  # q7_b reversed
    items = np.array(complete, dtype=float)
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    got = study.reliability().iloc[0]
    assert got["alpha"] == pytest.approx(alpha) and got["n"] == 6
    raw = items.copy()
    raw[:, 1] = 5 - raw[:, 1]
    unreversed = k / (k - 1) * (1 - raw.var(axis=0, ddof=1).sum() / raw.sum(axis=1).var(ddof=1))
    assert unreversed < alpha


# --------------------------------------------------------------------------- numbers, figures, sections


def test_numeric_summary_by_hand(study):
    ages = np.array([30, 45, 52, 23, 61, 29, 33, 47, 56], dtype=float)  # R12 has no age
    row = study.numeric().set_index("question").loc["age"]
    assert row["n"] == 9 and row["mean"] == pytest.approx(ages.mean()) and row["median"] == 45
    assert row["sd"] == pytest.approx(ages.std(ddof=1)) and (row["min"], row["max"]) == (23, 61)
    men, women = [30, 52, 61, 29, 47], [45, 23, 33, 56]
    mean = (W_MAN * sum(men) + W_WOMAN * sum(women)) / (W_MAN * len(men) + W_WOMAN * len(women))
    assert row["weighted_mean"] == pytest.approx(mean)
    assert list(study.numeric().columns) == [
        "question",
        "label",
        "n",
        "mean",
        "sd",
        "min",
        "median",
        "max",
        "weighted_base",
        "weighted_mean",
        "weighted_se",
        "weighted_median",
    ]
    assert "wellbeing" in study.numeric()["question"].tolist()


def test_weighted_mean_matches_r_svymean():
    ref = pd.read_csv(Path(__file__).parent / "reference" / "numeric" / "results.csv").set_index(
        "statistic"
    )
    data = pd.read_csv(Path(__file__).parent / "reference" / "numeric" / "data.csv")
    from survey.stats.estimates import weighted_mean, weighted_median

    r = weighted_mean(data["y"], data["w"])
    assert r["estimate"] == pytest.approx(ref.loc["weighted_mean", "value"], rel=1e-12)
    assert r["se"] == pytest.approx(ref.loc["weighted_se", "value"], rel=1e-12)
    assert weighted_median(data["y"], data["w"]) == ref.loc["weighted_median", "value"]


def test_weighted_published_figures(tmp_path):
    top = 3 * W_MAN / (5 * W_MAN + 3 * W_WOMAN)  # top-3 box, weighted: 3 of 5 men, 0 of 3 women
    men, women = [30, 52, 61, 29, 47], [45, 23, 33, 56]
    age = (W_MAN * sum(men) + W_WOMAN * sum(women)) / (W_MAN * 5 + W_WOMAN * 4)
    figures = [
        {
            "id": "w_ok",
            "indicator": "sat_top3",
            "value": round(100 * top, 1),
            "stated_n": 8,
            "quote": "a",
            "weighted": True,
        },
        {
            "id": "w_is_not_unweighted",
            "indicator": "sat_top3",
            "value": 37.5,
            "stated_n": 8,
            "quote": "b",
            "weighted": True,
        },
        {"id": "u_ok", "indicator": "sat_top3", "value": 37.5, "stated_n": 8, "quote": "c"},
        {
            "id": "age",
            "statistic": "mean",
            "question": "age",
            "value": 41.3,
            "stated_n": 9,
            "quote": "d",
            "weighted": True,
            "tolerance_pp": 0.05,
        },
    ]
    table = Study.from_plan(study_files(tmp_path, figures=figures)).headlines().set_index("id")
    assert table["reproduced"].to_dict() == {
        "w_ok": True,
        "w_is_not_unweighted": False,
        "u_ok": True,
        "age": True,
    }
    assert table.loc["w_ok", "estimate_pct"] == pytest.approx(100 * top)
    assert table.loc["age", "estimate_pct"] == pytest.approx(age)
    assert (
        table.loc["w_ok", "grim_consistent"] is None
        and table.loc["u_ok", "grim_consistent"] is True
    )
    assert table.loc["w_ok", "consistency"] == "does not apply (weighted estimate)"


def test_sections_declare_the_banner_role(study):
    tabulated = {q.id for q in tables.tabulated(study.instrument)}
    assert "sex" not in tabulated and "sat" in tabulated  # sex is in the section with role banner


def test_section_without_banner_role_is_tabulated(tmp_path):
    def no_role(d):
        d["sections"][0].pop("role")

    plan = study_files(tmp_path, instrument=no_role)
    inst = load_instrument(plan.parent / "instrument.yaml")
    assert "sex" in {q.id for q in tables.tabulated(inst)}


# --------------------------------------------------------------------------- fielding and the whole run


def test_xlsform_exclusive_constraint_and_grid_group(tmp_path):
    inst = load_instrument(FIXTURE / "instrument.yaml")
    survey = {r["name"]: r for r in xlsform_sheets(inst)["survey"] if r.get("type") != "end_group"}
    assert survey["services"]["constraint"] == "not(selected(., '99') and count-selected(.) > 1)"
    assert (
        survey["services"]["constraint_message::Spanish (es)"]
        == "'Ninguno' no se puede combinar con otra respuesta"
    )
    assert survey["q7"]["type"] == "begin_group" and survey["q7"]["appearance"] == "field-list"
    assert survey["q7_b"]["type"] == "select_one agree4"
    from survey.instrument.fielding import to_xlsform

    xform = convert(xlsform=str(to_xlsform(inst, tmp_path / "form.xlsx")), validate=False).xform
    assert "count-selected( . ) &gt; 1" in xform or "count-selected(.) &gt; 1" in xform


def test_whole_run_writes_the_new_files(tmp_path):
    from survey.analyze import main

    plan = study_files(tmp_path)
    out = tmp_path / "out"
    assert main(
        ["--plan", str(plan), "--out", str(out), "--no-charts", "--no-spss", "--quiet"]
    ) in (0, None)
    numeric = pd.read_csv(out / "numeric.csv")
    assert numeric["question"].tolist() == ["age", "cigs", "wellbeing"]
    assert pd.read_csv(out / "skip_violations.csv")["respondent_id"].tolist() == ["R03"]
    shutil.rmtree(out)
