"""Which texts a set of regular expressions matches, without running every regex on every text.

Theme coding asks, for each of a few dozen case-insensitive patterns, which of
hundreds of thousands of accounts it matches.  Running ``re.search`` on every pair
costs minutes at a million respondents.  Most patterns cannot match unless the
text contains one of a few literal strings (``\\bdonat(e|ed|ion)\\b`` needs
``donat``; ``捐赠|捐助`` needs one of the two), so :func:`any_match`:

1. reads those required literals off the parsed pattern (:func:`required_literals`);
2. finds the texts that contain one of them in one vectorised pass (pyarrow's RE2
   over an alternation of the literals, each character written as the class of every
   character ``re.IGNORECASE`` takes for it);
3. runs the real pattern (Python ``re``, the only engine whose result counts) on
   those candidates alone.

The answer is exactly ``[re.search(p, t, re.IGNORECASE) is not None for t in texts]``:
a match always contains a required literal, and the prefilter accepts every
character ``re`` would accept for each of the literal's characters, so it can only
drop texts the pattern cannot match.  Patterns without a required literal (a bare
``\\d{5}``) are run on every text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["any_match", "contains", "fold", "is_text", "may_match", "prepare", "required_literals"]


@lru_cache(maxsize=1)
def _representatives() -> dict[int, int]:
    from re._casefix import _EXTRA_CASES

    return {lo: min((lo, *extra)) for lo, extra in _EXTRA_CASES.items()}


def _representative(cp: int) -> int:
    """The representative of ``cp``'s ``re.IGNORECASE`` class.

    ``re`` matches a character case-insensitively when the simple lowercase forms are
    equal or are among its extra case pairs (``s``/``ſ``, ``k``/Kelvin sign, ``ι``/``ͅ``/``ι``...).
    The representative is the smallest code point of that class.
    """
    import _sre

    lower = _sre.unicode_tolower(cp)
    return _representatives().get(lower, lower)


class _FoldTable(dict[int, int]):
    """Code point -> :func:`_representative`, filled as characters are met (``str.translate``)."""

    def __missing__(self, cp: int) -> int:
        self[cp] = _representative(cp)
        return self[cp]


_FOLD = _FoldTable()


#: Unicode has case pairs in its first two planes only (tests/test_textsearch.py checks all of it).
_CASED_PLANES = 0x20000


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, int]:
    """Every code point whose representative is another (for :func:`_case_classes`).

    Only a code point with another lowercase form, or with extra case pairs, can have
    another representative: those are found in one pass in C, and only they are asked.
    """
    import _sre

    lowered = map(_sre.unicode_tolower, range(_CASED_PLANES))
    candidates = [cp for cp, lower in enumerate(lowered) if lower != cp]
    candidates += [cp for cp in _representatives() if cp < _CASED_PLANES]
    return {cp: rep for cp in sorted(set(candidates)) if (rep := _representative(cp)) != cp}


def fold(text: str) -> str:
    """``text`` with every character replaced by its ``re.IGNORECASE`` representative.

    Examples
    --------
    >>> fold("Masks ſent")
    'masks sent'
    """
    return text.lower() if text.isascii() else text.translate(_FOLD)


def _required(seq: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    """Strings one of which every match of a parsed (sub)pattern contains; None if none is known.

    ``seq`` is a ``re._parser.SubPattern``: ``(opcode, argument)`` pairs (no stubs: Any).
    """
    from re._constants import (
        ATOMIC_GROUP,
        BRANCH,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        POSSESSIVE_REPEAT,
        SUBPATTERN,
    )

    options: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            options.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in seq:
        if op is LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is SUBPATTERN:
            found = _required(av[3])
        elif op is ATOMIC_GROUP:
            found = _required(av)
        elif op is BRANCH:
            parts = [_required(branch) for branch in av[1]]
            known = [p for p in parts if p is not None]
            found = frozenset[str]().union(*known) if len(known) == len(parts) else None
        elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
            found = _required(av[2]) if av[0] >= 1 else None
        else:  # classes, anchors, look-arounds, back references: nothing required
            found = None
        if found is not None:
            options.append(found)
    flush()
    if not options:
        return None
    # The most selective choice: the longest shortest string, then the fewest strings.
    return max(options, key=lambda s: (min(map(len, s)), -len(s)))


@lru_cache(maxsize=1024)
def required_literals(pattern: str, flags: int = re.IGNORECASE) -> tuple[str, ...] | None:
    """Folded strings one of which every match of ``pattern`` (compiled with ``flags``) contains.

    Returns None when the pattern requires no literal (then it must run on every text).

    Examples
    --------
    >>> required_literals(r"\\bdonat(e|ed|ion)\\b")
    ('donat',)
    >>> required_literals("捐赠|捐助")
    ('捐助', '捐赠')
    >>> required_literals(r"\\d{5}") is None
    True
    """
    from re import _parser  # type: ignore[attr-defined]  # private stdlib module, not in typeshed

    found = _required(_parser.parse(pattern, flags))
    if found is None or any(not s for s in found):
        return None
    return tuple(sorted({fold(s) for s in found}))


@lru_cache(maxsize=1)
def _case_classes() -> dict[int, tuple[int, ...]]:
    """Representative -> every code point of its ``re.IGNORECASE`` class (classes of more than one)."""
    members: dict[int, list[int]] = {}
    for cp, rep in _fold_table().items():
        members.setdefault(rep, [rep]).append(cp)
    return {rep: tuple(sorted(cps)) for rep, cps in members.items()}


@lru_cache(maxsize=1)
def _decimal_class() -> str:
    """RE2 class of every character Python's ``\\d`` matches in a str pattern (Unicode decimals)."""
    return _re2_class([cp for cp in range(0x110000) if chr(cp).isdecimal()])


def _re2_char(cp: int) -> str:
    char = chr(cp)
    if char.isascii() and char.isalnum():
        return char
    if char.isascii() and char.isprintable() and not char.isspace():
        return "\\" + char
    return f"\\x{{{cp:x}}}"


def _re2_class(cps: Sequence[int]) -> str:
    """An RE2 character class of the code points, as ranges."""
    cps = sorted(set(cps))
    parts, start = [], 0
    for i in range(1, len(cps) + 1):
        if i == len(cps) or cps[i] != cps[i - 1] + 1:
            lo, hi = cps[start], cps[i - 1]
            parts.append(_re2_char(lo) if lo == hi else f"{_re2_char(lo)}-{_re2_char(hi)}")
            start = i
    return "[" + "".join(parts) + "]"


def _re2_literal(text: str) -> str:
    """An RE2 pattern matching what ``re.IGNORECASE`` matches for the literal ``text``."""
    classes = _case_classes()
    out = []
    for char in text:
        cp = ord(char)
        members = classes.get(_FOLD[cp])
        out.append(_re2_class(members) if members else _re2_char(cp))
    return "".join(out)


def may_match(texts: Prepared, pattern: str) -> np.ndarray:
    r"""Where the RE2 ``pattern`` matches texts from :func:`prepare`; True wherever RE2 cannot
    look (texts that cannot be UTF-8), so that a caller using it as a filter misses nothing.

    Examples
    --------
    >>> may_match(prepare(["tel 555", "none"]), r"\p{Nd}").tolist()
    [True, False]
    """
    if isinstance(texts, _Folded):
        return np.ones(len(texts), dtype=bool)
    if not len(texts):
        return np.zeros(0, dtype=bool)
    import pyarrow.compute as pc

    found = pc.match_substring_regex(texts, pattern)
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def is_text(values: pd.Series) -> np.ndarray:
    """Which values of a pandas Series are ``str`` (missing values and numbers are not).

    Examples
    --------
    >>> import pandas as pd
    >>> is_text(pd.Series(["a", None, 3])).tolist()
    [True, False, False]
    """
    import pandas as pd

    if isinstance(values.dtype, pd.StringDtype):  # holds str or missing, nothing else
        return values.notna().to_numpy(dtype=bool)
    return np.fromiter(
        (type(v) is str for v in values.to_numpy(dtype=object)), dtype=bool, count=len(values)
    )


def contains(
    texts: Prepared | Sequence[str], literals: Sequence[str], *, digits: bool = False
) -> np.ndarray:
    """Which texts contain one of ``literals`` (as ``re.IGNORECASE`` compares), or a decimal digit.

    Parameters
    ----------
    texts : sequence of str, or a pyarrow string array (from :func:`prepare`)
    literals : sequence of str
    digits : bool, default False
        Also accept a text holding any character ``\\d`` matches.

    Examples
    --------
    >>> contains(["WeChat me", "ſcan", "no", "١٢"], ["wechat", "scan"], digits=True).tolist()
    [True, True, False, True]
    """
    alternatives = [_re2_literal(s) for s in literals] + ([_decimal_class()] if digits else [])
    if not isinstance(texts, _Folded) and not hasattr(texts, "type"):
        texts = prepare(texts)
    if isinstance(texts, _Folded):  # texts that cannot be UTF-8: folded Python strings
        folded = [fold(s) for s in literals]
        return np.fromiter(
            (
                any(s in f for s in folded) or (digits and any(c.isdecimal() for c in f))
                for f in texts
            ),
            dtype=bool,
            count=len(texts),
        )
    if not alternatives or not len(texts):
        return np.zeros(len(texts), dtype=bool)
    import pyarrow.compute as pc

    found = pc.match_substring_regex(texts, "|".join(alternatives))
    return found.to_numpy(zero_copy_only=False).astype(bool)


class _Folded(list[str]):
    """Folded texts (the fallback of :func:`prepare` when they cannot be UTF-8)."""


#: What :func:`prepare` returns: a pyarrow large_string array, or the folded fallback.
Prepared: TypeAlias = "pa.Array | _Folded"


def prepare(texts: Sequence[str | None]) -> Prepared:
    """Texts ready for :func:`contains` and :func:`any_match`: a pyarrow array, or a list of
    folded strings when some cannot be UTF-8 (lone surrogates)."""
    try:
        import pyarrow as pa

        return pa.array(list(texts), type=pa.large_string())
    except (UnicodeEncodeError, ImportError):
        return _Folded(fold(t) if isinstance(t, str) else "" for t in texts)


def any_match(
    texts: Sequence[str],
    patterns: Sequence[str],
    *,
    flags: int = re.IGNORECASE,
    prepared: Prepared | None = None,
) -> np.ndarray:
    """Which texts at least one of ``patterns`` matches (``re.search`` with ``flags``).

    Parameters
    ----------
    texts : sequence of str
    patterns : sequence of str
        Python regular expressions.
    flags : int, default re.IGNORECASE
        Passed to :func:`re.compile`.  The prefilter ignores case whatever the flags,
        which only makes it keep more candidates.
    prepared : optional
        The result of ``prepare(texts)``, to convert the texts once for many calls.

    Returns
    -------
    numpy.ndarray of bool
        One per text.

    Examples
    --------
    >>> any_match(["We donated MASKS", "我们捐赠了口罩", "nothing"], [r"\\bmasks?\\b", "捐赠"]).tolist()
    [True, True, False]
    """
    hit = np.zeros(len(texts), dtype=bool)
    if not len(texts) or not patterns:
        return hit
    prepared = prepare(texts) if prepared is None else prepared
    literals = {p: required_literals(p, flags) for p in patterns}
    for pattern in (p for p in patterns if literals[p] is None):
        _search(pattern, flags, texts, np.flatnonzero(~hit), hit)
    prefiltered = [p for p in patterns if literals[p] is not None]
    if prefiltered:
        # One pass for the union of the literals, then each pattern's own on those candidates.
        todo = np.flatnonzero(~hit)
        union = sorted({s for p in prefiltered for s in literals[p] or ()})
        candidates = todo[contains(_take(prepared, todo), union)]
        subset = _take(prepared, candidates)
        found = np.zeros(len(candidates), dtype=bool)
        for pattern in prefiltered:
            todo = np.flatnonzero(~found & contains(subset, literals[pattern] or ()))
            _search(pattern, flags, texts, candidates[todo], found, at=todo)
        hit[candidates] |= found
    return hit


def _take(prepared: Prepared, positions: np.ndarray) -> Prepared:
    if isinstance(prepared, _Folded):
        return _Folded(prepared[i] for i in positions.tolist())
    return prepared.take(positions)


def _search(
    pattern: str,
    flags: int,
    texts: Sequence[str],
    rows: np.ndarray,
    hit: np.ndarray,
    at: np.ndarray | None = None,
) -> None:
    """Set ``hit[at[j]]`` (``hit[rows[j]]`` without ``at``) where the pattern matches ``texts[rows[j]]``."""
    search = re.compile(pattern, flags).search
    at = rows if at is None else at
    for row, position in zip(rows.tolist(), at.tolist()):
        if search(texts[row]) is not None:
            hit[position] = True
