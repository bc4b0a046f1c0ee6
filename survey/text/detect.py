"""Detectors of personal data in one text, and the order they run in (:func:`find_spans`).

:mod:`survey.text.redact` says what comes from which library and what is ours.  Here:
e-mail addresses and IP addresses (one regular expression each, IP addresses
confirmed by :mod:`ipaddress`); URLs with a scheme or ``www.`` (a regular expression)
and bare domains (``linkify-it-py`` with the IANA list of top-level domains);
handles introduced as such and @names; names after the lead-ins of the study's
languages.  Phone numbers and identifiers are in :mod:`survey.text.numbers`,
addresses in :mod:`survey.text.addresses`.

Examples
--------
>>> rules = compile_rules(("US",), ("es",))
>>> find_spans("Llame a José Pérez al 555-0188", rules)[0]
[('NAME', 'José Pérez'), ('PHONE', '555-0188')]
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

from survey.text.addresses import address_pattern, addresses
from survey.text.numbers import (
    bare_ids,
    id_modules,
    id_pattern,
    ids_after_leadins,
    phones,
    phones_after_leadins,
)
from survey.text.words import (
    CJK,
    CJK_LANGUAGES,
    MASK,
    Span,
    Words,
    alternation,
    fold,
    languages_with_leadins,
    load_words,
    mask,
    starts_word,
)

#: Placeholder types in the order the detectors run; earlier ones shield later ones.
ORDER = ("EMAIL", "URL", "IP", "HANDLE", "NATIONAL_ID", "PHONE", "ADDRESS", "NAME")


# --------------------------------------------------------------------------- e-mail, URL, IP


_EMAIL = re.compile(
    r"(?<![A-Za-z0-9À-ÖØ-öø-ÿ._%+-])[A-Za-z0-9À-ÖØ-öø-ÿ._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z-])"
)
_URL = re.compile(
    rf"(?i)(?:(?<![A-Za-z])(?:https?|ftp)://|(?<![A-Za-z0-9.@])www\.)[^\s<>\"'()\[\]{CJK}\u3000-\u303f\uff00-\uffef{MASK}]+"
    r"(?<![.,;:!?])"
)
_BARE_DOMAIN = re.compile(r"[A-Za-z0-9-]\.[a-z]{2,}")
_CJK_OR_MARK = re.compile(f"[{CJK}\u3000-\u303f]")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.-]){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)")
_IPV6 = re.compile(
    r"(?<![\w:])(?=[0-9A-Fa-f:]*\d)(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
)


def emails(text: str) -> list[Span]:
    """E-mail addresses (an ASCII or Latin local part, a domain with a top level of letters).

    Examples
    --------
    >>> emails("邮箱amy@example.com如果")
    [(2, 17, 'EMAIL')]
    """
    return [(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]


@lru_cache(maxsize=1)
def _linkify() -> Any:
    from linkify_it import LinkifyIt
    from linkify_it.tlds import TLDS

    return LinkifyIt(options={"fuzzy_email": False}).tlds(TLDS, True)


def urls(text: str) -> list[Span]:
    """Scheme and ``www.`` URLs, then bare domains with a lower-case top level (linkify-it-py)."""
    found = [(m.start(), m.end(), "URL") for m in _URL.finditer(text)]
    rest = mask(text, found)
    if not _BARE_DOMAIN.search(rest):
        return found
    # CJK text next to a domain is no word boundary for linkify: blank it (same length).
    plain = _CJK_OR_MARK.sub(" ", rest)
    for link in _linkify().match(plain) or ():
        host = re.split(r"[/?#:]", link.raw, maxsplit=1)[0]
        if link.schema == "" and host.rsplit(".", 1)[-1].islower():
            found.append((link.index, link.last_index, "URL"))
    return found


def ips(text: str) -> list[Span]:
    """IPv4 addresses, and IPv6 ones :mod:`ipaddress` accepts ("14:30:00" is none).

    Examples
    --------
    >>> ips("from 2001:db8::1 at 14:30:00, then 10.0.0.1")
    [(35, 43, 'IP'), (5, 16, 'IP')]
    """
    found = [(m.start(), m.end(), "IP") for m in _IPV4.finditer(text)]
    for m in _IPV6.finditer(text):
        try:
            ipaddress.IPv6Address(m.group(0))
        except ValueError:
            continue
        found.append((m.start(), m.end(), "IP"))
    return found


# --------------------------------------------------------------------------- handles


_MENTION = re.compile(
    rf"(?<![A-Za-z0-9.%+@/-])@(?:[A-Za-z0-9_](?:[A-Za-z0-9_.]{{0,28}}[A-Za-z0-9_])?(?![A-Za-z0-9_@])|[{CJK}]{{1,12}})"
)
_HANDLE_ID = r"@?[A-Za-z0-9][A-Za-z0-9_.-]{2,29}(?<![.-])(?![A-Za-z0-9_-])"


def handle_pattern(words: Sequence[Words]) -> re.Pattern[str]:
    """A handle lead-in, an optional label ("ID", "号"), a separator, the id."""
    lead = alternation((w for ws in words for w in ws.handle), before=False)
    labels = alternation(w for ws in words for w in ws.handle_labels)
    return re.compile(
        rf"(?i){lead}(?P<label>[\s,]*{labels})?(?P<sep>\s*[:=]\s*|\s*[是为]\s*|\s+(?:is\s+)?|\s*)"
        rf"(?P<id>{_HANDLE_ID})"
    )


def handles(text: str, pattern: re.Pattern[str]) -> list[Span]:
    """Ids introduced as such ("WeChat: amy_2020", "QQ 2876543190").

    After a colon, "是" or a label the id may be any word; after a plain space or "is"
    it must hold a digit, ``_`` or ``-`` ("WeChat is popular" keeps its word).
    """
    found = []
    for m in pattern.finditer(text):
        if not starts_word(text, m.start()):
            continue
        strong = bool(m.group("label")) or bool(re.search(r"[:=是为]", m.group("sep")))
        if strong or re.search(r"[\d_-]", m.group("id")):
            found.append((m.start("id"), m.end("id"), "HANDLE"))
    return found


def mentions(text: str) -> list[Span]:
    """``@names`` that are not part of an e-mail address (those are found first)."""
    return [(m.start(), m.end(), "HANDLE") for m in _MENTION.finditer(text)]


# --------------------------------------------------------------------------- names


@dataclass(frozen=True)
class NameRules:
    """Compiled name lead-ins of the study's languages."""

    latin: re.Pattern[str] | None
    cjk: re.Pattern[str] | None
    particles: frozenset[str]
    not_names: frozenset[str]
    surnames: tuple[str, ...]
    stops: tuple[str, ...]
    contact_after: re.Pattern[str]


def name_rules(words: Sequence[Words]) -> NameRules:
    """The name lead-ins of the languages, compiled: Latin-script ones (a capitalised name
    follows) and CJK ones (a surname follows)."""
    latin = [w for w in words if w.language not in CJK_LANGUAGES]
    cjk = [w for w in words if w.language in CJK_LANGUAGES]

    def leads(ws: Sequence[Words]) -> str:
        strong = alternation((x for w in ws for x in w.name), before=False)
        weak = alternation((x for w in ws for x in w.name_weak), before=False)
        return rf"(?:(?P<strong>{strong})|(?P<weak>{weak}))"

    titles = alternation(x for w in latin for x in w.titles)
    latin_re = (
        re.compile(
            rf"(?i:{leads(latin)})(?:\s*[:,]\s*|\s+)(?:(?i:{titles})\.?\s+)?(?P<name>[^\W\d_])"
        )
        if latin
        else None
    )
    cjk_re = re.compile(rf"{leads(cjk)}(?P<colon>\s*[:]\s*|\s*)(?P<name>[{CJK}])") if cjk else None
    return NameRules(
        latin_re,
        cjk_re,
        frozenset(x.casefold() for w in latin for x in w.particles),
        frozenset(x.casefold() for w in words for x in w.not_names),
        tuple(sorted({x for w in cjk for x in w.surnames}, key=len, reverse=True)),
        tuple(sorted({x for w in cjk for x in w.stops}, key=len, reverse=True)),
        # a contact detail right after the name (found and masked before): "王芳（[EMAIL]）", "张伟，电话[PHONE]"
        re.compile(
            rf"(?i)\s*[(（,，:：]?\s*{alternation(x for w in words for x in w.contact_labels)}?\s*[:：]?\s*{MASK}"
        ),
    )


_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
_SPACES = re.compile(r"\s+")
_BLANKS = re.compile(r"[ \t]+")
_CJK_CHAR = re.compile(f"[{CJK}]")


def _latin_name(text: str, at: int, rules: NameRules) -> int:
    """End of the name starting at ``at``: capitalised words, particles between them (0: none)."""
    end, words, pos = 0, 0, at
    while words < 4:
        m = _WORD.match(text, pos)
        if m is None:
            break
        word = m.group(0)
        if word.casefold() in rules.particles and words:
            nxt = _SPACES.match(text, m.end())
            pos = nxt.end() if nxt else m.end()
            continue
        if not word[0].isupper() or word.casefold() in rules.not_names:
            break
        end, words = m.end(), words + 1
        nxt = _BLANKS.match(text, m.end())
        if nxt is None:
            break
        pos = nxt.end()
    return end


def _cjk_name(text: str, at: int, rules: NameRules, any_surname: bool) -> int:
    """End of a Chinese name at ``at``: a surname and one or two more characters, before a stop
    (``any_surname``: two or three characters whatever the first; 0: none)."""
    surname = next((s for s in rules.surnames if text.startswith(s, at)), None)
    if surname is None and not any_surname:
        return 0
    pos = at + (len(surname) if surname else 0)
    limit = at + 3 + (len(surname) - 1 if surname and len(surname) > 1 else 0)
    while (
        pos < min(limit, len(text))
        and _CJK_CHAR.match(text, pos)
        and not any(text.startswith(s, pos) for s in rules.stops)
    ):
        pos += 1
    return pos if pos - at >= 2 else 0


def names(text: str, rules: NameRules) -> list[Span]:
    """Names after the lead-ins of the study's languages ("Llame a José Pérez", "联系人：陈晓东")."""
    found: list[Span] = []
    for pattern, latin in ((rules.latin, True), (rules.cjk, False)):
        for m in pattern.finditer(text) if pattern is not None else ():
            if not starts_word(text, m.start()):
                continue
            start = m.start("name")
            end = (
                _latin_name(text, start, rules)
                if latin
                else _cjk_name(text, start, rules, any_surname=":" in m.group("colon"))
            )
            if not end or (m.group("weak") and not rules.contact_after.match(text, end)):
                continue
            found.append((start, end, "NAME"))
    return found


# --------------------------------------------------------------------------- all of them


@dataclass(frozen=True, eq=False)
class Rules:
    """Everything the detectors need for one study (see :func:`compile_rules`)."""

    regions: tuple[str, ...]
    modules: tuple[ModuleType, ...]
    handle: re.Pattern[str]
    id_leadins: re.Pattern[str]
    id_gap: re.Pattern[str]
    phone_leadins: re.Pattern[str]
    quantity: re.Pattern[str] | None
    address: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    year_after: frozenset[str]
    names: NameRules
    words: tuple[Words, ...]


def _quantity_pattern(words: Sequence[Words]) -> re.Pattern[str] | None:
    """Currencies and units after a number: it is an amount, not a phone number."""
    units = [x for w in words for x in w.quantity]
    return re.compile(rf"(?i)\s*{alternation(units)}") if units else None


@lru_cache(maxsize=32)
def compile_rules(countries: tuple[str, ...], languages: tuple[str, ...]) -> Rules:
    """The detectors' patterns and identifier modules for the countries and languages.

    Languages without a lead-in file get none (their names after lead-ins and
    addresses are not found; everything else is).
    """
    known = set(languages_with_leadins())
    words = tuple(load_words(lang) for lang in languages if lang in known)
    id_lead, id_gap = id_pattern(words)
    return Rules(
        regions=tuple(countries) or ("ZZ",),
        modules=id_modules(tuple(countries)),
        handle=handle_pattern(words),
        id_leadins=id_lead,
        id_gap=id_gap,
        phone_leadins=re.compile(
            "(?i)" + alternation((x for w in words for x in w.phone), before=False)
        ),
        quantity=_quantity_pattern(words),
        address=address_pattern(words),
        year_after=frozenset(
            str(x).casefold() for w in words for x in (w.address or {}).get("year_after", ())
        ),
        names=name_rules(words),
        words=words,
    )


#: The detectors in the order they run, by name (``find_spans(..., only=...)``).
STEPS: tuple[str, ...] = (
    "email",
    "url",
    "ip",
    "handle",
    "mention",
    "id_leadin",
    "id_bare",
    "phone",
    "phone_leadin",
    "address",
    "name",
)


_RUN: dict[str, Callable[[str, Rules], list[Span]]] = {
    "email": lambda t, r: emails(t),
    "url": lambda t, r: urls(t),
    "ip": lambda t, r: ips(t),
    "handle": lambda t, r: handles(t, r.handle),
    "mention": lambda t, r: mentions(t),
    "id_leadin": lambda t, r: ids_after_leadins(t, r.id_leadins, r.id_gap, r.modules),
    "id_bare": lambda t, r: bare_ids(t, r.modules),
    "phone": lambda t, r: phones(t, r.regions, r.quantity),
    "phone_leadin": lambda t, r: phones_after_leadins(t, r.regions, r.phone_leadins),
    "address": lambda t, r: addresses(t, r.address, r.year_after),
    "name": lambda t, r: names(t, r.names),
}
assert tuple(_RUN) == STEPS


def find_spans(
    text: str, rules: Rules, only: Collection[str] | None = None
) -> tuple[list[tuple[str, str]], list[Span]]:
    """Every span of personal data in ``text``, earlier detectors first.

    ``only``: the names of :data:`STEPS` to run (default: all).  Returns ``(kind,
    original text)`` pairs (for tests and reading) and the spans.
    """
    work = fold(text)
    spans: list[Span] = []
    for name in STEPS:
        if only is not None and name not in only:
            continue
        new = [
            s
            for s in _RUN[name](work, rules)
            if not any(s[0] < e and b < s[1] for b, e, _ in spans)
        ]
        spans += new
        work = mask(work, new)
    spans.sort()
    return [(kind, text[s:e]) for s, e, kind in spans], spans
