"""The report's fixed text (:data:`TEXT`, by key) and :class:`Words`, that text in one language.

The messages are translated by the catalogues (survey/locale/, see :mod:`survey.i18n`).

Examples
--------
>>> Words("en")("contents")
'Contents'
"""

from __future__ import annotations

from typing import Any

from survey.i18n import N_, translator

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
    "disclosure_intro": N_(
        "What the AAPOR Transparency Initiative asks a survey report to disclose."
    ),
    "sponsor": N_("Sponsor"),
    "conductor": N_("Conducted by"),
    "population": N_("Population"),
    "recruitment": N_("Sample and recruitment"),
    "mode": N_("Mode"),
    "languages": N_("Languages"),
    "field_dates": N_("Field dates"),
    "unknown": N_("not known"),
    "sample": N_("Sample size"),
    "sample_text": N_(
        "{raw} responses received; {valid} valid, {excluded} excluded (reasons below)."
    ),
    "weighting": N_("Weighting"),
    "unweighted": N_("None: every estimate is unweighted."),
    "weighting_method": N_("Method: {method} on {variables} (targets and their sources below)."),
    "weighting_converged": N_("Converged after {iterations} iterations."),
    "weighting_not_converged": N_("Did NOT converge after {iterations} iterations."),
    "weighting_deff": N_("Design effect of the weights {deff}; effective sample size {n_eff}."),
    "weighting_range": N_("Weights range from {low} to {high}."),
    "weighting_at_bound": N_(
        "Bounded raking within ({low}, {high}) times the base weight: {share}% of respondents have a weight at a bound."
    ),
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
    "chart_scale_note": N_(
        "Percent of substantive answers, unweighted; the middle point is split around zero."
    ),
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
    "themes_note": N_(
        "Themes coded from the open-ended accounts; one account can carry several themes."
    ),
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
    "chart_by_note_weighted": N_(
        "Design-based intervals under the weighting model; respondents outside the weighting scope are left out. Legend: unweighted n."
    ),
    "chart_scale_note_weighted": N_(
        "Percent of substantive answers, weighted; the middle point is split around zero."
    ),
    "chart_multi_note_weighted": N_(
        "More than one answer possible: shares add to more than 100%. Weighted; n unweighted."
    ),
    "chart_trend_note_weighted": N_(
        "Weighted estimates with 95% design-based intervals. * the change from the previous wave is significant (p < {alpha}); a hollow point: the question's wording changed."
    ),
    "chart_trend_note_marks": N_(
        " * the change from the previous wave is significant (p < {alpha}); a hollow point: the question's wording changed."
    ),
    "chart_trend_y_weighted": N_("% (weighted, 95% design-based interval)"),
    "chart_trend_y": N_("% (unweighted, 95% Wilson interval)"),
    "weighting_chart": N_(
        "Weighting diagnostics: the weights, and each margin before and after weighting"
    ),
    "weighting_chart_weights": N_("Weight"),
    "weighting_chart_respondents": N_("Respondents"),
    "weighting_chart_sample": N_("Sample (unweighted)"),
    "weighting_chart_target": N_("Target"),
    "weighting_chart_achieved": N_("Weighted"),
    "weighting_chart_note": N_(
        "Respondents in the weighting scope only; dashed line: the mean weight."
    ),
    "statements": N_("Published statements"),
    "wording_changed": N_("Wording changed"),
    "weighted_ci": N_("95% design-based interval"),
    "weighted_base_n": N_("Weighted base"),
    "bases_note": N_("* Base under 30 respondents: too few to compare reliably."),
    "bases_note_weighted": N_(
        "Base (n) counts the respondents in the weighted population, weighted base their weights; {n_outside} respondents outside the weighting scope are in neither and in no weighted percentage (a column of them only shows –). * Base under 30 respondents: too few to compare reliably."
    ),
    "rao_scott_na": N_(
        "Rao-Scott p is – where the weighted table is singular (empty cells; R's svychisq stops there too): crosstab_tests.csv gives the reason."
    ),
    "numeric_questions": N_("Numeric questions"),
    "mean": N_("Mean"),
    "sd": N_("SD"),
    "median": N_("Median"),
    "weighted_mean": N_("Weighted mean"),
    "se": N_("SE"),
    "numeric_note": N_(
        "SD with n - 1; the weighted mean's SE is design-based (weights only), as R svymean."
    ),
    "redaction": N_("Personal data in open answers"),
    "redaction_text": N_("Replaced by placeholders before coding and export: {found}."),
    "redaction_none": N_("Looked for before coding and export; none found."),
    "redaction_off": N_(
        "Not redacted: the run was asked to keep open answers as written (--no-redact)."
    ),
    "pii_EMAIL": N_("e-mail addresses"),
    "pii_URL": N_("web addresses"),
    "pii_IP": N_("IP addresses"),
    "pii_HANDLE": N_("social-media and messenger ids"),
    "pii_NATIONAL_ID": N_("identity numbers"),
    "pii_PHONE": N_("phone numbers"),
    "pii_ADDRESS": N_("postal addresses"),
    "pii_NAME": N_("names"),
}


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
