"""Open text: redaction of personal data, language, theme coding, coder agreement.

Modules: :mod:`~survey.text.openended` (redaction, themes, agreement),
:mod:`~survey.text.language` (the language of each answer, by lingua),
:mod:`~survey.text.textsearch` (exact regex prefiltering for large files).

May import: :mod:`survey.errors`, :mod:`survey.i18n`, :mod:`survey.instrument`.
"""
