"""Fielding: XLSForm (converted by pyxform), questionnaire, codebook and the export command."""

from __future__ import annotations

import csv
import dataclasses
import shutil

import openpyxl
import pytest
from pyxform.xls2xform import convert

from survey.cli import run
from survey.errors import LanguageError
from survey.instrument import __main__ as instrument_cli
from survey.instrument import fielding, load_instrument
from survey.instrument.fielding.questionnaire import questionnaire_items
from survey.synth import synthetic_raw
from tests.conftest import INSTRUMENT


@pytest.fixture(scope="module")
def current():
    return load_instrument(INSTRUMENT)


def sheet_rows(path, name):
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


# --------------------------------------------------------------------------- XLSForm


@pytest.mark.parametrize("version", ["1.1.0", "1.0.0"])
def test_xlsform_converts_with_pyxform(current, tmp_path, version):
    inst = current.at_version(version)
    path = fielding.to_xlsform(inst, tmp_path / "form.xlsx")
    warnings: list[str] = []
    xform = convert(xlsform=str(path), validate=False, warnings=warnings).xform
    assert warnings == []
    asked = [q for q in inst.questions if q.type != "paradata" or q.role in ("start", "submit")]
    for q in asked:
        assert f"<{q.id}/>" in xform, q.id
    # platform-generated or unrecordable paradata are not form fields
    for name in ("respondent_id", "ip_address", "lang"):
        assert f"<{name}/>" not in xform
    assert 'jr:preloadParams="start"' in xform and 'jr:preloadParams="end"' in xform
    assert "<meta><instanceID/></meta>" in xform
    assert 'translation lang="English (en)" default="true()"' in xform
    assert 'translation lang="Chinese (zh)"' in xform
    assert "<value>您目前居住在哪里？</value>" in xform
    assert "<value>Where do you currently live?</value>" in xform
    assert 'relevant=" /data/participated_q  = 1"' in xform
    assert "relevant=\"selected( /data/how_participated , '5')\"" in xform
    assert 'constraint=". &gt;= 10 and . &lt;= 100"' in xform
    assert f'<data id="ccg-2020" version="{version}">' in xform
    # option 6 exists only from 1.1.0 on
    assert ("<value>线上交流与活动</value>" in xform) == (version == "1.1.0")


def test_xlsform_sheets(current, tmp_path):
    path = fielding.to_xlsform(current, tmp_path / "form.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["survey", "choices", "settings", "notes"]
    survey = {row["name"]: row for row in sheet_rows(path, "survey")}
    assert survey["country"]["type"] == "select_one country3"
    assert survey["solidarity_q"]["type"] == "select_one agree5"
    assert survey["how_participated"]["type"] == "select_multiple how_participated"
    assert survey["age"]["type"] == "integer"
    assert survey["age"]["constraint"] == ". >= 10 and . <= 100"
    assert survey["age"]["constraint_message::Chinese (zh)"] == "请输入10到100之间的数字"
    assert survey["account"]["type"] == "text" and survey["account"]["required"] is None
    assert survey["start_time"]["type"] == "start" and survey["submit_time"]["type"] == "end"
    assert (
        survey["attention_q"]["type"] == "select_one agree5"
        and survey["attention_q"]["constraint"] is None
    )
    assert survey["how_participated"]["relevant"] == "${participated_q} = 1"
    assert survey["how_participated_other"]["relevant"] == "selected(${how_participated}, '5')"
    assert survey["country"]["required"] == "yes"
    assert survey["country"]["label::Chinese (zh)"] == "您目前居住在哪里？"
    # every code of every scale and multi list, non-substantive ones included
    choices = {(row["list_name"], row["name"]): row for row in sheet_rows(path, "choices")}
    for q in current.questions:
        if q.coded:
            for c in q.codes:
                row = choices[(q.scale_id or q.id, str(c.code))]
                assert row["label::English (en)"] == c.text("en")
                assert row["label::Chinese (zh)"] == c.text("zh")
    assert choices[("agree5", "9")]["label::English (en)"] == "Don't know"
    assert len({k for k in choices if k[0] == "how_participated"}) == 6
    settings = sheet_rows(path, "settings")[0]
    assert settings == {
        "form_title": "Survey on China-US non-governmental cooperation against COVID-19",
        "form_id": "ccg-2020",
        "version": "1.1.0",
        "default_language": "English (en)",
    }
    notes = {row["name"]: row["note"] for row in sheet_rows(path, "notes")}
    assert "instanceID" in notes["respondent_id"] and "IP address" in notes["ip_address"]


def test_xlsform_is_byte_identical(current, tmp_path):
    first = fielding.to_xlsform(current, tmp_path / "a.xlsx").read_bytes()
    second = fielding.to_xlsform(current, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    # openpyxl stamps the save time; the export must not carry it
    props = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert props.created == props.modified == fielding.FIXED_TIME


def test_xlsform_needs_xlsx_and_known_options(current, tmp_path):
    with pytest.raises(fielding.ExportError, match="must be written as .xlsx"):
        fielding.to_xlsform(current, tmp_path / "form.csv")
    with pytest.raises(
        LanguageError,
        match=r"language 'fr' is not declared by .*ccg-2020.yaml \(languages: en, zh\)",
    ):
        fielding.to_xlsform(current, tmp_path / "form.xlsx", default_language="fr")


# --------------------------------------------------------------------------- skip logic


RELEVANT = [
    ({"question": "participated_q", "op": "eq", "value": 1}, "${participated_q} = 1"),
    ({"question": "country", "op": "in", "value": [1, 2]}, "(${country} = 1 or ${country} = 2)"),
    (
        {"question": "country", "op": "not_in", "value": [1, 2]},
        "(${country} != '' and not(${country} = 1 or ${country} = 2))",
    ),
    ({"question": "country", "op": "ne", "value": 3}, "(${country} != '' and ${country} != 3)"),
    ({"question": "age", "op": "lt", "value": 18}, "${age} < 18"),
    ({"question": "age", "op": "le", "value": 17.5}, "${age} <= 17.5"),
    ({"question": "age", "op": "gt", "value": 64}, "${age} > 64"),
    ({"question": "age", "op": "ge", "value": 65}, "${age} >= 65"),
    (
        {"question": "how_participated_other", "op": "eq", "value": "x"},
        "${how_participated_other} = 'x'",
    ),
    ({"question": "how_participated_other", "op": "answered"}, "${how_participated_other} != ''"),
    ({"question": "account", "op": "blank"}, "${account} = ''"),
    (
        {"question": "how_participated_5", "op": "eq", "value": 1},
        "selected(${how_participated}, '5')",
    ),
    (
        {"question": "how_participated_5", "op": "in", "value": [1]},
        "selected(${how_participated}, '5')",
    ),
    (
        {"question": "how_participated_5", "op": "ne", "value": 0},
        "selected(${how_participated}, '5')",
    ),
    (
        {"question": "how_participated_5", "op": "eq", "value": 0},
        "(${how_participated} != '' and not(selected(${how_participated}, '5')))",
    ),
    ({"question": "how_participated_5", "op": "answered"}, "${how_participated} != ''"),
    (
        {
            "all": [
                {"question": "country", "op": "eq", "value": 1},
                {"question": "age", "op": "ge", "value": 18},
            ]
        },
        "(${country} = 1 and ${age} >= 18)",
    ),
    (
        {
            "any": [
                {"question": "how_participated_1", "op": "eq", "value": 1},
                {"not": {"question": "gender", "op": "eq", "value": 9}},
            ]
        },
        "(selected(${how_participated}, '1') or not(${gender} = 9))",
    ),
]


@pytest.mark.parametrize("cond, expected", RELEVANT)
def test_relevant_xpath(current, cond, expected):
    assert fielding.relevant(cond, current) == expected


def test_relevant_on_option_missing_at_version(current):
    v1 = current.at_version("1.0.0")
    with pytest.raises(fielding.ExportError, match="'how_participated_6'"):
        fielding.relevant({"question": "how_participated_6", "op": "eq", "value": 1}, v1)


@pytest.mark.parametrize(
    "cond, lang, expected",
    [
        (None, "en", "All respondents"),
        ({"question": "participated_q", "op": "eq", "value": 1}, "en", "participated_q = Yes"),
        ({"question": "participated_q", "op": "eq", "value": 1}, "zh", "participated_q = 是"),
        (
            {"question": "country", "op": "in", "value": [1, 2]},
            "en",
            "country is one of China, United States",
        ),
        (
            {"question": "country", "op": "not_in", "value": [1, 2]},
            "zh",
            "country不是中国、美国中的任何一项",
        ),
        ({"question": "age", "op": "lt", "value": 18}, "en", "age < 18"),
        (
            {"question": "how_participated_5", "op": "eq", "value": 1},
            "en",
            "'Other' selected at how_participated",
        ),
        (
            {"question": "how_participated_5", "op": "eq", "value": 1},
            "zh",
            "how_participated选择了“其他”",
        ),
        (
            {
                "all": [
                    {"question": "country", "op": "eq", "value": 1},
                    {"question": "account", "op": "answered"},
                ]
            },
            "en",
            "(country = China and account answered)",
        ),
        (
            {"not": {"question": "gender", "op": "eq", "value": 9}},
            "en",
            "not (gender = Prefer not to say)",
        ),
    ],
)
def test_describe_condition(current, cond, lang, expected):
    assert fielding.describe(cond, current, lang) == expected


# --------------------------------------------------------------------------- questionnaire


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_questionnaire_has_every_question_in_both_languages(current, tmp_path, suffix):
    path = fielding.to_questionnaire(current, tmp_path / f"q{suffix}")
    text = path.read_text(encoding="utf-8")
    if suffix == ".html":
        import html

        assert text.startswith("<!DOCTYPE html>") and "<link" not in text and "<script" not in text
        text = html.unescape(text)
    for q in current.questions:
        assert q.wording("en") in text and q.wording("zh") in text, q.id
    assert "中美民间抗疫合作问卷调查" in text and "1.1.0" in text
    assert "Ask if Q15 participated_q = Yes / 仅当 Q15 participated_q = 是 时提问" in text
    assert "Ask if 'Other' selected at Q16 how_participated" in text
    assert "(select all that apply)" in text and "（可多选）" in text
    assert "(Number from 10 to 100)" in text and "（请输入10到100之间的数字）" in text
    assert "[9] Don't know / 不知道" in text
    assert "[6] Online exchanges and events / 线上交流与活动" in text
    assert "`ip_address` (ip)" in text or "<code>ip_address</code> (ip)" in path.read_text(
        encoding="utf-8"
    )


def test_questionnaire_at_version_and_one_language(current, tmp_path):
    text = fielding.to_questionnaire(
        current.at_version("1.0.0"), tmp_path / "q.md", languages=["zh"]
    ).read_text(encoding="utf-8")
    assert "线上交流与活动" not in text and "Where do you currently live?" not in text
    assert "您目前居住在哪里？" in text and "问卷版本: 1.0.0" in text


# --------------------------------------------------------------------------- codebook


def test_codebook_has_every_variable(current):
    book = fielding.codebook(current)
    expected = list(current.raw_columns) + [d.id for d in current.derived]
    assert list(dict.fromkeys(book["variable"])) == expected
    variables = book.drop_duplicates("variable").set_index("variable")
    for q in current.questions:
        if q.type != "multi":
            assert variables.loc[q.id, "label_en"] == q.wording("en")
            assert variables.loc[q.id, "label_zh"] == q.wording("zh")
    for qid in (
        "solidarity_q",
        "nongov_q",
        "relations_q",
        "media_more_q",
        "positive_role_q",
        "attention_q",
    ):
        assert variables.loc[qid, "missing"] == "9" and variables.loc[qid, "measure"] == "ordinal"
    assert variables.loc["ip_address", "personal"] and variables["personal"].sum() == 1
    assert variables.loc["how_participated_5", "universe_en"] == "participated_q = Yes"
    assert variables.loc["how_participated_other", "universe_zh"] == "how_participated选择了“其他”"
    assert variables.loc["country", "universe_en"] == "All respondents"
    assert variables.loc["age", "type"] == "numeric [10, 100]"
    assert variables.loc["country_gender", "derived_from"] == "country, gender"
    rows = book[book.variable == "solidarity_q"]
    assert rows["code"].tolist() == [1, 2, 3, 4, 5, 9]
    assert rows["code_label_zh"].tolist()[-1] == "不知道"
    options = book[book.variable == "how_participated_6"]
    assert options["code"].tolist() == [0, 1] and options["code_label_en"].tolist() == [
        "Not selected",
        "Selected",
    ]
    cross = book[book.variable == "country_gender"]
    assert len(cross) == 3 * 3 and 9 not in set(cross["code"] % 10)


def test_codebook_files(current, tmp_path):
    path = fielding.to_codebook(current, tmp_path / "codebook.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["variable"] == "respondent_id" and rows[0]["code"] == ""
    agree = [r for r in rows if r["variable"] == "nongov_q"]
    assert [r["code"] for r in agree] == ["1", "2", "3", "4", "5", "9"] and agree[0][
        "missing"
    ] == "9"
    md = fielding.to_codebook(current, tmp_path / "codebook.md").read_text(encoding="utf-8")
    for name in list(current.raw_columns) + [d.id for d in current.derived]:
        assert f"## `{name}`" in md
    assert "| personal data | yes |" in md and "| 9 | Don't know | 不知道 |" in md


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    "fmt, name, check",
    [
        ("xlsform", "form.xlsx", lambda p: p.read_bytes()[:2] == b"PK"),
        ("questionnaire", "q.md", lambda p: "仅当" in p.read_text(encoding="utf-8")),
        (
            "questionnaire",
            "q.html",
            lambda p: p.read_text(encoding="utf-8").startswith("<!DOCTYPE html>"),
        ),
        (
            "codebook",
            "codebook.csv",
            lambda p: p.read_text(encoding="utf-8").startswith("variable,question,"),
        ),
        (
            "codebook",
            "codebook.md",
            lambda p: p.read_text(encoding="utf-8").startswith("# Codebook"),
        ),
    ],
)
def test_cli_exports(tmp_path, monkeypatch, capsys, fmt, name, check):
    (tmp_path / "instruments").mkdir()
    shutil.copy(INSTRUMENT, tmp_path / "instruments" / INSTRUMENT.name)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" / name
    assert run(instrument_cli.main, ["export", "--format", fmt, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert check(out)
    assert [p.name for p in out.parent.iterdir()] == [name]  # no temporary file left behind


def test_cli_version_and_lang(tmp_path, capsys):
    out = tmp_path / "form.xlsx"
    argv = [
        "export",
        "--format",
        "xlsform",
        "--out",
        str(out),
        "--instrument",
        str(INSTRUMENT),
        "--version",
        "1.0.0",
        "--lang",
        "zh",
        "--quiet",
    ]
    assert run(instrument_cli.main, argv) == 0
    assert capsys.readouterr().out == ""
    settings = sheet_rows(out, "settings")[0]
    assert settings["version"] == "1.0.0" and settings["default_language"] == "Chinese (zh)"
    names = {
        row["name"] for row in sheet_rows(out, "choices") if row["list_name"] == "how_participated"
    }
    assert names == {"1", "2", "3", "4", "5"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--format", "pdf"],
            "error: unknown format 'pdf' (valid: xlsform, questionnaire, codebook)",
        ),
        (
            ["--format", "xlsform", "--instrument", "nowhere.yaml"],
            "error: nowhere.yaml: file not found",
        ),
        (
            ["--format", "codebook", "--version", "0.9"],
            "error: {inst}: instrument version '0.9' not in its change log (known: 1.0.0, 1.1.0)",
        ),
        (
            ["--format", "questionnaire", "--lang", "fr"],
            "error: language 'fr' is not declared by {inst} (languages: en, zh)",
        ),
    ],
)
def test_cli_errors_are_one_line(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    if "--instrument" not in argv:
        argv = [*argv, "--instrument", str(INSTRUMENT)]
    out = tmp_path / "out.md"
    assert run(instrument_cli.main, ["export", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [message.format(inst=INSTRUMENT)]
    assert not out.exists()


def test_cli_default_instrument_must_be_unique(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["export", "--format", "codebook", "--out", "c.md"]
    assert run(instrument_cli.main, argv) == 2
    assert "expected exactly one instrument file, found none" in capsys.readouterr().err
    (tmp_path / "instruments").mkdir()
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(INSTRUMENT, tmp_path / "instruments" / name)
    assert run(instrument_cli.main, argv) == 2
    err = capsys.readouterr().err
    assert (
        len(err.splitlines()) == 1
        and "instruments/a.yaml, instruments/b.yaml: pass --instrument" in err
    )


def test_a_numeric_without_a_range_is_fielded_without_bounds(current):
    """A numeric question built in code may have no range (a YAML one must): no TypeError."""
    questions = tuple(
        dataclasses.replace(q, range=None) if q.id == "age" else q for q in current.questions
    )
    inst = dataclasses.replace(current, questions=questions)
    row = next(r for r in fielding.xlsform_sheets(inst)["survey"] if r["name"] == "age")
    assert row["type"] == "decimal" and "constraint" not in row and "hint::English (en)" not in row
    book = fielding.codebook(inst)
    assert book.loc[book.variable == "age", "type"].tolist() == ["numeric"]
    notes = next(i for i in questionnaire_items(inst, ["en"]) if i["id"] == "age")["notes"]
    assert notes == {"en": []}  # required: not "optional"; no range to show
    ages = synthetic_raw(inst, 200)["age"].astype(int)
    assert ages.between(18, 80).all()
