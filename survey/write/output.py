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
