"""Open-ended answers: language, rule-based theme coding, coder agreement.

The stages, in the order a run uses them::

    redacted, counts = redact(texts, policy)    # survey.text.redact, before anything else
    language = detect_language(redacted, instrument.languages)
    frame = load_coding_frame("analysis/<study>-coding.yaml", instrument.languages)
    codes = code_accounts(redacted, frame)      # one 0/1 column per theme
    theme_frequencies(codes, n_asked, frame)
    coder_agreement(codes, human)               # against a human coder's file

The study's themes live in its coding-frame YAML; nothing here knows a study.
Redaction of personal data is :mod:`survey.text.redact`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.instrument.coding import UNCODED, UNCODED_LABEL, CodingFrame, Theme, load_coding_frame  # noqa: F401
from survey.text.language import detect_language  # noqa: F401
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

# Which language each account is in: survey.text.language (lingua, restricted to the
# instrument's languages); imported above and importable from here.


# --------------------------------------------------------------------------- coding frame

# The frame is declared with the plan and loaded with it: survey.instrument.coding (its
# names are imported above and stay importable from here).


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
    hits = (
        np.column_stack(
            [
                any_match(
                    accounts, [p for ps in t.patterns.values() for p in ps], prepared=prepared
                )
                for t in frame.themes
            ]
        )
        if frame.themes
        else np.zeros((len(rows), 0), dtype=bool)
    )
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
        raise DataError(
            f"theme frequencies: n_asked {n_asked} is smaller than the {n_accounts} accounts"
        )
    count = codes[accounts].sum().astype(int)
    labels = [frame.label(t, lang) if frame is not None else t for t in codes.columns]
    return pd.DataFrame(
        {
            "theme": list(codes.columns),
            "label": labels,
            "count": count.to_numpy(),
            "pct_of_accounts": 100 * count.to_numpy() / n_accounts if n_accounts else np.nan,
            "pct_of_asked": 100 * count.to_numpy() / n_asked if n_asked else np.nan,
        }
    )


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
    rows = []
    for column in _human_columns(auto, human):
        theme = column[len(HUMAN_PREFIX) :]
        h = _human_codes(human[column])
        pair = pd.concat(
            [auto[theme].rename("auto"), h.rename("human")], axis=1, join="inner"
        ).dropna()
        table = pd.crosstab(pair["auto"], pair["human"]).reindex(
            index=[0, 1], columns=[0, 1], fill_value=0
        )
        n = len(pair)
        rows.append(
            {
                "theme": theme,
                "n": n,
                "pct_agreement": 100 * np.trace(table.to_numpy()) / n if n else np.nan,
                **_kappa(table.to_numpy(), cohens_kappa),
            }
        )
    return pd.DataFrame(rows, columns=["theme", "n", "pct_agreement", "kappa", "ci_low", "ci_high"])


def _human_columns(auto: pd.DataFrame, human: pd.DataFrame) -> list[str]:
    """The ``human_<theme id>`` columns; an error when there are none or one names no theme."""
    columns = [str(c) for c in human.columns if str(c).startswith(HUMAN_PREFIX)]
    if not columns:
        raise DataError(
            f"human codes: no column named {HUMAN_PREFIX}<theme id> (columns: {list(human.columns)})"
        )
    unknown = [c for c in columns if c[len(HUMAN_PREFIX) :] not in auto.columns]
    if unknown:
        raise DataError(f"human codes: {unknown} name no theme (themes: {list(auto.columns)})")
    return columns


def _human_codes(values: pd.Series) -> pd.Series:
    """A human coder's 0/1 codes (NaN where blank); an error naming other values."""
    codes = pd.to_numeric(values, errors="coerce").where(values.notna())
    bad = values[values.notna() & ~codes.isin([0, 1])]
    if not bad.empty:
        raise DataError(
            f"human codes: column '{values.name}' holds {sorted(map(str, bad.unique()))[:5]}; use 0, 1 or blank"
        )
    return codes


def _kappa(table: np.ndarray, cohens_kappa: Any) -> dict[str, float]:
    n = table.sum()
    chance = (table.sum(axis=0) * table.sum(axis=1)).sum() / n**2 if n else 1.0
    if n == 0 or np.isclose(chance, 1.0):
        return {"kappa": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    res = cohens_kappa(table)
    return {
        "kappa": float(res.kappa),
        "ci_low": float(res.kappa_low),
        "ci_high": float(res.kappa_upp),
    }


def joined_names(hits: np.ndarray, names: list[str]) -> list[str]:
    """Per row, the names of its True columns joined by ``;`` (each distinct row joined once).

    Examples
    --------
    >>> joined_names(np.array([[True, False], [True, True]]), ["a", "b"])
    ['a', 'a;b']
    """
    if not len(hits):
        return []
    key = (
        hits.astype(object) @ [1 << k for k in range(hits.shape[1])]
        if hits.shape[1] > 62
        else hits.astype(np.int64) @ (np.int64(1) << np.arange(hits.shape[1], dtype=np.int64))
    )
    keys, row_key = np.unique(key, return_inverse=True)
    joined = np.array(
        [";".join(n for k, n in enumerate(names) if int(pattern) >> k & 1) for pattern in keys],
        dtype=object,
    )
    return joined[row_key.ravel()].tolist()
