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

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from survey.clean import rules as cleaning
from survey.instrument import conditions
from survey.stats import crosstabs
from survey.stats import estimates
from survey.stats import inference
from survey.stats import models
from survey.stats import published
from survey.read import canonical as readers
from survey.clean import recode
from survey.stats import tables
from survey.stats import weighting
from survey.errors import DataError
from survey.instrument import Instrument
from survey.instrument.plan import Plan, Wave, load_plan
from survey.stats.weighting import WeightingResult


@dataclass
class Study:
    """One wave of a study, cleaned and recoded (and weighted, when the plan says so)."""

    plan: Plan
    instrument: Instrument
    wave: Wave
    raw_path: Path
    cleaned: cleaning.Cleaned
    data: pd.DataFrame
    weighting: WeightingResult | None = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

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
        weight : bool
            Apply the wave's weighting plan, if it has one.
        progress : callable, optional
            Called with each stage's name as it starts (read, clean, recode, weight).
        """
        from survey.instrument import load_instrument

        inst = instrument if isinstance(instrument, Instrument) or not instrument else load_instrument(instrument)
        the_plan, inst = load_plan(plan, inst)
        the_wave = the_plan.wave(wave) if wave is not None else the_plan.waves[0]
        fielded = inst.at_version(the_wave.instrument_version) if the_wave.instrument_version else inst
        stage = progress or (lambda name: None)
        raw_path = Path(raw) if raw else the_wave.raw
        stage("read and validate")
        frame = read_wave(raw_path, fielded, fmt or the_wave.format, encoding or the_wave.encoding, allow_extra_columns,
                          sep)
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

    def weight(self, name: str) -> WeightingResult:
        """Run the plan's weighting ``name`` on the clean data.

        Respondents outside the plan's ``scope`` get a missing weight: they stay in
        every unweighted estimate and are left out of every weighted one.  The
        diagnostics add the scope, the targets' sources and the weighted n.
        """
        spec = self.plan.weighting[name]
        scope = (conditions.evaluate(spec["scope"], self.data).fillna(False).astype(bool)
                 if spec.get("scope") else pd.Series(True, index=self.data.index))
        inside = self.data[scope.to_numpy()]
        opts = {"max_iter": int(spec.get("max_iter", 100)), "tol": float(spec.get("tol", 1e-10))}
        if spec.get("trim"):
            opts["bounds"] = tuple(float(b) for b in spec["trim"])
        result = weighting.weight(inside, spec.get("method", "rake"), spec["targets"], **opts)
        weights = result.weights.reindex(self.data.index).rename("weight")
        diagnostics = {
            **result.diagnostics,
            "plan": name,
            "sources": dict(spec.get("sources") or {}),
            "approximate": list(spec.get("approximate") or []),
            "scope": spec.get("scope"),
            "n_weighted": int(len(inside)),
            "n_outside_scope": int(len(self.data) - len(inside)),
        }
        return WeightingResult(weights, diagnostics)

    def calibration(self) -> pd.DataFrame | None:
        """The raking variables of the wave's weighting (for SEs that account for raking)."""
        if self.weighting is None or self.weighting.diagnostics.get("method") != "rake":
            return None
        return self.data[list(self.weighting.diagnostics["targets"])]

    def proportion(self, indicator: str, *, weighted: bool = True, calibrated: bool = False,
                   level: float = 0.95, ci_method: str = "logit") -> dict[str, Any]:
        """Design-based estimate of one 0/1 indicator (see :func:`survey.stats.inference.proportion`)."""
        y = self.data[indicator].astype("Float64").astype(float)
        if not weighted or self.weights is None:
            return inference.proportion(y, None, level=level, ci_method=ci_method)
        cal = self.calibration() if calibrated else None
        return inference.proportion(y, self.weights, level=level, ci_method=ci_method, calibration=cal)

    def agreement(self, level: float = 0.95) -> pd.DataFrame:
        """Every indicator's rate: unweighted (Wilson) and, when weighted, design-based.

        Returns
        -------
        pandas.DataFrame
            ``item, label, estimate_pct, n_base, count, ci_low, ci_high`` and, when the
            wave is weighted, ``weighted_pct, weighted_se_pct, calibrated_se_pct,
            weighted_ci_low, weighted_ci_high, deff, n_eff`` (percentages).
        """
        names = [d.id for d in self.instrument.derived if d.type == "indicator"]
        rates = estimates.agreement_rates(self.data, names, level)
        out = pd.DataFrame({
            "item": names,
            "label": [self.instrument.variables()[n].wording("en") for n in names],
            "estimate_pct": 100 * rates["estimate"], "n_base": rates["n_base"], "count": rates["count"],
            "ci_low": 100 * rates["ci_low"], "ci_high": 100 * rates["ci_high"],
        })
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
        cal = self.proportion(indicator, calibrated=True, level=level) if self.calibration() is not None else plain
        return {
            "weighted_pct": 100 * plain["estimate"], "weighted_se_pct": 100 * plain["se"],
            "calibrated_se_pct": 100 * cal["se"],
            "weighted_ci_low": 100 * plain["ci_low"], "weighted_ci_high": 100 * plain["ci_high"],
            "deff": plain["deff"], "n_eff": plain["n_eff"],
        }

    def toplines(self, lang: str = "en") -> pd.DataFrame:
        """Frequency distribution of every question (see :func:`survey.stats.estimates.toplines`)."""
        return estimates.toplines(self.data, self.instrument, self.weights, lang)

    def headlines(self) -> pd.DataFrame:
        """Published figures against their recomputation (only for the published wave)."""
        if not self.plan.figures or self.plan.published_wave != self.wave.id:
            return pd.DataFrame()
        table = published.headline_table(self.plan.figures, self.data, self.plan.decimals)
        if self.weights is not None:
            extra = pd.DataFrame([self._weighted(f.indicator, 0.95) for f in self.plan.figures])
            table = pd.concat([table, extra], axis=1)
        return table

    def respondents(self, *, include_personal: bool = False, redact: bool = True) -> pd.DataFrame:
        """The clean, recoded respondent file, safe to share by default.

        Personal-data columns of the instrument are dropped and personal data in
        free text (e-mails, phone numbers, ...) is replaced by typed placeholders
        (:func:`survey.text.openended.redact`), unless the analyst asks otherwise.
        """
        drop = [] if include_personal else list(self.instrument.personal_columns)
        out = self.data.drop(columns=drop)
        if redact:
            out = out.assign(**{c: self.redacted(c)[0] for c in self.text_columns})
        if self.weights is not None:
            out = out.assign(weight=self.weights)
        return out

    @property
    def text_columns(self) -> list[str]:
        """Free-text questions (open-ended accounts, "other, please specify")."""
        return [q.id for q in self.instrument.questions if q.type == "text"]

    def redacted(self, column: str) -> tuple[pd.Series, dict[str, int]]:
        """A free-text column with personal data replaced, and the count per type (cached)."""
        from survey.text.openended import redact

        key = ("redacted", column)
        if key not in self.cache:
            self.cache[key] = redact(self.data[column])
        return self.cache[key]


    # ------------------------------------------------------------------ tables

    def crosstabs(self, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every question by every banner variable, and the tests (see :func:`survey.stats.tables.battery`)."""
        key = ("crosstabs", lang)
        if key not in self.cache:
            self.cache[key] = tables.battery(self.data, self.instrument, self.plan, self.weights, lang=lang)
        return self.cache[key]

    @property
    def indicators(self) -> list[str]:
        """The instrument's 0/1 indicators (agreement, support, participation ...)."""
        return [d.id for d in self.instrument.derived if d.type == "indicator"]

    def agreement_by(self, lang: str = "en") -> pd.DataFrame:
        """Every indicator's rate in every banner category (see :func:`survey.stats.models.agreement_by`)."""
        banner = {b.id: b for b in tables.banners(self.data, self.instrument, self.plan, lang)}
        items = self.data[self.indicators].astype("Float64").astype(float)
        columns = pd.DataFrame({k: b.codes for k, b in banner.items()})
        frame = models.agreement_by(items, columns)
        if self.weights is not None:  # the weighted design holds the weighted population only
            inside = self.weights.notna()
            weighted = models.agreement_by(items[inside], columns[inside], self.weights[inside])
            keys = ["item", "banner", "category"]
            frame = frame.merge(weighted[keys + models.WEIGHTED_COLUMNS], on=keys, how="left")
        frame.insert(3, "category_label", [banner[b].labels.get(int(c), str(c)) if pd.notna(c) else ""
                                           for b, c in zip(frame["banner"], frame["category"])])
        return frame

    def odds_ratios(self) -> pd.DataFrame:
        """Logistic regression of each published figure's indicator on the banner variables together.

        ``separation`` is True when statsmodels detected perfect separation (a
        category where everyone agrees): that model's odds ratios are not identified.
        """
        items = [f.indicator for f in self.plan.figures] or self.indicators
        X = pd.DataFrame({b: self.data[b].astype("Float64").where(~self.data[b].isin(
            self.instrument.codes_nonsubstantive(b))).astype(float) for b in self.plan.banner})
        parts = []
        for item in dict.fromkeys(items):
            y = self.data[item].astype("Float64").astype(float)
            for weighted in ([False, True] if self.weights is not None else [False]):
                keep = self.weights.notna() if weighted else pd.Series(True, index=y.index)
                with warnings.catch_warnings():  # reported in the column instead (warning filters are
                    warnings.simplefilter("ignore", PerfectSeparationWarning)  # process-wide: not relied on)
                    fit = models.odds_ratios(y[keep], X[keep], self.weights[keep] if weighted else None)
                parts.append(fit.assign(item=item, weighted=weighted, separation=fit.attrs["separation"]))
        out = pd.concat(parts, ignore_index=True)
        return out[["item", "weighted", *[c for c in out.columns if c not in ("item", "weighted")]]]

    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha of each item scale the instrument declares (substantive codes only)."""
        rows = []
        for scale in self.instrument.item_scales:
            items = pd.DataFrame({q: self.data[q].astype("Float64").where(
                ~self.data[q].isin(self.instrument.codes_nonsubstantive(q))).astype(float) for q in scale["items"]})
            rows.append({"scale": scale["id"], **models.reliability(items)})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ open-ended

    @property
    def coding_frame(self) -> Any:
        """The plan's coding frame of the open-ended question, or None."""
        from survey.text.openended import load_coding_frame

        name = self.plan.open_ended.get("coding_frame")
        if not name or self.open_question is None:
            return None
        if "coding_frame" not in self.cache:
            self.cache["coding_frame"] = load_coding_frame(self.plan.path.parent / name)
        return self.cache["coding_frame"]

    @property
    def open_question(self) -> str | None:
        """Id of the instrument's open-ended question (the accounts)."""
        return next((q.id for q in self.instrument.questions if q.open_ended), None)

    def theme_codes(self) -> pd.DataFrame:
        """0/1 theme columns per respondent (NaN without an account), coded on redacted text."""
        from survey.text.openended import code_accounts

        if "theme_codes" not in self.cache:
            self.cache["theme_codes"] = code_accounts(self.redacted(self.open_question)[0], self.coding_frame)
        return self.cache["theme_codes"]

    def accounts(self, lang: str = "en", *, redact: bool = True) -> pd.DataFrame:
        """One row per account for review: id, language, background, text, themes, empty coder columns."""
        from survey.text.openended import detect_language

        q = self.open_question
        text, counts = self.redacted(q) if redact else (self.data[q], {})
        has = text.notna() & (text.astype(str).str.strip() != "")
        codes = self.theme_codes()[has]
        ident = self.instrument.by_role("id")
        background = {b: self.data.loc[has, b].map(
            {c.code: c.text(lang) for c in self.instrument.codes_of(b)}) for b in self.plan.banner}
        out = pd.DataFrame({
            "respondent_id": self.data.loc[has, ident.id] if ident else self.data.index[has],
            "language": detect_language(text[has]),
            **background,
            "text": text[has],
            "themes": _joined_names(codes.to_numpy() == 1, list(codes.columns)),
            **{f"human_{t}": pd.NA for t in self.coding_frame.ids},
        })
        out.attrs["redactions"] = dict(counts)
        return out.reset_index(drop=True)

    def themes(self, lang: str = "en") -> pd.DataFrame:
        """Theme frequencies: % of accounts and % of respondents asked."""
        from survey.text.openended import theme_frequencies

        n_asked = int(len(self.data))
        return theme_frequencies(self.theme_codes(), n_asked, self.coding_frame, lang=lang)

    def themes_by_banner(self, lang: str = "en") -> pd.DataFrame:
        """Themes by every banner variable, as a multiple-response table of the accounts."""
        codes = self.theme_codes()
        labels = {t: self.coding_frame.label(t, lang) for t in codes.columns}
        w = None if self.weights is None else self.weights.fillna(0.0)
        parts = []
        for b in tables.banners(self.data, self.instrument, self.plan, lang):
            t = crosstabs.multi_response(codes, b.codes, w, option_labels=labels, col_labels=b.labels,
                                         correction=self.plan.correction, alpha=self.plan.alpha)
            parts.append(t.assign(question="themes", banner=b.id))
        return pd.concat(parts, ignore_index=True).reindex(columns=tables.TABLE_COLUMNS)

    def coder_agreement(self, path: str | Path) -> pd.DataFrame:
        """Agreement of the automatic themes with a human coder's file (Cohen's kappa per theme)."""
        from survey.text.openended import coder_agreement
        from survey.read.canonical import read_table

        human = read_table(Path(path))
        ident = self.instrument.by_role("id")
        auto = self.theme_codes().assign(respondent_id=self.data[ident.id].astype(str))
        human_cols = [c for c in human.columns if c.startswith("human_")]
        numeric = human[human_cols].apply(lambda s: pd.to_numeric(s.str.strip().replace("", None), errors="coerce"))
        return coder_agreement(auto, numeric.assign(respondent_id=human["respondent_id"].astype(str)))

    # ------------------------------------------------------------------ waves

    def trends(self, progress: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Indicators in every wave up to this one, with the change from the previous wave.

        See :func:`survey.stats.trends.compare`; the other waves are read and cleaned
        from the plan with their own instrument versions and weighting.
        """
        from survey.stats import trends as trend_module

        waves = []
        for w in self.plan.waves:
            if progress:
                progress(f"wave {w.id}")
            waves.append(self if str(w.id) == str(self.wave.id) else
                         Study.from_plan(self.plan.path, w.id, instrument=self.instrument.path or None))
            if str(w.id) == str(self.wave.id):
                break
        return trend_module.compare(waves), trend_module.stack(waves)


def _joined_names(hits: np.ndarray, names: list[str]) -> list[str]:
    """Per row, the names of its True columns joined by ``;`` (each distinct row joined once)."""
    if not len(hits):
        return []
    key = hits.astype(object) @ [1 << k for k in range(hits.shape[1])] if hits.shape[1] > 62 else \
        hits.astype(np.int64) @ (np.int64(1) << np.arange(hits.shape[1], dtype=np.int64))
    keys, row_key = np.unique(key, return_inverse=True)
    joined = np.array([";".join(n for k, n in enumerate(names) if int(pattern) >> k & 1) for pattern in keys],
                      dtype=object)
    return joined[row_key.ravel()].tolist()


CANONICAL_FORMATS = ("canonical", "csv", "xlsx", None)  # read by survey.read.canonical (``sep`` applies)


def read_wave(path: Path, instrument: Instrument, fmt: str, encoding: str | None, allow_extra: bool,
              sep: str | None = None) -> pd.DataFrame:
    """Read a wave's raw file in its platform format into the canonical typed layout."""
    if fmt in CANONICAL_FORMATS:
        return readers.read_raw(path, instrument, encoding=encoding, allow_extra_columns=allow_extra, sep=sep)
    from survey.read.platforms import read_platform

    return read_platform(path, instrument, fmt, encoding=encoding, allow_extra_columns=allow_extra)
