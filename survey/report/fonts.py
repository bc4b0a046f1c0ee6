"""Finding a font that can draw Chinese labels in charts.

Matplotlib's default font (DejaVu Sans) has no CJK glyphs: Chinese labels would
come out as empty boxes.  :func:`cjk_font` looks, once per process, for a font
that really holds the glyphs (checked glyph by glyph, not trusted from its
name): first the one the package installs (``noto-cjk-sans-otc``, Noto Sans CJK),
then well-known CJK families installed on the system, then any installed font.
:func:`chart_rc` gives the rcParams that put it first (Chinese charts) or right
after DejaVu Sans as a per-glyph fallback (English charts).

If no such font exists, a :class:`MissingCJKFontWarning` is issued once and the
charts fall back to the default font (matplotlib then warns about each missing
glyph as well, so boxes never appear silently).
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

#: Characters a font must have to count as CJK-capable.
PROBE = "中美合作调查同意"

#: Families tried first, in order of preference (Simplified Chinese forms first).
PREFERRED = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "Heiti SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
)

LATIN = "DejaVu Sans"


class MissingCJKFontWarning(UserWarning):
    """No installed font can draw Chinese characters."""


def bundled_font_files() -> list[Path]:
    """CJK font files shipped by Python packages the project depends on (may be empty)."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return []
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return [path] if path.is_file() else []


def has_glyphs(path: str | Path, index: int = 0, text: str = PROBE) -> bool:
    """Whether face ``index`` of the font file at ``path`` has a glyph for every character of ``text``.

        Examples
        --------
        >>> import matplotlib
    from matplotlib import font_manager
        >>> has_glyphs(font_manager.findfont("DejaVu Sans"))
        False
    """
    try:
        try:
            font = FT2Font(str(path), face_index=index)
        except TypeError:  # matplotlib < 3.10 has no face_index
            font = FT2Font(str(path))
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


@functools.cache
def _register_bundled() -> tuple[str, ...]:
    """Add the bundled font files to matplotlib's font manager (once); their family names."""
    before = len(font_manager.fontManager.ttflist)
    for path in bundled_font_files():
        font_manager.fontManager.addfont(str(path))
    return tuple(e.name for e in font_manager.fontManager.ttflist[before:])


def _entries() -> list[Any]:
    """Font entries in a fixed order (so the choice does not depend on the cache's order)."""
    return sorted(
        font_manager.fontManager.ttflist,
        key=lambda e: (e.name, e.fname, getattr(e, "index", 0), str(e.weight), e.style),
    )


def _capable(entries: list[Any], family: str) -> bool:
    faces = [e for e in entries if e.name == family and e.style == "normal"]
    return any(has_glyphs(e.fname, getattr(e, "index", 0)) for e in faces)


@functools.cache
def cjk_font() -> str | None:
    """The family name of a font with CJK glyphs, or None (then warns once).

    Examples
    --------
    >>> cjk_font()  # doctest: +SKIP
    'Noto Sans CJK SC'
    """
    bundled = _register_bundled()
    entries = _entries()
    for family in (*[f for f in PREFERRED if f in bundled], *PREFERRED):
        if _capable(entries, family):
            return family
    tried: set[str] = set()
    for e in entries:
        if (
            e.name not in tried
            and e.style == "normal"
            and e.fname.lower().endswith((".ttf", ".otf", ".ttc", ".otc"))
        ):
            tried.add(e.name)
            if has_glyphs(e.fname, getattr(e, "index", 0)):
                return str(e.name)
    warnings.warn(
        "no installed font has Chinese glyphs: Chinese chart labels cannot be drawn "
        "(install the package 'noto-cjk-sans-otc' or a system CJK font such as fonts-noto-cjk)",
        MissingCJKFontWarning,
        stacklevel=2,
    )
    return None


def cjk_font_path() -> str | None:
    """The file matplotlib uses for :func:`cjk_font`, or None."""
    family = cjk_font()
    if family is None:
        return None
    return str(
        font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    )


def families(lang: str = "en") -> list[str]:
    """Font families for charts in ``lang``: the CJK font first for Chinese, else as fallback.

    Examples
    --------
    >>> families("zh")  # doctest: +SKIP
    ['Noto Sans CJK SC', 'DejaVu Sans']
    """
    cjk = cjk_font()
    if cjk is None:
        return [LATIN]
    return [cjk, LATIN] if lang == "zh" else [LATIN, cjk]


def has_bold(family: str) -> bool:
    """Whether ``family`` has a bold face (else matplotlib logs a warning for every bold text)."""
    return any(
        e.name == family and _weight(e.weight) >= 600 for e in font_manager.fontManager.ttflist
    )


def _weight(weight: Any) -> int:
    return int(weight) if str(weight).isdigit() else font_manager.weight_dict.get(str(weight), 400)


def chart_rc(lang: str = "en") -> dict[str, Any]:
    """rcParams for charts in ``lang``: font families, and bold titles only where every family has bold."""
    fams = families(lang)
    return {
        "font.family": fams,
        "axes.titleweight": "bold" if all(has_bold(f) for f in fams) else "normal",
        "font.sans-serif": [
            *fams,
            *[f for f in matplotlib.rcParams["font.sans-serif"] if f not in fams],
        ],
        "axes.unicode_minus": False,
    }
