"""Exception hierarchy of the package.

Every error a user can cause by what they feed in (an instrument, a plan, a raw
file, weighting targets) derives from :class:`SurveyError`.  The command-line
entry points print ``str(error)`` on one line and exit with status 2; nothing
else is caught, so a bug still shows its traceback.
"""

from __future__ import annotations


class SurveyError(Exception):
    """Base class of every input error; its message is one line naming the place."""

    exit_status = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class InstrumentError(SurveyError):
    """The instrument definition is malformed (message names the path in the file)."""


class PlanError(SurveyError):
    """The analysis plan is malformed or names something the instrument lacks."""


class DataError(SurveyError):
    """A raw data file cannot be read or does not match the instrument."""


class WeightingError(SurveyError):
    """Weighting targets are invalid, infeasible, or raking did not converge."""


class ExportError(SurveyError):
    """An export (SPSS, spreadsheet) cannot be written faithfully."""


class LanguageError(SurveyError):
    """A language was asked for that the instrument does not declare (the message lists those it does)."""


class OutputError(SurveyError):
    """An output path may not be replaced, or cannot be written (message says what to do)."""


class UsageError(SurveyError):
    """The command line is wrong (an unknown option, a bad value)."""
