"""The instrument: a study's questions, scales, rules and derived variables.

These are the validated, immutable objects every stage reads.  They are built from
an instrument YAML file by :func:`survey.instrument.loading.load_instrument`, which
checks the file against the schema (:mod:`survey.instrument.schema`) first; this
module only holds the objects and what follows from them (columns, codes of derived
variables, the instrument as fielded at an earlier version).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from survey.errors import InstrumentError
from survey.i18n import N_, translator

QUESTION_TYPES = ("single", "multi", "numeric", "text", "paradata", "grid")
PARADATA_ROLES = ("id", "start", "submit", "language", "ip", "other")
DERIVED_TYPES = ("indicator", "bands", "cross", "recode", "reverse", "box", "score")
QUALITY_RULES = (
    "incomplete",
    "out_of_range",
    "condition",
    "attention",
    "speeder",
    "duplicate",
    "straightlining",
    "exclusive",
)
MEASURES = ("nominal", "ordinal", "scale")
#: Labels of an indicator's codes 0 and 1, translated by the message catalogues.
INDICATOR_LABELS = (N_("No"), N_("Yes"))
SKIP_POLICIES = ("blank", "exclude")
SECTION_ROLES = ("banner",)
#: The section that is respondent background when the instrument declares no ``sections``.
DEFAULT_BANNER_SECTION = "background"


def version_key(version: str) -> tuple[int, ...]:
    """Sortable key of a dotted version string ("1.10.0" sorts after "1.9.2")."""
    return tuple(int(part) for part in str(version).split("."))


@dataclass(frozen=True)
class Code:
    """One response option: its code, labels by language, and its role.

    ``name`` is the value an export writes for the option when it is neither the
    code nor the label (a Kobo choice name); ``exclusive`` marks a multi-select
    option that cannot be ticked with any other ("None of these").
    """

    code: int
    label: Mapping[str, str]
    nonsubstantive: bool = False
    since: str | None = None
    other_text: str | None = None
    name: str | None = (
        None  # the value the export writes for this option (Kobo choice name, SPSS string)
    )
    exclusive: bool = False
    source: str | None = (
        None  # a multi option's own column in the export (an SPSS dichotomy variable)
    )

    def text(self, lang: str) -> str:
        """The label in ``lang``, falling back to English."""
        return self.label.get(lang) or self.label.get("en", str(self.code))


@dataclass(frozen=True)
class Net:
    """A named group of codes shown as one row ("Agree (top 2)")."""

    id: str
    codes: tuple[int, ...]
    label: Mapping[str, str]


@dataclass(frozen=True)
class Scale:
    """A response scale shared by several questions."""

    id: str
    codes: tuple[Code, ...]
    nets: tuple[Net, ...] = ()
    measure: str = "nominal"


@dataclass(frozen=True)
class Box:
    """One text box of a multi-textbox ``text`` question (column ``<question>_<box>``)."""

    id: str
    label: Mapping[str, str]
    personal: bool = False


@dataclass(frozen=True)
class Question:
    """One question (or paradata field) of the instrument.

    A grid's items are questions of type ``single`` with ``grid`` set to the grid's
    id: each item is a column and behaves as a single question with the grid's scale.
    ``background`` is True for questions of a section whose role is ``banner``.
    ``source`` is the export's column for the question when it differs from the id;
    ``row_number`` says the file's row number is the id (``source: {row_number: true}``);
    ``source_columns`` are a multi's columns that each hold one chosen option (an SPSS
    category set); ``missing`` a numeric question's user-missing values and ranges.
    """

    id: str
    type: str
    text: Mapping[str, str]
    codes: tuple[Code, ...] = ()
    nets: tuple[Net, ...] = ()
    measure: str = "nominal"
    scale_id: str | None = None
    range: tuple[float, float] | None = None
    required: bool = False
    ask_if: Mapping[str, Any] | None = None
    personal: bool = False
    role: str | None = None
    section: str | None = None
    attention_check: bool = False
    open_ended: bool = False
    history: tuple[Mapping[str, Any], ...] = ()
    grid: str | None = None
    reverse: bool = False
    integer: bool = False
    unit: Mapping[str, str] | None = None
    source: str | None = None  # the export's column header, when it is not the id
    source_columns: tuple[
        str, ...
    ] = ()  # a multi whose columns each hold one chosen option (SPSS category set)
    row_number: bool = False  # the id question: the row number in the file is the id (declared)
    comment: str | None = None  # id of the text question holding the comment box after this one
    boxes: tuple[Box, ...] = ()
    repeat: str | None = None
    missing: tuple[float | tuple[float, float], ...] = ()  # numeric: user-missing values and ranges
    background: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of this question's columns in the canonical raw layout."""
        if self.type == "multi":
            return tuple(f"{self.id}_{c.code}" for c in self.codes)
        if self.boxes:
            return tuple(f"{self.id}_{b.id}" for b in self.boxes)
        return (self.id,)

    @property
    def coded(self) -> bool:
        """Whether answers are codes with labels."""
        return self.type in ("single", "multi") or (self.type == "paradata" and bool(self.codes))

    @property
    def substantive_codes(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.codes if not c.nonsubstantive)

    @property
    def nonsubstantive_codes(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.codes if c.nonsubstantive)

    @property
    def exclusive_codes(self) -> tuple[int, ...]:
        """Options of a multi-select that cannot be ticked with any other."""
        return tuple(c.code for c in self.codes if c.exclusive)

    def label(self, code: int, lang: str = "en") -> str:
        """Label of ``code`` in ``lang``."""
        for c in self.codes:
            if c.code == code:
                return c.text(lang)
        raise KeyError(f"question '{self.id}' has no code {code}")

    def wording(self, lang: str = "en") -> str:
        """The question text in ``lang``, falling back to English."""
        return self.text.get(lang) or self.text.get("en", self.id)


@dataclass(frozen=True)
class Grid:
    """A battery of items sharing one scale; the items are :class:`Question` objects."""

    id: str
    text: Mapping[str, str]
    scale_id: str
    items: tuple[str, ...]
    section: str | None = None
    comment: str | None = None

    def wording(self, lang: str = "en") -> str:
        return self.text.get(lang) or self.text.get("en", self.id)


@dataclass(frozen=True)
class Derived:
    """A variable computed from others after cleaning.

    ``type`` is one of :data:`DERIVED_TYPES`.  ``recode_map`` maps source codes to new
    codes (``recode``), ``recode_labels`` labels the new codes and ``unmapped`` says
    what happens to a substantive code the map leaves out (``keep``, ``blank`` or
    None: not allowed).  ``top``/``bottom`` size a ``box``; ``method``, ``reverse``
    and ``min_valid`` define a ``score``.
    """

    id: str
    type: str
    source: tuple[str, ...]
    label: Mapping[str, str]
    codes: tuple[int, ...] = ()
    bands: tuple[Mapping[str, Any], ...] = ()
    measure: str = "nominal"
    recode_map: Mapping[int, int] = field(default_factory=dict)
    recode_labels: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    unmapped: str | None = None
    top: int | None = None
    bottom: int | None = None
    method: str = "mean"
    reverse: tuple[str, ...] = ()
    min_valid: int | None = None

    @property
    def numeric(self) -> bool:
        """Whether the variable is a number (a score) rather than codes."""
        return self.type == "score"

    def wording(self, lang: str = "en") -> str:
        return self.label.get(lang) or self.label.get("en", self.id)


@dataclass(frozen=True)
class QualityRule:
    """One data-quality rule; its id is the exclusion reason code."""

    id: str
    rule: str
    params: Mapping[str, Any]
    description: Mapping[str, str]


@dataclass(frozen=True)
class Section:
    """A section of the questionnaire; ``role="banner"`` marks respondent background."""

    id: str
    role: str | None = None
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Repeat:
    """A repeat group (Kobo/ODK): its questions are a table of their own."""

    id: str
    sheet: str | None = None
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Times:
    """How the raw file writes times: strptime formats tried in order, and the zone of naive times."""

    formats: tuple[str, ...] = ()
    timezone: str | None = None


@dataclass(frozen=True)
class Instrument:
    """A validated instrument.  Build it with :func:`survey.instrument.load_instrument`.

    Examples
    --------
    >>> inst = load_instrument("instruments/ccg-2020.yaml")  # doctest: +SKIP
    >>> [q.id for q in inst.questions if q.type == "multi"]  # doctest: +SKIP
    """

    study: Mapping[str, Any]
    version: str
    changelog: tuple[Mapping[str, Any], ...]
    languages: tuple[str, ...]
    questions: tuple[Question, ...]
    derived: tuple[Derived, ...]
    quality: tuple[QualityRule, ...]
    weighting_variables: tuple[str, ...]
    item_scales: tuple[Mapping[str, Any], ...] = ()
    path: str = ""
    repeat_questions: tuple[
        Question, ...
    ] = ()  # questions of the repeat groups, not in ``questions``
    _index: Mapping[str, Question] = field(default_factory=dict, repr=False, compare=False)
    schema_version: int = 1
    grids: tuple[Grid, ...] = ()
    sections: tuple[Section, ...] = ()
    repeats: tuple[Repeat, ...] = ()
    times: Times = Times()
    skip_policy: str = "blank"

    @property
    def id(self) -> str:
        return str(self.study["id"])

    def question(self, qid: str) -> Question:
        """The question ``qid``; a KeyError names the known ids."""
        try:
            return self._index[qid]
        except KeyError:
            raise KeyError(f"unknown question '{qid}'") from None

    def has_question(self, qid: str) -> bool:
        return qid in self._index

    def grid(self, gid: str) -> Grid:
        """The grid ``gid`` (its items are questions of the instrument)."""
        for g in self.grids:
            if g.id == gid:
                return g
        raise KeyError(f"unknown grid '{gid}'")

    def by_role(self, role: str) -> Question | None:
        """The paradata question with ``role`` (id, start, submit, language, ip)."""
        return next((q for q in self.questions if q.role == role), None)

    @property
    def raw_columns(self) -> tuple[str, ...]:
        """Columns of the canonical raw layout, in questionnaire order (repeat groups' questions are in
        :attr:`repeat_questions`: tables of their own)."""
        return tuple(col for q in self.questions for col in q.columns)

    @property
    def countries(self) -> tuple[str, ...]:
        """ISO 3166-1 alpha-2 codes of the countries the study covers (``study.countries``, default none)."""
        return tuple(self.study.get("countries") or ())

    @property
    def personal_columns(self) -> tuple[str, ...]:
        boxes = tuple(
            f"{q.id}_{b.id}"
            for q in self.questions
            if not q.personal
            for b in q.boxes
            if b.personal
        )
        return tuple(col for q in self.questions if q.personal for col in q.columns) + boxes

    def variables(self) -> dict[str, Question | Derived]:
        """Every coded or numeric variable by name: questions then derived."""
        out: dict[str, Question | Derived] = {q.id: q for q in self.questions}
        out.update({d.id: d for d in self.derived})
        return out

    def codes_of(self, name: str) -> tuple[Code, ...]:
        """Codes and labels of a question or derived variable."""
        if name in self._index:
            return self._index[name].codes
        derived = {d.id: d for d in self.derived}
        if name not in derived:
            raise KeyError(f"unknown variable '{name}'")
        return derived_codes(self, derived[name])

    def codes_nonsubstantive(self, name: str) -> list[int]:
        """Non-substantive codes ("don't know", "prefer not to say") of a question or derived variable."""
        return [c.code for c in self.codes_of(name) if c.nonsubstantive]

    def at_version(self, version: str) -> Instrument:
        """The instrument as fielded at ``version``: later options dropped, earlier wording.

        Options carry ``since``; rewordings keep the older text in ``history``.  A
        version the change log does not know is an error.
        """
        known = {str(entry["version"]) for entry in self.changelog} | {self.version}
        if str(version) not in known:
            raise InstrumentError(
                f"{self.path}: instrument version '{version}' not in its change log "
                f"(known: {', '.join(sorted(known, key=version_key))})"
            )
        key = version_key(version)
        questions = []
        for q in self.questions:
            codes = tuple(c for c in q.codes if c.since is None or version_key(c.since) <= key)
            text = q.text
            for entry in sorted(q.history, key=lambda e: version_key(e["version"])):
                if version_key(entry["version"]) >= key:
                    text = entry["text"]
                    break
            questions.append(replace(q, codes=codes, text=text))
        return with_questions(self, questions, str(version))


def with_questions(base: Instrument, questions: list[Question], version: str) -> Instrument:
    """``base`` with these questions (and their index) at ``version``."""
    return replace(
        base, questions=tuple(questions), version=version, _index={q.id: q for q in questions}
    )


# --------------------------------------------------------------------------- derived codes


def cross_factor(second: tuple[Code, ...]) -> int:
    """``10**k`` with ``k`` the number of digits of the second variable's largest code.

    A cross's code is ``first * cross_factor(second) + second``: with non-negative
    codes no two pairs share a code (2 x 0 is 20, 1 x 10 is 110 when the second
    variable reaches 10).

    Examples
    --------
    >>> cross_factor((Code(0, {}), Code(10, {})))
    100
    """
    return 10 ** len(str(max((c.code for c in second), default=0)))


def substantive_range(codes: tuple[Code, ...]) -> tuple[int, int]:
    """Lowest and highest substantive code (the ends of a scale, for reversing)."""
    values = [c.code for c in codes if not c.nonsubstantive]
    return min(values), max(values)


def derived_codes(instrument: Instrument, d: Derived) -> tuple[Code, ...]:
    """Codes and labels of a derived variable (none for a numeric score)."""
    if d.type in ("indicator", "box"):  # the package's words, in every language of the instrument
        no, yes = (
            {lang: translator(lang).gettext(word) for lang in instrument.languages}
            for word in INDICATOR_LABELS
        )
        return (Code(0, no), Code(1, yes))
    if d.type == "bands":
        return tuple(Code(int(b["code"]), b["label"]) for b in d.bands)
    if d.type == "score":
        return ()
    if d.type == "cross":
        first, second = (instrument.codes_of(s) for s in d.source)
        factor = cross_factor(second)
        return tuple(
            Code(
                a.code * factor + b.code,
                {lang: f"{a.text(lang)} × {b.text(lang)}" for lang in instrument.languages},
            )
            for a in first
            for b in second
            if not a.nonsubstantive and not b.nonsubstantive
        )
    source = instrument.codes_of(d.source[0])
    if d.type == "reverse":
        lo, hi = substantive_range(source)
        by_code = {c.code: c for c in source}
        flipped = [
            replace(by_code[lo + hi - c.code], code=c.code) for c in source if not c.nonsubstantive
        ]
        return tuple(flipped) + tuple(c for c in source if c.nonsubstantive)
    return recode_codes(source, d)


def recode_codes(source: tuple[Code, ...], d: Derived) -> tuple[Code, ...]:
    """Codes of a ``recode``: substantive codes in order, then the non-substantive ones.

    The new codes get ``recode_labels``; a new code is non-substantive when every
    source code mapped to it is.  Source codes the map leaves out are kept (with
    their label) when non-substantive or when ``unmapped`` is ``keep``.
    """
    mapped: dict[int, list[Code]] = {}
    for c in source:
        if c.code in d.recode_map:
            mapped.setdefault(int(d.recode_map[c.code]), []).append(c)
    new = [
        Code(code, dict(d.recode_labels.get(code) or {}), all(c.nonsubstantive for c in olds))
        for code, olds in sorted(mapped.items())
    ]
    kept = recode_kept(source, d)
    substantive = sorted([c for c in new + kept if not c.nonsubstantive], key=lambda c: c.code)
    return tuple(substantive + [c for c in new + kept if c.nonsubstantive])


def recode_kept(source: tuple[Code, ...], d: Derived) -> list[Code]:
    """Source codes a ``recode`` keeps as they are: not mapped, and non-substantive or ``else: keep``."""
    return [
        c
        for c in source
        if c.code not in d.recode_map
        and (c.nonsubstantive and d.unmapped != "blank" or d.unmapped == "keep")
    ]
