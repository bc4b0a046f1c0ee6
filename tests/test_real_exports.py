"""Real platform exports (../shared/real-exports/, see its SOURCES.md): drafted, read, analysed.

Each file's instrument is drafted by ``survey.instrument.draft`` (from its .qsf or XLSForm
where the folder has one), then the file is read and the values compared with what
pandas, openpyxl or pyreadstat read directly, the header rows and label mapping applied
by hand here.  Row counts must be equal, user-missing codes non-substantive, and every
failure a one-line error.  Without the folder these tests skip, saying so; under CI
(``CI`` set) its absence is a failure.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from survey.analyze import main as analyze
from survey.clean.rules import clean
from survey.errors import DataError
from survey.instrument import Instrument, load_instrument
from survey.instrument.draft import draft, write_draft
from survey.read.platforms import detect_format, read_platform

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "real-exports"
DEFINITION = {  # export -> the definition file beside it
    "QT_Single_Answer_MC_Insights.csv": "qualtrics/QT_Single_Answer_MC.qsf",
    "QT_Multiple_Answer_MC_Insights.csv": "qualtrics/QT_Multiple_Answer_MC.qsf",
    "QT_Multiple_Answer_MC_Legacy.csv": "qualtrics/QT_Multiple_Answer_MC.qsf",
    "kobo_quest_test_export.xlsx": "kobo/kobo_quest_test_xlsform.xlsx",
}
EXPORTS = {
    "qualtrics": [
        "qualtRics_sample.csv",
        "qualtRics_sample_legacy.csv",
        "QT_Single_Answer_MC_Insights.csv",
        "QT_Multiple_Answer_MC_Insights.csv",
        "QT_Multiple_Answer_MC_Legacy.csv",
    ],
    "surveymonkey": ["churcharmy_test-responses.csv", "ggwash_2022_anc_first3.csv"],
    "kobo": [
        "kobo_platform_test_rank_groups.xlsx",
        "kobo_quest_test_export.xlsx",
        "kobo_meeting_form_export.xlsx",
    ],
    "sav": [
        "pyreadstat_sample.sav",
        "pyreadstat_sample_missing.sav",
        "pyreadstat_simple_alltypes.sav",
        "pyreadstat_tegulu.sav",
        "pyreadstat_test_width.sav",
        "pyreadstat_missing_char.sav",
        "haven_umlauts.sav",
        "haven_labelled-str.sav",
        "haven_labelled-num-na.sav",
        "haven_datetime.sav",
    ],
}
FOLDER = {"qualtrics": "qualtrics", "surveymonkey": "surveymonkey", "kobo": "kobo", "sav": "spss"}
ALL = [(fmt, name) for fmt, names in EXPORTS.items() for name in names]
# Files that cannot be read, and the one line that says why.
UNREADABLE = {
    "haven_datetime.sav": r"haven_datetime.sav: column date.posix, row 1: DATETIME20 value 6306150067200 "
    r"seconds is not a date from year 1 to 9999"
}
ALL_TEST_ROWS = {
    "QT_Single_Answer_MC_Insights.csv",
    "QT_Multiple_Answer_MC_Insights.csv",
    "QT_Multiple_Answer_MC_Legacy.csv",
}  # every row has Status 2 (generated test responses)


def real(fmt: str, name: str) -> Path:
    if not REAL.is_dir():
        if os.environ.get("CI"):
            pytest.fail(
                f"{REAL} is missing under CI: the real exports must sit beside the checkout"
            )
        pytest.skip(f"{REAL} is absent: the real platform exports are not on this machine")
    return REAL / FOLDER[fmt] / name


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("drafts")
    cache: dict[str, Path] = {}

    def instrument_for(fmt: str, name: str) -> Path:
        if name not in cache:
            path = real(fmt, name)
            source = REAL / DEFINITION[name] if name in DEFINITION else path
            cache[name] = write_draft(draft(source), folder / f"{Path(name).stem}.yaml", "test")
        return cache[name]

    return instrument_for


def read(drafted, fmt: str, name: str, **kw) -> tuple[pd.DataFrame, Instrument]:
    inst = load_instrument(drafted(fmt, name))
    return read_platform(real(fmt, name), inst, **kw), inst


def cells(path: Path, skip: int, encoding: str = "utf-8-sig") -> tuple[list[str], list[list[str]]]:
    """The first header row and the data rows of a CSV, by the csv module."""
    with path.open(encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[skip:]


def column(header: list[str], rows: list[list[str]], name: str) -> list[str]:
    return [r[header.index(name)] for r in rows]


def codes(values: pd.Series) -> list[int | None]:
    return [None if pd.isna(v) else int(v) for v in values]


def text(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in values]


def labels(frame: pd.DataFrame, inst: Instrument, qid: str) -> list[str]:
    q = inst.question(qid)
    return ["" if pd.isna(v) else q.label(int(v)) for v in frame[qid]]


# --------------------------------------------------------------------------- every file


@pytest.mark.parametrize(("fmt", "name"), ALL, ids=[n for _, n in ALL])
def test_detected_and_read_with_its_drafted_instrument(drafted, fmt, name):
    path = real(fmt, name)
    assert detect_format(path) == fmt
    if name in UNREADABLE:
        with pytest.raises(DataError, match=UNREADABLE[name]) as err:
            read(drafted, fmt, name)
        assert "\n" not in str(err.value)
        return
    frame, inst = read(drafted, fmt, name)
    assert frame.attrs["platform"]["format"] == fmt
    assert frame[inst.by_role("id").id].is_unique
    cleaned = clean(frame, inst)
    counts = cleaned.reconciliation()
    assert counts["raw"] == counts["valid"] + counts["excluded"] == len(frame)
    if name in ALL_TEST_ROWS:
        assert counts == {"raw": 5, "valid": 0, "excluded": 5, "test_response": 5}
        assert set(cleaned.exclusions["detail"]) == {"Status=2 (Survey Test)"}
        kept = read_platform(path, inst, keep_test_rows=True)
        assert clean(kept, inst).reconciliation() == {"raw": 5, "valid": 5, "excluded": 0}


@pytest.mark.parametrize(("fmt", "name"), ALL, ids=[n for _, n in ALL])
def test_analyze_without_a_plan_accounts_for_every_respondent(drafted, fmt, name, tmp_path, capsys):
    path = real(fmt, name)
    out = tmp_path / "run"
    argv = [
        "--instrument",
        str(drafted(fmt, name)),
        "--raw",
        str(path),
        "--no-charts",
        "--out",
        str(out),
        "--quiet",
    ]
    status = analyze_status(argv)
    err = capsys.readouterr().err.strip()
    if name in UNREADABLE or name in ALL_TEST_ROWS:
        assert status == 2 and len(err.splitlines()) == 1 and str(path) in err
        if name in ALL_TEST_ROWS:
            assert "test_response 5" in err and "--keep-test-rows" in err
            assert analyze_status([*argv, "--keep-test-rows"]) == 0
        else:
            return
    else:
        assert status == 0, err
    rec = json.loads((out / "reconciliation.json").read_text())
    respondents = pd.read_csv(out / "data" / "respondents.csv", dtype=str, keep_default_na=False)
    assert rec["raw"] == rec["valid"] + rec["excluded"] and len(respondents) == rec["valid"]
    assert (out / "spss").is_dir() and (out / "report.md").is_file()
    assert json.loads((out / "run.json").read_text())["plan"] is None
    # the respondent file holds the values read (compared with a direct read in the tests above)
    frame, inst = read(drafted, fmt, name, keep_test_rows=name in ALL_TEST_ROWS)
    frame = frame.set_index("raw_row").loc[respondents["raw_row"].astype(int)]
    assert not set(inst.personal_columns) & set(respondents.columns)
    for q in inst.questions:
        for col in (c for c in q.columns if c in respondents.columns):
            if q.coded:
                assert codes(frame[col]) == [int(v) if v else None for v in respondents[col]], col
            elif q.type == "numeric":
                np.testing.assert_allclose(
                    frame[col].to_numpy(dtype=float),
                    pd.to_numeric(respondents[col]).to_numpy(dtype=float),
                    rtol=1e-12,
                )


def analyze_status(argv: list[str]) -> int:
    from survey.cli import run

    return run(analyze, argv)


# --------------------------------------------------------------------------- Qualtrics


def test_qualtrics_2017_values(drafted):
    path = real("qualtrics", "qualtRics_sample.csv")
    header, rows = cells(path, 3)
    frame, inst = read(drafted, "qualtrics", "qualtRics_sample.csv")
    assert len(frame) == len(rows) == 1
    assert text(frame["respondent_id"]) == column(header, rows, "ResponseId")
    assert codes(frame["Q1"]) == [int(v) for v in column(header, rows, "Q1")]
    assert text(frame["Q2"]) == column(header, rows, "Q2") == ["Hello World!"]
    assert text(frame["start_time"]) == column(header, rows, "StartDate")
    assert "ignored Text iQ column 'Q2 - Topics'" in frame.attrs["platform"]["notes"]
    assert labels(frame, inst, "lang") == ["German"]  # UserLanguage DE


def test_qualtrics_legacy_values(drafted):
    path = real("qualtrics", "qualtRics_sample_legacy.csv")
    header, rows = cells(path, 2)  # V1..V10 tags, then the names in row 2
    names = cells(path, 1)[1][0]
    frame, _ = read(drafted, "qualtrics", "qualtRics_sample_legacy.csv")
    assert frame.attrs["platform"]["variant"] == "legacy" and len(frame) == len(rows) == 1
    assert text(frame["respondent_id"]) == [rows[0][names.index("ResponseID")]]
    assert text(frame["start_time"]) == [rows[0][names.index("StartDate")]]
    assert codes(frame["Q1"]) == [int(rows[0][header.index("Q1")])]
    assert text(frame["Q2"]) == [rows[0][header.index("Q2")]]


def qsf_recodes(name: str) -> dict[str, dict[str, int]]:
    """Export tag -> choice id -> recode value, straight from the .qsf JSON."""
    survey = json.loads((REAL / "qualtrics" / name).read_text(encoding="utf-8"))
    out = {}
    for element in survey["SurveyElements"]:
        if element["Element"] == "SQ":
            p = element["Payload"]
            recode = p.get("RecodeValues") or {}
            out[p["DataExportTag"]] = {cid: int(recode.get(cid, cid)) for cid in p["Choices"]}
    return out


def test_qualtrics_single_choice_recode_values_and_other_text(drafted):
    path = real("qualtrics", "QT_Single_Answer_MC_Insights.csv")
    header, rows = cells(path, 3)
    frame, inst = read(drafted, "qualtrics", path.name, keep_test_rows=True)
    for tag in ("Q2", "Q4", "Q3", "Q5", "mc_question_five"):
        assert codes(frame[tag]) == [int(v) for v in column(header, rows, tag)], tag
        assert set(codes(frame[tag])) <= {c.code for c in inst.question(tag).codes}
    assert [c.code for c in inst.question("Q4").codes] == [10, 11, 12]  # custom RecodeValues
    assert [c.code for c in inst.question("Q5").codes] == [
        10,
        11,
        12,
        13,
        14,
        15,
        16,
    ]  # display order
    assert text(frame["mc_question_five_2_text"]) == column(header, rows, "mc_question_five_TEXT")


@pytest.mark.parametrize(
    ("name", "skip", "by"),
    [
        ("QT_Multiple_Answer_MC_Insights.csv", 3, "recode"),
        ("QT_Multiple_Answer_MC_Legacy.csv", 2, "choice"),
    ],
)
def test_qualtrics_multi_columns_by_recode_value_or_choice_id(drafted, name, skip, by):
    path = real("qualtrics", name)
    header, rows = cells(path, skip)
    recodes = qsf_recodes("QT_Multiple_Answer_MC.qsf")
    frame, inst = read(drafted, "qualtrics", name, keep_test_rows=True)
    for tag in ("Q2", "Q4", "Q3", "Q5", "mc_question_five"):
        for cid, code in recodes[tag].items():
            raw = column(header, rows, f"{tag}_{code if by == 'recode' else cid}")
            ticked = [
                any(
                    r[header.index(f"{tag}_{c if by == 'recode' else k}")] == "1"
                    for k, c in recodes[tag].items()
                )
                for r in rows
            ]
            want = [1 if v == "1" else 0 if t else None for v, t in zip(raw, ticked)]
            assert codes(frame[f"{inst.question(tag).id}_{code}"]) == want, (tag, cid)
    assert text(frame["mc_question_five_2_text"]) == column(header, rows, "mc_question_five_2_TEXT")


def test_qualtrics_insights_and_legacy_give_the_same_respondents(drafted):
    a, _ = read(drafted, "qualtrics", "QT_Multiple_Answer_MC_Insights.csv", keep_test_rows=True)
    b, _ = read(drafted, "qualtrics", "QT_Multiple_Answer_MC_Legacy.csv", keep_test_rows=True)
    pd.testing.assert_frame_equal(a.drop(columns="ip_address"), b.drop(columns="ip_address"))


# --------------------------------------------------------------------------- SurveyMonkey


def test_surveymonkey_comment_boxes_do_not_overwrite_the_rating(drafted):
    path = real("surveymonkey", "churcharmy_test-responses.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    body = rows[2:]
    frame, inst = read(drafted, "surveymonkey", path.name)
    assert len(frame) == len(body) == 16
    assert text(frame["respondent_id"]) == [r[0] for r in body]
    start = [
        dt.datetime.strptime(r[2], "%m/%d/%Y %I:%M:%S %p").strftime("%Y-%m-%d %H:%M:%S")
        for r in body
    ]
    assert text(frame["start_time"]) == start
    singles = [q for q in inst.questions if q.type == "single"]
    assert [labels(frame, inst, q.id) for q in singles] == [
        [r[j] for r in body] for j in (10, 11, 12, 13, 14, 16, 18)
    ]
    rated = [q for q in singles if q.comment]
    assert [text(frame[q.comment]) for q in rated] == [
        [r[17].strip() for r in body],
        [r[19].strip() for r in body],
    ]
    assert "Aagree" in labels(
        frame, inst, rated[1].id
    )  # the platform's own typo is an option label


def test_surveymonkey_without_comment_declared_is_refused_without_respondents_text(
    drafted, tmp_path
):
    path = real("surveymonkey", "churcharmy_test-responses.csv")
    doc = load_yaml(drafted("surveymonkey", path.name))
    for q in doc["questions"]:
        q.pop("comment", None)
    doc["questions"] = [q for q in doc["questions"] if not q["id"].endswith("_comment")]
    inst = dump_yaml(doc, tmp_path / "i.yaml")
    with pytest.raises(
        DataError, match=r"unexpected column\(s\): 'To what extent do you agree"
    ) as err:
        read_platform(path, load_instrument(inst), "surveymonkey")
    comments = [r[17] for r in csv.reader(path.open(encoding="utf-8-sig"))][2:]
    assert not any(c and c[:20] in str(err.value) for c in comments)


def test_surveymonkey_resaved_dates_boxes_and_ranking(drafted):
    path = real("surveymonkey", "ggwash_2022_anc_first3.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    body = rows[2:]
    frame, inst = read(drafted, "surveymonkey", path.name)
    assert text(frame["start_time"]) == [
        dt.datetime.strptime(r[2], "%m/%d/%y %H:%M").strftime("%Y-%m-%d %H:%M:%S") for r in body
    ]
    contact = next(q for q in inst.questions if q.boxes)
    assert [b.personal for b in contact.boxes] == [True, True, False, False]  # Name, Email
    assert [text(frame[c]) for c in contact.columns] == [
        [r[j].strip() for r in body] for j in range(9, 13)
    ]
    assert set(inst.personal_columns) >= set(contact.columns[:2])
    ranks = [q for q in inst.questions if q.source and " / " in q.source]
    assert len(ranks) == 8
    for q, j in zip(ranks, range(18, 26)):
        want = [int(r[j]) if r[j].isdigit() else r[j] for r in body]
        got = [int(v) if q.label(int(v)) != "N/A" else "N/A" for v in frame[q.id]]
        assert got == want, q.id
    assert inst.question(ranks[0].id).nonsubstantive_codes == (90,)  # N/A


# --------------------------------------------------------------------------- Kobo


def sheet(path: Path, title: str | None = None) -> tuple[list[str], list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    ws = book[title] if title else book.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    book.close()
    return list(rows[0]), rows[1:]


def seconds(value: dt.datetime) -> str:
    return value.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")


def test_kobo_excel_datetimes_choice_names_and_literal_none(drafted):
    path = real("kobo", "kobo_platform_test_rank_groups.xlsx")
    header, rows = sheet(path)
    frame, inst = read(drafted, "kobo", path.name)
    get = lambda name: [r[header.index(name)] for r in rows]
    assert len(frame) == len(rows) == 7
    assert text(frame["start_time"]) == [seconds(v) for v in get("start")]  # microseconds dropped
    assert text(frame["respondent_id"]) == get("_uuid")
    assert list(frame["What_about_on_a_scale_of_1_10"]) == [
        float(v) for v in get("What_about_on_a_scale_of_1_10")
    ]
    choose = inst.question("Choose_one")
    assert [choose.codes[int(v) - 1].name for v in frame["Choose_one"]] == get(
        "Choose_one"
    )  # apples, not labels
    when = get("What_about_time")
    assert "None" in when and text(frame["What_about_time"]) == [
        "" if v in (None, "None") else seconds(v) for v in when
    ]


def test_kobo_repeat_groups_are_their_own_tables(drafted):
    path = real("kobo", "kobo_quest_test_export.xlsx")
    inst = load_instrument(drafted("kobo", path.name))
    assert [r.id for r in inst.repeats] == ["character_selection", "character_tasks"]
    from survey.read.platforms import read_repeats

    frame = read_platform(path, inst)
    tables = read_repeats(path, inst, frame)
    for rid in ("character_selection", "character_tasks"):
        header, rows = sheet(path, rid)
        table = tables[rid]
        assert len(table) == len(rows)
        assert text(table["respondent_id"]) == [r[header.index("_submission__uuid")] for r in rows]
        assert list(table["parent_index"].astype(int)) == [
            r[header.index("_parent_index")] for r in rows
        ]
        for q in (q for q in inst.repeat_questions if q.repeat == rid):
            j = next(k for k, h in enumerate(header) if h.split("/")[-1] == q.id)
            want = [r[j] for r in rows]
            got = list(table[q.id])
            if q.type == "numeric":
                assert [None if pd.isna(v) else v for v in got] == [
                    None if w is None else float(w) for w in want
                ]
            else:
                assert text(table[q.id]) == ["" if w is None else str(w) for w in want], q.id


def test_kobo_repeat_group_without_a_sheet_reads_the_sheet_named_by_its_id(drafted):
    """A repeat built in code may leave ``sheet`` out: its id names it, as the loader defaults it."""
    import dataclasses

    from survey.read.platforms import read_repeats

    path = real("kobo", "kobo_quest_test_export.xlsx")
    inst = load_instrument(drafted("kobo", path.name))
    bare = dataclasses.replace(
        inst, repeats=tuple(dataclasses.replace(r, sheet=None) for r in inst.repeats)
    )
    frame = read_platform(path, bare)
    tables = read_repeats(path, bare, frame)
    assert {rid: len(t) for rid, t in tables.items()} == {
        rid: len(sheet(path, rid)[1]) for rid in ("character_selection", "character_tasks")
    }


def test_kobo_undeclared_repeat_sheet_is_refused_naming_it(drafted, tmp_path):
    path = real("kobo", "kobo_quest_test_export.xlsx")
    doc = load_yaml(drafted("kobo", path.name))
    doc.pop("repeats")
    doc["questions"] = [q for q in doc["questions"] if "repeat" not in q]
    inst = load_instrument(dump_yaml(doc, tmp_path / "i.yaml"))
    with pytest.raises(
        DataError, match=r"sheet 'character_selection' holds a repeat group \(5 row\(s\)\)"
    ):
        read_platform(path, inst)


def test_kobo_geopoint_is_personal_and_its_parts_ignored(drafted, tmp_path):
    path = real("kobo", "kobo_meeting_form_export.xlsx")
    header, rows = sheet(path)
    frame, inst = read(drafted, "kobo", path.name)
    assert text(frame["Project_location"]) == [
        r[header.index("Project_location")] or "" for r in rows
    ]
    assert "Project_location" in inst.personal_columns
    assert "ignored geopoint part '_Project_location_latitude'" in frame.attrs["platform"]["notes"]


# --------------------------------------------------------------------------- SPSS


SAV = [n for n in EXPORTS["sav"] if n not in UNREADABLE]


@pytest.mark.parametrize("name", SAV)
def test_sav_values_equal_pyreadstat(drafted, name):
    path = real("sav", name)
    raw, meta = pyreadstat.read_sav(str(path), user_missing=True)  # user-missing codes as values
    blanked, _ = pyreadstat.read_sav(
        str(path)
    )  # user-missing as NaN (SPSS's reading of a scale variable)
    frame, inst = read(drafted, "sav", name)
    assert len(frame) == len(raw)
    ident = inst.by_role("id")
    if ident.row_number:
        assert list(frame[ident.id]) == [str(i) for i in range(1, len(raw) + 1)]
    for q in (q for q in inst.questions if not q.row_number):
        var = q.source or q.id
        if q.type == "single":
            q_codes = {c.name: c.code for c in q.codes}
            values = raw[var]
            want = [
                None if pd.isna(v) or v == "" else q_codes[v] if isinstance(v, str) else int(v)
                for v in values
            ]
            assert codes(frame[q.id]) == want, var
            declared = {m["lo"] for m in meta.missing_ranges.get(var, []) if m["lo"] == m["hi"]}
            for c in q.codes:
                assert c.nonsubstantive == (
                    c.name in declared
                    if c.name
                    else c.code in declared
                    or any(m["lo"] <= c.code <= m["hi"] for m in meta.missing_ranges.get(var, []))
                ), (var, c.code)
        elif q.type == "numeric":
            np.testing.assert_array_equal(
                frame[q.id].to_numpy(dtype=float), blanked[var].to_numpy(dtype=float)
            )
        elif q.type == "multi" and q.source_columns:
            for c in q.codes:
                hit = raw[list(q.source_columns)].isin([c.name]).any(axis=1)
                assert codes(frame[f"{q.id}_{c.code}"]) == [int(h) for h in hit], (q.id, c.code)
        elif q.type == "multi":
            for c in q.codes:
                assert codes(frame[f"{q.id}_{c.code}"]) == [
                    None if pd.isna(v) else int(v == 1) for v in raw[c.source]
                ], c.source
        elif q.type == "text" or q.role in ("other", "id"):
            assert text(frame[q.id]) == [as_written(v).strip() for v in raw[var]], var


def as_written(value: object) -> str:
    """A pyreadstat value as text: times to the second, dates ISO, whole numbers without .0."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_sav_dictionary_facts(drafted):
    """What the SPSS files carry, drafted as the instrument (user-missing, strings, fractions, MR sets)."""
    inst = load_instrument(drafted("sav", "haven_labelled-num-na.sav"))
    assert inst.question("VAR00002").nonsubstantive_codes == (9,)
    inst = load_instrument(drafted("sav", "haven_labelled-str.sav"))
    assert [(c.code, c.name, c.text("en")) for c in inst.question("gender").codes] == [
        (1, "F", "Female"),
        (2, "M", "Male"),
    ]
    inst = load_instrument(drafted("sav", "pyreadstat_simple_alltypes.sav"))
    assert inst.question("x").nonsubstantive_codes == (7, 8, 99)
    z = inst.question("z")
    assert z.type == "numeric" and z.missing == (999.0, (-999.0, 0.0))
    frame = read_platform(real("sav", "pyreadstat_simple_alltypes.sav"), inst)
    assert frame["z"].tolist()[2] == 1.234  # under a value label, not rounded
    assert [c.source for c in inst.question("mymrset").codes] == ["bool1", "bool2", "bool3"]
    assert inst.question("categorical_array").source_columns == (
        "ca_subvar_1",
        "ca_subvar_2",
        "ca_subvar_3",
    )
    inst = load_instrument(drafted("sav", "pyreadstat_missing_char.sav"))
    assert [(c.name, c.nonsubstantive) for c in inst.question("mychar").codes] == [
        ("Z", True),
        ("a", False),
    ]
    assert load_instrument(drafted("sav", "pyreadstat_tegulu.sav")).by_role("id").source == "record"


def test_sav_fraction_under_labels_is_never_rounded_into_a_code(drafted, tmp_path):
    doc = load_yaml(drafted("sav", "pyreadstat_simple_alltypes.sav"))
    z = next(q for q in doc["questions"] if q["id"] == "z")
    z.update(type="single", scale="x")
    z.pop("range"), z.pop("missing")
    inst = load_instrument(dump_yaml(doc, tmp_path / "i.yaml"))
    with pytest.raises(
        DataError, match=r"column z, row 3: 1.234 is not a code, and question z is coded"
    ):
        read_platform(real("sav", "pyreadstat_simple_alltypes.sav"), inst)


def test_sav_user_missing_substantive_in_the_instrument_is_drift(drafted, tmp_path):
    doc = load_yaml(drafted("sav", "haven_labelled-num-na.sav"))
    for scale in doc["scales"].values():
        for c in scale["codes"]:
            c.pop("nonsubstantive", None)
    inst = load_instrument(dump_yaml(doc, tmp_path / "i.yaml"))
    with pytest.raises(
        DataError, match=r"user-missing in the file but substantive in the instrument: VAR00002=9"
    ):
        read_platform(real("sav", "haven_labelled-num-na.sav"), inst)


# --------------------------------------------------------------------------- helpers


def load_yaml(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dump_yaml(doc: dict, path: Path) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
