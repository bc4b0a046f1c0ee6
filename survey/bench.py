"""``python -m survey.bench``: time the whole analysis on synthetic waves of growing size.

For each size N it writes a synthetic raw file of N respondents in the instrument's
canonical layout (:func:`survey.synth.synthetic_raw`, 10% spoilt rows, free text
from 30% of respondents), then runs the ordinary pipeline on it — read, validate,
clean, recode, weight, every output stage (crosstabs with their tests, open-ended
coding, SPSS export; charts and report only with ``--charts``) — in a fresh process,
so that each size's peak memory is its own (the raw file is made before, in another
process, and is not counted).  Results go to ``DIR/bench.json`` and ``DIR/bench.md``.

``--micro`` runs micro-benchmarks at the largest size instead: raking alone
(:func:`survey.stats.weighting.rake` against a plain collapsed-cell numpy IPF, three
margins of 3, 2 and 4 categories, tol 1e-10), the crosstab battery alone
(:func:`survey.stats.tables.battery`) against reading the raw CSV with pandas' pyarrow
engine, and redaction of the free-text columns alone
(:func:`survey.text.redact.redact`); results go to ``DIR/micro.json``.  ``--profile`` writes a cProfile dump
and its top functions per size (``DIR/profile-N.prof``, ``DIR/profile-N.txt``).

``--small`` times what an analyst waits for on the embedded example instead: whole
processes of ``python -m survey.analyze --plan PLAN`` with charts and with
``--no-charts``, and of the baseline ``python -c "import pandas, scipy.stats,
matplotlib.pyplot"``, interleaved (``--runs`` of each, default 5); medians and the two
ratios to the baseline go to ``DIR/small.json`` (:func:`small_commands`, :func:`small_summary`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from survey.cli import ArgumentParser, default_plan, log_beside, quiet, run
from survey.errors import SurveyError, UsageError
from survey.write.output import atomic_folder

LADDER = (10_000, 100_000, 1_000_000)
SEED = 2024


def _peak_mb() -> float:
    """Peak resident memory of this process so far (Linux: ru_maxrss is in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _fielded(plan: Path) -> tuple[Any, Any, Any]:
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
        _, _, fielded = _fielded(plan)
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
    _, wave, _ = _fielded(plan)
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


# --------------------------------------------------------------------------- micro-benchmarks


def _best(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest wall time of ``repeat`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def numpy_ipf(
    codes: Sequence[np.ndarray],
    sizes: Sequence[int],
    targets: Sequence[np.ndarray],
    tol: float = 1e-10,
    max_iter: int = 100,
) -> tuple[np.ndarray, int]:
    """Plain collapsed-cell IPF: count the cells of the cross-classification, rake that table, expand.

    ``codes[k]`` are 0-based category codes of margin ``k``, ``targets[k]`` its
    population proportions.  Returns per-respondent weights summing to n (the same
    convergence rule as :func:`survey.stats.weighting.rake`: every margin proportion
    within ``tol``) and the iterations used.
    """
    n = len(codes[0])
    key = codes[0].astype(np.int64)
    for c, size in zip(codes[1:], sizes[1:]):
        key = key * size + c
    count = np.bincount(key, minlength=int(np.prod(sizes))).astype(float).reshape(sizes)
    table = count.copy()
    totals = [n * np.asarray(t, dtype=float) for t in targets]
    axes = [tuple(a for a in range(len(sizes)) if a != k) for k in range(len(sizes))]
    shape = [[-1 if a == k else 1 for a in range(len(sizes))] for k in range(len(sizes))]
    for it in range(1, max_iter + 1):
        for k in range(len(sizes)):
            margin = table.sum(axis=axes[k])
            table *= np.divide(
                totals[k], margin, out=np.zeros_like(margin), where=margin > 0
            ).reshape(shape[k])
        if (
            max(np.abs(table.sum(axis=axes[k]) - totals[k]).max() for k in range(len(sizes))) / n
            < tol
        ):
            break
    factor = np.divide(table, count, out=np.zeros_like(table), where=count > 0).ravel()
    return factor[key], it


def micro_rake(n: int, seed: int = SEED, repeat: int = 7) -> dict:
    """Raking alone on ``n`` rows, three margins (3, 2, 4 categories), tol 1e-10."""
    import pandas as pd

    from survey.stats.weighting import rake

    rng = np.random.default_rng(seed)
    sample = {"a": [0.5, 0.3, 0.2], "b": [0.45, 0.55], "c": [0.1, 0.2, 0.3, 0.4]}
    population = {"a": [0.3, 0.3, 0.4], "b": [0.5, 0.5], "c": [0.25, 0.25, 0.25, 0.25]}
    codes = {k: rng.choice(len(p), n, p=p) for k, p in sample.items()}
    data = pd.DataFrame(
        {k: v + 1 for k, v in codes.items()}
    )  # codes 1..k, int64 as a typed survey column
    targets = {k: {i + 1: s for i, s in enumerate(p)} for k, p in population.items()}
    out: dict[str, Any] = {
        "rows": n,
        "margins": {k: len(p) for k, p in sample.items()},
        "tol": 1e-10,
    }
    t_rake, w_rake = _best(lambda: rake(data, targets, tol=1e-10), repeat)
    sizes = [len(p) for p in sample.values()]
    t_ipf, (w_ipf, iterations) = _best(
        lambda: numpy_ipf(
            [codes[k] for k in sample], sizes, [population[k] for k in sample], tol=1e-10
        ),
        repeat,
    )
    as_float = data.astype(float)
    t_float, _ = _best(lambda: rake(as_float, targets, tol=1e-10), max(3, repeat // 2))
    nullable = data.astype("Int64")
    t_nullable, _ = _best(lambda: rake(nullable, targets, tol=1e-10), max(3, repeat // 2))
    out.update(
        {
            "rake_seconds": round(t_rake, 5),
            "numpy_ipf_seconds": round(t_ipf, 5),
            "ratio": round(t_rake / t_ipf, 2),
            "ipf_iterations": iterations,
            "max_abs_weight_difference": float(np.max(np.abs(w_rake.to_numpy() - w_ipf))),
            "rake_float64_columns_seconds": round(t_float, 5),
            "rake_Int64_columns_seconds": round(t_nullable, 5),
        }
    )
    return out


def micro_battery(plan: Path, raw: Path, repeat: int = 3) -> dict:
    """The crosstab battery alone on the study made from ``raw``, against reading ``raw`` with pyarrow."""
    import pandas as pd

    from survey.stats import tables
    from survey.study import Study

    _, wave, _ = _fielded(plan)
    t_read, frame = _best(lambda: pd.read_csv(raw, engine="pyarrow"), repeat)
    t_read_str, _ = _best(
        lambda: pd.read_csv(raw, engine="pyarrow", dtype=str, keep_default_na=False), repeat
    )
    rows = len(frame)
    del frame
    study = Study.from_plan(plan, wave.id, raw=raw, fmt="canonical")
    t_battery, (tabs, tests) = _best(
        lambda: tables.battery(study.data, study.instrument, study.plan, study.weights), repeat
    )
    return {
        "rows_in_file": rows,
        "valid": len(study.data),
        "file_mb": round(raw.stat().st_size / 2**20, 1),
        "read_csv_pyarrow_seconds": round(t_read, 4),
        "read_csv_pyarrow_dtype_str_seconds": round(t_read_str, 4),
        "battery_seconds": round(t_battery, 4),
        "tables": len(tests[["question", "banner"]].drop_duplicates()),
        "table_rows": len(tabs),
        "ratio": round(t_battery / t_read, 2),
    }


def micro_redaction(plan: Path, raw: Path, repeat: int = 3) -> dict:
    """Redaction alone (:func:`survey.text.redact.redact`) on the free-text columns of ``raw``.

    The columns are read as the study reads them (Arrow-backed strings, blanks
    missing), with the instrument's redaction policy (countries and languages).
    """
    import pandas as pd

    from survey.text.redact import Policy, redact

    _, _, fielded = _fielded(plan)
    columns = [q.id for q in fielded.questions if q.type == "text"]
    frame = pd.read_csv(raw, engine="pyarrow", usecols=columns, dtype=dict.fromkeys(columns, "str"))
    policy = Policy.for_instrument(fielded)
    out: dict[str, Any] = {
        "rows": len(frame),
        "policy": {"countries": list(policy.countries), "languages": list(policy.languages)},
    }
    total = 0.0
    for column in columns:
        seconds, (_, counts) = _best(lambda texts=frame[column]: redact(texts, policy), repeat)
        total += seconds
        out[column] = {
            "texts": int(frame[column].notna().sum()),
            "seconds": round(seconds, 4),
            "found": {k: v for k, v in counts.items() if v},
        }
    out["seconds"] = round(total, 4)
    return out


def micro(plan: Path, n: int, raw: Path) -> dict:
    return {
        "rake": micro_rake(n),
        "battery": micro_battery(plan, raw),
        "redaction": micro_redaction(plan, raw),
    }


# --------------------------------------------------------------------------- whole-process runs (--small)

#: The baseline of ``--small``: the imports any analysis with charts pays.
BASELINE_IMPORTS = "import pandas, scipy.stats, matplotlib.pyplot"
#: ``--small``'s kinds of run, in the order they are interleaved.
SMALL_KINDS = ("charts", "no_charts", "baseline")


def small_commands(
    plan: Path, workdir: Path, run: int, python: str = sys.executable
) -> dict[str, list[str]]:
    """The command lines of run ``run`` of ``--small``: each analysis writes a fresh folder in ``workdir``.

    Examples
    --------
    >>> small_commands(Path("/p/plan.yaml"), Path("/t"), 2, python="python3")["no_charts"]
    ['python3', '-m', 'survey.analyze', '--plan', '/p/plan.yaml', '--out', '/t/run2-no_charts', '--quiet', '--no-charts']
    """

    def analyze(kind: str, *extra: str) -> list[str]:
        return [
            python,
            "-m",
            "survey.analyze",
            "--plan",
            str(plan),
            "--out",
            str(workdir / f"run{run}-{kind}"),
            "--quiet",
            *extra,
        ]

    return {
        "charts": analyze("charts"),
        "no_charts": analyze("no_charts", "--no-charts"),
        "baseline": [python, "-c", BASELINE_IMPORTS],
    }


def small_summary(seconds: dict[str, list[float]]) -> dict[str, Any]:
    """Medians of each kind's wall times and the ratios of the two analyses to the baseline.

    Examples
    --------
    >>> small_summary({"charts": [6.0, 5.0, 7.0], "no_charts": [4.0, 3.0, 3.5], "baseline": [2.0, 3.0, 2.5]})
    {'median_seconds': {'charts': 6.0, 'no_charts': 3.5, 'baseline': 2.5}, 'charts_ratio': 2.4, 'no_charts_ratio': 1.4}
    """
    median = {kind: round(statistics.median(seconds[kind]), 3) for kind in SMALL_KINDS}
    return {
        "median_seconds": median,
        "charts_ratio": round(median["charts"] / median["baseline"], 2),
        "no_charts_ratio": round(median["no_charts"] / median["baseline"], 2),
    }


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time of one whole process; its failure is an error naming the command."""
    began = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, check=False, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise SurveyError(f"{' '.join(command)} failed (exit {proc.returncode}): {last}")
    return seconds


def small(plan: Path, runs: int, quiet_run: bool = False) -> dict[str, Any]:
    """``--small``: ``runs`` interleaved whole-process runs of each kind (:func:`small_commands`).

    The children import the same ``survey`` as this process (its folder first on
    ``PYTHONPATH``) and run in the current folder; their outputs go to a temporary folder.
    They run as installed code runs: with compiled bytecode, kept in a temporary
    ``PYTHONPYCACHEPREFIX`` even where ``PYTHONDONTWRITEBYTECODE`` is set (pip compiles
    what it installs; an editable checkout compiles on its first run).  One unmeasured
    round of each kind comes first, for that bytecode and the disk cache.
    """
    import survey

    seconds: dict[str, list[float]] = {kind: [] for kind in SMALL_KINDS}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="survey-bench-small-") as tmp:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(Path(survey.__file__).parent.parent), env.get("PYTHONPATH")) if p
        )
        for kind, command in small_commands(plan, Path(tmp), 0).items():
            _timed(command, Path.cwd(), env)
        for run in range(1, runs + 1):
            commands = small_commands(plan, Path(tmp), run)
            for kind in SMALL_KINDS:
                seconds[kind].append(round(_timed(commands[kind], Path.cwd(), env), 3))
            if not quiet_run:
                print(
                    f"run {run}/{runs}: "
                    + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in seconds.items()),
                    file=sys.stderr,
                )
    load.append(os.getloadavg()[0])
    shown = small_commands(plan, Path("OUT"), 1, python="python3")
    return {
        "machine": machine(),
        "runs": runs,
        "seconds": seconds,
        **small_summary(seconds),
        "load_average_1min": {"before": round(load[0], 2), "after": round(load[1], 2)},
        "commands": {k: " ".join(v) for k, v in shown.items()},
    }


# --------------------------------------------------------------------------- command line


def _profiled(
    plan: Path, n: int, workdir: Path, charts: bool, raw: Path | None, dump: Path
) -> dict:
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(one_run, plan, n, workdir, charts, raw=raw)
    profile.dump_stats(str(dump))
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(60)
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(30)
    dump.with_suffix(".txt").write_text(text.getvalue(), encoding="utf-8")
    return result


def _child(args: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "survey.bench", *args], check=False, capture_output=True, text=True
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise SurveyError(
            f"python -m survey.bench {' '.join(args)} failed (exit {proc.returncode}): {last}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    p = ArgumentParser(prog="python -m survey.bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--respondents",
        type=int,
        nargs="+",
        default=list(LADDER),
        help="sizes to run (default: 10000 100000 1000000)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("benchmarks/latest"),
        help="folder for bench.json and bench.md (replaced only if an earlier bench wrote it)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an earlier bench's files even if changed since",
    )
    p.add_argument("--plan", type=Path, help="analysis plan (default: the one in ./analysis)")
    p.add_argument("--charts", action="store_true", help="also draw charts and the report")
    p.add_argument(
        "--raw-dir",
        type=Path,
        help="keep the synthetic raw files here and reuse them (default: temporary)",
    )
    p.add_argument(
        "--micro",
        action="store_true",
        help="micro-benchmarks (raking, crosstab battery, redaction) at the largest size",
    )
    p.add_argument(
        "--profile", action="store_true", help="also write a cProfile dump per size into --out"
    )
    p.add_argument(
        "--small",
        action="store_true",
        help="whole-process runs of the plan's first wave (with "
        "charts, without, and the baseline imports), interleaved: medians and ratios to small.json",
    )
    p.add_argument(
        "--runs", type=int, default=5, help="runs of each kind with --small (default: 5)"
    )
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)
    p.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    p.add_argument("--raw", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    plan = (args.plan or default_plan()).resolve()
    if args.generate:
        make_raw(plan, args.generate, args.raw)
        print(json.dumps({"raw": str(args.raw)}))
        return 0
    if args.one:
        if args.profile:
            result = _profiled(
                plan,
                args.one,
                args.workdir,
                args.charts,
                args.raw,
                args.out.resolve() / f"profile-{args.one}.prof",
            )
        else:
            result = one_run(plan, args.one, args.workdir, args.charts, raw=args.raw)
        print(json.dumps(result))
        return 0
    if args.quiet:
        quiet()
    log_beside(args.out)
    if args.small and args.runs < 1:
        raise UsageError("--runs must be at least 1")
    with atomic_folder(args.out, force=args.force, inputs=[plan]) as out:
        if args.small:
            return _small(args, plan, out)
        return _ladder(args, plan, out)


def _small(args: argparse.Namespace, plan: Path, out: Path) -> int:
    """Run ``--small`` writing ``small.json`` into ``out`` (the temporary output folder)."""
    result = small(plan, args.runs, quiet_run=args.quiet)
    (out / "small.json").write_text(
        json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    m = result["median_seconds"]
    print(
        f"medians of {args.runs} runs: charts {m['charts']:.2f} s, no charts {m['no_charts']:.2f} s, "
        f"baseline {m['baseline']:.2f} s; ratios: charts {result['charts_ratio']:.2f}x (target 2.0), "
        f"no charts {result['no_charts_ratio']:.2f}x (target 1.3)"
    )
    return 0


def _ladder(args: argparse.Namespace, plan: Path, out: Path) -> int:
    """Run the ladder (or the micro-benchmarks) writing into ``out`` (the temporary output folder)."""
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as scratch:
        raw_dir = (args.raw_dir or Path(scratch)).resolve()
        raw_dir.mkdir(parents=True, exist_ok=True)

        def raw_file(n: int) -> Path:
            path = raw_dir / f"bench-{n}.csv"
            if not path.is_file():
                _child(["--generate", str(n), "--raw", str(path), "--plan", str(plan)])
            return path

        if args.micro:
            n = max(args.respondents)
            raw = raw_file(n)
            result = {"machine": machine(), "respondents": n, **micro(plan, n, raw)}
            (out / "micro.json").write_text(
                json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            if not args.quiet:
                print(json.dumps(result, indent=2, sort_keys=True))
            return 0
        runs = []
        for n in args.respondents:
            raw = raw_file(n)
            with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
                cmd = [
                    "--one",
                    str(n),
                    "--workdir",
                    tmp,
                    "--plan",
                    str(plan),
                    "--raw",
                    str(raw),
                    "--out",
                    str(out),
                ]
                cmd += ["--charts"] if args.charts else []
                cmd += ["--profile"] if args.profile else []
                runs.append(_child(cmd))
            if not args.raw_dir:
                raw.unlink()  # made by this run in its own temporary folder
            if not args.quiet:
                r = runs[-1]
                print(
                    f"{n:>9,} respondents: {r['total_seconds']:.2f} s, peak {r['peak_memory_mb']:.0f} MB",
                    file=sys.stderr,
                )
    report = {"machine": machine(), "runs": runs}
    (out / "bench.json").write_text(
        json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (out / "bench.md").write_text(markdown(report), encoding="utf-8")
    if not args.quiet:
        print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
