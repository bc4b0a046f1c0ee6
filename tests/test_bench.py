"""``python -m survey.bench`` runs, and its pipeline is the ordinary one (no timing asserted here)."""

from __future__ import annotations

import json

from survey import bench
from survey.analyze import main

from .conftest import PLAN


def test_bench_results_equal_the_ordinary_pipeline(tmp_path):
    # The check: at 10,000 respondents the bench writes what the ordinary run writes.
    raw = bench.make_raw(PLAN, 10_000, tmp_path / "bench-10000.csv")
    result = bench.one_run(PLAN, 10_000, tmp_path, charts=False, raw=raw)
    # 71 single-response tables and 8 of the multi-select (their tests: one row per option, one overall)
    assert result["respondents"] == 10_000 and result["tables"] == 79
    assert 8_500 < result["valid"] < 9_500  # about 10% spoilt rows
    ordinary = tmp_path / "ordinary"
    assert main(["--plan", str(PLAN), "--raw", str(raw), "--out", str(ordinary), "--quiet", "--no-charts"]) == 0
    bench_out = tmp_path / "out-10000"
    compared = set()
    for pattern in ("*.csv", "*.sav", "*.sps", "*.xlsx", "*.json"):
        for path in sorted(ordinary.rglob(pattern)):
            if path.name == "run.json":
                continue  # names the command that ran
            assert (bench_out / path.relative_to(ordinary)).read_bytes() == path.read_bytes(), path.name
            compared.add(path.name)
    # toplines, headlines, crosstabs and tests, odds ratios, themes, accounts, respondents, .sav, workbooks ...
    assert len(compared) >= 20 and {"respondents.csv", "odds_ratios.csv", "open_ended.xlsx"} <= compared


def test_bench_command_writes_json_and_markdown(tmp_path):
    out = tmp_path / "b"
    assert bench.main(["--plan", str(PLAN), "--respondents", "800", "--out", str(out), "--quiet",
                       "--raw-dir", str(tmp_path)]) == 0
    report = json.loads((out / "bench.json").read_text())
    (run,) = report["runs"]
    assert run["respondents"] == 800 and run["total_seconds"] > 0 and run["peak_memory_mb"] > 0
    assert set(run["stages"]) >= {"read and validate", "clean", "crosstabs", "SPSS export"}
    assert "800" in (out / "bench.md").read_text()
