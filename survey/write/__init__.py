"""Stage 8, files: CSV, workbooks, SPSS, and output folders written whole or not at all.

Modules: :mod:`~survey.write.output` (atomic output folders), :mod:`~survey.write.tabular`
(every CSV), :mod:`~survey.write.sheets` and :mod:`~survey.write.workbook` (workbooks),
:mod:`~survey.write.spss` and :mod:`~survey.write.savdata` (.sav and .sps),
:mod:`~survey.write.export` (the instrument mapped onto SPSS), :mod:`~survey.write.numtext`
and :mod:`~survey.write.arrowtext` (exact number and string text for the writers).

May import: :mod:`survey.errors`, :mod:`survey.i18n`, :mod:`survey.instrument`, :mod:`survey.read` (the .sav
dictionary types), :mod:`survey.stats` (table layouts); never the report.
"""
