"""``python -m survey.instrument``: field an instrument (XLSForm, questionnaire, codebook)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from survey.cli import ArgumentParser, log_beside, quiet, run
from survey.errors import ExportError
from survey.instrument.fielding import (
    FORMATS,
    _languages,
    default_instrument,
    to_codebook,
    to_questionnaire,
    to_xlsform,
)
from survey.instrument.model import load_instrument
from survey.write.output import check_output_file


def parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m survey.instrument", description="Field an instrument.")
    sub = p.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="write an XLSForm, a printable questionnaire or a codebook")
    export.add_argument("--format", dest="fmt", required=True, help=f"one of {', '.join(FORMATS)}")
    export.add_argument("--out", type=Path, required=True, help="file to write (.xlsx; .md or .html; .md or .csv)")
    export.add_argument("--force", action="store_true", help="replace --out if it exists")
    export.add_argument("--instrument", type=Path, help="instrument YAML (default: the one file in ./instruments)")
    export.add_argument("--version", help="instrument version to field (default: the current one)")
    export.add_argument("--lang", help="XLSForm default language; questionnaire in this language only (default: all)")
    export.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m survey.instrument export --format F --out PATH [...]``; returns the exit status."""
    args = parser().parse_args(argv)
    if args.quiet:
        quiet()
    if args.fmt not in FORMATS:
        raise ExportError(f"unknown format '{args.fmt}' (valid: {', '.join(FORMATS)})")
    check_output_file(args.out, force=args.force)
    log_beside(args.out)
    instrument = load_instrument(args.instrument or default_instrument())
    if args.version:
        instrument = instrument.at_version(args.version)
    if args.lang is not None:
        _languages(instrument, [args.lang])
    if args.fmt == "xlsform":
        written = to_xlsform(instrument, args.out, default_language=args.lang)
    elif args.fmt == "questionnaire":
        written = to_questionnaire(instrument, args.out, languages=[args.lang] if args.lang else None)
    else:
        written = to_codebook(instrument, args.out)
    if not args.quiet:
        print(written, file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
