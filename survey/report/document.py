"""The report of a wave: ``report.md`` and one self-contained ``report.html``.

:func:`write_report` is a stage of :mod:`survey.artifacts`.  It builds the report
once as a list of blocks (headings, paragraphs, tables, images) from the study and
the results the other stages left, then renders the blocks twice: as Markdown
(charts linked from ``charts/``) and as HTML (CSS inline, charts embedded as
base64, no external resource).  A section whose results are absent is left out.

The report follows the AAPOR Transparency Initiative's disclosure list and its
guidance for opt-in samples: no sampling-error figure for the survey, intervals
named for what they are.  Fixed text comes from :data:`~survey.report.words.TEXT`, translated into the
run's language by the message catalogues (:mod:`survey.i18n`); labels and wording come
from the instrument in that language.  The same inputs give the same bytes.

This module is the stage; the report's parts are :mod:`~survey.report.words` (fixed
text), :mod:`~survey.report.blocks` (the blocks and number formats),
:mod:`~survey.report.labels` (the study in words), :mod:`~survey.report.sections`,
:mod:`~survey.report.figures` (which charts) and :mod:`~survey.report.render`
(Markdown and HTML).  Their public names stay importable from here.

Examples
--------
>>> from survey.artifacts import Options
>>> write_report(study, Path("out"), Options(lang="zh"), results)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from survey.report import drawing
from survey.report.blocks import (  # noqa: F401 (kept importable from here)
    Block,
    Bullets,
    Heading,
    Image,
    Para,
    Table,
    _has,
    sentences,
)
from survey.report.figures import (
    CHART_GROUPS,
    chart_figures,
)
from survey.report.labels import (  # noqa: F401 (kept importable from here)
    code_label,
    condition_text,
    is_weighted,
    is_weighting_planned,
    raw_sha256,
    var_label,
    wave_labels,
)
from survey.report.render import (  # noqa: F401 (kept importable from here)
    CSS,
    render_html,
    render_markdown,
)
from survey.report.sections import (  # noqa: F401 (kept importable from here)
    column_letters,
    consistency,
    crosstab_section,
    crosstab_table,
    disclosure_section,
    exclusions_blocks,
    footer_section,
    numeric_blocks,
    published_section,
    questionnaire_section,
    redaction_text,
    targets_blocks,
    themes_section,
    title_section,
    topline_section,
    trends_section,
    weighting_text,
)
from survey.report.words import (  # noqa: F401 (kept importable from here)
    TEXT,
    Words,
)

# ------------------------------------------------------------------ the stage


def build(
    study: Any, options: Any, results: Mapping[str, Any], images: Mapping[str, Image]
) -> list[Block]:
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
        blocks += trends_section(
            study, results, w, [images["trends"]] if "trends" in images else []
        )
    return blocks + questionnaire_section(study, w) + footer_section(study, options, w)


def chart_jobs(
    study: Any,
    results: Mapping[str, Any],
    lang: str,
    folder: Path,
    groups: Collection[str] = CHART_GROUPS,
) -> list[tuple[str, str, Any, Path]]:
    """(file stem, alt text, figure maker, PNG path) of the charts of ``groups`` the results
    allow (:func:`~survey.report.figures.chart_figures`), in report order; makes ``folder/charts/``."""
    makers = chart_figures(study, results, lang, groups)
    if makers:
        (folder / "charts").mkdir(exist_ok=True)
    return [
        (stem, alt, make, folder / "charts" / f"{_slug(stem)}.png") for stem, alt, make in makers
    ]


def draw_charts(
    study: Any, results: Mapping[str, Any], lang: str, folder: Path, drawer: Any = None
) -> dict[str, Image]:
    """Draw every chart into ``folder/charts/`` and return them by file stem.

    The charts the run's :class:`~survey.report.drawing.Drawer` has not been given yet go to
    it (to a drawer of their own without one), and this waits for all of them; where runs do
    not fork they are drawn here (:func:`~survey.report.charts.save_all`).
    """
    made = results.get("chart_jobs") or {}  # groups the run's drawer was given already
    jobs = {
        group: made[group] if group in made else chart_jobs(study, results, lang, folder, (group,))
        for group in CHART_GROUPS
    }
    with contextlib.ExitStack() as stack:
        if drawer is None:
            drawer = stack.enter_context(drawing.drawer(lang))
            made = {}
        todo = [(make, path) for g in CHART_GROUPS if g not in made for _, _, make, path in jobs[g]]
        if drawer is not None:
            drawer.submit(todo)
            drawer.finish()
        else:
            from survey.report import charts  # matplotlib loads only when charts are drawn

            charts.save_all(todo, lang)
    drawn = [job for group in CHART_GROUPS for job in jobs[group]]
    return {stem: Image(path.name, alt, path.read_bytes()) for stem, alt, _, path in drawn}


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
    images = (
        draw_charts(study, results, options.lang, folder, getattr(options, "draw", None))
        if options.charts
        else {}
    )
    blocks = build(study, options, results, images)
    (folder / "report.md").write_text(render_markdown(blocks), encoding="utf-8", newline="\n")
    (folder / "report.html").write_text(
        render_html(blocks, options.lang, Words(options.lang)("contents")),
        encoding="utf-8",
        newline="\n",
    )


def crosstabs_markdown(study: Any, results: Mapping[str, Any], lang: str = "en") -> str:
    """The crosstab section alone as Markdown (``crosstabs.md`` of a run)."""
    return render_markdown(crosstab_section(study, results, Words(lang)))
