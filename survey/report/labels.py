"""What the report says about the study: variable and code labels, conditions in words, weighting.

Shared by the sections (:mod:`survey.report.sections`) and the charts they show
(:mod:`survey.report.figures`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from survey.report.blocks import _meta
from survey.report.words import Words

# ------------------------------------------------------------------ labels from the study


def var_label(study: Any, name: str, lang: str) -> str:
    """Wording of a question, label of a derived variable or banner net, else the name."""
    inst = study.instrument
    if inst.has_question(name):
        return inst.question(name).wording(lang)
    for d in inst.derived:
        if d.id == name:
            return d.wording(lang)
    for net in getattr(study.plan, "banner_nets", ()):
        if net.get("id") == name:
            return _meta(net.get("label"), lang)
    return str(name)


def code_label(study: Any, name: str, code: Any, lang: str) -> str:
    try:
        codes = study.instrument.codes_of(name)
    except KeyError:
        return str(code)
    for c in codes:
        if str(c.code) == str(code):
            return c.text(lang)
    return str(code)


def condition_text(study: Any, cond: Mapping[str, Any], lang: str) -> str:
    """A skip-logic condition in words: ``participated_q = 1 (Yes)``."""
    for key, joiner in (("all", " & "), ("any", " | ")):
        if key in cond:
            return "(" + joiner.join(condition_text(study, c, lang) for c in cond[key]) + ")"
    if "not" in cond:
        return Words(lang)("cond_not", condition=condition_text(study, cond["not"], lang))
    symbols = {
        "eq": "=",
        "ne": "≠",
        "lt": "<",
        "le": "≤",
        "gt": ">",
        "ge": "≥",
        "in": "∈",
        "not_in": "∉",
    }
    name, op, value = cond["question"], cond["op"], cond.get("value")
    if op in ("answered", "blank"):
        return Words(lang)(f"cond_{op}", question=name)
    values = value if isinstance(value, list) else [value]
    shown = ", ".join(
        f"{v} ({code_label(study, name, v, lang)})"
        if code_label(study, name, v, lang) != str(v)
        else str(v)
        for v in values
    )
    return f"{name} {symbols.get(op, op)} {shown}"


def raw_sha256(path: Path) -> str | None:
    """SHA-256 of the raw input file, or None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def is_weighted(study: Any, results: Mapping[str, Any]) -> bool:
    return results.get("weighting") is not None or getattr(study, "weighting", None) is not None


def _weighting_info(study: Any, results: Mapping[str, Any]) -> dict[str, Any]:
    spec = (
        dict(study.plan.weighting.get(study.wave.weighting, {}) or {})
        if study.wave.weighting
        else {}
    )
    diag = (
        results.get("weighting")
        or getattr(getattr(study, "weighting", None), "diagnostics", None)
        or {}
    )
    return {**spec, **dict(diag)}


def _lookup(mapping: Any, var: str, code: Any) -> Any:
    inner = (mapping or {}).get(var) or {}
    for key in (code, str(code)):
        if key in inner:
            return inner[key]
    try:
        return inner.get(int(code))
    except (TypeError, ValueError):
        return None


def is_weighting_planned(study: Any, results: Mapping[str, Any]) -> bool:
    return is_weighted(study, results) and bool(_weighting_info(study, results).get("targets"))


def wave_labels(study: Any) -> dict[str, str]:
    """Each wave's label (e.g. its year) by wave id."""
    return {str(wave.id): str(wave.label or wave.id) for wave in study.plan.waves}


def _trend_basis(frame: pd.DataFrame) -> bool:
    """Whether the trend is weighted: every change weighted and every wave's weighted estimate there."""
    if "change_basis" not in frame.columns or "weighted_pct" not in frame.columns:
        return False
    changes = frame["change_basis"].fillna("").astype(str)
    return bool(
        (changes[changes != ""] == "weighted").all()
        and (changes != "").any()
        and frame["weighted_pct"].notna().all()
    )
