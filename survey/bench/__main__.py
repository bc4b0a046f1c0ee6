"""``python -m survey.bench``."""

import sys

from survey.bench.command import main
from survey.cli import run

sys.exit(run(main))
