"""Hardening: random input never escapes as anything but the package's errors; nothing is lost;
an interrupted run leaves the previous output as it was."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey import artifacts
from survey.analyze import main
from survey.clean.rules import clean
from survey.errors import SurveyError
from survey.read.canonical import read_raw

from .conftest import PLAN, ROOT, make_raw, write_raw


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_reader_raises_only_its_own_errors_on_random_bytes(instrument, tmp_path, data):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    try:
        read_raw(path, instrument)
    except SurveyError as exc:
        assert str(path) in str(exc)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(5, 80), spoil=st.floats(0, 0.6))
def test_random_raw_files_reconcile(instrument, tmp_path, seed, n, spoil):
    frame = make_raw(instrument, n=n, seed=seed)
    rng = np.random.default_rng(seed)
    hit = rng.random(n) < spoil
    kind = rng.integers(0, 3, n)
    frame.loc[hit & (kind == 0), "attention_q"] = "1"          # failed attention check
    frame.loc[hit & (kind == 1), "support_q"] = ""             # required question unanswered
    frame.loc[hit & (kind == 2), "age"] = "16"                 # outside the population
    raw = read_raw(write_raw(frame, tmp_path / f"r{seed}.csv"), instrument)
    result = clean(raw, instrument)
    rows = sorted(result.data["raw_row"].tolist() + result.exclusions["raw_row"].tolist())
    assert rows == list(range(1, n + 1))
    assert len(result.exclusions) >= int((hit & (kind != 2)).sum())


def test_failed_stage_leaves_previous_output_intact(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert main(["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def boom(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(artifacts, "STAGES", artifacts.STAGES[:2] + [("boom", boom)])
    with pytest.raises(KeyboardInterrupt):
        main(["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"])
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_killed_run_leaves_previous_output_intact(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "headlines.csv").write_text("previous\n")
    (out / "run.json").write_text("{}\n")  # a previous run's marker
    proc = subprocess.Popen([sys.executable, "-m", "survey.analyze", "--plan", str(PLAN), "--out", str(out), "--quiet"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".out.tmp-*/toplines.csv")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / "headlines.csv").read_text() == "previous\n"
    assert sorted(p.name for p in out.iterdir()) == ["headlines.csv", "run.json"]
    assert len(list(tmp_path.glob(".out.tmp-*"))) == 1  # the killed run's folder, until the next run
    assert main(["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"]) == 0
    assert list(tmp_path.glob(".out.tmp-*")) == [] and (out / "toplines.csv").exists()


def test_crosstab_columns_sum_to_bases_on_random_data(instrument, tmp_path):
    from survey.study import Study

    raw = write_raw(make_raw(instrument, n=120, seed=3), tmp_path / "w.csv")
    study = Study.from_plan(PLAN, raw=raw, weight=False)
    tables, _ = study.crosstabs()
    single = tables[tables["col_pct"].notna() & ~tables["row_code"].astype(str).str.startswith("net:")
                    & (tables["question"] != "how_participated")]
    sums = single.groupby(["question", "banner", "col_code"]).agg(c=("count", "sum"), b=("base", "first"))
    assert (sums["c"] == sums["b"]).all()


def test_failed_background_write_fails_the_run_and_leaves_previous_output(tmp_path, monkeypatch, capsys):
    # Files are written in a background thread: its error must fail the run like a stage's (exit 2).
    from survey.write import workbook
    from survey.errors import ExportError

    out = tmp_path / "out"
    assert main(["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise ExportError("open_ended.xlsx: disk full (simulated)")

    from survey.cli import run

    monkeypatch.setattr(workbook, "write_open_ended_xlsx", broken)
    assert run(main, ["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"]) == 2
    assert "disk full (simulated)" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_background_writer_writes_the_same_bytes(tmp_path):
    from survey.study import Study

    study = Study.from_plan(PLAN)
    folders = {}
    for background in (True, False):
        folder = folders[background] = tmp_path / f"bg-{background}"
        folder.mkdir()
        artifacts.write_all(study, folder, artifacts.Options(charts=False, background=background), lambda name: None)
    files = sorted(p.relative_to(folders[True]) for p in folders[True].rglob("*") if p.is_file())
    assert len(files) > 20
    assert files == sorted(p.relative_to(folders[False]) for p in folders[False].rglob("*") if p.is_file())
    for name in files:
        assert (folders[True] / name).read_bytes() == (folders[False] / name).read_bytes(), name
