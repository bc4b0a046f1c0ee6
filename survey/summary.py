"""The few lines a run prints at its end: what was read, kept, weighted, redacted, reproduced.

Every line is a message of the gettext catalogues (:mod:`survey.i18n`), in the run's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from survey.i18n import Translator, fallback_note, translator
from survey.study import Study


def summary_text(study: Study, results: Mapping[str, Any], out: Path, lang: str = "en") -> str:
    """The few lines printed at the end of a run, in ``lang``.

    The line before the last says, once, how many messages had no translation and
    were shown in English (in any file of the run or in this summary), if any did.
    """
    t = translator(lang)
    lines = [
        *_read_lines(study, results, t),
        *_weighting_lines(study, t),
        _redaction_line(results, t),
        *_headline_lines(results.get("headlines", pd.DataFrame()), t),
    ]
    written = t.gettext("written to {out}", out=out)
    note = fallback_note(lang)  # after the last message: it counts those shown in English
    return "\n".join(lines + ([note] if note else []) + [written])


def _read_lines(study: Study, results: Mapping[str, Any], t: Translator) -> list[str]:
    """The raw file, the reconciliation of its rows, blanked skips, a missing plan."""
    rec = results["reconciliation"]
    reasons = ", ".join(f"{k} {v}" for k, v in rec.items() if k not in ("raw", "valid", "excluded"))
    lines = [
        t.gettext(
            "{study} wave {wave} ({label}): {file}",
            study=study.plan.study,
            wave=study.wave.id,
            label=study.wave.label,
            file=study.raw_path.name,
        )
        + (" " + t.gettext("[synthetic reconstruction]") if study.wave.synthetic else ""),
        t.gettext(
            "raw {raw} = valid {valid} + excluded {excluded} ({reasons})",
            raw=rec["raw"],
            valid=rec["valid"],
            excluded=rec["excluded"],
            reasons=reasons or t.gettext("none"),
        ),
    ]
    skipped = len(study.cleaned.skip_violations)
    if skipped:
        lines.append(
            t.gettext(
                "skip logic: {n} answer(s) of respondents not asked blanked (skip_violations.csv)",
                n=skipped,
            )
        )
    if not study.has_plan:
        lines.append(
            t.gettext("no analysis plan: published figures and weighting skipped")
            + (
                ""
                if study.plan.banner
                else t.gettext("; no background questions (section: background), no crosstabs")
            )
        )
    return lines


def _weighting_lines(study: Study, t: Translator) -> list[str]:
    """The weighting run: method, convergence, design effect, bounds."""
    lines: list[str] = []
    if study.weighting is not None:
        d = study.weighting.diagnostics
        lines.append(
            t.gettext(
                "weighted {n} respondents ({outside} outside the weighting scope): {method}, {iterations} iterations, "
                "converged {converged}, deff {deff}, effective n {n_eff}",
                n=d["n_weighted"],
                outside=d["n_outside_scope"],
                method=d["method"],
                iterations=d["iterations"],
                converged=t.gettext("true") if d["converged"] else t.gettext("false"),
                deff=f"{d['deff']:.2f}",
                n_eff=f"{d['n_eff']:.0f}",
            )
        )
        if d.get("bounds"):
            lines.append(
                t.gettext(
                    "bounded raking within ({low}, {high}): {share}% of weights at a bound",
                    low=f"{d['bounds'][0]:g}",
                    high=f"{d['bounds'][1]:g}",
                    share=f"{100 * d['trimmed_share']:.1f}",
                )
            )
    return lines


def _redaction_line(results: Mapping[str, Any], t: Translator) -> str:
    """Personal data replaced in the open text, by type (or a warning that it was not)."""
    if results.get("redactions") is None:
        return t.gettext("open text NOT redacted (--no-redact): it may hold personal data")
    found = ", ".join(f"{k} {v}" for k, v in results["redactions"].items() if v) or t.gettext(
        "none"
    )
    return t.gettext("redacted in open text: {found}", found=found)


def _headline_lines(headlines: pd.DataFrame, t: Translator) -> list[str]:
    """The published figures against the recomputed ones, and whether each is attainable."""
    if headlines.empty:
        return []
    lines = []
    head = (
        t.gettext("figure"),
        t.gettext("published"),
        t.gettext("recomputed"),
        t.gettext("reproduced"),
        t.gettext("consistent at stated n"),
    )
    lines.append(f"{head[0]:<18}{head[1]:>10}{head[2]:>12}{'n':>6}  {head[3]:<10}  {head[4]}")
    yes, no = t.gettext("yes"), t.gettext("NO")
    for r in headlines.itertuples():
        if r.grim_consistent is None:
            verdict = t.gettext("does not apply")
        else:
            verdict = (
                yes
                if r.grim_consistent
                else t.gettext("no (n = {bases})", bases=r.attainable_bases.replace(";", ", "))
            )
        unit = "%" if getattr(r, "statistic", "pct") == "pct" else " "
        lines.append(
            f"{r.id:<18}{r.published_pct:>9.2f}{unit}{r.estimate_pct:>11.2f}{unit}{r.n_base:>6}  "
            f"{yes if r.reproduced else no:<10}  {verdict}"
        )
    lines.append(
        t.gettext(
            "reproduced {k} of {n}; not attainable as k/{stated}: {ids}",
            k=int(headlines["reproduced"].sum()),
            n=len(headlines),
            stated=headlines["stated_n"].iloc[0],
            ids=", ".join(headlines.loc[headlines["grim_consistent"].eq(False), "id"])
            or t.gettext("none"),
        )
    )
    return lines
