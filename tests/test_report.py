"""The report stage: self-contained HTML and Markdown, charts, fonts, determinism.

The study is a real :class:`survey.Study` built from a raw file that ``make_raw``
generates from the instrument; the results of the later stages (weighting,
crosstabs, agreement by background, themes, trends) are fabricated in their
documented shapes.
"""

from __future__ import annotations

import base64
import functools
import os
import pickle
import re
import struct
import time
import warnings
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.text import Text

from survey.report import charts, drawing, fonts
from survey.report import document as report
from survey.report.figures import ChartCall
from survey.stats.estimates import agreement_rates
from survey.study import Study

from .conftest import INSTRUMENT, PLAN, make_raw, write_raw

VOID = {"meta", "img", "br", "hr", "link", "input"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Study:
    from survey.instrument import load_instrument

    inst = load_instrument(INSTRUMENT).at_version("1.0.0")
    raw = write_raw(make_raw(inst, n=150, seed=7), tmp_path_factory.mktemp("raw") / "wave1.csv")
    return Study.from_plan(PLAN, raw=raw, weight=False)


def fabricated(study: Study, lang: str) -> dict:
    """Results of every stage, in the documented shapes."""
    plan, _data = study.plan, study.data
    spec = plan.weighting["default"]
    headlines = study.headlines().assign(
        weighted_pct=lambda d: d["estimate_pct"] + 1.0,
        weighted_se_pct=2.5,
        calibrated_se_pct=2.1,
        weighted_ci_low=lambda d: d["estimate_pct"] - 4.0,
        weighted_ci_high=lambda d: d["estimate_pct"] + 6.0,
        deff=1.42,
        n_eff=105.6,
    )
    crosstabs, tests = fabricated_crosstabs(study, lang)
    return {
        "headlines": headlines,
        "toplines": study.toplines(lang),
        "reconciliation": {
            "raw": 163,
            "valid": 150,
            "excluded": 13,
            "incomplete": 5,
            "attention_failed": 6,
            "speeder": 2,
        },
        "weighting": {
            "method": "rake",
            "targets": spec["targets"],
            "sources": spec["sources"],
            "iterations": 12,
            "converged": True,
            "deff": 1.42,
            "n_eff": 105.6,
            "weight_min": 0.31,
            "weight_max": 3.2,
            "trimmed_share": 0.02,
            "achieved": {k: {c: v for c, v in t.items()} for k, t in spec["targets"].items()},
        },
        "crosstabs": crosstabs,
        "crosstab_tests": tests,
        "agreement_by": fabricated_agreement_by(study, lang),
        "themes": pd.DataFrame(
            {
                "theme": ["supplies", "medical", "exchange"],
                "label": ["Supplies 物资", "Medical help", "Exchanges"],
                "count": [12, 7, 3],
                "pct_of_accounts": [54.5, 31.8, 13.6],
                "pct_of_asked": [8.0, 4.7, 2.0],
            }
        ),
        "trends": pd.DataFrame(
            {
                "id": ["support", "support", "participated", "participated"],
                "wave": ["1", "2", "1", "2"],
                "estimate_pct": [60.0, 64.0, 44.0, 40.0],
                "ci_low": [52.0, 56.0, 36.0, 32.0],
                "ci_high": [68.0, 71.0, 52.0, 48.0],
                "n_base": [150, 140, 150, 140],
                "weighted_pct": [61.0, 65.0, 45.0, 41.0],
                "weighted_ci_low": [50.0, 54.0, 35.0, 31.0],
                "weighted_ci_high": [70.0, 74.0, 55.0, 51.0],
                "change_pp": [np.nan, 4.0, np.nan, -4.0],
                "change_p": [np.nan, 0.41, np.nan, 0.47],
                "significant": [pd.NA, False, pd.NA, False],
            }
        ),
    }


def fabricated_crosstabs(study: Study, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    inst, data = study.instrument, study.data
    rows, tests = [], []
    for question in ["solidarity_q", "participated_q"]:
        for banner in ["Total", "country", "gender"]:
            groups = (
                [("Total", "Total", pd.Series(True, index=data.index))]
                if banner == "Total"
                else [
                    (c.code, c.text(lang), data[banner] == c.code)
                    for c in inst.codes_of(banner)
                    if not c.nonsubstantive
                ]
            )
            for j, (col_code, col_label, mask) in enumerate(groups):
                answers = data.loc[mask, question]
                base = int(answers.isin(inst.question(question).substantive_codes).sum())
                for c in inst.question(question).codes:
                    if c.nonsubstantive:
                        continue
                    count = int((answers == c.code).sum())
                    rows.append(
                        (
                            question,
                            banner,
                            c.code,
                            c.text(lang),
                            col_code,
                            col_label,
                            count,
                            float(count),
                            100 * count / base,
                            100 * count / base,
                            base,
                            float(base),
                            "B" if (banner != "Total" and j == 0 and c.code == 1) else "",
                        )
                    )
                if inst.question(question).nets:
                    net = inst.question(question).nets[0]
                    count = int(answers.isin(net.codes).sum())
                    rows.append(
                        (
                            question,
                            banner,
                            f"net:{net.id}",
                            net.label[lang],
                            col_code,
                            col_label,
                            count,
                            float(count),
                            100 * count / base,
                            100 * count / base,
                            base,
                            float(base),
                            "",
                        )
                    )
            if banner != "Total":
                tests.append(
                    (question, banner, 3.2, 2, 0.2, 0.11, 1.5, 2, 140.0, 0.22, np.nan, 4.1, "")
                )
    cols = [
        "question",
        "banner",
        "row_code",
        "row_label",
        "col_code",
        "col_label",
        "count",
        "weighted_count",
        "col_pct",
        "weighted_col_pct",
        "base",
        "weighted_base",
        "sig_letters",
    ]
    tcols = [
        "question",
        "banner",
        "pearson_chi2",
        "pearson_df",
        "pearson_p",
        "cramers_v",
        "rao_scott_f",
        "rao_scott_df1",
        "rao_scott_df2",
        "rao_scott_p",
        "fisher_p",
        "min_expected",
        "low_base_columns",
    ]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(tests, columns=tcols)


def fabricated_agreement_by(study: Study, lang: str) -> pd.DataFrame:
    inst, data = study.instrument, study.data
    items = ["solidarity", "support", "participated"]
    parts = []
    for banner in ["country", "gender"]:
        for c in inst.codes_of(banner):
            rates = agreement_rates(data[data[banner] == c.code], items)
            parts.append(
                rates.assign(
                    banner=banner,
                    category=c.code,
                    category_label=c.text(lang),
                    weighted_estimate=rates["estimate"],
                    weighted_ci_low=rates["ci_low"],
                    weighted_ci_high=rates["ci_high"],
                )
            )
    cols = [
        "item",
        "banner",
        "category",
        "category_label",
        "estimate",
        "n_base",
        "ci_low",
        "ci_high",
        "weighted_estimate",
        "weighted_ci_low",
        "weighted_ci_high",
    ]
    return pd.concat(parts, ignore_index=True)[cols]


def options(lang: str = "en", charts_on: bool = True) -> SimpleNamespace:
    return SimpleNamespace(
        lang=lang, charts=charts_on, command=f"python -m survey.analyze --lang {lang}"
    )


def render(
    study: Study, folder: Path, lang: str, results: dict | None = None, charts_on: bool = True
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    report.write_report(
        study,
        folder,
        options(lang, charts_on),
        results if results is not None else fabricated(study, lang),
    )
    return folder


@pytest.fixture(scope="module")
def en(study, tmp_path_factory) -> Path:
    return render(study, tmp_path_factory.mktemp("en"), "en")


@pytest.fixture(scope="module")
def zh(study, tmp_path_factory) -> Path:
    return render(study, tmp_path_factory.mktemp("zh"), "zh")


# ------------------------------------------------------------------ helpers


class TagBalance(HTMLParser):
    """Checks that every opened tag is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def text_of(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


# ------------------------------------------------------------------ the HTML


def test_html_is_well_formed(en):
    page = text_of(en, "report.html")
    assert page.startswith("<!DOCTYPE html>")
    root = ET.fromstring(page.split("\n", 1)[1])  # strict XML parse after the doctype
    assert root.tag == "html" and root.get("lang") == "en"
    checker = TagBalance()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []


def test_html_references_no_external_resource(en, zh):
    for folder in (en, zh):
        page = text_of(folder, "report.html")
        assert "http://" not in page and "https://" not in page
        assert (
            "<link" not in page
            and "<script" not in page
            and "@import" not in page
            and "url(" not in page
        )
        checker = TagBalance()
        checker.feed(page)
        assert checker.refs, "expected the table of contents and the images"
        for ref in checker.refs:
            assert ref.startswith(("#", "data:image/png;base64,")), ref[:40]


def test_report_has_every_published_figure_and_question(study, en):
    page, md = text_of(en, "report.html"), text_of(en, "report.md")
    for f in study.plan.figures:
        value = f"{f.value:.{study.plan.decimals}f}"
        assert value in page and value in md, value
    assert "98.43" in page and "20.83" in page and "44.03" in page
    for q in study.instrument.questions:
        if q.type != "paradata":
            assert q.id in page and q.wording("en") in page, q.id
            assert q.id in md
    # every question with a topline gets its table
    for name in study.toplines()["question"].unique():
        assert f"<h3>{name}: " in page


def test_published_table_verdicts(study, en):
    page = text_of(en, "report.html")
    # 98.43% is not k/1776 (GRIM); 20.83% is 370/1776
    assert (
        "no: not k/1776 for any whole k; attainable at n = 1723, 1724, 1725, 1778, 1779, 1780"
        in page
    )
    assert "yes (370/1776)" in page
    assert "Weighted estimates" in page and "Design-based 95% interval" in page


def test_disclosure(study, en):
    page = text_of(en, "report.html")
    for text in [
        "Center for China and Globalization (CCG)",
        "Online opt-in sample",
        "Self-administered web questionnaire",
        "English, Chinese",
        "2020-04-20 – 2020-05-31",
        "163 responses received; 150 valid, 13 excluded",
        "95% Wilson interval",
        "not a probability sample",
        "design-based 95% interval under the weighting model",
        "Design effect of the weights 1.42; effective sample size 106",
        "National Bureau of Statistics of China",
    ]:
        assert text in page, text
    # exclusions by reason, with the instrument's descriptions
    assert "attention_failed" in page and "Did not select 'Agree' on the attention check" in page
    # the synthetic-data warning, prominently
    assert study.wave.synthetic
    assert '<p class="alert">Synthetic data' in page
    assert "not the data collected by Center for China and Globalization (CCG)" in page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_margin_of_error_phrase(lang, en, zh):
    folder = en if lang == "en" else zh
    for name in ("report.html", "report.md"):
        text = text_of(folder, name).lower()
        assert "margin of error" not in text and "margin of sampling error" not in text
        assert "误差幅度" not in text and "误差范围" not in text


def test_crosstabs_letters_and_bases(study, en):
    page = text_of(en, "report.html")
    assert "How to read" in page and "bonferroni" in page
    assert "China (A)" in page and "United States (B)" in page and "Female (B)" in page
    assert re.search(r'<td class="n">\d+ B</td>', page)  # a significance letter after a column %
    assert "Base (n)" in page and "Agree (top 2)" in page
    assert "Tests of independence" in page and "Rao-Scott p" in page


def test_optional_sections_present(en):
    page = text_of(en, "report.html")
    for anchor in (
        "disclosure",
        "published",
        "charts",
        "toplines",
        "crosstabs",
        "themes",
        "trends",
        "questionnaire",
        "reproducibility",
    ):
        assert f'id="{anchor}"' in page
    assert "Supplies 物资" in page


def test_sections_left_out_when_results_absent(study, tmp_path):
    core = {
        k: v
        for k, v in fabricated(study, "en").items()
        if k in ("headlines", "toplines", "reconciliation")
    }
    folder = render(study, tmp_path / "core", "en", core, charts_on=False)
    page = text_of(folder, "report.html")
    for anchor in ("crosstabs", "themes", "trends", "charts"):
        assert f'id="{anchor}"' not in page
    assert "<img" not in page and not (folder / "charts").exists()
    assert "None: every estimate is unweighted." in page
    assert 'id="published"' in page and 'id="toplines"' in page


# ------------------------------------------------------------------ charts


def test_every_chart_is_a_valid_png_embedded_in_the_html(en):
    files = sorted((en / "charts").glob("*.png"))
    names = {f.stem for f in files}
    # agree/disagree scales (agree5, support5), the multi-select, two banners, the trends
    assert {
        "scale-agree5",
        "scale-support5",
        "multi-how_participated",
        "by-country",
        "by-gender",
        "trends",
    } <= names
    page, md = text_of(en, "report.html"), text_of(en, "report.md")
    for f in files:
        data = f.read_bytes()
        width, height = png_size(data)
        assert width == 1500 and 840 <= height <= 3000, (f.name, width, height)
        assert base64.b64encode(data).decode() in page
        assert f"](charts/{f.name})" in md


def test_save_png_twice_gives_identical_bytes(tmp_path):
    frame = pd.DataFrame(
        {"label": ["A", "B", "C"], "pct": [40.0, 25.0, 10.0], "count": [40, 25, 10]}
    )
    fig = charts.multi_select_bars(frame, title="Ways", base=100)
    a, b = charts.save_png(fig, tmp_path / "a.png"), charts.save_png(fig, tmp_path / "b.png")
    again = charts.save_png(
        charts.multi_select_bars(frame, title="Ways", base=100), tmp_path / "c.png"
    )
    assert a.read_bytes() == b.read_bytes() == again.read_bytes()
    assert b"Software" not in a.read_bytes() and b"Creation" not in a.read_bytes()


def test_two_renders_give_identical_bytes(study, en, tmp_path):
    again = render(study, tmp_path / "again", "en")
    produced = sorted(p.relative_to(en) for p in en.rglob("*") if p.is_file())
    assert produced == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert len(produced) >= 8
    for rel in produced:
        assert (en / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_diverging_bars_sorted_with_n():
    frame = pd.DataFrame(
        {
            "item": ["low"] * 3 + ["high"] * 3,
            "code": [1, 2, 3] * 2,
            "label": ["No", "Neither", "Yes"] * 2,
            "pct": [50.0, 20.0, 30.0, 5.0, 5.0, 90.0],
            "base": [80] * 3 + [120] * 3,
        }
    )
    fig = charts.diverging_bars(frame, title="t")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [
        "low\nn = 80",
        "high\nn = 120",
    ]  # bottom to top: the most positive item on top
    colours = charts.scale_colours(3)
    assert (
        colours[1] == matplotlib.colors.to_rgb(charts.NEUTRAL)
        and charts.scale_colours(3) == colours
    )


# ------------------------------------------------------------------ Chinese


def test_zh_report_has_chinese_headings_and_labels(study, zh):
    page, md = text_of(zh, "report.html"), text_of(zh, "report.md")
    assert '<html lang="zh-Hans">' in page
    for text in [
        "调查说明",
        "已发布数字的复算",
        "频数分布",
        "交叉表",
        "问卷",
        "可重复性",
        "非常同意",
        "不知道",
        "中国",
        "合成数据",
    ]:
        assert text in page and text in md, text
    assert study.instrument.question("solidarity_q").wording("zh") in page
    assert "Toplines" not in page and "Crosstabs" not in page


def test_zh_charts_are_drawn_with_the_cjk_font(study):
    family = fonts.cjk_font()
    assert family is not None
    path = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert fonts.has_glyphs(path, text="中美合作")
    results = fabricated(study, "zh")
    makers = report.chart_figures(study, results, "zh")
    assert len(makers) >= 5
    for stem, _alt, make in makers:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "error"
            )  # a missing glyph would warn ("Glyph ... missing from font(s)")
            fig = make()
            fig.canvas.draw()
        chinese = [t for t in fig.findobj(Text) if re.search(r"[\u4e00-\u9fff]", t.get_text())]
        assert chinese, stem
        for t in chinese:
            assert t.get_fontfamily()[0] == family
            found = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
            assert font_manager.get_font(found).family_name == family, (stem, t.get_text(), found)


def test_missing_cjk_font_warns_and_falls_back(monkeypatch):
    monkeypatch.setattr(fonts, "_entries", list)
    monkeypatch.setattr(fonts, "_register_bundled", lambda: ())
    with pytest.warns(fonts.MissingCJKFontWarning, match="no installed font has Chinese glyphs"):
        assert fonts.cjk_font.__wrapped__() is None


def test_has_glyphs_checks_the_font_itself():
    assert not fonts.has_glyphs(font_manager.findfont("DejaVu Sans"), text="中美合作")
    assert fonts.has_glyphs(font_manager.findfont("DejaVu Sans"), text="Agree")
    assert fonts.families("zh")[0] == fonts.cjk_font() and fonts.families("en")[0] == "DejaVu Sans"


def _bars(name: str) -> ChartCall:
    frame = pd.DataFrame(
        {"label": ["A", "B", "C"], "pct": [40.0, 35.0, 25.0], "count": [40, 35, 25]}
    )
    return ChartCall("multi_select_bars", (frame,), {"title": f"Chart {name}", "base": 100})


def test_charts_drawn_by_the_drawer_have_the_bytes_of_charts_drawn_here(tmp_path):
    calls = {name: _bars(name) for name in ("a", "b", "c")}
    assert pickle.loads(pickle.dumps(calls["a"])).name == "multi_select_bars"
    for where in ("here", "drawer"):
        (tmp_path / where).mkdir()
    charts.save_all([(make, tmp_path / "here" / f"{n}.png") for n, make in calls.items()], "en")
    with drawing.drawer("en") as drawer:
        assert drawer is not None
        drawer.submit([(calls["a"], tmp_path / "drawer" / "a.png")])
        drawer.submit([(make, tmp_path / "drawer" / f"{n}.png") for n, make in calls.items()])
        drawer.finish()
        assert not drawer._process.is_alive()  # finish ends it
    for name in calls:
        assert (tmp_path / "drawer" / f"{name}.png").read_bytes() == (
            tmp_path / "here" / f"{name}.png"
        ).read_bytes()


def test_a_chart_that_fails_in_the_drawer_fails_the_run_naming_it(tmp_path):
    broken = ChartCall("multi_select_bars", (pd.DataFrame({"label": ["A"]}),), {"title": "t"})
    with drawing.drawer("en") as drawer:
        assert drawer is not None
        drawer.submit([(_bars("a"), tmp_path / "a.png"), (broken, tmp_path / "broken.png")])
        with pytest.raises(drawing.ChartError, match=r"chart broken\.png failed:(.|\n)*Traceback"):
            drawer.finish()
    assert (tmp_path / "a.png").exists() and not (tmp_path / "broken.png").exists()


def test_the_drawer_stops_with_the_run_that_started_it(tmp_path):
    with pytest.raises(KeyboardInterrupt), drawing.drawer("en") as drawer:
        assert drawer is not None
        drawer.submit([(_bars("a"), tmp_path / "a.png")])
        raise KeyboardInterrupt
    assert not drawer._process.is_alive()


def test_a_drawer_that_died_is_an_error_naming_it(tmp_path):
    with drawing.drawer("en") as drawer:
        assert drawer is not None
        drawer._process.kill()
        drawer._process.join()
        with pytest.raises(
            drawing.ChartError, match=r"the chart drawer ended early \(exit code -9\)"
        ):
            drawer.submit([(_bars("a"), tmp_path / "a.png")])
            drawer.finish()


class _RecordingDrawer:
    """Draws at once, here, and records when each chart was handed over."""

    def __init__(self, stages: list[str]) -> None:
        self.stages = stages
        self.handed: dict[str, str] = {}

    def submit(self, jobs):
        for _make, path in jobs:
            assert path.name not in self.handed, f"{path.name} handed over twice"
            self.handed[path.name] = self.stages[-1]
        charts.save_all(jobs, "en")

    def finish(self):
        self.handed["finished"] = self.stages[-1]


def test_charts_go_to_the_drawer_as_soon_as_their_results_exist(study, tmp_path):
    from survey import artifacts

    stages: list[str] = []
    drawer = _RecordingDrawer(stages)
    options = artifacts.Options(lang="en", spss=False, parquet=False, draw=drawer)
    artifacts.write_all(study, tmp_path, options, stages.append)
    toplines = [n for n in drawer.handed if n.startswith(("scale-", "multi-"))]
    assert toplines and {drawer.handed[n] for n in toplines} == {"toplines and published figures"}
    by = [n for n in drawer.handed if n.startswith("by-")]
    assert by and all(drawer.handed[n] != "report" for n in by)  # once the crosstab stage is back
    assert drawer.handed["finished"] == "report"
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == sorted(
        n for n in drawer.handed if n != "finished"
    )


def _sleep_after_saying(pidfile: Path) -> None:
    pidfile.write_text(str(os.getpid()))
    time.sleep(60)


def test_stopping_the_drawer_ends_the_charts_it_is_drawing(tmp_path):
    pidfile = tmp_path / "pid"
    with drawing.drawer("en") as drawer:
        assert drawer is not None
        drawer.submit([(functools.partial(_sleep_after_saying, pidfile), tmp_path / "slow.png")])
        for _ in range(200):
            if pidfile.exists() and pidfile.read_text():
                break
            time.sleep(0.05)
        chart = int(pidfile.read_text())
    # the drawer is stopped: its chart process was killed and reaped before it ended
    assert not Path(f"/proc/{chart}").exists()
