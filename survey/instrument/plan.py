"""The analysis plan: waves, published figures, weighting plans and the banner.

The plan is YAML beside the instrument (``analysis/<study>.yaml``); paths in it are
relative to the plan file.  It is validated against the instrument as a whole and
every problem is reported at once with its path in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from survey.errors import PlanError
from survey.instrument import Instrument, conditions, load_instrument, read_yaml
from survey.instrument.coding import CodingFrame, load_coding_frame


@dataclass(frozen=True)
class Figure:
    """A published figure: the quote, the value, the stated base, the indicator."""

    id: str
    indicator: str
    value: float
    stated_n: int
    quote: str


@dataclass(frozen=True)
class Wave:
    """One fielding of the instrument."""

    id: str
    label: str
    raw: Path
    format: str
    instrument_version: str
    field_dates: tuple[str, ...]
    weighting: str | None
    encoding: str | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class Plan:
    """A validated analysis plan.  Build it with :func:`load_plan`."""

    path: Path
    study: str
    title: Mapping[str, str]
    instrument_path: Path
    waves: tuple[Wave, ...]
    published_wave: str | None
    published_source: str
    decimals: int
    figures: tuple[Figure, ...]
    weighting: Mapping[str, Mapping[str, Any]]
    banner: tuple[str, ...]
    banner_nets: tuple[Mapping[str, Any], ...]
    correction: str
    alpha: float
    open_ended: Mapping[str, Any]
    coding_frame: CodingFrame | None = None

    def wave(self, wave_id: str | int) -> Wave:
        """The wave ``wave_id``; PlanError lists the registered ones."""
        for w in self.waves:
            if str(w.id) == str(wave_id):
                return w
        raise PlanError(f"{self.path}: waves: no wave '{wave_id}' (registered: {', '.join(w.id for w in self.waves)})")

    def previous(self, wave: Wave) -> Wave | None:
        """The wave registered before ``wave``, if any."""
        ids = [w.id for w in self.waves]
        i = ids.index(wave.id)
        return self.waves[i - 1] if i > 0 else None

    def resolve(self, relative: str) -> Path:
        return (self.path.parent / relative).resolve()


def load_plan(path: str | Path, instrument: Instrument | None = None) -> tuple[Plan, Instrument]:
    """Read a plan, load its instrument (unless given) and validate the two together.

    Returns
    -------
    (Plan, Instrument)

    Raises
    ------
    PlanError
        Every problem at once, each with its path in the plan file.
    """
    path = Path(path)
    doc = read_yaml(path, PlanError)
    problems: list[str] = []
    for key in ("study", "instrument", "waves"):
        if key not in doc:
            problems.append(f"{key}: missing")
    if problems:
        raise PlanError(f"{path}: " + "; ".join(problems))
    instrument = instrument or load_instrument((path.parent / doc["instrument"]).resolve())
    names = set(instrument.variables()) | set(instrument.raw_columns)
    problems += _check_waves(doc["waves"], instrument)
    problems += _check_published(doc.get("published"), instrument, doc["waves"])
    problems += _check_weighting(doc.get("weighting", {}) or {}, instrument, names)
    banner = doc.get("banner", {}) or {}
    for v in banner.get("variables", []):
        if v not in names:
            problems.append(f"banner.variables: unknown question '{v}'")
    for i, net in enumerate(banner.get("nets", []) or []):
        if net.get("from") not in names:
            problems.append(f"banner.nets[{i}].from: unknown question '{net.get('from')}'")
    frame, frame_problems = _coding_frame(doc, path, instrument)
    problems += frame_problems
    if problems:
        raise PlanError(f"{path}: " + "; ".join(problems))
    return replace(_parse(doc, path), coding_frame=frame), instrument


def _coding_frame(doc: Mapping[str, Any], path: Path, instrument: Instrument) -> tuple[CodingFrame | None, list[str]]:
    """The plan's coding frame, in the instrument's languages (loaded now, before any data is read)."""
    name = (doc.get("open_ended") or {}).get("coding_frame")
    if not name:
        return None, []
    try:
        return load_coding_frame(path.parent / name, instrument.languages), []
    except PlanError as exc:
        return None, [f"open_ended.coding_frame: {exc}"]


def _check_waves(waves: Any, instrument: Instrument) -> list[str]:
    if not isinstance(waves, list) or not waves:
        return ["waves: must be a non-empty list"]
    out, seen = [], set()
    known = {str(e["version"]) for e in instrument.changelog} | {instrument.version}
    for i, w in enumerate(waves):
        for key in ("id", "raw"):
            if key not in w:
                out.append(f"waves[{i}].{key}: missing")
        if str(w.get("id")) in seen:
            out.append(f"waves[{i}].id: duplicate wave id '{w.get('id')}'")
        seen.add(str(w.get("id")))
        version = str(w.get("instrument_version", instrument.version))
        if version not in known:
            out.append(f"waves[{i}].instrument_version: '{version}' not in the instrument's change log")
    return out


def _check_published(published: Any, instrument: Instrument, waves: list[Any]) -> list[str]:
    if not published:
        return []
    out = []
    indicators = {d.id for d in instrument.derived if d.type == "indicator"}
    if str(published.get("wave")) not in {str(w.get("id")) for w in waves}:
        out.append(f"published.wave: unknown wave '{published.get('wave')}'")
    for i, f in enumerate(published.get("figures", []) or []):
        where = f"published.figures[{i}]"
        for key in ("id", "indicator", "value", "stated_n", "quote"):
            if key not in f:
                out.append(f"{where}.{key}: missing")
        if f.get("indicator") not in indicators:
            out.append(f"{where}.indicator: unknown indicator '{f.get('indicator')}'")
        value = f.get("value")
        if not isinstance(value, (int, float)) or not 0 <= value <= 100:
            out.append(f"{where}.value: must be a percentage between 0 and 100")
    return out


def _check_weighting(plans: Mapping[str, Any], instrument: Instrument, names: set[str]) -> list[str]:
    out = []
    allowed = set(instrument.weighting_variables)
    for name, spec in plans.items():
        where = f"weighting.{name}"
        for column, targets in (spec.get("targets") or {}).items():
            if column not in allowed:
                out.append(f"{where}.targets.{column}: not a weighting variable of the instrument "
                           f"(allowed: {', '.join(sorted(allowed))})")
                continue
            codes = {c.code for c in instrument.codes_of(column)}
            total = sum(float(v) for v in targets.values())
            if abs(total - 1) > 1e-6:
                out.append(f"{where}.targets.{column}: targets for '{column}' sum to {total:g}, not 1")
            for code in targets:
                if code not in codes:
                    out.append(f"{where}.targets.{column}: category {code} is not a code of '{column}'")
        if spec.get("scope") is not None:
            out += conditions.problems(spec["scope"], f"{where}.scope", names)
    return out


def _parse(doc: Mapping[str, Any], path: Path) -> Plan:
    published = doc.get("published") or {}
    banner = doc.get("banner", {}) or {}
    waves = tuple(
        Wave(
            id=str(w["id"]),
            label=str(w.get("label", w["id"])),
            raw=(path.parent / w["raw"]).resolve(),
            format=str(w.get("format", "canonical")),
            instrument_version=str(w.get("instrument_version", "")),
            field_dates=tuple(str(d) for d in w.get("field_dates", []) or []),
            weighting=w.get("weighting"),
            encoding=w.get("encoding"),
            synthetic=bool(w.get("synthetic", False)),
        )
        for w in doc["waves"]
    )
    return Plan(
        path=path,
        study=str(doc["study"]),
        title=dict(doc.get("title", {}) or {}),
        instrument_path=(path.parent / doc["instrument"]).resolve(),
        waves=waves,
        published_wave=str(published["wave"]) if published.get("wave") is not None else None,
        published_source=str(published.get("source", "")),
        decimals=int(published.get("decimals", 2)),
        figures=tuple(
            Figure(str(f["id"]), str(f["indicator"]), float(f["value"]), int(f["stated_n"]), str(f["quote"]))
            for f in published.get("figures", []) or []
        ),
        weighting=dict(doc.get("weighting", {}) or {}),
        banner=tuple(banner.get("variables", []) or []),
        banner_nets=tuple(banner.get("nets", []) or []),
        correction=str(banner.get("correction", "bonferroni")),
        alpha=float(banner.get("alpha", 0.05)),
        open_ended=dict(doc.get("open_ended", {}) or {}),
    )
