"""Workbooks an analyst hands on: banner tables and open-ended verbatims as formatted XLSX.

Layouts only; the numbers come from :mod:`survey.stats.tables` and the study's
open-ended stage, and the files are written by :func:`survey.write.xlsx.write_xlsx`
(neutralised text, deterministic bytes, frozen header).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.i18n import N_, translator
from survey.stats.crosstabs import TOTAL
from survey.write.xlsx import Sheet, write_xlsx

# The workbooks' fixed words, translated by the message catalogues (survey/locale/, see survey.i18n).
NOTES = [
    N_(
        "Each sheet crosses every question (rows) with one banner variable (columns); the Total column comes "
        "first."
    ),
    N_(
        "Cells are column percentages: weighted when the wave is weighted, else unweighted. The Base row "
        "gives the unweighted number of respondents with a substantive answer in the column."
    ),
    N_(
        "Letters: the column's percentage is significantly higher than that of the lettered columns (pairwise"
        " two-proportion z tests, {correction}-adjusted within each row, alpha = {alpha}; weighted tables use"
        " the Kish effective base)."
    ),
    N_(
        "Non-substantive answers (don't know, prefer not to say) are shown as counts and left out of the "
        "base."
    ),
    N_(
        "crosstab_tests.csv has Pearson chi-square, Cramér's V, Fisher's exact test (2x2 with small expected "
        "counts) and the Rao-Scott second-order F test (weighted) for every table; bases under 30 are flagged"
        " there."
    ),
]
OPEN_ENDED_NOTES = [
    N_("Text is redacted: personal data replaced by [EMAIL], [PHONE] ... placeholders."),
    N_("Fill the human_<theme> columns with 1 (theme present) or 0, then pass the file back with --human-codes."),
]


def sheet_words(lang: str) -> dict[str, str]:
    """The banner sheets' words in ``lang`` (a context of their own: Chinese says 合计 here, 总体 in the report)."""
    t = translator(lang)
    return {"base": t.pgettext("workbook", "Base (n)"), "total": t.pgettext("workbook", "Total"),
            "question": t.pgettext("workbook", "Question")}


def _cell(pct: float, letters: Any) -> str:
    if pct is None or not np.isfinite(pct):
        return ""
    sig = f" {letters}" if isinstance(letters, str) and letters else ""
    return f"{pct:.1f}{sig}"


_FIELDS = ["question", "banner", "row_code", "row_label", "col_code", "col_label", "col_letter", "count", "base",
           "sig_letters"]


def _by_question(tables: pd.DataFrame, value: str) -> list[tuple[Any, list[tuple[Any, ...]]]]:
    """The tidy table's rows as tuples (:data:`_FIELDS` then ``value``), grouped by question in order."""
    columns = [tables[c].tolist() for c in _FIELDS + [value]]
    groups: dict[Any, list[tuple[Any, ...]]] = {}
    for record in zip(*columns):
        groups.setdefault(record[0], []).append(record)
    return list(groups.items())


def banner_sheet(study: Any, tables: pd.DataFrame, banner: str, lang: str,
                 grouped: list[tuple[Any, list[tuple[Any, ...]]]] | None = None) -> Sheet:
    """One banner variable: questions stacked down the sheet, Total then the banner's columns.

    ``grouped`` is :func:`_by_question` of ``tables`` (made here if not given), so
    that a workbook with many sheets converts the table once.
    """
    words = sheet_words(lang)
    value = "weighted_col_pct" if study.weights is not None else "col_pct"
    if grouped is None:
        grouped = _by_question(tables, value)
    variables = study.instrument.variables()
    rows: list[list[str]] = []
    bold: list[int] = []
    header: list[str] = []
    for qid, records in grouped:
        # fields: 0 question, 1 banner, 2 row_code, 3 row_label, 4 col_code, 5 col_label, 6 col_letter,
        # 7 count, 8 base, 9 sig_letters, 10 value
        part = [r for r in records if r[1] == TOTAL or r[1] == banner]
        if not any(r[1] == banner for r in part):
            continue
        cols: dict[tuple[Any, Any], tuple[Any, ...]] = {}
        for r in part:
            cols.setdefault((r[1], r[4]), r)
        header = [words["question"]] + [
            words["total"] if b == TOTAL else f"{r[5]} ({r[6]})" for (b, _), r in cols.items()]
        bold.append(len(rows))
        rows.append([f"{qid}: {variables[qid].wording(lang)}"] + [""] * (len(header) - 1))
        cells = {(str(r[2]), r[1], str(r[4])): r for r in part}
        labels: dict[Any, Any] = {}
        for r in part:
            labels.setdefault(r[2], r[3])
        for code, label in labels.items():
            row = [str(label)]
            for b, c in cols:
                r = cells[(str(code), b, str(c))]
                row.append(_cell(r[10], r[9]) if pd.notna(r[10]) else f"({r[7]})")
            rows.append(row)
        bold.append(len(rows))
        rows.append([words["base"]] + [str(int(r[8])) for r in cols.values()])
        rows.append([""] * len(header))
    width = max((len(r) for r in rows), default=1)
    header = (header + [""] * width)[:width] if header else [""] * width
    frame = pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=header)
    return Sheet(banner, frame, bold_rows=tuple(bold))


def write_crosstabs_xlsx(study: Any, tables: pd.DataFrame, tests: pd.DataFrame, path: Path, lang: str) -> None:
    """``crosstabs.xlsx``: a sheet per banner variable, a tests sheet and a notes sheet."""
    banners = [b for b in dict.fromkeys(tables["banner"]) if b != TOTAL]
    grouped = _by_question(tables, "weighted_col_pct" if study.weights is not None else "col_pct")
    sheets = [banner_sheet(study, tables, b, lang, grouped) for b in banners]
    sheets.append(Sheet("tests", tests))
    t = translator(lang)
    notes = [t.gettext(n, correction=study.plan.correction, alpha=study.plan.alpha) for n in NOTES]
    write_xlsx(sheets, path, notes=notes)


def write_open_ended_xlsx(accounts: pd.DataFrame, study: Any, path: Path, lang: str) -> None:
    """``open_ended.xlsx``: one row per account for a human coder, and the theme list."""
    frame = study.coding_frame
    themes = pd.DataFrame({"theme": frame.ids, "label": [frame.label(t, lang) for t in frame.ids]})
    notes = [translator(lang).gettext(n) for n in OPEN_ENDED_NOTES]
    write_xlsx([Sheet("accounts", accounts), Sheet("themes", themes)], path, notes=notes)
