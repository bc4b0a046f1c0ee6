"""Recoding: derived variables declared in the instrument, computed from clean data.

Each derived type is a small function ``(data, instrument, derived) -> Series`` looked
up in :data:`RECODES`.  Recoding returns a new frame; the input is not modified.
Non-substantive codes ("Don't know") never count as a point of a scale: reversing,
boxes and scores leave them out (blank), a recode keeps them unless it maps them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from survey.clean.rules import asked
from survey.instrument import Derived, Instrument
from survey.instrument.model import cross_factor, recode_kept, substantive_range


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
    """``first * 10**k + second`` (k: digits of the second's largest code) where both are substantive."""
    first, second = (data[s] for s in d.source)
    out = first * cross_factor(instrument.codes_of(d.source[1])) + second
    blank = first.isin(_nonsubstantive(instrument, d.source[0])) | second.isin(
        _nonsubstantive(instrument, d.source[1])
    )
    return out.mask(blank).astype("Int64")


def _mapped(values: pd.Series, mapping: dict[int, float]) -> pd.Series:
    """``values`` through ``mapping`` (codes it does not name become NA), as Int64."""
    return (
        values.astype("Float64")
        .map(mapping, na_action="ignore")
        .astype("Float64")
        .round()
        .astype("Int64")
    )


def _recode(data: pd.DataFrame, instrument: Instrument, d: Derived) -> pd.Series:
    """The declared code map; codes it leaves out are kept or blanked as the instrument says."""
    mapping = {c.code: float(c.code) for c in recode_kept(instrument.codes_of(d.source[0]), d)}
    mapping.update({k: float(v) for k, v in d.recode_map.items()})
    return _mapped(data[d.source[0]], mapping)


def reversed_codes(values: pd.Series, codes: Iterable) -> pd.Series:
    """Substantive codes reversed (``min + max - code``); non-substantive codes and blanks NA.

    Examples
    --------
    >>> from survey.instrument import Code
    >>> scale = [Code(1, {}), Code(2, {}), Code(3, {}), Code(9, {}, nonsubstantive=True)]
    >>> reversed_codes(pd.Series([1, 3, 9, None]), scale).tolist()
    [3, 1, <NA>, <NA>]
    """
    codes = tuple(codes)
    lo, hi = substantive_range(codes)
    return _mapped(values, {c.code: float(lo + hi - c.code) for c in codes if not c.nonsubstantive})


def _reverse(data: pd.DataFrame, instrument: Instrument, d: Derived) -> pd.Series:
    """The scale reversed: ``min + max - code`` over substantive codes (non-substantive kept)."""
    codes = instrument.codes_of(d.source[0])
    source = data[d.source[0]]
    keep = source.isin([c.code for c in codes if c.nonsubstantive])
    return reversed_codes(source, codes).mask(keep, source.astype("Int64"))


def _box(data: pd.DataFrame, instrument: Instrument, d: Derived) -> pd.Series:
    """1 for the top (or bottom) k substantive codes by value, 0 for the other substantive codes."""
    substantive = sorted(c.code for c in instrument.codes_of(d.source[0]) if not c.nonsubstantive)
    chosen = substantive[-d.top :] if d.top else substantive[: d.bottom]
    source = data[d.source[0]]
    hit = source.isin(chosen).astype("Int64")
    return hit.where(source.isin(substantive), pd.NA)


def scored_items(
    data: pd.DataFrame, instrument: Instrument, items: Iterable[str], reverse: Iterable[str] = ()
) -> pd.DataFrame:
    """Items as numbers for a scale: substantive codes only, the ``reverse`` items reversed.

    Examples
    --------
    >>> scored_items(data, instrument, ["q7_a", "q7_b"], reverse=["q7_b"])  # doctest: +SKIP
    """
    reverse = set(reverse)
    out = {}
    for item in items:
        codes = instrument.codes_of(item)
        values = data[item].astype("Float64")
        substantive = values.where(values.isin([c.code for c in codes if not c.nonsubstantive]))
        out[item] = (reversed_codes(values, codes) if item in reverse else substantive).astype(
            float
        )
    return pd.DataFrame(out, index=data.index)


def score_reverse(instrument: Instrument, d: Derived) -> tuple[str, ...]:
    """Items a score reverses: its ``reverse`` list, else its items marked ``reverse: true``."""
    if d.reverse:
        return d.reverse
    return tuple(
        i for i in d.source if instrument.has_question(i) and instrument.question(i).reverse
    )


def _score(data: pd.DataFrame, instrument: Instrument, d: Derived) -> pd.Series:
    """Mean or sum of the answered items (reversed as declared); NA under ``min_valid`` answered."""
    items = scored_items(data, instrument, d.source, score_reverse(instrument, d))
    answered = items.notna().sum(axis=1)
    value = items.mean(axis=1) if d.method == "mean" else items.sum(axis=1, min_count=1)
    return value.where(answered >= (d.min_valid or len(d.source))).astype(float)


RECODES: dict[str, Callable[[pd.DataFrame, Instrument, Derived], pd.Series]] = {
    "indicator": _indicator,
    "bands": _bands,
    "cross": _cross,
    "recode": _recode,
    "reverse": _reverse,
    "box": _box,
    "score": _score,
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
