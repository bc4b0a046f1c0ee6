"""The shortcuts of the odds-ratio fits change nothing.

``_fit_logit`` skips the separation LPs whose answer a fit proves
(``certifies_no_separation``), and the designs of numeric codes are built on numpy
arrays instead of Series.  These tests compare both with the plain paths, exactly, on
many random samples: sparse cells, constant categories, complete separation, weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.errors import DataError
from survey.stats import logistic
from survey.stats.logistic import odds_ratios
from survey.stats.patterns import pattern_index, treatment_design
from survey.stats.separation import certifies_no_separation, separated_patterns


def _sample(seed: int) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 400))
    k = int(rng.integers(1, 4))
    X = pd.DataFrame(
        {
            f"v{j}": np.where(
                rng.random(n) < 0.05, np.nan, rng.integers(1, rng.integers(3, 7), n)
            ).astype(float)
            for j in range(k)
        }
    )
    eta = rng.normal(0, 1.5) + sum(rng.normal(0, 2) * (X[c] == 2) for c in X.columns)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    if seed % 5 == 0:  # a category where everyone agrees
        y = np.where(X["v0"] == 1, 1.0, y)
    if seed % 11 == 0:  # the answer a function of the codes
        y = (X["v0"] > 2).astype(float).to_numpy()
    w = pd.Series(rng.gamma(2.0, 0.5, n))
    return pd.Series(np.where(rng.random(n) < 0.05, np.nan, y), name="agree"), X, w


def _fit_or_error(y: pd.Series, X: pd.DataFrame, w: pd.Series | None) -> pd.DataFrame | str:
    try:
        return odds_ratios(y, X, w)
    except DataError as error:
        return str(error)


def test_certificate_skips_only_solves_that_find_nothing(monkeypatch) -> None:
    passed, separated = [], 0
    real = logistic.certifies_no_separation

    def counted(*args):  # type: ignore[no-untyped-def]
        passed.append(real(*args))
        return passed[-1]

    for seed in range(120):
        y, X, w = _sample(seed)
        for weights in (None, w):
            monkeypatch.setattr(logistic, "certifies_no_separation", counted)
            fast = _fit_or_error(y, X, weights)
            monkeypatch.setattr(logistic, "certifies_no_separation", lambda *a: False)
            plain = _fit_or_error(y, X, weights)  # every LP solved until none finds more
            if isinstance(plain, str):
                assert fast == plain
                continue
            assert isinstance(fast, pd.DataFrame)
            pd.testing.assert_frame_equal(fast, plain, check_exact=True)
            assert fast.attrs == plain.attrs
            separated += bool(plain.attrs["separation"])
    assert sum(passed) > 100 and separated > 20  # both paths were taken, many times


def test_certificate_refuses_separated_patterns() -> None:
    x = np.array([[1.0, 0.0], [1.0, 1.0]])  # intercept; group 2
    count, ones = np.array([10.0, 5.0]), np.array([4.0, 5.0])  # group 2: everyone 1
    sign = np.array([0.0, 1.0])
    keep = np.ones(2, dtype=bool)
    assert separated_patterns(x, count, ones).tolist() == [False, True]
    for score in ([0.5, 1.0], [-2.0, 3.0], [0.0, 1e-9]):
        assert not certifies_no_separation(x, sign, keep, np.array(score))
    # both groups mixed, or pure with the other group mixed the other way: no separation
    three = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    assert certifies_no_separation(
        np.array([[1.0, 0.0], [1.0, 1.0]]), np.zeros(2), keep, np.array([0.3, -0.3])
    )
    sign3 = np.array([0.0, 1.0, -1.0])  # two patterns with the dummy: one all 1, one all 0
    assert certifies_no_separation(three, sign3, np.ones(3, dtype=bool), np.array([0.0, 1.0, -1.0]))
    assert not separated_patterns(three, np.array([4.0, 2.0, 3.0]), np.array([2.0, 2.0, 0.0])).any()


@pytest.mark.parametrize("seed", range(40))
def test_numpy_codes_design_as_series(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    X = pd.DataFrame(
        {
            "a": rng.integers(1, 5, n).astype(float),
            "b": rng.integers(-2, 3, n),
            "c": rng.choice([0.5, 2.0, 10.0], n),
        }
    )
    as_objects = X.astype(object)  # the Series path
    pattern, first = pattern_index(X)
    pattern_o, first_o = pattern_index(as_objects)
    assert (pattern == pattern_o).all() and (first == first_o).all()
    try:
        fast = treatment_design(X, first)
    except DataError as error:
        with pytest.raises(DataError, match=str(error).split("'")[1]):
            treatment_design(as_objects, first)
        return
    slow = treatment_design(as_objects.iloc[first])
    assert fast.terms == slow.terms and fast.references == slow.references
    assert fast.categories == slow.categories
    assert np.array_equal(fast.x, slow.x) and fast.x.flags["F_CONTIGUOUS"]
