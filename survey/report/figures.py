"""Which charts a report has: one ``(name, alt text, draw)`` per chart, drawn later.

The drawing itself is :mod:`survey.report.charts`; this module picks the charts the
study's results call for and words their titles and alt texts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from survey.report.blocks import _has, _num
from survey.report.labels import (
    _lookup,
    _trend_basis,
    _weighting_info,
    code_label,
    condition_text,
    is_weighted,
    is_weighting_planned,
    var_label,
    wave_labels,
)
from survey.report.words import Words

# ------------------------------------------------------------------ charts


#: The charts' groups in report order, each named by the result it shows (the weighting chart
#: shows the study's weights, known from the start).
CHART_GROUPS = ("toplines", "agreement_by", "weighting", "trends")


def chart_figures(
    study: Any, results: Mapping[str, Any], lang: str, groups: Collection[str] = CHART_GROUPS
) -> list[tuple[str, str, ChartCall]]:
    """(file stem, alt text, figure maker) of every chart the results allow, in report order.

    Charts are weighted when the study is (their axis or note names the interval);
    every by-background chart shows the indicators in one order, and never an
    indicator against the banner variable it is made from.  ``groups`` picks some of
    :data:`CHART_GROUPS` (a run hands each group to its drawer as soon as it can be made).
    """
    w = Words(lang)
    weighted = is_weighted(study, results)
    out: list[tuple[str, str, ChartCall]] = []
    if "toplines" in groups and _has(results, "toplines"):
        out += _agree_charts(study, results["toplines"], w, weighted)
        out += _multi_charts(study, results["toplines"], w, weighted)
    if "agreement_by" in groups and _has(results, "agreement_by"):
        out += _by_charts(study, results["agreement_by"], w, weighted)
    if "weighting" in groups:
        out += _weighting_chart(study, results, w)
    trends = "trends" in groups and _has(results, "trends")
    if trends and results["trends"]["wave"].nunique() > 1:
        out += _trend_chart(study, results["trends"], w)
    return out


@dataclass(frozen=True)
class ChartCall:
    """A chart to draw: the function of :mod:`survey.report.charts` named ``name`` with its
    tables and words.  It pickles (the chart drawer, :mod:`survey.report.drawing`, takes it
    to another process) and makes the figure when called, where matplotlib is imported.
    """

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self) -> Any:
        from survey.report import charts  # matplotlib loads only when charts are drawn

        return getattr(charts, self.name)(*self.args, **self.kwargs)


def _maker(name: str, *args: Any, **kwargs: Any) -> ChartCall:
    return ChartCall(name, args, kwargs)


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


def _by_charts(
    study: Any, frame: pd.DataFrame, w: Words, weighted: bool
) -> list[tuple[str, str, ChartCall]]:
    lang = w.lang
    use = weighted and "weighted_estimate" in frame.columns
    est, low, high = (
        ("weighted_estimate", "weighted_ci_low", "weighted_ci_high")
        if use
        else ("estimate", "ci_low", "ci_high")
    )
    labels = {str(i): var_label(study, str(i), lang) for i in frame["item"].unique()}
    overall = (
        frame.groupby("item", sort=False)[est].mean().sort_values(ascending=False, kind="mergesort")
    )
    order = [labels[str(i)] for i in overall.index]  # one order for every chart
    out = []
    for banner, sub in frame.groupby("banner", sort=False):
        banner_sources = _sources(study, str(banner))
        sub = sub[[not (_sources(study, str(i)) - {str(i)}) & banner_sources for i in sub["item"]]]
        if sub.empty:
            continue
        data = pd.DataFrame(
            {
                "item": [labels[str(i)] for i in sub["item"]],
                "category": sub["category_label"].astype(str).to_numpy(),
                "estimate": sub[est].to_numpy(),
                "ci_low": sub[low].to_numpy(),
                "ci_high": sub[high].to_numpy(),
                "n_base": sub["n_base"].to_numpy(),
            }
        ).dropna(subset=["estimate"])
        title = w("chart_by", banner=var_label(study, str(banner), lang))
        out.append(
            (
                f"by-{banner}",
                title,
                _maker(
                    "agreement_by",
                    data,
                    title=title,
                    xlabel=w("chart_by_x_weighted" if use else "chart_by_x"),
                    note=w("chart_by_note_weighted" if use else "chart_by_note"),
                    lang=lang,
                    order=order,
                ),
            )
        )
    return out


def _weighting_chart(
    study: Any, results: Mapping[str, Any], w: Words
) -> list[tuple[str, str, ChartCall]]:
    """The weights' histogram and every raking margin: sample, target, achieved."""
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
            rows.append(
                {
                    "variable": var_label(study, var, w.lang),
                    "category": code_label(study, var, code, w.lang),
                    "sample_pct": 100 * float(sample.get(int(code), sample.get(code, 0.0))),
                    "target_pct": 100 * float(share),
                    "achieved_pct": np.nan if got is None else 100 * float(got),
                }
            )
    if not rows:
        return []
    labels = {
        key: w(f"weighting_chart_{key}")
        for key in ("weights", "respondents", "sample", "target", "achieved")
    }
    title = w("weighting_chart")
    return [
        (
            "weighting",
            title,
            _maker(
                "weighting_diagnostics",
                weights[inside],
                pd.DataFrame(rows),
                title=title,
                labels=labels,
                note=w("weighting_chart_note"),
                lang=w.lang,
            ),
        )
    ]


def _trend_chart(study: Any, frame: pd.DataFrame, w: Words) -> list[tuple[str, str, ChartCall]]:
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
    note = (
        w("chart_trend_note_weighted", alpha=alpha)
        if weighted
        else w("chart_trend_note") + w("chart_trend_note_marks", alpha=alpha)
    )
    return [
        (
            "trends",
            w("trends"),
            _maker(
                "trend_chart",
                data,
                title=w("trends"),
                note=note,
                lang=w.lang,
                ylabel=w("chart_trend_y_weighted" if weighted else "chart_trend_y"),
            ),
        )
    ]


def _agree_charts(
    study: Any, toplines: pd.DataFrame, w: Words, weighted: bool = False
) -> list[tuple[str, str, ChartCall]]:
    use = weighted and "weighted_pct" in toplines.columns
    out = []
    for scale_id, questions in _agree_groups(study).items():
        parts = [p for q in questions if (p := _agree_bars(q, toplines, use, w)) is not None]
        if not parts:
            continue
        codes = questions[0].codes
        ends = [c for c in codes if not c.nonsubstantive]
        title = w("chart_scale", low=ends[0].text(w.lang), high=ends[-1].text(w.lang))
        nonsub = ", ".join(c.text(w.lang) for c in codes if c.nonsubstantive)
        note = w("chart_scale_note_weighted" if use else "chart_scale_note") + (
            " " + w("chart_scale_ns", labels=nonsub) if nonsub else ""
        )
        out.append(
            (
                f"scale-{scale_id}",
                title,
                _maker(
                    "diverging_bars",
                    pd.concat(parts, ignore_index=True),
                    title=title,
                    note=note,
                    lang=w.lang,
                ),
            )
        )
    return out


def _agree_groups(study: Any) -> dict[str, list[Any]]:
    """The ordinal single-choice questions with nets (3+ substantive codes), by scale."""
    groups: dict[str, list[Any]] = {}
    for q in study.instrument.questions:
        if (
            q.type == "single"
            and q.measure == "ordinal"
            and q.nets
            and not q.attention_check
            and len(q.substantive_codes) >= 3
        ):
            groups.setdefault(q.scale_id or q.id, []).append(q)
    return groups


def _agree_bars(q: Any, toplines: pd.DataFrame, use: bool, w: Words) -> pd.DataFrame | None:
    """One question's bar of a diverging chart (None: no toplines); ``use``: weighted %."""
    sub = toplines[toplines["question"] == q.id]
    if sub.empty:
        return None
    ns = sub[sub["nonsubstantive"]]
    note = "; ".join(f"{r.label} {_num(r.pct_of_asked)}%" for r in ns.itertuples(index=False))
    sub = sub[~sub["nonsubstantive"]]
    return pd.DataFrame(
        {
            "item": q.wording(w.lang),
            "code": sub["code"].to_numpy(),
            "label": sub["label"].to_numpy(),
            "pct": sub["weighted_pct" if use else "pct"].to_numpy(dtype=float),
            "base": sub["base"].to_numpy(),
            "item_note": note,
        }
    )


def _multi_charts(
    study: Any, toplines: pd.DataFrame, w: Words, weighted: bool = False
) -> list[tuple[str, str, ChartCall]]:
    use = weighted and "weighted_pct" in toplines.columns
    out = []
    for q in study.instrument.questions:
        sub = toplines[toplines["question"] == q.id]
        if q.type != "multi" or sub.empty:
            continue
        asked = (
            w("chart_multi_asked", condition=condition_text(study, q.ask_if, w.lang))
            if q.ask_if
            else ""
        )
        data = pd.DataFrame(
            {
                "label": sub["label"].to_numpy(),
                "pct": sub["weighted_pct" if use else "pct"].to_numpy(dtype=float),
                "count": sub["count"].to_numpy(),
            }
        )
        title = q.wording(w.lang)
        out.append(
            (
                f"multi-{q.id}",
                title,
                _maker(
                    "multi_select_bars",
                    data,
                    title=title,
                    base=int(sub["base"].iloc[0]),
                    note=w("chart_multi_note_weighted" if use else "chart_multi_note") + asked,
                    lang=w.lang,
                ),
            )
        )
    return out
