"""Redaction: personal data in free text replaced by typed placeholders, counted by type.

Every output that carries free text (respondent CSV and XLSX, the SPSS verbatims,
the open-ended files, the report) gets it through :func:`redact`, by way of
:meth:`survey.study.Study.redacted`.  The policy is one: each span found becomes
``[TYPE]``, labels stay ("WeChat: [HANDLE]"), and the counts per type go to the run
summary and the report's disclosure section.  ``--no-redact`` skips it (and says so),
``--include-personal`` keeps the personal-data columns themselves.

Types (:data:`TYPES`), in the order their detectors run (an earlier one shields the
text it takes from the later ones):

======================  ==========================================  ==============================
type                    found by                                    ours (and why)
======================  ==========================================  ==============================
``EMAIL``               one regular expression                      the syntax is simple; mail
                                                                    libraries validate, not find
``URL``                 ``linkify-it-py`` (bare domains, IANA TLDs)  scheme/``www.`` URLs up to
                                                                    spaces, quotes or CJK; a TLD
                                                                    in capitals is a typo
``IP``                  :mod:`ipaddress` confirms a pattern's find  the pattern
``HANDLE``              no library                                  lead-ins (WeChat, QQ, IG ...)
                                                                    from the data files; @names
``NATIONAL_ID``         ``python-stdnum``: every identifier of the  candidates in prose; when a
                        study's countries, China's resident id, US  bare number may count
                        SSN; validation and checksums               (:mod:`survey.text.numbers`)
``PHONE``               ``phonenumbers`` ``PhoneNumberMatcher``      lead-ins; dates, premium-rate
                        (VALID per country; POSSIBLE after a        numbers and amounts left out
                        lead-in)
``ADDRESS``             no library finds addresses in prose         a rule set per address style
                        (``usaddress`` parses, it cannot find)      (:mod:`survey.text.addresses`)
``NAME``                no library                                  names after per-language
                                                                    lead-ins; the answers to
                                                                    ``personal: true`` questions
                                                                    wherever they recur
                                                                    (``pyahocorasick`` finds them)
======================  ==========================================  ==============================

The words (lead-ins, titles, surnames, street types, units) are data, one file per
language in ``survey/text/leadins/``; the study's ``languages`` say which apply and its
``study.countries`` which phone formats and identifiers.

What it is: pattern matching and checksums, not understanding.  It misses names
mentioned in passing ("my friend Amy Chen helped") or written in lower case, ids
without a label ("add me: amy_2020"), bare numbers that are neither valid identifiers
nor valid phone numbers of the study's countries, addresses of other shapes than the
data files describe; and it takes for personal data what has its shape (a ten-digit
order number that is a valid US phone number, "Contact Red Cross").  A person must
still read the accounts before they are published verbatim.

Speed: one vectorised RE2 pass (pyarrow) over all texts keeps those any detector
could change, a second pass per detector on those says which detectors to run
(:func:`hints`); ``tests/test_redact.py::test_prefilter_misses_nothing`` checks that
the passes drop nothing a detector would change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from survey.text import detect
from survey.text.numbers import SEPARATORS
from survey.text.textsearch import fold as casefold
from survey.text.textsearch import is_text, may_match, prepare, required_literals
from survey.text.words import LATIN, fold

#: Placeholder types, in the order their detectors run and the counts are given.
TYPES = detect.ORDER


@dataclass(frozen=True)
class Policy:
    """What to look for: the study's countries and languages.

    Parameters
    ----------
    countries : tuple of str
        ISO 3166-1 alpha-2 codes (``study.countries`` of the instrument): phone
        numbers written in these countries' national formats, and their national
        identifiers (python-stdnum).  Empty: international ``+`` numbers only (China's
        resident id and the US SSN are looked for in any case).
    languages : tuple of str
        Languages whose lead-ins and address words apply (files in
        ``survey/text/leadins/``); empty: every language that has a file.

    Examples
    --------
    >>> Policy(("CN", "US"), ("en", "zh")).languages
    ('en', 'zh')
    """

    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @classmethod
    def for_instrument(cls, instrument: Any) -> Policy:
        """The policy an instrument declares (``study.countries``, ``languages``)."""
        return cls(tuple(instrument.countries), tuple(instrument.languages))

    @property
    def rules(self) -> detect.Rules:
        languages = self.languages or detect.languages_with_leadins()
        return detect.compile_rules(tuple(c.upper() for c in self.countries), tuple(languages))


#: A full-width Latin letter: the detectors see it folded to ASCII, which the hints
#: below do not spell out, so such a text goes to every detector.
_WIDE_LETTER = "[Ａ-Ｚａ-ｚ]"
_AT = "[@＠]"


def _sep() -> str:
    """RE2 class of :data:`survey.text.numbers.SEPARATORS`, Unicode spaces and full-width forms."""
    chars = [*SEPARATORS, *(chr(ord(c) + 0xFEE0) for c in SEPARATORS if "!" <= c <= "~")]
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + r"\s\p{Zs}]"


def _words(literals: Sequence[str], after: bool = True) -> str:
    """RE2: any of ``literals``, case ignored, with no ASCII letter next to a Latin end."""
    groups: dict[tuple[bool, bool], list[str]] = {}
    for lit in sorted(set(literals), key=lambda x: (-len(x), x)):
        edges = (bool(re.match("[A-Za-z]", lit)), after and bool(re.search("[A-Za-z]$", lit)))
        groups.setdefault(edges, []).append(r"[\s\p{Z}]+".join(map(re.escape, lit.split())))
    parts = [
        ("(?:^|[^A-Za-z])" if b else "")
        + "(?i:"
        + "|".join(alts)
        + ")"
        + ("(?:[^A-Za-z]|$)" if e else "")
        for (b, e), alts in groups.items()
    ]
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


@dataclass(frozen=True)
class Hints:
    """RE2 patterns: ``first`` matches every text any detector could change; ``steps`` one per
    detector of :data:`survey.text.detect.STEPS`, each matching every text it could change."""

    first: str
    steps: dict[str, str]


@lru_cache(maxsize=32)
def hints(rules: detect.Rules) -> Hints:
    """The prefilter patterns of a study's detectors (each mirrors what its detector needs).

    A detector sees the text width-folded and case-insensitively where its lead-ins
    are concerned; the patterns look at the original text, hence the full-width forms.
    """
    words = rules.words
    latin = [w for w in words if w.language not in detect.CJK_LANGUAGES]
    cjk = [w for w in words if w.language in detect.CJK_LANGUAGES]
    digits6 = rf"\p{{Nd}}(?:{_sep()}{{0,3}}\p{{Nd}}){{5,}}"
    handles = _words([x for w in words for x in w.handle])
    names = []
    if latin:
        leads = _words([x for w in latin for x in (*w.name, *w.name_weak)], after=False)
        titles = _words([x for w in latin for x in w.titles], after=False)
        names.append(rf"{leads}[\s\p{{Z}}:,，：]+(?:{titles}[.．]?[\s\p{{Z}}]+)?\p{{Lu}}")
    if cjk:
        leads = _words([x for w in cjk for x in (*w.name, *w.name_weak)])
        surnames = "|".join(sorted({x for w in cjk for x in w.surnames}))
        names.append(
            rf"{leads}(?:[\s\p{{Z}}]*[:：][\s\p{{Z}}]*\p{{Han}}|[\s\p{{Z}}]*(?:{surnames}))"
        )
    steps = {
        "email": _AT,
        "url": rf"[:：][/／][/／]|(?i:www)[.．]|[A-Za-z\p{{Nd}}\-－][.．][a-z]{{2}}|{_WIDE_LETTER}",
        "ip": r"\p{Nd}{1,3}[.．]\p{Nd}{1,3}[.．]\p{Nd}{1,3}[.．]\p{Nd}|[:：][0-9A-Fa-f０-９Ａ-Ｆａ-ｆ]{0,4}[:：]",
        "handle": rf"{handles}|{_WIDE_LETTER}",
        "mention": _AT,
        "id_leadin": rf"{_words([x for w in words for x in w.national_id])}|{_WIDE_LETTER}",
        "phone": digits6,
        "phone_leadin": rf"{_words([x for w in words for x in w.phone])}|{_WIDE_LETTER}",
        "id_bare": digits6,
        "address": "|".join(
            [p for w in words for p in _address_hints(w.address or {})] + [_WIDE_LETTER]
        ),
        "name": "|".join([*names, _WIDE_LETTER]),
    }
    name_leads = _words([x for w in words for x in (*w.name, *w.name_weak)])
    # Every address, identifier and phone number holds a digit.
    first = (
        rf"\p{{Nd}}|{_AT}|[:：][/／]|(?i:www)|[.．][a-z]{{2}}|{_WIDE_LETTER}|{handles}|{name_leads}"
    )
    return Hints(first, steps)


def _literals(patterns: Sequence[str]) -> list[str]:
    """The literals one of which each pattern needs ("" for a pattern that needs none: it
    then lets every text through)."""
    out: list[str] = []
    for p in patterns:
        out += list(required_literals(p) or [""])
    return out


def _address_hints(spec: dict[str, Any]) -> list[str]:
    layout = spec.get("layout")
    box = _words(_literals(spec.get("po_box", ())), after=False)
    if layout == "number_first":
        return [
            rf"\p{{Nd}}(?s:.)*{_words(spec['street_types'], after=False)}",
            rf"{box}(?s:.)*\p{{Nd}}",
        ]
    if layout == "type_first":
        return [
            rf"{_words(_literals(spec['street_types']), after=False)}(?s:.)*\p{{Nd}}",
            rf"{box}(?s:.)*\p{{Nd}}",
        ]
    if layout == "cjk":
        roads = "|".join(spec["roads"]) + "|" + "|".join(spec.get("estates", ()))
        return [rf"(?:{roads})\p{{Nd}}", box]
    return []


# --------------------------------------------------------------------------- personal answers


@dataclass
class _Known:
    """Personal answers (names ...) to find again in the texts: whole anywhere, parts in their own row."""

    automaton: Any
    kinds: dict[str, str]
    parts: dict[int, list[str]] = field(default_factory=dict)


def _clean(value: object) -> str:
    return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else ""


def _key(text: str) -> str:
    """Width- and case-folded, the same length as ``text`` (positions carry over)."""
    return casefold(fold(text))


def _known(personal: pd.DataFrame | None, rules: detect.Rules, index: pd.Index) -> _Known | None:
    if personal is None or personal.empty:
        return None
    import ahocorasick

    frame = personal.reindex(index)
    values = {
        v for v in (_clean(x) for col in frame.columns for x in frame[col].tolist()) if len(v) >= 2
    }
    if not values:
        return None
    ordered = sorted(values)
    hinted = may_match(prepare(ordered), hints(rules).first)
    kinds = {v: _kind(v, rules) if h else "NAME" for v, h in zip(ordered, hinted.tolist())}
    automaton = ahocorasick.Automaton()
    for v in ordered:
        automaton.add_word(_key(v), _key(v))
    automaton.make_automaton()
    known = _Known(automaton, {_key(v): k for v, k in kinds.items()})
    for position, row in enumerate(frame.itertuples(index=False)):
        parts = [
            p
            for v in map(_clean, row)
            for p in re.split(r"[\s,]+", v)
            if len(p) >= 3 and p[0].isupper()
        ]
        if parts:
            known.parts[position] = [_key(p) for p in parts]
    return known


def _kind(value: str, rules: detect.Rules) -> str:
    """The placeholder of a personal answer: what a detector calls it, else ``NAME``."""
    spans = detect.find_spans(value, rules)[1]
    if len(spans) == 1 and spans[0][1] - spans[0][0] >= len(value) / 2:
        return spans[0][2]
    return "NAME"


_WORD_CHAR = re.compile(f"[{LATIN}0-9]")


def _edges_ok(key: str, start: int, end: int) -> bool:
    """A match of a Latin-edged value must not continue a word ("Ana" in "Banana")."""
    before = key[start - 1] if start else " "
    after = key[end] if end < len(key) else " "
    word = _WORD_CHAR.match
    return not ((word(key[start]) and word(before)) or (word(key[end - 1]) and word(after)))


def _known_spans(text: str, position: int, known: _Known) -> list[detect.Span]:
    key = _key(text)
    spans = []
    for end, value in known.automaton.iter_long(key):
        start = end - len(value) + 1
        if _edges_ok(key, start, end + 1):
            spans.append((start, end + 1, known.kinds[value]))
    for part in known.parts.get(position, ()):
        for m in re.finditer(re.escape(part), key):
            if _edges_ok(key, m.start(), m.end()):
                spans.append((m.start(), m.end(), "NAME"))
    return spans


# --------------------------------------------------------------------------- one text, many texts


def find(text: str, policy: Policy | None = None) -> list[tuple[str, str]]:
    """The personal data :func:`redact` would replace in one text, as ``(type, text)`` pairs.

    Examples
    --------
    >>> find("Llame a José Pérez al 555-0188", Policy(("US",), ("es",)))
    [('NAME', 'José Pérez'), ('PHONE', '555-0188')]
    """
    return detect.find_spans(text, (policy or Policy()).rules)[0]


def _replace(text: str, spans: Sequence[detect.Span]) -> str:
    out, at = [], 0
    for start, end, kind in sorted(spans):
        out += [text[at:start], f"[{kind}]"]
        at = end
    return "".join(out) + text[at:]


def _candidates(
    texts: pd.Series, rows: np.ndarray, rules: detect.Rules, everywhere: bool
) -> list[tuple[int, str, frozenset[str] | None]]:
    """(position, text, detectors to run) of the texts some detector could change.

    Two vectorised passes: :attr:`Hints.first` over all texts, then each detector's own
    pattern over those it kept.  ``everywhere``: every text (personal answers are looked
    for in all of them), still with its detectors chosen.
    """
    patterns = hints(rules)
    arrow = _arrow(texts)
    if not everywhere:
        rows = rows[may_match(arrow, patterns.first)[rows]]
    arrow = _take(arrow, rows)
    if not len(rows):
        return []
    flags = {name: may_match(arrow, pattern) for name, pattern in patterns.steps.items()}
    names = list(flags)
    matrix = np.column_stack([flags[n] for n in names])
    chosen = [frozenset(n for n, f in zip(names, row) if f) for row in matrix.tolist()]
    return [
        (p, t, c)
        for p, t, c in zip(rows.tolist(), texts.iloc[rows].tolist(), chosen)
        if c or everywhere
    ]


def _take(arrow: object, positions: np.ndarray) -> object:
    if isinstance(arrow, list):  # texts that cannot be UTF-8 (see textsearch.prepare)
        return type(arrow)(arrow[i] for i in positions.tolist())
    import pyarrow as pa

    return arrow.take(pa.array(positions))  # type: ignore[attr-defined]


def _text_spans(
    text: str,
    position: int,
    rules: detect.Rules,
    known: _Known | None,
    only: frozenset[str] | None = None,
) -> list[detect.Span]:
    spans = detect.find_spans(text, rules, only)[1]
    if known is not None:
        spans += [
            s
            for s in _known_spans(text, position, known)
            if not any(s[0] < e and b < s[1] for b, e, _ in spans)
        ]
        spans = _disjoint(spans)
    return spans


def _disjoint(spans: list[detect.Span]) -> list[detect.Span]:
    """Spans that overlap none before them (longest first among those starting together)."""
    kept: list[detect.Span] = []
    for s in sorted(spans, key=lambda s: (s[0], s[0] - s[1])):
        if not kept or s[0] >= kept[-1][1]:
            kept.append(s)
    return kept


def redact(
    texts: pd.Series, policy: Policy | None = None, *, personal: pd.DataFrame | None = None
) -> tuple[pd.Series, dict[str, int]]:
    """Replace personal data in free text with typed placeholders.

    Parameters
    ----------
    texts : pandas.Series
        Free text; missing values (and anything that is not a str) stay as they are.
    policy : Policy, optional
        The study's countries and languages (default: no country, every language).
    personal : pandas.DataFrame, optional
        Answers to the instrument's personal-data questions (names ...), on the index
        of ``texts``: each is replaced wherever it recurs in any text (``[NAME]``, or
        the type a detector gives it), and each capitalised word of it in the
        respondent's own text.

    Returns
    -------
    redacted : pandas.Series
        Same index, name and dtype.
    counts : dict of str to int
        Replacements per type, every type of :data:`TYPES` present (0 when none).

    Examples
    --------
    >>> out, n = redact(pd.Series(["Mail amy@example.com", "We sent 30,000 masks"]))
    >>> out.tolist(), n["EMAIL"], n["PHONE"]
    (['Mail [EMAIL]', 'We sent 30,000 masks'], 1, 0)
    """
    policy = policy or Policy()
    rules = policy.rules
    counts = dict.fromkeys(TYPES, 0)
    present = is_text(texts)
    rows = np.flatnonzero(present)
    known = _known(personal, rules, texts.index)
    if not len(rows):
        return texts.copy(), counts
    changed: dict[int, str] = {}
    for position, text, only in _candidates(texts, rows, rules, everywhere=known is not None):
        spans = _text_spans(text, position, rules, known, only)
        if spans:
            changed[position] = _replace(text, spans)
            for _, _, kind in spans:
                counts[kind] += 1
    return _with(texts, changed), counts


def _arrow(texts: pd.Series) -> object:
    """All of ``texts`` for :func:`may_match`: Arrow-backed strings as they are, others converted
    (values that are not str as missing)."""
    if isinstance(texts.dtype, pd.StringDtype):
        import pyarrow as pa

        try:
            return pa.array(texts.array)  # no copy of Arrow-backed strings
        except (UnicodeEncodeError, pa.ArrowInvalid):
            pass
    return prepare([v if type(v) is str else None for v in texts.to_numpy(dtype=object).tolist()])


def _with(texts: pd.Series, changed: dict[int, str]) -> pd.Series:
    """``texts`` with the values at the positions of ``changed`` replaced (same dtype)."""
    out = texts.copy()
    if changed:
        out.iloc[np.fromiter(changed, dtype=np.int64, count=len(changed))] = np.array(
            list(changed.values()), dtype=object
        )
    return out
