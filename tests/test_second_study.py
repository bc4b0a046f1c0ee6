"""The second example study (health-2024, English and Spanish): its generator, raw file and outputs.

Two halves:

1. **Independent expected values.**  The raw file ``raw/health-2024-wave1.csv`` is
   cleaned and recoded here by hand, with pandas alone, from the instrument read as
   plain YAML (nothing from ``survey`` is imported for it): exclusions by reason,
   skip-logic blanking, toplines, agreement rates, numeric summaries, Cronbach's
   alpha by the textbook formula with the reverse-worded item reversed, recodes,
   boxes, the scale score and the cross codes.  Weighted estimates come from R
   ``survey`` (``tests/reference/health-2024/reference.R``, the R call beside each
   value in ``values.csv``), run on the clean file this module writes
   (``clean.csv``).  The numbers are pinned below and documented in raw/README.md.
2. **End to end through the CLI** (``python -m survey.analyze --plan
   analysis/health-2024.yaml`` in English and with ``--lang es``, ``python -m
   survey.export RUN --lang es``, ``python -m survey.instrument export``), compared
   with those values: they exercise the instrument features of issue 15 (grid,
   exclusive options, skip policy, recode, box, score, reverse, sections, times ...).
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
STUDY = "health-2024"
RAW = ROOT / "raw" / f"{STUDY}-wave1.csv"
PLANTED = ROOT / "raw" / f"{STUDY}-planted.csv"
GENERATOR = ROOT / "raw" / f"generate_{STUDY}.py"
INSTRUMENT = ROOT / "instruments" / f"{STUDY}.yaml"
PLAN = ROOT / "analysis" / f"{STUDY}.yaml"
CODING = ROOT / "analysis" / f"{STUDY}-coding.yaml"
REFERENCE = ROOT / "tests" / "reference" / STUDY
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# ------------------------------------------------------------------ pinned values (raw/README.md)

EXPECTED_REASONS = {
    "incomplete": 40,
    "out_of_range": 8,
    "out_of_scope": 6,
    "exclusive_violation": 7,
    "straightliner": 12,
    "speeder": 15,
    "duplicate": 10,
}
N_RAW, N_VALID = 1298, 1200
PLANTED_COUNTS = {
    ("incomplete", "not_submitted"): 30,
    ("incomplete", "required_blank"): 10,
    ("out_of_range", ""): 8,
    ("out_of_scope", ""): 6,
    ("exclusive_violation", ""): 7,
    ("straightliner", ""): 12,
    ("speeder", ""): 15,
    ("duplicate", ""): 10,
    ("skip_violation", ""): 13,
    ("personal_data", "SSN"): 5,
    ("personal_data", "PHONE"): 12,
    ("personal_data", "EMAIL"): 4,
    ("personal_data", "ADDRESS"): 5,
    ("personal_data", "NAME"): 7,
    ("must_survive", "SSN_SHAPED"): 3,
    ("must_survive", "PRICE"): 9,
    ("must_survive", "YEAR"): 3,
    ("must_survive", "AGE"): 2,
    ("must_survive", "ZIP_IN_PROSE"): 2,
    ("must_survive", "COUNT"): 2,
    ("must_survive", "DATE"): 1,
    ("must_survive", "TIME"): 1,
}
SKIP_VIOLATIONS = {"usual_place": 6, "insurance_type": 5, "usual_place_other": 2}
# indicator: (base, count) among the 1,200 valid respondents.
INDICATORS = {
    "insured": (1176, 958),
    "has_usual_source": (1170, 959),
    "unmet_need": (1179, 218),
    "care_when_needed": (1171, 830),
    "respected": (1174, 864),
    "info_in_language": (1165, 810),
    "appointment_hard": (1162, 456),
    "good_health": (1185, 392),
    "poor_health": (1185, 101),
}
TOPLINES = {
    "health_rating": {
        0: 5,
        1: 2,
        2: 15,
        3: 21,
        4: 58,
        5: 161,
        6: 269,
        7: 262,
        8: 215,
        9: 111,
        10: 66,
        98: 7,
        99: 8,
    },
    "usual_place": {1: 614, 2: 156, 3: 96, 4: 58, 5: 22, 98: 8, 99: 5},
    "health_group": {1: 101, 2: 430, 3: 477, 4: 177},
    "education2": {1: 734, 2: 452},
    "access_d_reversed": {1: 180, 2: 276, 3: 335, 4: 371},
    "age_band": {1: 190, 2: 313, 3: 426, 4: 271},
}
MULTI = {  # option counts; base = respondents asked
    "insurance_type": ({1: 584, 2: 147, 3: 269, 4: 165, 5: 49, 6: 30}, 958),
    "cost_barriers": ({1: 150, 2: 130, 3: 265, 4: 89, 5: 121, 6: 628}, 1200),
}
N_ASKED = {"usual_place": 959, "insurance_type": 958}
NUMERIC = {  # n, mean, median, SD (ddof 1)
    "age": (1200, 49.141666666666666, 49.0, 17.711616198016593),
    "household_size": (1200, 2.6825, 2.0, 1.5161165053236385),
}
ALPHA_REVERSED, ALPHA_AS_WORDED, ALPHA_N = 0.7220629718016245, -0.1759361961912053, 1075
SCORE = (1197, 2.9667223614592033)  # access_score: n, mean


# ------------------------------------------------------------------ the instrument as plain YAML


def load_spec() -> dict:
    return yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))


def questions(spec: dict) -> list[dict]:
    """Questions with grids flattened into their items (each a single question with the grid's scale)."""
    out = []
    for q in spec["questions"]:
        if q["type"] == "grid":
            for item in q["items"]:
                out.append(
                    {
                        **{k: v for k, v in q.items() if k != "items"},
                        **item,
                        "type": "single",
                        "grid": q["id"],
                    }
                )
        else:
            out.append(q)
    return out


def columns_of(q: dict) -> list[str]:
    return [f"{q['id']}_{o['code']}" for o in q["options"]] if q["type"] == "multi" else [q["id"]]


def codes_of(spec: dict, q: dict) -> list[dict]:
    return spec["scales"][q["scale"]]["codes"] if "scale" in q else q.get("options", [])


def substantive(spec: dict, q: dict) -> list[int]:
    return [c["code"] for c in codes_of(spec, q) if not c.get("nonsubstantive")]


def numeric(frame: pd.DataFrame, cols) -> pd.DataFrame:
    return frame[list(cols)].replace("", np.nan).apply(pd.to_numeric)


# ------------------------------------------------------------------ cleaning by hand


def asked_mask(q: dict, num: pd.DataFrame) -> pd.Series:
    cond = q.get("ask_if")
    if cond is None:
        return pd.Series(True, index=num.index)
    assert cond["op"] == "eq", cond
    return num[cond["question"]] == cond["value"]


def answered_mask(q: dict, raw: pd.DataFrame, num: pd.DataFrame) -> pd.Series:
    if q["type"] == "multi":
        return (num[columns_of(q)] == 1).any(axis=1)
    return raw[q["id"]].str.strip() != ""


def hand_reasons(raw: pd.DataFrame, spec: dict) -> pd.Series:
    """The exclusion reason of every raw row ("" = valid), the instrument's rules in order."""
    qs = [q for q in questions(spec) if q["type"] != "paradata"]
    coded = {
        c: ([0, 1] if q["type"] == "multi" else [x["code"] for x in codes_of(spec, q)])
        for q in questions(spec)
        if q["type"] in ("single", "multi")
        for c in columns_of(q)
    }
    ranges = {q["id"]: q["range"] for q in qs if q["type"] == "numeric"}
    num = numeric(raw, list(coded) + list(ranges))
    reason = pd.Series("", index=raw.index)

    def mark(hit: pd.Series, rid: str) -> None:
        reason[(reason == "") & hit.fillna(False).astype(bool)] = rid

    rules = {r["rule"]: r for r in spec["quality"]}
    incomplete = raw["submit_time"].str.strip() == ""
    for q in qs:
        if q.get("required"):
            incomplete |= asked_mask(q, num) & ~answered_mask(q, raw, num)
    mark(incomplete, "incomplete")
    bad = pd.Series(False, index=raw.index)
    for col, valid in coded.items():
        bad |= num[col].notna() & ~num[col].isin(valid)
    for col, (lo, hi) in ranges.items():
        bad |= (num[col] < lo) | (num[col] > hi)
    mark(bad, "out_of_range")
    when = rules["condition"]["when"]
    assert when["op"] == "lt"
    mark(num[when["question"]] < when["value"], "out_of_scope")
    exclusive = pd.Series(False, index=raw.index)
    for q in qs:
        if q["type"] == "multi" and any(o.get("exclusive") for o in q["options"]):
            only = [f"{q['id']}_{o['code']}" for o in q["options"] if o.get("exclusive")]
            others = [c for c in columns_of(q) if c not in only]
            exclusive |= (num[only] == 1).any(axis=1) & (num[others] == 1).any(axis=1)
    mark(exclusive, rules["exclusive"]["id"])
    grid = [q["id"] for q in questions(spec) if q.get("grid") == rules["straightlining"]["grid"]]
    values = num[grid]
    mark(
        values.notna().sum(axis=1).ge(rules["straightlining"]["min_items"])
        & values.nunique(axis=1).eq(1),
        rules["straightlining"]["id"],
    )
    left = reason == ""
    secs = (
        pd.to_datetime(raw["submit_time"].where(left), format=TIME_FORMAT)
        - pd.to_datetime(raw["start_time"].where(left), format=TIME_FORMAT)
    ).dt.total_seconds()
    mark(secs < rules["speeder"]["fraction_of_median"] * secs.median(), "speeder")
    keys = rules["duplicate"]["keys"] + [c for q in qs for c in columns_of(q)]
    left = raw[reason == ""].sort_values("submit_time", kind="stable")
    mark(
        left.duplicated(subset=keys, keep="first").reindex(raw.index, fill_value=False), "duplicate"
    )
    return reason


def hand_clean(raw: pd.DataFrame, spec: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Valid rows, answers of respondents not asked blanked; and the log of blanked answers.

    Returns numbers for coded and numeric columns, strings for text and paradata.
    """
    valid = raw[hand_reasons(raw, spec) == ""].reset_index(drop=True)
    qs = [q for q in questions(spec) if q["type"] != "paradata"]
    data_cols = [c for q in qs if q["type"] != "text" for c in columns_of(q)]
    num = numeric(valid, data_cols + ["lang"])
    out = pd.concat(
        [
            valid[["respondent_id", "start_time", "submit_time", "access_code"]],
            num,
            valid[[q["id"] for q in qs if q["type"] == "text"]].replace("", np.nan),
        ],
        axis=1,
    )
    log = []
    for q in qs:
        if q.get("ask_if") is None:
            continue
        not_asked = ~asked_mask(q, num)
        given = out[columns_of(q)].notna().any(axis=1)
        for i in np.flatnonzero((not_asked & given).to_numpy()):
            log.append({"respondent_id": out.at[i, "respondent_id"], "question": q["id"]})
        out.loc[not_asked, columns_of(q)] = np.nan
    return out, pd.DataFrame(log, columns=["respondent_id", "question"])


# ------------------------------------------------------------------ recoding by hand


def hand_recode(data: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """The instrument's derived variables, computed from their definitions."""
    qmap = {q["id"]: q for q in questions(spec)}
    out = data.copy()

    def subst(name: str) -> pd.Series:
        s = out[name]
        return s.where(s.isin(substantive(spec, qmap[name])))

    for d in spec["derived"]:
        kind = d["type"]
        if kind == "indicator":
            s = subst(d["from"])
            out[d["id"]] = s.isin(d["codes"]).astype(float).where(s.notna())
        elif kind == "box":
            s = subst(d["from"])
            codes = sorted(substantive(spec, qmap[d["from"]]))
            box = codes[-d["top"] :] if "top" in d else codes[: d["bottom"]]
            out[d["id"]] = s.isin(box).astype(float).where(s.notna())
        elif kind == "recode":
            pairs = (
                {c: m["code"] for m in d["map"] for c in m["codes"]}
                if isinstance(d["map"], list)
                else {int(k): v for k, v in d["map"].items()}
            )
            out[d["id"]] = subst(d["from"]).map(pairs)
        elif kind == "reverse":
            codes = substantive(spec, qmap[d["from"]])
            out[d["id"]] = min(codes) + max(codes) - subst(d["from"])
        elif kind == "score":
            items = pd.DataFrame({i: subst(i) for i in d["from"]})
            for i in d.get("reverse", []):
                codes = substantive(spec, qmap[i])
                items[i] = min(codes) + max(codes) - items[i]
            score = items.mean(axis=1) if d["method"] == "mean" else items.sum(axis=1)
            out[d["id"]] = score.where(items.notna().sum(axis=1) >= d["min_valid"])
        elif kind == "bands":
            band = pd.Series(np.nan, index=out.index)
            for b in d["bands"]:
                band[(out[d["from"]] >= b["min"]) & (out[d["from"]] <= b["max"])] = b["code"]
            out[d["id"]] = band
        elif kind == "cross":
            first, second = d["from"]
            digits = len(str(max(c["code"] for c in codes_of(spec, qmap[second]))))
            out[d["id"]] = subst(first) * 10**digits + subst(second)
        else:
            raise AssertionError(f"no hand recode for derived type {kind}")
    return out


def cronbach_alpha(items: pd.DataFrame) -> float:
    """k / (k - 1) * (1 - sum of item variances / variance of the total), listwise, ddof 1."""
    items = items.dropna()
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def round_half_up(value: float, decimals: int) -> float:
    return math.floor(value * 10**decimals + 0.5 + 1e-9) / 10**decimals


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def spec() -> dict:
    return load_spec()


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(RAW, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return pd.read_csv(PLANTED, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def cleaned(raw, spec) -> tuple[pd.DataFrame, pd.DataFrame]:
    return hand_clean(raw, spec)


@pytest.fixture(scope="module")
def data(cleaned, spec) -> pd.DataFrame:
    return hand_recode(cleaned[0], spec)


@pytest.fixture(scope="module")
def plan() -> dict:
    return yaml.safe_load(PLAN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def r_values() -> pd.Series:
    table = pd.read_csv(REFERENCE / "values.csv")
    return pd.Series(table["value"].to_numpy(), index=table["quantity"])


# ------------------------------------------------------------------ the generator and the raw file


def test_generator_is_deterministic(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name / "raw.csv"
        subprocess.run(
            [sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True
        )
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes() == RAW.read_bytes()
    assert (outs[0].parent / PLANTED.name).read_bytes() == PLANTED.read_bytes()
    other = tmp_path / "c" / "raw.csv"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(other), "--seed", "7"],
        check=True,
        capture_output=True,
    )
    assert hashlib.sha256(other.read_bytes()).digest() != hashlib.sha256(RAW.read_bytes()).digest()


def test_generator_shares_no_code_with_the_pipeline():
    import ast

    tree = ast.parse(GENERATOR.read_text(encoding="utf-8"))
    modules = {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    modules |= {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    }
    assert "survey" not in modules and modules <= {
        "__future__",
        "argparse",
        "csv",
        "io",
        "math",
        "sys",
        "datetime",
        "pathlib",
        "zoneinfo",
        "numpy",
    }


def test_raw_file_is_in_the_canonical_layout(raw, spec):
    data = RAW.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
    assert list(raw.columns) == [c for q in questions(spec) for c in columns_of(q)]
    assert raw["respondent_id"].is_unique and len(raw) == N_RAW
    for col in ("start_time", "submit_time"):
        given = raw[col][raw[col] != ""]
        assert given.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
        assert (
            pd.to_datetime(given, format=TIME_FORMAT)
            .between("2024-03-04 06:00", "2024-05-03")
            .all()
        )
    assert (raw["respondent_id"] == sorted(raw["respondent_id"])).all()


WORDED = ("text", "label", "title", "population", "recruitment", "mode", "notes", "description")


def test_every_wording_and_label_is_in_english_and_spanish(spec):
    coding = yaml.safe_load(CODING.read_text(encoding="utf-8"))
    assert spec["languages"] == ["en", "es"]
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in WORDED and isinstance(value, dict):
                    found.append(where + "." + key)
                    assert set(value) == {"en", "es"} and all(
                        str(v).strip() for v in value.values()
                    ), where
                walk(value, f"{where}.{key}")
            if "labels" in node:
                for label in node["labels"].values():
                    assert set(label) == {"en", "es"}, where
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(spec, "instrument")
    walk(coding, "coding")
    assert len(found) >= 135  # every question, item, option, code, section, band, derived and theme
    assert all(set(t["patterns"]) == {"en", "es"} for t in coding["themes"])


def test_every_file_declares_the_schema_version(spec, plan):
    coding = yaml.safe_load(CODING.read_text(encoding="utf-8"))
    assert spec["schema_version"] == plan["schema_version"] == coding["schema_version"] == 1


# ------------------------------------------------------------------ what was planted


def test_planted_listing_counts(planted):
    counts = planted.groupby(["kind", "type"]).size().to_dict()
    assert counts == PLANTED_COUNTS


def test_exclusions_by_reason_are_the_planted_ones(raw, spec, planted):
    reasons = hand_reasons(raw, spec)
    assert reasons[reasons != ""].value_counts().to_dict() == EXPECTED_REASONS
    assert (reasons == "").sum() == N_VALID
    by_id = dict(zip(raw["respondent_id"], reasons))
    listed = planted[planted["expected"].str.startswith("exclude:")]
    assert all(
        f"exclude:{by_id[i]}" == e for i, e in zip(listed["respondent_id"], listed["expected"])
    )
    assert set(listed["respondent_id"]) == {i for i, r in by_id.items() if r}


def test_planted_strings_are_in_their_rows(raw, planted, cleaned):
    accounts = dict(zip(raw["respondent_id"], raw["difficulty_account"]))
    texts = planted[planted["kind"].isin(["personal_data", "must_survive"])]
    assert all(s in accounts[i] for i, s in zip(texts["respondent_id"], texts["value"]))
    valid = set(cleaned[0]["respondent_id"])
    in_valid = texts["respondent_id"].isin(valid)
    assert (texts.loc[~in_valid, "note"].str.startswith("excluded row")).all()
    assert int((texts["kind"] == "personal_data")[in_valid].sum()) == 29 and (~in_valid).sum() == 4
    assert set(texts["language"]) == {"en", "es"}


def test_skip_logic_violations_are_blanked(cleaned, planted):
    data, log = cleaned
    assert log["question"].value_counts().to_dict() == SKIP_VIOLATIONS
    listed = planted[planted["kind"] == "skip_violation"]
    assert set(zip(log["respondent_id"], log["question"])) == set(
        zip(listed["respondent_id"], listed["column"])
    )
    # After blanking, every answer of usual_place belongs to someone asked: the percentages
    # of those asked add up to 100 (they added up to more when the violations counted).
    asked = data["usual_source"] == 1
    assert (
        data.loc[~asked, "usual_place"].isna().all()
        and data.loc[asked, "usual_place"].notna().all()
    )
    assert sum(TOPLINES["usual_place"].values()) == N_ASKED["usual_place"] == int(asked.sum())
    insured = data["has_insurance"] == 1
    option_cols = [f"insurance_type_{c}" for c in range(1, 7)]
    assert (
        data.loc[~insured, option_cols].isna().all().all()
        and int(insured.sum()) == N_ASKED["insurance_type"]
    )


def test_exclusive_violations(raw, planted, cleaned):
    num = numeric(raw, [f"cost_barriers_{c}" for c in range(1, 7)])
    both = (num["cost_barriers_6"] == 1) & (
        num[[f"cost_barriers_{c}" for c in range(1, 6)]] == 1
    ).any(axis=1)
    listed = set(planted.loc[planted["kind"] == "exclusive_violation", "respondent_id"])
    assert set(raw.loc[both, "respondent_id"]) == listed and len(listed) == 7
    data = cleaned[0]
    none = data["cost_barriers_6"] == 1
    assert (data.loc[none, [f"cost_barriers_{c}" for c in range(1, 6)]] == 0).all().all()


# ------------------------------------------------------------------ estimates by hand


def test_toplines(data):
    for name, expected in TOPLINES.items():
        counts = data[name].value_counts().sort_index()
        assert {int(k): int(v) for k, v in counts.items()} == expected, name
    for qid, (expected, base) in MULTI.items():
        cols = [f"{qid}_{c}" for c in expected]
        asked = data[cols].notna().all(axis=1)
        assert int(asked.sum()) == base
        assert {c: int(data[f"{qid}_{c}"].sum()) for c in expected} == expected


def test_agreement_rates(data):
    for name, (base, count) in INDICATORS.items():
        assert (int(data[name].notna().sum()), int(data[name].sum())) == (base, count), name


def test_numeric_summaries(data):
    for name, (n, mean, median, sd) in NUMERIC.items():
        values = data[name].dropna()
        assert (len(values), values.median()) == (n, median)
        assert values.mean() == pytest.approx(mean, rel=1e-14)
        assert values.std(ddof=1) == pytest.approx(sd, rel=1e-12)
        assert values.std(ddof=1) == pytest.approx(
            math.sqrt(((values - values.mean()) ** 2).sum() / (n - 1))
        )


def test_alpha_with_the_reverse_worded_item_reversed(data, spec):
    import pingouin

    items = data[["access_a", "access_b", "access_c", "access_d"]].where(lambda t: t <= 4)
    reversed_ = items.assign(access_d=5 - items["access_d"])
    assert len(items.dropna()) == ALPHA_N
    assert cronbach_alpha(reversed_) == pytest.approx(ALPHA_REVERSED, abs=1e-12)
    assert cronbach_alpha(items) == pytest.approx(ALPHA_AS_WORDED, abs=1e-12)
    assert pingouin.cronbach_alpha(reversed_.dropna())[0] == pytest.approx(
        ALPHA_REVERSED, abs=1e-12
    )
    grid = next(q for q in spec["questions"] if q["type"] == "grid")
    assert [i["id"] for i in grid["items"] if i["reverse"]] == ["access_d"]


def test_recode_box_reverse_score_by_hand(data):
    hr = data["health_rating"]
    collapse = {**dict.fromkeys([0, 1, 2, 3, 4], 1), 5: 2, 6: 2, 7: 3, 8: 3, 9: 4, 10: 4}
    assert data["health_group"].equals(hr.map(collapse))
    assert data["good_health"].dropna().equals(hr[hr <= 10].isin([8, 9, 10]).astype(float))
    assert data["poor_health"].dropna().equals(hr[hr <= 10].isin([0, 1, 2, 3, 4]).astype(float))
    d = data["access_d"]
    assert data["access_d_reversed"].dropna().equals((5 - d[d <= 4]).astype(float))
    assert (int(data["access_score"].notna().sum()), data["access_score"].mean()) == pytest.approx(
        SCORE, rel=1e-14
    )
    first = data.iloc[0]
    items = [first["access_a"], first["access_b"], first["access_c"], 5 - first["access_d"]]
    assert data["access_score"].iloc[0] == pytest.approx(sum(items) / 4)


def test_cross_codes_do_not_collide(data):
    both = data[data["sex"].isin([1, 2]) & data["health_rating"].le(10)]
    codes = data["sex_health"].dropna()
    pairs = both.groupby("sex_health")[["sex", "health_rating"]].nunique()
    assert (pairs == 1).all().all() and len(codes) == len(both)
    assert {110, 200} <= set(codes.astype(int))  # Male x 10 and Female x 0 both occur ...
    old = both["sex"] * 10 + both["health_rating"]  # ... and the old rule gives both 20
    assert old.groupby(old).apply(lambda s: both.loc[s.index, "sex"].nunique()).max() == 2


# ------------------------------------------------------------------ published figures and R


def test_published_figures_are_the_data(plan, data, r_values):
    decimals = plan["published"]["decimals"]
    for f in plan["published"]["figures"]:
        if f.get("statistic", "pct") == "pct":
            value = 100 * (
                r_values[f"{f['indicator']}.estimate"]
                if f.get("weighted")
                else data[f["indicator"]].mean()
            )
        else:
            value = getattr(data[f["question"]].dropna(), f["statistic"])()
        assert round_half_up(value, decimals) == f["value"], f["id"]
    # Checked against the unweighted estimate, the weighted figure would not be reproduced.
    weighted = next(f for f in plan["published"]["figures"] if f.get("weighted"))
    assert round_half_up(100 * data[weighted["indicator"]].mean(), decimals) != weighted["value"]


def test_r_input_is_the_hand_cleaned_file(data):
    assert (REFERENCE / "clean.csv").read_text(encoding="utf-8") == r_input(data)


def test_r_weights_meet_the_plan_targets(plan, data, r_values):
    spec = plan["weighting"]["default"]
    w = pd.read_csv(REFERENCE / "weights.csv").set_index("respondent_id")["weight"]
    inside = data.set_index("respondent_id").loc[w.index]
    assert len(w) == r_values["n_weighted"] == int(data["sex"].isin([1, 2]).sum())
    assert w.sum() == pytest.approx(len(w), rel=1e-12)
    for var, targets in spec["targets"].items():
        shares = w.groupby(inside[var]).sum() / w.sum()
        for code, share in targets.items():
            assert shares[code] == pytest.approx(share, abs=1e-10), (var, code)
    lo, hi = spec["bounds"]
    assert lo < r_values["weight_min"] and r_values["weight_max"] < hi
    assert r_values["bounded_max_abs_diff"] < 1e-9
    y = inside["insured"]
    assert (w[y.notna()] * y.dropna()).sum() / w[y.notna()].sum() == pytest.approx(
        r_values["insured.estimate"], rel=1e-12
    )


# ------------------------------------------------------------------ end to end through the CLI
#
# Everything below runs the package.  Output files named by the shared schema
# (skip_violations.csv) or existing today (toplines.csv, agreement.csv, ...) are read
# by name; the numeric summaries, whose file is not named yet, are looked for in every
# CSV of the run.

CSV_REL = 1e-9  # the package writes floats as '%.10g': ten significant digits
# Recodes whose source's non-substantive codes the schema does not say to blank or to keep.
CARRIED = {
    "health_group": "health_rating",
    "education2": "education",
    "access_d_reversed": "access_d",
}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def _ok(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, (
        f"{' '.join(done.args)} exited {done.returncode}: {done.stderr[-2000:]}"
    )


@pytest.fixture(scope="module")
def run_en(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("health_en") / "run"
    _ok(_cli("survey.analyze", "--plan", str(PLAN), "--out", str(out), "--no-charts", "--quiet"))
    return out


@pytest.fixture(scope="module")
def run_es(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("health_es") / "run"
    _ok(_cli("survey.analyze", "--plan", str(PLAN), "--out", str(out), "--lang", "es", "--quiet"))
    return out


@pytest.fixture(scope="module")
def export_es(run_en, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("health_export") / "spss_es"
    _ok(_cli("survey.export", str(run_en), "--lang", "es", "--out", str(out), "--quiet"))
    return out


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(
        folder / name, dtype={"respondent_id": str}, keep_default_na=False, na_values=[""]
    )


def _topline(toplines: pd.DataFrame, question: str) -> pd.DataFrame:
    rows = toplines[toplines["question"] == question]
    assert len(rows), f"toplines.csv has no rows for {question}"
    return rows.set_index(rows["code"].astype(int))


def test_cli_reconciliation_and_exclusions(run_en, raw, spec):
    import json

    rec = json.loads((run_en / "reconciliation.json").read_text(encoding="utf-8"))
    assert rec == {"raw": N_RAW, "valid": N_VALID, "excluded": N_RAW - N_VALID, **EXPECTED_REASONS}
    reasons = hand_reasons(raw, spec)
    expected = {i: r for i, r in zip(raw["respondent_id"], reasons) if r}
    log = _csv(run_en, "exclusions.csv")
    assert dict(zip(log["respondent_id"], log["reason"])) == expected


def test_cli_skip_violations_blanked_and_logged(run_en, cleaned, spec):
    log = _csv(run_en, "skip_violations.csv")
    ids = sorted((q["id"] for q in questions(spec)), key=len, reverse=True)
    where = log["question"] if "question" in log.columns else log["column"]
    named = [next(q for q in ids if w == q or w.startswith(q + "_")) for w in where.astype(str)]
    assert set(zip(log["respondent_id"], named)) == set(
        zip(cleaned[1]["respondent_id"], cleaned[1]["question"])
    )
    respondents = _csv(run_en, "data/respondents.csv").set_index("respondent_id")
    for rid, question in zip(cleaned[1]["respondent_id"], cleaned[1]["question"]):
        q = next(q for q in questions(spec) if q["id"] == question)
        assert respondents.loc[rid, columns_of(q)].isna().all(), (rid, question)


def test_cli_toplines(run_en):
    toplines = _csv(run_en, "toplines.csv")
    for name, expected in TOPLINES.items():
        rows = _topline(toplines, name)
        counts = rows["count"][rows["count"] > 0].to_dict()
        if name in CARRIED:  # a recode may carry the source's 98/99 through, or blank them
            counts = {k: v for k, v in counts.items() if k not in (98, 99)}
        assert counts == {k: v for k, v in expected.items() if v}, name
    place = _topline(toplines, "usual_place")
    assert set(place["n_asked"]) == {N_ASKED["usual_place"]}
    assert place["pct_of_asked"].sum() == pytest.approx(100.0)
    assert place["pct"].sum() == pytest.approx(100.0)
    for qid, (expected, base) in MULTI.items():
        rows = _topline(toplines, qid)
        assert rows["count"].to_dict() == expected and set(rows["base"]) == {base}, qid
    box = _topline(toplines, "good_health")
    assert (box.loc[1, "count"], box.loc[1, "base"]) == (392, 1185)
    cross = _topline(toplines, "sex_health")
    assert cross.index.is_unique and {110, 200} <= set(cross.index)
    assert "Male" in cross.loc[110, "label"] and "10" in cross.loc[110, "label"]
    assert "Female" in cross.loc[200, "label"] and "0" in cross.loc[200, "label"]


def test_cli_agreement_unweighted_and_weighted_against_r(run_en, r_values):
    agreement = _csv(run_en, "agreement.csv").set_index("item")
    for name, (base, count) in INDICATORS.items():
        if name not in agreement.index:  # the boxes may be tabulated as indicators or not
            assert name in ("good_health", "poor_health"), name
            continue
        row = agreement.loc[name]
        assert (row["n_base"], row["count"]) == (base, count), name
        assert row["estimate_pct"] == pytest.approx(100 * count / base, rel=CSV_REL)
        if f"{name}.estimate" not in r_values:
            continue
        assert row["weighted_pct"] == pytest.approx(
            100 * r_values[f"{name}.estimate"], rel=CSV_REL
        ), name
        assert row["weighted_se_pct"] == pytest.approx(
            100 * r_values[f"{name}.se_weights_only"], rel=1e-6
        )
        assert row["calibrated_se_pct"] == pytest.approx(
            100 * r_values[f"{name}.se_calibrated"], rel=1e-6
        )
        assert row["weighted_ci_low"] == pytest.approx(100 * r_values[f"{name}.ci_low"], rel=1e-6)
        assert row["weighted_ci_high"] == pytest.approx(100 * r_values[f"{name}.ci_high"], rel=1e-6)
        assert row["deff"] == pytest.approx(r_values[f"{name}.deff"], rel=1e-6)


def test_cli_weights_are_r_raking_weights(run_en, r_values):
    import json

    diagnostics = json.loads((run_en / "weighting.json").read_text(encoding="utf-8"))
    assert diagnostics["converged"] and diagnostics["n_weighted"] == r_values["n_weighted"]
    assert diagnostics["n_outside_scope"] == N_VALID - r_values["n_weighted"]
    ours = _csv(run_en, "data/respondents.csv").set_index("respondent_id")["weight"]
    theirs = pd.read_csv(REFERENCE / "weights.csv", dtype={"respondent_id": str}).set_index(
        "respondent_id"
    )["weight"]
    assert ours.dropna().index.sort_values().equals(theirs.index.sort_values())
    assert np.allclose(ours[theirs.index], theirs, rtol=CSV_REL, atol=0)


def _numeric_summaries(folder: Path) -> pd.DataFrame:
    """The run's table of numeric summaries: a CSV with mean and median columns and rows for age."""
    for path in sorted(folder.rglob("*.csv")):
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        cols = {c.lower() for c in frame.columns}
        if {"mean", "median"} <= cols:
            key = next(
                (
                    c
                    for c in frame.columns
                    if frame[c].astype(str).isin(["age", "household_size"]).sum() >= 2
                ),
                None,
            )
            if key is not None:
                return frame.set_index(key)
    raise AssertionError(
        f"no CSV in {folder} has numeric summaries (mean, median) of age and household_size"
    )


def test_cli_numeric_summaries(run_en, r_values):
    table = _numeric_summaries(run_en)
    lower = {c.lower(): c for c in table.columns}
    sd = next(lower[c] for c in lower if c in ("sd", "std", "std_dev", "standard_deviation"))
    n = next(lower[c] for c in lower if c in ("n", "n_base", "count", "n_valid"))
    wmean = next(c for c in table.columns if "weighted" in c.lower() and "mean" in c.lower())
    for name, (count, mean, median, sdev) in NUMERIC.items():
        row = table.loc[name]
        assert row[n] == count and row[lower["median"]] == median, name
        assert row[lower["mean"]] == pytest.approx(mean, rel=CSV_REL)
        assert row[sd] == pytest.approx(sdev, rel=CSV_REL)
        assert row[wmean] == pytest.approx(r_values[f"{name}.mean"], rel=CSV_REL)
        ses = [row[c] for c in table.columns if "se" in c.lower().split("_")]
        r_ses = [r_values[f"{name}.se_calibrated"], r_values[f"{name}.se_weights_only"]]
        assert any(se == pytest.approx(r, rel=1e-6) for se in ses for r in r_ses), (
            name,
            ses,
            r_ses,
        )


def test_cli_reliability_reverse_scores_the_reverse_worded_item(run_en):
    row = _csv(run_en, "reliability.csv").set_index("scale").loc["access_scale"]
    assert row["alpha"] == pytest.approx(ALPHA_REVERSED, rel=CSV_REL)
    assert row["n"] == ALPHA_N


def test_cli_derived_variables(run_en, data):
    ours = _csv(run_en, "data/respondents.csv").set_index("respondent_id")
    hand = data.set_index("respondent_id")
    assert "access_code" not in ours.columns  # personal data
    for name in (
        "health_group",
        "education2",
        "good_health",
        "poor_health",
        "access_d_reversed",
        "access_score",
        "sex_health",
        "age_band",
        "insured",
    ):
        mine = hand[name].astype(float)
        theirs = ours.loc[hand.index, name].astype(float)
        if name in CARRIED:  # where the source is 98/99: blank, or the same code carried through
            source = hand[CARRIED[name]]
            carried = source.isin([98, 99]) & (theirs == source)
            theirs = theirs.mask(carried)
        assert np.allclose(theirs, mine, rtol=CSV_REL, atol=0, equal_nan=True), name


def test_cli_published_figures_all_reproduced(run_en, plan, r_values):
    headlines = _csv(run_en, "headlines.csv").set_index("id")
    ids = [f["id"] for f in plan["published"]["figures"]]
    assert sorted(headlines.index) == sorted(ids)
    not_reproduced = [i for i in ids if str(headlines.loc[i, "reproduced"]).lower() != "true"]
    assert not_reproduced == []
    row = headlines.loc["insured_weighted"]
    numbers = pd.to_numeric(row, errors="coerce").dropna()
    assert (abs(numbers - 100 * r_values["insured.estimate"]) < 1e-6).any()


def test_cli_no_planted_personal_data_in_any_output(run_en, run_es, export_es, planted):
    import zipfile

    strings = planted.loc[planted["kind"] == "personal_data", "value"].tolist()
    found = []
    for folder in (run_en, run_es, export_es):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as z:
                    data = b"".join(z.read(n) for n in z.namelist())
            text = data.decode("utf-8", errors="ignore")
            found += [(path.name, s) for s in strings if s in text]
    assert found == []


def test_cli_look_alikes_survive_redaction(run_en, planted):
    accounts = _csv(run_en, "open_ended.csv").set_index("respondent_id")["text"]
    keep = planted[planted["kind"] == "must_survive"]
    lost = [
        (i, s)
        for i, s in zip(keep["respondent_id"], keep["value"])
        if s not in str(accounts.get(i, ""))
    ]
    assert lost == []


def test_cli_language_of_open_answers(run_en, planted, raw):
    accounts = _csv(run_en, "open_ended.csv").set_index("respondent_id")
    texts = planted[
        planted["kind"].isin(["personal_data", "must_survive"])
        & planted["respondent_id"].isin(accounts.index)
    ]
    wrong = [
        (i, lang)
        for i, lang in set(zip(texts["respondent_id"], texts["language"]))
        if accounts.loc[i, "language"] != lang
    ]
    assert wrong == []
    questionnaire = (
        raw.set_index("respondent_id").loc[accounts.index, "lang"].map({"1": "en", "2": "es"})
    )
    assert set(accounts["language"]) == {"en", "es"}
    for lang in ("en", "es"):
        assert (accounts.loc[questionnaire == lang, "language"] == lang).mean() > 0.85


def test_cli_spanish_run(run_es):
    toplines = _csv(run_es, "toplines.csv")
    assert _topline(toplines, "has_insurance").loc[[1, 99], "label"].tolist() == [
        "Sí",
        "Rehúsa contestar",
    ]
    assert _topline(toplines, "health_group").loc[1, "label"] == "Mala (0-4)"
    assert "Hombre" in _topline(toplines, "sex_health").loc[110, "label"]
    report = (run_es / "report.md").read_text(encoding="utf-8")
    assert "Encuesta de Salud Comunitaria y Acceso a la Atención Médica de Texas 2024" in report
    assert "¿Es usted de origen hispano, latino o español?" in report
    # the English wording only where the question wording lists every declared language
    assert report.count("Are you of Hispanic, Latino or Spanish origin?") == 1
    assert "- Inglés: Are you of Hispanic, Latino or Spanish origin?" in report
    english = [
        "Contents",
        "About this survey",
        "Exclusions by reason",
        "Published figures, recomputed",
        "Toplines",
        "Crosstabs",
        "Weighting targets",
        "Question wording",
    ]
    assert [e for e in english if e in report] == []


def test_cli_spanish_spss_export(export_es):
    import pyreadstat

    _, meta = pyreadstat.read_sav(
        export_es / f"{STUDY}-wave1.sav", user_missing=True
    )  # else no missing_ranges
    labels = meta.column_names_to_labels
    assert labels["sex"] == "¿Cuál es su sexo?"
    assert meta.variable_value_labels["sex"] == {
        1.0: "Hombre",
        2.0: "Mujer",
        99.0: "Rehúsa contestar",
    }
    assert {98.0, 99.0} <= {m["lo"] for m in meta.missing_ranges.get("health_rating", [])}
    assert labels.get("weight") not in (None, "Weight")
    assert "access_code" not in meta.column_names


def test_cli_spanish_questionnaire_and_xlsform(tmp_path):
    form = tmp_path / "form.xlsx"
    _ok(
        _cli(
            "survey.instrument",
            "export",
            "--format",
            "xlsform",
            "--instrument",
            str(INSTRUMENT),
            "--out",
            str(form),
            "--lang",
            "es",
            "--quiet",
        )
    )
    survey_sheet = pd.read_excel(form, sheet_name="survey", dtype=str).fillna("")
    es_label = next(c for c in survey_sheet.columns if c.startswith("label") and "es" in c.lower())
    rows = survey_sheet.set_index("name")
    assert rows.loc["sex", es_label] == "¿Cuál es su sexo?"
    assert "usual_source" in rows.loc["usual_place", "relevant"]
    assert (
        "6" in rows.loc["cost_barriers", "constraint"]
    )  # "None of these" cannot go with another option
    questionnaire = tmp_path / "questionnaire.md"
    _ok(
        _cli(
            "survey.instrument",
            "export",
            "--format",
            "questionnaire",
            "--instrument",
            str(INSTRUMENT),
            "--out",
            str(questionnaire),
            "--lang",
            "es",
            "--quiet",
        )
    )
    text = questionnaire.read_text(encoding="utf-8")
    assert "Es demasiado difícil conseguir una cita cuando estoy enfermo/a." in text
    assert "It is too hard to get an appointment" not in text


def test_cli_refuses_a_language_the_instrument_does_not_declare(tmp_path):
    done = _cli(
        "survey.analyze",
        "--plan",
        str(PLAN),
        "--lang",
        "zh",
        "--out",
        str(tmp_path / "run"),
        "--quiet",
        "--no-charts",
        "--no-spss",
    )
    assert done.returncode == 2 and "es" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------ the input of the R reference

R_COLUMNS = [
    "respondent_id",
    "region",
    "age_band",
    "sex",
    "age",
    "household_size",
    "insured",
    "has_usual_source",
    "unmet_need",
    "good_health",
    "care_when_needed",
    "access_score",
]


def r_input(data: pd.DataFrame) -> str:
    """``tests/reference/health-2024/clean.csv``: the hand-cleaned respondents R weights (CSV text)."""
    frame = data[R_COLUMNS].copy()
    for col in R_COLUMNS[1:-1]:
        frame[col] = frame[col].astype("Int64")
    return frame.to_csv(index=False, lineterminator="\n")


if __name__ == "__main__":  # python tests/test_second_study.py: rewrite the R script's input
    clean, _ = hand_clean(
        pd.read_csv(RAW, dtype=str, keep_default_na=False, encoding="utf-8"), load_spec()
    )
    REFERENCE.mkdir(parents=True, exist_ok=True)
    (REFERENCE / "clean.csv").write_text(r_input(hand_recode(clean, load_spec())), encoding="utf-8")
    print(f"wrote {REFERENCE / 'clean.csv'}")
