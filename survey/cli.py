"""What the command-line entry points share: error handling, progress, defaults.

Every command's ``main`` runs under :func:`run`.  An error a user can cause (one of ours, an
``OSError`` such as a full disk or a denied permission, a wrong argument) is one line on stderr
and exit status 2; anything else is a bug: one line saying so and naming the log file that
holds the traceback (next to the output folder, else in the system's temporary folder), exit 1.
Nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import logging
import os
import platform
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from survey.errors import PlanError, SurveyError, UsageError

_log_folder: list[
    Path
] = []  # where a bug's traceback goes (set by the command once --out is known)

ADVICE = {
    errno.EACCES: "check its permissions, or choose another path",
    errno.EPERM: "check its permissions, or choose another path",
    errno.EROFS: "the disk is read-only: choose another path",
    errno.ENOSPC: "the disk is full: free some space, or choose another --out",
    errno.EDQUOT: "the disk quota is used up: free some space, or choose another --out",
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENAMETOOLONG: "choose a shorter path",
}


class ArgumentParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (a :class:`UsageError`), not usage and exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see --help)")


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Call ``main``; every error is one line on stderr (see the module docstring).

    Examples
    --------
    >>> run(lambda argv: 0, [])
    0
    """
    _log_folder.clear()
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return main(argv)
        except SurveyError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_status
        except KeyboardInterrupt:
            print("interrupted: previous output left as it was", file=sys.stderr)
            return 130
        except OSError as exc:
            print(f"error: {os_problem(exc)}", file=sys.stderr)
            return 2
        except MemoryError:
            print(
                "error: out of memory: close other programs, or run on a machine with more memory",
                file=sys.stderr,
            )
            return 2
        except Exception as exc:  # noqa: BLE001  (a bug: the traceback goes to a log file)
            print(f"error: {bug_report(exc, argv)}", file=sys.stderr)
            return 1
        finally:
            logging.disable(logging.NOTSET)


def exit_now(status: int) -> NoReturn:
    """End the command with ``status``, without tearing the interpreter down.

    The exit handlers run (threads joined, log handlers flushed) and the standard streams
    are flushed; then the process ends (``os._exit``).  Freeing every object of pandas,
    scipy and pyarrow one by one, which the interpreter does at exit, takes about a
    second at the end of a run and does nothing for the user: every file the command
    writes is closed (and moved into place) before it returns.  Used by the commands'
    ``__main__`` blocks only; ``main`` called from Python returns as usual.
    """
    atexit._run_exitfuncs()  # CPython's own exit handlers, as a normal exit runs them
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to say
            pass
    os._exit(status)


def os_problem(exc: OSError) -> str:
    """One line for an operating-system error: the path, what happened, what to do.

    Examples
    --------
    >>> os_problem(PermissionError(13, "Permission denied", "raw.csv"))
    'raw.csv: Permission denied: check its permissions, or choose another path'
    """
    what = exc.strerror or str(exc) or type(exc).__name__
    advice = ADVICE.get(exc.errno or -1)
    where = f"{exc.filename}: " if exc.filename else ""
    also = f" (and {exc.filename2})" if exc.filename2 else ""
    return " ".join(f"{where}{what}{also}{': ' + advice if advice else ''}".split())


def bug_report(exc: BaseException, argv: Sequence[str] | None) -> str:
    """Write the traceback of an unexpected error to a log file; the one line that names it."""
    summary = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
    command = " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])])
    text = (
        f"command: {command}\ncwd: {os.getcwd()}\npython: {platform.python_version()} "
        f"({platform.platform()})\n\n" + "".join(traceback.format_exception(exc))
    )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in [*_log_folder, Path(tempfile.gettempdir())]:
        path = folder / f"survey-error-{stamp}-{os.getpid()}.log"
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(text)
        except OSError:
            continue
        return f"this is a bug in survey ({summary}); the traceback is in {path}: please report it with that file"
    return f"this is a bug in survey ({summary}); no log file could be written: please report this line"


def log_beside(out: Path) -> None:
    """Write a bug's traceback into ``out``'s parent folder (when it exists) instead of the temp folder."""
    parent = Path(os.path.abspath(out)).parent
    _log_folder[:] = [parent] if parent.is_dir() else []


def quiet() -> None:
    """``--quiet``: nothing but errors on stderr (warnings and library log messages silenced)."""
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)


def _one_line_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    print("warning: " + " ".join(str(message).split()), file=sys.stderr)


def check_input(path: Path | None, option: str) -> None:
    """Refuse an input named on the command line that is missing, a folder or unreadable (before any work).

    Examples
    --------
    >>> check_input(None, "--raw")
    """
    if path is None:
        return
    if not path.exists():
        raise UsageError(f"{path}: file not found ({option})")
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; {option} names a file")
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot be read ({exc.strerror}; {option}): check its permissions"
        ) from None


def default_plan(folder: Path = Path("analysis")) -> Path:
    """The one analysis plan in ./analysis (a YAML file with ``waves``).

    A YAML file that cannot be parsed is reported (file, line, column) when no plan is found.
    """
    from survey.instrument.loading import read_yaml

    if not folder.is_dir():
        raise PlanError(
            f"{folder.resolve()}: no such folder: pass --plan, or run from the project folder"
        )
    plans, broken = [], []
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        try:
            doc = read_yaml(path, PlanError)
        except PlanError as exc:
            broken.append(exc)
            continue
        if "waves" in doc:
            plans.append(path)
    if len(plans) == 1:
        return plans[0]
    if not plans and broken:
        raise broken[0]
    found = ", ".join(map(str, plans)) or "none"
    raise PlanError(
        f"{folder.resolve()}: expected exactly one analysis plan, found {found}: pass --plan"
    )


class Progress:
    """Stage-by-stage progress on stderr, shown only on a terminal and not when quiet.

    ``total`` is the number of stages announced; should more come, the total grows with them
    (the bar never shows more done than its total).
    """

    def __init__(self, total: int, quiet: bool = False) -> None:
        self.total = total
        self.done = 0
        self.show = not quiet and sys.stderr.isatty()
        self.start = time.perf_counter()

    def stage(self, name: str) -> None:
        """Announce the next stage."""
        self.done += 1
        self.total = max(self.total, self.done)
        if self.show:
            elapsed = time.perf_counter() - self.start
            bar = "#" * self.done + "." * (self.total - self.done)
            print(
                f"\r[{bar}] {self.done}/{self.total} {name:<28} {elapsed:6.1f}s",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.show:
            print(file=sys.stderr)
