"""Ad-hoc tables (survey.adhoc, Study.crosstab/table/mean), the CLI's --filter/--banner, the public API, the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import survey
from survey.errors import PlanError
from survey.study import Study

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "analysis" / "ccg-2020.yaml"


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_plan(PLAN)


def test_crosstab_equals_the_battery(study):
    battery, tests = study.crosstabs()
    mine = study.crosstab("relations_q")
    theirs = battery[battery["question"] == "relations_q"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[theirs.columns], theirs)
    pd.testing.assert_frame_equal(
        mine.attrs["tests"], tests[tests["question"] == "relations_q"].reset_index(drop=True)
    )


def test_crosstab_with_filter_and_banner_by_hand(study):
    t = study.crosstab("relations_q", by=["ties", "country"], filter="country == 2", weighted=True)
    assert list(dict.fromkeys(t["banner"])) == ["Total", "ties", "country"]
    d = study.data.assign(w=study.weights.fillna(0.0))
    d = d[d["country"] == 2]
    substantive = d["relations_q"].isin([1, 2, 3, 4, 5])
    column = substantive & (d["ties"] == 1)
    agree = column & d["relations_q"].isin([4, 5])
    expected = 100 * d.loc[agree, "w"].sum() / d.loc[column, "w"].sum()
    cell = t[(t["row_code"] == "net:agree") & (t["banner"] == "ties") & (t["col_code"] == 1)]
    assert cell["weighted_col_pct"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert cell["base"].iloc[0] == int(column.sum())
    assert cell["banner_label"].iloc[0] == study.instrument.question("ties").wording("en")
    assert set(t["sig_letters"].dropna()) <= set("ABC") | {""}


def test_crosstab_unweighted_and_in_chinese(study):
    t = study.crosstab("support_q", by="gender", weighted=False, lang="zh")
    total = t[(t["banner"] == "Total") & (t["row_code"] == "net:support")]
    d = study.data[study.data["support_q"].isin([1, 2, 3, 4, 5])]
    assert total["col_pct"].iloc[0] == pytest.approx(100 * d["support_q"].isin([4, 5]).mean())
    assert total["weighted_col_pct"].iloc[0] == total["col_pct"].iloc[0]
    assert t["question_label"].iloc[0] == study.instrument.question("support_q").wording("zh")
    assert t.attrs["weighted"] is False


def test_table_of_a_background_question(study):
    t = study.table("education", filter="age >= 30")
    d = study.data[(study.data["age"] >= 30)]
    counts = d["education"].value_counts()
    assert t.set_index("row_code")["count"].loc[1] == counts.loc[1]
    assert t["col_pct"].sum() == pytest.approx(100)


# R survey 4.1: tests/reference/adhoc/mean.R (svymean / svyby(~age, ~country, svymean), na.rm = TRUE)
R_WEIGHTED = {
    "Total": (45.333375518077702, 0.566196637042373),
    1: (45.550921209448965, 0.701782827239198),
    2: (45.115829826706438, 0.891883198049245),
}
R_WEIGHTED_CI = (44.2236505013070, 46.4431005348484)
R_UNWEIGHTED = {
    "Total": (35.240427927927925, 0.283064878722465),
    1: (35.609073359073356, 0.379088749901006),
    2: (34.931547619047620, 0.451539920363502),
    3: (32.676470588235297, 1.116497853489985),
}


def test_mean_equals_r_survey(study):
    for weighted, expected in ((True, R_WEIGHTED), (False, R_UNWEIGHTED)):
        m = study.mean("age", by="country", weighted=weighted).set_index("category")
        for key, (estimate, se) in expected.items():
            assert m.loc[key, "estimate"] == pytest.approx(estimate, rel=1e-12)
            assert m.loc[key, "se"] == pytest.approx(se, rel=1e-10)
    total = study.mean("age").iloc[0]
    assert (total["ci_low"], total["ci_high"]) == pytest.approx(R_WEIGHTED_CI, rel=1e-12)
    outside = study.mean("age", by="country").set_index("category").loc[3]  # no one weighted there
    assert outside["n_base"] == 0 and np.isnan(outside["estimate"])


def test_mean_and_the_numeric_summary_are_one_computation(study):
    """Study.mean's Total and numeric.csv's weighted columns: the same numbers to the bit (R values above)."""
    summary = study.numeric().set_index("question").loc["age"]
    total = study.mean("age").iloc[0]
    assert (total["estimate"], total["se"]) == (summary["weighted_mean"], summary["weighted_se"])
    assert total["estimate"] == pytest.approx(R_WEIGHTED["Total"][0], rel=1e-12)
    plain = study.mean("age", weighted=False).iloc[0]
    assert plain["estimate"] == pytest.approx(
        summary["mean"], rel=1e-14
    )  # pandas mean, other rounding
    assert plain["n_base"] == summary["n"]


def test_bad_requests_name_what_is_wrong(study):
    with pytest.raises(PlanError, match=r"filter 'contry == 2'"):
        study.crosstab("relations_q", filter="contry == 2")
    with pytest.raises(PlanError, match=r"filter 'age \+ 1' is not a condition"):
        study.table("relations_q", filter="age + 1")
    with pytest.raises(PlanError, match=r"banner: unknown variable\(s\) nation"):
        study.crosstab("relations_q", by=["nation"])
    with pytest.raises(PlanError, match=r"'age' is not a coded question"):
        study.crosstab("age")
    with pytest.raises(
        PlanError, match=r"'sector_text' is not a numeric variable|not a numeric variable"
    ):
        study.mean("respondent_id")


def test_filtered_study_and_banner_override(study):
    us = study.filtered("country == 2").with_banner(["gender", "age_2way"])
    assert len(us.data) == int((study.data["country"] == 2).sum())
    assert us.weights.index.equals(us.data.index)
    tables, _ = us.crosstabs()
    assert list(dict.fromkeys(tables["banner"])) == ["Total", "gender", "age_2way"]
    assert us.selection == "country == 2"


def test_cli_filter_and_banner(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "survey.analyze",
            "--plan",
            "analysis/ccg-2020.yaml",
            "--filter",
            "country == 2",
            "--banner",
            "gender,age_2way",
            "--out",
            str(out),
            "--no-charts",
            "--no-spss",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    tables = pd.read_csv(out / "crosstabs.csv")
    assert set(tables["banner"]) == {"Total", "gender", "age_2way"}
    respondents = pd.read_csv(out / "data" / "respondents.csv")
    assert set(respondents["country"]) == {2}
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "survey.analyze",
            "--plan",
            "analysis/ccg-2020.yaml",
            "--filter",
            "nosuch > 1",
            "--out",
            str(tmp_path / "bad"),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert (
        bad.returncode == 2
        and "filter 'nosuch > 1'" in bad.stderr
        and "Traceback" not in bad.stderr
    )


def test_public_api_is_listed_without_importing_it():
    code = (
        "import sys, survey; names = dir(survey); assert 'Study' in names and 'rake' in names, names; "
        "assert 'survey.study' not in sys.modules; import pydoc; text = pydoc.render_doc(survey); "
        "assert 'rake(' in text and 'survey.study.Study' in text and 'crosstab(' in text"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
    assert set(survey.__all__) <= set(dir(survey))


def test_readme_python_examples_run():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 3
    subprocess.run([sys.executable, "-c", "\n".join(blocks)], cwd=ROOT, check=True, timeout=600)
