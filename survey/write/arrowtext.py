"""Small helpers over pyarrow string arrays, shared by the CSV, number-text and XLSX writers.

Element-wise joining of arrays and constants (:func:`_join`), the bytes of a
string array without a copy (:func:`_buffer`), a cheap byte scan for ASCII
characters (:func:`_has_any`), and pandas columns as pyarrow arrays
(:func:`_arrow`, :func:`_large_text`).  Used by :mod:`survey.write.tabular`,
:mod:`survey.write.numtext` and :mod:`survey.write.sheets`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(col: pd.Series) -> pa.Array:
    """A numpy-typed or nullable (masked) column as a pyarrow array, nulls for missing."""
    return pa.array(col.to_numpy() if isinstance(col.dtype, np.dtype) else col.array)


def _large_text(col: pd.Series) -> pa.Array:
    """A string-dtype column as a pyarrow large_string array (nulls for missing)."""
    if col.dtype.storage == "pyarrow":
        arr = pa.array(col.array)
    else:
        arr = pa.array(col.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def _has_any(text: pa.Array, chars: str) -> bool:
    """Whether some string of ``text`` may hold one of the ASCII ``chars`` (a scan of the raw bytes).

    False means certainly not; True can come from bytes outside a sliced
    array's range, so callers then run the exact string kernel.
    """
    if isinstance(text, pa.ChunkedArray):
        return any(_has_any(chunk, chars) for chunk in text.chunks)
    data = text.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)  # UTF-8: an ASCII byte is always that character
    if len(chars) <= 3:
        return any(bool((raw == ord(c)).any()) for c in chars)
    table = np.zeros(256, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return bool(table[raw].any())


def _join(parts: Sequence[pa.Array | str], sep: str = "") -> pa.Array:
    """Element-wise concatenation of arrays and constant strings, as large_string."""

    def large(part: pa.Array | str) -> pa.Array | pa.Scalar:
        return (
            pa.scalar(part, pa.large_string())
            if isinstance(part, str)
            else part.cast(pa.large_string())
        )

    return pc.binary_join_element_wise(
        *[large(p) for p in parts], pa.scalar(sep, pa.large_string())
    )


def _buffer(text: pa.Array) -> pa.Buffer:
    """All strings of a (large) string array back to back, as one UTF-8 buffer (no copy)."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.cast(pa.large_string())
    if len(text) == 0:
        return pa.py_buffer(b"")
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[
        text.offset : text.offset + len(text) + 1
    ]
    return text.buffers()[2][int(offsets[0]) : int(offsets[-1])]
