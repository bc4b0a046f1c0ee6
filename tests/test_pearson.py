"""survey.stats.pearson gives scipy's numbers exactly (bit for bit), whatever the table."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats
from scipy.stats.contingency import association

from survey.stats import pearson


def _same(a: Any, b: Any) -> bool:
    """Equal to the last bit (NaN equal to NaN), and of the same Python/NumPy type."""
    if type(a) is not type(b):
        return False
    fa, fb = float(a), float(b)
    return (math.isnan(fa) and math.isnan(fb)) or np.float64(fa).tobytes() == np.float64(
        fb
    ).tobytes()


def _tables(seed: int, n: int) -> list[np.ndarray]:
    """Random count tables: 2x2 to 8x9, small and large counts, some zero cells."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        shape = (int(rng.integers(2, 9)), int(rng.integers(2, 10)))
        if k % 4 == 0:
            shape = (2, 2)
        scale = [1, 3, 10, 100, 10_000, 5_000_000][k % 6]
        table = rng.poisson(scale * rng.random(shape) + 0.2)
        if k % 5 == 0:  # scattered empty cells
            table[rng.random(shape) < 0.2] = 0
        table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]  # as tests_from_sums
        if min(table.shape) >= 1:
            out.append(table.astype(np.int64))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_chi2_independence_is_scipys_on_count_tables(seed: int) -> None:
    for table in _tables(seed, 500):
        ours = pearson.chi2_independence(table)
        chi2, p, dof, expected = stats.chi2_contingency(table, correction=False)
        assert _same(ours.statistic, chi2), table
        assert _same(ours.pvalue, p), table
        assert ours.dof == dof and type(ours.dof) is type(dof)
        assert expected.tobytes() == ours.expected_freq.tobytes()
        assert expected.shape == ours.expected_freq.shape
        if min(table.shape) >= 2:
            v = association(table, method="cramer")
            assert _same(pearson.cramers_v(table, ours.statistic), v), table


@pytest.mark.parametrize("seed", range(3))
def test_chi2_independence_is_scipys_on_weighted_tables(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for table in _tables(seed, 400):
        weighted = table * rng.gamma(2.0, 0.7, table.shape)
        weighted = weighted * table.sum() / weighted.sum()  # as rao_scott rescales
        ours = pearson.chi2_independence(weighted)
        chi2, p, dof, expected = stats.chi2_contingency(weighted, correction=False)
        assert _same(ours.statistic, chi2) and _same(ours.pvalue, p)
        assert ours.dof == dof and expected.tobytes() == ours.expected_freq.tobytes()


def test_chi2_independence_edge_tables() -> None:
    for table in (
        np.array([[3, 4, 5]]),  # one row: dof 0
        np.array([[3], [4]]),
        np.array([[1, 0], [0, 1]]),
        np.array([[0, 5], [0, 7]]),  # an empty column: scipy's error
        np.array([[2**40, 3], [5, 2**41]]),
        np.array([[1e-300, 1.0], [1.0, 1.0]]),
    ):
        try:
            expected_result = stats.chi2_contingency(table, correction=False)
        except ValueError as error:
            with pytest.raises(ValueError, match="zero element"):
                pearson.chi2_independence(table)
            assert "zero element" in str(error)
            continue
        ours = pearson.chi2_independence(table)
        assert _same(ours.statistic, expected_result[0])
        assert _same(ours.pvalue, expected_result[1])
        assert ours.dof == expected_result[2]
    with pytest.raises(ValueError, match="nonnegative"):
        pearson.chi2_independence(np.array([[1, -1], [2, 3]]))


def test_f_and_chi2_sf_are_scipys() -> None:
    rng = np.random.default_rng(7)
    xs = np.concatenate(
        [rng.gamma(1.0, 3.0, 2000), [0.0, -1.0, np.inf, np.nan, 1e-300, 1e300, 5e-324]]
    )
    for x in xs:
        dfn, dfd = float(rng.gamma(2.0, 2.0)), float(rng.gamma(2.0, 500.0))
        assert _same(pearson.f_sf(x, dfn, dfd), float(stats.f.sf(x, dfn, dfd)))
        df = int(rng.integers(1, 40))
        assert _same(pearson.chi2_sf(x, df), float(stats.chi2.sf(x, df)))
        assert _same(pearson.chi2_sf(x, dfn), float(stats.chi2.sf(x, dfn)))
    for args in [(1.0, 0.0, 3.0), (1.0, np.nan, 3.0), (2.0, 3.0, np.inf), (1.0, -2.0, 4.0)]:
        assert _same(pearson.f_sf(*args), float(stats.f.sf(*args)))
    for x, df in [(1.0, 0.0), (1.0, np.inf), (2.0, np.nan)]:
        assert _same(pearson.chi2_sf(x, df), float(stats.chi2.sf(x, df)))
