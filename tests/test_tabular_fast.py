"""The vectorised CSV writer (survey.write.tabular) against the original code.

The original implementation (``DataFrame.to_csv`` after ``neutralise`` and
``_csv_ready``) is copied below as the reference: every CSV must be
byte-identical to it.  Workbooks are tested in tests/test_workbook.py.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.write import tabular
from survey.write.numtext import datetime_text, format_g10, format_g16
from survey.write.tabular import csv_bytes, write_csv

# --------------------------------------------------------------------------- the original code (reference)

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_CR = re.compile(r"\r\n?")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def ref_neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        out[column] = _ref_neutralise_column(out[column])
    out.columns = [_ref_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _ref_text(value: str) -> str:
    risky = value.startswith(_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value)
    return "'" + value if risky else value


def _ref_risky(text: pd.Series) -> pd.Series:
    return text.str[:1].isin(_TRIGGERS) & ~text.str.fullmatch(_PLAIN_NUMBER.pattern).astype(bool)


def _ref_neutralise_column(col: pd.Series) -> pd.Series:
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        if not (pd.api.types.is_object_dtype(cats) or pd.api.types.is_string_dtype(cats)):
            return col
        renamed = [_ref_text(c) if isinstance(c, str) else c for c in cats]
        if len(set(renamed)) < len(renamed):
            return _ref_neutralise_column(col.astype(object))
        return col.cat.rename_categories(renamed)
    if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
        return col
    is_str = (
        col.map(type, na_action="ignore").eq(str) if col.dtype == object else col.notna()
    ).to_numpy(bool)
    if not is_str.any():
        return col
    text = col[is_str].astype(str)
    hit = _ref_risky(text).to_numpy(bool)
    if not hit.any():
        return col
    values = col.to_numpy(dtype=object, copy=True)
    values[np.flatnonzero(is_str)[hit]] = ("'" + text[hit]).to_numpy(dtype=object)
    return pd.Series(values, index=col.index, name=col.name, dtype=col.dtype)


def _ref_csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        col = out[column]
        if pd.api.types.is_bool_dtype(col.dtype):
            out[column] = col.map({True: "true", False: "false"}).astype(object)
        elif pd.api.types.is_float_dtype(col.dtype):
            out[column] = col + 0.0
        elif pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
            out[column] = col.str.replace(_CR, "\n", regex=True)
        elif col.dtype == object:
            col = out[column] = _ref_object_newlines(col)
            is_bool = (
                col.map(lambda v: isinstance(v, (bool, np.bool_)), na_action="ignore")
                .fillna(False)
                .astype(bool)
            )
            if is_bool.any():
                out[column] = col.where(~is_bool, col[is_bool].map({True: "true", False: "false"}))
    return out


def _ref_object_newlines(col: pd.Series) -> pd.Series:
    is_str = col.map(type, na_action="ignore").eq(str).to_numpy(bool)
    if not is_str.any():
        return col
    values = col.to_numpy(dtype=object, copy=True)
    values[is_str] = col[is_str].str.replace(_CR, "\n", regex=True).to_numpy(dtype=object)
    return pd.Series(values, index=col.index, name=col.name)


def ref_csv_bytes(table: pd.DataFrame) -> bytes:
    """The original write_csv's bytes (no BOM, no index)."""
    text = _ref_csv_ready(ref_neutralise(table)).to_csv(
        index=False, lineterminator="\n", float_format="%.10g", na_rep=""
    )
    return text.encode("utf-8")


# --------------------------------------------------------------------------- float and date formatting


def _reference_g(values: np.ndarray, fmt: str) -> list:
    return [None if v != v else fmt % v for v in values.tolist()]  # noqa: PLR0124 (NaN test)


def _float_samples(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    exponent = rng.integers(-14, 32, n)
    parts = [
        rng.integers(0, 2**64, n, dtype=np.uint64).view(
            np.float64
        ),  # every kind of double, NaN included
        rng.random(n) * 100,
        np.rint(rng.random(n) * 1e8)
        / 10.0 ** rng.integers(0, 12, n),  # short decimals: 0.25, 12.5, 0.001
        rng.normal(size=n) * 10.0 ** rng.integers(-15, 35, n),
        (rng.integers(10**9, 10**10, n) + 0.5) * 10.0 ** (exponent - 9),  # ties at the tenth digit
        np.nextafter(10.0**exponent, np.inf * rng.choice([-1, 1], n)),  # next to powers of ten
        (rng.integers(10**9, 10**10, n) + rng.choice([-1e-6, 1e-6, 0.49999, 0.50001], n))
        * 10.0 ** (exponent - 9),
        rng.integers(-(10**17), 10**17, n).astype(np.float64),
        (rng.random(n) * 2 - 1) * 10.0 ** rng.integers(-300, 300, n),
        rng.random(n).astype(np.float32).astype(np.float64),
        np.array(
            [
                0.0,
                -0.0,
                np.inf,
                -np.inf,
                np.nan,
                1e-5,
                1e16,
                0.1 + 0.2,
                9999999999.5,
                9999999999.4,
                1e-300,
                5e-324,
                1.7976931348623157e308,
                123456789012.0,
                1e10,
                1e9,
                -1e10,
                2.0**53,
                1e15,
                -0.5,
                2.5,
                1776.0,
                98.43010699,
                1e-7,
                1 / 3,
                -2 / 3,
            ]
        ),
    ]
    return np.concatenate(parts)


@pytest.mark.parametrize("seed", [0, 1])
def test_format_g10_is_percent_10g(seed):
    values = _float_samples(seed, 40_000)
    assert format_g10(values).to_pylist() == _reference_g(values, "%.10g")


@pytest.mark.parametrize("seed", [2, 3])
def test_format_g16_is_openpyxl_number_text(seed):
    values = _float_samples(seed, 20_000)
    want = [
        "" if v in (np.inf, -np.inf) else w
        for v, w in zip(values.tolist(), _reference_g(values, "%.16g"))
    ]
    assert format_g16(values).to_pylist() == want


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=50))
def test_format_g10_any_floats(values):
    x = np.array(values, dtype=np.float64)
    assert format_g10(x).to_pylist() == _reference_g(x, "%.10g")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_datetime_text_is_pandas_format(unit):
    rng = np.random.default_rng(5)
    per = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    base = rng.integers(-2_000_000_000, 4_000_000_000, 60).astype(np.int64)
    variants = {
        "dates": base // 86_400 * 86_400 * per,
        "seconds": base * per,
        "finest": base * per + rng.integers(0, per, 60),
        "millis": base * per + (rng.integers(0, 1000, 60) * (per // 1000) if per >= 1000 else 0),
        "micros": base * per + (rng.integers(0, 10**6, 60) * (per // 10**6) if per >= 10**6 else 0),
    }
    for ticks in variants.values():
        values = ticks.view(f"datetime64[{unit}]").copy()
        values[::7] = np.datetime64("NaT")
        frame = pd.DataFrame({"d": values, "x": 1})
        assert csv_bytes(frame) == ref_csv_bytes(frame)
        text = pd.Series(values).astype(str).tolist()
        want = [None if missing else t for t, missing in zip(text, np.isnat(values))]
        assert datetime_text(values).to_pylist() == want


def test_datetime_text_outside_four_digit_years():
    values = np.array(["0500-01-01T10:00", "NaT", "2020-01-01"], dtype="datetime64[s]")
    frame = pd.DataFrame({"d": values, "n": [1, 2, 3]})
    assert csv_bytes(frame) == ref_csv_bytes(frame)


# --------------------------------------------------------------------------- CSV: identical bytes

_PIECES = [
    "a",
    "b",
    " ",
    ",",
    '"',
    "\n",
    "\r",
    "\r\n",
    "\t",
    "=",
    "+",
    "-",
    "@",
    "'",
    ".",
    "e",
    "1",
    "2",
    "0",
    "中",
    "文",
    "\u3000",
    "\x01",
    "#N/A",
    "",
    "HYPERLINK(",
    ";",
]
TEXT = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [0.0, -0.0, 0.1 + 0.2, 1e-5, 1e16, -1e-9, 2.5, 1776.0, 1 / 3, np.nan, 1e10, 9999999999.5]
    ),
    st.integers(-300, 300).map(float),
)


def _column(kind: str, n: int, draw) -> pd.Series:
    if kind == "int64":
        return pd.Series(
            draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)), dtype="int64"
        )
    if kind == "small_int":
        return pd.Series(draw(st.lists(st.integers(-3, 12), min_size=n, max_size=n)), dtype="int64")
    if kind == "uint64":
        return pd.Series(
            draw(st.lists(st.integers(0, 2**64 - 1), min_size=n, max_size=n)), dtype="uint64"
        )
    if kind in ("Int64", "Int8", "UInt64"):
        lo, hi = {"Int64": (-(2**63), 2**63 - 1), "Int8": (-128, 127), "UInt64": (0, 2**64 - 1)}[
            kind
        ]
        ints = st.one_of(st.none(), st.integers(lo, hi), st.integers(max(lo, -2), min(hi, 9)))
        return pd.Series(pd.array(draw(st.lists(ints, min_size=n, max_size=n)), dtype=kind))
    if kind == "float64":
        return pd.Series(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype="float64")
    if kind == "whole_float":
        return pd.Series(
            draw(
                st.lists(
                    st.one_of(st.integers(0, 99).map(float), st.just(np.nan)),
                    min_size=n,
                    max_size=n,
                )
            ),
            dtype="float64",
        )
    if kind == "float32":
        return pd.Series(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype="float64").astype(
            "float32"
        )
    if kind == "Float64":
        return pd.Series(
            pd.array(
                draw(
                    st.lists(
                        st.one_of(st.none(), FLOATS.filter(lambda v: v == v)),  # noqa: PLR0124 (NaN test)
                        min_size=n,
                        max_size=n,
                    )
                ),
                dtype="Float64",
            )
        )
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if kind == "boolean":
        return pd.Series(
            pd.array(
                draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)),
                dtype="boolean",
            )
        )
    if kind in ("str", "string"):
        values = draw(st.lists(st.one_of(st.none(), TEXT), min_size=n, max_size=n))
        return pd.Series(values, dtype="str" if kind == "str" else "string")
    if kind == "object":
        scalar = st.one_of(
            st.none(),
            TEXT,
            st.integers(-(10**20), 10**20),
            FLOATS,
            st.booleans(),
            st.sampled_from(
                [pd.NA, np.nan, np.bool_(True), np.int64(-3), np.float64(0.1), np.str_("=s")]
            ),
        )
        return pd.Series(draw(st.lists(scalar, min_size=n, max_size=n)), dtype=object)
    if kind == "object_na":
        return pd.Series([pd.NA] * n, dtype=object)
    if kind == "category":
        cats = draw(st.lists(TEXT, min_size=1, max_size=4, unique=True))
        codes = draw(st.lists(st.integers(-1, len(cats) - 1), min_size=n, max_size=n))
        return pd.Series(pd.Categorical.from_codes(codes, categories=cats))
    if kind == "category_int":
        return pd.Series(
            pd.Categorical(draw(st.lists(st.sampled_from([1, 2, None]), min_size=n, max_size=n)))
        )
    if kind == "datetime":
        ticks = draw(
            st.lists(st.one_of(st.none(), st.integers(0, 4_000_000_000)), min_size=n, max_size=n)
        )
        seconds = pd.Series(
            [np.datetime64("NaT") if t is None else np.datetime64(t, "s") for t in ticks],
            dtype="datetime64[s]",
        )
        return seconds.astype("datetime64[us]") + pd.to_timedelta(
            draw(st.sampled_from([0, 500, 1])), unit="ms"
        )
    if kind == "datetime_tz":
        return pd.Series(pd.to_datetime(["2020-01-01 10:00", None] * n, utc=True)[:n])
    if kind == "timedelta":
        return pd.Series(pd.to_timedelta(list(range(n)), unit="s"))
    raise AssertionError(kind)


KINDS = [
    "int64",
    "small_int",
    "uint64",
    "Int64",
    "Int8",
    "UInt64",
    "float64",
    "whole_float",
    "float32",
    "Float64",
    "bool",
    "boolean",
    "str",
    "string",
    "object",
    "object_na",
    "category",
    "category_int",
    "datetime",
    "datetime_tz",
    "timedelta",
]
LABELS = st.one_of(TEXT.filter(lambda s: "\r" not in s), st.integers(-5, 5))


def _label_key(label) -> str:
    """Labels must stay distinct once neutralised (the original code fails on repeated labels)."""
    return _ref_text(label) if isinstance(label, str) else str(label)


@st.composite
def frames(draw, kinds=KINDS):
    n = draw(st.integers(1, 8))
    width = draw(st.integers(1, 6))
    labels = draw(st.lists(LABELS, min_size=width, max_size=width, unique_by=_label_key))
    data = {label: _column(draw(st.sampled_from(kinds)), n, draw) for label in labels}
    return pd.DataFrame(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_csv_bytes_identical_to_to_csv(frame):
    assert csv_bytes(frame) == ref_csv_bytes(frame)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frames(kinds=["small_int", "Int64", "bool", "boolean", "whole_float", "category", "object_na"])
)
def test_csv_bytes_identical_for_coded_columns(frame):
    """Columns written through a few codes, merged with their neighbours."""
    assert csv_bytes(frame) == ref_csv_bytes(frame)


def test_csv_single_column_empty_fields_are_quoted():
    for col in (
        pd.Series(["", None, "x"], dtype="str"),
        pd.Series([np.nan, 1.5]),
        pd.Series([pd.NA, 1], dtype="Int64"),
        pd.Series([None, None], dtype=object),
        pd.Series([True, None], dtype="boolean"),
    ):
        frame = pd.DataFrame({"only": col})
        assert csv_bytes(frame) == ref_csv_bytes(frame)
        assert b'\n""\n' in csv_bytes(frame)


def test_csv_quoting_is_the_csv_modules():
    values = [
        "a,b",
        'say "hi"',
        "two\nlines",
        "cr\ronly",
        "tab\there",
        " lead",
        "trail ",
        "",
        "semi;colon",
    ]
    frame = pd.DataFrame({"t": values, "n": range(len(values))})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["t", "n"])
    writer.writerows([[v.replace("\r", "\n"), i] for i, v in enumerate(values)])
    assert csv_bytes(frame) == buffer.getvalue().encode() == ref_csv_bytes(frame)


def pipeline_like_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """A frame shaped like data/respondents.csv and open_ended.csv: codes, weights, times, free text."""
    rng = np.random.default_rng(seed)
    codes = {
        f"q{i}": pd.array(
            np.where(rng.random(n) < 0.1, None, rng.integers(1, 10, n)), dtype="Int64"
        )
        for i in range(12)
    }
    words = np.array(
        [
            "口罩",
            "donation",
            "thanks, friends",
            'the "best"',
            "=cmd",
            "-2",
            "line\r\nbreak",
            "+1.5",
            "",
        ]
    )
    text = pd.Series(["".join(rng.choice(words, 3)) for _ in range(n)], dtype="str").where(
        rng.random(n) < 0.3
    )
    start = pd.Series(pd.to_datetime(rng.integers(1.58e9, 1.6e9, n), unit="s")).astype(
        "datetime64[us]"
    )
    return pd.DataFrame(
        {
            "raw_row": np.arange(2, n + 2),
            "respondent_id": pd.Series([f"R{i:07d}" for i in range(n)], dtype="str"),
            "start_time": start,
            "submit_time": start.where(rng.random(n) < 0.95),
            **codes,
            "age": np.where(rng.random(n) < 0.05, np.nan, rng.integers(18, 90, n).astype(float)),
            "account": text,
            "language": pd.Series(rng.choice(["en", "zh"], n), dtype=object),
            "human_racism": pd.Series([pd.NA] * n, dtype=object),
            "weight": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(0, 0.5, n)),
            "flag": rng.random(n) < 0.5,
            "mixed": pd.Series([i if i % 3 else f"c{i}" for i in range(n)], dtype=object),
        }
    )


def test_csv_identical_on_pipeline_like_frame(tmp_path):
    frame = pipeline_like_frame(20_000)
    assert csv_bytes(frame) == ref_csv_bytes(frame)
    write_csv(frame, tmp_path / "r.csv", bom=True)
    assert (tmp_path / "r.csv").read_bytes() == b"\xef\xbb\xbf" + ref_csv_bytes(frame)
    indexed = frame.head(50).set_index("respondent_id")
    write_csv(indexed, tmp_path / "i.csv", index=True)
    assert (tmp_path / "i.csv").read_bytes() == ref_csv_bytes(indexed.reset_index())


def test_csv_other_types_fall_back_to_pandas(monkeypatch):
    frame = pd.DataFrame(
        {
            "interval": pd.interval_range(0, 3),
            "period": pd.period_range("2020-01", periods=3, freq="M"),
            "delta": pd.to_timedelta([1, 2, None], unit="h"),
            "arrow": pd.array([1.5, None, 3.0], dtype="float64[pyarrow]"),
            "cat": pd.Categorical([1.5, None, 2.5]),
            "complex": [1 + 2j, 0j, -1j],
        }
    )
    for column in frame.columns:
        one = frame[[column]].assign(n=[1, 2, 3])
        assert csv_bytes(one) == ref_csv_bytes(one), column
    calls = []
    monkeypatch.setattr(tabular, "_csv_bytes_pandas", lambda t: calls.append(t.shape) or b"")
    csv_bytes(frame[["delta"]].assign(n=1))
    assert (3, 2) in calls  # the whole table went through to_csv


def test_csv_fast_path_does_not_call_to_csv_on_the_rows(monkeypatch):
    frame = pipeline_like_frame(100)
    shapes = []
    original = tabular._csv_bytes_pandas
    monkeypatch.setattr(
        tabular, "_csv_bytes_pandas", lambda t: shapes.append(t.shape) or original(t)
    )
    csv_bytes(frame)
    assert shapes == [(0, frame.shape[1])]  # only the header


def test_csv_formula_cells_still_neutralised():
    frame = pd.DataFrame(
        {"t": ["=1+1", "-2", "@x", "\r=1"], "c": pd.Categorical(["=a", "b", "=a", None])}
    )
    assert (
        csv_bytes(frame) == ref_csv_bytes(frame) == b"t,c\n'=1+1,'=a\n-2,b\n'@x,'=a\n\"'\n=1\",\n"
    )
