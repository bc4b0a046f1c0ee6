"""The CCG run's statistics against R, number by number.

Reference values: tests/reference/ccg/*.csv, written by ``python tests/reference/ccg/make_data.py
&& Rscript tests/reference/ccg/reference.R`` (R 4.2, survey 4.1.1; each file's R calls are in the
script's header).  The run's files are the committed ``reports/ccg-2020/wave1`` and ``wave2``
(``tests/test_pipeline.py::test_committed_report_matches_a_fresh_run`` checks that a fresh run
writes them byte for byte), so these tests need no run of their own; R's input is checked to be
what those runs analysed (:func:`test_r_input_is_the_runs_data`).

Every number of ``crosstab_tests.csv``, ``crosstabs.csv``, ``odds_ratios.csv``,
``agreement_by.csv``, ``headlines.csv`` and ``trends.csv`` that R also computes is compared, to a
relative 1e-8; where R gives none the file must give none and say why (Rao-Scott on a singular
design: ``rao_scott_note``; a separated term: ``note``).  Not compared, because R has no such
number: significance letters, Bilder-Loughin tests (``mmi_*``: tests/test_association.py checks
them against the paper's formulas), GRIM checks, diff_pp, flags.  The counts per file:
``python -m tests.test_ccg_reference [wave-1 folder] [wave-2 folder]``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "tests" / "reference" / "ccg"
REPORTS = ROOT / "reports" / "ccg-2020"
RTOL = 1e-8
ITEMS = [
    "solidarity",
    "nongov_necessary",
    "support",
    "no_idea",
    "relations_affect",
    "media_more",
    "positive_role",
    "participated",
    "plan_future",
]


def ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, keep_default_na=True, na_values=["NA"])


def run_file(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(
        folder / name,
        dtype={"row_code": str, "col_code": str, "option": str},
        keep_default_na=False,
        na_values=[""],
    )


@dataclass
class Tally:
    """Numbers compared for one file: equal to R, NA where R gives none (with the reason), and not."""

    checked: int = 0
    equal: int = 0
    na: dict[str, int] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)

    def compare(
        self,
        what: str,
        ours: pd.Series,
        theirs: pd.Series,
        keys: pd.Series,
        reason: pd.Series | None = None,
    ) -> None:
        """Pairs of one column (aligned); ``reason``: why a pair both NA is NA ('' = not a number of either)."""
        a = pd.to_numeric(ours, errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(theirs, errors="coerce").to_numpy(dtype=float)
        why = (
            np.full(len(a), "", dtype=object)
            if reason is None
            else reason.fillna("").astype(str).to_numpy()
        )
        for k, x, y, r in zip(keys, a, b, why):
            if np.isnan(x) and np.isnan(y):
                if r:
                    self.checked += 1
                    self.na[r] = self.na.get(r, 0) + 1
                continue
            self.checked += 1
            if not (np.isnan(x) or np.isnan(y)) and (x == y or abs(x - y) <= RTOL * abs(y)):
                self.equal += 1
            else:
                self.wrong.append(f"{what} {k}: ours {x!r}, R {y!r}")

    @property
    def na_total(self) -> int:
        return sum(self.na.values())


def _keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    if frame.empty:
        return pd.Series([], dtype=object)
    return frame[columns].astype(str).agg("/".join, axis=1)


# ------------------------------------------------------------------ per file


def crosstab_tests(folder: Path, wave: int) -> Tally:
    ours = run_file(folder, "crosstab_tests.csv")
    ours = ours[ours.option.fillna("") != "all"].assign(option=lambda f: f.option.fillna(""))
    r = ref("tests.csv").query("wave == @wave").assign(option=lambda f: f.option.fillna(""))
    m = ours.merge(
        r, on=["question", "banner", "option"], how="outer", suffixes=("", "_r"), indicator=True
    )
    tally = Tally()
    tally.wrong += [
        f"table only in one: {k}"
        for k in _keys(m[m._merge != "both"], ["question", "banner", "option"])
    ]
    m = m[m._merge == "both"]
    keys = _keys(m, ["question", "banner", "option"])
    refused = m.refused.fillna("") != ""
    note = m.rao_scott_note.fillna("")
    tally.wrong += [
        f"refusal differs {k}: R {r!r}, ours {n!r}"
        for k, r, n, bad in zip(keys, m.refused, note, refused != (note != ""))
        if bad
    ]
    rs_reason = pd.Series(
        np.where(refused & (note != ""), "Rao-Scott: R svychisq stops (singular design)", ""),
        index=m.index,
    )
    for column in [
        "pearson_chi2",
        "pearson_df",
        "pearson_p",
        "min_expected",
        "cramers_v",
        "pearson_rows",
        "pearson_cols",
        "pearson_n",
        "rao_scott_rows",
        "rao_scott_cols",
        "rao_scott_n",
    ]:
        tally.compare(column, m[column], m[f"{column}_r"], keys)
    has_fisher = (
        m.fisher_p.notna()
    )  # given for 2 x 2 tables with a small expected count; R: fisher.test
    tally.compare("fisher_p", m.fisher_p[has_fisher], m.fisher_p_r[has_fisher], keys[has_fisher])
    for column in [
        "rao_scott_f",
        "rao_scott_df1",
        "rao_scott_df2",
        "rao_scott_p",
        "rao_scott_chisq",
        "rao_scott_chisq_p",
    ]:
        tally.compare(column, m[column], m[f"{column}_r"], keys, rs_reason)
    return tally


def crosstabs(folder: Path, wave: int) -> Tally:
    ours = run_file(folder, "crosstabs.csv")
    cells = ref("cells.csv").query("wave == @wave").astype({"row_code": str, "col_code": str})
    bases = ref("bases.csv").query("wave == @wave").astype({"col_code": str})
    tally = Tally()
    m = ours.merge(
        _with_nets(cells),
        on=["question", "banner", "row_code", "col_code"],
        how="left",
        suffixes=("", "_r"),
    )
    m = m.merge(bases, on=["question", "banner", "col_code"], how="left", suffixes=("", "_r"))
    keys = _keys(m, ["question", "banner", "row_code", "col_code"])
    tally.wrong += [f"cell not in R: {k}" for k in keys[m.count_r.isna()]]
    tally.compare("count", m["count"], m.count_r, keys)
    tally.compare("weighted_count", m.weighted_count, m.weighted_count_r, keys)
    for column in ["base", "weighted_base", "weighted_n"]:
        tally.compare(column, m[column], m[f"{column}_r"], keys)
    pct = m.row_code != "9"  # "don't know" rows have counts, no percentage
    tally.compare("col_pct", m.col_pct[pct], (100 * m.count_r / m.base_r)[pct], keys[pct])
    no_weighted = pd.Series(
        np.where(m.weighted_n_r == 0, "weighted %: nobody in the column is weighted", ""),
        index=m.index,
    )
    tally.compare(
        "weighted_col_pct",
        m.weighted_col_pct[pct],
        (100 * m.weighted_count_r / m.weighted_base_r)[pct],
        keys[pct],
        no_weighted[pct],
    )
    multi = m.question.eq("how_participated")
    tally.compare(
        "pct_of_responses",
        m.pct_of_responses[multi],
        (100 * m.count_r / m.ticks)[multi],
        keys[multi],
    )
    tally.compare(
        "weighted_pct_of_responses",
        m.weighted_pct_of_responses[multi],
        (100 * m.weighted_count_r / m.weighted_ticks)[multi],
        keys[multi],
        no_weighted[multi],
    )
    return tally


def _with_nets(cells: pd.DataFrame) -> pd.DataFrame:
    """R's cells plus the net rows of the instrument (a net is the sum of its codes' rows)."""
    nets = {
        "agree": ["4", "5"],
        "disagree": ["1", "2"],
        "support": ["4", "5"],
        "oppose": ["1", "2"],
    }
    scale = {"support_q": ["support", "oppose"]}
    parts = [cells]
    for question, sub in cells.groupby("question"):
        if not set(sub.row_code) >= {"1", "2", "3", "4", "5", "9"}:
            continue
        for name in scale.get(question, ["agree", "disagree"]):
            rows = sub[sub.row_code.isin(nets[name])]
            summed = rows.groupby(["wave", "question", "banner", "col_code"], as_index=False)[
                ["count", "weighted_count"]
            ].sum()
            parts.append(summed.assign(row_code=f"net:{name}"))
    return pd.concat(parts, ignore_index=True)


def odds_ratios(folder: Path, wave: int) -> Tally:
    ours = run_file(folder, "odds_ratios.csv").assign(
        rterm=lambda f: f.term.str.replace("=", "", regex=False)
    )
    r = ref("glm.csv").query("wave == @wave")
    m = ours.merge(
        r,
        left_on=["weighted", "item", "rterm"],
        right_on=["weighted", "item", "term"],
        how="outer",
        suffixes=("", "_r"),
        indicator=True,
    )
    tally = Tally()
    tally.wrong += [
        f"term only in one: {k}"
        for k in _keys(m[m._merge != "both"], ["weighted", "item", "rterm"])
    ]
    m = m[m._merge == "both"]
    keys = _keys(m, ["weighted", "item", "rterm"])
    flagged = m.separation_r.astype(bool)
    tally.wrong += [
        f"separation differs {k}"
        for k, bad in zip(keys, m.separation.astype(bool) != flagged)
        if bad
    ]
    tally.wrong += [
        f"separated without a note {k}" for k, bad in zip(keys, flagged & m.note.isna()) if bad
    ]
    reason = pd.Series(
        np.where(flagged & m.note.notna(), "separated term (infinite estimate): dropped", ""),
        index=m.index,
    )
    for column in ["log_odds", "se", "p_value", "odds_ratio", "ci_low", "ci_high"]:
        tally.compare(
            column, m[column], m["coef" if column == "log_odds" else f"{column}_r"], keys, reason
        )
    fitted = ~flagged
    for column in ["n", "iterations"]:
        tally.compare(column, m[column][fitted], m[f"{column}_r"][fitted], keys[fitted])
    return tally


WEIGHTED = [
    "weighted_estimate",
    "weighted_se",
    "weighted_ci_low",
    "weighted_ci_high",
    "deff",
    "n_eff",
]


def agreement_by(folder: Path, wave: int) -> Tally:
    ours = run_file(folder, "agreement_by.csv").astype({"category": float})
    r = ref("agreement_by.csv").query("wave == @wave").astype({"category": float})
    m = ours.merge(
        r, on=["item", "banner", "category"], how="outer", suffixes=("", "_r"), indicator=True
    )
    tally = Tally()
    tally.wrong += [
        f"row only in one: {k}"
        for k in _keys(m[m._merge != "both"], ["item", "banner", "category"])
    ]
    m = m[m._merge == "both"]
    keys = _keys(m, ["item", "banner", "category"])
    method = m.weighted_ci_method.fillna("")
    tally.wrong += [
        f"interval method {k}: ours {a!r}, R {b!r}"
        for k, a, b in zip(keys, method, m.weighted_ci_method_r.fillna(""))
        if a != b
    ]
    edge = pd.Series(
        np.where(method == "beta", "deff: no design variance at 0 or 1", ""), index=m.index
    )
    for column in ["estimate", "n_base", "ci_low", "ci_high", *WEIGHTED]:
        tally.compare(
            column, m[column], m[f"{column}_r"], keys, edge if column in ("deff", "n_eff") else None
        )
    return tally


def headlines(folder: Path) -> Tally:
    ours = run_file(folder, "headlines.csv")
    r = ref("indicators.csv").query("wave == 1").set_index("item").loc[ours["id"]].reset_index()
    tally = Tally()
    keys = ours["id"]
    for column, r_column, scale in [
        ("estimate_pct", "estimate", 100),
        ("n_base", "n_base", 1),
        ("ci_low", "ci_low", 100),
        ("ci_high", "ci_high", 100),
        ("weighted_pct", "weighted_estimate", 100),
        ("weighted_se_pct", "weighted_se", 100),
        ("calibrated_se_pct", "calibrated_se", 100),
        ("weighted_ci_low", "weighted_ci_low", 100),
        ("weighted_ci_high", "weighted_ci_high", 100),
        ("deff", "deff", 1),
        ("n_eff", "n_eff", 1),
    ]:
        tally.compare(column, ours[column], scale * r[r_column], keys)
    return tally


def trends(folder: Path) -> Tally:
    ours = run_file(folder, "trends.csv")
    r = ref("indicators.csv")
    m = ours.merge(
        r, left_on=["id", "wave"], right_on=["item", "wave"], how="left", suffixes=("", "_r")
    )
    m = m.merge(
        ref("changes.csv"), left_on="id", right_on="item", how="left", suffixes=("", "_change")
    )
    tally = Tally()
    keys = _keys(m, ["id", "wave"])
    for column, r_column, scale in [
        ("estimate_pct", "estimate", 100),
        ("ci_low", "ci_low_r", 100),
        ("ci_high", "ci_high_r", 100),
        ("n_base", "n_base_r", 1),
        ("weighted_pct", "weighted_estimate", 100),
        ("weighted_ci_low", "weighted_ci_low_r", 100),
        ("weighted_ci_high", "weighted_ci_high_r", 100),
    ]:
        tally.compare(column, m[column], scale * m[r_column], keys)
    later = m.wave == 2
    tally.compare("change_pp", m.change_pp[later], 100 * m.change[later], keys[later])
    tally.compare("change_p", m.change_p[later], m.p_value[later], keys[later])
    return tally


CHECKS: dict[str, Callable[[Path, Path], list[tuple[str, Tally]]]] = {
    "crosstab_tests.csv": lambda w1, w2: [
        ("wave 1", crosstab_tests(w1, 1)),
        ("wave 2", crosstab_tests(w2, 2)),
    ],
    "crosstabs.csv": lambda w1, w2: [("wave 1", crosstabs(w1, 1)), ("wave 2", crosstabs(w2, 2))],
    "odds_ratios.csv": lambda w1, w2: [
        ("wave 1", odds_ratios(w1, 1)),
        ("wave 2", odds_ratios(w2, 2)),
    ],
    "agreement_by.csv": lambda w1, w2: [
        ("wave 1", agreement_by(w1, 1)),
        ("wave 2", agreement_by(w2, 2)),
    ],
    "headlines.csv": lambda w1, w2: [("wave 1", headlines(w1))],
    "trends.csv": lambda w1, w2: [("wave 2", trends(w2))],
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_every_number_r_computes_equals_r(name: str) -> None:
    for wave, tally in CHECKS[name](REPORTS / "wave1", REPORTS / "wave2"):
        assert not tally.wrong, (
            f"{name}, {wave}: {len(tally.wrong)} differ from R, e.g. " + "; ".join(tally.wrong[:5])
        )
        assert tally.checked == tally.equal + tally.na_total and tally.checked > 0


# ------------------------------------------------------------------ inputs and weights


def _make_data():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("ccg_make_data", REF / "make_data.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_r_input_is_the_runs_data() -> None:
    make = _make_data()
    inputs = ref("inputs.csv")
    for wave in (1, 2):
        text = make.compact(pd.read_csv(REPORTS / f"wave{wave}" / "data" / "respondents.csv"))
        row = inputs[inputs.wave == wave].iloc[0]
        assert make.digest(text) == row.sha256 and text.count("\n") - 1 == row.respondents, (
            f"wave {wave}: the respondents changed since the R reference was made: "
            "run python tests/reference/ccg/make_data.py && Rscript tests/reference/ccg/reference.R"
        )


@pytest.mark.parametrize("wave", [1, 2])
def test_weights_equal_r_rake(wave: int) -> None:
    resp = pd.read_csv(REPORTS / f"wave{wave}" / "data" / "respondents.csv")
    r = ref("weights.csv").query("wave == @wave")
    m = resp.merge(r, on=["country_gender", "country_age"], how="left", suffixes=("", "_r"))
    inside = m.country.isin([1, 2]) & m.gender.isin([1, 2])
    assert m.weight.notna().tolist() == inside.tolist()
    # the file holds 10 significant digits (5e-10); in memory the weights equal R's to 4e-16
    np.testing.assert_allclose(m.weight[inside], m.weight_r[inside], rtol=1e-9)
    assert (
        m[inside].groupby(["country_gender", "country_age"]).size().sort_index().to_numpy()
        == r.set_index(["country_gender", "country_age"]).n.sort_index().to_numpy()
    ).all()


def test_separation_flagged_wherever_a_category_is_constant() -> None:
    """Per model, every banner category whose complete cases all give one answer is a separated term."""
    for wave in (1, 2):
        resp = pd.read_csv(REPORTS / f"wave{wave}" / "data" / "respondents.csv")
        resp["gender"] = resp.gender.where(resp.gender != 9)
        resp["education"] = resp.education.where(resp.education != 9)
        ours = run_file(REPORTS / f"wave{wave}", "odds_ratios.csv")
        xs = ["country", "gender", "age_band", "education", "sector", "ties", "participated_q"]
        for weighted in (False, True):
            data = resp[resp.weight.notna()] if weighted else resp
            for item in ITEMS:
                complete = data.dropna(subset=[item, *xs])
                constant = {
                    f"{v}={int(c)}"
                    for v in xs
                    for c, share in complete.groupby(v)[item].mean().items()
                    if share in (0, 1)
                }
                fit = ours[(ours.item == item) & (ours.weighted == weighted)]
                flagged = set(fit.term[fit.separation])
                assert (
                    constant - {t for t in constant if t.endswith("=1") and t not in set(fit.term)}
                    <= flagged
                ), (wave, weighted, item)
                assert (
                    fit[fit.separation][["log_odds", "se", "odds_ratio", "p_value"]]
                    .isna()
                    .all()
                    .all()
                )
                assert fit[fit.separation].note.notna().all()


def counts_table(w1: Path, w2: Path) -> str:
    lines = ["file | wave | numbers checked | equal to R | NA with reason (R refuses) | reasons"]
    for name, check in CHECKS.items():
        for wave, t in check(w1, w2):
            reasons = "; ".join(f"{k}: {v}" for k, v in t.na.items()) or "-"
            lines.append(
                f"{name} | {wave} | {t.checked} | {t.equal} | {t.na_total} | {reasons}"
                + (f" | {len(t.wrong)} DIFFER" if t.wrong else "")
            )
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tests.test_ccg_reference [wave-1 folder] [wave-2 folder]
    folders = [Path(a) for a in sys.argv[1:3]] or [REPORTS / "wave1", REPORTS / "wave2"]
    print(counts_table(*folders))
