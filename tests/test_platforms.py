"""Platform exports (survey/platforms.py) and the synthetic WJX wave 2 (raw/generate_wave2.py).

Every platform fixture is written from the SAME canonical rows by the writers below
(the layouts follow /work/shared/FIELD-NOTES.md, "Platform exports") and committed
under tests/fixtures/platforms/ (``python -m tests.test_platforms`` rewrites them);
reading each with ``read_platform`` must give exactly ``read_raw`` of the canonical
file.  The wave-2 checks re-implement the quality rules with pandas alone.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import yaml

from survey.clean.rules import clean
from survey.errors import DataError
from survey.instrument import Instrument, load_instrument
from survey.read.canonical import read_raw
from survey.read.platforms import READERS, detect_format, read_platform, wjx_numbering
from tests.conftest import INSTRUMENT, make_raw

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "platforms"
WAVE2 = ROOT / "raw" / "ccg-2020-wave2-wjx.csv"
GENERATOR = ROOT / "raw" / "generate_wave2.py"
VERSION = "1.1.0"

# Documented in raw/README.md ("Wave 2 (synthetic, 2021)").
WAVE2_REASONS = {
    "incomplete": 30,
    "out_of_range": 8,
    "out_of_scope": 10,
    "attention_failed": 28,
    "speeder": 18,
    "duplicate": 6,
}
WAVE2_VALID = 1100
# indicator: (column, agreeing codes, non-substantive code, base, agreeing count) among the valid rows
WAVE2_FIGURES = {
    "solidarity": ("solidarity_q", [4, 5], 9, 1080, 1063),
    "nongov_necessary": ("nongov_q", [4, 5], 9, 1082, 1055),
    "support": ("support_q", [4, 5], 9, 1078, 1021),
    "no_idea": ("awareness_q", [4], None, 1100, 174),
    "relations_affect": ("relations_q", [4, 5], 9, 1094, 984),
    "media_more": ("media_more_q", [4, 5], 9, 1090, 1036),
    "positive_role": ("positive_role_q", [4, 5], 9, 1097, 921),
    "participated": ("participated_q", [1], None, 1100, 550),
    "plan_future": ("plan_future_q", [1], 9, 1098, 747),
}

SM_META = [
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
]
Q_META = [
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "UserLanguage",
]


@pytest.fixture(scope="module")
def inst() -> Instrument:
    return load_instrument(INSTRUMENT).at_version(VERSION)


# --------------------------------------------------------------------------- the canonical rows


def canonical_rows(instrument: Instrument) -> pd.DataFrame:
    """Eight valid canonical rows (strings) with bilingual accounts and both languages."""
    frame = make_raw(instrument, n=8, seed=11)
    frame["lang"] = ["1", "2", "2", "1", "2", "1", "2", "2"]
    frame["account"] = [
        'We shipped 3,000 masks to Wuhan, "fast".',
        "",
        "我们给纽约的医院寄了口罩，共5000只。",
        "",
        "线上交流会很有意义",
        "Thank you",
        "",
        "感谢所有人",
    ]
    frame["ip_address"] = [f"10.0.{i}.{i + 1}" for i in range(8)]
    return frame


def ticks(frame: pd.DataFrame, q) -> list[list[int] | None]:
    """Per row: the ticked codes of a multi in option order, or None when not asked."""
    out = []
    for _, row in frame.iterrows():
        cells = [row[c] for c in q.columns]
        out.append(
            None
            if all(v == "" for v in cells)
            else [c.code for c, v in zip(q.codes, cells) if v == "1"]
        )
    return out


def label(q, value: str, lang: str) -> str:
    return "" if value == "" else q.label(int(value), lang)


def write_csv(rows: list[list[str]], path: Path, encoding: str = "utf-8", sep: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", delimiter=sep).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def seconds_of(frame: pd.DataFrame) -> pd.Series:
    return (
        (pd.to_datetime(frame["submit_time"]) - pd.to_datetime(frame["start_time"]))
        .dt.total_seconds()
        .astype(int)
    )


# --------------------------------------------------------------------------- platform writers


def to_wjx_numeric(
    frame: pd.DataFrame, instrument: Instrument, path: Path, drift: bool = False
) -> Path:
    """WJX numeric export: 序号 etc., ``N、题干``, ``第N题(选项)`` 0/1 columns, -2 skipped; GB18030 bytes."""
    submit = pd.to_datetime(frame["submit_time"])
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "问卷语言版本"]
    cols = [
        [str(i + 1) for i in range(len(frame))],
        [f"{t.year}/{t.month}/{t.day} {t.hour}:{t:%M:%S}" for t in submit],
        [f"{s}秒" for s in seconds_of(frame)],
        ["手机提交"] * len(frame),
        ["直接访问"] * len(frame),
        [f"{ip}(北京-北京)" for ip in frame["ip_address"]],
        list(frame["lang"]),
    ]
    for n, q in wjx_numbering(instrument).items():
        if q.type == "multi":
            for c, col in zip(q.codes, q.columns):
                header.append(f"第{n}题({c.text('zh')})")
                cols.append(["-2" if v == "" else v for v in frame[col]])
        else:
            header.append(f"{n}、{q.wording('zh')}")
            blank = "-2" if q.type != "text" else "(空)" if q.ask_if is None else "(跳过)"
            cols.append([v or blank for v in frame[q.id]])
    if drift:
        # a missing question (3 gender), an extra column, an unknown option, options 1 and 2 swapped
        gender = header.index("3、" + instrument.question("gender").wording("zh"))
        del header[gender], cols[gender]
        header.append("备注")
        cols.append([""] * len(frame))
        first = next(i for i, h in enumerate(header) if h.startswith("第16题("))
        header[first], header[first + 1] = header[first + 1], header[first]
        cols[first], cols[first + 1] = cols[first + 1], cols[first]
        header.append("第16题(线下座谈会)")
        cols.append(["0"] * len(frame))
    return write_csv([header] + [list(r) for r in zip(*cols)], path, "gb18030")


def to_wjx_text(frame: pd.DataFrame, instrument: Instrument, path: Path) -> Path:
    """WJX text export: labels in the respondent's language, multi joined with ┋, (跳过); UTF-8 with BOM."""
    submit = pd.to_datetime(frame["submit_time"])
    lang = ["en" if v == "1" else "zh" for v in frame["lang"]]
    lang_q = instrument.question("lang")
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "问卷语言版本"]
    cols = [
        [str(i + 1) for i in range(len(frame))],
        list(submit.dt.strftime("%Y/%m/%d %H:%M:%S")),
        [f"{s}秒" for s in seconds_of(frame)],
        ["链接"] * len(frame),
        ["N/A"] * len(frame),
        list(frame["ip_address"]),
        [label(lang_q, v, "zh") for v in frame["lang"]],
    ]
    for n, q in wjx_numbering(instrument).items():
        header.append(f"{n}、{q.wording('zh')}")
        if q.type == "multi":
            cols.append(
                [
                    "(跳过)" if t is None else "┋".join(q.label(c, lg) for c in t)
                    for t, lg in zip(ticks(frame, q), lang)
                ]
            )
        elif q.coded:
            cols.append([label(q, v, lg) or "(跳过)" for v, lg in zip(frame[q.id], lang)])
        else:
            cols.append([v or "(跳过)" for v in frame[q.id]])
    return write_csv([header] + [list(r) for r in zip(*cols)], path, "utf-8-sig")


def to_qualtrics(frame: pd.DataFrame, instrument: Instrument, path: Path) -> Path:
    """Qualtrics: tags / texts / ImportIds; options 1 or blank; other text as <id>_5_TEXT; a preview row last."""
    secs = seconds_of(frame)
    tags, texts, cols = (
        list(Q_META),
        list(Q_META),
        [
            list(frame["start_time"]),
            list(frame["submit_time"]),
            ["IP Address"] * len(frame),
            list(frame["ip_address"]),
            ["100"] * len(frame),
            [str(s) for s in secs],
            ["1"] * len(frame),
            list(frame["submit_time"]),
            list(frame["respondent_id"]),
            ["EN" if v == "1" else "ZH-S" for v in frame["lang"]],
        ],
    )
    other = {
        c.other_text: f"{q.id}_{c.code}_TEXT"
        for q in instrument.questions
        for c in q.codes
        if c.other_text
    }
    for q in instrument.questions:
        if q.type == "paradata":
            continue
        if q.type == "multi":
            for c, col in zip(q.codes, q.columns):
                tags.append(col)
                texts.append(f"{q.wording()} - {c.text('en')}")
                cols.append(["1" if v == "1" else "" for v in frame[col]])
        else:
            tags.append(other.get(q.id, q.id))
            texts.append(q.wording())
            cols.append(list(frame[q.id]))
    ids = [json.dumps({"ImportId": t}) for t in tags]
    body = [list(r) for r in zip(*cols)]
    preview = list(body[0])
    preview[tags.index("Status")], preview[tags.index("ResponseId")] = "Survey Preview", "R_preview"
    return write_csv([tags, texts, ids] + body + [preview], path)


def to_surveymonkey(frame: pd.DataFrame, instrument: Instrument, path: Path) -> Path:
    """SurveyMonkey: question text / Response or option text; ticked cells hold the option text."""
    fmt = lambda s: pd.to_datetime(s).dt.strftime("%m/%d/%Y %I:%M:%S %p")
    first, second = list(SM_META), [""] * len(SM_META)
    cols = [
        list(frame["respondent_id"]),
        ["214536"] * len(frame),
        list(fmt(frame["start_time"])),
        list(fmt(frame["submit_time"])),
        list(frame["ip_address"]),
    ] + [[""] * len(frame)] * 4
    lang_q = instrument.question("lang")
    first.append(lang_q.wording())
    second.append("Response")
    cols.append([label(lang_q, v, "en") for v in frame["lang"]])
    for q in instrument.questions:
        if q.type == "paradata":
            continue
        if q.type == "multi":
            for k, (c, col) in enumerate(zip(q.codes, q.columns)):
                first.append(q.wording() if k == 0 else "")
                second.append(c.text("en"))
                cols.append([c.text("en") if v == "1" else "" for v in frame[col]])
        else:
            first.append(q.wording())
            second.append("Response" if q.coded else "Open-Ended Response")
            cols.append([label(q, v, "en") for v in frame[q.id]] if q.coded else list(frame[q.id]))
    return write_csv([first, second] + [list(r) for r in zip(*cols)], path)


def to_kobo(frame: pd.DataFrame, instrument: Instrument, path: Path, split: bool) -> Path:
    """Kobo: group/name headers, start/end with offset, _uuid; multi joined by spaces (and split)."""
    iso = lambda s: pd.to_datetime(s).dt.strftime("%Y-%m-%dT%H:%M:%S.000+08:00")
    header, cols = (
        ["start", "end"],
        [list(iso(frame["start_time"])), list(iso(frame["submit_time"]))],
    )
    for q in instrument.questions:
        if q.type == "paradata":
            continue
        name = f"{q.section or 'main'}/{q.id}"
        if q.type == "multi":
            header.append(name)
            cols.append(["" if t is None else " ".join(map(str, t)) for t in ticks(frame, q)])
            if split:
                for c, col in zip(q.codes, q.columns):
                    header.append(f"{name}/{c.code}")
                    cols.append(list(frame[col]))
        else:
            header.append(name)
            cols.append(list(frame[q.id]))
    header += ["meta/instanceID", "_id", "_uuid", "_submission_time", "_index"]
    cols += [
        [f"uuid:{v}" for v in frame["respondent_id"]],
        [str(100 + i) for i in range(len(frame))],
        list(frame["respondent_id"]),
        list(iso(frame["submit_time"])),
        [str(i + 1) for i in range(len(frame))],
    ]
    return write_csv([header] + [list(r) for r in zip(*cols)], path, sep=";" if split else ",")


def to_sav(
    expected: pd.DataFrame, instrument: Instrument, path: Path, bad_label: bool = False
) -> Path:
    """SPSS: canonical variable names, codes with the instrument's (English) value labels."""
    import pyreadstat

    data = expected.drop(columns="raw_row").copy()
    labels = {}
    for q in instrument.questions:
        for col in q.columns:
            if q.coded:
                data[col] = data[col].astype("float64")
            if q.coded and q.type != "multi":
                labels[col] = {float(c.code): c.text("en") for c in q.codes}
    if bad_label:
        labels["gender"][1.0] = "Female"
    for col in data.columns:
        if data[col].dtype == object or str(data[col].dtype).startswith("str"):
            data[col] = data[col].astype(object).where(data[col].notna(), "")
    pyreadstat.write_sav(data, str(path), variable_value_labels=labels)
    return path


LAYOUTS = {
    "wjx_numeric.csv": lambda f, i, p: to_wjx_numeric(f, i, p),
    "wjx_text.csv": lambda f, i, p: to_wjx_text(f, i, p),
    "qualtrics.csv": lambda f, i, p: to_qualtrics(f, i, p),
    "surveymonkey.csv": lambda f, i, p: to_surveymonkey(f, i, p),
    "kobo_split.csv": lambda f, i, p: to_kobo(f, i, p, split=True),
    "kobo_joined.csv": lambda f, i, p: to_kobo(f, i, p, split=False),
    "wjx_drift.csv": lambda f, i, p: to_wjx_numeric(f, i, p, drift=True),
}
# fixture: (format detected, columns the platform has no value for)
EXPECT = {
    "wjx_numeric.csv": ("wjx", ["respondent_id"]),
    "wjx_text.csv": ("wjx", ["respondent_id"]),
    "qualtrics.csv": ("qualtrics", []),
    "surveymonkey.csv": ("surveymonkey", []),
    "kobo_split.csv": ("kobo", ["ip_address", "lang"]),
    "kobo_joined.csv": ("kobo", ["ip_address", "lang"]),
}


def write_fixtures(directory: Path, instrument: Instrument) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    frame = canonical_rows(instrument)
    write_csv([list(frame.columns)] + frame.to_numpy().tolist(), directory / "canonical.csv")
    for name, write in LAYOUTS.items():
        write(frame, instrument, directory / name)


@pytest.fixture(scope="module")
def expected(inst) -> pd.DataFrame:
    return read_raw(FIXTURES / "canonical.csv", inst)


# --------------------------------------------------------------------------- platform tests


def test_committed_fixtures_are_what_the_writers_write(inst, tmp_path):
    write_fixtures(tmp_path, inst)
    for name in ["canonical.csv", *LAYOUTS]:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


@pytest.mark.parametrize("name", list(EXPECT))
def test_platform_reads_as_canonical(inst, expected, name):
    fmt, absent = EXPECT[name]
    got = read_platform(FIXTURES / name, inst, fmt)
    got = got[~got["raw_row"].isin(list(got.attrs["excluded"]))].reset_index(drop=True)  # test rows
    want = expected.copy()
    for col in absent:
        if col == "respondent_id":
            assert got[col].notna().all() and got[col].is_unique
        else:
            assert got[col].isna().all(), col
        got[col] = want[col]
    pdt.assert_frame_equal(got, want)
    assert got.attrs["platform"]["format"] == fmt


@pytest.mark.parametrize("name", list(EXPECT))
def test_detection_picks_the_platform(inst, expected, name):
    fmt = EXPECT[name][0]
    assert detect_format(FIXTURES / name) == fmt
    got = read_platform(FIXTURES / name, inst, "auto")
    assert got.attrs["platform"]["format"] == fmt and got.attrs["platform"]["detected"] is True
    assert len(got) - len(got.attrs["excluded"]) == len(expected)


def test_wjx_details(inst):
    numeric = read_platform(FIXTURES / "wjx_numeric.csv", inst, "wjx").attrs["platform"]
    text = read_platform(FIXTURES / "wjx_text.csv", inst, "wjx").attrs["platform"]
    assert (numeric["encoding"], numeric["variant"]) == ("gb18030", "numeric")
    assert (text["encoding"], text["variant"]) == ("utf-8", "text")
    assert "respondent_id taken from 序号 (WJX's record number)" in numeric["notes"]
    assert "ignored metadata column '来源'" in numeric["notes"]
    assert read_platform(FIXTURES / "wjx_numeric.csv", inst, "wjx")["respondent_id"].tolist() == [
        str(i) for i in range(1, 9)
    ]


def test_wjx_xlsx_download(inst, expected, tmp_path):
    grid = pd.read_csv(
        FIXTURES / "wjx_numeric.csv", dtype=str, keep_default_na=False, encoding="gb18030"
    )
    path = tmp_path / "wjx.xlsx"
    grid.to_excel(path, index=False)
    got = read_platform(path, inst)
    assert got.attrs["platform"]["format"] == "wjx"
    pdt.assert_frame_equal(got.assign(respondent_id=expected["respondent_id"]), expected)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8"])
def test_wjx_text_export_in_chinese_encodings(inst, expected, tmp_path, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes((FIXTURES / "wjx_text.csv").read_text(encoding="utf-8-sig").encode(encoding))
    got = read_platform(path, inst)
    assert got.attrs["platform"]["encoding"] == (
        "gb18030" if encoding.startswith("gb") else "utf-8"
    )
    pdt.assert_frame_equal(got.assign(respondent_id=expected["respondent_id"]), expected)
    assert read_platform(path, inst, encoding=encoding).attrs["platform"]["encoding"] == encoding


def test_western_bytes_are_not_read_as_chinese(inst, tmp_path):
    from survey.read.platforms import read_text

    path = tmp_path / "sm.csv"
    path.write_bytes("Respondent ID,Name\n1,José Müller café\n".encode("cp1252"))
    text, encoding = read_text(path)
    assert "José Müller café" in text and encoding != "gb18030"


def test_qualtrics_preview_excluded_by_cleaning_and_kept_on_request(inst):
    got = read_platform(FIXTURES / "qualtrics.csv", inst, "qualtrics")
    assert (
        got["raw_row"].tolist() == list(range(1, 10))
        and got["respondent_id"].iloc[8] == "R_preview"
    )
    assert got.attrs["excluded"] == {9: ("test_response", "Status=Survey Preview")}
    assert any(
        "1 preview/test row(s) (Status) excluded" in n for n in got.attrs["platform"]["notes"]
    )
    cleaned = clean(got, inst)
    assert cleaned.reconciliation() == {"raw": 9, "valid": 8, "excluded": 1, "test_response": 1}
    assert cleaned.exclusions.iloc[0].to_dict() == {
        "respondent_id": "R_preview",
        "raw_row": 9,
        "reason": "test_response",
        "detail": "Status=Survey Preview",
    }
    kept = read_platform(FIXTURES / "qualtrics.csv", inst, "qualtrics", keep_test_rows=True)
    assert kept.attrs["excluded"] == {}  # kept: the preview then repeats row 1's IP and answers
    assert clean(kept, inst).reconciliation() == {
        "raw": 9,
        "valid": 8,
        "excluded": 1,
        "duplicate": 1,
    }


def test_kobo_variants(inst):
    assert (
        read_platform(FIXTURES / "kobo_split.csv", inst, "kobo").attrs["platform"]["variant"]
        == "split"
    )
    assert (
        read_platform(FIXTURES / "kobo_joined.csv", inst, "kobo").attrs["platform"]["variant"]
        == "joined"
    )


def test_sav_reads_as_canonical_and_label_drift(inst, expected, tmp_path):
    path = to_sav(expected, inst, tmp_path / "wave.sav")
    got = read_platform(path, inst, None)
    assert got.attrs["platform"]["format"] == "sav"
    pdt.assert_frame_equal(got, expected)
    bad = to_sav(expected, inst, tmp_path / "bad.sav", bad_label=True)
    with pytest.raises(
        DataError,
        match=r"value label disagrees with the instrument: gender=1 is 'Female', instrument: 'Male'",
    ):
        read_platform(bad, inst, "sav")


def test_drift_is_one_error_naming_all_four(inst):
    with pytest.raises(DataError) as err:
        read_platform(FIXTURES / "wjx_drift.csv", inst, "wjx")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(FIXTURES / "wjx_drift.csv"))
    assert "missing column(s): gender" in msg
    assert "unexpected column(s): '备注'" in msg
    assert "unknown option label(s): '第16题(线下座谈会)'" in msg
    assert (
        "option order differs from the instrument: how_participated (医疗与技术合作 | 生产或提供防疫物资"
        in msg
    )
    # extra columns can be allowed; the other three problems remain
    with pytest.raises(DataError) as err:
        read_platform(FIXTURES / "wjx_drift.csv", inst, "wjx", allow_extra_columns=True)
    assert "备注" not in str(err.value) and "gender" in str(err.value)


def test_text_export_drift_in_cells(inst, tmp_path):
    text = (FIXTURES / "wjx_text.csv").read_text(encoding="utf-8-sig")
    text = text.replace("非常同意", "特别同意", 1).replace("Agree", "Totally agree", 1)
    rows = list(csv.reader(io.StringIO(text)))
    col = next(j for j, h in enumerate(rows[0]) if h.startswith("16、"))
    row = next(r for r in rows[1:] if "┋" in r[col])
    row[col] = "┋".join(reversed(row[col].split("┋")))
    path = write_csv(rows, tmp_path / "t.csv", "utf-8-sig")
    with pytest.raises(DataError) as err:
        read_platform(path, inst, "wjx")
    msg = str(err.value)
    assert "unknown option label(s)" in msg and "'特别同意'" in msg and "'Totally agree'" in msg
    assert "option order differs from the instrument: 16、" in msg


def test_question_number_text_mismatch(inst, tmp_path):
    text = (
        (FIXTURES / "wjx_text.csv")
        .read_text(encoding="utf-8-sig")
        .replace("1、您目前居住在哪里？", "1、您的性别是？")
    )
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        DataError, match=r"question text differs: '1、您的性别是？' is not question 1 \(country\)"
    ):
        read_platform(path, inst, "wjx")


def test_unknown_format_lists_the_valid_ones(inst):
    with pytest.raises(
        DataError,
        match=r"unknown platform format 'limesurvey' \(valid: auto, wjx, qualtrics, surveymonkey, kobo, sav",
    ):
        read_platform(FIXTURES / "wjx_text.csv", inst, "limesurvey")
    assert {"wjx", "qualtrics", "surveymonkey", "kobo", "sav"} <= set(READERS)


def test_undetectable_header(inst, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="cannot tell the export's platform"):
        read_platform(path, inst)


# --------------------------------------------------------------------------- wave 2


@pytest.fixture(scope="module")
def wave2(inst) -> pd.DataFrame:
    return read_platform(WAVE2, inst, "wjx")


def test_wave2_reads_under_1_1_0(wave2, inst):
    info = wave2.attrs["platform"]
    assert (info["format"], info["variant"], info["encoding"]) == ("wjx", "numeric", "gb18030")
    assert len(wave2) == WAVE2_VALID + sum(WAVE2_REASONS.values())
    assert list(wave2.columns) == ["raw_row", *inst.raw_columns]
    assert (wave2["how_participated_6"] == 1).sum() > 50
    with pytest.raises(UnicodeDecodeError):
        WAVE2.read_bytes().decode("utf-8")


def test_wave2_generator_reproduces_the_file(tmp_path):
    out = tmp_path / "w2.csv"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True
    )
    assert out.read_bytes() == WAVE2.read_bytes()


def test_wave2_generator_imports_no_survey():
    assert (
        "import survey" not in GENERATOR.read_text() and "from survey" not in GENERATOR.read_text()
    )


def test_wave2_cleaning_gives_the_documented_counts(wave2, inst):
    counts = clean(wave2, inst).reconciliation()
    assert counts["valid"] == WAVE2_VALID
    assert {k: counts.get(k, 0) for k in WAVE2_REASONS} == WAVE2_REASONS


def independent_reasons(path: Path) -> tuple[pd.Series, pd.DataFrame]:
    """The instrument's quality rules with pandas and the YAML alone, on the WJX file as bytes."""
    spec = yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
    qs = [q for q in spec["questions"] if q["type"] != "paradata"]
    scales = spec["scales"]
    cols: dict[str, pd.Series] = {}
    for n, q in enumerate(qs, start=1):
        if q["type"] == "multi":
            for o in q["options"]:
                cols[f"{q['id']}_{o['code']}"] = raw[f"{n}({o['label']['zh']})"]
        else:
            cols[q["id"]] = raw[next(h for h in raw.columns if h.startswith(f"{n}、"))]
    data = pd.DataFrame(cols).replace({"-2": "", "-3": "", "(跳过)": "", "(空)": ""})
    num = (
        data.drop(columns=["how_participated_other", "account"])
        .replace("", np.nan)
        .apply(pd.to_numeric)
    )
    multi = [c for c in num.columns if c.startswith("how_participated_")]
    reason = pd.Series("", index=raw.index)
    required = [q["id"] for q in qs if q.get("required") and q["type"] != "multi"]
    asked_multi = num["participated_q"] == 1
    inc = num[required].isna().any(axis=1) | (asked_multi & ~(num[multi] == 1).any(axis=1))
    reason[inc] = "incomplete"
    bad = pd.Series(False, index=raw.index)
    for q in qs:
        if q["type"] == "single":
            bad |= num[q["id"]].notna() & ~num[q["id"]].isin(
                [c["code"] for c in scales[q["scale"]]["codes"]]
            )
        if q["type"] == "numeric":
            bad |= num[q["id"]].notna() & ~num[q["id"]].between(*q["range"])
    bad |= (num[multi].notna() & ~num[multi].isin([0, 1])).any(axis=1)
    reason[bad & (reason == "")] = "out_of_range"
    reason[(num["age"] < 18) & (reason == "")] = "out_of_scope"
    reason[(num["attention_q"] != 4) & (reason == "")] = "attention_failed"
    secs = raw["所用时间"].str.rstrip("秒").astype(int)
    left = reason == ""
    reason[left & (secs < 0.3 * secs[left].median())] = "speeder"
    left = reason == ""
    ip = raw["来自IP"].str.replace(r"\(.*$", "", regex=True)
    key = pd.concat([ip, data], axis=1)[left]
    order = (
        pd.to_datetime(raw["提交答卷时间"], format="%Y/%m/%d %H:%M:%S")[left]
        .sort_values(kind="stable")
        .index
    )
    dup = key.loc[order].duplicated(keep="first")
    reason[dup[dup].index] = "duplicate"
    return reason, num


def test_wave2_counts_and_figures_independently():
    reason, num = independent_reasons(WAVE2)
    counts = reason.value_counts().to_dict()
    assert counts.pop("") == WAVE2_VALID
    assert counts == WAVE2_REASONS
    valid = num[reason == ""]
    for name, (col, codes, dk, base, k) in WAVE2_FIGURES.items():
        values = valid[col] if dk is None else valid[col][valid[col] != dk]
        assert (len(values), int(values.isin(codes).sum())) == (base, k), name
    # no more than 3 of the same bad code in one column
    spec = yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))
    singles = {
        q["id"]: [c["code"] for c in spec["scales"][q["scale"]]["codes"]]
        for q in spec["questions"]
        if q["type"] == "single"
    }
    for col, codes in singles.items():
        bad = num[col][num[col].notna() & ~num[col].isin(codes)]
        assert (bad.value_counts() <= 3).all(), col


def test_wave2_changes_against_wave1(inst):
    """Opinion changes by design: relations +~6, no idea -~5, participation up, support -~2 points."""
    wave1 = {"relations_affect": 83.85, "no_idea": 20.83, "participated": 44.03, "support": 96.74}
    change = {
        name: 100 * WAVE2_FIGURES[name][4] / WAVE2_FIGURES[name][3] - wave1[name] for name in wave1
    }
    assert 5 < change["relations_affect"] < 7
    assert -6 < change["no_idea"] < -4
    assert change["participated"] > 4
    assert -3 < change["support"] < -1


if __name__ == "__main__":  # python -m tests.test_platforms  (rewrites the committed fixtures)
    write_fixtures(FIXTURES, load_instrument(INSTRUMENT).at_version(VERSION))
    print(f"wrote {FIXTURES}")
