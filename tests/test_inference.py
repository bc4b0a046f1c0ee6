"""Design-based proportions against R `survey` (tests/reference/weighting/).

results.csv was written by ``Rscript tests/reference/weighting/reference.R``:
for each dataset, item and design,
``svymean(~y, design, na.rm = TRUE, deff = "replace")`` (estimate, se, deff),
``svyciprop(~y, subset(design, !is.na(y)), method = "logit")`` and
``svyciprop(~y, design, method = "beta", na.rm = TRUE)``.  Designs:
``unweighted`` = ``svydesign(ids = ~1, weights = ~1)``; ``weights`` and ``base`` =
weights-only designs on the raked weights / the design weights ``w0``; ``raked``
= ``rake(svydesign(ids = ~1, weights = ~w0), list(~sex, ~age, ~region), ...,
control = list(maxit = 100, epsilon = 1e-12))``.  difference.csv: ``svycontrast``
of ``svyby(~y, ~wave, svymean)`` on the waves stacked with ``strata = ~wave``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from survey.errors import DataError
from survey.stats.inference import CI_METHODS, difference, proportion
from survey.stats.weighting import rake, weight

REF = Path(__file__).resolve().parent / "reference" / "weighting"


def targets_of(dataset: str) -> dict:
    t = pd.read_csv(REF / "targets.csv")
    t = t[t.dataset == dataset]
    return {v: dict(zip(g.category, g.target)) for v, g in t.groupby("variable", sort=False)}


DATA = {ds: pd.read_csv(REF / f"{ds}.csv") for ds in ("small", "large")}
RAKED = {
    ds: rake(d, targets_of(ds), base_weights=d.w0 if "w0" in d else None, tol=1e-12)
    for ds, d in DATA.items()
}
RESULTS = pd.read_csv(REF / "results.csv")
CASES = sorted({(r.dataset, r.item, r.design) for r in RESULTS.itertuples()})


def design_args(dataset: str, design: str) -> dict:
    d = DATA[dataset]
    if design == "unweighted":
        return {"weights": None}
    if design == "base":
        return {"weights": d.w0}
    if design == "weights":
        return {"weights": RAKED[dataset]}
    return {"weights": RAKED[dataset], "calibration": d[list(targets_of(dataset))]}


@pytest.mark.parametrize("dataset, item, design", CASES)
def test_matches_r(dataset, item, design):
    ref = RESULTS[
        (RESULTS.dataset == dataset) & (RESULTS.item == item) & (RESULTS.design == design)
    ]
    ref = ref.set_index("quantity").value
    args = design_args(dataset, design)
    y = DATA[dataset][item]
    logit = proportion(y, ci_method="logit", **args)
    beta = proportion(y, ci_method="beta", **args)
    # raked-design SEs: the brief asks 1e-4; measured agreement is about 1e-13
    se_tol = 1e-4 if design == "raked" else 1e-8
    assert logit["estimate"] == pytest.approx(ref["estimate"], rel=1e-8)
    assert logit["se"] == pytest.approx(ref["se"], rel=se_tol)
    assert logit["deff"] == pytest.approx(ref["deff"], rel=se_tol)
    # R's logit interval comes from glm's IRLS fit (about 2e-10 off on 12 cases); measured <= 2e-10
    assert logit["ci_low"] == pytest.approx(ref["logit_low"], rel=1e-8)
    assert logit["ci_high"] == pytest.approx(ref["logit_high"], rel=1e-8)
    assert beta["ci_low"] == pytest.approx(ref["beta_low"], rel=1e-8)
    assert beta["ci_high"] == pytest.approx(ref["beta_high"], rel=1e-8)
    assert logit["n_base"] == int(y.notna().sum())


def test_calibrated_se_differs_from_weights_only():
    # the reference is only a test of the raking step if raking changes the SE
    d = DATA["large"]
    plain = proportion(d.y1, RAKED["large"])
    cal = proportion(d.y1, RAKED["large"], calibration=d[["sex", "age", "region"]])
    assert plain["estimate"] == cal["estimate"]
    assert abs(cal["se"] / plain["se"] - 1) > 1e-3


def test_domain_se_by_hand():
    # FIELD-NOTES: unweighted SE is sqrt(p(1-p)/m * n/(n-1)) with n all respondents, m the base
    d = DATA["small"]
    r = proportion(d.y)
    n, m = len(d), int(d.y.notna().sum())
    p = d.y.mean()
    assert r["estimate"] == pytest.approx(7 / 13)
    assert r["se"] == pytest.approx(np.sqrt(p * (1 - p) / m * n / (n - 1)), rel=1e-12)
    assert r["n_base"] == 13 and r["weighted_base"] == 13


def numbers(result: dict) -> dict:
    """The numeric entries of a result (pytest.approx compares no text)."""
    return {k: v for k, v in result.items() if not isinstance(v, str)}


def test_unweighted_equals_all_ones():
    d = DATA["large"]
    for method in CI_METHODS:
        a = proportion(d.y2, ci_method=method)
        b = proportion(d.y2, pd.Series(1.0, index=d.index), ci_method=method)
        if method == "wilson":  # unweighted Wilson uses the base; weighted uses n_eff
            continue
        assert numbers(a) == pytest.approx(numbers(b), rel=1e-12)


def test_wilson_is_statsmodels():
    d = DATA["large"]
    y = d.y1.dropna()
    r = proportion(d.y1, ci_method="wilson")
    low, high = proportion_confint(y.sum(), len(y), method="wilson")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((low, high), rel=1e-12)
    rw = proportion(d.y1, d.w0, ci_method="wilson")
    low, high = proportion_confint(rw["estimate"] * rw["n_eff"], rw["n_eff"], method="wilson")
    assert (rw["ci_low"], rw["ci_high"]) == pytest.approx((low, high), rel=1e-12)


def test_outside_calibrated_design_is_dropped():
    d = DATA["large"]
    cal = d[["sex", "age", "region"]].astype(float)
    cal.loc[d.id % 7 == 0, "age"] = np.nan
    inside = cal.notna().all(axis=1)
    w = RAKED["large"]
    a = proportion(d.y1, w, calibration=cal)
    b = proportion(d.y1[inside], w[inside], calibration=cal[inside])
    assert numbers(a) == pytest.approx(numbers(b), rel=1e-12)
    # and missing weights take respondents out of the design too
    assert numbers(proportion(d.y1, d.w0.where(inside))) == pytest.approx(
        numbers(proportion(d.y1[inside], d.w0[inside])), rel=1e-12
    )


def test_difference_matches_r():
    d = DATA["large"]
    ref = pd.read_csv(REF / "difference.csv").set_index("item")
    one, two = d[d.wave == 1], d[d.wave == 2]
    for item in ("y1", "y2"):
        r = difference(one[item], one.w0, two[item], two.w0)
        assert r["estimate"] == pytest.approx(ref.loc[item, "estimate"], rel=1e-8)
        assert r["se"] == pytest.approx(ref.loc[item, "se"], rel=1e-8)
        assert r["p_value"] == pytest.approx(ref.loc[item, "p_value"], rel=1e-8)
        assert r["estimate2"] - r["estimate1"] == pytest.approx(r["estimate"])


def test_degenerate_proportion():
    y = pd.Series([0.0] * 10 + [np.nan] * 2)
    beta = proportion(y, ci_method="beta")
    assert beta["estimate"] == 0 and beta["se"] == 0
    assert beta["ci_low"] == 0 and beta["ci_high"] == pytest.approx(
        1 - 0.025 ** (1 / 10)
    )  # Clopper-Pearson
    logit = proportion(y)  # no logit interval at 0: Korn-Graubard's (Clopper-Pearson on n) instead
    assert (logit["ci_low"], logit["ci_high"]) == (beta["ci_low"], beta["ci_high"]) and np.isnan(
        logit["deff"]
    )
    empty = proportion(pd.Series([np.nan, np.nan]))
    assert empty["n_base"] == 0 and np.isnan(empty["estimate"])


def test_bad_input_messages():
    with pytest.raises(
        DataError, match="'q1': a proportion needs a 0/1 indicator .* found 1 other value"
    ):
        proportion(pd.Series([0, 1, 2], name="q1"))
    with pytest.raises(
        ValueError, match=r"unknown interval method 'wald' \(valid: beta, logit, wilson\)"
    ):
        proportion(pd.Series([0, 1]), ci_method="wald")


def test_inputs_not_mutated():
    d = DATA["small"].copy()
    before = d.copy()
    proportion(d.y, RAKED["small"], calibration=d[["sex", "age", "region"]])
    pd.testing.assert_frame_equal(d, before)


@pytest.mark.parametrize("bounds", ["0-1.8", "0.2-1.6", "0.45-1.9"])
def test_calibrated_se_of_bounded_raking_matches_r(bounds):
    """svymean(~y1, calibrate(..., calfun = "raking", bounds), na.rm = TRUE): tests/reference/weighting/bounded_se.csv."""
    large = pd.read_csv(REF / "large.csv")
    t = pd.read_csv(REF / "targets.csv").query("dataset == 'large'")
    targets = {v: dict(zip(g.category, g.target)) for v, g in t.groupby("variable", sort=False)}
    lo, hi = (float(b) for b in bounds.split("-"))
    w = weight(
        large, "rake", targets, base_weights=large.w0, bounds=(lo, hi), tol=1e-13, max_iter=200
    ).weights
    r = pd.read_csv(REF / "bounded_se.csv").set_index("bounds").loc[bounds]
    res = proportion(
        large.y1.astype(float),
        w,
        calibration=large[["sex", "age", "region"]],
        calibration_method="calibrate",
        base_weights=large.w0,
    )
    assert res["estimate"] == pytest.approx(r.estimate, rel=1e-12)
    assert res["se"] == pytest.approx(r.se, rel=1e-8)  # measured 5e-15
    raked = proportion(
        large.y1.astype(float), w, calibration=large[["sex", "age", "region"]]
    )  # rake()'s sweeps
    assert abs(raked["se"] / r.se - 1) > 1e-8  # the two linearisations differ once bounds bind
