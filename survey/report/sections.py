"""The report's sections, each a list of blocks made from the study and its results.

A section whose results are absent is left out.  Labels and wording come from the
instrument in the report's language; fixed text from :class:`~survey.report.words.Words`.
This module holds the title, published figures, toplines, themes, trends,
questionnaire and footer; the disclosure section is :mod:`survey.report.disclosure`
and the crosstab section :mod:`survey.report.bannertables` (their names stay
importable from here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import survey
from survey.i18n import language_name
from survey.report.bannertables import (  # noqa: F401 (kept importable from here)
    column_letters,
    crosstab_section,
    crosstab_table,
)
from survey.report.blocks import (
    Block,
    Bullets,
    Heading,
    Image,
    Para,
    Table,
    _int,
    _interval,
    _meta,
    _num,
    _p,
)
from survey.report.disclosure import (  # noqa: F401 (kept importable from here)
    disclosure_section,
    exclusions_blocks,
    redaction_text,
    targets_blocks,
    weighting_text,
)
from survey.report.labels import (
    _trend_basis,
    condition_text,
    is_weighted,
    raw_sha256,
    var_label,
    wave_labels,
)
from survey.report.words import Words
from survey.stats.published import attainable_counts

# ------------------------------------------------------------------ sections


def title_section(study: Any, w: Words) -> list[Block]:
    lang = w.lang
    title = _meta(study.plan.title, lang) or _meta(study.instrument.study.get("title"), lang)
    blocks: list[Block] = [
        Heading(1, title),
        Para(
            w(
                "subtitle",
                study=_meta(study.instrument.study.get("title"), lang),
                wave=study.wave.id,
                label=study.wave.label,
                version=study.instrument.version,
            )
        ),
    ]
    if study.wave.synthetic:
        who = _meta(study.instrument.study.get("conductor"), lang) or _meta(
            study.instrument.study.get("sponsor"), lang
        )
        blocks.append(Para(w("synthetic", conductor=who), "alert"))
    return blocks


def published_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    table: pd.DataFrame = results["headlines"]
    d = study.plan.decimals
    blocks: list[Block] = [
        Heading(2, w("published"), "published"),
        Para(
            w(
                "published_intro",
                source=" ".join(study.plan.published_source.split()).rstrip("."),
                decimals=d,
            )
        ),
        published_table(table, d, w),
        Heading(3, w("statements")),
        Bullets(tuple(f"**{r.id}**: {r.statement}" for r in table.itertuples(index=False))),
    ]
    if "weighted_pct" in table.columns:
        blocks += [
            Heading(3, w("weighted_estimates")),
            Para(w("intervals_weighted"), "note"),
            weighted_published_table(table, d, w),
        ]
    return blocks


def published_table(table: pd.DataFrame, d: int, w: Words) -> Table:
    """Each published figure against its recomputed estimate (``d`` decimals)."""
    rows = tuple(
        (
            str(r.id),
            _num(r.published_pct, d),
            _num(r.estimate_pct, d),
            _interval(r.ci_low, r.ci_high),
            _int(r.n_base),
            _num(r.diff_pp, d),
            w("yes") if r.reproduced else w("no"),
            consistency(r, d, w),
        )
        for r in table.itertuples(index=False)
    )
    return Table(
        (
            w("figure"),
            w("published_pct"),
            w("recomputed_pct"),
            w("wilson_95"),
            "n",
            w("diff_pp"),
            w("reproduced"),
            w("consistent"),
        ),
        rows,
        (False, True, True, True, True, True, False, False),
    )


def weighted_published_table(table: pd.DataFrame, d: int, w: Words) -> Table:
    """The weighted estimates of the published figures, with their design-based intervals."""
    rows = tuple(
        (
            str(r.id),
            _num(r.weighted_pct, d),
            _interval(r.weighted_ci_low, r.weighted_ci_high),
            _num(r.weighted_se_pct, 2),
            _num(getattr(r, "calibrated_se_pct", np.nan), 2),
            _num(r.deff, 2),
            _num(r.n_eff, 0),
        )
        for r in table.itertuples(index=False)
    )
    return Table(
        (
            w("figure"),
            w("weighted_pct"),
            w("design_95"),
            w("se_pp"),
            w("calibrated_se_pp"),
            "deff",
            "n_eff",
        ),
        rows,
        (False,) + (True,) * 6,
    )


def consistency(r: Any, decimals: int, w: Words) -> str:
    """The consistency verdict of one published figure at its stated base ("–" where it does not apply)."""
    if getattr(r, "grim_consistent", True) is None:
        return "–"
    ks = attainable_counts(float(r.published_pct), int(r.stated_n), decimals)
    if ks:
        return w("consistent_yes", k=ks[0], n=int(r.stated_n))
    bases = ", ".join(str(b) for b in str(r.attainable_bases or "").split(";") if b) or "–"
    return w("consistent_no", n=int(r.stated_n), bases=bases)


def topline_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    frame: pd.DataFrame = results["toplines"]
    weighted = is_weighted(study, results)
    blocks: list[Block] = [Heading(2, w("toplines"), "toplines"), Para(w("toplines_intro"), "note")]
    for name, sub in frame.groupby("question", sort=False):
        multi = (
            study.instrument.has_question(name) and study.instrument.question(name).type == "multi"
        )
        header = [w("code"), w("answer"), "n", "%", w("pct_asked")] + (
            [w("weighted_pct")] if weighted else []
        )
        rows = []
        for r in sub.itertuples(index=False):
            ns = " †" if r.nonsubstantive else ""
            row = [str(r.code), f"{r.label}{ns}", _int(r.count), _num(r.pct), _num(r.pct_of_asked)]
            rows.append(tuple(row + ([_num(r.weighted_pct)] if weighted else [])))
        first = sub.iloc[0]
        note = (
            w("multi_base", base=_int(first["base"]))
            if multi
            else w("topline_base", base=_int(first["base"]), asked=_int(first["n_asked"]))
        )
        blocks += [
            Heading(3, f"{name}: {var_label(study, name, w.lang)}"),
            Table(tuple(header), tuple(rows), (False, False) + (True,) * (len(header) - 2)),
            Para(note, "note"),
        ]
    return blocks + numeric_blocks(results.get("numeric"), weighted, w)


def numeric_blocks(frame: pd.DataFrame | None, weighted: bool, w: Words) -> list[Block]:
    """The summary of the numeric questions and scores (``numeric.csv``) as one table."""
    if frame is None or frame.empty:
        return []
    header = [w("question"), "n", w("mean"), w("sd"), w("median"), "min", "max"]
    header += [w("weighted_mean"), w("se")] if weighted else []
    rows = []
    for r in frame.itertuples(index=False):
        row = [
            f"{r.question}: {r.label}",
            _int(r.n),
            _num(r.mean, 2),
            _num(r.sd, 2),
            _num(r.median, 1),
            _num(r.min, 1),
            _num(r.max, 1),
        ]
        rows.append(
            tuple(row + ([_num(r.weighted_mean, 2), _num(r.weighted_se, 2)] if weighted else []))
        )
    return [
        Heading(3, w("numeric_questions")),
        Table(tuple(header), tuple(rows), (False,) + (True,) * (len(header) - 1)),
        Para(w("numeric_note"), "note"),
    ]


def themes_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    frame: pd.DataFrame = results["themes"]
    rows = tuple(
        (str(r.label), _int(r.count), _num(r.pct_of_accounts), _num(r.pct_of_asked))
        for r in frame.itertuples(index=False)
    )
    return [
        Heading(2, w("themes"), "themes"),
        Para(w("themes_note"), "note"),
        Table(
            (w("theme"), "n", w("pct_accounts"), w("pct_asked")), rows, (False, True, True, True)
        ),
    ]


def trends_section(
    study: Any, results: Mapping[str, Any], w: Words, images: Sequence[Image]
) -> list[Block]:
    """Each indicator by wave (by its label), weighted when the change is, with the change, its test and wording flag."""
    frame: pd.DataFrame = results["trends"]
    weighted = _trend_basis(frame)
    labels = wave_labels(study)
    est, low, high = (
        ("weighted_pct", "weighted_ci_low", "weighted_ci_high")
        if weighted
        else ("estimate_pct", "ci_low", "ci_high")
    )

    def flag(value: Any) -> str:
        return "" if value is None or pd.isna(value) else (w("yes") if value else w("no"))

    rows = tuple(
        (
            var_label(study, str(r["id"]), w.lang),
            labels.get(str(r["wave"]), str(r["wave"])),
            _num(r[est]),
            _interval(r[low], r[high]),
            _int(r["n_base"]),
            _num(r.get("change_pp")),
            _p(r.get("change_p")),
            flag(r.get("significant")),
            flag(r.get("wording_changed")),
        )
        for r in frame.to_dict("records")
    )
    header = (
        w("indicator"),
        w("wave"),
        w("weighted_pct") if weighted else "%",
        w("weighted_ci") if weighted else w("wilson_95"),
        "n",
        w("change_pp"),
        "p",
        w("significant"),
        w("wording_changed"),
    )
    return [
        Heading(2, w("trends"), "trends"),
        *images,
        Table(header, rows, (False, False, True, True, True, True, True, False, False)),
    ]


def questionnaire_section(study: Any, w: Words) -> list[Block]:
    inst = study.instrument
    blocks: list[Block] = [
        Heading(2, w("questionnaire"), "questionnaire"),
        Para(w("questionnaire_intro", version=inst.version)),
    ]
    others = [lang for lang in inst.languages if lang != w.lang]
    for q in inst.questions:
        if q.type == "paradata":
            continue
        items = [f"{_capital(language_name(lang, w.lang))}: {q.wording(lang)}" for lang in others]
        if q.codes:
            options = "; ".join(
                f"{c.code} = {c.text(w.lang)}"
                + (f" ({w('not_in_base')})" if c.nonsubstantive else "")
                for c in q.codes
            )
            items.append(
                f"{w('answers')}{' (' + w('multi') + ')' if q.type == 'multi' else ''}: {options}"
            )
        elif q.type == "numeric" and q.range:
            items.append(
                f"{w('answers')}: {w('numeric', low=_num(q.range[0], 0), high=_num(q.range[1], 0))}"
            )
        elif q.type == "text":
            items.append(f"{w('answers')}: {w('open_text')}")
        if q.ask_if:
            items.append(f"{w('asked_if')}: {condition_text(study, q.ask_if, w.lang)}")
        blocks += [Para(f"**{q.id}**: {q.wording(w.lang)}"), Bullets(tuple(items))]
    return blocks


def _capital(text: str) -> str:
    """First letter upper case (a language name opening a line: Spanish writes "inglés")."""
    return text[:1].upper() + text[1:]


def footer_section(study: Any, options: Any, w: Words) -> list[Block]:
    sha = raw_sha256(study.raw_path)
    rows = (
        (w("package_version"), f"survey {survey.__version__}"),
        (w("instrument_version"), f"{study.instrument.id} {study.instrument.version}"),
        (w("raw_file"), Path(study.raw_path).name),
        (w("raw_sha"), sha or w("unavailable")),
        (w("command"), f"`{options.command}`"),
    )
    return [
        Heading(2, w("reproducibility"), "reproducibility"),
        Table((w("item"), w("detail")), rows),
    ]
