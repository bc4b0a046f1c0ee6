"""survey.write.spss without PSPP: .sav round trips through pyreadstat, determinism, failures, .sps text."""

from __future__ import annotations

import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.errors import DataError, ExportError
from survey.read.sav import read_sav
from survey.write.spss import (
    FIXED_DATE,
    FIXED_TIME,
    RESERVED,
    MultiSet,
    Variable,
    check_labels,
    validate_names,
    write_sav,
    write_sps,
    write_table_sav,
)

FIXTURES = Path(__file__).parent / "fixtures" / "spss"


def _frame() -> tuple[pd.DataFrame, list[Variable]]:
    frame = pd.DataFrame(
        {
            "respondent_id": ["R001", "R002", "R003", "R004"],
            "性别": [1, 2, 2, 9],
            "q1": [1, 3, np.nan, 8],
            "how_1": [1, 0, 1, 0],
            "how_2": [0, 1, 1, 0],
            "age": [23, 41, 37, 68],
            "wt": [0.5, 1.25, 1.0, 1.25],
            "city": ["北京", "Shanghai", None, "广州"],
        }
    )
    variables = [
        Variable("respondent_id", "Respondent id"),
        Variable("性别", "您的性别是？", {1: "男", 2: "女", 9: "不想回答"}, missing=(9,)),
        Variable(
            "q1",
            "Do you agree that 'it's fine'?",
            {1: "Agree", 2: "Neither", 3: "Disagree", 8: "Don't know"},
            missing=(8,),
            measure="ordinal",
        ),
        Variable("how_1", "How: web", {0: "Not selected", 1: "Selected"}),
        Variable("how_2", "How: phone", {0: "Not selected", 1: "Selected"}),
        Variable("age", "Age in years", measure="scale", format="F3.0"),
        Variable("wt", "Weight", measure="scale", format="F8.4"),
        Variable("city", "城市"),
    ]
    return frame, variables


def test_round_trip_keeps_data_labels_missing_formats_measures(tmp_path: Path) -> None:
    frame, variables = _frame()
    out = tmp_path / "w1.sav"
    warnings = write_sav(frame, variables, out, file_label="第一波 wave 1", weight="wt")
    assert warnings == []
    data, meta = pyreadstat.read_sav(str(out), user_missing=True)
    assert list(data.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(
        data.drop(columns="city"),
        frame.drop(columns="city").astype(
            {c: float for c in frame.columns if c not in ("respondent_id", "city")}
        ),
    )
    assert data["city"].tolist() == ["北京", "Shanghai", "", "广州"]  # NaN text becomes ''
    assert meta.file_label == "第一波 wave 1"
    assert meta.column_names_to_labels == {v.name: v.label for v in variables}
    assert meta.variable_value_labels == {
        "性别": {1.0: "男", 2.0: "女", 9.0: "不想回答"},
        "q1": {1.0: "Agree", 2.0: "Neither", 3.0: "Disagree", 8.0: "Don't know"},
        "how_1": {0.0: "Not selected", 1.0: "Selected"},
        "how_2": {0.0: "Not selected", 1.0: "Selected"},
    }
    assert meta.missing_ranges == {"性别": [{"lo": 9.0, "hi": 9.0}], "q1": [{"lo": 8.0, "hi": 8.0}]}
    assert meta.original_variable_types == {
        "respondent_id": "A4",
        "性别": "F2.0",
        "q1": "F2.0",
        "how_1": "F2.0",
        "how_2": "F2.0",
        "age": "F3.0",
        "wt": "F8.4",
        "city": "A8",
    }
    assert meta.variable_measure == {
        "respondent_id": "nominal",
        "性别": "nominal",
        "q1": "ordinal",
        "how_1": "nominal",
        "how_2": "nominal",
        "age": "scale",
        "wt": "scale",
        "city": "nominal",
    }


def test_filtered_frame_keeps_its_rows(tmp_path: Path) -> None:
    frame, variables = _frame()
    subset = frame.iloc[[3, 1]]  # index 3, 1: rows must not be realigned to 0, 1
    write_sav(subset, variables, tmp_path / "s.sav", file_label="s")
    data, _ = read_sav(tmp_path / "s.sav")
    assert data["respondent_id"].tolist() == ["R004", "R002"]
    assert data["age"].tolist() == [68.0, 41.0]


def test_read_sav_returns_codes_and_metadata(tmp_path: Path) -> None:
    frame, variables = _frame()
    out = tmp_path / "w1.sav"
    write_sav(frame, variables, out, file_label="w1")
    data, meta = read_sav(out)
    assert data["性别"].tolist() == [1.0, 2.0, 2.0, 9.0]  # user-missing code kept
    assert meta.missing == {"性别": (9.0,), "q1": (8.0,)}
    assert meta.value_labels["性别"] == {1: "男", 2: "女", 9: "不想回答"}
    assert meta.variable_labels["q1"] == "Do you agree that 'it's fine'?"
    assert meta.encoding == "UTF-8"
    assert meta.formats["wt"] == "F8.4" and meta.measures["q1"] == "ordinal"


def test_default_formats_are_derived_never_f8_2_for_codes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [-3, 120], "c": [1.5, 2.25], "d": [3, 4]})
    variables = [
        Variable("a", "a"),
        Variable("b", "b", {1000: "big"}),
        Variable("c", "c"),
        Variable("d", "d", measure="scale"),
    ]
    write_sav(frame, variables, tmp_path / "f.sav", file_label="f")
    _, meta = pyreadstat.read_sav(str(tmp_path / "f.sav"))
    # width covers the data, the labelled codes and a minus sign
    assert meta.original_variable_types == {"a": "F2.0", "b": "F5.0", "c": "F8.2", "d": "F8.2"}


def test_two_writes_are_byte_identical_with_fixed_header_time(tmp_path: Path) -> None:
    frame, variables = _frame()
    first, second = tmp_path / "a.sav", tmp_path / "b.sav"
    write_sav(frame, variables, first, file_label="w1", weight="wt")
    time.sleep(1.1)  # ReadStat stamps the wall clock to the second
    write_sav(frame, variables, second, file_label="w1", weight="wt")
    a, b = first.read_bytes(), second.read_bytes()
    assert a == b
    assert a[92:109] == FIXED_DATE + FIXED_TIME == b"01 Jan 0000:00:00"
    assert not list(tmp_path.glob(".*"))  # no temp file left behind


def test_weight_is_set_in_header(tmp_path: Path) -> None:
    frame = pd.DataFrame({"txt": ["x" * 20, "y"], "q": [1, 2], "wt": [1.0, 2.0]})
    variables = [Variable("txt", "t"), Variable("q", "q"), Variable("wt", "w", measure="scale")]
    write_sav(frame, variables, tmp_path / "w.sav", file_label="w", weight="wt")
    header = (tmp_path / "w.sav").read_bytes()
    # A20 takes 3 case slots, q one: wt is slot 5 (1-based)
    assert struct.unpack_from("<i", header, 76)[0] == 5
    write_sav(frame, variables, tmp_path / "n.sav", file_label="w")
    assert struct.unpack_from("<i", (tmp_path / "n.sav").read_bytes(), 76)[0] == 0


# ------------------------------------------------------------------ property test

_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 '\"?!,.-中文问卷调查是否满意不知道拒答")),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s != "")
_FIRST = "abcdefghxyzQRST中文变量"
_REST = _FIRST + "0123456789_.$@#"
_NAMES = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(list(_FIRST)),
    st.text(alphabet=st.sampled_from(list(_REST)), max_size=12),
).filter(lambda n: not n.endswith(".") and n.upper() not in RESERVED)


@st.composite
def labelled_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, list[Variable]]:
    names = draw(st.lists(_NAMES, min_size=1, max_size=5, unique_by=str.casefold))
    n_rows = draw(st.integers(1, 15))
    columns, variables = {}, []
    for name in names:
        codes = draw(st.lists(st.integers(-9, 99), min_size=1, max_size=6, unique=True))
        values = draw(st.lists(st.sampled_from(codes + [None]), min_size=n_rows, max_size=n_rows))
        columns[name] = pd.array(values, dtype="Int64")
        labels = {c: draw(_TEXT) for c in codes if draw(st.booleans())}
        missing = tuple(sorted(draw(st.sets(st.sampled_from(codes), max_size=min(3, len(codes))))))
        variables.append(
            Variable(
                name, draw(_TEXT), labels, missing, draw(st.sampled_from(["nominal", "ordinal"]))
            )
        )
    return pd.DataFrame(columns), variables


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labelled_frames())
def test_property_round_trip(case: tuple[pd.DataFrame, list[Variable]]) -> None:
    frame, variables = case
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.sav"
        assert write_sav(frame, variables, out, file_label="property 属性 'q'") == []
        data, meta = pyreadstat.read_sav(str(out), user_missing=True)
        again = Path(tmp) / "q.sav"
        write_sav(frame, variables, again, file_label="property 属性 'q'")
        assert out.read_bytes() == again.read_bytes()
    expected = frame.astype("float64")
    pd.testing.assert_frame_equal(data, expected, check_dtype=False)
    assert meta.file_label == "property 属性 'q'"
    for v in variables:
        assert meta.column_names_to_labels[v.name] == v.label
        assert meta.variable_value_labels.get(v.name, {}) == {
            float(k): t for k, t in v.value_labels.items()
        }
        got = meta.missing_ranges.get(v.name, [])
        assert [r["lo"] for r in got] == [float(m) for m in v.missing]
        assert meta.variable_measure[v.name] == v.measure
        assert meta.original_variable_types[v.name].endswith(".0")


# ------------------------------------------------------------------ failures


def test_validate_names_reports_every_bad_name() -> None:
    with pytest.raises(ExportError) as caught:
        validate_names(["ok", "1q", "has space", "BY", "with", "end.", "x" * 65, "Q5", "q5"])
    message = str(caught.value)
    assert message.startswith("illegal SPSS variable names: ")
    assert "'1q' must start with a letter" in message
    assert "'has space' must start with a letter and hold only" in message
    assert "'BY' is a reserved word" in message and "'with' is a reserved word" in message
    assert "'end.' must not end with '.'" in message
    assert "is 65 bytes in UTF-8 (at most 64)" in message
    assert "'q5' collides with 'Q5' (names ignore case)" in message
    assert "'ok'" not in message


def test_validate_names_counts_bytes_not_characters() -> None:
    validate_names(["问" * 21, "q.1", "a_b$c@d#e"])  # 63 bytes: legal
    with pytest.raises(ExportError, match="is 66 bytes in UTF-8"):
        validate_names(["问" * 22])


def test_check_labels_warns_and_write_truncates_at_character_boundary(tmp_path: Path) -> None:
    variables = [Variable("q1", "问" * 90, {1: "答" * 41, 2: "short"})]
    warnings = check_labels(variables)
    assert warnings == [
        (
            "variable label of q1 is 270 bytes in UTF-8 (SPSS limit 256): "
            "truncated to 255 bytes at a character boundary"
        ),
        (
            "value label 1 of q1 is 123 bytes in UTF-8 (SPSS limit 120): "
            "truncated to 120 bytes at a character boundary"
        ),
    ]
    out = tmp_path / "t.sav"
    got = write_sav(pd.DataFrame({"q1": [1, 2]}), variables, out, file_label="题" * 30)
    assert got == warnings + [
        "file label is 90 bytes in UTF-8 (SPSS limit 64): truncated to 63 bytes at a character boundary"
    ]
    _, meta = pyreadstat.read_sav(str(out))
    assert meta.column_names_to_labels["q1"] == "问" * 85
    assert meta.variable_value_labels["q1"] == {1.0: "答" * 40, 2.0: "short"}
    assert meta.file_label == "题" * 21


def test_personal_column_refused(tmp_path: Path) -> None:
    frame, variables = _frame()
    with pytest.raises(ExportError) as caught:
        write_sav(
            frame,
            variables,
            tmp_path / "p.sav",
            file_label="w",
            personal=["Respondent_ID", "phone"],
        )
    assert str(caught.value) == (
        "personal data columns must not be exported: respondent_id (drop them before writing)"
    )
    assert not (tmp_path / "p.sav").exists()


def test_bad_frames_report_every_problem(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "q1": pd.Categorical(["a", "b"]),
            "text": ["x" * 256, "ok"],
            "q2": [1, 2],
            "extra": [0, 1],
        }
    )
    variables = [
        Variable("q1", "q1"),
        Variable("text", "t", {1: "one"}),
        Variable("q2", "q2", missing=(7, 8, 9, 10), measure="interval", format="A8"),
        Variable("gone", "not in frame"),
    ]
    with pytest.raises(ExportError) as caught:
        write_sav(frame, variables, tmp_path / "b.sav", file_label="b")
    assert str(caught.value) == (
        "columns without a Variable: extra; Variables without a column: gone"
    )
    with pytest.raises(ExportError) as caught:
        write_sav(frame.drop(columns="extra"), variables[:3], tmp_path / "b.sav", file_label="b")
    message = str(caught.value)
    assert "q1 is a pandas categorical: write integer codes plus value_labels" in message
    assert "text: value labels and missing codes need a numeric column" in message
    assert "text: 1 values longer than 255 bytes (longest 256)" in message
    assert "q2: measure 'interval' is not one of nominal, ordinal, scale" in message
    assert "q2: 4 missing codes (SPSS allows at most 3)" in message
    assert "q2: format 'A8' does not fit a numeric column" in message


def test_weight_and_multisets_are_checked(tmp_path: Path) -> None:
    frame, variables = _frame()
    with pytest.raises(ExportError) as caught:
        write_sav(
            frame,
            variables,
            tmp_path / "x.sav",
            file_label="x",
            weight="city",
            multisets=[MultiSet("how", "How", ("how_1", "how_9"))],
        )
    message = str(caught.value)
    assert "weight 'city' is not numeric" in message
    assert "multiple response set name 'how' must be '$' + a legal name" in message
    assert "how: unknown variables how_9" in message
    warnings = write_sav(
        frame,
        variables,
        tmp_path / "x.sav",
        file_label="x",
        multisets=[MultiSet("$how", "How", ("how_1", "how_2"))],
    )
    assert warnings == [
        (
            "multiple response sets $how are not stored in the .sav (pyreadstat cannot): "
            "declare them in the .sps"
        )
    ]


def test_read_sav_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.sav: no such \.sav file"):
        read_sav(tmp_path / "nope.sav")
    junk = tmp_path / "junk.sav"
    junk.write_bytes(b"not a system file at all")
    with pytest.raises(DataError, match=r"junk\.sav: cannot read as SPSS \.sav"):
        read_sav(junk)


def test_read_sav_falls_back_to_gb18030() -> None:
    path = FIXTURES / "gb18030_mislabelled.sav"
    data, meta = read_sav(path)
    assert meta.encoding == "GB18030"
    assert data["name"].tolist() == ["张三", "李四"]
    assert meta.variable_labels["q1"] == "你喜欢吗"
    assert meta.value_labels["q1"] == {1: "喜欢", 2: "不喜欢"}
    with pytest.raises(DataError, match="UTF-8: Unable to convert"):
        read_sav(path, encoding="UTF-8")


# ------------------------------------------------------------------ tables


def test_write_table_sav(tmp_path: Path) -> None:
    tables = pd.DataFrame(
        {
            "question": ["q1", "q1"],
            "banner": ["性别", "性别"],
            "row_code": [1, 2],
            "row_label": ["Agree", "Don't know"],
            "count": [10, 5],
            "weighted_count": [10.25, 4.5],
            "col_pct": [0.6721311, 0.3278689],
            "sig_letters": ["B", None],
        }
    )
    labels = {"question": "Question", "row_label": "Row label", "col_pct": "Column proportion"}
    assert (
        write_table_sav(tables, tmp_path / "t.sav", labels=labels, measures={"row_code": "nominal"})
        == []
    )
    data, meta = pyreadstat.read_sav(str(tmp_path / "t.sav"))
    assert meta.original_variable_types == {
        "question": "A2",
        "banner": "A6",
        "row_code": "F2.0",
        "row_label": "A10",
        "count": "F2.0",
        "weighted_count": "F8.2",
        "col_pct": "F7.4",
        "sig_letters": "A1",
    }
    assert (
        meta.variable_measure["row_code"] == "nominal" and meta.variable_measure["count"] == "scale"
    )
    assert meta.column_names_to_labels["col_pct"] == "Column proportion"
    assert data["col_pct"].tolist() == [0.6721311, 0.3278689]
    assert data["banner"].tolist() == ["性别", "性别"]
    assert data["sig_letters"].tolist() == ["B", ""]


# ------------------------------------------------------------------ syntax


def test_sps_text(tmp_path: Path) -> None:
    _, variables = _frame()
    out = tmp_path / "w1.sps"
    write_sps(
        out,
        sav_name="w1.sav",
        variables=variables,
        multisets=[
            MultiSet("$how", "How did you hear? 'don't know' 你从哪里" * 3, ("how_1", "how_2"))
        ],
        weight="wt",
        crosstabs=[("q1", "性别")],
        save_as="w1_full.sav",
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf* Encoding: UTF-8.\n")
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    assert max(len(line.encode("utf-8")) for line in lines) < 80
    assert "GET FILE='w1.sav'." in lines
    assert "WEIGHT BY wt." in lines
    assert lines[-1] == "SAVE OUTFILE='w1_full.sav'."
    assert "'don''t know'" in text
    joined = " ".join(line.strip() for line in lines)
    assert "MRSETS /MDGROUP NAME=$how LABEL=" in joined
    assert "VARIABLES= how_1 how_2 VALUE=1." in joined
    assert (
        "CROSSTABS /TABLES=q1 BY 性别 /CELLS=COUNT COLUMN /COUNT=ASIS /STATISTICS=CHISQ." in joined
    )
    # the label, pieces joined back, is the original with quotes doubled
    start, end = joined.index("LABEL=") + 6, joined.index(" VARIABLES=")
    pieces = joined[start:end].strip().split("' + '")
    assert "".join(pieces)[1:-1].replace("''", "'") == "How did you hear? 'don't know' 你从哪里" * 3


def test_sps_problems_are_reported(tmp_path: Path) -> None:
    _, variables = _frame()
    with pytest.raises(ExportError) as caught:
        write_sps(
            tmp_path / "x.sps",
            sav_name="x.sav",
            variables=variables,
            weight="w9",
            crosstabs=[("q1", "q7")],
            multisets=[MultiSet("$m", "m", ("how_1",))],
            save_as="x.sav",
        )
    assert str(caught.value) == (
        "cannot write syntax x.sps: $m: a multiple response set needs at least 2 variables; "
        "weight 'w9' is not a variable; crosstab q1 BY q7: unknown q7; "
        "save_as 'x.sav' would overwrite the input file"
    )
