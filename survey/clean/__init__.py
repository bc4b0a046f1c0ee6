"""Stages 2 and 3, cleaning and recoding: quality rules, exclusions, derived variables.

Modules: :mod:`~survey.clean.rules` (the instrument's quality rules in order, the
exclusion log, reconciliation), :mod:`~survey.clean.recode` (indicators, bands, crosses).

May import: :mod:`survey.errors`, :mod:`survey.instrument`, :mod:`survey.read`.
"""
