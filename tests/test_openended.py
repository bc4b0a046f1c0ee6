"""Open-ended accounts: redaction, language, coding frame, coder agreement (survey.text.openended)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.errors import DataError, PlanError
from survey.text.openended import (
    REDACTION_TYPES,
    code_accounts,
    coder_agreement,
    detect_language,
    load_coding_frame,
    redact,
    theme_frequencies,
)

ROOT = Path(__file__).resolve().parent.parent
CODING = ROOT / "analysis" / "ccg-2020-coding.yaml"

# --------------------------------------------------------------------------- redaction

POSITIVE = [
    ("Email me at amy.chen2020@example.com if your clinic needs masks.", "Email me at [EMAIL] if your clinic needs masks."),
    ("邮箱amy@example.com如果需要请联系", "邮箱[EMAIL]如果需要请联系"),
    ("Photos are at https://www.example.org/~dgarcia/masks-for-wuhan.", "Photos are at [URL]."),
    ("see www.example.org/a, thanks", "see [URL], thanks"),
    ("捐赠清单见 http://www.example.com/zhiyuan/2020 ，共3万只", "捐赠清单见 [URL] ，共3万只"),
    ('=HYPERLINK("https://www.example.org/donate-ppe","donate")', '=HYPERLINK("[URL]","donate")'),
    ("Call me at (212) 555-0147 tomorrow.", "Call me at [PHONE] tomorrow."),
    ("Office 212-555-0147, fax 212.555.0148", "Office [PHONE], fax [PHONE]"),
    ("+1 415 555 0199 is our hotline", "[PHONE] is our hotline"),
    ("+1 415-555-0199 is our hotline", "[PHONE] is our hotline"),
    ("Dial 1-800-555-0199 now", "Dial [PHONE] now"),
    ("可以联系我：138 1234 5678。", "可以联系我：[PHONE]。"),
    ("+86 13912345678 是联系电话", "[PHONE] 是联系电话"),
    ("手机0086 139-1234-5678", "手机[PHONE]"),
    ("我的手机号是13700001111，有需求找我。", "我的手机号是[PHONE]，有需求找我。"),
    ("办公室电话010-62345678转接", "办公室电话[PHONE]转接"),
    ("电话：0755-8888 8888", "电话：[PHONE]"),
    ("总机 +86-21-12345678", "总机 [PHONE]"),
    ("my WeChat: amy_2020. Over 200 people joined.", "my WeChat: [WECHAT]. Over 200 people joined."),
    ("WeChat ID amy2020 works", "WeChat ID [WECHAT] works"),
    ("wx: abc_123456", "wx: [WECHAT]"),
    ("请加我，微信号：zhang_wei88", "请加我，微信号：[WECHAT]"),
    ("微信号 zhang_wei88 欢迎", "微信号 [WECHAT] 欢迎"),
    ("微信：wang-fang2020", "微信：[WECHAT]"),
    ("群很活跃，QQ: 2876543190，欢迎", "群很活跃，QQ: [QQ]，欢迎"),
    ("QQ号：123456789", "QQ号：[QQ]"),
    ("身份证号11010519491231002X已登记", "身份证号[ID_NUMBER]已登记"),
    ("server 192.168.1.20.", "server [IP]."),
    ("from 2001:db8::1 at 14:30:00", "from [IP] at 14:30:00"),
    ("Contact Li Ming at liming.relief@example.org for details.", "Contact [NAME] at [EMAIL] for details."),
    ("Please call Dr. Amy Chen on 212.555.0147", "Please call Dr. [NAME] on [PHONE]"),
    ("Contact person: Li Ming", "Contact person: [NAME]"),
    ("请联系王芳（wangfang_hz@example.cn），她负责对接。", "请联系[NAME]（[EMAIL]），她负责对接。"),
    ("联系人：陈晓东，电话18601234567，2020年3月起", "联系人：[NAME]，电话[PHONE]，2020年3月起"),
    ("找张伟，电话13800138000", "找[NAME]，电话[PHONE]"),
]

NEGATIVE = [
    "We sent 30,000 masks to Wuhan.",
    "Our group raised 2 million yuan.",
    "我们捐了100000个口罩。",
    "The shipment arrived on 2020-03-15.",
    "物资在2020年3月15日送到。",
    "It was in 2020 and again in 2021.",
    "98.43% of 1,776 respondents agreed.",
    "The webinar started at 14:30 and ended at 16:00:00.",
    "We raised $5,000 and $120,000.",
    "+1 for more cooperation between ordinary people!",
    "@CCG thank you for doing this survey.",
    "WeChat is popular in China.",
    "I tried to correct rumours in my WeChat groups.",
    "我在微信群里辟谣，但效果有限。",
    "请联系我们，谢谢。",
    "联系方式见官网。",
    "Contact the hospital for details.",
    "We sent 300 500 1000 masks in three batches.",
    "An ID-like 110105194912310021 with a wrong check digit.",
    "Version v1.2.3.4 of the app.",
    "Between 2019-2020 we gave 12345678 yuan.",
    "感谢中美两边所有伸出援手的人。",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_redact_finds_personal_data(text, expected):
    out, counts = redact(pd.Series([text]))
    assert out.iloc[0] == expected
    assert sum(counts.values()) == expected.count("[") - text.count("[")


@pytest.mark.parametrize("text", NEGATIVE)
def test_redact_leaves_ordinary_text(text):
    out, counts = redact(pd.Series([text]))
    assert out.iloc[0] == text
    assert counts == dict.fromkeys(REDACTION_TYPES, 0)


def test_redact_counts_every_type_and_keeps_missing():
    texts = pd.Series(["Mail a@b.org or c@d.org", None, "QQ: 12345", np.nan, "Call (212) 555-0147"], index=list("vwxyz"), name="account")
    out, counts = redact(texts)
    assert counts == {"EMAIL": 2, "URL": 0, "WECHAT": 0, "QQ": 1, "ID_NUMBER": 0, "IP": 0, "PHONE": 1, "NAME": 0}
    assert list(out.index) == list("vwxyz") and out.name == "account"
    assert out.isna().tolist() == [False, True, False, True, False]
    assert texts.iloc[0] == "Mail a@b.org or c@d.org"  # input not modified


def test_redact_removes_every_planted_string_from_the_raw_file():
    raw = pd.read_csv(ROOT / "raw" / "ccg-2020-wave1.csv", dtype=str, keep_default_na=False)["account"]
    planted = [line for line in (ROOT / "raw" / "planted_personal_data.txt").read_text(encoding="utf-8").splitlines() if line]
    out, counts = redact(raw)
    assert [p for p in planted if out.str.contains(p, regex=False).any()] == []
    assert int((out != raw).sum()) == 16  # the 16 planted accounts (raw/README.md), nothing else
    assert counts == {"EMAIL": 4, "URL": 3, "WECHAT": 2, "QQ": 1, "ID_NUMBER": 0, "IP": 0, "PHONE": 6, "NAME": 3}


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(("text", "lang"), [
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
])
def test_detect_language(text, lang):
    assert detect_language(pd.Series([text], dtype=object), ("en", "zh")).iloc[0] == lang


# --------------------------------------------------------------------------- coding frame

# Hand-labelled accounts (not the generator's sentences): the themes a reader assigns.
LABELLED = [
    ("Our church donated 2,000 N95 masks to a hospital in Wuhan.", {"donations"}),
    ("Doctors in Shanghai shared treatment protocols with a team in Seattle over video.", {"medical_science"}),
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
    assert frame.ids == ["donations", "medical_science", "sister_cities", "diaspora", "business", "media",
                         "politics", "racism", "gratitude"]
    assert frame.label("donations", "zh") == "捐赠物资"
    assert frame.label("uncoded", "en") == "None of these themes"


def test_code_accounts_hand_labelled(frame):
    texts = pd.Series([t for t, _ in LABELLED])
    codes = code_accounts(texts, frame)
    got = [set(codes.columns[(row == 1).to_numpy()]) - {"uncoded"} for _, row in codes.iterrows()]
    assert got == [themes for _, themes in LABELLED]
    assert codes["uncoded"].tolist() == [float(not themes) for _, themes in LABELLED]


def test_code_accounts_missing_and_blank_are_nan(frame):
    codes = code_accounts(pd.Series(["We donated masks", None, "  ", np.nan], index=[10, 11, 12, 13]), frame)
    assert list(codes.index) == [10, 11, 12, 13]
    assert list(codes.columns) == frame.ids + ["uncoded"]
    assert codes.loc[10, "donations"] == 1.0 and codes.loc[10, "uncoded"] == 0.0
    assert codes.loc[[11, 12, 13]].isna().all().all()


def test_theme_frequencies(frame):
    codes = code_accounts(pd.Series(["We donated masks.", "Thanks, we donated gloves.", "Nothing.", None]), frame)
    table = theme_frequencies(codes, n_asked=10, frame=frame, lang="zh")
    assert list(table.columns) == ["theme", "label", "count", "pct_of_accounts", "pct_of_asked"]
    row = table.set_index("theme")
    assert row.loc["donations", "count"] == 2
    assert row.loc["donations", "pct_of_accounts"] == pytest.approx(200 / 3)  # 2 of 3 accounts
    assert row.loc["donations", "pct_of_asked"] == pytest.approx(20.0)  # 2 of 10 asked
    assert row.loc["gratitude", "count"] == 1 and row.loc["uncoded", "count"] == 1
    assert row.loc["donations", "label"] == "捐赠物资" and row.loc["uncoded", "label"] == "未归入以上主题"
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
    path = write_frame(tmp_path, "themes:" + GOOD_THEME + """
  - id: broken
    label: {en: "B", zh: "乙"}
    patterns: {en: ['(unclosed']}
""")
    with pytest.raises(PlanError, match=r"coding.yaml: themes\[1\]\.patterns\.en\[0\]: pattern '\(unclosed' does not compile: missing \)"):
        load_coding_frame(path)


def test_frame_duplicate_id(tmp_path):
    with pytest.raises(PlanError, match=r"themes\[1\]\.id: theme id 'a' appears 2 times"):
        load_coding_frame(write_frame(tmp_path, "themes:" + GOOD_THEME + GOOD_THEME))


def test_frame_missing_zh_label(tmp_path):
    path = write_frame(tmp_path, """themes:
  - id: a
    label: {en: "A"}
    patterns: {en: ['x']}
""")
    with pytest.raises(PlanError, match=r"themes\[0\]\.label: missing 'zh' text"):
        load_coding_frame(path, ("en", "zh"))  # the instrument's languages


def test_frame_reports_every_problem_at_once(tmp_path):
    path = write_frame(tmp_path, """themes:
  - id: Bad-Id
    label: {en: "A", zh: "甲"}
    patterns: {en: ['x']}
  - id: b
    label: {zh: "乙"}
    patterns: {zh: ['[']}
""")
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
    auto = pd.DataFrame({
        "donations": [1, 1, 1, 1, 0, 0, 0, 0, 0, 1, np.nan, 1],
        "racism": [0] * 10 + [np.nan, 0],
    }, dtype=float, index=[f"R{i:02d}" for i in range(12)])
    human = pd.DataFrame({
        "human_donations": [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, np.nan],
        "human_racism": [0] * 10 + [0, np.nan],
        "note": ["x"] * 12,
    }, index=auto.index)
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
    with pytest.raises(DataError, match="column 'human_media' holds \\['2', 'yes'\\]; use 0, 1 or blank"):
        coder_agreement(auto, pd.DataFrame({"human_media": ["yes", 2]}, dtype=object))
    with pytest.raises(DataError, match="no column named human_<theme id>"):
        coder_agreement(auto, pd.DataFrame({"media": [1, 0]}))


def test_redaction_prefilter_misses_nothing():
    # redact() runs its rules only on texts _MAYBE_PERSONAL finds: every text a rule
    # changes must be found, whatever else the rules do in between.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from survey.text.openended import _MAYBE_PERSONAL, _rules

    from survey.text.textsearch import contains

    def changed_by_some_rule(text):
        return any(pattern.search(text) for _, pattern, _ in _rules())

    def maybe(text):
        return bool(contains([text], _MAYBE_PERSONAL, digits=True)[0])

    for text in [t for t, _ in POSITIVE] + NEGATIVE:
        if changed_by_some_rule(text):
            assert maybe(text), text
    pieces = st.sampled_from(["Contact ", "Li Ming", " at ", "[EMAIL]", "WeChat", " is ", "amy_20", "微信", "号",
                              "联系人", "王芳", "QQ", "www", ".org", "https", "://", "@", "x", " ", "\u0661", "１", "ı", "WWW"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=10).map("".join))
    def check(text):
        if not maybe(text):
            assert not changed_by_some_rule(text), text
            assert redact(pd.Series([text]))[0].iloc[0] == text

    check()


def test_detect_language_on_text_arrow_cannot_hold():
    # A lone surrogate cannot be UTF-8: the counts fall back to Python's re, same answer.
    texts = pd.Series(["\ud800 hello there", "我们捐赠了口罩 \ud800", None, 3], dtype=object)
    assert detect_language(texts, ("en", "zh")).tolist() == ["en", "zh", "", ""]
