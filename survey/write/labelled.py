"""The respondent file for Stata (``.dta``) and for Arrow/R/Python (``.parquet``), with the instrument's labels.

Both take the labels the SPSS export takes (:func:`survey.write.export.variables`):
question texts as variable labels, codes with value labels, in the run's language.

* ``.dta`` is written by pyreadstat (Stata 14+ format 118, UTF-8, so Chinese
  labels survive).  Free text stays out, as in the ``.sav`` (it is in the verbatim
  file); non-substantive codes ("don't know" = 9) stay as labelled codes, listed
  in the file's notes of the README: ``mvdecode`` turns them into missing values.
* ``.parquet`` is written by pyarrow with every column of the respondent file
  (text included, redacted as in the run).  Each field's metadata holds
  ``label``, ``value_labels`` (JSON: code to label), ``missing`` (JSON list of
  non-substantive codes) and ``measure``; the file's metadata holds ``survey``
  (JSON: instrument id, version, language).

Examples
--------
>>> write_dta(study.respondents(), study.instrument, Path("w1.dta"), text_columns=study.text_columns)  # doctest: +SKIP
>>> pyarrow.parquet.read_schema("w1.parquet").field("country").metadata[b"label"]                   # doctest: +SKIP
b'Where do you currently live?'
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from survey.errors import ExportError
from survey.instrument import Instrument
from survey.write import export

_STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
#: Stata's limits (format 118): variable labels 80 characters, value labels 32,000 bytes.
_STATA_LABEL = 80


def _atomic(path: Path, write: object) -> None:
    """Run ``write(tmp)`` into a temporary sibling, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)  # type: ignore[operator]
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_dta(
    respondents: pd.DataFrame,
    instrument: Instrument,
    path: Path,
    *,
    lang: str = "en",
    file_label: str = "",
    text_columns: Sequence[str] = (),
) -> list[str]:
    """Write the respondent file as a labelled Stata ``.dta`` (free text left out).

    Returns
    -------
    list of str
        Warnings: variable labels cut at Stata's 80 characters.

    Raises
    ------
    ExportError
        A column name Stata cannot hold (letters, digits, ``_``; 32 characters).
    """
    frame = export._sav_frame(respondents, text_columns)
    bad = [c for c in frame.columns if not _STATA_NAME.fullmatch(str(c))]
    if bad:
        raise ExportError(f"{path.name}: names Stata cannot hold: {', '.join(map(str, bad))}")
    dictionary = export.variables(frame, instrument, lang)
    warnings = [
        f"{v.name}: variable label cut at {_STATA_LABEL} characters for Stata"
        for v in dictionary
        if len(v.label) > _STATA_LABEL
    ]
    labels: dict[str, str | None] = {v.name: v.label[:_STATA_LABEL] for v in dictionary}
    values = {
        v.name: {float(k): str(t) for k, t in v.value_labels.items()}
        for v in dictionary
        if v.value_labels
    }
    for name in frame.columns:
        if (
            frame[name].dtype == object
        ):  # text that is not free text (codes are numbers): keep as text
            frame[name] = frame[name].astype(str)
    _atomic(
        Path(path),
        lambda tmp: pyreadstat.write_dta(
            frame,
            tmp,
            file_label=file_label[:80],
            column_labels=labels,
            version=15,
            variable_value_labels=values,
        ),
    )
    return warnings


def parquet_table(
    respondents: pd.DataFrame, instrument: Instrument, *, lang: str = "en"
) -> pa.Table:
    """The respondent file as an Arrow table whose fields carry the instrument's labels."""
    text = _text_labels(instrument, lang)
    non_text = [c for c in respondents.columns if c not in text]
    dictionary = {v.name: v for v in export.variables(respondents[non_text], instrument, lang)}
    table = pa.Table.from_pandas(respondents.reset_index(drop=True), preserve_index=False)
    fields = []
    for field in table.schema:
        meta: dict[str, str] = {}
        if field.name in dictionary:
            v = dictionary[field.name]
            meta = {"label": v.label, "measure": str(v.measure or "")}
            if v.value_labels:
                meta["value_labels"] = json.dumps(
                    {str(_code(k)): t for k, t in v.value_labels.items()}, ensure_ascii=False
                )
            if v.missing:
                meta["missing"] = json.dumps([_code(m) for m in v.missing])
        elif field.name in text:
            meta = {"label": text[field.name], "measure": "text"}
        fields.append(
            field.with_metadata({k: val.encode("utf-8") for k, val in meta.items()})
            if meta
            else field
        )
    about = {"instrument": instrument.id, "instrument_version": instrument.version, "lang": lang}
    schema = pa.schema(
        fields, metadata={b"survey": json.dumps(about, ensure_ascii=False).encode("utf-8")}
    )
    return pa.Table.from_arrays(table.columns, schema=schema)


def _text_labels(instrument: Instrument, lang: str) -> dict[str, str]:
    """Label of every free-text column: the question's wording (and a box's label after it)."""
    out = {}
    for q in instrument.questions:
        if q.type == "text":
            out.update(
                {q.id: q.wording(lang)}
                if not q.boxes
                else {
                    f"{q.id}_{b.id}": f"{q.wording(lang)}: {b.label.get(lang) or b.id}"
                    for b in q.boxes
                }
            )
    return out


def _code(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def write_parquet(
    respondents: pd.DataFrame, instrument: Instrument, path: Path, *, lang: str = "en"
) -> None:
    """Write the respondent file as Parquet with labels in the metadata (see the module docstring)."""
    table = parquet_table(respondents, instrument, lang=lang)
    _atomic(Path(path), lambda tmp: pq.write_table(table, tmp, compression="zstd"))
