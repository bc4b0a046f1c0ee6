"""Every cell of a CSV or XLSX export as text, header rows included.

A platform export is read as a grid of strings first (no header parsing, no type guessing),
so that the header rows can be taken apart by :mod:`survey.formats.layouts` and the cells
converted by the instrument.  XLSX cells are typed by Excel; they are written as the text an
analyst sees in the sheet: whole numbers without ``.0``, other numbers in their shortest
round-trip form, datetimes as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (KoboToolbox writes Excel
datetimes with microseconds and no offset).  KoboToolbox also writes the literal ``None``
for an empty date in a column of real dates: a ``None`` string in a column whose other filled
cells are all numbers, dates or booleans is an empty cell.

Why ours: openpyxl gives typed cells and pandas' ``read_excel(dtype=str)`` turns ``1.0`` into
``"1.0"`` and keeps ``"None"``; neither says what an export's cells mean as text.
:func:`decode` (refusing bytes that are not in the encoding, naming the encoding they look
like) and :func:`sniff_separator` serve the canonical reader too.

Examples
--------
>>> grid, encoding = read_grid(Path("export.csv"))  # doctest: +SKIP
>>> sheets = read_sheets(Path("kobo.xlsx"))          # doctest: +SKIP
>>> list(sheets)                                     # doctest: +SKIP
['Quest Test', 'character_selection']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from itertools import islice
from pathlib import Path

import pandas as pd

from survey.errors import DataError

XLSX_SUFFIXES = (".xlsx", ".xlsm")
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
# The Windows "ANSI" code pages Excel saves CSV files in, by locale (Western first: when
# charset-normalizer cannot tell single-byte code pages apart, the first one is named)
LEGACY_ENCODINGS = ("cp1252", "gb18030", "big5", "shift_jis", "euc_kr", "cp1251", "cp1250")


def decode(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Decode a file's bytes; UTF-8 (with or without BOM) unless ``encoding`` is given.

    Raises
    ------
    DataError
        For an empty or binary file, or bytes that are not valid in the encoding (the
        message names the encoding the file looks like, when one is plausible).
    """
    if not data or data.isspace():
        raise DataError(f"{path}: file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not (encoding or "").lower().startswith(
        "utf-16"
    ):
        raise DataError(
            f"{path}: file is UTF-16 encoded; expected UTF-8 (convert it, or pass --encoding utf-16)"
        )
    if b"\x00" in data and not (encoding or "").lower().startswith("utf-16"):
        raise DataError(f"{path}: file contains NUL bytes: binary data, not a CSV text file")
    enc = encoding or "utf-8"
    try:
        return data.decode(
            "utf-8-sig" if enc.lower().replace("_", "-") in ("utf-8", "utf8") else enc
        )
    except LookupError:
        raise DataError(f"{path}: unknown encoding '{encoding}'") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guesses = [
            e
            for e in detect_encodings(data[max(exc.start - 32_768, 0) : exc.start + 32_768])
            if e != enc.lower()
        ]
        if len(guesses) == 1:
            advice = f"the file looks like {guesses[0]}: pass --encoding {guesses[0]}"
        elif guesses:
            advice = (
                f"the file looks like {', '.join(guesses[:-1])} or {guesses[-1]} (too few non-ASCII "
                f"characters to tell): pass --encoding with the one that shows the text right"
            )
        else:
            advice = "pass the file's encoding with --encoding, e.g. cp1252 or gb18030"
        raise DataError(
            f"{path}: line {line}: byte 0x{data[exc.start]:02x} is not valid {enc} ({advice})"
        ) from None


def detect_encodings(data: bytes) -> list[str]:
    """The legacy encodings ``data`` is plausibly in, most plausible first (charset-normalizer).

    Only the code pages spreadsheets save CSV files in are considered
    (:data:`LEGACY_ENCODINGS`, ties in that order).  One encoding when the bytes tell it;
    up to three equally plausible ones when there are too few non-ASCII bytes to tell.

    Examples
    --------
    >>> detect_encodings("\u00c0 l'h\u00f4pital de S\u00e8vres, c\u2019\u00e9tait tr\u00e8s utile : merci \u00e0 "
    ...                  "Fran\u00e7ois et \u00e0 l'\u00e9quipe \u2013 bient\u00f4t".encode("cp1252"))
    ['cp1252']
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)))
    if not matches:
        return []
    best = matches[0]
    thin = sum(byte > 127 for byte in data) < 10
    close = [
        m
        for m in matches
        if m.chaos <= best.chaos + 0.01 and (thin or m.coherence == best.coherence)
    ]
    plausible = {e for m in close for e in (m.encoding, *m.could_be_from_charset)}
    ranked = [e for e in LEGACY_ENCODINGS if e in plausible] or [best.encoding]
    return ranked[: 3 if thin else 1]


def sniff_separator(text: str) -> str:
    """The field separator of CSV text: comma, semicolon or tab.

    The one that splits the first records into the same number of fields (more than one) as
    the header, most consistently; comma when none does.

    Examples
    --------
    >>> sniff_separator("id;text\\n1;a, b\\n2;c\\n")
    ';'
    """
    sample = text[: 1 << 16]
    truncated = len(sample) < len(text)
    best, best_score = ",", (0.0, 0)
    for sep in SEPARATORS:
        try:
            records = [r for r in islice(csv.reader(io.StringIO(sample), delimiter=sep), 50) if r]
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records = records[:-1]  # may be cut in the middle
        if not records or len(records[0]) < 2:
            continue
        share = sum(len(r) == len(records[0]) for r in records) / len(records)
        if (share, len(records[0])) > best_score:
            best, best_score = sep, (share, len(records[0]))
    return best


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text export; with no ``encoding``: UTF-8 (BOM or not), else GB18030 when plausible.

    GB18030 covers GBK and GB2312.  Bytes that charset-normalizer does not find
    plausible as GB18030 are decoded with its best guess (e.g. cp1252/cp1250).

    Returns
    -------
    (text, encoding used)

    Examples
    --------
    >>> read_text(Path("export.csv"))[1]  # doctest: +SKIP
    'gb18030'
    """
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    data = path.read_bytes()
    if encoding:
        return decode(data, path, encoding), encoding
    try:
        return decode(data, path, "utf-8-sig"), "utf-8"
    except DataError as exc:
        if "not valid" not in str(exc):
            raise
    # Not UTF-8.  GB18030 decodes almost any bytes, so ask charset-normalizer whether the
    # bytes are plausible as GB18030 at all (a Windows-1252 "José" must not become Chinese).
    from charset_normalizer import from_bytes

    candidates = [match.encoding for match in from_bytes(data)]
    enc = "gb18030" if not candidates or "gb18030" in candidates else candidates[0]
    return decode(data, path, enc), enc


def cell_text(value: object) -> str:
    """An Excel cell as the text the sheet shows (see the module docstring).

    Examples
    --------
    >>> cell_text(3.0), cell_text(3.5), cell_text(dt.datetime(2024, 1, 2, 13, 56, 34, 892000))
    ('3', '3.5', '2024-01-02 13:56:34.892000')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _sheet_grid(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """Typed rows of one sheet as a grid of strings (trailing empty rows dropped)."""
    while rows and all(v is None or v == "" for v in rows[-1]):
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    cells = [list(r) + [None] * (width - len(r)) for r in rows]
    columns = []
    for j in range(width):
        column = [r[j] for r in cells]
        typed = [
            v
            for v in column[1:]
            if v is not None and not (isinstance(v, str) and v in ("", "None"))
        ]
        none_is_empty = bool(typed) and not any(isinstance(v, str) for v in typed)
        columns.append(
            [
                "" if none_is_empty and i and v == "None" else cell_text(v)
                for i, v in enumerate(column)
            ]
        )
    return pd.DataFrame({j: col for j, col in enumerate(columns)}, dtype=str)


def read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of an XLSX workbook as a grid of strings, in workbook order.

    Raises
    ------
    DataError
        The file is missing or not a readable workbook.
    """
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken workbook
        raise DataError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        return {
            sheet.title: _sheet_grid(list(sheet.iter_rows(values_only=True)))
            for sheet in book.worksheets
        }
    finally:
        book.close()


def read_grid(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """Every cell of a CSV/XLSX export (first sheet) as a string, header rows included.

    Returns
    -------
    (grid, encoding)
        ``grid`` has integer column labels 0..n-1; ``encoding`` is ``"xlsx"`` for a workbook.
    """
    if path.suffix.lower() in XLSX_SUFFIXES:
        sheets = read_sheets(path)
        return (next(iter(sheets.values())) if sheets else pd.DataFrame()), "xlsx"
    text, enc = read_text(path, encoding)
    sep = sniff_separator(text)
    try:
        grid = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False, sep=sep
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: malformed CSV ({str(exc).splitlines()[0]})") from None
    return grid, enc
