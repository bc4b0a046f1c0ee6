"""Output folders written whole or not at all.

A run writes into a temporary sibling folder and moves it into place only when
every file is written: an interrupted or failed run leaves the previous output as
it was and no half-written folder behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from survey.errors import SurveyError


@contextlib.contextmanager
def atomic_folder(final: str | Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``final`` when the block succeeds.

    Examples
    --------
    >>> with atomic_folder("reports/x") as tmp:  # doctest: +SKIP
    ...     (tmp / "a.csv").write_text("a\\n")
    """
    final = Path(final)
    _refuse_foreign(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-{os.getpid()}-", dir=final.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


RUN_MARKER = "run.json"


def _refuse_foreign(final: Path) -> None:
    """Refuse to replace anything but the output of an earlier run.

    ``final`` may be absent, an empty folder, a run folder (it holds ``run.json``) or a
    folder inside a run folder (e.g. its ``spss/``).  A file, a user's folder, the current
    directory or one of its parents is never replaced.
    """
    if not final.exists() and not final.is_symlink():
        return
    where = final.resolve()
    here = Path.cwd().resolve()
    if final.is_symlink() or not final.is_dir():
        raise SurveyError(f"{final}: exists and is not a folder; choose another --out")
    if where == here or where in here.parents or where == Path.home().resolve():
        raise SurveyError(f"{final}: is the current folder, one of its parents or the home folder; choose another --out")
    if not any(where.iterdir()):
        return
    if (where / RUN_MARKER).is_file() or (where.parent / RUN_MARKER).is_file():
        return
    raise SurveyError(f"{final}: folder exists and was not written by a run (no {RUN_MARKER}); "
                      "choose another --out or empty it yourself")


def _remove_abandoned(final: Path) -> None:
    """Remove temporary folders of earlier runs into ``final`` whose process no longer exists (killed runs)."""
    for stale in final.parent.glob(f".{final.name}.tmp-*-*"):
        pid = stale.name[len(f".{final.name}.tmp-"):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def inside(folder: Path, relative: str | Path) -> Path:
    """``folder / relative``, refusing paths that would escape ``folder``."""
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise SurveyError(f"output path '{relative}' escapes the output folder {folder}")
    return target
