"""Drafting an instrument from what a study already has: a definition file or an export.

``python -m survey.instrument import SOURCE --out FILE.yaml`` writes an instrument that
:func:`~survey.instrument.load_instrument` accepts and ``python -m survey.analyze
--instrument FILE.yaml --raw EXPORT`` runs with, no hand edits needed; its comments say
what was guessed.  One module per source:

- :mod:`.sav`: a ``.sav`` dictionary (labels, user-missing codes, measures, MR sets);
- :mod:`.qsf`: a Qualtrics survey definition (questions, choices, recode values, display
  order, text entry, display logic);
- :mod:`.xlsform`: an XLSForm (survey/choices/settings sheets, choice names, groups,
  repeats, ``relevant`` as ``ask_if``, ``label::xx`` languages);
- :mod:`.qualtrics`, :mod:`.surveymonkey`, :mod:`.kobo`: an export itself (header rows give
  texts and labels, answers give the codes).

Layering: this stage may not import :mod:`survey.read`; the platform files are taken apart
by :mod:`survey.formats` (cells, header layouts, .sav dictionaries), which both share.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import yaml

from survey.errors import InstrumentError
from survey.formats.layouts import read_layout
from survey.instrument.draft.common import Draft, dump
from survey.instrument.loading import from_document

__all__ = ["SOURCES", "draft", "write_draft"]
SOURCES = ("sav", "qsf", "xlsform", "qualtrics", "surveymonkey", "kobo")
HEADER = "# Instrument drafted by `"


def draft(source: str | Path, fmt: str | None = None, languages: list[str] | None = None) -> Draft:
    """Draft an instrument from ``source``.

    Parameters
    ----------
    source : path
        A ``.sav``, a ``.qsf``, an XLSForm (``.xlsx`` with a ``survey`` sheet) or an export.
    fmt : {"qualtrics", "surveymonkey", "kobo"}, optional
        The export's platform (detected from its header rows by default).
    languages : list of str, optional
        Language codes of the texts where the source does not say (default ``["en"]``).

    Raises
    ------
    DataError
        The source cannot be read (naming the file and the place).
    InstrumentError
        The source is not something an instrument can be drafted from.

    Examples
    --------
    >>> d = draft("survey.qsf")        # doctest: +SKIP
    >>> write_draft(d, "instrument.yaml", "python -m survey.instrument import survey.qsf")  # doctest: +SKIP
    """
    path = Path(source)
    langs = list(languages or ["en"])
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InstrumentError(f"{path}: file not found")
    if suffix in (".sav", ".zsav"):
        return _drafter("sav")(path, langs)
    if suffix == ".qsf":
        return _drafter("qsf")(path, languages)
    layout = read_layout(path)
    found = layout.platform if fmt is None else fmt
    if layout.platform == "xlsform":
        return _drafter("xlsform")(layout, languages)
    if fmt is not None and layout.platform not in (fmt, "unknown"):
        raise InstrumentError(
            f"{path}: --format {fmt} does not match the file: it looks like {layout.describe()}"
        )
    if found not in ("qualtrics", "surveymonkey", "kobo") or (
        found != "kobo" and layout.platform != found
    ):
        raise InstrumentError(
            f"{path}: cannot draft an instrument from {layout.describe()} (sources: .sav, .qsf, "
            "an XLSForm, or a Qualtrics, SurveyMonkey or KoboToolbox export)"
        )
    return _drafter(found)(layout, langs)


def _drafter(source: str) -> Callable[..., Draft]:
    """The drafting function of one source (its module imported only when needed)."""
    from importlib import import_module

    name = {"sav": "draft_sav", "qsf": "draft_qsf", "xlsform": "draft_xlsform"}.get(
        source, "draft_export"
    )
    return getattr(import_module(f"survey.instrument.draft.{source}"), name)


def write_draft(d: Draft, out: str | Path, command: str) -> Path:
    """Write the draft's YAML to ``out`` (whole or not at all), after checking it loads.

    A file that exists is replaced only when an earlier draft wrote it (its first line says so).

    Raises
    ------
    InstrumentError
        ``out`` exists and was not written by a draft, or (a bug) the draft does not validate.
    """
    out = Path(out)
    if out.exists() and not out.read_text(encoding="utf-8", errors="replace").startswith(HEADER):
        raise InstrumentError(
            f"{out}: exists and is not a drafted instrument; choose another --out"
        )
    text = dump(d, command)
    doc = yaml.safe_load(text)
    if doc != d.document():
        raise InstrumentError(f"{out}: the draft does not survive a YAML round trip (a bug)")
    try:
        from_document(doc, str(out))
    except InstrumentError as exc:
        raise InstrumentError(f"the draft does not validate (a bug): {exc}") from None
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, out)
    return out
