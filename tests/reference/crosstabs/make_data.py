"""Seeded generator of the crosstab reference datasets (run: python make_data.py).

small.csv: 36 respondents; the 30 with a substantive answer and a banner code
form the 3x3 table [[6, 2, 2], [2, 6, 2], [2, 2, 6]] (rows x columns), whose
Pearson X^2 = 9.6 (df 4) and Cramer's V = 0.4 can be checked by hand.  Two
respondents answer "don't know" (9), two were not asked (row empty) and two
have no banner code (col empty).
large.csv: 3,000 respondents with skip-logic NaNs, a "don't know" code, a small
banner column (code 4, base < 30), background variables a (3 categories) and
b (2), three 0/1 indicators, four 1-5 items and lognormal weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def small() -> pd.DataFrame:
    table = [[6, 2, 2], [2, 6, 2], [2, 2, 6]]
    rows, cols = [], []
    for r, counts in enumerate(table, start=1):
        for c, k in enumerate(counts, start=1):
            rows += [r] * k
            cols += [c] * k
    rows += [9, 9, np.nan, np.nan, 1, 2]
    cols += [1, 2, 1, 3, np.nan, np.nan]
    weights = np.tile([1.0, 2.0, 0.5, 1.5], 9)[: len(rows)]
    return pd.DataFrame({"row": rows, "col": cols, "w": weights})


def large(n: int = 3000, seed: int = 20200501) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    col = rng.choice([1, 2, 3, 4], n, p=[0.45, 0.35, 0.192, 0.008]).astype(float)
    col[rng.random(n) < 0.03] = np.nan
    a = rng.choice([1, 2, 3], n, p=[0.3, 0.45, 0.25]).astype(float)
    b = rng.choice([1, 2], n, p=[0.55, 0.45]).astype(float)
    shift = np.nan_to_num(col, nan=2) * 0.15 + (a - 2) * 0.3
    latent = rng.normal(shift, 1.0)
    row = np.digitize(latent, [0.1, 0.9]) + 1.0
    row[rng.random(n) < 0.05] = 9
    row[rng.random(n) < 0.10] = np.nan
    a[rng.random(n) < 0.02] = np.nan
    b[rng.random(n) < 0.02] = np.nan
    w = np.round(rng.lognormal(0.0, 0.5, n), 6)
    frame = pd.DataFrame({"row": row, "col": col, "a": a, "b": b, "w": w})
    for k, (ba, bb) in enumerate([(0.6, -0.4), (-0.3, 0.5), (0.2, 0.2)], start=1):
        eta = -0.2 + ba * (np.nan_to_num(a, nan=2) - 2) + bb * (np.nan_to_num(b, nan=1) - 1)
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
        y[rng.random(n) < 0.04 * k] = np.nan
        frame[f"y{k}"] = y
    trait = rng.normal(0, 1, n)
    for k in range(1, 5):
        item = np.clip(np.round(3 + trait + rng.normal(0, 1.0, n)), 1, 5)
        item[rng.random(n) < 0.01] = np.nan
        frame[f"item{k}"] = item
    return frame


if __name__ == "__main__":
    small().to_csv(HERE / "small.csv", index=False)
    large().to_csv(HERE / "large.csv", index=False)
