"""Generate large.csv: 4,000 synthetic respondents in two waves (seeded, reproducible).

Columns: id, wave (1/2), sex (1-2), age (1-4), region (1-3), w0 (design weight,
lognormal, mean about 1), y1 (0/1, about 8% missing), y2 (0/1, asked only outside
region 3, plus about 5% missing).  Run: python tests/reference/weighting/make_large.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240611)
n = 4000
sex = rng.choice([1, 2], n, p=[0.55, 0.45])
age = rng.choice([1, 2, 3, 4], n, p=[0.3, 0.3, 0.25, 0.15])
region = rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2])
wave = np.repeat([1, 2], n // 2)
w0 = np.round(np.exp(rng.normal(0, 0.4, n)), 6)
p1 = 0.25 + 0.08 * (age - 1) + 0.05 * (sex == 2) + 0.04 * (wave == 2)
y1 = (rng.random(n) < p1).astype(float)
y1[rng.random(n) < 0.08] = np.nan
p2 = 0.6 - 0.1 * (region == 2) + 0.05 * (sex == 1)
y2 = (rng.random(n) < p2).astype(float)
y2[(region == 3) | (rng.random(n) < 0.05)] = np.nan
frame = pd.DataFrame(
    {
        "id": np.arange(1, n + 1),
        "wave": wave,
        "sex": sex,
        "age": age,
        "region": region,
        "w0": w0,
        "y1": y1,
        "y2": y2,
    }
)
frame.to_csv(Path(__file__).with_name("large.csv"), index=False, float_format="%.6g")
