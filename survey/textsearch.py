"""Which texts a set of regular expressions matches, without running every regex on every text.

Theme coding asks, for each of a few dozen case-insensitive patterns, which of
hundreds of thousands of accounts it matches.  Running ``re.search`` on every pair
costs minutes at a million respondents.  Most patterns cannot match unless the
text contains one of a few literal strings (``\\bdonat(e|ed|ion)\\b`` needs
``donat``; ``捐赠|捐助`` needs one of the two), so :func:`any_match`:

1. reads those required literals off the parsed pattern (:func:`required_literals`);
2. finds the texts that contain one of them, on case-folded text, in one vectorised
   pass (pyarrow's RE2 over a literal alternation);
3. runs the real pattern (Python ``re``, the only engine whose result counts) on
   those candidates alone.

The answer is exactly ``[re.search(p, t, re.IGNORECASE) is not None for t in texts]``:
a match always contains a required literal, and case folding maps every character
to one representative of its ``re.IGNORECASE`` class, so the prefilter can only
drop texts the pattern cannot match.  Patterns without a required literal (a bare
``\\d{5}``) are run on every text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = ["any_match", "fold", "fold_all", "required_literals"]


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, int]:
    """Code point -> representative of its ``re.IGNORECASE`` class (only those that change).

    ``re`` matches a character case-insensitively when the simple lowercase forms are
    equal or are among its extra case pairs (``s``/``ſ``, ``k``/Kelvin sign, ``ι``/``ͅ``/``ι``...).
    The representative is the smallest code point of that class.
    """
    import _sre
    from re._casefix import _EXTRA_CASES

    representative = {lo: min((lo, *extra)) for lo, extra in _EXTRA_CASES.items()}
    table = {}
    for cp in range(0x110000):
        lower = _sre.unicode_tolower(cp)
        rep = representative.get(lower, lower)
        if rep != cp:
            table[cp] = rep
    return table


def fold(text: str) -> str:
    """``text`` with every character replaced by its ``re.IGNORECASE`` representative.

    Examples
    --------
    >>> fold("Masks ſent")
    'masks sent'
    """
    return text.lower() if text.isascii() else text.translate(_fold_table())


def _required(seq: object) -> frozenset[str] | None:
    """Strings one of which every match of a parsed (sub)pattern contains; None if none is known."""
    from re._constants import (  # type: ignore[attr-defined]
        ATOMIC_GROUP, BRANCH, LITERAL, MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT, SUBPATTERN,
    )

    options: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            options.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in seq:  # type: ignore[attr-defined]
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
            found = None if any(p is None for p in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
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
    from re import _parser  # type: ignore[attr-defined]

    found = _required(_parser.parse(pattern, flags))
    if found is None or any(not s for s in found):
        return None
    return tuple(sorted({fold(s) for s in found}))


def _re2_literal(text: str) -> str:
    """``text`` as an RE2 pattern that matches exactly that string."""
    out = []
    for char in text:
        if not char.isascii() or char.isalnum():
            out.append(char)
        elif char.isprintable() and not char.isspace():
            out.append("\\" + char)
        else:
            out.append(f"\\x{{{ord(char):x}}}")
    return "".join(out)


def _contains_any(folded: object, literals: Sequence[str]) -> np.ndarray:
    """Which folded texts contain one of ``literals`` (a pyarrow array or a list of str)."""
    if isinstance(folded, list):
        return np.fromiter((any(s in f for s in literals) for f in folded), dtype=bool, count=len(folded))
    import pyarrow.compute as pc

    found = pc.match_substring_regex(folded, "|".join(map(_re2_literal, literals)))
    return found.to_numpy(zero_copy_only=False).astype(bool)


def fold_all(texts: Sequence[str]) -> object:
    """Folded texts, for :func:`any_match` (a pyarrow array; a list when they cannot be UTF-8)."""
    folded = [fold(t) for t in texts]
    try:
        import pyarrow as pa

        return pa.array(folded, type=pa.large_string())
    except (UnicodeEncodeError, ImportError):
        return folded


def any_match(texts: Sequence[str], patterns: Sequence[str], *, flags: int = re.IGNORECASE,
              folded: object | None = None) -> np.ndarray:
    """Which texts at least one of ``patterns`` matches (``re.search`` with ``flags``).

    Parameters
    ----------
    texts : sequence of str
    patterns : sequence of str
        Python regular expressions.
    flags : int, default re.IGNORECASE
        Passed to :func:`re.compile`.  The prefilter folds case whatever the flags,
        which only makes it keep more candidates.
    folded : optional
        The result of ``fold_all(texts)``, to fold once for many calls.

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
    if folded is None:
        folded = fold_all(texts)
    literals = {p: required_literals(p, flags) for p in patterns}
    for pattern in (p for p in patterns if literals[p] is None):
        _search(pattern, flags, texts, np.flatnonzero(~hit), hit)
    prefiltered = [p for p in patterns if literals[p] is not None]
    if prefiltered:
        # One pass for the union of the literals, then each pattern's own on those candidates.
        todo = np.flatnonzero(~hit)
        union = sorted({s for p in prefiltered for s in literals[p]})  # type: ignore[union-attr]
        candidates = todo[_contains_any(_take(folded, todo), union)]
        folded_candidates = _take(folded, candidates)
        found = np.zeros(len(candidates), dtype=bool)
        for pattern in prefiltered:
            todo = np.flatnonzero(~found & _contains_any(folded_candidates, literals[pattern]))  # type: ignore[arg-type]
            _search(pattern, flags, texts, candidates[todo], found, at=todo)
        hit[candidates] |= found
    return hit


def _take(folded: object, positions: np.ndarray) -> object:
    return [folded[i] for i in positions.tolist()] if isinstance(folded, list) else folded.take(positions)  # type: ignore[attr-defined]


def _search(pattern: str, flags: int, texts: Sequence[str], rows: np.ndarray, hit: np.ndarray,
            at: np.ndarray | None = None) -> None:
    """Set ``hit[at[j]]`` (``hit[rows[j]]`` without ``at``) where the pattern matches ``texts[rows[j]]``."""
    search = re.compile(pattern, flags).search
    at = rows if at is None else at
    for row, position in zip(rows.tolist(), at.tolist()):
        if search(texts[row]) is not None:
            hit[position] = True
