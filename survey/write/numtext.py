"""Floats and datetimes as text, exactly as Python, pandas and openpyxl print them, vectorised.

:func:`format_g10` gives ``'%.10g' % x`` (the CSV float format,
:data:`FLOAT_FORMAT`), :func:`format_g16` and :func:`_g16_scalar` the ``%.16g``
text openpyxl writes into worksheets, and :func:`datetime_text` the text
``DataFrame.to_csv`` gives naive datetimes.  Each computes the text with numpy
and pyarrow where that is provably exact, and leaves the rest to Python or
pandas, so the output is the same string for string.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from survey.write.arrowtext import _join

#: The float format of CSV files (``to_csv(float_format=...)``); :func:`format_g10` gives it.
FLOAT_FORMAT = "%.10g"


# --------------------------------------------------------------------------- float formatting

#: 10**k for k = 0..22, all exact in float64.
_POW10 = np.array([float(10**k) for k in range(23)])
_IPOW10 = np.array([10**k for k in range(19)], dtype=np.int64)
_G_DIGITS = 10


def format_g10(values: np.ndarray) -> pa.Array:
    """``'%.10g' % x`` for every float, vectorised; NaN gives null.

    Whole numbers below 1e10 are their integer digits.  Other values are scaled
    by an exact power of ten to ten significant digits with one correctly rounded
    float64 operation, so the rounded mantissa is exact unless the scaled value
    lies within 1e-5 of a rounding tie; those values, infinities and magnitudes
    outside 1e-12..1e30 are formatted by Python.

    Parameters
    ----------
    values : numpy.ndarray
        float64 values.

    Returns
    -------
    pyarrow.LargeStringArray

    Examples
    --------
    >>> format_g10(np.array([0.1 + 0.2, 1e16, -1e-5, 1776.0, -0.0, np.nan])).to_pylist()
    ['0.3', '1e+16', '-1e-05', '1776', '-0', None]
    """
    x = np.asarray(values, dtype=np.float64)
    nan = np.isnan(x)
    with np.errstate(invalid="ignore"):
        whole = (np.abs(x) < 1e10) & (np.floor(x) == x) & ~((x == 0) & np.signbit(x))
    text = pa.array(np.where(whole, x, 0).astype(np.int64)).cast(pa.large_string())
    rest = ~whole & ~nan
    if rest.any():
        text = pc.replace_with_mask(text, pa.array(rest), _g10_fractional(x[rest]))
    if nan.any():
        text = pc.if_else(pa.array(nan), pa.scalar(None, pa.large_string()), text)
    return text


def _g10_fractional(x: np.ndarray) -> pa.Array:
    """``'%.10g' % x`` of values that are not NaN (vectorised where exact, else Python)."""
    mantissa, exponent, exact = _decimal_digits(x)
    text = _render_g(np.signbit(x), mantissa, exponent)
    if not exact.all():
        python = [FLOAT_FORMAT % v for v in x[~exact].tolist()]
        text = pc.replace_with_mask(
            text, pa.array(~exact), pa.array(python, type=pa.large_string())
        )
    return text


def _scaled(a: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """``a * 10**(9 - exponent)`` in one correctly rounded step (requires |9 - exponent| <= 22)."""
    k = (_G_DIGITS - 1) - exponent
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(k >= 0, a * _POW10[np.clip(k, 0, 22)], a / _POW10[np.clip(-k, 0, 22)])


def _decimal_digits(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten-digit mantissa and decimal exponent of ``|x|``, rounded half to even; and where they are exact."""
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.floor(np.log10(a))
    exact = np.isfinite(guess) & (guess >= -12) & (guess <= 30)
    a = np.where(exact, a, 1.0)
    exponent = np.where(exact, guess, 0.0).astype(np.int64)
    low, high = _POW10[_G_DIGITS - 1], _POW10[_G_DIGITS]
    q = _scaled(a, exponent)
    exponent = exponent - (q < low) + (q >= high)  # log10 is off by one next to powers of ten
    q = _scaled(a, exponent)
    frac = q - np.floor(q)
    exact &= (q >= low) & (q < high) & (np.abs(frac - 0.5) > 1e-5)  # |error of q| < 2e-6
    mantissa = np.rint(q)
    carry = mantissa >= high  # 9999999999.5 and above round to 1e10: one more digit of exponent
    mantissa = np.where(carry, low, mantissa).astype(np.int64)
    exponent = exponent + carry
    return np.where(exact, mantissa, _IPOW10[_G_DIGITS - 1]), np.where(exact, exponent, 0), exact


def _render_g(negative: np.ndarray, mantissa: np.ndarray, exponent: np.ndarray) -> pa.Array:
    """``%g`` text of ``±mantissa * 10**(exponent - 9)`` (mantissa of ten digits), trailing zeros removed."""
    digits = _G_DIGITS
    fixed = (exponent >= -4) & (exponent < digits)
    decimals = np.where(fixed, digits - 1 - exponent, digits - 1)
    zeros = np.zeros_like(mantissa)
    divisible = mantissa % 10 == 0
    for k in range(2, digits + 1):
        if not divisible.any():
            break
        zeros += divisible
        divisible &= mantissa % _IPOW10[k] == 0
    cut = np.minimum(zeros, decimals)
    mantissa = mantissa // _IPOW10[cut]
    decimals = decimals - cut
    scale = _IPOW10[decimals]
    pieces: list[pa.Array | str] = []
    if negative.any():
        pieces.append(pc.if_else(pa.array(negative), "-", ""))
    pieces.append(pa.array(mantissa // scale).cast(pa.large_string()))
    point = decimals > 0
    if point.any():
        padded = pa.array(mantissa % scale + scale).cast(
            pa.large_string()
        )  # "1" then the zero-padded digits
        fraction = pc.utf8_slice_codeunits(padded, 1)
        pieces += (
            [".", fraction] if point.all() else [pc.if_else(pa.array(point), ".", ""), fraction]
        )
    if not fixed.all():
        power = pc.utf8_slice_codeunits(
            pa.array(np.abs(exponent) + 100).cast(pa.large_string()), 1
        )  # two digits
        sign = pc.if_else(pa.array(exponent < 0), "e-", "e+")
        pieces += [pc.if_else(pa.array(fixed), "", sign), pc.if_else(pa.array(fixed), "", power)]
    return _join(pieces)


def format_g16(values: np.ndarray) -> pa.Array:
    """openpyxl's text of floats (``'%.16g' % x``, ``""`` for infinities), vectorised where exact; NaN gives null.

    Integral values below 1e16 are their integer digits; the others are formatted
    by Python.

    Examples
    --------
    >>> format_g16(np.array([3.0, 0.1 + 0.2, np.inf, np.nan, -0.0])).to_pylist()
    ['3', '0.3', '', None, '-0']
    """
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        whole = (np.abs(x) < 1e16) & (np.floor(x) == x) & ~((x == 0) & np.signbit(x))
    text = pa.array(np.where(whole, x, 0).astype(np.int64)).cast(pa.large_string())
    rest = ~whole & np.isfinite(x)
    if rest.any():
        python = pa.array(["%.16g" % v for v in x[rest].tolist()], type=pa.large_string())  # noqa: UP031 (C printf %.16g)
        text = pc.replace_with_mask(text, pa.array(rest), python)
    infinite = np.isinf(x)
    if infinite.any():
        text = pc.if_else(pa.array(infinite), "", text).cast(pa.large_string())
    nan = np.isnan(x)
    if nan.any():
        text = pc.if_else(pa.array(nan), pa.scalar(None, pa.large_string()), text)
    return text


def _g16_scalar(value: Any) -> str:
    """openpyxl's text of one number (``safe_string``): ``%.16g``, ``""`` for NaN and infinities."""
    try:
        if math.isnan(value) or math.isinf(value):
            return ""
    except TypeError:
        pass
    return "%.16g" % value  # noqa: UP031 (C printf %.16g, as R and SPSS print)


# --------------------------------------------------------------------------- datetime formatting

_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
#: Seconds since the epoch of 1000-01-01 and 10000-01-01: years of four digits.
_FOUR_DIGIT_YEARS = (-30_610_224_000, 253_402_300_800)


def datetime_text(values: np.ndarray) -> pa.Array:
    """Naive datetimes as pandas' ``to_csv`` writes them; NaT gives null.

    ``YYYY-MM-DD`` when every value is midnight, else ``YYYY-MM-DD HH:MM:SS``
    followed by ``.fff``, ``.ffffff`` or ``.fffffffff`` when some value has a
    fraction of a second at that precision (pandas picks one precision for the
    whole column).  Years outside 1000-9999 and other units are formatted by
    pandas.

    Parameters
    ----------
    values : numpy.ndarray
        ``datetime64`` values of any unit.

    Returns
    -------
    pyarrow.LargeStringArray

    Examples
    --------
    >>> datetime_text(np.array(["2020-04-20T00:09:00", "NaT"], dtype="datetime64[us]")).to_pylist()
    ['2020-04-20 00:09:00', None]
    """
    unit, count = np.datetime_data(values.dtype)
    nat = np.isnat(values)
    ticks = values.view(np.int64)
    per_second = _PER_SECOND.get(unit, 0) if count == 1 else 0
    seconds = ticks[~nat] // per_second if per_second else ticks[:0]
    low, high = _FOUR_DIGIT_YEARS
    if not per_second or (len(seconds) and (seconds.min() < low or seconds.max() >= high)):
        text = pd.Series(values).astype(str).to_numpy(dtype=object)
        return pa.array(np.where(nat, None, text), type=pa.large_string())
    seconds = np.where(nat, 0, ticks) // per_second
    fraction = np.where(nat, 0, ticks) - seconds * per_second
    if not (seconds % 86_400).any() and not fraction.any():
        days = pa.array((seconds // 86_400).astype(np.int32), type=pa.date32(), mask=nat)
        return days.cast(pa.large_string())
    text = pa.array(seconds, type=pa.timestamp("s"), mask=nat).cast(pa.large_string())
    nanos = fraction * (10**9 // per_second)
    digits = 9 if (nanos % 10**3).any() else 6 if (nanos % 10**6).any() else 3 if nanos.any() else 0
    if not digits:
        return text
    scaled = (
        nanos // 10 ** (9 - digits) + 10**digits
    )  # a leading 1 keeps the zero padding through the cast
    return _join([text, ".", pc.utf8_slice_codeunits(pa.array(scaled).cast(pa.large_string()), 1)])
