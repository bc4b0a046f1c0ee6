"""The report's crosstab section: each question by every banner, and the tests of the tables.

One compact table per question (:func:`crosstab_table`): column percentages with the
significance letters of the columns, every banner side by side after the Total, then the
bases (a low base starred).  The same blocks make ``crosstabs.md``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
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


#: The columns of the crosstab frame a report table reads (the optional ones when present).
_READ = (
    "question",
    "banner",
    "col_code",
    "col_label",
    "col_letter",
    "row_code",
    "row_label",
    "sig_letters",
    "base",
    "weighted_n",
    "weighted_base",
    "low_base",
    "col_pct",
    "weighted_col_pct",
)

#: A crosstab frame's columns as lists (:func:`_lists`): reading them once is much quicker
#: than pandas' grouping, de-duplicating and ``itertuples`` on every small table.
Lists = dict[str, list[Any]]


def _lists(frame: pd.DataFrame, value: str | None = None) -> Lists:
    """The :data:`_READ` columns of ``frame`` (and ``value``, the one shown) as lists."""
    names = dict.fromkeys([*_READ, *([value] if value else [])])
    return {name: frame[name].tolist() for name in names if name in frame.columns}


def _firsts(keys: Iterable[Hashable]) -> list[int]:
    """Positions of the first occurrence of each key (``drop_duplicates``' rows, in order)."""
    first: dict[Hashable, int] = {}
    for k, key in enumerate(keys):
        first.setdefault(key, k)
    return list(first.values())


def _grouped(keys: Sequence[Hashable], positions: Iterable[int]) -> dict[Hashable, list[int]]:
    """``positions`` by their key, keys in order of first appearance (``groupby(sort=False)``)."""
    out: dict[Hashable, list[int]] = {}
    for k in positions:
        out.setdefault(keys[k], []).append(k)
    return out


def column_letters(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Letter of every (banner, col_code) column: A, B, C ... within each banner, Total none.

    Uses a ``col_letter`` column when the crosstab frame has one.
    """
    return _column_letters(_lists(frame), range(len(frame)))


def _column_letters(cols: Lists, rows: Sequence[int]) -> dict[tuple[str, str], str]:
    """:func:`column_letters` of the frame's ``rows``."""
    banner, code, letters = cols["banner"], cols["col_code"], cols.get("col_letter")
    firsts = [rows[k] for k in _firsts(zip([banner[i] for i in rows], [code[i] for i in rows]))]
    out: dict[tuple[str, str], str] = {}
    for b, positions in _grouped(banner, firsts).items():
        for i, k in enumerate(positions):
            letter = letters[k] if letters is not None else None
            out[(str(b), str(code[k]))] = "" if b == "Total" else str(letter or _letter(i))
    return out


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else chr(ord("A") + i // 26 - 1) + chr(ord("A") + i % 26)


def crosstab_table(study: Any, frame: pd.DataFrame, value: str, scale: float, w: Words) -> Table:
    """One question by every banner, compact: column % with significance letters, base row."""
    return _crosstab_table(study, _lists(frame, value), range(len(frame)), value, scale, w)


def _crosstab_table(
    study: Any, cols: Lists, rows: Sequence[int], value: str, scale: float, w: Words
) -> Table:
    """:func:`crosstab_table` of the frame's ``rows`` (one question's), from its :func:`_lists`."""
    letters = _column_letters(cols, rows)
    banner, code, row_code = cols["banner"], cols["col_code"], cols["row_code"]
    firsts = [rows[k] for k in _firsts(zip([banner[i] for i in rows], [code[i] for i in rows]))]
    shown_columns = [k for k in firsts if banner[k] == "Total"] + [
        k for k in firsts if banner[k] != "Total"
    ]
    keys = [(str(banner[k]), str(code[k])) for k in shown_columns]
    cells = {(str(row_code[k]), str(banner[k]), str(code[k])): k for k in rows}
    header = [w("answer")] + [
        (w("total") if b == "Total" else str(cols["col_label"][k]))
        + (f" ({letters[(b, c)]})" if letters[(b, c)] else "")
        for (b, c), k in zip(keys, shown_columns, strict=True)
    ]
    values, sig_letters = cols[value], cols["sig_letters"]
    table_rows = []
    for first in [rows[k] for k in _firsts(row_code[i] for i in rows)]:
        row = [str(cols["row_label"][first])]
        for b, c in keys:
            k = cells.get((str(row_code[first]), b, c))
            sig = (
                ""
                if k is None or pd.isna(sig_letters[k]) or not str(sig_letters[k])
                else f" {sig_letters[k]}"
            )
            row.append("–" if k is None else f"{_num(scale * float(values[k]), 0)}{sig}")
        table_rows.append(tuple(row))
    weighted = value == "weighted_col_pct" and "weighted_n" in cols
    at: dict[tuple[str, str], int] = {}
    for k in firsts:
        at.setdefault((str(banner[k]), str(code[k])), k)
    shown, low = cols["weighted_n" if weighted else "base"], cols.get("low_base")
    table_rows.append(
        tuple(
            [w("base_n")]
            + [
                _int(shown[at[k]]) + ("*" if low is not None and bool(low[at[k]]) else "")
                for k in keys
            ]
        )
    )
    if weighted:
        table_rows.append(
            tuple([w("weighted_base_n")] + [_num(cols["weighted_base"][at[k]], 0) for k in keys])
        )
    groups = [("", 1)]
    for group, span in _grouped(banner, shown_columns).items():
        label = w("total") if group == "Total" else var_label(study, str(group), w.lang)
        groups.append((label, len(span)))
    return Table(
        tuple(header), tuple(table_rows), (False,) + (True,) * len(keys), tuple(groups), wide=True
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
    cols = _lists(frame, value)
    for name, rows in _grouped(cols["question"], range(len(frame))).items():
        blocks += [
            Heading(3, f"{name}: {var_label(study, str(name), w.lang)}"),
            _crosstab_table(study, cols, rows, value, scale, w),
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
