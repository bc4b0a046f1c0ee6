"""``python -m survey.analyze``: run a study's whole analysis for one wave.

With no arguments it analyses the first wave of the one plan in ``./analysis`` and
writes to ``reports/<study>/wave<id>/``.  With ``--instrument`` and ``--raw`` and no
``--plan`` it runs without a plan (see :meth:`survey.study.Study.from_instrument`):
published figures and weighting are skipped.  See ``--help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from survey import artifacts, summary
from survey.cli import (
    ArgumentParser,
    Progress,
    check_input,
    default_plan,
    exit_now,
    log_beside,
    quiet,
    run,
)
from survey.errors import DataError, UsageError
from survey.i18n import check_language, default_language
from survey.instrument import Instrument, load_instrument
from survey.instrument.plan import Plan, Wave, load_plan
from survey.read.canonical import read_table
from survey.report.drawing import drawer
from survey.study import CANONICAL_FORMATS, Study, instrument_plan
from survey.write.output import atomic_folder, estimate_bytes


# Long: one add_argument per option, in the order --help shows (the README and docs quote it)
def parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog="python -m survey.analyze",
        description="Clean, recode, weight and analyse one wave of a survey; check published figures; write the report.",
    )
    p.add_argument(
        "--plan",
        type=Path,
        help="analysis plan YAML (default: the one plan in ./analysis; "
        "none with --instrument and --raw: published figures and weighting are then skipped)",
    )
    p.add_argument("--instrument", type=Path, help="instrument YAML (default: the plan's)")
    p.add_argument(
        "--raw", type=Path, help="raw response file (default: the wave's file in the plan)"
    )
    p.add_argument("--wave", help="wave id (default: the first wave of the plan)")
    p.add_argument(
        "--out",
        type=Path,
        help="output folder (default: reports/<study>/wave<id>); replaced only "
        "if an earlier run wrote it (see README, Errors)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an earlier run's files even if they were changed since (never files it did not write)",
    )
    p.add_argument(
        "--lang",
        help="language of labels and report: one the instrument declares "
        "(default: en if it declares it, else its first)",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        help="raw file format: canonical, wjx, qualtrics, surveymonkey, kobo, sav (default: the plan's)",
    )
    p.add_argument(
        "--sep",
        type=separator,
        help="field separator of a CSV raw file: comma, semicolon or tab "
        "(default: sniffed from the file)",
    )
    p.add_argument(
        "--encoding",
        help="text encoding of the raw file (default: UTF-8, or detected for platform exports)",
    )
    p.add_argument(
        "--allow-extra-columns",
        action="store_true",
        help="ignore raw columns the instrument does not know",
    )
    p.add_argument(
        "--keep-test-rows",
        action="store_true",
        help="keep the rows a platform marks as preview/test responses (excluded by default)",
    )
    p.add_argument(
        "--spss",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the SPSS export (default: on)",
    )
    p.add_argument(
        "--stata",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="write stata/<study>-wave<id>.dta with value labels (default: off; 30 s at 1M respondents)",
    )
    p.add_argument(
        "--parquet",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write data/respondents.parquet with the instrument's labels in its metadata (default: on)",
    )
    p.add_argument(
        "--charts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="draw charts and the report (default: on)",
    )
    p.add_argument(
        "--include-personal",
        action="store_true",
        help="keep personal-data columns in exports (off by default)",
    )
    p.add_argument(
        "--no-redact",
        action="store_true",
        help="do not redact personal data in open text (off by default)",
    )
    p.add_argument(
        "--human-codes",
        type=Path,
        help="open_ended.xlsx/.csv with a human coder's human_<theme> columns: report agreement",
    )
    p.add_argument(
        "--filter",
        dest="filter_expr",
        metavar="EXPR",
        help='analyse only the respondents EXPR keeps, e.g. "country == 2" (weights are not re-raked)',
    )
    p.add_argument(
        "--banner",
        type=lambda text: [b.strip() for b in text.split(",") if b.strip()],
        metavar="A,B,C",
        help="banner variables of every crosstab (default: the plan's banner)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.quiet:
        quiet()
    for option in ("plan", "instrument", "raw", "human_codes"):
        check_input(getattr(args, option), f"--{option.replace('_', '-')}")
    plan, instrument, plan_path = _plan_and_instrument(args)
    lang = (
        check_language(args.lang, instrument.languages, instrument.path)
        if args.lang
        else default_language(instrument.languages)
    )
    wave = plan.wave(args.wave) if args.wave is not None else plan.waves[0]
    raw = args.raw or wave.raw
    check_input(raw, f"the raw file of wave {wave.id} in {plan.path}")
    if args.sep and (args.fmt or wave.format) not in CANONICAL_FORMATS:
        raise UsageError(
            f"--sep applies to the instrument's own CSV layout, not to a {args.fmt or wave.format} "
            "export (its reader finds the separator)"
        )
    if args.human_codes:
        check_human_codes(args.human_codes)
    out = args.out or Path("reports") / plan.study / f"wave{wave.id}"
    log_beside(out)
    progress = Progress(total=stage_count(plan, wave), quiet=args.quiet)
    options = _options(args, lang, argv, progress)
    reading = {
        "encoding": args.encoding,
        "allow_extra_columns": args.allow_extra_columns,
        "fmt": args.fmt,
        "keep_test_rows": args.keep_test_rows,
        "progress": progress.stage,
    }
    read = inputs(plan, instrument, raw, args.human_codes)
    with (
        atomic_folder(out, force=args.force, inputs=read, need_bytes=estimate_bytes(raw)) as tmp,
        drawer(lang, enabled=options.charts) as draw,  # forked now: it gets ready while we read
    ):
        if plan_path is None:
            study = Study.from_instrument(instrument, raw, **reading)
        else:
            study = Study.from_plan(
                plan_path, wave.id, raw=args.raw, instrument=instrument, sep=args.sep, **reading
            )
        study = study.filtered(args.filter_expr).with_banner(args.banner)
        summary = artifacts.write_all(study, tmp, replace(options, draw=draw), progress.stage)
    progress.close()
    if not args.quiet:
        print(summary_text(study, summary, out, options.lang))
    return 0


def _plan_and_instrument(args: argparse.Namespace) -> tuple[Plan, Instrument, Path | None]:
    """The plan (the one made from the instrument with --instrument and --raw and no --plan),
    the instrument, and the plan's file (None for a plan made from the instrument)."""
    if args.plan is None and args.instrument is not None and args.raw is not None:
        instrument = load_instrument(args.instrument)
        return instrument_plan(instrument, args.raw, args.fmt, args.encoding), instrument, None
    plan_path = args.plan or default_plan()
    plan, instrument = load_plan(
        plan_path, load_instrument(args.instrument) if args.instrument else None
    )
    return plan, instrument, plan_path


def _options(
    args: argparse.Namespace,
    lang: str,
    argv: Sequence[str] | None,
    progress: Progress,
) -> artifacts.Options:
    """What the command line asks the run to write, and the command as the run records it."""
    return artifacts.Options(
        lang=lang,
        spss=args.spss,
        stata=args.stata,
        parquet=args.parquet,
        charts=args.charts,
        include_personal=args.include_personal,
        redact=not args.no_redact,
        command=" ".join(
            ["python -m survey.analyze", *(argv if argv is not None else sys.argv[1:])]
        ),
        human_codes=args.human_codes,
        progress=progress.stage,
    )


def separator(text: str) -> str:
    """``--sep``: ``,`` ``;`` or a tab, by character or name (``\\t``, ``tab``, ``semicolon`` ...)."""
    names = {
        ",": ",",
        "comma": ",",
        ";": ";",
        "semicolon": ";",
        "\t": "\t",
        "\\t": "\t",
        "tab": "\t",
    }
    if text.lower() not in names:
        raise argparse.ArgumentTypeError(f"'{text}' is not comma, semicolon or tab")
    return names[text.lower()]


def summary_text(study: Study, results: artifacts.Results, out: Path, lang: str) -> str:
    """The run's summary, with what was ignored at the end of the raw file."""
    lines = summary.summary_text(study, results, out, lang).splitlines()
    ignored = study.data.attrs.get("ignored") or {}
    if any(ignored.values()):
        what = [
            f"{n} empty {kind if n == 1 else kind + 's'}"
            for kind, n in (
                ("row", ignored.get("rows", 0)),
                ("unnamed column", ignored.get("columns", 0)),
            )
            if n
        ]
        lines.insert(
            2,
            f"ignored at the end of {study.raw_path.name} (as spreadsheets save them): "
            + " and ".join(what),
        )
    return "\n".join(lines)


def stage_count(plan: Plan, wave: Wave) -> int:
    """The stages a run of ``wave`` announces: reading (3, 4 when weighted), the output stages,
    "writing files", and for a later wave one per wave compared in the trends."""
    position = [w.id for w in plan.waves].index(wave.id)
    return 3 + bool(wave.weighting) + len(artifacts.STAGES) + 1 + (position + 1 if position else 0)


def check_human_codes(path: Path) -> None:
    """A coder's file needs ``respondent_id`` and ``human_<theme>`` columns (checked before any work)."""
    header = list(read_table(path).columns)
    missing = [] if "respondent_id" in header else ["respondent_id"]
    if not any(c.startswith("human_") for c in header):
        missing.append("human_<theme>")
    if missing:
        raise DataError(
            f"{path}: no column {' or '.join(missing)} (--human-codes takes open_ended.xlsx "
            "or .csv with a coder's human_<theme> columns filled in)"
        )


def inputs(plan: Plan, instrument: Instrument, raw: Path, human_codes: Path | None) -> list[Path]:
    """Every file a run reads: an output folder holding one of them is never replaced."""
    frame = plan.open_ended.get("coding_frame")
    found = [
        plan.path,
        instrument.path or None,
        raw,
        *(w.raw for w in plan.waves),
        human_codes,
        plan.path.parent / frame if frame else None,
    ]
    return [Path(f) for f in found if f is not None]


if __name__ == "__main__":
    exit_now(run(main))
