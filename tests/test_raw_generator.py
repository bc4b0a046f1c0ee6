"""The synthetic wave-1 raw file and its generator (raw/generate_wave1.py).

The raw file is the oracle for the cleaning and analysis pipeline, so nothing here
imports `survey`: the quality rules are re-implemented below with pandas alone, and
the instrument is read as plain YAML.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw" / "ccg-2020-wave1.csv"
PLANTED = ROOT / "raw" / "planted_personal_data.txt"
GENERATOR = ROOT / "raw" / "generate_wave1.py"
INSTRUMENT = ROOT / "instruments" / "ccg-2020.yaml"

# Documented in raw/README.md.
EXPECTED_REASONS = {
    "incomplete": 110,
    "out_of_range": 9,
    "out_of_scope": 20,
    "attention_failed": 40,
    "speeder": 25,
    "duplicate": 15,
}
# figure: (column, agreeing codes, non-substantive code, published %, base, k, non-substantive count)
FIGURES = {
    "solidarity": ("solidarity_q", [4, 5], 9, "98.43", 1725, 1698, 51),
    "nongov_necessary": ("nongov_q", [4, 5], 9, "97.59", 1746, 1704, 30),
    "support": ("support_q", [4, 5], 9, "96.74", 1751, 1694, 25),
    "no_idea": ("awareness_q", [4], None, "20.83", 1776, 370, 0),
    "relations_affect": ("relations_q", [4, 5], 9, "83.85", 1771, 1485, 5),
    "media_more": ("media_more_q", [4, 5], 9, "95.01", 1765, 1677, 11),
    "positive_role": ("positive_role_q", [4, 5], 9, "84.44", 1774, 1498, 2),
    "participated": ("participated_q", [1], None, "44.03", 1776, 782, 0),
    "plan_future": ("plan_future_q", [1], 9, "66.03", 1775, 1172, 1),
}


def wave1_layout(
    spec: dict,
) -> tuple[list[str], dict[str, list[int]], dict[str, tuple[float, float]], list[dict]]:
    """Raw columns, valid codes per column, numeric ranges and questions at version 1.0.0."""
    columns, codes, ranges = [], {}, {}
    questions = []
    for q in spec["questions"]:
        questions.append(q)
        if q["type"] == "multi":
            opts = [o for o in q["options"] if o.get("since", "1.0.0") == "1.0.0"]
            for o in opts:
                columns.append(f"{q['id']}_{o['code']}")
                codes[f"{q['id']}_{o['code']}"] = [0, 1]
            q["_columns"] = [f"{q['id']}_{o['code']}" for o in opts]
            continue
        columns.append(q["id"])
        if "scale" in q and q["type"] != "paradata":
            codes[q["id"]] = [c["code"] for c in spec["scales"][q["scale"]]["codes"]]
        if q["type"] == "numeric":
            ranges[q["id"]] = tuple(q["range"])
    return columns, codes, ranges, questions


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(RAW, dtype=str, keep_default_na=False, encoding="utf-8")


def numeric(frame: pd.DataFrame, cols) -> pd.DataFrame:
    return frame[list(cols)].replace("", np.nan).apply(pd.to_numeric)


def apply_rules(raw: pd.DataFrame, spec: dict) -> tuple[pd.DataFrame, pd.Series]:
    """The instrument's quality rules, in order: valid rows and a reason per raw row."""
    columns, codes, ranges, questions = wave1_layout(spec)
    rules = {r["id"]: r for r in spec["quality"]}
    num = numeric(raw, list(codes) + list(ranges))
    reason = pd.Series("", index=raw.index)

    # incomplete: not submitted, or a required question asked and unanswered.
    bad = raw["submit_time"].str.strip() == ""
    for q in questions:
        if not q.get("required"):
            continue
        asked = pd.Series(True, index=raw.index)
        if "ask_if" in q:
            cond = q["ask_if"]
            assert cond["op"] == "eq"
            asked = num[cond["question"]] == cond["value"]
        if q["type"] == "multi":
            answered = (num[q["_columns"]] == 1).any(axis=1)
        else:
            answered = raw[q["id"]].str.strip() != ""
        bad |= asked & ~answered
    reason[bad] = "incomplete"

    def mark(hit: pd.Series, rid: str) -> None:
        reason[(reason == "") & hit.fillna(False).astype(bool)] = rid

    hit = pd.Series(False, index=raw.index)
    for col, valid in codes.items():
        hit |= num[col].notna() & ~num[col].isin(valid)
    for col, (lo, hi) in ranges.items():
        hit |= (num[col] < lo) | (num[col] > hi)
    mark(hit, "out_of_range")

    scope = rules["out_of_scope"]["when"]
    assert scope["op"] == "lt"
    mark(num[scope["question"]] < scope["value"], "out_of_scope")

    mark(~num["attention_q"].isin(rules["attention_failed"]["pass_codes"]), "attention_failed")

    left = reason == ""
    secs = (
        pd.to_datetime(raw["submit_time"].where(left), format="%Y-%m-%d %H:%M:%S")
        - pd.to_datetime(raw["start_time"].where(left), format="%Y-%m-%d %H:%M:%S")
    ).dt.total_seconds()
    limit = rules["speeder"]["fraction_of_median"] * secs[left].median()
    mark(left & (secs < limit), "speeder")

    left = reason == ""
    answers = [
        c
        for c in columns
        if c not in ("respondent_id", "start_time", "submit_time", "lang", "ip_address")
    ]
    keys = rules["duplicate"]["keys"] + answers
    order = (
        raw[left]
        .assign(_row=np.arange(len(raw))[left])
        .sort_values(["submit_time", "_row"], kind="stable")
    )
    repeat = order.duplicated(subset=keys, keep="first")
    mark(repeat.reindex(raw.index, fill_value=False), "duplicate")
    return raw[reason == ""], reason


@pytest.fixture(scope="module")
def cleaned(raw, spec):
    return apply_rules(raw, spec)


def test_generator_is_deterministic(tmp_path):
    out = tmp_path / "wave1.csv"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True
    )
    assert out.read_bytes() == RAW.read_bytes()
    assert (tmp_path / "planted_personal_data.txt").read_bytes() == PLANTED.read_bytes()


def test_generator_does_not_import_survey():
    source = GENERATOR.read_text(encoding="utf-8")
    assert "import survey" not in source and "from survey" not in source


def test_layout_matches_instrument_version_1_0_0(raw, spec):
    data = RAW.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    data.decode("utf-8")
    columns, *_ = wave1_layout(spec)
    assert list(raw.columns) == columns
    assert "how_participated_6" not in raw.columns
    assert raw["respondent_id"].is_unique and raw["respondent_id"].str.fullmatch(r"R\d{6}").all()
    assert raw["ip_address"].str.fullmatch(r"\d{1,3}(\.\d{1,3}){3}").all()
    assert 1950 <= len(raw) <= 2050


def test_times_and_skip_logic(raw):
    start = pd.to_datetime(raw["start_time"], format="%Y-%m-%d %H:%M:%S")
    submitted = raw["submit_time"] != ""
    submit = pd.to_datetime(raw["submit_time"].where(submitted), format="%Y-%m-%d %H:%M:%S")
    assert start.min() >= pd.Timestamp("2020-04-20") and submit.max() <= pd.Timestamp(
        "2020-05-31 23:59:59"
    )
    assert (submit[submitted] > start[submitted]).all()
    part = raw["participated_q"]
    multi = [f"how_participated_{c}" for c in range(1, 6)]
    assert (raw.loc[part == "2", multi + ["how_participated_other"]] == "").all().all()
    assert (raw.loc[raw["how_participated_5"] != "1", "how_participated_other"] == "").all()


def test_exclusion_counts(cleaned):
    valid, reason = cleaned
    assert len(valid) == 1776
    assert reason[reason != ""].value_counts().to_dict() == EXPECTED_REASONS


def test_speeders_are_unambiguous(raw, cleaned):
    _, reason = cleaned
    pool = reason.isin(["", "speeder", "duplicate"])
    secs = (
        pd.to_datetime(raw["submit_time"][pool]) - pd.to_datetime(raw["start_time"][pool])
    ).dt.total_seconds()
    median = secs.median()
    assert 360 <= median <= 480  # typical median: 6-8 minutes
    assert (secs[reason[pool] == "speeder"] < 0.15 * median).all()
    assert (secs[reason[pool] != "speeder"] > 0.45 * median).all()


def test_out_of_range_rows_spread_over_columns(raw, spec, cleaned):
    _, reason = cleaned
    _, codes, ranges, _ = wave1_layout(spec)
    rows = numeric(raw[reason == "out_of_range"], list(codes) + list(ranges))
    bad_cols = []
    for _, r in rows.iterrows():
        bad = [c for c in codes if pd.notna(r[c]) and r[c] not in codes[c]]
        bad += [c for c, (lo, hi) in ranges.items() if not lo <= r[c] <= hi]
        assert len(bad) == 1
        bad_cols += bad
    assert len(set(bad_cols)) == len(bad_cols)


def test_duplicates_repeat_an_earlier_valid_row(raw, cleaned):
    valid, reason = cleaned
    dups = raw[reason == "duplicate"]
    cols = [c for c in raw.columns if c not in ("respondent_id", "start_time", "submit_time")]
    merged = dups.merge(valid, on=cols, suffixes=("", "_orig"))
    assert len(merged) == len(dups)
    assert (merged["submit_time_orig"] < merged["start_time"]).all()


@pytest.mark.parametrize("name", list(FIGURES))
def test_published_figure_reproduced(cleaned, name):
    valid, _ = cleaned
    col, agree, dk, pct, base, k, n_dk = FIGURES[name]
    values = pd.to_numeric(valid[col])
    assert (values == dk).sum() == n_dk
    in_base = values[values != dk]
    hits = int(in_base.isin(agree).sum())
    assert (len(in_base), hits) == (base, k)
    # round half up, exactly
    assert Fraction(int(Fraction(100 * hits, base) * 100 + Fraction(1, 2)), 100) == Fraction(pct)


def test_base_is_the_largest_attainable():
    for col, agree, dk, pct, base, k, n_dk in FIGURES.values():

        def attainable(m, pct=pct):
            return any(
                Fraction(int(Fraction(100 * j, m) * 100 + Fraction(1, 2)), 100) == Fraction(pct)
                for j in range(int(Fraction(pct) * m / 100) - 1, int(Fraction(pct) * m / 100) + 3)
            )

        assert attainable(base)
        assert not any(attainable(m) for m in range(base + 1, 1777))


def test_accounts(raw, cleaned):
    valid, _ = cleaned
    acc = valid[valid["account"] != ""]
    assert len(acc) >= 230
    assert set(acc["lang"]) == {"1", "2"}
    han = acc["account"].str.contains(r"[\u4e00-\u9fff]")
    assert (han == (acc["lang"] == "2")).all()  # questionnaire language
    assert acc["account"].nunique() >= 0.85 * len(acc)
    assert (raw.loc[raw.index.difference(valid.index), "account"] != "").sum() >= 5
    assert acc["account"].str[:1].isin(["=", "+", "-", "@"]).sum() >= 5
    assert not raw["account"].str.contains("\n").any()


def test_planted_personal_data_present(raw):
    planted = PLANTED.read_text(encoding="utf-8").splitlines()
    assert len(planted) >= 15
    text = RAW.read_text(encoding="utf-8")
    assert all(s in text for s in planted)
    holders = raw["account"].apply(lambda a: any(s in a for s in planted))
    assert 14 <= holders.sum() <= 20


def test_backgrounds_plausible(cleaned):
    valid, _ = cleaned
    country = valid["country"].value_counts(normalize=True)
    assert 0.55 < country["1"] < 0.65 and 0.31 < country["2"] < 0.41
    assert pd.to_numeric(valid["age"]).between(18, 80).all()
    lang = pd.crosstab(valid["country"], valid["lang"], normalize="index")
    assert lang.loc["1", "2"] > 0.75 and lang.loc["2", "1"] > 0.75
    # relations: US residents a bit less likely to agree; participants plan more often
    rel = pd.to_numeric(valid["relations_q"])
    by_country = rel[rel != 9].isin([4, 5]).groupby(valid["country"][rel != 9]).mean()
    assert by_country["2"] < by_country["1"]
    plan = pd.to_numeric(valid["plan_future_q"])
    by_part = (plan[plan != 9] == 1).groupby(valid["participated_q"][plan != 9]).mean()
    assert by_part["1"] > by_part["2"]
