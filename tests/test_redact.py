"""Redaction of personal data in free text (survey.text.redact, survey.text.detect).

Three kinds of evidence: hand-written cases (what a reader expects, one per rule);
the seeded corpus of tests/pii_corpus.py, with recall and false positives asserted
per type; and the embedded wave-1 file, whose planted strings are listed in
raw/planted_personal_data.txt.
"""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.errors import InstrumentError
from survey.instrument import load_instrument
from survey.text import detect
from survey.text.redact import TYPES, Policy, find, hints, redact
from survey.text.textsearch import may_match, prepare

from .pii_corpus import COUNTRIES, LANGUAGES, corpus

ROOT = Path(__file__).resolve().parent.parent
CCG = Policy(("CN", "US"), ("en", "zh"))

# --------------------------------------------------------------------------- one rule at a time

POSITIVE = [
    (
        "Email me at amy.chen2020@example.com if your clinic needs masks.",
        "Email me at [EMAIL] if your clinic needs masks.",
    ),
    ("邮箱amy@example.com如果需要请联系", "邮箱[EMAIL]如果需要请联系"),
    ("我的邮箱：laura@example.org2009年起用", "我的邮箱：[EMAIL]2009年起用"),
    ("Photos are at https://www.example.org/~dgarcia/masks-for-wuhan.", "Photos are at [URL]."),
    ("see www.example.org/a, thanks", "see [URL], thanks"),
    ("捐赠清单见 http://www.example.com/zhiyuan/2020 ，共3万只", "捐赠清单见 [URL] ，共3万只"),
    ("详情见http://example.net/relief?id=42。", "详情见[URL]。"),
    ('=HYPERLINK("https://www.example.org/donate-ppe","donate")', '=HYPERLINK("[URL]","donate")'),
    ("visit relief.example.org or 访问example.cn了解", "visit [URL] or 访问[URL]了解"),
    ("Call me at (212) 555-0147 tomorrow.", "Call me at [PHONE] tomorrow."),
    ("Office 212-555-0147, fax 212.555.0148", "Office [PHONE], fax [PHONE]"),
    ("+1 415 555 0199 is our hotline", "[PHONE] is our hotline"),
    ("+1 415-555-0199 is our hotline", "[PHONE] is our hotline"),
    ("Dial 1-800-555-0199 now", "Dial [PHONE] now"),
    ("call 555-0188 tonight", "call [PHONE] tonight"),
    ("可以联系我：138 1234 5678。", "可以联系我：[PHONE]。"),
    ("+86 13912345678 是联系电话", "[PHONE] 是联系电话"),
    ("手机0086 139-1234-5678", "手机[PHONE]"),
    ("手机１３９１２３４５６７８", "手机[PHONE]"),
    ("我的手机号是13700001111，有需求找我。", "我的手机号是[PHONE]，有需求找我。"),
    ("办公室电话010-62345678转接", "办公室电话[PHONE]转接"),
    ("电话：0755-8888 8888", "电话：[PHONE]"),
    ("总机 +86-21-12345678", "总机 [PHONE]"),
    ("Tel: +44 20 7946 0958 in London", "Tel: [PHONE] in London"),
    (
        "my WeChat: amy_2020. Over 200 people joined.",
        "my WeChat: [HANDLE]. Over 200 people joined.",
    ),
    ("WeChat ID amy2020 works", "WeChat ID [HANDLE] works"),
    ("add me on WeChat, id chen.relief_01", "add me on WeChat, id [HANDLE]"),
    ("wx: abc_123456", "wx: [HANDLE]"),
    ("请加我，微信号：zhang_wei88", "请加我，微信号：[HANDLE]"),
    ("微信号 zhang_wei88 欢迎", "微信号 [HANDLE] 欢迎"),
    ("群很活跃，QQ: 2876543190，欢迎", "群很活跃，QQ: [HANDLE]，欢迎"),
    ("QQ号：123456789", "QQ号：[HANDLE]"),
    ("@CCG thank you for doing this survey.", "[HANDLE] thank you for doing this survey."),
    ("follow @amy.chen_88 on Instagram", "follow [HANDLE] on Instagram"),
    ("身份证号11010519491231002X已登记", "身份证号[NATIONAL_ID]已登记"),
    ("身份证110101199003074518（最后一位可能写错了）", "身份证[NATIONAL_ID]（最后一位可能写错了）"),
    ("我的是110101199003074514。", "我的是[NATIONAL_ID]。"),
    ("身份证 110101 19900307 4514", "身份证 [NATIONAL_ID]"),
    ("My SSN is 078-05-1120.", "My SSN is [NATIONAL_ID]."),
    ("social security number: 123456789", "social security number: [NATIONAL_ID]"),
    ("her number 123-45-6789 was on the form", "her number [NATIONAL_ID] was on the form"),
    ("mi número de seguro social es 123 45 6789", "mi número de seguro social es [NATIONAL_ID]"),
    ("server 192.168.1.20.", "server [IP]."),
    ("from 2001:db8::1 at 14:30:00", "from [IP] at 14:30:00"),
    (
        "Please send the masks to 1600 Pennsylvania Ave NW, Washington, DC 20500 before Friday.",
        "Please send the masks to [ADDRESS] before Friday.",
    ),
    (
        "Our office is at 350 Fifth Avenue, Suite 3300, New York, NY 10118, come by.",
        "Our office is at [ADDRESS], come by.",
    ),
    ("Write to PO Box 1234, Springfield, IL 62704.", "Write to [ADDRESS]."),
    ("我家住在北京市朝阳区建国路88号3号楼1203室。", "我家住在[ADDRESS]。"),
    ("物资寄到阳光花园5栋2单元301室。", "物资寄到[ADDRESS]。"),
    (
        "Contact Li Ming at liming.relief@example.org for details.",
        "Contact [NAME] at [EMAIL] for details.",
    ),
    ("Please call Dr. Amy Chen on 212.555.0147", "Please call Dr. [NAME] on [PHONE]"),
    ("Contact person: Li Ming", "Contact person: [NAME]"),
    ("My name is Maria O'Neil.", "My name is [NAME]."),
    ("请联系王芳（wangfang_hz@example.cn），她负责对接。", "请联系[NAME]（[EMAIL]），她负责对接。"),
    ("联系人：陈晓东，电话18601234567，2020年3月起", "联系人：[NAME]，电话[PHONE]，2020年3月起"),
    ("找张伟，电话13800138000", "找[NAME]，电话[PHONE]"),
    ("我叫李明，在波士顿当志愿者。", "我叫[NAME]，在波士顿当志愿者。"),
]

SPANISH = [  # a study in Spain, Mexico and the US, in English and Spanish
    ("Llame a José Pérez al 555-0188", "Llame a [NAME] al [PHONE]"),
    ("Me llamo María de la Cruz y soy enfermera.", "Me llamo [NAME] y soy enfermera."),
    ("Mi teléfono es 612 34 56 78.", "Mi teléfono es [PHONE]."),
    ("Escríbanos al +52 55 1234 5678.", "Escríbanos al [PHONE]."),
    ("mi DNI es 12345678Z", "mi DNI es [NATIONAL_ID]"),
    ("Envíelo a Calle Mayor 12, 3º B, 28013 Madrid.", "Envíelo a [ADDRESS]."),
    ("Mándelo al Apartado de Correos 1234, 28080 Madrid", "Mándelo al [ADDRESS]"),
]

NEGATIVE = [
    "We sent 30,000 masks to Wuhan.",
    "Our group raised 2 million yuan.",
    "我们捐了100000个口罩。",
    "The shipment arrived on 2020-03-15.",
    "The goggles arrived on 2020-03-15. 35 volunteers bought every box.",
    "物资在2020年3月15日送到。",
    "It was in 2020 and again in 2021.",
    "98.43% of 1,776 respondents agreed.",
    "The webinar started at 14:30 and ended at 16:00:00.",
    "We raised $5,000 and $120,000.",
    "+1 for more cooperation between ordinary people!",
    "WeChat is popular in China.",
    "I tried to correct rumours in my WeChat groups.",
    "我在微信群里辟谣，但效果有限。",
    "请联系我们，谢谢。",
    "联系方式见官网。",
    "找高中同学帮忙联系了三家医院。",
    "Contact the hospital for details.",
    "Call Monday morning, the office opens at 9.",
    "We sent 300 500 1000 masks in three batches.",
    "An ID-like 110105194912310021 with a wrong check digit.",
    "The batch code 110101199003074518 is printed on the box.",
    "Order 482913057 shipped; tracking 1Z999AA10123456784.",
    "订单号2020031512345678已发货。",
    "I am 34 years old and live in the 10001 ZIP code area.",
    "In 2020 Main Street shops donated gloves.",
    "I donated 50 boxes on Main Street last week.",
    "Version v1.2.3.4 of the app.",
    "Between 2019-2020 we gave 12345678 yuan.",
    "RFC 5830 describes it.",
    "感谢中美两边所有伸出援手的人。",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_redact_finds_personal_data(text, expected):
    out, counts = redact(pd.Series([text]), CCG)
    assert out.iloc[0] == expected
    assert sum(counts.values()) == expected.count("[") - text.count("[")


@pytest.mark.parametrize(("text", "expected"), SPANISH)
def test_redact_spanish_study(text, expected):
    out, _ = redact(pd.Series([text]), Policy(("ES", "MX", "US"), ("en", "es")))
    assert out.iloc[0] == expected


@pytest.mark.parametrize("text", NEGATIVE)
def test_redact_leaves_ordinary_text(text):
    out, counts = redact(pd.Series([text]), CCG)
    assert out.iloc[0] == text
    assert counts == dict.fromkeys(TYPES, 0)


def test_find_names_type_and_text():
    assert find("Llame a José Pérez al 555-0188", Policy(("US",), ("es",))) == [
        ("NAME", "José Pérez"),
        ("PHONE", "555-0188"),
    ]


def test_countries_decide_national_formats():
    text = "Mi teléfono es 612 34 56 78."
    assert (
        redact(pd.Series([text]), Policy(("ES",), ("es",)))[0].iloc[0] == "Mi teléfono es [PHONE]."
    )
    assert (
        redact(pd.Series([text]), Policy((), ("es",)))[0].iloc[0] == text
    )  # no country: + numbers only
    assert (
        redact(pd.Series(["Tel +34 612 34 56 78"]), Policy((), ("es",)))[0].iloc[0] == "Tel [PHONE]"
    )


def test_identifiers_of_the_declared_countries():
    # A Spanish DNI validates under stdnum.es.dni; a bare one is a 1-in-23 chance, so only after a lead-in.
    assert find("DNI 12345678Z", Policy(("ES",), ("es",))) == [("NATIONAL_ID", "12345678Z")]
    assert [m.__name__ for m in detect.id_modules(("CN", "US"))] == [
        "stdnum.cn.ric",
        "stdnum.us.ssn",
        "stdnum.cn.uscc",
        "stdnum.us.atin",
        "stdnum.us.ein",
        "stdnum.us.itin",
        "stdnum.us.ptin",
        "stdnum.us.rtn",
        "stdnum.us.tin",
    ]
    assert detect.id_modules(("ZZ",))[:2] == detect.id_modules(
        ()
    )  # no stdnum package: the two always-on


def test_redact_counts_every_type_and_keeps_missing():
    texts = pd.Series(
        ["Mail a@b.org or c@d.org", None, "QQ: 12345", np.nan, "Call (212) 555-0147"],
        index=list("vwxyz"),
        name="account",
    )
    out, counts = redact(texts, CCG)
    assert counts == {**dict.fromkeys(TYPES, 0), "EMAIL": 2, "HANDLE": 1, "PHONE": 1}
    assert list(out.index) == list("vwxyz") and out.name == "account"
    assert out.isna().tolist() == [False, True, False, True, False]
    assert texts.iloc[0] == "Mail a@b.org or c@d.org"  # input not modified


@pytest.mark.parametrize("dtype", [object, "str", "string"])
def test_redact_keeps_the_dtype(dtype):
    texts = pd.Series(["QQ: 12345", None, "none"], dtype=dtype)
    out, _ = redact(texts, CCG)
    assert out.dtype == texts.dtype
    assert out.iloc[0] == "QQ: [HANDLE]" and out.iloc[2] == "none" and pd.isna(out.iloc[1])


def test_values_that_are_not_text_stay():
    out, counts = redact(pd.Series([13912345678, "13912345678"], dtype=object), CCG)
    assert out.tolist() == [13912345678, "[PHONE]"] and counts["PHONE"] == 1


def test_texts_arrow_cannot_hold():
    out, _ = redact(pd.Series(["\ud800 mail a@b.org", "QQ: 12345"], dtype=object), CCG)
    assert out.tolist() == ["\ud800 mail [EMAIL]", "QQ: [HANDLE]"]


# --------------------------------------------------------------------------- personal answers


def test_personal_answers_recur_anywhere_parts_in_their_own_row():
    texts = pd.Series(
        [
            "Thanks to Ana Ruiz and Leo for the masks.",
            "Ana Ruiz drove.",
            "Ruiz and Banana",
            "Leo came too.",
        ]
    )
    personal = pd.DataFrame(
        {"name": ["Ana Ruiz", None, "Tomás Leo", None], "email": ["ana@x.org", None, None, None]}
    )
    out, counts = redact(texts, CCG, personal=personal)
    assert out.tolist() == [
        "Thanks to [NAME] and Leo for the masks.",
        "[NAME] drove.",
        "Ruiz and Banana",
        "Leo came too.",
    ]
    assert counts["NAME"] == 2
    # the whole answer is found in every row; its words only in the respondent's own ("Ruiz", not "Banana")
    own = redact(
        pd.Series(["Ruiz here, Ana there"]), CCG, personal=pd.DataFrame({"n": ["Ana Ruiz"]})
    )[0]
    assert own.iloc[0] == "[NAME] here, [NAME] there"


def test_personal_answer_typed_by_what_it_is():
    from survey.text.redact import _kind

    assert [
        _kind(v, CCG.rules) for v in ["+1 415 555 0199", "amy@example.org", "Ana Ruiz", "5550188"]
    ] == ["PHONE", "EMAIL", "NAME", "NAME"]
    texts = pd.Series(
        ["my line 5550188 works", "x"]
    )  # no lead-in, too short to be valid: only the answer finds it
    out, counts = redact(texts, CCG, personal=pd.DataFrame({"phone": ["5550188", None]}))
    assert out.iloc[0] == "my line [NAME] works" and counts["NAME"] == 1
    out, _ = redact(
        pd.Series(["我叫王芳。王芳很忙"]), CCG, personal=pd.DataFrame({"name": ["王芳"]})
    )
    assert out.iloc[0] == "我叫[NAME]。[NAME]很忙"


# --------------------------------------------------------------------------- the planted corpus


@pytest.fixture(scope="module")
def scored():
    """Per type: planted, caught (the string is gone), typed (caught as that type), and the
    false positives (a must-survive string changed, or anything found in a clean text)."""
    cases = corpus()
    policy = Policy(COUNTRIES, LANGUAGES)
    texts = pd.Series([c.text for c in cases], dtype="str")
    out, _ = redact(texts, policy, personal=pd.DataFrame({"name": [c.personal for c in cases]}))
    table = {
        kind: collections.Counter()
        for kind in ("PHONE", "NATIONAL_ID", "EMAIL", "URL", "ADDRESS", "HANDLE", "NAME")
    }
    false_positives = []
    for case, after in zip(cases, out):
        spans = detect.find_spans(case.text, policy.rules)[0]
        for kind, planted in case.planted:
            table[kind]["planted"] += 1
            table[kind]["caught"] += planted not in after
            table[kind]["typed"] += bool(case.personal) or any(
                k == kind and planted in s for k, s in spans
            )
        false_positives += [(case.hard, s, after) for s in case.survive if s not in after]
        if not case.planted and after != case.text:
            false_positives.append((case.hard, case.text, after))
    return table, false_positives, cases


@pytest.mark.parametrize(
    "kind", ["PHONE", "NATIONAL_ID", "EMAIL", "URL", "ADDRESS", "HANDLE", "NAME"]
)
def test_corpus_recall_per_type(scored, kind):
    table, _, _ = scored
    row = table[kind]
    assert row["planted"] >= 180
    assert row["caught"] / row["planted"] >= 0.99, dict(row)
    assert row["typed"] / row["planted"] >= 0.99, dict(row)


def test_corpus_no_false_positive_on_must_survive(scored):
    _, false_positives, cases = scored
    assert sum(len(c.survive) for c in cases) > 1000 and sum(not c.planted for c in cases) == 450
    assert false_positives == []


def test_corpus_has_the_hard_cases(scored):
    _, _, cases = scored
    hard = collections.Counter(c.hard for c in cases)
    for name in [
        "split/full-width phone",
        "local number after a lead-in",
        "id after a lead-in",
        "bare valid id",
        "id with a wrong checksum",
        "order number, date",
        "ZIP code in prose",
        "age",
        "price",
        "year, quantity",
        "personal answer recurring",
        "name after a lead-in",
    ]:
        assert hard[name] > 0, name
    texts = " ".join(c.text for c in cases)
    assert "１" in texts and "+86-" in texts and "." in texts


# --------------------------------------------------------------------------- the prefilter


def test_prefilter_misses_nothing():
    # redact() runs a detector only on texts its RE2 pattern keeps: every text a detector
    # changes must be kept, whatever the others do first.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    rules = Policy(COUNTRIES, LANGUAGES).rules
    patterns = hints(rules)

    def check(text: str) -> None:
        prepared = prepare([text])
        first = bool(may_match(prepared, patterns.first)[0])
        only = {name for name, p in patterns.steps.items() if may_match(prepared, p)[0]}
        full = detect.find_spans(text, rules)[1]
        assert detect.find_spans(text, rules, only)[1] == full, (text, only)
        assert first or not full, text

    for text in (
        [t for t, _ in POSITIVE + SPANISH]
        + NEGATIVE
        + [c.text for c in corpus(seed=3, per_type=3, survive=5)]
    ):
        check(text)
    pieces = st.sampled_from(
        [
            "Call ",
            "call",
            " ",
            "José",
            " Pérez",
            "Li Ming",
            " at ",
            "WeChat",
            ":",
            "：",
            " is ",
            "amy_20",
            "微信",
            "号",
            "联系人",
            "王芳",
            "我叫",
            "QQ",
            "ＱＱ",
            "www",
            ".",
            "．",
            "org",
            "https",
            "://",
            "@",
            "＠",
            "x",
            "\u0661",
            "１",
            "ı",
            "ſ",
            "K",
            "WWW",
            "SSN",
            "ｓｓｎ",
            "123",
            "-45-",
            "6789",
            "138",
            "1234",
            "5678",
            "+86",
            "+1",
            "(212)",
            "555",
            "0188",
            "Street",
            "St",
            "Main",
            "42",
            "PO Box",
            "路",
            "88",
            "号楼",
            "calle",
            "Mayor",
            "12",
            "\u3000",
            "110101199003074514",
            "身份证",
            "\x00",
            "Dr.",
            "dr",
            "Me llamo",
            "Ana",
            "tel",
            "ｔｅｌ",
        ]
    )

    @settings(max_examples=400, deadline=None)
    @given(st.lists(pieces, max_size=10).map("".join))
    def random_text(text):
        check(text)

    random_text()


# --------------------------------------------------------------------------- data files, instrument


def test_every_language_file_loads():
    assert detect.languages_with_leadins() == ("en", "es", "zh")
    for lang in detect.languages_with_leadins():
        words = detect.load_words(lang)
        assert (
            words.name
            and words.phone
            and words.national_id
            and words.handle
            and words.address["layout"]
        )


def test_unknown_address_layout_is_named(tmp_path, monkeypatch):
    from survey.text import addresses, words

    (tmp_path / "xx.yaml").write_text("language: xx\naddress: {layout: spiral}\n", encoding="utf-8")
    monkeypatch.setattr(words, "LEADINS", tmp_path)
    words.load_words.cache_clear()
    try:
        with pytest.raises(InstrumentError, match=r"xx.yaml: address.layout must be one of"):
            addresses.address_pattern([words.load_words("xx")])
    finally:
        words.load_words.cache_clear()


def test_instrument_declares_its_countries(tmp_path):
    inst = load_instrument(ROOT / "instruments" / "ccg-2020.yaml")
    assert inst.countries == ("CN", "US")
    assert Policy.for_instrument(inst) == CCG
    text = (ROOT / "instruments" / "ccg-2020.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("countries: [CN, US]", "countries: [China, us]"), encoding="utf-8")
    with pytest.raises(
        InstrumentError,
        match=r"study.countries\[0\]: 'China' is not an ISO 3166-1 alpha-2 code.*"
        r"study.countries\[1\]: 'us' is not an ISO 3166-1 alpha-2 code",
    ):
        load_instrument(bad)
    bad.write_text(text.replace("countries: [CN, US]", "countries: [CN, XX]"), encoding="utf-8")
    with pytest.raises(
        InstrumentError,
        match=r"study.countries\[1\]: 'XX' is not a country code libphonenumber knows",
    ):
        load_instrument(bad)
    bare = tmp_path / "bare.yaml"
    bare.write_text(text.replace("  countries: [CN, US]\n", ""), encoding="utf-8")
    assert load_instrument(bare).countries == ()


# --------------------------------------------------------------------------- the embedded wave 1


def test_redact_removes_every_planted_string_from_the_raw_file():
    raw = pd.read_csv(ROOT / "raw" / "ccg-2020-wave1.csv", dtype=str, keep_default_na=False)[
        "account"
    ]
    planted = [
        line
        for line in (ROOT / "raw" / "planted_personal_data.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line
    ]
    out, counts = redact(raw, CCG)
    assert "110101199003074514" in planted
    assert [p for p in planted if out.str.contains(p, regex=False).any()] == []
    # the 16 planted accounts (raw/README.md) and "@CCG thank you ...", nothing else
    assert int((out != raw).sum()) == 17
    assert counts == {
        **dict.fromkeys(TYPES, 0),
        "EMAIL": 4,
        "URL": 3,
        "HANDLE": 4,
        "NATIONAL_ID": 1,
        "PHONE": 6,
        "NAME": 3,
    }


def test_report_discloses_counts_by_type():
    from survey.report.document import Words, redaction_text

    counts = {**dict.fromkeys(TYPES, 0), "PHONE": 7, "NAME": 1200}
    assert (
        redaction_text(counts, Words("en"))
        == "Replaced by placeholders before coding and export: phone numbers 7, names 1,200."
    )
    assert (
        redaction_text(counts, Words("zh"))
        == "编码和导出前已替换为占位符：电话号码 7、姓名 1,200。"
    )
    assert (
        redaction_text(dict.fromkeys(TYPES, 0), Words("en"))
        == "Looked for before coding and export; none found."
    )
    assert (
        redaction_text(None, Words("en"))
        == "Not redacted: the run was asked to keep open answers as written (--no-redact)."
    )


def test_study_redacts_every_text_column_with_the_personal_answers(tmp_path):
    from survey.study import Study

    from .conftest import INSTRUMENT, PLAN, make_raw, write_raw

    text = INSTRUMENT.read_text(encoding="utf-8")
    question = (
        "  - id: contact_name\n    type: text\n    section: open\n    personal: true\n"
        '    text: {en: "Your name (optional)", zh: "您的姓名（选填）"}\n\n'
    )
    instrument = tmp_path / "with-name.yaml"
    instrument.write_text(
        text.replace("# Quality rules", question + "# Quality rules", 1), encoding="utf-8"
    )
    raw = make_raw(load_instrument(instrument).at_version("1.0.0"), n=80, seed=3)
    raw.loc[0, ["contact_name", "account"]] = [
        "Ana Ruiz",
        "Ana Ruiz and I sent masks; call (212) 555-0147",
    ]
    raw.loc[1, "account"] = "Thanks to Ana Ruiz!"
    study = Study.from_plan(
        PLAN, raw=write_raw(raw, tmp_path / "raw.csv"), instrument=instrument, weight=False
    )

    shared = study.respondents()
    assert "contact_name" not in shared.columns
    assert shared["account"].iloc[:2].tolist() == [
        "[NAME] and I sent masks; call [PHONE]",
        "Thanks to [NAME]!",
    ]
    assert study.redactions() == {**dict.fromkeys(TYPES, 0), "NAME": 2, "PHONE": 1}
    kept = study.respondents(include_personal=True)
    assert (
        kept["contact_name"].iloc[0] == "Ana Ruiz"
        and kept["account"].iloc[1] == "Thanks to [NAME]!"
    )
    assert study.respondents(redact=False)["account"].iloc[1] == "Thanks to Ana Ruiz!"
    accounts = study.accounts()
    assert "Thanks to [NAME]!" in accounts["text"].tolist()


def test_bench_micro_redaction_counts_what_redact_counts(tmp_path):
    from survey.bench import micro_redaction
    from survey.instrument.plan import load_plan
    from survey.synth import synthetic_raw

    from .conftest import PLAN

    _, inst = load_plan(PLAN)
    raw = tmp_path / "raw.csv"
    synthetic_raw(inst.at_version("1.0.0"), 3000, seed=5, invalid_share=0.1).to_csv(
        raw, index=False
    )
    result = micro_redaction(PLAN, raw, repeat=1)
    frame = pd.read_csv(raw, dtype=str)
    expected = redact(frame["account"], CCG)[1]
    assert result["rows"] == 3000 and result["policy"] == {
        "countries": ["CN", "US"],
        "languages": ["en", "zh"],
    }
    assert result["account"]["texts"] == int(frame["account"].notna().sum())
    assert (
        result["account"]["found"] == {k: v for k, v in expected.items() if v}
        and result["account"]["found"]
    )
    assert set(result) == {"rows", "policy", "how_participated_other", "account", "seconds"}


def test_shared_look_arounds_match_as_one_per_phrase_did():
    """`alternation` puts one look-behind and look-ahead around neighbours that share them;
    the regex must find what one look-around pair per phrase found, on the lead-in words
    of every language and the PII corpus."""
    import random
    import re

    from survey.text.words import alternation, languages_with_leadins, load_words, phrase

    def one_per_phrase(items, before=True):
        items = sorted(set(items), key=lambda s: (-len(s), s))
        return "(?:" + "|".join(phrase(i, before) for i in items) + ")" if items else "(?!)"

    rng = random.Random(7)
    texts = [case.text for case in corpus(seed=3, per_type=10, survive=20)]
    for lang in languages_with_leadins():
        words = load_words(lang)
        for field in ("phone", "quantity", "national_id", "handle", "contact_labels", "titles"):
            items = [str(x) for x in getattr(words, field, ()) or ()]
            if not items:
                continue
            sample = texts + [
                " ".join(rng.sample(items, min(3, len(items)))) + " 123" for _ in range(50)
            ]
            for before in (True, False):
                new = re.compile("(?i)" + alternation(items, before=before))
                old = re.compile("(?i)" + one_per_phrase(items, before=before))
                for text in sample:
                    assert [m.span() for m in new.finditer(text)] == [
                        m.span() for m in old.finditer(text)
                    ], (lang, field, text)
