"""SurveyMonkey exports: two header rows, CSV or XLSX (also re-saved by a spreadsheet).

Row 1 holds the question text on a question's first column and is blank on its further
columns; row 2 holds "Response", "Open-Ended Response", an option's text, a box's label or
a comment prompt.  A column is named ``<question text>`` or, when row 2 is neither
"Response" nor "Open-Ended Response", ``<question text> / <row 2>``; a question matches a
column by that name as its ``source``, or by its text.  Then:

- a multi-select has one column per option, found by the option's label; a ticked cell
  holds the option's text (an option with ``other_text`` holds the text typed instead);
- a ``text`` question with ``boxes`` has one column per box, found by the box's label;
- the column after a single-choice question is its comment/"other" box when the question
  declares ``comment``; otherwise it is an unexpected column (never read as answers);
- a matrix or ranking row is a question whose ``source`` is ``<question> / <row>``;
- when several questions have the same text, the k-th such column is the k-th question.

Dates are the platform's ``07/31/2023 04:21:36 PM`` or a spreadsheet's ``8/22/22 15:44``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from survey.formats.layouts import SURVEYMONKEY_METADATA, Layout, norm
from survey.formats.layouts import SURVEYMONKEY_RESPONSE as RESPONSE
from survey.instrument import Instrument, Question
from survey.read.platforms.common import (
    Export,
    Mapping,
    OptionColumns,
    finish,
    label_index,
    metadata,
    paradata_by_role,
    put_options,
    put_paradata,
    put_question,
    shown,
)


def column_name(question: str, sub: str) -> str:
    """The name of a SurveyMonkey column from its (carried) row-1 text and its row-2 text."""
    return question if sub in RESPONSE else f"{question} / {sub}"


def read_surveymonkey(
    layout: Layout, instrument: Instrument, allow_extra: bool, keep_test: bool
) -> Export:
    """A SurveyMonkey export mapped onto the instrument; see the module docstring."""
    (first, second), body, path = layout.headers, layout.body, layout.path
    candidates = _candidates(instrument)
    sources = {norm(q.source): q for q in instrument.questions if q.source}
    texts = {q.id: q for q in instrument.questions if q.type == "text"}
    m, extra = Mapping(), []
    options: OptionColumns = {}
    current, q, seen = "", None, Counter[str]()
    for j, (h, sub) in enumerate(zip(first, second)):
        values = body[j]
        if h:
            is_meta, role = metadata(h, SURVEYMONKEY_METADATA, m)
            if is_meta:
                if role:
                    paradata_by_role(instrument, role, values, h, path, m)
                current, q = "", None
                continue
            current = h
            seen[norm(h)] += 1  # the k-th question with this text is the k-th in the instrument
            found = candidates.get(norm(h), [])
            q = found[min(seen[norm(h)], len(found)) - 1] if found else None
        name = column_name(current, sub)
        if name != current and norm(name) in sources:  # a matrix or ranking row
            put_question(sources[norm(name)], values, name, m)
            continue
        if q is None:
            extra.append(name)
        elif q.type == "paradata":
            put_paradata(q, values, current, path, m, instrument)
        elif q.type == "multi":
            _option(q, sub, values, j, name, m, options, texts)
        elif q.boxes:
            _box(q, sub, values, name, m)
        elif h:
            put_question(q, values, current, m)
        elif q.comment in texts:
            put_question(texts[q.comment], values, name, m)
        else:
            extra.append(name)
    for q, columns in options.values():
        put_options(q, columns, m, fill=True)
    frame = finish(
        instrument,
        m,
        extra,
        allow_extra,
        path,
        "surveymonkey",
        len(body),
        platform_lacks=("language",),
    )
    info = {"encoding": layout.encoding, "notes": m.notes}
    return Export(frame, np.arange(1, len(body) + 1), info)


def _candidates(instrument: Instrument) -> dict[str, list[Question]]:
    """Questions by normalised source, text (any language) or id, in questionnaire order."""
    out: dict[str, list[Question]] = {}
    for q in instrument.questions:
        keys = (
            {norm(t) for t in q.text.values()} | {q.id} | ({norm(q.source)} if q.source else set())
        )
        for key in keys:
            out.setdefault(key, []).append(q)
    return out


def _option(
    q: Question,
    sub: str,
    values: pd.Series,
    j: int,
    name: str,
    m: Mapping,
    options: OptionColumns,
    texts: dict[str, Question],
) -> None:
    """One option column of a multi-select: ticked where the cell is not empty."""
    code = label_index(q).get(norm(sub))
    if code is None:
        m.problem("unknown option label(s)", shown(name))
        return
    ticked = pd.Series(np.where(values.str.strip() != "", "1", ""), index=values.index)
    options.setdefault(q.id, (q, []))[1].append((j, code, ticked))
    other = next((c.other_text for c in q.codes if c.code == code), None)
    if other in texts:
        put_question(texts[other], values, name, m)


def _box(q: Question, sub: str, values: pd.Series, name: str, m: Mapping) -> None:
    """One box of a multi-textbox question, found by its label."""
    box = next((b for b in q.boxes if norm(sub) in {norm(t) for t in b.label.values()}), None)
    if box is None:
        m.problem("unknown box label(s)", shown(name))
    else:
        m.columns[f"{q.id}_{box.id}"] = values
