"""The bad-input corpus: every mistake an analyst makes gives one line naming the place, and loses nothing.

Two kinds of cases, each driving the command line in-process:

* files (``tests/corpus/``, built by ``tests/corpus/build.py``; ``expected.csv`` gives each
  file's option, extra arguments, exit status and message): malformed raw files, instruments
  and plans (exit 2), and files as spreadsheets save them that must be read (exit 0, the same
  respondents as ``ok/valid.csv``);
* environments (:data:`ENVIRONMENTS` below): output folders that must not be replaced, read-only
  or full disks, inputs that are folders or unreadable, a bug, an interruption.

For every case that fails: the exit status, one line on stderr starting ``error:`` that names
the file and place, no traceback, nothing on stdout, and not one file of ``tmp_path`` (which
holds the previous run's output and the user's files) added, removed or changed.

``SURVEY_CORPUS_LOG=path`` appends each case's outcome as a JSON line (the before/after table
of issue 16 was made by running this file against main's code and against this branch's).
"""

from __future__ import annotations

import builtins
import csv
import errno
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from survey import artifacts
from survey.analyze import main
from survey.cli import run
from tests.conftest import INSTRUMENT, PLAN, ROOT, make_raw

CORPUS = Path(__file__).resolve().parent / "corpus"
with open(CORPUS / "expected.csv", encoding="utf-8") as _handle:
    CASES = list(csv.DictReader(_handle))
UNWEIGHTED = CORPUS / "ok" / "unweighted.yaml"
FAST = ["--no-spss", "--no-charts"]
CORE = artifacts.STAGES[
    :1
]  # accepted files: toplines, headlines, respondents and run.json are enough


# --------------------------------------------------------------------------- running and checking


@dataclass
class Outcome:
    status: int | str
    out: str
    err: str
    crash: str | None = None  # an exception that escaped run() (the old code's tracebacks)


def invoke(command: Callable, args: list[str], capsys) -> Outcome:
    crash = None
    try:
        status = run(command, [str(a) for a in args])
    except SystemExit as exc:  # argparse's exit in the old code
        status = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # noqa: BLE001  (recorded: an escaping exception is a traceback)
        status, crash = "traceback", f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
    captured = capsys.readouterr()
    return Outcome(status, captured.out, captured.err, crash)


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for folders and links)."""
    out: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel] = _read(path) if path.is_file() and not path.is_symlink() else None
    return out


def _read(path: Path) -> bytes:
    """The bytes of ``path``, opened by descriptor (the permission-denied case guards opening by name)."""
    with os.fdopen(os.open(path, os.O_RDONLY), "rb") as handle:
        return handle.read()


def record(
    case_id: str,
    outcome: Outcome,
    pristine: dict,
    before: dict,
    after: dict,
    gone: Callable[[str], bool] = lambda rel: False,
) -> None:
    """Append the case's outcome to $SURVEY_CORPUS_LOG (a JSON line), if set.

    ``pristine``: tmp_path holding only the previous run's copy; what the case set up beyond it
    (a note, an edited file, an input) is the user's: ``lost_user`` lists what of that the
    command removed or changed (besides the leftovers it may remove, ``gone``).
    """
    log = os.environ.get("SURVEY_CORPUS_LOG")
    if not log:
        return
    lost = [k for k in before if after.get(k, "missing") != before[k]]
    lines = (outcome.err or "").strip().splitlines()
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "case": case_id,
                    "status": outcome.status,
                    "crash": outcome.crash,
                    "stderr_lines": len(lines),
                    "first": lines[0] if lines else "",
                    "last": lines[-1] if lines else "",
                    "traceback": "Traceback" in (outcome.err or "") or outcome.crash is not None,
                    "lost_user": [
                        k for k in lost if pristine.get(k, "missing") != before[k] and not gone(k)
                    ][:5],
                    "replaced_run": any(k in pristine and pristine[k] == before[k] for k in lost),
                    "added": [k for k in after if k not in before][:5],
                },
                ensure_ascii=False,
            )
            + "\n"
        )


def check_failure(
    outcome: Outcome,
    status: int,
    pattern: str,
    names: str | None,
    before: dict,
    after: dict,
    allowed: Callable[[str], bool] = lambda rel: False,
    gone: Callable[[str], bool] = lambda rel: False,
) -> None:
    assert outcome.crash is None, outcome.crash
    assert outcome.status == status, (outcome.status, outcome.err)
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.err
    assert lines[0].startswith(("error: ", "interrupted: ")), lines[0]
    assert "Traceback" not in outcome.err
    assert re.search(pattern, lines[0]), lines[0]
    assert names is None or names in lines[0], (names, lines[0])
    assert outcome.out == ""
    lost = [k for k in before if after.get(k, "missing") != before[k] and not gone(k)]
    added = [k for k in after if k not in before and not allowed(k)]
    assert lost == [] and added == [], (lost, added)


@pytest.fixture(scope="session")
def previous_run(tmp_path_factory):
    """A real run's output folder (its core stage), copied into each case as the previous output."""
    out = tmp_path_factory.mktemp("previous") / "wave1"
    saved = artifacts.STAGES
    artifacts.STAGES = CORE
    try:
        assert run(main, ["--plan", str(PLAN), "--out", str(out), "--quiet", *FAST]) == 0
    finally:
        artifacts.STAGES = saved
    return out


@pytest.fixture(scope="session")
def reference_respondents(tmp_path_factory):
    """data/respondents.csv of the clean file the accepted files must read as."""
    out = tmp_path_factory.mktemp("reference") / "out"
    saved = artifacts.STAGES
    artifacts.STAGES = CORE
    try:
        assert (
            run(
                main,
                [
                    "--plan",
                    str(UNWEIGHTED),
                    "--raw",
                    str(CORPUS / "ok" / "valid.csv"),
                    "--out",
                    str(out),
                    "--quiet",
                    *FAST,
                ],
            )
            == 0
        )
    finally:
        artifacts.STAGES = saved
    return (out / "data" / "respondents.csv").read_bytes()


@pytest.fixture
def previous(previous_run, tmp_path):
    target = tmp_path / "reports" / "wave1"
    shutil.copytree(previous_run, target)
    return target


# --------------------------------------------------------------------------- file cases


def test_corpus_is_large_enough():
    kinds = [c["kind"] for c in CASES]
    assert kinds.count("raw") >= 30
    assert kinds.count("instrument") + kinds.count("plan") >= 15
    assert len(CASES) + len(ENVIRONMENTS) >= 60


def _case_id(case: dict) -> str:
    return case["file"] + (f" {case['args']}" if case["args"] else "")


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_file(case, previous, tmp_path, capsys, monkeypatch, reference_respondents):
    path = CORPUS / case["file"]
    status = int(case["exit"])
    option = {"raw": "--raw", "instrument": "--instrument", "plan": "--plan"}[case["kind"]]
    args = [option, path, *case["args"].split(), "--out", previous, *FAST]
    if case["kind"] != "plan":
        args += ["--plan", UNWEIGHTED if status == 0 or case["file"].startswith("ok/") else PLAN]
    if status == 0:
        monkeypatch.setattr(artifacts, "STAGES", CORE)
    else:
        args.append("--quiet")
    before = tree(tmp_path)
    outcome = invoke(main, args, capsys)
    after = tree(tmp_path)
    record(_case_id(case), outcome, before, before, after)
    try:
        if status == 0:
            assert outcome.crash is None and outcome.status == 0, (
                outcome.status,
                outcome.err,
                outcome.crash,
            )
            assert outcome.err == ""
            assert re.search(case["message"], outcome.out, re.MULTILINE), outcome.out
            assert (previous / "data" / "respondents.csv").read_bytes() == reference_respondents
        else:
            names = (
                path.name
                if case["kind"] != "plan" or "nope.csv" not in case["message"]
                else "nope.csv"
            )
            check_failure(outcome, status, case["message"], names, before, after)
    except AssertionError:
        if case["needs"]:
            pytest.skip(
                f"needs: {case['needs']} (the readers' engineer refuses a --format that does not match)"
            )
        raise


# --------------------------------------------------------------------------- environment cases


@dataclass
class Scenario:
    """What one environment case runs and expects."""

    args: list
    status: int = 2
    pattern: str = ""
    names: str | None = None  # a substring the message must contain (the file or folder)
    command: Callable | None = None  # default: python -m survey.analyze
    allowed: Callable[[str], bool] = field(default=lambda rel: False)  # paths a failure may add
    gone: Callable[[str], bool] = field(default=lambda rel: False)  # paths a failure may remove
    then: Callable[[], None] | None = None  # further checks


@dataclass
class Env:
    tmp: Path
    previous: Path
    mp: pytest.MonkeyPatch

    def folder(self, rel: str, files: dict[str, str] | None = None) -> Path:
        path = self.tmp / rel
        path.mkdir(parents=True, exist_ok=True)
        for name, text in (files or {}).items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text)
        return path

    def cwd(self, rel: str) -> Path:
        path = self.folder(rel)
        self.mp.chdir(path)
        return path

    def plan_copy(self, rel: str, text: str | None = None) -> Path:
        """The plan with absolute paths to the instrument and raw files, at ``rel``."""
        text = text if text is not None else PLAN.read_text(encoding="utf-8")
        text = text.replace("instrument: ../instruments/", f"instrument: {ROOT}/instruments/")
        text = text.replace("raw: ../raw/", f"raw: {ROOT}/raw/")
        path = self.tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        shutil.copy(PLAN.parent / "ccg-2020-coding.yaml", path.parent)
        return path

    def deny_reading(self, path: Path) -> None:
        """``path`` cannot be opened, as for a user without permission (root reads anything: simulated)."""
        path.chmod(0)
        if os.geteuid() != 0:
            return
        real = io.open

        def guarded(file, *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) == str(path):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
            return real(file, *args, **kwargs)

        self.mp.setattr(io, "open", guarded)
        self.mp.setattr(builtins, "open", guarded)

    def deny_writing(self, folder: Path, code: int = errno.EACCES) -> None:
        """Nothing can be made in ``folder`` (read-only; simulated for root and for a read-only disk)."""
        if code == errno.EACCES:
            folder.chmod(0o555)
        if os.geteuid() != 0 and code == errno.EACCES:
            return
        real = os.mkdir

        def guarded(path, *args, **kwargs):
            if os.path.dirname(os.path.abspath(path)) == str(folder):
                raise OSError(code, os.strerror(code), os.fspath(path))
            return real(path, *args, **kwargs)

        self.mp.setattr(os, "mkdir", guarded)


ENVIRONMENTS: dict[str, Callable[[Env], Scenario]] = {}


def environment(func: Callable[[Env], Scenario]) -> Callable[[Env], Scenario]:
    ENVIRONMENTS[func.__name__] = func
    return func


def _analyze(env: Env, *args) -> list:
    return ["--plan", PLAN, *args, "--quiet", *FAST]


# ---- output folders


@environment
def users_folder_as_out(env):
    mine = env.folder("mine", {"notes.txt": "my notes", "old/x.sav": "old export"})
    return Scenario(
        _analyze(env, "--out", mine),
        pattern="folder exists and was not written by survey",
        names="mine",
    )


@environment
def users_folder_as_out_with_force(env):
    mine = env.folder("mine", {"notes.txt": "my notes", "old/x.sav": "old export"})
    return Scenario(
        _analyze(env, "--out", mine, "--force"), pattern="not written by survey", names="mine"
    )


@environment
def out_is_an_existing_file(env):
    (env.tmp / "results.csv").write_text("an analyst's file")
    return Scenario(
        _analyze(env, "--out", env.tmp / "results.csv"),
        pattern="exists and is a file",
        names="results.csv",
    )


@environment
def out_inside_an_existing_file(env):
    (env.tmp / "results.csv").write_text("an analyst's file")
    return Scenario(
        _analyze(env, "--out", env.tmp / "results.csv" / "sub"),
        pattern=r"results\.csv is a file, not a folder",
        names="results.csv",
    )


@environment
def out_is_the_current_folder(env):
    env.cwd("project")
    return Scenario(_analyze(env, "--out", "."), pattern="is the current folder", names="project")


@environment
def out_is_the_parent_folder(env):
    env.cwd("work/project")
    return Scenario(
        _analyze(env, "--out", ".."), pattern="is a folder holding the current folder", names="work"
    )


@environment
def out_is_a_parent_of_the_project(env):
    plan = env.plan_copy("work/project/analysis/plan.yaml")
    env.cwd("elsewhere")
    return Scenario(
        ["--plan", plan, "--out", env.tmp / "work", "--quiet", *FAST],
        pattern=r"holds .*plan\.yaml, an input of this run",
        names="work",
    )


@environment
def out_is_home(env):
    home = env.folder("home", {"notes.txt": "mine"})
    env.mp.setenv("HOME", str(home))
    env.cwd("elsewhere")
    return Scenario(_analyze(env, "--out", home), pattern="is the home folder", names="home")


@environment
def out_is_a_folder_holding_home(env):
    env.mp.setenv("HOME", str(env.folder("users/me", {"notes.txt": "mine"})))
    env.cwd("elsewhere")
    return Scenario(
        _analyze(env, "--out", env.tmp / "users"),
        pattern="is a folder holding the home folder",
        names="users",
    )


@environment
def out_in_a_read_only_folder(env):
    shared = env.folder("shared")
    env.deny_writing(shared)
    return Scenario(
        _analyze(env, "--out", shared / "wave1"),
        pattern=r"cannot write there \(Permission denied",
        names="shared/wave1",
    )


@environment
def out_on_a_read_only_disk(env):
    disk = env.folder("mnt")
    env.deny_writing(disk, errno.EROFS)
    return Scenario(
        _analyze(env, "--out", disk / "wave1"),
        pattern=r"cannot write there \(Read-only file system",
        names="mnt/wave1",
    )


@environment
def out_is_a_symlink_to_a_run(env):
    (env.tmp / "latest").symlink_to(env.previous)
    return Scenario(
        _analyze(env, "--out", env.tmp / "latest"), pattern="is a symbolic link", names="latest"
    )


@environment
def out_holds_the_raw_file(env):
    shutil.copy(ROOT / "raw" / "ccg-2020-wave1.csv", env.previous / "raw.csv")
    return Scenario(
        _analyze(env, "--raw", env.previous / "raw.csv", "--out", env.previous),
        pattern=r"holds .*raw\.csv, an input of this run",
        names="wave1",
    )


@environment
def human_codes_inside_out(env):
    coded = env.previous / "coded.csv"
    coded.write_text("respondent_id,human_help\nR1,1\n")
    return Scenario(
        _analyze(env, "--human-codes", coded, "--out", env.previous),
        pattern=r"holds .*coded\.csv, an input of this run",
        names="wave1",
    )


@environment
def file_added_to_the_previous_run(env):
    (env.previous / "data" / "my_recode.csv").write_text("the analyst's own file")
    return Scenario(
        _analyze(env, "--out", env.previous),
        pattern=r"holds data/my_recode\.csv, which no run wrote; not replaced, even with --force",
        names="wave1",
    )


@environment
def file_added_to_the_previous_run_with_force(env):
    (env.previous / "notes.txt").write_text("the analyst's own file")
    return Scenario(
        _analyze(env, "--out", env.previous, "--force"),
        pattern="even with --force",
        names="notes.txt",
    )


@environment
def file_changed_in_the_previous_run(env):
    (env.previous / "toplines.csv").write_text("edited by hand")
    return Scenario(
        _analyze(env, "--out", env.previous),
        pattern=r"toplines\.csv was changed since the run wrote it; pass --force",
        names="wave1",
    )


@environment
def file_changed_in_the_previous_run_with_force(env):
    (env.previous / "toplines.csv").write_text("edited by hand")
    env.mp.setattr(artifacts, "STAGES", CORE)

    def replaced():
        assert (env.previous / "toplines.csv").read_text() != "edited by hand"

    return Scenario(_analyze(env, "--out", env.previous, "--force"), status=0, then=replaced)


@environment
def previous_run_of_an_older_version(env):
    marker = env.previous / "run.json"
    doc = json.loads(marker.read_text())
    doc.pop("output", None)
    marker.write_text(json.dumps(doc))
    return Scenario(
        _analyze(env, "--out", env.previous),
        pattern="does not list the files of the folder",
        names="wave1",
    )


@environment
def someone_elses_run_json(env):
    other = env.folder("theirs", {"run.json": "{}\n", "thesis.docx": "chapter 1"})
    return Scenario(
        _analyze(env, "--out", other), pattern="does not list the files", names="theirs"
    )


@environment
def disk_full_before_any_work(env):
    real = shutil.disk_usage
    env.mp.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=3 * 2**20))
    return Scenario(
        _analyze(env, "--out", env.previous),
        pattern=r"3 MB free on its disk, the run needs about \d+ MB",
        names="wave1",
    )


@environment
def disk_full_while_writing(env):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    env.mp.setattr(artifacts, "write_csv", full)
    return Scenario(
        _analyze(env, "--out", env.previous),
        pattern="No space left on device while writing the output; nothing was replaced: free some space",
        names="wave1",
    )


@environment
def failed_run_removes_the_folders_it_made(env):
    return Scenario(
        [
            "--plan",
            PLAN,
            "--raw",
            CORPUS / "raw" / "empty.csv",
            "--out",
            env.tmp / "new" / "a" / "b",
            "--quiet",
            *FAST,
        ],
        pattern="file is empty",
        names="empty.csv",
    )


@environment
def killed_runs_leftovers(env):
    dead = 2**22 + 4321  # above Linux's default pid_max: no such process
    ours = env.folder(f"reports/.wave1.tmp-{dead}-abc", {"toplines.csv": "half"})
    (ours / ".survey-tmp").write_text(json.dumps({"written_by": "survey", "pid": dead}))
    env.folder(
        f"reports/.wave1.tmp-{dead}-xyz", {"thesis.docx": "a user's folder that looks like ours"}
    )

    def only_ours_removed():
        assert not ours.exists()
        assert (env.tmp / "reports" / f".wave1.tmp-{dead}-xyz" / "thesis.docx").exists()

    return Scenario(
        [
            "--plan",
            PLAN,
            "--raw",
            CORPUS / "raw" / "empty.csv",
            "--out",
            env.previous,
            "--quiet",
            *FAST,
        ],
        pattern="file is empty",
        names="empty.csv",
        then=only_ours_removed,
        gone=lambda rel: rel.startswith(f"reports/.wave1.tmp-{dead}-abc"),
    )


@environment
def killed_runs_leftovers_next_to_a_successful_run(env):
    dead = 2**22 + 4321
    ours = env.folder(f"reports/.wave1.tmp-{dead}-abc", {"toplines.csv": "half"})
    (ours / ".survey-tmp").write_text(json.dumps({"written_by": "survey", "pid": dead}))
    theirs = env.folder(
        f"reports/.wave1.tmp-{dead}-xyz", {"thesis.docx": "a user's folder that looks like ours"}
    )
    env.mp.setattr(artifacts, "STAGES", CORE)

    def only_ours_removed():
        assert not ours.exists() and (theirs / "thesis.docx").read_text().startswith("a user's")

    return Scenario(
        _analyze(env, "--out", env.previous),
        status=0,
        then=only_ours_removed,
        gone=lambda rel: rel.startswith(f"reports/.wave1.tmp-{dead}-abc"),
    )


@environment
def a_bug_is_one_line_and_a_log(env):
    def stage(*args):
        return 1 / 0

    env.mp.setattr(artifacts, "STAGES", [*CORE, ("a stage with a bug", stage)])

    def logged():
        logs = list((env.tmp / "reports").glob("survey-error-*.log"))
        assert (
            len(logs) == 1
            and "ZeroDivisionError" in logs[0].read_text()
            and "Traceback" in logs[0].read_text()
        )

    return Scenario(
        _analyze(env, "--out", env.previous),
        status=1,
        pattern=r"this is a bug in survey \(ZeroDivisionError: division by zero\); the traceback is in "
        r"\S+survey-error-\S+\.log: please report it",
        names="reports",
        allowed=lambda rel: rel.startswith("reports/survey-error-"),
        then=logged,
    )


@environment
def interrupted_run(env):
    def stage(*args):
        raise KeyboardInterrupt

    env.mp.setattr(artifacts, "STAGES", [*CORE, ("interrupted", stage)])
    return Scenario(
        _analyze(env, "--out", env.previous),
        status=130,
        pattern="interrupted: previous output left",
    )


# ---- inputs


@environment
def tab_in_the_plan_with_plan(env):
    plan = env.plan_copy("plan.yaml", PLAN.read_text(encoding="utf-8") + "\tbanner_note: x\n")
    return Scenario(
        ["--plan", plan, "--out", env.previous, "--quiet", *FAST],
        pattern=r"plan\.yaml: line \d+, column 1: invalid YAML: found character '\\t'",
        names="plan.yaml",
    )


@environment
def tab_in_the_plan_without_plan(env):
    project = env.cwd("project")
    env.plan_copy(
        "project/analysis/ccg.yaml", PLAN.read_text(encoding="utf-8") + "\tbanner_note: x\n"
    )
    return Scenario(
        ["--out", project / "out", "--quiet", *FAST],
        pattern=r"ccg\.yaml: line \d+, column 1: invalid YAML: found character '\\t'",
        names="ccg.yaml",
    )


@environment
def no_analysis_folder_and_no_plan(env):
    env.cwd("empty")
    return Scenario(
        ["--out", env.tmp / "out", "--quiet"],
        pattern="analysis: no such folder: pass --plan",
        names="analysis",
    )


@environment
def two_plans_in_analysis(env):
    env.cwd("project")
    env.plan_copy("project/analysis/a.yaml")
    env.plan_copy("project/analysis/b.yaml")
    return Scenario(
        ["--out", env.tmp / "out", "--quiet"],
        pattern=r"expected exactly one analysis plan, found "
        r"analysis/a\.yaml, analysis/b\.yaml: pass --plan",
        names="analysis",
    )


@environment
def plan_is_a_binary_file(env):
    (env.tmp / "plan.yaml").write_bytes(bytes(range(256)) * 8)
    return Scenario(
        ["--plan", env.tmp / "plan.yaml", "--out", env.previous, "--quiet"],
        pattern=r"(not UTF-8 text|NUL|binary)",
        names="plan.yaml",
    )


@environment
def plan_is_a_folder(env):
    return Scenario(
        ["--plan", env.folder("plans"), "--out", env.previous, "--quiet"],
        pattern="is a folder",
        names="plans",
    )


@environment
def plan_missing(env):
    return Scenario(
        ["--plan", env.tmp / "plan.yml", "--out", env.previous, "--quiet"],
        pattern="file not found",
        names="plan.yml",
    )


@environment
def instrument_missing(env):
    return Scenario(
        _analyze(env, "--instrument", env.tmp / "inst.yaml", "--out", env.previous),
        pattern="file not found",
        names="inst.yaml",
    )


@environment
def raw_is_a_folder(env):
    return Scenario(
        _analyze(env, "--raw", env.folder("exports"), "--out", env.previous),
        pattern="is a folder",
        names="exports",
    )


@environment
def raw_missing(env):
    return Scenario(
        _analyze(env, "--raw", env.tmp / "wave1.csv", "--out", env.previous),
        pattern="file not found",
        names="wave1.csv",
    )


@environment
def raw_permission_denied(env):
    raw = env.tmp / "wave1.csv"
    shutil.copy(ROOT / "raw" / "ccg-2020-wave1.csv", raw)
    env.deny_reading(raw)
    return Scenario(
        _analyze(env, "--raw", raw, "--out", env.previous),
        pattern="Permission denied",
        names="wave1.csv",
    )


def _no_reading(env: Env) -> Callable[[], None]:
    """Patch the reader to count calls; the check that it was never called."""
    import survey.study

    calls = []
    real = survey.study.read_wave
    env.mp.setattr(survey.study, "read_wave", lambda *a, **k: calls.append(1) or real(*a, **k))

    def not_read():
        assert calls == [], "the raw file was read before the mistake was found"

    return not_read


@environment
def human_codes_missing(env):
    return Scenario(
        _analyze(env, "--human-codes", env.tmp / "coded.xlsx", "--out", env.previous),
        pattern=r"coded\.xlsx: file not found \(--human-codes\)",
        names="coded.xlsx",
        then=_no_reading(env),
    )


@environment
def human_codes_is_a_folder(env):
    return Scenario(
        _analyze(env, "--human-codes", env.folder("coders"), "--out", env.previous),
        pattern="is a folder",
        names="coders",
        then=_no_reading(env),
    )


@environment
def human_codes_without_coder_columns(env):
    (env.tmp / "coded.csv").write_text("id,theme\n1,help\n")
    return Scenario(
        _analyze(env, "--human-codes", env.tmp / "coded.csv", "--out", env.previous),
        pattern=r"no column respondent_id or human_<theme>",
        names="coded.csv",
        then=_no_reading(env),
    )


@environment
def unknown_wave(env):
    return Scenario(
        _analyze(env, "--wave", "3", "--out", env.previous),
        pattern=r"no wave '3' \(registered: 1, 2\)",
        names="ccg-2020.yaml",
    )


@environment
def unknown_option(env):
    return Scenario(
        _analyze(env, "--output", env.previous),
        pattern=r"unrecognized arguments: --output",
        names="--output",
    )


@environment
def bad_language_value(env):
    return Scenario(
        _analyze(env, "--lang", "fr", "--out", env.previous),
        pattern=r"language 'fr' is not declared by .*ccg-2020\.yaml \(languages: en, zh\)",
        names="'fr'",
    )


@environment
def bad_separator_value(env):
    return Scenario(
        _analyze(env, "--sep", "|", "--out", env.previous),
        pattern=r"argument --sep: '\|' is not comma",
        names="--sep",
    )


@environment
def separator_for_a_platform_export(env):
    return Scenario(
        _analyze(env, "--sep", ";", "--format", "wjx", "--out", env.previous),
        pattern=r"--sep applies to the instrument's own CSV layout, not to a wjx export",
        names="--sep",
    )


# ---- the other commands


def _export(argv):
    from survey.export import main as export_main

    return export_main(argv)


def _instrument(argv):
    from survey.instrument.__main__ import main as instrument_main

    return instrument_main(argv)


def _bench(argv):
    from survey.bench import main as bench_main

    return bench_main(argv)


@environment
def export_into_a_users_folder(env):
    mine = env.folder("mine", {"notes.txt": "my notes"})
    return Scenario(
        [env.previous, "--out", mine, "--quiet"],
        command=_export,
        pattern="not written by survey",
        names="mine",
    )


@environment
def export_of_a_folder_that_is_not_a_run(env):
    mine = env.folder("mine", {"notes.txt": "my notes"})
    return Scenario(
        [mine, "--quiet"], command=_export, pattern=r"run\.json: not found", names="mine"
    )


@environment
def export_of_someone_elses_run_json(env):
    other = env.folder("theirs", {"run.json": '{"study": "mine"}\n'})
    return Scenario(
        [other, "--quiet"], command=_export, pattern=r"run\.json: no instrument", names="theirs"
    )


@environment
def export_over_the_run_itself(env):
    return Scenario(
        [env.previous, "--out", env.previous, "--quiet"],
        command=_export,
        pattern=r"holds .*, an input of this run",
        names="wave1",
    )


@environment
def export_into_the_runs_spss_folder(env):
    def listed():
        from survey.write.output import Target

        assert (env.previous / "spss" / "ccg-2020-wave1.sav").exists()
        Target.check(env.previous)  # the run's marker lists spss/: the next run may replace it
        Target.check(env.previous / "spss")

    return Scenario([env.previous, "--quiet"], command=_export, status=0, then=listed)


@environment
def instrument_export_over_a_users_file(env):
    (env.tmp / "form.xlsx").write_text("the analyst's own workbook")
    return Scenario(
        [
            "export",
            "--format",
            "xlsform",
            "--instrument",
            INSTRUMENT,
            "--out",
            env.tmp / "form.xlsx",
        ],
        command=_instrument,
        pattern=r"exists; not replaced: pass --force",
        names="form.xlsx",
    )


@environment
def instrument_export_to_a_folder(env):
    return Scenario(
        ["export", "--format", "codebook", "--instrument", INSTRUMENT, "--out", env.folder("docs")],
        command=_instrument,
        pattern=r"is a folder; --out names the file",
        names="docs",
    )


@environment
def instrument_export_inside_a_file(env):
    (env.tmp / "docs").write_text("a file")
    return Scenario(
        [
            "export",
            "--format",
            "codebook",
            "--instrument",
            INSTRUMENT,
            "--out",
            env.tmp / "docs" / "codebook.md",
        ],
        command=_instrument,
        pattern=r"docs is a file, not a folder",
        names="docs",
    )


@environment
def bench_into_a_users_folder(env):
    mine = env.folder("mine", {"notes.txt": "my notes"})
    return Scenario(
        ["--respondents", "1000", "--plan", PLAN, "--out", mine, "--quiet"],
        command=_bench,
        pattern="not written by survey",
        names="mine",
    )


@pytest.mark.parametrize("name", list(ENVIRONMENTS))
def test_environment(name, previous, tmp_path, monkeypatch, capsys):
    env = Env(tmp_path, previous, monkeypatch)
    pristine = tree(tmp_path)
    scenario = ENVIRONMENTS[name](env)
    before = tree(tmp_path)
    outcome = invoke(scenario.command or main, scenario.args, capsys)
    after = tree(tmp_path)
    record(name, outcome, pristine, before, after, scenario.gone)
    if scenario.status == 0:
        assert outcome.crash is None and outcome.status == 0, (
            outcome.status,
            outcome.err,
            outcome.crash,
        )
        assert outcome.err == ""
    else:
        check_failure(
            outcome,
            scenario.status,
            scenario.pattern,
            scenario.names,
            before,
            after,
            scenario.allowed,
            scenario.gone,
        )
    if scenario.then:
        scenario.then()


# --------------------------------------------------------------------------- beyond the corpus


def test_huge_open_answer(instrument, tmp_path, capsys):
    frame = make_raw(instrument, 5)
    frame.loc[2, "account"] = "x" * 10_000_000
    path = tmp_path / "huge.csv"
    frame.to_csv(path, index=False)
    outcome = invoke(
        main, ["--plan", PLAN, "--raw", path, "--out", tmp_path / "o", "--quiet"], capsys
    )
    assert outcome.status == 2
    assert "row 3, column account: text of 10,000,000 characters exceeds 65,535" in outcome.err


def test_exit_status_and_no_traceback_in_a_real_process(tmp_path):
    bad = CORPUS / "raw" / "duplicate_respondent_ids.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "survey.analyze",
            "--plan",
            str(PLAN),
            "--raw",
            str(bad),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""
