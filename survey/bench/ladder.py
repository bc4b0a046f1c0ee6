"""The ladder of ``python -m survey.bench``: synthetic waves of growing size, one process each."""

from __future__ import annotations

import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

LADDER = (10_000, 100_000, 1_000_000)
SEED = 2024


def _peak_mb() -> float:
    """Peak resident memory of this process so far (Linux: ru_maxrss is in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def fielded_wave(plan: Path) -> tuple[Any, Any, Any]:
    from survey.instrument.plan import load_plan

    the_plan, instrument = load_plan(plan)
    wave = the_plan.waves[0]
    fielded = (
        instrument.at_version(wave.instrument_version) if wave.instrument_version else instrument
    )
    return the_plan, wave, fielded


def make_raw(plan: Path, n: int, path: Path, seed: int = SEED) -> Path:
    """Write the synthetic raw file of ``n`` respondents to ``path`` (kept if it exists)."""
    from survey.synth import synthetic_raw

    if not path.is_file():
        _, _, fielded = fielded_wave(plan)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                synthetic_raw(fielded, n, seed=seed, invalid_share=0.1).to_csv(handle, index=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path


def one_run(
    plan: Path, n: int, workdir: Path, charts: bool, seed: int = SEED, raw: Path | None = None
) -> dict:
    """Run the pipeline on the raw file of N respondents in this process; return timings.

    ``raw`` is the synthetic file (made here if not given; then its making counts in
    the peak memory).  Stage times are wall-clock seconds between the stage marks;
    ``stage_peak_mb`` is the process's peak resident memory at the end of each stage.
    """
    began = time.perf_counter()
    from survey import artifacts
    from survey.study import Study

    imports = time.perf_counter() - began  # first import in a fresh process: paid by every CLI run
    _, wave, _ = fielded_wave(plan)
    raw = raw or make_raw(plan, n, workdir / f"bench-{n}.csv", seed)
    marks: list[tuple[str, float, float]] = []

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter(), _peak_mb()))

    start = time.perf_counter()
    study = Study.from_plan(plan, wave.id, raw=raw, fmt="canonical", progress=mark)
    options = artifacts.Options(
        spss=True, charts=charts, command=f"python -m survey.bench --respondents {n}"
    )
    out = workdir / f"out-{n}"
    out.mkdir(exist_ok=True)
    results = artifacts.write_all(study, out, options, mark)
    end = time.perf_counter()
    ends = marks[1:] + [("end", end, _peak_mb())]
    stages = {name: round(t1 - t0, 4) for (name, t0, _), (_, t1, _) in zip(marks, ends)}
    stage_peak = {name: peak for (name, _, _), (_, _, peak) in zip(marks, ends)}
    tables = results.get("crosstab_tests")
    return {
        "respondents": n,
        "valid": len(study.data),
        "total_seconds": round(end - start, 4),
        "import_seconds": round(imports, 4),
        "stages": stages,
        "stage_peak_mb": stage_peak,
        "peak_memory_mb": _peak_mb(),
        "tables": 0 if tables is None else len(tables[["question", "banner"]].drop_duplicates()),
        "crosstab_rows": 0 if results.get("crosstabs") is None else len(results["crosstabs"]),
    }


def machine() -> dict:
    """What the figures were measured on."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        pages = 0
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or "unknown",
        "memory_gb": round(pages / 2**30, 1),
    }


def markdown(report: dict) -> str:
    """The ladder as a Markdown table."""
    names: list[str] = []
    for r in report["runs"]:
        names += [s for s in r["stages"] if s not in names]
    head = (
        "| respondents | valid | total s | imports s | peak MB | tables | "
        + " | ".join(names)
        + " |"
    )
    rule = "|" + "---|" * (6 + len(names))
    rows = [
        f"| {r['respondents']:,} | {r['valid']:,} | {r['total_seconds']:.2f} | {r.get('import_seconds', float('nan')):.2f} "
        f"| {r['peak_memory_mb']:.0f} | {r['tables']} | "
        + " | ".join(f"{r['stages'].get(s, float('nan')):.2f}" for s in names)
        + " |"
        for r in report["runs"]
    ]
    m = report["machine"]
    return "\n".join(
        [
            f"Machine: {m['cpus']} CPUs, {m['machine']}, Python {m['python']}.",
            "",
            head,
            rule,
            *rows,
            "",
        ]
    )
