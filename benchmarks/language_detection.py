"""Micro-benchmark of :func:`survey.text.language.detect_language` on short open answers.

``python benchmarks/language_detection.py --n 1000000`` builds ``n`` short texts (3-12
words, almost all distinct) for two pairs of languages and times, once each:

- ``en+zh``: half English, half Chinese (words and character pairs of the embedded
  instrument, as :mod:`survey.synth` makes them): the script pass decides nearly all;
- ``en+zh, lingua alone``: the same texts, every one through lingua (no script pass);
- ``en+es``: half English, half Spanish (words of the test fixture's answers): both
  Latin, so lingua decides every text.

It prints one line per case (seconds, microseconds per text, share of texts tagged as
their generator wrote them).  Figures and the machine are in
``benchmarks/language_detection.md``.  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey.instrument import load_instrument
from survey.text.language import _lingua, detect_language
from tests.fixtures.i18n.make_raw import ENGLISH, SPANISH


def _words(sentences: list[str]) -> list[str]:
    return sorted({w for s in sentences for w in re.findall(r"[^\W\d_]+", s.lower())})


def texts(n: int, first: list[str], second: list[str], seps: tuple[str, str], seed: int = 0) -> tuple[list[str], np.ndarray]:
    """``n`` texts of 3-12 random words, half from each vocabulary; and which vocabulary (0/1) made each."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, 2, n)
    lengths = rng.integers(3, 13, n)
    out = []
    for k, size in zip(which, lengths):
        vocab = first if k == 0 else second
        out.append(seps[k].join(vocab[j] for j in rng.integers(0, len(vocab), size)))
    return out, which


def timed(label: str, func, expected: np.ndarray, codes: tuple[str, str]) -> None:
    start = time.perf_counter()
    tags = np.asarray(func())
    seconds = time.perf_counter() - start
    right = float(np.mean(tags == np.where(expected == 0, codes[0], codes[1])))
    print(f"{label:<22} {seconds:8.1f} s {1e6 * seconds / len(expected):8.1f} us/text   tagged as written: {right:.4f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000, help="texts per case (default 100,000)")
    n = p.parse_args().n
    from survey.synth import _vocabulary

    en, zh = _vocabulary(load_instrument(ROOT / "instruments" / "ccg-2020.yaml"))
    enzh, which = texts(n, en, zh, (" ", ""))
    print(f"{n:,} texts per case; mean length en+zh {np.mean([len(t) for t in enzh]):.0f} characters")
    series = pd.Series(enzh, dtype=object)
    timed("en+zh", lambda: detect_language(series, ("en", "zh")), which, ("en", "zh"))
    timed("en+zh, lingua alone", lambda: _lingua(enzh, ("en", "zh")), which, ("en", "zh"))
    enes, which = texts(n, _words(ENGLISH), _words(SPANISH), (" ", " "), seed=1)
    series = pd.Series(enes, dtype=object)
    timed("en+es", lambda: detect_language(series, ("en", "es")), which, ("en", "es"))


if __name__ == "__main__":
    main()
