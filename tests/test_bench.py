"""``python -m survey.bench`` runs, and its pipeline is the ordinary one (no timing asserted here)."""

from __future__ import annotations

import json

from survey import bench
from survey.analyze import main

from .conftest import PLAN


def test_bench_results_equal_the_ordinary_pipeline(tmp_path):
    raw = bench.make_raw(PLAN, 3000, tmp_path / "bench-3000.csv")
    result = bench.one_run(PLAN, 3000, tmp_path, charts=False, raw=raw)
    assert result["respondents"] == 3000 and result["tables"] == 71
    assert 0 < result["valid"] < 3000
    ordinary = tmp_path / "ordinary"
    assert main(["--plan", str(PLAN), "--raw", str(raw), "--out", str(ordinary), "--quiet", "--no-charts"]) == 0
    bench_out = tmp_path / "out-3000"
    compared = 0
    for path in sorted(ordinary.rglob("*.csv")):
        assert (bench_out / path.relative_to(ordinary)).read_bytes() == path.read_bytes(), path.name
        compared += 1
    assert compared >= 14  # toplines, headlines, crosstabs, tests, themes, verbatims, respondents ...


def test_bench_command_writes_json_and_markdown(tmp_path):
    out = tmp_path / "b"
    assert bench.main(["--respondents", "800", "--out", str(out), "--quiet", "--raw-dir", str(tmp_path)]) == 0
    report = json.loads((out / "bench.json").read_text())
    (run,) = report["runs"]
    assert run["respondents"] == 800 and run["total_seconds"] > 0 and run["peak_memory_mb"] > 0
    assert set(run["stages"]) >= {"read and validate", "clean", "crosstabs", "SPSS export"}
    assert "800" in (out / "bench.md").read_text()
