"""Drafting instruments (python -m survey.instrument import), the export keys, and runs without a plan.

Synthetic inputs for what the real exports (tests/test_real_exports.py) do not show: an
XLSForm written by our own fielding export drafted back, time zones, declared formats,
a format that does not match the file, the keys' validation messages, and a minimal
instrument and plan.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
import yaml

from survey.cli import run
from survey.errors import DataError, InstrumentError
from survey.instrument import load_instrument
from survey.instrument.__main__ import main as instrument_main
from survey.instrument.draft import draft, write_draft
from survey.instrument.fielding import to_xlsform
from survey.read.platforms import read_platform
from tests.conftest import INSTRUMENT

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "platforms"
MINIMAL = {
    "study": {"id": "mini"},
    "version": "1",
    "languages": ["en"],
    "scales": {
        "yn": {"codes": [{"code": 1, "label": {"en": "Yes"}}, {"code": 2, "label": {"en": "No"}}]}
    },
    "questions": [
        {"id": "rid", "type": "paradata", "role": "id", "text": {"en": "Id"}},
        {"id": "q1", "type": "single", "scale": "yn", "text": {"en": "Q1?"}},
    ],
}


def write(doc: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_csv(rows: list[list[str]], path: Path) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- XLSForm round trip


def test_our_own_xlsform_drafts_back_to_the_instrument(tmp_path):
    inst = load_instrument(INSTRUMENT)
    form = to_xlsform(inst, tmp_path / "form.xlsx")
    back = load_instrument(write_draft(draft(form), tmp_path / "back.yaml", "test"))
    assert back.languages == ("en", "zh")  # from label::English (en), label::Chinese (zh)
    fielded = {q.id: q for q in inst.questions}
    # the platform records language and IP itself: the form has no field for them
    assert [q.id for q in back.questions if q.id != "respondent_id"] == [
        q.id for q in inst.questions if q.role not in ("id", "language", "ip")
    ]
    for q in back.questions:
        if q.id == "respondent_id":
            continue
        want = fielded[q.id]
        assert (q.type, q.ask_if, q.required, q.role) == (
            want.type,
            want.ask_if,
            want.required,
            want.role,
        ), q.id
        assert [(c.code, dict(c.label)) for c in q.codes] == [
            (c.code, dict(c.label)) for c in want.codes
        ], q.id
        assert q.type == "paradata" or dict(q.text) == dict(
            want.text
        )  # the form gives start/end no label
    assert back.question("age").range == (10, 100)  # from the constraint


def test_xlsform_names_repeats_relevance_and_or_other(tmp_path):
    survey = [
        ["type", "name", "label::English (en)", "label::French (fr)", "relevant", "required"],
        ["start", "start", "", "", "", ""],
        ["end", "end", "", "", "", ""],
        ["select_one fruit or_other", "fruit", "Fruit?", "Fruit ?", "", "yes"],
        ["integer", "n", "How many?", "Combien ?", "selected(${fruit}, 'apples')", "yes"],
        ["text", "why", "Why?", "Pourquoi ?", "${fruit} = 'pears' or ${n} > 3", ""],
        ["text", "odd", "Odd?", "Bizarre ?", "string-length(${why}) > 2", "yes"],
        ["begin_repeat", "kids", "Children", "Enfants", "", ""],
        ["text", "kid_name", "Name", "Nom", "", ""],
        ["end_repeat", "", "", "", "", ""],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::French (fr)"],
        ["fruit", "apples", "Apples", "Pommes"],
        ["fruit", "pears", "Pears", "Poires"],
    ]
    path = tmp_path / "form.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame(survey[1:], columns=survey[0]).to_excel(xl, sheet_name="survey", index=False)
        pd.DataFrame(choices[1:], columns=choices[0]).to_excel(
            xl, sheet_name="choices", index=False
        )
    d = draft(path)
    text = write_draft(d, tmp_path / "i.yaml", "test").read_text(encoding="utf-8")
    inst = load_instrument(tmp_path / "i.yaml")
    assert inst.languages == ("en", "fr")
    fruit = inst.question("fruit")
    assert [(c.code, c.name, c.text("fr")) for c in fruit.codes] == [
        (1, "apples", "Pommes"),
        (2, "pears", "Poires"),
        (3, "other", "Other"),
    ]
    assert (
        fruit.codes[2].other_text == "fruit_other" and inst.question("fruit_other").type == "text"
    )
    assert inst.question("n").ask_if == {"question": "fruit", "op": "eq", "value": 1}
    assert inst.question("n").required
    assert inst.question("why").ask_if == {
        "any": [
            {"question": "fruit", "op": "eq", "value": 2},
            {"question": "n", "op": "gt", "value": 3},
        ]
    }
    assert (
        inst.question("odd").ask_if is None and not inst.question("odd").required
    )  # not translatable
    assert "relevant 'string-length(${why}) > 2' is not drafted as ask_if" in text
    assert [r.id for r in inst.repeats] == ["kids"] and inst.repeat_questions[0].personal  # "Name"
    assert "kid_name" not in inst.raw_columns


# --------------------------------------------------------------------------- reading with the new keys


def test_explicit_format_that_does_not_match_is_refused(tmp_path):
    inst = load_instrument(INSTRUMENT).at_version("1.1.0")
    with pytest.raises(
        DataError,
        match=r"--format qualtrics does not match the file: it looks like one header "
        r"row \(respondent_id, start_time, submit_time, lang, ip_address, country",
    ):
        read_platform(FIXTURES / "canonical.csv", inst, "qualtrics")
    with pytest.raises(
        DataError,
        match=r"--format surveymonkey does not match the file: it looks like a "
        r"Qualtrics 2017 export",
    ):
        read_platform(FIXTURES / "qualtrics.csv", inst, "surveymonkey")


def kobo_instrument(tmp_path: Path, **top) -> Path:
    doc = {
        **MINIMAL,
        **top,
        "questions": [
            {"id": "rid", "type": "paradata", "role": "id", "text": {"en": "Id"}},
            {"id": "t0", "type": "paradata", "role": "start", "text": {"en": "Start"}},
            {"id": "fruit", "type": "single", "scale": "fruit", "text": {"en": "Fruit"}},
            {"id": "note", "type": "text", "text": {"en": "Note"}},
        ],
    }
    doc["scales"] = {
        "fruit": {
            "codes": [
                {"code": 1, "label": {"en": "Apples"}, "name": "apples"},
                {"code": 2, "label": {"en": "Pears"}, "name": "pears"},
            ]
        }
    }
    return write(doc, tmp_path / "kobo.yaml")


def test_kobo_offsets_converted_to_the_declared_zone(tmp_path):
    rows = [
        ["start", "grp/fruit", "grp/note", "_uuid"],
        ["2024-01-02T13:56:34.892+08:00", "apples", "None", "u1"],
        ["2024-01-02T06:00:00Z", "None", "fine", "u2"],
    ]
    path = write_csv(rows, tmp_path / "kobo.csv")
    plain = read_platform(path, load_instrument(kobo_instrument(tmp_path)))
    assert plain["t0"].dt.strftime("%H:%M:%S").tolist() == [
        "13:56:34",
        "06:00:00",
    ]  # wall clock as recorded
    zoned = read_platform(
        path, load_instrument(kobo_instrument(tmp_path, times={"timezone": "America/New_York"}))
    )
    assert zoned["t0"].dt.strftime("%Y-%m-%d %H:%M:%S").tolist() == [
        "2024-01-02 00:56:34",
        "2024-01-02 01:00:00",
    ]
    assert plain["fruit"].tolist()[0] == 1 and pd.isna(
        plain["fruit"].tolist()[1]
    )  # Kobo's None is empty
    assert plain["note"].tolist() == ["None", "fine"]  # ... but may be an answer in free text


def test_declared_time_format_and_a_bad_time_names_column_and_row(tmp_path):
    rows = [
        ["start", "fruit", "note", "_uuid"],
        ["22.08.2022 15:44", "pears", "", "u1"],
        ["23.08.2022 9:01", "apples", "", "u2"],
        ["yesterday", "apples", "", "u3"],
    ]
    path = write_csv(rows, tmp_path / "kobo.csv")
    inst = load_instrument(kobo_instrument(tmp_path, times={"format": "%d.%m.%Y %H:%M"}))
    with pytest.raises(
        DataError, match=r"kobo.csv: column start, row 3: 'yesterday' is not a time I know"
    ):
        read_platform(path, inst, "kobo")
    write_csv(rows[:3], path)
    assert read_platform(path, inst, "kobo")["t0"].dt.strftime("%d %H:%M").tolist() == [
        "22 15:44",
        "23 09:01",
    ]


def test_row_number_id_and_source_column(tmp_path):
    doc = {
        **MINIMAL,
        "questions": [
            {
                "id": "rid",
                "type": "paradata",
                "role": "id",
                "text": {"en": "Id"},
                "source": {"row_number": True},
            },
            {"id": "q1", "type": "single", "scale": "yn", "text": {"en": "Q1?"}, "source": "Q 1"},
        ],
    }
    rows = [["start", "Q 1", "_index"], ["", "1", "1"], ["", "2", "2"], ["", "1", "3"]]
    frame = read_platform(
        write_csv(rows, tmp_path / "k.csv"),
        load_instrument(write(doc, tmp_path / "i.yaml")),
        "kobo",
    )
    assert frame["rid"].tolist() == ["1", "2", "3"] and frame["q1"].tolist() == [1, 2, 1]
    assert (
        "rid is the row number in the file (declared: source row_number)"
        in frame.attrs["platform"]["notes"]
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["questions"][1].update(source={"row_number": True}),
            "questions[1].source: row_number is the id's source only (role: id)",
        ),
        (
            lambda d: d["questions"][1].update(comment="rid"),
            "questions[1].comment: unknown text question 'rid'",
        ),
        (
            lambda d: d["questions"][1].update(boxes=[{"id": "a", "label": {"en": "A"}}]),
            "questions[1].boxes: not a key of a question of type 'single' (only of text)",
        ),
        (
            lambda d: d["questions"][1].update(repeat="kids"),
            "questions[1].repeat: unknown repeat group 'kids'",
        ),
        (
            lambda d: d.update(times={"timezone": "Mars/Olympus"}),
            "times.timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            lambda d: d.update(times={"format": "dd.mm.yyyy"}),
            "times.format[0]: 'dd.mm.yyyy' must be a strptime format",
        ),
        (
            lambda d: (
                d["scales"]["yn"]["codes"][1].update(name="y")
                or d["scales"]["yn"]["codes"][0].update(name="y")
            ),
            "scales.yn.codes[1].name: duplicate name 'y'",
        ),
        (
            lambda d: d["scales"]["yn"]["codes"][0].update(source="v1"),
            "scales.yn.codes[0].source: only a multi-select option has its own column name",
        ),
        (
            lambda d: d["questions"].append(
                {
                    "id": "n",
                    "type": "numeric",
                    "range": [0, 9],
                    "missing": [[9, 1]],
                    "text": {"en": "N"},
                }
            ),
            "questions[2].missing[0]: the range [9, 1] must be [low, high] with low <= high",
        ),
    ],
)
def test_export_keys_are_validated(tmp_path, change, message):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    change(doc)
    with pytest.raises(InstrumentError) as err:
        load_instrument(write(doc, tmp_path / "i.yaml"))
    assert message in str(err.value)


def test_existing_instruments_unchanged():
    inst = load_instrument(INSTRUMENT)
    assert all(
        q.source is None and not q.boxes and not q.row_number and q.repeat is None
        for q in inst.questions
    )
    assert inst.times.formats == () and inst.times.timezone is None and inst.repeats == ()


# --------------------------------------------------------------------------- the command and runs without a plan


def test_import_command_writes_a_loadable_draft_and_keeps_foreign_files(tmp_path, capsys):
    out = tmp_path / "draft.yaml"
    source = FIXTURES / "qualtrics.csv"
    assert run(instrument_main, ["import", str(source), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Instrument drafted by `python -m survey.instrument import")
    assert "guessed:" in text and load_instrument(out).id == "qualtrics"
    assert (
        run(instrument_main, ["import", str(source), "--out", str(out)]) == 0
    )  # a draft may be redrafted
    mine = tmp_path / "mine.yaml"
    mine.write_text("study: {id: x}\n", encoding="utf-8")
    capsys.readouterr()
    assert run(instrument_main, ["import", str(source), "--out", str(mine)]) == 2
    assert "exists and is not a drafted instrument" in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "study: {id: x}\n"
    assert (
        run(
            instrument_main,
            ["import", str(FIXTURES / "canonical.csv"), "--out", str(tmp_path / "c.yaml")],
        )
        == 2
    )


def test_minimal_instrument_and_plan_do_not_crash(tmp_path):
    from survey.analyze import main as analyze

    inst = write(MINIMAL, tmp_path / "inst.yaml")
    write_csv([["rid", "q1"], ["a", "1"], ["b", "2"], ["c", "1"]], tmp_path / "raw.csv")
    plan = write(
        {
            "study": "mini",
            "instrument": "inst.yaml",
            "waves": [{"id": 1, "raw": "raw.csv"}],
            "banner": {"variables": ["q1"]},
        },
        tmp_path / "plan.yaml",
    )
    assert (
        analyze(["--plan", str(plan), "--no-charts", "--out", str(tmp_path / "a"), "--quiet"]) == 0
    )
    assert (
        analyze(
            [
                "--instrument",
                str(inst),
                "--raw",
                str(tmp_path / "raw.csv"),
                "--no-charts",
                "--out",
                str(tmp_path / "b"),
                "--quiet",
            ]
        )
        == 0
    )
    toplines = pd.read_csv(tmp_path / "b" / "toplines.csv")
    assert toplines["count"].tolist() == [2, 1]
    assert pd.read_csv(tmp_path / "a" / "odds_ratios.csv").empty


def test_without_a_plan_the_background_questions_are_the_banner(tmp_path):
    from survey.study import Study

    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["questions"].insert(
        1,
        {
            "id": "sex",
            "type": "single",
            "scale": "yn",
            "section": "background",
            "text": {"en": "Sex"},
        },
    )
    rows = [
        ["rid", "sex", "q1"],
        ["a", "1", "1"],
        ["b", "1", "2"],
        ["c", "2", "1"],
        ["d", "2", "1"],
    ]
    study = Study.from_instrument(
        write(doc, tmp_path / "i.yaml"), write_csv(rows, tmp_path / "raw.csv")
    )
    assert study.plan.banner == ("sex",) and not study.has_plan and study.weights is None
    tables, _ = study.crosstabs()
    cells = tables[
        (tables["question"] == "q1")
        & (tables["banner"] == "sex")
        & (tables["row_code"].astype(str) == "1")
    ]
    assert cells["count"].tolist() == [1, 2]  # q1 = Yes among sex 1 (1 of 2) and sex 2 (2 of 2)
    assert study.headlines().empty
