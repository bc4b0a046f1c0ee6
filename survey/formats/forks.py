"""Forked worker processes that end with the run that forked them.

A run forks workers (the crosstab stage beside the others, the chart drawers) that write
into the run's temporary output folder.  If the run is killed (``kill -9``, an out-of-memory
kill), a worker must not live on and keep writing there: :func:`die_with_parent`, called
first thing in every worker, asks Linux to send it SIGKILL when its parent ends
(``prctl(PR_SET_PDEATHSIG)``, through ctypes: no library wraps the one call).  Elsewhere
workers are not forked (see :func:`can_fork`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

#: ``PR_SET_PDEATHSIG`` of ``<linux/prctl.h>``.
_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """Whether runs fork workers here: Linux (where :func:`die_with_parent` holds), two cores."""
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2


def die_with_parent(parent: int) -> None:
    """Be killed when the process ``parent`` (the pid before the fork) ends; exit now if it has.

    Examples
    --------
    >>> import os
    >>> die_with_parent(os.getppid())  # doctest: +SKIP
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent ended before the call above took effect
        os._exit(1)
