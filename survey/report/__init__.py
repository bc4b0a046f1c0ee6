"""Stage 9, the report: ``report.md``, ``report.html`` and their charts.

Modules: :mod:`~survey.report.document` (the report's text and tables),
:mod:`~survey.report.charts` (one function per chart), :mod:`~survey.report.fonts` (a font
that draws every language's labels).

May import everything below it: i18n, instrument, read, clean, stats, text, write.
"""
