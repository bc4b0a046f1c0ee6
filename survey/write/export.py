"""SPSS export of a run: the instrument's dictionary mapped onto :mod:`survey.write.spss`.

:mod:`survey.write.spss` writes any labelled frame; this module says what a study's
variables are: question texts as variable labels (in the run's language), codes
with value labels, non-substantive codes as user-missing values, measurement
levels from the scales, multi-selects as 0/1 dichotomies with a multiple-response
set, derived variables with their labels, and the weight.  Free text goes to a
verbatim file beside the .sav (redacted as in the run), never into the .sav.  The
package's own labels ("Selected", "Weight") come from the message catalogues
(:mod:`survey.i18n`).

``python -m survey.write.export RUN_FOLDER`` exports a run written by
:mod:`survey.analyze` again (e.g. in the other language) from its
``run.json``, ``data/respondents.csv`` and ``crosstabs.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.i18n import N_, translator
from survey.instrument import Derived, Instrument, Question, derived_codes
from survey.write import spss
from survey.write.tabular import write_csv

TABLE_LABELS = {
    "question": "Question (row variable)",
    "banner": "Banner variable (column variable)",
    "row_code": "Row code",
    "row_label": "Row label",
    "col_code": "Column code",
    "col_label": "Column label",
    "col_letter": "Column letter",
    "count": "Count (unweighted)",
    "weighted_count": "Weighted count",
    "col_pct": "Column % (unweighted)",
    "weighted_col_pct": "Column % (weighted)",
    "base": "Column base (unweighted)",
    "weighted_base": "Column base (weighted)",
    "sig_letters": "Significantly higher than columns",
    "pct_of_responses": "% of responses (unweighted)",
    "weighted_pct_of_responses": "% of responses (weighted)",
}
WEIGHT = N_("Weight")
RAW_ROW = N_("Row in the raw file")


def selected_labels(lang: str) -> dict[int | float, str]:
    """Value labels of a multi-select option's 0/1 variable in ``lang``: ``{0: "Not selected", 1: "Selected"}``."""
    t = translator(lang)
    # A context of their own: Chinese says 选中 here and 已选 in the codebook.
    return {0: t.pgettext("SPSS", "Not selected"), 1: t.pgettext("SPSS", "Selected")}


def variables(frame: pd.DataFrame, instrument: Instrument, lang: str = "en") -> list[spss.Variable]:
    """The SPSS dictionary of a respondent file's columns, from the instrument.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns of the respondent file (text columns already removed).
    instrument : Instrument
    lang : str
        A language of the instrument.

    Returns
    -------
    list of Variable
        One per column of ``frame``, in its order.
    """
    questions = {q.id: q for q in instrument.questions}
    derived = {d.id: d for d in instrument.derived}
    options = {
        f"{q.id}_{c.code}": (q, c)
        for q in instrument.questions
        if q.type == "multi"
        for c in q.codes
    }
    t, selected = translator(lang), selected_labels(lang)
    out = []
    for name in frame.columns:
        if name in options:
            q, c = options[name]
            label = f"{q.wording(lang)}: {c.text(lang)}"
            out.append(spss.Variable(name, label, selected, format="F1.0"))
        elif name in questions:
            out.append(_question_variable(questions[name], lang))
        elif name in derived:
            out.append(_derived_variable(derived[name], instrument, lang))
        elif name == "weight":
            out.append(spss.Variable(name, t.gettext(WEIGHT), measure="scale", format="F10.6"))
        elif name == "raw_row":
            out.append(spss.Variable(name, t.gettext(RAW_ROW), measure="scale", format=None))
        else:
            raise DataError(
                f"{name}: column of the respondent file unknown to instrument {instrument.id}"
            )
    return out


def _question_variable(q: Question, lang: str) -> spss.Variable:
    """A question's variable: codes labelled, non-substantive codes user-missing."""
    if q.coded:
        return spss.Variable(
            q.id,
            q.wording(lang),
            {c.code: c.text(lang) for c in q.codes},
            missing=tuple(float(c) for c in q.nonsubstantive_codes),
            measure=q.measure,
            format=None,
        )
    if q.type == "numeric":
        return spss.Variable(q.id, q.wording(lang), measure="scale")
    return spss.Variable(q.id, q.wording(lang))


def _derived_variable(d: Derived, instrument: Instrument, lang: str) -> spss.Variable:
    """A derived variable's variable, its codes labelled (an indicator is nominal)."""
    return spss.Variable(
        d.id,
        d.wording(lang),
        {c.code: c.text(lang) for c in derived_codes(instrument, d)},
        measure=d.measure if d.type != "indicator" else "nominal",
    )


def multisets(frame: pd.DataFrame, instrument: Instrument, lang: str = "en") -> list[spss.MultiSet]:
    """One multiple-dichotomy set per multi-select question present in ``frame``."""
    out = []
    for q in instrument.questions:
        cols = tuple(c for c in q.columns if c in frame.columns) if q.type == "multi" else ()
        if cols:
            out.append(spss.MultiSet(f"${q.id}"[:64], q.wording(lang), cols))
    return out


def _sav_frame(respondents: pd.DataFrame, text: Sequence[str]) -> pd.DataFrame:
    """Numbers as floats, times as naive datetimes, free text out (it goes to the verbatim file)."""
    frame = respondents.drop(columns=[c for c in text if c in respondents.columns])
    out = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[name] = values
        elif pd.api.types.is_numeric_dtype(
            values
        ):  # as astype("Float64").astype(float), without the copy
            out[name] = pd.Series(
                values.to_numpy(dtype=float, na_value=np.nan), index=values.index, name=name
            )
        else:
            out[name] = values.astype(object).where(values.notna(), "")
    return pd.DataFrame(out, index=frame.index)


# Long: the four files in the order they are written (body 33); numpydoc docstring 26 lines
def export_spss(
    respondents: pd.DataFrame,
    tables: pd.DataFrame | None,
    instrument: Instrument,
    folder: Path,
    *,
    stem: str,
    lang: str = "en",
    file_label: str = "",
    text_columns: Sequence[str] = (),
) -> list[str]:
    """Write ``<stem>.sav``, ``<stem>.sps``, ``<stem>-verbatims.csv`` and ``crosstabs.sav``.

    Parameters
    ----------
    respondents : pandas.DataFrame
        The clean respondent file as the run writes it (personal data already
        removed and text redacted, unless the analyst asked otherwise).
    tables : pandas.DataFrame, optional
        The run's ``crosstabs.csv`` (tidy); reproduced by the syntax file's
        CROSSTABS and written as ``crosstabs.sav``.
    instrument : Instrument
    folder : Path
        Where the files go (created).
    stem : str
        ``<study>-wave<id>``.
    lang : str
        Language of variable and value labels (a language of the instrument).
    file_label : str
    text_columns : sequence of str
        Free-text columns: written to the verbatim CSV with ``respondent_id``.

    Returns
    -------
    list of str
        Warnings (labels cut at SPSS's byte limits).
    """
    folder.mkdir(parents=True, exist_ok=True)
    frame = _sav_frame(respondents, text_columns)
    dictionary = variables(frame, instrument, lang)
    spss.validate_names([v.name for v in dictionary])
    sets = multisets(frame, instrument, lang)
    weight = "weight" if "weight" in frame.columns else None
    if weight:  # SPSS WEIGHT ignores cases with a missing weight: say 0 explicitly
        frame[weight] = frame[weight].fillna(0.0)
    warnings = spss.write_sav(
        frame,
        dictionary,
        folder / f"{stem}.sav",
        file_label=file_label,
        multisets=sets,
        weight=weight,
        personal=instrument.personal_columns,
        row_compress=True,
    )
    warnings = [w for w in warnings if "multiple response" not in w]  # the .sps declares them
    pairs = _crosstab_pairs(tables, frame.columns)
    if tables is not None and not tables.empty:
        warnings += _write_tables_sav(tables, folder / "crosstabs.sav", file_label)
    spss.write_sps(
        folder / f"{stem}.sps",
        sav_name=f"{stem}.sav",
        variables=dictionary,
        multisets=sets,
        weight=weight,
        crosstabs=pairs,
        save_as=f"{stem}-labelled.sav",
    )
    _write_verbatims(respondents, instrument, text_columns, folder / f"{stem}-verbatims.csv")
    return warnings


def _crosstab_pairs(tables: pd.DataFrame | None, columns: pd.Index) -> list[tuple[str, str]]:
    """The (question, banner) pairs of the run's tables that the .sav holds, in table order."""
    if tables is None or tables.empty:
        return []
    single = tables[
        (tables["banner"] != "Total")
        & tables["question"].isin(columns)
        & tables["banner"].isin(columns)
    ]
    return list(dict.fromkeys(zip(single["question"], single["banner"])))


def _write_tables_sav(tables: pd.DataFrame, path: Path, file_label: str) -> list[str]:
    """The run's tables as ``crosstabs.sav`` (codes as text: a column mixes codes and "Total")."""
    table_frame = tables.assign(
        row_code=tables["row_code"].astype(str), col_code=tables["col_code"].astype(str)
    )
    return spss.write_table_sav(
        table_frame, path, labels=TABLE_LABELS, file_label=f"{file_label} tables"[:64]
    )


def _write_verbatims(
    respondents: pd.DataFrame, instrument: Instrument, text_columns: Sequence[str], path: Path
) -> None:
    """The free-text answers, with the respondent id, of those who wrote any (none: no file)."""
    ident = instrument.by_role("id")
    present = [c for c in text_columns if c in respondents.columns]
    if present:
        verbatim = respondents[[ident.id, *present]] if ident is not None else respondents[present]
        write_csv(verbatim[respondents[present].notna().any(axis=1)], path)
