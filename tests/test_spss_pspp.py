"""GNU PSPP runs the exported .sav + .sps: clean run, CROSSTABS counts and chi-square checked.

PSPP treats ``WEIGHT BY`` as frequency weights, so its weighted counts are compared with
pandas' sums of weights and its Pearson chi-square with scipy's ``chi2_contingency``
(no continuity correction) on the same weighted table.  Skipped without pspp, except under
CI (``CI`` set), where a missing pspp fails.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from scipy.stats import chi2_contingency

from survey.write.spss import MultiSet, Variable, write_sav, write_sps


@pytest.fixture(scope="module", autouse=True)
def _need_pspp() -> None:
    if shutil.which("pspp") is None:
        if os.environ.get("CI"):
            pytest.fail("pspp not installed (required under CI): apt-get install pspp")
        pytest.skip("pspp not installed: apt-get install pspp")


Q1 = {1: "Agree 同意", 2: "Neither 一般", 3: "Disagree 不同意", 8: "Don't know 不知道"}
SEX = {1: "Male 男", 2: "Female 女"}
REGION = {1: "North 北", 2: "Centre 中", 3: "South 南"}
SET_LABEL = "How did you hear? 'don't know' 您是从哪里听说的" * 3


def _study() -> tuple[pd.DataFrame, list[Variable], list[MultiSet]]:
    rng = np.random.default_rng(20200501)
    n = 80
    q1 = rng.choice([1, 2, 3, 8], size=n, p=[0.4, 0.25, 0.25, 0.1]).astype(float)
    q1[rng.choice(n, 5, replace=False)] = np.nan  # system-missing
    frame = pd.DataFrame(
        {
            "q1": q1,
            "sex": rng.choice([1, 2], size=n),
            "region": rng.choice([1, 2, 3], size=n),
            "how_1": rng.integers(0, 2, n),
            "how_2": rng.integers(0, 2, n),
            # multiples of 1/16: every weighted sum is exact at PSPP's 4 printed decimals
            "wt": rng.integers(4, 49, n) / 16,
        }
    )
    variables = [
        Variable("q1", "Q1 'agree' 您同意吗", Q1, missing=(8,), measure="ordinal"),
        Variable("sex", "Sex 性别", SEX),
        Variable("region", "Region 地区", REGION),
        Variable("how_1", "Heard via web", {0: "No", 1: "Yes"}),
        Variable("how_2", "Heard via phone", {0: "No", 1: "Yes"}),
        Variable("wt", "Survey weight", measure="scale", format="F8.4"),
    ]
    return frame, variables, [MultiSet("$how", SET_LABEL, ("how_1", "how_2"))]


def _run_pspp(folder: Path, syntax: str) -> str:
    """Run pspp in ``folder`` (relative names resolve there); return the CSV output."""
    done = subprocess.run(
        ["pspp", "-o", "out.csv", "-O", "format=csv", syntax],
        check=False,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = (folder / "out.csv").read_text(encoding="utf-8")
    everything = done.stdout + done.stderr + output
    bad = [
        line for line in everything.splitlines() if re.search(r"error|warning", line, re.IGNORECASE)
    ]
    assert done.returncode == 0 and bad == [], everything
    return output


def _tables(output: str) -> list[tuple[str, list[list[str]]]]:
    """(title, rows) for every ``Table:`` block of PSPP's CSV output, in order."""
    blocks = []
    for chunk in output.split("\n\n"):
        lines = chunk.strip("\n").splitlines()
        if lines and lines[0].startswith("Table: "):
            rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
            blocks.append((lines[0][len("Table: ") :], rows))
    return blocks


def _counts(rows: list[list[str]], rows_map: dict, cols_map: dict) -> pd.DataFrame:
    """The Count cells of a CROSSTABS table as codes x codes (totals left out)."""
    col_labels = rows[1][3:-1]
    found = {}
    for row in rows[2:]:
        if row[2] == "Count" and row[0] != "Total":
            found[row[1]] = [float(x) for x in row[3:-1]]
    table = pd.DataFrame(found, index=col_labels).T
    by_label_r = {v: k for k, v in rows_map.items()}
    by_label_c = {v: k for k, v in cols_map.items()}
    return table.rename(index=by_label_r, columns=by_label_c).sort_index().sort_index(axis=1)


def _expected(frame: pd.DataFrame, row: str, col: str, missing: dict) -> pd.DataFrame:
    valid = frame[row].notna() & frame[col].notna()
    for name, codes in missing.items():
        valid &= ~frame[name].isin(codes)
    table = frame[valid].pivot_table(
        index=row, columns=col, values="wt", aggfunc="sum", fill_value=0
    )
    table.index, table.columns = table.index.astype(int), table.columns.astype(int)
    return table.sort_index().sort_index(axis=1)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, list[Variable]]:
    folder = tmp_path_factory.mktemp("pspp")
    frame, variables, multisets = _study()
    write_sav(
        frame,
        variables,
        folder / "wave.sav",
        file_label="PSPP 测试",
        weight="wt",
        multisets=multisets,
    )
    write_sps(
        folder / "wave.sps",
        sav_name="wave.sav",
        variables=variables,
        multisets=multisets,
        weight="wt",
        crosstabs=[("q1", "sex"), ("q1", "region")],
        save_as="wave_full.sav",
    )
    return folder, frame, variables


def test_pspp_weighted_counts_match_pandas(
    exported: tuple[Path, pd.DataFrame, list[Variable]],
) -> None:
    folder, frame, variables = exported
    blocks = _tables(_run_pspp(folder, "wave.sps"))
    titles = [t for t, _ in blocks]
    labels = {v.name: v.label for v in variables}
    for col, col_map in (("sex", SEX), ("region", REGION)):
        title = f"{labels['q1']} × {labels[col]}"
        assert title in titles
        got = _counts(blocks[titles.index(title)][1], Q1, col_map)
        want = _expected(frame, "q1", col, {"q1": [8]}).astype(float)
        assert got.index.tolist() == [1, 2, 3]  # user-missing 8 excluded, as in pandas
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=5e-5)
        assert got.to_numpy().sum() != (frame["q1"].isin([1, 2, 3])).sum()  # really weighted


def test_pspp_chi_square_matches_scipy(exported: tuple[Path, pd.DataFrame, list[Variable]]) -> None:
    folder, frame, _ = exported
    # Full precision for the statistic: SET FORMAT, then the generated syntax unchanged
    (folder / "precise.sps").write_text(
        "SET FORMAT=F14.8.\nINSERT FILE='wave.sps'.\n", encoding="utf-8"
    )
    blocks = _tables(_run_pspp(folder, "precise.sps"))
    chisq = [rows for title, rows in blocks if title == "Chi-Square Tests"]
    assert len(chisq) == 2
    for rows, col in zip(chisq, ("sex", "region"), strict=True):
        pearson = next(r for r in rows if r[0] == "Pearson Chi-Square")
        statistic, df, p = float(pearson[1]), float(pearson[2]), float(pearson[3])
        table = _expected(frame, "q1", col, {"q1": [8]}).to_numpy()
        ref = chi2_contingency(table, correction=False)
        assert statistic == pytest.approx(ref.statistic, abs=1e-7)
        assert df == ref.dof
        assert p == pytest.approx(ref.pvalue, abs=5e-4)  # PSPP prints p to 3 decimals


def test_pspp_saved_file_has_multiset_and_weight(
    exported: tuple[Path, pd.DataFrame, list[Variable]],
) -> None:
    folder, _, _ = exported
    _run_pspp(folder, "wave.sps")
    _, meta = pyreadstat.read_sav(str(folder / "wave_full.sav"))
    assert meta.mr_sets == {
        "how": {
            "type": "D",
            "is_dichotomy": True,
            "counted_value": 1,
            "label": SET_LABEL,
            "variable_list": ["how_1", "how_2"],
        }
    }
    (folder / "info.sps").write_text(
        "SYSFILE INFO FILE='wave_full.sav'.\nSYSFILE INFO FILE='wave.sav'.\n"
        "GET FILE='wave_full.sav'.\nMRSETS /DISPLAY NAME=[$how].\n",
        encoding="utf-8",
    )
    blocks = _tables(_run_pspp(folder, "info.sps"))
    infos = [
        {r[0]: r[1] for r in rows if len(r) >= 2} for t, rows in blocks if t == "File Information"
    ]
    # both the PSPP-saved file and write_sav's own file (header patch) carry the weight
    assert [i["Weight"] for i in infos] == ["Survey weight", "Survey weight"]
    assert infos[1]["Created"].startswith("01 Jan 00 00:00:00")
    assert infos[1]["Label"] == "PSPP 测试"
    mrsets = next(rows for t, rows in blocks if t == "Multiple Response Sets")
    assert mrsets[1][:4] == ["$how", SET_LABEL, "Dichotomies", "1"]


def test_relative_names_resolve_against_the_current_directory(
    exported: tuple[Path, pd.DataFrame, list[Variable]],
) -> None:
    """Why write_sps tells users to run from the syntax folder: PSPP ignores the file's folder."""
    folder, _, _ = exported
    done = subprocess.run(
        ["pspp", "-o", "elsewhere.csv", "-O", "format=csv", str(folder / "wave.sps")],
        check=False,
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "An error occurred while opening `wave.sav'" in done.stdout + done.stderr
    (folder.parent / "elsewhere.csv").unlink(missing_ok=True)
