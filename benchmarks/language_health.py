"""Language detection of 10,000 open answers made of the health-2024 raw file's own sentences.

``python3 benchmarks/language_health.py`` splits every open answer of
``raw/health-2024-wave1.csv`` into sentences, tags each answer's language with lingua
in high-accuracy mode among the instrument's languages (en, es), and builds 10,000
texts of 1-3 sentences of one language (drawn with a fixed seed, so some repeat as
real answers do).  It then times, twice each (cold, then warm), on the same texts:

- ``lingua high accuracy``: every distinct text through lingua's high-accuracy mode
  (what :func:`survey.text.language.detect_language` did before);
- ``detect_language``: the function as it is now.

Each line gives seconds, microseconds per text, CPU seconds (lingua's threads included:
the fairer figure on a shared machine) and the share of texts tagged with the
language their sentences were drawn from.  Figures are in
``benchmarks/language_detection.md``.  Not part of the test suite.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey.instrument import load_instrument
from survey.text import language

N, SEED, LANGUAGES = 10_000, 2024, ("en", "es")


def _high(texts: list[str]) -> np.ndarray:
    """lingua in high-accuracy mode on every distinct text (the former path)."""
    known = language._lingua_languages(LANGUAGES)
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_languages(*known).build()
    codes, unique = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    found = detector.detect_languages_in_parallel_of(list(unique))
    return np.array(["" if lang is None else known[lang] for lang in found], dtype=object)[codes]


def texts() -> tuple[list[str], np.ndarray]:
    """The 10,000 texts and the language each one's sentences come from."""
    inst = load_instrument(ROOT / "instruments" / "health-2024.yaml")
    raw = pd.read_csv(ROOT / "raw" / "health-2024-wave1.csv", dtype=str, keep_default_na=False)
    answers = [a for q in inst.questions if q.type == "text" for a in raw[q.id] if a.strip()]
    tags = _high(answers)
    pools: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for answer, tag in zip(answers, tags):
        if tag:
            pools[tag] += [s for s in re.split(r"(?<=[.!?;])\s+", answer.strip()) if s]
    rng = np.random.default_rng(SEED)
    share_es = len(pools["es"]) / (len(pools["en"]) + len(pools["es"]))
    which = np.where(rng.random(N) < max(share_es, 0.3), "es", "en")
    out = [" ".join(rng.choice(pools[lang], rng.integers(1, 4))) for lang in which]
    return out, which


def timed(label: str, func, expected: np.ndarray) -> np.ndarray:
    start, cpu = time.perf_counter(), time.process_time()
    tags = np.asarray(func())
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<24} {seconds:7.2f} s {1e6 * seconds / len(expected):8.1f} us/text  "
          f"(CPU {cpu:5.2f} s, all threads)   tagged as drawn: {np.mean(tags == expected):.4f}")
    return tags


def main() -> None:
    made, which = texts()
    series = pd.Series(made, dtype=object)
    lengths = series.str.len()
    print(f"{len(made):,} texts, {series.nunique():,} distinct, {np.mean(which == 'es'):.2f} Spanish; "
          f"length mean {lengths.mean():.0f}, median {lengths.median():.0f} characters")
    for run in ("cold", "warm"):  # cold: each detector's models load on first use
        print(run)
        before = timed("lingua high accuracy", lambda: _high(made), which)
        after = timed("detect_language", lambda: language.detect_language(series, LANGUAGES), which)
    keys, long = language._keys(made)
    print(f"same tag as lingua high accuracy: {np.mean(before == after):.4f}; distinct texts lingua is "
          f"asked now: {len(set(keys)):,}, {len(set(keys[long])):,} of them long (low-accuracy detector)")


if __name__ == "__main__":
    main()
