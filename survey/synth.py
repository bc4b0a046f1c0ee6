"""Random raw data made from an instrument alone, for benchmarks and property tests.

:func:`synthetic_raw` draws answers uniformly from each question's codes (numbers
from its range), respects skip logic, passes attention checks and gives plausible
times; with ``invalid_share`` it spoils that share of rows the way real exports are
spoiled (unsubmitted, failed attention check, speeding).  It knows no study: all it
uses is the instrument.  It is not the reconstruction of any published survey (that
lives in ``raw/`` with its own generator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey import conditions
from survey.instrument import Instrument

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _answers(instrument: Instrument, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for q in instrument.questions:
        if q.type == "paradata":
            continue
        if q.attention_check:
            cols[q.id] = np.full(n, np.nan)  # filled by the caller with a passing code
        elif q.type == "numeric":
            lo, hi = q.range
            cols[q.id] = rng.integers(int(max(lo, 18)), int(min(hi, 80)) + 1, n).astype(float)
        elif q.type == "multi":
            ticks = rng.integers(0, 2, (n, len(q.codes)))
            ticks[np.arange(n), rng.integers(0, len(q.codes), n)] = 1
            for j, col in enumerate(q.columns):
                cols[col] = ticks[:, j].astype(float)
        elif q.coded:
            cols[q.id] = rng.choice([c.code for c in q.codes], n).astype(float)
        else:
            cols[q.id] = np.full(n, np.nan)
    return cols


def synthetic_raw(
    instrument: Instrument,
    n: int,
    *,
    seed: int = 0,
    invalid_share: float = 0.0,
    attention_code: int | None = None,
) -> pd.DataFrame:
    """A raw frame (strings, canonical layout) of ``n`` random submissions.

    Parameters
    ----------
    instrument : Instrument
        At the version to generate for.
    n : int
        Number of rows.
    seed : int
        Seed of numpy's default generator; the same seed gives the same frame.
    invalid_share : float
        Share of rows spoilt: a third unsubmitted, a third failing the attention
        check, a third speeding.
    attention_code : int, optional
        The passing code of attention checks (default: the attention rule's first
        ``pass_codes`` entry).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> raw = synthetic_raw(instrument, 1000, seed=1, invalid_share=0.1)  # doctest: +SKIP
    """
    rng = np.random.default_rng(seed)
    numbers = pd.DataFrame(_answers(instrument, n, rng))
    if attention_code is None:
        rule = next((r for r in instrument.quality if r.rule == "attention"), None)
        attention_code = int(rule.params["pass_codes"][0]) if rule else 1
    for q in instrument.questions:
        if q.attention_check:
            numbers[q.id] = float(attention_code)
    for q in instrument.questions:
        if q.ask_if is not None and q.type != "paradata":
            not_asked = ~conditions.evaluate(q.ask_if, numbers).to_numpy()
            for col in q.columns:
                numbers.loc[not_asked, col] = np.nan
    seconds = np.round(rng.lognormal(np.log(420), 0.35, n))
    spoil = rng.random(n) < invalid_share
    kind = rng.integers(0, 3, n)
    seconds = np.where(spoil & (kind == 2), np.maximum(np.round(seconds * 0.05), 1), seconds)
    for q in instrument.questions:
        if q.attention_check:
            numbers.loc[spoil & (kind == 1), q.id] = float(attention_code % 5 + 1)
    text = numbers.astype("Int64").astype("string").fillna("")
    start = pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 86400 * 30, n), unit="s")
    submit = pd.Series((start + pd.to_timedelta(seconds, unit="s")).strftime(TIME_FORMAT))
    submit[spoil & (kind == 0)] = ""
    out = {}
    for q in instrument.questions:
        if q.role == "id":
            out[q.id] = pd.Series([f"S{i:08d}" for i in range(n)])
        elif q.role == "start":
            out[q.id] = pd.Series(start.strftime(TIME_FORMAT))
        elif q.role == "submit":
            out[q.id] = submit
        elif q.role == "ip":
            out[q.id] = pd.Series(rng.integers(0, 2**24, n)).map(lambda v: f"10.{v >> 16}.{(v >> 8) & 255}.{v & 255}")
        elif q.role == "language":
            out[q.id] = pd.Series(rng.choice([str(c.code) for c in q.codes], n))
        elif q.type == "paradata":
            out[q.id] = pd.Series([""] * n)
        else:
            for col in q.columns:
                out[col] = text[col]
    return pd.DataFrame(out)[list(instrument.raw_columns)]
