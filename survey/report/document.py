"""The report of a wave: ``report.md`` and one self-contained ``report.html``.

:func:`write_report` is a stage of :mod:`survey.artifacts`.  It builds the report
once as a list of blocks (headings, paragraphs, tables, images) from the study and
the results the other stages left, then renders the blocks twice: as Markdown
(charts linked from ``charts/``) and as HTML (CSS inline, charts embedded as
base64, no external resource).  A section whose results are absent is left out.

The report follows the AAPOR Transparency Initiative's disclosure list and its
guidance for opt-in samples: no sampling-error figure for the survey, intervals
named for what they are.  Fixed text comes from :data:`TEXT`, translated into the
run's language by the message catalogues (:mod:`survey.i18n`); labels and wording come
from the instrument in that language.  The same inputs give the same bytes.

Examples
--------
>>> from survey.artifacts import Options
>>> write_report(study, Path("out"), Options(lang="zh"), results)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import survey
from survey.i18n import N_, language_name, translator
from survey.stats.published import attainable_counts

# ------------------------------------------------------------------ fixed text

# The report's fixed text, by key; translated by the catalogues (survey/locale/, see survey.i18n).
TEXT: dict[str, str] = {
    "contents": N_("Contents"),
    # Translators: between the items of a list ("English, Chinese").
    "list_sep": N_(", "),
    # Translators: two sentences in a row (Chinese puts no space between them).
    "sentences": N_("{first} {next}"),
    "subtitle": N_("{study}. Wave {wave} ({label}); instrument version {version}."),
    "synthetic": N_(
        "Synthetic data: the responses analysed here are a synthetic reconstruction made to match the "
        "published figures. They are not the data collected by {conductor} and describe no real "
        "respondents."
    ),
    "disclosure": N_("About this survey"),
    "item": N_("Item"),
    "detail": N_("Detail"),
    "disclosure_intro": N_("What the AAPOR Transparency Initiative asks a survey report to disclose."),
    "sponsor": N_("Sponsor"),
    "conductor": N_("Conducted by"),
    "population": N_("Population"),
    "recruitment": N_("Sample and recruitment"),
    "mode": N_("Mode"),
    "languages": N_("Languages"),
    "field_dates": N_("Field dates"),
    "unknown": N_("not known"),
    "sample": N_("Sample size"),
    "sample_text": N_("{raw} responses received; {valid} valid, {excluded} excluded (reasons below)."),
    "weighting": N_("Weighting"),
    "unweighted": N_("None: every estimate is unweighted."),
    "weighting_method": N_("Method: {method} on {variables} (targets and their sources below)."),
    "weighting_converged": N_("Converged after {iterations} iterations."),
    "weighting_not_converged": N_("Did NOT converge after {iterations} iterations."),
    "weighting_deff": N_("Design effect of the weights {deff}; effective sample size {n_eff}."),
    "weighting_range": N_("Weights range from {low} to {high}."),
    "weighting_at_bound": N_("Bounded raking within ({low}, {high}) times the base weight: {share}% of respondents have a weight at a bound."),
    "weighting_scope": N_(
        "{n_weighted} respondents are weighted; {n_outside} outside the weighting scope (the population "
        "the targets describe) have no weight and are left out of weighted estimates, but not of "
        "unweighted ones."
    ),
    "intervals": N_("Intervals"),
    "intervals_text": N_(
        "Unweighted estimates carry a 95% Wilson interval. It assumes simple random sampling; the sample "
        "is opt-in, not a probability sample, so the interval describes these respondents, not a "
        "population. No sampling-error figure is given for the survey as a whole: none applies to an opt-"
        "in sample."
    ),
    "intervals_weighted": N_(
        "Weighted estimates carry a design-based 95% interval under the weighting model: it holds only as"
        " far as the weighting variables account for who took part."
    ),
    "notes": N_("Notes"),
    "wording": N_("Question wording"),
    "see_questionnaire": N_("The exact wording of every question is in the section Questionnaire."),
    "exclusions": N_("Exclusions by reason"),
    "reason": N_("Reason"),
    "description": N_("Description"),
    "targets": N_("Weighting targets"),
    "variable": N_("Variable"),
    "category": N_("Category"),
    "target_pct": N_("Target %"),
    "achieved_pct": N_("Achieved %"),
    "published": N_("Published figures, recomputed"),
    "published_intro": N_(
        "Each figure of the published report ({source}) recomputed from the data, unweighted as "
        "published. Reproduced: the recomputed estimate rounded to {decimals} decimals equals the "
        "published value. Consistent at the stated n: the published percentage can be k/n for a whole "
        "number k at the base the report states (a GRIM-style test); if not, the nearest bases at which "
        "it can are listed."
    ),
    "figure": N_("Figure"),
    "statement": N_("Published statement"),
    "published_pct": N_("Published %"),
    "recomputed_pct": N_("Recomputed %"),
    "wilson_95": N_("95% Wilson interval"),
    "diff_pp": N_("Difference (pp)"),
    "reproduced": N_("Reproduced"),
    "consistent": N_("Consistent at the stated n"),
    "yes": N_("yes"),
    "no": N_("no"),
    "consistent_yes": N_("yes ({k}/{n})"),
    "consistent_no": N_("no: not k/{n} for any whole k; attainable at n = {bases}"),
    "weighted_estimates": N_("Weighted estimates"),
    "weighted_pct": N_("Weighted %"),
    "design_95": N_("Design-based 95% interval"),
    "se_pp": N_("SE (pp)"),
    "calibrated_se_pp": N_("SE with calibration (pp)"),
    "charts": N_("Charts"),
    "chart_scale": N_("Answers from '{low}' to '{high}'"),
    "chart_scale_note": N_("Percent of substantive answers, unweighted; the middle point is split around zero."),
    "chart_scale_ns": N_("{labels}: share of all answers, not in the base (under each item)."),
    "chart_by": N_("Estimates by answer to: {banner}"),
    "chart_by_x": N_("% (unweighted, 95% Wilson interval)"),
    "chart_by_note": N_("Wilson intervals assume simple random sampling; the sample is opt-in."),
    "chart_multi_note": N_("More than one answer possible: shares add to more than 100%."),
    "chart_multi_asked": N_(" Asked if {condition}."),
    "chart_trend_note": N_("Unweighted estimates with 95% Wilson intervals."),
    "toplines": N_("Toplines"),
    "toplines_intro": N_(
        "Counts and percentages of every question, unweighted unless marked. % leaves answers marked † "
        "(non-substantive) out of the base; % of asked includes them."
    ),
    "code": N_("Code"),
    "answer": N_("Answer"),
    "pct_asked": N_("% of asked"),
    "topline_base": N_("Base: {base} substantive answers; {asked} respondents asked."),
    "multi_base": N_("More than one answer possible; % of the {base} respondents asked."),
    "crosstabs": N_("Crosstabs"),
    "crosstabs_note": N_(
        "How to read: each column gives the percentage of that group choosing each answer ({pct}). "
        "Letters name the columns of the same background variable; a letter after a figure means the "
        "figure is significantly higher than in that column (test of column proportions, {correction} "
        "correction, alpha = {alpha}). Net rows group answers. The last row gives each column's base."
    ),
    "weighted_col": N_("weighted column percentages"),
    "unweighted_col": N_("unweighted column percentages"),
    "total": N_("Total"),
    "base_n": N_("Base (n)"),
    "tests": N_("Tests of independence"),
    "question": N_("Question"),
    "banner": N_("Background variable"),
    "tests_note": N_(
        "Pearson χ² assumes simple random sampling; the Rao-Scott test takes the weights into account. "
        "Fisher's exact test is given for small tables. Low-base columns are too small to compare "
        "reliably."
    ),
    "min_expected": N_("Min. expected count"),
    "low_base": N_("Low-base columns"),
    "themes": N_("Open-ended accounts: themes"),
    "theme": N_("Theme"),
    "pct_accounts": N_("% of accounts"),
    "themes_note": N_("Themes coded from the open-ended accounts; one account can carry several themes."),
    "trends": N_("Trends across waves"),
    "indicator": N_("Indicator"),
    "wave": N_("Wave"),
    "change_pp": N_("Change (pp)"),
    "significant": N_("Significant"),
    "questionnaire": N_("Questionnaire"),
    "questionnaire_intro": N_(
        "Exact wording as fielded (instrument version {version}), in every language of the questionnaire."
    ),
    "answers": N_("Answers"),
    "multi": N_("more than one answer possible"),
    "not_in_base": N_("not in the base of percentages"),
    "numeric": N_("a number from {low} to {high}"),
    "open_text": N_("open text"),
    "asked_if": N_("Asked if"),
    "reproducibility": N_("Reproducibility"),
    "package_version": N_("Package"),
    "instrument_version": N_("Instrument"),
    "raw_file": N_("Raw input file"),
    "raw_sha": N_("SHA-256 of the raw input file"),
    "command": N_("Command"),
    "unavailable": N_("unavailable"),
    # Translators: skip logic in words; {condition} and {question} are left as they are.
    "cond_not": N_("not {condition}"),
    "cond_answered": N_("{question} answered"),
    "cond_blank": N_("{question} blank"),
    "chart_by_x_weighted": N_("% (weighted, 95% design-based logit interval)"),
    "chart_by_note_weighted": N_("Design-based intervals under the weighting model; respondents outside the weighting scope are left out. Legend: unweighted n."),
    "chart_scale_note_weighted": N_("Percent of substantive answers, weighted; the middle point is split around zero."),
    "chart_multi_note_weighted": N_("More than one answer possible: shares add to more than 100%. Weighted; n unweighted."),
    "chart_trend_note_weighted": N_("Weighted estimates with 95% design-based intervals. * the change from the previous wave is significant (p < {alpha}); a hollow point: the question's wording changed."),
    "chart_trend_note_marks": N_(" * the change from the previous wave is significant (p < {alpha}); a hollow point: the question's wording changed."),
    "chart_trend_y_weighted": N_("% (weighted, 95% design-based interval)"),
    "chart_trend_y": N_("% (unweighted, 95% Wilson interval)"),
    "weighting_chart": N_("Weighting diagnostics: the weights, and each margin before and after weighting"),
    "weighting_chart_weights": N_("Weight"),
    "weighting_chart_respondents": N_("Respondents"),
    "weighting_chart_sample": N_("Sample (unweighted)"),
    "weighting_chart_target": N_("Target"),
    "weighting_chart_achieved": N_("Weighted"),
    "weighting_chart_note": N_("Respondents in the weighting scope only; dashed line: the mean weight."),
    "statements": N_("Published statements"),
    "wording_changed": N_("Wording changed"),
    "weighted_ci": N_("95% design-based interval"),
    "weighted_base_n": N_("Weighted base"),
    "bases_note": N_("* Base under 30 respondents: too few to compare reliably."),
    "bases_note_weighted": N_("Base (n) counts the respondents in the weighted population, weighted base their weights; {n_outside} respondents outside the weighting scope are in neither and in no weighted percentage (a column of them only shows –). * Base under 30 respondents: too few to compare reliably."),
    "rao_scott_na": N_("Rao-Scott p is – where the weighted table is singular (empty cells; R's svychisq stops there too): crosstab_tests.csv gives the reason."),
    "numeric_questions": N_("Numeric questions"),
    "mean": N_("Mean"),
    "sd": N_("SD"),
    "median": N_("Median"),
    "weighted_mean": N_("Weighted mean"),
    "se": N_("SE"),
    "numeric_note": N_("SD with n - 1; the weighted mean's SE is design-based (weights only), as R svymean."),
    "redaction": N_("Personal data in open answers"),
    "redaction_text": N_("Replaced by placeholders before coding and export: {found}."),
    "redaction_none": N_("Looked for before coding and export; none found."),
    "redaction_off": N_("Not redacted: the run was asked to keep open answers as written (--no-redact)."),
    "pii_EMAIL": N_("e-mail addresses"),
    "pii_URL": N_("web addresses"),
    "pii_IP": N_("IP addresses"),
    "pii_HANDLE": N_("social-media and messenger ids"),
    "pii_NATIONAL_ID": N_("identity numbers"),
    "pii_PHONE": N_("phone numbers"),
    "pii_ADDRESS": N_("postal addresses"),
    "pii_NAME": N_("names"),
}

# ------------------------------------------------------------------ document model


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    text: str
    kind: str = "p"  # p, note or alert


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    groups: tuple[tuple[str, int], ...] = ()  # a header row above: (label, columns spanned)
    wide: bool = False


@dataclass(frozen=True)
class Image:
    name: str
    alt: str
    data: bytes


Block = Heading | Para | Bullets | Table | Image


class Words:
    """The fixed text of the report in one language: ``words("key", n=3)``.

    ``lang`` is also the language of every label and wording the report takes from
    the instrument; a message without a translation is English (:mod:`survey.i18n`).
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._translator = translator(lang)

    def __call__(self, key: str, **kw: Any) -> str:
        return self._translator.gettext(TEXT[key], **kw)


# ------------------------------------------------------------------ formatting


def _num(value: Any, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or pd.isna(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0.00"


def _int(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _p(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _interval(low: Any, high: Any, decimals: int = 1) -> str:
    return f"{_num(low, decimals)}–{_num(high, decimals)}"


def sentences(w: Words, parts: Sequence[str]) -> str:
    """Sentences one after the other, as the language writes them (a space in English, none in Chinese)."""
    text = parts[0]
    for part in parts[1:]:
        text = w("sentences", first=text, next=part)
    return text


def _meta(value: Any, lang: str) -> str:
    """A study metadata entry: bilingual mapping or plain text."""
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _has(results: Mapping[str, Any], key: str) -> bool:
    value = results.get(key)
    return value is not None and not (isinstance(value, pd.DataFrame) and value.empty)


# ------------------------------------------------------------------ labels from the study


def var_label(study: Any, name: str, lang: str) -> str:
    """Wording of a question, label of a derived variable or banner net, else the name."""
    inst = study.instrument
    if inst.has_question(name):
        return inst.question(name).wording(lang)
    for d in inst.derived:
        if d.id == name:
            return d.wording(lang)
    for net in getattr(study.plan, "banner_nets", ()):
        if net.get("id") == name:
            return _meta(net.get("label"), lang)
    return str(name)


def code_label(study: Any, name: str, code: Any, lang: str) -> str:
    try:
        codes = study.instrument.codes_of(name)
    except KeyError:
        return str(code)
    for c in codes:
        if str(c.code) == str(code):
            return c.text(lang)
    return str(code)


def condition_text(study: Any, cond: Mapping[str, Any], lang: str) -> str:
    """A skip-logic condition in words: ``participated_q = 1 (Yes)``."""
    for key, joiner in (("all", " & "), ("any", " | ")):
        if key in cond:
            return "(" + joiner.join(condition_text(study, c, lang) for c in cond[key]) + ")"
    if "not" in cond:
        return Words(lang)("cond_not", condition=condition_text(study, cond["not"], lang))
    symbols = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "∈", "not_in": "∉"}
    name, op, value = cond["question"], cond["op"], cond.get("value")
    if op in ("answered", "blank"):
        return Words(lang)(f"cond_{op}", question=name)
    values = value if isinstance(value, list) else [value]
    shown = ", ".join(f"{v} ({code_label(study, name, v, lang)})" if code_label(study, name, v, lang) != str(v) else str(v)
                      for v in values)
    return f"{name} {symbols.get(op, op)} {shown}"


def raw_sha256(path: Path) -> str | None:
    """SHA-256 of the raw input file, or None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def is_weighted(study: Any, results: Mapping[str, Any]) -> bool:
    return results.get("weighting") is not None or getattr(study, "weighting", None) is not None


# ------------------------------------------------------------------ sections


def title_section(study: Any, w: Words) -> list[Block]:
    lang = w.lang
    title = _meta(study.plan.title, lang) or _meta(study.instrument.study.get("title"), lang)
    blocks: list[Block] = [
        Heading(1, title),
        Para(w("subtitle", study=_meta(study.instrument.study.get("title"), lang), wave=study.wave.id,
               label=study.wave.label, version=study.instrument.version)),
    ]
    if study.wave.synthetic:
        who = _meta(study.instrument.study.get("conductor"), lang) or _meta(study.instrument.study.get("sponsor"), lang)
        blocks.append(Para(w("synthetic", conductor=who), "alert"))
    return blocks


def disclosure_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    lang, meta = w.lang, study.instrument.study
    langs = w("list_sep").join(language_name(code, lang) for code in study.instrument.languages)
    dates = " – ".join(study.wave.field_dates) or w("unknown")
    rows = [
        (w("sponsor"), _meta(meta.get("sponsor"), lang)),
        (w("conductor"), _meta(meta.get("conductor"), lang)),
        (w("population"), _meta(meta.get("population"), lang)),
        (w("recruitment"), _meta(meta.get("recruitment"), lang)),
        (w("mode"), _meta(meta.get("mode"), lang)),
        (w("languages"), langs),
        (w("field_dates"), dates),
    ]
    rec = results.get("reconciliation")
    if rec:
        rows.append((w("sample"), w("sample_text", raw=_int(rec["raw"]), valid=_int(rec["valid"]), excluded=_int(rec["excluded"]))))
    if "redactions" in results:
        rows.append((w("redaction"), redaction_text(results["redactions"], w)))
    rows.append((w("weighting"), weighting_text(study, results, w)))
    intervals = [w("intervals_text")] + ([w("intervals_weighted")] if is_weighted(study, results) else [])
    rows.append((w("intervals"), sentences(w, intervals)))
    if meta.get("notes"):
        rows.append((w("notes"), _meta(meta.get("notes"), lang)))
    rows.append((w("wording"), w("see_questionnaire")))
    blocks: list[Block] = [Heading(2, w("disclosure"), "disclosure"), Para(w("disclosure_intro")),
                           Table((w("item"), w("detail")), tuple(rows))]
    if rec:
        blocks += exclusions_blocks(study, rec, w)
    blocks += targets_blocks(study, results, w)
    return blocks


def redaction_text(counts: Mapping[str, int] | None, w: Words) -> str:
    """What redaction replaced, by type ("phone numbers 7, names 3"); None: not redacted."""
    if counts is None:
        return w("redaction_off")
    found = w("list_sep").join(f"{w('pii_' + kind)} {_int(n)}" for kind, n in counts.items() if n)
    return w("redaction_text", found=found) if found else w("redaction_none")


def exclusions_blocks(study: Any, rec: Mapping[str, Any], w: Words) -> list[Block]:
    described = {r.id: _meta(r.description, w.lang) for r in study.instrument.quality}
    reasons = [k for k in described if k in rec] + sorted(k for k in rec if k not in described and k not in ("raw", "valid", "excluded"))
    rows = tuple((r, described.get(r, ""), _int(rec[r])) for r in reasons)
    return [Heading(3, w("exclusions")), Table((w("reason"), w("description"), "n"), rows, (False, False, True))]


def _weighting_info(study: Any, results: Mapping[str, Any]) -> dict[str, Any]:
    spec = dict(study.plan.weighting.get(study.wave.weighting, {}) or {}) if study.wave.weighting else {}
    diag = results.get("weighting") or getattr(getattr(study, "weighting", None), "diagnostics", None) or {}
    return {**spec, **dict(diag)}


def weighting_text(study: Any, results: Mapping[str, Any], w: Words) -> str:
    if not is_weighted(study, results):
        return w("unweighted")
    info = _weighting_info(study, results)
    variables = w("list_sep").join(var_label(study, str(v), w.lang) for v in info.get("targets", {}) or {})
    parts = [w("weighting_method", method=info.get("method", "?"), variables=variables)]
    if info.get("iterations") is not None:
        parts.append(w("weighting_converged" if info.get("converged", True) else "weighting_not_converged", iterations=info["iterations"]))
    if info.get("deff") is not None:
        parts.append(w("weighting_deff", deff=_num(info["deff"], 2), n_eff=_num(info.get("n_eff"), 0)))
    if info.get("weight_min") is not None:
        parts.append(w("weighting_range", low=_num(info["weight_min"], 2), high=_num(info.get("weight_max"), 2)))
    if info.get("bounds"):
        low, high = info["bounds"]
        parts.append(w("weighting_at_bound", low=f"{float(low):g}", high=f"{float(high):g}",
                       share=_num(100 * float(info.get("trimmed_share", 0.0)), 1)))
    if info.get("n_outside_scope"):
        parts.append(w("weighting_scope", n_weighted=_int(info.get("n_weighted")), n_outside=_int(info["n_outside_scope"])))
    return sentences(w, parts)


def _lookup(mapping: Any, var: str, code: Any) -> Any:
    inner = (mapping or {}).get(var) or {}
    for key in (code, str(code)):
        if key in inner:
            return inner[key]
    try:
        return inner.get(int(code))
    except (TypeError, ValueError):
        return None


def targets_blocks(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    if not is_weighting_planned(study, results):
        return []
    info = _weighting_info(study, results)
    targets = info.get("targets") or {}
    achieved = info.get("achieved") or {}
    rows = []
    for var, shares in targets.items():
        for code, share in shares.items():
            got = _lookup(achieved, var, code)
            rows.append((var_label(study, var, w.lang), code_label(study, var, code, w.lang), _num(100 * float(share), 2),
                         "–" if got is None else _num(100 * float(got), 2)))
    blocks: list[Block] = [Heading(3, w("targets")), Table((w("variable"), w("category"), w("target_pct"), w("achieved_pct")),
                                                           tuple(rows), (False, False, True, True))]
    sources = info.get("sources") or {}
    if sources:
        blocks.append(Bullets(tuple(f"{var_label(study, k, w.lang)}: {' '.join(str(v).split())}" for k, v in sources.items())))
    return blocks


def is_weighting_planned(study: Any, results: Mapping[str, Any]) -> bool:
    return is_weighted(study, results) and bool(_weighting_info(study, results).get("targets"))


def published_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    table: pd.DataFrame = results["headlines"]
    d = study.plan.decimals
    rows = []
    for r in table.itertuples(index=False):
        rows.append((str(r.id), _num(r.published_pct, d), _num(r.estimate_pct, d),
                     _interval(r.ci_low, r.ci_high), _int(r.n_base), _num(r.diff_pp, d),
                     w("yes") if r.reproduced else w("no"), consistency(r, d, w)))
    blocks: list[Block] = [
        Heading(2, w("published"), "published"),
        Para(w("published_intro", source=" ".join(study.plan.published_source.split()).rstrip("."), decimals=d)),
        Table((w("figure"), w("published_pct"), w("recomputed_pct"), w("wilson_95"), "n", w("diff_pp"),
               w("reproduced"), w("consistent")), tuple(rows), (False, True, True, True, True, True, False, False)),
        Heading(3, w("statements")),
        Bullets(tuple(f"**{r.id}**: {r.statement}" for r in table.itertuples(index=False))),
    ]
    if "weighted_pct" in table.columns:
        wrows = tuple(
            (str(r.id), _num(r.weighted_pct, d), _interval(r.weighted_ci_low, r.weighted_ci_high), _num(r.weighted_se_pct, 2),
             _num(getattr(r, "calibrated_se_pct", np.nan), 2), _num(r.deff, 2), _num(r.n_eff, 0))
            for r in table.itertuples(index=False)
        )
        blocks += [Heading(3, w("weighted_estimates")), Para(w("intervals_weighted"), "note"),
                   Table((w("figure"), w("weighted_pct"), w("design_95"), w("se_pp"), w("calibrated_se_pp"), "deff", "n_eff"),
                         wrows, (False,) + (True,) * 6)]
    return blocks


def consistency(r: Any, decimals: int, w: Words) -> str:
    """The consistency verdict of one published figure at its stated base ("–" where it does not apply)."""
    if getattr(r, "grim_consistent", True) is None:
        return "–"
    ks = attainable_counts(float(r.published_pct), int(r.stated_n), decimals)
    if ks:
        return w("consistent_yes", k=ks[0], n=int(r.stated_n))
    bases = ", ".join(str(b) for b in str(r.attainable_bases or "").split(";") if b) or "–"
    return w("consistent_no", n=int(r.stated_n), bases=bases)


def topline_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    frame: pd.DataFrame = results["toplines"]
    weighted = is_weighted(study, results)
    blocks: list[Block] = [Heading(2, w("toplines"), "toplines"), Para(w("toplines_intro"), "note")]
    for name, sub in frame.groupby("question", sort=False):
        multi = study.instrument.has_question(name) and study.instrument.question(name).type == "multi"
        header = [w("code"), w("answer"), "n", "%", w("pct_asked")] + ([w("weighted_pct")] if weighted else [])
        rows = []
        for r in sub.itertuples(index=False):
            ns = " †" if r.nonsubstantive else ""
            row = [str(r.code), f"{r.label}{ns}", _int(r.count), _num(r.pct), _num(r.pct_of_asked)]
            rows.append(tuple(row + ([_num(r.weighted_pct)] if weighted else [])))
        first = sub.iloc[0]
        note = w("multi_base", base=_int(first["base"])) if multi else w("topline_base", base=_int(first["base"]), asked=_int(first["n_asked"]))
        blocks += [Heading(3, f"{name}: {var_label(study, name, w.lang)}"),
                   Table(tuple(header), tuple(rows), (False, False) + (True,) * (len(header) - 2)), Para(note, "note")]
    return blocks + numeric_blocks(results.get("numeric"), weighted, w)


def numeric_blocks(frame: pd.DataFrame | None, weighted: bool, w: Words) -> list[Block]:
    """The summary of the numeric questions and scores (``numeric.csv``) as one table."""
    if frame is None or frame.empty:
        return []
    header = [w("question"), "n", w("mean"), w("sd"), w("median"), "min", "max"]
    header += [w("weighted_mean"), w("se")] if weighted else []
    rows = []
    for r in frame.itertuples(index=False):
        row = [f"{r.question}: {r.label}", _int(r.n), _num(r.mean, 2), _num(r.sd, 2), _num(r.median, 1),
               _num(r.min, 1), _num(r.max, 1)]
        rows.append(tuple(row + ([_num(r.weighted_mean, 2), _num(r.weighted_se, 2)] if weighted else [])))
    return [Heading(3, w("numeric_questions")), Table(tuple(header), tuple(rows), (False,) + (True,) * (len(header) - 1)),
            Para(w("numeric_note"), "note")]


def _pct_scale(frame: pd.DataFrame, column: str) -> float:
    """100 when ``column`` holds proportions (the Total column sums to about 1), else 1."""
    total = frame[(frame["banner"] == "Total") & ~frame["row_code"].astype(str).str.startswith("net:")]
    sums = total.groupby("question")[column].sum()
    return 100.0 if len(sums) and float(sums.max()) <= 1.5 else 1.0


def column_letters(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Letter of every (banner, col_code) column: A, B, C ... within each banner, Total none.

    Uses a ``col_letter`` column when the crosstab frame has one.
    """
    cols = frame[["banner", "col_code"] + (["col_letter"] if "col_letter" in frame.columns else [])].drop_duplicates(["banner", "col_code"])
    out: dict[tuple[str, str], str] = {}
    for banner, sub in cols.groupby("banner", sort=False):
        for i, r in enumerate(sub.itertuples(index=False)):
            letter = getattr(r, "col_letter", None) if "col_letter" in sub.columns else None
            out[(str(banner), str(r.col_code))] = "" if banner == "Total" else str(letter or _letter(i))
    return out


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else chr(ord("A") + i // 26 - 1) + chr(ord("A") + i % 26)


def crosstab_table(study: Any, frame: pd.DataFrame, value: str, scale: float, w: Words) -> Table:
    """One question by every banner, compact: column % with significance letters, base row."""
    letters = column_letters(frame)
    columns = frame[["banner", "col_code", "col_label"]].drop_duplicates(["banner", "col_code"])
    columns = pd.concat([columns[columns["banner"] == "Total"], columns[columns["banner"] != "Total"]])
    keys = [(str(r.banner), str(r.col_code)) for r in columns.itertuples(index=False)]
    cells = {(str(r.row_code), str(r.banner), str(r.col_code)): r for r in frame.itertuples(index=False)}
    header = [w("answer")] + [
        (w("total") if b == "Total" else str(label)) + (f" ({letters[(b, c)]})" if letters[(b, c)] else "")
        for (b, c), label in zip(keys, columns["col_label"], strict=True)
    ]
    rows = []
    for row_code, row_label in frame[["row_code", "row_label"]].drop_duplicates("row_code").itertuples(index=False):
        row = [str(row_label)]
        for b, c in keys:
            r = cells.get((str(row_code), b, c))
            sig = "" if r is None or pd.isna(r.sig_letters) or not str(r.sig_letters) else f" {r.sig_letters}"
            row.append("–" if r is None else f"{_num(scale * float(getattr(r, value)), 0)}{sig}")
        rows.append(tuple(row))
    weighted = value == "weighted_col_pct" and "weighted_n" in frame.columns
    bases = frame.drop_duplicates(["banner", "col_code"])
    bases.index = [(str(b), str(c)) for b, c in zip(bases["banner"], bases["col_code"], strict=True)]
    shown = bases["weighted_n" if weighted else "base"]
    low = bases["low_base"] if "low_base" in bases.columns else pd.Series(False, index=bases.index)
    rows.append(tuple([w("base_n")] + [_int(shown[k]) + ("*" if bool(low[k]) else "") for k in keys]))
    if weighted:
        rows.append(tuple([w("weighted_base_n")] + [_num(bases["weighted_base"][k], 0) for k in keys]))
    groups, spans = [("", 1)], columns.groupby("banner", sort=False).size()
    for banner, span in spans.items():
        groups.append((w("total") if banner == "Total" else var_label(study, str(banner), w.lang), int(span)))
    return Table(tuple(header), tuple(rows), (False,) + (True,) * len(keys), tuple(groups), wide=True)


def crosstab_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    frame: pd.DataFrame = results["crosstabs"]
    weighted = is_weighted(study, results) and "weighted_col_pct" in frame.columns
    value = "weighted_col_pct" if weighted else "col_pct"
    scale = _pct_scale(frame, value)
    blocks: list[Block] = [
        Heading(2, w("crosstabs"), "crosstabs"),
        Para(w("crosstabs_note", pct=w("weighted_col" if weighted else "unweighted_col"), correction=study.plan.correction,
               alpha=study.plan.alpha), "note"),
    ]
    for name, sub in frame.groupby("question", sort=False):
        blocks += [Heading(3, f"{name}: {var_label(study, str(name), w.lang)}"), crosstab_table(study, sub, value, scale, w)]
    if "weighted_n" in frame.columns:
        outside = int(_weighting_info(study, results).get("n_outside_scope") or 0) if weighted else 0
        blocks.append(Para(w("bases_note_weighted", n_outside=f"{outside:,}") if weighted else w("bases_note"), "note"))
    if _has(results, "crosstab_tests"):
        tests: pd.DataFrame = results["crosstab_tests"]
        option = tests["option"].fillna("").astype(str) if "option" in tests.columns else pd.Series("", index=tests.index)
        rows = tuple(
            (str(r.question) + (f" [{o}]" if o else ""), var_label(study, str(r.banner), w.lang), _p(r.pearson_p),
             _p(r.rao_scott_p), _p(r.fisher_p),
             _num(r.cramers_v, 3), _num(r.min_expected, 1), "" if pd.isna(r.low_base_columns) else str(r.low_base_columns))
            for r, o in zip(tests.itertuples(index=False), option, strict=True)
        )
        refused = "rao_scott_note" in tests.columns and bool(tests["rao_scott_note"].fillna("").astype(str).ne("").any())
        note = w("sentences", first=w("tests_note"), next=w("rao_scott_na")) if refused else w("tests_note")
        blocks += [Heading(3, w("tests")), Para(note, "note"),
                   Table((w("question"), w("banner"), "Pearson χ² p", "Rao-Scott p", "Fisher p", "Cramér's V", w("min_expected"),
                          w("low_base")), rows, (False, False, True, True, True, True, True, False))]
    return blocks


def themes_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    frame: pd.DataFrame = results["themes"]
    rows = tuple((str(r.label), _int(r.count), _num(r.pct_of_accounts), _num(r.pct_of_asked)) for r in frame.itertuples(index=False))
    return [Heading(2, w("themes"), "themes"), Para(w("themes_note"), "note"),
            Table((w("theme"), "n", w("pct_accounts"), w("pct_asked")), rows, (False, True, True, True))]


def trends_section(study: Any, results: Mapping[str, Any], w: Words, images: Sequence[Image]) -> list[Block]:
    """Each indicator by wave (by its label), weighted when the change is, with the change, its test and wording flag."""
    frame: pd.DataFrame = results["trends"]
    weighted = _trend_basis(frame)
    labels = wave_labels(study)
    est, low, high = ("weighted_pct", "weighted_ci_low", "weighted_ci_high") if weighted else ("estimate_pct", "ci_low", "ci_high")

    def flag(value: Any) -> str:
        return "" if value is None or pd.isna(value) else (w("yes") if value else w("no"))

    rows = tuple(
        (var_label(study, str(r["id"]), w.lang), labels.get(str(r["wave"]), str(r["wave"])), _num(r[est]),
         _interval(r[low], r[high]), _int(r["n_base"]), _num(r.get("change_pp")), _p(r.get("change_p")),
         flag(r.get("significant")), flag(r.get("wording_changed")))
        for r in frame.to_dict("records")
    )
    header = (w("indicator"), w("wave"), w("weighted_pct") if weighted else "%",
              w("weighted_ci") if weighted else w("wilson_95"), "n", w("change_pp"), "p", w("significant"),
              w("wording_changed"))
    return [Heading(2, w("trends"), "trends"), *images,
            Table(header, rows, (False, False, True, True, True, True, True, False, False))]


def questionnaire_section(study: Any, w: Words) -> list[Block]:
    inst = study.instrument
    blocks: list[Block] = [Heading(2, w("questionnaire"), "questionnaire"), Para(w("questionnaire_intro", version=inst.version))]
    others = [lang for lang in inst.languages if lang != w.lang]
    for q in inst.questions:
        if q.type == "paradata":
            continue
        items = [f"{_capital(language_name(lang, w.lang))}: {q.wording(lang)}" for lang in others]
        if q.codes:
            options = "; ".join(f"{c.code} = {c.text(w.lang)}" + (f" ({w('not_in_base')})" if c.nonsubstantive else "") for c in q.codes)
            items.append(f"{w('answers')}{' (' + w('multi') + ')' if q.type == 'multi' else ''}: {options}")
        elif q.type == "numeric" and q.range:
            items.append(f"{w('answers')}: {w('numeric', low=_num(q.range[0], 0), high=_num(q.range[1], 0))}")
        elif q.type == "text":
            items.append(f"{w('answers')}: {w('open_text')}")
        if q.ask_if:
            items.append(f"{w('asked_if')}: {condition_text(study, q.ask_if, w.lang)}")
        blocks += [Para(f"**{q.id}**: {q.wording(w.lang)}"), Bullets(tuple(items))]
    return blocks


def _capital(text: str) -> str:
    """First letter upper case (a language name opening a line: Spanish writes "inglés")."""
    return text[:1].upper() + text[1:]


def footer_section(study: Any, options: Any, w: Words) -> list[Block]:
    sha = raw_sha256(study.raw_path)
    rows = (
        (w("package_version"), f"survey {survey.__version__}"),
        (w("instrument_version"), f"{study.instrument.id} {study.instrument.version}"),
        (w("raw_file"), Path(study.raw_path).name),
        (w("raw_sha"), sha or w("unavailable")),
        (w("command"), f"`{options.command}`"),
    )
    return [Heading(2, w("reproducibility"), "reproducibility"), Table((w("item"), w("detail")), rows)]


# ------------------------------------------------------------------ charts


def chart_figures(study: Any, results: Mapping[str, Any], lang: str) -> list[tuple[str, str, Callable[[], Any]]]:
    """(file stem, alt text, figure maker) of every chart the results allow, in report order.

    Charts are weighted when the study is (their axis or note names the interval);
    every by-background chart shows the indicators in one order, and never an
    indicator against the banner variable it is made from.
    """
    w = Words(lang)
    weighted = is_weighted(study, results)
    out: list[tuple[str, str, Callable[[], Any]]] = []
    if _has(results, "toplines"):
        out += _agree_charts(study, results["toplines"], w, weighted)
        out += _multi_charts(study, results["toplines"], w, weighted)
    if _has(results, "agreement_by"):
        out += _by_charts(study, results["agreement_by"], w, weighted)
    out += _weighting_chart(study, results, w)
    if _has(results, "trends") and results["trends"]["wave"].nunique() > 1:
        out += _trend_chart(study, results["trends"], w)
    return out


def _maker(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: func(*args, **kwargs)


def _sources(study: Any, name: str) -> set[str]:
    """The questions a variable (or banner net) is made from, itself included."""
    found = {name}
    for d in study.instrument.derived:
        if d.id == name:
            found |= set(d.source)
    for net in getattr(study.plan, "banner_nets", ()):
        if net.get("id") == name:
            found |= _sources(study, str(net["from"]))
    return found


def _by_charts(study: Any, frame: pd.DataFrame, w: Words, weighted: bool) -> list[tuple[str, str, Callable[[], Any]]]:
    from survey.report import charts  # matplotlib loads only when charts are drawn

    lang = w.lang
    use = weighted and "weighted_estimate" in frame.columns
    est, low, high = ("weighted_estimate", "weighted_ci_low", "weighted_ci_high") if use else ("estimate", "ci_low", "ci_high")
    labels = {str(i): var_label(study, str(i), lang) for i in frame["item"].unique()}
    overall = frame.groupby("item", sort=False)[est].mean().sort_values(ascending=False, kind="mergesort")
    order = [labels[str(i)] for i in overall.index]  # one order for every chart
    out = []
    for banner, sub in frame.groupby("banner", sort=False):
        banner_sources = _sources(study, str(banner))
        sub = sub[[not (_sources(study, str(i)) - {str(i)}) & banner_sources for i in sub["item"]]]
        if sub.empty:
            continue
        data = pd.DataFrame({
            "item": [labels[str(i)] for i in sub["item"]], "category": sub["category_label"].astype(str).to_numpy(),
            "estimate": sub[est].to_numpy(), "ci_low": sub[low].to_numpy(), "ci_high": sub[high].to_numpy(),
            "n_base": sub["n_base"].to_numpy(),
        }).dropna(subset=["estimate"])
        title = w("chart_by", banner=var_label(study, str(banner), lang))
        out.append((f"by-{banner}", title, _maker(
            charts.agreement_by, data, title=title, xlabel=w("chart_by_x_weighted" if use else "chart_by_x"),
            note=w("chart_by_note_weighted" if use else "chart_by_note"), lang=lang, order=order)))
    return out


def _weighting_chart(study: Any, results: Mapping[str, Any], w: Words) -> list[tuple[str, str, Callable[[], Any]]]:
    """The weights' histogram and every raking margin: sample, target, achieved."""
    from survey.report import charts  # matplotlib loads only when charts are drawn

    weights = getattr(study, "weights", None)
    if not is_weighting_planned(study, results) or weights is None:
        return []
    info = _weighting_info(study, results)
    inside = weights.notna()
    rows = []
    for var, shares in (info.get("targets") or {}).items():
        if var not in study.data.columns:
            continue
        sample = study.data.loc[inside, var].value_counts(normalize=True)
        for code, share in shares.items():
            got = _lookup(info.get("achieved"), var, code)
            rows.append({"variable": var_label(study, var, w.lang), "category": code_label(study, var, code, w.lang),
                         "sample_pct": 100 * float(sample.get(int(code), sample.get(code, 0.0))),
                         "target_pct": 100 * float(share), "achieved_pct": np.nan if got is None else 100 * float(got)})
    if not rows:
        return []
    labels = {key: w(f"weighting_chart_{key}") for key in ("weights", "respondents", "sample", "target", "achieved")}
    title = w("weighting_chart")
    return [("weighting", title, _maker(charts.weighting_diagnostics, weights[inside], pd.DataFrame(rows), title=title,
                                        labels=labels, note=w("weighting_chart_note"), lang=w.lang))]


def wave_labels(study: Any) -> dict[str, str]:
    """Each wave's label (e.g. its year) by wave id."""
    return {str(wave.id): str(wave.label or wave.id) for wave in study.plan.waves}


def _trend_basis(frame: pd.DataFrame) -> bool:
    """Whether the trend is weighted: every change weighted and every wave's weighted estimate there."""
    if "change_basis" not in frame.columns or "weighted_pct" not in frame.columns:
        return False
    changes = frame["change_basis"].fillna("").astype(str)
    return bool((changes[changes != ""] == "weighted").all() and (changes != "").any()
                and frame["weighted_pct"].notna().all())


def _trend_chart(study: Any, frame: pd.DataFrame, w: Words) -> list[tuple[str, str, Callable[[], Any]]]:
    from survey.report import charts  # matplotlib loads only when charts are drawn

    weighted = _trend_basis(frame)
    labels = wave_labels(study)
    data = frame.assign(
        item=[var_label(study, str(i), w.lang) for i in frame["id"]],
        wave=[labels.get(str(v), str(v)) for v in frame["wave"]],
        estimate_pct=frame["weighted_pct"] if weighted else frame["estimate_pct"],
        ci_low=frame["weighted_ci_low"] if weighted else frame["ci_low"],
        ci_high=frame["weighted_ci_high"] if weighted else frame["ci_high"],
    )
    alpha = study.plan.alpha
    note = w("chart_trend_note_weighted", alpha=alpha) if weighted else \
        w("chart_trend_note") + w("chart_trend_note_marks", alpha=alpha)
    return [("trends", w("trends"), _maker(charts.trend_chart, data, title=w("trends"), note=note, lang=w.lang,
                                           ylabel=w("chart_trend_y_weighted" if weighted else "chart_trend_y")))]


def _agree_charts(study: Any, toplines: pd.DataFrame, w: Words, weighted: bool = False
                  ) -> list[tuple[str, str, Callable[[], Any]]]:
    from survey.report import charts  # matplotlib loads only when charts are drawn

    use = weighted and "weighted_pct" in toplines.columns
    groups: dict[str, list[Any]] = {}
    for q in study.instrument.questions:
        if q.type == "single" and q.measure == "ordinal" and q.nets and not q.attention_check and len(q.substantive_codes) >= 3:
            groups.setdefault(q.scale_id or q.id, []).append(q)
    out = []
    for scale_id, questions in groups.items():
        parts = []
        for q in questions:
            sub = toplines[toplines["question"] == q.id]
            if sub.empty:
                continue
            ns = sub[sub["nonsubstantive"]]
            note = "; ".join(f"{r.label} {_num(r.pct_of_asked)}%" for r in ns.itertuples(index=False))
            sub = sub[~sub["nonsubstantive"]]
            pct = sub["weighted_pct" if use else "pct"].to_numpy(dtype=float)
            parts.append(pd.DataFrame({"item": q.wording(w.lang), "code": sub["code"].to_numpy(), "label": sub["label"].to_numpy(),
                                       "pct": pct, "base": sub["base"].to_numpy(), "item_note": note}))
        if not parts:
            continue
        codes = questions[0].codes
        ends = [c for c in codes if not c.nonsubstantive]
        title = w("chart_scale", low=ends[0].text(w.lang), high=ends[-1].text(w.lang))
        nonsub = ", ".join(c.text(w.lang) for c in codes if c.nonsubstantive)
        note = w("chart_scale_note_weighted" if use else "chart_scale_note") + (
            " " + w("chart_scale_ns", labels=nonsub) if nonsub else "")
        out.append((f"scale-{scale_id}", title, _maker(charts.diverging_bars, pd.concat(parts, ignore_index=True), title=title,
                                                       note=note, lang=w.lang)))
    return out


def _multi_charts(study: Any, toplines: pd.DataFrame, w: Words, weighted: bool = False
                  ) -> list[tuple[str, str, Callable[[], Any]]]:
    from survey.report import charts  # matplotlib loads only when charts are drawn

    use = weighted and "weighted_pct" in toplines.columns
    out = []
    for q in study.instrument.questions:
        sub = toplines[toplines["question"] == q.id]
        if q.type != "multi" or sub.empty:
            continue
        asked = w("chart_multi_asked", condition=condition_text(study, q.ask_if, w.lang)) if q.ask_if else ""
        data = pd.DataFrame({"label": sub["label"].to_numpy(), "pct": sub["weighted_pct" if use else "pct"].to_numpy(dtype=float),
                             "count": sub["count"].to_numpy()})
        title = q.wording(w.lang)
        out.append((f"multi-{q.id}", title, _maker(charts.multi_select_bars, data, title=title, base=int(sub["base"].iloc[0]),
                                                   note=w("chart_multi_note_weighted" if use else "chart_multi_note") + asked,
                                                   lang=w.lang)))
    return out


# ------------------------------------------------------------------ rendering


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown (charts linked as ``charts/<name>.png``)."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(f"> **{b.text}**" if b.kind == "alert" else ("> " + b.text if b.kind == "note" else b.text))
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, Image):
            out.append(f"![{_md_cell(b.alt)}](charts/{b.name})")
        else:
            header = [f"{g}: {h}" if g else h for g, h in zip(_group_per_column(b), b.header, strict=True)]
            align = ["---:" if b.numeric and b.numeric[i] else "---" for i in range(len(header))]
            lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _group_per_column(table: Table) -> list[str]:
    if not table.groups:
        return [""] * len(table.header)
    return [label for label, span in table.groups for _ in range(span)]


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
th{background:#f4f4f4;text-align:left}td.n,th.n{text-align:right;white-space:nowrap}
.wide{overflow-x:auto}.wide table{font-size:.78rem}.wide th{white-space:nowrap}
td:first-child{min-width:6em}.wide td:first-child{min-width:13em}
p.note{color:#555;font-size:.9rem}p.alert{background:#fff3cd;border:2px solid #d39e00;padding:.7rem 1rem;font-weight:bold}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.5rem 0}nav ul{columns:2}code{background:#f4f4f4}
"""


def _inline(text: str) -> str:
    """Escape text, then turn the few Markdown marks we use (**bold**, `code`) into tags."""
    parts = html.escape(text, quote=False).split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>" if i < len(parts) - 1 else "`" + parts[i]
    bolded = "".join(parts).split("**")
    return "".join(f"<strong>{s}</strong>" if i % 2 and i < len(bolded) - 1 else ("**" + s if i % 2 else s) for i, s in enumerate(bolded))


def _html_table(t: Table) -> str:
    num = list(t.numeric) or [False] * len(t.header)
    rows = []
    if t.groups:
        rows.append("<tr>" + "".join(f'<th colspan="{span}">{_inline(label)}</th>' for label, span in t.groups) + "</tr>")
    cls = [' class="n"' if n else "" for n in num]
    rows.append("<tr>" + "".join(f"<th{cls[i]}>{_inline(h)}</th>" for i, h in enumerate(t.header)) + "</tr>")
    body = ["<tr>" + "".join(f"<td{cls[i]}>{_inline(c)}</td>" for i, c in enumerate(row)) + "</tr>" for row in t.rows]
    table = "<table><thead>" + "".join(rows) + "</thead><tbody>" + "".join(body) + "</tbody></table>"
    return f'<div class="wide">{table}</div>' if t.wide else table


def render_html(blocks: Sequence[Block], lang: str, contents_title: str) -> str:
    """The blocks as one self-contained HTML page (XHTML-compatible; charts as data URIs)."""
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 1), "")
    nav = [f'<li><a href="#{b.anchor}">{_inline(b.text)}</a></li>' for b in blocks if isinstance(b, Heading) and b.anchor]
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{b.anchor}"' if b.anchor else ""
            body.append(f"<h{b.level}{anchor}>{_inline(b.text)}</h{b.level}>")
            if b.level == 1 and nav:
                body.append(f"<nav><strong>{_inline(contents_title)}</strong><ul>{''.join(nav)}</ul></nav>")
        elif isinstance(b, Para):
            cls = f' class="{b.kind}"' if b.kind != "p" else ""
            body.append(f"<p{cls}>{_inline(b.text)}</p>")
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Image):
            data = base64.b64encode(b.data).decode("ascii")
            body.append(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(b.alt, quote=True)}" /></figure>')
        else:
            body.append(_html_table(b))
    html_lang = "zh-Hans" if lang == "zh" else lang  # BCP 47: Chinese reports are in simplified characters
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8" />\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1" />\n<title>{_inline(title)}</title>\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


# ------------------------------------------------------------------ the stage


def build(study: Any, options: Any, results: Mapping[str, Any], images: Mapping[str, Image]) -> list[Block]:
    """The report as blocks; ``images`` are the drawn charts by file stem (may be empty)."""
    w = Words(options.lang)
    blocks = title_section(study, w) + disclosure_section(study, results, w)
    if "weighting" in images:
        blocks.append(images["weighting"])
    if _has(results, "headlines"):
        blocks += published_section(study, results, w)
    chart_images = [img for stem, img in images.items() if stem not in ("trends", "weighting")]
    if chart_images:
        blocks += [Heading(2, w("charts"), "charts"), *chart_images]
    if _has(results, "toplines"):
        blocks += topline_section(study, results, w)
    if _has(results, "crosstabs"):  # the crosstab stage's blocks (crosstabs.md), made once
        made = results.get("crosstab_section")
        blocks += made[1] if made and made[0] == w.lang else crosstab_section(study, results, w)
    if _has(results, "themes"):
        blocks += themes_section(study, results, w)
    if _has(results, "trends"):
        blocks += trends_section(study, results, w, [images["trends"]] if "trends" in images else [])
    return blocks + questionnaire_section(study, w) + footer_section(study, options, w)


def draw_charts(study: Any, results: Mapping[str, Any], lang: str, folder: Path) -> dict[str, Image]:
    """Draw every chart into ``folder/charts/`` and return them by file stem."""
    from survey.report import charts  # matplotlib loads only when charts are drawn

    images: dict[str, Image] = {}
    makers = chart_figures(study, results, lang)
    if makers:
        (folder / "charts").mkdir(exist_ok=True)
    paths = [folder / "charts" / f"{_slug(stem)}.png" for stem, _, _ in makers]
    charts.save_all([(make, path) for (_, _, make), path in zip(makers, paths)], lang)
    for (stem, alt, _), path in zip(makers, paths):
        images[stem] = Image(path.name, alt, path.read_bytes())
    return images


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)


def write_report(study: Any, folder: Path, options: Any, results: Mapping[str, Any]) -> None:
    """Stage: write ``report.md``, ``report.html`` and (unless ``options.charts`` is off) ``charts/*.png``.

    Parameters
    ----------
    study : Study
    folder : Path
        The output folder.
    options : survey.artifacts.Options
        ``lang`` (a language of the instrument), ``charts`` and ``command`` are used.
    results : mapping
        What earlier stages left: ``headlines``, ``toplines``, ``reconciliation``
        and, when present, ``weighting``, ``crosstabs``, ``crosstab_tests``,
        ``agreement_by``, ``themes``, ``trends``.
    """
    folder = Path(folder)
    images = draw_charts(study, results, options.lang, folder) if options.charts else {}
    blocks = build(study, options, results, images)
    (folder / "report.md").write_text(render_markdown(blocks), encoding="utf-8", newline="\n")
    (folder / "report.html").write_text(render_html(blocks, options.lang, Words(options.lang)("contents")), encoding="utf-8", newline="\n")


def crosstabs_markdown(study: Any, results: Mapping[str, Any], lang: str = "en") -> str:
    """The crosstab section alone as Markdown (``crosstabs.md`` of a run)."""
    return render_markdown(crosstab_section(study, results, Words(lang)))
