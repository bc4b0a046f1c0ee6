"""Output folders: written whole or not at all, and nothing replaced that survey did not write.

A command writes into a hidden temporary sibling of its output folder and moves it into place
only when every file is written, so a failed or interrupted run leaves the previous output as
it was.  Which existing folder may be replaced is decided before any work (:func:`atomic_folder`
checks it, makes the temporary folder and checks the free space first), and again just before
the move:

- a folder is replaced only if its marker says it is ours: ``run.json`` with an ``output`` field
  (``written_by: survey``) listing every file and folder the run wrote, with each file's size
  and SHA-256.  A folder inside a run (a run's ``spss/``) is listed in the run's marker instead
  (:func:`enclosing_run`);
- a file someone added to it (anything the marker does not list) makes it refused, even with
  ``force``; a file someone changed (other bytes than the marker's) is replaced only with
  ``force``; a listed file someone removed is no reason to refuse.  ``.DS_Store``,
  ``Thumbs.db`` and ``desktop.ini`` (written by file browsers) are not counted as added;
- always refused: a file, a path inside a file, a symbolic link, the current folder or a folder
  holding it, the home folder or a folder holding it, a folder holding an input of the run;
- an empty folder is replaced; a missing one is made, with its missing parents (removed again,
  when empty, if the run fails).

The old folder is removed file by file, only the files and folders its marker lists: whatever
else appears in it during the run is left where it was (and a warning names it).  Temporary
folders of killed runs are removed by the next run into the same folder, but only when they
carry our temporary marker and their process is gone.  Folders and files get the permissions
the user's umask gives (``mkdtemp`` alone would make the folder private).

Why this is ours: no library decides which folders a command may delete; ``tempfile`` and
``os.replace`` do the rest.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey.errors import OutputError, SurveyError
from survey.formats.files import FILE_MODE, FOLDER_MODE

MARKER = "run.json"
TMP_MARKER = ".survey-tmp"
WRITER = "survey"
LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})  # file browsers' own files
FIXED_BYTES = 16 * 2**20  # report, charts, workbooks: about the same for any size
BYTES_PER_RAW_BYTE = 4  # 100,000 respondents: raw 16.6 MB, output 46.7 MB (with charts and SPSS)
_SHOW = 5


@contextlib.contextmanager
def atomic_folder(
    final: str | Path,
    *,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    need_bytes: int = 0,
) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``final`` when the block succeeds.

    Parameters
    ----------
    final : path
        The output folder (``--out``).
    force : bool
        Replace files of an earlier run that were changed since (never files it did not write).
    inputs : paths
        The run's input files: a folder holding one of them is never replaced.
    need_bytes : int
        The space the output needs (see :func:`estimate_bytes`); refused if the disk has less.

    Raises
    ------
    OutputError
        Before the block runs, when ``final`` may not be replaced or cannot be written.

    Examples
    --------
    >>> with atomic_folder("reports/x") as tmp:  # doctest: +SKIP
    ...     (tmp / "a.csv").write_text("a\\n")
    """
    target = Target.check(final, force=force, inputs=inputs)
    tmp, created = _make_temporary(target, need_bytes)
    try:
        yield tmp
        _commit(target, tmp)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_created(created)
        if isinstance(exc, OSError) and _while_writing(exc, tmp):
            raise OutputError(_writing_problem(exc, target.path, tmp)) from exc
        raise


def _while_writing(exc: OSError, tmp: Path) -> bool:
    """An OS error of writing the output (no file named, or a file in the temporary folder)."""
    return exc.filename is None or str(exc.filename).startswith(str(tmp))


def _writing_problem(exc: OSError, final: Path, tmp: Path) -> str:
    name = str(exc.filename)[len(str(tmp)) :].lstrip(os.sep) if exc.filename else ""
    advice = (
        "free some space or choose another --out"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT)
        else "choose another --out"
    )
    return (
        f"{final}: {exc.strerror or exc}"
        + (f" writing {name}" if name else " while writing the output")
        + f"; nothing was replaced: {advice}"
    )


def estimate_bytes(raw: str | Path | None) -> int:
    """The space a run's output needs, from its raw file's size (a generous estimate)."""
    try:
        size = Path(raw).stat().st_size if raw else 0
    except OSError:
        size = 0
    return FIXED_BYTES + BYTES_PER_RAW_BYTE * size


# --------------------------------------------------------------------------- what may be replaced


@dataclass
class Target:
    """An output path checked for being safe to replace."""

    path: Path  # absolute, not resolved (its last part may be checked for being a link)
    force: bool
    owner: Path | None = None  # the folder whose marker lists ``path`` (itself or its parent)
    hashes: dict[tuple[str, int, int, int], str] = field(default_factory=dict)

    @classmethod
    def check(
        cls, final: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()
    ) -> Target:
        """Refuse ``final`` unless it is absent, empty or ours; see the module docstring."""
        target = cls(Path(os.path.abspath(final)), force)
        target.refuse_dangerous(inputs)
        target.existing()
        return target

    def refuse_dangerous(self, inputs: Iterable[str | Path]) -> None:
        path = self.path
        if path.is_symlink():
            raise OutputError(f"{path}: is a symbolic link; not replaced: choose another --out")
        for up in path.parents:
            if up.exists() or up.is_symlink():
                if not up.is_dir():
                    raise OutputError(f"{path}: {up} is a file, not a folder: choose another --out")
                break
        if path.exists() and not path.is_dir():
            raise OutputError(
                f"{path}: exists and is a file, not an output folder; not replaced: "
                "choose another --out"
            )
        where = path.resolve()
        for name, folder in (("the current folder", Path.cwd()), ("the home folder", Path.home())):
            folder = folder.resolve()
            if where == folder or where in folder.parents:
                what = name if where == folder else f"a folder holding {name} ({folder})"
                raise OutputError(f"{path}: is {what}; never replaced: choose another --out")
        for item in inputs:
            item_path = Path(item).resolve()
            if item_path == where or where in item_path.parents:
                raise OutputError(
                    f"{path}: holds {item_path}, an input of this run; not replaced: "
                    "choose another --out (or copy the input out of it first)"
                )

    def existing(self) -> list[str]:
        """Check what is at the path now; returns the entries (relative paths) to remove."""
        entries = _entries(self.path)
        if not entries:
            return []
        self.owner, prefix, manifest = _ownership(self.path)
        files = {
            k[len(prefix) :]: v
            for k, v in manifest.get("files", {}).items()
            if k.startswith(prefix)
        }
        folders = {k[len(prefix) :] for k in manifest.get("folders", []) if k.startswith(prefix)}
        own_marker = self.owner == self.path
        added = [
            rel
            for rel, kind in entries.items()
            if not (
                kind == "file"
                and (rel in files or Path(rel).name in LITTER or own_marker and rel == MARKER)
                or kind == "dir"
                and rel in folders
            )
        ]
        added = [rel for rel in added if not any(rel.startswith(other + "/") for other in added)]
        if added:
            them = "it" if len(added) == 1 else "them"
            raise OutputError(
                f"{self.path}: holds {_listing(added)}, which no run wrote; not replaced, "
                f"even with --force: move {them} out of the folder, or choose another --out"
            )
        listed = [rel for rel, kind in entries.items() if kind == "file" and rel in files]
        same = self._same(listed, files)
        changed = [rel for rel in listed if not same[rel]]
        if changed and not self.force:
            was, them = ("was", "it") if len(changed) == 1 else ("were", "them")
            raise OutputError(
                f"{self.path}: {_listing(changed)} {was} changed since the run wrote {them}; "
                f"pass --force to replace {them}, or copy {them} elsewhere first"
            )
        return sorted(entries)

    def _same(self, rels: list[str], recorded: dict[str, dict[str, Any]]) -> dict[str, bool]:
        """Whether each file still has its recorded size and SHA-256 (hashes cached by stat)."""
        keys = {}
        for rel in rels:
            info = (self.path / rel).stat()
            keys[rel] = (rel, info.st_size, info.st_mtime_ns, info.st_ino)
        todo = [
            rel
            for rel in rels
            if keys[rel][1] == recorded[rel].get("bytes") and keys[rel] not in self.hashes
        ]
        self.hashes.update(
            zip((keys[rel] for rel in todo), _sha256s([self.path / rel for rel in todo]))
        )
        return {
            rel: keys[rel][1] == recorded[rel].get("bytes")
            and self.hashes[keys[rel]] == recorded[rel].get("sha256")
            for rel in rels
        }


def _entries(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (relative, ``/``-separated): ``file``, ``dir`` or ``other``."""
    if not folder.is_dir():
        return {}
    out: dict[str, str] = {}

    def fail(error: OSError) -> None:
        raise OutputError(
            f"{folder}: cannot read {error.filename} ({error.strerror}); not replaced"
        )

    for root, dirs, names in os.walk(folder, onerror=fail):
        base = Path(root).relative_to(folder)
        for name in dirs + names:
            path = Path(root) / name
            kind = (
                "other"
                if path.is_symlink()
                else "dir"
                if path.is_dir()
                else "file"
                if path.is_file()
                else "other"
            )
            out[(base / name).as_posix()] = kind
    return out


def _ownership(folder: Path) -> tuple[Path, str, dict[str, Any]]:
    """The folder whose marker lists ``folder`` (itself or a run around it), the prefix and the manifest."""
    own = _manifest_of(folder)
    if own is not None:
        return folder, "", own
    around = enclosing_run(folder)
    if around is not None and (around[1].rstrip("/") in around[2]["folders"]):
        return around
    if (folder / MARKER).is_file():
        raise OutputError(
            f"{folder}: its {MARKER} does not list the files of the folder (not written by "
            "this version of survey); not replaced: choose another --out, or empty the folder "
            "yourself"
        )
    raise OutputError(
        f"{folder}: folder exists and was not written by survey (no {MARKER} listing its "
        "files); not replaced: choose another --out, or empty the folder yourself"
    )


def enclosing_run(folder: Path) -> tuple[Path, str, dict[str, Any]] | None:
    """The output folder ``folder`` sits in, when every folder between is one that output lists.

    Returns ``(that folder, prefix of folder's entries in its marker, its manifest)``: a run's
    ``spss/`` is ``(run, "spss/", manifest)``.  None when the nearest folder with a marker does
    not list the way down (then ``folder`` is an output of its own).
    """
    for up in folder.parents:
        manifest = _manifest_of(up)
        if manifest is None:
            continue
        rel = folder.relative_to(up).as_posix()
        between = ["/".join(rel.split("/")[:k]) for k in range(1, rel.count("/") + 1)]
        return (up, rel + "/", manifest) if all(b in manifest["folders"] for b in between) else None
    return None


def _manifest_of(folder: Path) -> dict[str, Any] | None:
    """The ``output`` field of ``folder/run.json`` when survey wrote it, else None."""
    path = folder / MARKER
    if path.is_symlink() or not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    manifest = doc.get("output") if isinstance(doc, dict) else None
    if not isinstance(manifest, dict) or manifest.get("written_by") != WRITER:
        return None
    if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("folders"), list):
        return None
    return manifest


# --------------------------------------------------------------------------- temporary folder


def _make_temporary(target: Target, need_bytes: int) -> tuple[Path, list[Path]]:
    """Make the missing parents and the temporary folder; check the free space."""
    final = target.path
    created = [up for up in [final.parent, *final.parent.parents] if not up.exists()]
    try:
        for up in reversed(created):
            up.mkdir()
        _remove_abandoned(final)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-{os.getpid()}-", dir=final.parent))
    except OSError as exc:
        _remove_created(created)
        raise OutputError(
            f"{final}: cannot write there ({exc.strerror or exc}: {exc.filename or final.parent}); "
            "choose another --out"
        ) from None
    try:
        (tmp / TMP_MARKER).write_text(
            json.dumps({"written_by": WRITER, "pid": os.getpid()}) + "\n", encoding="utf-8"
        )
        free = shutil.disk_usage(tmp).free
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_created(created)
        raise OutputError(
            f"{final}: cannot write there ({exc.strerror or exc}); choose another --out"
        ) from None
    if free < need_bytes:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_created(created)
        raise OutputError(
            f"{final}: {free / 2**20:,.0f} MB free on its disk, the run needs about "
            f"{need_bytes / 2**20:,.0f} MB: free some space or choose another --out"
        )
    return tmp, created


def _remove_created(created: list[Path]) -> None:
    """Remove the parent folders a run made, deepest first, as long as they are empty."""
    for up in created:
        try:
            up.rmdir()
        except OSError:
            return


def _remove_abandoned(final: Path) -> None:
    """Remove temporary folders of killed runs into ``final``: ours (marker) and their process gone."""
    for stale in final.parent.glob(f".{glob_escape(final.name)}.tmp-*-*"):
        pid = stale.name[len(f".{final.name}.tmp-") :].split("-", 1)[0]
        if stale.is_symlink() or not stale.is_dir() or not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            mark = json.loads((stale / TMP_MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            isinstance(mark, dict)
            and mark.get("written_by") == WRITER
            and mark.get("pid") == int(pid)
        ):
            shutil.rmtree(stale, ignore_errors=True)


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- moving into place


def _commit(target: Target, tmp: Path) -> None:
    """Write the marker, check the old folder again, swap, then remove the old folder's listed files."""
    (tmp / TMP_MARKER).unlink()
    around = enclosing_run(target.path)  # then that run's marker lists the files
    manifest = manifest_of_tree(tmp, marker=around is None)
    if around is None:
        _write_marker(tmp, manifest)
    tmp.chmod(FOLDER_MODE)
    old_entries = target.existing()  # again: the folder may have changed during the run
    final = target.path
    old = None
    if final.is_dir() and not old_entries:
        final.rmdir()
    elif final.is_dir():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-{os.getpid()}-", dir=final.parent))
        os.replace(final, old / final.name)
    try:
        os.rename(tmp, final)
    except BaseException:
        if old is not None:
            os.replace(old / final.name, final)
            old.rmdir()
        elif not final.exists():
            final.mkdir()
        raise
    if around is not None:
        _update_enclosing_marker(around[0], around[1], manifest)
    if old is not None:
        _remove_listed(old, final.name, old_entries)


def manifest_of_tree(folder: Path, marker: bool = True) -> dict[str, Any]:
    """The marker's ``output`` field for the files now in ``folder``.

    ``marker``: the folder's own ``run.json`` will hold the field, so it is not listed.
    """
    entries = sorted(_entries(folder).items())
    folders = [rel for rel, kind in entries if kind == "dir"]
    names = [rel for rel, kind in entries if kind != "dir" and not (marker and rel == MARKER)]
    hashes = _sha256s([folder / rel for rel in names])
    files = {
        rel: {"bytes": (folder / rel).stat().st_size, "sha256": digest}
        for rel, digest in zip(names, hashes)
    }
    return {"written_by": WRITER, "files": files, "folders": folders}


def _write_marker(folder: Path, manifest: dict[str, Any]) -> None:
    """Add the ``output`` field to ``folder/run.json`` (made if the command wrote none)."""
    path = folder / MARKER
    doc = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    doc["output"] = manifest
    _write_json(path, doc)


def _update_enclosing_marker(run: Path, prefix: str, manifest: dict[str, Any]) -> None:
    """Replace the entries under ``prefix`` in ``run``'s marker by those of ``manifest``."""
    path = run / MARKER
    doc = json.loads(path.read_text(encoding="utf-8"))
    listed = doc["output"]
    files = {k: v for k, v in listed["files"].items() if not k.startswith(prefix)}
    files.update({prefix + k: v for k, v in manifest["files"].items()})
    name = prefix.rstrip("/")
    folders = {k for k in listed["folders"] if k != name and not k.startswith(prefix)}
    folders |= {name} | {prefix + k for k in manifest["folders"]}
    listed.update(files=dict(sorted(files.items())), folders=sorted(folders))
    _write_json(path, doc)


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_listed(old: Path, name: str, entries: list[str]) -> None:
    """Remove the checked entries of the old folder (moved to ``old/name``), deepest first."""
    root = old / name
    for rel in sorted(entries, key=lambda r: (-r.count("/"), r), reverse=False):
        path = root / rel
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            pass
    try:
        root.rmdir()
        old.rmdir()
    except OSError:
        warnings.warn(
            f"{root}: files appeared in the previous output during the run; they were kept there",
            stacklevel=2,
        )


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _sha256s(paths: list[Path]) -> list[str]:
    """SHA-256 of each file, on every core (hashlib releases the GIL): 1M respondents' output is ~0.5 GB."""
    if len(paths) < 2:
        return [_sha256(p) for p in paths]
    with ThreadPoolExecutor(max_workers=min(len(paths), os.cpu_count() or 1)) as pool:
        return list(pool.map(_sha256, paths))


def _listing(items: list[str]) -> str:
    items = sorted(items)
    more = f" and {len(items) - _SHOW} more" if len(items) > _SHOW else ""
    return ", ".join(items[:_SHOW]) + more


# --------------------------------------------------------------------------- single files


def check_output_file(path: str | Path, force: bool = False) -> Path:
    """Refuse to write ``path`` (one file) over a folder, a link, or an existing file without ``force``.

    Examples
    --------
    >>> check_output_file("form.xlsx")  # doctest: +SKIP
    """
    path = Path(os.path.abspath(path))
    for up in path.parents:
        if up.exists() or up.is_symlink():
            if not up.is_dir():
                raise OutputError(f"{path}: {up} is a file, not a folder: choose another --out")
            break
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link; not replaced: choose another --out")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; --out names the file to write")
    if path.exists() and not force:
        raise OutputError(
            f"{path}: exists; not replaced: pass --force to replace it, or choose another --out"
        )
    return path


def inside(folder: Path, relative: str | Path) -> Path:
    """``folder / relative``, refusing paths that would escape ``folder``."""
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise SurveyError(f"output path '{relative}' escapes the output folder {folder}")
    return target
