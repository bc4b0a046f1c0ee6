"""Rao-Scott's refusals and the multiple-response tests, against their definitions.

R ``svychisq`` stops ("system is computationally singular") on the CCG tables listed in
tests/reference/ccg/tests.csv, and tests/test_ccg_reference.py checks that exactly those are
refused; here the refusal rule is checked on small tables whose rank can be counted by hand, and
Bilder and Loughin's (2004) test of multiple marginal independence against an implementation
written in this file from the paper (the statistic as a quadratic form in the deviations of the
groups' shares, its null distribution from the deviations' linearised covariance), not from the
package's formulas.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from survey.stats.association import RCOND_LIMIT, empty_cell_cycles, mmi_test, rao_scott


def _rank_lost(count: np.ndarray) -> int:
    """Rank the interaction contrasts lose on the non-empty cells, by SVD (the definition)."""
    r, c = count.shape
    rows = np.repeat(np.arange(r), c)
    cols = np.tile(np.arange(c), r)
    main = np.column_stack(
        [np.ones(r * c)] + [rows == i for i in range(1, r)] + [cols == j for j in range(1, c)]
    )
    inter = np.column_stack(
        [(rows == i) & (cols == j) for i in range(1, r) for j in range(1, c)]
    ).astype(float)
    contrasts = inter - main @ np.linalg.lstsq(main, inter, rcond=None)[0]
    kept = contrasts[count.ravel() > 0]
    return (r - 1) * (c - 1) - np.linalg.matrix_rank(kept)


@pytest.mark.parametrize("seed", range(40))
def test_empty_cell_cycles_count_the_rank_lost(seed: int) -> None:
    rng = np.random.default_rng(seed)
    r, c = rng.integers(2, 6, 2)
    count = rng.integers(1, 9, (r, c)) * (rng.random((r, c)) > rng.uniform(0.2, 0.6))
    count = count[count.sum(axis=1) > 0][:, count.sum(axis=0) > 0]
    if min(count.shape) < 2:
        return
    assert empty_cell_cycles(count) == _rank_lost(count)


def test_singular_table_is_refused_whatever_the_weights() -> None:
    count = np.array([[0, 0, 3, 2], [0, 0, 4, 1], [5, 6, 7, 3], [2, 2, 2, 2]], dtype=float)
    assert empty_cell_cycles(count) == 1
    for scale in (1.0, 1 + 1e-12, 3.7):  # decided on the counts: no rounding, no BLAS
        w = count * scale
        res = rao_scott(count, w, w * scale)
        assert np.isnan(res["rao_scott_f"]) and np.isnan(res["rao_scott_p"])
        assert res["rao_scott_note"] == "singular: 4 empty cells; collapse categories"
    # three empty cells without a cycle: full rank, a test
    ok = np.array([[0, 0, 3], [0, 2, 4], [5, 6, 7]], dtype=float)
    res = rao_scott(ok, ok, ok)
    assert res["rao_scott_note"] == "" and 0 <= res["rao_scott_p"] <= 1


def test_ill_conditioned_table_is_refused() -> None:
    count = np.array([[50, 40, 30], [45, 1, 20], [25, 30, 35]], dtype=float)
    wsum = count.copy()
    wsum[1, 1] = 1e-12  # one respondent with a negligible weight: C' D^-1 C is nearly singular
    res = rao_scott(count, wsum, wsum**2)
    assert res["rao_scott_note"].startswith(
        f"ill-conditioned: reciprocal condition number under {RCOND_LIMIT:g}"
    )
    assert np.isnan(res["rao_scott_chisq"])


# ------------------------------------------------------------------ multiple marginal independence


def _mmi_from_the_paper(ticks: np.ndarray, group: np.ndarray) -> dict[str, float]:
    """Bilder and Loughin (2004), section 3 and appendix: X2_S, its second-order Rao-Scott version, Bonferroni.

    ``X2_S = sum_j sum_i n_i (p_ij - p_j)^2 / (p_j (1 - p_j))`` (the options' Pearson statistics); under
    marginal independence it is asymptotically ``sum_k lambda_k chi2_1`` with ``lambda`` the eigenvalues
    of ``A Cov(d)``: ``d`` the deviations ``p_ij - p_j``, ``A = diag(n_i / (p_j (1 - p_j)))``.  ``Cov(d)``
    here is the sum of the respondents' squared influence values on ``d``.  RS2 matches the first two
    moments with ``sum lambda = (r - 1) c``: ``X2 = (r - 1) c X2_S / sum lambda^2`` on ``((r - 1) c)^2 /
    sum lambda^2`` df.
    """
    levels = np.unique(group)
    r, c, n = len(levels), ticks.shape[1], len(group)
    share_i = np.array([ticks[group == g].mean(axis=0) for g in levels])  # r x c
    n_i = np.array([(group == g).sum() for g in levels])
    share = ticks.mean(axis=0)
    x2 = np.array(
        [
            stats.chi2_contingency(
                np.column_stack([n_i - n_i * share_i[:, j], n_i * share_i[:, j]]), correction=False
            )[0]
            for j in range(c)
        ]
    )
    influence = np.zeros((n, r * c))
    for k in range(n):
        g = int(np.flatnonzero(levels == group[k])[0])
        for i in range(r):
            for j in range(c):
                own = (ticks[k, j] - share_i[i, j]) / n_i[i] if i == g else 0.0
                influence[k, i * c + j] = own - (ticks[k, j] - share_i[g, j]) / n
    cov = influence.T @ influence
    a = np.array([n_i[i] / (share[j] * (1 - share[j])) for i in range(r) for j in range(c)])
    lam = np.linalg.eigvals(a[:, None] * cov).real
    sum_sq = float(np.sum(lam**2))
    stat, df = (r - 1) * c * x2.sum() / sum_sq, ((r - 1) * c) ** 2 / sum_sq
    return {
        "mmi_chi2": x2.sum(),
        "mmi_rs2_chi2": stat,
        "mmi_rs2_df": df,
        "mmi_rs2_p": stats.chi2.sf(stat, df),
        "mmi_bonferroni_p": min(1.0, c * stats.chi2.sf(x2, r - 1).min()),
        "trace": lam.sum(),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mmi_equals_the_papers_statistic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, c = 240, 4
    group = rng.choice([1, 2, 5], n)
    base = rng.random((n, 1))  # options that go together (the reason for the correction)
    ticks = (rng.random((n, c)) < 0.25 + 0.4 * base + 0.05 * (group[:, None] == 5)).astype(float)
    ours = mmi_test(ticks, group)
    paper = _mmi_from_the_paper(ticks, group)
    for key in ["mmi_chi2", "mmi_rs2_chi2", "mmi_rs2_df", "mmi_rs2_p", "mmi_bonferroni_p"]:
        assert ours[key] == pytest.approx(paper[key], rel=1e-10), key
    assert (ours["mmi_options"], ours["mmi_rows"], ours["mmi_n"]) == (c, 3, n)


def test_mmi_by_hand_and_degenerate() -> None:
    ticks = np.array([[1, 0], [1, 1], [0, 0], [0, 1], [1, 0], [0, 0]], dtype=float)
    res = mmi_test(ticks, np.array([1, 1, 1, 2, 2, 2]))
    # option 1: 2/3 vs 1/3 -> X2 = 6 (1/6)^2 ... = 0.6667; option 2: 1/3 vs 1/3 -> 0
    assert res["mmi_chi2"] == pytest.approx(2 / 3)
    assert res["mmi_bonferroni_p"] == pytest.approx(min(1, 2 * stats.chi2.sf(2 / 3, 1)))
    one_group = mmi_test(ticks, np.ones(6))
    assert np.isnan(one_group["mmi_rs2_p"]) and one_group["mmi_rows"] == 1
    everyone = mmi_test(np.ones((6, 2)), np.array([1, 1, 1, 2, 2, 2]))  # no option varies: no test
    assert everyone["mmi_options"] == 0 and np.isnan(everyone["mmi_chi2"])
