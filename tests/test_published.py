"""The published-figure consistency test (GRIM) and Wilson intervals."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from survey.stats import estimates, published


@pytest.mark.parametrize(
    "pct, n, ks",
    [
        (20.83, 1776, [370]),  # 370/1776 = 20.8333...
        (44.03, 1776, [782]),  # 782/1776 = 44.0315...
        (98.43, 1776, []),  # 1748/1776 = 98.4234, 1749/1776 = 98.4797
        (50.00, 4, [2]),
        (33.33, 3, [1]),
        (33.34, 3, []),
        (12.5, 8, [1]),  # exact half: 1/8 = 12.50
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


def _figure(id, value, stated_n, **kw):
    from survey.instrument.plan import Figure

    return Figure(
        id=id, indicator=kw.pop("indicator", None), value=value, stated_n=stated_n, quote=id, **kw
    )


def test_figures_on_the_same_indicator_get_a_row_each():
    """Two unweighted figures, a weighted one and two means of one question: five rows in plan order."""
    import pandas as pd

    data = pd.DataFrame(
        {
            "ind": pd.array([1, 1, 0, 1, None, 0, 1, 1], dtype="Int64"),
            "age": [20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
        }
    )
    weights = pd.Series([1.0, 2.0, 1.0, 1.0, 1.0, 3.0, 1.0, 1.0])
    figures = [
        _figure("all", 71.4, 7, indicator="ind"),  # 5/7 = 71.43%
        _figure("again", 70.0, 7, indicator="ind"),  # same indicator, another value
        _figure("weighted", 60.0, 7, indicator="ind", weighted=True),
        _figure("age", 55.0, 8, statistic="mean", question="age"),
        _figure("age_w", 53.0, 8, statistic="mean", question="age", weighted=True),
    ]
    table = published.headline_table(figures, data, decimals=1, weights=weights)
    assert table["id"].tolist() == ["all", "again", "weighted", "age", "age_w"]
    # by hand: unweighted 5 of 7 answering; weighted (1+2+1+1+1)/(1+2+1+1+3+1+1) = 6/10
    assert table["estimate_pct"].tolist()[:3] == pytest.approx([100 * 5 / 7, 100 * 5 / 7, 60.0])
    assert table["n_base"].tolist() == [7, 7, 7, 8, 8]
    # mean 55; weighted (20 + 60 + 40 + 50 + 60 + 210 + 80 + 90) / 11 = 610 / 11
    assert table["estimate_pct"].tolist()[3:] == pytest.approx([55.0, 610 / 11])
    assert table["reproduced"].tolist() == [True, False, True, True, False]
    assert table["grim_consistent"].tolist() == [True, False, None, None, None]
