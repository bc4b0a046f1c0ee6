"""The package's own words in the analyst's language: gettext message catalogues.

Every phrase the package itself writes (the report's fixed text, chart notes, the
questionnaire's and XLSForm's instructions, the codebook's headings, SPSS labels such
as "Weight", indicator labels "Yes"/"No", workbook notes, the run summary) is an
English message marked in the code, ``N_("...")`` in a table of text or
``t.gettext("...")`` / ``t.pgettext(context, "...")`` where it is used, and translated by
the catalogue of the output language::

    survey/locale/survey.pot                      template, extracted from the code
    survey/locale/<lang>/LC_MESSAGES/survey.po    one catalogue per language
    survey/locale/<lang>/LC_MESSAGES/survey.mo    compiled (committed: nothing to build)

Adding a language is adding a catalogue (``docs/translating.md``).  A study's own
text never comes from here: wording, option labels and study metadata come from the
instrument in the language asked for.

English, the language of the messages, is the fallback: a message the catalogue
lacks (or every message, for a language without a catalogue) is shown in English
and recorded in :attr:`Translator.missing`, so that a run can say so once
(:func:`fallback_note`).

This module is ours because gettext gives the catalogues but not the record of what
fell back, and Babel gives language names (CLDR) but no choice of catalogue.  It sits
at the bottom of the layering: it imports nothing of the package but :mod:`survey.errors`.

Examples
--------
>>> translator("zh").gettext("Weight")
'权重'
>>> translator("es").gettext("Design effect of the weights {deff}; effective sample size {n_eff}.",
...                          deff="1.20", n_eff="1,480")
'Efecto de diseño de las ponderaciones: 1.20; tamaño muestral efectivo: 1,480.'
"""

from __future__ import annotations

import gettext
import threading
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

from survey.errors import LanguageError

DOMAIN = "survey"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The language the messages are written in (what a missing translation falls back to).
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; it is translated where it is used.

    Examples
    --------
    >>> TITLE = N_("Toplines")
    >>> translator("zh").gettext(TITLE)
    '频数分布'
    """
    return message


class _Recorder(gettext.NullTranslations):
    """The last fallback of a catalogue: English, noting each message it had to give."""

    def __init__(self, missing: set[str]) -> None:
        super().__init__()
        self._missing = missing
        self._lock = threading.Lock()

    def gettext(self, message: str) -> str:
        with self._lock:  # the run's writer thread translates too
            self._missing.add(message)
        return message

    def pgettext(self, context: str, message: str) -> str:
        with self._lock:
            self._missing.add(f"{context}|{message}")
        return message


class Translator:
    """The catalogue of one language, falling back to English message by message.

    Build it with :func:`translator` (one per language and process).

    Examples
    --------
    >>> t = translator("es")
    >>> t.gettext("Weight"), t.pgettext("workbook", "Question")
    ('Ponderación', 'Pregunta')
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.path = catalogue_path(lang)
        self._missing: set[str] = set()
        if self.path is None:
            self._catalogue: gettext.NullTranslations = _Recorder(self._missing)
        else:
            with open(self.path, "rb") as fh:
                self._catalogue = gettext.GNUTranslations(fh)
            self._catalogue.add_fallback(_Recorder(self._missing))

    def gettext(self, message: str, **fields: object) -> str:
        """``message`` in this language, with ``{fields}`` filled in when given."""
        text = self._catalogue.gettext(message)
        return text.format(**fields) if fields else text

    def pgettext(self, context: str, message: str, **fields: object) -> str:
        """``message`` as used in ``context`` (where one English word has two translations)."""
        text = self._catalogue.pgettext(context, message)
        return text.format(**fields) if fields else text

    def has(self, message: str) -> bool:
        """Whether the catalogue translates ``message`` (asking records nothing)."""
        return message in getattr(self._catalogue, "_catalog", {})

    @property
    def missing(self) -> list[str]:
        """Messages shown in English so far for want of a translation (``context|message``)."""
        return sorted(self._missing)


@cache
def translator(lang: str) -> Translator:
    """The :class:`Translator` of ``lang`` (cached: one per language and process)."""
    return Translator(lang)


def _candidates(lang: str) -> list[str]:
    """Catalogue folders to try for a language tag: ``zh-Hans`` -> zh_Hans, zh."""
    tag = lang.replace("-", "_")
    return list(dict.fromkeys([lang, tag, tag.split("_")[0]]))


def catalogue_path(lang: str) -> Path | None:
    """The compiled catalogue (.mo) used for ``lang``, or None when there is none."""
    for name in _candidates(lang):
        path = LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if path.is_file():
            return path
    return None


def catalogue_languages() -> tuple[str, ...]:
    """Languages the package has a catalogue for (``en``, ``es``, ``zh`` ...)."""
    return tuple(
        sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    )


def fallback_note(lang: str) -> str | None:
    """One line, in ``lang``, saying how many messages were shown in English for want of a translation.

    None when there were none.

    Examples
    --------
    >>> fallback_note("en") is None
    True
    """
    t = translator(lang)
    missing = len(t.missing)
    if not missing:
        return None
    name = (
        language_name(lang, lang) if t.has(FALLBACK_NOTE) else english_name(lang)
    )  # the note's own language
    return t.gettext(FALLBACK_NOTE, n=missing, language=name, lang=lang, domain=DOMAIN)


FALLBACK_NOTE = N_(
    "note: {n} messages have no {language} translation and are shown in English; add them to "
    "survey/locale/{lang}/LC_MESSAGES/{domain}.po (docs/translating.md)"
)


# --------------------------------------------------------------------------- language names

#: Names of the shipped languages, translated by the catalogues where CLDR's differ
#: from the usage of the package's documents (Chinese reports say 英文, not 英语).
LANGUAGE_NAMES = (N_("English"), N_("Chinese"), N_("Spanish"))


def english_name(code: str) -> str:
    """The English name of a language code (CLDR, via Babel): ``es`` -> ``Spanish``; else the code.

    Examples
    --------
    >>> english_name("zh"), english_name("pt"), english_name("qq")
    ('Chinese', 'Portuguese', 'qq')
    """
    return _cldr_name(code, SOURCE_LANGUAGE) or code


@lru_cache(maxsize=1)
def _codes_by_english_name() -> dict[str, str]:
    from babel import Locale

    return {
        name.lower(): code
        for code, name in sorted(Locale.parse(SOURCE_LANGUAGE).languages.items())
        if "_" not in code
    }


def language_code(name: str) -> str | None:
    """The code of a language given by its English name (CLDR): ``Spanish`` -> ``es``; None if unknown.

    Examples
    --------
    >>> language_code("Spanish"), language_code("chinese"), language_code("Klingonese")
    ('es', 'zh', None)
    """
    return _codes_by_english_name().get(name.strip().lower())


def language_name(code: str, lang: str) -> str:
    """The name of language ``code`` in language ``lang``: the catalogue's, else CLDR's, else the code.

    Examples
    --------
    >>> language_name("en", "zh"), language_name("zh", "es"), language_name("fr", "es")
    ('英文', 'chino', 'francés')
    """
    english = english_name(code)
    t = translator(lang)
    if english in LANGUAGE_NAMES and t.has(english):
        return t.gettext(english)
    return _cldr_name(code, lang) or english


@lru_cache(maxsize=256)
def _cldr_name(code: str, lang: str) -> str | None:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(
            Locale.parse(lang.replace("-", "_"))
        )
    except (UnknownLocaleError, ValueError, TypeError):
        return None


# --------------------------------------------------------------------------- checking


def check_language(lang: str, declared: Sequence[str], source: object = "the instrument") -> str:
    """``lang`` if the instrument declares it; else LanguageError listing the declared ones.

    Examples
    --------
    >>> check_language("es", ("en", "es"))
    'es'
    >>> check_language("fr", ("en", "es"), "study.yaml")
    Traceback (most recent call last):
    ...
    survey.errors.LanguageError: language 'fr' is not declared by study.yaml (languages: en, es)
    """
    if lang not in declared:
        raise LanguageError(
            f"language '{lang}' is not declared by {source} (languages: {', '.join(declared)})"
        )
    return lang


def default_language(declared: Sequence[str]) -> str:
    """The language of a run when none is asked for: English if declared, else the first declared."""
    return SOURCE_LANGUAGE if SOURCE_LANGUAGE in declared else declared[0]


# --------------------------------------------------------------------------- maintaining the catalogues


def compile_catalogue(po: Path) -> bytes:
    """The compiled (.mo) bytes of a catalogue, as ``pybabel compile`` writes them (fuzzy entries left out)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalogue = read_po(fh, locale=_babel_locale(po))
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    return buffer.getvalue()


def _babel_locale(po: Path) -> str | None:
    """The catalogue's language as Babel knows it (None for a code CLDR does not have)."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(po.parent.parent.name))
    except (UnknownLocaleError, ValueError):
        return None


def catalogue_problems(po: Path) -> list[str]:
    """What is wrong with a catalogue: untranslated or fuzzy messages, ``{fields}`` unlike the message's, a stale .mo.

    ``pybabel compile`` also checks %-style placeholders, which these messages do not
    use ("% of asked" is no placeholder): this check replaces that one.
    """
    import string

    from babel.messages.pofile import read_po

    def fields(text: str | Sequence[str]) -> set[str]:
        # a plural message's id and translation are sequences of forms: the fields of all forms
        forms = [text] if isinstance(text, str) else list(text)
        parse = string.Formatter().parse
        return {name for form in forms for _, name, _, _ in parse(form) if name is not None}

    with open(po, "rb") as fh:
        catalogue = read_po(fh, locale=_babel_locale(po))
    out = []
    for m in catalogue:
        if not m.id:
            continue
        where = f"{po}:{m.lineno}"
        if not m.string:
            out.append(f"{where}: no translation of {m.id!r}")
        elif m.fuzzy:
            out.append(f"{where}: fuzzy translation of {m.id!r}")
        elif fields(m.string) != fields(m.id):
            out.append(
                f"{where}: placeholders {sorted(fields(m.string))} differ from {sorted(fields(m.id))}"
            )
    mo = po.with_suffix(".mo")
    if not mo.is_file() or mo.read_bytes() != compile_catalogue(po):
        out.append(f"{mo}: not compiled from {po.name} (python -m survey.i18n compile)")
    return out


def fill_english(po: Path) -> int:
    """Translate every untranslated message of the English catalogue as itself; returns how many."""
    from babel.messages.pofile import read_po, write_po

    with open(po, "rb") as fh:
        catalogue = read_po(fh, locale=SOURCE_LANGUAGE)
    filled = 0
    for m in catalogue:
        if m.id and (not m.string or m.fuzzy):
            m.string, filled = m.id, filled + 1
            m.flags.discard("fuzzy")
    with open(po, "wb") as fh:
        write_po(fh, catalogue, width=100, sort_by_file=True)
    return filled


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m survey.i18n compile|check|english``: write every .mo, list what is wrong, fill English."""
    import sys

    command = (list(argv) if argv is not None else sys.argv[1:]) or ["check"]
    catalogues = sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    if command[0] == "english":
        po = LOCALE_DIR / SOURCE_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
        print(f"{po}: {fill_english(po)} messages filled in")
        return 0
    if command[0] == "compile":
        for po in catalogues:
            po.with_suffix(".mo").write_bytes(compile_catalogue(po))
            print(f"compiled {po.with_suffix('.mo')}")
        return 0
    problems = [p for po in catalogues for p in catalogue_problems(po)]
    print("\n".join(problems) or f"{len(catalogues)} catalogues complete and compiled")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
