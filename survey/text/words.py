"""What the detectors of personal data share: the working text and the per-language data.

The detectors (:mod:`survey.text.detect`, :mod:`survey.text.numbers`,
:mod:`survey.text.addresses`) look at a *working copy* of each text: full-width forms
and other decimal digits folded to ASCII (:func:`fold`, one character for one, so
positions stay those of the original), and every span found so far overwritten with
:data:`MASK` (:func:`mask`), so that a later detector never sees what an earlier one
took.  Lead-ins, titles, surnames and street words are data, one file per language in
``survey/text/leadins/<lang>.yaml`` (:class:`Words`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from survey.errors import InstrumentError
from survey.instrument.loading import safe_load

#: Written over each span found, in the working copy only.
MASK = "\x00"
LEADINS = Path(__file__).with_name("leadins")
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Languages written without capitals or spaces: names after lead-ins by surname.
CJK_LANGUAGES = ("zh", "ja", "ko")
LATIN = "A-Za-zÀ-ÖØ-öø-ÿĀ-ɏ"
#: (start, end, placeholder type) in a text.
Span = tuple[int, int, str]


# --------------------------------------------------------------------------- text


class _FoldTable(dict[int, int]):
    """Code point -> its ASCII form for :func:`fold`, filled as characters are met.

    Full-width forms and wide spaces are listed; any other decimal digit is found when first
    seen (``str.isdecimal``), so that no run pays for a scan of all of Unicode.
    """

    def __missing__(self, cp: int) -> int:
        char = chr(cp)
        self[cp] = ord("0") + int(char) if char.isdecimal() else cp
        return self[cp]


_FOLD = _FoldTable({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
_FOLD.update({cp: 0x20 for cp in (0x3000, 0x00A0, 0x202F, 0x205F, *range(0x2000, 0x200B))})


def fold(text: str) -> str:
    """Full-width forms, wide spaces and every decimal digit as ASCII; same length.

    Examples
    --------
    >>> fold("电话：１３９ １２３４")
    '电话:139 1234'
    """
    return text if text.isascii() else text.translate(_FOLD)


def mask(text: str, spans: Iterable[Span]) -> str:
    """``text`` with every span overwritten by :data:`MASK` (same length).

    Examples
    --------
    >>> mask("QQ: 12345 ok", [(4, 9, "HANDLE")]) == "QQ: " + MASK * 5 + " ok"
    True
    """
    for start, end, _ in sorted(spans):
        text = text[:start] + MASK * (end - start) + text[end:]
    return text


# --------------------------------------------------------------------------- language data


@dataclass(frozen=True)
class Words:
    """One language's lead-ins and address words (a ``leadins/<lang>.yaml`` file)."""

    language: str
    name: tuple[str, ...] = ()
    name_weak: tuple[str, ...] = ()
    phone: tuple[str, ...] = ()
    national_id: tuple[str, ...] = ()
    handle: tuple[str, ...] = ()
    handle_labels: tuple[str, ...] = ()
    fillers: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    particles: tuple[str, ...] = ()
    not_names: tuple[str, ...] = ()
    quantity: tuple[str, ...] = ()
    contact_labels: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()
    address: Any = None


def languages_with_leadins() -> tuple[str, ...]:
    """Languages that have a lead-in file.

    Examples
    --------
    >>> languages_with_leadins()
    ('en', 'es', 'zh')
    """
    return tuple(sorted(p.stem for p in LEADINS.glob("*.yaml")))


@cache
def load_words(lang: str) -> Words:
    """The lead-in file of ``lang``; :class:`InstrumentError` names a missing, broken or misspelt one.

    Examples
    --------
    >>> "llame a" in load_words("es").name
    True
    """
    path = LEADINS / f"{lang}.yaml"
    try:
        doc = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InstrumentError(
            f"{path}: cannot read the lead-ins of language '{lang}' ({exc})"
        ) from None
    known = set(Words.__dataclass_fields__)
    if not isinstance(doc, dict) or set(doc) - known:
        unknown = sorted(set(doc) - known) if isinstance(doc, dict) else doc
        raise InstrumentError(f"{path}: unknown keys {unknown}; the keys are {sorted(known)}")
    fields = {
        k: tuple(str(v) for v in doc.get(k) or ())
        for k in known
        if k not in ("language", "address")
    }
    return Words(language=lang, address=doc.get("address"), **fields)


# --------------------------------------------------------------------------- building patterns


def phrase(text: str, before: bool = True) -> str:
    """A regex for a lead-in: any white space between words; at a Latin letter's end, no letter next.

    ("QQ2876543190" and "请加QQ" are lead-ins, "wxabc" is not.)  ``before=False`` leaves
    the check before the lead-in to the caller (:func:`starts_word`): a look-behind first
    in every alternative keeps Python's ``re`` from skipping ahead to the letters that
    can start a match, which costs more than the rest of the search.

    Examples
    --------
    >>> bool(re.fullmatch(phrase("contact person"), "contact   person"))
    True
    >>> re.search(phrase("wx"), "wxabc") is None
    True
    """
    return "".join(_phrase_parts(text, before))


def _phrase_parts(text: str, before: bool) -> tuple[str, str, str]:
    """(look-behind, body, look-ahead) of :func:`phrase`."""
    body = r"\s+".join(re.escape(part) for part in text.split())
    behind = f"(?<![{LATIN}])" if before and re.match(f"[{LATIN}]", text[0]) else ""
    after = f"(?![{LATIN}])" if re.match(f"[{LATIN}]", text[-1]) else ""
    return behind, body, after


def alternation(items: Iterable[str], escape: bool = True, before: bool = True) -> str:
    """``(?:a|b|...)`` of :func:`phrase` (``escape=False``: of regexes), longest first, so
    that "contact person" wins over "contact"; ``(?!)`` (never matches) when empty.

    Examples
    --------
    >>> re.match(alternation(["contact", "contact person"]), "contact person: Li").group(0)
    'contact person'
    """
    items = sorted(set(items), key=lambda s: (-len(s), s))
    if not items:
        return "(?!)"
    if not escape:
        return "(?:" + "|".join(items) + ")"
    runs: list[tuple[str, str, list[str]]] = []  # neighbours with the same look-arounds share them
    for item in items:
        behind, body, after = _phrase_parts(item, before)
        if runs and runs[-1][:2] == (behind, after):
            runs[-1][2].append(body)
        else:
            runs.append((behind, after, [body]))
    return (
        "(?:"
        + "|".join(
            b + (bodies[0] if len(bodies) == 1 else "(?:" + "|".join(bodies) + ")") + a
            for b, a, bodies in runs
        )
        + ")"
    )


_LATIN_CHAR = re.compile(f"[{LATIN}]")


def starts_word(text: str, at: int) -> bool:
    """No Latin letter runs into ``text[at]`` from before (when that is a Latin letter).

    Examples
    --------
    >>> starts_word("recall", 2), starts_word("请加QQ", 2)
    (False, True)
    """
    return at == 0 or not (_LATIN_CHAR.match(text, at) and _LATIN_CHAR.match(text, at - 1))
