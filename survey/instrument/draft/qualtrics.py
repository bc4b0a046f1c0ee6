"""An instrument drafted from a Qualtrics export itself (no ``.qsf`` at hand).

The export tags name the questions; metadata columns become paradata by role.  Columns
``<tag>_<n>`` sharing a tag whose cells are 1 or blank are one multi-select (options coded
``n``, labelled by the text after the question's text in row 2); ``<tag>_<n>_TEXT`` and
``<tag>_TEXT`` are the text typed with an option.  Any other column holding whole numbers
is a single-choice question coded by the numbers seen (labels unknown: the codes; the
``.qsf`` has them); other columns are text.  Text iQ columns are left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pandas as pd

from survey.formats.layouts import QUALTRICS_METADATA, QUALTRICS_TEXT_IQ, Layout, qualtrics_columns
from survey.i18n import english_name
from survey.instrument.draft.common import (
    Draft,
    codes_from_answers,
    default_quality,
    make_id,
    paradata,
)

ROLE_IDS = {
    "id": "respondent_id",
    "start": "start_time",
    "submit": "submit_time",
    "ip": "ip_address",
    "language": "lang",
}


def draft_export(layout: Layout, languages: list[str]) -> Draft:
    """Draft an instrument from a Qualtrics CSV/XLSX export (any layout).

    Examples
    --------
    >>> from survey.formats.layouts import read_layout
    >>> draft = draft_export(read_layout(Path("export.csv")), ["en"])  # doctest: +SKIP
    """
    d = Draft(study={}, languages=languages, source=layout.path.name)
    d.study = {"id": make_id(layout.path.stem, set(), "study"), "title": d.label(layout.path.stem)}
    d.note(
        "study",
        f"guessed from a Qualtrics {layout.variant} export: question types and codes come from the "
        "answers seen; import the survey's .qsf instead for its labels and recode values",
    )
    columns = qualtrics_columns(layout)
    body = layout.body
    groups: dict[str, list[tuple[str, str, pd.Series]]] = defaultdict(list)
    order: list[str] = []
    for j, (name, text, _) in enumerate(columns):
        values = body[j]
        if (not name and not text) or name.endswith(QUALTRICS_TEXT_IQ):
            continue
        if name in QUALTRICS_METADATA:
            _metadata(d, name, QUALTRICS_METADATA[name], values)
            continue
        base = re.sub(r"_(\d+)(_TEXT)?$|_TEXT$", "", name)
        groups[base].append((name, text, values))
        if base not in order:
            order.append(base)
    for base in order:
        _group(d, base, groups[base])
    default_quality(d)
    return d


def _metadata(d: Draft, name: str, role: str | None, values: pd.Series) -> None:
    if role is None or any(q.get("role") == role for q in d.questions):
        return
    more: dict[str, Any] = {"personal": True} if role == "ip" else {}
    if role == "language":
        tags = list(dict.fromkeys(v for v in values if v))
        if not tags:
            return
        d.scales["language"] = {
            "codes": [
                {"code": k, "label": d.label(english_name(t.split("-")[0].lower()))}
                for k, t in enumerate(tags, start=1)
            ]
        }
        more["scale"] = "language"
    d.add(paradata(d, role, ROLE_IDS[role], name, **more))


def _group(d: Draft, base: str, columns: list[tuple[str, str, pd.Series]]) -> None:
    ticks = [
        (n, t, v) for n, t, v in columns if re.search(r"_\d+$", n) and set(v) <= {"", "1", "0"}
    ]
    texts = [(n, t, v) for n, t, v in columns if n.endswith("_TEXT")]
    plain = [(n, t, v) for n, t, v in columns if (n, t, v) not in ticks and (n, t, v) not in texts]
    if ticks and (len(ticks) > 1 or not plain):
        _multi(d, base, ticks, texts)
        for name, text, values in plain:
            _single_or_text(d, name, text, values, [])
        return
    for name, text, values in plain + ticks:
        _single_or_text(d, name, text, values, [t for t in texts if t[0] == f"{name}_TEXT"])
    for name, text, values in texts:
        if not any(f"{n}_TEXT" == name for n, _, _ in plain + ticks):
            _text(d, name, text)


def _prefix(texts: list[str]) -> str:
    first = texts[0]
    k = 0
    while len(texts) > 1 and k < len(first) and all(len(t) > k and t[k] == first[k] for t in texts):
        k += 1
    return first[:k] if len(texts) > 1 else (first.rsplit("-", 1)[0] if "-" in first else first)


def _multi(d: Draft, base: str, ticks: list, texts: list) -> None:
    stem = _prefix([t for _, t, _ in ticks])
    qid = d.ident(base)
    options, others = [], []
    for name, text, _ in ticks:
        code = int(name.rsplit("_", 1)[1])
        label = text[len(stem) :].strip(" -") or str(code)
        option: dict[str, Any] = {"code": code, "label": d.label(label)}
        entered = next((n for n, _, _ in texts if n == f"{name}_TEXT"), None)
        if entered:
            other_id = d.ident(f"{qid}_{code}_text")
            option["other_text"] = other_id
            others.append({"id": other_id, "type": "text", "text": d.label(f"{label} (text)")})
        options.append(option)
    q: dict[str, Any] = {
        "id": qid,
        "type": "multi",
        "text": d.label(stem.strip(" -") or base),
        "options": options,
    }
    if qid != base:
        q["source"] = base
    d.add(
        q,
        "guessed: a multi-select (columns of 1s and blanks); option labels from the header's text",
    )
    for other in others:
        d.add(other)


def _single_or_text(d: Draft, name: str, text: str, values: pd.Series, entered: list) -> None:
    seen = [v for v in values if v != ""]
    qid = d.ident(name)
    q: dict[str, Any] = {"id": qid}
    if seen and all(re.fullmatch(r"-?\d+", v) for v in seen):
        codes, _ = codes_from_answers(seen, d)
        if entered:
            other = f"{qid}_text"
            codes[-1]["other_text"] = other
        sid = make_id(qid, {s.lower() for s in d.scales})
        d.scales[sid] = {"codes": codes}
        q.update(type="single", scale=sid, text=d.label(text or name))
        notes = [
            (
                f"guessed: single choice coded {', '.join(str(c['code']) for c in codes)} (the codes seen); "
                "labels unknown in an export: they are the codes"
            )
        ]
        if entered:
            notes.append(
                "guessed: the text column belongs to the last code seen; move other_text to the right code"
            )
    else:
        q.update(type="text", text=d.label(text or name))
        notes = [] if seen else ["guessed: no answers seen: drafted as text"]
    if qid != name:
        q["source"] = name
    d.add(q, *notes)
    if entered:
        d.add({"id": f"{qid}_text", "type": "text", "text": d.label(f"{text or name} (text)")})


def _text(d: Draft, name: str, text: str) -> None:
    qid = d.ident(name)
    q = {"id": qid, "type": "text", "text": d.label(text or name)}
    if qid != name:
        q["source"] = name
    d.add(q)
