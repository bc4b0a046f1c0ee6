"""Open-ended answers: language, rule-based theme coding, coder agreement.

The stages, in the order a run uses them::

    redacted, counts = redact(texts, policy)    # survey.text.redact, before anything else
    language = detect_language(redacted)
    frame = load_coding_frame("analysis/<study>-coding.yaml")
    codes = code_accounts(redacted, frame)      # one 0/1 column per theme
    theme_frequencies(codes, n_asked, frame)
    coder_agreement(codes, human)               # against a human coder's file

The study's themes live in its coding-frame YAML; nothing here knows a study.
Redaction of personal data is :mod:`survey.text.redact`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from survey.errors import DataError, PlanError
from survey.text.textsearch import any_match, prepare


def _is_text(values: pd.Series) -> pd.Series:
    """Which values are ``str`` (works for empty and string-dtype series, where ``map(type)`` does not)."""
    if len(values) == 0:
        return pd.Series(False, index=values.index)
    if isinstance(values.dtype, pd.StringDtype):  # holds str or missing, nothing else
        return values.notna()
    return values.astype(object).map(lambda v: type(v) is str).astype(bool)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# --------------------------------------------------------------------------- language

#: An account is Chinese when CJK characters are at least this share of its
#: "units", a unit being one CJK character or one Latin word.  One Chinese
#: character carries roughly one English word's meaning, so 0.5 means "more
#: Chinese than English"; e-mail addresses and URLs inside Chinese text count as a
#: few words only.
ZH_SHARE = 0.5
_LATIN_WORD = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")  # literal characters: RE2 reads it too


def detect_language(texts: pd.Series) -> pd.Series:
    """``"zh"``, ``"en"`` or ``""`` per text, from its share of CJK characters.

    Text with no letters at all (empty, missing, only digits or punctuation) gets
    ``""``.  Any alphabetic text that is not mostly Chinese is called ``"en"``:
    the package knows two languages, this is not a general language identifier.

    Examples
    --------
    >>> detect_language(pd.Series(["我们捐赠了口罩", "We donated masks to 武汉", "", None])).tolist()
    ['zh', 'en', '', '']
    """
    present = _is_text(texts).to_numpy()
    text = prepare(texts.to_numpy(dtype=object)[present].tolist())
    cjk, words = np.zeros(len(texts)), np.zeros(len(texts))
    cjk[present] = _count_chars(text, _CJK)
    words[present] = _count(text, _LATIN_WORD)
    units = cjk + words
    share = np.divide(cjk, units, out=np.zeros_like(units), where=units > 0)
    lang = np.select([units == 0, share >= ZH_SHARE], ["", "zh"], "en")
    return pd.Series(lang, index=texts.index, name=texts.name, dtype=object)


def _count_chars(texts: object, ranges: str) -> np.ndarray:
    """Characters of the class ``[ranges]`` per text (the length left when the others are removed)."""
    if hasattr(texts, "type"):
        import pyarrow.compute as pc

        kept = pc.replace_substring_regex(texts, f"[^{ranges}]+", "")
        return pc.utf8_length(kept).to_numpy(zero_copy_only=False).astype(float)
    return np.array([len(re.findall(f"[{ranges}]", t)) for t in texts], dtype=float)


def _count(texts: object, pattern: re.Pattern[str]) -> np.ndarray:
    """Non-overlapping matches of a character-class pattern per text (RE2 and ``re`` agree on these)."""
    if hasattr(texts, "type"):
        import pyarrow.compute as pc

        return pc.count_substring_regex(texts, pattern.pattern).to_numpy(zero_copy_only=False).astype(float)
    return np.array([len(pattern.findall(t)) for t in texts], dtype=float)


# --------------------------------------------------------------------------- coding frame

_THEME_ID = re.compile(r"[a-z][a-z0-9_]*")
UNCODED = "uncoded"
#: Label of the "matches no theme" row; generic wording, not a study's.
UNCODED_LABEL = {"en": "None of these themes", "zh": "未归入以上主题"}


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
    """An ordered set of themes, loaded by :func:`load_coding_frame`."""

    themes: tuple[Theme, ...]
    languages: tuple[str, ...] = ("en", "zh")

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def label(self, theme_id: str, lang: str = "en") -> str:
        """Label of a theme (or of ``uncoded``) in ``lang``."""
        if theme_id == UNCODED:
            return UNCODED_LABEL.get(lang, UNCODED_LABEL["en"])
        theme = next(t for t in self.themes if t.id == theme_id)
        return theme.label.get(lang) or theme.label[self.languages[0]]


def load_coding_frame(path: str | Path, languages: Sequence[str] = ("en", "zh")) -> CodingFrame:
    """Read and validate a coding frame (YAML, safe-loaded).

    The file holds ``themes:``, a list of ``{id, label: {en, zh}, patterns: {en: [...],
    zh: [...]}}``.  Patterns are regular expressions matched case-insensitively
    anywhere in an account; an account carries a theme when any of its patterns
    (of any language) matches.

    Raises
    ------
    PlanError
        One message listing every problem: unreadable YAML, ids that repeat or are
        not snake_case, missing labels, patterns that do not compile (naming the
        theme id and the pattern).

    Examples
    --------
    >>> frame = load_coding_frame("analysis/ccg-2020-coding.yaml")  # doctest: +SKIP
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
    problems: list[str] = []
    themes = [_theme(entry, i, tuple(languages), problems) for i, entry in enumerate(raw)]
    ids = [t.id for t in themes if t is not None]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"theme id '{dup}' appears {ids.count(dup)} times")
    if problems:
        raise PlanError(f"coding frame {path}: " + "; ".join(problems))
    return CodingFrame(tuple(t for t in themes if t is not None), tuple(languages))


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


def code_accounts(texts: pd.Series, frame: CodingFrame) -> pd.DataFrame:
    """One 0/1 column per theme, plus ``uncoded`` (matches no theme).

    Respondents without an account (missing or blank text) get NaN in every
    column, so column means are shares of accounts.  All patterns of all
    languages apply to every account (a Chinese account quoting "PPE" still counts).

    Parameters
    ----------
    texts : pandas.Series
        Accounts (redacted first), indexed by respondent.
    frame : CodingFrame

    Returns
    -------
    pandas.DataFrame
        Index of ``texts``; float columns ``<theme id>...``, ``uncoded``.

    Examples
    --------
    >>> codes = code_accounts(pd.Series(["We donated masks", None]), frame)  # doctest: +SKIP
    >>> codes.loc[0, "donations"], codes.loc[1, "donations"]  # doctest: +SKIP
    (1.0, nan)
    """
    values = texts.to_numpy(dtype=object)
    rows = [i for i in np.flatnonzero(_is_text(texts).to_numpy()).tolist() if values[i].strip()]
    accounts = [values[i] for i in rows]
    prepared = prepare(accounts)
    hits = np.column_stack(
        [any_match(accounts, [p for ps in t.patterns.values() for p in ps], prepared=prepared) for t in frame.themes]
    ) if frame.themes else np.zeros((len(rows), 0), dtype=bool)
    codes = np.full((len(texts), len(frame.themes) + 1), np.nan)
    codes[rows, :-1] = hits
    codes[rows, -1] = ~hits.any(axis=1)
    return pd.DataFrame(codes, index=texts.index, columns=[*frame.ids, UNCODED])


def theme_frequencies(
    codes: pd.DataFrame, n_asked: int, frame: CodingFrame | None = None, *, lang: str = "en"
) -> pd.DataFrame:
    """How many accounts carry each theme, as counts and percentages (0-100).

    Parameters
    ----------
    codes : pandas.DataFrame
        From :func:`code_accounts` (NaN rows = no account).
    n_asked : int
        Respondents who were asked the question (the base of ``pct_of_asked``).
    frame : CodingFrame, optional
        For labels; without it the label is the theme id.
    lang : str, default "en"
        Language of the labels.

    Returns
    -------
    pandas.DataFrame
        ``theme, label, count, pct_of_accounts, pct_of_asked``, themes in frame
        order and ``uncoded`` last.  An account can carry several themes, so the
        percentages add up to more than 100.

    Examples
    --------
    >>> theme_frequencies(codes, n_asked=1776, frame=frame)  # doctest: +SKIP
    """
    accounts = codes.notna().all(axis=1)
    n_accounts = int(accounts.sum())
    if n_asked < n_accounts:
        raise DataError(f"theme frequencies: n_asked {n_asked} is smaller than the {n_accounts} accounts")
    count = codes[accounts].sum().astype(int)
    labels = [frame.label(t, lang) if frame is not None else t for t in codes.columns]
    return pd.DataFrame({
        "theme": list(codes.columns),
        "label": labels,
        "count": count.to_numpy(),
        "pct_of_accounts": 100 * count.to_numpy() / n_accounts if n_accounts else np.nan,
        "pct_of_asked": 100 * count.to_numpy() / n_asked if n_asked else np.nan,
    })


# --------------------------------------------------------------------------- agreement

HUMAN_PREFIX = "human_"


def coder_agreement(auto: pd.DataFrame, human: pd.DataFrame) -> pd.DataFrame:
    """Agreement between the rule-based codes and a human coder, per theme.

    Parameters
    ----------
    auto : pandas.DataFrame
        From :func:`code_accounts`.
    human : pandas.DataFrame
        Columns ``human_<theme id>`` with 0/1, blank (NaN) where the human did
        not code that account; rows matched to ``auto`` on ``respondent_id`` if
        both have that column, else on the index.

    Returns
    -------
    pandas.DataFrame
        ``theme, n, pct_agreement, kappa, ci_low, ci_high``: accounts coded by
        both, percent agreement (0-100), Cohen's kappa with its asymptotic 95%
        interval (statsmodels ``cohens_kappa``).  Kappa is NaN when both coders
        used a single category for every account (chance agreement is 1).

    Raises
    ------
    DataError
        A ``human_`` column names no theme, or holds values other than 0, 1 or blank.

    Examples
    --------
    >>> coder_agreement(codes, pd.read_csv("human.csv"))  # doctest: +SKIP
    """
    from statsmodels.stats.inter_rater import cohens_kappa

    if "respondent_id" in auto.columns and "respondent_id" in human.columns:
        auto, human = auto.set_index("respondent_id"), human.set_index("respondent_id")
    columns = [c for c in human.columns if str(c).startswith(HUMAN_PREFIX)]
    if not columns:
        raise DataError(f"human codes: no column named {HUMAN_PREFIX}<theme id> (columns: {list(human.columns)})")
    unknown = [c for c in columns if c[len(HUMAN_PREFIX):] not in auto.columns]
    if unknown:
        raise DataError(f"human codes: {unknown} name no theme (themes: {list(auto.columns)})")
    rows = []
    for column in columns:
        theme = column[len(HUMAN_PREFIX):]
        h = pd.to_numeric(human[column], errors="coerce").where(human[column].notna())
        bad = human[column][human[column].notna() & ~h.isin([0, 1])]
        if not bad.empty:
            raise DataError(f"human codes: column '{column}' holds {sorted(map(str, bad.unique()))[:5]}; use 0, 1 or blank")
        pair = pd.concat([auto[theme].rename("auto"), h.rename("human")], axis=1, join="inner").dropna()
        table = pd.crosstab(pair["auto"], pair["human"]).reindex(index=[0, 1], columns=[0, 1], fill_value=0)
        n = len(pair)
        rows.append({"theme": theme, "n": n, "pct_agreement": 100 * np.trace(table.to_numpy()) / n if n else np.nan,
                     **_kappa(table.to_numpy(), cohens_kappa)})
    return pd.DataFrame(rows, columns=["theme", "n", "pct_agreement", "kappa", "ci_low", "ci_high"])


def _kappa(table: np.ndarray, cohens_kappa: Any) -> dict[str, float]:
    n = table.sum()
    chance = (table.sum(axis=0) * table.sum(axis=1)).sum() / n**2 if n else 1.0
    if n == 0 or np.isclose(chance, 1.0):
        return {"kappa": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    res = cohens_kappa(table)
    return {"kappa": float(res.kappa), "ci_low": float(res.kappa_low), "ci_high": float(res.kappa_upp)}
