"""An instrument drafted from a SurveyMonkey export itself (CSV or XLSX, also spreadsheet-resaved).

A question starts at each non-blank cell of the first header row and takes the columns
after it with a blank first row.  By the second header row and the answers:

- "Open-Ended Response" alone: a text question;
- "Response" first: a single-choice question coded 1, 2, ... in the order its answers
  first appear (numbers are their own codes); the next column is its comment box
  (``comment``), any further one a text question named ``<question> / <prompt>``;
- columns whose filled cells all repeat the column's own option text: a multi-select,
  a last column of other text being the "Other" option's ``other_text``;
- columns of numbers or of a few repeated answers: a matrix or ranking, one single-choice
  question per row (``source: <question> / <row>``) on one scale (``N/A`` non-substantive);
- columns of free text: one text question with ``boxes`` (name, e-mail, phone and address
  boxes marked personal).

Dates re-saved by a spreadsheet (``8/22/22 15:44``) are declared under ``times.format``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from survey.formats.layouts import SURVEYMONKEY_METADATA, Layout
from survey.instrument.draft.common import (
    Draft,
    clean_text,
    codes_from_answers,
    default_quality,
    looks_personal,
    make_id,
    paradata,
    words,
)

ROLE_IDS = {
    "id": "respondent_id",
    "start": "start_time",
    "submit": "submit_time",
    "ip": "ip_address",
}
DATE_FORMATS = [
    ("%m/%d/%Y %I:%M:%S %p", False),
    ("%m/%d/%y %H:%M", True),
    ("%m/%d/%Y %H:%M", True),
    ("%d/%m/%y %H:%M", True),
    ("%d/%m/%Y %H:%M", True),
]


def draft_export(layout: Layout, languages: list[str]) -> Draft:
    """Draft an instrument from a SurveyMonkey export.

    Examples
    --------
    >>> from survey.formats.layouts import read_layout
    >>> draft = draft_export(read_layout(Path("responses.csv")), ["en"])  # doctest: +SKIP
    """
    d = Draft(study={}, languages=languages, source=layout.path.name)
    d.study = {"id": make_id(layout.path.stem, set(), "study"), "title": d.label(layout.path.stem)}
    first, second = layout.headers
    groups: list[tuple[str, list[tuple[str, pd.Series]]]] = []
    for j, (h, sub) in enumerate(zip(first, second)):
        if h:
            groups.append((h, [(sub, layout.body[j])]))
        elif groups:
            groups[-1][1].append((sub, layout.body[j]))
    n = 0
    for text, columns in groups:
        if text in SURVEYMONKEY_METADATA:
            _metadata(d, SURVEYMONKEY_METADATA[text], text, columns[0][1])
            continue
        n += 1
        _question(d, n, text, columns)
    default_quality(d)
    return d


def _metadata(d: Draft, role: str | None, text: str, values: pd.Series) -> None:
    if role is None:
        return
    d.add(paradata(d, role, ROLE_IDS[role], text, **({"personal": True} if role == "ip" else {})))
    if role in ("start", "submit") and not d.times:
        seen = [v for v in values if v]
        for fmt, declare in DATE_FORMATS:
            if seen and pd.to_datetime(pd.Series(seen), format=fmt, errors="coerce").notna().all():
                if declare:
                    d.times = {"format": fmt}
                    d.note(
                        "study",
                        f"guessed: times like '{seen[0]}' (re-saved by a spreadsheet) read as {fmt}",
                    )
                break


def _base(d: Draft, n: int, text: str) -> dict[str, Any]:
    q: dict[str, Any] = {"id": d.ident(f"q{n}_{words(text, 3).lower()}")}
    if clean_text(text) != " ".join(text.split()):
        q["source"] = text
    return q


def _question(d: Draft, n: int, text: str, columns: list[tuple[str, pd.Series]]) -> None:
    subs = [s for s, _ in columns]
    answers = [[v for v in values if v != ""] for _, values in columns]
    if subs == ["Open-Ended Response"]:
        d.add({**_base(d, n, text), "type": "text", "text": d.label(text)})
    elif subs[0] == "Response":
        _single(d, n, text, columns)
    elif _ticks(subs, answers):
        _multi(d, n, text, subs, answers)
    elif _categorical(answers):
        _matrix(d, n, text, subs, answers)
    else:
        boxes: list[dict[str, Any]] = []
        taken: set[str] = set()
        for sub in subs:
            box_id = make_id(words(sub, 3).lower() or "box", taken, "box")
            taken.add(box_id.lower())
            box: dict[str, Any] = {"id": box_id, "label": d.label(sub)}
            if looks_personal(sub):
                box["personal"] = True
            boxes.append(box)
        d.add(
            {**_base(d, n, text), "type": "text", "text": d.label(text), "boxes": boxes},
            "guessed: a multi-textbox question (free text in each column); boxes about a name, e-mail, "
            "phone or address are marked personal",
        )


def _ticks(subs: list[str], answers: list[list[str]]) -> bool:
    """Option columns whose filled cells repeat their own option text (the last may hold other text)."""
    head = list(zip(subs[:-1], answers[:-1]))
    return (
        len(subs) > 1
        and any(a for _, a in head)
        and all(all(" ".join(v.split()) == " ".join(s.split()) for v in a) for s, a in head)
    )


def _categorical(answers: list[list[str]]) -> bool:
    cells = [v for a in answers for v in a]
    if not cells:
        return False
    numeric = sum(bool(re.fullmatch(r"-?\d+", v)) for v in cells)
    distinct = len(set(cells))
    return numeric >= 0.7 * len(cells) or (
        distinct <= max(2, len(cells) // 2) and max(map(len, cells)) <= 60
    )


def _single(d: Draft, n: int, text: str, columns: list[tuple[str, pd.Series]]) -> None:
    q = _base(d, n, text)
    codes, numeric = codes_from_answers(list(columns[0][1]), d)
    sid = make_id(q["id"], {s.lower() for s in d.scales})
    d.scales[sid] = {"codes": codes or [{"code": 1, "label": d.label("(no answer seen)")}]}
    q.update(type="single", scale=sid, text=d.label(text))
    notes = [
        (
            "guessed: codes "
            + (
                "are the numbers answered"
                if numeric
                else "1, 2, ... in the order the answers first appear"
            )
        )
        + "; options nobody chose are missing: add them"
    ]
    extra = []
    for k, (sub, _) in enumerate(columns[1:]):
        if k == 0:
            q["comment"] = f"{q['id']}_comment"
            extra.append({"id": d.ident(q["comment"]), "type": "text", "text": d.label(sub)})
        else:
            extra.append(
                {
                    "id": d.ident(f"{q['id']}_text{k + 1}"),
                    "type": "text",
                    "text": d.label(sub),
                    "source": f"{text} / {sub}",
                }
            )
    d.add(q, *notes)
    for e in extra:
        d.add(e)


def _multi(d: Draft, n: int, text: str, subs: list[str], answers: list[list[str]]) -> None:
    q = _base(d, n, text)
    options: list[dict[str, Any]] = [
        {"code": k, "label": d.label(s)} for k, s in enumerate(subs, start=1)
    ]
    others = []
    if answers[-1] and any(v != subs[-1] for v in answers[-1]):
        other_id = f"{q['id']}_other"
        options[-1]["other_text"] = other_id
        others.append({"id": d.ident(other_id), "type": "text", "text": d.label(subs[-1])})
    q.update(type="multi", text=d.label(text), options=options)
    d.add(q, "guessed: a multi-select (each column repeats its option's text when ticked)")
    for other in others:
        d.add(other)


def _matrix(d: Draft, n: int, text: str, subs: list[str], answers: list[list[str]]) -> None:
    stem = _base(d, n, text)["id"]
    d.ids.discard(stem.lower())
    codes, numeric = codes_from_answers([v for a in answers for v in a], d)
    sid = make_id(stem, {s.lower() for s in d.scales})
    d.scales[sid] = {"codes": codes}
    d.note(
        f"scale:{sid}",
        "guessed: the answers seen in the matrix; "
        + (
            "numbers are their own codes, other answers (N/A) non-substantive"
            if numeric
            else "coded in the order they first appear"
        ),
    )
    for k, sub in enumerate(subs, start=1):
        d.add(
            {
                "id": d.ident(f"{stem}_{k}"),
                "type": "single",
                "scale": sid,
                "text": d.label(f"{clean_text(text)} - {sub}"),
                "source": f"{text} / {sub}",
            },
            *(["guessed: a matrix or ranking, one question per row"] if k == 1 else []),
        )
