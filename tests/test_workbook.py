"""Workbooks (survey.write.sheets, survey.write.workbook): XlsxWriter's bytes, text kept exactly, banner layout."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from survey.errors import ExportError
from survey.stats.association import LOW_BASE
from survey.study import Study
from survey.write import workbook as layouts
from survey.write.sheets import BulkSheet, sheet_names, workbook
from tests.test_tabular_fast import KINDS, frames

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "analysis" / "ccg-2020.yaml"
PAYLOADS = [
    "=1+1",
    "+1 for this",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    '=HYPERLINK("http://x","y")',
    "-2",
    "#N/A",
]


def _skip(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and not math.isfinite(v))


def per_cell(path: Path, frame: pd.DataFrame) -> None:
    """The reference: the same table through XlsxWriter's own write_* calls, cell by cell."""
    with workbook(path, constant_memory=True) as book:
        ws = book.add_worksheet("t")
        for k, label in enumerate(frame.columns):
            ws.write_string(0, k, str(label))
        columns = [frame.iloc[:, k].astype(object).tolist() for k in range(frame.shape[1])]
        for r, row in enumerate(zip(*columns), start=1):
            for k, v in enumerate(row):
                if _skip(v):
                    continue
                if isinstance(v, (bool, np.bool_)):
                    ws.write_boolean(r, k, bool(v))
                elif isinstance(v, (int, float, np.integer, np.floating)):
                    if math.isfinite(float(v)):
                        ws.write_number(r, k, v)
                elif isinstance(v, str):
                    ws.write_string(r, k, v)
                else:
                    ws.write_string(r, k, str(v))


def bulk(path: Path, frame: pd.DataFrame) -> None:
    with workbook(path, constant_memory=True) as book:
        ws = book.add_worksheet("t", worksheet_class=BulkSheet)
        for k, label in enumerate(frame.columns):
            ws.write_string(0, k, str(label))
        ws.write_frame(1, frame)


def test_bulk_rows_are_xlsxwriters_own(tmp_path):
    frame = pd.DataFrame(
        {
            "text": [
                " lead",
                "tail ",
                "\u3000全角",
                "_x0041_ & <b>",
                "bell\x07",
                None,
                "",
                "a\r\nb",
            ],
            "n": [1, 2.5, np.nan, 1e20, -0.0, 0.1 + 0.2, np.inf, -7],
            "flag": pd.array([True, False, None, True, True, False, True, None], dtype="boolean"),
            "code": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
            "cat": pd.Categorical(["China", "US", None, "China", "US", "US", "China", None]),
        }
    )
    bulk(tmp_path / "bulk.xlsx", frame)
    per_cell(tmp_path / "cell.xlsx", frame)
    assert (tmp_path / "bulk.xlsx").read_bytes() == (tmp_path / "cell.xlsx").read_bytes()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(frames(kinds=[k for k in KINDS if not k.startswith("datetime")]))
def test_bulk_rows_equal_xlsxwriter_for_any_frame(tmp_path, frame):
    bulk(tmp_path / "bulk.xlsx", frame)
    per_cell(tmp_path / "cell.xlsx", frame)
    assert (tmp_path / "bulk.xlsx").read_bytes() == (tmp_path / "cell.xlsx").read_bytes()


def test_text_cells_keep_the_exact_characters(tmp_path):
    """Issue 16, point 4: no apostrophe, no formula, the respondent's text as written."""
    bulk(tmp_path / "p.xlsx", pd.DataFrame({"text": PAYLOADS}))
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx")["t"]
    cells = [ws.cell(row=r, column=1) for r in range(2, len(PAYLOADS) + 2)]
    assert [c.value for c in cells] == PAYLOADS
    assert {c.data_type for c in cells} == {"s"}  # text cells: a spreadsheet does not evaluate them
    with zipfile.ZipFile(tmp_path / "p.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "'=" not in sheet


def test_dates_as_iso_text(tmp_path):
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2020-04-20 00:09:00", None]),
            "utc": pd.to_datetime(["2020-01-01 10:00", None], utc=True),
        }
    )
    bulk(tmp_path / "d.xlsx", frame)
    ws = openpyxl.load_workbook(tmp_path / "d.xlsx")["t"]
    assert [ws["A2"].value, ws["B2"].value, ws["A3"].value] == [
        "2020-04-20 00:09:00",
        "2020-01-01T10:00:00+00:00",
        None,
    ]


def test_same_bytes_every_time_and_a_fixed_date(tmp_path):
    frame = pd.DataFrame({"中文列": ["口罩", "=防护服"], "pct": [12.5, 87.5]})
    bulk(tmp_path / "a.xlsx", frame)
    bulk(tmp_path / "b.xlsx", frame)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        core = z.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2  # created and modified
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.xlsx",
        "b.xlsx",
    ]  # no temporary file left


def test_limits_refused_and_nothing_written(tmp_path):
    with pytest.raises(ExportError, match=r"sheet 't', column 'a': a cell has 40000 characters"):
        bulk(tmp_path / "long.xlsx", pd.DataFrame({"a": ["x" * 40_000]}))
    assert list(tmp_path.iterdir()) == []


def test_sheet_names_cleaned_cut_and_unique():
    names = sheet_names(
        ["a/b:c", "x" * 40, "X" * 40, "", "'q'", "what?[1]", "Toplines", "toplines"]
    )
    assert names == [
        "a_b_c",
        "x" * 31,
        "X" * 29 + "~2",
        "sheet",
        "q",
        "what__1_",
        "Toplines",
        "toplines~2",
    ]


# --------------------------------------------------------------------------- the study's workbooks


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_plan(PLAN)


@pytest.fixture(scope="module")
def banner_book(study, tmp_path_factory):
    tables, tests = study.crosstabs()
    path = tmp_path_factory.mktemp("xlsx") / "crosstabs.xlsx"
    layouts.write_crosstabs_xlsx(study, tables, tests, path, "en")
    return path, tables, tests


def _rows(ws) -> dict[int, list]:
    return {r[0].row: [c.value for c in r] for r in ws.iter_rows()}


def test_banner_is_one_wide_sheet_of_numbers(banner_book):
    path, tables, _ = banner_book
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Contents", "Banner", "Tests", "Notes"]
    ws = book["Banner"]
    columns = tables.drop_duplicates(["banner", "col_code"])
    assert ws.max_column == 1 + len(columns)  # stub, Total, every banner column side by side
    assert [ws.cell(3, k).value for k in range(2, 6)] == [
        "",
        "A",
        "B",
        "C",
    ]  # letters under the country group
    rows = _rows(ws)
    title = next(r for r, v in rows.items() if str(v[0]).startswith("relations_q:"))
    assert rows[title + 2][0] == "Unweighted base" and rows[title + 3][0] == "Weighted base"
    sub = tables[tables["question"] == "relations_q"]
    total = sub[sub["banner"] == "Total"]
    assert rows[title + 2][1] == total["base"].iloc[0]
    assert rows[title + 3][1] == pytest.approx(total["weighted_base"].iloc[0])
    agree = sub[(sub["row_code"].astype(str) == "4") & (sub["banner"] == "country")]
    r = next(r for r in range(title, title + 20) if rows[r][0] == "Agree")
    cell = ws.cell(r, 3)  # China
    assert cell.data_type == "n" and cell.value == pytest.approx(
        agree["weighted_col_pct"].iloc[0] / 100
    )
    assert cell.number_format == layouts.PCT
    lettered = sub[(sub["sig_letters"].fillna("") != "") & (sub["row_code"].astype(str) == "4")]
    if len(lettered):
        assert any(
            isinstance(v, str) and v.isalpha() for v in rows[r + 1][1:]
        )  # letters in the row below


def test_banner_marks_low_bases_nets_and_non_substantive_counts(banner_book):
    path, tables, _ = banner_book
    ws = openpyxl.load_workbook(path)["Banner"]
    rows = _rows(ws)
    title = next(r for r, v in rows.items() if str(v[0]).startswith("solidarity_q:"))
    sub = tables[tables["question"] == "solidarity_q"]
    firsts = sub.drop_duplicates(["banner", "col_code"])
    low = firsts[firsts["base"] < LOW_BASE]
    assert len(low)
    k = 2 + list(zip(firsts["banner"], firsts["col_code"])).index(
        (low["banner"].iloc[0], low["col_code"].iloc[0])
    )
    assert "!" in ws.cell(title + 2, k).number_format
    net = next(r for r in range(title, title + 20) if rows[r][0] == "Agree (top 2)")
    assert ws.cell(net, 1).font.b and ws.cell(net, 2).font.b
    dk = next(r for r in range(title, title + 20) if rows[r][0] == "Don't know")
    assert (
        ws.cell(dk, 2).value
        == sub[(sub["row_code"].astype(str) == "9") & (sub["banner"] == "Total")]["count"].iloc[0]
    )
    assert ws.cell(dk, 2).number_format == "(#,##0)"


def test_banner_prints_one_table_per_landscape_page(banner_book, study):
    path, tables, _ = banner_book
    book = openpyxl.load_workbook(path)
    ws = book["Banner"]
    assert ws.freeze_panes == "B4"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$3"
    assert len(ws.row_breaks.brk) == tables["question"].nunique() - 1


def test_contents_links_to_every_table(banner_book):
    path, tables, _ = banner_book
    ws = openpyxl.load_workbook(path)["Contents"]
    links = [c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink]
    assert len(links) == tables["question"].nunique() + 2  # every table, the tests and the notes
    banner = openpyxl.load_workbook(path)["Banner"]
    first = links[0].split("!")[1]
    assert str(banner[first].value).startswith(f"{tables['question'].iloc[0]}:")


def test_tests_sheet_is_numeric(banner_book):
    path, _, tests = banner_book
    ws = openpyxl.load_workbook(path)["Tests"]
    header = [c.value for c in ws[1]]
    assert header == list(tests.columns)
    p = header.index("pearson_p") + 1
    assert ws.cell(2, p).value == pytest.approx(tests["pearson_p"].iloc[0])


def test_banner_workbook_bytes_are_reproducible(banner_book, study, tmp_path):
    path, tables, tests = banner_book
    again = tmp_path / "again.xlsx"
    layouts.write_crosstabs_xlsx(study, tables, tests, again, "en")
    assert again.read_bytes() == path.read_bytes()


def test_open_ended_workbook_reads_back(study, tmp_path):
    accounts = study.accounts()
    accounts.loc[0, "text"] = "+1 for the mask donations"  # begins like a formula: kept as written
    path = tmp_path / "open_ended.xlsx"
    layouts.write_open_ended_xlsx(accounts, study, path, "en")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["accounts", "themes", "notes"]
    back = pd.read_excel(path, sheet_name="accounts", dtype=str)
    assert list(back.columns) == list(accounts.columns)
    assert back["respondent_id"].tolist() == accounts["respondent_id"].astype(str).tolist()
    assert back["text"].iloc[0] == "+1 for the mask donations"
    assert back["text"].tolist() == accounts["text"].tolist()
