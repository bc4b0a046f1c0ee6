"""WJX (问卷星) exports: numeric or text downloads, CSV or XLSX.

Metadata columns are :data:`WJX_METADATA`.  ``N、题干`` is question N, numbered 1, 2, ...
over the instrument's NON-paradata questions in questionnaire order (text questions count;
paradata does not); the text after ``、`` must agree with question N's text in some language
(equal, or one a prefix of the other).  A header without a number matches by question text.
Multi-select: numeric export ``N(选项)``, ``第N题(选项)`` or ``N、题干(选项)``, one 0/1 column per
option, the option matched by label; text export: one column, labels joined by ``┋`` (an
``〖...〗`` other-text suffix is dropped).  ``-2``/``-3`` (skipped / not shown) in coded or
numeric columns and ``(跳过)``/``(空)`` anywhere are blank; in a text export ``(跳过)`` on a
multi-select means "not asked" (blank) and an empty cell "asked, nothing ticked" (all 0).
Numeric exports must carry the instrument's codes (option scores set to the codes,
downloaded 按分数); a download by option position cannot be told apart and gives wrong codes
for scales with gaps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.formats.layouts import WJX_METADATA, Layout, norm
from survey.instrument import Instrument, Question
from survey.read.canonical import TIME_FORMAT
from survey.read.platforms.common import (
    BLANK_MARKERS,
    Export,
    Mapping,
    OptionColumns,
    finish,
    joined_ticks,
    label_index,
    metadata,
    paradata_by_role,
    put_options,
    put_paradata,
    put_question,
    text_index,
)

_WJX_QUESTION = re.compile(r"^(?:第)?(\d+)(?:题)?[、.]\s*(.*)$")
_WJX_OPTION = re.compile(r"^(?:第)?(\d+)(?:题)?\s*\((.+)\)$")


def wjx_numbering(instrument: Instrument) -> dict[int, Question]:
    """WJX question numbers: 1, 2, ... over the non-paradata questions in order."""
    return dict(enumerate((q for q in instrument.questions if q.type != "paradata"), start=1))


def _text_agrees(header: str, q: Question) -> bool:
    h = norm(header)
    return not h or any(
        h == norm(t) or norm(t).startswith(h) or h.startswith(norm(t)) for t in q.text.values()
    )


def seconds(values: pd.Series, where: str, path: Path) -> pd.Series:
    """Durations like "120秒", "2分30秒", "1小时2分3秒" or "120" in seconds (NaN if blank)."""
    parts = values.map(norm).str.extract(r"^(?:(\d+)小时)?(?:(\d+)分钟?)?(?:(\d+)秒?)?$")
    bad = parts.isna().all(axis=1) & (values.str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: column {where}, row {row + 1}: '{values.iloc[row]}' is not a duration; "
            f"{int(bad.sum())} row(s) in all"
        )
    hms = parts.astype(float)
    total = hms[0].fillna(0) * 3600 + hms[1].fillna(0) * 60 + hms[2].fillna(0)
    return total.where(~parts.isna().all(axis=1))


def read_wjx(
    layout: Layout, instrument: Instrument, allow_extra: bool, keep_test: bool = False
) -> Export:
    """WJX (问卷星) numeric or text export; see the module docstring for the rules."""
    path, enc = layout.path, layout.encoding
    (header,), body = layout.headers, layout.body
    numbered, by_text, para = (
        wjx_numbering(instrument),
        text_index(instrument, False),
        text_index(instrument, True),
    )
    m, extra, joined = Mapping(), [], []
    options: OptionColumns = {}
    written: dict[str, list[str]] = {}  # the option labels as the export wrote them
    meta: dict[str, pd.Series] = {}
    for j, h in enumerate(header):
        values = body[j]
        is_meta, role = metadata(h, WJX_METADATA, m)
        if is_meta:
            if role:
                meta[role] = values
            continue
        if norm(h) in para:
            put_paradata(para[norm(h)], values, h, path, m, instrument)
            continue
        q, label = _wjx_header(h, numbered, by_text, m)
        if q is None:
            extra.append(h)
        elif q.type == "multi" and label is not None:
            code = label_index(q).get(norm(label))
            if code is None or code not in [c.code for c in q.codes]:
                m.problem("unknown option label(s)", f"'{h}'")
            else:
                options.setdefault(q.id, (q, []))[1].append((j, code, values))
                written.setdefault(q.id, []).append(label)
        elif q.type == "multi":
            joined.append(q)
            ticks = joined_ticks(values, q, "┋", h, m, empty_means_none=True)
            m.columns.update({f"{q.id}_{c}": v for c, v in ticks.items()})
        else:
            put_question(q, values, h, m)
    for q, found in options.values():
        put_options(q, found, m, labels=written[q.id])
    _wjx_paradata(instrument, meta, path, m)
    frame = finish(
        instrument, m, extra, allow_extra, path, "wjx", len(body), platform_lacks=("language",)
    )
    variant = "text" if joined or _mostly_labels(body, header, instrument, numbered) else "numeric"
    return Export(
        frame, np.arange(1, len(body) + 1), {"variant": variant, "encoding": enc, "notes": m.notes}
    )


def _wjx_header(
    h: str, numbered: MappingABC[int, Question], by_text: MappingABC[str, Question], m: Mapping
) -> tuple[Question | None, str | None]:
    """(question, option label or None) of a WJX header; None question = not a question header."""
    t = norm(h)
    opt = _WJX_OPTION.match(t)
    if opt and int(opt.group(1)) in numbered:
        return numbered[int(opt.group(1))], opt.group(2)
    qm = _WJX_QUESTION.match(t)
    if qm and int(qm.group(1)) in numbered:
        q, text = numbered[int(qm.group(1))], qm.group(2)
        if q.type == "multi":
            for lang_text in q.text.values():
                stem = norm(lang_text)
                if (
                    text.startswith(stem)
                    and text[len(stem) :].startswith("(")
                    and text.endswith(")")
                ):
                    return q, text[len(stem) + 1 : -1]
        if not _text_agrees(text, q):
            m.problem("question text differs", f"'{h}' is not question {qm.group(1)} ({q.id})")
        return q, None
    if t in by_text:
        return by_text[t], None
    return None, None


def _wjx_paradata(
    instrument: Instrument, meta: MappingABC[str, pd.Series], path: Path, m: Mapping
) -> None:
    ident = instrument.by_role("id")
    if ident is not None and ident.id not in m.columns and "id" in meta:
        m.columns[ident.id] = meta["id"]
        m.notes.append(f"{ident.id} taken from 序号 (WJX's record number)")
    if "submit" in meta:
        paradata_by_role(instrument, "submit", meta["submit"], "提交答卷时间", path, m)
    if "ip" in meta:
        paradata_by_role(instrument, "ip", meta["ip"], "来自IP", path, m)
    start, submit = instrument.by_role("start"), instrument.by_role("submit")
    if (
        start is not None
        and start.id not in m.columns
        and "duration" in meta
        and submit is not None
    ):
        secs = seconds(meta["duration"], "所用时间", path)
        end = pd.to_datetime(
            m.columns[submit.id].where(m.columns[submit.id] != ""), format=TIME_FORMAT
        )
        m.columns[start.id] = (
            (end - pd.to_timedelta(secs, unit="s")).dt.strftime(TIME_FORMAT).fillna("")
        )
        m.notes.append(f"{start.id} = 提交答卷时间 - 所用时间")


def _mostly_labels(
    body: pd.DataFrame,
    header: Sequence[str],
    instrument: Instrument,
    numbered: MappingABC[int, Question],
) -> bool:
    cells = []
    for j, h in enumerate(header):
        qm = _WJX_QUESTION.match(norm(h))
        if qm and int(qm.group(1)) in numbered and numbered[int(qm.group(1))].type == "single":
            cells.append(body[j])
    if not cells:
        return False
    values = pd.concat(cells).map(norm)
    values = values[(values != "") & ~values.isin(BLANK_MARKERS)]
    return bool(len(values)) and not values.str.fullmatch(r"-?\d+").mean() > 0.5
