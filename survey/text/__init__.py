"""Open text: redaction of personal data, language, theme coding, coder agreement.

Modules: :mod:`~survey.text.openended` (redaction, language, coding frame, themes,
agreement), :mod:`~survey.text.textsearch` (exact regex prefiltering for large files).

May import: :mod:`survey.errors`, :mod:`survey.instrument`.
"""
