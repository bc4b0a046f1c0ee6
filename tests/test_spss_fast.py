"""write_sav's numpy data section: byte for byte pyreadstat's, and read back by pyreadstat and PSPP.

Every case is written twice, by the fast path (dictionary from a one-row frame, data with
numpy) and by plain pyreadstat (the fast path switched off), uncompressed and
bytecode-compressed; the files must be identical.  Compressed and uncompressed files must
read back the same in pyreadstat and in PSPP's ``pspp-convert``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.read.sav import read_sav
from survey.write import savdata, spss
from survey.write.spss import Variable, write_sav

DBL_MAX = sys.float_info.max


def _write_both(
    folder: Path, frame: pd.DataFrame, variables: list[Variable], **options: object
) -> tuple[bytes, bytes, list[bool]]:
    """(fast bytes, pyreadstat bytes, what the fast path returned) for one write."""
    used: list[bool] = []
    real = spss._write_fast

    def spy(*args: object) -> bool:
        used.append(real(*args))
        return used[-1]

    options = {"file_label": "fast 快", **options}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spss, "_write_fast", spy)
        write_sav(frame, variables, folder / "fast.sav", **options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spss, "_write_fast", lambda *args: False)
        write_sav(frame, variables, folder / "reference.sav", **options)
    return (folder / "fast.sav").read_bytes(), (folder / "reference.sav").read_bytes(), used


def _numbers(n: int, k: int, seed: int = 0) -> tuple[pd.DataFrame, list[Variable]]:
    rng = np.random.default_rng(seed)
    pool = [1, 2, 5, np.nan, -1, 0, 151, 152, -99, -100, 2.5, 1e300]
    frame = pd.DataFrame({f"v{j}": rng.choice(pool, n) for j in range(k)})
    return frame, [Variable(c, f"label {c}", measure="scale") for c in frame.columns]


def _cases() -> dict[str, tuple[pd.DataFrame, list[Variable], dict[str, object]]]:
    strings = ["", None, "a", "abcdefgh", "abcdefghi", "x" * 16, "问卷星", "  lead", "trail  "]
    cases: dict[str, tuple[pd.DataFrame, list[Variable], dict[str, object]]] = {}
    frame = pd.DataFrame({"empty": [np.nan] * 5, "q": [1.0, 2, np.nan, 2, 1]})
    variables = [Variable("empty", "Empty"), Variable("q", "Q", {1: "a", 2: "b"})]
    cases["all NaN column"] = (frame, variables, {})
    codes = [-1000, -100, -99, -1, 0, 1, 9, 99, 151, 152, 251, 252, 255, 1000, np.nan]
    frame = pd.DataFrame({"code": np.array(codes, dtype=float), "int": np.arange(len(codes)) - 7})
    cases["integer codes"] = (
        frame,
        [
            Variable("code", "Code", {-99: "low", 151: "high"}, missing=(-1.0, 999.0)),
            Variable("int", "Int"),
        ],
        {},
    )
    doubles = [0.5, 1e-300, 5e-324, np.inf, -np.inf, -DBL_MAX, DBL_MAX, 2**53 + 0.0, np.pi, np.nan]
    cases["non-integer doubles"] = (
        pd.DataFrame({"x": doubles, "y": np.linspace(-200, 200, len(doubles))}),
        [Variable("x", "X", measure="scale"), Variable("y", "Y", measure="scale", format="F8.3")],
        {},
    )
    frame = pd.DataFrame({"s": strings, "n": np.arange(len(strings), dtype=float)})
    cases["strings"] = (frame, [Variable("s", "S"), Variable("n", "N")], {})
    cases["string of 8 bytes"] = (
        pd.DataFrame({"s": ["abcdefgh", "", None, "ab"], "n": [1.0, 2, 3, 4]}),
        [Variable("s", "S"), Variable("n", "N")],
        {},
    )
    long_strings = ["x" * 255, "问" * 85, "", None, "y" * 254, "z" * 248]
    cases["strings of 255 bytes"] = (
        pd.DataFrame({"n": np.arange(6.0), "s": long_strings, "m": [1.0, np.nan] * 3}),
        [Variable("n", "N"), Variable("s", "S"), Variable("m", "M")],
        {},
    )
    cases["only empty strings"] = (
        pd.DataFrame({"s": ["", "", ""], "n": [1.0, 2, 3]}),
        [Variable("s", "S"), Variable("n", "N")],
        {},
    )
    cases["only missing strings"] = (
        pd.DataFrame({"s": pd.Series([None, None, None], dtype=object), "n": [1.0, 2, 3]}),
        [Variable("s", "S"), Variable("n", "N")],
        {},
    )
    times = pd.to_datetime(
        ["2020-05-01 08:30:00.25", None, "1900-02-28 23:59:59", "1969-12-31 23:59:59.999"],
        format="ISO8601",
    )  # before 1970: floor division and a positive fraction, as pyreadstat computes
    cases["datetimes"] = (
        pd.DataFrame(
            {
                "us": times.astype("datetime64[us]"),
                "ns": times.astype("datetime64[ns]"),
                "ms": times.astype("datetime64[ms]"),
                "s": times.astype("datetime64[s]"),
            }
        ),
        [Variable(c, c) for c in ("us", "ns", "ms", "s")],
        {},
    )
    cases["bool and int columns"] = (
        pd.DataFrame(
            {
                "b": [True, False, True],
                "i": [1, -2, 300],
                "o": pd.Series([1, None, 3], dtype=object),
            }
        ),
        [Variable("b", "B"), Variable("i", "I"), Variable("o", "O")],
        {},
    )
    frame = pd.DataFrame(
        {"id": ["R1", "R000000000002", None], "q": [1.0, 2, 3], "wt": [0.5, 1.25, 0.0]}
    )
    cases["weight after a long string"] = (
        frame,
        [
            Variable("id", "Id"),
            Variable("q", "Q"),
            Variable("wt", "Weight", measure="scale", format="F8.4"),
        ],
        {"weight": "wt"},
    )
    cases["one row"] = (
        pd.DataFrame({"s": ["only"], "q": [np.nan]}),
        [Variable("s", "S"), Variable("q", "Q")],
        {},
    )
    cases["filtered frame"] = (
        pd.DataFrame({"q": [1.0, 2, 3, 4], "s": list("abcd")}, index=[10, 3, 7, 1]).iloc[1:],
        [Variable("q", "Q"), Variable("s", "S")],
        {},
    )
    return cases


CASES = _cases()


@pytest.mark.parametrize("row_compress", [False, True], ids=["uncompressed", "compressed"])
@pytest.mark.parametrize("name", list(CASES))
def test_fast_path_writes_pyreadstat_bytes(tmp_path: Path, name: str, row_compress: bool) -> None:
    frame, variables, options = CASES[name]
    fast, reference, used = _write_both(
        tmp_path, frame, variables, row_compress=row_compress, **options
    )
    assert used == [True]
    assert fast == reference


@pytest.mark.parametrize("row_compress", [False, True], ids=["uncompressed", "compressed"])
@pytest.mark.parametrize("k", [1, 7, 8, 9, 15, 16, 17])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_every_row_length_pads_command_blocks_like_pyreadstat(
    tmp_path: Path, n: int, k: int, row_compress: bool
) -> None:
    frame, variables = _numbers(n, k, seed=n * 100 + k)
    fast, reference, used = _write_both(tmp_path, frame, variables, row_compress=row_compress)
    assert used == [True]
    assert fast == reference


@pytest.mark.parametrize("row_compress", [False, True], ids=["uncompressed", "compressed"])
def test_chunk_boundaries_do_not_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row_compress: bool
) -> None:
    frame, variables = _numbers(50, 9, seed=7)
    frame["s"] = [f"text {i}" * (i % 3) for i in range(50)]
    variables.append(Variable("s", "S"))
    monkeypatch.setattr(savdata, "_CHUNK_ELEMENTS", 25)  # a row or two per chunk
    fast, reference, used = _write_both(tmp_path, frame, variables, row_compress=row_compress)
    assert used == [True]
    assert fast == reference


@pytest.mark.parametrize("row_compress", [False, True], ids=["uncompressed", "compressed"])
def test_no_rows_and_nul_characters_go_through_pyreadstat(
    tmp_path: Path, row_compress: bool
) -> None:
    frame = pd.DataFrame({"q": [1.0, 2.0], "s": ["a\x00b", "c"]})
    variables = [Variable("q", "Q"), Variable("s", "S")]
    fast, reference, used = _write_both(tmp_path, frame, variables, row_compress=row_compress)
    assert used == [False] and fast == reference
    fast, reference, used = _write_both(
        tmp_path, frame.iloc[:0], variables, row_compress=row_compress
    )
    assert used == [False] and fast == reference
    data, _ = read_sav(tmp_path / "fast.sav")
    assert data.shape == (0, 2)


def test_output_is_deterministic(tmp_path: Path) -> None:
    frame, variables, options = CASES["weight after a long string"]
    for name in ("a.sav", "b.sav"):
        write_sav(frame, variables, tmp_path / name, file_label="w", row_compress=True, **options)
    assert (tmp_path / "a.sav").read_bytes() == (tmp_path / "b.sav").read_bytes()


def test_seconds_resolution_datetimes_are_written_as_dates(tmp_path: Path) -> None:
    # pyreadstat writes datetime64[s] columns as 1970-01-01: write_sav converts them to us
    when = pd.to_datetime(["2020-05-01 08:30:05", None]).astype("datetime64[s]")
    write_sav(pd.DataFrame({"t": when}), [Variable("t", "T")], tmp_path / "t.sav", file_label="t")
    data, _ = read_sav(tmp_path / "t.sav")
    assert data["t"].iloc[0] == pd.Timestamp("2020-05-01 08:30:05") and pd.isna(data["t"].iloc[1])


def _read_both(path: Path) -> tuple[pd.DataFrame, dict[str, object]]:
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    keys = [
        "column_names_to_labels",
        "variable_value_labels",
        "original_variable_types",
        "variable_measure",
        "missing_ranges",
        "variable_display_width",
        "file_label",
        "number_rows",
    ]
    return data, {k: getattr(meta, k) for k in keys}


@pytest.mark.parametrize("name", list(CASES))
def test_compressed_reads_back_as_uncompressed(tmp_path: Path, name: str) -> None:
    frame, variables, options = CASES[name]
    write_sav(frame, variables, tmp_path / "plain.sav", file_label="p", **options)
    write_sav(
        frame, variables, tmp_path / "packed.sav", file_label="p", row_compress=True, **options
    )
    plain, packed = _read_both(tmp_path / "plain.sav"), _read_both(tmp_path / "packed.sav")
    assert plain[1] == packed[1]
    pd.testing.assert_frame_equal(plain[0], packed[0])
    assert plain[0].shape[0] == len(frame)


def _pspp_csv(path: Path) -> str:
    out = path.with_suffix(".csv")
    command = ["pspp-convert", str(path), str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(CASES))
def test_pspp_reads_compressed_as_uncompressed(tmp_path: Path, name: str) -> None:
    if shutil.which("pspp-convert") is None:
        if os.environ.get("CI"):
            pytest.fail("pspp-convert not installed (required under CI): apt-get install pspp")
        pytest.skip("pspp-convert not installed: apt-get install pspp")
    frame, variables, options = CASES[name]
    write_sav(frame, variables, tmp_path / "plain.sav", file_label="p", **options)
    write_sav(
        frame, variables, tmp_path / "packed.sav", file_label="p", row_compress=True, **options
    )
    plain = _pspp_csv(tmp_path / "plain.sav")
    assert plain == _pspp_csv(tmp_path / "packed.sav")
    assert len(plain.splitlines()) == len(frame) + 1


def test_compression_writes_negative_zero_as_zero(tmp_path: Path) -> None:
    # bytecode 100 means 0: the sign of -0.0 is lost, as in pyreadstat's compressed files
    frame = pd.DataFrame({"x": [-0.0, 0.0, -1.5]})
    variables = [Variable("x", "X", measure="scale")]
    fast, reference, used = _write_both(tmp_path, frame, variables, row_compress=True)
    assert used == [True] and fast == reference
    packed = pyreadstat.read_sav(str(tmp_path / "fast.sav"))[0]["x"].to_numpy()
    assert list(np.signbit(packed)) == [False, False, True]
    write_sav(frame, variables, tmp_path / "plain.sav", file_label="p")
    plain = pyreadstat.read_sav(str(tmp_path / "plain.sav"))[0]["x"].to_numpy()
    assert list(np.signbit(plain)) == [True, False, True]


_VALUES = st.one_of(
    st.sampled_from([0.0, 1.0, -1.0, 151.0, 152.0, -99.0, -100.0, np.nan, 0.5, -0.0, 1e10]),
    st.floats(allow_nan=True, allow_infinity=True),
)
_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_TEXT = st.one_of(st.none(), st.text(alphabet=_CHARACTERS, max_size=40))


@st.composite
def _frames(draw: st.DrawFn) -> tuple[pd.DataFrame, list[Variable]]:
    n = draw(st.integers(1, 12))
    kinds = draw(st.lists(st.sampled_from(["number", "text"]), min_size=1, max_size=19))
    columns = {
        f"c{j}": (
            draw(st.lists(_VALUES, min_size=n, max_size=n))
            if kind == "number"
            else pd.Series(draw(st.lists(_TEXT, min_size=n, max_size=n)), dtype=object)
        )
        for j, kind in enumerate(kinds)
    }
    frame = pd.DataFrame(columns)
    return frame, [
        Variable(c, c, measure="scale" if k == "number" else "nominal")
        for c, k in zip(frame.columns, kinds)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_frames(), row_compress=st.booleans())
def test_random_frames_match_pyreadstat(
    case: tuple[pd.DataFrame, list[Variable]], row_compress: bool
) -> None:
    frame, variables = case
    with tempfile.TemporaryDirectory() as folder:
        fast, reference, used = _write_both(
            Path(folder), frame, variables, row_compress=row_compress
        )
    assert used == [True]
    assert fast == reference
