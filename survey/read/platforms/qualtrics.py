"""Qualtrics exports: the 2017+, 2016 "Insights" and legacy CSV/XLSX layouts.

The layouts (:mod:`survey.formats.layouts`): 2017+ and 2016 have three header rows (export
tag, question text, ImportId as JSON or as a Python dict), legacy has two (``V1``..``V10``
then tags; metadata names and question texts).  The export tag is a question's ``source``
or its id.  A multi-select option is the column ``<tag>_<suffix>``, the suffix being the
option's recode value (its code; 2016, 2017+) or its choice id (its ``name``; legacy); the
ImportId (``QID5-1``) names the choice where there is one.  Option columns follow the
survey's display order, so their order is not checked.  ``<tag>_<suffix>_TEXT`` (and
``<tag>_TEXT`` on a single choice) is the text entered with an option that has
``other_text``.  Rows whose Status is a preview or a test (1, 2, "Survey Preview", "Survey
Test") are read and then excluded by cleaning (reason ``test_response``) unless the
analyst keeps them; "IP Address" (0) is a normal response.  Unfinished responses (Finished
0) have no submit time.  Unticked options are blank: 0 when another option of the same
question is ticked.  Text iQ columns ("Q2 - Topics") are analysis output, not answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.formats.layouts import (
    QUALTRICS_METADATA,
    Layout,
    import_choice,
    qualtrics_columns,
)
from survey.formats.layouts import (
    QUALTRICS_TEST_STATUS as TEST_STATUS,
)
from survey.formats.layouts import (
    QUALTRICS_TEXT_IQ as TEXT_IQ,
)
from survey.instrument import Instrument, Question
from survey.read.platforms.common import (
    Export,
    Mapping,
    OptionColumns,
    by_name,
    finish,
    metadata,
    option_by,
    paradata_by_role,
    put_options,
    put_paradata,
    put_question,
)


def read_qualtrics(
    layout: Layout, instrument: Instrument, allow_extra: bool, keep_test: bool
) -> Export:
    """A Qualtrics export (any layout) mapped onto the instrument; see the module docstring."""
    path, body = layout.path, layout.body
    columns = qualtrics_columns(layout)
    names = [name for name, _, _ in columns]
    m, extra = Mapping(), []
    options: OptionColumns = {}
    questions = by_name(instrument)
    for j, (name, text, ident) in enumerate(columns):
        values = body[j]
        if not name and not text and (values == "").all():
            continue  # the trailing empty column of legacy exports
        is_meta, role = metadata(name, QUALTRICS_METADATA, m)
        if is_meta:
            if role:
                paradata_by_role(instrument, role, values, name, path, m)
            continue
        if name.endswith(TEXT_IQ):
            m.notes.append(f"ignored Text iQ column '{name}'")
            continue
        q = questions.get(name)
        if q is not None and q.type == "paradata":
            put_paradata(q, values, name, path, m, instrument)
        elif q is not None and q.type != "multi":
            put_question(q, values, name, m)
        elif not _option_column(name, ident, layout.variant, questions, values, j, m, options):
            extra.append(name)
    for q, found in options.values():
        put_options(q, found, m, fill=True, check_order=False)
    _unfinished(instrument, names, body, m)
    excluded = {} if keep_test else _test_rows(names, body)
    if excluded:
        m.notes.append(
            f"{len(excluded)} preview/test row(s) (Status) excluded by cleaning as test_response "
            "(keep them with --keep-test-rows)"
        )
    frame = finish(instrument, m, extra, allow_extra, path, "qualtrics", len(body))
    info = {"variant": layout.variant, "encoding": layout.encoding, "notes": m.notes}
    return Export(frame, np.arange(1, len(body) + 1), info, excluded)


def _option_column(
    name: str,
    ident: str | None,
    variant: str | None,
    questions: dict[str, Question],
    values: pd.Series,
    j: int,
    m: Mapping,
    options: OptionColumns,
) -> bool:
    """Put a multi option column or an other-text column; False when ``name`` is neither."""
    base, _, suffix = name.rpartition("_")
    if suffix == "TEXT":
        return _other_text(base, ident, variant, questions, values, m)
    q = questions.get(base)
    if q is None or q.type != "multi":
        return False
    code = _option(q, suffix, ident, variant)
    if code is None:
        m.problem("unknown option code(s)", f"'{name}'")
    else:
        options.setdefault(q.id, (q, []))[1].append((j, code, values))
    return True


def _option(q: Question, suffix: str, ident: str | None, variant: str | None) -> int | None:
    """The code of a multi's option column: by ImportId choice, else by suffix (choice id in legacy)."""
    choice = import_choice(ident) if ident else None
    if choice is not None and any(c.name == choice for c in q.codes):
        return option_by(q, choice, names_first=True)
    return option_by(q, suffix, names_first=variant == "legacy")


def _other_text(
    base: str,
    ident: str | None,
    variant: str | None,
    questions: dict[str, Question],
    values: pd.Series,
    m: Mapping,
) -> bool:
    """``<tag>_<suffix>_TEXT`` or (single choice) ``<tag>_TEXT``: the text of an option's other box."""
    tag, _, suffix = base.rpartition("_")
    targets = []
    if tag in questions and questions[tag].coded:
        code = _option(questions[tag], suffix, ident, variant)
        targets += [c.other_text for c in questions[tag].codes if c.code == code]
    if base in questions and questions[base].coded:
        with_text = [c.other_text for c in questions[base].codes if c.other_text]
        targets += with_text if len(with_text) == 1 else []
    texts = {q.id: q for q in questions.values() if q.type == "text"}
    target = next((t for t in targets if t in texts), None)
    if target is None:
        return False
    put_question(texts[target], values, f"{base}_TEXT", m)
    return True


def _unfinished(instrument: Instrument, names: list[str], body: pd.DataFrame, m: Mapping) -> None:
    submit = instrument.by_role("submit")
    if "Finished" in names and submit is not None and submit.id in m.columns:
        unfinished = body[names.index("Finished")].str.lower().isin(["0", "false"])
        m.columns[submit.id] = m.columns[submit.id].mask(unfinished, "")


def _test_rows(names: list[str], body: pd.DataFrame) -> dict[int, str]:
    """Row position -> "Status=2 (Survey Test)" for preview/test rows."""
    if "Status" not in names:
        return {}
    status = body[names.index("Status")]
    hit = status.isin(list(TEST_STATUS))
    return {
        int(i): f"Status={v}" + ("" if v == TEST_STATUS[v] else f" ({TEST_STATUS[v]})")
        for i, v in status[hit].items()
    }
