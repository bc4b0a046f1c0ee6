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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survey.errors import PlanError
from survey.i18n import N_, translator
from survey.instrument import planschema as ps
from survey.instrument.loading import read_yaml, validate

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

    The file's format is :class:`survey.instrument.planschema.CodingFrameDoc`:
    ``themes:``, a list of ``{id, label: {<lang>: text, ...}, patterns: {<lang>:
    [regex, ...], ...}}``.  Patterns are regular expressions matched
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
        One message naming the file and listing every problem with its YAML path:
        unreadable YAML, ids that repeat or are not snake_case, a label missing in a
        language, a language the instrument does not declare, patterns that do not
        compile.

    Examples
    --------
    >>> frame = load_coding_frame("analysis/ccg-2020-coding.yaml", ("en", "zh"))  # doctest: +SKIP
    >>> frame.ids[:2]  # doctest: +SKIP
    ['donations', 'medical_science']
    """
    path = Path(path)
    raw = read_yaml(path, PlanError)
    langs = tuple(languages) if languages is not None else _first_label_languages(raw.get("themes"))
    doc, problems = validate(raw, ps.CodingFrameDoc, ps.coding_frame_context(langs))
    if problems or doc is None:
        raise PlanError(f"coding frame {path}: " + "; ".join(problems))
    themes = tuple(
        Theme(t.id, dict(t.label), {lang: tuple(ps_) for lang, ps_ in t.patterns.items()})
        for t in doc.themes
    )
    return CodingFrame(themes, langs)


def _first_label_languages(raw: Any) -> tuple[str, ...]:
    first = raw[0] if isinstance(raw, list) and raw and isinstance(raw[0], dict) else {}
    label = first.get("label")
    languages = tuple(str(k) for k in label) if isinstance(label, dict) else ()
    return languages or ("en",)
