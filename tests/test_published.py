"""The published-figure consistency test (GRIM) and Wilson intervals."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from survey.stats import estimates, published


@pytest.mark.parametrize(
    "pct, n, ks",
    [
        (20.83, 1776, [370]),      # 370/1776 = 20.8333...
        (44.03, 1776, [782]),      # 782/1776 = 44.0315...
        (98.43, 1776, []),         # 1748/1776 = 98.4234, 1749/1776 = 98.4797
        (50.00, 4, [2]),
        (33.33, 3, [1]),
        (33.34, 3, []),
        (12.5, 8, [1]),            # exact half: 1/8 = 12.50
    ],
)
def test_attainable_counts_hand_checked(pct, n, ks):
    assert published.attainable_counts(pct, n) == ks


def test_nearby_bases_hand_checked():
    # 98.43%: 1698/1725 = 98.4348 rounds to 98.43; 1724: 1697/1724 = 98.4339
    assert published.nearby_bases(98.43, 1776, below=2, above=0) == [1724, 1725]
    assert published.consistent(66.03, 1775) and not published.consistent(66.03, 1776)


def test_round_half_up():
    assert published.round_half_up(0.125, 2) == 0.13
    assert published.round_half_up(20.835, 2) == 20.84
    assert published.reproduced(98.43, 98.4348)
    assert not published.reproduced(98.43, 98.4249)


def test_wilson_matches_statsmodels():
    low, high = estimates.wilson(np.array([370, 5]), np.array([1776, 10]))
    ref = proportion_confint([370, 5], [1776, 10], alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, ref[0], rtol=1e-12)
    np.testing.assert_allclose(high, ref[1], rtol=1e-12)
    # hand value for 5/10: centre 0.5, half-width 1.96*sqrt(.25/10 + 1.96^2/400)/(1+1.96^2/10)
    z = 1.959963984540054
    half = z * np.sqrt(0.25 / 10 + z**2 / 400) / (1 + z**2 / 10)
    assert low[1] == pytest.approx(0.5 - half, abs=1e-12)
