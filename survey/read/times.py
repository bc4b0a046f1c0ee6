"""Times of a raw file, as the instrument declares them (``times: {format, timezone}``).

One parser for every reader (the canonical CSV and each platform's export).  A cell
with a trailing UTC offset (``Z``, ``+08:00``, ``-0500``) or fractional seconds is
split into its wall-clock part and its offset (found in one Arrow pass; fractions are
dropped: times are kept to the second).  The wall-clock part is tried against the instrument's strptime formats in order (a
declared ``%z`` stands for the offset split off), then the canonical
``%Y-%m-%d %H:%M:%S``, then the reader's own formats (a platform's), then ISO 8601,
each format only on the cells not parsed yet, so a file in one format costs one
vectorised pass.  A time with an offset is converted to the instrument's
``timezone``; without a declared zone it stays the wall-clock time recorded (so a
``Z`` time is its UTC time).  Times without an offset are wall-clock times in that
zone.  The result is naive wall-clock time (every writer downstream takes naive
times).  Parsing is pandas' ``to_datetime``; what is ours is the order of formats
and the offsets.
"""

from __future__ import annotations

import pandas as pd

from survey.instrument import Times

CANONICAL = "%Y-%m-%d %H:%M:%S"
UNIT = "datetime64[us]"  # what pandas gives for the canonical format
# a time with an offset or fractional seconds; what follows its seconds; the offset alone
_MARKED = r"\d:\d\d(?::\d\d)?(?:[.,]\d+)?\s*(?:Z|[+-]\d\d(?::?\d\d)?)$|\d:\d\d[.,]\d+$"
_TAIL = r"(?:(\d:\d\d:\d\d)[.,]\d+|(\d:\d\d(?::\d\d)?))\s*(?:Z|[+-]\d\d(?::?\d\d)?)?$"
_OFFSET = r"\d:\d\d(?::\d\d)?(?:[.,]\d+)?\s*(?P<offset>Z|[+-]\d\d(?::?\d\d)?)$"


def formats(times: Times, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The formats tried in order: the instrument's, the canonical one, ``extra``, then ISO 8601.

    Examples
    --------
    >>> formats(Times(("%d/%m/%Y %H:%M",)))
    ('%d/%m/%Y %H:%M', '%Y-%m-%d %H:%M:%S', 'ISO8601')
    """
    return tuple(dict.fromkeys((*times.formats, CANONICAL, *extra, "ISO8601")))


def _offsets(offset: pd.Series) -> pd.Series:
    """``Z``, ``+08:00``, ``-0500``, ``+08`` as timedeltas (east of UTC positive), each distinct one once."""
    codes, unique = pd.factorize(offset)
    digits = pd.Series(unique, dtype=object).str.replace("Z", "+00:00").str.replace(":", "")
    sign = digits.str[0].map({"+": 1, "-": -1})
    minutes = digits.str[1:3].astype(int) * 60 + digits.str[3:5].replace("", "0").astype(int)
    return pd.Series(
        pd.to_timedelta(sign * minutes, unit="min").to_numpy()[codes], index=offset.index
    )


def split_offsets(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each cell's wall-clock text (fraction dropped) and its offset text (missing where none).

    Examples
    --------
    >>> wall, offset = split_offsets(pd.Series(["2024-01-02T13:56:34.892+08:00", "2024-01-02"]))
    >>> wall.tolist(), offset.tolist()
    (['2024-01-02T13:56:34', '2024-01-02'], ['+08:00', nan])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = pa.array(text.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    wall = pc.replace_substring_regex(arrow, _TAIL, r"\1\2")
    offset = pc.extract_regex(arrow, _OFFSET).field("offset")
    offset = pd.Series(offset.to_numpy(zero_copy_only=False), index=text.index)
    return pd.Series(wall.to_numpy(zero_copy_only=False), index=text.index), offset.where(
        offset != ""
    )


def _fill(
    out: pd.Series, todo: pd.Series, text: pd.Series, fmts: tuple[str, ...], zone: str | None
) -> None:
    """Parse the cells still ``todo`` with each format in turn (in place); a declared ``%z`` is dropped."""
    for fmt in fmts:
        if not todo.any():
            return
        parsed = pd.to_datetime(
            text[todo], format=fmt.replace("%z", "").rstrip(), errors="coerce", utc="%Z" in fmt
        )
        if "%Z" in fmt:  # a zone name (UTC, GMT): converted to the declared zone, else kept as UTC
            parsed = parsed.dt.tz_convert(zone or "UTC").dt.tz_localize(None)
        got = parsed.notna()
        out.loc[got[got].index] = parsed[got].astype(UNIT)
        todo &= out.isna()


def parse_times(
    text: pd.Series, times: Times | None = None, extra: tuple[str, ...] = ()
) -> tuple[pd.Series, pd.Series]:
    """Parse time text; returns the times (naive, ``datetime64``) and a mask of cells that are not times.

    Cells with an offset or a fraction are split (:func:`split_offsets`) before the
    formats are tried; the others are parsed as written.

    Parameters
    ----------
    text : pandas.Series
        Stripped time text; blank or missing cells stay missing (and are not errors).
    times : Times, optional
        The instrument's ``times`` declaration.
    extra : tuple of str
        The reader's own formats, tried after the canonical one (a platform's exports).

    Examples
    --------
    >>> parsed, bad = parse_times(pd.Series(["2023-03-06T07:01:07Z", "2023-03-06 08:00:00.5", "x"]))
    >>> parsed.dt.strftime("%H:%M:%S").tolist()[:2], bad.tolist()
    (['07:01:07', '08:00:00'], [False, False, True])
    >>> zoned, _ = parse_times(pd.Series(["2024-01-02T13:56:34+08:00"]), Times((), "America/New_York"))
    >>> str(zoned[0])
    '2024-01-02 00:56:34'
    """
    times = times or Times()
    text = text.where(text.notna() & (text != ""))
    out = pd.Series(pd.NaT, index=text.index, dtype=UNIT)
    every = formats(times, extra)
    marked = _marked(text)
    plain_left = text.notna() & ~marked  # _fill leaves in each mask the cells it could not parse
    _fill(out, plain_left, text, every, times.timezone)
    if not marked.any():
        return out, plain_left
    wall, offset = (part.reindex(text.index) for part in split_offsets(text[marked]))
    marked_left = marked.copy()
    _fill(out, marked_left, wall, every, times.timezone)
    has = offset.notna() & out.notna()
    if has.any():
        utc = out[has] - _offsets(offset[has])
        local = (
            utc.dt.tz_localize("UTC").dt.tz_convert(times.timezone).dt.tz_localize(None)
            if times.timezone
            else out[has]
        )
        out.loc[has] = local.astype(UNIT)
    return out, plain_left | marked_left


def _marked(text: pd.Series) -> pd.Series:
    """Cells whose time carries an offset or fractional seconds (Arrow, RE2: one cheap pass)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = pa.array(text.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    found = pc.fill_null(pc.match_substring_regex(arrow, _MARKED), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=text.index)
