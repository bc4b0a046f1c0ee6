"""Recoding: derived variables declared in the instrument, computed from clean data.

Each derived type is a small function ``(data, instrument, derived) -> Series`` looked
up in :data:`RECODES`.  Recoding returns a new frame; the input is not modified.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from survey.clean.rules import asked
from survey.instrument import Derived, Instrument


def _nonsubstantive(instrument: Instrument, name: str) -> list[int]:
    return [c.code for c in instrument.codes_of(name) if c.nonsubstantive]


def _indicator(data: pd.DataFrame, instrument: Instrument, d: Derived) -> pd.Series:
    """1 for the listed codes, 0 for other substantive codes, NA otherwise."""
    source = data[d.source[0]]
    hit = source.isin(list(d.codes)).astype("Int64")
    out_of_base = source.isna() | source.isin(_nonsubstantive(instrument, d.source[0]))
    return hit.mask(out_of_base)


def _bands(data: pd.DataFrame, instrument: Instrument, d: Derived) -> pd.Series:
    """Code of the band (min and max inclusive) a number falls in; NA outside all bands."""
    values = data[d.source[0]].to_numpy(dtype=float, na_value=np.nan)
    out = np.full(len(values), np.nan)
    for band in d.bands:
        out[(values >= band["min"]) & (values <= band["max"])] = band["code"]
    return pd.Series(out, index=data.index).astype("Int64")


def _cross(data: pd.DataFrame, instrument: Instrument, d: Derived) -> pd.Series:
    """``first * 10 + second`` where both are substantive codes, NA otherwise."""
    first, second = (data[s] for s in d.source)
    out = first * 10 + second
    blank = first.isin(_nonsubstantive(instrument, d.source[0])) | second.isin(_nonsubstantive(instrument, d.source[1]))
    return out.mask(blank).astype("Int64")


RECODES: dict[str, Callable[[pd.DataFrame, Instrument, Derived], pd.Series]] = {
    "indicator": _indicator,
    "bands": _bands,
    "cross": _cross,
}


def recode(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Add every derived variable of the instrument, in declaration order.

    Examples
    --------
    >>> recoded = recode(cleaned.data, instrument)  # doctest: +SKIP
    """
    out = data.copy()
    for d in instrument.derived:
        out[d.id] = RECODES[d.type](out, instrument, d)
    return out


def multi_frame(data: pd.DataFrame, instrument: Instrument, qid: str) -> pd.DataFrame:
    """A multi-select question's 0/1 option columns, NA for respondents not asked."""
    q = instrument.question(qid)
    options = data[list(q.columns)].astype("Float64")
    return options.where(asked(q, data), other=pd.NA)
