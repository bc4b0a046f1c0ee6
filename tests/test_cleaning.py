"""Reading and cleaning: every quality rule, reconciliation, and bad-input errors."""

from __future__ import annotations

import pandas as pd
import pytest

from survey.clean import recode
from survey.clean import rules as cleaning
from survey.errors import DataError
from survey.read.canonical import read_raw
from tests.conftest import make_raw, write_raw


def run(frame, instrument, tmp_path):
    raw = read_raw(write_raw(frame, tmp_path / "raw.csv"), instrument)
    return raw, cleaning.clean(raw, instrument)


def test_valid_rows_all_kept(instrument, tmp_path):
    _raw, result = run(make_raw(instrument, 50), instrument, tmp_path)
    assert len(result.data) == 50 and result.exclusions.empty
    assert result.reconciliation() == {"raw": 50, "valid": 50, "excluded": 0}


def test_every_rule_gives_its_reason(instrument, tmp_path):
    f = make_raw(instrument, 80)
    f.loc[0, "submit_time"] = ""  # incomplete: not submitted
    f.loc[1, "support_q"] = ""  # incomplete: required answer missing
    f.loc[2, "solidarity_q"] = "7"  # out of range code
    f.loc[3, "age"] = "150"  # out of range number
    f.loc[4, "age"] = "15"  # out of scope
    f.loc[5, "attention_q"] = "2"  # attention failed
    f.loc[6, "submit_time"] = (
        pd.Timestamp(f.loc[6, "start_time"]) + pd.Timedelta(seconds=20)
    ).strftime("%Y-%m-%d %H:%M:%S")
    dup = f.loc[[10]].copy()  # duplicate of row 10, submitted later
    dup["respondent_id"] = "T99999"
    dup["start_time"] = (pd.Timestamp(f.loc[10, "submit_time"]) + pd.Timedelta(minutes=5)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    dup["submit_time"] = (
        pd.Timestamp(dup["start_time"].iloc[0]) + pd.Timedelta(seconds=400)
    ).strftime("%Y-%m-%d %H:%M:%S")
    f = pd.concat([f, dup], ignore_index=True)
    _raw, result = run(f, instrument, tmp_path)
    reasons = result.exclusions.set_index("raw_row")["reason"].to_dict()
    assert reasons == {
        1: "incomplete",
        2: "incomplete",
        3: "out_of_range",
        4: "out_of_range",
        5: "out_of_scope",
        6: "attention_failed",
        7: "speeder",
        81: "duplicate",
    }
    details = result.exclusions.set_index("raw_row")["detail"]
    assert details[2] == "support_q unanswered"
    assert details[3] == "solidarity_q=7"
    assert details[4] == "age=150.0 outside [10, 100]"
    assert details[5] == "age=15.0"
    assert details[81] == "same ip_address and answers as T00010"
    assert details[7].startswith("duration 20s < 0.3 x median")
    assert result.reconciliation()["valid"] == 73
    assert result.reconciliation()["raw"] == 81


def test_skip_logic_does_not_make_incomplete(instrument, tmp_path):
    f = make_raw(instrument, 30)
    nonparticipants = f["participated_q"] == "2"
    assert nonparticipants.any() and (f.loc[nonparticipants, "how_participated_1"] == "").all()
    _raw, result = run(f, instrument, tmp_path)
    assert result.exclusions.empty


def test_multi_select_with_nothing_ticked_is_incomplete(instrument, tmp_path):
    f = make_raw(instrument, 30)
    row = f.index[f["participated_q"] == "1"][0]
    for col in (
        "how_participated_1",
        "how_participated_2",
        "how_participated_3",
        "how_participated_4",
        "how_participated_5",
    ):
        f.loc[row, col] = "0"
    f.loc[row, "how_participated_other"] = ""
    _raw, result = run(f, instrument, tmp_path)
    assert result.exclusions["detail"].tolist() == ["how_participated unanswered"]


def test_systematic_unknown_code_is_drift_not_exclusion(instrument, tmp_path):
    f = make_raw(instrument, 50)
    f.loc[:, "support_q"] = "6"
    with pytest.raises(
        DataError, match=r"support_q has 50 rows with codes not in the instrument \(6\)"
    ):
        run(f, instrument, tmp_path)


def test_raw_frame_not_modified(instrument, tmp_path):
    raw = read_raw(write_raw(make_raw(instrument, 20), tmp_path / "r.csv"), instrument)
    before = raw.copy()
    cleaning.clean(raw, instrument)
    pd.testing.assert_frame_equal(raw, before)


def test_recode_indicator_leaves_dont_know_out(instrument, tmp_path):
    f = make_raw(instrument, 20)
    f.loc[0, "solidarity_q"], f.loc[1, "solidarity_q"], f.loc[2, "solidarity_q"] = "9", "5", "2"
    _raw, result = run(f, instrument, tmp_path)
    data = recode.recode(result.data, instrument)
    assert data["solidarity"].iloc[:3].tolist() == [pd.NA, 1, 0] or (
        pd.isna(data["solidarity"].iloc[0]) and data["solidarity"].iloc[1:3].tolist() == [1, 0]
    )
    assert data.loc[0, "age_band"] in (1, 2, 3, 4, 5)
    assert data["country_gender"].dropna().isin([11, 12, 13, 21, 22, 23, 31, 32, 33]).all()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda f: f.drop(columns=["gender"]), r"missing column\(s\) gender"),
        (lambda f: f.assign(extra=1), r"unexpected column\(s\) extra"),
        (
            lambda f: f.assign(respondent_id=["T00001"] * len(f)),
            r"duplicate respondent id\(s\) 'T00001' \(row 1\)",
        ),
        (
            lambda f: f.assign(country=["China"] + list(f["country"][1:])),
            r"row 1, column country: 'China' is not a code",
        ),
        (
            lambda f: f.assign(start_time=["yesterday"] + list(f["start_time"][1:])),
            r"row 1, column start_time: 'yesterday' is not a time",
        ),
        (
            lambda f: f.assign(submit_time=["2020-01-01 00:00:00"] + list(f["submit_time"][1:])),
            r"row 1: submit_time is before start_time",
        ),
        (lambda f: f.iloc[:0], r"header only, no data rows"),
    ],
)
def test_bad_raw_files(instrument, tmp_path, mutate, message):
    path = write_raw(mutate(make_raw(instrument, 10)), tmp_path / "bad.csv")
    with pytest.raises(DataError, match=message) as err:
        read_raw(path, instrument)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "file is empty"),
        (b"respondent_id|country\n1|2\n", "wrong separator"),  # ; and tab are sniffed (test_corpus)
        (b"\xff\xfer\x00e\x00", "UTF-16"),
        ("respondent_id,国家\n".encode("gb18030"), "is not valid utf-8"),
        (b"\x00\x01\x02junk", "NUL bytes"),
    ],
)
def test_unreadable_files(instrument, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_raw(path, instrument)


def test_bom_is_accepted(instrument, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + make_raw(instrument, 5).to_csv(index=False).encode())
    assert len(read_raw(path, instrument)) == 5
