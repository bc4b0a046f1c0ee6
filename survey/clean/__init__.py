"""Stages 2 and 3, cleaning and recoding: quality rules, exclusions, derived variables.

Modules: :mod:`~survey.clean.rules` (skip logic by ``skip_policy``, the instrument's
quality rules in order, the exclusion log and the log of blanked answers,
reconciliation), :mod:`~survey.clean.recode` (indicators, bands, crosses, recodes,
reversed scales, boxes, scores).

May import: :mod:`survey.errors`, :mod:`survey.instrument`, :mod:`survey.read`.
"""
