"""The chart drawer: a process forked before the stages run, that draws charts as their data come.

A run's charts are a third of its time with charts, and each needs only its own table.
:class:`Drawer` forks one process while the run reads its data (a core is idle then),
which imports matplotlib there; the stages hand it charts as soon as the results they
show exist (:meth:`Drawer.submit`), and it draws each in a process forked from itself,
two at a time (:data:`SLOTS`), while the stages go on.  The report stage waits for the
last one (:meth:`Drawer.finish`).  A chart travels as a :class:`~survey.report.figures.ChartCall`
(the name of a function of :mod:`survey.report.charts` and its tables), pickled.

Why ours and not :class:`concurrent.futures.ProcessPoolExecutor`: the executor forks its
workers at the first submission, from a process that by then runs the background writer
and the crosstab process, and each worker imports matplotlib again; one warm process that
forks a drawer per chart has neither cost, and no thread runs in it when it forks.  The
bytes of a chart are the same either way (:func:`~survey.report.charts.save_png`).

Where runs do not fork (:func:`~survey.formats.forks.can_fork`) there is no drawer and the
report stage draws the charts itself (:func:`~survey.report.charts.save_all`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from survey.formats.forks import can_fork, die_with_parent

#: Charts drawn at once: the two cores of a laptop (the stages share them).
SLOTS = 2

#: One chart: what draws it (a figure maker, pickled) and the PNG it writes.
Job = tuple[Any, Path]


class ChartError(RuntimeError):
    """A chart could not be drawn: the drawer's traceback is the message."""


class Drawer:
    """The chart-drawing process of one run (see the module docstring).

    Examples
    --------
    >>> drawer = Drawer("en")                          # doctest: +SKIP
    >>> drawer.submit([(call, Path("out/charts/a.png"))])  # doctest: +SKIP
    >>> drawer.finish()                                # doctest: +SKIP
    """

    def __init__(self, lang: str) -> None:
        self.submitted: set[Path] = set()
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_serve, args=(child, lang, os.getpid()), daemon=True, name="survey-charts"
        )
        self._process.start()
        child.close()

    def submit(self, jobs: Sequence[Job]) -> None:
        """Draw these charts (each path once: a path already submitted is skipped)."""
        new = [(make, Path(path)) for make, path in jobs if Path(path) not in self.submitted]
        if new:
            self.submitted.update(path for _, path in new)
            self._send(("draw", new))

    def finish(self) -> None:
        """Wait until every submitted chart is written; raise :class:`ChartError` for a failed one."""
        try:
            self._send(("finish", None))
            failures: list[tuple[str, str]] = self._conn.recv()
        except EOFError:
            raise self._ended() from None
        finally:
            self.stop()
        if failures:
            name, trace = failures[0]
            raise ChartError(f"chart {name} failed:\n{trace}")

    def _send(self, message: tuple[str, Any]) -> None:
        try:
            self._conn.send(message)
        except OSError:  # a broken pipe: the drawer is gone
            self._process.join()
            raise self._ended() from None

    def _ended(self) -> ChartError:
        return ChartError(f"the chart drawer ended early (exit code {self._process.exitcode})")

    def stop(self) -> None:
        """End the drawer if it still runs; the charts it was drawing end before it does."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()


@contextmanager
def drawer(lang: str, enabled: bool = True) -> Iterator[Drawer | None]:
    """A :class:`Drawer` for the run (None when charts are off or runs do not fork), stopped
    at the end whatever happens.

    Examples
    --------
    >>> with drawer("en") as charts_beside:  # doctest: +SKIP
    ...     write_all(study, folder, replace(options, draw=charts_beside), stage)
    """
    started = Drawer(lang) if enabled and can_fork() else None
    try:
        yield started
    finally:
        if started is not None:
            started.stop()


def _serve(conn: Connection, lang: str, parent: int) -> None:
    """The drawer's loop: take charts, fork a process for each (:data:`SLOTS` at once),
    and answer ``finish`` with the failures once all are drawn."""
    die_with_parent(parent)  # a killed run leaves no drawer writing into its folder
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run stops the drawer on ctrl-C
    from survey.report import charts  # matplotlib, seaborn and the fonts, while the run reads

    _warm_up(charts, lang)
    queue: deque[Job] = deque()
    running: dict[int, tuple[int, Path]] = {}  # read end of the chart's pipe -> (pid, path)

    def stop(signum: int, frame: Any) -> None:  # Drawer.stop: no chart outlives the drawer
        for pid, _ in running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid, _ in running.values():
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    failures: list[tuple[str, str]] = []
    finishing = False
    while not (finishing and not queue and not running):
        while queue and len(running) < SLOTS:
            make, path = queue.popleft()
            read, pid = _fork_chart(make, path, lang, charts)
            running[read] = (pid, path)
        ready = wait([*([] if finishing else [conn]), *running])
        for source in ready:
            if source is conn:
                try:
                    kind, jobs = conn.recv()
                except EOFError:  # the run ended: stop
                    return
                if kind == "draw":
                    queue.extend(jobs)
                else:
                    finishing = True
            elif isinstance(source, int):  # a chart's pipe: its process ended
                pid, path = running.pop(source)
                trace = _read_all(source)
                _, status = os.waitpid(pid, 0)
                if trace or status:
                    failures.append((path.name, trace or f"exit status {status}"))
    conn.send(failures)
    conn.close()


def _warm_up(charts: Any, lang: str) -> None:
    """Draw a small chart and throw it away, so that each chart's process inherits loaded
    fonts and renderer caches: 12 charts forked cold took 4.6 s of CPU, after this 4.0 s."""
    import io

    import pandas as pd

    frame = pd.DataFrame({"label": ["Aa", "Bb"], "pct": [60.0, 40.0], "count": [6, 4]})
    with charts.style(lang):
        figure = charts.multi_select_bars(frame, title="Aa 1,776", base=10, lang=lang)
        figure.savefig(io.BytesIO(), format="png", dpi=charts.DPI)


def _fork_chart(make: Any, path: Path, lang: str, charts: Any) -> tuple[int, int]:
    """Draw one chart in a forked process; (read end of its pipe, pid).  The pipe carries
    the traceback of a failure and is closed when the process ends."""
    read, write = os.pipe()
    drawer_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the chart's process: draw, say what failed, end without cleanup
        code = 0
        try:
            os.close(read)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            die_with_parent(drawer_pid)
            with charts.style(lang):  # made and drawn once, in the chart's own fonts
                charts.save_png(make(), path)
        except BaseException:  # noqa: BLE001  (reported to the run, which raises it)
            os.write(write, traceback.format_exc().encode("utf-8", "replace"))
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    return read, pid


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")
