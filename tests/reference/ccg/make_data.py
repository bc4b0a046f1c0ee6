"""Derive the small reference inputs wave1.csv and wave2.csv from the committed respondent files.

Run from the repository root: ``python tests/reference/ccg/make_data.py``.  Keeps the coded
columns R needs (banner variables, questions, multi-select options, indicators, weighting
variables) of ``reports/ccg-2020/wave<k>/data/respondents.csv``: no ids, times, free text or
weights (R computes the weights itself).
"""

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
DROP = ("raw_row", "respondent_id", "start_time", "submit_time", "account", "weight", "age", "lang")

for wave in (1, 2):
    frame = pd.read_csv(ROOT / "reports" / "ccg-2020" / f"wave{wave}" / "data" / "respondents.csv")
    keep = [c for c in frame.columns if c not in DROP and not c.endswith("_other")]
    frame[keep].to_csv(Path(__file__).with_name(f"wave{wave}.csv"), index=False, lineterminator="\n")
