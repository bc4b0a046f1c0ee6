"""``python -m survey.bench --small``: whole-process runs of the embedded example against a baseline."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from survey.bench.ladder import machine
from survey.errors import SurveyError

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
        for command in small_commands(plan, Path(tmp), 0).values():  # the unmeasured round
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
