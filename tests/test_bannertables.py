"""The report's banner tables read from lists give what the pandas version gave (kept here)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from survey.report.bannertables import column_letters, crosstab_table
from survey.report.blocks import Table, _int, _num
from survey.report.labels import var_label
from survey.report.words import Words
from survey.stats import crosstabs

# --- the pandas implementation the list-based one replaced (the reference) ---------


def _reference_letters(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
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
                "" if banner == "Total" else str(letter or _reference_letter(i))
            )
    return out


def _reference_letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else chr(ord("A") + i // 26 - 1) + chr(ord("A") + i % 26)


def _reference_table(study: Any, frame: pd.DataFrame, value: str, scale: float, w: Words) -> Table:
    """One question by every banner, compact: column % with significance letters, base row."""
    letters = _reference_letters(frame)
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


# --- the comparison --------------------------------------------------------------------


def _study() -> Any:
    instrument = SimpleNamespace(has_question=lambda name: False, derived=())
    return SimpleNamespace(instrument=instrument, plan=SimpleNamespace(banner_nets=()))


def _frame(seed: int, weighted: bool) -> pd.DataFrame:
    """A question by two banners (Total once, first), as the battery lays it out."""
    rng = np.random.default_rng(seed)
    n = 300
    row = pd.Series(rng.choice([1, 2, 3, 9], n).astype(float))
    row[rng.random(n) < 0.1] = np.nan
    weights = pd.Series(rng.gamma(2.0, 0.5, n)) if weighted else None
    parts = []
    for k, (name, labels) in enumerate(
        [("sex", {1: "M", 2: "F"}), ("age", {1: "Young", 2: "Mid", 3: "Old", 4: "Rare"})]
    ):
        col = pd.Series(rng.choice(list(labels), n, p=None if k == 0 else [0.4, 0.3, 0.28, 0.02]))
        table = crosstabs.crosstab(
            row,
            col,
            weights,
            row_labels={1: "Yes", 2: "No", 3: "Maybe", 9: "DK"},
            col_labels=labels,
            nonsubstantive=[9],
            nets={"top": ("Yes or maybe", [1, 3])},
        ).assign(question="q1", banner=name)
        table.loc[table["col_code"] == crosstabs.TOTAL, "banner"] = crosstabs.TOTAL
        total = table["banner"] == crosstabs.TOTAL
        parts.append(table[~total] if parts else pd.concat([table[total], table[~total]]))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weighted", [False, True])
def test_crosstab_table_is_the_pandas_versions(seed: int, weighted: bool) -> None:
    frame = _frame(seed, weighted)
    w = Words("en")
    for value in ["col_pct", "weighted_col_pct", "count"]:
        for sub in [frame, frame.iloc[::-1], frame.drop(columns=["col_letter", "low_base"])]:
            sub = sub.set_axis(np.arange(len(sub)) * 3 + 7)  # not a RangeIndex
            assert crosstab_table(_study(), sub, value, 1.0, w) == _reference_table(
                _study(), sub, value, 1.0, w
            )
            assert column_letters(sub) == _reference_letters(sub)
