"""Safe, deterministic CSV writer (survey.write.tabular); workbooks: tests/test_workbook.py."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.errors import ExportError
from survey.write.tabular import neutralise, write_csv

# (payload, what a spreadsheet must receive).  The \r payload is the exception in
# CSV only: a lone CR inside a cell is written as LF (see write_csv).
PAYLOADS = [
    ("=1+1", "'=1+1"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
]
SAFE_TEXT = ["ok", "-2", "+1.5", "1e-3", "'=already quoted", "中文", "a=b"]


def payload_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [p for p, _ in PAYLOADS],
            "number": [-1, -2, 3, -4, 5, -6, 7],
            "share": [-0.5, 0.25, -1e-9, 2.5, -0.0, 1 / 3, np.nan],
        }
    )


def read_csv_cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# --------------------------------------------------------------------------- neutralise


def test_neutralise_prefixes_formula_text_only():
    frame = pd.DataFrame({"t": [p for p, _ in PAYLOADS] + SAFE_TEXT, "n": range(-7, 7)})
    out = neutralise(frame)
    assert out["t"].tolist() == [e for _, e in PAYLOADS] + SAFE_TEXT
    assert out["n"].tolist() == list(range(-7, 7))
    assert frame["t"].iloc[0] == "=1+1"  # input not modified


@pytest.mark.parametrize("dtype", [object, "str", "category"])
def test_neutralise_text_dtypes(dtype):
    col = pd.Series(["=x", None, "y", "-1+1"], dtype=dtype)
    out = neutralise(pd.DataFrame({"c": col}))["c"]
    assert out.iloc[[0, 2, 3]].tolist() == ["'=x", "y", "'-1+1"]
    assert pd.isna(out.iloc[1])


def test_neutralise_mixed_object_column_and_header():
    frame = pd.DataFrame(
        {"=head": ["=a", 1, 2.5, True, None]}, index=[3, 3, 1, 2, 2]
    )  # repeated labels
    out = neutralise(frame)
    assert list(out.columns) == ["'=head"]
    assert out.iloc[:, 0].tolist()[:4] == ["'=a", 1, 2.5, True]
    assert list(out.index) == [3, 3, 1, 2, 2]


# --------------------------------------------------------------------------- CSV


def test_csv_payloads_neutralised(tmp_path):
    write_csv(payload_frame(), tmp_path / "p.csv")
    rows = read_csv_cells(tmp_path / "p.csv")
    expected = [e.replace("\r", "\n") for _, e in PAYLOADS]
    assert [r[0] for r in rows[1:]] == expected
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows[1:] for cell in r[:1]
    )
    assert [r[1] for r in rows[1:]] == ["-1", "-2", "3", "-4", "5", "-6", "7"]  # numbers untouched


def test_csv_exact_bytes(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "flag": [True, False, True],
            "x": [0.1 + 0.2, -0.0, np.nan],
            "n": [1, -2, 3],
            "big": [1776.0, 1e-7, 98.43010699],
            "obj": [True, None, "text, with comma"],
        }
    )
    path = tmp_path / "t.csv"
    write_csv(frame, path)
    assert path.read_bytes() == (
        b"id,flag,x,n,big,obj\n"
        b"a,true,0.3,1,1776,true\n"
        b"b,false,0,-2,1e-07,\n"
        b'c,true,,3,98.43010699,"text, with comma"\n'
    )
    first = path.read_bytes()
    write_csv(frame, path)
    assert path.read_bytes() == first


def test_csv_utf8_without_bom_unless_asked(tmp_path):
    frame = pd.DataFrame({"label": ["口罩"]})
    write_csv(frame, tmp_path / "plain.csv")
    write_csv(frame, tmp_path / "excel.csv", bom=True)
    assert (tmp_path / "plain.csv").read_bytes() == "label\n口罩\n".encode()
    assert (tmp_path / "excel.csv").read_bytes() == b"\xef\xbb\xbf" + "label\n口罩\n".encode()


def test_csv_nullable_boolean_and_index(tmp_path):
    frame = pd.DataFrame(
        {"ok": pd.array([True, None, False], dtype="boolean")},
        index=pd.Index(["r1", "r2", "=r3"], name="respondent_id"),
    )
    write_csv(frame, tmp_path / "b.csv", index=True)
    assert (tmp_path / "b.csv").read_text() == "respondent_id,ok\nr1,true\nr2,\n'=r3,false\n"


def test_csv_duplicate_columns_refused(tmp_path):
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ExportError, match=r"duplicate column names \['a'\]"):
        write_csv(frame, tmp_path / "d.csv")


def test_atomic_write_leaves_no_temp_file(tmp_path):
    write_csv(payload_frame(), tmp_path / "out" / "a.csv")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.csv"]


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "a.csv"
    path.write_text("old\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_csv(payload_frame(), path)
    monkeypatch.undo()
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]
