"""Literal-prefiltered regex search (survey.text.textsearch): the same answers as re.search on every text."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.text.openended import load_coding_frame
from survey.text.textsearch import any_match, fold, prepare, required_literals

ROOT = Path(__file__).resolve().parent.parent
FRAME = load_coding_frame(ROOT / "analysis" / "ccg-2020-coding.yaml")
PATTERNS = [p for t in FRAME.themes for ps in t.patterns.values() for p in ps]


def brute(texts, patterns, flags=re.IGNORECASE):
    return [any(re.search(p, t, flags) for p in patterns) for t in texts]


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bdonat(e|ed|es|ing|ion|ions)\b", ("donat",)),
        (r"(?<!wear )\b(face |surgical )?masks?\b", ("mask",)),
        ("捐赠|捐助|捐献", ("捐",)),  # the parser factors out the common prefix
        ("口罩|物资", ("口罩", "物资")),
        (r"\b(shipped|mailed|sent) (them|\d+)\b", ("mailed", "sent", "shipped")),
        (r"PPE", ("ppe",)),
        (r"(?:ab)+c", ("ab",)),
        (r"\d{5}", None),
        (r"(a|\d)x", ("x",)),
        (r"(a|\d)", None),
        (r"x*", None),
        (r"(?=mask)", None),
    ],
)
def test_required_literals(pattern, literals):
    assert required_literals(pattern) == literals


def test_fold_maps_each_ignorecase_class_to_one_character():
    # re.IGNORECASE treats these as equal; fold must too, or the prefilter would drop a match.
    for a, b in [
        ("S", "ſ"),
        ("k", "\u212a"),
        ("ß", "ẞ"),
        ("Σ", "ς"),
        ("ι", "\u0345"),
        ("Ω", "\u2126"),
    ]:
        assert re.fullmatch(re.escape(a), b, re.IGNORECASE)
        assert fold(a) == fold(b)


def test_every_coding_frame_pattern_has_literals():
    # Not required for correctness, but a pattern without them runs on every account.
    assert [p for p in PATTERNS if required_literals(p) is None] == []


def test_any_match_equals_re_search_on_the_wave1_accounts():
    raw = pd.read_csv(ROOT / "raw" / "ccg-2020-wave1.csv", dtype=str, keep_default_na=False)
    texts = [t for t in raw["account"].tolist() if t.strip()]
    assert len(texts) > 200
    for theme in FRAME.themes:
        patterns = [p for ps in theme.patterns.values() for p in ps]
        assert any_match(texts, patterns).tolist() == brute(texts, patterns)


ALPHABET = st.sampled_from(
    list("masknPPEdonatedſK\u212aİı ,.-口罩捐赠戴伪劣物资医生")
    + ["\u0130", "MASK", "Masks", "donation"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(ALPHABET, max_size=12).map("".join), max_size=25))
def test_any_match_equals_re_search_on_random_texts(texts):
    for theme in FRAME.themes[:2]:
        patterns = [p for ps in theme.patterns.values() for p in ps]
        assert any_match(texts, patterns).tolist() == brute(texts, patterns)


def test_any_match_without_pyarrow_path_and_with_case_sensitive_flags():
    texts = ["Masks sent", "mask", "\ud800 masks", "nothing"]  # a lone surrogate cannot be UTF-8
    assert not hasattr(prepare(texts), "type")  # not an Arrow array: the folded fallback
    assert any_match(texts, [r"\bmasks?\b"]).tolist() == [True, True, True, False]
    assert any_match(texts, [r"\bMasks\b"], flags=0).tolist() == [True, False, False, False]


def test_any_match_patterns_without_literals_and_empty_input():
    assert any_match(["a1", "b", "c22"], [r"\d", "b"]).tolist() == [True, True, True]
    assert any_match([], [r"\d"]).tolist() == []
    assert any_match(["x"], []).tolist() == [False]


def test_folds_equal_their_rules_over_all_of_unicode():
    """The fold tables fill as characters are met; over every code point they equal the rules
    they stand for, written out here the long way."""
    import _sre
    from re._casefix import _EXTRA_CASES

    from survey.text import textsearch, words

    everything = "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)
    rep = {lo: min((lo, *extra)) for lo, extra in _EXTRA_CASES.items()}
    case = {}
    for cp in range(0x110000):
        lower = _sre.unicode_tolower(cp)
        if rep.get(lower, lower) != cp:
            case[cp] = rep.get(lower, lower)
    assert textsearch.fold(everything) == everything.translate(case)
    assert textsearch._fold_table() == case
    digits = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
    digits.update({cp: 0x20 for cp in (0x3000, 0x00A0, 0x202F, 0x205F, *range(0x2000, 0x200B))})
    for cp in range(0x80, 0x110000):
        if chr(cp).isdecimal() and cp not in digits:
            digits[cp] = ord("0") + int(chr(cp))
    assert words.fold(everything) == everything.translate(digits)
    assert words.fold("电话：１３９ １２３４") == "电话:139 1234"
