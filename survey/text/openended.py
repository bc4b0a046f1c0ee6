"""Open-ended answers: redaction of personal data, language, rule-based theme coding, coder agreement.

The stages, in the order a run uses them::

    redacted, counts = redact(texts)            # before anything is written or shown
    language = detect_language(redacted)
    frame = load_coding_frame("analysis/<study>-coding.yaml")
    codes = code_accounts(redacted, frame)      # one 0/1 column per theme
    theme_frequencies(codes, n_asked, frame)
    coder_agreement(codes, human)               # against a human coder's file

The study's themes live in its coding-frame YAML; nothing here knows a study.

Redaction is pattern matching, not understanding.  It finds e-mail addresses,
URLs, Chinese and US phone numbers, Chinese resident ID numbers with a valid
checksum, IP addresses, WeChat and QQ ids *introduced as such*, and personal names
*introduced with contact intent and followed by a contact detail*.  It misses
names mentioned in passing ("my friend Amy Chen helped"), Chinese names whose
surname is not among the common ones listed here, ids given without a label
("add me: amy_2020"), postal addresses, bank-card numbers, phone numbers of other
countries, and bare domains without ``www.`` or a scheme.  A person must still
read the accounts before they are published verbatim.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.text.textsearch import any_match, contains, prepare


def _is_text(values: pd.Series) -> pd.Series:
    """Which values are ``str`` (works for empty and string-dtype series, where ``map(type)`` does not)."""
    if len(values) == 0:
        return pd.Series(False, index=values.index)
    if isinstance(values.dtype, pd.StringDtype):  # holds str or missing, nothing else
        return values.notna()
    return values.astype(object).map(lambda v: type(v) is str).astype(bool)

# --------------------------------------------------------------------------- redaction

#: Placeholder types, in the order of the counts returned by :func:`redact`.
REDACTION_TYPES = ("EMAIL", "URL", "WECHAT", "QQ", "ID_NUMBER", "IP", "PHONE", "NAME")

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"  # \b treats CJK as word characters: "电话18601234567" has no \b
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FULLWIDTH = "\u3000-\u303f\uff00-\uffef"

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])")
# Scheme or www., then anything up to white space, quotes, brackets or CJK text;
# sentence punctuation at the end is not part of the URL.
_URL = re.compile(
    rf"(?i)(?:\b(?:https?|ftp)://|(?<![\w.@])www\.)[^\s<>\"'()\[\]{_CJK}{_FULLWIDTH}]+(?<![.,;:!?])"
)
# WeChat ids: 6-20 characters, a letter first, then letters, digits, _ or -; a
# phone number also serves as a WeChat id.  A label with a colon, "ID" or 号 takes
# any id; after the weaker "is" the id must hold a digit, _ or - ("WeChat is popular").
_WX_ID = r"(?:[A-Za-z][A-Za-z0-9_-]{5,19}|1[3-9]\d{9})(?![A-Za-z0-9_-])"
_WECHAT = [
    re.compile(
        rf"(?i)(?P<intro>{_NOT_ALNUM_BEFORE}(?:wechat|weixin|wx|vx)(?:\s*(?:id|account|number|no\.?))?\s*[:：]\s*"
        rf"|{_NOT_ALNUM_BEFORE}(?:wechat|weixin)\s+id\s+(?:is\s+)?"
        rf"|微信(?:号|账号|id|ID)\s*[:：是为]?\s*|微信\s*[:：]\s*)(?P<id>{_WX_ID})"
    ),
    re.compile(
        rf"(?i)(?P<intro>{_NOT_ALNUM_BEFORE}(?:wechat|weixin)(?:(?:\s*(?:id|account))?\s+is|\s+account)\s+)"
        rf"(?P<id>(?=[A-Za-z0-9_-]*[\d_-]){_WX_ID})"
    ),
]
# QQ numbers are 5-12 digits, never starting with 0; "QQ" right before a number is label enough.
_QQ = re.compile(
    rf"(?i)(?P<intro>{_NOT_ALNUM_BEFORE}QQ\s*(?:号码|号|群|number|no\.?|id)?\s*(?:[:：是为]|is\b)?\s*)"
    r"(?P<id>[1-9]\d{4,11})(?!\d)"
)
# Chinese resident identity number: region (6), birth date yyyymmdd (8), sequence (3), check (digit or X).
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = "10X98765432"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![0-9A-Za-z.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)")
# Candidates only; ipaddress decides ("14:30:00" is not an address).
_IPV6 = re.compile(r"(?<![\w:])(?=[0-9A-Fa-f:]*\d)(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_PHONES = [
    # Chinese mobile: 1[3-9]x xxxx xxxx, optional +86 / 0086, groups 3-4-4 split by a space or dash.
    re.compile(r"(?:(?<![\d+])(?:\+|00)86[\s-]?|(?<![\d+]))1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"),
    # Chinese landline with +86 (trunk 0 dropped): +86 10 8888 8888, +86-21-12345678.
    re.compile(r"(?:\+|00)86[\s-]?\(?[1-9]\d{1,2}\)?[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)"),
    # Chinese landline: area code 0xx or 0xxx, 7-8 digits, optional extension.
    re.compile(r"(?<![\d.,/:-])(?:\(0\d{2,3}\)\s?|0\d{2,3}[\s-]?)\d{3,4}[\s-]?\d{4}(?:-\d{1,4})?(?!\d)"),
    # US with country code: +1 415 555 0199, +1-415-555-0199, +1 (415) 555-0199, +14155550199.
    re.compile(r"(?<![\w+])\+?1[\s.-]?(?:\(\s?[2-9]\d{2}\s?\)|[2-9]\d{2})[\s.-]?[2-9]\d{2}[\s.-]?\d{4}(?!\d)"),
    # US without it: (212) 555-0147, 212-555-0147, 212.555.0147 (one kind of separator;
    # "300 500 1000 masks" has spaces and is left alone).
    re.compile(r"(?<![\w.,-])(?:\([2-9]\d{2}\)\s?[2-9]\d{2}[\s.-]|[2-9]\d{2}(?P<sep>[.-])[2-9]\d{2}(?P=sep))\d{4}(?![\d-])"),
]
_CONTACT = r"\[(?:EMAIL|PHONE|WECHAT|QQ|URL)\]"
_SURNAMES = (
    "欧阳|司马|上官|诸葛|王|李|张|刘|陈|杨|黄|赵|吴|周|徐|孙|马|朱|胡|郭|何|高|林|罗|郑|梁|谢|宋|唐|许|韩|冯|邓|曹|彭|"
    "曾|肖|田|董|袁|潘|于|蒋|蔡|余|杜|叶|程|苏|魏|吕|丁|任|沈|姚|卢|姜|崔|钟|谭|陆|汪|范|金|石|廖|贾|夏|韦|付|方|白|"
    "邹|孟|熊|秦|邱|江|尹|薛|闫|段|雷|侯|龙|史|陶|黎|贺|顾|毛|郝|龚|邵|万|钱|严|覃|武|戴|莫|孔|向|汤"
)
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+"
_NAMES = [
    # "Contact Li Ming at [EMAIL]", "call Dr. Amy Chen on [PHONE]", "email John Doe ([EMAIL])".
    re.compile(
        rf"(?P<intro>(?<![A-Za-z])(?:[Cc]ontact|[Cc]all|[Ee]-?mail|[Tt]ext|[Mm]essage|[Rr]each|[Aa]sk\s+for)\s+(?:{_TITLE})?)"
        rf"(?P<name>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){{1,2}})(?=\s+(?:at|on|via)\s+{_CONTACT}|\s*[(（,，:]\s*{_CONTACT})"
    ),
    # "Contact person: Li Ming", "Contact: Amy Chen".
    re.compile(rf"(?P<intro>[Cc]ontact(?:\s+person)?\s*:\s*(?:{_TITLE})?)(?P<name>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){{1,2}})\b"),
    # 联系人：陈晓东 / 姓名：王芳 (the label alone shows intent).
    re.compile(rf"(?P<intro>(?:联系人|姓名)\s*[:：]?\s*)(?P<name>(?:{_SURNAMES})[{_CJK}]{{1,2}}?)(?=先生|女士|老师|[^{_CJK}]|$)"),
    # 请联系王芳（[EMAIL]） / 找张伟，电话[PHONE]: a surname, one or two characters, then a contact detail.
    re.compile(
        rf"(?P<intro>联系|找|致电|询问)(?!方式|方法|方面|电话|邮箱|地址)(?P<name>(?:{_SURNAMES})[{_CJK}]{{1,2}}?)(?:先生|女士|老师)?"
        rf"(?=\s*[（(]\s*{_CONTACT}|\s*[，,:：]?\s*(?:电话|手机|微信|邮箱|QQ)?\s*[:：]?\s*{_CONTACT})"
    ),
]


def _id_number(match: re.Match[str]) -> str:
    """``[ID_NUMBER]`` when the check character is right, else the text unchanged."""
    value = match.group(0).upper()
    digits = np.frombuffer(value[:17].encode("ascii"), dtype=np.uint8) - ord("0")
    return "[ID_NUMBER]" if _ID_CHECK[int(digits @ _ID_WEIGHTS) % 11] == value[17] else match.group(0)


def _ipv6(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv6Address(match.group(0))
    except ValueError:
        return match.group(0)
    return "[IP]"


#: Every pattern of :func:`_rules` needs a Unicode digit or one of these (case
#: ignored) to match: a text with none of them is left unchanged, so the rules run on
#: the others only.  A new rule that needs none of them must extend this list
#: (``tests/test_openended.py::test_redaction_prefilter_misses_nothing``).
_MAYBE_PERSONAL = ("@", ":", "：", "[", "www.", "wechat", "weixin", "wx", "vx", "微信", "qq", "联系人", "姓名")


def _rules() -> list[tuple[str, re.Pattern[str], Any]]:
    """(type, pattern, replacement) in the order they are applied; earlier types shield later ones."""
    keep = r"\g<intro>"
    return [
        ("EMAIL", _EMAIL, "[EMAIL]"),
        ("URL", _URL, "[URL]"),
        *[("WECHAT", p, keep + "[WECHAT]") for p in _WECHAT],
        ("QQ", _QQ, keep + "[QQ]"),
        ("ID_NUMBER", _ID_NUMBER, _id_number),
        ("IP", _IPV4, "[IP]"),
        ("IP", _IPV6, _ipv6),
        *[("PHONE", p, "[PHONE]") for p in _PHONES],
        *[("NAME", p, keep + "[NAME]") for p in _NAMES],
    ]


def redact(texts: pd.Series) -> tuple[pd.Series, dict[str, int]]:
    """Replace personal data in free text with typed placeholders.

    Placeholders: ``[EMAIL]``, ``[URL]``, ``[WECHAT]``, ``[QQ]``, ``[ID_NUMBER]``,
    ``[IP]``, ``[PHONE]``, ``[NAME]``.  Labels stay ("WeChat: [WECHAT]").  Ordinary
    numbers are not touched: quantities (``30,000``, ``100000个``), money, dates
    (``2020-03-15``, ``2020年3月15日``), times, years and percentages.  See the
    module docstring for what is *not* found.

    Parameters
    ----------
    texts : pandas.Series
        Free text; missing values stay missing.

    Returns
    -------
    redacted : pandas.Series
        Same index and name.
    counts : dict of str to int
        Replacements per type, every type present (0 when none).

    Examples
    --------
    >>> out, n = redact(pd.Series(["Mail amy@example.com", "We sent 30,000 masks"]))
    >>> out.tolist(), n["EMAIL"], n["PHONE"]
    (['Mail [EMAIL]', 'We sent 30,000 masks'], 1, 0)
    """
    counts = dict.fromkeys(REDACTION_TYPES, 0)
    present = _is_text(texts).to_numpy()
    if not present.any():
        return texts.copy(), counts
    values = texts.to_numpy(dtype=object)
    rows = np.flatnonzero(present)
    maybe = rows[contains(prepare(values[rows].tolist()), _MAYBE_PERSONAL, digits=True)]
    if not len(maybe):
        return texts.copy(), counts
    text = pd.Series(values[maybe], dtype=object)
    for kind, pattern, replacement in _rules():
        token = re.escape(f"[{kind}]")
        before = int(text.str.count(token).sum())
        text = text.str.replace(pattern, replacement, regex=True)
        counts[kind] += int(text.str.count(token).sum()) - before
    values = values.copy()
    values[maybe] = text.to_numpy(dtype=object)
    out = pd.Series(values, index=texts.index, name=texts.name, dtype=object)
    return (out if texts.dtype == object else out.astype(texts.dtype)), counts


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
    """Read and validate a coding frame (YAML, safe-loaded) against the study's languages.

    The file's format is :class:`survey.instrument.planschema.CodingFrameDoc`:
    ``themes:``, a list of ``{id, label: {<lang>: ...}, patterns: {<lang>: [...]}}``.
    Patterns are regular expressions matched case-insensitively anywhere in an
    account; an account carries a theme when any of its patterns (of any language)
    matches.

    Raises
    ------
    PlanError
        One message naming the file and listing every problem with its YAML path:
        unreadable YAML, ids that repeat or are not snake_case, labels missing a
        language, patterns that do not compile or are in a language the study lacks.

    Examples
    --------
    >>> frame = load_coding_frame("analysis/ccg-2020-coding.yaml")  # doctest: +SKIP
    >>> frame.ids[:2]  # doctest: +SKIP
    ['donations', 'medical_science']
    """
    from survey.instrument.plan import load_coding_frame_doc

    doc = load_coding_frame_doc(path, languages)
    themes = tuple(Theme(t.id, dict(t.label), {lang: tuple(ps) for lang, ps in t.patterns.items()})
                   for t in doc.themes)
    return CodingFrame(themes, tuple(languages))


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
