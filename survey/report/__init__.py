"""Stage 9, the report: ``report.md``, ``report.html`` and their charts.

Modules: :mod:`~survey.report.document` (the stage: build, draw, write), its parts
:mod:`~survey.report.words` (fixed text), :mod:`~survey.report.blocks` (blocks, number formats),
:mod:`~survey.report.labels` (the study in words), :mod:`~survey.report.sections` with
:mod:`~survey.report.disclosure` and :mod:`~survey.report.bannertables` (the crosstabs),
:mod:`~survey.report.figures` (which charts), :mod:`~survey.report.render` (Markdown, HTML),
:mod:`~survey.report.charts` (one function per chart), :mod:`~survey.report.fonts` (a font
that draws every language's labels).

May import everything below it: i18n, instrument, read, clean, stats, text, write.
"""
