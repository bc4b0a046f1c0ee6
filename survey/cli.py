"""What the command-line entry points share: error handling, progress, defaults."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from survey.errors import PlanError, SurveyError


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Call ``main``; a SurveyError becomes one line on stderr and exit status 2."""
    try:
        return main(argv)
    except SurveyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("interrupted: previous output left as it was", file=sys.stderr)
        return 130


def default_plan() -> Path:
    """The one analysis plan in ./analysis (a YAML file with ``waves``)."""
    import yaml

    folder = Path("analysis")
    plans = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(doc, dict) and "waves" in doc:
            plans.append(path)
    if len(plans) != 1:
        found = ", ".join(map(str, plans)) or "none"
        raise PlanError(f"{folder.resolve()}: expected exactly one analysis plan, found {found}: pass --plan")
    return plans[0]


class Progress:
    """Stage-by-stage progress on stderr, shown only on a terminal and not when quiet."""

    def __init__(self, total: int, quiet: bool = False) -> None:
        self.total = total
        self.done = 0
        self.show = not quiet and sys.stderr.isatty()
        self.start = time.perf_counter()

    def stage(self, name: str) -> None:
        """Announce the next stage."""
        self.done += 1
        if self.show:
            elapsed = time.perf_counter() - self.start
            bar = "#" * self.done + "." * max(self.total - self.done, 0)
            print(f"\r[{bar}] {self.done}/{self.total} {name:<28} {elapsed:6.1f}s", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.show:
            print(file=sys.stderr)
