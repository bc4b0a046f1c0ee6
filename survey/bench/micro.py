"""``python -m survey.bench --micro``: raking, the crosstab battery and redaction alone."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from survey.bench.ladder import SEED, fielded_wave


def _best(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest wall time of ``repeat`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def numpy_ipf(
    codes: Sequence[np.ndarray],
    sizes: Sequence[int],
    targets: Sequence[np.ndarray],
    tol: float = 1e-10,
    max_iter: int = 100,
) -> tuple[np.ndarray, int]:
    """Plain collapsed-cell IPF: count the cells of the cross-classification, rake that table, expand.

    ``codes[k]`` are 0-based category codes of margin ``k``, ``targets[k]`` its
    population proportions.  Returns per-respondent weights summing to n (the same
    convergence rule as :func:`survey.stats.weighting.rake`: every margin proportion
    within ``tol``) and the iterations used.
    """
    n = len(codes[0])
    key = codes[0].astype(np.int64)
    for c, size in zip(codes[1:], sizes[1:]):
        key = key * size + c
    count = np.bincount(key, minlength=int(np.prod(sizes))).astype(float).reshape(sizes)
    table = count.copy()
    totals = [n * np.asarray(t, dtype=float) for t in targets]
    axes = [tuple(a for a in range(len(sizes)) if a != k) for k in range(len(sizes))]
    shape = [[-1 if a == k else 1 for a in range(len(sizes))] for k in range(len(sizes))]
    for it in range(1, max_iter + 1):
        for k in range(len(sizes)):
            margin = table.sum(axis=axes[k])
            table *= np.divide(
                totals[k], margin, out=np.zeros_like(margin), where=margin > 0
            ).reshape(shape[k])
        if (
            max(np.abs(table.sum(axis=axes[k]) - totals[k]).max() for k in range(len(sizes))) / n
            < tol
        ):
            break
    factor = np.divide(table, count, out=np.zeros_like(table), where=count > 0).ravel()
    return factor[key], it


def micro_rake(n: int, seed: int = SEED, repeat: int = 7) -> dict:
    """Raking alone on ``n`` rows, three margins (3, 2, 4 categories), tol 1e-10."""
    import pandas as pd

    from survey.stats.weighting import rake

    rng = np.random.default_rng(seed)
    sample = {"a": [0.5, 0.3, 0.2], "b": [0.45, 0.55], "c": [0.1, 0.2, 0.3, 0.4]}
    population = {"a": [0.3, 0.3, 0.4], "b": [0.5, 0.5], "c": [0.25, 0.25, 0.25, 0.25]}
    codes = {k: rng.choice(len(p), n, p=p) for k, p in sample.items()}
    data = pd.DataFrame(
        {k: v + 1 for k, v in codes.items()}
    )  # codes 1..k, int64 as a typed survey column
    targets = {k: {i + 1: s for i, s in enumerate(p)} for k, p in population.items()}
    out: dict[str, Any] = {
        "rows": n,
        "margins": {k: len(p) for k, p in sample.items()},
        "tol": 1e-10,
    }
    t_rake, w_rake = _best(lambda: rake(data, targets, tol=1e-10), repeat)
    sizes = [len(p) for p in sample.values()]
    t_ipf, (w_ipf, iterations) = _best(
        lambda: numpy_ipf(
            [codes[k] for k in sample],
            sizes,
            [np.asarray(population[k]) for k in sample],
            tol=1e-10,
        ),
        repeat,
    )
    as_float = data.astype(float)
    t_float, _ = _best(lambda: rake(as_float, targets, tol=1e-10), max(3, repeat // 2))
    nullable = data.astype("Int64")
    t_nullable, _ = _best(lambda: rake(nullable, targets, tol=1e-10), max(3, repeat // 2))
    out.update(
        {
            "rake_seconds": round(t_rake, 5),
            "numpy_ipf_seconds": round(t_ipf, 5),
            "ratio": round(t_rake / t_ipf, 2),
            "ipf_iterations": iterations,
            "max_abs_weight_difference": float(np.max(np.abs(w_rake.to_numpy() - w_ipf))),
            "rake_float64_columns_seconds": round(t_float, 5),
            "rake_Int64_columns_seconds": round(t_nullable, 5),
        }
    )
    return out


def micro_battery(plan: Path, raw: Path, repeat: int = 3) -> dict:
    """The crosstab battery alone on the study made from ``raw``, against reading ``raw`` with pyarrow."""
    import pandas as pd

    from survey.stats import tables
    from survey.study import Study

    _, wave, _ = fielded_wave(plan)
    t_read, frame = _best(lambda: pd.read_csv(raw, engine="pyarrow"), repeat)
    t_read_str, _ = _best(
        lambda: pd.read_csv(raw, engine="pyarrow", dtype=str, keep_default_na=False), repeat
    )
    rows = len(frame)
    del frame
    study = Study.from_plan(plan, wave.id, raw=raw, fmt="canonical")
    t_battery, (tabs, tests) = _best(
        lambda: tables.battery(study.data, study.instrument, study.plan, study.weights), repeat
    )
    return {
        "rows_in_file": rows,
        "valid": len(study.data),
        "file_mb": round(raw.stat().st_size / 2**20, 1),
        "read_csv_pyarrow_seconds": round(t_read, 4),
        "read_csv_pyarrow_dtype_str_seconds": round(t_read_str, 4),
        "battery_seconds": round(t_battery, 4),
        "tables": len(tests[["question", "banner"]].drop_duplicates()),
        "table_rows": len(tabs),
        "ratio": round(t_battery / t_read, 2),
    }


def micro_redaction(plan: Path, raw: Path, repeat: int = 3) -> dict:
    """Redaction alone (:func:`survey.text.redact.redact`) on the free-text columns of ``raw``.

    The columns are read as the study reads them (Arrow-backed strings, blanks
    missing), with the instrument's redaction policy (countries and languages).
    """
    import pandas as pd

    from survey.text.redact import Policy, redact

    _, _, fielded = fielded_wave(plan)
    columns = [q.id for q in fielded.questions if q.type == "text"]
    frame = pd.read_csv(raw, engine="pyarrow", usecols=columns, dtype=dict.fromkeys(columns, "str"))
    policy = Policy.for_instrument(fielded)
    out: dict[str, Any] = {
        "rows": len(frame),
        "policy": {"countries": list(policy.countries), "languages": list(policy.languages)},
    }
    total = 0.0
    for column in columns:
        texts = frame[column]
        seconds, (_, counts) = _best(lambda: redact(texts, policy), repeat)  # noqa: B023 (called here)
        total += seconds
        out[column] = {
            "texts": int(frame[column].notna().sum()),
            "seconds": round(seconds, 4),
            "found": {k: v for k, v in counts.items() if v},
        }
    out["seconds"] = round(total, 4)
    return out


def micro(plan: Path, n: int, raw: Path) -> dict:
    return {
        "rake": micro_rake(n),
        "battery": micro_battery(plan, raw),
        "redaction": micro_redaction(plan, raw),
    }
