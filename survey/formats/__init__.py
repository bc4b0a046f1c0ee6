"""Below stage 0, what platform files look like: cells, header layouts and .sav dictionaries.

Nothing here knows an instrument.  Both :mod:`survey.read` (exports mapped onto an
instrument) and :mod:`survey.instrument.draft` (an instrument drafted from a file) need
to take a platform's file apart the same way, and the instrument stage may not import
the reading stage; so that shared, instrument-free parsing lives here.

Modules: :mod:`~survey.formats.cells` (CSV/XLSX cells as text, every sheet),
:mod:`~survey.formats.layouts` (which platform wrote a file, its header rows and data rows),
:mod:`~survey.formats.sav` (.sav data with its dictionary); and, as low as it goes, the
plumbing every stage's writers share: :mod:`~survey.formats.files` (atomic writes) and
:mod:`~survey.formats.forks` (forked workers that end with their run).

May import: :mod:`survey.errors` only.
"""
