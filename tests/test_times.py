"""One time parser for every reader (survey.read.times): formats, fractions, offsets and zones."""

from __future__ import annotations

import pandas as pd

from survey.instrument import Times
from survey.read.platforms.common import TIME_FORMATS
from survey.read.times import parse_times

CELLS = pd.Series(
    [
        "2024-01-02T13:56:34.892+08:00",
        "2024-01-02T06:00:00Z",
        "2024-01-02 07:30:00",
        "2024-01-02T08:00:00-0500",
        "",
        None,
        "2024-01-02 09:15:00.999999",
    ]
)


def hms(parsed: pd.Series) -> list:
    return [None if pd.isna(v) else v.strftime("%Y-%m-%d %H:%M:%S") for v in parsed]


def test_without_a_zone_times_keep_the_wall_clock_recorded():
    parsed, bad = parse_times(CELLS)
    assert hms(parsed) == [
        "2024-01-02 13:56:34",
        "2024-01-02 06:00:00",
        "2024-01-02 07:30:00",
        "2024-01-02 08:00:00",
        None,
        None,
        "2024-01-02 09:15:00",
    ]  # fractions dropped
    assert not bad.any()


def test_offsets_converted_to_the_declared_zone():
    # New York is UTC-5 in January: 13:56:34+08:00 = 05:56:34Z = 00:56:34; 08:00-05:00 stays 08:00
    parsed, _ = parse_times(CELLS, Times((), "America/New_York"))
    assert hms(parsed) == [
        "2024-01-02 00:56:34",
        "2024-01-02 01:00:00",
        "2024-01-02 07:30:00",
        "2024-01-02 08:00:00",
        None,
        None,
        "2024-01-02 09:15:00",
    ]


def test_declared_formats_first_then_platform_formats():
    text = pd.Series(["2024-03-05T01:22:07Z", "22.08.2022 15:44", "8/22/22 3:44 PM", "yesterday"])
    parsed, bad = parse_times(
        text, Times(("%Y-%m-%dT%H:%M:%S%z", "%d.%m.%Y %H:%M"), "America/Chicago"), TIME_FORMATS
    )
    # 01:22:07Z is 19:22:07 the day before in Chicago (CST, UTC-6)
    assert hms(parsed) == [
        "2024-03-04 19:22:07",
        "2022-08-22 15:44:00",
        "2022-08-22 15:44:00",
        None,
    ]
    assert bad.tolist() == [False, False, False, True]
    _, strict = parse_times(text[2:3])  # the canonical reader does not guess US dates
    assert strict.tolist() == [True]
