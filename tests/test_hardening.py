"""Hardening: random input never escapes as anything but the package's errors; nothing is lost;
an interrupted run leaves the previous output as it was."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas.testing as pd_testing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey import artifacts
from survey.analyze import main
from survey.clean.rules import clean
from survey.errors import SurveyError
from survey.read.canonical import read_raw
from survey.write.output import atomic_folder

from .conftest import PLAN, ROOT, make_raw, write_raw


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_reader_raises_only_its_own_errors_on_random_bytes(instrument, tmp_path, data):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    try:
        read_raw(path, instrument)
    except SurveyError as exc:
        assert str(path) in str(exc)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 80), spoil=st.floats(0, 0.6))
def test_random_raw_files_reconcile(instrument, tmp_path, seed, n, spoil):
    frame = make_raw(instrument, n=n, seed=seed)
    rng = np.random.default_rng(seed)
    hit = rng.random(n) < spoil
    kind = rng.integers(0, 3, n)
    frame.loc[hit & (kind == 0), "attention_q"] = "1"  # failed attention check
    frame.loc[hit & (kind == 1), "support_q"] = ""  # required question unanswered
    frame.loc[hit & (kind == 2), "age"] = "16"  # outside the population
    raw = read_raw(write_raw(frame, tmp_path / f"r{seed}.csv"), instrument)
    result = clean(raw, instrument)
    rows = sorted(result.data["raw_row"].tolist() + result.exclusions["raw_row"].tolist())
    assert rows == list(range(1, n + 1))
    assert len(result.exclusions) >= int((hit & (kind != 2)).sum())


def test_failed_stage_leaves_previous_output_intact(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert (
        main(["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"]) == 0
    )
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def boom(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(artifacts, "STAGES", artifacts.STAGES[:2] + [("boom", boom)])
    with pytest.raises(KeyboardInterrupt):
        main(["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"])
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_killed_run_leaves_previous_output_intact(tmp_path):
    out = tmp_path / "out"
    with atomic_folder(out) as previous:  # a previous run's folder, with its marker
        (previous / "headlines.csv").write_text("previous\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "survey.analyze", "--plan", str(PLAN), "--out", str(out), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".out.tmp-*/toplines.csv")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / "headlines.csv").read_text() == "previous\n"
    assert sorted(p.name for p in out.iterdir()) == ["headlines.csv", "run.json"]
    assert (
        len(list(tmp_path.glob(".out.tmp-*"))) == 1
    )  # the killed run's folder, until the next run
    assert (
        main(["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"]) == 0
    )
    assert list(tmp_path.glob(".out.tmp-*")) == [] and (out / "toplines.csv").exists()


def test_crosstab_columns_sum_to_bases_on_random_data(instrument, tmp_path):
    from survey.study import Study

    raw = write_raw(make_raw(instrument, n=120, seed=3), tmp_path / "w.csv")
    study = Study.from_plan(PLAN, raw=raw, weight=False)
    tables, _ = study.crosstabs()
    single = tables[
        tables["col_pct"].notna()
        & ~tables["row_code"].astype(str).str.startswith("net:")
        & (tables["question"] != "how_participated")
    ]
    sums = single.groupby(["question", "banner", "col_code"]).agg(
        c=("count", "sum"), b=("base", "first")
    )
    assert (sums["c"] == sums["b"]).all()


def test_failed_background_write_fails_the_run_and_leaves_previous_output(
    tmp_path, monkeypatch, capsys
):
    # Files are written in a background thread: its error must fail the run like a stage's (exit 2).
    from survey.errors import ExportError
    from survey.write import workbook

    out = tmp_path / "out"
    assert (
        main(["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"]) == 0
    )
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise ExportError("open_ended.xlsx: disk full (simulated)")

    from survey.cli import run

    monkeypatch.setattr(workbook, "write_open_ended_xlsx", broken)
    assert (
        run(main, ["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts", "--no-spss"])
        == 2
    )
    assert "disk full (simulated)" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_background_writer_writes_the_same_bytes(tmp_path):
    from survey.study import Study

    study = Study.from_plan(PLAN)
    folders = {}
    for background in (True, False):
        folder = folders[background] = tmp_path / f"bg-{background}"
        folder.mkdir()
        artifacts.write_all(
            study, folder, artifacts.Options(charts=False, background=background), lambda name: None
        )
    files = sorted(p.relative_to(folders[True]) for p in folders[True].rglob("*") if p.is_file())
    assert len(files) > 20
    assert files == sorted(
        p.relative_to(folders[False]) for p in folders[False].rglob("*") if p.is_file()
    )
    for name in files:
        assert (folders[True] / name).read_bytes() == (folders[False] / name).read_bytes(), name


# --------------------------------------------------------------------------- output folders


def _write(out, files, **options):
    with atomic_folder(out, **options) as tmp:
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text)


def _tree(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _refused(out, pattern, files=None, **options):
    from survey.errors import OutputError

    with pytest.raises(OutputError, match=pattern):
        _write(out, files or {"a.csv": "new"}, **options)


@pytest.fixture
def run_folder(tmp_path):
    out = tmp_path / "run"
    _write(out, {"a.csv": "1\n", "data/r.csv": "2\n", "run.json": '{"stem": "x"}\n'})
    return out


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="stages run beside only where they fork"
)
def test_a_stage_run_beside_writes_the_same_bytes_and_leaves_the_same_results(
    tmp_path, monkeypatch
):
    """The crosstab stage in a forked process: same files, same results, its cache entries merged."""
    from survey.study import Study

    folders, results, caches = {}, {}, {}
    for beside in (True, False):
        monkeypatch.setattr(artifacts, "runs_beside", lambda study, options, b=beside: b)
        study = Study.from_plan(PLAN)
        folder = folders[beside] = tmp_path / f"beside-{beside}"
        folder.mkdir()
        results[beside] = artifacts.write_all(
            study, folder, artifacts.Options(charts=False), lambda name: None
        )
        caches[beside] = set(study.cache)
    files = sorted(p.relative_to(folders[True]) for p in folders[True].rglob("*") if p.is_file())
    assert files == sorted(
        p.relative_to(folders[False]) for p in folders[False].rglob("*") if p.is_file()
    )
    assert "crosstabs.xlsx" in {f.name for f in files}
    for name in files:
        assert (folders[True] / name).read_bytes() == (folders[False] / name).read_bytes(), name
    assert results[True].keys() == results[False].keys()
    for key in ("crosstabs", "crosstab_tests", "agreement_by"):
        pd_testing.assert_frame_equal(results[True][key], results[False][key])
    assert caches[True] == caches[False]


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="stages run beside only where they fork"
)
def test_an_error_in_a_stage_run_beside_fails_the_run_as_one_line(tmp_path, monkeypatch, capsys):
    from survey.cli import run
    from survey.study import Study

    out = tmp_path / "out"

    def broken(self, lang="en"):
        raise SurveyError("crosstabs: broken on purpose")

    monkeypatch.setattr(artifacts, "runs_beside", lambda study, options: True)
    monkeypatch.setattr(Study, "crosstabs", broken)
    assert run(main, ["--plan", str(PLAN), "--out", str(out), "--quiet", "--no-charts"]) == 2
    assert capsys.readouterr().err == "error: crosstabs: broken on purpose\n"
    assert list(tmp_path.iterdir()) == []  # nothing written: not even a partial folder


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="stages run beside only where they fork"
)
def test_a_failed_run_stops_the_stage_running_beside(tmp_path, monkeypatch):
    import multiprocessing

    from survey.study import Study

    def slow(self, lang="en"):
        time.sleep(60)

    def boom(*args):
        raise SurveyError("boom")

    monkeypatch.setattr(artifacts, "runs_beside", lambda study, options: True)
    monkeypatch.setattr(Study, "crosstabs", slow)
    monkeypatch.setattr(
        artifacts, "STAGES", [*artifacts.STAGES[:1], ("boom", boom), *artifacts.STAGES[1:]]
    )
    began = time.monotonic()
    with pytest.raises(SurveyError, match="boom"):
        artifacts.write_all(
            Study.from_plan(PLAN), tmp_path, artifacts.Options(charts=False), lambda name: None
        )
    assert time.monotonic() - began < 30  # the child was stopped, not waited for
    assert multiprocessing.active_children() == []


def test_marker_lists_every_file_with_its_hash(run_folder):
    import hashlib
    import json

    marker = json.loads((run_folder / "run.json").read_text())
    assert marker["stem"] == "x"  # what the command wrote is kept
    assert marker["output"] == {
        "written_by": "survey",
        "folders": ["data"],
        "files": {
            "a.csv": {"bytes": 2, "sha256": hashlib.sha256(b"1\n").hexdigest()},
            "data/r.csv": {"bytes": 2, "sha256": hashlib.sha256(b"2\n").hexdigest()},
        },
    }


def test_a_run_replaces_its_own_folder(run_folder):
    _write(run_folder, {"b.csv": "3"})
    assert set(_tree(run_folder)) == {"b.csv", "run.json"}
    assert [p.name for p in run_folder.parent.iterdir()] == [
        "run"
    ]  # no temporary or old folder left


def test_a_file_someone_added_is_never_removed_even_with_force(run_folder):
    (run_folder / "data" / "notes.txt").write_text("mine")
    before = _tree(run_folder)
    _refused(
        run_folder, r"holds data/notes.txt, which no run wrote; not replaced, even with --force"
    )
    _refused(run_folder, r"even with --force", force=True)
    assert _tree(run_folder) == before
    assert [p.name for p in run_folder.parent.iterdir()] == ["run"]


def test_a_file_someone_changed_is_replaced_only_with_force(run_folder):
    (run_folder / "a.csv").write_text("edited")
    _refused(run_folder, r"a\.csv was changed since the run wrote it; pass --force to replace it")
    assert (run_folder / "a.csv").read_text() == "edited"
    _write(run_folder, {"a.csv": "new"}, force=True)
    assert (run_folder / "a.csv").read_text() == "new"


def test_removed_files_and_file_browser_litter_do_not_block(run_folder):
    (run_folder / "a.csv").unlink()
    (run_folder / ".DS_Store").write_bytes(b"\0")
    _write(run_folder, {"b.csv": "3"})
    assert set(_tree(run_folder)) == {"b.csv", "run.json"}


def test_folder_inside_a_run_is_listed_in_the_run_marker(run_folder):
    # survey.export RUN writes RUN/spss: the run's marker then lists the new files, so the
    # next run into RUN replaces them and an export into RUN/spss is allowed again
    _write(run_folder / "spss", {"x.sav": "s"})
    _write(run_folder / "spss", {"y.sav": "t"})
    assert set(_tree(run_folder)) == {"a.csv", "data/r.csv", "run.json", "spss/y.sav"}
    _write(run_folder, {"b.csv": "3"})
    assert set(_tree(run_folder)) == {"b.csv", "run.json"}


def test_deeper_folders_are_listed_in_the_nearest_run_that_lists_the_way(run_folder, tmp_path):
    import json

    _write(
        run_folder / "data" / "wave2", {"run.json": "{}", "x.csv": "1"}
    )  # a run inside a run's data/
    _write(run_folder / "data" / "wave2" / "spss", {"x.sav": "s"})
    listed = json.loads((run_folder / "run.json").read_text())["output"]
    assert sorted(listed["files"]) == [
        "a.csv",
        "data/r.csv",
        "data/wave2/run.json",
        "data/wave2/spss/x.sav",
        "data/wave2/x.csv",
    ]
    assert listed["folders"] == ["data", "data/wave2", "data/wave2/spss"]
    (run_folder / "mine").mkdir()  # not listed: what is made inside it is an output of its own
    _write(run_folder / "mine" / "out", {"y.csv": "2"})
    assert "output" in json.loads((run_folder / "mine" / "out" / "run.json").read_text())
    _refused(run_folder, r"holds mine, which no run wrote")


@pytest.mark.parametrize(
    "marker",
    [
        "{}\n",
        '{"stem": "x", "wave": "1"}\n',
        "not json",
        '{"output": {"written_by": "someone", "files": {}, "folders": []}}',
    ],
)
def test_a_folder_without_our_marker_is_refused(tmp_path, marker):
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text(marker)
    (out / "notes.txt").write_text("mine")
    _refused(out, r"not replaced", force=True)
    assert _tree(out) == {"notes.txt": b"mine", "run.json": marker.encode()}


def test_a_users_folder_a_file_and_links_are_refused(tmp_path):
    user = tmp_path / "user"
    (user / "old").mkdir(parents=True)
    (user / "notes.txt").write_text("mine")
    (user / "old" / "x.sav").write_text("sav")
    _refused(user, r"user: folder exists and was not written by survey", force=True)
    assert _tree(user) == {"notes.txt": b"mine", "old/x.sav": b"sav"}
    (tmp_path / "file").write_text("f")
    _refused(tmp_path / "file", r"file: exists and is a file, not an output folder", force=True)
    _refused(tmp_path / "file" / "sub", r"file is a file, not a folder")
    _write(tmp_path / "ours", {"a": "1"})
    (tmp_path / "link").symlink_to(tmp_path / "ours")
    _refused(tmp_path / "link", r"link: is a symbolic link", force=True)
    assert (tmp_path / "file").read_text() == "f" and (tmp_path / "ours" / "a").exists()


def test_current_folder_its_parents_and_home_are_never_replaced(tmp_path, monkeypatch):
    project = tmp_path / "home" / "project"
    project.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(project)
    for out, pattern in [
        (".", r"project: is the current folder"),
        ("..", r"home: is a folder holding the current"),
        (tmp_path, r"is a folder holding the current folder"),
        (tmp_path / "home", r"is a folder holding the current folder"),
    ]:
        _refused(out, pattern, force=True)
    monkeypatch.chdir(tmp_path / "home" / "..")
    _refused(tmp_path / "home", r"home: is the home folder", force=True)
    assert project.is_dir() and not list(project.iterdir())


def test_a_folder_holding_an_input_is_refused(run_folder):
    _refused(
        run_folder,
        r"holds .*data/r\.csv, an input of this run",
        inputs=[run_folder / "data" / "r.csv"],
    )


def test_an_empty_folder_is_replaced_and_missing_parents_are_made(tmp_path):
    (tmp_path / "empty").mkdir()
    _write(tmp_path / "empty", {"a": "1"})
    _write(tmp_path / "x" / "y" / "z", {"a": "1"})
    assert (tmp_path / "empty" / "a").exists() and (tmp_path / "x" / "y" / "z" / "a").exists()


def test_a_failed_run_leaves_no_temporary_folder_and_no_parents_it_made(tmp_path):
    with pytest.raises(ValueError), atomic_folder(tmp_path / "x" / "y" / "out") as tmp:
        (tmp / "a.csv").write_text("half")
        raise ValueError("stage failed")
    assert list(tmp_path.iterdir()) == []


def test_not_enough_space_is_refused_before_any_work(tmp_path):
    _refused(
        tmp_path / "x" / "out",
        r"MB free on its disk, the run needs about [\d,]+ MB",
        need_bytes=2**60,
    )
    assert list(tmp_path.iterdir()) == []


def test_disk_full_while_writing_is_one_error_naming_the_folder(run_folder):
    import errno

    from survey.errors import OutputError

    before = _tree(run_folder)
    full = r"run: No space left on device writing data/r\.csv; nothing was replaced"
    with pytest.raises(OutputError, match=full), atomic_folder(run_folder) as tmp:
        (tmp / "data").mkdir()
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp / "data" / "r.csv"))
    assert _tree(run_folder) == before
    assert [p.name for p in run_folder.parent.iterdir()] == ["run"]


def test_a_file_added_during_the_run_stops_the_swap(run_folder):
    before = _tree(run_folder)
    from survey.errors import OutputError

    with (
        pytest.raises(OutputError, match=r"holds notes\.txt, which no run wrote"),
        atomic_folder(run_folder) as tmp,
    ):
        (tmp / "a.csv").write_text("new")
        (run_folder / "notes.txt").write_text("mine")  # the analyst saves a note meanwhile
    assert _tree(run_folder) == {**before, "notes.txt": b"mine"}
    assert sorted(p.name for p in run_folder.parent.iterdir()) == ["run"]


def test_leftovers_of_killed_runs_are_removed_only_when_ours(tmp_path):
    import json

    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    ours = tmp_path / f".out.tmp-{dead}-abc"
    ours.mkdir()
    (ours / ".survey-tmp").write_text(json.dumps({"written_by": "survey", "pid": dead}))
    lookalike = tmp_path / f".out.tmp-{dead}-def"
    lookalike.mkdir()
    (lookalike / "thesis.docx").write_text("mine")
    _write(tmp_path / "out", {"a": "1"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [lookalike.name, "out"]


def test_permissions_follow_the_umask(run_folder):
    from survey.write.output import FILE_MODE, FOLDER_MODE

    assert run_folder.stat().st_mode & 0o777 == FOLDER_MODE
    assert (run_folder / "data").stat().st_mode & 0o777 == FOLDER_MODE
    assert all(p.stat().st_mode & 0o777 == FILE_MODE for p in run_folder.rglob("*") if p.is_file())


def test_instrument_export_never_replaces_a_file_without_force(tmp_path, capsys):
    from survey.cli import run
    from survey.instrument.__main__ import main as instrument_main

    from .conftest import INSTRUMENT

    target = tmp_path / "form.xlsx"
    target.write_text("the analyst's own workbook")
    args = ["export", "--format", "codebook", "--instrument", str(INSTRUMENT), "--out", str(target)]
    assert run(instrument_main, args) == 2
    assert "form.xlsx: exists; not replaced: pass --force" in capsys.readouterr().err
    assert target.read_text() == "the analyst's own workbook"
    assert run(instrument_main, [*args[:-1], str(tmp_path)]) == 2
    assert "is a folder; --out names the file to write" in capsys.readouterr().err
    assert run(instrument_main, [*args[:-1], str(target / "sub.md")]) == 2
    assert "form.xlsx is a file, not a folder" in capsys.readouterr().err
    codebook = tmp_path / "codebook.md"
    assert run(instrument_main, [*args[:-1], str(codebook), "--quiet"]) == 0
    assert run(instrument_main, [*args[:-1], str(codebook), "--quiet", "--force"]) == 0


# --------------------------------------------------------------------------- command line


def test_an_os_error_is_one_line_with_the_path_and_advice(capsys):
    import errno

    from survey.cli import run

    def denied(argv):
        raise PermissionError(errno.EACCES, "Permission denied", "/data/raw.csv")

    assert run(denied, []) == 2
    assert (
        capsys.readouterr().err
        == "error: /data/raw.csv: Permission denied: check its permissions, or choose another path\n"
    )


def test_a_bug_is_one_line_naming_the_log_with_the_traceback(tmp_path, capsys, monkeypatch):
    import re

    from survey import cli

    def buggy(argv):
        cli.log_beside(tmp_path / "out")
        return {}["missing"]

    assert cli.run(buggy, ["--out", "x"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    log = Path(re.search(r"the traceback is in (\S+): please report it", err).group(1))
    assert err.startswith("error: this is a bug in survey (KeyError: 'missing')")
    assert (
        log.parent == tmp_path
        and "Traceback" in log.read_text()
        and "KeyError: 'missing'" in log.read_text()
    )


def test_argument_errors_are_one_line(capsys):
    from survey.analyze import main
    from survey.cli import run

    assert run(main, ["--bogus", "1"]) == 2
    assert capsys.readouterr().err == (
        "error: python -m survey.analyze: unrecognized arguments: --bogus 1 (see --help)\n"
    )


def test_progress_total_is_right_for_every_wave_and_never_exceeded(monkeypatch):
    from survey import cli
    from survey.analyze import stage_count
    from survey.instrument.plan import load_plan
    from survey.study import Study

    plan, _ = load_plan(PLAN)
    announced = {}
    for wave in plan.waves:
        names = []
        study = Study.from_plan(PLAN, wave.id, progress=names.append)
        names += [name for name, _ in artifacts.STAGES] + ["writing files"]
        if wave.id != plan.waves[0].id:  # the trends stage announces every wave it compares
            study.trends(progress=names.append)
        announced[wave.id] = names
        assert stage_count(plan, wave) == len(names), (wave.id, names)
    assert (
        stage_count(plan, plan.waves[1]) == stage_count(plan, plan.waves[0]) + 2
    )  # "13/12" before
    bar = cli.Progress(total=2)
    for name in "abc":
        bar.stage(name)
    assert (bar.done, bar.total) == (3, 3)


def test_quiet_silences_library_warnings(capsys):
    import warnings

    from survey import cli

    def noisy(argv):
        cli.quiet()
        warnings.warn("a library's FutureWarning", FutureWarning, stacklevel=1)
        return 0

    def chatty(argv):
        warnings.warn("something\n  on two lines", UserWarning, stacklevel=1)
        return 0

    assert cli.run(noisy, []) == 0 and capsys.readouterr().err == ""
    assert (
        cli.run(chatty, []) == 0 and capsys.readouterr().err == "warning: something on two lines\n"
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_a_forked_worker_ends_when_its_run_is_killed(tmp_path):
    """A run killed with SIGKILL takes its forked workers with it (they write into its folder)."""
    script = (
        "import os, sys, time\n"
        "from survey.formats.forks import die_with_parent\n"
        "parent = os.getpid()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    die_with_parent(parent)\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "open(sys.argv[1], 'w').write(str(pid))\n"
        "time.sleep(60)\n"
    )
    pid_file = tmp_path / "worker.pid"
    run = subprocess.Popen([sys.executable, "-c", script, str(pid_file)], cwd=ROOT)
    deadline = time.time() + 30
    while time.time() < deadline and not pid_file.exists():
        time.sleep(0.05)
    time.sleep(0.2)  # the worker has called die_with_parent
    worker = int(pid_file.read_text())
    run.kill()
    run.wait()

    def alive(pid: int) -> bool:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False
        return "\nState:\tZ" not in status  # a zombie has ended, waiting to be reaped

    deadline = time.time() + 10
    while time.time() < deadline and alive(worker):
        time.sleep(0.05)
    assert not alive(worker)
