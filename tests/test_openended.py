"""Open-ended accounts: language, coding frame, coder agreement (survey.text.openended).

Redaction is tested in tests/test_redact.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.errors import DataError, PlanError
from survey.text.openended import (
    code_accounts,
    coder_agreement,
    detect_language,
    load_coding_frame,
    theme_frequencies,
)

ROOT = Path(__file__).resolve().parent.parent
CODING = ROOT / "analysis" / "ccg-2020-coding.yaml"

# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我们向纽约的医院捐赠了口罩。", "zh"),
        ("We donated masks to a hospital in New York.", "en"),
        ("We donated masks to hospitals in 武汉 and 上海.", "en"),
        ("请联系王芳（wangfang_hz@example.cn），她负责杭州和波士顿之间的物资对接。", "zh"),
        ("捐赠照片和清单见 http://www.example.com/zhiyuan/2020 ，共捐出3万只口罩。", "zh"),
        ("good", "en"),
        ("", ""),
        ("   ", ""),
        ("12345 !!!", ""),
        (None, ""),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(pd.Series([text], dtype=object), ("en", "zh")).iloc[0] == lang


# --------------------------------------------------------------------------- coding frame

# Hand-labelled accounts (not the generator's sentences): the themes a reader assigns.
LABELLED = [
    ("Our church donated 2,000 N95 masks to a hospital in Wuhan.", {"donations"}),
    (
        "Doctors in Shanghai shared treatment protocols with a team in Seattle over video.",
        {"medical_science"},
    ),
    ("Our sister city in Ohio sent gloves in February.", {"sister_cities", "donations"}),
    ("Chinese students at our university raised money for the local food bank.", {"diaspora"}),
    ("Our factory switched to making hand sanitiser for clients in Texas.", {"business"}),
    ("Rumours on social media made people afraid of us.", {"media"}),
    ("The trade war made it harder for the two governments to cooperate.", {"politics"}),
    ("My son was bullied at school because he is Chinese.", {"racism"}),
    ("I am grateful to the strangers who helped.", {"gratitude"}),
    ("Some factories sold fake masks.", {"business"}),
    ("I stayed at home most of the time.", set()),
    ("我们公司向洛杉矶的医院捐赠了两万只口罩。", {"business", "donations"}),
    ("上海的医生和美国同行分享了救治经验。", {"medical_science"}),
    ("杭州和匹兹堡是友好城市，市长亲自写信感谢。", {"sister_cities", "gratitude"}),
    ("华人社团为当地警察局送去了盒饭。", {"diaspora"}),
    ("我戴口罩出门时被人骚扰。", {"racism"}),
    ("媒体上的谣言让两国关系更紧张。", {"media", "politics"}),
    ("市政府出面协调了运输。", {"sister_cities"}),
    ("疫情期间我一直在家上网课。", set()),
]


@pytest.fixture(scope="module")
def frame():
    return load_coding_frame(CODING)


def test_ccg_frame_loads(frame):
    assert frame.ids == [
        "donations",
        "medical_science",
        "sister_cities",
        "diaspora",
        "business",
        "media",
        "politics",
        "racism",
        "gratitude",
    ]
    assert frame.label("donations", "zh") == "捐赠物资"
    assert frame.label("uncoded", "en") == "None of these themes"


def test_code_accounts_hand_labelled(frame):
    texts = pd.Series([t for t, _ in LABELLED])
    codes = code_accounts(texts, frame)
    got = [set(codes.columns[(row == 1).to_numpy()]) - {"uncoded"} for _, row in codes.iterrows()]
    assert got == [themes for _, themes in LABELLED]
    assert codes["uncoded"].tolist() == [float(not themes) for _, themes in LABELLED]


def test_code_accounts_missing_and_blank_are_nan(frame):
    codes = code_accounts(
        pd.Series(["We donated masks", None, "  ", np.nan], index=[10, 11, 12, 13]), frame
    )
    assert list(codes.index) == [10, 11, 12, 13]
    assert list(codes.columns) == frame.ids + ["uncoded"]
    assert codes.loc[10, "donations"] == 1.0 and codes.loc[10, "uncoded"] == 0.0
    assert codes.loc[[11, 12, 13]].isna().all().all()


def test_theme_frequencies(frame):
    codes = code_accounts(
        pd.Series(["We donated masks.", "Thanks, we donated gloves.", "Nothing.", None]), frame
    )
    table = theme_frequencies(codes, n_asked=10, frame=frame, lang="zh")
    assert list(table.columns) == ["theme", "label", "count", "pct_of_accounts", "pct_of_asked"]
    row = table.set_index("theme")
    assert row.loc["donations", "count"] == 2
    assert row.loc["donations", "pct_of_accounts"] == pytest.approx(200 / 3)  # 2 of 3 accounts
    assert row.loc["donations", "pct_of_asked"] == pytest.approx(20.0)  # 2 of 10 asked
    assert row.loc["gratitude", "count"] == 1 and row.loc["uncoded", "count"] == 1
    assert (
        row.loc["donations", "label"] == "捐赠物资"
        and row.loc["uncoded", "label"] == "未归入以上主题"
    )
    assert table["theme"].iloc[-1] == "uncoded"
    with pytest.raises(DataError, match="n_asked 2 is smaller than the 3 accounts"):
        theme_frequencies(codes, n_asked=2)


def write_frame(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coding.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_THEME = """
  - id: a
    label: {en: "A", zh: "甲"}
    patterns: {en: ['\\bmask'], zh: ['口罩']}
"""


def test_frame_bad_regex(tmp_path):
    path = write_frame(
        tmp_path,
        "themes:"
        + GOOD_THEME
        + """
  - id: broken
    label: {en: "B", zh: "乙"}
    patterns: {en: ['(unclosed']}
""",
    )
    with pytest.raises(
        PlanError,
        match=r"coding.yaml: themes\[1\]\.patterns\.en\[0\]: pattern '\(unclosed' does not compile: missing \)",
    ):
        load_coding_frame(path)


def test_frame_duplicate_id(tmp_path):
    with pytest.raises(PlanError, match=r"themes\[1\]\.id: theme id 'a' appears 2 times"):
        load_coding_frame(write_frame(tmp_path, "themes:" + GOOD_THEME + GOOD_THEME))


def test_frame_missing_zh_label(tmp_path):
    path = write_frame(
        tmp_path,
        """themes:
  - id: a
    label: {en: "A"}
    patterns: {en: ['x']}
""",
    )
    with pytest.raises(PlanError, match=r"themes\[0\]\.label: missing 'zh' text"):
        load_coding_frame(path, ("en", "zh"))  # the instrument's languages


def test_frame_reports_every_problem_at_once(tmp_path):
    path = write_frame(
        tmp_path,
        """themes:
  - id: Bad-Id
    label: {en: "A", zh: "甲"}
    patterns: {en: ['x']}
  - id: b
    label: {zh: "乙"}
    patterns: {zh: ['[']}
""",
    )
    with pytest.raises(PlanError) as err:
        load_coding_frame(path)
    message = str(err.value)
    assert "themes[0].id: 'Bad-Id' must be snake_case" in message
    assert "themes[1].label: missing 'en' text" in message
    assert "themes[1].patterns.zh[0]: pattern '[' does not compile" in message


def test_frame_is_safe_loaded(tmp_path):
    path = write_frame(tmp_path, "themes: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(PlanError, match="coding.yaml: line 1, column 9: invalid YAML"):
        load_coding_frame(path)


# --------------------------------------------------------------------------- agreement


def test_coder_agreement_against_hand_computation():
    # 12 respondents: 10 coded by both, one without an account (auto NaN), one the
    # human left blank.  donations, auto vs human on the 10:
    #   auto  1 1 1 1 0 0 0 0 0 1
    #   human 1 1 1 0 0 0 0 0 1 1
    # table (auto rows, human columns): both 1 = 4, auto only = 1, human only = 1, both 0 = 4
    # p_o = 8/10 = 0.8; auto says 1 for 5/10, human for 5/10 -> p_e = .5*.5 + .5*.5 = 0.5
    # kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6;  percent agreement = 80.
    # racism: both coders 0 everywhere -> agreement 100, kappa undefined (p_e = 1) -> NaN.
    auto = pd.DataFrame(
        {
            "donations": [1, 1, 1, 1, 0, 0, 0, 0, 0, 1, np.nan, 1],
            "racism": [0] * 10 + [np.nan, 0],
        },
        dtype=float,
        index=[f"R{i:02d}" for i in range(12)],
    )
    human = pd.DataFrame(
        {
            "human_donations": [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, np.nan],
            "human_racism": [0] * 10 + [0, np.nan],
            "note": ["x"] * 12,
        },
        index=auto.index,
    )
    table = coder_agreement(auto, human).set_index("theme")
    assert list(table.columns) == ["n", "pct_agreement", "kappa", "ci_low", "ci_high"]
    assert table.loc["donations", "n"] == 10
    assert table.loc["donations", "pct_agreement"] == pytest.approx(80.0)
    assert table.loc["donations", "kappa"] == pytest.approx(0.6)
    assert table.loc["donations", "ci_low"] < 0.6 < table.loc["donations", "ci_high"]
    assert table.loc["racism", "n"] == 10 and table.loc["racism", "pct_agreement"] == 100.0
    assert np.isnan(table.loc["racism", "kappa"])


def test_coder_agreement_on_respondent_id_column():
    auto = pd.DataFrame({"respondent_id": ["a", "b", "c", "d"], "media": [1.0, 0.0, 1.0, 0.0]})
    human = pd.DataFrame({"respondent_id": ["d", "c", "b", "a"], "human_media": [0, 1, 0, 1]})
    row = coder_agreement(auto, human).iloc[0]
    assert (row["theme"], row["n"], row["pct_agreement"], row["kappa"]) == ("media", 4, 100.0, 1.0)


def test_coder_agreement_rejects_bad_human_file():
    auto = pd.DataFrame({"media": [1.0, 0.0]})
    with pytest.raises(DataError, match=r"\['human_medai'\] name no theme"):
        coder_agreement(auto, pd.DataFrame({"human_medai": [1, 0]}))
    with pytest.raises(
        DataError, match="column 'human_media' holds \\['2', 'yes'\\]; use 0, 1 or blank"
    ):
        coder_agreement(auto, pd.DataFrame({"human_media": ["yes", 2]}, dtype=object))
    with pytest.raises(DataError, match="no column named human_<theme id>"):
        coder_agreement(auto, pd.DataFrame({"media": [1, 0]}))


def test_detect_language_on_text_arrow_cannot_hold():
    # A lone surrogate cannot be UTF-8: the counts fall back to Python's re, same answer.
    texts = pd.Series(["\ud800 hello there", "我们捐赠了口罩 \ud800", None, 3], dtype=object)
    assert detect_language(texts, ("en", "zh")).tolist() == ["en", "zh", "", ""]
