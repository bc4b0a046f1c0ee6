"""The analysis plan: waves, published figures, weighting plans and the banner.

The plan is YAML beside the instrument (``analysis/<study>.yaml``); paths in it are
relative to the plan file.  Its format is :class:`survey.instrument.planschema.PlanDoc`;
it is validated against the instrument as a whole (and its coding frame against the
instrument's languages) and every problem is reported at once with its path in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from survey.errors import PlanError
from survey.instrument import Instrument, load_instrument, read_yaml
from survey.instrument import planschema as ps
from survey.instrument.coding import CodingFrame, load_coding_frame
from survey.instrument.loading import validate


@dataclass(frozen=True)
class Figure:
    """A published figure: the quote, the value, the stated base, the indicator.

    ``statistic`` is ``pct`` (of ``indicator``), ``mean`` or ``median`` (of the numeric
    ``question``); a ``weighted`` figure is checked against the weighted estimate,
    within ``tolerance_pp`` when given (else by rounding to the report's decimals).
    """

    id: str
    indicator: str | None
    value: float
    stated_n: int
    quote: str
    weighted: bool = False
    statistic: str = "pct"
    question: str | None = None
    tolerance_pp: float | None = None

    @property
    def variable(self) -> str:
        """The column the figure describes (its indicator or question)."""
        return str(self.indicator if self.statistic == "pct" else self.question)


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
    schema_version: int = 1
    coding_frame: CodingFrame | None = None

    def wave(self, wave_id: str | int) -> Wave:
        """The wave ``wave_id``; PlanError lists the registered ones."""
        for w in self.waves:
            if str(w.id) == str(wave_id):
                return w
        raise PlanError(
            f"{self.path}: waves: no wave '{wave_id}' (registered: {', '.join(w.id for w in self.waves)})"
        )

    def previous(self, wave: Wave) -> Wave | None:
        """The wave registered before ``wave``, if any."""
        ids = [w.id for w in self.waves]
        i = ids.index(wave.id)
        return self.waves[i - 1] if i > 0 else None

    def resolve(self, relative: str) -> Path:
        return (self.path.parent / relative).resolve()


def plan_context(doc: Mapping[str, Any], instrument: Instrument) -> dict[str, Any]:
    """What a plan is checked against: the instrument's names and codes, the plan's own waves and plans."""
    variables = instrument.variables()
    names = set(variables) | set(instrument.raw_columns)
    waves, weighting = doc.get("waves"), doc.get("weighting")
    if not isinstance(waves, list):
        waves = []
    if not isinstance(weighting, Mapping):
        weighting = {}
    return {
        "languages": list(instrument.languages),
        "variables": names,
        "columns": names,
        "coded": {n for n in variables if instrument.codes_of(n)},
        "indicators": {d.id for d in instrument.derived if d.type in ("indicator", "box")},
        "numeric": {q.id for q in instrument.questions if q.type == "numeric"}
        | {d.id for d in instrument.derived if d.numeric},
        "weighting_variables": set(instrument.weighting_variables),
        "codes": {
            v: {c.code for c in instrument.codes_of(v)} for v in instrument.weighting_variables
        },
        "versions": {str(e["version"]) for e in instrument.changelog} | {instrument.version},
        "waves": {str(w.get("id")) for w in waves if isinstance(w, Mapping)},
        "weighting_plans": set(weighting),
    }


def load_plan(path: str | Path, instrument: Instrument | None = None) -> tuple[Plan, Instrument]:
    """Read a plan, load its instrument (unless given) and validate the two together.

    The plan's coding frame, when it names one, is validated too (against the
    instrument's languages).

    Returns
    -------
    (Plan, Instrument)

    Raises
    ------
    PlanError
        Every problem at once, each with its path in the plan file.

    Examples
    --------
    >>> plan, instrument = load_plan("analysis/ccg-2020.yaml")  # doctest: +SKIP
    """
    path = Path(path)
    raw = read_yaml(path, PlanError)
    if not isinstance(raw.get("instrument"), str):
        raise PlanError(f"{path}: instrument: missing (the instrument file, relative to the plan)")
    instrument = instrument or load_instrument((path.parent / raw["instrument"]).resolve())
    doc, problems = validate(raw, ps.PlanDoc, plan_context(raw, instrument))
    if doc is not None:
        problems = _plan_problems(doc)
    frame, frame_problems = _coding_frame(raw, path, instrument)
    problems += frame_problems
    if problems or doc is None:
        raise PlanError(f"{path}: " + "; ".join(problems))
    return replace(_parse(doc, path), coding_frame=frame), instrument


def _coding_frame(
    doc: Mapping[str, Any], path: Path, instrument: Instrument
) -> tuple[CodingFrame | None, list[str]]:
    """The plan's coding frame, in the instrument's languages (loaded now, before any data is read)."""
    name = (
        (doc.get("open_ended") or {}).get("coding_frame")
        if isinstance(doc.get("open_ended"), Mapping)
        else None
    )
    if not isinstance(name, str) or not name:
        return None, []
    try:
        return load_coding_frame(path.parent / name, instrument.languages), []
    except PlanError as exc:
        return None, [f"open_ended.coding_frame: {exc}"]


def _plan_problems(doc: ps.PlanDoc) -> list[str]:
    out, seen = [], set()
    for i, w in enumerate(doc.waves):
        if w.id in seen:
            out.append(f"waves[{i}].id: duplicate wave id '{w.id}'")
        seen.add(w.id)
    if doc.published:
        wave = next((w for w in doc.waves if w.id == doc.published.wave), None)
        for i, f in enumerate(doc.published.figures):
            if f.weighted and wave is not None and not wave.weighting:
                out.append(
                    f"published.figures[{i}].weighted: wave '{wave.id}' has no weighting plan"
                )
    return out


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(by_alias=True, exclude_unset=True)


def _figure(f: ps.Figure) -> Figure:
    return Figure(
        str(f.id),
        f.indicator,
        float(f.value),
        int(f.stated_n),
        str(f.quote),
        f.weighted,
        f.statistic,
        f.question,
        f.tolerance_pp,
    )


def _parse(doc: ps.PlanDoc, path: Path) -> Plan:
    published = doc.published
    waves = tuple(
        Wave(
            id=w.id,
            label=w.label if w.label is not None else w.id,
            raw=(path.parent / w.raw).resolve(),
            format=w.format,
            instrument_version=w.instrument_version or "",
            field_dates=tuple(w.field_dates),
            weighting=w.weighting,
            encoding=w.encoding,
            synthetic=w.synthetic,
        )
        for w in doc.waves
    )
    return Plan(
        path=path,
        study=doc.study,
        title=dict(doc.title or {}),
        instrument_path=(path.parent / doc.instrument).resolve(),
        waves=waves,
        published_wave=published.wave if published else None,
        published_source=published.source if published else "",
        decimals=published.decimals if published else 2,
        figures=tuple(_figure(f) for f in published.figures) if published else (),
        weighting={name: _dump(spec) for name, spec in doc.weighting.items()},
        banner=tuple(doc.banner.variables),
        banner_nets=tuple(_dump(net) for net in doc.banner.nets),
        correction=doc.banner.correction,
        alpha=doc.banner.alpha,
        open_ended=_dump(doc.open_ended),
        schema_version=doc.schema_version,
    )
