"""Open text: redaction of personal data, language, theme coding, coder agreement.

Modules: :mod:`~survey.text.redact` (redaction: the one function every output's free
text goes through), with its detectors :mod:`~survey.text.detect`,
:mod:`~survey.text.numbers` (phone numbers, national identifiers),
:mod:`~survey.text.addresses` and :mod:`~survey.text.words` (the working text, the
per-language data in ``leadins/``); :mod:`~survey.text.openended` (themes, agreement),
:mod:`~survey.text.language` (the language of each answer, by lingua), :mod:`~survey.text.textsearch` (exact regex prefiltering for
large files).

May import: :mod:`survey.errors`, :mod:`survey.i18n`, :mod:`survey.instrument`.
"""
