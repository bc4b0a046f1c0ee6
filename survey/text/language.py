"""The language of each open answer, among the languages the instrument declares.

:func:`detect_language` asks lingua (``lingua-language-detector``), restricted to the
instrument's languages.  Two cheap passes in Arrow (RE2) come first, and only what
they leave goes to lingua, once per distinct text:

1. a text without a letter (empty, missing, digits, punctuation) is ``""``;
2. a text whose letters are all of one script that only one of the languages is
   written in (CLDR's script of each language, via Babel) is that language: a Latin
   text of an English/Chinese study is English, a Han text Chinese.  lingua's first
   rule is the same (it keeps only the candidates written in the text's alphabet), so
   this pass changes no answer; it spares lingua's n-gram models the texts of a study
   whose languages use different scripts.

What remains (mixed scripts, or languages sharing a script, as English and Spanish)
is lingua's to decide, in parallel.  A language lingua does not know is never
assigned, and a text lingua cannot place among the languages is ``""``.

Examples
--------
>>> detect_language(pd.Series(["我们捐赠了口罩", "We donated masks to 武汉", "", None]), ("en", "zh")).tolist()
['zh', 'en', '', '']
>>> detect_language(pd.Series(["Donamos mascarillas al hospital.", "We donated masks."]), ("en", "es")).tolist()
['es', 'en']
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

#: Cleaned length from which lingua scores a text with trigrams only, in either accuracy mode
#: (its ``HIGH_ACCURACY_MODE_MAX_TEXT_LENGTH``).
LINGUA_LONG = 120
MARGIN = 5  # characters either side of it where the shortcut is not taken
#: ISO 15924 codes CLDR gives for languages written in a union of Unicode scripts.
_SCRIPT_UNIONS = {
    "Hans": ("Hani",),
    "Hant": ("Hani",),
    "Jpan": ("Hani", "Hira", "Kana"),
    "Kore": ("Hang", "Hani"),
}


def detect_language(texts: pd.Series, languages: Sequence[str]) -> pd.Series:
    """The language of each text among ``languages`` (the instrument's codes), ``""`` for none.

    Parameters
    ----------
    texts : pandas.Series
        Open answers (redacted first); anything that is not a ``str`` counts as empty.
    languages : sequence of str
        Language codes (ISO 639-1 or 639-3, with or without a script or region:
        ``en``, ``zh-Hans``).

    Returns
    -------
    pandas.Series
        The code as the instrument spells it, or ``""``; index and name of ``texts``.

    Examples
    --------
    >>> detect_language(pd.Series(["Our church donated masks.", "12 !!"]), ("en", "zh")).tolist()
    ['en', '']
    """
    out = np.full(len(texts), "", dtype=object)
    values = texts.to_numpy(dtype=object)
    rows = np.flatnonzero([type(v) is str for v in values])
    if not len(rows) or not languages:
        return pd.Series(out, index=texts.index, name=texts.name, dtype=object)
    import pyarrow.compute as pc

    arrow = _arrow(values[rows])
    lettered = pc.match_substring_regex(arrow, r"\pL")
    rows, arrow = rows[lettered.to_numpy(zero_copy_only=False)], arrow.filter(lettered)
    undecided = np.ones(len(rows), dtype=bool)
    for script, lang in _exclusive_scripts(tuple(languages)).items():
        other = pc.match_substring_regex(arrow, rf"[^\P{{L}}\p{{{script}}}]").to_numpy(
            zero_copy_only=False
        )
        only = undecided & ~other
        out[rows[only]] = lang
        undecided &= ~only
    left = rows[undecided]
    if len(left):
        out[left] = _lingua([_utf8(values[i]) for i in left], tuple(languages))
    return pd.Series(out, index=texts.index, name=texts.name, dtype=object)


def _utf8(text: str) -> str:
    """``text`` as valid UTF-8 (a lone surrogate, which no encoder takes, becomes ``?``)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _arrow(texts: np.ndarray) -> Any:
    import pyarrow as pa

    try:
        return pa.array(texts, type=pa.large_string())
    except UnicodeEncodeError:
        return pa.array([_utf8(t) for t in texts], type=pa.large_string())


def _lingua(texts: list[str], languages: tuple[str, ...]) -> np.ndarray:
    """lingua's answer for each text (texts lingua cannot tell apart asked once), ``""`` where it has none.

    lingua scores the words of a text (its runs of letters, in lower case), in high-accuracy
    mode with 1- to 5-grams when the cleaned text is shorter than 120 characters and with
    trigrams only otherwise, in either mode.  So (:func:`_keys`) texts with the same words
    on the same side of that length are one question ("the copay was $425" / "$800"), and
    a long text goes to the low-accuracy detector, which scores it as the high-accuracy
    one does, faster (benchmarks/language_detection.md).
    """
    known = _lingua_languages(languages)
    if not known:
        return np.full(len(texts), "", dtype=object)
    keys, long = _keys(texts)
    codes, unique = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    first = np.zeros(len(unique), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # the first text of each key is asked
    found = np.full(len(unique), None, dtype=object)
    for low in (False, True):
        ask = np.flatnonzero(long[first] == low)
        if len(ask):
            found[ask] = _detector(tuple(known), low).detect_languages_in_parallel_of(
                [texts[first[i]] for i in ask]
            )
    answer = np.array(["" if lang is None else known.get(lang, "") for lang in found], dtype=object)
    return answer[codes]


def _keys(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's words (runs of letters, lower case) and whether lingua scores it as long.

    lingua measures a text after taking out punctuation and numbers and folding spaces
    (as here); a text within :data:`MARGIN` characters of its threshold is keyed by
    itself and asked in high-accuracy mode, as before this shortcut.

    Examples
    --------
    >>> keys, long = _keys(["The copay was $425!", "the  copay was $80", "x" * 130])
    >>> keys[0] == keys[1], long.tolist()
    (True, [False, False, True])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lower = pc.utf8_lower(pa.array(texts, type=pa.large_string()))
    words = pc.utf8_trim(pc.replace_substring_regex(lower, r"[^\pL]+", " "), " ").to_pylist()
    cleaned = pc.replace_substring_regex(
        pc.replace_substring_regex(lower, r"[\p{P}\p{N}]+", ""), r"\s+", " "
    )
    size = pc.utf8_length(pc.utf8_trim_whitespace(cleaned)).to_numpy(zero_copy_only=False)
    long, short = size >= LINGUA_LONG + MARGIN, size < LINGUA_LONG - MARGIN
    keys = np.array(
        [
            ("L " if lg else "S ") + w if lg or sh else "T " + t
            for w, t, lg, sh in zip(words, texts, long, short)
        ],
        dtype=object,
    )
    return keys, long


@lru_cache(maxsize=16)
def _lingua_languages(languages: tuple[str, ...]) -> dict[Any, str]:
    """lingua's Language for each code it knows -> the code as the instrument spells it."""
    from lingua import IsoCode639_1, IsoCode639_3, Language

    out: dict[Any, str] = {}
    for code in languages:
        base = code.replace("_", "-").split("-")[0].lower()
        try:
            lang = (
                Language.from_iso_code_639_1(IsoCode639_1.from_str(base))
                if len(base) == 2
                else Language.from_iso_code_639_3(IsoCode639_3.from_str(base))
            )
        except ValueError:
            continue
        out.setdefault(lang, code)
    return out


@lru_cache(maxsize=8)
def _detector(languages: tuple[Any, ...], low_accuracy: bool = False) -> Any:
    """lingua's detector of only these languages (built once a process; its models load on first use)."""
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(*languages)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


@lru_cache(maxsize=16)
def _exclusive_scripts(languages: tuple[str, ...]) -> dict[str, str]:
    """Unicode script -> the one language (of those lingua knows) written in it.

    Empty when the script of one of them is not known: then lingua decides every text.
    """
    scripts = {code: _scripts(code) for code in _lingua_languages(languages).values()}
    if any(names is None for names in scripts.values()):
        return {}
    users: dict[str, list[str]] = {}
    for code, names in scripts.items():
        for name in names or ():
            users.setdefault(name, []).append(code)
    return {name: codes[0] for name, codes in users.items() if len(codes) == 1}


def _scripts(code: str) -> tuple[str, ...] | None:
    """Unicode scripts (RE2 names) of a language: its tag's script, else CLDR's likely one; None if unknown.

    Examples
    --------
    >>> _scripts("zh"), _scripts("ja"), _scripts("sr-Latn")
    (('Han',), ('Han', 'Hiragana', 'Katakana'), ('Latin',))
    """
    from babel.core import get_global
    from fontTools.unicodedata import script_name

    parts = code.replace("-", "_").split("_")
    given = [p.title() for p in parts[1:] if len(p) == 4 and p.isalpha()]
    likely = (get_global("likely_subtags").get(parts[0].lower()) or "").split("_")
    script = given[0] if given else (likely[1] if len(likely) == 3 else None)
    if script is None:
        return None
    names = tuple(script_name(s, default="") for s in _SCRIPT_UNIONS.get(script, (script,)))
    return names if all(names) else None
