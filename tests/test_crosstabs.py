"""Banner tables, column letters, multiple response and tests of independence.

References: hand calculations written next to each assertion; R survey 4.1
``svychisq`` values in tests/reference/crosstabs/svychisq.csv (made by
reference.R from small.csv and large.csv); statsmodels ``proportions_ztest`` and
``multipletests`` for the vectorised z tests and corrections.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from survey.errors import DataError, PlanError
from survey.stats.association import table_tests
from survey.stats.crosstabs import (
    TABLE_COLUMNS,
    adjust_pvalues,
    column_letters,
    crosstab,
    encode,
    multi_response,
    pairwise_z,
    sig_letters,
)

REF = Path(__file__).resolve().parent / "reference" / "crosstabs"
ROWS = {1: "Agree", 2: "Neutral", 3: "Disagree", 9: "Don't know"}
COLS = {1: "North", 2: "South", 3: "West"}


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return pd.read_csv(REF / "small.csv")


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    return pd.read_csv(REF / "large.csv")


def expand(table: list[list[int]]) -> tuple[pd.Series, pd.Series]:
    """Respondent-level row/col codes (1-based) from a rows x columns count table."""
    rows, cols = [], []
    for r, counts in enumerate(table, start=1):
        for c, k in enumerate(counts, start=1):
            rows += [r] * k
            cols += [c] * k
    return pd.Series(rows, dtype=float), pd.Series(cols, dtype=float)


def cell(t: pd.DataFrame, row, col, column: str):
    hit = t[(t.row_code == row) & (t.col_code == col)]
    assert len(hit) == 1
    return hit[column].iloc[0]


# --- counts and percentages ---------------------------------------------------------


def test_small_table_counts_bases_and_total(small: pd.DataFrame) -> None:
    t = crosstab(small.row, small.col, row_labels=ROWS, col_labels=COLS, nonsubstantive=[9])
    assert list(t.columns) == TABLE_COLUMNS
    assert t.col_code.tolist()[:4] == [1, 2, 3, "Total"]
    counts = t[t.col_code != "Total"].pivot(index="row_code", columns="col_code", values="count")
    assert counts.loc[[1, 2, 3]].to_numpy().tolist() == [[6, 2, 2], [2, 6, 2], [2, 2, 6]]
    assert counts.loc[9].tolist() == [1, 1, 0]  # don't know: listed, outside the base
    assert (t.loc[t.col_code != "Total", "base"] == 10).all()
    # Total counts everyone who answered, also the two without a banner code (rows 1 and 2)
    assert [cell(t, k, "Total", "count") for k in (1, 2, 3, 9)] == [11, 11, 10, 2]
    assert cell(t, 1, "Total", "base") == 32
    assert cell(t, 1, "Total", "col_pct") == pytest.approx(100 * 11 / 32)
    assert cell(t, 1, 1, "col_pct") == pytest.approx(60.0)
    assert np.isnan(cell(t, 9, 1, "col_pct")) and np.isnan(cell(t, 9, "Total", "weighted_col_pct"))
    # unweighted: weighted columns equal the unweighted ones
    assert (t.weighted_count == t["count"]).all() and (t.weighted_base == t.base).all()
    banner_only = crosstab(
        small.row, small.col, row_labels=ROWS, col_labels=COLS, nonsubstantive=[9], total="banner"
    )
    assert [cell(banner_only, k, "Total", "count") for k in (1, 2, 3)] == [10, 10, 10]


def test_weighted_counts_and_nets(small: pd.DataFrame) -> None:
    nets = {"not_disagree": ("Agree or neutral", [1, 2])}
    t = crosstab(
        small.row,
        small.col,
        small.w,
        row_labels=ROWS,
        col_labels=COLS,
        nonsubstantive=[9],
        nets=nets,
    )
    inside = small[small.row.isin([1, 2, 3]) & small.col.notna()]
    expected = inside.groupby(["row", "col"]).w.sum()
    for (r, c), value in expected.items():
        assert cell(t, r, c, "weighted_count") == pytest.approx(value)
    base = inside.groupby("col").w.sum()
    assert cell(t, 2, 3, "weighted_col_pct") == pytest.approx(100 * expected[(2, 3)] / base[3])
    assert cell(t, "net:not_disagree", 1, "count") == 8
    assert cell(t, "net:not_disagree", 1, "weighted_count") == pytest.approx(
        expected[(1, 1)] + expected[(2, 1)]
    )
    assert cell(t, "net:not_disagree", 1, "row_label") == "Agree or neutral"
    with pytest.raises(PlanError, match="net 'bad'.*9"):
        crosstab(
            small.row,
            small.col,
            row_labels=ROWS,
            col_labels=COLS,
            nonsubstantive=[9],
            nets={"bad": ("x", [1, 9])},
        )


def test_bad_input_is_named() -> None:
    with pytest.raises(DataError, match="row 'q1' has codes without a label: 7"):
        crosstab(
            pd.Series([1, 7], name="q1"),
            pd.Series([1, 1]),
            row_labels={1: "a"},
            col_labels={1: "x"},
        )
    with pytest.raises(DataError, match="banner 'sex'.*1.5"):
        crosstab(
            pd.Series([1, 1]),
            pd.Series([1, 1.5], name="sex"),
            row_labels={1: "a"},
            col_labels={1: "x"},
        )
    with pytest.raises(
        PlanError, match="unknown correction 'tukey'; valid: bonferroni, holm, fdr_bh, none"
    ):
        crosstab(
            pd.Series([1]),
            pd.Series([1]),
            row_labels={1: "a"},
            col_labels={1: "x"},
            correction="tukey",
        )
    with pytest.raises(DataError, match="weights 'w'"):
        crosstab(
            pd.Series([1]),
            pd.Series([1]),
            pd.Series([-1.0], name="w"),
            row_labels={1: "a"},
            col_labels={1: "x"},
        )


def test_encode_maps_missing_to_extra_slot() -> None:
    assert encode(pd.Series([3, np.nan, 1, 2]), [1, 2, 3], "q").tolist() == [2, 3, 0, 1]
    assert encode(pd.Series([10.0, 5.5]), [5.5, 10.0], "q").tolist() == [1, 0]  # non-integer codes
    assert encode(pd.Series(["b", None]), ["a", "b"], "q").tolist() == [1, 2]
    assert encode(pd.Series([1, 9, -4]), [1, 2], "q", strict=False).tolist() == [0, 2, 2]


# --- column letters -------------------------------------------------------------------
# Three columns of 100 respondents; row 1 answered by 50, 36 and 20.
#   A vs B: pooled p = 0.43, z = 0.14 / sqrt(0.43*0.57*0.02) = 1.9996, p = 0.0455
#   A vs C: pooled p = 0.35, z = 0.30 / sqrt(0.35*0.65*0.02) = 4.447,  p = 8.7e-6
#   B vs C: pooled p = 0.28, z = 0.16 / sqrt(0.28*0.72*0.02) = 2.520,  p = 0.0117
# Bonferroni (x3): 0.137, 2.6e-5, 0.035 -> A beats only C; unadjusted A beats B and C.
# Holm: 2.6e-5 (x3), 0.0235 (x2), 0.0455 (x1) -> all three kept.

LETTER_TABLE = [[50, 36, 20], [50, 64, 80]]


def letter_table(correction: str) -> pd.DataFrame:
    row, col = expand(LETTER_TABLE)
    t = crosstab(
        row,
        col,
        row_labels={1: "Yes", 2: "No"},
        col_labels={1: "A", 2: "B", 3: "C"},
        correction=correction,
    )
    return t.pivot(index="row_code", columns="col_code", values="sig_letters")


def test_letters_unadjusted_bonferroni_holm() -> None:
    none, bonf, holm = letter_table("none"), letter_table("bonferroni"), letter_table("holm")
    assert none.loc[1, [1, 2, 3, "Total"]].tolist() == ["BC", "C", "", ""]
    assert bonf.loc[1, [1, 2, 3, "Total"]].tolist() == [
        "C",
        "C",
        "",
        "",
    ]  # Bonferroni removes B from A
    assert holm.loc[1, [1, 2, 3]].tolist() == ["BC", "C", ""]
    assert none.loc[2, [1, 2, 3]].tolist() == ["", "A", "AB"]
    assert bonf.loc[2, [1, 2, 3]].tolist() == ["", "", "AB"]


def test_pairwise_z_matches_statsmodels() -> None:
    props = np.array([[0.50, 0.36, 0.20]])
    bases = np.array([100, 100, 100])
    i, j, p = pairwise_z(props, bases)
    for k, (a, b) in enumerate(zip(i, j)):
        _, expected = proportions_ztest([props[0, a] * 100, props[0, b] * 100], [100, 100])
        assert p[0, k] == pytest.approx(expected, rel=1e-12)
    assert p[0, 0] == pytest.approx(0.04555, abs=5e-5)


def test_pairwise_z_p_values_are_scipy_norm_sf_exactly() -> None:
    # pairwise_z calls scipy.special.ndtr(-|z|), what scipy.stats.norm.sf computes: bit for bit
    from scipy.stats import norm

    rng = np.random.default_rng(11)
    for _ in range(200):
        cols = int(rng.integers(2, 9))
        props = rng.random((4, cols)) ** rng.choice([0.2, 1.0, 5.0])
        props[rng.random(props.shape) < 0.1] = rng.choice([0.0, 1.0])
        bases = rng.choice([1, 2, 5, 30, 400, 100_000], cols) * rng.random(cols) + 0.5
        i, j, p = pairwise_z(props, bases)
        n1, n2, p1, p2 = bases[i], bases[j], props[:, i], props[:, j]
        pooled = (n1 * p1 + n2 * p2) / (n1 + n2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        expected = np.where(np.isfinite(p), 2 * norm.sf(np.abs(z)), np.nan)
        assert expected.tobytes() == p.tobytes()


def test_pairwise_z_skips_degenerate_columns() -> None:
    # proportion 0 (column 0) and base under 2 (column 3) are left out of every comparison
    i, j, p = pairwise_z(np.array([[0.0, 0.5, 0.4, 0.5]]), np.array([50, 50, 50, 1]))
    tested = {(int(a), int(b)) for a, b, v in zip(i, j, p[0]) if np.isfinite(v)}
    assert tested == {(1, 2)}


@pytest.mark.parametrize("method", ["bonferroni", "holm", "fdr_bh"])
def test_adjust_pvalues_matches_multipletests(method: str) -> None:
    rng = np.random.default_rng(5)
    p = rng.random((15, 6)) ** 3
    p[rng.random((15, 6)) < 0.2] = np.nan
    ours = adjust_pvalues(p, method)
    for row, adjusted in zip(p, ours):
        finite = np.isfinite(row)
        if finite.any():
            expected = multipletests(row[finite], method=method)[1]
            np.testing.assert_allclose(adjusted[finite], expected, rtol=1e-12)
        assert np.isnan(adjusted[~finite]).all()


def test_weighted_letters_use_kish_effective_base() -> None:
    # 60% vs 40% of 100 each: z = 2.83 unweighted; with every fifth respondent weighted 20 the
    # Kish effective base of each column falls to about 28 and the difference is no longer significant
    row, col = expand([[60, 40], [40, 60]])
    w = pd.Series(np.where(np.arange(len(row)) % 5 == 0, 20.0, 1.0))
    labels = {
        "row_labels": {1: "Yes", 2: "No"},
        "col_labels": {1: "A", 2: "B"},
        "correction": "none",
    }
    assert cell(crosstab(row, col, **labels), 1, 1, "sig_letters") == "B"
    t = crosstab(row, col, w, **labels)
    frame = pd.DataFrame({"row": row, "col": col, "w": w})
    props, n_eff = [], []
    for c in (1, 2):
        part = frame[frame.col == c]
        props.append(part.w[part.row == 1].sum() / part.w.sum())
        n_eff.append(part.w.sum() ** 2 / (part.w**2).sum())
    assert 25 < n_eff[0] < 35
    _, expected = proportions_ztest([props[0] * n_eff[0], props[1] * n_eff[1]], n_eff)
    _, _, p = pairwise_z(np.array([props]), np.array(n_eff))
    assert p[0, 0] == pytest.approx(expected, rel=1e-12)
    assert expected > 0.05 and cell(t, 1, 1, "sig_letters") == ""
    assert cell(t, 1, 1, "weighted_col_pct") == pytest.approx(100 * props[0])


def test_column_letters_past_z() -> None:
    assert column_letters(28)[-3:] == ["Z", "AA", "AB"]
    assert sig_letters(
        np.array([[0.5, 0.2]]), np.array([100, 100]), letters=["M", "F"]
    ).tolist() == [["F", ""]]


# --- multiple response -----------------------------------------------------------------


def test_multi_response_cases_and_responses() -> None:
    # banner 1: four asked; ticks a: 1,1,1,0 b: 1,0,0,0 c: 1,1,0,0 -> 6 responses
    # banner 2: two asked (a third not asked); ticks a: 0,1 b: 1,1 c: 0,0 -> 3 responses
    options = pd.DataFrame(
        {
            "a": [1, 1, 1, 0, 0, 1, np.nan],
            "b": [1, 0, 0, 0, 1, 1, np.nan],
            "c": [1, 1, 0, 0, 0, 0, np.nan],
        }
    )
    col = pd.Series([1, 1, 1, 1, 2, 2, 2])
    t = multi_response(
        options,
        col,
        option_labels={"a": "A", "b": "B", "c": "C"},
        col_labels={1: "x", 2: "y"},
        correction="none",
    )
    assert (
        cell(t, "a", 1, "base") == 4
        and cell(t, "a", 2, "base") == 2
        and cell(t, "a", "Total", "base") == 6
    )
    assert cell(t, "a", 1, "col_pct") == pytest.approx(75.0)  # 3 of 4 respondents
    assert cell(t, "a", 1, "pct_of_responses") == pytest.approx(100 * 3 / 6)
    assert cell(t, "b", 2, "col_pct") == pytest.approx(100.0)
    assert cell(t, "b", 2, "pct_of_responses") == pytest.approx(100 * 2 / 3)
    assert cell(t, "c", "Total", "col_pct") == pytest.approx(100 * 2 / 6)
    assert cell(t, "c", "Total", "pct_of_responses") == pytest.approx(
        100 * 2 / 9
    )  # 6 + 3 responses
    assert t.groupby("col_code").pct_of_responses.sum().round(10).eq(100).all()


def test_multi_response_weighted_and_letters() -> None:
    rng = np.random.default_rng(3)
    n = 400
    col = pd.Series(rng.integers(1, 3, n))
    options = pd.DataFrame(
        {
            "a": (rng.random(n) < np.where(col == 1, 0.7, 0.3)).astype(float),
            "b": (rng.random(n) < 0.5).astype(float),
        }
    )
    options.loc[rng.random(n) < 0.1] = np.nan
    w = pd.Series(rng.uniform(0.5, 2, n))
    t = multi_response(
        options, col, w, option_labels={"a": "A", "b": "B"}, col_labels={1: "x", 2: "y"}
    )
    asked = options.notna().all(axis=1)
    in1 = asked & (col == 1)
    assert cell(t, "a", 1, "weighted_base") == pytest.approx(w[in1].sum())
    assert cell(t, "a", 1, "weighted_col_pct") == pytest.approx(
        100 * (w * options.a)[in1].sum() / w[in1].sum()
    )
    assert cell(t, "a", 1, "sig_letters") == "B"
    with pytest.raises(DataError, match="option 'a' has values other than 0, 1"):
        multi_response(
            pd.DataFrame({"a": [2.0]}),
            pd.Series([1]),
            option_labels={"a": "A"},
            col_labels={1: "x"},
        )


# --- property: counts add up to the base --------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.sampled_from([1.0, 2.0, 3.0, 9.0, np.nan]), min_size=1, max_size=80),
    data=st.data(),
)
def test_counts_sum_to_base(rows: list[float], data: st.DataObject) -> None:
    n = len(rows)
    cols = data.draw(st.lists(st.sampled_from([1.0, 2.0, np.nan]), min_size=n, max_size=n))
    weights = data.draw(st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n))
    t = crosstab(
        pd.Series(rows),
        pd.Series(cols),
        pd.Series(weights),
        row_labels={1: "a", 2: "b", 3: "c", 9: "dk"},
        col_labels={1: "x", 2: "y"},
        nonsubstantive=[9],
    )
    substantive = t[t.row_code.isin([1, 2, 3])]
    by_col = substantive.groupby("col_code")
    assert (by_col["count"].sum() == by_col.base.first()).all()
    np.testing.assert_allclose(by_col.weighted_count.sum(), by_col.weighted_base.first())
    pct = by_col.col_pct.sum()[by_col.base.first() > 0]
    np.testing.assert_allclose(pct, 100.0)
    frame = pd.DataFrame({"row": rows, "col": cols})
    assert by_col.base.first()["Total"] == frame.row.isin([1, 2, 3]).sum()


# --- tests of independence ----------------------------------------------------------------


def test_pearson_by_hand(small: pd.DataFrame) -> None:
    res = table_tests(small.row, small.col, substantive_codes=[1, 2, 3])
    # expected counts 10*10/30 = 10/3; X^2 = 3*(8/3)^2/(10/3) + 6*(4/3)^2/(10/3) = 96/15 + 48/15 = 9.6
    assert res["pearson_chi2"] == pytest.approx(9.6, rel=1e-12)
    assert res["pearson_df"] == 4
    assert res["pearson_p"] == pytest.approx(
        5.8 * math.exp(-4.8), rel=1e-12
    )  # chi2(4) tail: e^(-x/2)(1 + x/2)
    assert res["cramers_v"] == pytest.approx(0.4, rel=1e-12)  # sqrt(9.6 / (30 * 2))
    assert res["min_expected"] == pytest.approx(10 / 3)
    assert res["low_expected"] is True and res["low_expected_share"] == 1.0
    assert np.isnan(res["fisher_p"])  # not 2x2
    assert res["low_base_columns"] == "1;2;3" and res["n_base"] == 30


def test_fisher_on_small_2x2() -> None:
    row, col = expand([[3, 1], [1, 3]])
    res = table_tests(row, col, substantive_codes=[1, 2])
    # hypergeometric, margins 4/4 of 8: P = (1 + 16 + 16 + 1) / 70 for tables as or less likely
    assert res["fisher_p"] == pytest.approx(34 / 70, rel=1e-12)
    row, col = expand([[30, 10], [10, 30]])
    assert np.isnan(table_tests(row, col, substantive_codes=[1, 2])["fisher_p"])


def test_all_zero_rows_and_degenerate_tables() -> None:
    row, col = expand([[5, 5], [0, 0], [3, 7]])
    res = table_tests(row, col, substantive_codes=[1, 2, 3])
    assert res["pearson_df"] == 1  # the empty row is dropped
    one_col = table_tests(pd.Series([1.0, 2.0]), pd.Series([1.0, 1.0]), substantive_codes=[1, 2])
    assert (
        np.isnan(one_col["pearson_chi2"])
        and np.isnan(one_col["rao_scott_f"])
        and one_col["n_base"] == 2
    )


@pytest.mark.parametrize("case", ["small", "large"])
@pytest.mark.parametrize("weighted", [True, False])
def test_rao_scott_matches_svychisq(
    case: str, weighted: bool, small: pd.DataFrame, large: pd.DataFrame
) -> None:
    data = small if case == "small" else large
    ref = pd.read_csv(REF / "svychisq.csv")
    ref = ref[(ref.case == case) & (ref.weighted == weighted)].iloc[0]
    res = table_tests(data.row, data.col, data.w if weighted else None, substantive_codes=[1, 2, 3])
    pairs = {
        "rao_scott_f": "f",
        "rao_scott_df1": "df1",
        "rao_scott_df2": "df2",
        "rao_scott_p": "f_p",
        "rao_scott_chisq": "chisq",
        "rao_scott_chisq_p": "chisq_p",
    }
    for ours, theirs in pairs.items():
        assert res[ours] == pytest.approx(ref[theirs], rel=1e-6), ours


def test_low_base_column_listed(large: pd.DataFrame) -> None:
    res = table_tests(large.row, large.col, large.w, substantive_codes=[1, 2, 3])
    assert res["low_base_columns"] == "4"  # 26 respondents in banner code 4
    assert res["pearson_df"] == 6 and not res["low_expected"]
