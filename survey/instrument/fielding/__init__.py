"""Fielding the instrument: XLSForm, printable questionnaire, codebook.

Everything here is read off the :class:`~survey.instrument.Instrument`; nothing
knows a study.  Three documents come out of one instrument:

- an XLSForm (ODK / KoboToolbox / SurveyCTO) with every language as
  ``label::English (en)`` columns and skip logic as ``relevant`` XPath;
- a printable bilingual questionnaire (Markdown or self-contained HTML);
- a codebook of the clean respondent file (Markdown, or a tidy CSV).

Each writer builds the whole file in memory and replaces the target atomically.
``python -m survey.instrument export ...`` runs them.

Modules, one document each: :mod:`~survey.instrument.fielding.xlsform`,
:mod:`~survey.instrument.fielding.questionnaire`, :mod:`~survey.instrument.fielding.codebook`;
what they share (words, skip logic as XPath and in words) is
:mod:`~survey.instrument.fielding.common`.  Their public names are importable from here.
"""

from __future__ import annotations

from pathlib import Path

from survey.errors import ExportError, InstrumentError  # noqa: F401 (ExportError: fielding.ExportError)
from survey.instrument.fielding.codebook import (  # noqa: F401 (kept importable from here)
    codebook,
    codebook_markdown,
    to_codebook,
)
from survey.instrument.fielding.common import (  # noqa: F401 (kept importable from here)
    WORDS,
    describe,
    language_column,
    relevant,
    shown_languages,
    word,
)
from survey.instrument.fielding.questionnaire import (  # noqa: F401 (kept importable from here)
    questionnaire_items,
    questionnaire_text,
    to_questionnaire,
)
from survey.instrument.fielding.xlsform import (  # noqa: F401 (kept importable from here)
    FIXED_TIME,
    METADATA_NOTE,
    OMITTED,
    exclusive_constraint,
    to_xlsform,
    xlsform_bytes,
    xlsform_sheets,
)

FORMATS = ("xlsform", "questionnaire", "codebook")


# --------------------------------------------------------------------------- files and command line


def default_instrument(folder: str | Path = "instruments") -> Path:
    """The one instrument YAML file in ``folder`` (an error names what was found)."""
    folder = Path(folder)
    found = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if len(found) != 1:
        names = ", ".join(map(str, found)) or "none"
        raise InstrumentError(
            f"{folder.resolve()}: expected exactly one instrument file, found {names}: pass --instrument"
        )
    return found[0]
