"""Cleaning: skip logic, then the instrument's quality rules, in order, on raw responses.

Skip logic comes first (:func:`skip_logic`): an answer given by a respondent whom a
question's ``ask_if`` did not ask is never counted.  The instrument's
``skip_policy`` says what happens to it: ``blank`` (the answer is blanked and
logged in :attr:`Cleaned.blanked`, ``skip_violations.csv``) or ``exclude`` (the
respondent is excluded with reason ``skip_violation``).

Every rule has one signature, ``rule(data, instrument, params) -> detail`` where
``detail`` is a string Series, non-empty for the rows the rule excludes; a rule
that edits answers instead (``exclusive`` with ``action: blank_others``) returns
:class:`Edits`.  Rules run in the instrument's order on the rows still in; each
excluded row gets the first rule's id as its reason.  Nothing is lost: :func:`clean`
checks that the clean rows and the exclusion log together are exactly the raw rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.instrument import Instrument, QualityRule, Question, conditions
from survey.read.canonical import RAW_ROW

EXCLUSION_COLUMNS = ["respondent_id", RAW_ROW, "reason", "detail"]
BLANKED_COLUMNS = ["respondent_id", RAW_ROW, "reason", "question", "column", "value"]
SKIP_VIOLATION = "skip_violation"


def _no_blanks() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in BLANKED_COLUMNS})


@dataclass(frozen=True)
class Cleaned:
    """Result of cleaning: the valid rows, the log of the excluded ones, the answers blanked.

    ``blanked`` has one row per answer that cleaning blanked (``respondent_id,
    raw_row, reason, question, column, value``): ``reason`` is ``skip_violation``
    (an answer of a respondent the skip logic did not ask) or the id of the rule
    that blanked it (``exclusive`` with ``action: blank_others``).
    """

    data: pd.DataFrame
    exclusions: pd.DataFrame
    n_raw: int
    blanked: pd.DataFrame = field(default_factory=_no_blanks)

    @property
    def skip_violations(self) -> pd.DataFrame:
        """The answers blanked because the respondent was not asked (``skip_violations.csv``)."""
        return self.blanked[self.blanked["reason"] == SKIP_VIOLATION].reset_index(drop=True)

    def reconciliation(self) -> dict[str, int]:
        """``{"raw": n, "valid": n, "excluded": n, <reason>: n, ...}``."""
        counts = self.exclusions["reason"].value_counts(sort=False).to_dict()
        return {
            "raw": self.n_raw,
            "valid": len(self.data),
            "excluded": len(self.exclusions),
            **counts,
        }


def asked(question: Question, data: pd.DataFrame) -> pd.Series:
    """Which respondents were asked ``question`` (its skip logic)."""
    if question.ask_if is None:
        return pd.Series(True, index=data.index)
    return conditions.evaluate(question.ask_if, data)


def answered(question: Question, data: pd.DataFrame) -> pd.Series:
    """Which respondents gave an answer (a multi-select: at least one option ticked; text boxes: any)."""
    if question.type == "multi":
        return (data[list(question.columns)].fillna(0) == 1).any(axis=1)
    return data[list(question.columns)].notna().any(axis=1)


@dataclass(frozen=True)
class Edits:
    """What a rule that edits answers returns: the rows, edited, and one log row per blanked answer."""

    data: pd.DataFrame
    log: pd.DataFrame


def _log(
    data: pd.DataFrame,
    instrument: Instrument,
    rows: np.ndarray,
    question: str,
    column: str,
    reason: str,
) -> pd.DataFrame:
    """Log rows (``BLANKED_COLUMNS``) of the answers in ``column`` at the positions ``rows``."""
    ident = instrument.by_role("id")
    picked = data.iloc[rows]
    return pd.DataFrame(
        {
            "respondent_id": picked[ident.id].to_numpy() if ident else "",
            RAW_ROW: picked[RAW_ROW].to_numpy(),
            "reason": reason,
            "question": question,
            "column": column,
            "value": picked[column].astype("string").to_numpy(dtype=object),
        }
    )


def _blank(
    data: pd.DataFrame, rows: np.ndarray, columns: list[str], value: Any = pd.NA
) -> pd.DataFrame:
    """A copy of ``data`` with ``columns`` set to ``value`` at the positions ``rows``."""
    out = data.copy()
    for col in columns:
        out.iloc[rows, out.columns.get_loc(col)] = value
    return out


def skip_logic(
    data: pd.DataFrame, instrument: Instrument
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Answers of respondents whom a question's skip logic did not ask, by the instrument's ``skip_policy``.

    Questions are taken in questionnaire order, on the data as blanked so far, so a
    blanked answer also un-asks the questions that depend on it.

    Returns
    -------
    (data, blanked, detail)
        ``blank``: the data with those answers blanked, their log (``BLANKED_COLUMNS``)
        and an empty detail.  ``exclude``: the data unchanged, no log, and a detail
        naming the first answered question that was not asked (the respondents to
        exclude with reason ``skip_violation``).

    Examples
    --------
    >>> data, blanked, detail = skip_logic(raw, instrument)  # doctest: +SKIP
    """
    blank = instrument.skip_policy == "blank"
    detail = pd.Series("", index=data.index)
    logs = []
    for q in instrument.questions:
        if q.ask_if is None:
            continue
        hit = (~asked(q, data) & answered(q, data)).to_numpy()
        if not hit.any():
            continue
        cols = list(q.columns)
        if not blank:
            detail = detail.mask(hit & (detail == "").to_numpy(), f"{q.id} answered but not asked")
            continue
        rows = np.flatnonzero(hit)
        for col in cols:
            given = rows[data[col].iloc[rows].notna().to_numpy()]
            if q.type == "multi":
                given = given[(data[col].iloc[given] == 1).to_numpy()]
            if len(given):
                logs.append(_log(data, instrument, given, q.id, col, SKIP_VIOLATION))
        data = _blank(data, rows, cols)
    blanked = pd.concat(logs, ignore_index=True) if logs else _no_blanks()
    return data, blanked, detail


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


def _out_of_range(
    data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]
) -> pd.Series:
    detail = np.full(len(data), "", dtype=object)
    free = np.ones(
        len(data), dtype=bool
    )  # rows without a detail yet: the first bad column names the row

    def note(bad: np.ndarray, values: pd.Series, prefix: str, suffix: str = "") -> None:
        rows = np.flatnonzero(bad & free)
        if len(rows):
            detail[rows] = (
                prefix + values.iloc[rows].astype("string").fillna("") + suffix
            ).to_numpy(dtype=object)
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
                    drift.append(
                        f"{col} has {int(bad.sum())} rows with codes not in the instrument "
                        f"({', '.join(map(str, sorted(values[bad].unique())[:5]))})"
                    )
                note(bad, values, col + "=")
        elif q.type == "numeric" and q.range:
            lo, hi = q.range
            values = data[q.id]
            bad = (values.notna() & ((values < lo) | (values > hi))).to_numpy(dtype=bool)
            note(bad, values, f"{q.id}=", f" outside [{lo:g}, {hi:g}]")
            if q.integer:
                whole = values.notna() & (values != np.round(values.astype(float)))
                note(whole.to_numpy(dtype=bool), values, f"{q.id}=", " not a whole number")
    if drift:
        source = data.attrs.get("source", instrument.path)
        raise DataError(
            f"{source}: raw data and instrument {instrument.id} disagree: "
            + "; ".join(drift)
            + f" (more than {max_share:.0%} of rows: not keying errors)"
        )
    return pd.Series(detail, index=data.index)


def _condition(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    cond = params["when"]
    hit = conditions.evaluate(cond, data)
    names = sorted(conditions.referenced(cond))
    values = (  # the answers of the rows it excludes only
        data.loc[hit, names]
        .astype("string")
        .fillna("")
        .agg(lambda r: ", ".join(f"{n}={v}" for n, v in zip(names, r)), axis=1)
        if hit.any()
        else ""
    )
    return pd.Series("", index=data.index).mask(hit, values)


def _attention(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    detail = pd.Series("", index=data.index)
    passing = list(params.get("pass_codes", []))
    for q in instrument.questions:
        if q.attention_check:
            failed = (
                asked(q, data)
                & ~data[q.id].isin(passing).fillna(False).astype(bool)
                & (detail == "")
            )
            detail = detail.mask(failed, f"{q.id}=" + data[q.id].astype("string").fillna("blank"))
    return detail


def durations(data: pd.DataFrame, instrument: Instrument) -> pd.Series:
    """Seconds from start to submit (NaN where either is missing)."""
    start, submit = instrument.by_role("start"), instrument.by_role("submit")
    if start is None or submit is None:
        raise DataError(
            f"{instrument.path}: the speeder rule needs paradata with roles 'start' and 'submit'"
        )
    return (data[submit.id] - data[start.id]).dt.total_seconds()


def _speeder(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    seconds = durations(data, instrument)
    fraction = float(params["fraction_of_median"])
    limit = fraction * float(seconds.median())
    fast = (seconds < limit).fillna(False)
    text = seconds.round(0).astype("Int64").astype("string")
    return pd.Series("", index=data.index).mask(
        fast,
        "duration " + text + f"s < {fraction:g} x median {seconds.median():.0f}s = {limit:.1f}s",
    )


def _duplicate(data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]) -> pd.Series:
    keys = list(params.get("keys", []))
    if params.get("compare") == "answers":
        keys += [c for q in instrument.questions if q.type != "paradata" for c in q.columns]
    ident = instrument.by_role("id")
    submit = instrument.by_role("submit")
    group = pd.Series(
        _row_groups(data[keys]), index=data.index
    )  # equal values, missing equal to missing
    if not group.duplicated().any():
        return pd.Series("", index=data.index)
    order = data.sort_values([submit.id, RAW_ROW] if submit else [RAW_ROW], kind="stable")
    group = group.reindex(order.index)
    repeat = group.duplicated(keep="first")  # the first submitted stays
    detail = pd.Series("", index=order.index)
    if repeat.any():
        first = (
            order[ident.id].groupby(group.to_numpy()).transform("first")
            if ident
            else order[RAW_ROW].astype("string")
        )
        named = ", ".join(params.get("keys", [])) or "values"
        detail = detail.mask(repeat, f"same {named} and answers as " + first.astype("string"))
    return detail.reindex(data.index)


def _straightlining(
    data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]
) -> pd.Series:
    """The same answer on every answered item of a grid, with at least ``min_items`` answered."""
    items = (
        list(instrument.grid(params["grid"]).items) if params.get("grid") else list(params["items"])
    )
    least = int(params.get("min_items") or len(items))
    values = data[items].to_numpy(dtype=float, na_value=np.nan)
    answered_n = np.isfinite(values).sum(axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-blank rows: nanmin of nothing
        low, high = np.nanmin(values, axis=1), np.nanmax(values, axis=1)
    same = (answered_n >= least) & (low == high)
    name = params.get("grid") or f"{items[0]}..{items[-1]}"
    text = pd.Series(low, index=data.index).astype("Int64").astype("string")
    counts = pd.Series(answered_n, index=data.index).astype("string")
    return pd.Series("", index=data.index).mask(same, f"{name}: " + counts + " items all " + text)


def _exclusive_hits(
    data: pd.DataFrame, instrument: Instrument
) -> list[tuple[Question, int, np.ndarray, list[str]]]:
    """Per multi-select and exclusive option: the rows where it is ticked with another option."""
    out = []
    for q in instrument.questions:
        if q.type != "multi" or not q.exclusive_codes:
            continue
        ticks = {
            c.code: (data[f"{q.id}_{c.code}"] == 1).fillna(False).to_numpy(dtype=bool)
            for c in q.codes
        }
        for code in q.exclusive_codes:
            others = [f"{q.id}_{c.code}" for c in q.codes if c.code != code]
            with_other = (
                np.logical_or.reduce([ticks[c.code] for c in q.codes if c.code != code])
                if others
                else np.zeros(len(data), dtype=bool)
            )
            out.append((q, code, ticks[code] & with_other, others))
    return out


def _exclusive(
    data: pd.DataFrame, instrument: Instrument, params: Mapping[str, Any]
) -> pd.Series | Edits:
    """An exclusive option ("None of these") ticked with another: exclude, or blank the others.

    With ``action: blank_others`` the first exclusive option ticked (in option order)
    stays and every other option of the question is set to 0, each logged.
    """
    if params.get("action", "exclude") == "exclude":
        detail = pd.Series("", index=data.index)
        for q, code, hit, others in _exclusive_hits(data, instrument):
            rows = np.flatnonzero(hit & (detail == "").to_numpy())
            ticked = data[others].iloc[rows].eq(1).fillna(False).to_numpy(dtype=bool)
            detail.iloc[rows] = [
                f"{q.id}_{code} (exclusive) ticked with " + ", ".join(np.asarray(others)[r])
                for r in ticked
            ]
        return detail
    logs = []
    for q, code, hit, others in _exclusive_hits(data, instrument):
        rows = np.flatnonzero(hit)
        if not len(rows):
            continue
        for col in others:
            ticked = rows[(data[col].iloc[rows] == 1).fillna(False).to_numpy(dtype=bool)]
            if len(ticked):
                logs.append(
                    _log(data, instrument, ticked, q.id, col, str(params.get("id", "exclusive")))
                )
        data = _blank(data, rows, others, 0)
    return Edits(data, pd.concat(logs, ignore_index=True) if logs else _no_blanks())


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


RULES: dict[str, Callable[[pd.DataFrame, Instrument, Mapping[str, Any]], pd.Series | Edits]] = {
    "incomplete": _incomplete,
    "out_of_range": _out_of_range,
    "condition": _condition,
    "attention": _attention,
    "speeder": _speeder,
    "duplicate": _duplicate,
    "straightlining": _straightlining,
    "exclusive": _exclusive,
}

#: One cleaning step: the data in, the reason per excluded row ("" keeps it) or edits out.
Step = Callable[[pd.DataFrame], "pd.Series | Edits"]


def _step(rule: QualityRule, instrument: Instrument) -> Step:
    """The cleaning step of one quality rule (its params with its id, as the rules read them)."""
    return lambda data: RULES[rule.rule](data, instrument, {**rule.params, "id": rule.id})


def clean(raw: pd.DataFrame, instrument: Instrument) -> Cleaned:
    """Apply the skip logic and every quality rule of the instrument, in order.

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
        ``respondent_id, raw_row, reason, detail``; ``blanked``: one row per answer
        blanked (skip violations under ``skip_policy: blank``, exclusive violations
        under ``action: blank_others``).
    """
    ident = instrument.by_role("id")
    remaining, logs = _excluded_on_reading(raw, ident.id if ident else None)
    remaining, skipped, skip_detail = skip_logic(remaining, instrument)
    blanked = [skipped]
    steps: list[tuple[str, Step]] = [(SKIP_VIOLATION, lambda data: skip_detail.reindex(data.index))]
    steps += [(rule.id, _step(rule, instrument)) for rule in instrument.quality]
    for reason, step in steps:
        result = step(remaining)
        if isinstance(result, Edits):
            remaining = result.data
            blanked.append(result.log)
            continue
        hit = result.fillna("") != ""
        if hit.any():
            logs.append(_excluded(remaining[hit], result[hit], reason, instrument))
            remaining = remaining[~hit]
    exclusions = (
        pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=EXCLUSION_COLUMNS)
    )
    exclusions = exclusions.sort_values(RAW_ROW, kind="stable").reset_index(drop=True)
    blanked_all = pd.concat(blanked, ignore_index=True)
    if len(blanked_all):  # answers of respondents excluded later are not logged as blanked
        kept = np.isin(blanked_all[RAW_ROW].to_numpy(), remaining[RAW_ROW].to_numpy())
        blanked_all = blanked_all[kept].sort_values(RAW_ROW, kind="stable")
    result = Cleaned(
        remaining.reset_index(drop=True), exclusions, len(raw), blanked_all.reset_index(drop=True)
    )
    reconcile(result, raw)
    return result


def _excluded(
    rows: pd.DataFrame, detail: pd.Series, reason: str, instrument: Instrument
) -> pd.DataFrame:
    ident = instrument.by_role("id")
    return pd.DataFrame(
        {
            "respondent_id": rows[ident.id].to_numpy() if ident else "",
            RAW_ROW: rows[RAW_ROW].to_numpy(),
            "reason": reason,
            "detail": detail.to_numpy(),
        }
    )


def _excluded_on_reading(
    raw: pd.DataFrame, ident: str | None
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
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
    log = pd.DataFrame(
        {
            "respondent_id": out[ident].to_numpy() if ident else "",
            RAW_ROW: out[RAW_ROW].to_numpy(),
            "reason": [marked[r][0] for r in rows],
            "detail": [marked[r][1] for r in rows],
        }
    )
    return raw[~hit], [log]


def reconcile(result: Cleaned, raw: pd.DataFrame) -> None:
    """Check that clean rows and exclusions are exactly the raw rows (a failure is a bug)."""
    rows = np.concatenate(
        [result.data[RAW_ROW].to_numpy(), result.exclusions[RAW_ROW].to_numpy()]
    ).astype(int)
    if len(rows) != len(raw) or not np.array_equal(
        np.sort(rows), np.sort(raw[RAW_ROW].to_numpy().astype(int))
    ):
        raise RuntimeError(
            f"bug: {len(raw)} raw rows but {len(result.data)} valid + {len(result.exclusions)} excluded "
            "do not account for them exactly"
        )
