"""The files a run writes, one stage function each.

Every stage has the signature ``stage(study, folder, options, results) -> None``;
it writes its files into ``folder`` (a temporary folder that replaces the output
folder only when all stages succeed) and may leave values in ``results`` for later
stages and for the summary.  :data:`STAGES` lists them in order.

Large files are handed to a :class:`Writer`, which writes them in two background
threads while the next stage computes (the heavy parts of the writers, in Arrow,
numpy, zlib and ReadStat, release the GIL): a run uses both cores of a laptop.  The run
waits for every file after the report, and a writer's error fails the run as a stage's
would.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from survey.formats.forks import can_fork, die_with_parent
from survey.report import document as report
from survey.report.figures import CHART_GROUPS
from survey.study import Study
from survey.write import labelled, workbook
from survey.write.export import export_spss
from survey.write.tabular import write_csv


@dataclass(frozen=True)
class Options:
    """What the analyst asked for on the command line."""

    lang: str = "en"
    spss: bool = True
    stata: bool = False
    parquet: bool = True
    charts: bool = True
    include_personal: bool = False
    redact: bool = True
    command: str = "python -m survey.analyze"
    human_codes: Path | None = None
    progress: Callable[[str], None] | None = field(default=None, compare=False)
    background: bool = True
    write: Callable[..., None] | None = field(default=None, compare=False, repr=False)
    #: The run's chart drawer (:class:`survey.report.drawing.Drawer`), when charts are drawn beside.
    draw: Any = field(default=None, compare=False, repr=False)


Results = MutableMapping[str, Any]

#: Threads of a :class:`Writer`: the two cores of a laptop.
WRITER_THREADS = 2


class Writer:
    """Runs file-writing calls in two background threads, started in the order given (or at
    once, ``threaded=False``).  Each call writes files of its own and only reads its inputs.
    At 1,000,000 respondents the files still written when the report is done took 5.2-6.6 s
    with one thread, 4.4-4.5 s with two (whole run 33.6-35.3 s -> 30.5-31.8 s).

    Examples
    --------
    >>> writer = Writer()
    >>> writer(print, "written")  # doctest: +SKIP
    >>> writer.wait()             # re-raises the first error of a call
    """

    def __init__(self, threaded: bool = True) -> None:
        self._pool = (
            ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="survey-writer")
            if threaded
            else None
        )
        self._pending: list[Future[None]] = []

    def __call__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        if self._pool is None:
            func(*args, **kwargs)
        else:
            self._pending.append(self._pool.submit(func, *args, **kwargs))

    def wait(self) -> None:
        """Block until every call is done; raise the first one's error."""
        pending, self._pending = self._pending, []
        errors = [f.exception() for f in pending]
        for error in errors:
            if error is not None:
                raise error

    def close(self) -> None:
        """Drop calls not yet started and wait for the running ones (nothing writes after this)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _write(options: Options, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call a file writer through the run's :class:`Writer` (directly without one)."""
    (options.write or (lambda f, *a, **k: f(*a, **k)))(func, *args, **kwargs)


HEADLINE_COLUMNS = [
    "id",
    "statement",
    "published_pct",
    "stated_n",
    "estimate_pct",
    "n_base",
    "ci_low",
    "ci_high",
    "diff_pp",
    "reproduced",
    "grim_consistent",
]


def write_json(obj: Any, path: Path) -> None:
    """Deterministic JSON: sorted keys, fixed indentation, UTF-8, newline at the end."""
    path.write_text(
        json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )


def core(study: Study, folder: Path, options: Options, results: Results) -> None:
    """headlines.csv, toplines.csv, agreement.csv, numeric.csv, exclusions.csv, skip_violations.csv
    (and exclusive_violations.csv when a rule blanks them), data/respondents.csv, instrument.yaml, run.json.

    With repeat groups, also ``data/repeat_<id>.csv`` (their rows of the valid respondents).
    """
    headlines = study.headlines()
    if not headlines.empty:
        extra = [c for c in headlines.columns if c not in HEADLINE_COLUMNS]
        _write(options, write_csv, headlines[HEADLINE_COLUMNS + extra], folder / "headlines.csv")
    results["headlines"] = headlines
    results["toplines"] = study.toplines(options.lang)
    _write(options, write_csv, results["toplines"], folder / "toplines.csv")
    _write(options, write_csv, study.agreement(lang=options.lang), folder / "agreement.csv")
    results["numeric"] = study.numeric(options.lang)
    _write(options, write_csv, results["numeric"], folder / "numeric.csv")
    _write(options, write_csv, study.cleaned.exclusions, folder / "exclusions.csv")
    _write(options, write_csv, study.cleaned.skip_violations, folder / "skip_violations.csv")
    if any(
        r.rule == "exclusive" and r.params.get("action") == "blank_others"
        for r in study.instrument.quality
    ):
        blanked = study.cleaned.blanked
        _write(
            options,
            write_csv,
            blanked[blanked["reason"] != "skip_violation"].reset_index(drop=True),
            folder / "exclusive_violations.csv",
        )
    results["reconciliation"] = study.cleaned.reconciliation()
    write_json(results["reconciliation"], folder / "reconciliation.json")
    (folder / "data").mkdir(exist_ok=True)
    results["respondents"] = study.respondents(
        include_personal=options.include_personal, redact=options.redact
    )
    results["redactions"] = study.redactions() if options.redact else None
    _write(options, write_csv, results["respondents"], folder / "data" / "respondents.csv")
    for rid, table in study.repeat_tables(
        include_personal=options.include_personal, redact=options.redact
    ).items():
        _write(options, write_csv, table, folder / "data" / f"repeat_{rid}.csv")
    write_json(run_record(study, folder, options), folder / "run.json")


def run_record(study: Study, folder: Path, options: Options) -> dict[str, Any]:
    """What run.json records: the inputs (relative to the run folder), wave, language, options.

    The instrument is copied into the run as ``instrument.yaml`` (:mod:`survey.export` reads it
    there, wherever the folder moves).
    """
    return {
        # the instrument as read, copied into the run (survey.export reads it there, wherever the
        # folder moves); the sources relative to the run folder, the same bytes wherever the project sits
        "plan": _beside(study.plan.path, folder) if study.has_plan else None,
        "instrument": _copy_instrument(study, folder),
        "instrument_source": _beside(Path(study.instrument.path), folder)
        if study.instrument.path
        else None,
        "instrument_version": study.instrument.version,
        "wave": str(study.wave.id),
        "lang": options.lang,
        "stem": stem(study),
        "file_label": file_label(study),
        "text_columns": study.text_columns,
        "redacted": options.redact,
        "include_personal": options.include_personal,
    }


def _copy_instrument(study: Study, folder: Path) -> str | None:
    """Copy the instrument file into ``folder`` as ``instrument.yaml``; its name there."""
    if not study.instrument.path:
        return None
    (folder / "instrument.yaml").write_bytes(Path(study.instrument.path).read_bytes())
    return "instrument.yaml"


def _beside(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder``, with forward slashes."""
    return Path(os.path.relpath(Path(path).resolve(), folder.resolve())).as_posix()


def stem(study: Study) -> str:
    """File stem of a wave's exports: ``<study>-wave<id>``."""
    return f"{study.plan.study}-wave{study.wave.id}"


def file_label(study: Study) -> str:
    return f"{study.plan.study} wave {study.wave.id} ({study.wave.label})" + (
        " synthetic" if study.wave.synthetic else ""
    )


def weighting(study: Study, folder: Path, options: Options, results: Results) -> None:
    """weighting.json: the weighting run's method, targets and diagnostics."""
    if study.weighting is not None:
        results["weighting"] = study.weighting.diagnostics
        write_json(study.weighting.diagnostics, folder / "weighting.json")


def crosstab_stage(study: Study, folder: Path, options: Options, results: Results) -> None:
    """crosstabs.csv/.xlsx/.md, crosstab_tests.csv, agreement_by.csv."""
    tables, tests = study.crosstabs(options.lang)
    results["crosstabs"], results["crosstab_tests"] = tables, tests
    _write(options, write_csv, tables, folder / "crosstabs.csv")
    _write(options, write_csv, tests, folder / "crosstab_tests.csv")
    _write(
        options,
        workbook.write_crosstabs_xlsx,
        study,
        tables,
        tests,
        folder / "crosstabs.xlsx",
        options.lang,
    )
    # the report's crosstab section (report.build takes it from results instead of making it again)
    results["crosstab_section"] = (
        options.lang,
        report.crosstab_section(study, results, report.Words(options.lang)),
    )
    (folder / "crosstabs.md").write_text(
        report.render_markdown(results["crosstab_section"][1]), encoding="utf-8", newline="\n"
    )
    results["agreement_by"] = study.agreement_by(options.lang)
    _write(options, write_csv, results["agreement_by"], folder / "agreement_by.csv")


def model_stage(study: Study, folder: Path, options: Options, results: Results) -> None:
    """odds_ratios.csv and reliability.csv."""
    results["odds_ratios"] = study.odds_ratios()
    _write(options, write_csv, results["odds_ratios"], folder / "odds_ratios.csv")
    results["reliability"] = study.reliability()
    _write(options, write_csv, results["reliability"], folder / "reliability.csv")


def open_ended_stage(study: Study, folder: Path, options: Options, results: Results) -> None:
    """open_ended.csv/.xlsx (redacted verbatims for coding), themes.csv, themes_by_banner.csv."""
    if study.coding_frame is None:
        return
    accounts = study.accounts(options.lang, redact=options.redact)
    _write(options, write_csv, accounts, folder / "open_ended.csv")
    _write(
        options,
        workbook.write_open_ended_xlsx,
        accounts,
        study,
        folder / "open_ended.xlsx",
        options.lang,
    )
    results["themes"] = study.themes(options.lang)
    _write(options, write_csv, results["themes"], folder / "themes.csv")
    _write(
        options, write_csv, study.themes_by_banner(options.lang), folder / "themes_by_banner.csv"
    )
    if options.human_codes is not None:
        results["coder_agreement"] = study.coder_agreement(options.human_codes)
        _write(options, write_csv, results["coder_agreement"], folder / "coder_agreement.csv")


def trends_stage(study: Study, folder: Path, options: Options, results: Results) -> None:
    """trends.csv and data/all_waves.csv: this wave and every wave registered before it."""
    if str(study.plan.waves[0].id) == str(study.wave.id):
        return
    results["trends"], stacked = study.trends(progress=options.progress)
    _write(options, write_csv, results["trends"], folder / "trends.csv")
    _write(options, write_csv, stacked, folder / "data" / "all_waves.csv")


def spss_stage(study: Study, folder: Path, options: Options, results: Results) -> None:
    """spss/<study>-wave<id>.sav, .sps, -verbatims.csv and spss/crosstabs.sav."""
    if not options.spss:
        return

    def export() -> None:
        results["spss_warnings"] = export_spss(
            results["respondents"],
            results.get("crosstabs"),
            study.instrument,
            folder / "spss",
            stem=stem(study),
            lang=options.lang,
            file_label=file_label(study),
            text_columns=study.text_columns,
        )

    _write(options, export)


def labelled_stage(study: Study, folder: Path, options: Options, results: Results) -> None:
    """data/respondents.parquet (labels in the metadata) and, with ``--stata``, stata/<study>-wave<id>.dta."""
    respondents = results["respondents"]
    if options.parquet:
        _write(
            options,
            labelled.write_parquet,
            respondents,
            study.instrument,
            folder / "data" / "respondents.parquet",
            lang=options.lang,
        )
    if options.stata:

        def stata() -> None:
            results["stata_warnings"] = labelled.write_dta(
                respondents,
                study.instrument,
                folder / "stata" / f"{stem(study)}.dta",
                lang=options.lang,
                file_label=file_label(study),
                text_columns=study.text_columns,
            )

        _write(options, stata)


STAGES: list[tuple[str, Callable[[Study, Path, Options, Results], None]]] = [
    ("toplines and published figures", core),
    ("weighting diagnostics", weighting),
    ("crosstabs", crosstab_stage),
    ("odds ratios and reliability", model_stage),
    (
        "SPSS export",
        spss_stage,
    ),  # before the open-ended stage: its files are written while that computes
    ("Parquet and Stata exports", labelled_stage),
    ("open-ended accounts", open_ended_stage),
    ("trends", trends_stage),
    ("report", report.write_report),
]


#: Stages that read the study only, never what another stage leaves, and what waits for them:
#: :func:`write_all` may run each in a forked process beside the others (:class:`Beside`).
#: With the odds ratios beside too, the embedded wave-1 run without charts took 3.43 s
#: (median of 6) against 3.61 s with them in the parent.
BESIDE: dict[Callable[..., None], tuple[Callable[..., None], ...]] = {
    crosstab_stage: (spss_stage, report.write_report),
    model_stage: (report.write_report,),
}
#: Runs of more respondents than this keep one process: a fork's copy-on-write pages would
#: grow towards a second copy of the data, for a gain that matters only in small runs.
BESIDE_MAX_ROWS = 200_000


def runs_beside(study: Study, options: Options) -> bool:
    """Whether :data:`BESIDE` stages run in a forked process: a small run, background writing
    on, and :func:`survey.formats.forks.can_fork` (Linux, two cores or more)."""
    return options.background and len(study.data) <= BESIDE_MAX_ROWS and can_fork()


class Beside:
    """A stage running in a forked child process; :meth:`join` takes what it left.

    The child inherits the study (nothing is pickled on the way in), writes its files into
    the same folder through its own :class:`Writer`, and sends back the results it left and
    the study's cache entries it made, so that later stages do not compute them again.
    An error in the child is raised again by :meth:`join`, with the child's traceback as its
    cause (as :mod:`concurrent.futures` does).

    Examples
    --------
    >>> running = Beside(crosstab_stage, study, folder, options)  # doctest: +SKIP
    >>> running.join(study, results)                             # doctest: +SKIP
    """

    def __init__(
        self, func: Callable[..., None], study: Study, folder: Path, options: Options
    ) -> None:
        self.name = func.__name__
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        self._process = context.Process(
            target=_beside_child,
            args=(func, study, folder, options, send, os.getpid()),
            daemon=True,
        )
        self._process.start()
        send.close()
        self._receive = receive

    def ready(self) -> bool:
        """Whether the child has finished (its results wait to be taken)."""
        return self._receive.poll()

    def join(self, study: Study, results: Results) -> None:
        """Wait for the child; merge its results and cache entries, or raise its error."""
        try:
            outcome, payload, trace = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"the {self.name} process ended without a result (exit code {self._process.exitcode})"
            ) from None
        finally:
            self._receive.close()
        self._process.join()
        if outcome == "error":
            payload.__cause__ = _ChildTraceback(trace)
            raise payload
        left, cache = payload
        results.update(left)
        for key, value in cache.items():
            study.cache.setdefault(key, value)

    def stop(self) -> None:
        """End the child if it still runs (the run failed or was interrupted)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receive.close()


class _ChildTraceback(Exception):
    def __init__(self, trace: str) -> None:
        super().__init__(trace)
        self.trace = trace

    def __str__(self) -> str:
        return f'\n"""\n{self.trace}"""'


def _beside_child(
    func: Callable[..., None], study: Study, folder: Path, options: Options, send: Any, parent: int
) -> None:
    die_with_parent(parent)  # a killed run leaves no child writing into its folder
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the child on ctrl-C
    before = set(study.cache)
    results: Results = {}
    writer = Writer(threaded=True)
    try:
        func(study, folder, replace(options, write=writer, progress=None), results)
        writer.wait()
        made = {k: v for k, v in study.cache.items() if k not in before}
        message: tuple[str, Any, str] = ("ok", (results, made), "")
    except BaseException as error:  # noqa: BLE001  (raised again in the parent)
        message = ("error", error, traceback.format_exc())
    finally:
        writer.close()
    try:
        send.send(message)
    except Exception as error:  # noqa: BLE001  (what the stage left does not pickle: a bug)
        send.send(("error", RuntimeError(f"{func.__name__}: {error}"), traceback.format_exc()))
    send.close()


def _draw_ready(study: Study, folder: Path, options: Options, results: Results) -> None:
    """Hand the run's drawer the chart groups (:data:`~survey.report.figures.CHART_GROUPS`)
    whose results exist now and were not handed over yet; the report stage takes the groups
    made here from ``results["chart_jobs"]`` and makes the rest."""
    if options.draw is None or not options.charts:
        return
    made = results.setdefault("chart_jobs", {})
    for group in CHART_GROUPS:
        if group not in made and (group == "weighting" or results.get(group) is not None):
            made[group] = report.chart_jobs(study, results, options.lang, folder, (group,))
            options.draw.submit([(make, path) for _, _, make, path in made[group]])


def _next_stage(
    pending: list[tuple[str, Callable[..., None]]], beside: Mapping[Callable[..., None], Beside]
) -> tuple[str, Callable[..., None]]:
    """Take the first of ``pending`` (in :data:`STAGES` order) that waits for no stage still
    running beside; when every one waits, the first (the caller then waits with it)."""
    waiting = {func for early in beside for func in BESIDE[early]}
    index = next((i for i, (_, func) in enumerate(pending) if func not in waiting), 0)
    return pending.pop(index)


def write_all(
    study: Study, folder: Path, options: Options, stage: Callable[[str], None]
) -> Results:
    """Run every stage into ``folder``; returns what the stages left for the summary.

    Files go through a :class:`Writer` (a background thread unless ``options.background``
    is off); the run waits for all of them after the report stage.  When
    :func:`runs_beside` says so, the stages of :data:`BESIDE` run in forked processes from
    the start, and a stage that waits for one runs when it has finished (:func:`_next_stage`).
    """
    results: Results = {}
    writer = Writer(threaded=options.background)
    options = replace(options, write=writer)
    launched = [f for _, f in STAGES if f in BESIDE] if runs_beside(study, options) else []
    beside: dict[Callable[..., None], Beside] = {}
    pending = list(STAGES)
    try:
        for func in launched:
            beside[func] = Beside(func, study, folder, options)
        while pending:
            name, func = _next_stage(pending, beside)
            for early in [e for e in beside if func in BESIDE[e]]:
                beside.pop(early).join(study, results)
            stage(name)
            if func not in launched:
                func(study, folder, options, results)
            for early in [e for e, running in beside.items() if running.ready()]:
                beside.pop(early).join(study, results)  # its results feed charts and the cache now
            _draw_ready(study, folder, options, results)
        for early in list(beside):
            beside.pop(early).join(study, results)
        stage("writing files")  # the last files, written while the report was made
        writer.wait()
    finally:
        for running in beside.values():
            running.stop()
        writer.close()
    return results
