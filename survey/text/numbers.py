"""Phone numbers (``phonenumbers``) and national identifiers (``python-stdnum``) in prose.

Phone numbers: Google's libphonenumber finds them (``PhoneNumberMatcher``), at
``Leniency.VALID`` for each of the study's countries (international ``+`` numbers in any
case), and at ``Leniency.POSSIBLE`` for the number right after a contact lead-in
("call 555-0188").  Ours, small: leaving out what it takes for a number but no
respondent gives as theirs (a date and the number after it, premium-rate numbers, a
number followed by a currency or a unit).

Identifiers: stdnum validates them, every identifier it has for the study's countries
plus China's resident id and the US SSN (:data:`ALWAYS_IDS`).  Ours: the candidate
number groups in prose (:func:`number_groups`), and when a number that validates counts
without a lead-in (:func:`bare_ok`: written in the identifier's own grouping, or a number
that a random one of the same shape would pass less than once in a hundred times, so
that nine-digit order numbers, which pass the SSN's range checks, survive).  After a
lead-in naming an identifier ("SSN", "身份证号") the number is taken even when its
checksum fails: a typo of one's own number still identifies one.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import re
from collections.abc import Sequence
from functools import cache
from types import ModuleType

from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from survey.text.words import Span, Words, alternation, mask, starts_word

#: Identifiers looked for whatever countries the study declares.
ALWAYS_IDS = ("cn.ric", "us.ssn")
#: A validating number without a lead-in counts when a random number of its shape
#: would validate less often than this (see :func:`bare_ok`).
BARE_CHANCE = 0.01
#: ... or when it is written in the identifier's own grouping and the identifier rejects
#: some numbers of its shape: stdnum's us.atin and us.tin check the format only (every
#: ``NNN-NN-NNNN`` passes), so an SSN-shaped claim number is theirs only after a lead-in.
FORMATTED_CHANCE = 0.99
#: What stdnum raises for a number that is not valid: its ValidationError, and on some
#: odd input a lookup error of its own (stdnum 2.2's cn.ric: KeyError for some regions).
_NOT_VALID = (ValidationError, ValueError, KeyError, IndexError)
#: What may separate the digits of a phone number or an identifier ("(212) 555-0147").
SEPARATORS = " \t-.,/()+'‐‑‒–—―−·"
#: Phone numbers and bare identifiers hold six digits close together (in a folded text).
DIGITS = re.compile(rf"\d(?:[{re.escape(SEPARATORS)}\s]{{0,3}}\d){{5,}}")
#: At most this many groups of digits make one identifier ("ES91 2100 0418 4502 0005 1332").
MAX_GROUPS = 8


# --------------------------------------------------------------------------- national identifiers


_TOKEN = re.compile(r"[A-Za-z0-9]+")
_ID_SEPARATORS = " -./"


@cache
def id_modules(countries: tuple[str, ...]) -> tuple[ModuleType, ...]:
    """Every stdnum identifier of the countries (plus :data:`ALWAYS_IDS`), in a fixed order.

    Examples
    --------
    >>> [m.__name__ for m in id_modules(("CN",))]
    ['stdnum.cn.ric', 'stdnum.us.ssn', 'stdnum.cn.uscc']
    """
    names = list(ALWAYS_IDS)
    for country in countries:
        try:
            package = importlib.import_module(f"stdnum.{country.lower()}")
        except ImportError:  # stdnum has no identifiers of this country
            continue
        names += [f"{country.lower()}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    modules = [importlib.import_module(f"stdnum.{n}") for n in dict.fromkeys(names)]
    return tuple(m for m in modules if hasattr(m, "validate"))


_DIGIT_TOKEN = r"[A-Za-z]*\d[A-Za-z0-9]*"
_GROUP = re.compile(
    rf"(?<![A-Za-z0-9])(?:[A-Za-z][ ./-])?{_DIGIT_TOKEN}(?:[ ./-](?:{_DIGIT_TOKEN}|[A-Za-z](?![A-Za-z0-9])))*"
)


def number_groups(text: str, start: int = 0) -> list[list[tuple[int, int]]]:
    """Runs of letters and digits joined by single separators, as lists of (start, end) tokens.

    A token takes part when it holds a digit or is a single letter (the "X" of a Chinese
    id, the letter of a Spanish DNI); any other word breaks a group.

    Examples
    --------
    >>> number_groups("SSN 123-45-6789 or X-1234567-L")
    [[(4, 7), (8, 10), (11, 15)], [(19, 20), (21, 28), (29, 30)]]
    """
    return [
        [(m.start(), m.end()) for m in _TOKEN.finditer(text, g.start(), g.end())]
        for g in _GROUP.finditer(text, start)
    ]


def _compact(raw: str) -> str:
    return "".join(c for c in raw if c not in _ID_SEPARATORS).upper()


@cache
def digit_length_ok(module: ModuleType, n: int) -> bool:
    """Whether a number of ``n`` digits alone (5 to 30) can be ``module``'s: some such number
    fails for another reason than its length or format (or passes).

    Asked per length as numbers are met (a run meets a few lengths of the 26): each length
    draws its own seeded samples, the all-ones number first, so the answer does not depend
    on which lengths were asked before.

    Examples
    --------
    >>> from stdnum.us import ssn
    >>> [n for n in range(5, 31) if digit_length_ok(ssn, n)]
    [9]
    """
    from stdnum.exceptions import InvalidFormat, InvalidLength

    rng = random.Random(f"{module.__name__}:{n}")
    for sample in [
        "1" * n,
        *("".join(rng.choice("0123456789") for _ in range(n)) for _ in range(20)),
    ]:
        try:
            module.validate(sample)
        except (InvalidLength, InvalidFormat):
            continue
        except _NOT_VALID:
            pass
        return True
    return False


def _validates(module: ModuleType, compact: str) -> bool:
    try:
        module.validate(compact)
    except _NOT_VALID:
        return False
    return True


def _shaped(module: ModuleType, compact: str) -> bool:
    """Valid, or wrong only in its checksum or a component's range (a typo of a real one)."""
    try:
        module.validate(compact)
    except (InvalidChecksum, InvalidComponent):
        return True
    except _NOT_VALID:
        return False
    return True


def _formatted(module: ModuleType, raw: str, compact: str) -> bool:
    """Written in the identifier's own grouping ("123-45-6789"), whichever separators."""
    if not hasattr(module, "format"):  # the compact form is the written one
        return False
    try:
        written = module.format(compact)
    except _NOT_VALID:
        return False
    same = str.maketrans({c: "-" for c in _ID_SEPARATORS})
    return any(c in written for c in _ID_SEPARATORS) and raw.upper().translate(
        same
    ) == written.upper().translate(same)


@cache
def chance(module: ModuleType, shape: str, draws: int = 2000) -> float:
    """How often a random number of ``shape`` (``9`` a digit, ``A`` a letter) validates
    (seeded by the shape: the same answer every run).

    Examples
    --------
    >>> from stdnum.cn import ric
    >>> chance(ric, "9" * 18) < 0.01
    True
    """
    rng = random.Random(shape)
    hits = 0
    for _ in range(draws):
        sample = "".join(
            rng.choice("0123456789")
            if c == "9"
            else rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            if c == "A"
            else c
            for c in shape
        )
        hits += _validates(module, sample)
    return hits / draws


def bare_ok(module: ModuleType, raw: str, compact: str) -> bool:
    """Whether a number that validates counts without a lead-in: a shape that random numbers
    pass less often than :data:`BARE_CHANCE`, or written in the identifier's own grouping
    for an identifier that random numbers of its shape do not all pass (:data:`FORMATTED_CHANCE`).

    Examples
    --------
    >>> from stdnum.us import ssn
    >>> bare_ok(ssn, "123-45-6789", "123456789"), bare_ok(ssn, "123456789", "123456789")
    (True, False)
    """
    shape = "".join("9" if c.isdigit() else "A" for c in compact)
    odds = chance(module, shape)
    return odds < BARE_CHANCE or (odds < FORMATTED_CHANCE and _formatted(module, raw, compact))


def _subgroups(group: list[tuple[int, int]], first_only: bool = False) -> list[tuple[int, int]]:
    """(start, end) of every run of consecutive tokens, longest first."""
    spans = [
        (group[i][0], group[j][1])
        for i in range(1 if first_only else len(group))
        for j in range(i, min(len(group), i + MAX_GROUPS))
    ]
    return sorted(spans, key=lambda s: (s[0] - s[1], s[0]))


def bare_ids(text: str, modules: Sequence[ModuleType]) -> list[Span]:
    """Numbers that validate as an identifier and could hardly do so by chance."""
    if not DIGITS.search(text):
        return []
    found: list[Span] = []
    for group in number_groups(text):
        for start, end in _subgroups(group):
            if any(s < end and start < e for s, e, _ in found):
                continue
            raw = text[start:end]
            compact = _compact(raw)
            if not 5 <= len(compact) <= 30:
                continue
            digits = compact.isdigit()
            if any(
                (not digits or digit_length_ok(m, len(compact)))
                and _validates(m, compact)
                and bare_ok(m, raw, compact)
                for m in modules
            ):
                found.append((start, end, "NATIONAL_ID"))
    return found


def id_pattern(words: Sequence[Words]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(lead-ins naming an identifier, the fillers that may follow them)."""
    lead = re.compile(
        "(?i)" + alternation((w for ws in words for w in ws.national_id), before=False)
    )
    fillers = alternation(w for ws in words for w in ws.fillers)
    return lead, re.compile(rf"(?i)(?:[\s:#=,.\-]|{fillers})*")


def ids_after_leadins(
    text: str, leadins: re.Pattern[str], gap: re.Pattern[str], modules: Sequence[ModuleType]
) -> list[Span]:
    """The number right after "SSN", "身份证号" ...: taken even when its checksum fails.

    The longest run of its tokens that has the shape of one of the identifiers
    (:func:`_shaped`, eight characters or more), else the longest one that holds at
    least six digits ("RFC 5830" is not a Mexican tax number).
    """
    found: list[Span] = []
    for lead in leadins.finditer(text):
        if not starts_word(text, lead.start()):
            continue
        filled = gap.match(text, lead.end())  # ``(...)*``: matches, empty at least
        at = filled.end() if filled else lead.end()
        if at - lead.end() > 24:
            continue
        groups = number_groups(text, at)
        if not groups or groups[0][0][0] != at:
            continue
        runs = _subgroups(groups[0], first_only=True)
        shaped = [
            (s, e)
            for s, e in runs
            if len(_compact(text[s:e])) >= 8
            and any(_shaped(m, _compact(text[s:e])) for m in modules)
        ]
        digits = [
            (s, e)
            for s, e in runs
            if sum(c.isdigit() for c in text[s:e]) >= 6
            and (text[e - 1].isdigit() or text[e - 1].isupper())
        ]
        best = (shaped or digits)[:1]
        found += [(s, e, "NATIONAL_ID") for s, e in best]
    return found


# --------------------------------------------------------------------------- phone numbers


_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


def phones(
    text: str, regions: Sequence[str], quantity: re.Pattern[str] | None = None
) -> list[Span]:
    """Valid numbers of each of the study's regions (libphonenumber, ``Leniency.VALID``).

    Left out: premium-rate and shared-cost numbers (nobody's own; "16088497" is one in
    China), and a number followed by a currency or a unit (``quantity``: "16088497 yuan").
    """
    from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType, number_type

    if not DIGITS.search(text):
        return []
    service = (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST)
    found: list[Span] = []
    for region in regions:
        rest = mask(text, found)
        found += [
            (m.start, m.end, "PHONE")
            for m in PhoneNumberMatcher(rest, region, leniency=Leniency.VALID)
            if not _not_a_phone(m.raw_string)
            and number_type(m.number) not in service
            and not (quantity is not None and quantity.match(rest, m.end))
        ]
    return found


_DATE_FIRST = re.compile(r"(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:[0-2]?\d|3[01])(?!\d)")
_SENTENCE_END = re.compile(r"[.!?;。！？；]\s")


def _not_a_phone(raw: str) -> bool:
    """A date and the number after it ("arrived on 2020-03-15. 35 volunteers"): libphonenumber
    takes "2020031535" for a Guangzhou number; a phone number starts with no date and holds
    no sentence end."""
    return bool(_DATE_FIRST.match(raw) or _SENTENCE_END.search(raw))


def phones_after_leadins(text: str, regions: Sequence[str], leadins: re.Pattern[str]) -> list[Span]:
    """The number right after "call", "llame al", "电话": ``Leniency.POSSIBLE`` (local numbers
    such as ``555-0188``), no digit or sentence end between, dates left out."""
    from phonenumbers import Leniency, PhoneNumberMatcher

    if not DIGITS.search(text):
        return []
    found: list[Span] = []
    for lead in leadins.finditer(text):
        window = text[lead.end() : lead.end() + 48]
        filled = re.match(r"[^\d.!?。！？\n]{0,20}", window)  # matches, empty at least
        gap = filled.end() if filled else 0
        if not starts_word(text, lead.start()) or gap == len(window) or not window[gap].isdigit():
            continue
        for region in regions:
            m = next(iter(PhoneNumberMatcher(window, region, leniency=Leniency.POSSIBLE)), None)
            if (
                m is not None
                and m.start <= gap
                and not _DATE.fullmatch(m.raw_string)
                and not _not_a_phone(m.raw_string)
            ):
                found.append((lead.end() + m.start, lead.end() + m.end, "PHONE"))
                break
    return found
