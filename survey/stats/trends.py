"""Comparing waves: indicators wave by wave, the change from the previous wave, a stacked file.

Waves are independent samples.  The change and its test come from
:func:`survey.stats.inference.difference` (R ``svycontrast`` on ``svyby(~y, ~wave,
svymean)`` with wave as stratum): design-based on the weights when both waves are
weighted, on simple random sampling otherwise.  An indicator enters the
comparison only when its source question exists in both waves' instrument
versions; a wording change between the versions is flagged, not hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.stats.inference import difference, proportion

TREND_COLUMNS = [
    "id",
    "wave",
    "estimate_pct",
    "ci_low",
    "ci_high",
    "n_base",
    "weighted_pct",
    "weighted_ci_low",
    "weighted_ci_high",
    "change_pp",
    "change_p",
    "significant",
    "change_basis",
    "comparable",
    "wording_changed",
]


def _source(study: Any, indicator: str) -> str:
    return next(d.source[0] for d in study.instrument.derived if d.id == indicator)


def _wording(study: Any, qid: str) -> tuple[str, ...]:
    q = study.instrument.question(qid)
    return tuple(q.wording(lang) for lang in study.instrument.languages)


def _y(study: Any, indicator: str) -> pd.Series:
    return study.data[indicator].astype("Float64").astype(float)


def _row(study: Any, indicator: str, level: float) -> dict[str, Any]:
    plain = proportion(_y(study, indicator), None, level=level, ci_method="wilson")
    row = {
        "id": indicator,
        "wave": str(study.wave.id),
        "estimate_pct": 100 * plain["estimate"],
        "ci_low": 100 * plain["ci_low"],
        "ci_high": 100 * plain["ci_high"],
        "n_base": plain["n_base"],
        "weighted_pct": np.nan,
        "weighted_ci_low": np.nan,
        "weighted_ci_high": np.nan,
    }
    if study.weights is not None:
        w = proportion(_y(study, indicator), study.weights, level=level)
        row.update(
            weighted_pct=100 * w["estimate"],
            weighted_ci_low=100 * w["ci_low"],
            weighted_ci_high=100 * w["ci_high"],
        )
    return row


def _change(before: Any, after: Any, indicator: str, alpha: float) -> dict[str, Any]:
    weighted = before.weights is not None and after.weights is not None
    d = difference(
        _y(before, indicator),
        before.weights if weighted else None,
        _y(after, indicator),
        after.weights if weighted else None,
        level=1 - alpha,
    )
    return {
        "change_pp": 100 * d["estimate"],
        "change_p": d["p_value"],
        "significant": bool(d["p_value"] < alpha) if np.isfinite(d["p_value"]) else pd.NA,
        "change_basis": "weighted" if weighted else "unweighted",
    }


def compare(waves: Sequence[Any], *, level: float = 0.95) -> pd.DataFrame:
    """Every indicator in every wave, with the change from the previous wave.

    Parameters
    ----------
    waves : sequence of Study
        In fielding order.
    level : float
        Confidence level; changes are significant at ``1 - level``.

    Returns
    -------
    pandas.DataFrame
        :data:`TREND_COLUMNS`, one row per indicator and wave (percentages).  The
        first wave's change columns are empty.  ``comparable`` is False (and no
        change is computed) when the source question is missing from either wave;
        ``wording_changed`` is True when its text differs in any language.
    """
    alpha = 1 - level
    rows = []
    names = [d.id for d in waves[-1].instrument.derived if d.type == "indicator"]
    for name in names:
        previous = None
        for study in waves:
            if name not in study.data.columns:
                previous = None
                continue
            row = _row(study, name, level)
            row.update(
                change_pp=np.nan,
                change_p=np.nan,
                significant=pd.NA,
                change_basis="",
                comparable=pd.NA,
                wording_changed=pd.NA,
            )
            if previous is not None:
                qid = _source(study, name)
                comparable = previous.instrument.has_question(
                    qid
                ) and study.instrument.has_question(qid)
                row.update(comparable=comparable)
                if comparable:
                    row.update(
                        wording_changed=_wording(previous, qid) != _wording(study, qid),
                        **_change(previous, study, name, alpha),
                    )
            rows.append(row)
            previous = study
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def stack(waves: Sequence[Any]) -> pd.DataFrame:
    """The waves' respondent files one under the other, with a ``wave`` column first.

    Columns are the union over waves (a question a wave did not ask is empty there);
    personal data is removed and free text redacted as in each wave's own file.
    """
    parts = [w.respondents().assign(wave=str(w.wave.id)) for w in waves]
    out = pd.concat(parts, ignore_index=True)
    return out[["wave", *[c for c in out.columns if c != "wave"]]]
