"""``python -m survey.bench``: time the whole analysis on synthetic waves of growing size.

For each size N it writes a synthetic raw file of N respondents in the instrument's
canonical layout (:func:`survey.synth.synthetic_raw`, 10% spoilt rows), then runs the
ordinary pipeline on it — read, validate, clean, recode, weight, every output stage
(crosstabs with their tests, SPSS export; charts and report only with ``--charts``) —
in a fresh process, so that each size's peak memory is its own.  Results go to
``DIR/bench.json`` and ``DIR/bench.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from survey.cli import default_plan, run

LADDER = (10_000, 100_000, 1_000_000)


def one_run(plan: Path, n: int, workdir: Path, charts: bool, seed: int = 2024) -> dict:
    """Generate N respondents and run the pipeline on them in this process; return timings."""
    from survey import artifacts
    from survey.plan import load_plan
    from survey.study import Study
    from survey.synth import synthetic_raw

    the_plan, instrument = load_plan(plan)
    wave = the_plan.waves[0]
    fielded = instrument.at_version(wave.instrument_version) if wave.instrument_version else instrument
    raw = workdir / f"bench-{n}.csv"
    synthetic_raw(fielded, n, seed=seed, invalid_share=0.1).to_csv(raw, index=False)
    stages: dict[str, float] = {}
    marks: list[tuple[str, float]] = []

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter()))

    start = time.perf_counter()
    study = Study.from_plan(plan, wave.id, raw=raw, fmt="canonical", progress=mark)
    options = artifacts.Options(spss=True, charts=charts, command=f"python -m survey.bench --respondents {n}")
    out = workdir / f"out-{n}"
    out.mkdir()
    results = artifacts.write_all(study, out, options, mark)
    end = time.perf_counter()
    for (name, t0), (_, t1) in zip(marks, marks[1:] + [("end", end)]):
        stages[name] = round(t1 - t0, 4)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tables = results.get("crosstab_tests")
    return {
        "respondents": n,
        "valid": int(len(study.data)),
        "total_seconds": round(end - start, 4),
        "stages": stages,
        "peak_memory_mb": round(peak_kb / 1024, 1),
        "tables": 0 if tables is None else int(len(tables)),
    }


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or "unknown",
    }


def markdown(report: dict) -> str:
    """The ladder as a Markdown table."""
    names: list[str] = []
    for r in report["runs"]:
        names += [s for s in r["stages"] if s not in names]
    head = "| respondents | valid | total s | peak MB | tables | " + " | ".join(names) + " |"
    rule = "|" + "---|" * (5 + len(names))
    rows = [
        f"| {r['respondents']:,} | {r['valid']:,} | {r['total_seconds']:.2f} | {r['peak_memory_mb']:.0f} | {r['tables']} | "
        + " | ".join(f"{r['stages'].get(s, float('nan')):.2f}" for s in names) + " |"
        for r in report["runs"]
    ]
    m = report["machine"]
    return "\n".join([f"Machine: {m['cpus']} CPUs, {m['machine']}, Python {m['python']}.", "", head, rule, *rows, ""])


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m survey.bench", description=__doc__.splitlines()[0])
    p.add_argument("--respondents", type=int, nargs="+", default=list(LADDER), help="sizes to run (default: 10000 100000 1000000)")
    p.add_argument("--out", type=Path, default=Path("benchmarks/latest"), help="folder for bench.json and bench.md")
    p.add_argument("--plan", type=Path, help="analysis plan (default: the one in ./analysis)")
    p.add_argument("--charts", action="store_true", help="also draw charts and the report")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)
    p.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    plan = (args.plan or default_plan()).resolve()
    if args.one:
        print(json.dumps(one_run(plan, args.one, args.workdir, args.charts)))
        return 0
    runs = []
    for n in args.respondents:
        with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
            cmd = [sys.executable, "-m", "survey.bench", "--one", str(n), "--workdir", tmp, "--plan", str(plan)]
            cmd += ["--charts"] if args.charts else []
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return proc.returncode
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        if not args.quiet:
            r = runs[-1]
            print(f"{n:>9,} respondents: {r['total_seconds']:.2f} s, peak {r['peak_memory_mb']:.0f} MB", file=sys.stderr)
    report = {"machine": machine(), "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (args.out / "bench.md").write_text(markdown(report), encoding="utf-8")
    if not args.quiet:
        print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
