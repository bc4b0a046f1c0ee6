"""Stage 0, what a study is: the instrument, its conditions, the analysis plan, fielding exports.

Modules: :mod:`~survey.instrument.model` (questions, scales, codes, rules, derived
variables; YAML loading and validation), :mod:`~survey.instrument.conditions` (skip
logic, rule and scope conditions), :mod:`~survey.instrument.plan` (waves, published
figures, weighting targets, banner), :mod:`~survey.instrument.fielding` (XLSForm,
questionnaire, codebook), :mod:`~survey.instrument.export_keys` (the keys platform exports
need) and :mod:`~survey.instrument.draft` (an instrument drafted from a .sav, .qsf,
XLSForm or export).  ``python -m survey.instrument`` is the command line.

May import: :mod:`survey.errors`, :mod:`survey.formats` (platform files without an
instrument) and the file helpers of :mod:`survey.write`; nothing that reads, cleans or
estimates.
"""

from survey.instrument.model import (
    Code,
    Derived,
    Instrument,
    Net,
    QualityRule,
    Question,
    Scale,
    derived_codes,
    load_instrument,
    read_yaml,
    version_key,
)

__all__ = [
    "Code", "Derived", "Instrument", "Net", "QualityRule", "Question", "Scale",
    "derived_codes", "load_instrument", "read_yaml", "version_key",
]
