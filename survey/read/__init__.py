"""Stage 1, reading: raw response files into the instrument's canonical layout.

Modules: :mod:`~survey.read.canonical` (the instrument's own CSV/XLSX layout, typing and
checks shared by every reader), :mod:`~survey.read.platforms` (a package: WJX, Qualtrics,
SurveyMonkey, KoboToolbox and SPSS exports, one module each, and format detection).
The instrument-free parsing of platform files (cells, header layouts, .sav dictionaries)
is :mod:`survey.formats`, shared with instrument drafting; :mod:`~survey.read.sav`
re-exports its .sav reader.

May import: :mod:`survey.errors`, :mod:`survey.i18n`, :mod:`survey.formats`, :mod:`survey.instrument`.
"""
