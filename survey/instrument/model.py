"""The instrument: a study's questions, scales, rules and derived variables.

The instrument is read from YAML with a safe loader and validated as a whole:
every problem is reported at once, each with its path in the file, e.g.
``questions[3].scale: unknown scale 'agree7'``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from survey.errors import InstrumentError
from survey.instrument import conditions, export_keys
from survey.instrument.export_keys import Box, Repeat, export_fields, repeats_of, times_of

QUESTION_TYPES = ("single", "multi", "numeric", "text", "paradata")
PARADATA_ROLES = ("id", "start", "submit", "language", "ip", "other")
DERIVED_TYPES = ("indicator", "bands", "cross")
QUALITY_RULES = ("incomplete", "out_of_range", "condition", "attention", "speeder", "duplicate")
MEASURES = ("nominal", "ordinal", "scale")


def version_key(version: str) -> tuple[int, ...]:
    """Sortable key of a dotted version string ("1.10.0" sorts after "1.9.2")."""
    return tuple(int(part) for part in str(version).split("."))


@dataclass(frozen=True)
class Code:
    """One response option: its code, labels by language, and its role."""

    code: int
    label: Mapping[str, str]
    nonsubstantive: bool = False
    since: str | None = None
    other_text: str | None = None
    name: str | None = None  # the value the export writes for this option (Kobo choice name, SPSS string)
    source: str | None = None  # a multi option's own column in the export (an SPSS dichotomy variable)

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
class Question:
    """One question (or paradata field) of the instrument."""

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
    source: str | None = None  # the export's column header, when it is not the id
    source_columns: tuple[str, ...] = ()  # a multi whose columns each hold one chosen option (SPSS category set)
    row_number: bool = False  # the id question: the row number in the file is the id (declared)
    comment: str | None = None  # id of the text question holding the comment box after this one
    boxes: tuple[Box, ...] = ()
    repeat: str | None = None
    missing: tuple[float | tuple[float, float], ...] = ()  # numeric: user-missing values and ranges

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
class Derived:
    """A variable computed from others after cleaning (indicator, bands, cross)."""

    id: str
    type: str
    source: tuple[str, ...]
    label: Mapping[str, str]
    codes: tuple[int, ...] = ()
    bands: tuple[Mapping[str, Any], ...] = ()
    measure: str = "nominal"

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
class Instrument:
    """A validated instrument.  Build it with :func:`load_instrument`.

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
    times: Mapping[str, Any] = field(default_factory=dict)  # {"format": (strptime, ...), "timezone": zone}
    repeats: tuple[Repeat, ...] = ()
    repeat_questions: tuple[Question, ...] = ()  # questions of the repeat groups, not in ``questions``
    _index: Mapping[str, Question] = field(default_factory=dict, repr=False, compare=False)

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

    def by_role(self, role: str) -> Question | None:
        """The paradata question with ``role`` (id, start, submit, language, ip)."""
        return next((q for q in self.questions if q.role == role), None)

    @property
    def raw_columns(self) -> tuple[str, ...]:
        """Columns of the canonical raw layout, in questionnaire order."""
        return tuple(col for q in self.questions for col in q.columns)

    @property
    def personal_columns(self) -> tuple[str, ...]:
        out = [col for q in self.questions if q.personal for col in q.columns]
        out += [f"{q.id}_{b.id}" for q in self.questions if not q.personal for b in q.boxes if b.personal]
        return tuple(out)

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

        Options and questions carry ``since``; rewordings keep the older text in
        ``history``.  A version the change log does not know is an error.
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
        return _build(self, questions, str(version))


def derived_codes(instrument: Instrument, d: Derived) -> tuple[Code, ...]:
    """Codes and labels of a derived variable."""
    if d.type == "indicator":
        return (Code(0, {"en": "No", "zh": "否"}), Code(1, {"en": "Yes", "zh": "是"}))
    if d.type == "bands":
        return tuple(Code(int(b["code"]), b["label"]) for b in d.bands)
    first, second = (instrument.codes_of(s) for s in d.source)
    return tuple(
        Code(a.code * 10 + b.code, {lang: f"{a.text(lang)} × {b.text(lang)}" for lang in instrument.languages})
        for a in first
        for b in second
        if not a.nonsubstantive and not b.nonsubstantive
    )


def _build(base: Instrument, questions: list[Question], version: str) -> Instrument:
    return replace(base, questions=tuple(questions), version=version, _index={q.id: q for q in questions})


# --------------------------------------------------------------------------- loading


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate an instrument YAML file.

    Parameters
    ----------
    path : str or Path
        The instrument file.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        With every problem found, each prefixed by its path in the file.
    """
    path = Path(path)
    doc = read_yaml(path, InstrumentError)
    problems = _Validator(doc).run()
    if problems:
        raise InstrumentError(f"{path}: " + "; ".join(problems))
    return _parse(doc, str(path))


def read_yaml(path: Path, error: type[Exception]) -> Any:
    """Load a YAML file with the safe loader; any failure is ``error`` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{path}:{where}: invalid YAML: {problem}") from None
    if not isinstance(doc, dict):
        raise error(f"{path}: expected a YAML mapping at the top, got {type(doc).__name__}")
    return doc


class _Validator:
    """Collects every problem of an instrument document with its path."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.out: list[str] = []

    def run(self) -> list[str]:
        d = self.doc
        for key in ("study", "version", "languages", "scales", "questions"):
            if key not in d:
                self.out.append(f"{key}: missing")
        if self.out:
            return self.out
        if not isinstance(d["study"], Mapping) or "id" not in d["study"]:
            self.out.append("study.id: missing")
        langs = d["languages"]
        if not isinstance(langs, list) or not langs:
            self.out.append("languages: must be a non-empty list")
            langs = ["en"]
        self.langs = langs
        scales = d["scales"] if isinstance(d["scales"], Mapping) else {}
        if not isinstance(d["scales"], Mapping):
            self.out.append("scales: must be a mapping of scale id to scale")
        for sid, scale in scales.items():
            self._scale(scale, f"scales.{sid}")
        names = self._questions(d["questions"], scales)
        export_keys.check(self, d, scales)
        names |= self._derived(d.get("derived", []), names)
        self._quality(d.get("quality", []), names)
        self._weighting(d.get("weighting", {}), names)
        for i, group in enumerate(d.get("scales_of_items", []) or []):
            for item in group.get("items", []):
                if item not in names:
                    self.out.append(f"scales_of_items[{i}].items: unknown question '{item}'")
        return self.out

    def _labels(self, label: Any, where: str) -> None:
        if not isinstance(label, Mapping):
            self.out.append(f"{where}: must map language to text")
            return
        for lang in self.langs:
            if not label.get(lang):
                self.out.append(f"{where}: missing '{lang}' text")

    def _codes(self, codes: Any, where: str) -> None:
        if not isinstance(codes, list) or not codes:
            self.out.append(f"{where}: must be a non-empty list")
            return
        seen = set()
        for i, c in enumerate(codes):
            if not isinstance(c, Mapping) or not isinstance(c.get("code"), int) or isinstance(c.get("code"), bool):
                self.out.append(f"{where}[{i}].code: must be an integer")
                continue
            if c["code"] in seen:
                self.out.append(f"{where}[{i}].code: duplicate code {c['code']}")
            seen.add(c["code"])
            self._labels(c.get("label"), f"{where}[{i}].label")

    def _scale(self, scale: Any, where: str) -> None:
        if not isinstance(scale, Mapping):
            self.out.append(f"{where}: must be a mapping")
            return
        self._codes(scale.get("codes"), f"{where}.codes")
        if scale.get("measure", "nominal") not in MEASURES:
            self.out.append(f"{where}.measure: unknown measure '{scale.get('measure')}'")
        codes = {c.get("code") for c in scale.get("codes") or [] if isinstance(c, Mapping)}
        for i, net in enumerate(scale.get("nets", []) or []):
            bad = set(net.get("codes", [])) - codes
            if bad:
                self.out.append(f"{where}.nets[{i}].codes: not codes of the scale: {sorted(bad)}")

    def _questions(self, questions: Any, scales: Mapping[str, Any]) -> set[str]:
        if not isinstance(questions, list) or not questions:
            self.out.append("questions: must be a non-empty list")
            return set()
        ids: set[str] = set()
        columns: set[str] = set()
        for i, q in enumerate(questions):
            where = f"questions[{i}]"
            if not isinstance(q, Mapping) or not isinstance(q.get("id"), str):
                self.out.append(f"{where}.id: missing")
                continue
            qid, qtype = q["id"], q.get("type")
            if qid in ids:
                self.out.append(f"{where}.id: duplicate question id '{qid}'")
            ids.add(qid)
            if qtype not in QUESTION_TYPES:
                self.out.append(f"{where}.type: unknown type '{qtype}' (valid: {', '.join(QUESTION_TYPES)})")
            self._labels(q.get("text"), f"{where}.text")
            if "scale" in q and q["scale"] not in scales:
                self.out.append(f"{where}.scale: unknown scale '{q['scale']}'")
            if qtype == "single" and "scale" not in q:
                self.out.append(f"{where}.scale: a single-choice question needs a scale")
            if qtype == "multi":
                self._codes(q.get("options"), f"{where}.options")
                columns |= {f"{qid}_{o.get('code')}" for o in q.get("options") or [] if isinstance(o, Mapping)}
            if isinstance(q.get("boxes"), list):
                columns |= {f"{qid}_{b.get('id')}" for b in q["boxes"] if isinstance(b, Mapping)}
            if qtype == "numeric":
                rng = q.get("range")
                if not (isinstance(rng, list) and len(rng) == 2 and rng[0] <= rng[1]):
                    self.out.append(f"{where}.range: must be [min, max]")
            if qtype == "paradata" and q.get("role") not in PARADATA_ROLES:
                self.out.append(f"{where}.role: unknown role '{q.get('role')}' (valid: {', '.join(PARADATA_ROLES)})")
        self.question_ids = ids
        known = ids | columns
        for i, q in enumerate(questions):
            if isinstance(q, Mapping) and q.get("ask_if") is not None:
                self.out.extend(conditions.problems(q["ask_if"], f"questions[{i}].ask_if", known))
        roles = [q.get("role") for q in questions if isinstance(q, Mapping)]
        if "id" not in roles:
            self.out.append("questions: no paradata question with role 'id' (the respondent id)")
        return known

    def _derived(self, derived: Any, names: set[str]) -> set[str]:
        new: set[str] = set()
        for i, d in enumerate(derived or []):
            where = f"derived[{i}]"
            if not isinstance(d, Mapping) or not isinstance(d.get("id"), str):
                self.out.append(f"{where}.id: missing")
                continue
            if d["id"] in names | new:
                self.out.append(f"{where}.id: duplicate id '{d['id']}'")
            if d.get("type") not in DERIVED_TYPES:
                self.out.append(f"{where}.type: unknown type '{d.get('type')}' (valid: {', '.join(DERIVED_TYPES)})")
            sources = d.get("from")
            sources = sources if isinstance(sources, list) else [sources]
            for s in sources:
                if s not in names | new:
                    self.out.append(f"{where}.from: unknown question '{s}'")
            if d.get("type") == "cross" and len(sources) != 2:
                self.out.append(f"{where}.from: a cross needs exactly two variables")
            if d.get("type") == "bands":
                self._codes(d.get("bands"), f"{where}.bands")
            self._labels(d.get("label"), f"{where}.label")
            new.add(d["id"])
        return new

    def _quality(self, rules: Any, names: set[str]) -> None:
        seen = set()
        for i, r in enumerate(rules or []):
            where = f"quality[{i}]"
            if not isinstance(r, Mapping) or not isinstance(r.get("id"), str):
                self.out.append(f"{where}.id: missing")
                continue
            if r["id"] in seen:
                self.out.append(f"{where}.id: duplicate rule id '{r['id']}'")
            seen.add(r["id"])
            kind = r.get("rule")
            if kind not in QUALITY_RULES:
                self.out.append(f"{where}.rule: unknown rule '{kind}' (valid: {', '.join(QUALITY_RULES)})")
            if kind == "condition":
                self.out.extend(conditions.problems(r.get("when"), f"{where}.when", names))
            if kind == "duplicate":
                for k in r.get("keys", []):
                    if k not in names:
                        self.out.append(f"{where}.keys: unknown question '{k}'")
            if kind == "speeder" and not 0 < float(r.get("fraction_of_median", 0)) < 1:
                self.out.append(f"{where}.fraction_of_median: must be between 0 and 1")

    def _weighting(self, weighting: Any, names: set[str]) -> None:
        for v in (weighting or {}).get("variables", []):
            if v not in names:
                self.out.append(f"weighting.variables: unknown variable '{v}'")


def _code(c: Mapping[str, Any]) -> Code:
    return Code(
        code=int(c["code"]),
        label=dict(c["label"]),
        nonsubstantive=bool(c.get("nonsubstantive", False)),
        since=str(c["since"]) if c.get("since") is not None else None,
        other_text=c.get("other_text"),
        name=str(c["name"]) if c.get("name") is not None else None,
        source=c.get("source"),
    )


def _parse(doc: Mapping[str, Any], path: str) -> Instrument:
    scales = {
        sid: Scale(
            id=sid,
            codes=tuple(_code(c) for c in s["codes"]),
            nets=tuple(Net(n["id"], tuple(n["codes"]), dict(n["label"])) for n in s.get("nets", []) or []),
            measure=s.get("measure", "nominal"),
        )
        for sid, s in doc["scales"].items()
    }
    questions = []
    for q in doc["questions"]:
        scale = scales.get(q.get("scale", ""))
        codes = scale.codes if scale else tuple(_code(c) for c in q.get("options", []) or [])
        measure = scale.measure if scale else ("scale" if q["type"] == "numeric" else "nominal")
        questions.append(
            Question(
                id=q["id"],
                type=q["type"],
                text=dict(q["text"]),
                codes=codes,
                nets=scale.nets if scale else (),
                measure=measure,
                scale_id=q.get("scale"),
                range=tuple(q["range"]) if q.get("range") else None,
                required=bool(q.get("required", False)),
                ask_if=q.get("ask_if"),
                personal=bool(q.get("personal", False)),
                role=q.get("role"),
                section=q.get("section"),
                attention_check=bool(q.get("attention_check", False)),
                open_ended=bool(q.get("open_ended", False)),
                history=tuple(q.get("history", []) or []),
                **export_fields(q),
            )
        )
    derived = tuple(
        Derived(
            id=d["id"],
            type=d["type"],
            source=tuple(d["from"]) if isinstance(d["from"], list) else (d["from"],),
            label=dict(d["label"]),
            codes=tuple(d.get("codes", []) or []),
            bands=tuple(d.get("bands", []) or []),
            measure=d.get("measure", "nominal"),
        )
        for d in doc.get("derived", []) or []
    )
    quality = tuple(
        QualityRule(
            id=r["id"],
            rule=r["rule"],
            params={k: v for k, v in r.items() if k not in ("id", "rule", "description")},
            description=dict(r.get("description", {}) or {}),
        )
        for r in doc.get("quality", []) or []
    )
    base = Instrument(
        study=dict(doc["study"]),
        version=str(doc["version"]),
        changelog=tuple(doc.get("changelog", []) or []),
        languages=tuple(doc["languages"]),
        questions=(),
        derived=derived,
        quality=quality,
        weighting_variables=tuple((doc.get("weighting") or {}).get("variables", [])),
        item_scales=tuple(doc.get("scales_of_items", []) or []),
        path=path,
        times=times_of(doc),
        repeats=repeats_of(doc),
        repeat_questions=tuple(q for q in questions if q.repeat),
    )
    return _build(base, [q for q in questions if not q.repeat], str(doc["version"]))

