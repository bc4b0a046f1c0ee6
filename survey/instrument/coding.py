"""The coding frame of a study's open-ended question: themes, their labels and patterns.

A coding frame is YAML beside the plan (``analysis/<study>-coding.yaml``), named by
the plan's ``open_ended.coding_frame`` and loaded with it
(:func:`survey.instrument.plan.load_plan`), before any data is read: its languages
are the instrument's, so a label missing in a declared language, or text in a
language the instrument does not declare, is an error naming the theme and the
language.  Coding the accounts with it is :func:`survey.text.openended.code_accounts`.

Examples
--------
>>> frame = load_coding_frame("analysis/ccg-2020-coding.yaml", ("en", "zh"))  # doctest: +SKIP
>>> frame.label("donations", "zh")  # doctest: +SKIP
'捐赠物资'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from survey.errors import PlanError
from survey.i18n import N_, translator

_THEME_ID = re.compile(r"[a-z][a-z0-9_]*")
UNCODED = "uncoded"
#: Label of the "matches no theme" row: the package's words, translated by the catalogues.
UNCODED_LABEL = N_("None of these themes")


@dataclass(frozen=True)
class Theme:
    """One theme: id (a column name), label per language, regexes per language."""

    id: str
    label: Mapping[str, str]
    patterns: Mapping[str, tuple[str, ...]]

    @property
    def regex(self) -> str:
        """All patterns of all languages as one alternation."""
        return "|".join(f"(?:{p})" for ps in self.patterns.values() for p in ps)


@dataclass(frozen=True)
class CodingFrame:
    """An ordered set of themes in the instrument's languages, loaded by :func:`load_coding_frame`."""

    themes: tuple[Theme, ...]
    languages: tuple[str, ...]

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def label(self, theme_id: str, lang: str) -> str:
        """Label of a theme (or of ``uncoded``) in ``lang``."""
        if theme_id == UNCODED:
            return translator(lang).gettext(UNCODED_LABEL)
        theme = next(t for t in self.themes if t.id == theme_id)
        return theme.label.get(lang) or theme.label[self.languages[0]]


def load_coding_frame(path: str | Path, languages: Sequence[str] | None = None) -> CodingFrame:
    """Read and validate a coding frame (YAML, safe-loaded) in the instrument's ``languages``.

    The file holds ``themes:``, a list of ``{id, label: {<lang>: text, ...}, patterns:
    {<lang>: [regex, ...], ...}}``.  Patterns are regular expressions matched
    case-insensitively anywhere in an account; an account carries a theme when any of
    its patterns (of any language) matches.

    Parameters
    ----------
    path : path
    languages : sequence of str, optional
        The instrument's languages: every theme needs a label in each, and no label or
        patterns in another.  Default: the languages of the first theme's label.

    Raises
    ------
    PlanError
        One message listing every problem: unreadable YAML, ids that repeat or are
        not snake_case, a label missing in a language (naming theme and language),
        a language the instrument does not declare, patterns that do not compile
        (naming the theme id and the pattern).

    Examples
    --------
    >>> frame = load_coding_frame("analysis/ccg-2020-coding.yaml", ("en", "zh"))  # doctest: +SKIP
    >>> frame.ids[:2]  # doctest: +SKIP
    ['donations', 'medical_science']
    """
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlanError(f"coding frame {path}: cannot read it ({exc})") from exc
    raw = doc.get("themes") if isinstance(doc, dict) else None
    if not isinstance(raw, list) or not raw:
        raise PlanError(f"coding frame {path}: needs a non-empty list 'themes'")
    langs = tuple(languages) if languages is not None else _first_label_languages(raw)
    problems: list[str] = []
    themes = [_theme(entry, i, langs, problems) for i, entry in enumerate(raw)]
    ids = [t.id for t in themes if t is not None]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"theme id '{dup}' appears {ids.count(dup)} times")
    if problems:
        raise PlanError(f"coding frame {path}: " + "; ".join(problems))
    return CodingFrame(tuple(t for t in themes if t is not None), langs)


def _first_label_languages(raw: list[Any]) -> tuple[str, ...]:
    first = raw[0] if isinstance(raw[0], dict) else {}
    label = first.get("label") if isinstance(first.get("label"), dict) else {}
    return tuple(str(k) for k in label) or ("en",)


def _theme(entry: Any, position: int, languages: tuple[str, ...], problems: list[str]) -> Theme | None:
    if not isinstance(entry, dict):
        problems.append(f"theme {position + 1} is not a mapping")
        return None
    tid = entry.get("id")
    if not isinstance(tid, str) or not _THEME_ID.fullmatch(tid) or tid == UNCODED:
        problems.append(f"theme {position + 1}: id {tid!r} must be snake_case (and not '{UNCODED}')")
        return None
    label = entry.get("label") if isinstance(entry.get("label"), dict) else {}
    for lang in languages:
        if not isinstance(label.get(lang), str) or not label[lang].strip():
            problems.append(f"theme '{tid}': label has no '{lang}' text")
    raw_patterns = entry.get("patterns") if isinstance(entry.get("patterns"), dict) else {}
    for part, keys in (("label", label), ("patterns", raw_patterns)):
        for lang in keys:
            if lang not in languages:
                problems.append(f"theme '{tid}': {part}.{lang}: '{lang}' is not a language of the instrument "
                                f"(languages: {', '.join(languages)})")
    patterns: dict[str, tuple[str, ...]] = {}
    for lang, items in raw_patterns.items():
        items = [items] if isinstance(items, str) else items
        if not isinstance(items, list) or not all(isinstance(p, str) and p for p in items):
            problems.append(f"theme '{tid}': patterns.{lang} must be a list of non-empty strings")
            continue
        for p in items:
            try:
                re.compile(p, re.IGNORECASE)
            except re.error as exc:
                problems.append(f"theme '{tid}': pattern {p!r} ({lang}) does not compile: {exc}")
        patterns[str(lang)] = tuple(items)
    if not any(patterns.values()):
        problems.append(f"theme '{tid}': no patterns")
    return Theme(tid, {str(k): str(v) for k, v in label.items()}, patterns)
