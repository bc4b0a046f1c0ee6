"""``python -m survey.bench`` runs, and its pipeline is the ordinary one (no timing asserted here)."""

from __future__ import annotations

import json

from survey import bench
from survey.analyze import main
from survey.cli import run

from .conftest import PLAN


def test_bench_results_equal_the_ordinary_pipeline(tmp_path):
    # The check: at 10,000 respondents the bench writes what the ordinary run writes.
    raw = bench.make_raw(PLAN, 10_000, tmp_path / "bench-10000.csv")
    result = bench.one_run(PLAN, 10_000, tmp_path, charts=False, raw=raw)
    # 71 single-response tables and 8 of the multi-select (their tests: one row per option, one overall)
    assert result["respondents"] == 10_000 and result["tables"] == 79
    assert 8_500 < result["valid"] < 9_500  # about 10% spoilt rows
    ordinary = tmp_path / "ordinary"
    assert (
        main(
            [
                "--plan",
                str(PLAN),
                "--raw",
                str(raw),
                "--out",
                str(ordinary),
                "--quiet",
                "--no-charts",
            ]
        )
        == 0
    )
    bench_out = tmp_path / "out-10000"
    compared = set()
    for pattern in ("*.csv", "*.sav", "*.sps", "*.xlsx", "*.json"):
        for path in sorted(ordinary.rglob(pattern)):
            if path.name == "run.json":
                continue  # names the command that ran
            assert (bench_out / path.relative_to(ordinary)).read_bytes() == path.read_bytes(), (
                path.name
            )
            compared.add(path.name)
    # toplines, headlines, crosstabs and tests, odds ratios, themes, accounts, respondents, .sav, workbooks ...
    assert (
        len(compared) >= 20
        and {"respondents.csv", "odds_ratios.csv", "open_ended.xlsx"} <= compared
    )


def test_bench_command_writes_json_and_markdown(tmp_path):
    out = tmp_path / "b"
    assert (
        bench.main(
            [
                "--plan",
                str(PLAN),
                "--respondents",
                "800",
                "--out",
                str(out),
                "--quiet",
                "--raw-dir",
                str(tmp_path),
            ]
        )
        == 0
    )
    report = json.loads((out / "bench.json").read_text())
    (run,) = report["runs"]
    assert run["respondents"] == 800 and run["total_seconds"] > 0 and run["peak_memory_mb"] > 0
    assert set(run["stages"]) >= {"read and validate", "clean", "crosstabs", "SPSS export"}
    assert "800" in (out / "bench.md").read_text()


def test_small_mode_commands_medians_and_ratios(tmp_path):
    # --small's logic on given timings and paths (no timing measured here)
    commands = bench.small_commands(PLAN, tmp_path, 3, python="py")
    assert commands["charts"] == [
        "py",
        "-m",
        "survey.analyze",
        "--plan",
        str(PLAN),
        "--out",
        str(tmp_path / "run3-charts"),
        "--quiet",
    ]
    assert commands["no_charts"] == [
        "py",
        "-m",
        "survey.analyze",
        "--plan",
        str(PLAN),
        "--out",
        str(tmp_path / "run3-no_charts"),
        "--quiet",
        "--no-charts",
    ]
    assert commands["baseline"] == ["py", "-c", "import pandas, scipy.stats, matplotlib.pyplot"]
    summary = bench.small_summary(
        {
            "charts": [7.0, 6.1, 5.9, 20.0, 6.0],
            "no_charts": [4.0, 3.9, 4.2, 4.1, 9.0],
            "baseline": [3.0, 3.2, 2.9, 3.1, 3.05],
        }
    )
    # medians 6.1, 4.1, 3.05: ratios 6.1 / 3.05 = 2.0 and 4.1 / 3.05 = 1.344...
    assert summary == {
        "median_seconds": {"charts": 6.1, "no_charts": 4.1, "baseline": 3.05},
        "charts_ratio": 2.0,
        "no_charts_ratio": 1.34,
    }
    assert (
        bench.small_summary({"charts": [2, 4], "no_charts": [1, 2], "baseline": [1, 1]})[
            "charts_ratio"
        ]
        == 3.0
    )


def test_small_mode_keeps_the_bench_folder_rules(tmp_path, monkeypatch):
    # --small writes small.json through the bench's atomic folder: a folder it did not write is refused
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    fake = {"charts": [1.0], "no_charts": [1.0], "baseline": [1.0]}
    monkeypatch.setattr(
        bench.command,
        "small",
        lambda plan, runs, quiet_run=False: {
            "runs": runs,
            "seconds": fake,
            **bench.small_summary(fake),
        },
    )
    assert run(bench.main, ["--small", "--plan", str(PLAN), "--out", str(mine), "--quiet"]) == 2
    assert (mine / "notes.txt").read_text() == "keep me" and not (mine / "small.json").exists()
    out = tmp_path / "b"
    assert (
        bench.main(["--small", "--runs", "2", "--plan", str(PLAN), "--out", str(out), "--quiet"])
        == 0
    )
    written = json.loads((out / "small.json").read_text())
    assert (
        written["runs"] == 2
        and written["charts_ratio"] == 1.0
        and written["no_charts_ratio"] == 1.0
    )
