"""The entry object: one wave of a study, from raw file to tidy results.

:class:`Study` binds the instrument (at the wave's version), the plan, the clean
and recoded respondents and their weights; its methods return tidy DataFrames.
The command line (:mod:`survey.analyze`) is a thin layer over it.  A study read
with :meth:`Study.from_instrument` has no analysis plan: it gets the plan of
:func:`~survey.studywave.instrument_plan` (one wave, no published figures, no weighting, the
instrument's background questions as the banner).

Examples
--------
>>> from survey import Study
>>> study = Study.from_plan("analysis/ccg-2020.yaml", wave=1)   # doctest: +SKIP
>>> study.headlines()[["id", "published_pct", "estimate_pct", "reproduced"]]  # doctest: +SKIP
>>> draft = Study.from_instrument("instrument.yaml", "export.csv")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from survey.clean import recode
from survey.clean import rules as cleaning
from survey.errors import DataError
from survey.instrument import Instrument
from survey.instrument.plan import Plan, Wave, load_plan
from survey.stats import (
    estimates,
    inference,
    published,
    tables,
)
from survey.stats.weighting import WeightingResult
from survey.studymodels import Models
from survey.studytext import OpenText
from survey.studywave import (  # noqa: F401 (CANONICAL_FORMATS: importable from here)
    CANONICAL_FORMATS,
    _valid_repeats,
    instrument_plan,
    read_wave,
    weight_wave,
)


@dataclass
class Study(Models, OpenText):
    """One wave of a study, cleaned and recoded (and weighted, when the plan says so)."""

    plan: Plan
    instrument: Instrument
    wave: Wave
    raw_path: Path
    cleaned: cleaning.Cleaned
    data: pd.DataFrame
    weighting: WeightingResult | None = None
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    #: The filter the respondents were selected with (:meth:`filtered`), applied to other waves too.
    selection: str | None = None
    has_plan: bool = True
    repeats: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    # Long: the public constructor's numpydoc, one entry per option (the body is 30 lines)
    @classmethod
    def from_plan(
        cls,
        plan: str | Path,
        wave: str | int | None = None,
        *,
        raw: str | Path | None = None,
        instrument: str | Path | Instrument | None = None,
        encoding: str | None = None,
        allow_extra_columns: bool = False,
        fmt: str | None = None,
        keep_test_rows: bool = False,
        sep: str | None = None,
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
        instrument : path or Instrument, optional
            Another instrument file, or one already loaded (default: the plan's).
        encoding, allow_extra_columns, fmt, sep
            How to read the raw file (see :mod:`survey.read.canonical`; ``sep`` for the canonical layout).
        keep_test_rows : bool
            Keep the rows a platform marks as test responses (excluded by default).
        weight : bool
            Apply the wave's weighting plan, if it has one.
        progress : callable, optional
            Called with each stage's name as it starts (read, clean, recode, weight).
        """
        from survey.instrument import load_instrument

        inst = (
            instrument
            if isinstance(instrument, Instrument)
            else load_instrument(instrument)
            if instrument
            else None
        )
        the_plan, inst = load_plan(plan, inst)
        the_wave = the_plan.wave(wave) if wave is not None else the_plan.waves[0]
        fielded = (
            inst.at_version(the_wave.instrument_version) if the_wave.instrument_version else inst
        )
        raw_path = Path(raw) if raw else the_wave.raw
        return cls._read(
            the_plan,
            fielded,
            the_wave,
            raw_path,
            fmt or the_wave.format,
            encoding or the_wave.encoding,
            allow_extra_columns,
            keep_test_rows,
            weight,
            progress,
            sep,
        )

    @classmethod
    def from_instrument(
        cls,
        instrument: str | Path | Instrument,
        raw: str | Path,
        *,
        encoding: str | None = None,
        allow_extra_columns: bool = False,
        fmt: str | None = None,
        keep_test_rows: bool = False,
        sep: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> Study:
        """Read, validate, clean and recode a raw file with an instrument and no analysis plan.

        Everything that needs no plan follows (toplines, crosstabs by the instrument's
        background questions, SPSS export, report); published figures and weighting need
        a plan and are skipped.

        Parameters
        ----------
        instrument : path or Instrument
            The instrument (e.g. drafted by ``python -m survey.instrument import``).
        raw : path
            The raw file: the instrument's layout or a platform export.
        encoding, allow_extra_columns, fmt, keep_test_rows, sep
            How to read the raw file (see :func:`survey.read.platforms.read_platform`);
            ``fmt`` is detected from the file by default.

        Examples
        --------
        >>> study = Study.from_instrument("draft.yaml", "export.csv")  # doctest: +SKIP
        >>> study.toplines().head()  # doctest: +SKIP
        """
        from survey.instrument import load_instrument

        inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
        raw_path = Path(raw)
        the_plan = instrument_plan(inst, raw_path, fmt, encoding)
        study = cls._read(
            the_plan,
            inst,
            the_plan.waves[0],
            raw_path,
            the_plan.waves[0].format,
            encoding,
            allow_extra_columns,
            keep_test_rows,
            False,
            progress,
            sep,
        )
        study.has_plan = False
        return study

    @classmethod
    def _read(
        cls,
        plan: Plan,
        fielded: Instrument,
        wave: Wave,
        raw_path: Path,
        fmt: str | None,
        encoding: str | None,
        allow_extra: bool,
        keep_test: bool,
        weight: bool,
        progress: Callable[[str], None] | None,
        sep: str | None = None,
    ) -> Study:
        stage = progress or (lambda name: None)
        stage("read and validate")
        frame = read_wave(raw_path, fielded, fmt, encoding, allow_extra, keep_test, sep)
        stage("clean")
        frame.attrs["source"] = str(raw_path)
        cleaned = cleaning.clean(frame, fielded)
        if cleaned.data.empty:
            counts = ", ".join(f"{k} {v}" for k, v in cleaned.reconciliation().items())
            hint = (
                "; --keep-test-rows keeps the test responses"
                if "test_response" in cleaned.reconciliation()
                else ""
            )
            raise DataError(f"{raw_path}: no valid responses after cleaning ({counts}){hint}")
        stage("recode")
        data = recode.recode(cleaned.data, fielded)
        study = cls(plan, fielded, wave, raw_path, cleaned, data)
        if fielded.repeats:
            study.repeats = _valid_repeats(raw_path, fielded, frame, data)
        if weight and wave.weighting:
            stage("weight")
            study.weighting = study.weight(wave.weighting)
        return study

    # ------------------------------------------------------------------ estimates

    @property
    def weights(self) -> pd.Series | None:
        """Respondent weights (NA for respondents outside the weighted population)."""
        return None if self.weighting is None else self.weighting.weights

    def weight(self, name: str) -> WeightingResult:
        """Run the plan's weighting ``name`` on the clean data (:func:`survey.studywave.weight_wave`)."""
        return weight_wave(self.data, self.plan.weighting[name], name)

    def calibration(self) -> pd.DataFrame | None:
        """The raking variables of the wave's weighting (for SEs that account for raking)."""
        if self.weighting is None or self.weighting.diagnostics.get("method") != "rake":
            return None
        return self.data[list(self.weighting.diagnostics["targets"])]

    def proportion(
        self,
        indicator: str,
        *,
        weighted: bool = True,
        calibrated: bool = False,
        level: float = 0.95,
        ci_method: str = "logit",
    ) -> dict[str, Any]:
        """Design-based estimate of one 0/1 indicator (see :func:`survey.stats.inference.proportion`)."""
        y = self.data[indicator].astype("Float64").astype(float)
        if not weighted or self.weights is None:
            return inference.proportion(y, None, level=level, ci_method=ci_method)
        cal = self.calibration() if calibrated else None
        bounded = (
            self.weighting is not None and "bounds" in self.weighting.diagnostics
        )  # R calibrate(), not rake()
        return inference.proportion(
            y,
            self.weights,
            level=level,
            ci_method=ci_method,
            calibration=cal,
            calibration_method="calibrate" if bounded else "rake",
        )

    def agreement(self, level: float = 0.95, lang: str = "en") -> pd.DataFrame:
        """Every indicator's rate: unweighted (Wilson) and, when weighted, design-based; labels in ``lang``.

        Returns
        -------
        pandas.DataFrame
            ``item, label, estimate_pct, n_base, count, ci_low, ci_high`` and, when the
            wave is weighted, ``weighted_pct, weighted_se_pct, calibrated_se_pct,
            weighted_ci_low, weighted_ci_high, deff, n_eff`` (percentages).
        """
        names = [d.id for d in self.instrument.derived if d.type == "indicator"]
        rates = estimates.agreement_rates(self.data, names, level)
        out = pd.DataFrame(
            {
                "item": names,
                "label": [self.instrument.variables()[n].wording(lang) for n in names],
                "estimate_pct": 100 * rates["estimate"],
                "n_base": rates["n_base"],
                "count": rates["count"],
                "ci_low": 100 * rates["ci_low"],
                "ci_high": 100 * rates["ci_high"],
            }
        )
        if self.weights is None:
            return out
        return pd.concat([out, pd.DataFrame([self._weighted(n, level) for n in names])], axis=1)

    def _weighted(self, indicator: str, level: float) -> dict[str, float]:
        key = ("weighted", indicator, level)  # headlines and agreement both ask (cached)
        if key not in self.cache:
            self.cache[key] = self._weighted_estimate(indicator, level)
        return dict(self.cache[key])

    def _weighted_estimate(self, indicator: str, level: float) -> dict[str, float]:
        plain = self.proportion(indicator, level=level)
        cal = (
            self.proportion(indicator, calibrated=True, level=level)
            if self.calibration() is not None
            else plain
        )
        return {
            "weighted_pct": 100 * plain["estimate"],
            "weighted_se_pct": 100 * plain["se"],
            "calibrated_se_pct": 100 * cal["se"],
            "weighted_ci_low": 100 * plain["ci_low"],
            "weighted_ci_high": 100 * plain["ci_high"],
            "deff": plain["deff"],
            "n_eff": plain["n_eff"],
        }

    def toplines(self, lang: str = "en") -> pd.DataFrame:
        """Frequency distribution of every question (see :func:`survey.stats.estimates.toplines`)."""
        if (
            not any(q.coded and q.type != "paradata" for q in self.instrument.questions)
            and not self.instrument.derived
        ):
            return pd.DataFrame(columns=estimates.TOPLINE_COLUMNS)  # nothing coded to count
        return estimates.toplines(self.data, self.instrument, self.weights, lang)

    def headlines(self) -> pd.DataFrame:
        """Published figures against their recomputation (only for the published wave)."""
        if not self.plan.figures or self.plan.published_wave != self.wave.id:
            return pd.DataFrame()
        table = published.headline_table(
            self.plan.figures, self.data, self.plan.decimals, weights=self.weights
        )
        if self.weights is not None:
            extra = pd.DataFrame(
                [
                    self._weighted(f.indicator, 0.95)
                    if f.statistic == "pct" and f.indicator is not None  # pct: the schema's rule
                    else {}
                    for f in self.plan.figures
                ]
            )
            table = pd.concat([table, extra], axis=1)
        return table

    # ------------------------------------------------------------------ tables

    def crosstabs(self, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every question by every banner variable, and the tests (see :func:`survey.stats.tables.battery`)."""
        key = ("crosstabs", lang)
        if key not in self.cache:
            banner = [*self.plan.banner, *(str(n["id"]) for n in self.plan.banner_nets)]
            if not any(
                q.id != b for q in tables.tabulated(self.instrument) for b in banner
            ):  # nothing to cross
                self.cache[key] = (
                    pd.DataFrame(columns=tables.TABLE_COLUMNS),
                    pd.DataFrame(columns=tables.TEST_COLUMNS),
                )
            else:
                self.cache[key] = tables.battery(
                    self.data, self.instrument, self.plan, self.weights, lang=lang
                )
        return self.cache[key]

    def crosstab(
        self,
        question: str,
        by: str | list[str] | None = None,
        *,
        filter: str | None = None,
        weighted: bool = True,
        lang: str = "en",
    ) -> pd.DataFrame:
        """One question by any banner, for any subset: the battery's numbers, letters and tests.

        Parameters
        ----------
        question : str
            A coded question of the instrument.
        by : str or list of str, optional
            Banner variables (questions, derived variables or the plan's banner nets);
            default: the plan's banner.
        filter : str, optional
            A condition on the respondents, e.g. ``"country == 2"``.
        weighted : bool
            Weighted percentages and letters when the wave is weighted.
        lang : {"en", "zh"}
            Language of the labels.

        Returns
        -------
        pandas.DataFrame
            Tidy, :data:`survey.stats.tables.TABLE_COLUMNS` plus ``question_label`` and
            ``banner_label``; ``attrs["tests"]`` holds the tests (see :func:`survey.adhoc.crosstab`).

        Examples
        --------
        >>> t = study.crosstab("relations_q", by=["ties", "country"], filter="country == 2")  # doctest: +SKIP
        >>> t[t.row_code == "net:agree"][["banner", "col_label", "weighted_col_pct", "sig_letters"]]  # doctest: +SKIP
        """
        from survey import adhoc

        return adhoc.crosstab(self, question, by, filter=filter, weighted=weighted, lang=lang)

    def table(
        self, question: str, *, filter: str | None = None, weighted: bool = True, lang: str = "en"
    ) -> pd.DataFrame:
        """One question's distribution for any subset (see :func:`survey.adhoc.table`).

        Examples
        --------
        >>> study.table("support_q", filter="age >= 30")  # doctest: +SKIP
        """
        from survey import adhoc

        return adhoc.table(self, question, filter=filter, weighted=weighted, lang=lang)

    def mean(
        self,
        variable: str,
        by: str | list[str] | None = None,
        *,
        filter: str | None = None,
        weighted: bool = True,
        level: float = 0.95,
        lang: str = "en",
    ) -> pd.DataFrame:
        """Design-based mean of a numeric variable, overall and by banner (see :func:`survey.adhoc.mean`).

        Examples
        --------
        >>> study.mean("age", by=["country", "gender"])  # doctest: +SKIP
        """
        from survey import adhoc

        return adhoc.mean(
            self, variable, by, filter=filter, weighted=weighted, level=level, lang=lang
        )

    def filtered(self, expression: str | None) -> Study:
        """The study restricted to the respondents ``expression`` keeps (weights as they were, not re-raked).

        Examples
        --------
        >>> study.filtered("country == 2").crosstabs()  # doctest: +SKIP
        """
        from survey import adhoc

        if not expression:
            return self
        keep = adhoc.selection(self.data, expression).to_numpy()
        if not keep.any():
            raise DataError(f"filter {expression!r} keeps no respondent")
        weighting = (
            None
            if self.weighting is None
            else WeightingResult(
                self.weighting.weights[keep], {**self.weighting.diagnostics, "filter": expression}
            )
        )
        both = f"({self.selection}) and ({expression})" if self.selection else expression
        return Study(
            self.plan,
            self.instrument,
            self.wave,
            self.raw_path,
            self.cleaned,
            self.data[keep],
            weighting,
            selection=both,
        )

    def with_banner(self, banner: list[str] | None) -> Study:
        """The study with another banner (variables or the plan's banner nets) for every table.

        Examples
        --------
        >>> study.with_banner(["country", "gender"]).crosstabs()  # doctest: +SKIP
        """
        from survey import adhoc

        if not banner:
            return self
        plan = adhoc.banner_plan(self.plan, self.instrument, banner)
        return Study(
            plan,
            self.instrument,
            self.wave,
            self.raw_path,
            self.cleaned,
            self.data,
            self.weighting,
            selection=self.selection,
        )

    @property
    def indicators(self) -> list[str]:
        """The instrument's 0/1 indicators (agreement, support, participation ...)."""
        return [d.id for d in self.instrument.derived if d.type == "indicator"]

    def numeric(self, lang: str = "en") -> pd.DataFrame:
        """n, mean, SD, median of every numeric question and score (see :func:`survey.stats.estimates.numeric_summary`)."""
        return estimates.numeric_summary(self.data, self.instrument, self.weights, lang)

    # ------------------------------------------------------------------ waves

    def trends(
        self, progress: Callable[[str], None] | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Indicators in every wave up to this one, with the change from the previous wave.

        See :func:`survey.stats.trends.compare`; the other waves are read and cleaned
        from the plan with their own instrument versions and weighting.
        """
        from survey.stats import trends as trend_module

        waves = []
        for w in self.plan.waves:
            if progress:
                progress(f"wave {w.id}")
            waves.append(
                self
                if str(w.id) == str(self.wave.id)
                else Study.from_plan(
                    self.plan.path, w.id, instrument=self.instrument.path or None
                ).filtered(self.selection)
            )
            if str(w.id) == str(self.wave.id):
                break
        return trend_module.compare(waves), trend_module.stack(waves)
