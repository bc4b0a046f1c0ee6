"""The report as data: its blocks (headings, paragraphs, lists, tables, images) and number formats.

:mod:`survey.report.sections` makes the blocks, :mod:`survey.report.render` writes them
as Markdown and HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.report.words import Words

# ------------------------------------------------------------------ document model


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    text: str
    kind: str = "p"  # p, note or alert


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    groups: tuple[tuple[str, int], ...] = ()  # a header row above: (label, columns spanned)
    wide: bool = False


@dataclass(frozen=True)
class Image:
    name: str
    alt: str
    data: bytes


Block = Heading | Para | Bullets | Table | Image


# ------------------------------------------------------------------ formatting


def _num(value: Any, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or pd.isna(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0.00"


def _int(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _p(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _interval(low: Any, high: Any, decimals: int = 1) -> str:
    return f"{_num(low, decimals)}–{_num(high, decimals)}"


def sentences(w: Words, parts: Sequence[str]) -> str:
    """Sentences one after the other, as the language writes them (a space in English, none in Chinese)."""
    text = parts[0]
    for part in parts[1:]:
        text = w("sentences", first=text, next=part)
    return text


def _meta(value: Any, lang: str) -> str:
    """A study metadata entry: bilingual mapping or plain text."""
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _has(results: Mapping[str, Any], key: str) -> bool:
    value = results.get(key)
    return value is not None and not (isinstance(value, pd.DataFrame) and value.empty)
