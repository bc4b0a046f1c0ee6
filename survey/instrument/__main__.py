"""``python -m survey.instrument``: field an instrument (XLSForm, questionnaire, codebook), or draft one.

``export`` writes an XLSForm, a questionnaire or a codebook from an instrument; ``import``
drafts an instrument from a .sav, a .qsf, an XLSForm or a platform export (see
:mod:`survey.instrument.draft`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from survey.cli import ArgumentParser, log_beside, quiet, run
from survey.errors import ExportError
from survey.i18n import fallback_note
from survey.instrument import load_instrument
from survey.instrument.fielding import (
    FORMATS,
    default_instrument,
    shown_languages,
    to_codebook,
    to_questionnaire,
    to_xlsform,
)
from survey.write.output import check_output_file


def parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m survey.instrument", description="Field an instrument.")
    sub = p.add_subparsers(dest="command", required=True)
    export = sub.add_parser(
        "export", help="write an XLSForm, a printable questionnaire or a codebook"
    )
    export.add_argument("--format", dest="fmt", required=True, help=f"one of {', '.join(FORMATS)}")
    export.add_argument(
        "--out", type=Path, required=True, help="file to write (.xlsx; .md or .html; .md or .csv)"
    )
    export.add_argument("--force", action="store_true", help="replace --out if it exists")
    export.add_argument(
        "--instrument", type=Path, help="instrument YAML (default: the one file in ./instruments)"
    )
    export.add_argument("--version", help="instrument version to field (default: the current one)")
    export.add_argument(
        "--lang",
        help="a language of the instrument: the XLSForm's default language; the questionnaire "
        "in this language only (default: all); the codebook's headings",
    )
    export.add_argument("--quiet", action="store_true", help="print nothing but errors")
    draft = sub.add_parser(
        "import", help="draft an instrument from a .sav, .qsf, XLSForm or platform export"
    )
    draft.add_argument(
        "source", type=Path, help="the .sav, .qsf, XLSForm (.xlsx) or export (.csv/.xlsx)"
    )
    draft.add_argument("--out", type=Path, required=True, help="instrument YAML to write")
    draft.add_argument(
        "--format",
        dest="fmt",
        choices=["qualtrics", "surveymonkey", "kobo"],
        help="the export's platform (default: detected from its header rows)",
    )
    draft.add_argument(
        "--lang", help="language code of the texts where the source does not say (default: en)"
    )
    draft.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m survey.instrument export --format F --out PATH [...]``; returns the exit status."""
    args = parser().parse_args(argv)
    if args.quiet:
        quiet()
    if args.command == "import":
        return _import(args, argv)
    if args.fmt not in FORMATS:
        raise ExportError(f"unknown format '{args.fmt}' (valid: {', '.join(FORMATS)})")
    check_output_file(args.out, force=args.force)
    log_beside(args.out)
    instrument = load_instrument(args.instrument or default_instrument())
    if args.version:
        instrument = instrument.at_version(args.version)
    if args.lang is not None:
        shown_languages(instrument, [args.lang])
    if args.fmt == "xlsform":
        written = to_xlsform(instrument, args.out, default_language=args.lang)
    elif args.fmt == "questionnaire":
        written = to_questionnaire(
            instrument, args.out, languages=[args.lang] if args.lang else None
        )
    else:
        written = to_codebook(instrument, args.out, lang=args.lang)
    if not args.quiet:
        for lang in instrument.languages:
            if note := fallback_note(lang):
                print(note, file=sys.stderr)
        print(written, file=sys.stdout)
    return 0


def _import(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    from survey.instrument.draft import draft, write_draft

    words = list(argv if argv is not None else sys.argv[1:])
    drafted = draft(args.source, args.fmt, [args.lang] if args.lang else None)
    written = write_draft(drafted, args.out, " ".join(["python -m survey.instrument", *words]))
    if not args.quiet:
        counts = f"{len(drafted.questions)} questions, {sum(len(v) for v in drafted.notes.values())} comments"
        print(f"{written} ({counts}; check the lines marked 'guessed:')", file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
