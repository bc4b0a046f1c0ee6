"""Stage 0, what a study is: the instrument, its conditions, the analysis plan, fielding exports.

Modules: :mod:`~survey.instrument.model` (questions, scales, codes, rules, derived
variables), :mod:`~survey.instrument.schema` and :mod:`~survey.instrument.planschema`
(the instrument, plan and coding-frame formats, one pydantic model per mapping, built
from :mod:`~survey.instrument.schemabase`),
:mod:`~survey.instrument.loading` (YAML loading, validation messages, building the
model), :mod:`~survey.instrument.checks` (whole-document checks),
:mod:`~survey.instrument.reference` (JSON Schema files and the reference page),
:mod:`~survey.instrument.conditions` (skip
logic, rule and scope conditions), :mod:`~survey.instrument.plan` (waves, published
figures, weighting targets, banner), :mod:`~survey.instrument.coding` (the coding frame
of the open answers, loaded with the plan), :mod:`~survey.instrument.fielding` (XLSForm,
questionnaire, codebook) and :mod:`~survey.instrument.draft` (an instrument drafted from a .sav, .qsf,
XLSForm or export).  ``python -m survey.instrument`` is the command line.

May import: :mod:`survey.errors`, :mod:`survey.i18n` (the package's own words),
:mod:`survey.formats` (platform files without an instrument) and the file helpers of
:mod:`survey.write`; nothing that reads, cleans or estimates.
"""

from survey.instrument.loading import load_instrument, read_yaml
from survey.instrument.model import (
    Box,
    Code,
    Derived,
    Grid,
    Instrument,
    Net,
    QualityRule,
    Question,
    Repeat,
    Scale,
    Section,
    Times,
    derived_codes,
    version_key,
)

__all__ = [
    "Box",
    "Code",
    "Derived",
    "Grid",
    "Instrument",
    "Net",
    "QualityRule",
    "Question",
    "Repeat",
    "Scale",
    "Section",
    "Times",
    "derived_codes",
    "load_instrument",
    "read_yaml",
    "version_key",
]
