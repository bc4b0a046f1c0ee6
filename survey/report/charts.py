"""Charts of a wave's results: one small function per chart, tidy DataFrames in, Figure out.

Every chart is drawn at slide size (10 x 5.6 inches, saved at 150 dpi), shows its
sample sizes, and uses the fonts of :func:`survey.report.fonts.chart_rc` for its language
(a CJK font first for Chinese).  The functions take labels already in the report's
language; they know nothing of any study.  Their own words (sample sizes, ``n = 1,776``)
come from the message catalogues (:mod:`survey.i18n`).  :func:`save_png` writes a PNG whose bytes
depend only on the figure (no software tag, no timestamp).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"label": ["A", "B"], "pct": [40.0, 60.0], "count": [4, 6]})
>>> fig = multi_select_bars(frame, title="How?", base=10)
>>> save_png(fig, "how.png")  # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from survey.i18n import N_, translator
from survey.report import fonts

FIGSIZE = (10.0, 5.6)
DPI = 150
NEUTRAL = "#bdbdbd"
BASE_RC = {
    "svg.hashsalt": "survey",
    "font.size": 10,
    "axes.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}
# Translators: a sample size on a chart; {n} is already formatted ("1,776").
SAMPLE_SIZE = N_("n = {n}")


def _n(lang: str, n: str) -> str:
    """``n = 1,776`` in ``lang``."""
    return translator(lang).gettext(SAMPLE_SIZE, n=n)


@contextmanager
def style(lang: str = "en") -> Iterator[None]:
    """Fixed rcParams for charts in ``lang`` (fonts, sizes, hash salt)."""
    rc: Any = {**BASE_RC, **fonts.chart_rc(lang)}  # matplotlib types its keys as literals
    with matplotlib.rc_context(rc):
        yield


def wrap(text: str, width: int = 38) -> str:
    """Wrap a label; CJK characters count double (they are twice as wide)."""
    cjk = any(ord(ch) >= 0x2E80 for ch in text)
    return textwrap.fill(str(text), width // 2 if cjk else width, break_long_words=cjk)


def _figure(height: float = FIGSIZE[1]) -> Figure:
    return Figure(figsize=(FIGSIZE[0], height), dpi=DPI, layout="constrained")


def _finish(fig: Figure) -> Figure:
    """The figure as drawn: its layout is made once, when it is saved (:func:`save_png`).

    Text keeps the fonts it was created with, so a figure made in :func:`style`
    draws the same wherever it is saved.
    """
    return fig


def text_width(text: str) -> int:
    """Width of a label in characters, CJK characters counting double."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(text))


#: Characters of 9-point legend text that fit across a chart (10 inches, less the margins).
LEGEND_CHARS = 120


def _legend(fig: Figure, ax: Any, entries: int) -> None:
    """A legend under the x axis, in as many rows as its entries need to fit the width.

    It belongs to the axes, so the constrained layout makes room for it between the
    axis and the note (a figure legend "outside" would overlap the title or note).
    """
    handles, labels = ax.get_legend_handles_labels()
    widest = max((text_width(label) for label in labels), default=1) + 6  # marker and spacing
    ncol = max(1, min(entries, LEGEND_CHARS // widest))
    # below the tick labels and the axis label: about 3.6 font sizes under the axes
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0),
        borderaxespad=3.6,
        ncol=ncol,
        frameon=False,
        fontsize=9,
    )


def _title(fig: Figure, title: str) -> None:
    fig.suptitle(
        wrap(title, 90),
        x=0.01,
        ha="left",
        fontsize=13,
        fontweight=matplotlib.rcParams["axes.titleweight"],
    )


def _note(fig: Figure, note: str) -> None:
    """A small note under the chart, inside the layout (so it never overlaps the legend)."""
    if note:
        fig.supxlabel(wrap(note, 160), x=0.01, ha="left", fontsize=8, color="#555555")


def _finish_with(fig: Figure, ax: Any, title: str, note: str, entries: int) -> Figure:
    """Title, legend of ``entries`` under ``ax``, note, and the fixed layout."""
    _title(fig, title)
    _legend(fig, ax, entries)
    _note(fig, note)
    return _finish(fig)


def _text_colour(rgb: tuple[float, float, float]) -> str:
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return "black" if luminance > 0.55 else "white"


def scale_colours(n: int) -> list[tuple[float, float, float]]:
    """Colours of an ordered scale's ``n`` points, low (red) to high (blue); a middle point is grey.

    The same scale always gets the same colours.
    """
    colours = [tuple(c) for c in sns.color_palette("RdBu", n)]
    if n % 2:
        colours[n // 2] = matplotlib.colors.to_rgb(NEUTRAL)
    return colours


def diverging_bars(frame: pd.DataFrame, *, title: str, note: str = "", lang: str = "en") -> Figure:
    """Diverging stacked bars of agree/disagree items sharing one ordered scale.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``item, code, label, pct, base`` with one row per item and substantive
        scale point (``pct`` of the substantive base, 0-100), codes ordered from
        the negative to the positive end.  An optional ``item_note`` column is added
        under each item's label (e.g. the share answering "Don't know").
    title, note : str
        Title, and a note under the chart.
    lang : str
        Language of the labels (chooses the font and the chart's own words).

    Returns
    -------
    matplotlib.figure.Figure
        Items sorted by the share at the positive end, largest on top; the middle
        point of an odd scale is split around zero; ``n`` under every item.
    """
    codes = sorted(frame["code"].unique())
    labels = frame.drop_duplicates("code").set_index("code")["label"]
    meta = frame.drop_duplicates("item").set_index("item")
    half = len(codes) // 2
    negative, positive = codes[:half], codes[len(codes) - half :]
    middle = codes[half] if len(codes) % 2 else None
    wide = _items_by_positive(frame, codes, positive)
    colours = dict(zip(codes, scale_colours(len(codes)), strict=True))
    with style(lang):
        fig = _figure(max(FIGSIZE[1], 1.0 + 0.75 * len(wide)))
        ax = fig.add_subplot()
        y = np.arange(len(wide))
        mid = wide[middle].to_numpy() if middle is not None else np.zeros(len(wide))
        left = -mid / 2 - wide[negative].sum(axis=1).to_numpy()
        for code in codes:
            width = wide[code].to_numpy()
            bars = ax.barh(
                y,
                width,
                left=left,
                color=colours[code],
                edgecolor="white",
                height=0.62,
                label=labels[code],
            )
            _segment_labels(ax, bars, width, colours[code])
            left = left + width
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.set_yticks(y, [_item_label(item, meta.loc[item], lang) for item in wide.index])
        _percent_axis(
            ax,
            (mid / 2 + wide[negative].sum(axis=1).to_numpy()).max(),
            (mid / 2 + wide[positive].sum(axis=1).to_numpy()).max(),
        )
        return _finish_with(fig, ax, title, note, len(codes))


def _items_by_positive(frame: pd.DataFrame, codes: list[Any], positive: list[Any]) -> pd.DataFrame:
    """Item x code percentages, items by the share at the positive end (largest last)."""
    wide = (
        frame.pivot_table(index="item", columns="code", values="pct", aggfunc="first", sort=True)
        .reindex(columns=codes)
        .fillna(0.0)
    )
    order = wide[positive].sum(axis=1).sort_values(ascending=True, kind="mergesort").index
    return wide.loc[order]


def _percent_axis(ax: Any, left: float, right: float) -> None:
    """An x axis in steps of 25%, both sides of zero, wide enough for the longest bars."""
    low = 25 * np.ceil(left / 25 + 0.01)
    high = 25 * np.ceil(right / 25 + 0.01)
    ticks = np.arange(-low, high + 1, 25)
    ax.set_xticks(ticks, [f"{abs(t):.0f}%" for t in ticks])
    ax.set_xlim(-low, high)


def _segment_labels(ax: Any, bars: Any, widths: np.ndarray, colour: Any) -> None:
    """The percentage inside each bar segment wide enough to hold it (6 points or more)."""
    for rect, value in zip(bars, widths, strict=True):
        if value >= 6:
            ax.text(
                rect.get_x() + value / 2,
                rect.get_y() + rect.get_height() / 2,
                f"{value:.0f}%",
                ha="center",
                va="center",
                fontsize=8.5,
                color=_text_colour(colour),
            )


def _item_label(item: str, meta: pd.Series, lang: str) -> str:
    parts = [wrap(item, 44), _n(lang, f"{int(meta['base']):,}")]
    if "item_note" in meta.index and isinstance(meta["item_note"], str) and meta["item_note"]:
        parts[-1] += f"; {meta['item_note']}"
    return "\n".join(parts)


def agreement_by(
    frame: pd.DataFrame,
    *,
    title: str,
    xlabel: str = "%",
    note: str = "",
    lang: str = "en",
    order: list[str] | None = None,
) -> Figure:
    """Estimates of several items by the categories of one background variable, with interval bars.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``item, category, estimate, ci_low, ci_high, n_base`` (proportions 0-1),
        categories in the order to show them.
    order : list of str, optional
        Items from the top down (the same order in every chart of a report);
        default: by the mean estimate, highest on top.

    Returns
    -------
    matplotlib.figure.Figure
        One row per item, one dot with its interval per category; the legend
        (under the plot) gives each category's ``n``.
    """
    categories = list(dict.fromkeys(frame["category"]))
    items = [i for i in (_by_mean(frame) if order is None else order) if i in set(frame["item"])][
        ::-1
    ]  # bottom to top
    palette = sns.color_palette("colorblind", len(categories))
    step = 0.7 / max(len(categories), 1)
    with style(lang):
        fig = _figure(max(FIGSIZE[1], 1.2 + 0.6 * len(items) * max(1.0, len(categories) / 4)))
        ax = fig.add_subplot()
        for j, cat in enumerate(categories):
            sub = frame[frame["category"] == cat].set_index("item").reindex(items)
            y = np.arange(len(items)) + 0.35 - step * (j + 0.5)
            est, err = _percent_interval(sub)
            n = sub["n_base"].dropna().astype(int)
            n_text = f"{n.min():,}" if n.min() == n.max() else f"{n.min():,}-{n.max():,}"
            ax.errorbar(
                est,
                y,
                xerr=err,
                fmt="o",
                color=palette[j],
                markersize=5,
                capsize=2.5,
                linewidth=1.2,
                label=f"{cat} ({_n(lang, n_text)})",
            )
        ax.set_yticks(np.arange(len(items)), [wrap(i, 40) for i in items])
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#e5e5e5")
        ax.set_axisbelow(True)
        return _finish_with(fig, ax, title, note, len(categories))


def _by_mean(frame: pd.DataFrame) -> list[str]:
    """Items by their mean estimate over the categories, highest first."""
    means = (
        frame.groupby("item", sort=True)["estimate"]
        .mean()
        .sort_values(ascending=False, kind="mergesort")
    )
    return list(means.index)


def _percent_interval(sub: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Estimates (proportions) as percentages, and their interval as error-bar lengths."""
    est = 100 * sub["estimate"].to_numpy(dtype=float)
    # clipped: at p = 1 a Wilson bound can sit a rounding error on the wrong side of the estimate
    err = np.clip(
        np.vstack(
            [
                est - 100 * sub["ci_low"].to_numpy(dtype=float),
                100 * sub["ci_high"].to_numpy(dtype=float) - est,
            ]
        ),
        0,
        None,
    )
    return est, err


def multi_select_bars(
    frame: pd.DataFrame, *, title: str, base: int, note: str = "", lang: str = "en"
) -> Figure:
    """Horizontal bars of a multi-select question, sorted by share, with counts.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``label, pct, count`` (``pct`` of the respondents asked, 0-100).
    base : int
        Respondents asked (shown in the title line).

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = frame.sort_values(["pct", "label"], ascending=[True, False], kind="mergesort")
    with style(lang):
        fig = _figure()
        ax = fig.add_subplot()
        y = np.arange(len(data))
        ax.barh(y, data["pct"], color=sns.color_palette("colorblind", 1)[0], height=0.6)
        for yi, (pct, count) in enumerate(zip(data["pct"], data["count"], strict=True)):
            ax.text(
                pct + 1, yi, f"{pct:.1f}% ({_n(lang, f'{int(count):,}')})", va="center", fontsize=9
            )
        ax.set_yticks(y, [wrap(str(label), 40) for label in data["label"]])
        ax.set_xlim(0, min(100, max(10.0, float(data["pct"].max()) * 1.35)))
        ax.set_xlabel("%")
        _title(fig, f"{title} ({_n(lang, f'{base:,}')})")
        _note(fig, note)
        return _finish(fig)


def trend_chart(
    frame: pd.DataFrame, *, title: str, note: str = "", lang: str = "en", ylabel: str = "%"
) -> Figure:
    """Estimates across waves with 95% interval bars, one line per item.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``item, wave, estimate_pct, ci_low, ci_high, n_base`` (percent), waves in
        the order fielded (``wave`` is the label shown); optional ``significant``
        (the change from the previous wave: marked ``*``) and ``wording_changed``
        (marked with a hollow point).

    Returns
    -------
    matplotlib.figure.Figure
        The x axis names each wave with its largest base.
    """
    waves = list(dict.fromkeys(frame["wave"].astype(str)))
    data = frame.assign(wave=frame["wave"].astype(str))
    n = data.groupby("wave")["n_base"].max()
    items = list(dict.fromkeys(data["item"]))
    palette = sns.color_palette("colorblind", len(items))
    with style(lang):
        fig = _figure(FIGSIZE[1] + 0.25 * len(items))
        ax = fig.add_subplot()
        x = {w: i for i, w in enumerate(waves)}
        for j, item in enumerate(items):
            sub = data[data["item"] == item]
            xs = sub["wave"].map(x).to_numpy(dtype=float) + (j - (len(items) - 1) / 2) * 0.03
            est = sub["estimate_pct"].to_numpy(dtype=float)
            err = np.vstack(
                [
                    est - sub["ci_low"].to_numpy(dtype=float),
                    sub["ci_high"].to_numpy(dtype=float) - est,
                ]
            )
            ax.errorbar(
                xs, est, yerr=err, marker="o", color=palette[j], capsize=3, label=wrap(item, 40)
            )
            changed = _flag(sub, "wording_changed")
            if changed.any():
                ax.plot(
                    xs[changed],
                    est[changed],
                    "o",
                    markersize=9,
                    markerfacecolor="white",
                    color=palette[j],
                )
            significant = _flag(sub, "significant")
            _stars(ax, xs[significant], est[significant] + err[1][significant], palette[j])
        ax.set_xticks(range(len(waves)), [f"{w}\n({_n(lang, f'{int(n[w]):,}')})" for w in waves])
        ax.set_ylim(0, 105)
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", color="#e5e5e5")
        return _finish_with(fig, ax, title, note, len(items))


def _flag(sub: pd.DataFrame, column: str) -> np.ndarray:
    """A True/False column of a trend frame as booleans (all False when absent)."""
    if column not in sub:
        return np.zeros(len(sub), dtype=bool)
    return sub[column].fillna(False).astype(bool).to_numpy()


def _stars(ax: Any, xs: np.ndarray, tops: np.ndarray, colour: Any) -> None:
    """A bold ``*`` above each interval whose change from the previous wave is significant."""
    for xi, top in zip(xs, tops, strict=True):
        ax.annotate(
            "*",
            (xi, top),
            xytext=(0, 1),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=13,
            fontweight="bold",
            color=colour,
        )


def weighting_diagnostics(
    weights: pd.Series,
    margins: pd.DataFrame,
    *,
    title: str,
    labels: dict[str, str],
    note: str = "",
    lang: str = "en",
) -> Figure:
    """The weights' distribution and each raking margin before and after weighting.

    Parameters
    ----------
    weights : pandas.Series
        The weights of the weighted respondents (no missing values).
    margins : pandas.DataFrame
        ``variable, category, sample_pct, target_pct, achieved_pct`` (percent), in
        the order to show them (``variable`` as its label).
    labels : dict
        Texts: ``weights`` (x label of the histogram), ``respondents``, ``sample``,
        ``target``, ``achieved`` (legend).

    Returns
    -------
    matplotlib.figure.Figure
        Left: histogram of the weights with their mean; right: for every category,
        the unweighted sample share, the target and the weighted share.
    """
    rows = len(margins)
    with style(lang):
        fig = _figure(max(FIGSIZE[1], 1.4 + 0.32 * rows))
        left, right = fig.subplots(1, 2, width_ratios=[1, 1.4])
        values = weights.to_numpy(dtype=float)
        left.hist(values, bins=40, color=sns.color_palette("colorblind", 1)[0])
        left.axvline(values.mean(), color="#555555", linewidth=0.8, linestyle="--")
        left.set_xlabel(labels["weights"])
        left.set_ylabel(labels["respondents"])
        y = np.arange(rows)[::-1]
        _margin_points(right, margins, y, labels)
        right.set_yticks(
            y,
            [
                f"{wrap(v, 24)}: {wrap(c, 24)}"
                for v, c in zip(margins["variable"], margins["category"], strict=True)
            ],
            fontsize=8,
        )
        right.set_xlabel("%")
        right.grid(axis="x", color="#e5e5e5")
        return _finish_with(fig, right, title, note, 3)


def _margin_points(ax: Any, margins: pd.DataFrame, y: np.ndarray, labels: dict[str, str]) -> None:
    """Each margin's sample share, target and weighted share, one marker each."""
    palette = sns.color_palette("colorblind", 3)
    for column, marker, colour in (
        ("sample_pct", "o", palette[1]),
        ("target_pct", "|", "black"),
        ("achieved_pct", "x", palette[0]),
    ):
        ax.plot(
            margins[column].to_numpy(dtype=float),
            y,
            marker,
            color=colour,
            markersize=9 if marker == "|" else 6,
            markeredgewidth=2,
            label=labels[column.removesuffix("_pct")],
        )


def save_png(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as a PNG whose bytes depend only on the figure (no software tag, no date).

    Examples
    --------
    >>> save_png(multi_select_bars(pd.DataFrame({"label": ["A"], "pct": [50.0], "count": [1]}),
    ...                            title="t", base=2), "a.png")  # doctest: +SKIP
    """
    path = Path(path)
    with matplotlib.rc_context(cast(Any, BASE_RC)):  # matplotlib types its keys as literals
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def save_all(jobs: Sequence[tuple[Callable[[], Figure], Path]], lang: str) -> None:
    """Make and save every chart here, one by one: ``jobs`` are (figure maker, PNG path) pairs.

    A run draws its charts in the chart drawer's processes (:mod:`survey.report.drawing`);
    this is where runs do not fork.  The bytes are the same either way (:func:`save_png`).

    Examples
    --------
    >>> frame = pd.DataFrame({"label": ["A"], "pct": [50.0], "count": [1]})
    >>> save_all([(lambda: multi_select_bars(frame, title="t", base=2), Path("a.png"))], "en")  # doctest: +SKIP
    """
    for make, path in jobs:
        with style(lang):  # made and drawn once, in the chart's own fonts
            save_png(make(), path)
