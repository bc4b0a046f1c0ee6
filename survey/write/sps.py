"""The companion SPSS syntax (.sps): labels, missing values, levels, multiple-response sets, weight.

pyreadstat cannot write multiple-response sets into a .sav; the syntax can, and its
``SAVE OUTFILE`` gives a .sav that holds them.  Lines stay within :data:`_SPS_WIDTH`
bytes, strings are split at character boundaries.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from survey.errors import ExportError
from survey.formats.files import write_file_atomic
from survey.write.spssdict import MultiSet, Variable, _multiset_problems

_SPS_WIDTH = 79  # longest syntax line, in bytes (so also in display columns, even for CJK)


# ---------------------------------------------------------------------------------------------
# write_sps


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _split_bytes(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` UTF-8 bytes, never inside a character."""
    pieces, current, size = [], "", 0
    for char in text:
        n = len(char.encode("utf-8")) + (1 if char == "'" else 0)
        if current and size + n > limit:
            pieces.append(current)
            current, size = "", 0
        current, size = current + char, size + n
    return [*pieces, current] if current or not pieces else pieces


def _string_tokens(text: str, room: int) -> list[str]:
    """A quoted literal, split into ``'a' +`` ``'b'`` tokens when longer than ``room`` bytes."""
    pieces = _split_bytes(text, room - 4)
    quoted = [_quote(p) for p in pieces]
    return [q + " +" for q in quoted[:-1]] + quoted[-1:]


def _wrap(tokens: Sequence[str], indent: str = "  ") -> list[str]:
    """Lay tokens on lines of at most :data:`_SPS_WIDTH` bytes; continuations indented."""
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = f"{current} {token}" if current else token
        if current and len(candidate.encode("utf-8")) > _SPS_WIDTH:
            lines.append(current)
            candidate = indent + token
        current = candidate
    return lines + [current]


def _command(*parts: str | list[str]) -> list[str]:
    """Tokens of one command (strings are single tokens, lists are token runs), wrapped."""
    tokens: list[str] = []
    for part in parts:
        tokens += part if isinstance(part, list) else [part]
    tokens[-1] += "."
    return _wrap(tokens)


def _sps_problems(
    variables: Sequence[Variable],
    multisets: Sequence[MultiSet],
    weight: str | None,
    crosstabs: Sequence[tuple[str, str]],
    sav_name: str,
    save_as: str,
) -> list[str]:
    names = {v.name for v in variables}
    problems = _multiset_problems(multisets, names)
    if weight is not None and weight not in names:
        problems.append(f"weight {weight!r} is not a variable")
    for row, col in crosstabs:
        unknown = [n for n in (row, col) if n not in names]
        if unknown:
            problems.append(f"crosstab {row} BY {col}: unknown {', '.join(unknown)}")
    if Path(sav_name) == Path(save_as):
        problems.append(f"save_as {save_as!r} would overwrite the input file")
    for label, value in (("sav_name", sav_name), ("save_as", save_as)):
        if not value or any(unicodedata.category(c).startswith("C") for c in value):
            problems.append(f"{label} {value!r} is empty or holds control characters")
    return problems


def write_sps(
    path: str | os.PathLike[str],
    *,
    sav_name: str,
    variables: Sequence[Variable],
    multisets: Sequence[MultiSet] = (),
    weight: str | None = None,
    crosstabs: Sequence[tuple[str, str]] = (),
    save_as: str,
) -> None:
    """Write companion SPSS/PSPP syntax for a .sav written by :func:`write_sav`.

    The file is UTF-8 with a byte-order mark, starts with ``* Encoding: UTF-8.``, then
    ``GET FILE``, ``MRSETS /MDGROUP`` per set, ``WEIGHT BY`` (if given), one ``CROSSTABS``
    (counts, column %, Pearson chi-square; ``/COUNT=ASIS`` so fractional weights are used as
    they are, not rounded per cell) per ``(row, column)`` pair, and ``SAVE OUTFILE``.
    Quotes in labels are doubled; lines are at most 79 bytes (long labels are split into
    ``'...' + '...'`` pieces).

    File names are written as given.  PSPP and SPSS resolve relative names against the
    *current directory*, not the syntax file's folder, so run the syntax from its folder:
    ``cd <folder> && pspp -o out.csv -O format=csv <file>.sps`` (a header comment says so).

    Parameters
    ----------
    path : path-like
        Target .sps (written atomically).
    sav_name : str
        The .sav to read, normally a bare file name beside the syntax file.
    variables : sequence of Variable
        The dictionary; names used below must be in it.
    multisets, weight, crosstabs
        What to declare and tabulate.
    save_as : str
        The .sav that ``SAVE OUTFILE`` writes (with sets and weight); must differ from
        ``sav_name`` so that the exported file stays as written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "w1.sps"
    >>> write_sps(out, sav_name="w1.sav", variables=[Variable("q1", "Agree?")],
    ...           crosstabs=[], save_as="w1_full.sav")
    >>> out.read_text(encoding="utf-8-sig").splitlines()[0]
    '* Encoding: UTF-8.'
    """
    problems = _sps_problems(variables, multisets, weight, crosstabs, sav_name, save_as)
    if problems:
        raise ExportError(f"cannot write syntax {Path(path).name}: " + "; ".join(problems))
    lines = [*_HEADER, *_command("GET FILE=" + _quote(sav_name))]
    lines += [line for ms in multisets for line in _mrsets(ms)]
    if weight is not None:
        lines += _command("WEIGHT BY", weight)
    for row, col in crosstabs:
        lines += _crosstab(row, col, weight)
    lines += _command("SAVE OUTFILE=" + _quote(save_as))
    text = "\ufeff" + "\n".join(lines) + "\n"
    write_file_atomic(Path(path), lambda tmp: tmp.write_bytes(text.encode("utf-8")), ".sps")


_HEADER = [
    "* Encoding: UTF-8.",
    "* Written by survey.spss. File names are relative to the current directory.",
    "* Run from this folder, e.g. pspp -o out.csv -O format=csv this-file.sps.",
]


def _mrsets(ms: MultiSet) -> list[str]:
    """The ``MRSETS /MDGROUP`` command declaring one multiple dichotomy set."""
    return _command(
        "MRSETS",
        "/MDGROUP",
        f"NAME={ms.name}",
        "LABEL=",
        _string_tokens(ms.label, _SPS_WIDTH - 8),
        "VARIABLES=",
        list(ms.variables),
        f"VALUE={int(ms.counted_value)}",
    )


def _crosstab(row: str, col: str, weight: str | None) -> list[str]:
    """One ``CROSSTABS`` (on the weighted population only, when weighted)."""
    lines = []
    if weight is not None:
        # zero-weight cases (outside the weighted population) would draw a PSPP warning
        # and, in PSPP 1.6.2, an empty column that shifts the printed cells
        lines += _command("TEMPORARY") + _command(f"SELECT IF ({weight} > 0)")
    return lines + _command(
        "CROSSTABS",
        f"/TABLES={row}",
        "BY",
        col,
        "/CELLS=COUNT COLUMN",
        "/COUNT=ASIS",
        "/STATISTICS=CHISQ",
    )
