"""The data records of a .sav: doubles, padded strings, bytecode compression, as ReadStat writes them.

:func:`survey.write.spss.write_sav` has pyreadstat write the dictionary from a one-row frame and
the cases are encoded here with numpy, byte for byte as pyreadstat would write them
(System File Format, "Data Record"):

* uncompressed: per case, one 8-byte element per variable segment, numbers as IEEE
  doubles, system-missing as -DBL_MAX, strings space-padded to their storage width;
* bytecode compression (ReadStat's way, one row at a time): blocks of 8 command bytes,
  each followed by the 8-byte elements its 253 codes announce.  Codes: 1-251 the integer
  code - 100, 253 a literal element, 254 eight spaces, 255 system-missing, 0 padding, 252
  end of data.  A row's commands end in a block with at least one free slot (so a row of
  8k elements ends in an empty block); the last row's first free slot holds 252.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Bit pattern of the system-missing value (-DBL_MAX) in a little-endian .sav.
SYSMIS_BITS = np.uint64(0xFFEFFFFFFFFFFFFF)
_SPACES_BITS = np.uint64(0x2020202020202020)
_SPSS_EPOCH_SECONDS = 12_219_379_200  # 1582-10-14 (SPSS day 0) to 1970-01-01
_TIME_UNITS = {"ns": 10**9, "us": 10**6, "ms": 10**3}
_CHUNK_ELEMENTS = 1 << 22  # elements (8 bytes each) encoded at a time


@dataclass(frozen=True)
class _Column:
    """A column ready for encoding: numbers (float64, NaN = missing) or, with ``text``, UTF-8."""

    values: np.ndarray  # float64, or fixed-width bytes ("S<n>"), NUL-padded, when ``text``
    text: bool = False
    longest: int = 0  # row of the longest text (what the one-row dictionary frame holds)


def _datetime_seconds(values: np.ndarray) -> np.ndarray | None:
    """SPSS seconds since 1582-10-14 for datetime64 values, as pyreadstat computes them.

    pyreadstat splits the integer count into whole seconds (floor) and a fraction and adds
    them as doubles; the same arithmetic here gives the same bits.  NaT becomes NaN.
    None for units pyreadstat converts another way (seconds, days...).
    """
    unit = np.datetime_data(values.dtype)[0]
    if unit not in _TIME_UNITS:
        return None
    ticks = values.view(np.int64)
    per_second = _TIME_UNITS[unit]
    whole = (ticks // per_second + _SPSS_EPOCH_SECONDS).astype(np.float64)
    seconds = whole + (ticks % per_second).astype(np.float64) / per_second
    seconds[np.isnat(values)] = np.nan
    return seconds


def _text_column(series: pd.Series) -> _Column | None:
    """Encode a text column (str or None) as fixed-width UTF-8; None if pyreadstat must."""
    values = series.to_numpy(dtype=object)
    try:
        encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    except (AttributeError, UnicodeError):  # not text, or unpaired surrogates: pyreadstat errs
        return None
    if b"\x00" in b"".join(encoded):
        return None  # C strings stop at NUL: leave that oddity to pyreadstat
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    return _Column(np.array(encoded, dtype=bytes), text=True, longest=int(np.argmax(lengths)))


def _columns(data: Mapping[str, pd.Series]) -> list[_Column] | None:
    """Every column of ``data`` ready for encoding, or None if one needs pyreadstat."""
    out = []
    for series in data.values():
        dtype = series.dtype
        if dtype == np.float64:
            out.append(_Column(series.to_numpy()))
        elif pd.api.types.is_datetime64_dtype(dtype) and isinstance(dtype, np.dtype):
            seconds = _datetime_seconds(series.to_numpy())
            if seconds is None:
                return None
            out.append(_Column(seconds))
        elif dtype == object:
            column = _text_column(series)
            if column is None:
                return None
            out.append(column)
        else:
            return None
    return out


def _number_elements(values: np.ndarray) -> np.ndarray:
    """float64 values as 8-byte elements; NaN becomes system-missing."""
    elements = values.astype("<f8").view("<u8")
    missing = np.isnan(values)
    if missing.any():
        elements = elements.copy()
        elements[missing] = SYSMIS_BITS
    return elements[:, None]


def _text_elements(text: np.ndarray, width: int) -> np.ndarray:
    """Fixed-width UTF-8 values as ``width // 8`` elements each, padded with spaces."""
    n, size = len(text), text.dtype.itemsize
    padded = np.full((n, width), 0x20, dtype=np.uint8)
    raw = text.view(np.uint8).reshape(n, size)
    padded[:, :size] = np.where(raw == 0, np.uint8(0x20), raw)  # NUL padding (never text)
    return padded.view("<u8")


def _case_elements(
    columns: Sequence[_Column], widths: Sequence[int], start: int, stop: int
) -> np.ndarray:
    """Rows ``start:stop`` as an (rows, elements per case) array of 8-byte elements."""
    parts = []
    for column, width in zip(columns, widths):
        if column.text:
            parts.append(_text_elements(column.values[start:stop], width))
        else:
            parts.append(_number_elements(column.values[start:stop]))
    return np.ascontiguousarray(np.hstack(parts))


def _command_codes(elements: np.ndarray, is_text: np.ndarray) -> np.ndarray:
    """Bytecode compression command of every element (ReadStat's choices).

    Numbers: 255 system-missing; integers -99..151 as value + 100; else 253 (literal).
    Strings: 254 for eight spaces, else 253.
    """
    values = elements.view("<f8")
    with np.errstate(invalid="ignore"):
        small = (values > -100) & (values < 152) & (values == np.trunc(values))
    codes = np.full(elements.shape, 253, dtype=np.uint8)
    codes[small] = (values[small] + 100).astype(np.uint8)
    codes[elements == SYSMIS_BITS] = 255
    text = elements[:, is_text]
    codes[:, is_text] = np.where(text == _SPACES_BITS, np.uint8(254), np.uint8(253))
    return codes


def _compressed_rows(elements: np.ndarray, is_text: np.ndarray, last: bool) -> np.ndarray:
    """Bytecode-compressed rows as a flat array of 8-byte units (command blocks and literals).

    Every row gets ``k // 8 + 1`` command blocks for its ``k`` elements; block ``j`` is
    followed by the literals (code 253) among elements ``8j .. 8j + 7``.  When ``last``, the
    final row's first unused command slot is 252 (end of data).
    """
    rows, k = elements.shape
    blocks = k // 8 + 1
    commands = np.zeros((rows, blocks * 8), dtype=np.uint8)
    commands[:, :k] = _command_codes(elements, is_text)
    if last and rows:
        commands[-1, k] = 252
    literals = np.zeros((rows, blocks * 8), dtype="<u8")
    literals[:, :k] = elements
    units = np.empty((rows, blocks, 9), dtype="<u8")
    units[:, :, 0] = commands.view("<u8")
    units[:, :, 1:] = literals.reshape(rows, blocks, 8)
    keep = np.zeros((rows, blocks, 9), dtype=bool)
    keep[:, :, 0] = True
    keep[:, :, 1:] = (commands == 253).reshape(rows, blocks, 8)
    return units[keep]


def _data_chunks(
    columns: Sequence[_Column], widths: Sequence[int], rows: int, compress: bool
) -> Iterator[np.ndarray]:
    """The data section of ``rows`` cases, a few megabytes at a time.

    Parameters
    ----------
    columns : sequence of _Column
        In dictionary order.
    widths : sequence of int
        Storage bytes of each variable (8 for numbers, a multiple of 8 for text).
    rows : int
        Cases to write (``rows`` of every column, from the first).
    compress : bool
        Bytecode compression (the last chunk ends with code 252) or plain elements.

    Yields
    ------
    numpy.ndarray
        Contiguous little-endian 8-byte units, to be written in order.
    """
    per_case = sum(widths) // 8
    is_text = np.concatenate([np.full(w // 8, c.text) for c, w in zip(columns, widths)])
    step = max(1, _CHUNK_ELEMENTS // max(1, per_case))
    for start in range(0, rows, step):
        stop = min(rows, start + step)
        elements = _case_elements(columns, widths, start, stop)
        yield _compressed_rows(elements, is_text, stop == rows) if compress else elements
