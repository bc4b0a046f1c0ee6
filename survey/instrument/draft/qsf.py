"""An instrument drafted from a Qualtrics survey definition (``.qsf``, JSON).

Questions come in survey-flow order (blocks in the flow, their questions in block order;
the trash left out).  A question's id is its export tag (``DataExportTag``; ``source``
when the tag is not a valid id).  Multiple choice: single answer (``SAVR``, ``SAHR``,
``DL`` ...) is a single-choice question with its own scale, multiple answer (``MAVR`` ...)
a multi-select; options in display order (``ChoiceOrder``), coded by their recode value
(``RecodeValues``, else the choice id), with the choice id as ``name`` where it differs (a
legacy export names option columns by choice id).  A choice with text entry gets a text
question as its ``other_text``.  Text entry is a text question (a form: one box per
field; a number validation: numeric).  A Likert matrix is one single-choice question per
statement on one scale; sliders and rank orders are one number per item.  Question
display logic on a choice being (not) selected becomes ``ask_if``; other logic is a
comment.  Translations (``Language``) give further languages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from survey.errors import InstrumentError
from survey.i18n import english_name
from survey.instrument.draft.common import (
    WIDE,
    Draft,
    clean_text,
    default_quality,
    make_id,
    paradata,
)

SINGLE = {"SAVR", "SAHR", "SACOL", "DL", "SB"}
MULTI = {"MAVR", "MAHR", "MACOL", "MSB"}
TIMING = ("First Click", "Last Click", "Page Submit", "Click Count")
META = ("Browser", "Version", "Operating System", "Resolution")


def draft_qsf(path: Path, languages: list[str] | None) -> Draft:
    """Draft an instrument from a ``.qsf`` file.

    Examples
    --------
    >>> draft = draft_qsf(Path("survey.qsf"), None)  # doctest: +SKIP
    >>> draft.questions[4]["id"], draft.questions[4]["type"]  # doctest: +SKIP
    ('Q2', 'multi')
    """
    try:
        survey = json.loads(path.read_text(encoding="utf-8-sig"))
        entry, elements = survey["SurveyEntry"], survey["SurveyElements"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InstrumentError(
            f"{path}: not a Qualtrics survey definition (.qsf JSON): {exc}"
        ) from None
    questions = {e["PrimaryAttribute"]: e["Payload"] for e in elements if e.get("Element") == "SQ"}
    langs = _languages(entry, questions.values(), languages)
    d = Draft(study={}, languages=langs, source=path.name)
    name = str(entry.get("SurveyName") or path.stem)
    d.study = {"id": make_id(name, set(), "study"), "title": d.label(name)}
    d.add(paradata(d, "id", "respondent_id", "Response id"))
    d.add(paradata(d, "start", "start_time", "Start date"))
    d.add(
        paradata(d, "submit", "submit_time", "End date"),
        "a response not finished (Finished 0) has no submit time: the incomplete rule excludes it",
    )
    d.add(paradata(d, "ip", "ip_address", "IP address", personal=True))
    if len(langs) > 1:
        d.scales["language"] = {
            "codes": [
                {"code": k, "label": {lang: english_name(code) for lang in langs}}
                for k, code in enumerate(langs, start=1)
            ]
        }
        d.add(paradata(d, "language", "lang", "Language of the questionnaire", scale="language"))
    ids: dict[str, dict[str, Any]] = {}  # QID -> drafted question (for display logic)
    for qid in _order(elements, questions):
        _question(d, qid, questions[qid], ids)
    default_quality(d)
    return d


def _languages(entry: dict[str, Any], payloads: Any, languages: list[str] | None) -> list[str]:
    first = (languages or [str(entry.get("SurveyLanguage") or "EN").split("-")[0].lower()])[0]
    more = []
    for p in payloads:
        if isinstance(p.get("Language"), dict):
            more += [tag.split("-")[0].lower() for tag in p["Language"]]
    return list(dict.fromkeys([first, *more]))


def _order(elements: list[dict[str, Any]], questions: dict[str, Any]) -> list[str]:
    """Question ids in survey-flow order: the flow's blocks, then the other blocks; no trash."""
    blocks: dict[str, dict[str, Any]] = {}
    for e in elements:
        if e.get("Element") == "BL":
            payload = e["Payload"]
            for b in payload.values() if isinstance(payload, dict) else payload:
                if b.get("Type") != "Trash":
                    blocks[b["ID"]] = b
    flow: list[str] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item.get("ID") in blocks and item["ID"] not in flow:
                flow.append(item["ID"])
            walk(item.get("Flow") or [])

    for e in elements:
        if e.get("Element") == "FL":
            walk(e["Payload"].get("Flow") or [])
    flow += [b for b in blocks if b not in flow]
    out = [
        el["QuestionID"]
        for b in flow
        for el in blocks[b].get("BlockElements") or []
        if el.get("Type") == "Question" and el.get("QuestionID") in questions
    ]
    return list(dict.fromkeys(out))


def _text(
    d: Draft, payload: dict[str, Any], key: str = "QuestionText", choice: str | None = None
) -> dict[str, str]:
    """A text in every language: the payload's, then its translations (the first language's if none)."""

    def pick(source: dict[str, Any]) -> str:
        if choice is None:
            return clean_text(source.get(key))
        return clean_text(((source.get(key) or {}).get(choice) or {}).get("Display"))

    first = pick(payload) or "(no text)"
    out = {d.languages[0]: first}
    translations = payload.get("Language")
    if not isinstance(translations, dict):
        translations = {}
    for tag, source in translations.items():
        out.setdefault(tag.split("-")[0].lower(), pick(source) or first)
    return {lang: out.get(lang, first) for lang in d.languages}


def _choices(
    payload: dict[str, Any], key: str = "Choices", order_key: str = "ChoiceOrder"
) -> list[str]:
    choices = payload.get(key) or {}
    order = [str(c) for c in payload.get(order_key) or []] or list(choices)
    return [c for c in order if c in choices]


def _codes(
    d: Draft, payload: dict[str, Any], tag: str, qid: str, multi: bool
) -> tuple[list[dict[str, Any]], list]:
    """Options in display order with recode values, and the other-text questions to add."""
    recode = {str(k): v for k, v in (payload.get("RecodeValues") or {}).items()}
    codes, others, notes = [], [], []
    for k, cid in enumerate(_choices(payload), start=1):
        choice = payload["Choices"][cid]
        value = str(recode.get(cid, cid))
        code: dict[str, Any] = {
            "code": int(value) if value.lstrip("-").isdigit() else k,
            "label": _text(d, payload, "Choices", cid),
        }
        if not value.lstrip("-").isdigit():
            notes.append(f"guessed: choice {cid} recodes to '{value}', not a number: coded {k}")
        if str(code["code"]) != cid:
            code["name"] = cid
        if str(choice.get("TextEntry", "")).lower() == "true":
            other = {
                "id": d.ident(f"{qid}_{cid}_text"),
                "type": "text",
                "text": {lang: f"{t} (text)" for lang, t in code["label"].items()},
            }
            code["other_text"] = other["id"]
            others.append(other)
        if choice.get("ExcludeFromAnalysis"):
            code["nonsubstantive"] = True
        if choice.get("DisplayLogic"):
            notes.append(
                f"option {code['code']} has display logic (not drafted): it is shown to some respondents"
            )
        if choice.get("ExclusiveAnswer"):
            notes.append(f"option {code['code']} is exclusive in Qualtrics")
        codes.append(code)
    return codes, [others, notes]


def _question(d: Draft, qid: str, p: dict[str, Any], ids: dict[str, dict[str, Any]]) -> None:
    tag = str(p.get("DataExportTag") or qid)
    kind, selector, sub = p.get("QuestionType"), p.get("Selector"), p.get("SubSelector")
    ident = d.ident(tag)
    base: dict[str, Any] = {"id": ident}
    if ident != tag:
        base["source"] = tag
    notes: list[str] = []
    if kind == "MC" and (selector in SINGLE | MULTI or selector == "NPS"):
        q = _choice_question(d, p, tag, base, selector, notes)
    elif kind == "TE":
        q = _text_entry(d, p, base, selector, notes)
    elif kind == "Matrix" and sub == "SingleAnswer":
        _matrix(d, p, tag, notes)
        return
    elif kind in ("Slider", "RO"):
        _numbers(d, p, tag, kind)
        return
    elif kind in ("Timing", "Meta"):
        for part in TIMING if kind == "Timing" else META:
            d.add(
                {
                    "id": d.ident(f"{tag}_{part}"),
                    "type": "paradata",
                    "role": "other",
                    "text": d.label(f"{tag}: {part}"),
                    "source": f"{tag}_{part}",
                }
            )
        return
    elif kind == "DB":
        return
    else:
        d.note(
            "study", f"not drafted: {qid} ({tag}), a {kind} question ({selector}): add it by hand"
        )
        return
    ask_if = _display_logic(d, p.get("DisplayLogic"), ids, notes)
    if ask_if is not None:
        q["ask_if"] = ask_if
    forced = (((p.get("Validation") or {}).get("Settings") or {}).get("ForceResponse")) == "ON"
    if forced and (ask_if is not None or not p.get("DisplayLogic")):
        q["required"] = True
    ids[qid] = q
    others = q.pop("_others", [])
    d.add(q, *notes)
    for other in others:
        d.add(other)


def _choice_question(
    d: Draft, p: dict[str, Any], tag: str, base: dict[str, Any], selector: str, notes: list[str]
) -> dict[str, Any]:
    if selector == "NPS":
        codes = [{"code": k, "label": d.label(str(k))} for k in range(11)]
        others: list[dict[str, Any]] = []
    else:
        codes, (others, more) = _codes(d, p, tag, base["id"], selector in MULTI)
        notes += more
    text = _text(d, p)
    if selector in MULTI:
        return {**base, "type": "multi", "text": text, "options": codes, "_others": others}
    sid = make_id(base["id"], {s.lower() for s in d.scales})
    d.scales[sid] = {"codes": codes}
    return {**base, "type": "single", "scale": sid, "text": text, "_others": others}


def _text_entry(
    d: Draft, p: dict[str, Any], base: dict[str, Any], selector: str | None, notes: list[str]
) -> dict[str, Any]:
    text = _text(d, p)
    if selector == "FORM":
        boxes = [{"id": cid, "label": _text(d, p, "Choices", cid)} for cid in _choices(p)]
        return {**base, "type": "text", "text": text, "boxes": boxes}
    settings = (p.get("Validation") or {}).get("Settings") or {}
    if settings.get("ContentType") == "ValidNumber":
        bounds = settings.get("ValidNumber") or {}
        lo, hi = bounds.get("Min"), bounds.get("Max")
        rng = [
            float(lo) if lo not in (None, "") else WIDE[0],
            float(hi) if hi not in (None, "") else WIDE[1],
        ]
        rng = [int(v) if float(v).is_integer() else v for v in rng]
        if lo in (None, "") or hi in (None, ""):
            notes.append("guessed: the number validation gives no bound: range wide open")
        return {**base, "type": "numeric", "range": rng, "text": text}
    return {**base, "type": "text", "text": text}


def _matrix(d: Draft, p: dict[str, Any], tag: str, notes: list[str]) -> None:
    recode = {str(k): v for k, v in (p.get("RecodeValues") or {}).items()}
    answers = _choices(p, "Answers", "AnswerOrder")
    sid = make_id(tag, {s.lower() for s in d.scales})
    d.scales[sid] = {
        "codes": [
            {
                "code": int(recode.get(a, a)) if str(recode.get(a, a)).lstrip("-").isdigit() else k,
                "label": _text(d, p, "Answers", a),
            }
            for k, a in enumerate(answers, start=1)
        ]
    }
    stem = _text(d, p)
    custom = {str(k): v for k, v in (p.get("ChoiceDataExportTags") or {}).items()}
    for cid in _choices(p):
        column = str(custom.get(cid) or f"{tag}_{cid}")
        item = _text(d, p, "Choices", cid)
        q = {
            "id": d.ident(column),
            "type": "single",
            "scale": sid,
            "text": {lang: f"{stem[lang]} - {item[lang]}" for lang in d.languages},
        }
        if q["id"] != column:
            q["source"] = column
        d.add(q, *notes)


def _numbers(d: Draft, p: dict[str, Any], tag: str, kind: str) -> None:
    items = _choices(p)
    config = p.get("Configuration") or {}
    if kind == "RO":
        rng = [1, max(len(items), 1)]
    else:
        rng = [config.get("CSSliderMin", 0), config.get("CSSliderMax", 100)]
    stem = _text(d, p)
    for cid in items:
        item = _text(d, p, "Choices", cid)
        column = f"{tag}_{cid}"
        q = {
            "id": d.ident(column),
            "type": "numeric",
            "range": rng,
            "text": {lang: f"{stem[lang]} - {item[lang]}" for lang in d.languages},
        }
        if q["id"] != column:
            q["source"] = column
        d.add(q, "a rank (1 = first)" if kind == "RO" else "a slider position")


def _display_logic(
    d: Draft, logic: Any, ids: dict[str, dict[str, Any]], notes: list[str]
) -> dict[str, Any] | None:
    """``ask_if`` from display logic on choices (not) selected; None (and a note) otherwise."""
    if not isinstance(logic, dict):
        return None
    groups = [v for k, v in logic.items() if k.isdigit() and isinstance(v, dict)]
    parts, joins = [], []
    for group in groups[:1]:
        for key in sorted((k for k in group if k.isdigit()), key=int):
            cond = group[key]
            parts.append(_condition(d, cond, ids))
            joins.append(str(cond.get("Conjuction") or cond.get("Conjunction") or "").lower())
    if len(groups) == 1 and parts and None not in parts and len(set(joins[1:])) <= 1:
        if len(parts) == 1:
            return parts[0]
        return {"any" if joins[1:] == ["or"] * (len(parts) - 1) else "all": parts}
    notes.append(
        "guessed: its display logic is not drafted (only 'choice selected' conditions are): "
        "the question may be blank for respondents not shown it"
    )
    return None


def _condition(
    d: Draft, cond: dict[str, Any], ids: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """One "choice (not) selected" condition as a condition of the instrument, or None."""
    parts = str(cond.get("ChoiceLocator") or "").split("/")
    target = ids.get(str(cond.get("QuestionID")))
    op = cond.get("Operator")
    if (
        target is None
        or len(parts) < 5
        or parts[3] != "SelectableChoice"
        or op not in ("Selected", "NotSelected")
    ):
        return None
    codes = target.get("options") or d.scales.get(target.get("scale", ""), {}).get("codes") or []
    code = next((c["code"] for c in codes if str(c.get("name", c["code"])) == parts[4]), None)
    if code is None:
        return None
    if target["type"] == "multi":
        return {
            "question": f"{target['id']}_{code}",
            "op": "eq",
            "value": 1 if op == "Selected" else 0,
        }
    return {"question": target["id"], "op": "eq" if op == "Selected" else "ne", "value": code}
