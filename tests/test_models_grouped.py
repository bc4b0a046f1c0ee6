"""Odds ratios fitted on covariate patterns, and agreement by banner with bincount.

``odds_ratios`` collapses respondents to their covariate patterns; these tests
check it against statsmodels' GLM with one row per respondent (the fit it
replaces), including statsmodels' perfect-separation warning.  ``agreement_by``
must stay bit-identical to the sparse one-hot product it replaces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import sparse

from survey.stats.logistic import odds_ratios
from survey.stats.models import _categories, agreement_by
from survey.stats.patterns import design_matrix, pattern_index


@pytest.fixture(scope="module")
def sample() -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    n = 3000
    index = pd.Index(rng.permutation(n) + 10)
    X = pd.DataFrame(
        {
            "region": np.where(rng.random(n) < 0.05, np.nan, rng.integers(1, 5, n).astype(float)),
            "sex": rng.choice(["f", "m"], n),
            "age": pd.Categorical(
                rng.choice(["old", "young", "mid"], n), categories=["young", "mid", "old"]
            ),
        },
        index=index,
    )
    eta = -0.2 + 0.6 * (X.region == 3) - 0.5 * (X.sex == "m") + 0.9 * (X.age == "old")
    y = pd.Series(
        np.where(
            rng.random(n) < 0.05, np.nan, (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
        ),
        index=index,
        name="agree",
    )
    w = pd.Series(rng.gamma(2.0, 0.5, n), index=index)
    return y, X, w


def _per_respondent(y: pd.Series, X: pd.DataFrame, w: pd.Series | None):  # type: ignore[no-untyped-def]
    complete = y.notna() & X.notna().all(axis=1)
    design = design_matrix(X[complete])
    model = sm.GLM(
        y[complete].to_numpy(float),
        design,
        family=sm.families.Binomial(),
        var_weights=None if w is None else w[complete].to_numpy(),
    )
    # R glm's criterion, as odds_ratios (IRLS_TOL): relative deviance change under 1e-14
    opts = {"maxiter": 100, "tol": 1e-15, "rtol": 1e-14}
    return model.fit(cov_type="HC0", **opts) if w is not None else model.fit(**opts)


@pytest.mark.parametrize("weighted", [False, True])
def test_grouped_fit_equals_per_respondent_glm(sample, weighted: bool) -> None:
    y, X, w = sample
    ours = odds_ratios(
        y, X.iloc[::-1], w if weighted else None
    )  # another row order: aligned on the index
    ref = _per_respondent(y, X, w if weighted else None)
    assert ours.term.tolist() == list(ref.params.index[1:])
    assert (ours.n == int((y.notna() & X.notna().all(axis=1)).sum())).all()
    np.testing.assert_allclose(ours.log_odds, ref.params.iloc[1:], rtol=1e-10, atol=1e-12)
    factor = np.sqrt(len(y) / (len(y) - 1)) if weighted else 1.0
    # statsmodels takes model SEs from the last iteration's weights: equal to 1e-8 (measured 1e-9)
    np.testing.assert_allclose(ours.se, ref.bse.iloc[1:] * factor, rtol=1e-8)


def test_zero_weights_add_nothing(sample) -> None:
    # statsmodels' own HC0 is NaN when a var_weight is 0; the patterns' sandwich is not
    y, X, w = sample
    zero = w.where(np.arange(len(w)) % 10 != 0, 0.0)
    ours = odds_ratios(y, X, zero)
    ref = _per_respondent(y[zero > 0], X[zero > 0], zero[zero > 0])
    np.testing.assert_allclose(ours.log_odds, ref.params.iloc[1:], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        ours.se, ref.bse.iloc[1:] * np.sqrt(len(y) / (len(y) - 1)), rtol=1e-10
    )


def test_separation_found_per_term(sample) -> None:
    y, X, w = sample
    # saturated: the two patterns' shares are fitted exactly, but nobody is predicted perfectly
    y2 = pd.Series([1, 0, 1, 1, 0, 0, 1, 0], name="agree")
    res = odds_ratios(y2, pd.DataFrame({"sex": [1, 1, 1, 1, 2, 2, 2, 2]}))
    assert not res.attrs["separation"] and not res.separation.any() and res.iterations.iloc[0] > 0
    # everyone predicted (y is a function of sex): no term is estimable, weighted or not
    perfect = pd.Series((X.sex == "m").astype(float), name="agree")
    for weights in (None, w):
        res = odds_ratios(perfect, X, weights)
        assert res.separation.all() and res.log_odds.isna().all() and (res.n == 0).all()
        assert res.note.str.startswith("complete separation").all()
    # one category where everyone agrees (quasi-complete): that term only; the others are the
    # fit without those respondents (the limit of R glm's estimates as the separated one diverges)
    quasi = y.where(X.age != "old", 1.0)
    for weights in (None, w):
        res = odds_ratios(quasi, X, weights).set_index("term")
        assert res.attrs["separation"] and res.separation.tolist() == [
            t == "age=old" for t in res.index
        ]
        assert np.isnan(res.log_odds["age=old"]) and res.note["age=old"].startswith(
            "separation: every respondent in age=old answered 1"
        )
        rest = X.age != "old"
        ref = _per_respondent(
            quasi[rest],
            X[rest].assign(age=X.age[rest].cat.remove_unused_categories()),
            None if weights is None else weights[rest],
        )
        kept = res.drop(index="age=old")
        np.testing.assert_allclose(kept.log_odds, ref.params.iloc[1:], rtol=1e-10, atol=1e-12)
    # the reference category constant: every odds ratio of age is against an infinite log-odds; the
    # other variables' estimates are the fit without those respondents, age releveled
    on_ref = y.where(X.age != "young", 0.0)
    for weights in (None, w):
        res = odds_ratios(on_ref, X, weights).set_index("term")
        age = res.index.str.startswith("age=")
        assert res.separation.tolist() == list(age) and res.log_odds[age].isna().all()
        assert (
            res.note[age]
            .str.startswith("separation: every respondent in age=young (the reference) answered 0")
            .all()
        )
        rest = X.age != "young"
        ref = _per_respondent(
            on_ref[rest],
            X[rest].assign(age=X.age[rest].cat.remove_unused_categories()),
            None if weights is None else weights[rest],
        )
        others = [t for t in ref.params.index[1:] if not t.startswith("age=")]
        np.testing.assert_allclose(res.log_odds[others], ref.params[others], rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.SingularMatrixWarning")
def test_collinear_weighted_design_does_not_fail(sample) -> None:
    y, X, w = sample
    # R glm/svyglm: the later of two identical columns is NA (aliased); the others are the fit without it
    res = odds_ratios(y, X.assign(sex2=X.sex), w).set_index("term")
    alone = odds_ratios(y, X, w).set_index("term")
    assert res.loc["sex2=m", ["log_odds", "se"]].isna().all() and res.loc[
        "sex2=m", "note"
    ].startswith("aliased")
    others = res.drop(index="sex2=m")
    assert np.isfinite(others.se).all()
    np.testing.assert_allclose(others.log_odds, alone.log_odds.reindex(others.index), rtol=1e-9)


def test_pattern_index_many_wide_columns() -> None:
    # the product of the numbers of categories (500^8) overflows int64: the key is renumbered on the way
    rng = np.random.default_rng(3)
    X = pd.DataFrame({f"v{k}": rng.integers(0, 500, 2000) for k in range(8)})
    X.iloc[1000:1500] = X.iloc[:500].to_numpy()  # repeated patterns
    pattern, first = pattern_index(X)
    expected = X.groupby(list(X.columns), sort=False).ngroup().to_numpy()
    assert len(first) == expected.max() + 1 == 1500
    assert (pd.crosstab(pattern, expected).gt(0).sum(axis=1) == 1).all()  # the same partition
    assert (X.iloc[first].to_numpy()[pattern] == X.to_numpy()).all()
    assert (first == pd.Series(np.arange(len(X))).groupby(pattern).min().to_numpy()).all()


def _agreement_sums_sparse(
    indicators: pd.DataFrame, codes: pd.Series, w: np.ndarray
) -> dict[str, np.ndarray]:
    """The sums agreement_by computed before: one-hot sparse matrix times the N x items products."""
    y = indicators.to_numpy(dtype=float, na_value=np.nan)
    valid, y0 = ~np.isnan(y), np.nan_to_num(y)
    cats = _categories(codes)
    idx = pd.Index(cats).get_indexer(codes.astype(object).where(codes.notna(), None))
    inside = idx >= 0
    onehot = sparse.csr_matrix(
        (np.ones(inside.sum()), (idx[inside], np.flatnonzero(inside))), shape=(len(cats), len(y))
    )
    return {
        k: onehot @ m
        for k, m in {
            "n": valid,
            "x": y0,
            "w": valid * w[:, None],
            "wy": y0 * w[:, None],
            "w2": valid * (w * w)[:, None],
            "w2y": y0 * (w * w)[:, None],
        }.items()
    }


def test_agreement_by_is_bit_identical_to_the_sparse_sums() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    index = pd.RangeIndex(n) * 2
    y = pd.DataFrame(
        {
            f"y{j}": np.where(rng.random(n) < 0.2, np.nan, (rng.random(n) < 0.4).astype(float))
            for j in range(3)
        },
        index=index,
    )
    banner = pd.DataFrame(
        {
            "f": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 5, n).astype(float)),
            "i": rng.integers(0, 3, n),
            "c": pd.Categorical(
                rng.choice(["old", "young", None], n), categories=["young", "mid", "old"]
            ),
            "s": rng.choice(["a", "b", None], n),
        },
        index=index,
    ).iloc[::-1]
    w = pd.Series(rng.gamma(2.0, 1.0, n), index=index)
    table = agreement_by(y, banner, w)
    for name in banner.columns:
        codes = banner[name].reindex(index)
        sums = _agreement_sums_sparse(y, codes, w.to_numpy())
        part = table[table.banner == name]
        n_, x_, sw, swy = (sums[k].T.ravel() for k in ("n", "x", "w", "wy"))
        assert part.n_base.tolist() == n_.round().astype(int).tolist()
        with np.errstate(invalid="ignore", divide="ignore"):
            assert np.array_equal(
                part.estimate.to_numpy(), np.where(n_ > 0, x_ / n_, np.nan), equal_nan=True
            )
            assert np.array_equal(
                part.weighted_estimate.to_numpy(),
                np.where(sw > 0, swy / sw, np.nan),
                equal_nan=True,
            )
