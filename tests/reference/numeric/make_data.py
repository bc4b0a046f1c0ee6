"""Seeded data for the numeric-summary references: 40 respondents, a value with gaps, weights.

``python tests/reference/numeric/make_data.py`` writes ``data.csv``: ``y`` (an age,
6 missing), ``w`` (positive weights, 4 missing: outside the weighted population).
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240601)
n = 40
y = rng.integers(18, 80, n).astype(float)
y[rng.choice(n, 6, replace=False)] = np.nan
w = np.round(rng.uniform(0.3, 3.0, n), 4)
w[rng.choice(n, 4, replace=False)] = np.nan
pd.DataFrame({"y": y, "w": w}).to_csv(
    Path(__file__).with_name("data.csv"), index=False, na_rep="NA"
)
