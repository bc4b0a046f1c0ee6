"""Stage 1, reading: raw response files into the instrument's canonical layout.

Modules: :mod:`~survey.read.canonical` (the instrument's own CSV/XLSX layout, typing and
checks shared by every reader), :mod:`~survey.read.platforms` (WJX, Qualtrics,
SurveyMonkey, KoboToolbox and SPSS exports, and format detection), :mod:`~survey.read.sav`
(.sav files with their dictionary).

May import: :mod:`survey.errors`, :mod:`survey.i18n`, :mod:`survey.instrument`.
"""
