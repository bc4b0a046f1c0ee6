"""Files written whole or not at all: a temporary sibling, then :func:`os.replace`.

Every stage that writes a file (the fielding exports of :mod:`survey.instrument`, the
tables and workbooks of :mod:`survey.write`) writes it this way, so it lives below them all.
The standard library has the two calls (:func:`tempfile.mkstemp`, :func:`os.replace`);
what is ours is only the mode (``mkstemp`` makes a private file; an export follows the umask).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def _read_umask() -> int:
    """The process umask, read once at import (setting it to read it is not thread-safe)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()
FILE_MODE = 0o666 & ~UMASK
FOLDER_MODE = 0o777 & ~UMASK


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary sibling of ``path``, then move it into place.

    Examples
    --------
    >>> write_bytes_atomic(Path("out/x.bin"), b"abc")  # doctest: +SKIP
    """
    return write_chunks_atomic(Path(path), [data])


def write_chunks_atomic(path: Path, chunks: Iterable[bytes | memoryview]) -> Path:
    """:func:`write_bytes_atomic` of the concatenated ``chunks`` (buffers are written without a copy).

    Examples
    --------
    >>> write_chunks_atomic(Path("out/x.bin"), [b"a", b"bc"])  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.chmod(tmp, FILE_MODE)  # mkstemp makes the file private; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_file_atomic(path: Path, write: Callable[[Path], object], suffix: str = ".tmp") -> None:
    """Call ``write(tmp_path)`` on a temporary file in ``path``'s folder, then move it into place.

    For writers that want a file name rather than bytes (pyreadstat, pyarrow).

    Examples
    --------
    >>> write_file_atomic(Path("out/x.sps"), lambda tmp: tmp.write_text("x"), ".sps")  # doctest: +SKIP
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, FILE_MODE)  # mkstemp makes the file private; an export follows the umask
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
