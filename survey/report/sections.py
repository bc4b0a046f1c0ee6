"""The report's sections, each a list of blocks made from the study and its results.

A section whose results are absent is left out.  Labels and wording come from the
instrument in the report's language; fixed text from :class:`~survey.report.words.Words`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import survey
from survey.i18n import language_name
from survey.report.blocks import (
    Block,
    Bullets,
    Heading,
    Image,
    Para,
    Table,
    _has,
    _int,
    _interval,
    _meta,
    _num,
    _p,
    sentences,
)
from survey.report.labels import (
    _lookup,
    _trend_basis,
    _weighting_info,
    code_label,
    condition_text,
    is_weighted,
    is_weighting_planned,
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


def published_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    table: pd.DataFrame = results["headlines"]
    d = study.plan.decimals
    rows = []
    for r in table.itertuples(index=False):
        rows.append(
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
        )
    blocks: list[Block] = [
        Heading(2, w("published"), "published"),
        Para(
            w(
                "published_intro",
                source=" ".join(study.plan.published_source.split()).rstrip("."),
                decimals=d,
            )
        ),
        Table(
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
            tuple(rows),
            (False, True, True, True, True, True, False, False),
        ),
        Heading(3, w("statements")),
        Bullets(tuple(f"**{r.id}**: {r.statement}" for r in table.itertuples(index=False))),
    ]
    if "weighted_pct" in table.columns:
        wrows = tuple(
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
        blocks += [
            Heading(3, w("weighted_estimates")),
            Para(w("intervals_weighted"), "note"),
            Table(
                (
                    w("figure"),
                    w("weighted_pct"),
                    w("design_95"),
                    w("se_pp"),
                    w("calibrated_se_pp"),
                    "deff",
                    "n_eff",
                ),
                wrows,
                (False,) + (True,) * 6,
            ),
        ]
    return blocks


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


def _pct_scale(frame: pd.DataFrame, column: str) -> float:
    """100 when ``column`` holds proportions (the Total column sums to about 1), else 1."""
    total = frame[
        (frame["banner"] == "Total") & ~frame["row_code"].astype(str).str.startswith("net:")
    ]
    sums = total.groupby("question")[column].sum()
    return 100.0 if len(sums) and float(sums.max()) <= 1.5 else 1.0


def column_letters(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Letter of every (banner, col_code) column: A, B, C ... within each banner, Total none.

    Uses a ``col_letter`` column when the crosstab frame has one.
    """
    cols = frame[
        ["banner", "col_code"] + (["col_letter"] if "col_letter" in frame.columns else [])
    ].drop_duplicates(["banner", "col_code"])
    out: dict[tuple[str, str], str] = {}
    for banner, sub in cols.groupby("banner", sort=False):
        for i, r in enumerate(sub.itertuples(index=False)):
            letter = getattr(r, "col_letter", None) if "col_letter" in sub.columns else None
            out[(str(banner), str(r.col_code))] = (
                "" if banner == "Total" else str(letter or _letter(i))
            )
    return out


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else chr(ord("A") + i // 26 - 1) + chr(ord("A") + i % 26)


def crosstab_table(study: Any, frame: pd.DataFrame, value: str, scale: float, w: Words) -> Table:
    """One question by every banner, compact: column % with significance letters, base row."""
    letters = column_letters(frame)
    columns = frame[["banner", "col_code", "col_label"]].drop_duplicates(["banner", "col_code"])
    columns = pd.concat(
        [columns[columns["banner"] == "Total"], columns[columns["banner"] != "Total"]]
    )
    keys = [(str(r.banner), str(r.col_code)) for r in columns.itertuples(index=False)]
    cells = {
        (str(r.row_code), str(r.banner), str(r.col_code)): r for r in frame.itertuples(index=False)
    }
    header = [w("answer")] + [
        (w("total") if b == "Total" else str(label))
        + (f" ({letters[(b, c)]})" if letters[(b, c)] else "")
        for (b, c), label in zip(keys, columns["col_label"], strict=True)
    ]
    rows = []
    for row_code, row_label in (
        frame[["row_code", "row_label"]].drop_duplicates("row_code").itertuples(index=False)
    ):
        row = [str(row_label)]
        for b, c in keys:
            r = cells.get((str(row_code), b, c))
            sig = (
                ""
                if r is None or pd.isna(r.sig_letters) or not str(r.sig_letters)
                else f" {r.sig_letters}"
            )
            row.append("–" if r is None else f"{_num(scale * float(getattr(r, value)), 0)}{sig}")
        rows.append(tuple(row))
    weighted = value == "weighted_col_pct" and "weighted_n" in frame.columns
    bases = frame.drop_duplicates(["banner", "col_code"])
    bases.index = [
        (str(b), str(c)) for b, c in zip(bases["banner"], bases["col_code"], strict=True)
    ]
    shown = bases["weighted_n" if weighted else "base"]
    low = bases["low_base"] if "low_base" in bases.columns else pd.Series(False, index=bases.index)
    rows.append(
        tuple([w("base_n")] + [_int(shown[k]) + ("*" if bool(low[k]) else "") for k in keys])
    )
    if weighted:
        rows.append(
            tuple([w("weighted_base_n")] + [_num(bases["weighted_base"][k], 0) for k in keys])
        )
    groups, spans = [("", 1)], columns.groupby("banner", sort=False).size()
    for banner, span in spans.items():
        groups.append(
            (w("total") if banner == "Total" else var_label(study, str(banner), w.lang), int(span))
        )
    return Table(
        tuple(header), tuple(rows), (False,) + (True,) * len(keys), tuple(groups), wide=True
    )


def crosstab_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    frame: pd.DataFrame = results["crosstabs"]
    weighted = is_weighted(study, results) and "weighted_col_pct" in frame.columns
    value = "weighted_col_pct" if weighted else "col_pct"
    scale = _pct_scale(frame, value)
    blocks: list[Block] = [
        Heading(2, w("crosstabs"), "crosstabs"),
        Para(
            w(
                "crosstabs_note",
                pct=w("weighted_col" if weighted else "unweighted_col"),
                correction=study.plan.correction,
                alpha=study.plan.alpha,
            ),
            "note",
        ),
    ]
    for name, sub in frame.groupby("question", sort=False):
        blocks += [
            Heading(3, f"{name}: {var_label(study, str(name), w.lang)}"),
            crosstab_table(study, sub, value, scale, w),
        ]
    if "weighted_n" in frame.columns:
        outside = (
            int(_weighting_info(study, results).get("n_outside_scope") or 0) if weighted else 0
        )
        blocks.append(
            Para(
                w("bases_note_weighted", n_outside=f"{outside:,}") if weighted else w("bases_note"),
                "note",
            )
        )
    if _has(results, "crosstab_tests"):
        tests: pd.DataFrame = results["crosstab_tests"]
        option = (
            tests["option"].fillna("").astype(str)
            if "option" in tests.columns
            else pd.Series("", index=tests.index)
        )
        rows = tuple(
            (
                str(r.question) + (f" [{o}]" if o else ""),
                var_label(study, str(r.banner), w.lang),
                _p(r.pearson_p),
                _p(r.rao_scott_p),
                _p(r.fisher_p),
                _num(r.cramers_v, 3),
                _num(r.min_expected, 1),
                "" if pd.isna(r.low_base_columns) else str(r.low_base_columns),
            )
            for r, o in zip(tests.itertuples(index=False), option, strict=True)
        )
        refused = "rao_scott_note" in tests.columns and bool(
            tests["rao_scott_note"].fillna("").astype(str).ne("").any()
        )
        note = (
            w("sentences", first=w("tests_note"), next=w("rao_scott_na"))
            if refused
            else w("tests_note")
        )
        blocks += [
            Heading(3, w("tests")),
            Para(note, "note"),
            Table(
                (
                    w("question"),
                    w("banner"),
                    "Pearson χ² p",
                    "Rao-Scott p",
                    "Fisher p",
                    "Cramér's V",
                    w("min_expected"),
                    w("low_base"),
                ),
                rows,
                (False, False, True, True, True, True, True, False),
            ),
        ]
    return blocks


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
