"""Raking, bounded raking and post-stratification against R `survey` and by their defining properties.

Reference values: tests/reference/weighting/weights.csv, written by
``Rscript tests/reference/weighting/reference.R`` (``rake(svydesign(ids = ~1,
weights = ~w0), list(~sex, ~age, ~region), population totals = target * n,
control = list(maxit = 100, epsilon = 1e-12))`` and ``postStratify(design,
~sex + region, population)``); tests/reference/weighting/bounded.csv, written by
``Rscript tests/reference/weighting/bounded.R`` (``calibrate(design, ~sex + age + region,
population, calfun = "raking", bounds = c(lo, hi), epsilon = 1e-14, maxit = 200)``: the ratio
``g`` of calibrated to base weight, one per cell of sex x age x region).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.errors import WeightingError
from survey.stats.weighting import METHODS, poststratify, rake, weight, weighting_summary

REF = Path(__file__).resolve().parent / "reference" / "weighting"


def targets_of(dataset: str) -> dict:
    t = pd.read_csv(REF / "targets.csv")
    t = t[t.dataset == dataset]
    return {v: dict(zip(g.category, g.target)) for v, g in t.groupby("variable", sort=False)}


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return pd.read_csv(REF / "small.csv")


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    return pd.read_csv(REF / "large.csv")


@pytest.fixture(scope="module")
def r_weights() -> pd.DataFrame:
    return pd.read_csv(REF / "weights.csv")


# ---------------------------------------------------------------------------- against R


def test_rake_small_matches_r(small, r_weights):
    w = rake(small, targets_of("small"), tol=1e-12)
    expected = r_weights[r_weights.dataset == "small"].rake.to_numpy()
    np.testing.assert_allclose(
        w.to_numpy(), expected, rtol=1e-8, atol=0
    )  # measured: 6e-13 relative
    assert w.name == "weight" and list(w.index) == list(small.index)


def test_rake_large_with_base_weights_matches_r(large, r_weights):
    w = rake(large, targets_of("large"), base_weights=large.w0, tol=1e-12)
    expected = r_weights[r_weights.dataset == "large"].rake.to_numpy()
    np.testing.assert_allclose(
        w.to_numpy(), expected, rtol=1e-8, atol=0
    )  # measured: 1e-13 relative
    assert w.sum() == pytest.approx(len(large), rel=1e-12)


def test_poststratify_matches_r_and_hand(small, r_weights):
    cells = pd.read_csv(REF / "poststrata.csv")
    targets = {(s, r): t for s, r, t in cells.itertuples(index=False)}
    w = poststratify(small, ["sex", "region"], targets)
    expected = r_weights[r_weights.dataset == "small"].poststratify.to_numpy()
    np.testing.assert_allclose(w.to_numpy(), expected, rtol=1e-12, atol=0)
    # by hand: 4 respondents per cell, 16 in all; cell (1, 1) has target 0.3 -> 0.3 * 16 / 4
    assert w[small.id == 1].iloc[0] == pytest.approx(1.2)
    assert w[small.id == 2].iloc[0] == pytest.approx(0.18 * 16 / 4)


def test_rake_small_achieves_margins_by_hand(small):
    w = rake(small, targets_of("small"))
    assert w[small.sex == 1].sum() / 16 == pytest.approx(0.48, abs=1e-10)
    assert w[small.age == 3].sum() / 16 == pytest.approx(0.35, abs=1e-10)
    assert w[small.region == 2].sum() / 16 == pytest.approx(0.40, abs=1e-10)


def test_million_rows_three_margins_is_fast():
    rng = np.random.default_rng(0)
    n = 1_000_000
    d = pd.DataFrame(
        {"a": rng.integers(0, 5, n), "b": rng.integers(1, 3, n), "c": rng.integers(0, 7, n)}
    )
    t = {"a": {i: 0.2 for i in range(5)}, "b": {1: 0.4, 2: 0.6}, "c": {i: 1 / 7 for i in range(7)}}
    rake(d, t)
    start = time.perf_counter()
    w = rake(d, t)
    elapsed = time.perf_counter() - start
    assert w.sum() == pytest.approx(n)
    assert elapsed < 1.0  # about 0.05 s on the 2-core machine; generous for a loaded CI


def test_string_and_categorical_columns(small):
    d = small.assign(
        sex=small.sex.map({1: "m", 2: "f"}).astype("category"),
        region=small.region.map({1: "n", 2: "s"}),
    )
    t = {
        "sex": {"m": 0.48, "f": 0.52},
        "age": targets_of("small")["age"],
        "region": {"n": 0.6, "s": 0.4},
    }
    np.testing.assert_allclose(
        rake(d, t).to_numpy(), rake(small, targets_of("small")).to_numpy(), rtol=1e-12
    )


def test_index_alignment_and_base_weights(large):
    t = targets_of("large")
    shuffled = large.sample(frac=1, random_state=1).set_index("id")
    base = large.set_index("id").w0  # in the original order: aligned on the index, not by position
    w = rake(shuffled, t, base_weights=base, tol=1e-12)
    expected = rake(large, t, base_weights=large.w0, tol=1e-12).set_axis(large.id)
    assert list(w.index) == list(shuffled.index)
    np.testing.assert_allclose(w.to_numpy(), expected.reindex(w.index).to_numpy(), rtol=1e-10)
    # respondents of one cell keep the ratio of their base weights
    cell = shuffled[["sex", "age", "region"]].apply(tuple, axis=1)
    ratio = (w / base.reindex(w.index)).groupby(cell).agg(["min", "max"])
    np.testing.assert_allclose(ratio["min"], ratio["max"], rtol=1e-12)


def test_inputs_not_mutated(small):
    before = small.copy()
    t = targets_of("small")
    rake(small, t, bounds=(0.5, 1.5))
    pd.testing.assert_frame_equal(small, before)


# ---------------------------------------------------------------------------- diagnostics


def test_weight_diagnostics(small):
    result = weight(small, "rake", targets_of("small"), bounds=(0.2, 5))
    d = result.diagnostics
    json.dumps(d)  # plain floats and str keys
    for key in (
        "method",
        "targets",
        "achieved",
        "margins",
        "iterations",
        "converged",
        "weight_min",
        "weight_max",
        "weight_mean",
        "weight_cv",
        "deff",
        "n_eff",
        "trimmed_share",
        "n",
    ):
        assert key in d
    w = result.weights.to_numpy()
    assert d["deff"] == pytest.approx(len(w) * np.sum(w**2) / np.sum(w) ** 2)
    assert d["n_eff"] == pytest.approx(len(w) / d["deff"])
    assert d["weight_mean"] == pytest.approx(1.0)
    assert d["margins"]["sex"]["1"]["target"] == 0.48
    assert d["achieved"]["age"]["2"] == pytest.approx(0.35, abs=1e-9)
    assert d["converged"] is True and d["trimmed_share"] == 0.0


def test_weight_poststratify_diagnostics(small):
    targets = {(1, 1): 0.3, (1, 2): 0.18, (2, 1): 0.3, (2, 2): 0.22}
    d = weight(small, "poststratify", targets, columns=["sex", "region"]).diagnostics
    json.dumps(d)
    assert d["achieved"]["sex|region"]["1|2"] == pytest.approx(0.18)


def test_unknown_method_lists_valid_ones(small):
    with pytest.raises(
        WeightingError, match="unknown weighting method 'calibrate' \\(valid: poststratify, rake\\)"
    ):
        weight(small, "calibrate", {})
    assert set(METHODS) == {"rake", "poststratify"}


def test_weighting_summary_kish():
    s = weighting_summary(pd.Series([0.5, 1.5, 1.0, 1.0]))
    assert s["deff"] == pytest.approx(4 * 4.5 / 16)
    assert s["weight_cv"] == pytest.approx(np.std([0.5, 1.5, 1, 1]))


# ---------------------------------------------------------------------------- bounded raking


@pytest.mark.parametrize("bounds", ["0-1.8", "0.2-1.6", "0.45-1.9"])
def test_bounded_raking_matches_r_calibrate(large, bounds):
    ref = pd.read_csv(REF / "bounded.csv")
    g = large.merge(
        ref[ref.bounds == bounds], on=["sex", "age", "region"], how="left", validate="many_to_one"
    ).g
    expected = large.w0 * len(large) / large.w0.sum() * g  # R: weights(cal) = d0 * g
    lo, hi = (float(b) for b in bounds.split("-"))
    res = weight(
        large,
        "rake",
        targets_of("large"),
        base_weights=large.w0,
        bounds=(lo, hi),
        tol=1e-13,
        max_iter=200,
    )
    np.testing.assert_allclose(
        res.weights.to_numpy(), expected.to_numpy(), rtol=1e-8, atol=0
    )  # measured: 4e-14
    assert res.diagnostics["algorithm"] == "bounded raking" and res.diagnostics["bounds"] == [
        lo,
        hi,
    ]
    assert 0 < res.diagnostics["trimmed_share"] < 0.2


def test_bounded_raking_binding_hard():
    """Unbounded weights reach 5.2; within (0.3, 2.5) both the bounds and the margins hold."""
    d = _trim_case(3)
    targets = {"a": {1: 0.5, 2: 0.3, 3: 0.2}, "b": {1: 0.6, 2: 0.4}}
    w = weight(d, "rake", targets, bounds=(0.3, 2.5)).weights
    assert w.max() <= 2.5 * (1 + 1e-12) and w.min() >= 0.3 * (1 - 1e-12)
    for col, shares in targets.items():
        got = w.groupby(d[col]).sum() / len(d)
        assert max(abs(got[c] - s) for c, s in shares.items()) < 1e-10


def _trim_case(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a": rng.choice([1, 2, 3], 500, p=[0.7, 0.2, 0.1]),
            "b": rng.choice([1, 2], 500, p=[0.8, 0.2]),
        }
    )


# Both cases need bounds (unbounded weights reach 5.2 and 7.6) and have a solution within them
# (checked with scipy.optimize.linprog on the cell table when the cases were chosen).
@pytest.mark.parametrize(
    "seed, targets, bounds",
    [
        (3, {"a": {1: 0.5, 2: 0.3, 3: 0.2}, "b": {1: 0.6, 2: 0.4}}, (0.3, 2.5)),
        (6, {"a": {1: 0.4, 2: 0.3, 3: 0.3}, "b": {1: 0.5, 2: 0.5}}, (0.3, 4.0)),
    ],
)
def test_bounded_raking_holds_bounds_and_margins(seed, targets, bounds):
    d = _trim_case(seed)
    assert rake(d, targets).max() > bounds[1] + 1
    res = weight(d, "rake", targets, bounds=bounds)
    w = res.weights
    assert w.max() <= bounds[1] * (1 + 1e-9) and w.min() >= bounds[0] * (1 - 1e-9)
    for col, shares in targets.items():
        got = w.groupby(d[col]).sum() / len(d)
        assert max(abs(got[c] - s) for c, s in shares.items()) < 1e-10
    assert w.sum() == pytest.approx(500)
    assert 0 < res.diagnostics["trimmed_share"] < 0.5
    assert res.diagnostics["weight_max"] == pytest.approx(bounds[1])


# ---------------------------------------------------------------------------- failures, messages asserted


def test_zero_count_category(small):
    t = targets_of("small")
    t["age"] = {1: 0.3, 2: 0.3, 3: 0.3, 4: 0.1}
    with pytest.raises(
        WeightingError, match="'age': category 4 has a target of 0.1 but no respondents"
    ):
        rake(small, t)


def test_category_without_target(small):
    t = targets_of("small")
    t["age"] = {1: 0.5, 2: 0.5}
    with pytest.raises(WeightingError, match="'age': category 3 has respondents but no target"):
        rake(small, t)


def test_targets_not_summing_to_one(small):
    t = targets_of("small")
    t["sex"] = {1: 0.5, 2: 0.6}
    with pytest.raises(WeightingError, match="targets for 'sex' sum to 1.1, not 1"):
        rake(small, t)


def test_negative_target(small):
    t = targets_of("small")
    t["sex"] = {1: 1.2, 2: -0.2}
    with pytest.raises(
        WeightingError, match="targets for 'sex': category 2 has an invalid target -0.2"
    ):
        rake(small, t)


def test_missing_target_column(small):
    with pytest.raises(
        WeightingError, match="target variable 'income' is not a column of the data"
    ):
        rake(small, {"income": {1: 1.0}})


def test_missing_values_in_weighting_column(small):
    d = small.astype({"region": float})
    d.loc[[0, 3], "region"] = np.nan
    with pytest.raises(WeightingError, match="weighting variable 'region' has 2 missing value"):
        rake(d, targets_of("small"))


def test_unreachable_targets_do_not_converge():
    # sex 1 and age 1 share one respondent: the margins contradict each other
    d = pd.DataFrame({"sex": [1, 1, 1, 2], "age": [1, 2, 2, 1]})
    with pytest.raises(
        WeightingError, match=r"raking did not converge in 5 iterations .* margins not reached: sex"
    ):
        rake(d, {"sex": {1: 0.5, 2: 0.5}, "age": {1: 0.5, 2: 0.5}}, max_iter=5)


def test_bounds_that_cannot_hold():
    d = pd.DataFrame({"a": [1] * 18 + [2] * 2, "b": [1, 2] * 10})
    with pytest.raises(
        WeightingError,
        match=r"bounded raking within \(0.5, 2\) did not converge .* the margins "
        r"and the bounds cannot both hold; widen the bounds",
    ):
        rake(d, {"a": {1: 0.5, 2: 0.5}, "b": {1: 0.5, 2: 0.5}}, bounds=(0.5, 2.0), max_iter=50)


def test_every_problem_reported_at_once(small):
    t = targets_of("small")
    t["age"] = {1: 0.5, 2: 0.5}
    t["region"] = {1: 0.3, 2: 0.3, 9: 0.4}
    with pytest.raises(WeightingError) as info:
        rake(small, t)
    message = str(info.value)
    assert "'age': category 3 has respondents but no target" in message
    assert "'region': category 9 has a target of 0.4 but no respondents" in message
    assert "\n" not in message


def test_poststratify_keeps_base_weight_ratios(small):
    base = pd.Series(np.linspace(0.5, 2, 16), index=small.index)
    targets = {(1, 1): 0.3, (1, 2): 0.18, (2, 1): 0.3, (2, 2): 0.22}
    w = poststratify(small, ["sex", "region"], targets, base_weights=base)
    shares = w.groupby([small.sex, small.region]).sum() / 16
    assert shares.to_dict() == pytest.approx(targets)
    ratio = (w / base).groupby([small.sex, small.region]).agg(["min", "max"])
    np.testing.assert_allclose(ratio["min"], ratio["max"], rtol=1e-12)


def test_bad_bounds(small):
    with pytest.raises(WeightingError, match="bounds"):
        rake(small, targets_of("small"), bounds=(2, 5))


def test_poststratify_failures(small):
    full = {(1, 1): 0.3, (1, 2): 0.18, (2, 1): 0.3, (2, 2): 0.22}
    with pytest.raises(
        WeightingError, match=r"'sex x region': cell \(2, 2\) has respondents but no target"
    ):
        poststratify(small, ["sex", "region"], {(1, 1): 0.3, (1, 2): 0.18, (2, 1): 0.52})
    with pytest.raises(
        WeightingError, match=r"cell \(3, 1\) has a target of 0.1 but no respondents"
    ):
        poststratify(small, ["sex", "region"], {**full, (1, 1): 0.2, (3, 1): 0.1})
    with pytest.raises(WeightingError, match="sum to 0.9"):
        poststratify(small, ["sex", "region"], {**full, (1, 1): 0.2})


# ---------------------------------------------------------------------------- properties


@st.composite
def feasible(draw):
    n = draw(st.integers(20, 200))
    k = draw(st.lists(st.integers(2, 4), min_size=2, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    cols = {
        f"v{j}": np.concatenate([np.arange(m), rng.integers(0, m, n - m)]) for j, m in enumerate(k)
    }
    d = pd.DataFrame(cols)
    # a positive "population" weight within (0.5, 2): its margins are reachable, also within bounds (0.2, 5)
    v = rng.uniform(0.5, 2.0, n)
    targets = {c: (pd.Series(v).groupby(d[c]).sum() / v.sum()).to_dict() for c in d.columns}
    return d, targets


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible())
def test_property_margins_reached(case):
    d, targets = case
    w = rake(d, targets, tol=1e-10, max_iter=1000)
    assert (w > 0).all()
    assert w.sum() == pytest.approx(len(d), rel=1e-12)
    for col, shares in targets.items():
        got = w.groupby(d[col]).sum() / len(d)
        for cat, share in shares.items():
            assert abs(got[cat] - share) < 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible(), st.sampled_from([(0.2, 5.0), (0.4, 2.5)]))
def test_property_bounded_raking_bounds_hold(case, bounds):
    d, targets = case
    try:
        w = rake(d, targets, bounds=bounds, max_iter=1000)
    except WeightingError as e:
        # v / mean(v) lies in (0.25, 4), so (0.2, 5) always has a solution; (0.4, 2.5) may not
        assert bounds == (0.4, 2.5) and "cannot both hold" in str(e)
        return
    lo, hi = bounds
    assert w.min() >= lo * (1 - 1e-9) and w.max() <= hi * (1 + 1e-9)
    for col, shares in targets.items():
        got = w.groupby(d[col]).sum() / len(d)
        assert max(abs(got[c] - s) for c, s in shares.items()) < 1e-9
