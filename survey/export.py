"""``python -m survey.export RUN``: export an existing run to SPSS again (e.g. with other labels).

The mapping of the instrument onto SPSS lives in :mod:`survey.write.export`; this module is
the command line only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from survey.cli import ArgumentParser, exit_now, log_beside, quiet, run
from survey.errors import DataError
from survey.i18n import check_language, fallback_note
from survey.instrument import Instrument, load_instrument
from survey.write.export import export_spss
from survey.write.output import atomic_folder


def parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog="python -m survey.export",
        description="Export an existing run of python -m survey.analyze to SPSS (.sav, .sps).",
    )
    p.add_argument(
        "run", type=Path, help="the run's output folder (has run.json and data/respondents.csv)"
    )
    p.add_argument(
        "--lang", help="language of the labels: one the instrument declares (default: the run's)"
    )
    p.add_argument(
        "--out",
        type=Path,
        help="output folder (default: RUN/spss); replaced only if survey wrote it",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace files survey wrote even if they were changed since (never files it did not write)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.quiet:
        quiet()
    meta_path = args.run / "run.json"
    meta = _run_metadata(meta_path)
    respondents_path, tables_path = (
        args.run / "data" / "respondents.csv",
        args.run / "crosstabs.csv",
    )
    out = args.out or args.run / "spss"
    log_beside(out)
    if not meta["instrument"]:
        raise DataError(
            f"{meta_path}: the run kept no instrument file (it was given one in memory)"
        )
    instrument_path = (
        args.run / meta["instrument"]
    )  # the run's copy (an absolute path in older runs)
    read = [meta_path, respondents_path, tables_path, instrument_path]
    instrument = load_instrument(instrument_path).at_version(meta["instrument_version"])
    lang = check_language(
        args.lang or meta.get("lang", "en"), instrument.languages, instrument_path
    )
    with atomic_folder(out, force=args.force, inputs=read) as tmp:
        respondents = _read_respondents(respondents_path, instrument)
        tables = (
            pd.read_csv(
                tables_path,
                dtype={"row_code": str, "col_code": str},
                keep_default_na=False,
                na_values=[""],
            )
            if tables_path.is_file()
            else None
        )
        warnings = export_spss(
            respondents,
            tables,
            instrument,
            tmp,
            stem=meta["stem"],
            lang=lang,
            file_label=meta.get("file_label", ""),
            text_columns=meta.get("text_columns", []),
        )
    if not args.quiet:
        for w in warnings:
            print(f"warning: {w}", file=sys.stderr)
        if note := fallback_note(lang):
            print(note, file=sys.stderr)
        print(f"written to {out}")
    return 0


RUN_KEYS = ("instrument", "instrument_version", "stem")


def _run_metadata(path: Path) -> dict:
    """The run's ``run.json``; a DataError when the folder is not a run of survey.analyze."""
    what = f"is {path.parent} a folder written by python -m survey.analyze?"
    if not path.is_file():
        raise DataError(f"{path}: not found ({what})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not the JSON a run writes ({exc}; {what})") from None
    missing = [k for k in RUN_KEYS if not isinstance(meta, dict) or k not in meta]
    if missing:
        raise DataError(f"{path}: no {', '.join(missing)} ({what})")
    return meta


def _read_respondents(path: Path, instrument: Instrument) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    times = {q.id for q in instrument.questions if q.role in ("start", "submit")}
    text = {
        q.id
        for q in instrument.questions
        if q.type == "text" or (q.type == "paradata" and not q.codes and q.id not in times)
    }
    out = {}
    for name in frame.columns:
        values = frame[name].where(frame[name] != "")
        if name in times:
            out[name] = pd.to_datetime(values, errors="coerce")
        elif name in text:
            out[name] = values
        else:
            out[name] = pd.to_numeric(values, errors="coerce").astype(float)
    return pd.DataFrame(out)


if __name__ == "__main__":
    exit_now(run(main))
