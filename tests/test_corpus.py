"""The bad-input corpus: every malformed file gives exit 2, one line naming it, no output.

The corpus is built by tests/corpus/build.py; tests/corpus/expected.csv gives the
error each file must produce.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from survey.analyze import main
from survey.cli import run
from tests.conftest import PLAN, ROOT, make_raw

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = list(csv.DictReader(open(CORPUS / "expected.csv", encoding="utf-8")))


def test_corpus_is_large_enough():
    kinds = [c["kind"] for c in CASES]
    assert kinds.count("raw") >= 30
    assert kinds.count("instrument") + kinds.count("plan") >= 15


def invoke(args, capsys):
    status = run(main, args)
    captured = capsys.readouterr()
    return status, captured.err


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input(case, tmp_path, capsys):
    path = CORPUS / case["file"]
    out = tmp_path / "out"
    option = {"raw": "--raw", "instrument": "--instrument", "plan": "--plan"}[case["kind"]]
    args = [option, str(path), "--out", str(out), "--quiet", "--no-spss", "--no-charts"]
    if case["kind"] != "plan":
        args += ["--plan", str(PLAN)]
    status, err = invoke(args, capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert path.name in lines[0] or case["kind"] == "plan" and "nope.csv" in lines[0]
    import re

    assert re.search(case["error"], lines[0]), lines[0]
    assert not out.exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_huge_open_answer(instrument, tmp_path, capsys):
    frame = make_raw(instrument, 5)
    frame.loc[2, "account"] = "x" * 10_000_000
    path = tmp_path / "huge.csv"
    frame.to_csv(path, index=False)
    status, err = invoke(["--plan", str(PLAN), "--raw", str(path), "--out", str(tmp_path / "o"), "--quiet"], capsys)
    assert status == 2
    assert "row 3, column account: text of 10,000,000 characters exceeds 65,535" in err


def test_exit_status_and_no_traceback_in_a_real_process(tmp_path):
    bad = CORPUS / "raw" / "duplicate_respondent_ids.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "survey.analyze", "--plan", str(PLAN), "--raw", str(bad), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""
