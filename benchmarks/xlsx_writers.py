"""Time the workbook writers on synthetic frames (single process; not the whole-run benchmark).

``python3 benchmarks/xlsx_writers.py 100000 1000000`` writes, for each size, an
``open_ended.xlsx``-shaped accounts sheet (30% of respondents with an account, 11
filled cells and 9 empty coder columns per row, as a run of that size gives) and
prints wall and CPU seconds; ``--rows`` takes the sizes as rows of the sheet.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from survey.write.sheets import BulkSheet, workbook


def accounts(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["the", "media", "on", "both", "sides", "report", "conflict", "海外", "华人", "捐赠", "口罩", "cooperation", "donations", "masks"])
    pool = pd.Series([" ".join(words[rng.integers(0, len(words), k)]) for k in rng.integers(3, 30, 5000)])
    texts = pool.iloc[rng.integers(0, len(pool), n)].reset_index(drop=True) + " " + pd.Series(np.arange(n).astype(str))
    cats = pd.Categorical.from_codes(rng.integers(0, 3, n), ["China", "United States", "Elsewhere"])
    return pd.DataFrame({
        "respondent_id": "R" + pd.Series(np.arange(n).astype(str)), "language": np.where(rng.random(n) < 0.5, "en", "zh"),
        **{f"background_{j}": pd.Series(cats).astype(str) for j in range(7)}, "text": texts, "themes": "donations;media",
        **{f"human_{j}": pd.array([pd.NA] * n, dtype="Float64") for j in range(9)},
    })


def time_accounts(rows: int, folder: Path) -> tuple[float, float]:
    frame = accounts(rows)
    wall, cpu = time.perf_counter(), time.process_time()
    with workbook(folder / "open_ended.xlsx", constant_memory=True) as book:
        ws = book.add_worksheet("accounts", worksheet_class=BulkSheet)
        for k, label in enumerate(frame.columns):
            ws.write_string(0, k, label)
        ws.write_frame(1, frame)
    return time.perf_counter() - wall, time.process_time() - cpu


if __name__ == "__main__":
    as_rows = "--rows" in sys.argv
    for size in [int(a) for a in sys.argv[1:] if a.isdigit()]:
        rows = size if as_rows else int(0.3 * 0.9 * size)  # 90% valid, 30% of them write an account
        with tempfile.TemporaryDirectory() as tmp:
            wall, cpu = time_accounts(rows, Path(tmp))
            mb = (Path(tmp) / "open_ended.xlsx").stat().st_size / 1e6
        print(f"{size:>9,} {'rows' if as_rows else 'respondents'} ({rows:,} rows): {wall:.2f} s wall, {cpu:.2f} s CPU, {mb:.1f} MB")
