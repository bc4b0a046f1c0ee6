"""The command line of ``python -m survey.bench`` (see :mod:`survey.bench`)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from survey.bench import __doc__ as _DOC
from survey.bench.ladder import LADDER, machine, make_raw, markdown, one_run
from survey.bench.micro import micro
from survey.bench.small import small
from survey.cli import ArgumentParser, default_plan, log_beside, quiet
from survey.errors import SurveyError, UsageError
from survey.write.output import atomic_folder


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


def parser() -> ArgumentParser:
    """The options of ``python -m survey.bench``."""
    p = ArgumentParser(prog="python -m survey.bench", description=(_DOC or "").splitlines()[0])
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
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
