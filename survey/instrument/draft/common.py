"""What every drafter shares: the draft being built, ids, labels, and its commented YAML.

A :class:`Draft` is an instrument document (the mapping :func:`load_instrument` reads) plus
the comments that say what was guessed, attached to the study, a scale or a question.
:func:`dump` writes it as YAML with those comments; the text loads back to exactly the
document (checked by :func:`survey.instrument.draft.write_draft` before anything is written).

Why ours: PyYAML writes no comments and ruamel.yaml is not a dependency; the document is
written by PyYAML item by item and the comments put between the items.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

RESERVED = {
    "ALL",
    "AND",
    "BY",
    "EQ",
    "GE",
    "GT",
    "LE",
    "LT",
    "NE",
    "NOT",
    "OR",
    "TO",
    "WITH",
}  # SPSS
TAKEN = {"raw_row", "weight"}  # columns every respondent file has besides the questions
MAX_ID = 40  # characters: room for option suffixes within SPSS's 64 bytes
WIDE = [-999_999_999, 999_999_999]  # the range of a number nothing bounds


@dataclass
class Draft:
    """An instrument document being drafted, with its comments.

    ``notes`` maps ``"study"``, ``"scale:<id>"`` or ``"question:<id>"`` to comment lines.
    """

    study: dict[str, Any]
    languages: list[str]
    source: str
    scales: dict[str, Any] = field(default_factory=dict)
    questions: list[dict[str, Any]] = field(default_factory=list)
    repeats: list[dict[str, Any]] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    times: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)

    def note(self, key: str, text: str) -> None:
        self.notes.setdefault(key, []).append(text)

    def ident(self, text: str, prefix: str = "q") -> str:
        """A new unique id from ``text`` (see :func:`make_id`), remembered."""
        out = make_id(text, self.ids, prefix)
        self.ids.add(out.lower())
        return out

    def label(self, text: object) -> dict[str, str]:
        """The same text in every language of the draft (non-empty)."""
        value = clean_text(text) or "(no text)"
        return {lang: value for lang in self.languages}

    def add(self, question: dict[str, Any], *notes: str) -> dict[str, Any]:
        """Append a question with its comments; free text that looks personal is marked so."""
        if (
            question.get("type") == "text"
            and not question.get("boxes")
            and "personal" not in question
            and looks_personal(f"{question['id']} {' '.join(question['text'].values())}")
        ):
            question["personal"] = True
            notes = (
                *notes,
                "guessed: personal data (a name, e-mail, phone or address?): kept out of exports",
            )
        self.questions.append(question)
        for text in notes:
            self.note(f"question:{question['id']}", text)
        return question

    def document(self) -> dict[str, Any]:
        """The instrument mapping, keys in the order the instrument README uses (options as :class:`Flow`)."""
        for scale in self.scales.values():
            scale["codes"] = [Flow(c) for c in scale["codes"]]
        for q in self.questions:
            for key in ("options", "boxes"):
                if key in q:
                    q[key] = [Flow(c) for c in q[key]]
        doc: dict[str, Any] = {
            "schema_version": 1,
            "study": self.study,
            "version": "1",
            "languages": list(self.languages),
        }
        if self.times:
            doc["times"] = self.times
        doc["scales"] = self.scales
        if self.repeats:
            doc["repeats"] = self.repeats
        doc["questions"] = self.questions
        doc["quality"] = self.quality
        return doc


_PERSONAL = re.compile(
    r"(?<![a-z])(names?|e-?mails?|phones?|mobile|address(es)?|postcode|zip code)(?![a-z])",
    re.IGNORECASE,
)


def looks_personal(text: str) -> bool:
    """Whether a question's id or text asks for a name, e-mail, phone number or address.

    Examples
    --------
    >>> looks_personal("Type_your_name"), looks_personal("Contact e-mail"), looks_personal("Rename it")
    (True, True, False)
    """
    return bool(_PERSONAL.search(str(text).replace("_", " ")))


def clean_text(text: object) -> str:
    """Question or label text without HTML tags and entities, whitespace collapsed."""
    if text is None:
        return ""
    value = re.sub(r"<[^>]+>", " ", str(text))
    return " ".join(html.unescape(value).replace("\xa0", " ").split())


def make_id(text: str, taken: set[str], prefix: str = "q") -> str:
    """A valid, unique id (letters, digits, ``_``; a letter first; at most 40 characters).

    Unique ignoring case (SPSS names are), never an SPSS reserved word.

    Examples
    --------
    >>> make_id("Q2", set()), make_id("rank_them/_1st choice", set()), make_id("Q2", {"q2"})
    ('Q2', 'rank_them_1st_choice', 'Q2_2')
    """
    value = unicodedata.normalize("NFKC", str(text))
    value = re.sub(r"[^\w]+", "_", value).strip("_")
    value = re.sub(r"_+", "_", value)[:MAX_ID].rstrip("_")
    if not value or not value[0].isalpha():
        value = f"{prefix}_{value}".rstrip("_") if value else prefix
    if value.upper() in RESERVED or value.lower() in TAKEN:
        value += "_"
    out, k = value, 2
    while out.lower() in taken:
        out, k = f"{value}_{k}", k + 1
    return out


def words(text: str, n: int = 4) -> str:
    """The first ``n`` words of a text, for an id."""
    return "_".join(re.findall(r"\w+", clean_text(text))[:n])


def paradata(
    draft: Draft, role: str, qid: str, text: str, source: Any = None, **more: Any
) -> dict[str, Any]:
    """A paradata question (id, start, submit, ip, language, other)."""
    q: dict[str, Any] = {
        "id": draft.ident(qid),
        "type": "paradata",
        "role": role,
        "text": draft.label(text),
    }
    if source is not None:
        q["source"] = source
    q.update(more)
    return q


def codes_from_answers(values: list[str], draft: Draft) -> tuple[list[dict[str, Any]], bool]:
    """Codes for the distinct answers seen: numbers are their own codes, other texts 1, 2, ...

    Returns (codes, guessed labels): texts among numbers (``N/A``) get codes from 90 up and
    are marked non-substantive.
    """
    seen = list(dict.fromkeys(v for v in values if v != ""))
    numbers = [v for v in seen if re.fullmatch(r"-?\d+", v)]
    if numbers:
        out = [{"code": int(v), "label": draft.label(v)} for v in sorted(numbers, key=int)]
        extra = [v for v in seen if v not in numbers]
        start = max(90, max(int(v) for v in numbers) + 1)
        out += [
            {"code": start + k, "label": draft.label(v), "nonsubstantive": True}
            for k, v in enumerate(extra)
        ]
        return out, True
    return [{"code": k, "label": draft.label(v)} for k, v in enumerate(seen, start=1)], False


def default_quality(draft: Draft) -> None:
    """``incomplete`` (when a submit time exists) and ``out_of_range``: what every study needs."""
    rules = []
    if any(q.get("role") == "submit" for q in draft.questions):
        rules.append(
            {
                "id": "incomplete",
                "rule": "incomplete",
                "description": draft.label(
                    "Did not submit, or left a required question unanswered"
                ),
            }
        )
    rules.append(
        {
            "id": "out_of_range",
            "rule": "out_of_range",
            "description": draft.label("A code or value outside the instrument's codes or range"),
        }
    )
    draft.quality = rules


# --------------------------------------------------------------------------- YAML with comments


class Flow(dict):
    """A mapping written on one line (``{code: 1, label: {en: Yes}}``), as instruments write options."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    Flow,
    lambda dumper, value: dumper.represent_mapping(
        "tag:yaml.org,2002:map", value.items(), flow_style=True
    ),
)


def _yaml(value: Any) -> str:
    return yaml.dump(
        value,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=100,
    )


def _comment(lines: list[str], indent: str) -> list[str]:
    return [f"{indent}# {' '.join(str(line).split())}" for line in lines]


def _indented(text: str, indent: str) -> list[str]:
    return [indent + line if line else line for line in text.rstrip("\n").split("\n")]


def dump(draft: Draft, command: str) -> str:
    """The draft as YAML: a header saying where it comes from, then each item with its comments."""
    doc = draft.document()
    out = [
        f"# Instrument drafted by `{command}` from {draft.source}.",
        "# Lines starting 'guessed:' say what the source did not say; check them, then edit freely.",
        "# Mark background questions (age, gender, region ...) with 'section: background':",
        "# they become the crosstab banner of `python -m survey.analyze --instrument ... --raw ...`.",
        *_comment(draft.notes.get("study", []), ""),
        "",
    ]
    for key, value in doc.items():
        if key == "scales":
            out.append("scales:" if value else "scales: {}")
            for sid, scale in value.items():
                out += _comment(draft.notes.get(f"scale:{sid}", []), "  ")
                out += _indented(_yaml({sid: scale}), "  ")
        elif key in ("questions", "repeats", "quality"):
            out.append(f"{key}:" if value else f"{key}: []")
            for item in value:
                out += _comment(
                    draft.notes.get(f"question:{item.get('id')}", []) if key == "questions" else [],
                    "  ",
                )
                out += _indented(_yaml([item]), "  ")
        elif isinstance(value, (dict, list)):
            out += _yaml({key: value}).rstrip("\n").split("\n")
        else:
            out.append(
                yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=False).rstrip(
                    "\n"
                )
            )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
