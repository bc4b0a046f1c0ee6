"""Workbooks an analyst hands on: the banner tables and the open-ended verbatims as XLSX.

``crosstabs.xlsx`` is laid out as a tab house lays out banner tables: one wide
sheet with the Total then every banner variable side by side (column letters
under each group), one table per question and per printed page (landscape, fit
to the page width, the banner header repeated on every page), numbers as numeric
cells with number formats (column percentages as ``%``, bases and counts as whole
numbers), significance letters in their own row under the percentages, nets in
bold, low-base columns marked, ``*`` for a percentage under 0.5 and ``-`` for
none.  A contents sheet links to every table; the tests and notes follow.

Layouts only: the numbers are the battery's (:mod:`survey.stats.tables`); files
are written by XlsxWriter through :mod:`survey.write.sheets`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.i18n import N_, translator
from survey.stats.association import LOW_BASE
from survey.stats.crosstabs import TOTAL
from survey.write.sheets import BulkSheet, column_widths, display_width, sheet_names, workbook

# The workbooks' fixed words, translated by the message catalogues (survey/locale/, see survey.i18n);
# context "workbook" (Chinese says 合计 here, 总体 in the report).
NOTES = [
    N_(
        "The Banner sheet crosses every question (one table per printed page) with the Total and every banner variable side by side; the letters under each column label name the columns of that group."
    ),
    N_(
        "Cells are column percentages: weighted when the wave is weighted, else unweighted. '*' marks a percentage under 0.5, '-' none at all. The base rows give the number of respondents with a substantive answer in the column (unweighted; and weighted, when the wave is weighted)."
    ),
    N_(
        "Letters under a percentage: it is significantly higher than in the lettered columns of the same group (pairwise two-proportion z tests, {correction}-adjusted within each row, alpha = {alpha}; weighted tables use the Kish effective base)."
    ),
    N_(
        "A base marked '!' is under {low_base} respondents: its percentages (in grey) are too unreliable to compare."
    ),
    N_(
        "Net rows (in bold) group answers. Non-substantive answers (don't know, prefer not to say) are shown as unweighted counts in brackets and left out of the base."
    ),
    N_(
        "The Tests sheet has Pearson chi-square, Cramér's V, Fisher's exact test (2x2 with small expected counts) and the Rao-Scott second-order F test (weighted) for every table; crosstabs.csv has every number unrounded."
    ),
]
OPEN_ENDED_NOTES = [
    N_("Text is redacted: personal data replaced by [EMAIL], [PHONE] ... placeholders."),
    N_(
        "Fill the human_<theme> columns with 1 (theme present) or 0, then pass the file back with --human-codes."
    ),
]
#: Number formats: percentages of fractions ("*" under 0.5%, "-" for 0), whole counts.
PCT = '[=0]"-";[<0.005]"*";0%'
COUNT = "#,##0"
STUB_WIDTH = 36
HEADER_ROWS = 3  # group labels, column labels, letters


def sheet_words(lang: str) -> dict[str, str]:
    """The workbooks' words in ``lang`` (context ``workbook``)."""
    t = translator(lang)
    return {
        "total": t.pgettext("workbook", "Total"),
        "base": t.pgettext("workbook", "Unweighted base"),
        "weighted_base": t.pgettext("workbook", "Weighted base"),
        "contents": t.pgettext("workbook", "Contents"),
        "banner": t.pgettext("workbook", "Banner"),
        "tests": t.pgettext("workbook", "Tests"),
        "notes": t.pgettext("workbook", "Notes"),
        "table": t.pgettext("workbook", "Table"),
        "question": t.pgettext("workbook", "Question"),
        "title": t.pgettext("workbook", "Title"),
        "weighted": t.pgettext("workbook", "Column %, weighted"),
        "unweighted": t.pgettext("workbook", "Column %, unweighted"),
        "multi": t.pgettext(
            "workbook", "More than one answer possible: percentages add to more than 100."
        ),
        "letters": t.pgettext(
            "workbook",
            "Letters: higher than the lettered column at alpha = {alpha} ({correction}).",
        ),
        "low_base": t.pgettext("workbook", "! base under {low_base}"),
        "see": t.pgettext("workbook", "see"),
    }


def banner_label(study: Any, banner: str, lang: str) -> str:
    """The group label of a banner variable: the question's wording, or the net's label."""
    for net in study.plan.banner_nets:
        if net["id"] == banner:
            return str(net["label"].get(lang) or net["label"]["en"])
    variables = study.instrument.variables()
    return variables[banner].wording(lang) if banner in variables else banner


@dataclass(frozen=True)
class _Column:
    banner: str
    code: Any
    label: str
    letter: str


def _columns(tables: pd.DataFrame, lang: str) -> list[_Column]:
    """Every column of the wide banner: Total, then each banner's columns in the battery's order."""
    banner, code, label, letter = (
        tables[name].tolist() for name in ("banner", "col_code", "col_label", "col_letter")
    )
    firsts: dict[tuple[Any, Any], int] = {}
    for i, key in enumerate(zip(banner, code)):
        firsts.setdefault(key, i)
    out = [_Column(TOTAL, TOTAL, sheet_words(lang)["total"], "")]
    for i in firsts.values():
        if banner[i] != TOTAL:
            out.append(
                _Column(
                    str(banner[i]),
                    code[i],
                    str(label[i]),
                    "" if pd.isna(letter[i]) else str(letter[i]),
                )
            )
    return out


def _lines(text: str, width: float) -> int:
    return max(1, math.ceil(display_width(text) / max(width - 1, 1)))


def cell_width(col: _Column) -> int:
    """A banner column's width: its label's longest word fits unbroken (7 to 12 characters)."""
    words = str(col.label).split() or [""]
    longest = max(display_width(w) for w in words)
    return int(min(12, max(7, longest + 1, len(col.letter) + 1)))


class _Formats:
    """The banner sheet's cell formats."""

    def __init__(self, book: Any) -> None:
        add = book.add_format
        self.title = add({"bold": True, "font_size": 11})
        self.note = add({"italic": True, "font_color": "#555555", "font_size": 9})
        self.group = add(
            {"bold": True, "align": "center", "valign": "bottom", "text_wrap": True, "bottom": 1}
        )
        self.label = add({"bold": True, "align": "center", "valign": "bottom", "text_wrap": True})
        self.letter_head = add({"align": "center", "font_color": "#1F4E79", "bottom": 1})
        self.stub = add({"text_wrap": True, "valign": "top"})
        self.stub_bold = add({"text_wrap": True, "valign": "top", "bold": True})
        self.base_stub = add({"italic": True, "valign": "top"})
        self.pct = add({"num_format": PCT, "valign": "top"})
        self.pct_net = add({"num_format": PCT, "valign": "top", "bold": True})
        self.pct_low = add(
            {"num_format": PCT, "valign": "top", "italic": True, "font_color": "#808080"}
        )
        self.count = add({"num_format": f"({COUNT})", "valign": "top", "font_color": "#555555"})
        self.base = add({"num_format": COUNT, "italic": True})
        self.base_low = add({"num_format": f'{COUNT}" !"', "italic": True, "font_color": "#C00000"})
        self.letters = add(
            {"align": "right", "font_color": "#1F4E79", "font_size": 8, "valign": "top"}
        )
        self.bold = add({"bold": True})
        self.link = add({"font_color": "#0563C1", "underline": 1})


def _header(ws: Any, f: _Formats, study: Any, columns: list[_Column], lang: str) -> None:
    """The three frozen, repeated rows: group labels (merged), column labels, letters."""
    groups: dict[str, list[int]] = {}
    for k, col in enumerate(columns, start=1):
        groups.setdefault(col.banner, []).append(k)
    widths = [cell_width(c) for c in columns]
    lines = 1
    for banner, ks in groups.items():
        if banner == TOTAL:  # the column label says it
            ws.write_blank(0, ks[0], None, f.group)
            continue
        label = banner_label(study, banner, lang)
        lines = max(lines, _lines(label, sum(widths[k - 1] for k in ks)))
        if len(ks) > 1:
            ws.merge_range(0, ks[0], 0, ks[-1], label, f.group)
        else:
            ws.write_string(0, ks[0], label, f.group)
    ws.set_row(0, 15 * lines)
    ws.set_row(1, 15 * max(_lines(c.label, wd) for c, wd in zip(columns, widths)))
    for k, (col, width) in enumerate(zip(columns, widths), start=1):
        ws.write_string(1, k, col.label, f.label)
        ws.write_string(2, k, col.letter, f.letter_head)
        ws.set_column(k, k, width)
    ws.write_blank(2, 0, None, f.letter_head)


def _block(
    ws: Any,
    f: _Formats,
    row: int,
    qid: str,
    sub: pd.DataFrame,
    study: Any,
    columns: list[_Column],
    value: str,
    lang: str,
) -> int:
    """One question's table from ``row`` down; returns the next free row."""
    w = sheet_words(lang)
    question = study.instrument.variables()[qid]
    weighted = value == "weighted_col_pct"
    ws.write_string(row, 0, f"{qid}: {question.wording(lang)}", f.title)
    note = (
        w["weighted" if weighted else "unweighted"]
        + ". "
        + w["letters"].format(alpha=study.plan.alpha, correction=study.plan.correction)
    )
    if getattr(question, "type", "") == "multi":
        note += " " + w["multi"]
    ws.write_string(row + 1, 0, note, f.note)
    position = {(c.banner, str(c.code)): k for k, c in enumerate(columns, start=1)}
    names = ["banner", "col_code", "row_code", "row_label", "count", "sig_letters", "base", value]
    cells = {
        name: sub[name].tolist() for name in [*names, *(["weighted_base"] if weighted else [])]
    }
    where = [position.get((str(b), str(c))) for b, c in zip(cells["banner"], cells["col_code"])]
    kept = [(i, k) for i, k in enumerate(where) if k is not None]  # (row of sub, sheet column)
    firsts: dict[int, int] = {}
    for i, k in kept:
        firsts.setdefault(k, i)
    low = {k for k, i in firsts.items() if cells["base"][i] < LOW_BASE}
    row = _base_rows(ws, f, row + 2, firsts, cells, low, weighted, w)
    answers: dict[Any, list[tuple[int, int]]] = {}
    for i, k in kept:
        answers.setdefault(cells["row_code"][i], []).append((i, k))
    for code, positions in answers.items():
        row = _answer_row(ws, f, row, str(code), cells, positions, value, low)
    return row + 1


def _base_rows(
    ws: Any,
    f: _Formats,
    row: int,
    firsts: dict[int, int],
    cells: dict[str, list[Any]],
    low: set[int],
    weighted: bool,
    w: dict[str, str],
) -> int:
    """The base row of a table (a low base marked) and, weighted, the weighted base row.

    ``firsts``: the first row of ``cells`` in each sheet column (by sheet column).
    """
    base_rows = [("base", "base", COUNT)] + (
        [("weighted_base", "weighted_base", COUNT)] if weighted else []
    )
    for key, column, _ in base_rows:
        ws.write_string(row, 0, w[key], f.base_stub)
        for k, i in firsts.items():
            b = cells[column][i]
            if pd.notna(b):
                ws.write_number(
                    row, k, float(b), f.base_low if key == "base" and k in low else f.base
                )
        row += 1
    return row


def _answer_row(
    ws: Any,
    f: _Formats,
    row: int,
    code: str,
    cells: dict[str, list[Any]],
    positions: list[tuple[int, int]],
    value: str,
    low: set[int],
) -> int:
    """One answer (or net) row of percentages, its letters on the row below; the next free row.

    ``positions``: (row of ``cells``, sheet column) of the answer's cells.
    """
    label = str(cells["row_label"][positions[0][0]])
    net = code.startswith("net:")
    ws.write_string(row, 0, label, f.stub_bold if net else f.stub)
    if _lines(label, STUB_WIDTH) > 1:
        ws.set_row(row, 15 * _lines(label, STUB_WIDTH))
    shown = cells[value]
    counts_only = all(pd.isna(shown[i]) for i, _ in positions)  # a non-substantive answer
    letters = []
    for i, k in positions:
        pct, count, sig = shown[i], cells["count"][i], cells["sig_letters"][i]
        if pd.notna(pct):
            fmt = f.pct_low if k in low else f.pct_net if net else f.pct
            ws.write_number(row, k, float(pct) / 100, fmt)
        elif counts_only and pd.notna(count):
            ws.write_number(row, k, float(count), f.count)
        if isinstance(sig, str) and sig:
            letters.append((k, sig))
    row += 1
    if letters:
        for k, sig in letters:
            ws.write_string(row, k, sig, f.letters)
        row += 1
    return row


def write_crosstabs_xlsx(
    study: Any, tables: pd.DataFrame, tests: pd.DataFrame, path: Path, lang: str
) -> None:
    """``crosstabs.xlsx``: contents, the wide banner sheet (one table per page), tests and notes.

    Examples
    --------
    >>> tables, tests = study.crosstabs()                                   # doctest: +SKIP
    >>> write_crosstabs_xlsx(study, tables, tests, Path("crosstabs.xlsx"), "en")  # doctest: +SKIP
    """
    w = sheet_words(lang)
    value = "weighted_col_pct" if study.weights is not None else "col_pct"
    columns = _columns(tables, lang)
    names = sheet_names([w["contents"], w["banner"], w["tests"], w["notes"]])
    with workbook(path) as book:
        f = _Formats(book)
        contents = book.add_worksheet(names[0])
        ws = book.add_worksheet(names[1])
        _header(ws, f, study, columns, lang)
        row, starts = HEADER_ROWS, []
        for qid, sub in tables.groupby("question", sort=False):
            starts.append((str(qid), row))
            row = _block(ws, f, row, str(qid), sub, study, columns, value, lang)
        ws.set_column(0, 0, STUB_WIDTH)
        ws.freeze_panes(HEADER_ROWS, 1)
        _page_setup(ws, study, [r for _, r in starts[1:]])
        _contents(contents, f, study, starts, names, lang)
        tests_sheet = _table_sheet(book, names[2], tests, f.bold, number_format="0.000")
        tests_sheet.set_landscape()
        tests_sheet.fit_to_pages(1, 0)
        tests_sheet.repeat_rows(0)
        t = translator(lang)
        _notes(
            book,
            names[3],
            [
                t.gettext(
                    n, correction=study.plan.correction, alpha=study.plan.alpha, low_base=LOW_BASE
                )
                for n in NOTES
            ],
        )


def _page_setup(ws: Any, study: Any, breaks: list[int]) -> None:
    """Landscape, one table per page fitted to the page width, the banner header on every page."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, HEADER_ROWS - 1)
    ws.set_margins(left=0.25, right=0.25, top=0.5, bottom=0.5)
    ws.center_horizontally()
    ws.set_h_pagebreaks(breaks[:1023])  # Excel's limit of page breaks
    name = f"{study.plan.study} wave {study.wave.id}".replace(
        "&", "&&"
    )  # "&" starts a code in footers
    ws.set_footer(f"&L{name}&RPage &P of &N")


def _contents(
    ws: Any, f: _Formats, study: Any, starts: list[tuple[str, int]], names: list[str], lang: str
) -> None:
    """The contents sheet: every table with a link to it, then links to the other sheets."""
    w = sheet_words(lang)
    variables = study.instrument.variables()
    title = study.plan.title
    title = (
        str(title.get(lang) or title.get("en"))
        if isinstance(title, dict)
        else str(title or study.plan.study)
    )
    ws.write_string(0, 0, f"{title} ({study.wave.label})", f.title)
    for k, text in enumerate([w["table"], w["question"], w["title"]]):
        ws.write_string(2, k, text, f.bold)
    for i, (qid, row) in enumerate(starts, start=1):
        ws.write_number(2 + i, 0, i)
        ws.write_url(2 + i, 1, f"internal:'{names[1]}'!A{row + 1}", f.link, qid)
        ws.write_string(2 + i, 2, variables[qid].wording(lang))
    last = 3 + len(starts)
    for k, name in enumerate(names[2:]):
        ws.write_url(last + 1 + k, 1, f"internal:'{name}'!A1", f.link, name)
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 90)
    ws.freeze_panes(3, 0)
    ws.fit_to_pages(1, 0)


def _table_sheet(
    book: Any, name: str, frame: pd.DataFrame, bold: Any, number_format: str | None = None
) -> Any:
    """A plain table: bold header, typed cells, frozen header, filter, sized columns."""
    ws = book.add_worksheet(name)
    number = book.add_format({"num_format": number_format}) if number_format else None
    for k, label in enumerate(frame.columns):
        ws.write_string(0, k, str(label), bold)
    for k, column in enumerate(frame.columns):
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype
        )
        for r, v in enumerate(values.tolist(), start=1):
            if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
                continue
            if isinstance(v, (bool, np.bool_)):
                ws.write_boolean(r, k, bool(v))
            elif numeric and not float(v).is_integer():
                ws.write_number(r, k, float(v), number)
            elif numeric:
                ws.write_number(r, k, float(v))
            else:
                ws.write_string(r, k, str(v))
    for k, width in enumerate(column_widths(frame)):
        ws.set_column(k, k, width)
    ws.freeze_panes(1, 0)
    if len(frame.columns):
        ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    return ws


def _notes(book: Any, name: str, notes: list[str]) -> None:
    ws = book.add_worksheet(name)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    ws.set_column(0, 0, 110)
    for r, note in enumerate(notes):
        ws.write_string(r, 0, note, wrap)
        ws.set_row(r, 15 * _lines(note, 110))


def write_open_ended_xlsx(accounts: pd.DataFrame, study: Any, path: Path, lang: str) -> None:
    """``open_ended.xlsx``: one row per account for a human coder, the theme list and notes.

    The accounts sheet is written by :meth:`survey.write.sheets.BulkSheet.write_frame`
    (a million rows in seconds); verbatims keep the respondent's exact characters.
    """
    frame = study.coding_frame
    themes = pd.DataFrame({"theme": frame.ids, "label": [frame.label(t, lang) for t in frame.ids]})
    notes = [translator(lang).gettext(n) for n in OPEN_ENDED_NOTES]
    with workbook(path, constant_memory=True) as book:
        bold = book.add_format({"bold": True})
        for name, table in zip(sheet_names(["accounts", "themes"]), [accounts, themes]):
            ws = book.add_worksheet(name, worksheet_class=BulkSheet)
            for k, label in enumerate(table.columns):
                ws.write_string(0, k, str(label), bold)
            for k, width in enumerate(column_widths(table)):
                ws.set_column(k, k, width)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(table), 1), max(len(table.columns) - 1, 0))
            ws.write_frame(1, table)
        _notes(book, "notes", notes)
