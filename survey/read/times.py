"""Times of a raw file, as the instrument declares them (``times: {format, timezone}``).

Text is tried against the instrument's strptime formats in order, then the
canonical ``%Y-%m-%d %H:%M:%S``, then ISO 8601 (``2023-03-06T07:01:07Z``, fractional
seconds, ``+01:00`` offsets), each format only on the cells not parsed yet, so a file
in one format costs one vectorised pass.  Parsing is pandas' ``to_datetime``; what is
ours is the order of formats and the zones: times with an offset are converted to
the instrument's ``timezone`` (to UTC when it declares none); times without one are
taken as wall-clock times in that zone.  The result is naive wall-clock time (every
writer downstream takes naive times).
"""

from __future__ import annotations

import re

import pandas as pd

from survey.instrument import Times

CANONICAL = "%Y-%m-%d %H:%M:%S"
UNIT = "datetime64[us]"  # what pandas gives for the canonical format
_OFFSET = re.compile(r"\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:Z|[+-]\d\d(?::?\d\d)?)$")  # a time, then its offset


def formats(times: Times) -> tuple[str, ...]:
    """The formats tried in order: the instrument's, then the canonical one, then ISO 8601."""
    return tuple(dict.fromkeys((*times.formats, CANONICAL, "ISO8601")))


def _naive(parsed: pd.Series, zone: str | None) -> pd.Series:
    """Aware times converted to ``zone`` (UTC without one), as naive wall-clock times."""
    return parsed.dt.tz_convert(zone or "UTC").dt.tz_localize(None)


def _parse(text: pd.Series, fmt: str, zone: str | None) -> pd.Series:
    """One format on some cells; aware results (``%z``, ISO offsets) converted to naive times in ``zone``."""
    if fmt != "ISO8601":
        aware = "%z" in fmt or "%Z" in fmt
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware)
        return _naive(parsed, zone) if aware else parsed
    offset = text.str.contains(_OFFSET, na=False)
    parts = [pd.to_datetime(text[~offset], format=fmt, errors="coerce")]
    if offset.any():
        parts.append(_naive(pd.to_datetime(text[offset], format=fmt, errors="coerce", utc=True), zone))
    return pd.concat([p.astype(UNIT) for p in parts]).reindex(text.index)


def parse_times(text: pd.Series, times: Times | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse time text; returns the times (naive, ``datetime64``) and a mask of cells that are not times.

    Parameters
    ----------
    text : pandas.Series
        Stripped time text; blank or missing cells stay missing (and are not errors).
    times : Times, optional
        The instrument's ``times`` declaration.

    Examples
    --------
    >>> parsed, bad = parse_times(pd.Series(["2023-03-06T07:01:07Z", "2023-03-06 08:00:00", "x"]))
    >>> parsed.dt.strftime("%H:%M:%S").tolist()[:2], bad.tolist()
    (['07:01:07', '08:00:00'], [False, False, True])
    """
    times = times or Times()
    text = text.where(text.notna() & (text != ""))
    out = pd.Series(pd.NaT, index=text.index, dtype=UNIT)
    todo = text.notna()
    for fmt in formats(times):
        if not todo.any():
            break
        parsed = _parse(text[todo], fmt, times.timezone)
        got = parsed.notna()
        out.loc[got[got].index] = parsed[got].astype(UNIT)
        todo &= out.isna()
    return out, todo
