"""The report's disclosure section: who made the study, the sample, exclusions, weighting.

The AAPOR Transparency Initiative's list, in the report's language: sponsor, conductor,
population, recruitment, mode, languages, field dates, the sample and its exclusions,
redaction, the weighting and its targets, and what the intervals are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.i18n import language_name
from survey.report.blocks import Block, Bullets, Heading, Para, Table, _int, _meta, _num, sentences
from survey.report.labels import (
    _lookup,
    _weighting_info,
    code_label,
    is_weighted,
    is_weighting_planned,
    var_label,
)
from survey.report.words import Words


def disclosure_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    lang, meta = w.lang, study.instrument.study
    langs = w("list_sep").join(language_name(code, lang) for code in study.instrument.languages)
    dates = " – ".join(study.wave.field_dates) or w("unknown")
    rows = [
        (w("sponsor"), _meta(meta.get("sponsor"), lang)),
        (w("conductor"), _meta(meta.get("conductor"), lang)),
        (w("population"), _meta(meta.get("population"), lang)),
        (w("recruitment"), _meta(meta.get("recruitment"), lang)),
        (w("mode"), _meta(meta.get("mode"), lang)),
        (w("languages"), langs),
        (w("field_dates"), dates),
    ]
    rec = results.get("reconciliation")
    if rec:
        rows.append(
            (
                w("sample"),
                w(
                    "sample_text",
                    raw=_int(rec["raw"]),
                    valid=_int(rec["valid"]),
                    excluded=_int(rec["excluded"]),
                ),
            )
        )
    if "redactions" in results:
        rows.append((w("redaction"), redaction_text(results["redactions"], w)))
    rows.append((w("weighting"), weighting_text(study, results, w)))
    intervals = [w("intervals_text")] + (
        [w("intervals_weighted")] if is_weighted(study, results) else []
    )
    rows.append((w("intervals"), sentences(w, intervals)))
    if meta.get("notes"):
        rows.append((w("notes"), _meta(meta.get("notes"), lang)))
    rows.append((w("wording"), w("see_questionnaire")))
    blocks: list[Block] = [
        Heading(2, w("disclosure"), "disclosure"),
        Para(w("disclosure_intro")),
        Table((w("item"), w("detail")), tuple(rows)),
    ]
    if rec:
        blocks += exclusions_blocks(study, rec, w)
    blocks += targets_blocks(study, results, w)
    return blocks


def redaction_text(counts: Mapping[str, int] | None, w: Words) -> str:
    """What redaction replaced, by type ("phone numbers 7, names 3"); None: not redacted."""
    if counts is None:
        return w("redaction_off")
    found = w("list_sep").join(f"{w('pii_' + kind)} {_int(n)}" for kind, n in counts.items() if n)
    return w("redaction_text", found=found) if found else w("redaction_none")


def exclusions_blocks(study: Any, rec: Mapping[str, Any], w: Words) -> list[Block]:
    described = {r.id: _meta(r.description, w.lang) for r in study.instrument.quality}
    reasons = [k for k in described if k in rec] + sorted(
        k for k in rec if k not in described and k not in ("raw", "valid", "excluded")
    )
    rows = tuple((r, described.get(r, ""), _int(rec[r])) for r in reasons)
    return [
        Heading(3, w("exclusions")),
        Table((w("reason"), w("description"), "n"), rows, (False, False, True)),
    ]


def weighting_text(study: Any, results: Mapping[str, Any], w: Words) -> str:
    if not is_weighted(study, results):
        return w("unweighted")
    info = _weighting_info(study, results)
    variables = w("list_sep").join(
        var_label(study, str(v), w.lang) for v in info.get("targets", {}) or {}
    )
    parts = [w("weighting_method", method=info.get("method", "?"), variables=variables)]
    if info.get("iterations") is not None:
        parts.append(
            w(
                "weighting_converged" if info.get("converged", True) else "weighting_not_converged",
                iterations=info["iterations"],
            )
        )
    if info.get("deff") is not None:
        parts.append(
            w("weighting_deff", deff=_num(info["deff"], 2), n_eff=_num(info.get("n_eff"), 0))
        )
    if info.get("weight_min") is not None:
        parts.append(
            w(
                "weighting_range",
                low=_num(info["weight_min"], 2),
                high=_num(info.get("weight_max"), 2),
            )
        )
    if info.get("bounds"):
        low, high = info["bounds"]
        parts.append(
            w(
                "weighting_at_bound",
                low=f"{float(low):g}",
                high=f"{float(high):g}",
                share=_num(100 * float(info.get("trimmed_share", 0.0)), 1),
            )
        )
    if info.get("n_outside_scope"):
        parts.append(
            w(
                "weighting_scope",
                n_weighted=_int(info.get("n_weighted")),
                n_outside=_int(info["n_outside_scope"]),
            )
        )
    return sentences(w, parts)


def targets_blocks(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    if not is_weighting_planned(study, results):
        return []
    info = _weighting_info(study, results)
    targets = info.get("targets") or {}
    achieved = info.get("achieved") or {}
    rows = []
    for var, shares in targets.items():
        for code, share in shares.items():
            got = _lookup(achieved, var, code)
            rows.append(
                (
                    var_label(study, var, w.lang),
                    code_label(study, var, code, w.lang),
                    _num(100 * float(share), 2),
                    "–" if got is None else _num(100 * float(got), 2),
                )
            )
    blocks: list[Block] = [
        Heading(3, w("targets")),
        Table(
            (w("variable"), w("category"), w("target_pct"), w("achieved_pct")),
            tuple(rows),
            (False, False, True, True),
        ),
    ]
    sources = info.get("sources") or {}
    if sources:
        blocks.append(
            Bullets(
                tuple(
                    f"{var_label(study, k, w.lang)}: {' '.join(str(v).split())}"
                    for k, v in sources.items()
                )
            )
        )
    return blocks
