"""Cleaning: apply the instrument's quality rules, in order, to raw responses.

Every rule has one signature, ``rule(data, instrument, params) -> detail`` where
``detail`` is a string Series, non-empty for the rows the rule excludes.  Rules run
in the instrument's order on the rows still in; each excluded row gets the first
rule's id as its reason.  Nothing is lost: :func:`clean` checks that the clean rows
and the exclusion log together are exactly the raw rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.instrument import Instrument, Question, conditions
from survey.read.canonical import RAW_ROW

EXCLUSION_COLUMNS = ["respondent_id", RAW_ROW, "reason", "detail"]


@dataclass(frozen=True)
class Cleaned:
    """Result of cleaning: the valid rows and the log of the excluded ones."""

    data: pd.DataFrame
    exclusions: pd.DataFrame
    n_raw: int

    def reconciliation(self) -> dict[str, int]:
        """``{"raw": n, "valid": n, "excluded": n, <reason>: n, ...}``."""
        counts = self.exclusions["reason"].value_counts(sort=False).to_dict()
        return {"raw": self.n_raw, "valid": len(self.data), "excluded": len(self.exclusions), **counts}


def asked(question: Question, data: pd.DataFrame) -> pd.Series:
    """Which respondents were asked ``question`` (its skip logic)."""
    if question.ask_if is None:
        return pd.Series(True, index=data.index)
    return conditions.evaluate(question.ask_if, data)


def answered(question: Question, data: pd.DataFrame) -> pd.Series:
    """Which respondents gave an answer (a multi-select: at least one option ticked)."""
    if question.type == "multi":
        return (data[list(question.columns)].fillna(0) == 1).any(axis=1)
    return data[question.id].notna()


def _incomplete(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    detail = pd.Series("", index=data.index)
    submit = instrument.by_role("submit")
    if submit is not None:
        detail = detail.mask(data[submit.id].isna(), f"{submit.id} empty (not submitted)")
    for q in instrument.questions:
        if q.required:
            missing = asked(q, data) & ~answered(q, data) & (detail == "")
            detail = detail.mask(missing, f"{q.id} unanswered")
    return detail


def _out_of_range(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    detail = np.full(len(data), "", dtype=object)
    free = np.ones(len(data), dtype=bool)  # rows without a detail yet: the first bad column names the row

    def note(bad: np.ndarray, values: pd.Series, prefix: str, suffix: str = "") -> None:
        rows = np.flatnonzero(bad & free)
        if len(rows):
            detail[rows] = (prefix + values.iloc[rows].astype("string").fillna("") + suffix).to_numpy(dtype=object)
            free[rows] = False

    max_share = float(params.get("max_share", 1.0))
    drift = []
    for q in instrument.questions:
        if q.coded:
            valid = [c.code for c in q.codes] if q.type != "multi" else [0, 1]
            for col in q.columns:
                values = data[col]
                bad = (values.notna() & ~values.isin(valid)).to_numpy(dtype=bool)
                if bad.sum() > max_share * len(data):
                    drift.append(f"{col} has {int(bad.sum())} rows with codes not in the instrument "
                                 f"({', '.join(map(str, sorted(values[bad].unique())[:5]))})")
                note(bad, values, col + "=")
        elif q.type == "numeric" and q.range:
            lo, hi = q.range
            values = data[q.id]
            bad = (values.notna() & ((values < lo) | (values > hi))).to_numpy(dtype=bool)
            note(bad, values, f"{q.id}=", f" outside [{lo:g}, {hi:g}]")
    if drift:
        source = data.attrs.get("source", instrument.path)
        raise DataError(f"{source}: raw data and instrument {instrument.id} disagree: " + "; ".join(drift)
                        + f" (more than {max_share:.0%} of rows: not keying errors)")
    return pd.Series(detail, index=data.index)


def _condition(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    cond = params["when"]
    hit = conditions.evaluate(cond, data)
    names = sorted(conditions.referenced(cond))
    values = data[names].astype("string").fillna("").agg(lambda r: ", ".join(f"{n}={v}" for n, v in zip(names, r)), axis=1) if hit.any() else ""
    return pd.Series("", index=data.index).mask(hit, values)


def _attention(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    detail = pd.Series("", index=data.index)
    passing = list(params.get("pass_codes", []))
    for q in instrument.questions:
        if q.attention_check:
            failed = asked(q, data) & ~data[q.id].isin(passing).fillna(False).astype(bool) & (detail == "")
            detail = detail.mask(failed, f"{q.id}=" + data[q.id].astype("string").fillna("blank"))
    return detail


def durations(data: pd.DataFrame, instrument: Instrument) -> pd.Series:
    """Seconds from start to submit (NaN where either is missing)."""
    start, submit = instrument.by_role("start"), instrument.by_role("submit")
    if start is None or submit is None:
        raise DataError(f"{instrument.path}: the speeder rule needs paradata with roles 'start' and 'submit'")
    return (data[submit.id] - data[start.id]).dt.total_seconds()


def _speeder(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    seconds = durations(data, instrument)
    fraction = float(params["fraction_of_median"])
    limit = fraction * float(seconds.median())
    fast = (seconds < limit).fillna(False)
    text = seconds.round(0).astype("Int64").astype("string")
    return pd.Series("", index=data.index).mask(
        fast, "duration " + text + f"s < {fraction:g} x median {seconds.median():.0f}s = {limit:.1f}s"
    )


def _duplicate(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    keys = list(params.get("keys", []))
    if params.get("compare") == "answers":
        keys += [c for q in instrument.questions if q.type != "paradata" for c in q.columns]
    ident = instrument.by_role("id")
    submit = instrument.by_role("submit")
    group = pd.Series(_row_groups(data[keys]), index=data.index)  # equal values, missing equal to missing
    if not group.duplicated().any():
        return pd.Series("", index=data.index)
    order = data.sort_values([submit.id, RAW_ROW] if submit else [RAW_ROW], kind="stable")
    group = group.reindex(order.index)
    repeat = group.duplicated(keep="first")  # the first submitted stays
    detail = pd.Series("", index=order.index)
    if repeat.any():
        first = order[ident.id].groupby(group.to_numpy()).transform("first") if ident else order[RAW_ROW].astype("string")
        named = ", ".join(params.get("keys", [])) or "values"
        detail = detail.mask(repeat, f"same {named} and answers as " + first.astype("string"))
    return detail.reindex(data.index)


def _column_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Codes 0..k-1 of a column's distinct values (missing is one of them), and k."""
    if values.dtype.kind in "iu":  # numpy and nullable integers alike
        present = values.dropna()
        if len(present) and int(present.max()) - int(present.min()) < 1_000_000:
            lo = int(present.min()) - 1  # missing -> 0
            return values.to_numpy(dtype=np.int64, na_value=lo) - lo, int(present.max()) - lo + 1
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def _row_groups(frame: pd.DataFrame) -> np.ndarray:
    """One int64 per row, equal exactly when the rows' values are (missing equal to missing)."""
    key, size = np.zeros(len(frame), dtype=np.int64), 1
    for column in frame.columns:
        codes, k = _column_codes(frame[column])
        if size * k >= 2**62:  # renumber the keys so far densely before they overflow
            key, uniques = pd.factorize(key)
            size = len(uniques)
        key = key * k + codes
        size *= k
    return key


RULES: dict[str, Callable[[pd.DataFrame, Instrument, Mapping[str, Any]], pd.Series]] = {
    "incomplete": _incomplete,
    "out_of_range": _out_of_range,
    "condition": _condition,
    "attention": _attention,
    "speeder": _speeder,
    "duplicate": _duplicate,
}


def clean(raw: pd.DataFrame, instrument: Instrument) -> Cleaned:
    """Apply every quality rule of the instrument, in order.

    Parameters
    ----------
    raw : pandas.DataFrame
        Typed raw data from :func:`survey.read.canonical.read_raw` (not modified).  Rows
        its ``attrs["excluded"]`` marks (a platform's test responses) are excluded first.
    instrument : Instrument

    Returns
    -------
    Cleaned
        ``data``: the valid rows; ``exclusions``: one row per excluded raw row with
        ``respondent_id, raw_row, reason, detail``.
    """
    ident = instrument.by_role("id")
    remaining, logs = _excluded_on_reading(raw, ident.id if ident else None)
    for rule in instrument.quality:
        detail = RULES[rule.rule](remaining, instrument, rule.params)
        hit = detail.fillna("") != ""
        if hit.any():
            out = remaining[hit]
            logs.append(pd.DataFrame({
                "respondent_id": out[ident.id].to_numpy() if ident else "",
                RAW_ROW: out[RAW_ROW].to_numpy(),
                "reason": rule.id,
                "detail": detail[hit].to_numpy(),
            }))
            remaining = remaining[~hit]
    exclusions = (pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=EXCLUSION_COLUMNS))
    exclusions = exclusions.sort_values(RAW_ROW, kind="stable").reset_index(drop=True)
    result = Cleaned(remaining.reset_index(drop=True), exclusions, len(raw))
    reconcile(result, raw)
    return result


def _excluded_on_reading(raw: pd.DataFrame, ident: str | None) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Rows the reader marked (``raw.attrs["excluded"]``: raw_row -> (reason, detail)), logged first.

    A platform's preview/test responses are such rows: read like every row, then excluded
    before the instrument's rules with the reader's reason (``test_response``).
    """
    marked = raw.attrs.get("excluded") or {}
    hit = raw[RAW_ROW].isin(list(marked)).to_numpy(dtype=bool)
    if not hit.any():
        return raw, []
    out = raw[hit]
    rows = out[RAW_ROW].astype(int).tolist()
    log = pd.DataFrame({
        "respondent_id": out[ident].to_numpy() if ident else "",
        RAW_ROW: out[RAW_ROW].to_numpy(),
        "reason": [marked[r][0] for r in rows],
        "detail": [marked[r][1] for r in rows],
    })
    return raw[~hit], [log]


def reconcile(result: Cleaned, raw: pd.DataFrame) -> None:
    """Check that clean rows and exclusions are exactly the raw rows (a failure is a bug)."""
    rows = np.concatenate([result.data[RAW_ROW].to_numpy(), result.exclusions[RAW_ROW].to_numpy()]).astype(int)
    if len(rows) != len(raw) or not np.array_equal(np.sort(rows), np.sort(raw[RAW_ROW].to_numpy().astype(int))):
        raise RuntimeError(
            f"bug: {len(raw)} raw rows but {len(result.data)} valid + {len(result.exclusions)} excluded "
            "do not account for them exactly"
        )
