"""The printable questionnaire (Markdown or self-contained HTML), in one or more languages."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from survey.errors import ExportError
from survey.formats.files import write_bytes_atomic
from survey.instrument import Instrument, Question
from survey.instrument.fielding.common import (
    _literal,
    _numbers,
    _title,
    describe,
    shown_languages,
    word,
)

# --------------------------------------------------------------------------- questionnaire


def questionnaire_items(instrument: Instrument, languages: Sequence[str]) -> list[dict[str, Any]]:
    """What the printed questionnaire shows of each asked question, language by language."""
    numbers = _numbers(instrument)
    items = []
    for q in instrument.questions:
        if q.type == "paradata":
            continue
        notes = {lang: _notes(q, lang) for lang in languages}
        options = []
        for c in q.codes:
            specify = {}
            if c.other_text and c.other_text in numbers:
                ref = f"Q{numbers[c.other_text]}"
                specify = {lang: word("specify", lang, ref=ref) for lang in languages}
            options.append(
                {
                    "code": c.code,
                    "label": {lang: c.text(lang) for lang in languages},
                    "specify": specify,
                }
            )
        skip = None
        if q.ask_if is not None:
            skip = {
                lang: word("ask_if", lang, cond=describe(q.ask_if, instrument, lang, numbers))
                for lang in languages
            }
        grid = instrument.grid(q.grid) if q.grid is not None else None
        stem = grid if grid is not None and grid.items[0] == q.id else None  # on the first item
        items.append(
            {
                "number": numbers[q.id],
                "id": q.id,
                "section": q.section,
                "text": {
                    lang: (f"{stem.wording(lang)} " if stem is not None else "") + q.wording(lang)
                    for lang in languages
                },
                "notes": notes,
                "options": options,
                "skip": skip,
            }
        )
    return items


def _notes(q: Question, lang: str) -> list[str]:
    """What the questionnaire says under a question: how to answer it, and if it is optional."""
    notes = []
    if q.type == "multi":
        notes.append(word("multi", lang))
    if q.type == "numeric" and q.range is not None:
        rng = word("range", lang, lo=_literal(q.range[0]), hi=_literal(q.range[1]))
        notes.append(word("paren", lang, text=rng))
    if q.type == "text":
        notes.append(word("open", lang))
    if not q.required:
        notes.append(word("optional", lang))
    return notes


_STYLE = (
    "body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}"
    ".q{break-inside:avoid;margin:1.2em 0}.num{font-weight:bold;margin-bottom:.2em}"
    ".skip{font-style:italic;color:#555}ul{list-style:none;padding-left:1em}@media print{body{margin:0}}"
)
# How each part of the questionnaire is marked up; None leaves the part out.
_MARKUP: dict[str, dict[str, Any]] = {
    "md": {
        "escape": lambda text: text,
        "title": "# {}\n",
        "version": "{}",
        "section": "\n## {}",
        "question": "\n**Q{n}** `{id}`  ",
        "text": "{text}  ",
        "skip": "*{}*  ",
        "list_start": "",
        "option": "- [{code}] {label}",
        "list_end": None,
        "question_end": None,
        "appendix_item": "- `{id}` ({role}): {text}",
        "page": lambda title, lang, body: body + "\n",
    },
    "html": {
        "escape": html.escape,
        "title": "<h1>{}</h1>",
        "version": "<p>{}</p>",
        "section": "<h2>{}</h2>",
        "question": "<div class='q'><p class='num'>Q{n} <code>{id}</code></p>",
        "text": "<p lang='{lang}'>{text}</p>",
        "skip": "<p class='skip'>{}</p>",
        "list_start": "<ul>",
        "option": "<li>☐ [{code}] {label}</li>",
        "list_end": "</ul>",
        "question_end": "</div>",
        "appendix_item": "<li><code>{id}</code> ({role}): {text}</li>",
        "page": lambda title, lang, body: (
            f"<!DOCTYPE html>\n<html lang='{lang}'>\n<head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{_STYLE}</style></head>\n<body>\n{body}\n</body>\n</html>\n"
        ),
    },
}


def questionnaire_text(
    instrument: Instrument, fmt: str = "md", languages: Sequence[str] | None = None
) -> str:
    """The printable questionnaire as Markdown (``fmt="md"``) or one self-contained HTML page.

    Every question is numbered and shown in every language, with its options and
    codes, its skip instruction in words and notes such as "(select all that apply)";
    paradata are listed in an appendix.

    Examples
    --------
    >>> print(questionnaire_text(inst, "md")[:40])  # doctest: +SKIP
    """
    if fmt not in _MARKUP:
        raise ExportError(f"unknown questionnaire format '{fmt}' (valid: {', '.join(_MARKUP)})")
    langs, m = shown_languages(instrument, languages), _MARKUP[fmt]
    esc = m["escape"]

    def both(texts: Any) -> str:
        return esc(" / ".join(texts))

    title = both(_title(instrument, lang) for lang in langs)
    version = both(f"{word('version', lang)}: {instrument.version}" for lang in langs)
    out = [m["title"].format(title), m["version"].format(version)]
    section = None
    for item in questionnaire_items(instrument, langs):
        if item["section"] and item["section"] != section:
            section = item["section"]
            out.append(m["section"].format(esc(section)))
        out.append(m["question"].format(n=item["number"], id=esc(item["id"])))
        for lang in langs:
            text = " ".join([item["text"][lang], *item["notes"][lang]])
            out.append(m["text"].format(lang=lang, text=esc(text)))
        if item["skip"]:
            out.append(m["skip"].format(both(item["skip"][lang] for lang in langs)))
        if item["options"]:
            out.append(m["list_start"])
            for option in item["options"]:
                specify = (
                    " → " + " / ".join(option["specify"][lang] for lang in langs)
                    if option["specify"]
                    else ""
                )
                label = " / ".join(option["label"][lang] for lang in langs) + specify
                out.append(m["option"].format(code=option["code"], label=esc(label)))
            out.append(m["list_end"])
        out.append(m["question_end"])
    out += [m["section"].format(both(word("paradata", lang) for lang in langs)), m["list_start"]]
    for q in (q for q in instrument.questions if q.type == "paradata"):
        personal = (
            f" ({' / '.join(word('personal', lang) for lang in langs)})" if q.personal else ""
        )
        text = esc(" / ".join(q.wording(lang) for lang in langs) + personal)
        out.append(m["appendix_item"].format(id=esc(q.id), role=esc(q.role or ""), text=text))
    out.append(m["list_end"])
    return m["page"](title, langs[0], "\n".join(part for part in out if part is not None))


def to_questionnaire(
    instrument: Instrument,
    path: str | Path,
    fmt: str | None = None,
    languages: Sequence[str] | None = None,
) -> Path:
    """Write the printable questionnaire: Markdown, or HTML when ``fmt="html"`` or the path ends in .html.

    Examples
    --------
    >>> to_questionnaire(inst, "questionnaire.html")  # doctest: +SKIP
    """
    path = Path(path)
    fmt = fmt or ("html" if path.suffix.lower() in (".html", ".htm") else "md")
    return write_bytes_atomic(path, questionnaire_text(instrument, fmt, languages).encode("utf-8"))
