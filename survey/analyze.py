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
from pathlib import Path

from survey import artifacts
from survey.cli import Progress, default_plan, run
from survey.i18n import check_language, default_language
from survey.instrument import load_instrument
from survey.instrument.plan import load_plan
from survey.study import Study
from survey.write.output import atomic_folder


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m survey.analyze",
        description="Clean, recode, weight and analyse one wave of a survey; check published figures; write the report.",
    )
    p.add_argument("--plan", type=Path, help="analysis plan YAML (default: the one plan in ./analysis; "
                   "none with --instrument and --raw: published figures and weighting are then skipped)")
    p.add_argument("--instrument", type=Path, help="instrument YAML (default: the plan's)")
    p.add_argument("--raw", type=Path, help="raw response file (default: the wave's file in the plan)")
    p.add_argument("--wave", help="wave id (default: the first wave of the plan)")
    p.add_argument("--out", type=Path, help="output folder (default: reports/<study>/wave<id>)")
    p.add_argument("--lang", help="language of labels and report: one the instrument declares "
                   "(default: en if it declares it, else its first)")
    p.add_argument("--format", dest="fmt", help="raw file format: canonical, wjx, qualtrics, surveymonkey, kobo, sav (default: the plan's)")
    p.add_argument("--encoding", help="text encoding of the raw file (default: UTF-8, or detected for platform exports)")
    p.add_argument("--allow-extra-columns", action="store_true", help="ignore raw columns the instrument does not know")
    p.add_argument("--keep-test-rows", action="store_true",
                   help="keep the rows a platform marks as preview/test responses (excluded by default)")
    p.add_argument("--spss", action=argparse.BooleanOptionalAction, default=True, help="write the SPSS export (default: on)")
    p.add_argument("--stata", action=argparse.BooleanOptionalAction, default=False,
                   help="write stata/<study>-wave<id>.dta with value labels (default: off; 30 s at 1M respondents)")
    p.add_argument("--parquet", action=argparse.BooleanOptionalAction, default=True,
                   help="write data/respondents.parquet with the instrument's labels in its metadata (default: on)")
    p.add_argument("--charts", action=argparse.BooleanOptionalAction, default=True, help="draw charts and the report (default: on)")
    p.add_argument("--include-personal", action="store_true", help="keep personal-data columns in exports (off by default)")
    p.add_argument("--no-redact", action="store_true", help="do not redact personal data in open text (off by default)")
    p.add_argument("--human-codes", type=Path, help="open_ended.xlsx/.csv with a human coder's human_<theme> columns: report agreement")
    p.add_argument("--filter", dest="filter_expr", metavar="EXPR",
                   help='analyse only the respondents EXPR keeps, e.g. "country == 2" (weights are not re-raked)')
    p.add_argument("--banner", type=lambda text: [b.strip() for b in text.split(",") if b.strip()],
                   metavar="A,B,C", help="banner variables of every crosstab (default: the plan's banner)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def run_language(plan: Path | None, instrument: Path | None, lang: str | None) -> str:
    """The run's language: ``lang`` if the instrument declares it (LanguageError lists those it does), else its default.

    Read from the plan's instrument (or ``instrument``) before any data is read; without a
    plan, from ``instrument``.
    """
    inst = load_instrument(instrument) if instrument else None
    if plan is not None:
        _, inst = load_plan(plan, inst)
    assert inst is not None
    return check_language(lang, inst.languages, inst.path) if lang else default_language(inst.languages)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    without_plan = args.plan is None and args.instrument is not None and args.raw is not None
    plan = None if without_plan else args.plan or default_plan()
    lang = run_language(plan, args.instrument, args.lang)
    progress = Progress(total=len(artifacts.STAGES) + 5, quiet=args.quiet)  # + reading stages and "writing files"
    reading = {"encoding": args.encoding, "allow_extra_columns": args.allow_extra_columns, "fmt": args.fmt,
               "keep_test_rows": args.keep_test_rows, "progress": progress.stage}
    if plan is None:
        study = Study.from_instrument(args.instrument, args.raw, **reading)
    else:
        study = Study.from_plan(plan, args.wave, raw=args.raw, instrument=args.instrument, **reading)
    study = study.filtered(args.filter_expr).with_banner(args.banner)
    out = args.out or Path("reports") / study.plan.study / f"wave{study.wave.id}"
    options = artifacts.Options(
        lang=lang,
        spss=args.spss,
        stata=args.stata,
        parquet=args.parquet,
        charts=args.charts,
        include_personal=args.include_personal,
        redact=not args.no_redact,
        command=" ".join(["python -m survey.analyze", *(argv if argv is not None else sys.argv[1:])]),
        human_codes=args.human_codes,
        progress=progress.stage,
    )
    with atomic_folder(out) as tmp:
        summary = artifacts.write_all(study, tmp, options, progress.stage)
    progress.close()
    if not args.quiet:
        print(artifacts.summary_text(study, summary, out, options.lang))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
