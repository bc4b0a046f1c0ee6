"""``python -m survey.bench``: time the whole analysis on synthetic waves of growing size.

For each size N it writes a synthetic raw file of N respondents in the instrument's
canonical layout (:func:`survey.synth.synthetic_raw`, 10% spoilt rows, free text
from 30% of respondents), then runs the ordinary pipeline on it — read, validate,
clean, recode, weight, every output stage (crosstabs with their tests, open-ended
coding, SPSS export; charts and report only with ``--charts``) — in a fresh process,
so that each size's peak memory is its own (the raw file is made before, in another
process, and is not counted).  Results go to ``DIR/bench.json`` and ``DIR/bench.md``.

``--micro`` runs micro-benchmarks at the largest size instead: raking alone
(:func:`survey.stats.weighting.rake` against a plain collapsed-cell numpy IPF, three
margins of 3, 2 and 4 categories, tol 1e-10), the crosstab battery alone
(:func:`survey.stats.tables.battery`) against reading the raw CSV with pandas' pyarrow
engine, and redaction of the free-text columns alone
(:func:`survey.text.redact.redact`); results go to ``DIR/micro.json``.  ``--profile`` writes a cProfile dump
and its top functions per size (``DIR/profile-N.prof``, ``DIR/profile-N.txt``).

``--small`` times what an analyst waits for on the embedded example instead: whole
processes of ``python -m survey.analyze --plan PLAN`` with charts and with
``--no-charts``, and of the baseline ``python -c "import pandas, scipy.stats,
matplotlib.pyplot"``, interleaved (``--runs`` of each, default 5); medians and the two
ratios to the baseline go to ``DIR/small.json`` (:func:`small_commands`, :func:`small_summary`).
"""

from survey.bench.command import main
from survey.bench.ladder import LADDER, SEED, machine, make_raw, markdown, one_run
from survey.bench.micro import micro, micro_battery, micro_rake, micro_redaction, numpy_ipf
from survey.bench.small import BASELINE_IMPORTS, SMALL_KINDS, small, small_commands, small_summary

__all__ = [
    "BASELINE_IMPORTS",
    "LADDER",
    "SEED",
    "SMALL_KINDS",
    "machine",
    "main",
    "make_raw",
    "markdown",
    "micro",
    "micro_battery",
    "micro_rake",
    "micro_redaction",
    "numpy_ipf",
    "one_run",
    "small",
    "small_commands",
    "small_summary",
]
