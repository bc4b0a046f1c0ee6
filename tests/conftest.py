"""Shared fixtures: the embedded instrument and plan, and raw files made from them.

`make_raw` builds valid raw rows from the instrument alone (random codes of each
question's scale, skip logic respected, attention checks passed, plausible times),
so tests can break one thing at a time.  It shares no code with the synthetic
wave generator in raw/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.instrument import Instrument, load_instrument

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENT = ROOT / "instruments" / "ccg-2020.yaml"
PLAN = ROOT / "analysis" / "ccg-2020.yaml"


@pytest.fixture(scope="session")
def instrument() -> Instrument:
    return load_instrument(INSTRUMENT).at_version("1.0.0")


def make_raw(instrument: Instrument, n: int = 60, seed: int = 1) -> pd.DataFrame:
    """A canonical raw frame of strings, every row valid under the instrument's rules."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list[str]] = {}
    start = pd.Timestamp("2020-05-01 09:00:00") + pd.to_timedelta(
        rng.integers(0, 86400 * 20, n), unit="s"
    )
    seconds = rng.integers(300, 700, n)
    for q in instrument.questions:
        if q.role == "id":
            cols[q.id] = [f"T{i:05d}" for i in range(n)]
        elif q.role == "start":
            cols[q.id] = list(start.strftime("%Y-%m-%d %H:%M:%S"))
        elif q.role == "submit":
            cols[q.id] = list(
                (start + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%d %H:%M:%S")
            )
        elif q.role == "ip":
            cols[q.id] = [f"198.51.100.{i % 250}" for i in range(n)]
        elif q.attention_check:
            cols[q.id] = ["4"] * n
        elif q.type == "numeric":
            lo, hi = q.range
            cols[q.id] = [str(v) for v in rng.integers(max(lo, 18), min(hi, 80) + 1, n)]
        elif q.type == "multi":
            ticks = rng.integers(0, 2, (n, len(q.codes)))
            ticks[np.arange(n), rng.integers(0, len(q.codes), n)] = 1
            for j, col in enumerate(q.columns):
                cols[col] = [str(v) for v in ticks[:, j]]
        elif q.coded:
            cols[q.id] = [str(v) for v in rng.choice([c.code for c in q.codes], n)]
        else:
            cols[q.id] = [""] * n
    frame = pd.DataFrame(cols)[list(instrument.raw_columns)]
    return apply_skips(frame, instrument)


def apply_skips(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Blank the answers of respondents a question's skip logic does not ask."""
    from survey.instrument import conditions

    frame = frame.copy()
    for q in instrument.questions:
        if q.ask_if is not None:
            numeric = frame.apply(pd.to_numeric, errors="coerce")
            not_asked = ~conditions.evaluate(q.ask_if, numeric)
            for col in q.columns:
                frame.loc[not_asked, col] = ""
            if q.type == "text":
                frame.loc[~not_asked, q.id] = "something else"
    return frame


def write_raw(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path
