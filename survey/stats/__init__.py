"""Stages 4 to 7, the numbers: weighting, estimates, tables, tests, models, checks.

Modules: :mod:`~survey.stats.weighting` (the methods by name, with diagnostics) over
:mod:`~survey.stats.raking` (raking, bounded raking), :mod:`~survey.stats.poststratification`
and :mod:`~survey.stats.weightcells` (respondents in cells, targets checked),
:mod:`~survey.stats.inference` (design-based proportions and differences),
:mod:`~survey.stats.estimates` (toplines, agreement rates), :mod:`~survey.stats.crosstabs`
and :mod:`~survey.stats.association` (one banner table and its tests),
:mod:`~survey.stats.tables` (the plan's whole battery), :mod:`~survey.stats.models`
(agreement by background, reliability), :mod:`~survey.stats.logistic` (odds ratios, as R
glm/svyglm, separation found), :mod:`~survey.stats.trends` (waves compared), :mod:`~survey.stats.published` (published figures checked).

May import: :mod:`survey.errors`, :mod:`survey.instrument`, :mod:`survey.clean`; never a
writer or the report.
"""
