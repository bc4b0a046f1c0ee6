"""Random raw data made from an instrument alone, for benchmarks and property tests.

:func:`synthetic_raw` draws answers uniformly from each question's codes (numbers
from its range), respects skip logic, passes attention checks and gives plausible
times; with ``invalid_share`` it spoils that share of rows the way real exports are
spoiled (unsubmitted, failed attention check, speeding).  Free-text questions get
text from ``text_share`` of the respondents asked: sentences of random words from the
instrument's own wording (English or Chinese), a few with an e-mail address or a
phone number, so that redaction, language detection and theme coding have work to
do.  It knows no study: all it uses is the instrument.  It is not the reconstruction of any published survey (that
lives in ``raw/`` with its own generator).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from survey.instrument import Instrument, conditions

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Sentences made per language and free-text question; an answer joins two of the
#: same language, so answers are (almost all) distinct, as real accounts are.
TEXT_POOL = 2_000
_EN_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _vocabulary(instrument: Instrument) -> tuple[list[str], list[str]]:
    """English words and Chinese character runs of the instrument's question and code texts."""
    en: list[str] = []
    zh: list[str] = []
    for q in instrument.questions:
        texts = [
            q.wording("en"),
            q.wording("zh"),
            *(c.text("en") for c in q.codes),
            *(c.text("zh") for c in q.codes),
        ]
        for t in texts:
            en += _EN_WORD.findall(t or "")
            for run in _CJK_RUN.findall(t or ""):
                zh += [run[i : i + 2] for i in range(0, len(run), 2)]
    return sorted(set(en)) or ["text"], sorted(set(zh)) or ["文本"]


def _text_pool(
    words: list[str], sep: str, end: str, size: int, rng: np.random.Generator
) -> np.ndarray:
    """``size`` sentences of 3-20 random ``words``; 1% end with an e-mail address, 1% with a phone number."""
    out = []
    for i in range(size):
        text = (
            sep.join(words[j] for j in rng.integers(0, len(words), int(rng.integers(3, 21)))) + end
        )
        contact = rng.random()
        if contact < 0.01:
            text += f" Contact me at user{i}@example.org."
        elif contact < 0.02:
            text += f" 电话 13{int(rng.integers(0, 10**9)):09d}"
        out.append(text)
    return np.array(out, dtype=object)


def _free_text(instrument: Instrument, answer: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Text where ``answer`` is True, else ""; half English, half Chinese, two sentences each."""
    en, zh = _vocabulary(instrument)
    pools = [_text_pool(en, " ", ".", TEXT_POOL, rng), _text_pool(zh, "", "。", TEXT_POOL, rng)]
    rows = np.flatnonzero(answer)
    lang = rng.integers(0, 2, len(rows))
    first, second = rng.integers(0, TEXT_POOL, (2, len(rows)))
    out = np.full(len(answer), "", dtype=object)
    for k, sep in ((0, " "), (1, "")):
        mine = lang == k
        out[rows[mine]] = pools[k][first[mine]] + sep + pools[k][second[mine]]
    return out


def _answers(instrument: Instrument, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for q in instrument.questions:
        if q.type == "paradata":
            continue
        if q.attention_check:
            cols[q.id] = np.full(n, np.nan)  # filled by the caller with a passing code
        elif q.type == "numeric":
            lo, hi = q.range or (18, 80)  # a YAML numeric has a range; one built in code may not
            cols[q.id] = rng.integers(int(max(lo, 18)), int(min(hi, 80)) + 1, n).astype(float)
        elif q.type == "multi":
            ticks = rng.integers(0, 2, (n, len(q.codes)))
            ticks[np.arange(n), rng.integers(0, len(q.codes), n)] = 1
            for j, col in enumerate(q.columns):
                cols[col] = ticks[:, j].astype(float)
        elif q.coded:
            cols[q.id] = rng.choice([c.code for c in q.codes], n).astype(float)
        else:
            cols[q.id] = np.full(n, np.nan)
    return cols


def synthetic_raw(
    instrument: Instrument,
    n: int,
    *,
    seed: int = 0,
    invalid_share: float = 0.0,
    attention_code: int | None = None,
    text_share: float = 0.3,
) -> pd.DataFrame:
    """A raw frame (strings, canonical layout) of ``n`` random submissions.

    Parameters
    ----------
    instrument : Instrument
        At the version to generate for.
    n : int
        Number of rows.
    seed : int
        Seed of numpy's default generator; the same seed gives the same frame.
    invalid_share : float
        Share of rows spoilt: a third unsubmitted, a third failing the attention
        check, a third speeding.
    attention_code : int, optional
        The passing code of attention checks (default: the attention rule's first
        ``pass_codes`` entry).
    text_share : float
        Share of the respondents asked a free-text question who answer it.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> raw = synthetic_raw(instrument, 1000, seed=1, invalid_share=0.1)  # doctest: +SKIP
    """
    rng = np.random.default_rng(seed)
    numbers = pd.DataFrame(_answers(instrument, n, rng))
    passing = _attention_code(instrument) if attention_code is None else attention_code
    attention = [q.id for q in instrument.questions if q.attention_check]
    for qid in attention:
        numbers[qid] = float(passing)
    _blank_not_asked(numbers, instrument)
    seconds = np.round(rng.lognormal(np.log(420), 0.35, n))
    spoil = rng.random(n) < invalid_share
    kind = rng.integers(0, 3, n)
    seconds = np.where(spoil & (kind == 2), np.maximum(np.round(seconds * 0.05), 1), seconds)
    for qid in attention:
        numbers.loc[spoil & (kind == 1), qid] = float(passing % 5 + 1)
    text = numbers.astype("Int64").astype("string").fillna("")
    free = _free_answers(instrument, numbers, text_share, rng)
    start = pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 86400 * 30, n), unit="s")
    submit = pd.Series((start + pd.to_timedelta(seconds, unit="s")).strftime(TIME_FORMAT))
    submit[spoil & (kind == 0)] = ""
    return _raw_frame(instrument, text, free, start, submit, rng)


def _attention_code(instrument: Instrument) -> int:
    """The passing code of attention checks: the attention rule's first ``pass_codes`` entry, or 1."""
    rule = next((r for r in instrument.quality if r.rule == "attention"), None)
    return int(rule.params["pass_codes"][0]) if rule else 1


def _blank_not_asked(numbers: pd.DataFrame, instrument: Instrument) -> None:
    """Blank, in place and in questionnaire order, the answers of respondents not asked."""
    for q in instrument.questions:
        if q.ask_if is not None and q.type != "paradata":
            not_asked = ~conditions.evaluate(q.ask_if, numbers).to_numpy()
            for col in q.columns:
                numbers.loc[not_asked, col] = np.nan


def _free_answers(
    instrument: Instrument, numbers: pd.DataFrame, text_share: float, rng: np.random.Generator
) -> dict[str, pd.Series]:
    """Each free-text question's answers: ``text_share`` of those asked answer it."""
    n = len(numbers)
    free: dict[str, pd.Series] = {}
    for q in instrument.questions:
        if q.type == "text":
            asked = (
                np.ones(n, dtype=bool)
                if q.ask_if is None
                else conditions.evaluate(q.ask_if, numbers).fillna(False).to_numpy(bool)
            )
            free[q.id] = pd.Series(
                _free_text(instrument, asked & (rng.random(n) < text_share), rng), dtype=object
            )
    return free


def _raw_frame(
    instrument: Instrument,
    text: pd.DataFrame,
    free: dict[str, pd.Series],
    start: pd.DatetimeIndex,
    submit: pd.Series,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The raw columns in the instrument's order: paradata, free text and coded answers."""
    n = len(submit)
    out = {}
    for q in instrument.questions:
        if q.role == "id":
            out[q.id] = pd.Series([f"S{i:08d}" for i in range(n)])
        elif q.role == "start":
            out[q.id] = pd.Series(start.strftime(TIME_FORMAT))
        elif q.role == "submit":
            out[q.id] = submit
        elif q.role == "ip":
            out[q.id] = pd.Series(rng.integers(0, 2**24, n)).map(
                lambda v: f"10.{v >> 16}.{(v >> 8) & 255}.{v & 255}"
            )
        elif q.role == "language":
            out[q.id] = pd.Series(rng.choice([str(c.code) for c in q.codes], n))
        elif q.type == "paradata":
            out[q.id] = pd.Series([""] * n)
        elif q.id in free:
            out[q.id] = free[q.id]
        else:
            for col in q.columns:
                out[col] = text[col]
    return pd.DataFrame(out)[list(instrument.raw_columns)]
