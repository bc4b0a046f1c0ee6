"""Reading survey-platform exports into the instrument's canonical layout.

Each platform export (WJX/问卷星, Qualtrics, SurveyMonkey, KoboToolbox/ODK, SPSS
``.sav``) is mapped onto :attr:`Instrument.raw_columns` by a rule DECLARED per
platform, never guessed column by column, then typed exactly like
:func:`survey.read.canonical.read_raw`.  Before anything is converted, the export is
compared with the instrument and every disagreement (drift) is reported in one
:class:`DataError`: missing questions or options, unexpected columns, option
labels or codes the instrument does not have, options in another order.

Mapping rules
-------------
Common to every platform
    A paradata question (start, submit, language, ip, ...) may also be given as a
    column named by its id or by its text in any instrument language.  Paradata
    that a platform does not record (Kobo: ip and language; SurveyMonkey and WJX:
    language) is left blank and said so in the notes.  Coded cells may hold a code
    or a label in any language; an unknown label is drift.  A code outside the
    instrument is NOT drift here: it reaches cleaning's ``out_of_range`` rule,
    which stops the run when more than ``max_share`` of the rows have one.
WJX (问卷星)
    Metadata columns are :data:`WJX_METADATA`.  ``N、题干`` is question N, numbered
    1, 2, ... over the instrument's NON-paradata questions in questionnaire order
    (text questions count; paradata does not); the text after ``、`` must agree
    with question N's text in some language (equal, or one a prefix of the other).
    A header without a number matches by question text.  Multi-select: numeric
    export ``N(选项)``, ``第N题(选项)`` or ``N、题干(选项)``, one 0/1 column per option,
    the option matched by label; text export: one column, labels joined by ``┋``
    (an ``〖...〗`` other-text suffix is dropped).  ``-2``/``-3`` (skipped / not shown)
    in coded or numeric columns and ``(跳过)``/``(空)`` anywhere are blank; in a text
    export ``(跳过)`` on a multi-select means "not asked" (blank) and an empty cell
    "asked, nothing ticked" (all 0).  Numeric exports must carry the instrument's
    codes (option scores set to the codes, downloaded 按分数); a download by
    option position cannot be told apart and gives wrong codes for scales with gaps.
Qualtrics
    Three header rows; export tag = question id, ``<id>_<code>`` for a
    multi-select option, ``<id>_<code>_TEXT`` for an option's other-text.  Rows
    whose Status is a preview or test are dropped; "IP Address" is the status of
    a normal response and is kept.  Unfinished responses (Finished 0) have no
    submit time.  Unticked options are blank: 0 when another option of the same
    question is ticked.
SurveyMonkey
    Two header rows: question text (continuation columns blank) and "Response",
    "Open-Ended Response" or the option text; a ticked option's cell holds its text.
KoboToolbox / ODK
    ``group/name`` prefixes are stripped; ``start``/``end`` are start and submit
    (wall-clock time as recorded, UTC offset dropped); ``_uuid`` is the respondent
    id.  select_multiple as space-separated codes or split ``name/code`` 0/1 columns
    (split columns win when both are present).
SPSS ``.sav``
    Variables named as the canonical columns; value labels must agree with the
    instrument's labels in some language.

Examples
--------
>>> frame = read_platform("raw/wave2.csv", inst, "auto")  # doctest: +SKIP
>>> frame.attrs["platform"]["format"], frame.attrs["platform"]["encoding"]  # doctest: +SKIP
('wjx', 'gb18030')
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.i18n import english_name
from survey.instrument import Instrument, Question
from survey.read.canonical import RAW_ROW, TIME_FORMAT, check_columns, decode, read_table, typed

_SHOW = 8

# Platform metadata columns -> paradata role (None: ignored metadata).
WJX_METADATA: dict[str, str | None] = {
    "序号": "id", "提交答卷时间": "submit", "所用时间": "duration", "来自IP": "ip",
    "来源": None, "来源详情": None, "总分": None,
}
QUALTRICS_METADATA: dict[str, str | None] = {
    "StartDate": "start", "EndDate": "submit", "IPAddress": "ip", "ResponseId": "id", "UserLanguage": "language",
    "Status": None, "Progress": None, "Duration (in seconds)": None, "Finished": None, "RecordedDate": None,
    "RecipientLastName": None, "RecipientFirstName": None, "RecipientEmail": None, "ExternalReference": None,
    "LocationLatitude": None, "LocationLongitude": None, "DistributionChannel": None,
}
SURVEYMONKEY_METADATA: dict[str, str | None] = {
    "Respondent ID": "id", "Start Date": "start", "End Date": "submit", "IP Address": "ip",
    "Collector ID": None, "Email Address": None, "First Name": None, "Last Name": None, "Custom Data 1": None,
}
KOBO_METADATA: dict[str, str | None] = {
    "start": "start", "end": "submit", "_uuid": "id",
    "instanceID": None, "_id": None, "_submission_time": None, "_index": None, "_validation_status": None,
    "_notes": None, "_status": None, "_submitted_by": None, "__version__": None, "_version_": None,
    "_tags": None, "today": None, "deviceid": None, "username": None, "audit": None,
}
QUALTRICS_DROP_STATUS = {"Survey Preview", "Survey Test", "1", "2"}
BLANK_MARKERS = {"(跳过)", "(空)"}  # WJX: skipped, empty (after NFKC: full-width parentheses become ASCII)
SKIP_CODES = {"-2", "-3"}  # WJX numeric export: skipped, not shown
TIME_FORMATS = (TIME_FORMAT, "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%m/%d/%Y %I:%M:%S %p",
                "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%dT%H:%M:%S")

PROBLEM_ORDER = ["missing column(s)", "unexpected column(s)", "question text differs", "unknown option label(s)",
                 "unknown option code(s)", "value label disagrees with the instrument",
                 "option order differs from the instrument"]
_WJX_QUESTION = re.compile(r"^(?:第)?(\d+)(?:题)?[、.]\s*(.*)$")
_WJX_OPTION = re.compile(r"^(?:第)?(\d+)(?:题)?\s*\((.+)\)$")


@dataclass
class Export:
    """A platform export mapped to the canonical layout (strings), with what was done."""

    frame: pd.DataFrame
    rows: np.ndarray
    info: dict = field(default_factory=dict)


@dataclass
class _Mapping:
    """Canonical columns found so far, drift problems by kind, and notes."""

    columns: dict[str, pd.Series] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def problem(self, kind: str, what: str) -> None:
        self.problems.setdefault(kind, []).append(what)


# --------------------------------------------------------------------------- text helpers


def norm(text: object) -> str:
    """Header/label text for comparison: NFKC (full-width to ASCII), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).split())


def _listing(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    more = f" and {len(items) - _SHOW} more" if len(items) > _SHOW else ""
    return ", ".join(items[:_SHOW]) + more


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text export; with no ``encoding``: UTF-8 (BOM or not), else GB18030 when plausible.

    GB18030 covers GBK and GB2312.  Bytes that charset-normalizer does not find
    plausible as GB18030 are decoded with its best guess (e.g. cp1252/cp1250).

    Returns
    -------
    (text, encoding used)

    Examples
    --------
    >>> read_text(Path("export.csv"))[1]  # doctest: +SKIP
    'gb18030'
    """
    data = path.read_bytes() if path.exists() else None
    if data is None:
        raise DataError(f"{path}: file not found")
    if encoding:
        return decode(data, path, encoding), encoding
    try:
        return decode(data, path, "utf-8-sig"), "utf-8"
    except DataError as exc:
        if "not valid" not in str(exc):
            raise
    # Not UTF-8.  GB18030 decodes almost any bytes, so ask charset-normalizer whether the
    # bytes are plausible as GB18030 at all (a Windows-1252 "José" must not become Chinese).
    from charset_normalizer import from_bytes

    candidates = [match.encoding for match in from_bytes(data)]
    enc = "gb18030" if not candidates or "gb18030" in candidates else candidates[0]
    return decode(data, path, enc), enc


def read_grid(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """Every cell of a CSV/XLSX export as a string, header rows included (no header parsing)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            grid = pd.read_excel(path, header=None, dtype=str, keep_default_na=False)
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise DataError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from None
        return grid.fillna(""), "xlsx"
    text, enc = read_text(path, encoding)
    first = text.split("\n", 1)[0]
    sep = max([",", ";", "\t"], key=first.count)
    try:
        grid = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, sep=sep)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: malformed CSV ({str(exc).splitlines()[0]})") from None
    return grid, enc


def _split(grid: pd.DataFrame, path: Path, n_header: int) -> tuple[list[list[str]], pd.DataFrame]:
    if len(grid) <= n_header:
        raise DataError(f"{path}: header only, no data rows")
    headers = [[str(v).strip() for v in grid.iloc[i]] for i in range(n_header)]
    body = grid.iloc[n_header:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    return headers, body.apply(lambda s: s.str.strip())


# --------------------------------------------------------------------------- instrument lookups


def label_index(q: Question) -> dict[str, int]:
    """Normalised label (any language) -> code."""
    return {norm(text): c.code for c in q.codes for text in c.label.values()}


def text_index(instrument: Instrument, paradata: bool) -> dict[str, Question]:
    """Normalised question text (any language) and id -> question."""
    out: dict[str, Question] = {}
    for q in instrument.questions:
        if (q.type == "paradata") == paradata:
            out.update({norm(t): q for t in q.text.values()})
            out[q.id] = q
    return out


def wjx_numbering(instrument: Instrument) -> dict[int, Question]:
    """WJX question numbers: 1, 2, ... over the non-paradata questions in order."""
    return dict(enumerate((q for q in instrument.questions if q.type != "paradata"), start=1))


def _text_agrees(header: str, q: Question) -> bool:
    h = norm(header)
    return not h or any(h == norm(t) or norm(t).startswith(h) or h.startswith(norm(t)) for t in q.text.values())


# --------------------------------------------------------------------------- cell decoding


def decode_codes(values: pd.Series, q: Question, where: str, m: _Mapping) -> pd.Series:
    """Codes as text: a code stays, a label becomes its code, markers become blank; unknown labels are drift."""
    labels = label_index(q)
    mapping, unknown = {}, []
    for v in values.unique():
        t = norm(v)
        if t == "" or t in BLANK_MARKERS or t in SKIP_CODES:
            mapping[v] = ""
        elif re.fullmatch(r"[+-]?\d+(\.0*)?", t):
            mapping[v] = str(int(float(t)))
        elif t in labels:
            mapping[v] = str(labels[t])
        else:
            mapping[v] = v
            unknown.append(f"'{t}'")
    if unknown:
        m.problem("unknown option label(s)", f"{where}: {_listing(sorted(unknown))}")
    return values.map(mapping)


def decode_plain(values: pd.Series, numeric: bool) -> pd.Series:
    """Numbers and text: blank markers (and WJX skip codes in numeric columns) become blank."""
    blank = values.map(norm).isin(BLANK_MARKERS | (SKIP_CODES if numeric else set()))
    return values.mask(blank, "")


def fill_unticked(ticks: dict[int, pd.Series]) -> dict[int, pd.Series]:
    """Blank option cells become 0 where another option of the question is ticked."""
    frame = pd.DataFrame(ticks)
    ticked = (frame == "1").any(axis=1)
    return {code: col.mask(ticked & (col == ""), "0") for code, col in frame.items()}


def joined_ticks(values: pd.Series, q: Question, sep: str, where: str, m: _Mapping,
                 empty_means_none: bool) -> dict[int, pd.Series]:
    """0/1 option columns from joined answers (labels or codes separated by ``sep``)."""
    labels = label_index(q)
    order = [c.code for c in q.codes]
    per_value, unknown, disordered = {}, [], []
    for v in values.unique():
        t = norm(v)
        if t in BLANK_MARKERS or (t == "" and not empty_means_none):
            per_value[v] = None
            continue
        codes = []
        for part in (p.strip() for p in t.split(sep) if p.strip()):
            part = re.sub(r"〖.*〗$", "", part).strip()
            code = int(part) if part.isdigit() else labels.get(part)
            if code is None or code not in order:
                unknown.append(f"'{part}'")
            else:
                codes.append(code)
        if [order.index(c) for c in codes] != sorted(order.index(c) for c in codes):
            disordered.append(f"'{t}'")
        per_value[v] = set(codes)
    if unknown:
        m.problem("unknown option label(s)", f"{where}: {_listing(sorted(unknown))}")
    if disordered:
        m.problem("option order differs from the instrument", f"{where} has {_listing(disordered)}")
    return {code: values.map({v: "" if got is None else str(int(code in got)) for v, got in per_value.items()})
            for code in order}


def times(values: pd.Series, where: str, path: Path) -> pd.Series:
    """Canonical time text from a platform's format (see :data:`TIME_FORMATS`); blank stays blank."""
    text = values.str.strip().str.replace(r"(\.\d+)?([+-]\d\d:?\d\d|Z)$", "", regex=True)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in TIME_FORMATS:
        todo = parsed.isna() & (text != "")
        if not todo.any():
            break
        parsed = parsed.fillna(pd.to_datetime(text.where(todo), format=fmt, errors="coerce"))
    bad = parsed.isna() & (text != "")
    if bad.any():
        raise DataError(f"{path}: column {where}: '{text[bad].iloc[0]}' is not a time I know; {int(bad.sum())} row(s) in all")
    return parsed.dt.strftime(TIME_FORMAT).fillna("")


def seconds(values: pd.Series, where: str, path: Path) -> pd.Series:
    """Durations like "120秒", "2分30秒", "1小时2分3秒" or "120" in seconds (NaN if blank)."""
    parts = values.map(norm).str.extract(r"^(?:(\d+)小时)?(?:(\d+)分钟?)?(?:(\d+)秒?)?$")
    bad = parts.isna().all(axis=1) & (values.str.strip() != "")
    if bad.any():
        raise DataError(f"{path}: column {where}: '{values[bad].iloc[0]}' is not a duration; {int(bad.sum())} row(s) in all")
    hms = parts.astype(float)
    total = hms[0].fillna(0) * 3600 + hms[1].fillna(0) * 60 + hms[2].fillna(0)
    return total.where(~parts.isna().all(axis=1))


# --------------------------------------------------------------------------- assembling


def put_question(q: Question, values: pd.Series, where: str, m: _Mapping) -> None:
    """A non-multi question's column, decoded by its type."""
    if q.coded:
        m.columns[q.id] = decode_codes(values, q, where, m)
    else:
        m.columns[q.id] = decode_plain(values, numeric=q.type == "numeric")


def put_options(q: Question, found: list[tuple[int, int, pd.Series]], m: _Mapping, fill: bool = False) -> None:
    """A multi's option columns from (header position, code, values); order checked."""
    codes = [code for _, code, _ in sorted(found, key=lambda t: t[0])]
    order = [c.code for c in q.codes]
    known = [c for c in codes if c in order]
    if known != sorted(known, key=order.index):
        labels = [q.label(c, "zh" if "zh" in q.text else "en") for c in known]
        m.problem("option order differs from the instrument", f"{q.id} ({' | '.join(labels)})")
    ticks = {code: decode_plain(v, numeric=True) for _, code, v in found if code in order}
    m.columns.update({f"{q.id}_{code}": v for code, v in (fill_unticked(ticks) if fill else ticks).items()})


def put_paradata(q: Question, values: pd.Series, where: str, path: Path, m: _Mapping, tags: bool = False) -> None:
    """A paradata column: times converted, an IP's location suffix dropped, codes decoded."""
    if q.role in ("start", "submit"):
        m.columns[q.id] = times(values, where, path)
    elif q.role == "ip":
        m.columns[q.id] = values.str.replace(r"\s*[(（].*$", "", regex=True)
    elif q.role == "language" and tags:
        m.columns[q.id] = language_codes(values, q)
    elif q.coded:
        m.columns[q.id] = decode_codes(values, q, where, m)
    else:
        m.columns[q.id] = values


def paradata_by_role(instrument: Instrument, role: str, values: pd.Series, where: str, path: Path, m: _Mapping) -> None:
    """Put platform metadata in the instrument's paradata column of ``role`` (unless already given)."""
    q = instrument.by_role(role)
    if q is not None and q.id not in m.columns:
        put_paradata(q, values, where, path, m, tags=True)


def language_codes(values: pd.Series, q: Question) -> pd.Series:
    """Platform language tags ("EN", "ZH-S", "zh") -> codes of the language question (by English name)."""
    names = {norm(c.label.get("en", "")).lower(): str(c.code) for c in q.codes}
    tags = values.str.lower().str.split(r"[-_]", regex=True).str[0]
    return tags.map(lambda t: names.get(english_name(t).lower(), "") if t else "")


def finish(instrument: Instrument, m: _Mapping, extra: list[str], allow_extra: bool, path: Path,
           fmt: str, n: int, platform_lacks: Iterable[str] = ()) -> pd.DataFrame:
    """Check completeness, raise every drift problem at once, return the canonical string frame."""
    lacks = set(platform_lacks)
    missing = []
    for q in instrument.questions:
        absent = [c for c in q.columns if c not in m.columns]
        if not absent:
            continue
        if q.type == "paradata" and (q.role in lacks or q.role in ("language", "other")):
            m.notes.append(f"{q.id}: not recorded by {fmt}, left blank")
            m.columns[q.id] = pd.Series("", index=range(n))
        else:
            missing += absent
    if missing:
        m.problem("missing column(s)", _listing(missing))
    if extra and not allow_extra:
        m.problem("unexpected column(s)", _listing(f"'{c}'" for c in extra) + " (--allow-extra-columns to ignore)")
    elif extra:
        m.notes.append(f"ignored column(s): {_listing(extra)}")
    if m.problems:
        kinds = sorted(m.problems, key=lambda k: PROBLEM_ORDER.index(k) if k in PROBLEM_ORDER else len(PROBLEM_ORDER))
        listed = "; ".join(f"{kind}: {'; '.join(m.problems[kind])}" for kind in kinds)
        raise DataError(f"{path}: {fmt} export does not match instrument {instrument.id} {instrument.version}: {listed}")
    return pd.DataFrame({c: m.columns[c].reset_index(drop=True) for c in instrument.raw_columns})


def _metadata(header: str, table: Mapping[str, str | None], m: _Mapping) -> tuple[bool, str | None]:
    if header in table:
        if table[header] is None:
            m.notes.append(f"ignored metadata column '{header}'")
        return True, table[header]
    return False, None


# --------------------------------------------------------------------------- WJX


def read_wjx(path: Path, instrument: Instrument, encoding: str | None, allow_extra: bool) -> Export:
    """WJX (问卷星) numeric or text export; see the module docstring for the rules."""
    grid, enc = read_grid(path, encoding)
    (header,), body = _split(grid, path, 1)
    numbered, by_text, para = wjx_numbering(instrument), text_index(instrument, False), text_index(instrument, True)
    m, extra, options, joined = _Mapping(), [], {}, []
    meta: dict[str, pd.Series] = {}
    for j, h in enumerate(header):
        values = body[j]
        is_meta, role = _metadata(h, WJX_METADATA, m)
        if is_meta:
            if role:
                meta[role] = values
            continue
        if norm(h) in para:
            put_paradata(para[norm(h)], values, h, path, m)
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
        elif q.type == "multi":
            joined.append(q)
            ticks = joined_ticks(values, q, "┋", h, m, empty_means_none=True)
            m.columns.update({f"{q.id}_{c}": v for c, v in ticks.items()})
        else:
            put_question(q, values, h, m)
    for q, found in options.values():
        put_options(q, found, m)
    _wjx_paradata(instrument, meta, path, m)
    frame = finish(instrument, m, extra, allow_extra, path, "wjx", len(body), platform_lacks=("language",))
    variant = "text" if joined or _mostly_labels(body, header, instrument, numbered) else "numeric"
    return Export(frame, np.arange(1, len(body) + 1), {"variant": variant, "encoding": enc, "notes": m.notes})


def _wjx_header(h: str, numbered: Mapping[int, Question], by_text: Mapping[str, Question],
                m: _Mapping) -> tuple[Question | None, str | None]:
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
                if text.startswith(stem) and text[len(stem):].startswith("(") and text.endswith(")"):
                    return q, text[len(stem) + 1:-1]
        if not _text_agrees(text, q):
            m.problem("question text differs", f"'{h}' is not question {qm.group(1)} ({q.id})")
        return q, None
    if t in by_text:
        return by_text[t], None
    return None, None


def _wjx_paradata(instrument: Instrument, meta: Mapping[str, pd.Series], path: Path, m: _Mapping) -> None:
    ident = instrument.by_role("id")
    if ident is not None and ident.id not in m.columns and "id" in meta:
        m.columns[ident.id] = meta["id"]
        m.notes.append(f"{ident.id} taken from 序号 (WJX's record number)")
    if "submit" in meta:
        paradata_by_role(instrument, "submit", meta["submit"], "提交答卷时间", path, m)
    if "ip" in meta:
        paradata_by_role(instrument, "ip", meta["ip"], "来自IP", path, m)
    start, submit = instrument.by_role("start"), instrument.by_role("submit")
    if start is not None and start.id not in m.columns and "duration" in meta and submit is not None:
        secs = seconds(meta["duration"], "所用时间", path)
        end = pd.to_datetime(m.columns[submit.id].where(m.columns[submit.id] != ""), format=TIME_FORMAT)
        m.columns[start.id] = (end - pd.to_timedelta(secs, unit="s")).dt.strftime(TIME_FORMAT).fillna("")
        m.notes.append(f"{start.id} = 提交答卷时间 - 所用时间")


def _mostly_labels(body: pd.DataFrame, header: list[str], instrument: Instrument, numbered: Mapping[int, Question]) -> bool:
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


# --------------------------------------------------------------------------- Qualtrics


def read_qualtrics(path: Path, instrument: Instrument, encoding: str | None, allow_extra: bool) -> Export:
    """Qualtrics CSV/XLSX export with three header rows (tag, question text, import id)."""
    grid, enc = read_grid(path, encoding)
    (tags, _texts, _ids), body = _split(grid, path, 3)
    if "Status" in tags:
        status = body[tags.index("Status")]
        keep = ~status.isin(QUALTRICS_DROP_STATUS)
        dropped = int((~keep).sum())
        if dropped:
            body = body[keep]
        notes = [f"dropped {dropped} preview/test row(s) (Status)"] if dropped else []
    else:
        keep, notes = pd.Series(True, index=body.index), []
    rows = np.flatnonzero(keep.to_numpy()) + 1
    body = body.reset_index(drop=True)
    m, extra, options = _Mapping(notes=notes), [], {}
    questions = {q.id: q for q in instrument.questions}
    others = {f"{q.id}_{c.code}_TEXT": c.other_text for q in instrument.questions for c in q.codes if c.other_text}
    for j, tag in enumerate(tags):
        values = body[j]
        is_meta, role = _metadata(tag, QUALTRICS_METADATA, m)
        if is_meta:
            if role:
                paradata_by_role(instrument, role, values, tag, path, m)
            continue
        base, _, code = tag.rpartition("_")
        if tag in questions and questions[tag].type == "paradata":
            put_paradata(questions[tag], values, tag, path, m)
        elif tag in questions and questions[tag].type != "multi":
            put_question(questions[tag], values, tag, m)
        elif tag in others and others[tag] in questions:
            put_question(questions[others[tag]], values, tag, m)
        elif base in questions and questions[base].type == "multi" and code.isdigit():
            q = questions[base]
            if int(code) not in [c.code for c in q.codes]:
                m.problem("unknown option code(s)", f"'{tag}'")
            else:
                options.setdefault(q.id, (q, []))[1].append((j, int(code), values))
        else:
            extra.append(tag)
    for q, found in options.values():
        put_options(q, found, m, fill=True)
    submit = instrument.by_role("submit")
    if "Finished" in tags and submit is not None and submit.id in m.columns:
        unfinished = body[tags.index("Finished")].str.lower().isin(["0", "false"])
        m.columns[submit.id] = m.columns[submit.id].mask(unfinished, "")
    frame = finish(instrument, m, extra, allow_extra, path, "qualtrics", len(body))
    return Export(frame, rows, {"encoding": enc, "notes": m.notes})


# --------------------------------------------------------------------------- SurveyMonkey


def read_surveymonkey(path: Path, instrument: Instrument, encoding: str | None, allow_extra: bool) -> Export:
    """SurveyMonkey export with two header rows (question text; Response / option text)."""
    grid, enc = read_grid(path, encoding)
    (first, second), body = _split(grid, path, 2)
    by_text = {**text_index(instrument, False), **text_index(instrument, True)}
    m, extra, options = _Mapping(), [], {}
    current = ""
    for j, (h, sub) in enumerate(zip(first, second)):
        current = h or current
        values = body[j]
        is_meta, role = _metadata(current, SURVEYMONKEY_METADATA, m)
        if is_meta:
            if role:
                paradata_by_role(instrument, role, values, current, path, m)
            continue
        q = by_text.get(norm(current))
        if q is None:
            extra.append(current if h else f"{current} / {sub}")
        elif q.type == "paradata":
            put_paradata(q, values, current, path, m)
        elif q.type == "multi":
            code = label_index(q).get(norm(sub))
            if code is None:
                m.problem("unknown option label(s)", f"'{current} / {sub}'")
            else:
                ticked = pd.Series(np.where(values.str.strip() != "", "1", ""), index=values.index)
                options.setdefault(q.id, (q, []))[1].append((j, code, ticked))
        else:
            put_question(q, values, current, m)
    for q, found in options.values():
        put_options(q, found, m, fill=True)
    frame = finish(instrument, m, extra, allow_extra, path, "surveymonkey", len(body), platform_lacks=("language",))
    return Export(frame, np.arange(1, len(body) + 1), {"encoding": enc, "notes": m.notes})


# --------------------------------------------------------------------------- Kobo / ODK


def read_kobo(path: Path, instrument: Instrument, encoding: str | None, allow_extra: bool) -> Export:
    """KoboToolbox/ODK export (XML values); ``group/`` prefixes stripped."""
    grid, enc = read_grid(path, encoding)
    (header,), body = _split(grid, path, 1)
    questions = {q.id: q for q in instrument.questions}
    m, extra, options, joined = _Mapping(), [], {}, {}
    for j, h in enumerate(header):
        parts = h.split("/")
        name, values = parts[-1], body[j]
        is_meta, role = _metadata(name, KOBO_METADATA, m)
        if is_meta:
            if role:
                paradata_by_role(instrument, role, values, h, path, m)
            continue
        if len(parts) >= 2 and parts[-2] in questions and questions[parts[-2]].type == "multi":
            q = questions[parts[-2]]
            if not name.isdigit() or int(name) not in [c.code for c in q.codes]:
                m.problem("unknown option code(s)", f"'{h}'")
            else:
                options.setdefault(q.id, (q, []))[1].append((j, int(name), values))
        elif name in questions and questions[name].type == "multi":
            joined[name] = (h, values)
        elif name in questions and questions[name].type == "paradata":
            put_paradata(questions[name], values, h, path, m)
        elif name in questions:
            put_question(questions[name], values, h, m)
        else:
            extra.append(h)
    for q, found in options.values():
        put_options(q, found, m)
    for name, (h, values) in joined.items():
        if name in options:
            m.notes.append(f"{h}: split option columns used, joined column ignored")
            continue
        q = questions[name]
        m.columns.update({f"{q.id}_{c}": v for c, v in joined_ticks(values, q, " ", h, m, empty_means_none=False).items()})
    frame = finish(instrument, m, extra, allow_extra, path, "kobo", len(body), platform_lacks=("ip", "language"))
    variant = "split" if options else "joined"
    return Export(frame, np.arange(1, len(body) + 1), {"variant": variant, "encoding": enc, "notes": m.notes})


# --------------------------------------------------------------------------- SPSS


def _sav_text(values: pd.Series, coded: bool) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime(TIME_FORMAT).fillna("")
    if pd.api.types.is_numeric_dtype(values):
        if coded:
            return values.astype("Float64").round().astype("Int64").astype("string").fillna("").astype(object)
        return values.map(lambda v: "" if pd.isna(v) else repr(float(v)))
    return values.fillna("").astype(str)


def read_spss(path: Path, instrument: Instrument, encoding: str | None, allow_extra: bool) -> Export:
    """SPSS ``.sav`` with the canonical variable names; value labels checked against the instrument."""
    from survey.read.sav import read_sav

    if not path.exists():
        raise DataError(f"{path}: file not found")
    data, meta = read_sav(path, encoding=encoding)
    enc = meta.encoding or "file's own"
    owner = {col: q for q in instrument.questions for col in q.columns}
    m, extra = _Mapping(), []
    value_labels = meta.value_labels
    for name in data.columns:
        q = owner.get(name)
        if q is None:
            extra.append(name)
            continue
        if q.coded and q.type != "multi":
            _check_value_labels(q, name, value_labels.get(name, {}), m)
        m.columns[name] = _sav_text(data[name], q.coded)
    frame = finish(instrument, m, extra, allow_extra, path, "sav", len(data))
    return Export(frame, np.arange(1, len(data) + 1), {"encoding": enc, "notes": m.notes})


def _check_value_labels(q: Question, name: str, labels: Mapping[float, str], m: _Mapping) -> None:
    known = {c.code: {norm(t) for t in c.label.values()} for c in q.codes}
    for value, label in labels.items():
        code = int(value)
        if code not in known:
            m.problem("unknown option code(s)", f"{name}={code} '{label}'")
        elif norm(label) not in known[code]:
            m.problem("value label disagrees with the instrument",
                      f"{name}={code} is '{label}', instrument: '{q.label(code)}'")


# --------------------------------------------------------------------------- canonical


def read_canonical(path: Path, instrument: Instrument, encoding: str | None, allow_extra: bool) -> Export:
    """The instrument's own layout (see :func:`survey.read.canonical.read_raw`)."""
    frame = read_table(path, encoding)
    check_columns(frame.columns, instrument, path, allow_extra)
    return Export(frame[list(instrument.raw_columns)], np.arange(1, len(frame) + 1),
                  {"encoding": encoding or "utf-8", "notes": []})


Reader = Callable[[Path, Instrument, "str | None", bool], Export]
READERS: dict[str, Reader] = {
    "wjx": read_wjx,
    "qualtrics": read_qualtrics,
    "surveymonkey": read_surveymonkey,
    "kobo": read_kobo,
    "sav": read_spss,
    "canonical": read_canonical,
}


def detect_format(path: str | Path, encoding: str | None = None, instrument: Instrument | None = None) -> str:
    """The platform of an export, from its extension and header rows.

    Examples
    --------
    >>> detect_format("raw/ccg-2020-wave2-wjx.csv")  # doctest: +SKIP
    'wjx'
    """
    path = Path(path)
    if path.suffix.lower() in (".sav", ".zsav"):
        return "sav"
    grid, _ = read_grid(path, encoding)
    rows = [[norm(v) for v in grid.iloc[i]] for i in range(min(3, len(grid)))]
    first = set(rows[0]) if rows else set()
    if first & {"序号", "提交答卷时间", "所用时间"}:
        return "wjx"
    if {"ResponseId", "StartDate"} <= first and len(rows) > 2 and any("ImportId" in v for v in rows[2]):
        return "qualtrics"
    if "Respondent ID" in first and len(rows) > 1:
        return "surveymonkey"
    if first & {"_uuid", "_submission_time"} or any("/" in v for v in first):
        return "kobo"
    if instrument is not None and len(first & set(instrument.raw_columns)) > len(instrument.raw_columns) / 2:
        return "canonical"  # read_raw then names any missing or unexpected column
    raise DataError(f"{path}: cannot tell the export's platform from its header "
                    f"(pass a format: {', '.join(READERS)})")


def read_platform(
    path: str | Path,
    instrument: Instrument,
    fmt: str | None = None,
    *,
    encoding: str | None = None,
    allow_extra_columns: bool = False,
) -> pd.DataFrame:
    """Read a survey-platform export into the canonical typed layout.

    Parameters
    ----------
    path : str or Path
        The export (CSV or XLSX; ``.sav`` for SPSS).
    instrument : Instrument
        The instrument at the version the wave was fielded with.
    fmt : str, optional
        A key of :data:`READERS`; ``None`` or ``"auto"`` detects it from the header.
    encoding : str, optional
        Text encoding; by default UTF-8 (with or without BOM), then GB18030.
    allow_extra_columns : bool
        Ignore columns the mapping does not know instead of failing.

    Returns
    -------
    pandas.DataFrame
        Exactly what :func:`survey.read.canonical.read_raw` returns for the canonical
        layout.  ``frame.attrs["platform"]`` says what was read: ``format``,
        ``variant``, ``encoding``, ``detected`` and ``notes`` (ignored metadata,
        where the respondent id came from, dropped preview rows, ...).  ``raw_row``
        is the number of the data record in the export (after its header rows).

    Raises
    ------
    DataError
        One line naming the file and every drift problem (missing, unexpected,
        unknown option labels or codes, changed option order), or a reading problem.

    Examples
    --------
    >>> inst = load_instrument("instruments/ccg-2020.yaml").at_version("1.1.0")  # doctest: +SKIP
    >>> frame = read_platform("raw/ccg-2020-wave2-wjx.csv", inst, "wjx")  # doctest: +SKIP
    """
    path = Path(path)
    name = (fmt or "auto").lower()
    detected = name == "auto"
    if detected:
        name = detect_format(path, encoding, instrument)
    if name not in READERS:
        raise DataError(f"{path}: unknown platform format '{fmt}' (valid: auto, {', '.join(READERS)})")
    export = READERS[name](path, instrument, encoding, allow_extra_columns)
    out = typed(export.frame, instrument, path)
    out[RAW_ROW] = export.rows
    out.attrs["platform"] = {"format": name, "detected": detected, "variant": export.info.get("variant"),
                             "encoding": export.info.get("encoding"), "notes": list(export.info.get("notes", []))}
    return out
