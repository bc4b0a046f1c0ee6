"""The entry object: one wave of a study, from raw file to tidy results.

:class:`Study` binds the instrument (at the wave's version), the plan, the clean
and recoded respondents and their weights; its methods return tidy DataFrames.
The command line (:mod:`survey.analyze`) is a thin layer over it.

Examples
--------
>>> from survey import Study
>>> study = Study.from_plan("analysis/ccg-2020.yaml", wave=1)   # doctest: +SKIP
>>> study.headlines()[["id", "published_pct", "estimate_pct", "reproduced"]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from survey import cleaning, estimates, published, readers, recode
from survey.errors import DataError
from survey.instrument import Instrument
from survey.plan import Plan, Wave, load_plan


@dataclass
class Study:
    """One wave of a study, cleaned and recoded (and weighted, when the plan says so)."""

    plan: Plan
    instrument: Instrument
    wave: Wave
    raw_path: Path
    cleaned: cleaning.Cleaned
    data: pd.DataFrame
    weighting: Any = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_plan(
        cls,
        plan: str | Path,
        wave: str | int | None = None,
        *,
        raw: str | Path | None = None,
        instrument: str | Path | None = None,
        encoding: str | None = None,
        allow_extra_columns: bool = False,
        fmt: str | None = None,
        weight: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> Study:
        """Read, validate, clean, recode and weight one wave.

        Parameters
        ----------
        plan : path
            The analysis plan (it names the instrument and the waves).
        wave : str or int, optional
            Wave id; the first registered wave by default.
        raw : path, optional
            Another raw file for the wave (default: the plan's).
        instrument : path, optional
            Another instrument file (default: the plan's).
        encoding, allow_extra_columns, fmt
            How to read the raw file (see :mod:`survey.readers`).
        weight : bool
            Apply the wave's weighting plan, if it has one.
        progress : callable, optional
            Called with each stage's name as it starts (read, clean, recode, weight).
        """
        from survey.instrument import load_instrument

        inst = load_instrument(instrument) if instrument else None
        the_plan, inst = load_plan(plan, inst)
        the_wave = the_plan.wave(wave) if wave is not None else the_plan.waves[0]
        fielded = inst.at_version(the_wave.instrument_version) if the_wave.instrument_version else inst
        stage = progress or (lambda name: None)
        raw_path = Path(raw) if raw else the_wave.raw
        stage("read and validate")
        frame = read_wave(raw_path, fielded, fmt or the_wave.format, encoding or the_wave.encoding, allow_extra_columns)
        stage("clean")
        frame.attrs["source"] = str(raw_path)
        cleaned = cleaning.clean(frame, fielded)
        if cleaned.data.empty:
            counts = ", ".join(f"{k} {v}" for k, v in cleaned.reconciliation().items())
            raise DataError(f"{raw_path}: no valid responses after cleaning ({counts})")
        stage("recode")
        data = recode.recode(cleaned.data, fielded)
        study = cls(the_plan, fielded, the_wave, raw_path, cleaned, data)
        if weight and the_wave.weighting:
            stage("weight")
            study.weighting = study.weight(the_wave.weighting)
        return study

    # ------------------------------------------------------------------ estimates

    @property
    def weights(self) -> pd.Series | None:
        """Respondent weights (NA for respondents outside the weighted population)."""
        return None if self.weighting is None else self.weighting.weights

    def weight(self, name: str) -> Any:
        """Run the plan's weighting ``name`` on the clean data."""
        from survey.weighting import weight_study

        return weight_study(self.data, self.instrument, self.plan, name)

    def toplines(self, lang: str = "en") -> pd.DataFrame:
        """Frequency distribution of every question (see :func:`survey.estimates.toplines`)."""
        return estimates.toplines(self.data, self.instrument, self.weights, lang)

    def headlines(self) -> pd.DataFrame:
        """Published figures against their recomputation (only for the published wave)."""
        if not self.plan.figures or self.plan.published_wave != self.wave.id:
            return pd.DataFrame()
        table = published.headline_table(self.plan.figures, self.data, self.plan.decimals)
        if self.weights is not None:
            from survey.weighting import weighted_headlines

            table = weighted_headlines(table, self)
        return table

    def respondents(self, *, include_personal: bool = False) -> pd.DataFrame:
        """The clean, recoded respondent file (personal data removed unless asked for)."""
        drop = [] if include_personal else list(self.instrument.personal_columns)
        out = self.data.drop(columns=drop)
        if self.weights is not None:
            out = out.assign(weight=self.weights)
        return out


def read_wave(path: Path, instrument: Instrument, fmt: str, encoding: str | None, allow_extra: bool) -> pd.DataFrame:
    """Read a wave's raw file in its platform format into the canonical typed layout."""
    if fmt in ("canonical", "csv", "xlsx", None):
        return readers.read_raw(path, instrument, encoding=encoding, allow_extra_columns=allow_extra)
    from survey.platforms import read_platform

    return read_platform(path, instrument, fmt, encoding=encoding, allow_extra_columns=allow_extra)
