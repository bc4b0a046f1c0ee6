"""The report's crosstab section: each question by every banner, and the tests of the tables.

One compact table per question (:func:`crosstab_table`): column percentages with the
significance letters of the columns, every banner side by side after the Total, then the
bases (a low base starred).  The same blocks make ``crosstabs.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from survey.report.blocks import Block, Heading, Para, Table, _has, _int, _num, _p
from survey.report.labels import _weighting_info, is_weighted, var_label
from survey.report.words import Words


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
        blocks += tests_blocks(study, results["crosstab_tests"], w)
    return blocks


def tests_blocks(study: Any, tests: pd.DataFrame, w: Words) -> list[Block]:
    """The tests of independence of every table (``crosstab_tests.csv``), with their note."""
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
    return [
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
