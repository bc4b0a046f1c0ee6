"""The files a run writes, one stage function each.

Every stage has the signature ``stage(study, folder, options, results) -> None``;
it writes its files into ``folder`` (a temporary folder that replaces the output
folder only when all stages succeed) and may leave values in ``results`` for later
stages and for the summary.  :data:`STAGES` lists them in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from survey import report
from survey.study import Study
from survey.tabular import write_csv


@dataclass(frozen=True)
class Options:
    """What the analyst asked for on the command line."""

    lang: str = "en"
    spss: bool = True
    charts: bool = True
    include_personal: bool = False
    redact: bool = True
    command: str = "python -m survey.analyze"


Results = MutableMapping[str, Any]

HEADLINE_COLUMNS = [
    "id", "statement", "published_pct", "stated_n", "estimate_pct", "n_base", "ci_low", "ci_high",
    "diff_pp", "reproduced", "grim_consistent",
]


def write_json(obj: Any, path: Path) -> None:
    """Deterministic JSON: sorted keys, fixed indentation, UTF-8, newline at the end."""
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def core(study: Study, folder: Path, options: Options, results: Results) -> None:
    """headlines.csv, toplines.csv, agreement.csv, exclusions.csv, data/respondents.csv."""
    headlines = study.headlines()
    if not headlines.empty:
        extra = [c for c in headlines.columns if c not in HEADLINE_COLUMNS]
        write_csv(headlines[HEADLINE_COLUMNS + extra], folder / "headlines.csv")
    results["headlines"] = headlines
    results["toplines"] = study.toplines(options.lang)
    write_csv(results["toplines"], folder / "toplines.csv")
    write_csv(study.cleaned.exclusions, folder / "exclusions.csv")
    results["reconciliation"] = study.cleaned.reconciliation()
    write_json(results["reconciliation"], folder / "reconciliation.json")
    (folder / "data").mkdir(exist_ok=True)
    respondents = study.respondents(include_personal=options.include_personal)
    write_csv(respondents, folder / "data" / "respondents.csv")


def weighting(study: Study, folder: Path, options: Options, results: Results) -> None:
    """weighting.json: the weighting run's method, targets and diagnostics."""
    if study.weighting is not None:
        write_json(study.weighting.diagnostics, folder / "weighting.json")


STAGES: list[tuple[str, Callable[[Study, Path, Options, Results], None]]] = [
    ("toplines and published figures", core),
    ("weighting diagnostics", weighting),
    ("report", report.write_report),
]


def write_all(study: Study, folder: Path, options: Options, stage: Callable[[str], None]) -> Results:
    """Run every stage into ``folder``; returns what the stages left for the summary."""
    results: Results = {}
    for name, func in STAGES:
        stage(name)
        func(study, folder, options, results)
    return results


def summary_text(study: Study, results: Results, out: Path) -> str:
    """The few lines printed at the end of a run."""
    rec = results["reconciliation"]
    reasons = ", ".join(f"{k} {v}" for k, v in rec.items() if k not in ("raw", "valid", "excluded"))
    lines = [
        f"{study.plan.study} wave {study.wave.id} ({study.wave.label}): {study.raw_path.name}"
        + (" [synthetic reconstruction]" if study.wave.synthetic else ""),
        f"raw {rec['raw']} = valid {rec['valid']} + excluded {rec['excluded']} ({reasons or 'none'})",
    ]
    headlines: pd.DataFrame = results.get("headlines", pd.DataFrame())
    if not headlines.empty:
        lines.append(f"{'figure':<18}{'published':>10}{'recomputed':>12}{'n':>6}  reproduced  consistent at stated n")
        for r in headlines.itertuples():
            verdict = "yes" if r.grim_consistent else f"no (n = {r.attainable_bases.replace(';', ', ')})"
            lines.append(
                f"{r.id:<18}{r.published_pct:>9.2f}%{r.estimate_pct:>11.2f}%{r.n_base:>6}  "
                f"{'yes' if r.reproduced else 'NO':<10}  {verdict}"
            )
        lines.append(
            f"reproduced {int(headlines['reproduced'].sum())} of {len(headlines)}; "
            f"not attainable as k/{headlines['stated_n'].iloc[0]}: "
            + (", ".join(headlines.loc[~headlines['grim_consistent'], 'id']) or "none")
        )
    lines.append(f"written to {out}")
    return "\n".join(lines)
