"""The report of a wave: ``report.md`` and one self-contained ``report.html``.

:func:`write_report` is a stage of :mod:`survey.artifacts`.  It builds the report
once as a list of blocks (headings, paragraphs, tables, images) from the study and
the results the other stages left, then renders the blocks twice: as Markdown
(charts linked from ``charts/``) and as HTML (CSS inline, charts embedded as
base64, no external resource).  A section whose results are absent is left out.

The report follows the AAPOR Transparency Initiative's disclosure list and its
guidance for opt-in samples: no sampling-error figure for the survey, intervals
named for what they are.  Fixed text comes from :data:`TEXT` in English or Chinese;
labels and wording come from the instrument.  The same inputs give the same bytes.

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
from survey.stats.published import attainable_counts

# ------------------------------------------------------------------ fixed text

LANGUAGE_NAMES = {"en": {"en": "English", "zh": "Chinese"}, "zh": {"en": "英文", "zh": "中文"}}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents", "list_sep": ", ", "sentence_sep": " ",
        "subtitle": "{study}. Wave {wave} ({label}); instrument version {version}.",
        "synthetic": ("Synthetic data: the responses analysed here are a synthetic reconstruction made to match the "
                      "published figures. They are not the data collected by {conductor} and describe no real respondents."),
        "disclosure": "About this survey", "item": "Item", "detail": "Detail",
        "disclosure_intro": "What the AAPOR Transparency Initiative asks a survey report to disclose.",
        "sponsor": "Sponsor", "conductor": "Conducted by", "population": "Population", "recruitment": "Sample and recruitment",
        "mode": "Mode", "languages": "Languages", "field_dates": "Field dates", "unknown": "not known",
        "sample": "Sample size", "sample_text": "{raw} responses received; {valid} valid, {excluded} excluded (reasons below).",
        "redaction": "Personal data in open answers",
        "redaction_text": "Replaced by placeholders before coding and export: {found}.",
        "redaction_none": "Looked for before coding and export; none found.",
        "redaction_off": "Not redacted: the run was asked to keep open answers as written (--no-redact).",
        "pii_EMAIL": "e-mail addresses", "pii_URL": "web addresses", "pii_IP": "IP addresses",
        "pii_HANDLE": "social-media and messenger ids", "pii_NATIONAL_ID": "identity numbers",
        "pii_PHONE": "phone numbers", "pii_ADDRESS": "postal addresses", "pii_NAME": "names",
        "weighting": "Weighting", "unweighted": "None: every estimate is unweighted.",
        "weighting_method": "Method: {method} on {variables} (targets and their sources below).",
        "weighting_converged": "Converged after {iterations} iterations.",
        "weighting_not_converged": "Did NOT converge after {iterations} iterations.",
        "weighting_deff": "Design effect of the weights {deff}; effective sample size {n_eff}.",
        "weighting_range": "Weights range from {low} to {high}; {trimmed}% of weights were trimmed.",
        "weighting_scope": "{n_weighted} respondents are weighted; {n_outside} outside the weighting scope (the population the targets describe) have no weight and are left out of weighted estimates, but not of unweighted ones.",
        "intervals": "Intervals",
        "intervals_text": ("Unweighted estimates carry a 95% Wilson interval. It assumes simple random sampling; the sample "
                           "is opt-in, not a probability sample, so the interval describes these respondents, not a "
                           "population. No sampling-error figure is given for the survey as a whole: none applies to an "
                           "opt-in sample."),
        "intervals_weighted": ("Weighted estimates carry a design-based 95% interval under the weighting model: it holds "
                               "only as far as the weighting variables account for who took part."),
        "notes": "Notes", "wording": "Question wording", "see_questionnaire": "The exact wording of every question is in the section Questionnaire.",
        "exclusions": "Exclusions by reason", "reason": "Reason", "description": "Description",
        "targets": "Weighting targets", "variable": "Variable", "category": "Category", "target_pct": "Target %", "achieved_pct": "Achieved %",
        "published": "Published figures, recomputed",
        "published_intro": ("Each figure of the published report ({source}) recomputed from the data, unweighted as published. "
                            "Reproduced: the recomputed estimate rounded to {decimals} decimals equals the published value. "
                            "Consistent at the stated n: the published percentage can be k/n for a whole number k at the base "
                            "the report states (a GRIM-style test); if not, the nearest bases at which it can are listed."),
        "figure": "Figure", "statement": "Published statement", "published_pct": "Published %", "recomputed_pct": "Recomputed %",
        "wilson_95": "95% Wilson interval", "diff_pp": "Difference (pp)", "reproduced": "Reproduced",
        "consistent": "Consistent at the stated n", "yes": "yes", "no": "no",
        "consistent_yes": "yes ({k}/{n})", "consistent_no": "no: not k/{n} for any whole k; attainable at n = {bases}",
        "weighted_estimates": "Weighted estimates", "weighted_pct": "Weighted %", "design_95": "Design-based 95% interval",
        "se_pp": "SE (pp)", "calibrated_se_pp": "SE with calibration (pp)",
        "charts": "Charts",
        "chart_scale": "Answers from '{low}' to '{high}'",
        "chart_scale_note": "Percent of substantive answers, unweighted; the middle point is split around zero.",
        "chart_scale_ns": "{labels}: share of all answers, not in the base (under each item).",
        "chart_by": "Estimates by answer to: {banner}", "chart_by_x": "% (unweighted, 95% Wilson interval)",
        "chart_by_note": "Wilson intervals assume simple random sampling; the sample is opt-in.",
        "chart_multi_note": "More than one answer possible: shares add to more than 100%.",
        "chart_multi_asked": " Asked if {condition}.",
        "chart_trend_note": "Unweighted estimates with 95% Wilson intervals.",
        "toplines": "Toplines", "toplines_intro": ("Counts and percentages of every question, unweighted unless marked. "
                                                    "% leaves answers marked † (non-substantive) out of the base; "
                                                    "% of asked includes them."),
        "code": "Code", "answer": "Answer", "pct_asked": "% of asked",
        "topline_base": "Base: {base} substantive answers; {asked} respondents asked.",
        "multi_base": "More than one answer possible; % of the {base} respondents asked.",
        "crosstabs": "Crosstabs",
        "crosstabs_note": ("How to read: each column gives the percentage of that group choosing each answer ({pct}). "
                           "Letters name the columns of the same background variable; a letter after a figure means the "
                           "figure is significantly higher than in that column (test of column proportions, {correction} "
                           "correction, alpha = {alpha}). Net rows group answers. The last row gives each column's base."),
        "weighted_col": "weighted column percentages", "unweighted_col": "unweighted column percentages",
        "total": "Total", "base_n": "Base (n)",
        "tests": "Tests of independence", "question": "Question", "banner": "Background variable",
        "tests_note": ("Pearson χ² assumes simple random sampling; the Rao-Scott test takes the weights into account. "
                       "Fisher's exact test is given for small tables. Low-base columns are too small to compare reliably."),
        "min_expected": "Min. expected count", "low_base": "Low-base columns",
        "themes": "Open-ended accounts: themes", "theme": "Theme", "pct_accounts": "% of accounts",
        "themes_note": "Themes coded from the open-ended accounts; one account can carry several themes.",
        "pct_asked": "% of asked",
        "trends": "Trends across waves", "indicator": "Indicator", "wave": "Wave", "change_pp": "Change (pp)", "significant": "Significant",
        "questionnaire": "Questionnaire",
        "questionnaire_intro": "Exact wording as fielded (instrument version {version}), in every language of the questionnaire.",
        "answers": "Answers", "multi": "more than one answer possible", "not_in_base": "not in the base of percentages",
        "numeric": "a number from {low} to {high}", "open_text": "open text", "asked_if": "Asked if",
        "reproducibility": "Reproducibility", "package_version": "Package", "instrument_version": "Instrument",
        "raw_file": "Raw input file", "raw_sha": "SHA-256 of the raw input file", "command": "Command", "unavailable": "unavailable",
    },
    "zh": {
        "contents": "目录", "list_sep": "、", "sentence_sep": "",
        "subtitle": "{study}。第 {wave} 轮（{label}）；问卷版本 {version}。",
        "synthetic": "合成数据：本报告分析的答卷是为吻合已发布数字而合成重构的数据，并非{conductor}收集的数据，不代表任何真实受访者。",
        "disclosure": "调查说明", "item": "项目", "detail": "内容",
        "disclosure_intro": "依照美国民意研究协会（AAPOR）透明度倡议应予披露的调查信息。",
        "sponsor": "资助方", "conductor": "执行方", "population": "调查总体", "recruitment": "样本与招募方式",
        "mode": "调查方式", "languages": "问卷语言", "field_dates": "调查时间", "unknown": "不详",
        "sample": "样本量", "sample_text": "共收到答卷 {raw} 份；有效 {valid} 份，剔除 {excluded} 份（原因见下）。",
        "redaction": "开放题中的个人信息",
        "redaction_text": "编码和导出前已替换为占位符：{found}。",
        "redaction_none": "编码和导出前已检查，未发现。",
        "redaction_off": "未作脱敏：本次运行要求保留开放题原文（--no-redact）。",
        "pii_EMAIL": "电子邮箱", "pii_URL": "网址", "pii_IP": "IP地址", "pii_HANDLE": "社交及通讯账号",
        "pii_NATIONAL_ID": "身份证件号码", "pii_PHONE": "电话号码", "pii_ADDRESS": "通讯地址", "pii_NAME": "姓名",
        "weighting": "加权", "unweighted": "无：所有估计均未加权。",
        "weighting_method": "方法：对 {variables} 进行 {method} 加权（目标值及来源见下）。",
        "weighting_converged": "迭代 {iterations} 次后收敛。",
        "weighting_not_converged": "迭代 {iterations} 次后仍未收敛。",
        "weighting_deff": "权重的设计效应为 {deff}；有效样本量为 {n_eff}。",
        "weighting_range": "权重范围 {low} 至 {high}；{trimmed}% 的权重经过截尾。",
        "weighting_scope": "共 {n_weighted} 名受访者参与加权；{n_outside} 名不在加权范围（目标值所描述的总体）内，没有权重，不计入加权估计，但计入未加权估计。",
        "intervals": "区间",
        "intervals_text": ("未加权估计附 95% Wilson 区间。该区间假定简单随机抽样；本样本为自愿参与的网络样本而非概率样本，"
                           "因此区间只描述这些受访者，不能推及总体。本报告不给出整个调查的抽样误差数值：自愿参与样本不适用此概念。"),
        "intervals_weighted": "加权估计附加权模型下基于设计的 95% 区间：其成立的前提是加权变量能够解释哪些人参与了调查。",
        "notes": "备注", "wording": "题目措辞", "see_questionnaire": "每道题的原文措辞见“问卷”一节。",
        "exclusions": "剔除原因", "reason": "原因", "description": "说明",
        "targets": "加权目标", "variable": "变量", "category": "类别", "target_pct": "目标 %", "achieved_pct": "加权后 %",
        "published": "已发布数字的复算",
        "published_intro": ("根据数据对已发布报告（{source}）中的每个数字进行复算，与原报告一样不加权。"
                            "“复现”：复算结果四舍五入到 {decimals} 位小数后与发布值相同。"
                            "“与所述样本量一致”：在报告所述的样本量 n 下，发布的百分比能否写成 k/n（k 为整数）（GRIM 式检验）；"
                            "若不能，列出可以得到该百分比的最接近的样本量。"),
        "figure": "数字", "statement": "发布原文", "published_pct": "发布 %", "recomputed_pct": "复算 %",
        "wilson_95": "95% Wilson 区间", "diff_pp": "差值（百分点）", "reproduced": "复现",
        "consistent": "与所述样本量一致", "yes": "是", "no": "否",
        "consistent_yes": "是（{k}/{n}）", "consistent_no": "否：不存在整数 k 使其等于 k/{n}；在 n = {bases} 时可得",
        "weighted_estimates": "加权估计", "weighted_pct": "加权 %", "design_95": "基于设计的 95% 区间",
        "se_pp": "标准误（百分点）", "calibrated_se_pp": "考虑校准的标准误（百分点）",
        "charts": "图表",
        "chart_scale": "回答分布：从“{low}”到“{high}”",
        "chart_scale_note": "实质性回答的百分比，未加权；中间选项在零点两侧各占一半。",
        "chart_scale_ns": "{labels}：占全部回答的比例，不计入基数（见各题下方）。",
        "chart_by": "按“{banner}”的回答分列的估计", "chart_by_x": "%（未加权，95% Wilson 区间）",
        "chart_by_note": "Wilson 区间假定简单随机抽样；本样本为自愿参与样本。",
        "chart_multi_note": "可多选：各项比例之和超过 100%。",
        "chart_multi_asked": "提问条件：{condition}。",
        "chart_trend_note": "未加权估计及 95% Wilson 区间。",
        "toplines": "频数分布", "toplines_intro": "每道题的人数和百分比，除注明外均未加权。% 不把标有 † 的非实质性回答计入基数；占被访者 % 则包括它们。",
        "code": "编码", "answer": "选项", "pct_asked": "占被访者 %",
        "topline_base": "基数：实质性回答 {base} 份；被访者 {asked} 人。",
        "multi_base": "可多选；为 {base} 名被访者中的百分比。",
        "crosstabs": "交叉表",
        "crosstabs_note": ("阅读说明：每一列为该群体选择各选项的百分比（{pct}）。字母标识同一背景变量下的各列；"
                           "数字后的字母表示该数字显著高于字母所指的列（列比例检验，{correction} 校正，alpha = {alpha}）。"
                           "合并行把若干选项合为一组。最后一行为各列的基数。"),
        "weighted_col": "加权列百分比", "unweighted_col": "未加权列百分比",
        "total": "总体", "base_n": "基数（n）",
        "tests": "独立性检验", "question": "题目", "banner": "背景变量",
        "tests_note": "Pearson χ² 检验假定简单随机抽样；Rao-Scott 检验考虑了权重。小表格另给出 Fisher 精确检验。低基数列样本太少，不宜比较。",
        "min_expected": "最小期望频数", "low_base": "低基数列",
        "themes": "开放题：主题", "theme": "主题", "pct_accounts": "占全部叙述 %",
        "themes_note": "主题由开放题叙述编码而来；一条叙述可包含多个主题。",
        "trends": "各轮调查的趋势", "indicator": "指标", "wave": "轮次", "change_pp": "变化（百分点）", "significant": "显著",
        "questionnaire": "问卷",
        "questionnaire_intro": "实际使用的题目原文（问卷版本 {version}），列出问卷的所有语言版本。",
        "answers": "选项", "multi": "可多选", "not_in_base": "不计入百分比基数",
        "numeric": "{low} 至 {high} 之间的数字", "open_text": "开放文本", "asked_if": "提问条件",
        "reproducibility": "可重复性", "package_version": "软件包", "instrument_version": "问卷",
        "raw_file": "原始数据文件", "raw_sha": "原始数据文件的 SHA-256", "command": "命令", "unavailable": "无法读取",
    },
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
    """The fixed text of the report in one language: ``words("key", n=3)``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in TEXT else "en"

    def __call__(self, key: str, **kw: Any) -> str:
        text = TEXT[self.lang][key] if key in TEXT[self.lang] else TEXT["en"][key]
        return text.format(**kw) if kw else text


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
        return "not " + condition_text(study, cond["not"], lang)
    symbols = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "∈", "not_in": "∉"}
    name, op, value = cond["question"], cond["op"], cond.get("value")
    if op in ("answered", "blank"):
        return f"{name} {op}"
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
    langs = w("list_sep").join(LANGUAGE_NAMES[lang].get(code, code) for code in study.instrument.languages)
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
    rows.append((w("intervals"), w("intervals_text") + (w("sentence_sep") + w("intervals_weighted") if is_weighted(study, results) else "")))
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
        parts.append(w("weighting_range", low=_num(info["weight_min"], 2), high=_num(info.get("weight_max"), 2),
                       trimmed=_num(100 * float(info.get("trimmed_share", 0.0)), 1)))
    if info.get("n_outside_scope"):
        parts.append(w("weighting_scope", n_weighted=_int(info.get("n_weighted")), n_outside=_int(info["n_outside_scope"])))
    return w("sentence_sep").join(parts)


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
        rows.append((str(r.id), str(r.statement), _num(r.published_pct, d), _num(r.estimate_pct, d),
                     _interval(r.ci_low, r.ci_high), _int(r.n_base), _num(r.diff_pp, d),
                     w("yes") if r.reproduced else w("no"), consistency(r, d, w)))
    blocks: list[Block] = [
        Heading(2, w("published"), "published"),
        Para(w("published_intro", source=" ".join(study.plan.published_source.split()).rstrip("."), decimals=d)),
        Table((w("figure"), w("statement"), w("published_pct"), w("recomputed_pct"), w("wilson_95"), "n", w("diff_pp"),
               w("reproduced"), w("consistent")), tuple(rows), (False, False, True, True, True, True, True, False, False)),
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
    """The consistency verdict of one published figure at its stated base."""
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
    return blocks


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
    bases = frame.drop_duplicates(["banner", "col_code"]).set_index(["banner", "col_code"])["base"]
    rows.append(tuple([w("base_n")] + [_int(bases[(b_c[0], col)]) for b_c, col in zip(keys, columns["col_code"], strict=True)]))
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
    if _has(results, "crosstab_tests"):
        tests: pd.DataFrame = results["crosstab_tests"]
        rows = tuple(
            (str(r.question), var_label(study, str(r.banner), w.lang), _p(r.pearson_p), _p(r.rao_scott_p), _p(r.fisher_p),
             _num(r.cramers_v, 3), _num(r.min_expected, 1), "" if pd.isna(r.low_base_columns) else str(r.low_base_columns))
            for r in tests.itertuples(index=False)
        )
        blocks += [Heading(3, w("tests")), Para(w("tests_note"), "note"),
                   Table((w("question"), w("banner"), "Pearson χ² p", "Rao-Scott p", "Fisher p", "Cramér's V", w("min_expected"),
                          w("low_base")), rows, (False, False, True, True, True, True, True, False))]
    return blocks


def themes_section(study: Any, results: Mapping[str, Any], w: Words) -> list[Block]:
    frame: pd.DataFrame = results["themes"]
    rows = tuple((str(r.label), _int(r.count), _num(r.pct_of_accounts), _num(r.pct_of_asked)) for r in frame.itertuples(index=False))
    return [Heading(2, w("themes"), "themes"), Para(w("themes_note"), "note"),
            Table((w("theme"), "n", w("pct_accounts"), w("pct_asked")), rows, (False, True, True, True))]


def trends_section(study: Any, results: Mapping[str, Any], w: Words, images: Sequence[Image]) -> list[Block]:
    frame: pd.DataFrame = results["trends"]
    rows = tuple(
        (var_label(study, str(r.id), w.lang), str(r.wave), _num(r.estimate_pct), _interval(r.ci_low, r.ci_high), _int(r.n_base),
         _num(r.weighted_pct), _num(r.change_pp), _p(r.change_p), "" if pd.isna(r.significant) else (w("yes") if r.significant else w("no")))
        for r in frame.itertuples(index=False)
    )
    return [Heading(2, w("trends"), "trends"), *images,
            Table((w("indicator"), w("wave"), "%", w("wilson_95"), "n", w("weighted_pct"), w("change_pp"), "p", w("significant")),
                  rows, (False, False, True, True, True, True, True, True, False))]


def questionnaire_section(study: Any, w: Words) -> list[Block]:
    inst = study.instrument
    blocks: list[Block] = [Heading(2, w("questionnaire"), "questionnaire"), Para(w("questionnaire_intro", version=inst.version))]
    others = [lang for lang in inst.languages if lang != w.lang]
    for q in inst.questions:
        if q.type == "paradata":
            continue
        items = [f"{LANGUAGE_NAMES[w.lang].get(lang, lang)}: {q.wording(lang)}" for lang in others]
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
    """(file stem, alt text, figure maker) of every chart the results allow, in report order."""
    from survey.report import charts  # matplotlib loads only when charts are drawn

    w = Words(lang)
    out: list[tuple[str, str, Callable[[], Any]]] = []
    if _has(results, "toplines"):
        out += _agree_charts(study, results["toplines"], w)
        out += _multi_charts(study, results["toplines"], w)
    if _has(results, "agreement_by"):
        frame = results["agreement_by"]
        for banner, sub in frame.groupby("banner", sort=False):
            data = pd.DataFrame({
                "item": [var_label(study, str(i), lang) for i in sub["item"]],
                "category": sub["category_label"].astype(str).to_numpy(),
                "estimate": sub["estimate"].to_numpy(), "ci_low": sub["ci_low"].to_numpy(),
                "ci_high": sub["ci_high"].to_numpy(), "n_base": sub["n_base"].to_numpy(),
            })
            title = w("chart_by", banner=var_label(study, str(banner), lang))
            out.append((f"by-{banner}", title, _maker(charts.agreement_by, data, title=title, xlabel=w("chart_by_x"),
                                                     note=w("chart_by_note"), lang=lang)))
    if _has(results, "trends") and results["trends"]["wave"].nunique() > 1:
        t = results["trends"]
        data = t.assign(item=[var_label(study, str(i), lang) for i in t["id"]])
        out.append(("trends", w("trends"), _maker(charts.trend_chart, data, title=w("trends"), note=w("chart_trend_note"), lang=lang)))
    return out


def _maker(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: func(*args, **kwargs)


def _agree_charts(study: Any, toplines: pd.DataFrame, w: Words) -> list[tuple[str, str, Callable[[], Any]]]:
    from survey.report import charts  # matplotlib loads only when charts are drawn

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
            parts.append(pd.DataFrame({"item": q.wording(w.lang), "code": sub["code"].to_numpy(), "label": sub["label"].to_numpy(),
                                       "pct": sub["pct"].to_numpy(dtype=float), "base": sub["base"].to_numpy(), "item_note": note}))
        if not parts:
            continue
        codes = questions[0].codes
        ends = [c for c in codes if not c.nonsubstantive]
        title = w("chart_scale", low=ends[0].text(w.lang), high=ends[-1].text(w.lang))
        nonsub = ", ".join(c.text(w.lang) for c in codes if c.nonsubstantive)
        note = w("chart_scale_note") + (" " + w("chart_scale_ns", labels=nonsub) if nonsub else "")
        out.append((f"scale-{scale_id}", title, _maker(charts.diverging_bars, pd.concat(parts, ignore_index=True), title=title,
                                                       note=note, lang=w.lang)))
    return out


def _multi_charts(study: Any, toplines: pd.DataFrame, w: Words) -> list[tuple[str, str, Callable[[], Any]]]:
    from survey.report import charts  # matplotlib loads only when charts are drawn

    out = []
    for q in study.instrument.questions:
        sub = toplines[toplines["question"] == q.id]
        if q.type != "multi" or sub.empty:
            continue
        asked = w("chart_multi_asked", condition=condition_text(study, q.ask_if, w.lang)) if q.ask_if else ""
        data = pd.DataFrame({"label": sub["label"].to_numpy(), "pct": sub["pct"].to_numpy(dtype=float), "count": sub["count"].to_numpy()})
        title = q.wording(w.lang)
        out.append((f"multi-{q.id}", title, _maker(charts.multi_select_bars, data, title=title, base=int(sub["base"].iloc[0]),
                                                   note=w("chart_multi_note") + asked, lang=w.lang)))
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
    html_lang = "zh-Hans" if lang == "zh" else "en"
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
    if _has(results, "headlines"):
        blocks += published_section(study, results, w)
    chart_images = [img for stem, img in images.items() if stem != "trends"]
    if chart_images:
        blocks += [Heading(2, w("charts"), "charts"), *chart_images]
    if _has(results, "toplines"):
        blocks += topline_section(study, results, w)
    if _has(results, "crosstabs"):
        blocks += crosstab_section(study, results, w)
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
    for stem, alt, make in makers:
        path = charts.save_png(make(), folder / "charts" / f"{_slug(stem)}.png")
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
        ``lang`` (en or zh), ``charts`` and ``command`` are used.
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
