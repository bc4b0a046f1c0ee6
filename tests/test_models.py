"""Agreement by background, odds ratios and reliability.

References: R survey 4.1 ``svyby(svymean)``/``svyby(svyciprop, method="logit")``
in tests/reference/crosstabs/svyby.csv and ``svyglm(quasibinomial)`` / ``glm(binomial)``
in svyglm.csv (run to convergence, with confint), both made by reference.R from large.csv; GNU PSPP RELIABILITY in
reliability.csv (reliability.sps); hand calculations for Cronbach's alpha.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from survey.errors import DataError
from survey.stats.logistic import ODDS_COLUMNS, odds_ratios
from survey.stats.models import AGREEMENT_COLUMNS, WEIGHTED_COLUMNS, agreement_by, reliability

REF = Path(__file__).resolve().parent / "reference" / "crosstabs"


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    return pd.read_csv(REF / "large.csv")


def test_agreement_by_matches_svyby(large: pd.DataFrame) -> None:
    ours = agreement_by(large[["y1", "y2", "y3"]], large[["a", "b"]], large.w)
    assert list(ours.columns) == AGREEMENT_COLUMNS + WEIGHTED_COLUMNS
    ref = pd.read_csv(REF / "svyby.csv")
    merged = ours.merge(ref, on=["item", "banner", "category"], suffixes=("", "_r"), validate="1:1")
    assert len(merged) == len(ref) == 15
    np.testing.assert_allclose(merged.weighted_estimate, merged.estimate_r, rtol=1e-12)
    np.testing.assert_allclose(merged.weighted_se, merged.se, rtol=1e-10)
    # svyciprop fits a GLM iteratively: its interval is as exact as its convergence (1e-9 here)
    np.testing.assert_allclose(merged.weighted_ci_low, merged.ci_low_r, rtol=1e-7)
    np.testing.assert_allclose(merged.weighted_ci_high, merged.ci_high_r, rtol=1e-7)
    p = merged.weighted_estimate
    np.testing.assert_allclose(
        merged.deff, merged.se**2 / (p * (1 - p) / (merged.n_base - 1)), rtol=1e-10
    )
    np.testing.assert_allclose(merged.n_eff, merged.n_base / merged.deff, rtol=1e-12)


def test_agreement_by_unweighted_by_hand() -> None:
    y = pd.DataFrame({"trust": [1, 0, 1, 1, np.nan, 0, 1], "fair": [1, 1, np.nan, 0, 0, 0, 1]})
    banner = pd.DataFrame({"sex": [1, 1, 1, 2, 2, 2, np.nan]})
    t = agreement_by(y, banner)
    assert list(t.columns) == AGREEMENT_COLUMNS
    assert t[["item", "category", "n_base"]].values.tolist() == [
        ["trust", 1, 3],
        ["trust", 2, 2],
        ["fair", 1, 2],
        ["fair", 2, 3],
    ]
    assert t.estimate.tolist() == pytest.approx([2 / 3, 1 / 2, 1.0, 0.0])
    low, high = proportion_confint(2, 3, method="wilson")
    assert (t.ci_low[0], t.ci_high[0]) == pytest.approx((low, high))
    with pytest.raises(DataError, match="indicator 'fair' has values other than 0, 1"):
        agreement_by(y.assign(fair=2), banner)


def test_agreement_by_categorical_order() -> None:
    y = pd.DataFrame({"v": [1, 0, 1, 0]})
    banner = pd.DataFrame(
        {"age": pd.Categorical(["old", "young", "old", "mid"], categories=["young", "mid", "old"])}
    )
    assert agreement_by(y, banner).category.tolist() == ["young", "mid", "old"]


@pytest.mark.parametrize("weighted", [True, False])
def test_odds_ratios_match_r(large: pd.DataFrame, weighted: bool) -> None:
    ours = odds_ratios(large.y1, large[["a", "b"]], large.w if weighted else None)
    assert list(ours.columns) == ODDS_COLUMNS
    ref = pd.read_csv(REF / "svyglm.csv")
    ref = ref[(ref.weighted == weighted) & (ref.term != "(Intercept)")]
    assert ours.term.tolist() == ["a=2", "a=3", "b=2"] and ref.term.tolist() == [
        "fa2",
        "fa3",
        "fb2",
    ]
    # both run to convergence (glm.control(epsilon = 1e-14)) along R's path: measured 2e-14 (p 2e-12)
    for column, r_column in [
        ("log_odds", "coef"),
        ("se", "se"),
        ("p_value", "p_value"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ]:
        np.testing.assert_allclose(ours[column], ref[r_column], rtol=1e-8, err_msg=column)
    np.testing.assert_allclose(ours.odds_ratio, np.exp(ref.coef), rtol=1e-8)
    assert (ours.n == 2782).all() and (ref.n == 2782).all()
    assert ours.iterations.tolist() == ref.iterations.tolist()
    assert ours.reference.tolist() == [1.0, 1.0, 1.0]


def test_odds_ratio_by_hand_and_errors() -> None:
    # sex 1: 3 of 4 agree (odds 3), sex 2: 1 of 4 (odds 1/3) -> OR 1/9
    y = pd.Series([1, 0, 1, 1, 0, 0, 1, 0], name="agree")
    X = pd.DataFrame({"sex": [1, 1, 1, 1, 2, 2, 2, 2]})
    res = odds_ratios(y, X)
    assert res.odds_ratio.iloc[0] == pytest.approx(1 / 9, rel=1e-8)
    # Woolf: se(log OR) = sqrt(1/3 + 1/1 + 1/1 + 1/3)
    assert res.se.iloc[0] == pytest.approx(np.sqrt(1 / 3 + 1 + 1 + 1 / 3), rel=1e-6)
    with pytest.raises(DataError, match="'agree' does not vary"):
        odds_ratios(pd.Series([1, 1, 1], name="agree"), pd.DataFrame({"sex": [1, 2, 1]}))
    with pytest.raises(DataError, match="'sex' has fewer than 2 categories"):
        odds_ratios(y, pd.DataFrame({"sex": [1] * 8}))


def test_aliased_terms_give_na_with_a_note() -> None:
    # tests/reference/models/aliased_odds_ratios.R: R glm(y ~ a + b, binomial) gives b2 as NA
    y = pd.Series([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1], dtype=float, name="agree")
    X = pd.DataFrame(
        {"a": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 2, 1], "b": [1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 1]}
    )
    for weights in (None, pd.Series(1.0, index=y.index)):
        res = odds_ratios(y, X, weights).set_index("term")
        assert res.loc["a=2", "log_odds"] == pytest.approx(-2.19722457733028, abs=1e-9)
        assert abs(res.loc["a=3", "log_odds"]) < 1e-9
        assert pd.isna(res.loc["b=2", ["log_odds", "se", "odds_ratio", "p_value"]]).all()
        assert "aliased" in res.loc["b=2", "note"] and not res.loc["b=2", "separation"]
        assert res.loc[["a=2", "a=3"], "note"].eq("").all()
    unweighted = odds_ratios(y, X).set_index("term")
    assert unweighted.loc["a=2", "se"] == pytest.approx(
        1.63299175530967, abs=1e-5
    )  # R stops earlier
    # tiny data where every dummy of one variable repeats another's: no singular-matrix error
    tiny = odds_ratios(
        pd.Series([1.0, 0, 1, 0, 1, 0]),
        pd.DataFrame({"a": [1, 1, 2, 2, 3, 3], "b": [1, 1, 2, 2, 3, 3]}),
    )
    assert tiny["note"].str.startswith("aliased").tolist() == [False, False, True, True]


def test_reliability_is_pingouins_cronbach_alpha(large: pd.DataFrame) -> None:
    # ours does pingouin's arithmetic (without its import): the same floats and rounded bounds
    pingouin = pytest.importorskip("pingouin")
    for scale, level in (
        (large[["item1", "item2", "item3", "item4"]], 0.95),
        (large[["item1", "item3"]], 0.9),
    ):
        alpha, ci = pingouin.cronbach_alpha(data=scale.dropna(), ci=level, nan_policy="listwise")
        res = reliability(scale, level=level)
        assert (res["alpha"], res["ci_low"], res["ci_high"]) == (alpha, ci[0], ci[1])


def test_reliability_by_hand(large: pd.DataFrame) -> None:
    items = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5, np.nan], "b": [2, 2, 3, 5, 5, 1], "c": [1, 3, 3, 4, 4, 2]}
    )
    res = reliability(items)
    # item variances 2.5, 2.3, 1.5; total-score variance 17.3; alpha = 3/2 (1 - 6.3/17.3)
    assert res["alpha"] == pytest.approx(1.5 * (1 - 6.3 / 17.3), abs=1e-6)
    assert res["n"] == 5 and res["n_items"] == 3
    assert res["ci_low"] < res["alpha"] < res["ci_high"]
    scale = large[["item1", "item2", "item3", "item4"]]
    res = reliability(scale)
    complete = scale.dropna()
    k = 4
    expected = k / (k - 1) * (1 - complete.var().sum() / complete.sum(axis=1).var())
    assert res["alpha"] == pytest.approx(expected, abs=1e-6)
    assert res["n"] == len(complete) == 2889
    # GNU PSPP 1.6.2 RELIABILITY (reliability.sps -> reliability.csv, 12 decimals)
    pspp = (REF / "reliability.csv").read_text().strip().splitlines()[-1].split(",")
    assert res["alpha"] == pytest.approx(float(pspp[0]), abs=1e-11) and int(pspp[1]) == 4
    with pytest.raises(DataError, match="at least 2 items"):
        reliability(scale[["item1"]])
